//! Volume charging over SOAP, priced by the operator's tariffs (set through the admin API): every
//! operation of VolumeCharging and ReserveVolumeCharging, on both backends.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{ALICE, Auth, balance, call, element, open_account, register};
use crate::harness::{TestDb, TestGateway, battery};

battery!(
    the_tariff_is_managed_by_the_operator,
    volumes_are_charged_reserved_and_refunded_by_tariff
);

const VOLUME: &str = "/VolumeChargingService/services/VolumeCharging";
const RESERVE_VOLUME: &str = "/ReserveVolumeChargingService/services/ReserveVolumeCharging";
const VOLUME_NS: &str = "http://www.csapi.org/schema/parlayx/payment/volume_charging/v2_1/local";
const RESERVE_VOLUME_NS: &str =
    "http://www.csapi.org/schema/parlayx/payment/reserve_volume_charging/v2_1/local";

fn op(ns: &str, operation: &str, children: &str) -> String {
    format!("<loc:{operation} xmlns:loc=\"{ns}\">{children}</loc:{operation}>")
}

/// `parameters` selecting a tariff (children unqualified, as the payment XSD says).
fn tariff(code: &str) -> String {
    format!("<loc:parameters><name>tariff</name><value>{code}</value></loc:parameters>")
}

fn user() -> String {
    format!("<loc:endUserIdentifier>{}</loc:endUserIdentifier>", ALICE.1)
}

async fn put_tariff(gw: &TestGateway, code: &str, body: Value) -> (StatusCode, Value) {
    let r = gw
        .admin(Method::PUT, &format!("/tariffs/{code}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap_or(Value::Null))
}

/// Tariffs are created, replaced, listed, refused when malformed (naming the field) and removed.
async fn the_tariff_is_managed_by_the_operator(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let (status, t) = put_tariff(&gw, "data-mb", json!({"currency": "KRW", "unit_price": 10})).await;
    assert_eq!((status, &t["unit_price"]), (StatusCode::CREATED, &json!(10)));
    let (status, _) = put_tariff(&gw, "data-mb", json!({"currency": "KRW", "unit_price": 12})).await;
    assert_eq!(status, StatusCode::OK);
    for (body, field) in [
        (json!({"currency": "KRW", "unit_price": 0.5}), "unit_price"),
        (json!({"currency": "KRW", "unit_price": 0}), "unit_price"),
        (json!({"currency": "XYZ", "unit_price": 1}), "currency"),
    ] {
        let (status, problem) = put_tariff(&gw, "data-mb", body).await;
        assert_eq!(
            (status, problem["errors"][0]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some(field))
        );
    }
    let list: Value = gw
        .admin(Method::GET, "/tariffs")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["unit_price"], 12, "a refused change changed nothing");
    let gone = gw.admin(Method::DELETE, "/tariffs/data-mb").send().await.unwrap();
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    let again = gw.admin(Method::DELETE, "/tariffs/data-mb").send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
}

/// getAmount prices, chargeVolume and refundVolume move money by the tariff; a volume reservation
/// holds, grows, is charged in part and released; an unknown tariff is SVC0007.
async fn volumes_are_charged_reserved_and_refunded_by_tariff(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let shop = register(&gw, "shop", json!({"allow": ["Payment"]})).await;
    open_account(&gw, ALICE.0, json!({"balance": 10000})).await;
    put_tariff(&gw, "data-mb", json!({"currency": "KRW", "unit_price": 10})).await;
    put_tariff(&gw, "default", json!({"currency": "KRW", "unit_price": 5})).await;
    let auth = Auth::Basic(&shop);

    let price = op(
        VOLUME_NS,
        "getAmount",
        &format!("{}<loc:volume>50</loc:volume>{}", user(), tariff("data-mb")),
    );
    let answer = call(&gw, VOLUME, &auth, &price).await;
    answer.assert_ok("getAmount");
    assert!(answer.text.contains("500"), "{}", answer.text);
    let charge = |volume: &str, reference: &str, operation: &str| {
        op(
            VOLUME_NS,
            operation,
            &format!(
                "{}<loc:volume>{volume}</loc:volume><loc:billingText>data</loc:billingText>{}<loc:referenceCode>{reference}</loc:referenceCode>",
                user(),
                tariff("data-mb")
            ),
        )
    };
    call(&gw, VOLUME, &auth, &charge("50", "v1", "chargeVolume"))
        .await
        .assert_ok("chargeVolume");
    call(&gw, VOLUME, &auth, &charge("50", "v1", "chargeVolume"))
        .await
        .assert_ok("retried chargeVolume");
    assert_eq!(balance(&gw, ALICE.0).await, 9500, "charged once, by the tariff");
    call(&gw, VOLUME, &auth, &charge("20", "v2", "refundVolume"))
        .await
        .assert_ok("refundVolume");
    assert_eq!(balance(&gw, ALICE.0).await, 9700);
    let unknown = charge("5", "v3", "chargeVolume").replace("data-mb", "no-such-tariff");
    call(&gw, VOLUME, &auth, &unknown)
        .await
        .assert_fault("SVC0007", "an unknown tariff");

    let reserve = op(
        RESERVE_VOLUME_NS,
        "reserveVolume",
        &format!(
            "{}<loc:volume>30</loc:volume><loc:billingText>stream</loc:billingText>",
            user()
        ),
    );
    let answer = call(&gw, RESERVE_VOLUME, &auth, &reserve).await;
    answer.assert_ok("reserveVolume");
    let id = element(&answer.text, "result").unwrap().to_owned();
    let id_element = format!("<loc:reservationIdentifier>{id}</loc:reservationIdentifier>");
    let more = op(
        RESERVE_VOLUME_NS,
        "reserveAdditionalVolume",
        &format!("{id_element}<loc:volume>10</loc:volume><loc:billingText>stream</loc:billingText>"),
    );
    call(&gw, RESERVE_VOLUME, &auth, &more)
        .await
        .assert_ok("reserveAdditionalVolume");
    let part = op(
        RESERVE_VOLUME_NS,
        "chargeReservation",
        &format!(
            "{id_element}<loc:volume>20</loc:volume><loc:billingText>stream</loc:billingText><loc:referenceCode>rv1</loc:referenceCode>"
        ),
    );
    call(&gw, RESERVE_VOLUME, &auth, &part)
        .await
        .assert_ok("chargeReservation");
    assert_eq!(
        balance(&gw, ALICE.0).await,
        9600,
        "20 units at 5 won left the balance"
    );
    let release = op(RESERVE_VOLUME_NS, "releaseReservation", &id_element);
    call(&gw, RESERVE_VOLUME, &auth, &release)
        .await
        .assert_ok("releaseReservation");
    let price = op(
        RESERVE_VOLUME_NS,
        "getAmount",
        &format!("{}<loc:volume>7</loc:volume>", user()),
    );
    let answer = call(&gw, RESERVE_VOLUME, &auth, &price).await;
    answer.assert_ok("ReserveVolumeCharging.getAmount");
    assert!(answer.text.contains(">35<"), "{}", answer.text);
    assert_eq!(balance(&gw, ALICE.0).await, 9600);
}
