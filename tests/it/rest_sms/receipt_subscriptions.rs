//! OneAPI delivery-receipt subscriptions (`/smsmessaging/outbound/{senderAddress}/subscriptions`):
//! every message sent from the sender without its own receiptRequest, over REST or SOAP, is
//! notified in JSON with the subscription's callbackData until the subscription is deleted; a
//! message with its own receiptRequest notifies only its own endpoint; refusals name the field.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::{
    ALICE, App, BOB, SENDER_PATH, endpoint, exception, get, outbound, post_text, send, setup, wait_delivery,
};
use crate::harness::TestDb;
use crate::rest_payment::Reply;
use crate::sms_harness::SmsGateway;

type Calls = mpsc::Receiver<(String, Value)>;

/// `POST …/outbound/{sender}/subscriptions` with `body`.
async fn subscribe(gw: &SmsGateway, app: &App, sender: &str, body: &Value) -> Reply {
    let path = format!("/smsmessaging/outbound/{sender}/subscriptions");
    post_text(gw, &path, app, &body.to_string()).await
}

fn subscription(notify_url: &str, data: &str, correlator: Option<&str>) -> Value {
    let mut s = json!({"deliveryReceiptSubscription": {
        "callbackReference": {"notifyURL": notify_url, "callbackData": data},
    }});
    if let Some(c) = correlator {
        s["deliveryReceiptSubscription"]["clientCorrelator"] = json!(c);
    }
    s
}

async fn delete(gw: &SmsGateway, url: &str, app: &App) -> StatusCode {
    let request = gw.http.delete(format!("{}{url}", gw.base));
    request
        .basic_auth(&app.0, Some(&app.1))
        .send()
        .await
        .unwrap()
        .status()
}

/// The next `deliveryInfoNotification` at an endpoint: (callbackData, address, status).
async fn next_notice(calls: &mut Calls) -> (String, String, String) {
    let (kind, call) = tokio::time::timeout(Duration::from_secs(10), calls.recv())
        .await
        .expect("a notification within 10 s")
        .unwrap();
    assert!(kind.starts_with("application/json"), "{kind}");
    let n = &call["deliveryInfoNotification"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    (
        text(&n["callbackData"]),
        text(&n["deliveryInfo"]["address"]),
        text(&n["deliveryInfo"]["deliveryStatus"]),
    )
}

/// Sends over REST; answers the request's resource URL.
async fn sent(gw: &SmsGateway, app: &App, body: &Value) -> String {
    let created = send(gw, app, body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.body["outboundSMSMessageRequest"]["resourceURL"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn with_receipt(mut body: Value, notify_url: &str, data: &str) -> Value {
    body["outboundSMSMessageRequest"]["receiptRequest"] =
        json!({"notifyURL": notify_url, "callbackData": data});
    body
}

pub(super) async fn receipt_subscriptions_notify_every_send_until_deleted(db: &TestDb) {
    let (_sim, gw, app) = setup(db).await;
    let (sub_url, mut sub_calls) = endpoint().await;
    let (own_url, mut own_calls) = endpoint().await;
    let created = subscribe(
        &gw,
        &app,
        SENDER_PATH,
        &subscription(&sub_url, "sub-7", Some("drs-1")),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let url = created.headers["location"].to_str().unwrap().to_owned();
    assert!(
        url.starts_with("/oneapi/v1/smsmessaging/outbound/tel%3A1588/subscriptions/"),
        "{url}"
    );
    let s = &created.body["deliveryReceiptSubscription"];
    assert_eq!(s["resourceURL"], url.as_str());
    assert_eq!(
        s["callbackReference"],
        json!({"notifyURL": sub_url, "callbackData": "sub-7"})
    );
    assert_eq!(s["clientCorrelator"], "drs-1");
    let read = get(&gw, &url, &app).await;
    assert_eq!((read.status, &read.body), (StatusCode::OK, &created.body));

    // Over REST without a receiptRequest: one notification per address.
    sent(&gw, &app, &outbound(&[ALICE, BOB], "rest")).await;
    let mut seen = vec![
        next_notice(&mut sub_calls).await,
        next_notice(&mut sub_calls).await,
    ];
    seen.sort();
    let delivered = |who: &str| {
        (
            "sub-7".to_owned(),
            who.to_owned(),
            "DeliveredToTerminal".to_owned(),
        )
    };
    assert_eq!(seen, [delivered(ALICE), delivered(BOB)]);
    // Over SOAP without a receiptRequest: the same JSON notification.
    gw.send(&app, &[BOB], "soap").await;
    assert_eq!(next_notice(&mut sub_calls).await, delivered(BOB));
    // Its own receiptRequest wins: only its endpoint hears of it.
    sent(
        &gw,
        &app,
        &with_receipt(outbound(&[BOB], "own"), &own_url, "own-1"),
    )
    .await;
    let own = next_notice(&mut own_calls).await;
    assert_eq!(
        own,
        (
            "own-1".to_owned(),
            BOB.to_owned(),
            "DeliveredToTerminal".to_owned()
        )
    );
    // A later send without one reaches the subscription, and nothing came before it.
    sent(&gw, &app, &outbound(&[ALICE], "after own")).await;
    assert_eq!(next_notice(&mut sub_calls).await, delivered(ALICE));

    let rival = gw.register("rival").await;
    assert_eq!(get(&gw, &url, &rival).await.status, StatusCode::NOT_FOUND);
    assert_eq!(delete(&gw, &url, &rival).await, StatusCode::NOT_FOUND);
    assert_eq!(delete(&gw, &url, &app).await, StatusCode::NO_CONTENT);
    assert_eq!(get(&gw, &url, &app).await.status, StatusCode::NOT_FOUND);
    assert_eq!(delete(&gw, &url, &app).await, StatusCode::NOT_FOUND);

    // Deleted: a final message is not notified. A later message with its own receiptRequest to
    // the same endpoint is the first (and only) thing it hears.
    let request = sent(&gw, &app, &outbound(&[ALICE], "unsubscribed")).await;
    wait_delivery(
        &gw,
        &app,
        &format!("{request}/deliveryInfos"),
        "DeliveredToTerminal",
    )
    .await;
    sent(
        &gw,
        &app,
        &with_receipt(outbound(&[BOB], "fence"), &sub_url, "fence"),
    )
    .await;
    let fence = next_notice(&mut sub_calls).await;
    assert_eq!(
        fence.0, "fence",
        "nothing for the message sent after the DELETE: {fence:?}"
    );
    assert!(sub_calls.try_recv().is_err());
    assert!(
        own_calls.try_recv().is_err(),
        "one notification for one receiptRequest"
    );
}

pub(super) async fn receipt_subscriptions_refuse_bad_requests(db: &TestDb) {
    let (_sim, gw, app) = setup(db).await;
    let (notify_url, _calls) = endpoint().await;
    let refused = |r: &Reply| {
        let (status, id, variables) = exception(r);
        (status, id, variables.join(","))
    };
    let svc0002 = |part: &str| (StatusCode::BAD_REQUEST, "SVC0002".to_owned(), part.to_owned());

    let elsewhere = subscription("http://example.com/notify", "x", None);
    let r = subscribe(&gw, &app, SENDER_PATH, &elsewhere).await;
    assert_eq!(
        refused(&r),
        svc0002("deliveryReceiptSubscription.callbackReference.notifyURL")
    );
    let r = subscribe(&gw, &app, "tel%3A9999", &subscription(&notify_url, "x", None)).await;
    assert_eq!(
        (r.status, exception(&r).1.as_str()),
        (StatusCode::FORBIDDEN, "POL0001"),
        "{}",
        r.body
    );
    let mut filtered = subscription(&notify_url, "x", None);
    filtered["deliveryReceiptSubscription"]["filterCriteria"] = json!("urgent");
    let r = subscribe(&gw, &app, SENDER_PATH, &filtered).await;
    assert_eq!(refused(&r), svc0002("deliveryReceiptSubscription.filterCriteria"));

    let first = subscribe(
        &gw,
        &app,
        SENDER_PATH,
        &subscription(&notify_url, "x", Some("c1")),
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let url = first.headers["location"].to_str().unwrap().to_owned();
    let r = subscribe(
        &gw,
        &app,
        SENDER_PATH,
        &subscription(&notify_url, "y", Some("c2")),
    )
    .await;
    assert_eq!(
        (r.status, exception(&r).1.as_str()),
        (StatusCode::BAD_REQUEST, "SVC0008"),
        "{}",
        r.body
    );
    let r = subscribe(
        &gw,
        &app,
        SENDER_PATH,
        &subscription(&notify_url, "y", Some("c1")),
    )
    .await;
    assert_eq!(
        refused(&r),
        (
            StatusCode::CONFLICT,
            "SVC0005".to_owned(),
            "c1,clientCorrelator".to_owned()
        )
    );
    // Correlators and senders are per application: another one may use both.
    let rival = gw.register("rival").await;
    let theirs = subscribe(
        &gw,
        &rival,
        SENDER_PATH,
        &subscription(&notify_url, "z", Some("c1")),
    )
    .await;
    assert_eq!(theirs.status, StatusCode::CREATED, "{}", theirs.body);
    assert_ne!(theirs.headers["location"], first.headers["location"]);
    assert_eq!(get(&gw, &url, &rival).await.status, StatusCode::NOT_FOUND);
    // The subscription lives under its own sender only.
    let id = url.rsplit('/').next().unwrap();
    let wrong_sender = format!("/oneapi/v1/smsmessaging/outbound/tel%3A9999/subscriptions/{id}");
    assert_eq!(get(&gw, &wrong_sender, &app).await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&gw, &url, &app).await.status, StatusCode::OK);
}
