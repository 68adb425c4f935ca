//! SMS routing end to end on both backends: registrations made through the admin API decide which
//! application receives what handsets send to a short code (keyword first, else the catch-all,
//! else kept unrouted for the operator); startSmsNotification pushes an application's messages
//! as notifySmsReception instead of keeping them for getReceivedSms, until stopSmsNotification.

mod subscriptions;

use std::time::Duration;

use pxgate::store::sms::InboxLease;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{OPERATOR_TOKEN, TestDb, battery};
use crate::sms_harness::{SmsGateway, start_sim};
use crate::soap_framework::Answer;

battery!(
    keywords_route_to_their_applications,
    registrations_are_managed_by_the_operator,
);

const RECEIVE: &str = "/ReceiveSmsService/services/ReceiveSms";

/// An admin API call; answers the status and the JSON body (`null` when empty).
pub(crate) async fn admin(
    gw: &SmsGateway,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = gw
        .http
        .request(method, format!("{}/admin/v1{path}", gw.base))
        .bearer_auth(OPERATOR_TOKEN);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Registers `id`: messages to `short_code` (starting with `keyword`) go to application `app`.
pub(crate) async fn registration(
    gw: &SmsGateway,
    id: &str,
    app: &str,
    short_code: &str,
    keyword: Option<&str>,
) {
    let body = json!({"id": id, "app_id": app, "short_code": short_code, "keyword": keyword});
    let (status, created) = admin(gw, Method::POST, "/sms/registrations", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
}

fn get_received(registration: &str) -> String {
    format!(
        "<loc:getReceivedSms xmlns:loc=\"http://www.csapi.org/schema/parlayx/sms/receive/v2_2/local\">\
         <loc:registrationIdentifier>{registration}</loc:registrationIdentifier></loc:getReceivedSms>"
    )
}

/// Injects an MO once the gateway's transceiver is bound (bounded: 10 s).
async fn inject(sim: &pxsim::SimHandle, from: &str, to: &str, text: &str) {
    for _ in 0..500 {
        if sim.inject_mo(from, to, text).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no bound receiver");
}

/// The `<message>` texts getReceivedSms answers for `registration`, polled until `count` came
/// back over as many calls as it takes (bounded: 10 s).
async fn received(gw: &SmsGateway, app: &(String, String), registration: &str, count: usize) -> Vec<String> {
    let mut texts = Vec::new();
    for _ in 0..500 {
        let answer: Answer = gw.call_at(RECEIVE, app, &get_received(registration)).await;
        answer.assert_ok("getReceivedSms");
        texts.extend(
            answer
                .text
                .split("<message>")
                .skip(1)
                .filter_map(|s| s.split("</message>").next())
                .map(str::to_owned),
        );
        if texts.len() >= count {
            assert_eq!(texts.len(), count, "{registration}: {texts:?}");
            return texts;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{registration}: never {count} messages: {texts:?}");
}

async fn keywords_route_to_their_applications(db: &TestDb) {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = start_sim(smpp).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let shop = gw.register("shop").await;
    let quiz = gw.register("quiz").await;
    registration(&gw, "shop-bal", "shop", "1588", Some("bal")).await;
    registration(&gw, "shop-all", "shop", "1588", None).await;
    registration(&gw, "quiz-q", "quiz", "1588", Some("QUIZ")).await;
    registration(&gw, "quiz-vote", "quiz", "1588", Some("투표")).await;
    let gateway = json!({"id": "ops-bal", "app_id": null, "short_code": "1588", "keyword": "BALANCE"});
    assert_eq!(
        admin(&gw, Method::POST, "/sms/registrations", Some(gateway))
            .await
            .0,
        StatusCode::CREATED
    );
    let long = format!("투표 {}", "일번 후보에게 한 표를 드립니다. ".repeat(6)); // several UCS-2 parts
    inject(&sim, "821012345678", "1588", "Bal please").await;
    inject(&sim, "821012345679", "1588", "quiz A").await;
    inject(&sim, "821012345670", "1588", "hello there").await;
    inject(&sim, "821099998888", "1588", &long).await;
    inject(&sim, "821099998887", "7777", "nobody home").await;
    inject(&sim, "821099998886", "1588", "balance").await;
    assert_eq!(received(&gw, &shop, "shop-bal", 1).await, ["Bal please"]);
    assert_eq!(received(&gw, &quiz, "quiz-q", 1).await, ["quiz A"]);
    assert_eq!(received(&gw, &shop, "shop-all", 1).await, ["hello there"]);
    assert_eq!(received(&gw, &quiz, "quiz-vote", 1).await, [long.as_str()]);
    // The gateway's own registration: kept for its consumers, never for an application.
    let ops = gw.call_at(RECEIVE, &shop, &get_received("ops-bal")).await;
    ops.assert_fault("SVC0002", "a gateway registration");
    let mut taken = Vec::new();
    for _ in 0..500 {
        let lease = InboxLease {
            id: "ops".into(),
            now_ms: 1,
            until_ms: 2,
        };
        taken = db.store.lease_received("ops-bal", 10, &lease).await.unwrap();
        if !taken.is_empty() {
            db.store.settle_received("ops", true).await.unwrap();
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(taken.len(), 1, "{taken:?}");
    assert_eq!(
        (taken[0].message.as_str(), taken[0].sender.as_str()),
        ("balance", "821099998886")
    );
    let again = gw.call_at(RECEIVE, &shop, &get_received("shop-bal")).await;
    assert!(!again.text.contains("<message>"), "returned once: {}", again.text);

    let foreign = gw.call_at(RECEIVE, &quiz, &get_received("shop-bal")).await;
    foreign.assert_fault("SVC0002", "another application's registration");
    assert_eq!(foreign.variables(), ["registrationIdentifier"]);
    let unknown = gw.call_at(RECEIVE, &quiz, &get_received("1588")).await;
    unknown.assert_fault("SVC0002", "an unknown registration");

    let (status, unrouted) = admin(&gw, Method::GET, "/sms/unrouted", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(unrouted["count"], 1, "{unrouted}");
    assert_eq!(unrouted["messages"][0]["destination"], "7777");
    assert_eq!(unrouted["messages"][0]["message"], "nobody home");
}

async fn registrations_are_managed_by_the_operator(db: &TestDb) {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = start_sim(smpp).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    gw.register("shop").await;
    let bad = json!({"id": "bad id!", "app_id": "shop", "short_code": "15a8", "keyword": "two words"});
    let (status, problem) = admin(&gw, Method::POST, "/sms/registrations", Some(bad)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["id", "short_code", "keyword"], "{problem}");
    let ghost = json!({"app_id": "ghost", "short_code": "1588"});
    let (status, _) = admin(&gw, Method::POST, "/sms/registrations", Some(ghost)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let generated = json!({"app_id": "shop", "short_code": "1588", "keyword": "bal"});
    let (status, created) = admin(&gw, Method::POST, "/sms/registrations", Some(generated)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["keyword"], "BAL");
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("reg-"), "{id}");
    let gateway = json!({"id": "balance", "app_id": null, "short_code": "1588"});
    let (status, _) = admin(&gw, Method::POST, "/sms/registrations", Some(gateway)).await;
    assert_eq!(status, StatusCode::CREATED);

    let taken = json!({"app_id": "shop", "short_code": "1588", "keyword": "BAL"});
    let (status, problem) = admin(&gw, Method::POST, "/sms/registrations", Some(taken)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "keyword");
    let same_id = json!({"id": "balance", "app_id": "shop", "short_code": "1599"});
    let (status, problem) = admin(&gw, Method::POST, "/sms/registrations", Some(same_id)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "id");

    let (_, all) = admin(&gw, Method::GET, "/sms/registrations", None).await;
    assert_eq!(all.as_array().unwrap().len(), 2, "{all}");
    let (_, mine) = admin(&gw, Method::GET, "/sms/registrations?app_id=shop", None).await;
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    let (status, one) = admin(&gw, Method::GET, "/sms/registrations/balance", None).await;
    assert_eq!((status, &one["app_id"]), (StatusCode::OK, &Value::Null));
    assert_eq!(one["keyword"], Value::Null);
    let path = format!("/sms/registrations/{id}");
    assert_eq!(
        admin(&gw, Method::DELETE, &path, None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        admin(&gw, Method::GET, &path, None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        admin(&gw, Method::DELETE, &path, None).await.0,
        StatusCode::NOT_FOUND
    );
}
