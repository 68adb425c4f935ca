//! SMS routing end to end on both backends: registrations made through the admin API decide which
//! application receives what handsets send to a short code (keyword first, else the catch-all,
//! else kept unrouted for the operator); startSmsNotification pushes an application's messages
//! as notifySmsReception instead of keeping them for getReceivedSms, until stopSmsNotification.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::harness::{OPERATOR_TOKEN, TestDb, battery};
use crate::sms_harness::{SmsGateway, start_sim};
use crate::soap_framework::{Answer, element};

battery!(
    keywords_route_to_their_applications,
    subscriptions_push_instead_of_keeping,
    a_suspended_applications_messages_wait_for_it,
    subscriptions_are_checked,
    registrations_are_managed_by_the_operator,
);

const RECEIVE: &str = "/ReceiveSmsService/services/ReceiveSms";
const MANAGER: &str = "/SmsNotificationManagerService/services/SmsNotificationManager";
const MANAGER_NS: &str = "http://www.csapi.org/schema/parlayx/sms/notification_manager/v2_3/local";

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
        taken = db.store.take_received("ops-bal", 10).await.unwrap();
        if !taken.is_empty() {
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
