//! SMS notification subscriptions (SmsNotificationManager): startSmsNotification pushes an
//! application's messages as notifySmsReception instead of keeping them, holds them while the
//! application is suspended, refuses overlapping or foreign subscriptions, and stops on
//! stopSmsNotification.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::sync::mpsc;

use super::{RECEIVE, admin, get_received, inject, received, registration};
use crate::harness::{TestDb, battery};
use crate::sms_harness::{SmsGateway, start_sim};
use crate::soap_framework::{Answer, element};

battery!(
    subscriptions_push_instead_of_keeping,
    a_suspended_applications_messages_wait_for_it,
    subscriptions_are_checked,
);

const MANAGER: &str = "/SmsNotificationManagerService/services/SmsNotificationManager";
const MANAGER_NS: &str = "http://www.csapi.org/schema/parlayx/sms/notification_manager/v2_3/local";

/// An application's SmsNotification endpoint that hands every body to the test.
async fn endpoint() -> (String, mpsc::Receiver<String>) {
    let (tx, rx) = mpsc::channel(16);
    let app = Router::new()
        .route(
            "/sms",
            post(
                |State(tx): State<mpsc::Sender<String>>, body: String| async move {
                    let _ = tx.send(body).await;
                    ""
                },
            ),
        )
        .with_state(tx);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, rx)
}

fn start(endpoint: &str, correlator: &str, number: &str, criteria: Option<&str>) -> String {
    let criteria = criteria.map_or(String::new(), |c| format!("<loc:criteria>{c}</loc:criteria>"));
    format!(
        "<loc:startSmsNotification xmlns:loc=\"{MANAGER_NS}\"><loc:reference><endpoint>{endpoint}</endpoint>\
         <interfaceName>SmsNotification</interfaceName><correlator>{correlator}</correlator></loc:reference>\
         <loc:smsServiceActivationNumber>{number}</loc:smsServiceActivationNumber>{criteria}</loc:startSmsNotification>"
    )
}

fn stop(correlator: &str) -> String {
    format!(
        "<loc:stopSmsNotification xmlns:loc=\"{MANAGER_NS}\"><loc:correlator>{correlator}</loc:correlator>\
         </loc:stopSmsNotification>"
    )
}

async fn subscriptions_push_instead_of_keeping(db: &TestDb) {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = start_sim(smpp).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let shop = gw.register("shop").await;
    registration(&gw, "shop-all", "shop", "1588", None).await;
    let (url, mut calls) = endpoint().await;
    gw.call_at(MANAGER, &shop, &start(&url, "mo-1", "tel:1588", None))
        .await
        .assert_ok("startSmsNotification");
    inject(&sim, "821012345678", "1588", "push me").await;
    let call = tokio::time::timeout(Duration::from_secs(10), calls.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(call.contains("notifySmsReception"), "{call}");
    assert_eq!(element(&call, "correlator"), Some("mo-1"));
    assert!(call.contains("<message>push me</message>"), "{call}");
    assert_eq!(element(&call, "senderAddress"), Some("tel:+821012345678"));
    assert_eq!(element(&call, "smsServiceActivationNumber"), Some("tel:1588"));
    let kept = gw.call_at(RECEIVE, &shop, &get_received("shop-all")).await;
    kept.assert_ok("getReceivedSms");
    assert!(
        !kept.text.contains("<message>"),
        "pushed, not kept: {}",
        kept.text
    );

    gw.call_at(MANAGER, &shop, &stop("mo-1"))
        .await
        .assert_ok("stopSmsNotification");
    inject(&sim, "821012345678", "1588", "keep me").await;
    assert_eq!(received(&gw, &shop, "shop-all", 1).await, ["keep me"]);
    let more = tokio::time::timeout(Duration::from_millis(300), calls.recv()).await;
    assert!(more.is_err(), "nothing pushed after stop: {more:?}");
}

/// A message for a suspended application's subscription is not pushed and not lost: it waits
/// and is pushed once the application is resumed.
async fn a_suspended_applications_messages_wait_for_it(db: &TestDb) {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = start_sim(smpp).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let shop = gw.register("shop").await;
    registration(&gw, "shop-all", "shop", "1588", None).await;
    let (url, mut calls) = endpoint().await;
    gw.call_at(MANAGER, &shop, &start(&url, "mo-1", "tel:1588", None))
        .await
        .assert_ok("startSmsNotification");
    let (status, _) = admin(&gw, Method::POST, "/apps/shop/suspend", Some(json!({}))).await;
    assert_eq!(status, StatusCode::OK);
    inject(&sim, "821012345678", "1588", "while paused").await;
    let early = tokio::time::timeout(Duration::from_millis(700), calls.recv()).await;
    assert!(early.is_err(), "pushed to a suspended application: {early:?}");
    let (status, _) = admin(&gw, Method::POST, "/apps/shop/resume", Some(json!({}))).await;
    assert_eq!(status, StatusCode::OK);
    let call = tokio::time::timeout(Duration::from_secs(10), calls.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(call.contains("<message>while paused</message>"), "{call}");
}

async fn subscriptions_are_checked(db: &TestDb) {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = start_sim(smpp).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let shop = gw.register("shop").await;
    registration(&gw, "shop-all", "shop", "1588", None).await;
    registration(&gw, "shop-bal", "shop", "1588", Some("BAL")).await;
    let url = "http://127.0.0.1:9/sms";
    let wsdl = gw
        .http
        .get(format!("{}{MANAGER}?wsdl", gw.base))
        .send()
        .await
        .unwrap();
    assert_eq!(wsdl.status(), StatusCode::OK);
    let wsdl = wsdl.text().await.unwrap();
    assert!(wsdl.contains("SmsNotificationManagerService"), "{wsdl}");
    assert!(
        wsdl.contains(&format!("location=\"{}{MANAGER}\"", gw.base)),
        "{wsdl}"
    );
    let refused = |answer: Answer, id: &str, variables: &[&str], what: &str| {
        answer.assert_fault(id, what);
        assert_eq!(answer.variables(), variables, "{what}");
    };
    gw.call_at(MANAGER, &shop, &start(url, "c-bal", "tel:1588", Some("bal")))
        .await
        .assert_ok("keyword criteria");
    refused(
        gw.call_at(MANAGER, &shop, &start(url, "c-bal", "tel:1588", None))
            .await,
        "SVC0005",
        &["c-bal", "reference.correlator"],
        "a correlator in use",
    );
    refused(
        gw.call_at(MANAGER, &shop, &start(url, "c-all", "tel:1588", None))
            .await,
        "SVC0008",
        &["criteria"],
        "all messages overlap the keyword",
    );
    refused(
        gw.call_at(MANAGER, &shop, &start(url, "c-2", "1588", Some("BAL")))
            .await,
        "SVC0008",
        &["criteria"],
        "the same keyword twice",
    );
    refused(
        gw.call_at(
            MANAGER,
            &shop,
            &start("http://evil.example/sms", "c-3", "tel:1588", None),
        )
        .await,
        "SVC0002",
        &["reference.endpoint"],
        "a callback host outside the agreement",
    );
    refused(
        gw.call_at(MANAGER, &shop, &start(url, "c-4", "tel:9999", None))
            .await,
        "SVC0002",
        &["smsServiceActivationNumber"],
        "a number without a registration",
    );
    refused(
        gw.call_at(MANAGER, &shop, &start(url, "c-5", "tel:1588", Some("QUIZ")))
            .await,
        "SVC0002",
        &["criteria"],
        "criteria that are not a registered keyword",
    );
    refused(
        gw.call_at(MANAGER, &shop, &stop("nope")).await,
        "SVC0002",
        &["correlator"],
        "an unknown correlator",
    );
    gw.call_at(MANAGER, &shop, &stop("c-bal")).await.assert_ok("stop");
    gw.call_at(MANAGER, &shop, &start(url, "c-all", "tel:1588", None))
        .await
        .assert_ok("no overlap once stopped");
}
