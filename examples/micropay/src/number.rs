//! Subscriber numbers as people type them, turned into the `tel:` URIs Parlay X addresses
//! end users with (ES 202 391-1 §6: `tel:` URI, RFC 3966, global form).

/// Why a number is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("msisdn: {0:?} is not a phone number (e.g. 010-1234-0001 or +821012340001)")]
pub struct BadNumber(pub String);

/// `010-1234-0001`, `+82 10 1234 0001` or `tel:+821012340001` → `tel:+821012340001`.
///
/// A number without `+` is national: its leading `0` (trunk prefix) gives way to
/// `country_code`.
pub fn tel_uri(raw: &str, country_code: &str) -> Result<String, BadNumber> {
    let bad = || BadNumber(raw.to_owned());
    let s = raw.trim();
    let s = s.strip_prefix("tel:").unwrap_or(s);
    let international = s.starts_with('+');
    let body = s.strip_prefix('+').unwrap_or(s);
    if !body
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '-' | ' ' | '.' | '(' | ')'))
    {
        return Err(bad());
    }
    let digits: String = body.chars().filter(char::is_ascii_digit).collect();
    // E.164 allows at most 15 digits; shorter than 7 (national) or 10 (international) is taken
    // for a typing mistake rather than a subscriber.
    let global = if international && digits.len() >= 10 {
        digits
    } else if let Some(national) = digits
        .strip_prefix('0')
        .filter(|n| n.len() >= 7 && !international)
    {
        format!("{country_code}{national}")
    } else {
        return Err(bad());
    };
    if global.len() > 15 {
        return Err(bad());
    }
    Ok(format!("tel:+{global}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_international_and_uri_forms_agree() {
        for raw in [
            "010-1234-0001",
            "01012340001",
            "+82 10 1234 0001",
            "tel:+821012340001",
        ] {
            assert_eq!(tel_uri(raw, "82").unwrap(), "tel:+821012340001", "{raw}");
        }
    }

    #[test]
    fn garbage_is_refused_naming_the_field() {
        for raw in [
            "",
            "abc",
            "1012340001",
            "+12",
            "010-1234",
            "010-1234-000x",
            "+8210123400011234567",
        ] {
            let e = tel_uri(raw, "82").unwrap_err();
            assert!(e.to_string().starts_with("msisdn:"), "{e}");
        }
    }
}
