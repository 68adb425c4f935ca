//! Free texts an application gives (reference codes, descriptions, voucher identifiers): one rule
//! for every operation and both bindings.

use super::error::ScfError;

/// The longest free text, in characters.
pub(crate) const MAX_TEXT: usize = 256;

/// `text` trimmed, refused when `required` and empty, longer than [`MAX_TEXT`], or holding a
/// control character or a noncharacter (U+FFFE, U+FFFF). Such a character cannot be written back
/// in any answer (XML 1.0 forbids them, a SOAP `getHistory` would no longer parse) and PostgreSQL
/// refuses NUL, so it is invalid input at the edge, named by `part`, on both stores alike.
pub(crate) fn checked_text(part: &str, text: &str, required: bool) -> Result<String, ScfError> {
    let text = text.trim();
    if required && text.is_empty() {
        return Err(ScfError::invalid(part, "must not be empty"));
    }
    if text.chars().count() > MAX_TEXT {
        return Err(ScfError::invalid(
            part,
            format!("longer than {MAX_TEXT} characters"),
        ));
    }
    if let Some((at, c)) = text
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_control() || matches!(c, '\u{FFFE}' | '\u{FFFF}'))
    {
        return Err(ScfError::invalid(
            part,
            format!(
                "holds the control character U+{:04X} at character {}",
                u32::from(c),
                at + 1
            ),
        ));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_trimmed_bounded_and_free_of_control_characters() {
        assert_eq!(checked_text("d", "  Game pass ", false).unwrap(), "Game pass");
        assert_eq!(checked_text("d", "", false).unwrap(), "");
        assert!(checked_text("r", " ", true).is_err());
        assert!(checked_text("d", &"x".repeat(MAX_TEXT + 1), false).is_err());
        assert_eq!(
            checked_text("d", &"한".repeat(MAX_TEXT), false)
                .unwrap()
                .chars()
                .count(),
            MAX_TEXT
        );
        for bad in [
            "a\u{0}b",
            "a\u{1}b",
            "a\u{1b}b",
            "a\nb",
            "a\tb",
            "a\u{7f}b",
            "a\u{85}b",
            "a\u{FFFF}b",
        ] {
            let e = checked_text("description", bad, false).unwrap_err();
            assert!(e.to_string().contains("description"), "{bad:?}: {e}");
        }
    }
}
