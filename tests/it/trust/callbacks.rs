//! Where an application can make the gateway send a request: only to the hosts and ports of its
//! agreement, never to an internal address the agreement does not name (whether written in the
//! URL, reached through a name that resolves to it, or through a redirect), never for an
//! application that is suspended or revoked; and one application's dead or slow endpoint delays
//! only its own callbacks.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::routing::post;
use pxgate::callbacks::{Payload, new_callback};
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{TestDb, TestGateway, battery};
use crate::rest_sms::{outbound, send};
use crate::sms_harness::{SmsGateway, send_sms, start_sim, wait_inbox};
use crate::soap_framework::register;

battery!(
    endpoints_outside_the_agreement_are_refused_when_given,
    a_name_that_resolves_to_the_loopback_is_not_connected_to,
    redirects_are_not_followed,
    one_slow_endpoint_holds_only_its_own_applications_share,
    an_endpoint_that_keeps_failing_opens_its_circuit,
    suspended_applications_wait_revoked_ones_and_dropped_endpoints_are_abandoned,
);

/// How the endpoint answers and what it saw.
#[derive(Default)]
struct Seen {
    calls: AtomicUsize,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

/// An endpoint at `/hook` that waits `delay`, then answers `status` (with `location`, if any).
async fn endpoint(status: StatusCode, delay: Duration, location: Option<String>) -> (String, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let counted = Arc::clone(&seen);
    let app = Router::new().route(
        "/hook",
        post(move || {
            let seen = Arc::clone(&counted);
            let location = location.clone();
            async move {
                seen.calls.fetch_add(1, Ordering::SeqCst);
                let now = seen.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                seen.most_in_flight.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(delay).await;
                seen.in_flight.fetch_sub(1, Ordering::SeqCst);
                let mut headers = HeaderMap::new();
                if let Some(to) = location {
                    headers.insert(header::LOCATION, HeaderValue::from_str(&to).unwrap());
                }
                (status, headers)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

/// A gateway that retries quickly and gives an endpoint `timeout_secs`.
async fn gateway(db: &TestDb, adjust: impl FnOnce(&mut pxgate::callbacks::CallbackConfig)) -> TestGateway {
    TestGateway::start_with(db, |c| {
        c.callbacks.retry_min_ms = 50;
        c.callbacks.retry_max_ms = 200;
        c.callbacks.timeout_secs = 2;
        adjust(&mut c.callbacks);
    })
    .await
}

/// The loopback, any port: what a test endpoint needs.
fn loopback() -> Value {
    json!({"allow": ["SMS"], "callback_hosts": ["127.0.0.1:*"], "callback_networks": ["127.0.0.0/8"]})
}

/// Queues a callback for application `app` to `endpoint`, as a binding would.
async fn queue(db: &TestDb, app: &str, endpoint: &str) -> i64 {
    let config = pxgate::callbacks::CallbackConfig::default();
    let now = chrono::Utc::now().timestamp_millis();
    let callback = new_callback(
        &config,
        &format!("app:{app}"),
        "notifySmsDeliveryReceipt",
        endpoint,
        Payload::Soap(b"<soapenv:Envelope/>".to_vec()),
        now,
    );
    db.store.queue_callback(&callback, now).await.unwrap()
}

/// The operator's view of callback `id`.
async fn detail(gw: &TestGateway, id: i64) -> Value {
    let response = gw
        .admin(Method::GET, &format!("/callbacks/{id}"))
        .send()
        .await
        .unwrap();
    response.json().await.unwrap()
}

/// Polls callback `id` until `done` holds (bounded: 20 s).
async fn wait_for(gw: &TestGateway, id: i64, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let d = detail(gw, id).await;
        if done(&d) {
            return d;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "callback {id} never {what}: {d}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn attempted(d: &Value) -> bool {
    d["attempts"].as_i64().unwrap_or(0) >= 1
}

/// Row 4, at the edge: the simulator's `/faults/drop` (which drops the gateway's own SMPP links)
/// as a receipt endpoint, through SOAP and REST, with a port the agreement does not name and with
/// the loopback the agreement does not let callbacks reach.
async fn endpoints_outside_the_agreement_are_refused_when_given(db: &TestDb) {
    let sim = start_sim(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let drop_url = format!("http://{}/faults/drop", sim.http_addr());
    let receipt = |endpoint: &str| {
        send_sms(&["tel:+821012345678"], Some("1588"), "hi").replace(
            "</loc:message>",
            &format!(
                "</loc:message><loc:receiptRequest><endpoint>{endpoint}</endpoint>\
                 <interfaceName>SmsNotification</interfaceName><correlator>c1</correlator></loc:receiptRequest>"
            ),
        )
    };
    let named_host = gw
        .register_with(
            "named",
            json!({"allow": ["SMS"], "sms_senders": ["1588"], "callback_hosts": ["127.0.0.1"]}),
        )
        .await;
    let any_port = gw
        .register_with(
            "anyport",
            json!({"allow": ["SMS"], "sms_senders": ["1588"], "callback_hosts": ["127.0.0.1:*"]}),
        )
        .await;
    for (app, why) in [
        (&named_host, "a port the agreement does not name"),
        (&any_port, "the loopback outside callback_networks"),
    ] {
        gw.call(app, &receipt(&drop_url))
            .await
            .assert_fault("SVC0002", why);
        let mut body = outbound(&["tel:+821012345678"], "hi");
        body["outboundSMSMessageRequest"]["receiptRequest"] = json!({"notifyURL": drop_url});
        let reply = send(&gw, app, &body).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "REST, {why}: {}",
            reply.body
        );
        assert_eq!(reply.exception().1, "SVC0002", "REST, {why}");
    }
    for url in [
        "http://169.254.169.254:80/latest/meta-data",
        "http://[::1]:8080/x",
    ] {
        let wide = gw
            .register_with(
                &format!("wide{}", url.len()),
                json!({"allow": ["SMS"], "sms_senders": ["1588"],
                       "callback_hosts": ["169.254.169.254:*", "[::1]:*"]}),
            )
            .await;
        gw.call(&wide, &receipt(url))
            .await
            .assert_fault("SVC0002", "the metadata and loopback addresses");
    }
    // The gateway's links are still up: a message goes out.
    gw.call(
        &named_host,
        &send_sms(&["tel:+821012345678"], Some("1588"), "still here"),
    )
    .await
    .assert_ok("sendSms after the refusals");
    assert_eq!(wait_inbox(&sim, "821012345678").await.text, "still here");
}

/// Row 4, at connect time: `localhost` is on the agreement, but it resolves to the loopback the
/// agreement does not let callbacks reach; the endpoint never hears of it and the operator reads
/// why.
async fn a_name_that_resolves_to_the_loopback_is_not_connected_to(db: &TestDb) {
    let gw = gateway(db, |_| {}).await;
    register(
        &gw,
        "named",
        json!({"allow": ["SMS"], "callback_hosts": ["localhost:*"]}),
    )
    .await;
    let (url, seen) = endpoint(StatusCode::NO_CONTENT, Duration::ZERO, None).await;
    let id = queue(db, "named", &url.replace("127.0.0.1", "localhost")).await;
    let d = wait_for(&gw, id, "attempted", attempted).await;
    assert_eq!(seen.calls.load(Ordering::SeqCst), 0);
    assert_eq!(d["status"], "pending", "{d}");
    let error = d["last_error"].as_str().unwrap();
    assert!(error.contains("callback_networks"), "{error}");
}

/// Row 4, redirects: a 307 (which keeps the POST) to another internal endpoint is an answer,
/// not an instruction.
async fn redirects_are_not_followed(db: &TestDb) {
    let gw = gateway(db, |_| {}).await;
    register(&gw, "shop", loopback()).await;
    let (target, target_seen) = endpoint(StatusCode::NO_CONTENT, Duration::ZERO, None).await;
    let (url, seen) = endpoint(StatusCode::TEMPORARY_REDIRECT, Duration::ZERO, Some(target)).await;
    let id = queue(db, "shop", &url).await;
    let d = wait_for(&gw, id, "attempted", attempted).await;
    assert!(seen.calls.load(Ordering::SeqCst) >= 1);
    assert_eq!(
        target_seen.calls.load(Ordering::SeqCst),
        0,
        "the redirect was followed"
    );
    assert_eq!(d["status"], "pending");
    assert_eq!(d["attempt_log"][0]["http_status"], 307, "{d}");
}

/// Row 10: ten callbacks to an endpoint that never answers in time, then one to another
/// application: the slow one never has more than its share in flight, and the other is delivered.
async fn one_slow_endpoint_holds_only_its_own_applications_share(db: &TestDb) {
    let gw = gateway(db, |c| {
        c.concurrency = 8;
        c.per_app_concurrency = 2;
        c.breaker_failures = 100;
    })
    .await;
    register(&gw, "slow", loopback()).await;
    register(&gw, "fast", loopback()).await;
    let (slow_url, slow) = endpoint(StatusCode::NO_CONTENT, Duration::from_secs(5), None).await;
    let (fast_url, fast) = endpoint(StatusCode::NO_CONTENT, Duration::ZERO, None).await;
    for _ in 0..10 {
        queue(db, "slow", &slow_url).await;
    }
    let id = queue(db, "fast", &fast_url).await;
    wait_for(&gw, id, "delivered", |d| d["status"] == "delivered").await;
    assert_eq!(fast.calls.load(Ordering::SeqCst), 1);
    // The slow application's first attempts were sent at the same time; they may land later.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while slow.calls.load(Ordering::SeqCst) == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the slow endpoint was never tried"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        slow.most_in_flight.load(Ordering::SeqCst) <= 2,
        "one application had {} callbacks in flight",
        slow.most_in_flight.load(Ordering::SeqCst)
    );
}

/// Row 10, the circuit breaker: after three failures in a row the application's waiting
/// callbacks are put off for the pause instead of being retried every 50 ms.
async fn an_endpoint_that_keeps_failing_opens_its_circuit(db: &TestDb) {
    let gw = gateway(db, |c| {
        c.per_app_concurrency = 2;
        c.breaker_failures = 3;
        c.breaker_open_secs = 600;
    })
    .await;
    register(&gw, "down", loopback()).await;
    let (url, seen) = endpoint(StatusCode::SERVICE_UNAVAILABLE, Duration::ZERO, None).await;
    let mut ids = Vec::new();
    for _ in 0..10 {
        ids.push(queue(db, "down", &url).await);
    }
    let first = ids[0];
    wait_for(&gw, first, "attempted", attempted).await;
    // Without the breaker, two at a time retried every 50-200 ms make dozens of calls here.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let calls = seen.calls.load(Ordering::SeqCst);
    assert!(
        (3..=4).contains(&calls),
        "{calls} calls to an endpoint that kept failing"
    );
    let soon = chrono::Utc::now().timestamp_millis() + 500_000;
    for id in ids {
        let d = detail(&gw, id).await;
        assert_eq!(d["status"], "pending");
        let next = chrono::DateTime::parse_from_rfc3339(d["next_attempt_at"].as_str().unwrap()).unwrap();
        assert!(next.timestamp_millis() > soon, "not put off: {d}");
    }
}

/// Row 7: a suspended application's callbacks wait and go out when it is resumed; a revoked
/// application's are abandoned, and so is one whose endpoint the operator took off its agreement.
async fn suspended_applications_wait_revoked_ones_and_dropped_endpoints_are_abandoned(db: &TestDb) {
    let gw = gateway(db, |_| {}).await;
    for app in ["paused", "gone", "moved"] {
        register(&gw, app, loopback()).await;
    }
    let (url, seen) = endpoint(StatusCode::NO_CONTENT, Duration::ZERO, None).await;
    let admin = |path: String| gw.admin(Method::POST, &path).json(&json!({})).send();
    assert!(
        admin("/apps/paused/suspend".into())
            .await
            .unwrap()
            .status()
            .is_success()
    );
    assert!(
        admin("/apps/gone/revoke".into())
            .await
            .unwrap()
            .status()
            .is_success()
    );
    let agreement = json!({"allow": ["SMS"], "callback_hosts": ["hooks.example"]});
    let put = gw
        .admin(Method::PUT, "/apps/moved/agreement")
        .json(&agreement)
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success(), "{}", put.text().await.unwrap());
    let paused = queue(db, "paused", &url).await;
    let gone = queue(db, "gone", &url).await;
    let moved = queue(db, "moved", &url).await;
    let d = wait_for(&gw, gone, "abandoned", |d| d["status"] == "abandoned").await;
    assert!(d["last_error"].as_str().unwrap().contains("revoked"), "{d}");
    let d = wait_for(&gw, moved, "abandoned", |d| d["status"] == "abandoned").await;
    assert!(
        d["last_error"].as_str().unwrap().contains("callback_hosts"),
        "{d}"
    );
    let d = detail(&gw, paused).await;
    assert_eq!(
        (d["status"].as_str(), d["attempts"].as_i64()),
        (Some("pending"), Some(0)),
        "{d}"
    );
    assert_eq!(seen.calls.load(Ordering::SeqCst), 0);
    assert!(
        admin("/apps/paused/resume".into())
            .await
            .unwrap()
            .status()
            .is_success()
    );
    wait_for(&gw, paused, "delivered", |d| d["status"] == "delivered").await;
    assert_eq!(seen.calls.load(Ordering::SeqCst), 1);
}
