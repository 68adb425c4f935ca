//! Third-party applications through the admin API, on both backends, and the credentials it
//! issues checked by the framework itself; the usage report and the `pxgate admin apps` CLI are
//! in the submodules.

use std::net::IpAddr;
use std::sync::Arc;

use pxgate::config::FrameworkConfig;
use pxgate::domain::SystemClock;
use pxgate::framework::{AuthError, Credentials, Framework, Operation};
use pxgate::store::apps::AppStatus;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TEST_SECRET_KEY, TestDb, TestGateway, battery};

battery!(
    an_app_is_registered_with_a_secret_shown_once,
    bad_fields_are_all_named_and_nothing_is_stored,
    an_app_changes_and_moves_through_its_lifecycle,
    credentials_rotate,
    issued_credentials_authenticate_until_suspended_or_revoked,
);

mod cli;
mod usage;

/// Sends an admin request; answers the status, the body text and the body as JSON.
async fn send(
    gw: &TestGateway,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, String, Value) {
    let mut request = gw.admin(method, path);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    let value = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, text, value)
}

/// Registers `id` with an agreement granting `allow`; answers the 201 body.
async fn register(gw: &TestGateway, id: &str, allow: &[&str]) -> Value {
    let body = json!({"id": id, "name": "Corner Shop", "owner_contact": "ops@shop.example", "agreement": {"allow": allow}});
    let (status, text, created) = send(gw, Method::POST, "/apps", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    created
}

fn fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect()
}

async fn an_app_is_registered_with_a_secret_shown_once(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let created = register(&gw, "shop", &["Payment"]).await;
    assert_eq!(
        (created["id"].as_str(), created["status"].as_str()),
        (Some("shop"), Some("active"))
    );
    assert_eq!(created["agreement"]["allow"], json!(["Payment"]));
    assert_eq!(
        created["agreement"]["max_sms_addresses"], 10,
        "stored as the canonical document"
    );
    assert_eq!(created["credential"]["username"], "shop");
    let secret = created["credential"]["secret"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 32);
    assert_eq!(created["credentials"][0]["username"], "shop");
    assert!(created["credentials"][0].get("secret").is_none());

    let (status, shown, app) = send(&gw, Method::GET, "/apps/shop", None).await;
    assert_eq!(
        (status, app["name"].as_str()),
        (StatusCode::OK, Some("Corner Shop"))
    );
    assert_eq!(app["credentials"][0]["revoked_at"], Value::Null);
    assert!(!shown.contains(&secret), "the secret is never shown again");
    let (_, listed, list) = send(&gw, Method::GET, "/apps", None).await;
    assert_eq!(list["apps"][0]["id"], "shop");
    assert!(!listed.contains(&secret) && !listed.contains("secret"));

    let again = json!({"id": "shop", "name": "Other", "owner_contact": "x", "agreement": {"allow": ["*"]}});
    let (status, _, problem) = send(&gw, Method::POST, "/apps", Some(again)).await;
    assert_eq!((status, fields(&problem)), (StatusCode::CONFLICT, vec!["id"]));
    let (status, _, _) = send(&gw, Method::GET, "/apps/nope", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn bad_fields_are_all_named_and_nothing_is_stored(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let agreement = json!({
        "allow": ["Payment", "Nothing"],
        "rates": [{"scope": "Payment", "per_second": 0}],
        "spend_limits": [{"currency": "KRX", "daily": 100}],
    });
    let body = json!({"id": "9shop", "name": " ", "owner_contact": "ops", "agreement": agreement});
    let (status, _, problem) = send(&gw, Method::POST, "/apps", Some(body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        fields(&problem),
        [
            "id",
            "name",
            "agreement.allow[1]",
            "agreement.rates[0].per_second",
            "agreement.rates[0].burst",
            "agreement.spend_limits[0].currency"
        ]
    );
    for (id, agreement, field) in [
        ("Shop", json!({"allow": ["*"]}), "id"),
        (
            "a-very-long-application-id-over-32",
            json!({"allow": ["*"]}),
            "id",
        ),
        (
            "shop",
            json!({"allow": ["*"], "colour": "red"}),
            "agreement.colour",
        ),
        ("shop", json!({"allow": "*"}), "agreement.allow"),
        ("shop", json!({}), "agreement"),
        ("shop", json!({"allow": []}), "agreement.allow"),
        (
            "shop",
            json!({"allow": ["*"], "rates": [{"scope": "*", "per_second": 1.5}]}),
            "agreement.rates[0].per_second",
        ),
    ] {
        let body = json!({"id": id, "name": "Shop", "owner_contact": "ops", "agreement": agreement});
        let (status, _, problem) = send(&gw, Method::POST, "/apps", Some(body)).await;
        assert_eq!(
            (status, fields(&problem)),
            (StatusCode::BAD_REQUEST, vec![field]),
            "{agreement}"
        );
    }
    let (_, _, list) = send(&gw, Method::GET, "/apps", None).await;
    assert_eq!(list["apps"], json!([]), "nothing was stored");
}

async fn an_app_changes_and_moves_through_its_lifecycle(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let created = register(&gw, "shop", &["Payment"]).await;
    let patch = json!({"name": "Corner Shop Ltd"});
    let (status, _, app) = send(&gw, Method::PATCH, "/apps/shop", Some(patch)).await;
    assert_eq!(
        (status, app["name"].as_str()),
        (StatusCode::OK, Some("Corner Shop Ltd"))
    );
    assert_eq!(
        app["owner_contact"], created["owner_contact"],
        "absent fields stay"
    );
    let (status, _, _) = send(&gw, Method::PATCH, "/apps/shop", Some(json!({"id": "x"}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let agreement = json!({"allow": ["Payment", "SendSms"], "sms_senders": ["SHOP"]});
    let (status, _, app) = send(&gw, Method::PUT, "/apps/shop/agreement", Some(agreement)).await;
    assert_eq!(
        (status, &app["agreement"]["sms_senders"]),
        (StatusCode::OK, &json!(["SHOP"]))
    );
    let bad = json!({"allow": ["Payment"], "callback_hosts": ["http://x/"]});
    let (status, _, problem) = send(&gw, Method::PUT, "/apps/shop/agreement", Some(bad)).await;
    assert_eq!(
        (status, fields(&problem)),
        (StatusCode::BAD_REQUEST, vec!["agreement.callback_hosts[0]"])
    );
    let (_, _, app) = send(&gw, Method::GET, "/apps/shop", None).await;
    assert_eq!(
        app["agreement"]["allow"],
        json!(["Payment", "SendSms"]),
        "a refused agreement changes nothing"
    );
    let (status, _, _) = send(
        &gw,
        Method::PUT,
        "/apps/nope/agreement",
        Some(json!({"allow": ["*"]})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    for (action, expected) in [
        ("suspend", "suspended"),
        ("suspend", "suspended"),
        ("resume", "active"),
        ("revoke", "revoked"),
    ] {
        let (status, _, app) = send(&gw, Method::POST, &format!("/apps/shop/{action}"), None).await;
        assert_eq!(
            (status, app["status"].as_str()),
            (StatusCode::OK, Some(expected)),
            "{action}"
        );
    }
    for action in ["resume", "suspend", "credentials"] {
        let (status, _, problem) = send(&gw, Method::POST, &format!("/apps/shop/{action}"), None).await;
        assert_eq!(
            (status, problem["status"].as_u64()),
            (StatusCode::CONFLICT, Some(409)),
            "revoked is terminal: {action}"
        );
    }
    let (status, _, _) = send(&gw, Method::POST, "/apps/nope/suspend", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn credentials_rotate(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    register(&gw, "shop", &["*"]).await;
    let (status, _, second) = send(&gw, Method::POST, "/apps/shop/credentials", None).await;
    assert_eq!(
        (status, second["username"].as_str()),
        (StatusCode::CREATED, Some("shop.2"))
    );
    assert_eq!(second["secret"].as_str().map(str::len), Some(32));
    // Ids cannot contain the dot of later credentials' names, so no first credential collides.
    let other = register(&gw, "shop-2", &["*"]).await;
    assert_eq!(other["credential"]["username"], "shop-2");

    let (status, text, _) = send(&gw, Method::DELETE, "/apps/shop/credentials/shop", None).await;
    assert_eq!((status, text.as_str()), (StatusCode::NO_CONTENT, ""));
    let (_, shown, app) = send(&gw, Method::GET, "/apps/shop", None).await;
    let credentials = app["credentials"].as_array().unwrap();
    assert_eq!(credentials.len(), 2);
    assert_eq!(
        (
            credentials[0]["username"].as_str(),
            credentials[0]["revoked_at"].is_string()
        ),
        (Some("shop"), true)
    );
    assert_eq!(
        (
            credentials[1]["username"].as_str(),
            credentials[1]["revoked_at"].is_null()
        ),
        (Some("shop.2"), true)
    );
    assert!(!shown.contains(second["secret"].as_str().unwrap()));
    for path in [
        "/apps/shop/credentials/shop",
        "/apps/shop/credentials/shop-2",
        "/apps/nope/credentials/shop.2",
    ] {
        let (status, _, _) = send(&gw, Method::DELETE, path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
}

fn framework(db: &TestDb) -> Framework {
    let config = FrameworkConfig {
        secret_key: Some(TEST_SECRET_KEY.into()),
        ..FrameworkConfig::default()
    };
    Framework::new(&config, db.store.clone(), Arc::new(SystemClock)).unwrap()
}

async fn issued_credentials_authenticate_until_suspended_or_revoked(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let created = register(&gw, "shop", &["Payment"]).await;
    let basic = |c: &Value| Credentials::Basic {
        username: c["username"].as_str().unwrap().to_owned(),
        password: c["secret"].as_str().unwrap().to_owned(),
    };
    let first = basic(&created["credential"]);
    let peer: IpAddr = "127.0.0.1".parse().unwrap();
    let fw = framework(db);
    let permit = fw.authorize(&first, Operation::ChargeAmount, peer).await.unwrap();
    assert_eq!(permit.app().id, "shop");
    assert_eq!(
        fw.authorize(&first, Operation::SendSms, peer).await.err(),
        Some(AuthError::NotAllowed(Operation::SendSms))
    );

    send(&gw, Method::POST, "/apps/shop/suspend", None).await;
    fw.forget_app("shop");
    assert_eq!(
        fw.authorize(&first, Operation::ChargeAmount, peer).await.err(),
        Some(AuthError::AppInactive(AppStatus::Suspended))
    );
    send(&gw, Method::POST, "/apps/shop/resume", None).await;
    let (_, _, second) = send(&gw, Method::POST, "/apps/shop/credentials", None).await;
    let second = basic(&second);
    send(&gw, Method::DELETE, "/apps/shop/credentials/shop", None).await;
    let fresh = framework(db);
    assert_eq!(
        fresh.authorize(&first, Operation::ChargeAmount, peer).await.err(),
        Some(AuthError::BadCredentials)
    );
    assert!(
        fresh
            .authorize(&second, Operation::ChargeAmount, peer)
            .await
            .is_ok()
    );
}
