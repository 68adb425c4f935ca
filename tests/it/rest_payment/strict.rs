//! What a lenient reader would take and pxgate refuses over REST, alike with SOAP: exponent
//! notation and excess decimals in an amount, and a body without a `Content-Type`.

use reqwest::StatusCode;
use serde_json::json;

use super::{ALICE, ALICE_PATH, AMOUNT, Auth, amount_path, balance, call, charge_amount, post_text, reply};
use super::{shop, transaction};
use crate::harness::{TestDb, battery};

battery!(
    amounts_are_refused_alike_on_both_bindings,
    a_body_needs_a_json_content_type,
);

const AMOUNT_FIELD: &str = "amountTransaction.paymentAmount.chargingInformation.amount";

async fn amounts_are_refused_alike_on_both_bindings(db: &TestDb) {
    let (gw, shop) = shop(db).await;
    let path = amount_path(ALICE_PATH);
    let auth = Auth::Text(&shop.user, &shop.secret);
    // (amount text, the refusal, whether it names the amount: SVC0002 does, SVC0007 says why)
    let cases = [
        ("1e2", "SVC0002", true),
        ("1E2", "SVC0002", true),
        ("1.0", "SVC0007", false),
        ("100.00", "SVC0007", false),
        ("1.5", "SVC0007", false),
    ];
    for (i, (text, id, names_field)) in cases.into_iter().enumerate() {
        let why = format!("{text} has more decimal places than KRW allows (none: KRW has no minor unit)");
        // The JSON number as written (`1e2`, `1.0`), and the same text as a JSON string.
        let number = transaction("Charged", json!(0), &format!("n-{i}"))
            .to_string()
            .replace("\"amount\":0", &format!("\"amount\":{text}"));
        let string = transaction("Charged", json!(text), &format!("s-{i}")).to_string();
        for body in [number, string] {
            let answer = post_text(&gw, &path, Some(&shop), &body).await;
            answer.assert_error(StatusCode::BAD_REQUEST, id, &body);
            let expected: &[&str] = if names_field { &[AMOUNT_FIELD] } else { &[&why] };
            assert_eq!(answer.exception().2, expected, "{body}");
        }
        let answer = call(
            &gw,
            AMOUNT,
            &auth,
            &charge_amount(ALICE.1, text, &format!("x-{i}")),
        )
        .await;
        answer.assert_fault(id, text);
        let expected: &[&str] = if names_field { &["charge.amount"] } else { &[&why] };
        assert_eq!(answer.variables(), expected, "{text}");
    }
    assert_eq!(balance(&gw, ALICE.0).await, 10000, "nothing charged");
    for (i, amount) in [json!(100), json!("100")].into_iter().enumerate() {
        let answer = post_text(
            &gw,
            &path,
            Some(&shop),
            &transaction("Charged", amount, &format!("ok-{i}")).to_string(),
        )
        .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    }
    call(&gw, AMOUNT, &auth, &charge_amount(ALICE.1, "100", "ok-soap"))
        .await
        .assert_ok("a plain amount");
    assert_eq!(balance(&gw, ALICE.0).await, 9700);
}

async fn a_body_needs_a_json_content_type(db: &TestDb) {
    let (gw, shop) = shop(db).await;
    let path = amount_path(ALICE_PATH);
    let url = format!("{}/oneapi/v1{path}", gw.base);
    let send = |content_type: Option<&'static str>, reference: &str| {
        let mut request = gw
            .http
            .post(&url)
            .basic_auth(&shop.user, Some(&shop.secret))
            .body(transaction("Charged", json!(100), reference).to_string());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        request.send()
    };
    for (content_type, reference) in [
        (None, "t-1"),
        (Some(""), "t-2"),
        (Some("text/plain"), "t-3"),
        (Some("application/jsonp"), "t-4"),
        (Some("application/problem+json"), "t-5"),
    ] {
        reply(send(content_type, reference).await.unwrap())
            .await
            .assert_error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "POL0011",
                &format!("{content_type:?}"),
            );
    }
    assert_eq!(balance(&gw, ALICE.0).await, 10000, "nothing charged");
    for (content_type, reference) in [
        ("application/json", "j-1"),
        ("application/json; charset=utf-8", "j-2"),
        ("Application/JSON;charset=UTF-8", "j-3"),
    ] {
        let answer = reply(send(Some(content_type), reference).await.unwrap()).await;
        assert_eq!(
            answer.status,
            StatusCode::CREATED,
            "{content_type}: {}",
            answer.body
        );
    }
    // A request without a body needs no Content-Type.
    let url = answer_url(&gw, &shop).await;
    let read = super::get(&gw, &url, &shop).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
}

/// The resourceURL of a fresh charge.
async fn answer_url(gw: &crate::harness::TestGateway, shop: &crate::soap_framework::Client) -> String {
    let path = amount_path(ALICE_PATH);
    let body = transaction("Charged", json!(100), "g-1").to_string();
    let answer = post_text(gw, &path, Some(shop), &body).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    answer.body["amountTransaction"]["resourceURL"]
        .as_str()
        .unwrap()
        .to_owned()
}
