//! The operator admin API over a real socket, on both backends.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestDb, TestGateway, battery};

battery!(
    the_admin_api_requires_an_operator_token,
    an_account_lives_through_the_admin_api,
    bad_input_is_refused_naming_the_field_and_changes_nothing,
    health_readiness_and_metrics_answer,
);

async fn body(response: reqwest::Response) -> (StatusCode, String, Value) {
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let value = response.json().await.unwrap_or(Value::Null);
    (status, content_type, value)
}

/// Without a token, or with a wrong one, every admin route answers 401 problem+json with a
/// Bearer challenge.
async fn the_admin_api_requires_an_operator_token(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    for token in [None, Some("wrong")] {
        let mut request = gw.http.get(format!("{}/admin/v1/accounts", gw.base));
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        let response = request.send().await.unwrap();
        assert_eq!(
            response.headers().get("www-authenticate").unwrap(),
            "Bearer realm=\"pxgate-admin\""
        );
        let (status, content_type, problem) = body(response).await;
        assert_eq!(
            (status, content_type.as_str()),
            (StatusCode::UNAUTHORIZED, "application/problem+json")
        );
        assert_eq!(problem["status"], 401);
    }
}

/// Create, read (in any written form), list and page, change settings, top up idempotently,
/// suspend, resume, close, and read the ledger.
async fn an_account_lives_through_the_admin_api(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let created = gw
        .admin(Method::POST, "/accounts")
        .json(
            &json!({"msisdn": "010-5000-0001", "balance": 10000, "monthly_limit": "30000", "language": "en"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(
        created.headers().get("location").unwrap(),
        "/admin/v1/accounts/+821050000001"
    );
    let (_, _, account) = body(created).await;
    assert_eq!(
        (account["currency"].as_str(), account["balance"].as_i64()),
        (Some("KRW"), Some(10000))
    );
    assert_eq!(account["language"], "en");

    let (status, _, same) = body(
        gw.admin(Method::GET, "/accounts/tel:+82-10-5000-0001")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, &same["msisdn"]),
        (StatusCode::OK, &json!("+821050000001"))
    );
    let duplicate = gw
        .admin(Method::POST, "/accounts")
        .json(&json!({"msisdn": "01050000001"}))
        .send()
        .await
        .unwrap();
    assert_eq!(duplicate.status(), StatusCode::CONFLICT);

    for n in 2..=3 {
        let r = gw
            .admin(Method::POST, "/accounts")
            .json(&json!({"msisdn": format!("0105000000{n}")}))
            .send();
        assert_eq!(r.await.unwrap().status(), StatusCode::CREATED);
    }
    let (_, _, page) = body(gw.admin(Method::GET, "/accounts?limit=2").send().await.unwrap()).await;
    assert_eq!(page["accounts"].as_array().unwrap().len(), 2);
    let after = page["next_after"].as_i64().unwrap();
    let (_, _, rest) = body(
        gw.admin(Method::GET, &format!("/accounts?limit=2&after={after}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (rest["accounts"].as_array().unwrap().len(), &rest["next_after"]),
        (1, &Value::Null)
    );

    let patch = json!({"monthly_limit": null, "credit_expiry": "2027-03-31", "low_balance_threshold": 500});
    let (status, _, patched) = body(
        gw.admin(Method::PATCH, "/accounts/01050000001")
            .json(&patch)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (&patched["monthly_limit"], &patched["credit_expiry"]),
        (&Value::Null, &json!("2027-03-31"))
    );
    assert_eq!(patched["low_balance_threshold"], 500);

    let topup = json!({"amount": 2500, "reference_code": "shop-42", "description": "counter top-up"});
    let first = gw
        .admin(Method::POST, "/accounts/01050000001/topups")
        .json(&topup)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let (_, _, first) = body(first).await;
    let again = gw
        .admin(Method::POST, "/accounts/01050000001/topups")
        .json(&topup)
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.status(),
        StatusCode::OK,
        "a retried top-up is answered, not applied again"
    );
    let (_, _, again) = body(again).await;
    assert_eq!(
        (again["replayed"].as_bool(), &again["entry"]["id"]),
        (Some(true), &first["entry"]["id"])
    );
    assert_eq!(again["account"]["balance"], 12500);

    for (action, expected) in [
        ("suspend", "suspended"),
        ("resume", "active"),
        ("close", "closed"),
    ] {
        let (status, _, a) = body(
            gw.admin(Method::POST, &format!("/accounts/01050000001/{action}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!((status, a["status"].as_str()), (StatusCode::OK, Some(expected)));
    }
    let reopen = gw
        .admin(Method::POST, "/accounts/01050000001/resume")
        .send()
        .await
        .unwrap();
    assert_eq!(reopen.status(), StatusCode::CONFLICT);

    let (_, _, ledger) = body(
        gw.admin(Method::GET, "/accounts/01050000001/ledger")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let kinds: Vec<&str> = ledger["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["topup", "topup"]);
    assert_eq!(ledger["entries"][0]["actor"], "operator:tester");
    assert_eq!(ledger["entries"][0]["reference_code"], "shop-42");
}

/// Each kind of bad input gets a 4xx problem+json naming what is wrong, and nothing changes.
async fn bad_input_is_refused_naming_the_field_and_changes_nothing(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let ok = gw
        .admin(Method::POST, "/accounts")
        .json(&json!({"msisdn": "01060000001", "balance": 1000}))
        .send();
    assert_eq!(ok.await.unwrap().status(), StatusCode::CREATED);
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "/accounts",
            json!({"msisdn": "01060000002", "colour": "red"}),
            "colour",
        ),
        ("/accounts", json!({"msisdn": "010-ABC"}), "msisdn"),
        (
            "/accounts",
            json!({"msisdn": "01060000002", "balance": -5}),
            "balance",
        ),
        (
            "/accounts",
            json!({"msisdn": "01060000002", "balance": 1.5}),
            "balance",
        ),
        (
            "/accounts",
            json!({"msisdn": "01060000002", "currency": "KRX"}),
            "currency",
        ),
        (
            "/accounts",
            json!({"msisdn": "01060000002", "monthly_limit": "lots"}),
            "monthly_limit",
        ),
        (
            "/accounts",
            json!({"msisdn": "01060000002", "credit_expiry": "2027-02-30"}),
            "credit_expiry",
        ),
        ("/accounts", json!({"msisdn": 1060000002}), "msisdn"),
        (
            "/accounts/01060000001/topups",
            json!({"amount": 0, "reference_code": "x"}),
            "amount",
        ),
        (
            "/accounts/01060000001/topups",
            json!({"amount": 10.5, "reference_code": "x"}),
            "amount",
        ),
        (
            "/accounts/01060000001/topups",
            json!({"amount": 10, "reference_code": ""}),
            "reference_code",
        ),
        (
            "/accounts/01060000001/topups",
            json!({"amount": 10, "reference_code": "y", "currency": "USD"}),
            "currency",
        ),
        (
            "/accounts/01060000001/topups",
            json!({"amount": 1e40, "reference_code": "z"}),
            "amount",
        ),
    ];
    for (path, input, field) in cases {
        let (status, content_type, problem) =
            body(gw.admin(Method::POST, path).json(&input).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{input}");
        assert_eq!(content_type, "application/problem+json");
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, [field], "{input} → {problem}");
    }
    let raw = |body: &'static str, ct: &'static str| {
        gw.admin(Method::POST, "/accounts")
            .header("content-type", ct)
            .body(body)
            .send()
    };
    assert_eq!(
        raw("{\"msisdn\": ", "application/json").await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        raw("msisdn=1", "application/x-www-form-urlencoded")
            .await
            .unwrap()
            .status(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let huge = format!(
        "{{\"msisdn\": \"01060000003\", \"pad\": \"{}\"}}",
        "x".repeat(64 * 1024)
    );
    let big = gw
        .admin(Method::POST, "/accounts")
        .header("content-type", "application/json")
        .body(huge)
        .send();
    let (status, content_type, _) = body(big.await.unwrap()).await;
    assert_eq!(
        (status, content_type.as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "application/problem+json")
    );
    let bad_page = gw.admin(Method::GET, "/accounts?limit=0").send().await.unwrap();
    assert_eq!(bad_page.status(), StatusCode::BAD_REQUEST);
    let unknown = gw
        .admin(Method::GET, "/accounts/01069999999")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    let (_, _, list) = body(gw.admin(Method::GET, "/accounts").send().await.unwrap()).await;
    assert_eq!(
        list["accounts"].as_array().unwrap().len(),
        1,
        "no account was created by bad input"
    );
    assert_eq!(
        list["accounts"][0]["balance"], 1000,
        "no money moved on bad input"
    );
    let (_, _, ledger) = body(
        gw.admin(Method::GET, "/accounts/01060000001/ledger")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(ledger["entries"].as_array().unwrap().len(), 1);
}

/// Liveness, readiness (with the backend named) and Prometheus metrics by route.
async fn health_readiness_and_metrics_answer(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let health = gw.http.get(format!("{}/healthz", gw.base)).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let (status, _, ready) = body(gw.http.get(format!("{}/readyz", gw.base)).send().await.unwrap()).await;
    assert_eq!(
        (status, ready["status"].as_str()),
        (StatusCode::OK, Some("ready"))
    );
    assert_eq!(ready["store"].as_str(), Some(db.store.backend()));
    gw.admin(Method::GET, "/accounts").send().await.unwrap();
    let metrics = gw
        .http
        .get(format!("{}/metrics", gw.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            "pxgate_http_requests_total{route=\"/admin/v1/accounts\",method=\"GET\",status=\"200\"}"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("pxgate_http_request_duration_seconds_bucket"));
    let missing = gw.http.get(format!("{}/nowhere", gw.base)).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}
