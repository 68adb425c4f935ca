//! Every hold checks the per-charge cap, for the reservation as a whole: reserveAmount →
//! reserveAdditionalAmount → chargeReservation cannot charge more than one chargeAmount could
//! (SOAP and REST, amount and volume). A reservation has a maximum lifetime however often it is
//! renewed, and reserveAdditionalVolume bounds its volume.

use std::sync::Arc;

use chrono::TimeDelta;
use reqwest::StatusCode;
use serde_json::json;

use super::{outcome, reservation_body};
use crate::harness::{TestDb, TestGateway, battery};
use crate::rest_payment::post;
use crate::soap_framework::{
    ALICE, Auth, RESERVE, balance, call, charge_info, element, open_account, register, reserve_op,
};

battery!(
    a_reservation_cannot_grow_past_the_per_charge_cap,
    a_rest_reservation_cannot_grow_past_the_per_charge_cap,
    a_volume_reservation_cannot_grow_past_the_per_charge_cap,
    a_renewed_reservation_still_ends_at_its_maximum_lifetime,
);

const RESERVE_VOLUME: &str = "/ReserveVolumeChargingService/services/ReserveVolumeCharging";
const RESERVE_VOLUME_NS: &str =
    "http://www.csapi.org/schema/parlayx/payment/reserve_volume_charging/v2_1/local";

fn capped() -> serde_json::Value {
    json!({"allow": ["Payment"], "spend_limits": [{"currency": "KRW", "per_charge": 100000}]})
}

fn id_element(id: &str) -> String {
    format!("<loc:reservationIdentifier>{id}</loc:reservationIdentifier>")
}

/// The reproduced hole: reserve 100,000, add 300,000, charge 400,000 against a 100,000 cap.
async fn a_reservation_cannot_grow_past_the_per_charge_cap(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let shop = register(&gw, "shop", capped()).await;
    open_account(&gw, ALICE.0, json!({"balance": 1_000_000})).await;
    let auth = Auth::Basic(&shop);
    let reserve = reserve_op(
        "reserveAmount",
        &format!(
            "<loc:endUserIdentifier>{}</loc:endUserIdentifier>{}",
            ALICE.1,
            charge_info("100000")
        ),
    );
    let answer = call(&gw, RESERVE, &auth, &reserve).await;
    answer.assert_ok("reserveAmount at the cap");
    let id = element(&answer.text, "result").unwrap().to_owned();
    let more = reserve_op(
        "reserveAdditionalAmount",
        &format!("{}{}", id_element(&id), charge_info("300000")),
    );
    call(&gw, RESERVE, &auth, &more)
        .await
        .assert_fault("POL0254", "the reservation as a whole is over the cap");
    let one = reserve_op(
        "reserveAdditionalAmount",
        &format!("{}{}", id_element(&id), charge_info("1")),
    );
    call(&gw, RESERVE, &auth, &one)
        .await
        .assert_fault("POL0254", "not even one won more");
    let all = reserve_op(
        "chargeReservation",
        &format!(
            "{}{}<loc:referenceCode>big</loc:referenceCode>",
            id_element(&id),
            charge_info("400000")
        ),
    );
    call(&gw, RESERVE, &auth, &all)
        .await
        .assert_fault("POL1015", "only 100,000 is held");
    let fair = all.replace("400000", "100000").replace(">big<", ">fair<");
    call(&gw, RESERVE, &auth, &fair)
        .await
        .assert_ok("the held 100,000");
    assert_eq!(balance(&gw, ALICE.0).await, 900_000, "one capped charge moved");
}

async fn a_rest_reservation_cannot_grow_past_the_per_charge_cap(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let shop = register(&gw, "shop", capped()).await;
    open_account(&gw, ALICE.0, json!({"balance": 1_000_000})).await;
    let collection = "/payment/tel%3A%2B821012345678/transactions/amountReservation";
    let made = post(
        &gw,
        collection,
        Some(&shop),
        &reservation_body("Reserved", 60000, 1, None),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let id = made.body["amountReservationTransaction"]["serverReferenceCode"]
        .as_str()
        .unwrap()
        .to_owned();
    let one = format!("{collection}/{id}");
    let more = post(
        &gw,
        &one,
        Some(&shop),
        &reservation_body("Reserved", 40001, 2, None),
    )
    .await;
    assert_eq!(
        outcome(&more),
        (StatusCode::FORBIDDEN, "POL0254".to_owned()),
        "{}",
        more.body
    );
    let fits = post(
        &gw,
        &one,
        Some(&shop),
        &reservation_body("Reserved", 40000, 3, None),
    )
    .await;
    assert_eq!(fits.status, StatusCode::OK, "{}", fits.body);
    let charged = post(
        &gw,
        &one,
        Some(&shop),
        &reservation_body("Charged", 100000, 4, Some("ride")),
    )
    .await;
    assert_eq!(charged.status, StatusCode::OK, "{}", charged.body);
    assert_eq!(balance(&gw, ALICE.0).await, 900_000);
}

async fn a_volume_reservation_cannot_grow_past_the_per_charge_cap(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let tariff = gw
        .admin(reqwest::Method::PUT, "/tariffs/default")
        .json(&json!({"currency": "KRW", "unit_price": 10}))
        .send()
        .await
        .unwrap();
    assert!(tariff.status().is_success());
    let shop = register(&gw, "shop", capped()).await;
    open_account(&gw, ALICE.0, json!({"balance": 1_000_000})).await;
    let auth = Auth::Basic(&shop);
    let op = |operation: &str, children: String| {
        format!("<loc:{operation} xmlns:loc=\"{RESERVE_VOLUME_NS}\">{children}</loc:{operation}>")
    };
    let reserve = op(
        "reserveVolume",
        format!(
            "<loc:endUserIdentifier>{}</loc:endUserIdentifier><loc:volume>10000</loc:volume><loc:billingText>tv</loc:billingText>",
            ALICE.1
        ),
    );
    let answer = call(&gw, RESERVE_VOLUME, &auth, &reserve).await;
    answer.assert_ok("reserveVolume of 100,000 won");
    let id = element(&answer.text, "result").unwrap().to_owned();
    let more = |volume: &str| {
        op(
            "reserveAdditionalVolume",
            format!(
                "{}<loc:volume>{volume}</loc:volume><loc:billingText>tv</loc:billingText>",
                id_element(&id)
            ),
        )
    };
    call(&gw, RESERVE_VOLUME, &auth, &more("30000"))
        .await
        .assert_fault("POL0254", "past the cap by volume");
    for (volume, why) in [("0", "zero"), ("-9223372036854775808", "the most negative i64")] {
        let answer = call(&gw, RESERVE_VOLUME, &auth, &more(volume)).await;
        answer.assert_fault("SVC0002", why);
        assert_eq!(answer.variables(), ["volume"], "{why}");
    }
    call(&gw, RESERVE_VOLUME, &auth, &more("-5000"))
        .await
        .assert_ok("holding less is allowed");
    assert_eq!(balance(&gw, ALICE.0).await, 1_000_000, "nothing charged");
}

/// Renewing (reserveAdditionalAmount) moves the expiry by the TTL, never past the maximum
/// lifetime from the reservation's creation; then it is released and charges nothing.
async fn a_renewed_reservation_still_ends_at_its_maximum_lifetime(db: &TestDb) {
    let clock = Arc::new(pxgate::domain::ManualClock::new(chrono::Utc::now()));
    let gw = TestGateway::start_clocked(db, Arc::clone(&clock) as Arc<dyn pxgate::domain::Clock>, |c| {
        c.payment.reservation_ttl_secs = 900;
        c.payment.reservation_max_lifetime_secs = 1200;
    })
    .await;
    let shop = register(&gw, "shop", json!({"allow": ["Payment"]})).await;
    open_account(&gw, ALICE.0, json!({"balance": 10000})).await;
    let auth = Auth::Basic(&shop);
    let reserve = reserve_op(
        "reserveAmount",
        &format!(
            "<loc:endUserIdentifier>{}</loc:endUserIdentifier>{}",
            ALICE.1,
            charge_info("3000")
        ),
    );
    let answer = call(&gw, RESERVE, &auth, &reserve).await;
    let id = element(&answer.text, "result").unwrap().to_owned();
    let renew = reserve_op(
        "reserveAdditionalAmount",
        &format!("{}{}", id_element(&id), charge_info("1")),
    );
    clock.advance(TimeDelta::minutes(10));
    call(&gw, RESERVE, &auth, &renew)
        .await
        .assert_ok("renewed at 10 minutes");
    // 10 + 15 minutes would be the TTL from now; the lifetime ends at 20.
    clock.advance(TimeDelta::minutes(10) + TimeDelta::seconds(1));
    let charge = reserve_op(
        "chargeReservation",
        &format!(
            "{}{}<loc:referenceCode>late</loc:referenceCode>",
            id_element(&id),
            charge_info("1000")
        ),
    );
    let late = call(&gw, RESERVE, &auth, &charge).await;
    late.assert_fault("POL1015", "past its maximum lifetime");
    assert_eq!(balance(&gw, ALICE.0).await, 10000, "nothing charged");
}
