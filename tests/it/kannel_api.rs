//! Kannel's `sendsms` interface end to end on both backends, with requests written as Kannel's user
//! guide shows them: `GET /cgi-bin/sendsms?username=…&password=…&to=…&text=…`, a form `POST`,
//! several receivers in `to`, a delivery report fetched from `dlr-url` with its escapes filled in,
//! and Kannel's answers to a wrong password, a missing receiver, an unsupported field and a sender
//! outside the agreement.

use std::time::Duration;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::routing::get;
use reqwest::StatusCode;
use tokio::sync::mpsc;

use crate::harness::{TestDb, battery};
use crate::sms_harness::{SmsGateway, start_sim, wait_inbox};

battery!(
    a_kannel_request_reaches_the_handset_and_reports_to_its_dlr_url,
    kannel_refusals_are_kannels
);

/// An application's DLR endpoint that hands every query string to the test.
async fn dlr_endpoint() -> (String, mpsc::Receiver<String>) {
    let (tx, rx) = mpsc::channel(16);
    let app = Router::new()
        .route(
            "/dlr",
            get(
                |State(tx): State<mpsc::Sender<String>>, RawQuery(query): RawQuery| async move {
                    let _ = tx.send(query.unwrap_or_default()).await;
                    "ok"
                },
            ),
        )
        .with_state(tx);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/dlr", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, rx)
}

/// A request's fields, in order.
type Query<'a> = Vec<(&'a str, &'a str)>;

async fn sendsms(gw: &SmsGateway, query: &[(&str, &str)]) -> (StatusCode, String) {
    let url = url::Url::parse_with_params(&format!("{}/cgi-bin/sendsms", gw.base), query).unwrap();
    let response = gw.http.get(url).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn a_kannel_request_reaches_the_handset_and_reports_to_its_dlr_url(db: &TestDb) {
    let sim = start_sim(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let (user, pass) = gw.register("shop").await;
    let (dlr_url, mut reports) = dlr_endpoint().await;
    let template = format!("{dlr_url}?type=%d&to=%P&from=%p&id=%I&reply=%A&user=%n&at=%T");
    let (status, text) = sendsms(
        &gw,
        &[
            ("username", &user),
            ("password", &pass),
            ("from", "1588"),
            ("to", "+821055501234"),
            ("text", "Your order has shipped"),
            ("dlr-mask", "31"),
            ("dlr-url", &template),
        ],
    )
    .await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::ACCEPTED, "0: Accepted for delivery")
    );
    let arrived = wait_inbox(&sim, "821055501234").await;
    assert_eq!(arrived.text, "Your order has shipped");

    let report = tokio::time::timeout(Duration::from_secs(20), reports.recv())
        .await
        .expect("a delivery report within 20 s")
        .unwrap();
    let fields: std::collections::HashMap<String, String> = url::form_urlencoded::parse(report.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(fields["type"], "1", "{report}");
    assert_eq!(fields["to"], "821055501234");
    assert_eq!(fields["from"], "1588");
    assert_eq!(fields["user"], "shop");
    assert!(fields["reply"].ends_with("stat:DELIVRD"), "{report}");
    assert!(fields["reply"].contains(&fields["id"]), "{report}");
    assert!(fields["at"].parse::<i64>().unwrap() > 1_700_000_000);

    // A form POST with two receivers (Kannel splits `to` on spaces) and a Latin-1 text.
    let response = gw
        .http
        .post(format!("{}/cgi-bin/sendsms", gw.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "user={user}&pass={pass}&to=%2B821055501235+%2B821055501236&text=caf%E9&charset=ISO-8859-1"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    for number in ["821055501235", "821055501236"] {
        assert_eq!(wait_inbox(&sim, number).await.text, "café");
    }
}

async fn kannel_refusals_are_kannels(db: &TestDb) {
    let sim = start_sim(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let (user, pass) = gw.register("shop").await;
    let base = [("username", user.as_str()), ("password", pass.as_str())];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut query: Vec<(&str, &str)> = base.to_vec();
        query.extend_from_slice(extra);
        query
    };
    let cases: [(Query<'_>, StatusCode, &str); 6] = [
        (
            vec![
                ("username", user.as_str()),
                ("password", "wrong"),
                ("to", "+821055501234"),
                ("text", "x"),
            ],
            StatusCode::FORBIDDEN,
            "Authorization failed for sendsms",
        ),
        (
            with(&[("text", "x")]),
            StatusCode::BAD_REQUEST,
            "Missing receiver number, rejected",
        ),
        (
            with(&[("to", ""), ("text", "x")]),
            StatusCode::BAD_REQUEST,
            "Empty receiver number not allowed, rejected",
        ),
        (
            with(&[("to", "+821055501234"), ("text", "x"), ("mclass", "0")]),
            StatusCode::BAD_REQUEST,
            "mclass is not supported by this gateway, rejected",
        ),
        (
            with(&[("to", "+821055501234"), ("text", "x"), ("from", "9999")]),
            StatusCode::FORBIDDEN,
            "Sender 9999 is not allowed for this user, rejected",
        ),
        (
            with(&[
                ("to", "+821055501234"),
                ("text", "x"),
                ("dlr-mask", "8"),
                ("dlr-url", "http://127.0.0.1:9/d"),
            ]),
            StatusCode::BAD_REQUEST,
            "DLR-Mask asks only for SMSC-level reports, which this gateway does not send, rejected",
        ),
    ];
    for (query, status, text) in cases {
        assert_eq!(sendsms(&gw, &query).await, (status, text.to_owned()), "{query:?}");
    }
    // A dlr-url outside the agreement's callback hosts is refused before anything is queued.
    let (status, text) = sendsms(
        &gw,
        &with(&[
            ("to", "+821055501234"),
            ("text", "x"),
            ("dlr-mask", "3"),
            ("dlr-url", "http://10.1.2.3/dlr"),
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.starts_with("dlr-url: "), "{text}");
    let submitted = sim.stats().pdus_received.get("submit_sm").copied().unwrap_or(0);
    assert_eq!(submitted, 0, "nothing refused was sent");
}
