//! Scheduled campaigns end to end on both backends: a 1,000-number campaign through the real SMPP
//! link to the simulator, on a clock the test moves. Nothing goes before its daily window; inside
//! it, exactly the rate's allowance per second of the gateway's clock; numbers that texted STOP or
//! 거부 to the short code are skipped; a transactional sendSms sent while the campaign is under way
//! reaches its handset while the campaign still has numbers waiting (the feeder keeps at most
//! `max_backlog` campaign parts ahead of it); pause, resume and cancel follow their rules.

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeZone;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

mod apps;

use crate::harness::{TestDb, TestGateway, battery};
use crate::sms_harness::{SEND_SMS, send_sms, start_sim};
use crate::soap_framework::{Auth, call, register};

battery!(
    a_campaign_keeps_its_window_rate_and_opt_outs_and_yields_to_transactional_sms,
    the_cli_schedules_from_a_csv_file_and_cancels,
);

/// The campaign's numbers: +821030000000 …
fn number(i: usize) -> String {
    format!("+8210300{i:05}")
}

async fn campaign(gw: &TestGateway, id: &str) -> Value {
    gw.admin_json(&format!("/campaigns/{id}")).await
}

/// Polls the campaign until `done` says so (bounded: 15 s).
async fn wait_campaign(gw: &TestGateway, id: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..750 {
        let c = campaign(gw, id).await;
        if done(&c) {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{what}: {}", campaign(gw, id).await);
}

async fn post(gw: &TestGateway, path: &str) -> StatusCode {
    gw.admin(Method::POST, path).send().await.unwrap().status()
}

async fn a_campaign_keeps_its_window_rate_and_opt_outs_and_yields_to_transactional_sms(db: &TestDb) {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = start_sim(smpp).await;
    let smsc = sim.smpp_addr().to_string();
    // 08:30 in Seoul: before the 09–21 window.
    let morning = chrono::Utc.with_ymd_and_hms(2026, 3, 8, 23, 30, 0).unwrap();
    let clock = Arc::new(pxgate::domain::ManualClock::new(morning));
    let gw = TestGateway::start_clocked(db, clock.clone(), |c| {
        c.smpp.address = smsc.clone();
        c.smpp.reconnect_min_ms = 20;
        c.smpp.reconnect_max_ms = 100;
        c.campaigns.max_backlog = 100;
    })
    .await;
    let numbers: Vec<String> = (0..1_000).map(number).collect();
    let body = json!({
        "name": "<b>spring</b> sale", "sender": "1588", "text": "Spring sale! Reply STOP to opt out",
        "window": [9, 21], "rate_per_sec": 100, "numbers": numbers,
    });
    let created = gw
        .admin(Method::POST, "/campaigns")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (&created["pending"], &created["status"]),
        (&json!(1000), &json!("scheduled"))
    );
    let bad = json!({"name": "", "sender": "1588", "text": "x", "rate_per_sec": 0, "numbers": ["12ab"]});
    let refused: Value = gw
        .admin(Method::POST, "/campaigns")
        .json(&bad)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let fields: Vec<&str> = refused["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "rate_per_sec", "numbers[0]"]);

    // Two numbers opt out by texting the short code; the feeder takes them before it feeds.
    for (i, word) in [(0, "STOP"), (1, "거부")] {
        let from = number(i).trim_start_matches('+').to_owned();
        for _ in 0..500 {
            if sim.inject_mo(&from, "1588", word).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let mut listed = Vec::new();
    for _ in 0..500 {
        listed = gw.admin_json::<Vec<Value>>("/sms/opt-outs").await;
        if listed.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(campaign(&gw, &id).await["sent"], 0, "nothing before the window");
    // Every application send honours the list too.
    let shop = register(&gw, "shop", json!({"allow": ["SMS"], "sms_senders": ["1588"]})).await;
    let to_opted_out = send_sms(&[&format!("tel:{}", number(0))], Some("1588"), "Hello");
    let refused = call(&gw, SEND_SMS, &Auth::Basic(&shop), &to_opted_out).await;
    refused.assert_fault("POL0002", "a number that opted out");

    // 09:00: the feeder starts counting; one second of the gateway's clock later, 100 go.
    clock.set(chrono::Utc.with_ymd_and_hms(2026, 3, 9, 0, 0, 0).unwrap());
    wait_campaign(&gw, &id, "the feeder enters the window", |c| c["sending"] == true).await;
    assert_eq!(
        campaign(&gw, &id).await["sent"],
        0,
        "entering the window sends no burst"
    );
    clock.advance(chrono::TimeDelta::seconds(1));
    let first = wait_campaign(&gw, &id, "the first second's allowance", |c| {
        c["sent"].as_i64() > Some(0)
    })
    .await;
    assert_eq!(
        (&first["sent"], &first["opted_out"]),
        (&json!(100), &json!(2)),
        "{first}"
    );

    // Ten more seconds: the allowance is there, but the feeder keeps at most 100 parts queued, so
    // a transactional message sent now is not behind the rest of the campaign.
    clock.advance(chrono::TimeDelta::seconds(10));
    let sent = call(
        &gw,
        SEND_SMS,
        &Auth::Basic(&shop),
        &send_sms(&["tel:+821099990000"], Some("1588"), "Your code is 4711"),
    )
    .await;
    sent.assert_ok("a transactional sendSms");
    assert!(
        wait_for_inbox(&sim, "821099990000").await.contains("4711"),
        "delivered"
    );
    let meanwhile = campaign(&gw, &id).await;
    assert!(
        meanwhile["pending"].as_i64().unwrap() > 0,
        "delivered while the campaign waits: {meanwhile}"
    );

    // Pause holds it; a paused campaign cannot be paused again; resume goes on.
    assert_eq!(post(&gw, &format!("/campaigns/{id}/pause")).await, StatusCode::OK);
    assert_eq!(
        post(&gw, &format!("/campaigns/{id}/pause")).await,
        StatusCode::CONFLICT
    );
    let paused = campaign(&gw, &id).await;
    assert_eq!(
        (&paused["status"], &paused["sending"]),
        (&json!("paused"), &json!(false))
    );
    assert_eq!(
        post(&gw, &format!("/campaigns/{id}/resume")).await,
        StatusCode::OK
    );
    // The gateway's clock moves a second for every second the test waits (bounded: 40 s).
    let mut done = Value::Null;
    for poll in 1..=2_000 {
        done = campaign(&gw, &id).await;
        if done["status"] == "done" {
            break;
        }
        if poll % 50 == 0 {
            clock.advance(chrono::TimeDelta::seconds(1));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        (&done["sent"], &done["opted_out"], &done["pending"]),
        (&json!(998), &json!(2), &json!(0)),
        "{done}"
    );
    assert!(
        sim.inbox("821030000000").is_empty() && sim.inbox("821030000001").is_empty(),
        "opted out"
    );
    let last = wait_for_inbox(&sim, "821030000999").await;
    assert!(last.contains("Spring sale"), "{last}");
    let parts: i64 = done["parts"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(Value::as_i64)
        .sum();
    assert_eq!(parts, 998, "the delivery report counts every part: {done}");
    assert_eq!(
        post(&gw, &format!("/campaigns/{id}/cancel")).await,
        StatusCode::CONFLICT,
        "done stays done"
    );

    // The operator takes a number off the list on its owner's request: applications reach it again.
    let path = format!("/sms/opt-outs/{}", number(0));
    let removed = gw.admin(Method::DELETE, &path).send().await.unwrap().status();
    assert_eq!(removed, StatusCode::NO_CONTENT);
    let again = gw.admin(Method::DELETE, &path).send().await.unwrap().status();
    assert_eq!(again, StatusCode::NOT_FOUND);
    let mut delivered = false;
    for _ in 0..500 {
        let sent = call(&gw, SEND_SMS, &Auth::Basic(&shop), &to_opted_out).await;
        if sent.message_id().is_none() {
            delivered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(delivered, "sent once the list was read again");
}

/// The text of the first complete message at `handset` (bounded: 10 s).
async fn wait_for_inbox(sim: &pxsim::SimHandle, handset: &str) -> String {
    for _ in 0..500 {
        if let Some(m) = sim.inbox(handset).into_iter().find(|m| m.complete) {
            return m.text;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("nothing reached {handset}");
}

async fn the_cli_schedules_from_a_csv_file_and_cancels(db: &TestDb) {
    use crate::cli_catalog::ok;
    let gw = TestGateway::start(db).await;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("list.csv");
    std::fs::write(
        &csv,
        "msisdn,name\n010-3000-0001,Kim\n010-3000-0002,Lee\n010-3000-0001,Kim again\n",
    )
    .unwrap();
    let later = "2099-01-01T09:00:00+09:00";
    let args = [
        "campaigns",
        "create",
        "--name",
        "New year",
        "--sender",
        "1588",
        "--text",
        "Happy new year",
        "--csv",
        csv.to_str().unwrap(),
        "--window",
        "9-21",
        "--rate",
        "10",
        "--start",
        later,
    ];
    let created = ok(&gw, &args).await;
    assert!(created.contains("scheduled"), "{created}");
    let listed = ok(&gw, &["campaigns", "list"]).await;
    assert!(
        listed.contains("New year") && listed.contains(" 2 "),
        "two numbers, once each: {listed}"
    );
    let list: Vec<Value> = gw.admin_json("/campaigns").await;
    let id = list[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(list[0]["sending"], false, "its start is in 2099");
    let cancelled = ok(&gw, &["campaigns", "cancel", &id]).await;
    assert!(cancelled.contains("cancelled"), "{cancelled}");
}
