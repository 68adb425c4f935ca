//! notifySmsDeliveryReceipt end to end on both backends: a sendSms with a receiptRequest, the
//! receipts from the simulator, and one SOAP callback per address at the application's endpoint;
//! a reused correlator and a callback host outside the agreement are refused.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use tokio::sync::mpsc;

use crate::harness::{TestDb, battery};
use crate::sms_harness::{SmsGateway, send_sms, start_sim};
use crate::soap_framework::element;

battery!(
    each_address_is_notified_once_when_final,
    receipt_requests_are_checked
);

/// An application's SmsNotification endpoint that hands every body to the test.
async fn endpoint() -> (String, mpsc::Receiver<String>) {
    let (tx, rx) = mpsc::channel(16);
    let app = Router::new()
        .route(
            "/notify",
            post(
                |State(tx): State<mpsc::Sender<String>>, body: String| async move {
                    let _ = tx.send(body).await;
                    ""
                },
            ),
        )
        .with_state(tx);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, rx)
}

fn with_receipt_request(body: &str, endpoint: &str, correlator: &str) -> String {
    body.replace(
        "</loc:message>",
        &format!(
            "</loc:message><loc:receiptRequest><endpoint>{endpoint}</endpoint>\
             <interfaceName>SmsNotification</interfaceName><correlator>{correlator}</correlator></loc:receiptRequest>"
        ),
    )
}

async fn each_address_is_notified_once_when_final(db: &TestDb) {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = start_sim(smpp).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let app = gw.register("shop").await;
    let (url, mut calls) = endpoint().await;
    let text = "긴 메시지 ".repeat(20); // two UCS-2 parts: notified only when both are delivered
    let body = send_sms(&["tel:+821012345678", "tel:+821087654321"], Some("1588"), &text);
    gw.call(&app, &with_receipt_request(&body, &url, "order-7"))
        .await
        .assert_ok("sendSms");
    let mut seen = Vec::new();
    for _ in 0..2 {
        let call = tokio::time::timeout(Duration::from_secs(10), calls.recv())
            .await
            .unwrap()
            .unwrap();
        assert!(call.contains("notifySmsDeliveryReceipt"), "{call}");
        assert_eq!(element(&call, "correlator"), Some("order-7"));
        assert!(
            call.contains("<deliveryStatus>DeliveredToTerminal</deliveryStatus>"),
            "{call}"
        );
        seen.push(element(&call, "address").unwrap().to_owned());
    }
    seen.sort();
    assert_eq!(seen, ["tel:+821012345678", "tel:+821087654321"]);
    let more = tokio::time::timeout(Duration::from_millis(500), calls.recv()).await;
    assert!(more.is_err(), "once per address: {more:?}");
}

async fn receipt_requests_are_checked(db: &TestDb) {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = start_sim(smpp).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let app = gw.register("shop").await;
    let body = send_sms(&["tel:+821012345678"], Some("1588"), "hi");
    let ok = with_receipt_request(&body, "http://127.0.0.1:9/n", "c-1");
    gw.call(&app, &ok).await.assert_ok("first use");
    let again = gw.call(&app, &ok).await;
    again.assert_fault("SVC0005", "reused correlator");
    assert_eq!(again.variables(), ["c-1", "receiptRequest.correlator"]);
    let elsewhere = with_receipt_request(&body, "http://evil.example/n", "c-2");
    let refused = gw.call(&app, &elsewhere).await;
    refused.assert_fault("SVC0002", "callback host not in the agreement");
    assert_eq!(refused.variables(), ["receiptRequest.endpoint"]);
}
