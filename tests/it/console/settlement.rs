//! Settlement per application and month, on screen and as CSV, from real charges.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use super::client::Browser;
use crate::harness::{TestDb, TestGateway, battery};
use crate::rest_payment::post;
use crate::soap_framework::{ALICE, open_account, register};

battery!(a_months_charges_are_settled_per_application);

async fn a_months_charges_are_settled_per_application(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let shop = register(&gw, "shop", json!({"allow": ["Payment"]})).await;
    register(&gw, "news", json!({"allow": ["SMS"]})).await;
    open_account(&gw, ALICE.0, json!({"balance": 100_000})).await;
    let path = "/payment/tel%3A%2B821012345678/transactions/amount";
    for (n, amount) in [(1, 1500), (2, 2500)] {
        let body = json!({"amountTransaction": {
            "endUserId": ALICE.1,
            "paymentAmount": {"chargingInformation": {"amount": amount, "currency": "KRW", "description": "item"}},
            "referenceCode": format!("settle-{n}"),
            "transactionOperationStatus": "Charged",
        }});
        assert_eq!(
            post(&gw, path, Some(&shop), &body).await.status,
            StatusCode::CREATED
        );
    }
    // A refused call: more than the balance.
    let body = json!({"amountTransaction": {
        "endUserId": ALICE.1,
        "paymentAmount": {"chargingInformation": {"amount": 1_000_000, "currency": "KRW", "description": "too much"}},
        "referenceCode": "settle-3",
        "transactionOperationStatus": "Charged",
    }});
    assert!(post(&gw, path, Some(&shop), &body).await.status.is_client_error());
    let mut browser = Browser::signed_in(&gw).await;
    // Usage counts reach the store within a second or so.
    let deadline = Instant::now() + Duration::from_secs(20);
    let csv = loop {
        let csv = browser.get("/console/settlement.csv").await;
        assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
        if csv.body.contains(",shop,KRW,3,1,4000,0,4000\r\n") {
            break csv;
        }
        assert!(Instant::now() < deadline, "{}", csv.body);
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        csv.body
            .starts_with("month,app_id,currency,calls,refused,charged,refunded,net\r\n")
    );
    assert!(csv.body.contains(",news,,0,0,0,0,0\r\n"), "{}", csv.body);
    assert!(
        csv.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"settlement-20")
    );
    // The application list counts today's calls and refusals the same way.
    let apps = browser.get("/console/apps").await;
    assert!(
        apps.body
            .contains(r#"<td class="num">3</td><td class="num">1</td>"#),
        "{}",
        apps.body
    );
    let page = browser.get("/console/settlement").await;
    assert!(page.body.contains("4,000원"), "{}", page.body);
    let bad = browser.get("/console/settlement?month=2026-13%3Cscript%3E").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        !bad.body.contains("<script>") && bad.body.contains("YYYY-MM"),
        "{}",
        bad.body
    );
    let past = browser.get("/console/settlement.csv?month=2020-01").await;
    assert!(past.body.contains("2020-01,shop,,0,0,0,0,0"), "{}", past.body);
}
