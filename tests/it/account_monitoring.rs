//! The account-monitoring extension over SOAP on both backends: startAccountNotification, charges,
//! the notifications at a real HTTP endpoint of the application, BelowThreshold once per
//! crossing, the privacy rule (POL0002, and the operator's grant), SVC0005 for a correlator in
//! use, and stopAccountNotification ending the notifications.
//!
//! "No more" is checked with a marker: a second monitor on the same account whose notification of
//! the same (later) charge has arrived; the first monitor's notification would be in the same
//! commit.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use reqwest::Method;
use serde_json::json;
use tokio::sync::Mutex;

use crate::alerts::{alert_gateway, auth, charge};
use crate::harness::{TestDb, TestGateway, battery};
use crate::soap_framework::{Answer, Client, call, element, open_account, register};

battery!(
    charges_are_notified_until_stopped,
    below_threshold_is_notified_once_per_crossing,
    only_accounts_with_a_relationship_may_be_monitored,
    a_correlator_in_use_is_refused,
    a_suspended_application_is_not_told_of_charges
);

const MANAGER: &str = "/AccountNotificationManagerService/services/AccountNotificationManager";
const NS: &str = "http://pxgate.dev/schema/account_notification/v1/local";
const ALICE: (&str, &str) = ("821022220001", "010-2222-0001");
const BOB: (&str, &str) = ("821022220002", "010-2222-0002");

type Bodies = Arc<Mutex<Vec<String>>>;

/// The application's AccountNotification endpoint: keeps every body, answers 204.
async fn endpoint() -> (String, Bodies) {
    let bodies: Bodies = Arc::default();
    let app = Router::new()
        .route(
            "/account-events",
            post(|State(bodies): State<Bodies>, body: String| async move {
                bodies.lock().await.push(body);
                StatusCode::NO_CONTENT
            }),
        )
        .with_state(Arc::clone(&bodies));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/account-events", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, bodies)
}

async fn shop(gw: &TestGateway, id: &str) -> Client {
    let agreement = json!({"allow": ["Payment", "AccountManagement"], "callback_hosts": ["127.0.0.1:*"], "callback_networks": ["127.0.0.0/8"]});
    register(gw, id, agreement).await
}

/// startAccountNotification; `criteria` is `Charged` or `BelowThreshold` with a threshold.
async fn start(
    gw: &TestGateway,
    app: &Client,
    url: &str,
    correlator: &str,
    msisdn: &str,
    criteria: &str,
) -> Answer {
    let (criteria, threshold) = criteria.split_once(' ').unwrap_or((criteria, ""));
    let threshold = if threshold.is_empty() {
        String::new()
    } else {
        format!("<loc:threshold>{threshold}</loc:threshold>")
    };
    let body = format!(
        "<loc:startAccountNotification xmlns:loc=\"{NS}\"><loc:reference><endpoint>{url}</endpoint>\
         <interfaceName>AccountNotification</interfaceName><correlator>{correlator}</correlator></loc:reference>\
         <loc:endUserIdentifier>tel:+{msisdn}</loc:endUserIdentifier><loc:criteria>{criteria}</loc:criteria>\
         {threshold}</loc:startAccountNotification>"
    );
    call(gw, MANAGER, &auth(app), &body).await
}

async fn stop(gw: &TestGateway, app: &Client, correlator: &str) -> Answer {
    let body = format!(
        "<loc:stopAccountNotification xmlns:loc=\"{NS}\"><loc:correlator>{correlator}</loc:correlator>\
         </loc:stopAccountNotification>"
    );
    call(gw, MANAGER, &auth(app), &body).await
}

/// Bodies with `correlator` (bounded wait: 15 s for at least `count`).
async fn wait_for(bodies: &Bodies, correlator: &str, count: usize) -> Vec<String> {
    let tag = format!("correlator>{correlator}<");
    for _ in 0..750 {
        let found: Vec<String> = bodies
            .lock()
            .await
            .iter()
            .filter(|b| b.contains(&tag))
            .cloned()
            .collect();
        if found.len() >= count {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "fewer than {count} notifications for {correlator}: {:?}",
        bodies.lock().await
    );
}

async fn count(bodies: &Bodies, correlator: &str) -> usize {
    let tag = format!("correlator>{correlator}<");
    bodies.lock().await.iter().filter(|b| b.contains(&tag)).count()
}

async fn charges_are_notified_until_stopped(db: &TestDb) {
    let (_sim, gw) = alert_gateway(db).await;
    let (url, bodies) = endpoint().await;
    let app = shop(&gw, "shop").await;
    open_account(&gw, ALICE.1, json!({"balance": 5000})).await;
    assert_eq!(charge(&gw, &app, ALICE.0, 100, "first").await, None);
    start(&gw, &app, &url, "c1", ALICE.0, "Charged")
        .await
        .assert_ok("start");
    assert_eq!(charge(&gw, &app, ALICE.0, 500, "second").await, None);

    let got = wait_for(&bodies, "c1", 1).await;
    let n = &got[0];
    assert!(n.contains("notifyAccountCharged"), "{n}");
    assert_eq!(element(n, "endUserIdentifier"), Some("tel:+821022220001"));
    assert_eq!(element(n, "amount"), Some("500"));
    assert_eq!(element(n, "balance"), Some("4400"));
    assert!(element(n, "time").is_some_and(|t| t.ends_with('Z')), "{n}");

    stop(&gw, &app, "c1").await.assert_ok("stop");
    stop(&gw, &app, "c1")
        .await
        .assert_fault("SVC0002", "stopped twice");
    // The marker: a second monitor, told of the next charge.
    start(&gw, &app, &url, "c2", ALICE.0, "Charged")
        .await
        .assert_ok("start c2");
    assert_eq!(charge(&gw, &app, ALICE.0, 200, "third").await, None);
    let marker = wait_for(&bodies, "c2", 1).await;
    assert_eq!(element(&marker[0], "amount"), Some("200"));
    assert_eq!(count(&bodies, "c1").await, 1, "no notification after stop");
}

/// A suspended application's monitors are skipped, not queued for later: after it is resumed
/// it hears of the next charge only. The marker is another application's monitor on the account.
async fn a_suspended_application_is_not_told_of_charges(db: &TestDb) {
    let (_sim, gw) = alert_gateway(db).await;
    let (url, bodies) = endpoint().await;
    let app = shop(&gw, "shop").await;
    let other = shop(&gw, "other").await;
    open_account(&gw, ALICE.1, json!({"balance": 5000})).await;
    assert_eq!(charge(&gw, &app, ALICE.0, 100, "first").await, None);
    assert_eq!(charge(&gw, &other, ALICE.0, 100, "other-first").await, None);
    start(&gw, &app, &url, "paused", ALICE.0, "Charged")
        .await
        .assert_ok("start");
    start(&gw, &other, &url, "marker", ALICE.0, "Charged")
        .await
        .assert_ok("start marker");
    let suspend = gw
        .admin(Method::POST, "/apps/shop/suspend")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert!(suspend.status().is_success());
    assert_eq!(charge(&gw, &other, ALICE.0, 300, "while-suspended").await, None);
    wait_for(&bodies, "marker", 1).await;
    assert_eq!(count(&bodies, "paused").await, 0, "told while suspended");
    let resume = gw
        .admin(Method::POST, "/apps/shop/resume")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert!(resume.status().is_success());
    assert_eq!(charge(&gw, &other, ALICE.0, 200, "after").await, None);
    wait_for(&bodies, "marker", 2).await;
    let told = wait_for(&bodies, "paused", 1).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(element(&told[0], "amount"), Some("200"));
}

async fn below_threshold_is_notified_once_per_crossing(db: &TestDb) {
    let (_sim, gw) = alert_gateway(db).await;
    let (url, bodies) = endpoint().await;
    let app = shop(&gw, "shop").await;
    open_account(&gw, ALICE.1, json!({"balance": 5000})).await;
    assert_eq!(charge(&gw, &app, ALICE.0, 100, "first").await, None);
    start(&gw, &app, &url, "low", ALICE.0, "BelowThreshold 3000")
        .await
        .assert_ok("start");
    start(&gw, &app, &url, "all", ALICE.0, "Charged")
        .await
        .assert_ok("start marker");
    // 4900 → 3400 (above), → 2400 (crossed), → 2000 (still below).
    for (amount, reference) in [(1500, "a"), (1000, "b"), (400, "c")] {
        assert_eq!(charge(&gw, &app, ALICE.0, amount, reference).await, None);
    }
    wait_for(&bodies, "all", 3).await;
    let low = wait_for(&bodies, "low", 1).await;
    assert_eq!(low.len(), 1, "{low:?}");
    assert!(low[0].contains("notifyBalanceBelowThreshold"), "{}", low[0]);
    assert_eq!(element(&low[0], "balance"), Some("2400"));
    assert_eq!(element(&low[0], "threshold"), Some("3000"));
}

async fn only_accounts_with_a_relationship_may_be_monitored(db: &TestDb) {
    let (_sim, gw) = alert_gateway(db).await;
    let (url, _bodies) = endpoint().await;
    let app = shop(&gw, "shop").await;
    open_account(&gw, BOB.1, json!({"balance": 5000})).await;
    let refused = start(&gw, &app, &url, "c1", BOB.0, "Charged").await;
    refused.assert_fault("POL0002", "never charged");
    assert_eq!(refused.variables(), vec!["tel:+821022220002"]);
    // A number without an account is refused the same way.
    start(&gw, &app, &url, "c1", "821099999999", "Charged")
        .await
        .assert_fault("POL0002", "no account");

    // The operator grants it; then the grant is withdrawn.
    let path = format!("/apps/shop/monitored/{}", BOB.1);
    let granted = gw.admin(Method::PUT, &path).send().await.unwrap();
    assert_eq!(granted.status(), StatusCode::NO_CONTENT);
    start(&gw, &app, &url, "c1", BOB.0, "Charged")
        .await
        .assert_ok("granted");
    let withdrawn = gw.admin(Method::DELETE, &path).send().await.unwrap();
    assert_eq!(withdrawn.status(), StatusCode::NO_CONTENT);
    let again = gw.admin(Method::DELETE, &path).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    start(&gw, &app, &url, "c2", BOB.0, "Charged")
        .await
        .assert_fault("POL0002", "withdrawn");
    let unknown_app = gw
        .admin(Method::PUT, "/apps/nope/monitored/01022220002")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown_app.status(), StatusCode::NOT_FOUND);

    // Having charged the account is a relationship.
    assert_eq!(charge(&gw, &app, BOB.0, 100, "b1").await, None);
    start(&gw, &app, &url, "c2", BOB.0, "Charged")
        .await
        .assert_ok("charged before");
    // The endpoint must be on one of the agreement's callback hosts.
    let elsewhere = start(&gw, &app, "http://example.com/x", "c3", BOB.0, "Charged").await;
    elsewhere.assert_fault("SVC0002", "callback host");
    // A threshold is required with BelowThreshold.
    start(&gw, &app, &url, "c4", BOB.0, "BelowThreshold")
        .await
        .assert_fault("SVC0002", "no threshold");
}

async fn a_correlator_in_use_is_refused(db: &TestDb) {
    let (_sim, gw) = alert_gateway(db).await;
    let (url, _bodies) = endpoint().await;
    let app = shop(&gw, "shop").await;
    let other = shop(&gw, "other").await;
    open_account(&gw, ALICE.1, json!({"balance": 5000})).await;
    assert_eq!(charge(&gw, &app, ALICE.0, 100, "a").await, None);
    assert_eq!(charge(&gw, &other, ALICE.0, 100, "b").await, None);
    start(&gw, &app, &url, "c1", ALICE.0, "Charged")
        .await
        .assert_ok("first");
    let duplicate = start(&gw, &app, &url, "c1", ALICE.0, "BelowThreshold 100").await;
    duplicate.assert_fault("SVC0005", "same correlator");
    assert_eq!(duplicate.variables(), vec!["c1", "reference.correlator"]);
    // Correlators are per application.
    start(&gw, &other, &url, "c1", ALICE.0, "Charged")
        .await
        .assert_ok("another application");
    // After stop the correlator may be used again.
    stop(&gw, &app, "c1").await.assert_ok("stop");
    start(&gw, &app, &url, "c1", ALICE.0, "Charged")
        .await
        .assert_ok("reused after stop");
}
