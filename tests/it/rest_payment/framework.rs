//! The framework's refusals over REST — 401 with its challenge, 403 POL0001 for an operation
//! outside the agreement, 429 + Retry-After past the burst — and OAuth 2.0 bearer tokens.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{ALICE, ALICE_PATH, Client, amount_path, balance, post, register, reply, shop, transaction};
use crate::harness::{TestDb, battery};

battery!(
    the_framework_refuses_with_401_403_and_429,
    an_oauth_bearer_token_works
);

async fn the_framework_refuses_with_401_403_and_429(db: &TestDb) {
    let (gw, shop) = shop(db).await;
    let path = amount_path(ALICE_PATH);
    let body = transaction("Charged", json!(100), "f-1");
    let anonymous = post(&gw, &path, None, &body).await;
    anonymous.assert_error(StatusCode::UNAUTHORIZED, "POL0001", "no credentials");
    let challenge = anonymous.headers["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.contains("Basic") && challenge.contains("Bearer"),
        "{challenge}"
    );
    let wrong = Client {
        user: shop.user.clone(),
        secret: "wrong".to_owned(),
    };
    post(&gw, &path, Some(&wrong), &body).await.assert_error(
        StatusCode::UNAUTHORIZED,
        "POL0001",
        "a wrong secret",
    );

    let texter = register(&gw, "texter", json!({"allow": ["SMS"]})).await;
    let refused = post(&gw, &path, Some(&texter), &body).await;
    refused.assert_error(StatusCode::FORBIDDEN, "POL0001", "not in the agreement");
    assert_eq!(
        refused.exception().2,
        ["AmountCharging.chargeAmount is not in the service agreement"]
    );

    let rates =
        json!({"allow": ["Payment"], "rates": [{"scope": "AmountCharging", "per_second": 1, "burst": 3}]});
    let busy = register(&gw, "busy", rates).await;
    let mut answers = Vec::new();
    for n in 0..5 {
        let body = transaction("Charged", json!(100), &format!("burst-{n}"));
        answers.push(post(&gw, &path, Some(&busy), &body).await);
    }
    let passed = answers.iter().filter(|a| a.status == StatusCode::CREATED).count();
    assert_eq!(passed, 3, "the burst, and not one more");
    for answer in answers.iter().filter(|a| a.status != StatusCode::CREATED) {
        answer.assert_error(StatusCode::TOO_MANY_REQUESTS, "POL1100", "over the rate");
        assert!(
            answer.headers["retry-after"]
                .to_str()
                .unwrap()
                .parse::<u64>()
                .unwrap()
                >= 1
        );
    }
    assert_eq!(balance(&gw, ALICE.0).await, 10000 - 300);
}

async fn an_oauth_bearer_token_works(db: &TestDb) {
    let (gw, shop) = shop(db).await;
    let issued: Value = gw
        .http
        .post(format!("{}/oauth/token", gw.base))
        .basic_auth(&shop.user, Some(&shop.secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = issued["access_token"].as_str().unwrap();
    let response = gw
        .http
        .post(format!("{}/oneapi/v1{}", gw.base, amount_path(ALICE_PATH)))
        .bearer_auth(token)
        .json(&transaction("Charged", json!(1000), "bearer-1"))
        .send()
        .await
        .unwrap();
    let answer = reply(response).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    let bad = gw
        .http
        .post(format!("{}/oneapi/v1{}", gw.base, amount_path(ALICE_PATH)))
        .bearer_auth("not-a-token")
        .json(&transaction("Charged", json!(1000), "bearer-2"))
        .send()
        .await
        .unwrap();
    reply(bad)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "POL0001", "an unknown token");
    assert_eq!(balance(&gw, ALICE.0).await, 9000);
}
