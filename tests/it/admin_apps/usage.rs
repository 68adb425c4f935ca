//! `GET /admin/v1/apps/{id}/usage`: sums and groups of usage rows written through the store.

use chrono::{DateTime, Datelike, TimeZone, Utc};
use pxgate::store::apps::UsageRow;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{fields, register, send};
use crate::harness::{TestDb, TestGateway, battery};

battery!(usage_is_summed_and_grouped);

fn usage_row(operation: &str, outcome: &str, at: DateTime<Utc>, calls: i64, amount: i64) -> UsageRow {
    UsageRow {
        app_id: "shop".into(),
        operation: operation.into(),
        outcome: outcome.into(),
        minute_ms: at.timestamp_millis() / 60_000 * 60_000,
        currency: if amount == 0 { String::new() } else { "KRW".into() },
        calls,
        latency_us: calls * 4_000,
        amount,
    }
}

async fn usage_is_summed_and_grouped(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    register(&gw, "shop", &["*"]).await;
    let t = |d, h, m| Utc.with_ymd_and_hms(2026, 5, d, h, m, 0).single().unwrap();
    let charge = "AmountCharging.chargeAmount";
    let mut rows = vec![
        usage_row(charge, "ok", t(3, 1, 0), 3, 4_500),
        usage_row(charge, "ok", t(3, 1, 1), 1, 1_000),
        usage_row(charge, "POL0001", t(3, 1, 1), 2, 0),
        usage_row("SendSms.sendSms", "ok", t(4, 9, 30), 4, 0),
        usage_row(charge, "ok", t(20, 0, 0), 9, 9_000),
    ];
    let mut elsewhere = usage_row(charge, "ok", t(3, 1, 0), 7, 700);
    elsewhere.app_id = "other".into();
    rows.push(elsewhere);
    rows.push(usage_row(charge, "ok", Utc::now(), 5, 500));
    db.store.record_usage(&rows).await.unwrap();

    let period = "from=2026-05-01T00:00:00%2B09:00&to=2026-05-10T00:00:00Z";
    let (status, text, report) = send(&gw, Method::GET, &format!("/apps/shop/usage?{period}"), None).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(
        (report["by"].as_str(), report["from"].as_str()),
        (Some("operation"), Some("2026-04-30T15:00:00Z"))
    );
    assert_eq!(
        report["total"],
        json!({"calls": 10, "mean_latency_ms": 4.0, "amounts": {"KRW": 5500}})
    );
    let groups: Vec<(&str, i64)> = report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"].as_str().unwrap(), g["calls"].as_i64().unwrap()))
        .collect();
    assert_eq!(groups, [(charge, 6), ("SendSms.sendSms", 4)]);

    let (_, _, by_outcome) = send(
        &gw,
        Method::GET,
        &format!("/apps/shop/usage?{period}&by=outcome"),
        None,
    )
    .await;
    assert_eq!(
        by_outcome["groups"][0],
        json!({"key": "POL0001", "calls": 2, "mean_latency_ms": 4.0, "amounts": {}})
    );
    assert_eq!(by_outcome["groups"][1]["amounts"], json!({"KRW": 5500}));
    let (_, _, by_minute) = send(
        &gw,
        Method::GET,
        &format!("/apps/shop/usage?{period}&by=minute"),
        None,
    )
    .await;
    let minutes: Vec<&str> = by_minute["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        minutes,
        [
            "2026-05-03T01:00:00Z",
            "2026-05-03T01:01:00Z",
            "2026-05-04T09:30:00Z"
        ]
    );

    let (_, _, this_month) = send(&gw, Method::GET, "/apps/shop/usage", None).await;
    assert_eq!(
        this_month["total"]["calls"], 5,
        "the default period is the current month"
    );
    let from: DateTime<Utc> = this_month["from"].as_str().unwrap().parse().unwrap();
    let seoul = from.with_timezone(&chrono_tz::Asia::Seoul);
    assert_eq!(
        (seoul.day(), seoul.format("%H:%M").to_string()),
        (1, "00:00".to_owned())
    );

    for (query, field) in [
        ("from=yesterday", "from"),
        ("from=2026-05-02T00:00:00Z&to=2026-05-01T00:00:00Z", "to"),
        ("by=hour", "query"),
    ] {
        let (status, _, problem) = send(&gw, Method::GET, &format!("/apps/shop/usage?{query}"), None).await;
        assert_eq!(
            (status, fields(&problem)),
            (StatusCode::BAD_REQUEST, vec![field]),
            "{query}"
        );
    }
    let (status, _, _) = send(&gw, Method::GET, "/apps/nope/usage", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
