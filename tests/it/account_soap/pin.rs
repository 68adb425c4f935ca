//! The end-user PIN (ES 202 391-7 `endUserPin`, SVC0250): needed once the operator sets one,
//! five wrong PINs in a row lock the account's Account Management out — even for the right PIN —
//! until the operator clears or resets the PIN.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{ACCOUNT, op, set_up, who};
use crate::harness::{TestDb, TestGateway, battery};
use crate::soap_framework::{ALICE, Auth, call};

battery!(a_pin_is_required_once_set_and_locks_out_after_five_wrong);

async fn set_pin(gw: &TestGateway, pin: &str) {
    let path = format!("/accounts/{}/pin", ALICE.0);
    let response = gw
        .admin(Method::PUT, &path)
        .json(&json!({"pin": pin}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

async fn a_pin_is_required_once_set_and_locks_out_after_five_wrong(db: &TestDb) {
    let (gw, client) = set_up(db, json!({"balance": 1000})).await;
    let auth = Auth::Text(&client.user, &client.secret);
    let get_balance = |pin: Option<&str>| op("getBalance", &who(ALICE.1, pin));

    call(&gw, ACCOUNT, &auth, &get_balance(Some("9999")))
        .await
        .assert_ok("no PIN set: any endUserPin is ignored");
    set_pin(&gw, "1234").await;
    let missing = call(&gw, ACCOUNT, &auth, &get_balance(None)).await;
    missing.assert_fault("SVC0250", "PIN missing");
    assert!(missing.text.contains("End user authentication failed."));
    call(&gw, ACCOUNT, &auth, &get_balance(Some("1234")))
        .await
        .assert_ok("right PIN");

    // Four wrong, one right: the run is broken, nothing locked.
    for _ in 0..4 {
        call(&gw, ACCOUNT, &auth, &get_balance(Some("0000")))
            .await
            .assert_fault("SVC0250", "wrong PIN");
    }
    call(&gw, ACCOUNT, &auth, &get_balance(Some("1234")))
        .await
        .assert_ok("right PIN after four wrong");

    for _ in 0..5 {
        call(&gw, ACCOUNT, &auth, &get_balance(Some("0000")))
            .await
            .assert_fault("SVC0250", "wrong PIN");
    }
    call(&gw, ACCOUNT, &auth, &get_balance(Some("1234")))
        .await
        .assert_fault("SVC0250", "locked out, even with the right PIN");
    let history = op("getHistory", &who(ALICE.1, Some("1234")));
    call(&gw, ACCOUNT, &auth, &history)
        .await
        .assert_fault("SVC0250", "every operation is locked");

    let path = format!("/accounts/{}/pin", ALICE.0);
    let cleared = gw.admin(Method::DELETE, &path).send().await.unwrap();
    assert_eq!(cleared.status(), StatusCode::NO_CONTENT);
    call(&gw, ACCOUNT, &auth, &get_balance(None))
        .await
        .assert_ok("PIN cleared");
    set_pin(&gw, "5678").await;
    call(&gw, ACCOUNT, &auth, &get_balance(Some("5678")))
        .await
        .assert_ok("new PIN, no lock-out");

    let unknown = gw
        .admin(Method::PUT, "/accounts/010-9999-9999/pin")
        .json(&json!({"pin": "1234"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let bad = gw
        .admin(Method::PUT, &path)
        .json(&json!({"pin": "12a"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}
