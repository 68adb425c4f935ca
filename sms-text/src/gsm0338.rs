//! GSM 03.38 (3GPP TS 23.038 §6.2.1) default alphabet and its escape extension table
//! (§6.2.1.1), in the unpacked form SMPP carries (one septet per octet, SMPP v5.0 §4.7.7
//! `data_coding` 0x00).
//!
//! Owns: the two tables and the character ↔ septet mapping.
//! Must not know: `data_coding`, headers, segmentation, PDUs.

/// 3GPP TS 23.038 §6.2.1: the escape to the extension table.
pub const ESC: u8 = 0x1B;

/// The 128-entry default alphabet, indexed by septet. 0x1B (escape) decodes to NBSP when alone,
/// as TS 23.038 suggests for receivers that find no extension character.
pub const DEFAULT_TABLE: [char; 128] = [
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å', //
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\u{A0}', 'Æ', 'æ', 'ß', 'É', //
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/', //
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?', //
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', //
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§', //
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', //
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à', //
];

/// 3GPP TS 23.038 §6.2.1.1: the extension table (septet after ESC → character).
pub const EXTENSION_TABLE: [(u8, char); 10] = [
    (0x0A, '\u{0C}'), // form feed
    (0x14, '^'),
    (0x28, '{'),
    (0x29, '}'),
    (0x2F, '\\'),
    (0x3C, '['),
    (0x3D, '~'),
    (0x3E, ']'),
    (0x40, '|'),
    (0x65, '€'),
];

/// A character with no GSM 03.38 representation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("character {0:?} is not in the GSM 03.38 default alphabet or its extension table")]
pub struct NotGsm7(pub char);

fn extension_char(septet: u8) -> Option<char> {
    EXTENSION_TABLE
        .iter()
        .find(|(s, _)| *s == septet)
        .map(|(_, c)| *c)
}

/// Septets for one character: `[s]`, `[ESC, s]`, or `None`. NBSP is what a lone escape
/// decodes to, not a character of the alphabet.
fn encode_char(c: char) -> Option<(u8, Option<u8>)> {
    if let Some((s, _)) = EXTENSION_TABLE.iter().find(|(_, e)| *e == c) {
        return Some((ESC, Some(*s)));
    }
    let index = DEFAULT_TABLE.iter().position(|d| *d == c && c != '\u{A0}')?;
    u8::try_from(index).ok().map(|s| (s, None))
}

/// The septets of one character (one, or two for an extension character), or `None` when it
/// has no GSM 03.38 representation. Segmentation uses this to keep an escape pair whole.
pub(crate) fn char_septets(c: char) -> Option<Vec<u8>> {
    encode_char(c).map(|(a, b)| std::iter::once(a).chain(b).collect())
}

/// Decode unpacked septets. An escape followed by an unknown code shows the default-table
/// character for that code (TS 23.038 §6.2.1.1 note); octets ≥ 0x80 become U+FFFD.
pub fn decode_unpacked(septets: &[u8]) -> String {
    let mut out = String::with_capacity(septets.len());
    let mut iter = septets.iter().copied();
    while let Some(b) = iter.next() {
        if b == ESC {
            match iter.next() {
                Some(next) => out.push(extension_char(next).unwrap_or_else(|| {
                    DEFAULT_TABLE
                        .get(usize::from(next))
                        .copied()
                        .unwrap_or('\u{FFFD}')
                })),
                None => out.push('\u{A0}'),
            }
        } else {
            out.push(DEFAULT_TABLE.get(usize::from(b)).copied().unwrap_or('\u{FFFD}'));
        }
    }
    out
}

/// Encode text to unpacked septets; extension characters take two.
pub fn encode_unpacked(text: &str) -> Result<Vec<u8>, NotGsm7> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        let (a, b) = encode_char(c).ok_or(NotGsm7(c))?;
        out.push(a);
        out.extend(b);
    }
    Ok(out)
}

/// Septets needed for `text`, or `None` if some character is not GSM 03.38.
pub fn septet_len(text: &str) -> Option<usize> {
    text.chars().try_fold(0usize, |n, c| {
        encode_char(c).map(|(_, b)| n + 1 + usize::from(b.is_some()))
    })
}

/// True if `text` can be sent in the GSM 7-bit default alphabet.
pub fn fits(text: &str) -> bool {
    septet_len(text).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_128_default_septets_round_trip() {
        for s in 0u8..128 {
            if s == ESC {
                continue;
            }
            let text = decode_unpacked(&[s]);
            assert_eq!(text.chars().count(), 1, "septet {s:#x}");
            assert_eq!(
                encode_unpacked(&text).unwrap(),
                vec![s],
                "septet {s:#x} ({text:?})"
            );
        }
    }

    #[test]
    fn extension_table_round_trips_as_two_septets() {
        for (s, c) in EXTENSION_TABLE {
            let text = c.to_string();
            assert_eq!(encode_unpacked(&text).unwrap(), vec![ESC, s]);
            assert_eq!(decode_unpacked(&[ESC, s]), text);
            assert_eq!(septet_len(&text), Some(2));
        }
    }

    #[test]
    fn known_positions() {
        assert_eq!(
            decode_unpacked(&[0x00, 0x01, 0x02, 0x10, 0x24, 0x40, 0x5F, 0x60, 0x7F]),
            "@£$Δ¤¡§¿à"
        );
        assert_eq!(decode_unpacked(b"Hello"), "Hello");
    }

    #[test]
    fn unknown_escape_and_trailing_escape() {
        assert_eq!(decode_unpacked(&[ESC, 0x41]), "A");
        assert_eq!(decode_unpacked(&[0x41, ESC]), "A\u{A0}");
        assert_eq!(decode_unpacked(&[0x80]), "\u{FFFD}");
    }

    #[test]
    fn septet_len_and_fits() {
        assert_eq!(septet_len("a€[b]"), Some(8));
        assert!(fits("Hello {world}"));
        assert!(!fits("안녕"));
        assert_eq!(encode_unpacked("안"), Err(NotGsm7('안')));
    }
}
