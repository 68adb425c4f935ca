//! Properties: an amount text means the same on both bindings. The SOAP `ChargingInformation`
//! decoder (`xsd:decimal` element text) and the OneAPI `chargingInformation` decoder (a JSON string,
//! or a JSON number where the text is one) accept the same texts with the same value and scale, and
//! refuse the same texts; and so the amount in minor units, or its refusal, is the same too.
//!
//! Here because `app` is the one module that may name both bindings. Surrounding whitespace is left
//! out of the generated texts: `xsd:decimal` collapses it (its `whiteSpace` facet) and a JSON string
//! has no such facet, the one documented difference.

use proptest::prelude::*;
use rust_decimal::Decimal;

use crate::domain::Currency;
use crate::rest::json;
use crate::rest::payment_json::ChargingInformation as RestCharging;
use crate::soap::payment_xml::ChargingInformation as SoapCharging;
use crate::soap::xml;

/// What a binding made of an amount text: the decimal as written (value and scale), or a refusal.
type Outcome = Result<String, ()>;

fn shown(amount: Option<Decimal>) -> Outcome {
    amount.map(|d| d.to_string()).ok_or(())
}

fn soap(text: &str) -> Outcome {
    let payload = format!("<charge><description>d</description><amount>{text}</amount></charge>");
    xml::decode::<SoapCharging>(payload.as_bytes()).map_or(Err(()), |c| shown(c.amount))
}

/// `amount` is the JSON text of the member's value.
fn rest(amount: &str) -> Outcome {
    let body = format!(r#"{{"description":"d","currency":"KRW","amount":{amount}}}"#);
    json::decode::<RestCharging>(body.as_bytes()).map_or(Err(()), |c| shown(c.amount))
}

fn rest_string(text: &str) -> Outcome {
    rest(&serde_json::Value::from(text).to_string())
}

/// Minor units in KRW (no decimals) and USD (two), or the refusal.
fn minor(outcome: &Outcome) -> [Option<i64>; 2] {
    let amount = outcome.as_ref().ok().and_then(|t| t.parse::<Decimal>().ok());
    ["KRW", "USD"].map(|code| {
        let currency = Currency::from_code(code).ok()?;
        amount.and_then(|a| currency.to_positive_minor(a).ok())
    })
}

/// Numbers as people and programs write them, exponents and excess zeros included.
fn number_text() -> impl Strategy<Value = String> {
    "[+-]?[0-9]{0,20}(\\.[0-9]{0,8})?([eE][+-]?[0-9]{1,3})?".prop_filter("not empty", |t| !t.is_empty())
}

/// Anything short made of the characters numbers are written with, and a few that are not.
fn odd_text() -> impl Strategy<Value = String> {
    "[0-9+\\-.eE_xXa-f,#]{1,14}"
}

fn amount_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => number_text(),
        2 => odd_text(),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => (any::<i64>(), 0..6_u32).prop_map(|(n, scale)| Decimal::new(n, scale).to_string()),
    ]
}

proptest! {
    #[test]
    fn an_amount_text_means_the_same_in_soap_and_in_a_json_string(text in amount_text()) {
        let (soap, rest) = (soap(&text), rest_string(&text));
        prop_assert_eq!(&soap, &rest, "{:?}", text);
        prop_assert_eq!(minor(&soap), minor(&rest));
    }

    #[test]
    fn an_amount_text_means_the_same_in_soap_and_as_a_json_number(text in amount_text()) {
        // Only texts JSON can carry as a number (no `+`, no leading zeros, no bare `.`).
        prop_assume!(serde_json::from_str::<serde_json::Number>(&text).is_ok());
        let (soap, rest) = (soap(&text), rest(&text));
        prop_assert_eq!(&soap, &rest, "{:?}", text);
        prop_assert_eq!(minor(&soap), minor(&rest));
    }

    #[test]
    fn an_exponent_is_refused_on_both(mantissa in "[0-9]{1,6}(\\.[0-9]{1,3})?", exponent in "[eE][+-]?[0-9]{1,2}") {
        let text = format!("{mantissa}{exponent}");
        prop_assert_eq!(soap(&text), Err(()));
        prop_assert_eq!(rest(&text), Err(()));
        prop_assert_eq!(rest_string(&text), Err(()));
    }
}

#[test]
fn the_cases_of_the_issue_come_out_alike() {
    for (text, expected) in [
        ("1e2", Err(())),
        ("1E2", Err(())),
        ("1.0", Ok("1.0".to_owned())),
        ("100", Ok("100".to_owned())),
    ] {
        assert_eq!(soap(text), expected, "SOAP {text}");
        assert_eq!(rest(text), expected, "REST number {text}");
        assert_eq!(rest_string(text), expected, "REST string {text}");
    }
    let krw = Currency::from_code("KRW").unwrap();
    assert!(
        krw.to_positive_minor("1.0".parse().unwrap()).is_err(),
        "1.0 KRW is refused"
    );
}
