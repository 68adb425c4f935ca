//! Bulk provisioning through the admin API (`POST /admin/v1/accounts/import`), on both backends.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestDb, TestGateway, battery};

battery!(
    an_import_opens_every_new_number_once_with_its_opening_balance,
    an_import_with_one_bad_entry_names_it_and_opens_nothing,
);

async fn import(gw: &TestGateway, accounts: Value) -> (StatusCode, Value) {
    let response = gw
        .admin(Method::POST, "/accounts/import")
        .json(&json!({ "accounts": accounts }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn account(gw: &TestGateway, msisdn: &str) -> (StatusCode, Value) {
    let response = gw
        .admin(Method::GET, &format!("/accounts/{msisdn}"))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// New numbers are opened with their settings and an opening top-up; a number that already has an
/// account (before, or earlier in the same import) is counted as existing and left as it was, so
/// sending an import again opens nothing twice.
async fn an_import_opens_every_new_number_once_with_its_opening_balance(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let created = gw
        .admin(Method::POST, "/accounts")
        .json(&json!({"msisdn": "010-5100-0001", "balance": 700}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);

    let accounts = json!([
        {"msisdn": "010-5100-0001", "balance": 1},
        {"msisdn": "010-5100-0002", "balance": "2500", "monthly_limit": 9000, "language": "en"},
        {"msisdn": "010-5100-0003"},
        {"msisdn": "+82-10-5100-0002", "balance": 3},
    ]);
    let (status, answer) = import(&gw, accounts.clone()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer, json!({"opened": 2, "existing": 2}));

    let (_, first) = account(&gw, "010-5100-0001").await;
    assert_eq!(first["balance"], 700, "an existing account is left as it was");
    let (_, second) = account(&gw, "010-5100-0002").await;
    assert_eq!(
        (&second["balance"], &second["monthly_limit"], &second["language"]),
        (&json!(2500), &json!(9000), &json!("en"))
    );
    let (status, third) = account(&gw, "010-5100-0003").await;
    assert_eq!((status, &third["balance"]), (StatusCode::OK, &json!(0)));
    let ledger: Value = gw
        .admin(Method::GET, "/accounts/010-5100-0002/ledger")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ledger["entries"].as_array().map(Vec::len), Some(1), "{ledger}");
    assert_eq!(ledger["entries"][0]["amount"], 2500);

    let (status, again) = import(&gw, accounts).await;
    assert_eq!(
        (status, again),
        (StatusCode::OK, json!({"opened": 0, "existing": 4}))
    );
}

/// Every entry is checked before anything is written: one bad field is named with its index and
/// no account of the request is opened; an empty or oversized request is refused as a whole.
async fn an_import_with_one_bad_entry_names_it_and_opens_nothing(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let (status, problem) = import(
        &gw,
        json!([
            {"msisdn": "010-5200-0001", "balance": 10},
            {"msisdn": "not a number"},
            {"msisdn": "010-5200-0003", "balance": "-5"},
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    let fields: Vec<_> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["accounts[1].msisdn", "accounts[2].balance"]);
    let (status, _) = account(&gw, "010-5200-0001").await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "nothing of a refused import is opened"
    );

    let (status, problem) = import(&gw, json!([])).await;
    assert_eq!(
        (status, &problem["errors"][0]["field"]),
        (StatusCode::BAD_REQUEST, &json!("accounts"))
    );
    // The count is checked before the entries (short ones, to fit the harness's body limit).
    let many = vec![json!({"msisdn": "1"}); 1_001];
    let (status, problem) = import(&gw, Value::Array(many)).await;
    assert_eq!(
        (status, &problem["errors"][0]["field"]),
        (StatusCode::BAD_REQUEST, &json!("accounts"))
    );
}
