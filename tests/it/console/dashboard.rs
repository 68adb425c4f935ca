//! The dashboard: its charts, drawn from the gateway's own metrics, move when traffic does.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use super::client::Browser;
use crate::harness::{TestDb, TestGateway, battery};
use crate::rest_payment::post;
use crate::soap_framework::{ALICE, open_account, register};

battery!(the_charges_chart_moves_under_load);

/// The current value a chart shows (`data-value` of its heading).
pub(crate) fn chart_value(page: &str, chart: &str) -> f64 {
    let at = page.find(&format!(r#"id="chart-{chart}""#)).expect("the chart");
    let rest = &page[at..];
    let marker = r#"data-value=""#;
    let start = rest.find(marker).expect("its value") + marker.len();
    rest[start..].split('"').next().unwrap().parse().unwrap_or(0.0)
}

async fn the_charges_chart_moves_under_load(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let shop = register(&gw, "shop", json!({"allow": ["Payment"]})).await;
    open_account(&gw, ALICE.0, json!({"balance": 10_000_000})).await;
    let mut browser = Browser::signed_in(&gw).await;
    let page = browser.get("/console/dashboard").await;
    assert_eq!(page.status, StatusCode::OK);
    for chart in ["charges", "sms", "refusals", "p99", "outbox", "callbacks"] {
        assert!(
            page.body.contains(&format!(r#"id="chart-{chart}""#)),
            "{chart}: {}",
            page.body
        );
    }
    assert!(page.body.contains(r#"<script src="/console/static/console.js">"#));
    assert!(page.body.contains(r#"data-src="/console/dashboard/live""#));
    let script = browser.get("/console/static/console.js").await;
    assert_eq!(script.headers["content-type"], "text/javascript; charset=utf-8");

    let path = "/payment/tel%3A%2B821012345678/transactions/amount";
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut n = 0;
    loop {
        for _ in 0..20 {
            n += 1;
            let body = json!({"amountTransaction": {
                "endUserId": ALICE.1,
                "paymentAmount": {"chargingInformation": {"amount": 10, "currency": "KRW", "description": "load"}},
                "referenceCode": format!("load-{n}"),
                "transactionOperationStatus": "Charged",
            }});
            let reply = post(&gw, path, Some(&shop), &body).await;
            assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        }
        let live = browser.get("/console/dashboard/live").await;
        assert_eq!(live.status, StatusCode::OK);
        if chart_value(&live.body, "charges") > 0.0 && live.body.contains("<polyline") {
            assert!(
                chart_value(&live.body, "p99") > 0.0,
                "requests were answered: {}",
                live.body
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the charges chart never moved: {}",
            live.body
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
