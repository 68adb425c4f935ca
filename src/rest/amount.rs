//! Reading an amount from a OneAPI JSON body: a JSON number or a JSON string (OneAPI's own examples
//! write `"amount": "10"`), either way read by [`crate::domain::money::parse_amount`], the reading
//! the SOAP binding uses for `xsd:decimal`, so both bindings accept and refuse the same amounts.
//!
//! Owns: getting the amount's text out of serde_json without a float (the `arbitrary_precision`
//! feature keeps a number as written). Must not know: currencies (whether the digits fit the
//! account's currency is decided in `scf`).

use rust_decimal::Decimal;
use serde::de::{Deserialize, Deserializer, Error};
use serde_json::Value;

use crate::domain::money::parse_amount;

/// The amount in `value`, which must be a number or a string written as a plain decimal.
fn read<E: Error>(value: &Value) -> Result<Decimal, E> {
    let text = match value {
        // With `arbitrary_precision`, a number displays exactly as it was written (`1e2` stays `1e2`).
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return Err(E::custom("expected a decimal number")),
    };
    parse_amount(&text).map_err(E::custom)
}

/// `#[serde(deserialize_with = "amount::required")]` for a mandatory amount.
///
/// # Errors
/// Not a number or string, or not a plain decimal (exponent notation included).
pub(crate) fn required<'de, D: Deserializer<'de>>(de: D) -> Result<Decimal, D::Error> {
    read(&Value::deserialize(de)?)
}

/// `#[serde(default, deserialize_with = "amount::optional")]` for an optional amount; `null` is
/// absent.
///
/// # Errors
/// As [`required`], for anything but `null`.
pub(crate) fn optional<'de, D: Deserializer<'de>>(de: D) -> Result<Option<Decimal>, D::Error> {
    match Value::deserialize(de)? {
        Value::Null => Ok(None),
        value => read(&value).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    struct Body {
        #[serde(default, deserialize_with = "optional")]
        amount: Option<Decimal>,
    }

    fn amount(json: &str) -> Result<Option<String>, String> {
        serde_json::from_str::<Body>(json)
            .map(|b| b.amount.map(|d| d.to_string()))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn numbers_and_strings_are_read_as_written_and_exponents_are_refused() {
        assert_eq!(amount(r#"{"amount": 1500}"#), Ok(Some("1500".into())));
        assert_eq!(amount(r#"{"amount": "1500"}"#), Ok(Some("1500".into())));
        assert_eq!(
            amount(r#"{"amount": 10.50}"#),
            Ok(Some("10.50".into())),
            "scale kept"
        );
        assert_eq!(amount(r#"{"amount": -0.5}"#), Ok(Some("-0.5".into())));
        assert_eq!(amount(r#"{"amount": null}"#), Ok(None));
        assert_eq!(amount("{}"), Ok(None));
        for refused in [
            r#"{"amount": 1e2}"#,
            r#"{"amount": 1E2}"#,
            r#"{"amount": 1.5e-1}"#,
            r#"{"amount": "1e2"}"#,
            r#"{"amount": " 100"}"#,
            r#"{"amount": "1_000"}"#,
            r#"{"amount": ""}"#,
            r#"{"amount": true}"#,
            r#"{"amount": [1]}"#,
            r#"{"amount": 1e400}"#,
        ] {
            assert!(amount(refused).is_err(), "{refused}: {:?}", amount(refused));
        }
        let exponent = amount(r#"{"amount": 1e2}"#).unwrap_err();
        assert!(
            exponent.contains("exponent notation is not accepted"),
            "{exponent}"
        );
    }
}
