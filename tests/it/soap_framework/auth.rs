//! Who may call: the ways in (WS-Security PasswordText and PasswordDigest, HTTP Basic, OAuth bearer
//! tokens, the Huawei SDP RequestSOAPHeader), the refusals before business logic, the agreement and
//! the rate limit.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{
    ALICE, AMOUNT, Auth, Client, balance, call, charge_amount, created, open_account, register, sp_timestamp,
};
use crate::harness::{TestDb, TestGateway, battery};

battery!(
    every_way_in_charges,
    a_bad_token_never_reaches_business_logic,
    the_agreement_decides_what_an_application_may_call,
    the_rate_limit_lets_the_burst_through,
    oauth_tokens_are_issued_for_valid_client_credentials,
);

/// A gateway with application `shop` (granted Payment) and Alice holding 10,000 KRW.
async fn shop(db: &TestDb) -> (TestGateway, Client) {
    let gw = TestGateway::start(db).await;
    let client = register(&gw, "shop", json!({"allow": ["Payment"]})).await;
    open_account(&gw, ALICE.0, json!({"balance": 10000})).await;
    (gw, client)
}

async fn every_way_in_charges(db: &TestDb) {
    let (gw, client) = shop(db).await;
    let text = Auth::Text(&client.user, &client.secret);
    call(&gw, AMOUNT, &text, &charge_amount(ALICE.1, "1000", "r-text"))
        .await
        .assert_ok("PasswordText");
    assert_eq!(balance(&gw, ALICE.0).await, 9000);

    let digest = Auth::Digest(&client, b"nonce-0001-digest", created(Duration::seconds(2)));
    let answer = call(&gw, AMOUNT, &digest, &charge_amount(ALICE.1, "1000", "r-digest")).await;
    answer.assert_ok("PasswordDigest");
    assert!(answer.text.contains("chargeAmountResponse"), "{}", answer.text);
    assert_eq!(
        answer.headers["content-type"], "text/xml; charset=utf-8",
        "answered in SOAP 1.1"
    );
    assert_eq!(balance(&gw, ALICE.0).await, 8000);

    call(
        &gw,
        AMOUNT,
        &Auth::Basic(&client),
        &charge_amount(ALICE.1, "1000", "r-basic"),
    )
    .await
    .assert_ok("Basic");
    assert_eq!(balance(&gw, ALICE.0).await, 7000);

    // An application written for a Huawei SDP presents its numeric spId: the operator issues a
    // credential under that name.
    let issued: Value = gw
        .admin(reqwest::Method::POST, "/apps/shop/credentials")
        .json(&json!({"username": "000201"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(issued["username"], "000201", "{issued}");
    let sp = Client {
        user: "000201".to_owned(),
        secret: issued["secret"].as_str().unwrap().to_owned(),
    };
    let huawei = Auth::Huawei(&sp, sp_timestamp(Duration::seconds(1)));
    call(&gw, AMOUNT, &huawei, &charge_amount(ALICE.1, "1000", "r-huawei"))
        .await
        .assert_ok("Huawei RequestSOAPHeader");
    assert_eq!(balance(&gw, ALICE.0).await, 6000);
    let taken = gw
        .admin(reqwest::Method::POST, "/apps/shop/credentials")
        .json(&json!({"username": "000201"}))
        .send()
        .await
        .unwrap();
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    let bad = gw
        .admin(reqwest::Method::POST, "/apps/shop/credentials")
        .json(&json!({"username": "a b"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

async fn a_bad_token_never_reaches_business_logic(db: &TestDb) {
    let (gw, client) = shop(db).await;
    let nonce = b"nonce-0002-replay";
    let first = Auth::Digest(&client, nonce, created(Duration::seconds(1)));
    call(&gw, AMOUNT, &first, &charge_amount(ALICE.1, "1000", "r-1"))
        .await
        .assert_ok("first use of a nonce");
    assert_eq!(balance(&gw, ALICE.0).await, 9000);

    let wrong = Client {
        user: client.user.clone(),
        secret: "not-the-secret".to_owned(),
    };
    let refusals = [
        ("wrong password", Auth::Text(&client.user, "not-the-secret")),
        ("unknown user", Auth::Text("nobody", &client.secret)),
        (
            "wrong digest",
            Auth::Digest(&wrong, b"nonce-0003", created(Duration::zero())),
        ),
        (
            "replayed nonce",
            Auth::Digest(&client, nonce, created(Duration::seconds(1))),
        ),
        (
            "stale Created",
            Auth::Digest(&client, b"nonce-0004-stale", created(Duration::minutes(6))),
        ),
        ("wrong Basic", Auth::Basic(&wrong)),
        (
            "wrong spPassword",
            Auth::Huawei(&wrong, sp_timestamp(Duration::seconds(3))),
        ),
        (
            "stale timeStamp",
            Auth::Huawei(&client, sp_timestamp(Duration::minutes(6))),
        ),
        ("unknown bearer token", Auth::Bearer("no-such-token")),
        ("no credentials", Auth::None),
    ];
    for (n, (what, auth)) in refusals.iter().enumerate() {
        // A fresh referenceCode each time: a replay of the first request's body would be answered
        // without charging anyway, which would prove nothing.
        let answer = call(
            &gw,
            AMOUNT,
            auth,
            &charge_amount(ALICE.1, "1000", &format!("r-bad-{n}")),
        )
        .await;
        answer.assert_failed_authentication(what);
        assert_eq!(
            balance(&gw, ALICE.0).await,
            9000,
            "{what}: the balance did not move"
        );
    }
    // A Huawei header is accepted once: its timeStamp is its nonce.
    let header = Auth::Huawei(&client, sp_timestamp(Duration::seconds(2)));
    call(&gw, AMOUNT, &header, &charge_amount(ALICE.1, "1000", "r-sp-1"))
        .await
        .assert_ok("first use of a timeStamp");
    call(&gw, AMOUNT, &header, &charge_amount(ALICE.1, "1000", "r-sp-2"))
        .await
        .assert_failed_authentication("replayed timeStamp");
    assert_eq!(balance(&gw, ALICE.0).await, 8000);
    // The replayed token fails whatever body it carries; the first request was the only charge.
    let replay_of_first = Auth::Digest(&client, nonce, created(Duration::seconds(1)));
    let answer = call(
        &gw,
        AMOUNT,
        &replay_of_first,
        &charge_amount(ALICE.1, "1000", "r-1"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
}

async fn the_agreement_decides_what_an_application_may_call(db: &TestDb) {
    let (gw, shop) = shop(db).await;
    let sms_only = register(&gw, "texter", json!({"allow": ["SMS"]})).await;
    let past = json!({"allow": ["Payment"], "valid_until": "2020-01-01T00:00:00Z"});
    let expired = register(&gw, "oldshop", past).await;
    let future = json!({"allow": ["Payment"], "valid_from": "2999-01-01T00:00:00Z"});
    let early = register(&gw, "newshop", future).await;
    let elsewhere = json!({"allow": ["Payment"], "source_networks": ["10.0.0.0/8", "192.0.2.7"]});
    let outsider = register(&gw, "farshop", elsewhere).await;
    let loopback = json!({"allow": ["Payment"], "source_networks": ["10.0.0.0/8", "127.0.0.0/8"]});
    let insider = register(&gw, "nearshop", loopback).await;
    for (client, reason) in [
        (&outsider, "calls from 127.0.0.1 are not in the service agreement"),
        (
            &sms_only,
            "AmountCharging.chargeAmount is not in the service agreement",
        ),
        (&expired, "service agreement not valid at this time"),
        (&early, "service agreement not valid at this time"),
    ] {
        let auth = Auth::Text(&client.user, &client.secret);
        let answer = call(&gw, AMOUNT, &auth, &charge_amount(ALICE.1, "1000", "r-pol")).await;
        answer.assert_fault("POL0001", reason);
        assert_eq!(answer.variables(), [reason]);
        assert!(answer.text.contains("PolicyException"));
    }

    let auth = Auth::Text(&insider.user, &insider.secret);
    call(&gw, AMOUNT, &auth, &charge_amount(ALICE.1, "500", "r-near"))
        .await
        .assert_ok("a listed network");
    let auth = Auth::Text(&shop.user, &shop.secret);
    call(&gw, AMOUNT, &auth, &charge_amount(ALICE.1, "500", "r-ok"))
        .await
        .assert_ok("active");
    for (action, reason) in [
        ("suspend", "application suspended"),
        ("revoke", "application revoked"),
    ] {
        let response = gw
            .admin(reqwest::Method::POST, &format!("/apps/shop/{action}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let answer = call(
            &gw,
            AMOUNT,
            &auth,
            &charge_amount(ALICE.1, "500", &format!("r-{action}")),
        )
        .await;
        answer.assert_fault("POL0001", action);
        assert_eq!(answer.variables(), [reason]);
        assert!(
            answer.text.contains("<faultcode>soapenv:Server</faultcode>"),
            "a policy refusal is the server's"
        );
    }
    assert_eq!(
        balance(&gw, ALICE.0).await,
        9000,
        "only the active applications charged"
    );
}

async fn the_rate_limit_lets_the_burst_through(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let agreement =
        json!({"allow": ["Payment"], "rates": [{"scope": "AmountCharging", "per_second": 1, "burst": 3}]});
    let client = register(&gw, "busy", agreement).await;
    open_account(&gw, ALICE.0, json!({"balance": 100_000})).await;
    let auth = Auth::Text(&client.user, &client.secret);
    let calls = (0..10).map(|n| {
        let body = charge_amount(ALICE.1, "100", &format!("r-burst-{n}"));
        let (gw, auth) = (&gw, &auth);
        async move { call(gw, AMOUNT, auth, &body).await }
    });
    let started = std::time::Instant::now();
    let answers = futures::future::join_all(calls).await;
    // One more call may pass for each second the ten took (the sustained rate refills the
    // bucket); on a loaded machine they can take that long.
    let refilled = usize::try_from(started.elapsed().as_secs()).unwrap_or(usize::MAX);
    let passed = answers.iter().filter(|a| a.status == StatusCode::OK).count();
    assert!(
        (3..=3 + refilled).contains(&passed),
        "the burst, and not one more than the rate refilled: {passed} passed in {refilled} s"
    );
    for answer in answers.iter().filter(|a| a.status != StatusCode::OK) {
        answer.assert_fault("POL1100", "throttled");
        let retry: u64 = answer.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!(retry >= 1);
        assert_eq!(answer.variables(), [retry.to_string().as_str()]);
    }
    assert_eq!(balance(&gw, ALICE.0).await, 100_000 - 300);
}

async fn oauth_tokens_are_issued_for_valid_client_credentials(db: &TestDb) {
    let (gw, client) = shop(db).await;
    let url = format!("{}/oauth/token", gw.base);
    let form = "application/x-www-form-urlencoded";
    let grant = "grant_type=client_credentials";
    let response = gw
        .http
        .post(&url)
        .basic_auth(&client.user, Some(&client.secret))
        .header("content-type", form)
        .body(grant)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let issued: Value = response.json().await.unwrap();
    assert_eq!(issued["token_type"], "Bearer");
    assert!(issued["expires_in"].as_u64().unwrap() > 0);
    let token = issued["access_token"].as_str().unwrap().to_owned();

    let answer = call(
        &gw,
        AMOUNT,
        &Auth::Bearer(&token),
        &charge_amount(ALICE.1, "1000", "r-bearer"),
    )
    .await;
    answer.assert_ok("bearer token");
    assert_eq!(balance(&gw, ALICE.0).await, 9000);

    let by_fields = format!(
        "{grant}&client_id={}&client_secret={}",
        client.user, client.secret
    );
    let response = gw
        .http
        .post(&url)
        .header("content-type", form)
        .body(by_fields)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "client_id/client_secret form fields"
    );

    let refused = gw
        .http
        .post(&url)
        .basic_auth(&client.user, Some("wrong"))
        .header("content-type", form)
        .body(grant)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert!(
        refused.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["error"], "invalid_client");
    assert!(error.get("access_token").is_none());

    let bad_fields = format!("{grant}&client_id={}&client_secret=wrong", client.user);
    let refused = gw
        .http
        .post(&url)
        .header("content-type", form)
        .body(bad_fields)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(refused.json::<Value>().await.unwrap()["error"], "invalid_client");

    for (body, content_type, error) in [
        ("grant_type=password", form, "unsupported_grant_type"),
        ("", form, "invalid_request"),
        ("{}", "application/json", "invalid_request"),
    ] {
        let response = gw
            .http
            .post(&url)
            .basic_auth(&client.user, Some(&client.secret))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{error}");
        assert_eq!(response.json::<Value>().await.unwrap()["error"], error);
    }
}
