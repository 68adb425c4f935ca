//! Hostile or wrong JSON: every refusal is 400 SVC0002 naming the field, and nothing is charged.

use reqwest::StatusCode;
use serde_json::json;

use super::{ALICE, ALICE_PATH, amount_path, balance, post_text, reply, shop, transaction};
use crate::harness::{TestDb, battery};

battery!(
    hostile_json_is_refused_naming_the_field,
    control_characters_in_texts_are_refused_alike_on_both_stores,
);

async fn hostile_json_is_refused_naming_the_field(db: &TestDb) {
    let (gw, shop) = shop(db).await;
    let path = amount_path(ALICE_PATH);
    let good = transaction("Charged", json!(100), "h-1").to_string();
    let amount_field = "amountTransaction.paymentAmount.chargingInformation.amount";
    let deep = format!("{}{}", "[".repeat(400), "]".repeat(400));
    let cases = [
        (good.replace("100", &deep), amount_field.to_owned()),
        (
            good.replace("100", &format!("1{}", "0".repeat(80))),
            amount_field.to_owned(),
        ),
        (good.replace("100", "1e999"), amount_field.to_owned()),
        (good.replace("100", "\"a lot\""), amount_field.to_owned()),
        (
            good.replace("\"referenceCode\"", "\"referenceCode\":\"x\",\"referenceCode\""),
            "amountTransaction.referenceCode".to_owned(),
        ),
        (
            good.replace("\"referenceCode\"", "\"bogus\":1,\"referenceCode\""),
            "amountTransaction.bogus".to_owned(),
        ),
        (
            good.replace("\"Charged\"", "\"Stolen\""),
            "amountTransaction.transactionOperationStatus".to_owned(),
        ),
        (
            good.replace("\"referenceCode\":\"h-1\",", ""),
            "amountTransaction.referenceCode".to_owned(),
        ),
        ("{\"amountTransaction\":".to_owned(), "body".to_owned()),
    ];
    for (text, field) in cases {
        let answer = post_text(&gw, &path, Some(&shop), &text).await;
        answer.assert_error(StatusCode::BAD_REQUEST, "SVC0002", &field);
        assert_eq!(answer.exception().2, [field.as_str()], "{text:.200}");
    }
    let form = gw
        .http
        .post(format!("{}/oneapi/v1{path}", gw.base))
        .basic_auth(&shop.user, Some(&shop.secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("amount=1")
        .send()
        .await
        .unwrap();
    // OneAPI's form binding is read like the JSON: a missing member is named as its form field.
    let answer = reply(form).await;
    answer.assert_error(
        StatusCode::BAD_REQUEST,
        "SVC0002",
        "a form without a referenceCode",
    );
    assert_eq!(answer.exception().2, ["referenceCode"]);
    let big = good.replace("Game pass", &"x".repeat(20 * 1024));
    let answer = post_text(&gw, &path, Some(&shop), &big).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(balance(&gw, ALICE.0).await, 10000, "nothing charged");
}

/// A NUL or another control character in a reference code or a description is invalid input on
/// both stores (PostgreSQL refused NUL with an internal error, SQLite stored it), and nothing moves.
async fn control_characters_in_texts_are_refused_alike_on_both_stores(db: &TestDb) {
    let (gw, shop) = shop(db).await;
    let path = amount_path(ALICE_PATH);
    let good = transaction("Charged", json!(100), "c-1").to_string();
    let cases = [
        (good.replace("Game pass", "Game\\u0000pass"), "description"),
        (good.replace("Game pass", "Game\\u0001pass"), "description"),
        (good.replace("\"c-1\"", "\"c\\u0000-1\""), "referenceCode"),
        (good.replace("\"c-1\"", "\"c\\u001b-1\""), "referenceCode"),
    ];
    for (text, field) in cases {
        let answer = post_text(&gw, &path, Some(&shop), &text).await;
        answer.assert_error(StatusCode::BAD_REQUEST, "SVC0002", field);
        let variable = answer.exception().2.join(",");
        assert!(variable.ends_with(field), "{field}: {variable}");
    }
    assert_eq!(balance(&gw, ALICE.0).await, 10000, "nothing charged");
}
