//! Account Management over REST (`/oneapi/v1/account/{endUserId}/…`), end to end on both backends:
//! balance, balance types, credit expiry, statement, a direct recharge (idempotent), a voucher, the
//! PIN header, and the agreement (an application without AccountManagement is refused).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestDb, TestGateway, battery};
use crate::rest_payment::{Reply, post, reply};
use crate::soap_framework::{ALICE, Client, balance, grant_account, open_account, register};

battery!(
    queries_and_recharges_work_for_a_granted_application,
    the_pin_and_the_agreement_are_enforced
);

const ALICE_PATH: &str = "tel%3A%2B821012345678";

async fn get(gw: &TestGateway, what: &str, client: &Client, pin: Option<&str>) -> Reply {
    let mut request = gw
        .http
        .get(format!("{}/oneapi/v1/account/{ALICE_PATH}/{what}", gw.base))
        .basic_auth(&client.user, Some(&client.secret));
    if let Some(pin) = pin {
        request = request.header("x-end-user-pin", pin);
    }
    reply(request.send().await.unwrap()).await
}

async fn setup(db: &TestDb) -> (TestGateway, Client) {
    let gw = TestGateway::start(db).await;
    let client = register(&gw, "wallet", json!({"allow": ["AccountManagement", "Credit"]})).await;
    open_account(
        &gw,
        ALICE.0,
        json!({"balance": 10000, "credit_expiry": "2031-01-31"}),
    )
    .await;
    grant_account(&gw, "wallet", ALICE.0).await;
    (gw, client)
}

async fn queries_and_recharges_work_for_a_granted_application(db: &TestDb) {
    let (gw, app) = setup(db).await;
    let answer = get(&gw, "balance", &app, None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let balances = &answer.body["accountBalance"]["balances"];
    assert_eq!(balances[0]["balanceType"], "Main");
    assert_eq!(balances[0]["amount"], json!(10000));
    let types = get(&gw, "balanceTypes", &app, None).await;
    assert_eq!(types.body["balanceTypes"], json!(["Main"]));
    let expiry = get(&gw, "creditExpiry", &app, None).await;
    let date = expiry.body["creditExpiry"]["balances"][0]["date"]
        .as_str()
        .unwrap();
    assert!(date.starts_with("2031-01-31T23:59:59"), "{date}");

    let path = format!("/account/{ALICE_PATH}/balanceUpdates");
    let update = json!({"balanceUpdate": {"referenceCode": "top-1", "balanceType": "Main", "amount": 5000}});
    let first = post(&gw, &path, Some(&app), &update).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.body["recharge"]["amountCredited"], json!(5000));
    let retry = post(&gw, &path, Some(&app), &update).await;
    assert_eq!(retry.status, StatusCode::OK, "a retry answers the first outcome");
    assert_eq!(balance(&gw, ALICE.0).await, 15000, "credited once");
    let bad = json!({"balanceUpdate": {"referenceCode": "top-2", "balanceType": "Main", "amount": "x"}});
    let refused = post(&gw, &path, Some(&app), &bad).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.body["requestError"]["serviceException"]["variables"][0],
        "balanceUpdate.amount"
    );

    let issued: Value = gw
        .admin(Method::POST, "/vouchers")
        .json(&json!({"count": 1, "value": 3000, "expires_on": "2099-01-01"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = find_code(&issued).expect("a voucher code");
    let vouchers = format!("/account/{ALICE_PATH}/voucherUpdates");
    let redeem = json!({"voucherUpdate": {"referenceCode": "v-1", "voucherIdentifier": code}});
    let redeemed = post(&gw, &vouchers, Some(&app), &redeem).await;
    assert_eq!(redeemed.status, StatusCode::CREATED, "{}", redeemed.body);
    assert_eq!(balance(&gw, ALICE.0).await, 18000);
    let unknown = json!({"voucherUpdate": {"referenceCode": "v-2", "voucherIdentifier": "NOPE-NOPE"}});
    let refused = post(&gw, &vouchers, Some(&app), &unknown).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);

    let history = get(&gw, "history?maxEntries=2", &app, None).await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.body);
    let entries = history.body["accountHistory"]["transactions"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{}", history.body);
    let bad_date = get(&gw, "history?date=yesterday", &app, None).await;
    assert_eq!(bad_date.status, StatusCode::BAD_REQUEST, "{}", bad_date.body);
}

/// The first `"code"` string anywhere in `v`.
fn find_code(v: &Value) -> Option<String> {
    match v {
        Value::Object(map) => map
            .get("code")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| map.values().find_map(find_code)),
        Value::Array(items) => items.iter().find_map(find_code),
        _ => None,
    }
}

async fn the_pin_and_the_agreement_are_enforced(db: &TestDb) {
    let (gw, app) = setup(db).await;
    let response = gw
        .admin(Method::PUT, &format!("/accounts/{}/pin", ALICE.0))
        .json(&json!({"pin": "4321"}))
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{}",
        response.text().await.unwrap()
    );
    let without = get(&gw, "balance", &app, None).await;
    assert!(without.status.is_client_error(), "no PIN: {}", without.body);
    let wrong = get(&gw, "balance", &app, Some("0000")).await;
    assert!(wrong.status.is_client_error(), "a wrong PIN: {}", wrong.body);
    let right = get(&gw, "balance", &app, Some("4321")).await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.body);

    let shop = register(&gw, "shop", json!({"allow": ["Payment"]})).await;
    let refused = get(&gw, "balance", &shop, Some("4321")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        refused.body["requestError"]["policyException"]["variables"][0],
        "AccountManagement.getBalance is not in the service agreement"
    );
}
