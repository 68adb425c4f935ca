//! Hostile JSON at the send resource: every refusal is 400 SVC0002 naming the field, and nothing is
//! queued (a valid message sent afterwards is the only one the handset gets).

use reqwest::StatusCode;
use serde_json::json;

use super::{BOB, SENDER_PATH, exception, outbound, post_text, send, setup, wait_delivery};
use crate::harness::TestDb;

pub(super) async fn hostile_json_is_refused_naming_the_field(db: &TestDb) {
    let (sim, gw, app) = setup(db).await;
    let root = "outboundSMSMessageRequest";
    let valid = outbound(&[BOB], "hostile").to_string();
    let deep = format!(
        r#"{{"{root}":{{"address":{}"tel:+821087654321"{},"senderAddress":"tel:1588","outboundSMSTextMessage":{{"message":"x"}}}}}}"#,
        "[".repeat(300),
        "]".repeat(300)
    );
    let cases: Vec<(String, String)> = vec![
        (deep, format!("{root}.address")),
        (
            valid.replace(r#""message":"hostile""#, r#""message":42"#),
            format!("{root}.outboundSMSTextMessage.message"),
        ),
        (
            valid.replace(r#""senderAddress""#, r#""bogus":1,"senderAddress""#),
            format!("{root}.bogus"),
        ),
        (
            valid.replace(
                r#""senderAddress":"tel:1588""#,
                r#""senderAddress":"tel:1588","senderAddress":"tel:1588""#,
            ),
            format!("{root}.senderAddress"),
        ),
        (
            valid.replace(
                r#""senderAddress""#,
                &format!(r#""charging":{{"amount":1{}}},"senderAddress""#, "0".repeat(400)),
            ),
            format!("{root}.charging.amount"),
        ),
        (
            valid.replace(r#""address":["tel:+821087654321"]"#, r#""address":[7]"#),
            format!("{root}.address"),
        ),
        (
            valid.replace(r#","outboundSMSTextMessage":{"message":"hostile"}"#, ""),
            format!("{root}.outboundSMSTextMessage"),
        ),
        (
            valid.replace(r#""tel:+821087654321""#, r#""tel:+821087654321","tel:+82abc""#),
            format!("{root}.address[1]"),
        ),
        (
            valid.replace(r#""senderAddress":"tel:1588""#, r#""senderAddress":"tel:1577""#),
            format!("{root}.senderAddress"),
        ),
        (
            valid.replace(
                r#""senderAddress""#,
                r#""receiptRequest":{"notifyURL":"http://evil.example/n"},"senderAddress""#,
            ),
            format!("{root}.receiptRequest.notifyURL"),
        ),
        ("{\"outboundSMSMessageRequest\":".to_owned(), "body".to_owned()),
    ];
    let path = format!("/smsmessaging/outbound/{SENDER_PATH}/requests");
    for (text, field) in &cases {
        let r = post_text(&gw, &path, &app, text).await;
        let (status, id, variables) = exception(&r);
        assert_eq!(
            (status, id.as_str()),
            (StatusCode::BAD_REQUEST, "SVC0002"),
            "{field}: {}",
            r.body
        );
        assert_eq!(variables, [field.as_str()], "{}", r.body);
    }
    assert_eq!(
        post_text(&gw, &path, &app, &valid).await.status,
        StatusCode::CREATED
    );
    let later = send(&gw, &app, &json!(outbound(&[BOB], "after"))).await;
    let url = later.body[root]["resourceURL"].as_str().unwrap().to_owned();
    wait_delivery(&gw, &app, &format!("{url}/deliveryInfos"), "DeliveredToTerminal").await;
    // Exactly the two accepted messages arrived (two separate requests may be submitted in
    // either order over the window; only the parts of one message keep theirs).
    let mut texts: Vec<String> = sim.inbox("821087654321").into_iter().map(|m| m.text).collect();
    texts.sort();
    assert_eq!(texts, ["after", "hostile"]);
}
