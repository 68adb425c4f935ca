//! What one SMPP message says, from its text-bearing fields: the body is `short_message`, or
//! the `message_payload` TLV when `short_message` is empty (SMPP v5.0 §4.8.4.36); its place in
//! a concatenated message comes from the UDH when `esm_class` has UDHI (3GPP TS 23.040
//! §9.2.3.24.1 / §9.2.3.24.8), else from the SAR TLVs (SMPP v5.0 §4.8.4.50–52); its text from
//! `data_coding`.
//!
//! Owns: that choice of sources, for submit_sm, data_sm and deliver_sm alike.
//! Must not know: PDU or TLV types; the caller reads the fields off its PDU and passes plain
//! bytes and numbers.

use crate::coding::Encoding;
use crate::udh::{Concat, ESM_UDHI, split_udh};

/// The text-bearing fields of one submit_sm, data_sm or deliver_sm.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fields<'a> {
    /// `esm_class` (SMPP v5.0 §4.7.12); only UDHI (bit 6) matters here.
    pub esm_class: u8,
    /// `data_coding` (SMPP v5.0 §4.7.7).
    pub data_coding: u8,
    /// `short_message`, UDH included when UDHI is set.
    pub short_message: &'a [u8],
    /// The `message_payload` TLV's value, when present.
    pub message_payload: Option<&'a [u8]>,
    /// The SAR TLVs, when all three are present ([`Concat::from_sar`]).
    pub sar: Option<Concat>,
}

/// The user data one message carries, header removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserData<'a> {
    /// How `bytes` decode.
    pub encoding: Encoding,
    /// Its place in a concatenated message: the UDH's, else the SAR TLVs'.
    pub concat: Option<Concat>,
    /// The user data after any UDH.
    pub bytes: &'a [u8],
}

impl<'a> Fields<'a> {
    /// The body (short_message, or message_payload when short_message is empty), split from
    /// its UDH when UDHI is set, with the concatenation it declares.
    pub fn user_data(&self) -> UserData<'a> {
        let body = match self.message_payload {
            Some(payload) if self.short_message.is_empty() => payload,
            _ => self.short_message,
        };
        let (udh_concat, bytes) = if self.esm_class & ESM_UDHI != 0 {
            split_udh(body)
        } else {
            (None, body)
        };
        UserData {
            encoding: Encoding::from_data_coding(self.data_coding),
            concat: udh_concat.or(self.sar),
            bytes,
        }
    }
}

impl UserData<'_> {
    /// The decoded text of this message (or part).
    pub fn text(&self) -> String {
        self.encoding.decode(self.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::udh::{udh8, udh16};

    fn fields(data_coding: u8, short_message: &[u8]) -> Fields<'_> {
        Fields {
            data_coding,
            short_message,
            ..Fields::default()
        }
    }

    fn ucs2(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_be_bytes).collect()
    }

    #[test]
    fn ia5_at_sign_is_not_read_as_gsm() {
        let data = fields(0x01, b"a@b.com").user_data();
        assert_eq!(
            (data.encoding, data.text()),
            (Encoding::Ascii, "a@b.com".to_owned())
        );
        assert_eq!(fields(0x00, &[0x61, 0x00, 0x62]).user_data().text(), "a@b");
    }

    #[test]
    fn latin1_ucs2_korean_and_binary() {
        assert_eq!(fields(0x03, &[0x63, 0x61, 0x66, 0xE9]).user_data().text(), "café");
        assert_eq!(fields(0x08, &ucs2("안녕하세요")).user_data().text(), "안녕하세요");
        assert_eq!(fields(0x04, &[0xCA, 0xFE]).user_data().text(), "cafe");
        assert_eq!(fields(0x02, &[0x00, 0x1B]).user_data().text(), "001b");
    }

    #[test]
    fn message_payload_when_short_message_is_empty() {
        let long = "x".repeat(300);
        let f = Fields {
            message_payload: Some(long.as_bytes()),
            ..fields(0x01, b"")
        };
        assert_eq!(f.user_data().text(), long);
        // short_message wins when both are present (SMPP v5.0 §4.8.4.36 forbids sending both).
        let f = Fields {
            message_payload: Some(b"payload"),
            ..fields(0x01, b"short")
        };
        assert_eq!(f.user_data().text(), "short");
    }

    #[test]
    fn sar_concatenation_without_udh() {
        let f = Fields {
            sar: Concat::from_sar(Some(0x1234), Some(3), Some(2)),
            ..fields(0x00, b"part two")
        };
        let data = f.user_data();
        assert_eq!(data.concat, Concat::new(0x1234, 3, 2));
        assert_eq!(data.text(), "part two");
    }

    #[test]
    fn udh_8_and_16_bit_references_are_stripped() {
        let sm = [udh16(0xABCD, 2, 1).as_slice(), &ucs2("가나")].concat();
        let f = Fields {
            esm_class: ESM_UDHI,
            ..fields(0x08, &sm)
        };
        let data = f.user_data();
        assert_eq!(
            (data.concat, data.text()),
            (Concat::new(0xABCD, 2, 1), "가나".to_owned())
        );
        // A UDH inside message_payload, and the UDH wins over SAR values.
        let payload = [udh8(9, 2, 2).as_slice(), b"end"].concat();
        let f = Fields {
            esm_class: ESM_UDHI,
            message_payload: Some(&payload),
            sar: Concat::new(1, 5, 5),
            ..fields(0x01, b"")
        };
        let data = f.user_data();
        assert_eq!(
            (data.concat, data.text()),
            (Concat::new(9, 2, 2), "end".to_owned())
        );
    }

    #[test]
    fn without_udhi_the_body_is_all_text() {
        let sm = udh8(9, 2, 2);
        assert_eq!(fields(0x04, &sm).user_data().concat, None);
        assert_eq!(fields(0x04, &sm).user_data().bytes.len(), 6);
    }
}
