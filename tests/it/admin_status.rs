//! `GET /admin/v1/status` and `pxgate admin status` on both backends: with the SMSC unreachable its
//! link shows no session bound, a sendSms waits in the outbox, and both say so with its age.

use reqwest::StatusCode;
use serde_json::Value;

use crate::cli::PXGATE;
use crate::harness::{OPERATOR_TOKEN, TestDb, battery};
use crate::sms_harness::SmsGateway;

battery!(the_status_shows_what_waits_for_the_smsc);

async fn the_status_shows_what_waits_for_the_smsc(db: &TestDb) {
    // An address nobody listens on: the link never binds, so what is accepted waits.
    let nowhere = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let gw = SmsGateway::start(db, nowhere).await;
    let app = gw.register("shop").await;
    let read = async || -> Value {
        let response = gw
            .http
            .get(format!("{}/admin/v1/status", gw.base))
            .bearer_auth(OPERATOR_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    };
    let before = read().await;
    let link = &before["links"][0];
    assert_eq!(
        (&link["name"], &link["address"], &link["sessions"], &link["bound"]),
        (
            &Value::from("smsc"),
            &Value::from(nowhere.to_string()),
            &Value::from(1),
            &Value::from(0)
        ),
        "{before}"
    );
    assert_eq!(before["outbox"]["pending_parts"], 0, "{before}");
    assert!(before["outbox"]["oldest_pending_secs"].is_null(), "{before}");
    gw.send(&app, &["tel:+821055503001", "tel:+821055503002"], "waiting")
        .await;
    let after = read().await;
    assert_eq!(after["outbox"]["pending_parts"], 2, "{after}");
    assert!(
        after["outbox"]["oldest_pending_secs"].as_i64().unwrap() >= 0,
        "{after}"
    );
    assert_eq!(after["callbacks"]["pending"], 0, "{after}");
    // The same backlog as gauges (the recorder is the process's, shared with other tests'
    // gateways, so only their presence is checked here).
    let metrics = gw
        .http
        .get(format!("{}/metrics", gw.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for series in [
        "pxgate_sms_outbox_pending_parts",
        "pxgate_sms_outbox_oldest_pending_seconds",
    ] {
        assert!(metrics.lines().any(|l| l.starts_with(series)), "{series} missing");
    }

    let out = tokio::process::Command::new(PXGATE)
        .args(["admin", "--url", &gw.base, "--token", OPERATOR_TOKEN, "status"])
        .env_remove("PXGATE_ADMIN_URL")
        .env_remove("PXGATE_ADMIN_TOKEN")
        .output()
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("SMS outbox: 2 parts waiting for the SMSC"),
        "{text}"
    );
    let link_row = text
        .lines()
        .find(|l| l.contains(&nowhere.to_string()))
        .unwrap_or_default();
    assert!(
        text.contains("SMSC links:") && link_row.contains("smsc"),
        "{text}"
    );
}
