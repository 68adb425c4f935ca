//! Opening an account from the subscriber list, and many at once.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::client::Browser;
use crate::harness::{TestDb, TestGateway, battery};

battery!(
    an_account_is_opened_from_the_console_and_recorded_as_the_operators,
    many_accounts_are_opened_at_once_or_none,
);

/// Lines of `number,opening balance[,monthly limit]`: all opened, a number that already has an
/// account left as it is; one bad line opens nothing and is named by its line, escaped.
async fn many_accounts_are_opened_at_once_or_none(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let mut browser = Browser::signed_in(&gw).await;
    let page = "/console/subscribers";
    let action = "/console/subscribers/import";
    let bad = "010-3000-0001,1000\n<script>x</script>,5";
    let refused = browser.submit(page, action, &[("accounts", bad)]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.body.contains("줄 2: msisdn"), "{}", refused.body);
    assert!(!refused.body.contains("<script>x"), "escaped: {}", refused.body);
    let typo = browser
        .submit(page, action, &[("accounts", "010-3000-0001,abc")])
        .await;
    assert!(typo.body.contains("줄 1: balance"), "{}", typo.body);
    let none = gw
        .admin(Method::GET, "/accounts/+821030000001")
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), StatusCode::NOT_FOUND, "nothing opened");
    let good = "010-3000-0001,1000\n+821030000002, 2000, 9000\n";
    let done = browser.submit(page, action, &[("accounts", good)]).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("개설: 2"), "{}", done.body);
    let again = browser.submit(page, action, &[("accounts", good)]).await;
    assert!(
        again.body.contains("개설: 0") && again.body.contains("이미 있음: 2"),
        "{}",
        again.body
    );
    let account: Value = gw.admin_json("/accounts/+821030000002").await;
    assert_eq!(
        (account["balance"].as_i64(), account["monthly_limit"].as_i64()),
        (Some(2000), Some(9000))
    );
}

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
    let account: Value = gw.admin_json("/accounts/+821020000009").await;
    assert_eq!(
        (account["balance"].as_i64(), account["monthly_limit"].as_i64()),
        (Some(10000), Some(50000))
    );
    assert_eq!(account["language"], "en");
    let ledger: Value = gw.admin_json("/accounts/+821020000009/ledger").await;
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
