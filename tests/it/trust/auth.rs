//! Authentication that cannot be turned against an application: lock-out per source address and
//! per (address, username), never per username alone; a WS-Security nonce used once in the whole
//! cluster and across restarts; a refused call uses up no nonce; token requests checked like calls.
//!
//! Other addresses are real: the loopback network is 127.0.0.0/8, so a client bound to 127.0.0.2
//! reaches the gateway on 127.0.0.1 from another source address.

use std::net::IpAddr;

use chrono::Duration;
use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{TestDb, TestGateway, battery};
use crate::rest_payment::{Reply, reply};
use crate::soap_framework::{
    ALICE, AMOUNT, Answer, Auth, Client, balance, call, call_with, charge_amount, created, open_account,
    register,
};

battery!(
    guessing_locks_out_the_guessers_address_not_the_application,
    an_address_guessing_many_usernames_is_locked_out,
    a_nonce_is_used_once_across_instances_and_restarts,
    a_refused_call_uses_up_no_nonce,
    token_requests_are_checked_like_calls,
);

/// An HTTP client whose connections come from `source`.
fn from(source: &str) -> reqwest::Client {
    let source: IpAddr = source.parse().unwrap();
    reqwest::Client::builder().local_address(source).build().unwrap()
}

/// A SOAP call to AmountCharging from the client `http`.
async fn call_from(http: &reqwest::Client, gw: &TestGateway, auth: &Auth<'_>, body: &str) -> Answer {
    call_with(http, gw, AMOUNT, auth, body).await
}

/// A token request with HTTP Basic from the client `http`.
async fn token_from(http: &reqwest::Client, gw: &TestGateway, client: &Client) -> Reply {
    let response = http
        .post(format!("{}/oauth/token", gw.base))
        .basic_auth(&client.user, Some(&client.secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    reply(response).await
}

/// The status and `error` of a token answer.
fn token_outcome(reply: &Reply) -> (StatusCode, &str) {
    (reply.status, reply.body["error"].as_str().unwrap_or_default())
}

async fn shop(db: &TestDb) -> (TestGateway, Client) {
    let gw = TestGateway::start(db).await;
    let client = register(&gw, "shop", json!({"allow": ["Payment"]})).await;
    open_account(&gw, ALICE.0, json!({"balance": 10000})).await;
    (gw, client)
}

async fn guessing_locks_out_the_guessers_address_not_the_application(db: &TestDb) {
    let (gw, shop) = shop(db).await;
    let attacker = from("127.0.0.2");
    // The allowance is 10 failures a minute for one username from one address.
    for n in 0..11 {
        call_from(
            &attacker,
            &gw,
            &Auth::Text(&shop.user, "guess"),
            &charge_amount(ALICE.1, "1", "g"),
        )
        .await
        .assert_failed_authentication(&format!("guess {n}"));
    }
    let right = Auth::Text(&shop.user, &shop.secret);
    let locked = call_from(
        &attacker,
        &gw,
        &right,
        &charge_amount(ALICE.1, "100", "from-attacker"),
    )
    .await;
    locked.assert_failed_authentication("the right password from the guessing address");
    assert!(locked.headers.contains_key("retry-after"), "{:?}", locked.headers);
    assert_eq!(
        token_from(&attacker, &gw, &shop).await.status,
        StatusCode::UNAUTHORIZED,
        "tokens are locked for that pair too"
    );

    // The application itself, from its own address, is not locked out: by SOAP, REST or OAuth.
    call(&gw, AMOUNT, &right, &charge_amount(ALICE.1, "100", "from-shop"))
        .await
        .assert_ok("shop from its own address");
    let rest = gw
        .http
        .get(format!(
            "{}/oneapi/v1/payment/{}/transactions/amount",
            gw.base, ALICE.1
        ))
        .basic_auth(&shop.user, Some(&shop.secret))
        .send()
        .await
        .unwrap();
    assert_ne!(
        rest.status(),
        StatusCode::UNAUTHORIZED,
        "REST Basic from its own address"
    );
    assert_eq!(token_from(&gw.http, &gw, &shop).await.status, StatusCode::OK);
    // Another application from the guessing address is not locked out either (10 + 1 < 100).
    let news = register(&gw, "news", json!({"allow": ["Payment"]})).await;
    call_from(
        &attacker,
        &gw,
        &Auth::Basic(&news),
        &charge_amount(ALICE.1, "100", "news"),
    )
    .await
    .assert_ok("another username from the guessing address");
    assert_eq!(balance(&gw, ALICE.0).await, 10000 - 200);
}

async fn an_address_guessing_many_usernames_is_locked_out(db: &TestDb) {
    let gw = TestGateway::start_with(db, |c| c.framework.auth_address_failures_per_minute = 5).await;
    let shop = register(&gw, "shop", json!({"allow": ["Payment"]})).await;
    open_account(&gw, ALICE.0, json!({"balance": 10000})).await;
    let sprayer = from("127.0.0.3");
    call_from(
        &sprayer,
        &gw,
        &Auth::Basic(&shop),
        &charge_amount(ALICE.1, "100", "before"),
    )
    .await
    .assert_ok("before the spray");
    for n in 0..6 {
        let user = format!("user-{n}");
        call_from(
            &sprayer,
            &gw,
            &Auth::Text(&user, "guess"),
            &charge_amount(ALICE.1, "1", "s"),
        )
        .await
        .assert_failed_authentication(&user);
    }
    call_from(
        &sprayer,
        &gw,
        &Auth::Basic(&shop),
        &charge_amount(ALICE.1, "100", "sprayer"),
    )
    .await
    .assert_failed_authentication("the address is locked for every username");
    call(
        &gw,
        AMOUNT,
        &Auth::Basic(&shop),
        &charge_amount(ALICE.1, "100", "shop"),
    )
    .await
    .assert_ok("other addresses are not");
    assert_eq!(balance(&gw, ALICE.0).await, 9800);
}

async fn a_nonce_is_used_once_across_instances_and_restarts(db: &TestDb) {
    let (first, shop) = shop(db).await;
    let other_db = db.reopen().await;
    let second = TestGateway::start(&other_db).await;
    let nonce = b"nonce-cluster-0001";
    let token = created(Duration::seconds(1));
    let header = Auth::Digest(&shop, nonce, token.clone());
    call(&first, AMOUNT, &header, &charge_amount(ALICE.1, "100", "c-1"))
        .await
        .assert_ok("first use");
    // The captured header, replayed on another instance with another body.
    call(&second, AMOUNT, &header, &charge_amount(ALICE.1, "5000", "c-2"))
        .await
        .assert_failed_authentication("replayed on a second instance");

    // Many concurrent uses of one fresh nonce on both instances: exactly one passes.
    let racing = Auth::Digest(&shop, b"nonce-cluster-0002", token.clone());
    let calls = (0..20).map(|n| {
        let gw = if n % 2 == 0 { &first } else { &second };
        let body = charge_amount(ALICE.1, "10", &format!("race-{n}"));
        let racing = &racing;
        async move { call(gw, AMOUNT, racing, &body).await.status }
    });
    let statuses = join_all(calls).await;
    let passed = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(passed, 1, "{statuses:?}");

    // After every instance is gone, a new one still knows the nonces.
    drop((first, second, other_db));
    let restarted_db = db.reopen().await;
    let restarted = TestGateway::start(&restarted_db).await;
    call(
        &restarted,
        AMOUNT,
        &header,
        &charge_amount(ALICE.1, "5000", "c-3"),
    )
    .await
    .assert_failed_authentication("replayed after a restart");
    let fresh = Auth::Digest(&shop, b"nonce-cluster-0003", created(Duration::seconds(1)));
    call(&restarted, AMOUNT, &fresh, &charge_amount(ALICE.1, "100", "c-4"))
        .await
        .assert_ok("a fresh nonce");
    assert_eq!(balance(&restarted, ALICE.0).await, 10000 - 100 - 10 - 100);
}

async fn a_refused_call_uses_up_no_nonce(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let agreement = json!({
        "allow": ["AmountCharging"],
        "rates": [{"scope": "AmountCharging", "per_second": 1, "burst": 1}],
    });
    let shop = register(&gw, "shop", agreement).await;
    open_account(&gw, ALICE.0, json!({"balance": 10000})).await;
    let made = created(Duration::seconds(1));
    call(
        &gw,
        AMOUNT,
        &Auth::Digest(&shop, b"nonce-rate-1", made.clone()),
        &charge_amount(ALICE.1, "100", "r-1"),
    )
    .await
    .assert_ok("within the rate");
    let second = Auth::Digest(&shop, b"nonce-rate-2", made.clone());
    let throttled = call(&gw, AMOUNT, &second, &charge_amount(ALICE.1, "100", "r-2")).await;
    assert_eq!(throttled.message_id(), Some("POL1100"), "{}", throttled.text);
    // Not granted: refused before its nonce is claimed.
    let reserve = Auth::Digest(&shop, b"nonce-rate-3", made.clone());
    let not_granted = call(
        &gw,
        crate::soap_framework::RESERVE,
        &reserve,
        &crate::soap_framework::reserve_op(
            "reserveAmount",
            &format!(
                "<loc:endUserIdentifier>{}</loc:endUserIdentifier>{}",
                ALICE.1,
                crate::soap_framework::charge_info("100")
            ),
        ),
    )
    .await;
    assert_eq!(not_granted.message_id(), Some("POL0001"), "{}", not_granted.text);

    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    call(&gw, AMOUNT, &second, &charge_amount(ALICE.1, "100", "r-2"))
        .await
        .assert_ok("the throttled call's nonce is still unused");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    call(&gw, AMOUNT, &reserve, &charge_amount(ALICE.1, "100", "r-3"))
        .await
        .assert_ok("the refused call's nonce is still unused");
    assert_eq!(balance(&gw, ALICE.0).await, 10000 - 300);
}

async fn token_requests_are_checked_like_calls(db: &TestDb) {
    let gw = TestGateway::start_with(db, |c| c.framework.token_requests_per_minute = 2).await;
    let expired = register(
        &gw,
        "expired",
        json!({"allow": ["Payment"], "valid_until": "2020-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(
        token_outcome(&token_from(&gw.http, &gw, &expired).await),
        (StatusCode::BAD_REQUEST, "unauthorized_client"),
        "an agreement out of force"
    );
    let elsewhere = register(
        &gw,
        "elsewhere",
        json!({"allow": ["Payment"], "source_networks": ["10.0.0.0/8"]}),
    )
    .await;
    assert_eq!(
        token_outcome(&token_from(&gw.http, &gw, &elsewhere).await),
        (StatusCode::BAD_REQUEST, "unauthorized_client"),
        "a source outside the agreement's networks"
    );
    let shop = register(&gw, "shop", json!({"allow": ["Payment"]})).await;
    assert_eq!(token_from(&gw.http, &gw, &shop).await.status, StatusCode::OK);
    assert_eq!(token_from(&gw.http, &gw, &shop).await.status, StatusCode::OK);
    let third = token_from(&gw.http, &gw, &shop).await;
    assert_eq!(
        third.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the third token this minute"
    );
    assert!(third.headers.contains_key("retry-after"));
}
