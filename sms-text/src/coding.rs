//! `data_coding` → text: which alphabet a `data_coding` value names (SMPP v5.0 §4.7.7, and the
//! 3GPP TS 23.038 §4 coding groups an ESME or MC may pass through) and how its octets decode.
//!
//! Owns: [`Encoding`], the `data_coding` constants, decoding of complete user data.
//! Must not know: headers (the caller strips the UDH first), segmentation, PDUs.

use std::fmt::Write as _;

use crate::gsm0338;

/// SMPP v5.0 §4.7.7: `data_coding` 0x00, the MC default alphabet (GSM 03.38 here).
pub const DCS_GSM7: u8 = 0x00;
/// SMPP v5.0 §4.7.7: `data_coding` 0x01, IA5 (CCITT T.50) / ASCII (ANSI X3.4).
pub const DCS_IA5: u8 = 0x01;
/// SMPP v5.0 §4.7.7: `data_coding` 0x03, Latin 1 (ISO-8859-1).
pub const DCS_LATIN1: u8 = 0x03;
/// SMPP v5.0 §4.7.7: `data_coding` 0x04, octet unspecified (8-bit binary).
pub const DCS_BINARY: u8 = 0x04;
/// SMPP v5.0 §4.7.7: `data_coding` 0x08, UCS-2 (ISO/IEC-10646).
pub const DCS_UCS2: u8 = 0x08;

/// How a message body is encoded. Serialised by its callers as [`Encoding::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// GSM 03.38 default alphabet with its extension table, unpacked.
    Gsm7,
    /// IA5 / ASCII; octets ≥ 0x80 decode to U+FFFD.
    Ascii,
    /// ISO-8859-1: each octet is the code point of the same value.
    Latin1,
    /// UCS-2, decoded as UTF-16BE so surrogate pairs survive; lone surrogates and an odd
    /// trailing octet decode to U+FFFD / nothing.
    Ucs2,
    /// Anything else (8-bit data, compressed text, national alphabets without a table here):
    /// the octets as lowercase hex, two digits each, so nothing is lost or mis-shown as text.
    Binary,
}

impl Encoding {
    /// The encoding a `data_coding` value names: SMPP v5.0 §4.7.7 for 0x00–0x0F, the
    /// TS 23.038 §4 coding groups above.
    pub fn from_data_coding(dcs: u8) -> Self {
        match dcs {
            DCS_GSM7 => Self::Gsm7,
            DCS_IA5 => Self::Ascii,
            DCS_LATIN1 => Self::Latin1,
            DCS_UCS2 => Self::Ucs2,
            // SMPP v5.0 §4.7.7: 0x02 / 0x04 octet unspecified; 0x05 JIS, 0x06 Cyrillic,
            // 0x07 Hebrew, 0x09 pictogram, 0x0A ISO-2022-JP, 0x0D extended Kanji, 0x0E KS C 5601
            // and the reserved values have no table here.
            0x02 | 0x04..=0x07 | 0x09..=0x0F => Self::Binary,
            // TS 23.038 §4: general data coding (00xx) and automatic deletion (01xx) groups;
            // bit 5 set means compressed (TS 23.042), bits 3..2 give the alphabet.
            0x10..=0x7F if dcs & 0x20 != 0 => Self::Binary,
            0x10..=0x7F => match (dcs >> 2) & 0x03 {
                0 => Self::Gsm7,
                2 => Self::Ucs2,
                _ => Self::Binary,
            },
            // TS 23.038 §4: message waiting indication groups, discard / store (GSM 7-bit)
            // and store (UCS-2).
            0xC0..=0xDF => Self::Gsm7,
            0xE0..=0xEF => Self::Ucs2,
            // TS 23.038 §4: data coding / message class group, bit 2 = 8-bit data.
            0xF0..=0xFF if dcs & 0x04 == 0 => Self::Gsm7,
            _ => Self::Binary,
        }
    }

    /// The `data_coding` value an encoder uses for this encoding.
    pub const fn data_coding(self) -> u8 {
        match self {
            Self::Gsm7 => DCS_GSM7,
            Self::Ascii => DCS_IA5,
            Self::Latin1 => DCS_LATIN1,
            Self::Ucs2 => DCS_UCS2,
            Self::Binary => DCS_BINARY,
        }
    }

    /// Lowercase name: `gsm7`, `ascii`, `latin1`, `ucs2`, `binary`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Gsm7 => "gsm7",
            Self::Ascii => "ascii",
            Self::Latin1 => "latin1",
            Self::Ucs2 => "ucs2",
            Self::Binary => "binary",
        }
    }

    /// Decode user data (UDH already removed). Decode a concatenated message's parts joined
    /// where possible: a sender that splits an escape or a surrogate pair is then still read.
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
            Self::Binary => bytes
                .iter()
                .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
                    let _ = write!(s, "{b:02x}");
                    s
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ucs2_korean_and_surrogate_pairs_decode() {
        let bytes: Vec<u8> = "안녕하세요 😀"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(Encoding::Ucs2.decode(&bytes), "안녕하세요 😀");
        assert_eq!(Encoding::Ucs2.decode(&[0xD8, 0x3D, 0x00]), "\u{FFFD}");
    }

    #[test]
    fn ia5_keeps_at_signs_and_refuses_eight_bit() {
        assert_eq!(Encoding::Ascii.decode(b"a@b.com"), "a@b.com");
        assert_eq!(Encoding::Ascii.decode(&[b'x', 0xE9]), "x\u{FFFD}");
        assert_eq!(Encoding::Gsm7.decode(b"a@b.com"), "a¡b.com");
    }

    #[test]
    fn binary_is_hex_and_latin1_maps() {
        assert_eq!(Encoding::Binary.decode(&[0xde, 0xad, 0x01]), "dead01");
        assert_eq!(Encoding::Latin1.decode(&[0x63, 0x61, 0x66, 0xe9]), "café");
    }

    #[test]
    fn data_coding_values_and_groups() {
        let cases = [
            (0x00, Encoding::Gsm7),
            (0x01, Encoding::Ascii),
            (0x02, Encoding::Binary),
            (0x03, Encoding::Latin1),
            (0x04, Encoding::Binary),
            (0x08, Encoding::Ucs2),
            (0x0E, Encoding::Binary),
            (0x11, Encoding::Gsm7),
            (0x15, Encoding::Binary),
            (0x18, Encoding::Ucs2),
            (0x20, Encoding::Binary),
            (0x48, Encoding::Ucs2),
            (0x80, Encoding::Binary),
            (0xC8, Encoding::Gsm7),
            (0xE0, Encoding::Ucs2),
            (0xF0, Encoding::Gsm7),
            (0xF4, Encoding::Binary),
        ];
        for (dcs, encoding) in cases {
            assert_eq!(
                Encoding::from_data_coding(dcs),
                encoding,
                "data_coding {dcs:#04x}"
            );
        }
        for e in [
            Encoding::Gsm7,
            Encoding::Ascii,
            Encoding::Latin1,
            Encoding::Ucs2,
            Encoding::Binary,
        ] {
            assert_eq!(Encoding::from_data_coding(e.data_coding()), e);
        }
    }
}
