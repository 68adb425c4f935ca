//! SOAP sendSms made safe to retry by pxgate's `clientCorrelator` header block, on both backends:
//! a retry is answered with the first requestIdentifier and reaches the handset once; the same key
//! with other content is SVC0005; an empty or over-long key is SVC0002; the block may be marked
//! mustUnderstand; and without it every sendSms is a new message.

use crate::harness::{TestDb, battery};
use crate::sms_harness::{SEND_SMS, SmsGateway, send_sms, start_sim, wait_inbox};
use crate::soap_framework::{Answer, Auth, answer, element, envelope};

battery!(
    a_retry_with_the_same_key_is_answered_with_the_first_request,
    the_same_key_with_other_text_is_svc0005,
    an_empty_or_over_long_key_is_svc0002,
    a_key_marked_must_understand_is_accepted_by_send_sms_only,
    without_a_key_two_sends_are_two_messages,
);

/// pxgate's SOAP header extension namespace.
const PX: &str = "http://pxgate.dev/schema/header/v1";

/// The block, with `attrs` written after its namespace declaration.
fn key_block(key: &str, attrs: &str) -> String {
    format!(r#"<px:clientCorrelator xmlns:px="{PX}"{attrs}>{key}</px:clientCorrelator>"#)
}

/// Posts `body` to SendSms as `app`, with `block` in the Header next to the UsernameToken.
async fn call_keyed(gw: &SmsGateway, app: &(String, String), block: &str, body: &str) -> Answer {
    let text = envelope(&Auth::Text(&app.0, &app.1), body)
        .replace("</soapenv:Header>", &format!("{block}</soapenv:Header>"));
    let request = gw
        .http
        .post(format!("{}{SEND_SMS}", gw.base))
        .header("content-type", "text/xml; charset=utf-8")
        .body(text);
    answer(request.send().await.unwrap()).await
}

/// sendSms of `text` to one address with the key `block`; answers the requestIdentifier.
async fn send_keyed(gw: &SmsGateway, app: &(String, String), block: &str, to: &str, text: &str) -> String {
    let answer = call_keyed(gw, app, block, &send_sms(&[to], Some("1588"), text)).await;
    answer.assert_ok("keyed sendSms");
    element(&answer.text, "result").unwrap().to_owned()
}

/// Sends a marker to another handset and waits for it: the link has drained what came before it.
async fn drain(gw: &SmsGateway, app: &(String, String), sim: &pxsim::SimHandle) {
    gw.send(app, &["tel:+821099990000"], "marker").await;
    wait_inbox(sim, "821099990000").await;
}

async fn a_retry_with_the_same_key_is_answered_with_the_first_request(db: &TestDb) {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = start_sim(smpp).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let app = gw.register("shop").await;
    let block = key_block("order-42", "");
    let first = send_keyed(&gw, &app, &block, "tel:+821012340001", "Your code is 1234").await;
    let retry = send_keyed(&gw, &app, &block, "tel:+821012340001", "Your code is 1234").await;
    assert_eq!(first, retry, "the retry is answered with the first request");
    assert_eq!(wait_inbox(&sim, "821012340001").await.text, "Your code is 1234");
    gw.wait_status(&app, &first, "DeliveredToTerminal").await;
    drain(&gw, &app, &sim).await;
    assert_eq!(sim.inbox("821012340001").len(), 1, "one message at the handset");
    // Keys are per application: another application's same key is its own first send.
    let other = gw.register("other").await;
    let theirs = send_keyed(&gw, &other, &block, "tel:+821012340001", "Your code is 1234").await;
    assert_ne!(theirs, first);
}

async fn the_same_key_with_other_text_is_svc0005(db: &TestDb) {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = start_sim(smpp).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let app = gw.register("shop").await;
    let block = key_block("order-43", "");
    send_keyed(&gw, &app, &block, "tel:+821012340002", "first text").await;
    let other = send_sms(&["tel:+821012340002"], Some("1588"), "second text");
    let refused = call_keyed(&gw, &app, &block, &other).await;
    refused.assert_fault("SVC0005", "same key, other text");
    assert_eq!(refused.variables(), ["order-43", "clientCorrelator"]);
    assert_eq!(wait_inbox(&sim, "821012340002").await.text, "first text");
    drain(&gw, &app, &sim).await;
    assert_eq!(sim.inbox("821012340002").len(), 1, "nothing more was sent");
}

async fn an_empty_or_over_long_key_is_svc0002(db: &TestDb) {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = start_sim(smpp).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let app = gw.register("shop").await;
    let body = send_sms(&["tel:+821012340003"], Some("1588"), "hi");
    let empty_tag = format!(r#"<px:clientCorrelator xmlns:px="{PX}"/>"#);
    for block in [
        key_block("", ""),
        key_block("  ", ""),
        empty_tag,
        key_block(&"k".repeat(257), ""),
    ] {
        let refused = call_keyed(&gw, &app, &block, &body).await;
        refused.assert_fault("SVC0002", &block);
        assert_eq!(refused.variables(), ["clientCorrelator"], "{block}");
    }
    // 256 characters is still a key.
    send_keyed(
        &gw,
        &app,
        &key_block(&"k".repeat(256), ""),
        "tel:+821012340003",
        "hi",
    )
    .await;
    assert_eq!(wait_inbox(&sim, "821012340003").await.text, "hi");
    drain(&gw, &app, &sim).await;
    assert_eq!(sim.inbox("821012340003").len(), 1, "only the valid key sent");
}

async fn a_key_marked_must_understand_is_accepted_by_send_sms_only(db: &TestDb) {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = start_sim(smpp).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let app = gw.register("shop").await;
    let block = key_block("order-44", r#" soapenv:mustUnderstand="1""#);
    let first = send_keyed(&gw, &app, &block, "tel:+821012340004", "understood").await;
    let retry = send_keyed(&gw, &app, &block, "tel:+821012340004", "understood").await;
    assert_eq!(first, retry);
    assert_eq!(wait_inbox(&sim, "821012340004").await.text, "understood");
    // getSmsDeliveryStatus does not act on the key: marked mustUnderstand, it is a
    // MustUnderstand fault there (SOAP 1.1 §4.2.3); unmarked, it is ignored.
    let status = format!(
        "<loc:getSmsDeliveryStatus xmlns:loc=\"http://www.csapi.org/schema/parlayx/sms/send/v2_2/local\">\
         <loc:requestIdentifier>{first}</loc:requestIdentifier></loc:getSmsDeliveryStatus>"
    );
    let refused = call_keyed(&gw, &app, &block, &status).await;
    assert_eq!(refused.status, reqwest::StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        refused
            .text
            .contains("<faultcode>soapenv:MustUnderstand</faultcode>"),
        "{}",
        refused.text
    );
    call_keyed(&gw, &app, &key_block("order-44", ""), &status)
        .await
        .assert_ok("an unmarked key is ignored");
}

async fn without_a_key_two_sends_are_two_messages(db: &TestDb) {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = start_sim(smpp).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let app = gw.register("shop").await;
    let first = gw.send(&app, &["tel:+821012340005"], "twice").await;
    let second = gw.send(&app, &["tel:+821012340005"], "twice").await;
    assert_ne!(first, second);
    gw.wait_status(&app, &first, "DeliveredToTerminal").await;
    gw.wait_status(&app, &second, "DeliveredToTerminal").await;
    assert_eq!(sim.inbox("821012340005").len(), 2, "two messages at the handset");
}
