//! Jasmin's HTTP API `/send` end to end on both backends, with requests written as Jasmin's
//! documentation shows them: a form `POST`, a JSON body, UCS-2 `hex-content`, a level-2 delivery
//! report `POST`ed (and `GET`) to `dlr-url`, and Jasmin's answers to a wrong password, a missing
//! argument and a level-1 report it does not send.

use std::collections::HashMap;
use std::time::Duration;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::routing::any;
use reqwest::StatusCode;
use tokio::sync::mpsc;

use crate::harness::{TestDb, battery};
use crate::sms_harness::{SmsGateway, start_sim, wait_inbox};

battery!(
    a_jasmin_request_reaches_the_handset_and_reports_to_its_dlr_url,
    jasmin_refusals_are_jasmins
);

/// An application's DLR endpoint that hands the test each report's fields (query and form body).
async fn dlr_endpoint() -> (String, mpsc::Receiver<HashMap<String, String>>) {
    let (tx, rx) = mpsc::channel(16);
    let app = Router::new()
        .route(
            "/dlr",
            any(
                |State(tx): State<mpsc::Sender<HashMap<String, String>>>,
                 RawQuery(query): RawQuery,
                 body: String| async move {
                    let mut fields: HashMap<String, String> =
                        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
                            .into_owned()
                            .collect();
                    fields.extend(url::form_urlencoded::parse(body.as_bytes()).into_owned());
                    let _ = tx.send(fields).await;
                    "ACK/Jasmin"
                },
            ),
        )
        .with_state(tx);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/dlr", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, rx)
}

async fn send(gw: &SmsGateway, form: &[(&str, &str)]) -> (StatusCode, String) {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let response = gw
        .http
        .post(format!("{}/send", gw.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn next_report(reports: &mut mpsc::Receiver<HashMap<String, String>>) -> HashMap<String, String> {
    tokio::time::timeout(Duration::from_secs(20), reports.recv())
        .await
        .expect("a delivery report within 20 s")
        .unwrap()
}

async fn a_jasmin_request_reaches_the_handset_and_reports_to_its_dlr_url(db: &TestDb) {
    let sim = start_sim(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let (user, pass) = gw.register("shop").await;
    let (dlr_url, mut reports) = dlr_endpoint().await;
    let (status, text) = send(
        &gw,
        &[
            ("username", &user),
            ("password", &pass),
            ("to", "+821055502001"),
            ("from", "1588"),
            ("content", "Hello world !"),
            ("dlr", "yes"),
            ("dlr-url", &dlr_url),
            ("dlr-level", "2"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let id = text
        .strip_prefix("Success \"")
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or_else(|| panic!("{text}"))
        .to_owned();
    assert_eq!(wait_inbox(&sim, "821055502001").await.text, "Hello world !");
    let report = next_report(&mut reports).await;
    assert_eq!(report["id"], id);
    assert_eq!(report["message_status"], "DELIVRD");
    assert_eq!(report["level"], "2");
    assert_eq!(report["dlvrd"], "001");

    // A JSON body, UCS-2 hex-content, the report by GET.
    let json = serde_json::json!({
        "username": user, "password": pass, "to": "821055502002", "hex-content": "c548b155",
        "coding": "8", "dlr-url": dlr_url, "dlr-level": 3, "dlr-method": "GET"
    });
    let response = gw
        .http
        .post(format!("{}/send", gw.base))
        .json(&json)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(wait_inbox(&sim, "821055502002").await.text, "안녕");
    let report = next_report(&mut reports).await;
    assert_eq!(report["message_status"], "DELIVRD");
}

async fn jasmin_refusals_are_jasmins(db: &TestDb) {
    let sim = start_sim(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let (user, pass) = gw.register("shop").await;
    let refused = send(
        &gw,
        &[
            ("username", &user),
            ("password", "wrong"),
            ("to", "821055502003"),
            ("content", "x"),
        ],
    )
    .await;
    assert_eq!(
        refused,
        (
            StatusCode::FORBIDDEN,
            format!("Error \"Authentication failure for username:{user}\"")
        )
    );
    let missing = send(&gw, &[("username", &user), ("password", &pass), ("content", "x")]).await;
    assert_eq!(
        missing,
        (
            StatusCode::BAD_REQUEST,
            "Error \"Mandatory argument [to] is not found.\"".to_owned()
        )
    );
    let bad_to = send(
        &gw,
        &[
            ("username", &user),
            ("password", &pass),
            ("to", "12ab"),
            ("content", "x"),
        ],
    )
    .await;
    assert_eq!(
        bad_to,
        (
            StatusCode::BAD_REQUEST,
            "Error \"Argument [to] has an invalid value: [12ab].\"".to_owned()
        )
    );
    let level_one = send(
        &gw,
        &[
            ("username", &user),
            ("password", &pass),
            ("to", "821055502003"),
            ("content", "x"),
            ("dlr-url", "http://127.0.0.1:9/d"),
        ],
    )
    .await;
    assert_eq!(level_one.0, StatusCode::BAD_REQUEST);
    assert!(level_one.1.contains("dlr-level 1"), "{}", level_one.1);
    let submitted = sim.stats().pdus_received.get("submit_sm").copied().unwrap_or(0);
    assert_eq!(submitted, 0, "nothing refused was sent");
}
