//! Short-message content: data_coding → text, UDH concatenation headers, and segmentation of
//! MO text into parts. Pure functions over bytes; no PDUs, no I/O.

use serde::Serialize;

use crate::gsm0338;

/// How a message body is encoded, as reported by the inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// GSM 03.38 default alphabet, unpacked.
    Gsm7,
    /// IA5 / ASCII.
    Ascii,
    /// ISO-8859-1.
    Latin1,
    /// UCS-2 (decoded as UTF-16BE so surrogate pairs survive).
    Ucs2,
    /// 8-bit data, shown as hex.
    Binary,
}

impl Encoding {
    /// SMPP v5.0 §4.7.7 data_coding, plus the GSM 03.38 coding groups an ESME may pass through.
    pub fn from_data_coding(dcs: u8) -> Self {
        match dcs {
            0x00 => Self::Gsm7,
            0x01 => Self::Ascii,
            0x03 => Self::Latin1,
            0x08 => Self::Ucs2,
            // TS 23.038 §4: general data coding group, bits 3..2 give the alphabet.
            0x10..=0x3F => match (dcs >> 2) & 0x03 {
                0 => Self::Gsm7,
                2 => Self::Ucs2,
                _ => Self::Binary,
            },
            // TS 23.038 §4: data coding / message class group, bit 2 = 8-bit data.
            0xF0..=0xFF if dcs & 0x04 == 0 => Self::Gsm7,
            _ => Self::Binary,
        }
    }

    /// The data_coding value this simulator uses when it encodes.
    pub const fn data_coding(self) -> u8 {
        match self {
            Self::Gsm7 => 0x00,
            Self::Ascii => 0x01,
            Self::Latin1 => 0x03,
            Self::Ucs2 => 0x08,
            Self::Binary => 0x04,
        }
    }

    /// Decode a complete (reassembled) body.
    pub fn decode(self, bytes: &[u8]) -> String {
        match self {
            Self::Gsm7 => gsm0338::decode_unpacked(bytes),
            Self::Ascii => bytes
                .iter()
                .map(|b| if b.is_ascii() { char::from(*b) } else { '\u{FFFD}' })
                .collect(),
            Self::Latin1 => bytes.iter().map(|b| char::from(*b)).collect(),
            Self::Ucs2 => {
                let units = bytes.chunks_exact(2).map(|p| u16::from_be_bytes([p[0], p[1]]));
                char::decode_utf16(units)
                    .map(|r| r.unwrap_or('\u{FFFD}'))
                    .collect()
            }
            Self::Binary => {
                use std::fmt::Write as _;
                bytes
                    .iter()
                    .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
                        let _ = write!(s, "{b:02x}");
                        s
                    })
            }
        }
    }
}

/// One part's place in a concatenated message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Concat {
    /// Reference shared by all parts (8-bit references widened).
    pub reference: u16,
    /// Number of parts.
    pub total: u8,
    /// This part, 1-based.
    pub seq: u8,
}

/// Split a user-data-header off `sm` (when UDHI is set) and find a concatenation IE.
/// Returns the concatenation info, if any, and the user data after the header.
pub fn split_udh(sm: &[u8]) -> (Option<Concat>, &[u8]) {
    let Some((&udhl, rest)) = sm.split_first() else {
        return (None, sm);
    };
    let udhl = usize::from(udhl);
    if rest.len() < udhl {
        return (None, sm); // malformed header: keep the bytes, lose nothing
    }
    let (mut ies, body) = rest.split_at(udhl);
    let mut concat = None;
    while let [iei, len, tail @ ..] = ies {
        let len = usize::from(*len);
        if tail.len() < len {
            break;
        }
        let data = &tail[..len];
        concat = match (*iei, data) {
            // TS 23.040 §9.2.3.24.1: 8-bit reference.
            (0x00, [r, t, s]) => Some(Concat {
                reference: u16::from(*r),
                total: *t,
                seq: *s,
            }),
            // TS 23.040 §9.2.3.24.8: 16-bit reference.
            (0x08, [r1, r2, t, s]) => Some(Concat {
                reference: u16::from_be_bytes([*r1, *r2]),
                total: *t,
                seq: *s,
            }),
            _ => concat,
        };
        ies = &tail[len..];
    }
    (concat, body)
}

/// TS 23.040 §9.2.3.24.1: the 6-octet UDH for part `seq` of `total` with an 8-bit reference.
pub fn udh8(reference: u8, total: u8, seq: u8) -> [u8; 6] {
    [0x05, 0x00, 0x03, reference, total, seq]
}

/// Encode MO text the way a handset would: GSM 7-bit if every character fits, else UCS-2;
/// one part when it fits in 160 septets / 70 UTF-16 units, else 153 / 67 per part (room for
/// the UDH). Escape pairs and surrogate pairs are never split.
pub fn segment(text: &str) -> (Encoding, Vec<Vec<u8>>) {
    if let Ok(septets) = gsm0338::encode_unpacked(text) {
        if septets.len() <= 160 {
            return (Encoding::Gsm7, vec![septets]);
        }
        return (
            Encoding::Gsm7,
            split_units(&septets, 1, 153, |s, i| s[i] == gsm0338::ESC),
        );
    }
    let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    if bytes.len() <= 140 {
        return (Encoding::Ucs2, vec![bytes]);
    }
    let high_surrogate = |s: &[u8], i: usize| (0xD8..=0xDB).contains(&s[i]);
    (Encoding::Ucs2, split_units(&bytes, 2, 134, high_surrogate))
}

/// Split `data` into chunks of at most `max` bytes on `unit` boundaries, never ending a chunk
/// right after a unit for which `opens_pair` is true.
fn split_units(
    data: &[u8],
    unit: usize,
    max: usize,
    opens_pair: impl Fn(&[u8], usize) -> bool,
) -> Vec<Vec<u8>> {
    let mut parts = Vec::new();
    let mut start = 0;
    while start < data.len() {
        let mut end = (start + max).min(data.len());
        if end < data.len() && end >= start + unit && opens_pair(data, end - unit) {
            end -= unit;
        }
        parts.push(data[start..end].to_vec());
        start = end;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ucs2_korean_decodes() {
        let bytes: Vec<u8> = "안녕하세요".encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(Encoding::Ucs2.decode(&bytes), "안녕하세요");
    }

    #[test]
    fn binary_is_hex_and_latin1_maps() {
        assert_eq!(Encoding::Binary.decode(&[0xde, 0xad]), "dead");
        assert_eq!(Encoding::Latin1.decode(&[0xe9]), "é");
        assert_eq!(Encoding::from_data_coding(0xF4), Encoding::Binary);
        assert_eq!(Encoding::from_data_coding(0xF0), Encoding::Gsm7);
    }

    #[test]
    fn udh_8_and_16_bit() {
        let (c, body) = split_udh(&[5, 0, 3, 42, 3, 2, b'h', b'i']);
        assert_eq!(
            c,
            Some(Concat {
                reference: 42,
                total: 3,
                seq: 2
            })
        );
        assert_eq!(body, b"hi");
        let (c, body) = split_udh(&[6, 8, 4, 0x01, 0x02, 2, 1, b'x']);
        assert_eq!(
            c,
            Some(Concat {
                reference: 0x0102,
                total: 2,
                seq: 1
            })
        );
        assert_eq!(body, b"x");
    }

    #[test]
    fn segmentation_limits() {
        assert_eq!(segment(&"a".repeat(160)).1.len(), 1);
        let (enc, parts) = segment(&"a".repeat(161));
        assert_eq!((enc, parts.len(), parts[0].len()), (Encoding::Gsm7, 2, 153));
        let (enc, parts) = segment(&"가".repeat(71));
        assert_eq!((enc, parts.len(), parts[0].len()), (Encoding::Ucs2, 2, 134));
        // An escape pair straddling 153 moves whole to the next part.
        let text = format!("{}€", "a".repeat(152));
        let parts = segment(&format!("{text}{}", "b".repeat(20))).1;
        assert_eq!(parts[0].len(), 152);
    }

    #[test]
    fn surrogate_pairs_not_split() {
        let text = format!("{}😀{}", "가".repeat(66), "가".repeat(10));
        let (_, parts) = segment(&text);
        assert_eq!(parts[0].len(), 132);
        let joined: Vec<u8> = parts.concat();
        assert_eq!(Encoding::Ucs2.decode(&joined), text);
    }
}
