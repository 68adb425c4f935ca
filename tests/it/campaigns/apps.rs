//! Campaigns an application schedules over REST, on both backends, through the simulator on a
//! clock the test moves: only the `Campaigns` grant (never `*`) lets it; every part of the
//! request is checked and named; the agreement's sender, number and rate bounds hold, the rate
//! bound across the application's unfinished campaigns even when they are created at once; a
//! clientCorrelator makes a retry safe; an application sees and steers only its own campaigns;
//! opt-outs are honoured; and a suspended application's campaign waits until it is resumed.

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeZone;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestDb, TestGateway, battery};
use crate::sms_harness::start_sim;
use crate::soap_framework::{Client, register};

battery!(
    an_application_schedules_and_steers_its_own_campaigns_within_its_agreement,
    concurrent_campaigns_share_one_rate_budget,
);

const CAMPAIGNS: &str = "/oneapi/v1/smsmessaging/campaigns";

/// The campaign's numbers: +821040000000 …
fn number(i: usize) -> String {
    format!("tel:+8210400{i:05}")
}

fn numbers(n: usize) -> Vec<String> {
    (0..n).map(number).collect()
}

/// An application's call: status and JSON body.
async fn call(
    gw: &TestGateway,
    method: Method,
    path: &str,
    app: &Client,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    let mut request = gw
        .http
        .request(method, format!("{}{path}", gw.base))
        .basic_auth(&app.user, Some(&app.secret));
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn create(gw: &TestGateway, app: &Client, campaign: Value) -> (StatusCode, Value) {
    call(
        gw,
        Method::POST,
        CAMPAIGNS,
        app,
        Some(&json!({ "smsCampaign": campaign })),
    )
    .await
}

/// The refusal's code and first variable.
fn fault(body: &Value) -> (String, String) {
    let e = &body["requestError"];
    let e = if e["policyException"].is_object() {
        &e["policyException"]
    } else {
        &e["serviceException"]
    };
    (
        e["messageId"].as_str().unwrap_or_default().to_owned(),
        e["variables"][0].as_str().unwrap_or_default().to_owned(),
    )
}

fn headlines(addresses: Vec<String>, rate: u32) -> Value {
    json!({"name": "Headlines", "senderName": "NEWS", "message": "Today's headlines", "address": addresses, "ratePerSecond": rate})
}

/// The campaign as the operator sees it.
async fn operator_view(gw: &TestGateway, id: &str) -> Value {
    gw.admin_json(&format!("/campaigns/{id}")).await
}

/// Polls the operator's view until `done` says so (bounded: 15 s).
async fn wait(gw: &TestGateway, id: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..750 {
        let c = operator_view(gw, id).await;
        if done(&c) {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{what}: {}", operator_view(gw, id).await);
}

async fn an_application_schedules_and_steers_its_own_campaigns_within_its_agreement(db: &TestDb) {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = start_sim(smpp).await;
    let smsc = sim.smpp_addr().to_string();
    // 10:00 in Seoul.
    let clock = Arc::new(pxgate::domain::ManualClock::new(
        chrono::Utc.with_ymd_and_hms(2026, 3, 9, 1, 0, 0).unwrap(),
    ));
    let gw = TestGateway::start_clocked(db, clock.clone(), |c| {
        c.smpp.address = smsc.clone();
        c.smpp.reconnect_min_ms = 20;
        c.smpp.reconnect_max_ms = 100;
    })
    .await;

    // Neither SMS nor `*` grants campaigns.
    for (id, allow) in [("texter", json!(["SMS"])), ("everything", json!(["*"]))] {
        let app = register(&gw, id, json!({"allow": allow, "sms_senders": ["NEWS"]})).await;
        let (status, body) = create(&gw, &app, headlines(numbers(2), 1)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{id}: {body}");
        assert_eq!(fault(&body).0, "POL0001", "{body}");
    }

    let agreement = json!({
        "allow": ["SMS", "Campaigns"], "sms_senders": ["NEWS"],
        "campaigns": {"max_numbers": 40, "max_rate_per_second": 20},
    });
    let news = register(&gw, "news", agreement.clone()).await;
    let other = register(&gw, "other", agreement).await;

    // Each bad part is named; each bound of the agreement holds; nothing is scheduled by them.
    let mut bad_address = numbers(3);
    bad_address[1] = "12ab".to_owned();
    let mut refusals = vec![
        (
            headlines(bad_address, 5),
            StatusCode::BAD_REQUEST,
            "SVC0002",
            "smsCampaign.address[1]",
        ),
        (
            headlines(numbers(41), 5),
            StatusCode::FORBIDDEN,
            "POL1023",
            "addresses: at most 40 numbers in a campaign",
        ),
        (
            headlines(numbers(3), 21),
            StatusCode::FORBIDDEN,
            "POL1023",
            "ratePerSecond: at most 20 numbers per second",
        ),
        (
            headlines(numbers(3), 0),
            StatusCode::BAD_REQUEST,
            "SVC0002",
            "smsCampaign.ratePerSecond",
        ),
    ];
    let mut wrong = headlines(numbers(3), 5);
    wrong["senderName"] = json!("1588");
    refusals.push((wrong, StatusCode::FORBIDDEN, "POL0001", "senderName not allowed"));
    let mut wrong = headlines(numbers(3), 5);
    wrong["sendWindow"] = json!({"fromHour": 9, "toHour": 24});
    refusals.push((
        wrong,
        StatusCode::BAD_REQUEST,
        "SVC0002",
        "smsCampaign.sendWindow",
    ));
    let mut wrong = headlines(numbers(3), 5);
    wrong["startTime"] = json!("tomorrow");
    refusals.push((wrong, StatusCode::BAD_REQUEST, "SVC0002", "smsCampaign.startTime"));
    let mut wrong = headlines(numbers(3), 5);
    wrong["priority"] = json!("high");
    refusals.push((wrong, StatusCode::BAD_REQUEST, "SVC0002", "smsCampaign"));
    for (body, status, code, variable) in refusals {
        let (got, answer) = create(&gw, &news, body.clone()).await;
        assert_eq!(got, status, "{body} → {answer}");
        let (id, var) = fault(&answer);
        assert_eq!(id, code, "{answer}");
        assert!(var.starts_with(variable), "{var:?} for {body}");
    }
    let listed: Vec<Value> = gw.admin_json("/campaigns").await;
    assert!(listed.is_empty(), "nothing scheduled by a refusal: {listed:?}");

    // One number opts out before anything is sent (the keyword is taken once a campaign exists).
    let mut first = headlines(numbers(30), 15);
    first["clientCorrelator"] = json!("headlines-0309");
    let (status, created) = create(&gw, &news, first.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let campaign = &created["smsCampaign"];
    let id = campaign["campaignId"].as_str().unwrap().to_owned();
    assert_eq!(
        (&campaign["pending"], &campaign["sender"], &campaign["status"]),
        (&json!(30), &json!("NEWS"), &json!("scheduled"))
    );
    let url = created["resourceReference"]["resourceURL"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(url, format!("{CAMPAIGNS}/{id}"));

    // A retry answers the same campaign; the correlator with another request is a conflict.
    let (status, again) = create(&gw, &news, first.clone()).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["smsCampaign"]["campaignId"], json!(id));
    let mut changed = first.clone();
    changed["message"] = json!("Other news");
    let (status, conflict) = create(&gw, &news, changed).await;
    assert_eq!(
        (status, fault(&conflict).0.as_str()),
        (StatusCode::CONFLICT, "SVC0005")
    );

    // The rate budget counts unfinished campaigns: 15 + 10 > 20, 15 + 5 fits; cancelled frees it.
    let (status, over) = create(&gw, &news, headlines(numbers(2), 10)).await;
    assert_eq!(
        (status, fault(&over).0.as_str()),
        (StatusCode::FORBIDDEN, "POL1023"),
        "{over}"
    );
    let (status, small) = create(&gw, &news, headlines(numbers(2), 5)).await;
    assert_eq!(status, StatusCode::CREATED, "{small}");
    let small_id = small["smsCampaign"]["campaignId"].as_str().unwrap().to_owned();
    let cancel = format!("{CAMPAIGNS}/{small_id}/cancel");
    let (status, cancelled) = call(&gw, Method::POST, &cancel, &news, None).await;
    assert_eq!(
        (status, &cancelled["smsCampaign"]["status"]),
        (StatusCode::OK, &json!("cancelled"))
    );
    let (status, conflict) = call(&gw, Method::POST, &cancel, &news, None).await;
    assert_eq!(
        (status, fault(&conflict).0.as_str()),
        (StatusCode::CONFLICT, "POL1024"),
        "{conflict}"
    );
    let (status, _) = create(&gw, &news, headlines(numbers(2), 5)).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "the cancelled campaign's rate is free again"
    );

    // Another application sees none of them.
    let (status, _) = call(&gw, Method::GET, &url, &other, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(&gw, Method::POST, &format!("{url}/pause"), &other, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, theirs) = call(&gw, Method::GET, CAMPAIGNS, &other, None).await;
    assert_eq!(theirs["smsCampaignList"]["smsCampaign"], json!([]));
    let (_, mine) = call(&gw, Method::GET, CAMPAIGNS, &news, None).await;
    assert_eq!(
        mine["smsCampaignList"]["smsCampaign"].as_array().unwrap().len(),
        3,
        "{mine}"
    );

    let from = number(0).trim_start_matches("tel:+").to_owned();
    for _ in 0..500 {
        if sim.inject_mo(&from, "1588", "STOP").await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for _ in 0..500 {
        let listed: Vec<Value> = gw.admin_json("/sms/opt-outs").await;
        if !listed.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // One second of the gateway's clock: the campaign's 15 go, from NEWS, the opted-out skipped.
    wait(&gw, &id, "the feeder starts counting", |c| c["sending"] == true).await;
    clock.advance(chrono::TimeDelta::seconds(1));
    let fed = wait(&gw, &id, "the first second", |c| c["sent"].as_i64() > Some(0)).await;
    assert_eq!(
        (&fed["sent"], &fed["opted_out"], &fed["created_by"]),
        (&json!(15), &json!(1), &json!("app:news")),
        "{fed}"
    );
    let mut reached = Vec::new();
    for _ in 0..500 {
        reached = sim.inbox(number(1).trim_start_matches("tel:+"));
        if !reached.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        reached.first().map(|m| m.text.as_str()),
        Some("Today's headlines")
    );
    assert!(sim.inbox(&from).is_empty(), "opted out");
    // Its messages are the application's, like its sendSms ones (the per-application listings).
    let by_news = pxgate::store::sms::SentTo::Actor("app:news".to_owned());
    let parts = db.store.sms_sent(&by_news, 100).await.unwrap();
    for i in 1..=15 {
        let address = number(i).trim_start_matches("tel:").to_owned();
        assert!(
            parts.iter().any(|p| p.part.address == address),
            "{address}: {parts:?}"
        );
    }

    // Suspended, its campaign waits (and counts no allowance); resumed, it goes on.
    let suspend = gw.admin(Method::POST, "/apps/news/suspend").send().await.unwrap();
    assert!(suspend.status().is_success());
    wait(&gw, &id, "held while suspended", |c| c["sending"] == false).await;
    clock.advance(chrono::TimeDelta::seconds(5));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        operator_view(&gw, &id).await["sent"],
        15,
        "nothing while suspended"
    );
    let resume = gw.admin(Method::POST, "/apps/news/resume").send().await.unwrap();
    assert!(resume.status().is_success());
    wait(&gw, &id, "sending again", |c| c["sending"] == true).await;
    clock.advance(chrono::TimeDelta::seconds(1));
    let done = wait(&gw, &id, "the rest", |c| c["status"] == "done").await;
    assert_eq!(
        (&done["sent"], &done["opted_out"]),
        (&json!(29), &json!(1)),
        "{done}"
    );

    // The application's own view, and a pause its state no longer allows.
    let (status, view) = call(&gw, Method::GET, &url, &news, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (&view["smsCampaign"]["sent"], &view["smsCampaign"]["status"]),
        (&json!(29), &json!("done"))
    );
    let (status, _) = call(&gw, Method::POST, &format!("{url}/pause"), &news, None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = call(&gw, Method::POST, &format!("{url}/stop"), &news, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no such action");
}

async fn concurrent_campaigns_share_one_rate_budget(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let app = register(
        &gw,
        "burst",
        json!({"allow": ["Campaigns"], "sms_senders": ["NEWS"], "campaigns": {"max_rate_per_second": 20}}),
    )
    .await;
    let later = "2099-01-01T09:00:00+09:00";
    let tries = (0..6).map(|i| {
        let mut body = headlines(vec![number(i)], 10);
        body["startTime"] = json!(later);
        create(&gw, &app, body)
    });
    let answers = futures::future::join_all(tries).await;
    let created = answers.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
    let refused = answers
        .iter()
        .filter(|(s, b)| *s == StatusCode::FORBIDDEN && fault(b).0 == "POL1023")
        .count();
    assert_eq!((created, refused), (2, 4), "{answers:?}");
}
