//! Properties of the codec over generated text: what [`encode`] makes decodes back to the text
//! (3GPP TS 23.038 §6.2.1 GSM 7-bit, UCS-2 with surrogate pairs), every part fits 140 octets of
//! TP-User-Data (TS 23.040 §9.2.3.16 / §9.2.3.24), and no part ends inside an escape sequence or a
//! surrogate pair, so each part decodes on its own; and decoding any octets is total.

use proptest::prelude::*;
use proptest::sample::{Index, select};
use sms_text::gsm0338::{self, DEFAULT_TABLE, ESC, EXTENSION_TABLE};
use sms_text::{Alphabet, Concat, Encoding, Fields, choose, encode, split_udh};

/// Characters of the default table (not the escape, which decodes to NBSP) and the extension
/// table, extension characters often enough to land on part boundaries.
fn gsm_char() -> impl Strategy<Value = char> {
    let default: Vec<char> = DEFAULT_TABLE.iter().copied().filter(|c| *c != '\u{A0}').collect();
    let extension: Vec<char> = EXTENSION_TABLE.iter().map(|(_, c)| *c).collect();
    prop_oneof![3 => select(default), 1 => select(extension)]
}

/// GSM characters, Hangul, characters outside the BMP (surrogate pairs) and anything else.
fn any_text_char() -> impl Strategy<Value = char> {
    prop_oneof![
        2 => gsm_char(),
        2 => proptest::char::range('\u{AC00}', '\u{D7A3}'),
        2 => proptest::char::range('\u{1F300}', '\u{1FAFF}'),
        1 => any::<char>(),
    ]
}

fn gsm_text() -> impl Strategy<Value = String> {
    prop::collection::vec(gsm_char(), 0..700).prop_map(String::from_iter)
}

/// Text with at least one character outside GSM 03.38, so it goes as UCS-2.
fn ucs2_text() -> impl Strategy<Value = String> {
    (prop::collection::vec(any_text_char(), 0..300), any::<Index>()).prop_map(|(mut chars, at)| {
        chars.insert(at.index(chars.len() + 1), '한');
        String::from_iter(chars)
    })
}

/// True when `septets` ends with an escape whose second septet is missing.
fn ends_inside_escape(septets: &[u8]) -> bool {
    let mut i = 0;
    while i < septets.len() {
        i += if septets[i] == ESC { 2 } else { 1 };
    }
    i > septets.len()
}

fn units(text: &str, alphabet: Alphabet) -> usize {
    match alphabet {
        Alphabet::Gsm7 => gsm0338::septet_len(text).unwrap_or(usize::MAX),
        Alphabet::Ucs2 => text.encode_utf16().count(),
    }
}

/// Encodes `text`, checks every part, and decodes the parts back one by one.
fn round_trip(text: &str, alphabet: Alphabet, reference: u8) -> Result<(), TestCaseError> {
    prop_assert_eq!(choose(text), alphabet);
    let parts = encode(text, 255, reference).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let single = if alphabet == Alphabet::Gsm7 { 160 } else { 70 };
    prop_assert_eq!(parts.len() == 1, units(text, alphabet) <= single);
    let total = u8::try_from(parts.len()).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let (mut each, mut joined) = (String::new(), Vec::new());
    for (part, seq) in parts.iter().zip(1u8..) {
        prop_assert!(
            part.air_octets() <= 140,
            "{} octets: {:?}",
            part.air_octets(),
            part
        );
        prop_assert_eq!(part.data_coding, alphabet.data_coding());
        let data = Fields {
            esm_class: part.esm_class,
            data_coding: part.data_coding,
            short_message: &part.bytes,
            ..Fields::default()
        }
        .user_data();
        prop_assert_eq!(data.encoding, Encoding::from(alphabet));
        let expected = (total > 1).then(|| Concat::new(u16::from(reference), total, seq));
        prop_assert_eq!(data.concat, expected.flatten());
        match alphabet {
            Alphabet::Gsm7 => prop_assert!(!ends_inside_escape(data.bytes), "{:?}", data.bytes),
            Alphabet::Ucs2 => {
                let units: Vec<u16> = data
                    .bytes
                    .chunks(2)
                    .map(|p| u16::from_be_bytes([p[0], p.get(1).copied().unwrap_or(0)]))
                    .collect();
                prop_assert!(data.bytes.len().is_multiple_of(2));
                let low = |u: &u16| (0xDC00..=0xDFFF).contains(u);
                let high = |u: &u16| (0xD800..=0xDBFF).contains(u);
                prop_assert!(!units.first().is_some_and(low), "starts with a low surrogate");
                prop_assert!(!units.last().is_some_and(high), "ends with a high surrogate");
            }
        }
        each.push_str(&data.text());
        joined.extend_from_slice(data.bytes);
    }
    prop_assert_eq!(&each, text, "each part decodes on its own");
    prop_assert_eq!(Encoding::from(alphabet).decode(&joined), text);
    Ok(())
}

proptest! {
    #[test]
    fn gsm_text_round_trips_in_parts_of_at_most_140_octets(text in gsm_text(), reference: u8) {
        round_trip(&text, Alphabet::Gsm7, reference)?;
    }

    #[test]
    fn ucs2_text_round_trips_in_parts_of_at_most_140_octets(text in ucs2_text(), reference: u8) {
        round_trip(&text, Alphabet::Ucs2, reference)?;
    }

    #[test]
    fn gsm_septets_round_trip(text in gsm_text()) {
        let septets = gsm0338::encode_unpacked(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(Some(septets.len()), gsm0338::septet_len(&text));
        prop_assert_eq!(gsm0338::decode_unpacked(&septets), text);
    }

    #[test]
    fn a_part_limit_is_kept_or_refused(text in ucs2_text(), max_parts in 1usize..6) {
        let all = encode(&text, 255, 0).map_err(|e| TestCaseError::fail(e.to_string()))?;
        match encode(&text, max_parts, 0) {
            Ok(parts) => prop_assert!(parts.len() <= max_parts && parts == all),
            Err(too_long) => {
                prop_assert!(all.len() > max_parts);
                // `max_chars` is what `max_parts` parts hold; a part never splits a character, so
                // each part may leave one unit unused (a surrogate pair at its end): a refused text
                // is longer than `max_chars` less one unit per part.
                prop_assert!(text.encode_utf16().count() + max_parts > too_long.max_chars);
            }
        }
    }

    #[test]
    fn any_octets_decode_in_any_coding(bytes in prop::collection::vec(any::<u8>(), 0..300), dcs: u8, udhi: bool) {
        let data = Fields {
            esm_class: if udhi { 0x40 } else { 0 },
            data_coding: dcs,
            short_message: &bytes,
            ..Fields::default()
        }
        .user_data();
        prop_assert!(bytes.ends_with(data.bytes), "the user data is what follows the header");
        let text = data.text();
        if data.encoding == Encoding::Binary {
            prop_assert_eq!(text.len(), data.bytes.len() * 2);
        }
        let (concat, rest) = split_udh(&bytes);
        prop_assert!(concat.is_none_or(|c| c.seq >= 1 && c.seq <= c.total));
        prop_assert!(bytes.ends_with(rest));
    }
}
