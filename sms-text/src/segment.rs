//! Text → SMPP `short_message` parts: GSM 03.38 (unpacked septets, `data_coding` 0x00) when every
//! character has a GSM representation, UCS-2 (`data_coding` 0x08, big-endian UTF-16) otherwise,
//! and concatenation with an 8-bit-reference UDH when the text does not fit one message.
//!
//! Owns: the choice of alphabet and segmentation (3GPP TS 23.040 §9.2.3.24.1: 160/153 septets,
//! 70/67 UCS-2 units), never splitting an escape sequence or a surrogate pair.
//! Must not know: PDUs, sessions, stores. Everything here is a pure function.

use crate::coding::{DCS_GSM7, DCS_UCS2, Encoding};
use crate::gsm0338::char_septets;
use crate::udh::{ESM_UDHI, udh8};

/// The alphabet a text is sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alphabet {
    /// GSM 03.38 default alphabet + extension, unpacked septets.
    Gsm7,
    /// UCS-2 (UTF-16BE; characters outside the BMP as surrogate pairs).
    Ucs2,
}

impl Alphabet {
    /// The `data_coding` value of this alphabet.
    pub fn data_coding(self) -> u8 {
        match self {
            Self::Gsm7 => DCS_GSM7,
            Self::Ucs2 => DCS_UCS2,
        }
    }

    /// Units in one unsegmented message and in one part of a concatenated message
    /// (3GPP TS 23.040 §9.2.3.24.1: the 6-octet UDH costs 7 septets or 3 UCS-2 units).
    fn capacity(self) -> (usize, usize) {
        match self {
            Self::Gsm7 => (160, 153),
            Self::Ucs2 => (70, 67),
        }
    }
}

/// One `short_message` ready for submit_sm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// `data_coding`.
    pub data_coding: u8,
    /// `esm_class` (UDHI set on concatenated parts).
    pub esm_class: u8,
    /// `short_message`, UDH included.
    pub bytes: Vec<u8>,
}

impl From<Alphabet> for Encoding {
    fn from(alphabet: Alphabet) -> Self {
        match alphabet {
            Alphabet::Gsm7 => Self::Gsm7,
            Alphabet::Ucs2 => Self::Ucs2,
        }
    }
}

impl Part {
    /// Octets this part takes as TP-User-Data on the air interface (3GPP TS 23.040
    /// §9.2.3.16, §9.2.3.24): the UDH, then GSM septets packed eight into seven octets after
    /// fill bits up to a septet boundary (TS 23.038 §6.1.2.1.1), or other octets as they are.
    /// At most 140 for every part [`encode`] makes.
    pub fn air_octets(&self) -> usize {
        let udh = if self.esm_class & ESM_UDHI == 0 {
            0
        } else {
            self.bytes
                .first()
                .map_or(0, |udhl| usize::from(*udhl) + 1)
                .min(self.bytes.len())
        };
        if Encoding::from_data_coding(self.data_coding) != Encoding::Gsm7 {
            return self.bytes.len();
        }
        let septets = (udh * 8).div_ceil(7) + (self.bytes.len() - udh);
        (septets * 7).div_ceil(8)
    }
}

/// The text needs more parts than allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("message too long: at most {max_chars} characters in this alphabet")]
pub struct TooLong {
    /// What `max_parts` parts hold in the alphabet chosen, in its units (septets, or UTF-16 code
    /// units: a character outside the BMP counts two), for SVC0280's `%1`. A part never splits a
    /// character, so a text near the limit may fit up to one unit per part less.
    pub max_chars: usize,
}

/// GSM 03.38 when every character fits, else UCS-2.
pub fn choose(text: &str) -> Alphabet {
    if text.chars().all(|c| char_septets(c).is_some()) {
        Alphabet::Gsm7
    } else {
        Alphabet::Ucs2
    }
}

/// The text as indivisible units: one entry per character, each the bytes it costs
/// (1–2 septets, or 2–4 UCS-2 bytes), with its size in segment units.
fn units(text: &str, alphabet: Alphabet) -> Vec<(Vec<u8>, usize)> {
    text.chars()
        .map(|c| match alphabet {
            Alphabet::Gsm7 => {
                let septets = char_septets(c).unwrap_or_else(|| vec![b'?']);
                let n = septets.len();
                (septets, n)
            }
            Alphabet::Ucs2 => {
                let mut buf = [0u16; 2];
                let utf16 = c.encode_utf16(&mut buf);
                let bytes: Vec<u8> = utf16.iter().flat_map(|u| u.to_be_bytes()).collect();
                let n = utf16.len();
                (bytes, n)
            }
        })
        .collect()
}

/// Encodes `text` into at most `max_parts` parts; `reference` is the concatenation reference
/// (3GPP TS 23.040 §9.2.3.24.1, IEI 0x00, 8-bit reference).
pub fn encode(text: &str, max_parts: usize, reference: u8) -> Result<Vec<Part>, TooLong> {
    let alphabet = choose(text);
    let (single, per_part) = alphabet.capacity();
    let units = units(text, alphabet);
    let total: usize = units.iter().map(|(_, n)| n).sum();
    let dcs = alphabet.data_coding();
    if total <= single {
        let bytes = units.into_iter().flat_map(|(b, _)| b).collect();
        return Ok(vec![Part {
            data_coding: dcs,
            esm_class: 0,
            bytes,
        }]);
    }
    let chunks = split(units, per_part);
    let max_parts = max_parts.clamp(1, 255);
    if chunks.len() > max_parts {
        let max_chars = if max_parts == 1 {
            single
        } else {
            per_part * max_parts
        };
        return Err(TooLong { max_chars });
    }
    let count = u8::try_from(chunks.len()).map_err(|_| TooLong {
        max_chars: per_part * 255,
    })?;
    Ok(chunks
        .into_iter()
        .zip(1u8..)
        .map(|(chunk, seq)| Part {
            data_coding: dcs,
            esm_class: ESM_UDHI,
            bytes: [udh8(reference, count, seq).as_slice(), &chunk].concat(),
        })
        .collect())
}

/// Packs units into chunks of at most `per_part` segment units. Never splits an escape
/// sequence or a surrogate pair: a unit that does not fit starts the next chunk.
fn split(units: Vec<(Vec<u8>, usize)>, per_part: usize) -> Vec<Vec<u8>> {
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    let mut current = Vec::new();
    let mut used = 0;
    for (bytes, n) in units {
        if used + n > per_part {
            chunks.push(std::mem::take(&mut current));
            used = 0;
        }
        current.extend_from_slice(&bytes);
        used += n;
    }
    chunks.push(current);
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gsm0338::ESC;

    fn payload(p: &Part) -> &[u8] {
        if p.esm_class & ESM_UDHI != 0 {
            &p.bytes[6..]
        } else {
            &p.bytes
        }
    }

    #[test]
    fn gsm7_with_extension_characters_counts_two_septets() {
        let parts = encode("Price: 5€ [ok]", 8, 1).unwrap();
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].data_coding, DCS_GSM7);
        assert_eq!(parts[0].bytes.len(), 14 + 3);
        assert_eq!(&parts[0].bytes[8..10], &[ESC, 0x65]);
    }

    #[test]
    fn decoding_reverses_encoding() {
        let text = "Price: 5€ [ok] @ñ";
        assert_eq!(Encoding::Gsm7.decode(&encode(text, 1, 0).unwrap()[0].bytes), text);
        assert_eq!(
            Encoding::Ucs2.decode(&encode("안녕 😀", 1, 0).unwrap()[0].bytes),
            "안녕 😀"
        );
    }

    #[test]
    fn full_parts_take_140_octets_on_the_air() {
        assert_eq!(encode(&"a".repeat(160), 1, 0).unwrap()[0].air_octets(), 140);
        let parts = encode(&"a".repeat(306), 8, 0).unwrap();
        assert!(parts.iter().all(|p| p.air_octets() == 140), "{parts:?}");
        assert_eq!(encode(&"가".repeat(70), 1, 0).unwrap()[0].air_octets(), 140);
        let parts = encode(&"가".repeat(134), 8, 0).unwrap();
        assert!(parts.iter().all(|p| p.air_octets() == 140), "{parts:?}");
    }

    #[test]
    fn korean_is_ucs2() {
        let parts = encode("안녕하세요", 8, 1).unwrap();
        assert_eq!(parts[0].data_coding, DCS_UCS2);
        assert_eq!(
            parts[0].bytes,
            vec![0xC5, 0x48, 0xB1, 0x55, 0xD5, 0x58, 0xC1, 0x38, 0xC6, 0x94]
        );
    }

    #[test]
    fn gsm7_boundaries_are_160_and_153() {
        assert_eq!(encode(&"a".repeat(160), 8, 1).unwrap().len(), 1);
        let parts = encode(&"a".repeat(161), 8, 1).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(payload(&parts[0]).len(), 153);
        assert_eq!(&parts[1].bytes[..6], &[5, 0, 3, 1, 2, 2]);
        // 159 plain + one euro = 161 septets: two parts.
        let text = format!("{}€", "a".repeat(159));
        assert_eq!(encode(&text, 8, 1).unwrap().len(), 2);
    }

    #[test]
    fn an_escape_is_never_split() {
        let text = format!("{}€bbbbbbb", "a".repeat(152));
        let parts = encode(&text, 8, 1).unwrap();
        assert_eq!(payload(&parts[0]).len(), 152);
        assert_eq!(&payload(&parts[1])[..3], &[ESC, 0x65, b'b']);
    }

    #[test]
    fn ucs2_boundaries_are_70_and_67() {
        assert_eq!(encode(&"가".repeat(70), 8, 1).unwrap().len(), 1);
        let parts = encode(&"가".repeat(71), 8, 1).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(payload(&parts[0]).len(), 134);
    }

    #[test]
    fn a_surrogate_pair_is_never_split() {
        let text = format!("{}😀가가가", "가".repeat(66));
        let parts = encode(&text, 8, 1).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(payload(&parts[0]).len(), 132);
        assert_eq!(
            &payload(&parts[1])[..4],
            "😀".encode_utf16().flat_map(u16::to_be_bytes).collect::<Vec<_>>()
        );
    }

    #[test]
    fn five_hundred_korean_characters_make_eight_parts_and_too_long_is_refused() {
        let text = "가나다라마".repeat(100);
        let parts = encode(&text, 8, 9).unwrap();
        assert_eq!(parts.len(), 8); // ceil(500 / 67)
        assert!(parts.iter().all(|p| p.data_coding == DCS_UCS2 && p.bytes[3] == 9));
        assert_eq!(encode(&text, 7, 9), Err(TooLong { max_chars: 469 }));
        assert_eq!(encode(&"a".repeat(161), 1, 1), Err(TooLong { max_chars: 160 }));
    }
}
