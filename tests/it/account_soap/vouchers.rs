//! Vouchers: issued in batches through the admin API, used once — also by twenty concurrent
//! requests — refused when unknown, used or expired (SVC0251), and refused altogether when the
//! operator's `VouchersAccepted` policy is off (POL0220).

use std::sync::Arc;

use chrono::Days;
use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{ACCOUNT, set_up, set_up_with, today, voucher_update};
use crate::harness::{OPERATOR_TOKEN, TEST_SECRET_KEY, TestDb, battery, krw, msisdn};
use crate::soap_framework::{ALICE, Auth, answer, balance, call, envelope};
use pxgate::crypto::Pepper;
use pxgate::scf::account::{legacy_voucher_digest, voucher_digest};
use pxgate::store::vouchers::NewVoucher;

battery!(
    vouchers_are_issued_listed_and_used_once,
    an_expired_voucher_is_not_valid,
    one_voucher_pays_once_under_concurrency,
    vouchers_are_refused_when_the_policy_is_off,
    guessing_codes_is_bounded_per_account_and_application,
);

/// The keyed digest the test gateways keep voucher codes under.
fn digest(code: &str) -> String {
    voucher_digest(&Pepper::from_base64(TEST_SECRET_KEY).unwrap(), code)
}

/// Issues `count` vouchers of `value` KRW; answers their codes.
async fn issue(gw: &crate::harness::TestGateway, count: u32, value: u32) -> Vec<String> {
    let body =
        json!({"count": count, "value": value, "currency": "KRW", "expires_on": today() + Days::new(30)});
    let response = gw
        .admin(Method::POST, "/vouchers")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    created["vouchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["code"].as_str().unwrap().to_owned())
        .collect()
}

/// The vouchers the admin API lists in `status`.
async fn listed(gw: &crate::harness::TestGateway, status: &str) -> Vec<Value> {
    let path = format!("/vouchers?status={status}");
    let page: Value = gw
        .admin(Method::GET, &path)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["vouchers"].as_array().unwrap().clone()
}

async fn vouchers_are_issued_listed_and_used_once(db: &TestDb) {
    let (gw, client) = set_up(db, json!({"balance": 100})).await;
    let auth = Auth::Text(&client.user, &client.secret);
    let codes = issue(&gw, 2, 1000).await;
    assert_eq!(codes.len(), 2);
    assert_eq!(listed(&gw, "unused").await.len(), 2);
    assert!(
        listed(&gw, "unused").await[0].get("code").is_none(),
        "codes are shown once"
    );

    for _ in 0..2 {
        call(&gw, ACCOUNT, &auth, &voucher_update(ALICE.1, &codes[0], "v-1"))
            .await
            .assert_ok("voucher, and its retry");
    }
    assert_eq!(balance(&gw, ALICE.0).await, 1100);
    let again = call(&gw, ACCOUNT, &auth, &voucher_update(ALICE.1, &codes[0], "v-2")).await;
    again.assert_fault("SVC0251", "used");
    assert_eq!(again.variables(), [codes[0].as_str()]);
    assert!(
        again
            .text
            .contains(&format!("Voucher {} is not valid.", codes[0]))
    );
    let unknown = call(
        &gw,
        ACCOUNT,
        &auth,
        &voucher_update(ALICE.1, "0000-0000-0000-0000", "v-3"),
    )
    .await;
    unknown.assert_fault("SVC0251", "unknown");
    // Another voucher under a reference code already used: a conflict, not a second credit.
    let conflict = call(&gw, ACCOUNT, &auth, &voucher_update(ALICE.1, &codes[1], "v-1")).await;
    conflict.assert_fault("SVC1001", "reference code reused");
    assert_eq!(balance(&gw, ALICE.0).await, 1100);

    let used = listed(&gw, "used").await;
    assert_eq!(used.len(), 1);
    assert_eq!(used[0]["used_by"], json!("+821012345678"));
    assert_eq!(
        listed(&gw, "unused").await.len(),
        1,
        "the conflict left the other voucher unused"
    );
    let history = call(
        &gw,
        ACCOUNT,
        &auth,
        &super::op("getHistory", &super::who(ALICE.1, None)),
    )
    .await;
    assert!(
        history
            .text
            .contains("voucher recharge 1000 KRW, balance 1100 KRW"),
        "{}",
        history.text
    );
}

async fn an_expired_voucher_is_not_valid(db: &TestDb) {
    let (gw, client) = set_up(db, json!({"balance": 0})).await;
    let auth = Auth::Text(&client.user, &client.secret);
    let code = "1111-2222-3333-4444";
    let stale = NewVoucher {
        code_sha256: digest(code),
        batch: "old".to_owned(),
        currency: krw(),
        value: 5000,
        expires_on: today() - Days::new(1),
    };
    let now = pxgate::domain::Locale::default().moment(chrono::Utc::now());
    db.store.create_vouchers(&[stale], &now).await.unwrap();
    assert_eq!(listed(&gw, "expired").await.len(), 1);
    let answer = call(&gw, ACCOUNT, &auth, &voucher_update(ALICE.1, code, "e-1")).await;
    answer.assert_fault("SVC0251", "expired");

    // A voucher in another currency is not valid for a KRW account, and stays unused.
    let dollars = "5555-6666-7777-8888";
    let usd = NewVoucher {
        code_sha256: digest(dollars),
        batch: "usd".to_owned(),
        currency: pxgate::domain::Currency::from_code("USD").unwrap(),
        value: 500,
        expires_on: today() + Days::new(1),
    };
    db.store.create_vouchers(&[usd], &now).await.unwrap();
    let answer = call(&gw, ACCOUNT, &auth, &voucher_update(ALICE.1, dollars, "e-2")).await;
    answer.assert_fault("SVC0251", "other currency");
    assert_eq!(listed(&gw, "unused").await.len(), 1);
    assert_eq!(balance(&gw, ALICE.0).await, 0);

    // A voucher issued before codes were kept as keyed digests is still found, and pays.
    let old = "9999-8888-7777-6666";
    let legacy = NewVoucher {
        code_sha256: legacy_voucher_digest(old),
        batch: "legacy".to_owned(),
        currency: krw(),
        value: 700,
        expires_on: today() + Days::new(1),
    };
    db.store.create_vouchers(&[legacy], &now).await.unwrap();
    call(&gw, ACCOUNT, &auth, &voucher_update(ALICE.1, old, "e-3"))
        .await
        .assert_ok("a voucher of an earlier version");
    assert_eq!(balance(&gw, ALICE.0).await, 700);
}

/// Five attempts a minute on one account (the default), right or wrong; then POL1100, over SOAP
/// and REST (429), and the right code is refused as well until the minute has passed.
async fn guessing_codes_is_bounded_per_account_and_application(db: &TestDb) {
    let (gw, client) = set_up(db, json!({"balance": 0})).await;
    let code = issue(&gw, 1, 3000).await.remove(0);
    let auth = Auth::Text(&client.user, &client.secret);
    for i in 0..5 {
        let guess = format!("0000-0000-0000-000{i}");
        call(
            &gw,
            ACCOUNT,
            &auth,
            &voucher_update(ALICE.1, &guess, &format!("g-{i}")),
        )
        .await
        .assert_fault("SVC0251", "a wrong guess");
    }
    let answer = call(&gw, ACCOUNT, &auth, &voucher_update(ALICE.1, &code, "g-right")).await;
    answer.assert_fault("POL1100", "the account's budget is spent");
    let rest = gw
        .http
        .post(format!(
            "{}/oneapi/v1/account/tel%3A%2B821012345678/voucherUpdates",
            gw.base
        ))
        .basic_auth(&client.user, Some(&client.secret))
        .json(&json!({"voucherUpdate": {"referenceCode": "g-rest", "voucherIdentifier": code}}))
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(balance(&gw, ALICE.0).await, 0, "nothing credited");
}

async fn one_voucher_pays_once_under_concurrency(db: &TestDb) {
    let budget = |c: &mut pxgate::config::Config| c.account.voucher_attempts_per_minute_per_account = 100;
    let (gw, client) = set_up_with(db, json!({"balance": 0}), budget).await;
    let code = issue(&gw, 1, 3000).await.remove(0);
    let auth = Auth::Text(&client.user, &client.secret);
    let requests = (0..20).map(|i| {
        let body = voucher_update(ALICE.1, &code, &format!("c-{i}"));
        let (gw, auth) = (&gw, &auth);
        async move { call(gw, ACCOUNT, auth, &body).await }
    });
    let answers = join_all(requests).await;
    let ok = answers.iter().filter(|a| a.status == StatusCode::OK).count();
    assert_eq!(ok, 1, "exactly one redemption");
    for a in answers.iter().filter(|a| a.status != StatusCode::OK) {
        a.assert_fault("SVC0251", "the losers");
    }
    assert_eq!(balance(&gw, ALICE.0).await, 3000);
    let m = msisdn(ALICE.0);
    assert_eq!(
        db.store.ledger_sum(&m).await.unwrap(),
        3000,
        "ledger and balance agree"
    );
}

async fn vouchers_are_refused_when_the_policy_is_off(db: &TestDb) {
    use pxgate::admin::OperatorTokens;
    use pxgate::app::{self, App};
    use pxgate::config::Config;
    let mut config = Config::with_store("sqlite://unused", TEST_SECRET_KEY);
    config.account.vouchers_accepted = false;
    let operators = OperatorTokens::default().with_token("tester", OPERATOR_TOKEN);
    let clock = Arc::new(pxgate::domain::SystemClock);
    let app = App::build(&config, Arc::clone(&db.store), clock, operators).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        app::run(listener, app, async move {
            let _ = stopped.await;
        })
        .await
    });
    // `TestGateway` starts with the default policy, so this gateway is driven by hand.
    let client = reqwest::Client::new();
    let app = json!({"id": "wallet", "name": "Wallet", "owner_contact": "ops@wallet.example",
        "agreement": {"allow": ["AccountManagement", "Credit"]}});
    let created: Value = client
        .post(format!("{base}/admin/v1/apps"))
        .bearer_auth(OPERATOR_TOKEN)
        .json(&app)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let user = created["credential"]["username"].as_str().unwrap();
    let secret = created["credential"]["secret"].as_str().unwrap();
    let body = envelope(
        &Auth::Text(user, secret),
        &voucher_update(ALICE.1, "1234-5678-9012-3456", "p-1"),
    );
    let response = client
        .post(format!("{base}{ACCOUNT}"))
        .header("content-type", "text/xml; charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap();
    let refused = answer(response).await;
    refused.assert_fault("POL0220", "VouchersAccepted is off");
    assert!(refused.text.contains("Vouchers not accepted."));
    let _ = stop.send(());
}
