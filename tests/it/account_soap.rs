//! Parlay X Account Management (ES 202 391-7) over SOAP, end to end on both backends: every
//! operation, idempotent recharges, credit expiry moved by `period`, vouchers issued through the
//! admin API and used once (also under concurrency), the statement's order and bounds, and the
//! end-user PIN with its lock-out.
//!
//! Applications are registered and accounts opened through the admin API, as an operator would.

mod pin;
mod vouchers;

use chrono::{Days, NaiveDate, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestDb, TestGateway, battery};
use crate::soap_framework::{
    ALICE, Answer, Auth, Client, balance, call, element, grant_account, open_account, register,
};

/// The AccountManagement endpoint.
pub(crate) const ACCOUNT: &str = "/AccountManagementService/services/AccountManagement";
const LOCAL_NS: &str = "http://www.csapi.org/schema/parlayx/account_management/v2_2/local";

battery!(
    every_operation_answers_over_soap,
    a_recharge_reference_code_credits_once,
    a_period_extends_the_expiry_from_the_later_of_today_and_the_expiry,
    the_history_is_newest_first_bounded_and_dated,
    refusals_come_back_as_their_codes,
);

/// An Account Management operation element with `children` (written with the `loc:` prefix).
pub(crate) fn op(operation: &str, children: &str) -> String {
    format!("<loc:{operation} xmlns:loc=\"{LOCAL_NS}\">{children}</loc:{operation}>")
}

/// `endUserIdentifier` (and `endUserPin` when given).
pub(crate) fn who(end_user: &str, pin: Option<&str>) -> String {
    let pin = pin.map_or(String::new(), |p| format!("<loc:endUserPin>{p}</loc:endUserPin>"));
    format!("<loc:endUserIdentifier>{end_user}</loc:endUserIdentifier>{pin}")
}

/// `balanceUpdate` of `amount` to `end_user`, with an optional period in days.
pub(crate) fn balance_update(end_user: &str, amount: &str, reference: &str, period: Option<u32>) -> String {
    let period = period.map_or(String::new(), |p| format!("<loc:period>{p}</loc:period>"));
    op(
        "balanceUpdate",
        &format!(
            "{}<loc:referenceCode>{reference}</loc:referenceCode><loc:balanceType>Main</loc:balanceType>\
             <loc:amount>{amount}</loc:amount>{period}",
            who(end_user, None)
        ),
    )
}

/// `voucherUpdate` of `voucher` onto `end_user`.
pub(crate) fn voucher_update(end_user: &str, voucher: &str, reference: &str) -> String {
    op(
        "voucherUpdate",
        &format!(
            "{}<loc:referenceCode>{reference}</loc:referenceCode><loc:voucherIdentifier>{voucher}</loc:voucherIdentifier>",
            who(end_user, None)
        ),
    )
}

/// A gateway, an application allowed Account Management and credits, and ALICE's account with
/// `fields`, granted to the application by the operator (so it reads all of it).
pub(crate) async fn set_up(db: &TestDb, fields: Value) -> (TestGateway, Client) {
    set_up_with(db, fields, |_| {}).await
}

/// Like [`set_up`], on a gateway whose configuration `adjust` changes.
pub(crate) async fn set_up_with(
    db: &TestDb,
    fields: Value,
    adjust: impl FnOnce(&mut pxgate::config::Config),
) -> (TestGateway, Client) {
    let gw = TestGateway::start_with(db, adjust).await;
    let client = register(&gw, "wallet", json!({"allow": ["AccountManagement", "Credit"]})).await;
    open_account(&gw, ALICE.0, fields).await;
    grant_account(&gw, "wallet", ALICE.0).await;
    (gw, client)
}

/// Every `<…result>` element of an answer, as text.
pub(crate) fn results(answer: &Answer) -> Vec<&str> {
    answer
        .text
        .split("result>")
        .skip(1)
        .step_by(2)
        .map(|s| s.trim_end_matches("</ns:"))
        .collect()
}

/// Today in the operator's zone (Seoul), as the gateway sees it.
fn today() -> NaiveDate {
    Utc::now().with_timezone(&chrono_tz::Asia::Seoul).date_naive()
}

/// The account's credit expiry, from the admin API.
async fn expiry(gw: &TestGateway) -> Option<String> {
    let path = format!("/accounts/{}", ALICE.0);
    let account: Value = gw
        .admin(Method::GET, &path)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    account["credit_expiry"].as_str().map(str::to_owned)
}

async fn every_operation_answers_over_soap(db: &TestDb) {
    let expires = today() + Days::new(10);
    let (gw, client) = set_up(db, json!({"balance": 10000, "credit_expiry": expires})).await;
    let auth = Auth::Text(&client.user, &client.secret);
    let me = who(ALICE.1, None);

    let answer = call(&gw, ACCOUNT, &auth, &op("getBalance", &me)).await;
    answer.assert_ok("getBalance");
    assert_eq!(
        results(&answer),
        ["<balanceType>Main</balanceType><amount>10000</amount>"]
    );

    let answer = call(&gw, ACCOUNT, &auth, &op("getBalanceTypes", &me)).await;
    answer.assert_ok("getBalanceTypes");
    assert_eq!(results(&answer), ["Main"]);

    let answer = call(&gw, ACCOUNT, &auth, &op("getCreditExpiryDate", &me)).await;
    answer.assert_ok("getCreditExpiryDate");
    let date = element(&answer.text, "date").unwrap();
    assert_eq!(date, format!("{expires}T23:59:59+09:00"));

    call(
        &gw,
        ACCOUNT,
        &auth,
        &balance_update(ALICE.1, "500", "top-1", None),
    )
    .await
    .assert_ok("balanceUpdate");
    assert_eq!(balance(&gw, ALICE.0).await, 10500);

    let answer = call(&gw, ACCOUNT, &auth, &op("getHistory", &me)).await;
    answer.assert_ok("getHistory");
    assert_eq!(results(&answer).len(), 2, "{}", answer.text);

    // voucherUpdate end to end is in `vouchers`; here: the endpoint's WSDL is published.
    let wsdl = gw
        .http
        .get(format!("{}{ACCOUNT}?wsdl", gw.base))
        .send()
        .await
        .unwrap();
    assert_eq!(wsdl.status(), StatusCode::OK);
    assert!(wsdl.text().await.unwrap().contains("AccountManagementBinding"));
}

async fn a_recharge_reference_code_credits_once(db: &TestDb) {
    let (gw, client) = set_up(db, json!({"balance": 1000})).await;
    let auth = Auth::Text(&client.user, &client.secret);
    for _ in 0..3 {
        call(
            &gw,
            ACCOUNT,
            &auth,
            &balance_update(ALICE.1, "700", "r-1", Some(30)),
        )
        .await
        .assert_ok("the same request again");
    }
    assert_eq!(balance(&gw, ALICE.0).await, 1700);
    let other = call(&gw, ACCOUNT, &auth, &balance_update(ALICE.1, "800", "r-1", None)).await;
    other.assert_fault("SVC1001", "same code, other amount");
    assert_eq!(balance(&gw, ALICE.0).await, 1700);
}

async fn a_period_extends_the_expiry_from_the_later_of_today_and_the_expiry(db: &TestDb) {
    let later = today() + Days::new(20);
    let (gw, client) = set_up(db, json!({"balance": 0, "credit_expiry": later})).await;
    let auth = Auth::Text(&client.user, &client.secret);
    call(
        &gw,
        ACCOUNT,
        &auth,
        &balance_update(ALICE.1, "100", "p-1", Some(30)),
    )
    .await
    .assert_ok("period from the current expiry");
    assert_eq!(expiry(&gw).await, Some((later + Days::new(30)).to_string()));
    // A replay does not extend again.
    call(
        &gw,
        ACCOUNT,
        &auth,
        &balance_update(ALICE.1, "100", "p-1", Some(30)),
    )
    .await
    .assert_ok("replay");
    assert_eq!(expiry(&gw).await, Some((later + Days::new(30)).to_string()));

    // An expired credit is extended from today.
    let path = format!("/accounts/{}", ALICE.0);
    let past = today() - Days::new(5);
    let patched = gw
        .admin(Method::PATCH, &path)
        .json(&json!({"credit_expiry": past}))
        .send()
        .await
        .unwrap();
    assert!(patched.status().is_success());
    call(
        &gw,
        ACCOUNT,
        &auth,
        &balance_update(ALICE.1, "100", "p-2", Some(7)),
    )
    .await
    .assert_ok("period from today");
    assert_eq!(expiry(&gw).await, Some((today() + Days::new(7)).to_string()));
    // Without a period, the expiry stays.
    call(&gw, ACCOUNT, &auth, &balance_update(ALICE.1, "100", "p-3", None))
        .await
        .assert_ok("no period");
    assert_eq!(expiry(&gw).await, Some((today() + Days::new(7)).to_string()));
    // Concurrent recharges each add their period: none is lost.
    let requests = (0..8).map(|i| {
        let body = balance_update(ALICE.1, "10", &format!("c-{i}"), Some(10));
        let (gw, auth) = (&gw, &auth);
        async move { call(gw, ACCOUNT, auth, &body).await }
    });
    for answer in futures::future::join_all(requests).await {
        answer.assert_ok("concurrent recharge");
    }
    assert_eq!(expiry(&gw).await, Some((today() + Days::new(87)).to_string()));
}

async fn the_history_is_newest_first_bounded_and_dated(db: &TestDb) {
    let (gw, client) = set_up(db, json!({"balance": 1000})).await;
    let auth = Auth::Text(&client.user, &client.secret);
    for (i, amount) in ["100", "200", "300"].iter().enumerate() {
        call(
            &gw,
            ACCOUNT,
            &auth,
            &balance_update(ALICE.1, amount, &format!("h-{i}"), None),
        )
        .await
        .assert_ok("recharge");
    }
    let history = |extra: &str| op("getHistory", &format!("{}{extra}", who(ALICE.1, None)));
    let all = call(&gw, ACCOUNT, &auth, &history("")).await;
    all.assert_ok("all");
    let details: Vec<&str> = all
        .text
        .split("<transactionDetails>")
        .skip(1)
        .filter_map(|s| s.split('<').next())
        .collect();
    assert_eq!(details.len(), 4, "opening balance and three recharges");
    assert!(
        details[0].starts_with("recharge 300 KRW, balance 1600 KRW"),
        "{details:?}"
    );
    assert!(
        details[2].starts_with("recharge 100 KRW, balance 1100 KRW"),
        "{details:?}"
    );
    assert!(
        details[3].starts_with("recharge 1000 KRW, balance 1000 KRW"),
        "{details:?}"
    );

    let two = call(
        &gw,
        ACCOUNT,
        &auth,
        &history("<loc:maxEntries>2</loc:maxEntries>"),
    )
    .await;
    two.assert_ok("two");
    assert_eq!(results(&two).len(), 2);
    assert!(two.text.contains("recharge 300 KRW"));
    assert!(!two.text.contains("recharge 100 KRW"));

    let before = call(
        &gw,
        ACCOUNT,
        &auth,
        &history("<loc:date>2001-01-01T00:00:00Z</loc:date>"),
    )
    .await;
    before.assert_ok("nothing before the account");
    assert!(results(&before).is_empty(), "{}", before.text);
    let until_now = format!("<loc:date>{}</loc:date>", Utc::now().to_rfc3339());
    assert_eq!(
        results(&call(&gw, ACCOUNT, &auth, &history(&until_now)).await).len(),
        4
    );

    let zero = call(
        &gw,
        ACCOUNT,
        &auth,
        &history("<loc:maxEntries>0</loc:maxEntries>"),
    )
    .await;
    zero.assert_fault("SVC0002", "maxEntries 0");
    assert_eq!(zero.variables(), ["maxEntries"]);
    let bad = call(&gw, ACCOUNT, &auth, &history("<loc:date>yesterday</loc:date>")).await;
    bad.assert_fault("SVC0002", "bad date");
    assert_eq!(bad.variables(), ["date"]);
}

async fn refusals_come_back_as_their_codes(db: &TestDb) {
    let (gw, client) = set_up(db, json!({"balance": 1000})).await;
    let auth = Auth::Text(&client.user, &client.secret);
    // Reading a number without an account is refused like any account the application has no
    // relationship with; crediting one says it is not provisioned.
    let unknown = call(
        &gw,
        ACCOUNT,
        &auth,
        &op("getBalance", &who("tel:+821099999999", None)),
    )
    .await;
    unknown.assert_fault("POL0002", "no account to read");
    let unknown = call(
        &gw,
        ACCOUNT,
        &auth,
        &balance_update("tel:+821099999999", "100", "b-0", None),
    )
    .await;
    unknown.assert_fault("POL1009", "no account to credit");
    assert_eq!(unknown.variables(), ["account management"]);

    let bonus = balance_update(ALICE.1, "100", "b-1", None).replace(">Main<", ">Bonus<");
    let answer = call(&gw, ACCOUNT, &auth, &bonus).await;
    answer.assert_fault("SVC0002", "unknown balance type");
    assert_eq!(answer.variables(), ["balanceType"]);
    let answer = call(&gw, ACCOUNT, &auth, &balance_update(ALICE.1, "10.5", "b-2", None)).await;
    answer.assert_fault("SVC0002", "more precise than KRW");
    assert_eq!(answer.variables(), ["amount"]);
    let answer = call(
        &gw,
        ACCOUNT,
        &auth,
        &balance_update(ALICE.1, "100", "b-3", Some(0)),
    )
    .await;
    answer.assert_fault("SVC0002", "period 0");
    assert_eq!(balance(&gw, ALICE.0).await, 1000, "nothing credited");

    let shop = register(&gw, "shop", json!({"allow": ["Payment"]})).await;
    let answer = call(
        &gw,
        ACCOUNT,
        &Auth::Text(&shop.user, &shop.secret),
        &op("getBalance", &who(ALICE.1, None)),
    )
    .await;
    answer.assert_fault("POL0001", "not in the agreement");
}
