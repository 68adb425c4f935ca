//! Amount reservations over REST: reserve, reserve more, charge part, release, and the refusals on
//! the way (sequence, missing referenceCode, a released or unknown reservation).

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{ALICE, ALICE_PATH, balance, post, shop};
use crate::harness::{TestDb, battery};

battery!(a_reservation_is_reserved_charged_in_part_and_released);

/// An `amountReservationTransaction` body.
fn reservation(status: &str, amount: Option<i64>, sequence: i64, reference: Option<&str>) -> Value {
    let mut tx = json!({"transactionOperationStatus": status, "referenceSequence": sequence});
    if let Some(amount) = amount {
        tx["paymentAmount"] =
            json!({"chargingInformation": {"amount": amount, "currency": "KRW", "description": "Ride"}});
    }
    if let Some(reference) = reference {
        tx["referenceCode"] = json!(reference);
    }
    json!({ "amountReservationTransaction": tx })
}

async fn a_reservation_is_reserved_charged_in_part_and_released(db: &TestDb) {
    let (gw, shop) = shop(db).await;
    let collection = format!("/payment/{ALICE_PATH}/transactions/amountReservation");
    let made = post(
        &gw,
        &collection,
        Some(&shop),
        &reservation("Reserved", Some(3000), 1, Some("res-1")),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let tx = &made.body["amountReservationTransaction"];
    let id = tx["serverReferenceCode"].as_str().unwrap().to_owned();
    let one = format!("{collection}/{id}");
    assert_eq!(tx["resourceURL"], format!("/oneapi/v1{one}"));
    assert_eq!(tx["paymentAmount"]["amountReserved"], json!(3000));

    let zero = post(
        &gw,
        &one,
        Some(&shop),
        &reservation("Reserved", Some(1000), 0, None),
    )
    .await;
    zero.assert_error(StatusCode::BAD_REQUEST, "SVC0002", "referenceSequence 0");
    assert_eq!(
        zero.exception().2,
        ["amountReservationTransaction.referenceSequence"]
    );
    let more = post(
        &gw,
        &one,
        Some(&shop),
        &reservation("Reserved", Some(1000), 2, None),
    )
    .await;
    assert_eq!(more.status, StatusCode::OK, "{}", more.body);
    let no_ref = post(
        &gw,
        &one,
        Some(&shop),
        &reservation("Charged", Some(2500), 3, None),
    )
    .await;
    no_ref.assert_error(
        StatusCode::BAD_REQUEST,
        "SVC0002",
        "Charged without referenceCode",
    );
    let charged = post(
        &gw,
        &one,
        Some(&shop),
        &reservation("Charged", Some(2500), 3, Some("res-c")),
    )
    .await;
    assert_eq!(charged.status, StatusCode::OK, "{}", charged.body);
    assert_eq!(
        charged.body["amountReservationTransaction"]["paymentAmount"]["totalAmountCharged"],
        json!(2500)
    );
    let released = post(&gw, &one, Some(&shop), &reservation("Released", None, 4, None)).await;
    assert_eq!(released.status, StatusCode::OK, "{}", released.body);
    assert_eq!(
        balance(&gw, ALICE.0).await,
        10000 - 2500,
        "only the charged part left"
    );
    let again = post(
        &gw,
        &one,
        Some(&shop),
        &reservation("Charged", Some(100), 5, Some("res-d")),
    )
    .await;
    assert_eq!(again.status, StatusCode::FORBIDDEN, "{}", again.body);
    let unknown = format!("{collection}/nope");
    post(
        &gw,
        &unknown,
        Some(&shop),
        &reservation("Released", None, 1, None),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "SVC0002", "an unknown reservation");
}
