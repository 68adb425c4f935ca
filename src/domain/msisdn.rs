//! End-user identifiers: `tel:` URIs and national numbers normalized to E.164.
//!
//! ES 202 391-1 §5.1: "tel: per RFC 3966; national and international forms must both be accepted".
//! A national number (trunk prefix `0`, e.g. Korean `010-1234-5678`) is turned into international
//! form with the configured default country code. This is syntax normalization, not numbering-plan
//! validation: whether the number is a subscriber of ours is the store's question.

use std::fmt;

/// E.164 allows at most 15 digits including the country code (ITU-T E.164 §6.1).
const MAX_DIGITS: usize = 15;
/// Shorter than this cannot be a subscriber number in any plan we serve.
const MIN_DIGITS: usize = 7;

/// A subscriber number in E.164 form, stored with its leading `+` (`+821012345678`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Msisdn(String);

/// Why a string is not an acceptable end-user identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MsisdnError {
    /// Nothing but whitespace, or a bare `tel:`.
    #[error("the number is empty")]
    Empty,
    /// A character that is neither a digit, a leading `+`, nor an RFC 3966 visual separator.
    #[error("unexpected character {0:?} in the number")]
    BadCharacter(char),
    /// RFC 3966 parameters (`;phone-context=…`, `;ext=…`) are not accepted for subscribers.
    #[error("tel: URI parameters are not supported")]
    Parameters,
    /// Too few or too many digits for E.164.
    #[error("the number must have between {MIN_DIGITS} and {MAX_DIGITS} digits, it has {0}")]
    Length(usize),
    /// Neither international (`+…`, or digits starting with the default country code) nor national
    /// (a single leading `0`).
    #[error("the number is neither international (+country…) nor national (0…)")]
    Ambiguous,
}

impl Msisdn {
    /// Parses `tel:+82-10-1234-5678`, `+821012345678`, `010-1234-5678` or `821012345678`
    /// (with `default_cc` = `"82"`) into the same value.
    pub fn parse(input: &str, default_cc: &str) -> Result<Self, MsisdnError> {
        let trimmed = input.trim();
        let body = strip_tel_scheme(trimmed);
        if body.contains(';') {
            return Err(MsisdnError::Parameters);
        }
        let (international, digits) = collect_digits(body)?;
        if digits.is_empty() {
            return Err(MsisdnError::Empty);
        }
        let e164 = if international {
            digits
        } else if let Some(national) = digits.strip_prefix('0') {
            if national.starts_with('0') {
                // `00…` is an international call prefix in some plans and a trunk prefix in none.
                return Err(MsisdnError::Ambiguous);
            }
            format!("{default_cc}{national}")
        } else if digits.starts_with(default_cc) {
            digits
        } else {
            return Err(MsisdnError::Ambiguous);
        };
        if !(MIN_DIGITS..=MAX_DIGITS).contains(&e164.len()) {
            return Err(MsisdnError::Length(e164.len()));
        }
        if e164.starts_with('0') {
            return Err(MsisdnError::Ambiguous);
        }
        Ok(Self(format!("+{e164}")))
    }

    /// The E.164 form with its `+`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits without `+`, as SMPP addresses with TON international carry them.
    pub fn digits(&self) -> &str {
        &self.0[1..]
    }

    /// The canonical `tel:` URI (`tel:+821012345678`).
    pub fn tel_uri(&self) -> String {
        format!("tel:{}", self.0)
    }

    /// Wraps a value read back from our own store, where it was written normalized.
    pub(crate) fn from_stored(e164: String) -> Self {
        Self(e164)
    }
}

impl fmt::Display for Msisdn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn strip_tel_scheme(s: &str) -> &str {
    match s.get(..4) {
        Some(scheme) if scheme.eq_ignore_ascii_case("tel:") => &s[4..],
        _ => s,
    }
}

/// Returns whether the number was written with a leading `+`, and its digits.
fn collect_digits(body: &str) -> Result<(bool, String), MsisdnError> {
    let mut digits = String::with_capacity(body.len());
    let mut international = false;
    for (i, c) in body.trim().char_indices() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if i == 0 => international = true,
            // RFC 3966 §5.1.1 visual separators, plus the spaces people type.
            '-' | '.' | '(' | ')' | ' ' => {}
            other => return Err(MsisdnError::BadCharacter(other)),
        }
    }
    Ok((international, digits))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kr(s: &str) -> Result<String, MsisdnError> {
        Msisdn::parse(s, "82").map(|m| m.as_str().to_owned())
    }

    #[test]
    fn every_written_form_of_one_number_is_the_same_value() {
        for form in [
            "tel:+821012345678",
            "TEL:+82-10-1234-5678",
            "+82 10 1234 5678",
            "010-1234-5678",
            "01012345678",
            "tel:010.1234.5678",
            "821012345678",
            " (010) 1234-5678 ",
        ] {
            assert_eq!(kr(form).as_deref(), Ok("+821012345678"), "{form}");
        }
    }

    #[test]
    fn malformed_numbers_are_refused_with_a_reason() {
        assert_eq!(kr(""), Err(MsisdnError::Empty));
        assert_eq!(kr("tel:"), Err(MsisdnError::Empty));
        assert_eq!(kr("010-12a4"), Err(MsisdnError::BadCharacter('a')));
        assert_eq!(kr("tel:+8210;ext=1"), Err(MsisdnError::Parameters));
        assert_eq!(kr("+82"), Err(MsisdnError::Length(2)));
        assert_eq!(kr("+1234567890123456"), Err(MsisdnError::Length(16)));
        assert_eq!(kr("0012345678"), Err(MsisdnError::Ambiguous));
        assert_eq!(kr("4412345678"), Err(MsisdnError::Ambiguous));
        assert_eq!(kr("1+2"), Err(MsisdnError::BadCharacter('+')));
    }

    #[test]
    fn forms_for_other_layers() {
        let m = Msisdn::parse("010-9876-5432", "82").unwrap();
        assert_eq!(m.digits(), "821098765432");
        assert_eq!(m.tel_uri(), "tel:+821098765432");
    }
}
