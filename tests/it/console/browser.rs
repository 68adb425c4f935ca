//! The console in a real browser: headless Chromium driven over WebDriver (Debian's `chromium`
//! and `chromium-driver`; `.ci/run` installs them). The test starts `chromedriver` on a free
//! port itself. Without it the test is skipped with a loud line, except when `CI` is set: then it
//! fails. Every wait is on an element or a value, with a deadline; nothing sleeps to wait.
//!
//! With `PXGATE_CONSOLE_SCREENSHOTS=<dir>` it also saves PNGs of the pages it visits there
//! (`docs/console/` holds the ones the README shows).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::harness::OPERATOR_TOKEN;

/// How long any one thing may take to show up.
pub(crate) const WAIT: Duration = Duration::from_secs(15);

/// `chromedriver` on a port of its own, stopped when dropped.
pub(crate) struct Driver {
    child: Child,
    pub(crate) url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    /// `None` (after a loud line) when chromedriver is not installed, outside CI.
    pub(crate) async fn start() -> Option<Self> {
        let binary = ["chromedriver", "/usr/bin/chromedriver"].into_iter().find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
        let Some(binary) = binary else {
            assert!(
                std::env::var_os("CI").is_none(),
                "chromedriver is required in CI (apt-get install chromium chromium-driver)"
            );
            eprintln!(
                "!!! SKIPPING the console browser test: chromedriver not found (apt-get install chromium chromium-driver) !!!"
            );
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let driver = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + WAIT;
        let http = reqwest::Client::new();
        loop {
            let ready = http.get(format!("{}/status", driver.url)).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return Some(driver);
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A headless Chromium session, 1280 × 900.
    pub(crate) async fn browser(&self) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".to_owned(),
            json!({"args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                            "--window-size=1280,900", "--lang=ko-KR", "--hide-scrollbars"]}),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a Chromium session")
    }
}

/// Waits for the element at `css`.
pub(crate) async fn element(c: &Client, css: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} did not appear: {e}"))
}

/// Waits until the text of the element at `css` passes `ok`; answers it.
pub(crate) async fn text_until(c: &Client, css: &str, ok: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let text = match c.find(Locator::Css(css)).await {
            Ok(e) => e.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if ok(&text) {
            return text;
        }
        assert!(Instant::now() < deadline, "{css} still reads {text:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Fills the form field `name` inside `form` (a CSS selector).
pub(crate) async fn fill(c: &Client, form: &str, name: &str, value: &str) {
    let input = element(c, &format!("{form} [name=\"{name}\"]")).await;
    input.clear().await.unwrap();
    input.send_keys(value).await.unwrap();
}

/// Clicks the element at `css`.
pub(crate) async fn click(c: &Client, css: &str) {
    element(c, css).await.click().await.unwrap();
}

/// Saves a screenshot as `<dir>/<name>.png` when `PXGATE_CONSOLE_SCREENSHOTS` names a directory.
pub(crate) async fn screenshot(c: &Client, name: &str) {
    let Some(dir) = std::env::var_os("PXGATE_CONSOLE_SCREENSHOTS") else {
        return;
    };
    let png = c.screenshot().await.unwrap();
    let path = PathBuf::from(dir).join(format!("{name}.png"));
    std::fs::write(&path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// Signs in through the form of the gateway at `base`, as an operator does.
pub(crate) async fn sign_in(c: &Client, base: &str) {
    c.goto(&format!("{base}/console/")).await.unwrap();
    fill(c, "form", "token", OPERATOR_TOKEN).await;
    screenshot(c, "sign-in").await;
    click(c, "form button[type=submit]").await;
    element(c, "#live").await;
}
