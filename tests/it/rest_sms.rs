//! OneAPI SMS over REST (`/oneapi/v1/smsmessaging`), end to end over real sockets on both
//! backends with the SMSC simulator: send → handset → deliveryInfos → JSON
//! deliveryInfoNotification at the application's endpoint; clientCorrelator retries; SOAP and
//! REST sharing the rules (same refusals, same message at the handset); another application's
//! request; inbound messages; hostile JSON refused naming the field with nothing queued.

mod hostile;
mod inbound;
mod receipt_subscriptions;

use hostile::hostile_json_is_refused_naming_the_field;
use inbound::{inbound_messages_are_taken_once, inbound_subscriptions_push_json_until_deleted};
use receipt_subscriptions::{
    receipt_subscriptions_notify_every_send_until_deleted, receipt_subscriptions_refuse_bad_requests,
};

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::harness::{TestDb, battery};
use crate::rest_payment::{Reply, reply};
use crate::sms_harness::{SmsGateway, send_sms, start_sim, wait_inbox};

battery!(
    a_message_is_sent_delivered_and_notified,
    a_client_correlator_retry_answers_the_first_request,
    soap_and_rest_share_the_rules,
    another_applications_request_is_not_found,
    inbound_messages_are_taken_once,
    inbound_subscriptions_push_json_until_deleted,
    hostile_json_is_refused_naming_the_field,
    receipt_subscriptions_notify_every_send_until_deleted,
    receipt_subscriptions_refuse_bad_requests,
    a_form_encoded_send_is_the_json_one,
);

/// The application's sender as a URL path segment (`tel:1588`, URL-encoded).
pub(crate) const SENDER_PATH: &str = "tel%3A1588";
pub(crate) const BOB: &str = "tel:+821087654321";
pub(crate) const ALICE: &str = "tel:+821012345678";

pub(crate) type App = (String, String);

/// Posts JSON `text` to `/oneapi/v1{path}` as `app`.
pub(crate) async fn post_text(gw: &SmsGateway, path: &str, app: &App, text: &str) -> Reply {
    let request = gw
        .http
        .post(format!("{}/oneapi/v1{path}", gw.base))
        .header("content-type", "application/json")
        .basic_auth(&app.0, Some(&app.1))
        .body(text.to_owned());
    reply(request.send().await.unwrap()).await
}

/// GETs `url` (from the origin) as `app`.
pub(crate) async fn get(gw: &SmsGateway, url: &str, app: &App) -> Reply {
    let request = gw
        .http
        .get(format!("{}{url}", gw.base))
        .basic_auth(&app.0, Some(&app.1));
    reply(request.send().await.unwrap()).await
}

/// `POST …/outbound/tel%3A1588/requests` with `body`.
pub(crate) async fn send(gw: &SmsGateway, app: &App, body: &Value) -> Reply {
    let path = format!("/smsmessaging/outbound/{SENDER_PATH}/requests");
    post_text(gw, &path, app, &body.to_string()).await
}

/// An `outboundSMSMessageRequest` from `tel:1588`.
pub(crate) fn outbound(to: &[&str], text: &str) -> Value {
    json!({"outboundSMSMessageRequest": {
        "address": to,
        "senderAddress": "tel:1588",
        "outboundSMSTextMessage": {"message": text},
    }})
}

/// `(status, messageId, variables)` of a requestError.
pub(crate) fn exception(r: &Reply) -> (StatusCode, String, Vec<String>) {
    let error = &r.body["requestError"];
    let e = if error["policyException"].is_object() {
        &error["policyException"]
    } else {
        &error["serviceException"]
    };
    let variables = e["variables"]
        .as_array()
        .map(|v| v.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    (
        r.status,
        e["messageId"].as_str().unwrap_or("").to_owned(),
        variables,
    )
}

/// An application's notifyURL that hands every JSON body to the test.
pub(crate) async fn endpoint() -> (String, mpsc::Receiver<(String, Value)>) {
    let (tx, rx) = mpsc::channel(16);
    let app = Router::new()
        .route(
            "/notify",
            post(
                |State(tx): State<mpsc::Sender<(String, Value)>>,
                 headers: axum::http::HeaderMap,
                 body: String| async move {
                    let kind = headers
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned();
                    let _ = tx
                        .send((kind, serde_json::from_str(&body).unwrap_or(Value::Null)))
                        .await;
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

/// Polls `url` (a deliveryInfos resource) until every address has `status` (bounded: 10 s).
pub(crate) async fn wait_delivery(gw: &SmsGateway, app: &App, url: &str, status: &str) -> Value {
    let mut last = Value::Null;
    for _ in 0..500 {
        let r = get(gw, url, app).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let infos = r.body["deliveryInfoList"]["deliveryInfo"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if !infos.is_empty() && infos.iter().all(|i| i["deliveryStatus"] == status) {
            return r.body;
        }
        last = r.body;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("never {status}: {last}");
}

/// A simulator, a gateway on it, and application `shop`.
pub(crate) async fn setup(db: &TestDb) -> (pxsim::SimHandle, SmsGateway, App) {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = start_sim(smpp).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let app = gw.register("shop").await;
    (sim, gw, app)
}

async fn a_message_is_sent_delivered_and_notified(db: &TestDb) {
    let (sim, gw, app) = setup(db).await;
    let (notify_url, mut calls) = endpoint().await;
    let mut body = outbound(&[ALICE, BOB], "잔액은 12,000원입니다");
    body["outboundSMSMessageRequest"]["receiptRequest"] =
        json!({"notifyURL": notify_url, "callbackData": "order-7"});
    let created = send(&gw, &app, &body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let request = &created.body["outboundSMSMessageRequest"];
    let url = request["resourceURL"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with("/oneapi/v1/smsmessaging/outbound/tel%3A1588/requests/"),
        "{url}"
    );
    assert_eq!(created.headers["location"], url.as_str());
    assert_eq!(created.body["resourceReference"]["resourceURL"], url.as_str());
    assert_eq!(request["address"], json!([ALICE, BOB]));
    assert_eq!(request["receiptRequest"]["callbackData"], "order-7");
    let infos = request["deliveryInfoList"]["deliveryInfo"].as_array().unwrap();
    assert_eq!(infos.len(), 2);
    assert!(infos.iter().all(|i| i["deliveryStatus"].is_string()), "{infos:?}");

    let message = wait_inbox(&sim, "821012345678").await;
    assert_eq!(message.text, "잔액은 12,000원입니다");
    assert_eq!(message.from, "1588");
    let list = wait_delivery(&gw, &app, &format!("{url}/deliveryInfos"), "DeliveredToTerminal").await;
    assert_eq!(
        list["deliveryInfoList"]["resourceURL"],
        format!("{url}/deliveryInfos")
    );
    let read = get(&gw, &url, &app).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    assert_eq!(
        read.body["outboundSMSMessageRequest"]["address"],
        json!([ALICE, BOB])
    );

    let mut seen = Vec::new();
    for _ in 0..2 {
        let (kind, call) = tokio::time::timeout(Duration::from_secs(10), calls.recv())
            .await
            .unwrap()
            .unwrap();
        assert!(kind.starts_with("application/json"), "{kind}");
        let n = &call["deliveryInfoNotification"];
        assert_eq!(n["callbackData"], "order-7", "{call}");
        assert_eq!(
            n["deliveryInfo"]["deliveryStatus"], "DeliveredToTerminal",
            "{call}"
        );
        seen.push(n["deliveryInfo"]["address"].as_str().unwrap().to_owned());
    }
    seen.sort();
    assert_eq!(seen, [ALICE, BOB]);
    let more = tokio::time::timeout(Duration::from_millis(300), calls.recv()).await;
    assert!(more.is_err(), "once per address: {more:?}");
}

async fn a_client_correlator_retry_answers_the_first_request(db: &TestDb) {
    let (sim, gw, app) = setup(db).await;
    let mut body = outbound(&[ALICE], "first");
    body["outboundSMSMessageRequest"]["clientCorrelator"] = json!("corr-1");
    let first = send(&gw, &app, &body).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let again = send(&gw, &app, &body).await;
    assert_eq!(again.status, StatusCode::OK, "a retry: {}", again.body);
    assert_eq!(again.headers["location"], first.headers["location"]);
    body["outboundSMSMessageRequest"]["outboundSMSTextMessage"]["message"] = json!("other");
    let conflict = send(&gw, &app, &body).await;
    assert_eq!(
        exception(&conflict),
        (
            StatusCode::CONFLICT,
            "SVC0005".to_owned(),
            vec!["corr-1".to_owned(), "clientCorrelator".to_owned()]
        )
    );
    // A later message proves the earlier ones are out: exactly one "first" reached Alice.
    let later = send(&gw, &app, &outbound(&[ALICE], "later")).await;
    assert_eq!(later.status, StatusCode::CREATED, "{}", later.body);
    let url = later.body["outboundSMSMessageRequest"]["resourceURL"]
        .as_str()
        .unwrap()
        .to_owned();
    wait_delivery(&gw, &app, &format!("{url}/deliveryInfos"), "DeliveredToTerminal").await;
    let texts: Vec<String> = sim.inbox("821012345678").into_iter().map(|m| m.text).collect();
    assert_eq!(texts.iter().filter(|t| *t == "first").count(), 1, "{texts:?}");
    assert!(!texts.contains(&"other".to_owned()), "{texts:?}");
}

async fn soap_and_rest_share_the_rules(db: &TestDb) {
    let (sim, gw, app) = setup(db).await;
    let four = [
        "tel:+821000000001",
        "tel:+821000000002",
        "tel:+821000000003",
        "tel:+821000000004",
    ];
    let long = "x".repeat(160 * 10);
    // Too many addresses, a sender outside the agreement, an over-long text.
    let soap = [
        send_sms(&four, Some("1588"), "hi"),
        send_sms(&[ALICE], Some("9999"), "hi"),
        send_sms(&[ALICE], Some("1588"), &long),
    ];
    let rest_other_sender = {
        let mut b = outbound(&[ALICE], "hi");
        b["outboundSMSMessageRequest"]["senderAddress"] = json!("tel:9999");
        b
    };
    let rest = [
        (SENDER_PATH, outbound(&four, "hi")),
        ("tel%3A9999", rest_other_sender),
        (SENDER_PATH, outbound(&[ALICE], &long)),
    ];
    for (soap_body, (sender, rest_body)) in soap.iter().zip(&rest) {
        let fault = gw.call(&app, soap_body).await;
        let path = format!("/smsmessaging/outbound/{sender}/requests");
        let refused = post_text(&gw, &path, &app, &rest_body.to_string()).await;
        let (status, id, variables) = exception(&refused);
        assert_eq!(
            Some(id.as_str()),
            fault.message_id(),
            "{} / {}",
            refused.body,
            fault.text
        );
        assert_eq!(variables, fault.variables(), "{} / {}", refused.body, fault.text);
        let expected = if id.starts_with("POL") {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::BAD_REQUEST
        };
        assert_eq!(status, expected, "{}", refused.body);
    }
    // The same message over both bindings reaches the handset the same way.
    let id = gw.send(&app, &[ALICE], "같은 메시지").await;
    gw.wait_status(&app, &id, "DeliveredToTerminal").await;
    let over_rest = send(&gw, &app, &outbound(&[BOB], "같은 메시지")).await;
    assert_eq!(over_rest.status, StatusCode::CREATED, "{}", over_rest.body);
    let (a, b) = (
        wait_inbox(&sim, "821012345678").await,
        wait_inbox(&sim, "821087654321").await,
    );
    assert_eq!(
        (a.text, a.from, a.parts, a.encoding),
        (b.text, b.from, b.parts, b.encoding)
    );
}

async fn another_applications_request_is_not_found(db: &TestDb) {
    let (_sim, gw, app) = setup(db).await;
    let other = gw.register("rival").await;
    let created = send(&gw, &app, &outbound(&[ALICE], "mine")).await;
    let url = created.body["outboundSMSMessageRequest"]["resourceURL"]
        .as_str()
        .unwrap()
        .to_owned();
    for path in [url.clone(), format!("{url}/deliveryInfos")] {
        let r = get(&gw, &path, &other).await;
        assert_eq!(exception(&r).0, StatusCode::NOT_FOUND, "{}", r.body);
        assert_eq!(get(&gw, &path, &app).await.status, StatusCode::OK);
    }
    let made_up = format!("/oneapi/v1/smsmessaging/outbound/{SENDER_PATH}/requests/nope/deliveryInfos");
    assert_eq!(get(&gw, &made_up, &app).await.status, StatusCode::NOT_FOUND);
}

/// OneAPI's form binding: `address` repeated, `senderAddress`, `message` form-encoded send the
/// same message as the JSON body.
async fn a_form_encoded_send_is_the_json_one(db: &TestDb) {
    let (sim, gw, app) = setup(db).await;
    let response = gw
        .http
        .post(format!("{}/oneapi/v1/smsmessaging/outbound/{SENDER_PATH}/requests", gw.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .basic_auth(&app.0, Some(&app.1))
        .body("address=tel%3A%2B821012345678&address=tel%3A%2B821012345679&senderAddress=tel%3A1588&message=Hello+form&clientCorrelator=form-1")
        .send()
        .await
        .unwrap();
    let created = reply(response).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(
        created.body["outboundSMSMessageRequest"]["clientCorrelator"],
        "form-1"
    );
    for number in ["821012345678", "821012345679"] {
        assert_eq!(wait_inbox(&sim, number).await.text, "Hello form");
    }
}
