//! Interop with Kannel (Debian's `kannel` 1.4.5: `bearerbox` and `smsbox`), the ESME most SMSCs
//! meet: bearerbox binds a transceiver to the simulator, a handset's message reaches smsbox's
//! `sms-service` (so Kannel reads it as a message, not as a receipt: esm_class 0x00, the short code
//! not malformed as an international number), and a message sent through Kannel's sendsms comes
//! back as a delivery report at its `dlr-url` (esm_class 0x04, ids matched in hex). `.ci/run`
//! installs Kannel; without `CI` set, a machine without it skips loudly.
#![allow(clippy::unwrap_used, reason = "test: any failure should fail the test loudly")]

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::routing::get;
use tokio::sync::mpsc;

use crate::support::{fast_config, start};

/// A process killed when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Kannel's configuration: one SMPP transceiver to the simulator, a sendsms user, and a catch-all
/// service that hands every received message to `endpoint`.
fn config(dir: &Path, smsc_port: u16, ports: [u16; 3], endpoint: &str) -> String {
    let [admin, smsbox, sendsms] = ports;
    let log = |name: &str| dir.join(name).display().to_string();
    format!(
        r#"group = core
admin-port = {admin}
admin-password = interop
smsbox-port = {smsbox}
box-allow-ip = 127.0.0.1
dlr-storage = internal
log-file = "{bearerbox_log}"
log-level = 1

group = smsc
smsc = smpp
smsc-id = pxsim
host = 127.0.0.1
port = {smsc_port}
transceiver-mode = true
smsc-username = pxgate
smsc-password = secret
system-type = ""
interface-version = 34
msg-id-type = 0x03
reconnect-delay = 1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {smsbox}
sendsms-port = {sendsms}
log-file = "{smsbox_log}"
log-level = 1

group = sendsms-user
username = interop
password = interop

group = sms-service
keyword = default
catch-all = true
max-messages = 0
get-url = "{endpoint}/mo?from=%p&to=%P&text=%a"
"#,
        bearerbox_log = log("bearerbox.log"),
        smsbox_log = log("smsbox.log"),
    )
}

/// The application side: every request to `/mo` or `/dlr`, as (path, fields).
async fn application() -> (String, mpsc::Receiver<(String, HashMap<String, String>)>) {
    let (tx, rx) = mpsc::channel(16);
    let handle = |path: &'static str| {
        move |State(tx): State<mpsc::Sender<(String, HashMap<String, String>)>>, RawQuery(query): RawQuery| async move {
            let fields = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
                .into_owned()
                .collect();
            let _ = tx.send((path.to_owned(), fields)).await;
            ""
        }
    };
    let app = Router::new()
        .route("/mo", get(handle("/mo")))
        .route("/dlr", get(handle("/dlr")))
        .with_state(tx);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, rx)
}

async fn next(
    calls: &mut mpsc::Receiver<(String, HashMap<String, String>)>,
    dir: &Path,
) -> (String, HashMap<String, String>) {
    match tokio::time::timeout(Duration::from_secs(20), calls.recv()).await {
        Ok(Some(call)) => call,
        _ => panic!(
            "nothing reached the application in 20 s\nbearerbox: {}\nsmsbox: {}",
            std::fs::read_to_string(dir.join("bearerbox.log")).unwrap_or_default(),
            std::fs::read_to_string(dir.join("smsbox.log")).unwrap_or_default()
        ),
    }
}

/// bearerbox bound to the simulator, and smsbox, on a configuration of their own.
struct Kannel {
    dir: tempfile::TempDir,
    sendsms_port: u16,
    _boxes: [Running; 2],
}

impl Kannel {
    async fn start(sim: &pxsim::SimHandle, endpoint: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ports = [free_port(), free_port(), free_port()];
        let conf = dir.path().join("kannel.conf");
        std::fs::write(&conf, config(dir.path(), sim.smpp_addr().port(), ports, endpoint)).unwrap();
        let spawn = |program: &str| {
            Running(
                Command::new(program)
                    .arg(&conf)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap_or_else(|e| panic!("{program}: {e}")),
            )
        };
        let bearerbox = spawn("bearerbox");
        let deadline = Instant::now() + Duration::from_secs(20);
        while sim.stats().sessions_bound == 0 {
            assert!(
                Instant::now() < deadline,
                "bearerbox never bound to the simulator"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let smsbox = spawn("smsbox");
        Self {
            dir,
            sendsms_port: ports[2],
            _boxes: [smsbox, bearerbox],
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kannel_takes_the_simulators_messages_and_receipts() {
    if Command::new("bearerbox").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "Kannel (bearerbox) is not installed; .ci/run installs Debian's kannel"
        );
        eprintln!("\n!!! SKIPPING the Kannel interop test: bearerbox not found (apt-get install kannel)\n");
        return;
    }
    let sim = start(fast_config()).await;
    let (endpoint, mut calls) = application().await;
    let kannel = Kannel::start(&sim, &endpoint).await;
    let dir = kannel.dir.path();

    // A handset texts the short code: Kannel hands it to its service as a message.
    let deadline = Instant::now() + Duration::from_secs(20);
    while sim
        .inject_mo("821012345678", "1588", "HELLO kannel")
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "no receiver bound");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (path, mo) = next(&mut calls, dir).await;
    assert_eq!(path, "/mo", "{mo:?}");
    assert_eq!(mo["text"], "HELLO kannel");
    assert_eq!(mo["to"], "1588");
    assert!(mo["from"].ends_with("821012345678"), "{mo:?}");

    // A message sent through Kannel reaches the handset, and its receipt comes back as a DLR.
    let dlr_url = format!("{endpoint}/dlr?type=%d&reply=%A");
    let sendsms = url::Url::parse_with_params(
        &format!("http://127.0.0.1:{}/cgi-bin/sendsms", kannel.sendsms_port),
        [
            ("username", "interop"),
            ("password", "interop"),
            ("from", "1588"),
            ("to", "821055501234"),
            ("text", "Hi from Kannel"),
            ("dlr-mask", "3"),
            ("dlr-url", dlr_url.as_str()),
        ],
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match reqwest::get(sendsms.clone()).await {
            Ok(r) if r.status().is_success() => break,
            _ if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(200)).await,
            other => panic!("sendsms never accepted: {other:?}"),
        }
    }
    let (path, dlr) = next(&mut calls, dir).await;
    assert_eq!(path, "/dlr", "{dlr:?}");
    assert_eq!(dlr["type"], "1", "delivered: {dlr:?}");
    assert!(dlr["reply"].contains("stat:DELIVRD"), "{dlr:?}");
    let texts: Vec<String> = sim.inbox("821055501234").into_iter().map(|m| m.text).collect();
    assert_eq!(texts, ["Hi from Kannel"]);
}
