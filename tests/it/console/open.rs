//! Opening an account from the subscriber list.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::client::Browser;
use crate::harness::{TestDb, TestGateway, battery};

battery!(an_account_is_opened_from_the_console_and_recorded_as_the_operators);

async fn an_account_is_opened_from_the_console_and_recorded_as_the_operators(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let mut browser = Browser::signed_in(&gw).await;
    let page = "/console/subscribers";
    let form = [
        ("msisdn", "010-2000-0009"),
        ("balance", "10,000"),
        ("monthly_limit", "50000"),
        ("language", "en"),
    ];
    let opened = browser.submit(page, page, &form).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    assert_eq!(opened.location(), "/console/subscribers/+821020000009?done=open");
    let account: Value = gw
        .admin(Method::GET, "/accounts/+821020000009")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (account["balance"].as_i64(), account["monthly_limit"].as_i64()),
        (Some(10000), Some(50000))
    );
    assert_eq!(account["language"], "en");
    let ledger: Value = gw
        .admin(Method::GET, "/accounts/+821020000009/ledger")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ledger["entries"][0]["actor"], "operator:tester");
    // The same number again, and bad input: the API's messages under the fields.
    let again = browser.submit(page, page, &form).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again.body.contains(r#"data-field="msisdn">already exists"#),
        "{}",
        again.body
    );
    let bad = browser
        .submit(page, page, &[("msisdn", "<b>"), ("balance", "1.5")])
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    for field in ["msisdn", "balance"] {
        assert!(
            bad.body.contains(&format!(r#"data-field="{field}""#)),
            "{field}: {}",
            bad.body
        );
    }
    assert!(!bad.body.contains("<b>"), "{}", bad.body);
}
