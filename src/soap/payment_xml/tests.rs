//! Every Payment operation, in every client style of `tests/fixtures/soap/`, through
//! `envelope::parse` and `xml::decode`.

use std::fmt::Debug;

use rust_decimal::Decimal;
use serde::de::DeserializeOwned;

use super::*;
use crate::soap::envelope::{Limits, parse};
use crate::soap::xml::decode;

const STYLES: [&str; 3] = ["soapui", "jaxws", "defaultns"];

fn charge() -> ChargingInformation {
    ChargingInformation {
        description: "Monthly game pass".into(),
        currency: Some("USD".into()),
        amount: Some(Decimal::new(1250, 2)),
        code: None,
    }
}

fn parameters() -> Vec<Property> {
    vec![
        Property {
            name: "rate".into(),
            value: "standard".into(),
        },
        Property {
            name: "zone".into(),
            value: "KR".into(),
        },
    ]
}

const EU: &str = "tel:+821012345678";
const BILLING: &str = "Data bundle & more";

/// Parse the fixture, check the operation QName, decode and compare.
fn check<T: DeserializeOwned + PartialEq + Debug>(
    file: &str,
    interface: PaymentInterface,
    op: &str,
    expected: &T,
) {
    let path = format!("{}/tests/fixtures/soap/{file}", env!("CARGO_MANIFEST_DIR"));
    let body = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let media = if file.contains("soap12") {
        SoapVersion::V12
    } else {
        SoapVersion::V11
    };
    let envelope = parse(&body, media, &Limits::default()).unwrap_or_else(|e| panic!("{file}: {e}"));
    assert_eq!(envelope.operation.ns, interface.namespace(), "{file}");
    assert_eq!(envelope.operation.local, op, "{file}");
    let decoded: T = decode(envelope.payload).unwrap_or_else(|e| panic!("{file}: {e}"));
    assert_eq!(&decoded, expected, "{file}");
}

fn each_style<T: DeserializeOwned + PartialEq + Debug>(interface: PaymentInterface, op: &str, expected: &T) {
    let short = match interface {
        PaymentInterface::Amount => "amount_charging",
        PaymentInterface::Volume => "volume_charging",
        PaymentInterface::ReserveAmount => "reserve_amount_charging",
        PaymentInterface::ReserveVolume => "reserve_volume_charging",
    };
    for style in STYLES {
        check(&format!("{short}.{op}.{style}.xml"), interface, op, expected);
    }
}

#[test]
fn amount_charging() {
    let request = ChargeAmount {
        end_user_identifier: EU.into(),
        charge: charge(),
        reference_code: "REF-0001".into(),
    };
    each_style(PaymentInterface::Amount, "chargeAmount", &request);
    each_style::<RefundAmount>(PaymentInterface::Amount, "refundAmount", &request);
    check(
        "amount_charging.chargeAmount.soap12.xml",
        PaymentInterface::Amount,
        "chargeAmount",
        &request,
    );
}

#[test]
fn volume_charging() {
    let charge = ChargeVolume {
        end_user_identifier: EU.into(),
        volume: 1024,
        billing_text: BILLING.into(),
        parameters: parameters(),
        reference_code: "REF-0001".into(),
    };
    each_style(PaymentInterface::Volume, "chargeVolume", &charge);
    each_style::<RefundVolume>(PaymentInterface::Volume, "refundVolume", &charge);
    let get = GetAmount {
        end_user_identifier: EU.into(),
        volume: 1024,
        parameters: parameters(),
    };
    each_style(PaymentInterface::Volume, "getAmount", &get);
}

#[test]
fn reserve_amount_charging() {
    let reserve = ReserveAmount {
        end_user_identifier: EU.into(),
        charge: charge(),
    };
    each_style(PaymentInterface::ReserveAmount, "reserveAmount", &reserve);
    let additional = ReserveAdditionalAmount {
        reservation_identifier: "RES-42".into(),
        charge: charge(),
    };
    each_style(
        PaymentInterface::ReserveAmount,
        "reserveAdditionalAmount",
        &additional,
    );
    let charge_res = ChargeAmountReservation {
        reservation_identifier: "RES-42".into(),
        charge: charge(),
        reference_code: "REF-0001".into(),
    };
    each_style(PaymentInterface::ReserveAmount, "chargeReservation", &charge_res);
    let release = ReleaseReservation {
        reservation_identifier: "RES-42".into(),
    };
    each_style(PaymentInterface::ReserveAmount, "releaseReservation", &release);
}

#[test]
fn reserve_volume_charging() {
    let get = GetAmount {
        end_user_identifier: EU.into(),
        volume: 1024,
        parameters: parameters(),
    };
    each_style(PaymentInterface::ReserveVolume, "getAmount", &get);
    let reserve = ReserveVolume {
        end_user_identifier: EU.into(),
        volume: 1024,
        billing_text: BILLING.into(),
        parameters: parameters(),
    };
    each_style(PaymentInterface::ReserveVolume, "reserveVolume", &reserve);
    check(
        "reserve_volume_charging.reserveVolume.soap12.xml",
        PaymentInterface::ReserveVolume,
        "reserveVolume",
        &reserve,
    );
    let additional = ReserveAdditionalVolume {
        reservation_identifier: "RES-42".into(),
        volume: 1024,
        billing_text: BILLING.into(),
        parameters: parameters(),
    };
    each_style(
        PaymentInterface::ReserveVolume,
        "reserveAdditionalVolume",
        &additional,
    );
    let charge_res = ChargeVolumeReservation {
        reservation_identifier: "RES-42".into(),
        volume: 1024,
        billing_text: BILLING.into(),
        reference_code: "REF-0001".into(),
        parameters: parameters(),
    };
    each_style(PaymentInterface::ReserveVolume, "chargeReservation", &charge_res);
    let release = ReleaseReservation {
        reservation_identifier: "RES-42".into(),
    };
    each_style(PaymentInterface::ReserveVolume, "releaseReservation", &release);
}

#[test]
fn get_amount_response_golden() {
    let result = ChargingInformation {
        description: "1 GB <data>".into(),
        currency: Some("KRW".into()),
        amount: Some(Decimal::new(1500, 0)),
        code: None,
    };
    let bytes = get_amount_response(SoapVersion::V11, PaymentInterface::Volume, &result);
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>"#,
            r#"<ns:getAmountResponse xmlns:ns="http://www.csapi.org/schema/parlayx/payment/volume_charging/v2_1/local">"#,
            r#"<ns:result><description>1 GB &lt;data&gt;</description><currency>KRW</currency><amount>1500</amount></ns:result>"#,
            r#"</ns:getAmountResponse></soapenv:Body></soapenv:Envelope>"#
        )
    );
}

#[test]
fn reservation_and_empty_responses_golden() {
    let bytes = reservation_response(
        SoapVersion::V12,
        PaymentInterface::ReserveAmount,
        "reserveAmountResponse",
        "RES-1",
    );
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body>"#,
            r#"<ns:reserveAmountResponse xmlns:ns="http://www.csapi.org/schema/parlayx/payment/reserve_amount_charging/v2_1/local">"#,
            r#"<ns:result>RES-1</ns:result></ns:reserveAmountResponse></env:Body></env:Envelope>"#
        )
    );
    let bytes = empty_response(SoapVersion::V11, PaymentInterface::Amount, "chargeAmountResponse");
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>"#,
            r#"<ns:chargeAmountResponse xmlns:ns="http://www.csapi.org/schema/parlayx/payment/amount_charging/v2_1/local"></ns:chargeAmountResponse>"#,
            r#"</soapenv:Body></soapenv:Envelope>"#
        )
    );
}

#[test]
fn responses_read_back_through_the_envelope_parser() {
    let result = ChargingInformation {
        description: "x & y".into(),
        currency: None,
        amount: Some(Decimal::new(-5, 1)),
        code: Some("C1".into()),
    };
    let bytes = get_amount_response(SoapVersion::V12, PaymentInterface::ReserveVolume, &result);
    let envelope = parse(&bytes, SoapVersion::V12, &Limits::default()).unwrap();
    assert_eq!(envelope.operation.ns, PaymentInterface::ReserveVolume.namespace());
    #[derive(serde::Deserialize, PartialEq, Debug)]
    struct Response {
        result: ChargingInformation,
    }
    assert_eq!(decode::<Response>(envelope.payload).unwrap(), Response { result });
}
