//! Money: ISO 4217 currencies and exact amounts.
//!
//! Every API speaks [`Decimal`]; the store keeps `i64` minor units of the account's currency (KRW has
//! exponent 0, USD 2, …). An amount written with more fractional digits than its currency has is
//! refused, never rounded, even when the extra digits are zeros (`1.0` KRW): silently dropping a
//! fraction of a won would make the ledger lie, and a client that writes a fraction the currency
//! cannot hold has misread the currency. An application's amount text becomes a [`Decimal`] in one
//! place, [`parse_amount`], for both bindings, so SOAP and REST accept and refuse the same amounts.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

/// The largest amount a single movement or balance may hold, in minor units (10^15). It keeps every
/// sum the store computes far away from `i64` overflow.
pub const MAX_MINOR: i64 = 1_000_000_000_000_000;

/// An ISO 4217 currency that has a minor unit (so `XAU` or `XXX` are refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    code: iso_currency::Currency,
    exponent: u32,
}

/// How many decimal places a currency has, said so that zero explains itself.
fn places(exponent: u32, currency: &str) -> String {
    if exponent == 0 {
        format!("none: {currency} has no minor unit")
    } else {
        exponent.to_string()
    }
}

/// Why an amount or a currency code is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Not an ISO 4217 code, or a code without a minor unit.
    #[error("unknown currency {0:?} (expected an ISO 4217 code such as KRW)")]
    UnknownCurrency(String),
    /// More fractional digits than the currency has.
    #[error(
        "{amount} has more decimal places than {currency} allows ({})",
        places(*.exponent, .currency)
    )]
    TooPrecise {
        amount: Decimal,
        currency: &'static str,
        exponent: u32,
    },
    /// Zero or below where a positive amount is required.
    #[error("the amount must be greater than zero")]
    NotPositive,
    /// Below zero where zero is allowed.
    #[error("the amount must not be negative")]
    Negative,
    /// Above [`MAX_MINOR`] minor units.
    #[error("the amount is too large")]
    TooLarge,
    /// Not written as a plain decimal number (see [`parse_amount`]).
    #[error("not a plain decimal number: {0}")]
    NotDecimal(&'static str),
}

/// Reads an amount as an application wrote it, the one reading both bindings use: the lexical form
/// of `xsd:decimal` (XSD 1.0 Part 2 §3.2.3), an optional sign, digits, and an optional fraction after
/// one `.`, with at least one digit in all. Refused: exponent notation (`1e2`, which JSON allows and
/// `xsd:decimal` does not, so one rule for both), spaces, `_` (which `Decimal::from_str` would
/// skip), and anything a [`Decimal`] cannot hold digit for digit (more than 28 digits), so the scale
/// of the result is the number of fraction digits written.
///
/// # Errors
/// [`MoneyError::NotDecimal`] saying why.
pub fn parse_amount(text: &str) -> Result<Decimal, MoneyError> {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    if unsigned.contains(['e', 'E']) {
        return Err(MoneyError::NotDecimal("exponent notation is not accepted"));
    }
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(fraction) || whole.len() + fraction.len() == 0 {
        return Err(MoneyError::NotDecimal(
            "expected digits with an optional sign and one decimal point",
        ));
    }
    let too_long = MoneyError::NotDecimal("too many digits");
    let value = Decimal::from_str(text).map_err(|_| too_long.clone())?;
    if usize::try_from(value.scale()).ok() != Some(fraction.len()) {
        return Err(too_long);
    }
    Ok(value)
}

impl Currency {
    /// Looks up an ISO 4217 alphabetic code (case-sensitive, as the standard writes them).
    pub fn from_code(code: &str) -> Result<Self, MoneyError> {
        let unknown = || MoneyError::UnknownCurrency(code.to_owned());
        let iso = iso_currency::Currency::from_code(code).ok_or_else(unknown)?;
        let exponent = iso.exponent().ok_or_else(unknown)?;
        Ok(Self {
            code: iso,
            exponent: u32::from(exponent),
        })
    }

    /// The three-letter code.
    pub fn code(&self) -> &'static str {
        self.code.code()
    }

    /// Digits after the decimal point of the minor unit.
    pub fn exponent(&self) -> u32 {
        self.exponent
    }

    /// Converts an exact amount into minor units, refusing excess precision and absurd sizes.
    /// The sign is kept; callers decide whether zero or negative amounts make sense.
    ///
    /// Precision is the amount's scale, the fraction digits as written: `1.0` KRW is refused like
    /// `1.5`. Callers that mean the value whatever its notation (the operator's API and
    /// configuration) pass `amount.normalize()`.
    pub fn to_minor(&self, amount: Decimal) -> Result<i64, MoneyError> {
        if amount.scale() > self.exponent {
            return Err(MoneyError::TooPrecise {
                amount,
                currency: self.code(),
                exponent: self.exponent,
            });
        }
        let scaled = amount
            .checked_mul(Decimal::from(10_i64.pow(self.exponent)))
            .ok_or(MoneyError::TooLarge)?;
        let minor = i64::try_from(scaled).map_err(|_| MoneyError::TooLarge)?;
        if minor.abs() > MAX_MINOR {
            return Err(MoneyError::TooLarge);
        }
        Ok(minor)
    }

    /// A positive amount in minor units (charges, refunds, top-ups).
    pub fn to_positive_minor(&self, amount: Decimal) -> Result<i64, MoneyError> {
        match self.to_minor(amount)? {
            m if m > 0 => Ok(m),
            _ => Err(MoneyError::NotPositive),
        }
    }

    /// A non-negative amount in minor units (limits, thresholds, opening balances).
    pub fn to_non_negative_minor(&self, amount: Decimal) -> Result<i64, MoneyError> {
        match self.to_minor(amount)? {
            m if m >= 0 => Ok(m),
            _ => Err(MoneyError::Negative),
        }
    }

    /// Minor units back to an exact decimal with the currency's scale (`1050` USD → `10.50`).
    pub fn from_minor(&self, minor: i64) -> Decimal {
        Decimal::new(minor, self.exponent)
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_code(s)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An amount in a currency, held as minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money {
    /// The currency the amount is in.
    pub currency: Currency,
    /// Amount in minor units of `currency`.
    pub minor: i64,
}

impl Money {
    /// The amount as an exact decimal.
    pub fn amount(&self) -> Decimal {
        self.currency.from_minor(self.minor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn minor_units_follow_the_currency_exponent() {
        let krw = Currency::from_code("KRW").unwrap();
        let usd = Currency::from_code("USD").unwrap();
        let bhd = Currency::from_code("BHD").unwrap();
        assert_eq!((krw.exponent(), usd.exponent(), bhd.exponent()), (0, 2, 3));
        assert_eq!(krw.to_minor(dec("4300")), Ok(4300));
        assert_eq!(
            krw.to_minor(dec("4300.000").normalize()),
            Ok(4300),
            "normalized, trailing zeros are not precision"
        );
        assert_eq!(usd.to_minor(dec("10.50")), Ok(1050));
        assert_eq!(usd.to_minor(dec("10.5")), Ok(1050));
        assert_eq!(bhd.to_minor(dec("0.001")), Ok(1));
        assert_eq!(usd.from_minor(1050).to_string(), "10.50");
        assert_eq!(krw.from_minor(4300).to_string(), "4300");
    }

    #[test]
    fn excess_precision_and_bad_signs_are_refused_not_rounded() {
        let krw = Currency::from_code("KRW").unwrap();
        let usd = Currency::from_code("USD").unwrap();
        assert!(matches!(
            krw.to_minor(dec("0.5")),
            Err(MoneyError::TooPrecise { .. })
        ));
        assert!(matches!(
            usd.to_minor(dec("1.001")),
            Err(MoneyError::TooPrecise { .. })
        ));
        for written in ["1.0", "4300.000", "0.0"] {
            assert!(
                matches!(krw.to_minor(dec(written)), Err(MoneyError::TooPrecise { .. })),
                "{written} KRW: more fraction digits than the currency has, even zeros"
            );
        }
        assert!(matches!(
            usd.to_minor(dec("10.500")),
            Err(MoneyError::TooPrecise { .. })
        ));
        assert_eq!(krw.to_positive_minor(dec("0")), Err(MoneyError::NotPositive));
        assert_eq!(krw.to_positive_minor(dec("-5")), Err(MoneyError::NotPositive));
        assert_eq!(krw.to_non_negative_minor(dec("-5")), Err(MoneyError::Negative));
        assert_eq!(krw.to_non_negative_minor(dec("0")), Ok(0));
        assert_eq!(krw.to_minor(dec("1000000000000001")), Err(MoneyError::TooLarge));
        assert_eq!(usd.to_minor(Decimal::MAX), Err(MoneyError::TooLarge));
    }

    #[test]
    fn amounts_are_read_as_xsd_decimal_without_exponent() {
        for (text, value, scale) in [
            ("1500", "1500", 0),
            ("+7", "7", 0),
            ("-0.50", "-0.50", 2),
            ("007", "7", 0),
            (".5", "0.5", 1),
            ("5.", "5", 0),
            ("1.0", "1.0", 1),
        ] {
            let parsed = parse_amount(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!((parsed, parsed.scale()), (dec(value), scale), "{text}");
        }
        for text in ["1e2", "1E2", "-1.5e-3", "1E+2"] {
            assert_eq!(
                parse_amount(text),
                Err(MoneyError::NotDecimal("exponent notation is not accepted")),
                "{text}"
            );
        }
        let long_fraction = format!("1.{}", "0".repeat(30));
        let too_big = "9".repeat(40);
        for text in [
            "",
            " 1",
            "1 ",
            "+",
            "-",
            ".",
            "1.2.3",
            "1_000",
            "0x10",
            "١٢",
            "NaN",
            "inf",
            "--1",
            "+-1",
            &long_fraction,
            &too_big,
        ] {
            assert!(
                matches!(parse_amount(text), Err(MoneyError::NotDecimal(_))),
                "{text:?}: {:?}",
                parse_amount(text)
            );
        }
    }

    #[test]
    fn unknown_or_unit_less_currencies_are_refused() {
        assert!(Currency::from_code("KRW").is_ok());
        assert!(Currency::from_code("krw").is_err());
        assert!(Currency::from_code("ABC").is_err());
        assert!(Currency::from_code("XAU").is_err(), "gold has no minor unit");
    }
}
