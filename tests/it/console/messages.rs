//! The messages pages: a request's parts, short-code registrations, unrouted messages, and the
//! callbacks to applications with their attempts and a retry.

use std::time::{Duration, Instant};

use pxgate::callbacks::{CallbackConfig, Payload, new_callback};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::client::Browser;
use crate::harness::{TestDb, TestGateway, battery};
use crate::soap_framework::register;

battery!(
    a_failed_callback_shows_its_attempts_and_is_sent_again,
    registrations_are_added_and_removed_and_requests_looked_up,
);

async fn a_failed_callback_shows_its_attempts_and_is_sent_again(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    register(
        &gw,
        "shop",
        json!({"allow": ["SMS"], "callback_hosts": ["127.0.0.1:*"], "callback_networks": ["127.0.0.0/8"]}),
    )
    .await;
    let now = chrono::Utc::now().timestamp_millis();
    let config = CallbackConfig {
        give_up_after_secs: 0,
        ..Default::default()
    };
    let body = Payload::Soap(b"<soapenv:Envelope><script>alert(1)</script></soapenv:Envelope>".to_vec());
    let callback = new_callback(
        &config,
        "app:shop",
        "notifySmsDeliveryReceipt",
        "http://127.0.0.1:1/dead",
        body,
        now,
    );
    let id = db.store.queue_callback(&callback, now).await.unwrap();
    let mut browser = Browser::signed_in(&gw).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let list = browser
            .get("/console/callbacks?app_id=shop&status=abandoned")
            .await;
        assert_eq!(list.status, StatusCode::OK);
        if list.body.contains(&format!(r#"href="/console/callbacks/{id}""#)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the callback was not abandoned: {}",
            list.body
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let page = format!("/console/callbacks/{id}");
    let detail = browser.get(&page).await;
    assert!(
        detail.body.contains("abandoned") && detail.body.contains("<tbody><tr>"),
        "{}",
        detail.body
    );
    assert!(!detail.body.contains("<script>alert") && detail.body.contains("&lt;script&gt;alert(1)"));
    let again = browser.submit(&page, &format!("{page}/retry"), &[]).await;
    assert_eq!(
        (again.status, again.location()),
        (StatusCode::SEE_OTHER, format!("{page}?done=retry").as_str())
    );
    let attempts = |v: &Value| v["attempts"].as_i64().unwrap_or(0);
    let before = attempts(&gw.admin_json(&format!("/callbacks/{id}")).await);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now: Value = gw.admin_json(&format!("/callbacks/{id}")).await;
        if now["status"] == "abandoned" && attempts(&now) > 1 || attempts(&now) > before {
            break;
        }
        assert!(Instant::now() < deadline, "the retry was not attempted: {now}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        browser.get("/console/callbacks/999999").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn registrations_are_added_and_removed_and_requests_looked_up(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let shop = register(&gw, "shop", json!({"allow": ["SMS"], "sms_senders": ["1588"]})).await;
    let mut browser = Browser::signed_in(&gw).await;
    let page = "/console/sms";
    // A message sent (no SMSC here: its part waits in the outbox) is found by its identifier.
    let sent = crate::rest_payment::post(
        &gw,
        "/smsmessaging/outbound/tel%3A1588/requests",
        Some(&shop),
        &crate::rest_sms::outbound(&["tel:+821012345678"], "<script>x</script> 안녕하세요"),
    )
    .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
    let url = sent.body["outboundSMSMessageRequest"]["resourceURL"]
        .as_str()
        .unwrap();
    let request = url.rsplit('/').next().unwrap();
    let found = browser.get(&format!("{page}?request={request}")).await;
    assert!(
        found.body.contains("+821012345678") && found.body.contains("<code>shop</code>"),
        "{}",
        found.body
    );
    // The same message by its number, in another spelling, and by its application; an unknown
    // number spelling is refused by name, hostile input comes back escaped.
    for query in ["number=010-1234-5678", "app=shop"] {
        let listed = browser.get(&format!("{page}?{query}")).await;
        assert!(
            listed.body.contains("id=\"sent-parts\"")
                && listed.body.contains(&format!("?request={request}"))
                && listed.body.contains("+821012345678"),
            "{query}: {}",
            listed.body
        );
    }
    let nobody = browser.get(&format!("{page}?app=nobody")).await;
    assert!(nobody.body.contains("보낸 문자가 없습니다."), "{}", nobody.body);
    let hostile = browser.get(&format!("{page}?number=%3Cscript%3E")).await;
    assert!(
        !hostile.body.contains("<script>") && hostile.body.contains("class=\"refusal\""),
        "{}",
        hostile.body
    );
    // The subscriber's page lists what was sent to the number.
    crate::soap_framework::open_account(&gw, "+821012345678", json!({"balance": 0})).await;
    let account = browser.get("/console/subscribers/%2B821012345678").await;
    assert_eq!(account.status, StatusCode::OK, "{}", account.body);
    assert!(
        account.body.contains(&format!("?request={request}")),
        "{}",
        account.body
    );
    let form = [("short_code", "1588"), ("keyword", "order"), ("app_id", "shop")];
    let added = browser.submit(page, "/console/sms/registrations", &form).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let list: Vec<Value> = gw.admin_json("/sms/registrations").await;
    assert_eq!((list.len(), list[0]["keyword"].as_str()), (1, Some("ORDER")));
    let shown = browser.get(page).await;
    assert!(shown.body.contains("ORDER") && shown.body.contains("1588"));
    let bad = browser
        .submit(
            page,
            "/console/sms/registrations",
            &[("short_code", "<b>x</b>"), ("app_id", "nope")],
        )
        .await;
    assert!(bad.status.is_client_error(), "{}", bad.status);
    assert!(!bad.body.contains("<b>x</b>"), "{}", bad.body);
    let id = list[0]["id"].as_str().unwrap();
    let removed = browser
        .submit(page, &format!("/console/sms/registrations/{id}/delete"), &[])
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let list: Vec<Value> = gw.admin_json("/sms/registrations").await;
    assert!(list.is_empty());
    let unknown = browser.get("/console/sms?request=no-such-request").await;
    assert!(
        unknown.body.contains("이 식별자의 요청이 없습니다."),
        "{}",
        unknown.body
    );
}
