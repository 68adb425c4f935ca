//! Read scope: Account Management reads (balance, expiry, statement) only for accounts the
//! application moved money on or the operator granted it; the statement shows only its own
//! entries unless granted. The monitoring privacy rule is not satisfied by a hold that was
//! released (it moved no money).

use reqwest::StatusCode;
use serde_json::json;

use super::outcome;
use crate::account_soap::{ACCOUNT, op, who};
use crate::alerts::charge;
use crate::harness::{TestDb, TestGateway, battery};
use crate::rest_payment::get;
use crate::soap_framework::{
    ALICE, Auth, RESERVE, call, charge_info, element, grant_account, open_account, register, reserve_op,
};

battery!(
    reads_need_a_relationship_with_the_account,
    an_application_without_a_relationship_cannot_lock_out_a_pin,
    the_statement_shows_only_the_callers_entries_unless_granted,
    a_released_hold_is_no_relationship_for_monitoring,
);

const ALICE_REST: &str = "/oneapi/v1/account/tel%3A%2B821012345678";

async fn reads_need_a_relationship_with_the_account(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    open_account(&gw, ALICE.0, json!({"balance": 10000})).await;
    let shop = register(&gw, "shop", json!({"allow": ["Payment", "AccountManagement"]})).await;
    let auth = Auth::Basic(&shop);
    for operation in [
        "getBalance",
        "getCreditExpiryDate",
        "getBalanceTypes",
        "getHistory",
    ] {
        let answer = call(&gw, ACCOUNT, &auth, &op(operation, &who(ALICE.1, None))).await;
        answer.assert_fault("POL0002", operation);
        assert_eq!(answer.variables(), [ALICE.1], "{operation}");
    }
    // A number without an account looks the same: nothing tells which numbers exist.
    let unknown = call(
        &gw,
        ACCOUNT,
        &auth,
        &op("getBalance", &who("tel:+821099990000", None)),
    )
    .await;
    unknown.assert_fault("POL0002", "no account");
    for resource in ["balance", "history", "creditExpiry"] {
        let refused = get(&gw, &format!("{ALICE_REST}/{resource}"), &shop).await;
        assert_eq!(
            outcome(&refused),
            (StatusCode::FORBIDDEN, "POL0002".to_owned()),
            "{resource}: {}",
            refused.body
        );
    }
    // Once it charged the account, it may read it.
    assert_eq!(charge(&gw, &shop, "821012345678", 1000, "buy-1").await, None);
    let balance = call(&gw, ACCOUNT, &auth, &op("getBalance", &who(ALICE.1, None))).await;
    balance.assert_ok("after a charge");
    assert!(balance.text.contains("<amount>9000</amount>"), "{}", balance.text);
    let rest = get(&gw, &format!("{ALICE_REST}/balance"), &shop).await;
    assert_eq!(rest.status, StatusCode::OK, "{}", rest.body);
}

async fn the_statement_shows_only_the_callers_entries_unless_granted(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    open_account(&gw, ALICE.0, json!({"balance": 10000})).await;
    let shop = register(&gw, "shop", json!({"allow": ["Payment", "AccountManagement"]})).await;
    let clinic = register(&gw, "clinic", json!({"allow": ["Payment"]})).await;
    assert_eq!(charge(&gw, &clinic, "821012345678", 700, "visit-1").await, None);
    assert_eq!(charge(&gw, &shop, "821012345678", 1000, "buy-1").await, None);
    let auth = Auth::Basic(&shop);
    let history = op("getHistory", &who(ALICE.1, None));
    let own = call(&gw, ACCOUNT, &auth, &history).await;
    own.assert_ok("getHistory");
    assert_eq!(
        own.text.matches("<transactionDetails>").count(),
        1,
        "only the shop's charge: {}",
        own.text
    );
    assert!(own.text.contains("charge -1000 KRW"), "{}", own.text);
    let rest = get(&gw, &format!("{ALICE_REST}/history"), &shop).await;
    let transactions = rest.body["accountHistory"]["transactions"].as_array().unwrap();
    assert_eq!(transactions.len(), 1, "{}", rest.body);
    // The operator's grant opens the whole statement: the opening credit, the clinic, the shop.
    grant_account(&gw, "shop", ALICE.0).await;
    let all = call(&gw, ACCOUNT, &auth, &history).await;
    assert_eq!(
        all.text.matches("<transactionDetails>").count(),
        3,
        "{}",
        all.text
    );
}

/// The hole: a 1-won reservation and its release passed POL0002 for startAccountNotification.
async fn a_released_hold_is_no_relationship_for_monitoring(db: &TestDb) {
    const MANAGER: &str = "/AccountNotificationManagerService/services/AccountNotificationManager";
    const NS: &str = "http://pxgate.dev/schema/account_notification/v1/local";
    let gw = TestGateway::start(db).await;
    open_account(&gw, ALICE.0, json!({"balance": 10000})).await;
    let agreement = json!({"allow": ["Payment", "AccountManagement"], "callback_hosts": ["127.0.0.1:*"], "callback_networks": ["127.0.0.0/8"]});
    let snoop = register(&gw, "snoop", agreement).await;
    let auth = Auth::Basic(&snoop);
    let reserve = reserve_op(
        "reserveAmount",
        &format!(
            "<loc:endUserIdentifier>{}</loc:endUserIdentifier>{}",
            ALICE.1,
            charge_info("1")
        ),
    );
    let answer = call(&gw, RESERVE, &auth, &reserve).await;
    answer.assert_ok("reserveAmount of 1 won");
    let id = element(&answer.text, "result").unwrap().to_owned();
    let release = reserve_op(
        "releaseReservation",
        &format!("<loc:reservationIdentifier>{id}</loc:reservationIdentifier>"),
    );
    call(&gw, RESERVE, &auth, &release).await.assert_ok("released");
    let start = format!(
        "<loc:startAccountNotification xmlns:loc=\"{NS}\"><loc:reference><endpoint>http://127.0.0.1/events</endpoint>\
         <interfaceName>AccountNotification</interfaceName><correlator>c1</correlator></loc:reference>\
         <loc:endUserIdentifier>{}</loc:endUserIdentifier><loc:criteria>Charged</loc:criteria>\
         </loc:startAccountNotification>",
        ALICE.1
    );
    call(&gw, MANAGER, &auth, &start)
        .await
        .assert_fault("POL0002", "a hold that moved nothing is no relationship");
    let balance = call(&gw, ACCOUNT, &auth, &op("getBalance", &who(ALICE.1, None))).await;
    balance.assert_fault("POL0002", "nor does it open reads");
}

/// The relationship is checked before the PIN: wrong PINs from an application that may not read
/// the account neither count nor lock the subscriber out for the applications that may.
async fn an_application_without_a_relationship_cannot_lock_out_a_pin(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    open_account(&gw, ALICE.0, json!({"balance": 10000})).await;
    let set = gw
        .admin(reqwest::Method::PUT, &format!("/accounts/{}/pin", ALICE.0))
        .json(&json!({"pin": "2468"}))
        .send()
        .await
        .unwrap();
    assert!(set.status().is_success());
    let wallet = register(&gw, "wallet", json!({"allow": ["AccountManagement"]})).await;
    grant_account(&gw, "wallet", ALICE.0).await;
    let stranger = register(&gw, "stranger", json!({"allow": ["AccountManagement"]})).await;
    for i in 0..8 {
        let guess = format!("{:04}", 1000 + i);
        call(
            &gw,
            ACCOUNT,
            &Auth::Basic(&stranger),
            &op("getBalance", &who(ALICE.1, Some(&guess))),
        )
        .await
        .assert_fault("POL0002", "no relationship, whatever the PIN");
    }
    call(
        &gw,
        ACCOUNT,
        &Auth::Basic(&wallet),
        &op("getBalance", &who(ALICE.1, Some("2468"))),
    )
    .await
    .assert_ok("the subscriber is not locked out");
}
