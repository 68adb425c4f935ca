//! `pxgate serve` as a process of its own, for the tests that kill it (SIGKILL) mid-load and start
//! it again on the same database.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::harness::{OPERATOR_TOKEN, TEST_SECRET_KEY};

const PXGATE: &str = env!("CARGO_BIN_EXE_pxgate");

/// A `pxgate serve` process; killed (SIGKILL) when dropped.
pub(crate) struct Gateway {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub(crate) base: String,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `pxgate serve` over `store_url` on a fresh port, with the operator token of the harness
/// and `extra` appended to its configuration, and waits (bounded) until it answers `/healthz`. Its
/// log goes to `log` in `dir`.
pub(crate) async fn serve(dir: &std::path::Path, store_url: &str, extra: &str, log: &str) -> Gateway {
    use sha2::Digest as _;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let token_sha256: String = sha2::Sha256::digest(OPERATOR_TOKEN.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let config = format!(
        "[http]\nlisten = \"127.0.0.1:{port}\"\n\n[store]\nurl = \"{store_url}\"\n\n\
         [[admin.operators]]\nname = \"tester\"\ntoken_sha256 = \"{token_sha256}\"\n\n{extra}"
    );
    let path = dir.join("pxgate.toml");
    std::fs::write(&path, config).unwrap();
    let child = Command::new(PXGATE)
        .arg("serve")
        .arg("--config")
        .arg(&path)
        .env("PXGATE_FRAMEWORK__SECRET_KEY", TEST_SECRET_KEY)
        .env_remove("PXGATE_CONFIG")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join(log)).unwrap())
        .spawn()
        .expect("start pxgate serve");
    let mut gateway = Gateway {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let http = reqwest::Client::new();
    for _ in 0..400 {
        if let Ok(r) = http.get(format!("{}/healthz", gateway.base)).send().await
            && r.status().is_success()
        {
            return gateway;
        }
        if let Some(status) = gateway.child.try_wait().unwrap() {
            let text = std::fs::read_to_string(dir.join(log)).unwrap_or_default();
            panic!("pxgate serve exited with {status}: {text}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("pxgate serve never became healthy");
}

/// The database a `pxgate serve` of this test uses: `db`'s PostgreSQL, or a SQLite file in `dir`.
pub(crate) fn store_url(db: &crate::harness::TestDb, dir: &std::path::Path) -> String {
    db.pg_url()
        .unwrap_or_else(|| format!("sqlite://{}", dir.join("gateway.db").display()))
}
