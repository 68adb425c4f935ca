//! The listener: a request head slower than `header_read_timeout_secs` (slowloris) and an idle
//! keep-alive connection are closed, connections beyond `max_connections` wait for a free slot,
//! HTTPS is served with the configured certificate, `[http.tls]` and `[callbacks] ca_path` are
//! validated by name, PostgreSQL connections can require TLS, and with `[http] ops_listen` the
//! metrics and the admin API are served on the operators' listener only.

use std::path::PathBuf;
use std::time::Duration;

use pxgate::config::Config;
use pxgate::tls::ServerTls;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::harness::{TEST_SECRET_KEY, TestDb, TestGateway};

/// A self-signed certificate for 127.0.0.1 and localhost, as PEM files in a temporary directory.
pub(crate) struct TestCert {
    pub(crate) tls: ServerTls,
    _dir: tempfile::TempDir,
}

impl TestCert {
    pub(crate) fn new() -> Self {
        let names = vec!["127.0.0.1".to_owned(), "localhost".to_owned()];
        let issued = rcgen::generate_simple_self_signed(names).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let cert_path = dir.path().join("cert.pem");
        let key_path = dir.path().join("key.pem");
        std::fs::write(&cert_path, issued.cert.pem()).unwrap();
        std::fs::write(&key_path, issued.signing_key.serialize_pem()).unwrap();
        Self {
            tls: ServerTls { cert_path, key_path },
            _dir: dir,
        }
    }
}

/// The address of `gw` (its base URL without the scheme).
fn addr(gw: &TestGateway) -> String {
    gw.base.split("://").nth(1).unwrap().to_owned()
}

/// Reads until the peer closes; `None` when it has not closed within `within`.
async fn read_to_close(stream: &mut TcpStream, within: Duration) -> Option<String> {
    let mut seen = Vec::new();
    let read = tokio::time::timeout(within, stream.read_to_end(&mut seen)).await;
    match read {
        Ok(Ok(_)) | Ok(Err(_)) => Some(String::from_utf8_lossy(&seen).into_owned()),
        Err(_) => None,
    }
}

/// Reads from `stream` until what was read satisfies `done`; the text read.
async fn read_until(stream: &mut TcpStream, done: impl Fn(&str) -> bool) -> String {
    let mut seen = Vec::new();
    let mut buf = [0_u8; 4096];
    while !done(&String::from_utf8_lossy(&seen)) {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(
            n > 0,
            "closed before the answer: {:?}",
            String::from_utf8_lossy(&seen)
        );
        seen.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&seen).into_owned()
}

/// Reads one whole `/healthz` answer (its body is `ok\n`).
async fn read_health_answer(stream: &mut TcpStream) -> String {
    read_until(stream, |seen| seen.ends_with("ok\n")).await
}

const HEALTH: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n";

#[tokio::test]
async fn a_request_head_slower_than_the_timeout_is_cut_off() {
    let db = TestDb::sqlite().await;
    let gw = TestGateway::start_with(&db, |c| c.http.header_read_timeout_secs = 1).await;

    // Half a request head, then nothing: the connection is closed, no handler ever ran.
    let mut slow = TcpStream::connect(addr(&gw)).await.unwrap();
    slow.write_all(b"POST /parlayx/payment/v2_1/amount_charging HTTP/1.1\r\nHost: gw\r\nX-Slow: ")
        .await
        .unwrap();
    let closed = read_to_close(&mut slow, Duration::from_secs(10)).await;
    let answer = closed.expect("a half-sent request head keeps its connection past the timeout");
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "no answer but a 408: {answer:?}"
    );

    // An idle keep-alive connection is closed too, after its last answer.
    let mut idle = TcpStream::connect(addr(&gw)).await.unwrap();
    idle.write_all(HEALTH).await.unwrap();
    assert!(read_health_answer(&mut idle).await.starts_with("HTTP/1.1 200"));
    let closed = read_to_close(&mut idle, Duration::from_secs(10)).await;
    assert_eq!(closed.as_deref(), Some(""), "an idle connection stays open");

    // The gateway still serves.
    let ok = gw.http.get(format!("{}/healthz", gw.base)).send().await.unwrap();
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let db = TestDb::sqlite().await;
    let gw = TestGateway::start_with(&db, |c| c.http.max_connections = 2).await;

    let mut first = TcpStream::connect(addr(&gw)).await.unwrap();
    let mut second = TcpStream::connect(addr(&gw)).await.unwrap();
    for held in [&mut first, &mut second] {
        held.write_all(HEALTH).await.unwrap();
        assert!(read_health_answer(held).await.starts_with("HTTP/1.1 200"));
    }

    // Both slots are held by open keep-alive connections: a third is not served...
    let mut third = TcpStream::connect(addr(&gw)).await.unwrap();
    third.write_all(HEALTH).await.unwrap();
    let mut buf = [0_u8; 64];
    let early = tokio::time::timeout(Duration::from_millis(500), third.read(&mut buf)).await;
    assert!(
        early.is_err(),
        "a third connection was served beyond max_connections = 2"
    );

    // ...until one of them closes.
    drop(first);
    let answer = tokio::time::timeout(Duration::from_secs(10), read_health_answer(&mut third))
        .await
        .expect("the freed slot went to the waiting connection");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    second.write_all(HEALTH).await.unwrap();
    assert!(read_health_answer(&mut second).await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn https_is_served_with_the_configured_certificate() {
    let db = TestDb::sqlite().await;
    let cert = TestCert::new();
    let tls = cert.tls.clone();
    let gw = TestGateway::start_with(&db, move |c| c.http.tls = Some(tls)).await;
    assert!(gw.base.starts_with("https://"));

    // A client trusting the certificate is served (the admin API too)...
    let ok = gw.http.get(format!("{}/healthz", gw.base)).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "ok\n");
    let apps = gw.admin(reqwest::Method::GET, "/apps").send().await.unwrap();
    assert_eq!(apps.status(), 200);

    // ...one that does not trust it is refused at the handshake...
    let stranger = reqwest::Client::new();
    let refused = stranger.get(format!("{}/healthz", gw.base)).send().await;
    assert!(refused.is_err(), "an untrusted certificate was accepted");

    // ...and plain HTTP gets no answer.
    let plain = format!("http://{}/healthz", addr(&gw));
    assert!(
        gw.http.get(plain).send().await.is_err(),
        "plain HTTP answered on the HTTPS listener"
    );

    // A client that connects and never starts the handshake is cut off like a slow request head.
    let gw = TestGateway::start_with(&db, |c| {
        c.http.tls = Some(cert.tls.clone());
        c.http.header_read_timeout_secs = 1;
    })
    .await;
    let mut silent = TcpStream::connect(addr(&gw)).await.unwrap();
    let closed = read_to_close(&mut silent, Duration::from_secs(10)).await;
    assert_eq!(closed.as_deref(), Some(""), "a silent client holds its TLS slot");
}

#[test]
fn unreadable_tls_files_are_refused_by_name() {
    let cert = TestCert::new();
    let mut config = Config::with_store("sqlite://unused", TEST_SECRET_KEY);
    config.http.header_read_timeout_secs = 0;
    config.http.max_connections = 0;
    config.http.tls = Some(ServerTls {
        cert_path: PathBuf::from("/nonexistent/cert.pem"),
        key_path: cert.tls.key_path.clone(),
    });
    config.callbacks.ca_path = Some(cert.tls.key_path.clone());
    let errors = config.validate().unwrap_err().to_string();
    for key in [
        "http.header_read_timeout_secs",
        "http.max_connections",
        "http.tls: /nonexistent/cert.pem",
        "callbacks.ca_path",
    ] {
        assert!(errors.contains(key), "no error names {key}: {errors}");
    }

    // A key that is not the certificate's is refused as well.
    let other = TestCert::new();
    config.http.tls = Some(ServerTls {
        cert_path: cert.tls.cert_path.clone(),
        key_path: other.tls.key_path.clone(),
    });
    let errors = config.validate().unwrap_err().to_string();
    assert!(errors.contains("do not make a server identity"), "{errors}");

    // Good files pass.
    let mut config = Config::with_store("sqlite://unused", TEST_SECRET_KEY);
    config.http.tls = Some(cert.tls.clone());
    config.callbacks.ca_path = Some(cert.tls.cert_path.clone());
    config.validate().unwrap();
}

#[tokio::test]
async fn postgres_connections_can_require_tls() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let url = format!("{}&sslmode=require", db.pg_url().unwrap());
    let store = pxgate::store::connect(&pxgate::store::StoreOptions {
        url: url.clone(),
        max_connections: 2,
        durability: pxgate::store::Durability::Full,
    })
    .await
    .expect("the store opens over TLS (the test server must have ssl = on)");
    store.ping().await.unwrap();

    // The same URL gives a session the server itself reports as encrypted.
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    let (ssl,): (bool,) = sqlx::query_as("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(ssl, "sslmode=require gave an unencrypted session");
}

/// Sends `head` and a body of `len` bytes, and reads the answer's head (lowercased).
async fn answer_head(stream: &mut TcpStream, head: &str, len: usize) -> String {
    let request = format!("{head}Content-Length: {len}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    // The server may answer before reading the body, and close: the rest may not be written.
    let _ = stream.write_all(&vec![b' '; len]).await;
    read_until(stream, |seen| seen.contains("\r\n\r\n"))
        .await
        .to_lowercase()
}

/// A refusal that leaves the request body unread (here a 415 for JSON posted to a SOAP endpoint,
/// 64 KiB of it) says `Connection: close`, so a client does not send its next request down a
/// connection the server drops; an answer after the body was read keeps the connection.
#[tokio::test]
async fn an_answer_that_leaves_the_body_unread_closes_the_connection() {
    let db = TestDb::sqlite().await;
    let gw = TestGateway::start(&db).await;
    let path = "/AmountChargingService/services/AmountCharging";

    let mut stream = TcpStream::connect(addr(&gw)).await.unwrap();
    let json = format!("POST {path} HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n");
    let head = answer_head(&mut stream, &json, 64 * 1024).await;
    assert!(head.starts_with("http/1.1 415"), "{head}");
    assert!(head.contains("connection: close"), "{head}");

    let mut stream = TcpStream::connect(addr(&gw)).await.unwrap();
    let xml = format!("POST {path} HTTP/1.1\r\nHost: gw\r\nContent-Type: text/xml\r\n");
    let head = answer_head(&mut stream, &xml, 512).await;
    assert!(
        head.starts_with("http/1.1 500"),
        "a fault for a body that is no envelope: {head}"
    );
    assert!(!head.contains("connection: close"), "{head}");
    stream.write_all(HEALTH).await.unwrap();
    assert!(
        read_health_answer(&mut stream).await.contains("200 OK"),
        "the connection was kept"
    );
}

/// `run_on` with an operators' listener: `/metrics`, `/admin/v1` and the console answer there and
/// nowhere else, the bindings answer on the applications' listener only, and the probes on both.
#[tokio::test]
async fn the_operators_listener_alone_serves_metrics_and_the_admin_api() {
    use pxgate::admin::OperatorTokens;
    let db = TestDb::sqlite().await;
    let config = Config::with_store("sqlite://unused", TEST_SECRET_KEY);
    let operators = OperatorTokens::default().with_token("tester", crate::harness::OPERATOR_TOKEN);
    let clock = std::sync::Arc::new(pxgate::domain::SystemClock);
    let app = pxgate::app::App::build(&config, db.store.clone(), clock, operators).unwrap();
    let api = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let ops = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (api_base, ops_base) = (
        format!("http://{}", api.local_addr().unwrap()),
        format!("http://{}", ops.local_addr().unwrap()),
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(pxgate::app::run_on(api, Some(ops), app, async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let status = |base: &str, path: &str| {
        let request = client
            .get(format!("{base}{path}"))
            .bearer_auth(crate::harness::OPERATOR_TOKEN);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    for (path, on_api, on_ops) in [
        ("/healthz", 200, 200),
        ("/metrics", 404, 200),
        ("/admin/v1/status", 404, 200),
        ("/console", 404, 200),
        ("/oneapi/v1/docs", 200, 404),
        ("/SendSmsService/services/SendSms?wsdl", 200, 404),
    ] {
        assert_eq!(
            status(&api_base, path).await,
            on_api,
            "{path} on the applications' listener"
        );
        assert_eq!(
            status(&ops_base, path).await,
            on_ops,
            "{path} on the operators' listener"
        );
    }
    stop.send(()).unwrap();
    served.await.unwrap().unwrap();
}
