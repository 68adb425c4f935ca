//! Credits are their own grant (`Credit`, never part of `AccountManagement` or `*`) with their
//! own limits (`credit_limits`: per credit, daily, monthly), counted like spend.

use reqwest::StatusCode;
use serde_json::json;

use super::{outcome, rest_balance_update};
use crate::account_soap::{ACCOUNT, balance_update};
use crate::harness::{TestDb, TestGateway, battery};
use crate::soap_framework::{ALICE, Auth, balance, call, open_account, register};

battery!(
    account_management_does_not_grant_credits,
    credits_stay_within_the_credit_limits,
);

/// The reproduced hole: `shop` (Payment + AccountManagement) credited 10^12 KRW over REST.
async fn account_management_does_not_grant_credits(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    open_account(&gw, ALICE.0, json!({"balance": 800})).await;
    for allow in [json!(["Payment", "AccountManagement"]), json!(["*"])] {
        let id = if allow[0] == "*" { "everything" } else { "shop" };
        let app = register(&gw, id, json!({ "allow": allow })).await;
        let minted = rest_balance_update(&gw, &app, "tel%3A%2B821012345678", 1_000_000_000_000, "m1").await;
        assert_eq!(
            outcome(&minted),
            (StatusCode::FORBIDDEN, "POL0001".to_owned()),
            "{}",
            minted.body
        );
        let auth = Auth::Basic(&app);
        let soap = call(
            &gw,
            ACCOUNT,
            &auth,
            &balance_update(ALICE.1, "1000000", "m2", None),
        )
        .await;
        soap.assert_fault(
            "POL0001",
            "balanceUpdate is not granted by AccountManagement or *",
        );
        assert_eq!(
            soap.variables(),
            ["AccountManagement.balanceUpdate is not in the service agreement"]
        );
    }
    assert_eq!(balance(&gw, ALICE.0).await, 800, "nothing was credited");
}

async fn credits_stay_within_the_credit_limits(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    open_account(&gw, ALICE.0, json!({"balance": 0})).await;
    open_account(&gw, "010-3000-0002", json!({"balance": 0})).await;
    let agreement = json!({
        "allow": ["Credit"],
        "credit_limits": [{"currency": "KRW", "per_credit": 50000, "daily": 70000}],
    });
    let topup = register(&gw, "topup", agreement).await;
    let auth = Auth::Basic(&topup);
    let over = call(&gw, ACCOUNT, &auth, &balance_update(ALICE.1, "50001", "c1", None)).await;
    over.assert_fault("POL1016", "over the single-credit limit");
    assert_eq!(over.variables(), ["single"]);
    call(&gw, ACCOUNT, &auth, &balance_update(ALICE.1, "50000", "c2", None))
        .await
        .assert_ok("within the limit");
    // The daily limit counts every account the application credits.
    let rest = rest_balance_update(&gw, &topup, "tel%3A%2B821030000002", 20001, "c3").await;
    assert_eq!(
        outcome(&rest),
        (StatusCode::FORBIDDEN, "POL1016".to_owned()),
        "{}",
        rest.body
    );
    assert_eq!(rest.exception().2, ["daily"]);
    let fits = rest_balance_update(&gw, &topup, "tel%3A%2B821030000002", 20000, "c4").await;
    assert_eq!(fits.status, StatusCode::CREATED, "{}", fits.body);
    assert_eq!(
        (balance(&gw, ALICE.0).await, balance(&gw, "010-3000-0002").await),
        (50000, 20000),
        "only the credits within the limits moved money"
    );
    // A retry of a counted credit is answered, not counted again.
    let again = rest_balance_update(&gw, &topup, "tel%3A%2B821030000002", 20000, "c4").await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
}
