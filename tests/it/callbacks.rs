//! Callbacks to applications on both backends: a failing endpoint is retried with back-off until it
//! answers 2xx, an endpoint that never does is abandoned at the give-up time, and the operator sees
//! every attempt at `/admin/v1/callbacks` and can send one again.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use pxgate::callbacks::{Payload, new_callback};
use reqwest::Method;
use serde_json::Value;

use crate::cli::pxgate;
use crate::harness::{OPERATOR_TOKEN, TestDb, TestGateway, battery};
use crate::listener::TestCert;

battery!(
    a_failing_endpoint_is_retried_until_it_answers,
    an_endpoint_that_never_answers_is_abandoned_and_can_be_retried,
    an_https_endpoint_is_reached_with_the_configured_roots
);

/// An endpoint that answers 503 to its first `failures` calls, then 204; counts calls and keeps
/// the last body.
async fn flaky_endpoint(failures: usize) -> (String, Arc<AtomicUsize>, Arc<tokio::sync::Mutex<String>>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let last = Arc::new(tokio::sync::Mutex::new(String::new()));
    let state = (Arc::clone(&calls), Arc::clone(&last));
    let app = Router::new()
        .route(
            "/hook",
            post(
                move |State((calls, last)): State<(Arc<AtomicUsize>, Arc<tokio::sync::Mutex<String>>)>,
                      body: String| async move {
                    *last.lock().await = body;
                    if calls.fetch_add(1, Ordering::SeqCst) < failures {
                        StatusCode::SERVICE_UNAVAILABLE
                    } else {
                        StatusCode::NO_CONTENT
                    }
                },
            ),
        )
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, calls, last)
}

/// A gateway retrying after 50, 100, 200… ms and giving up after `give_up_secs`, with the
/// application `shop` whose callbacks may go to any port on the loopback.
async fn gateway(db: &TestDb, give_up_secs: u64) -> TestGateway {
    gateway_trusting(db, give_up_secs, None).await
}

/// Like [`gateway`], trusting the roots in `ca_path` for HTTPS endpoints.
async fn gateway_trusting(db: &TestDb, give_up_secs: u64, ca_path: Option<PathBuf>) -> TestGateway {
    let gw = TestGateway::start_with(db, |c| {
        c.callbacks.ca_path = ca_path;
        c.callbacks.retry_min_ms = 50;
        c.callbacks.retry_max_ms = 200;
        c.callbacks.give_up_after_secs = give_up_secs;
        c.callbacks.timeout_secs = 2;
    })
    .await;
    let agreement = serde_json::json!({
        "allow": ["SMS"], "callback_hosts": ["127.0.0.1:*"], "callback_networks": ["127.0.0.0/8"]
    });
    crate::soap_framework::register(&gw, "shop", agreement).await;
    gw
}

async fn queue(db: &TestDb, endpoint: &str, give_up_secs: u64) -> i64 {
    let config = pxgate::callbacks::CallbackConfig {
        give_up_after_secs: give_up_secs,
        ..Default::default()
    };
    let now = chrono::Utc::now().timestamp_millis();
    let callback = new_callback(
        &config,
        "app:shop",
        "notifySmsDeliveryReceipt",
        endpoint,
        Payload::Soap(b"<soapenv:Envelope/>".to_vec()),
        now,
    );
    db.store.queue_callback(&callback, now).await.unwrap()
}

/// Polls the admin API until callback `id` is in `status`.
async fn wait_status(gw: &TestGateway, id: i64, status: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let detail: Value = gw
            .admin(Method::GET, &format!("/callbacks/{id}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if detail["status"] == status {
            return detail;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "callback {id} never became {status}: {detail}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn a_failing_endpoint_is_retried_until_it_answers(db: &TestDb) {
    let gw = gateway(db, 60).await;
    let (url, calls, last) = flaky_endpoint(2).await;
    let id = queue(db, &url, 60).await;
    let detail = wait_status(&gw, id, "delivered").await;
    assert_eq!(
        calls.load(Ordering::SeqCst),
        3,
        "two failures, then delivered, then nothing"
    );
    assert_eq!(*last.lock().await, "<soapenv:Envelope/>");
    assert_eq!(detail["attempts"], 3);
    assert_eq!(detail["app_id"], "shop");
    assert_eq!(detail["body"], "<soapenv:Envelope/>");
    let statuses: Vec<Value> = detail["attempt_log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["http_status"].clone())
        .collect();
    assert_eq!(statuses, [503, 503, 204]);
    assert!(
        detail["attempt_log"][0]["error"]
            .as_str()
            .unwrap()
            .contains("503")
    );
    assert!(detail["attempt_log"][2]["error"].is_null());
    // Nothing more is sent once delivered.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    // The list shows it, filtered by application and status.
    let page: Value = gw
        .admin(Method::GET, "/callbacks?app_id=shop&status=delivered")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page.as_array().unwrap().len(), 1);
    assert_eq!(page[0]["id"], id);
    let bad = gw
        .admin(Method::GET, "/callbacks?status=lost&limit=0")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let problem: Value = bad.json().await.unwrap();
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["status", "limit"], "{problem}");
}

async fn an_endpoint_that_never_answers_is_abandoned_and_can_be_retried(db: &TestDb) {
    let gw = gateway(db, 1).await;
    let (url, calls, _) = flaky_endpoint(usize::MAX).await;
    let id = queue(db, &url, 1).await;
    let detail = wait_status(&gw, id, "abandoned").await;
    let attempts = detail["attempts"].as_i64().unwrap();
    assert!(attempts >= 2, "retried before giving up: {detail}");
    assert_eq!(detail["attempt_log"].as_array().unwrap().len() as i64, attempts);
    assert_eq!(calls.load(Ordering::SeqCst) as i64, attempts);
    assert!(detail["next_attempt_at"].is_null());
    assert!(detail["last_error"].as_str().unwrap().contains("503"));
    // An abandoned callback stays abandoned...
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(calls.load(Ordering::SeqCst) as i64, attempts);
    // ...until an operator sends it again.
    let retried = gw
        .admin(Method::POST, &format!("/callbacks/{id}/retry"))
        .send()
        .await
        .unwrap();
    assert_eq!(retried.status(), 200);
    // The endpoint sees the new attempt before the gateway records it: wait for the record.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let detail: Value = gw
            .admin(Method::GET, &format!("/callbacks/{id}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if detail["attempts"].as_i64().unwrap() > attempts {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the retried callback was not sent: {detail}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(calls.load(Ordering::SeqCst) as i64 > attempts);
    let missing = gw
        .admin(Method::POST, "/callbacks/999999/retry")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    // The same through the CLI.
    let listed = pxgate(&gw, OPERATOR_TOKEN, &["callbacks", "list", "--app", "shop"]).await;
    assert!(listed.status.success());
    let table = String::from_utf8_lossy(&listed.stdout);
    assert!(table.contains("notifySmsDeliveryReceipt"), "{table}");
    let shown = pxgate(
        &gw,
        OPERATOR_TOKEN,
        &["--json", "callbacks", "show", &id.to_string()],
    )
    .await;
    let detail: Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(detail["id"], id);
    assert!(detail["attempt_log"].as_array().unwrap().len() as i64 > attempts);
    let refused = pxgate(&gw, OPERATOR_TOKEN, &["callbacks", "list", "--status", "lost"]).await;
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("400"));
}

/// An HTTPS endpoint with `cert`'s identity answering 204; counts the requests it was sent.
async fn https_endpoint(cert: &TestCert) -> (String, Arc<AtomicUsize>) {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto;
    use hyper_util::service::TowerToHyperService;
    let calls = Arc::new(AtomicUsize::new(0));
    let app = Router::new()
        .route(
            "/hook",
            post(|State(calls): State<Arc<AtomicUsize>>| async move {
                calls.fetch_add(1, Ordering::SeqCst);
                StatusCode::NO_CONTENT
            }),
        )
        .with_state(Arc::clone(&calls));
    let acceptor = tokio_rustls::TlsAcceptor::from(cert.tls.server_config().unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, app) = (acceptor.clone(), app.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = TowerToHyperService::new(app);
                let _ = auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    (url, calls)
}

async fn an_https_endpoint_is_reached_with_the_configured_roots(db: &TestDb) {
    let (trusted, stranger) = (TestCert::new(), TestCert::new());
    let gw = gateway_trusting(db, 1, Some(trusted.tls.cert_path.clone())).await;

    // A certificate not among the roots is not trusted: nothing reaches that endpoint.
    let (url, calls) = https_endpoint(&stranger).await;
    let id = queue(db, &url, 1).await;
    let detail = wait_status(&gw, id, "abandoned").await;
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "sent over an untrusted connection: {detail}"
    );

    // One issued under `ca_path` is, and the callback is delivered over TLS.
    let (url, calls) = https_endpoint(&trusted).await;
    let id = queue(db, &url, 60).await;
    let detail = wait_status(&gw, id, "delivered").await;
    assert_eq!(detail["attempt_log"][0]["http_status"], 204, "{detail}");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}
