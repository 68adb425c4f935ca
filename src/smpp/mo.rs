//! Mobile-originated messages: a deliver_sm that is not a receipt becomes one stored part, its
//! text decoded and its concatenation (3GPP TS 23.040 §9.2.3.24.1 / §9.2.3.24.8 UDH, or the SMPP
//! v5.0 §4.8.4.50–52 SAR TLVs) kept for reassembly.
//!
//! Owns: reading `esm_class`, `data_coding`, `short_message` and the `message_payload` and SAR
//! TLVs off the rusmpp PDU, and the stored part's concatenation key.
//! Must not know: alphabets, headers or which body wins; that is `sms_text::Fields`.

use rusmpp::pdus::DeliverSm;
use rusmpp::tlvs::TlvValue;
use sms_text::{Concat, Fields};

use super::config::Dcs0Alphabet;
use crate::store::sms::NewMo;

/// The part a deliver_sm carries, ready to store; data_coding 0 is read in the link's
/// `dcs0_alphabet`.
pub(super) fn parse(sm: &DeliverSm, alphabet: Dcs0Alphabet, received_at_ms: i64) -> NewMo {
    let (mut payload, mut reference, mut total, mut seq) = (None, None, None, None);
    for tlv in sm.tlvs() {
        match tlv.value() {
            // SMPP v5.0 §4.8.4.36: the body when short_message is empty.
            Some(TlvValue::MessagePayload(p)) => payload = Some(p.value.as_ref()),
            Some(TlvValue::SarMsgRefNum(r)) => reference = Some(*r),
            Some(TlvValue::SarTotalSegments(t)) => total = Some(*t),
            Some(TlvValue::SarSegmentSeqnum(s)) => seq = Some(*s),
            _ => {}
        }
    }
    let user_data = Fields {
        esm_class: u8::from(sm.esm_class),
        data_coding: match (u8::from(sm.data_coding), alphabet) {
            (sms_text::DCS_GSM7, Dcs0Alphabet::Latin1) => sms_text::DCS_LATIN1,
            (sms_text::DCS_GSM7, Dcs0Alphabet::Ascii) => sms_text::DCS_IA5,
            (dcs, _) => dcs,
        },
        short_message: sm.short_message().as_ref(),
        message_payload: payload,
        sar: Concat::from_sar(reference, total, seq),
    }
    .user_data();
    let sender = sm.source_addr.to_string();
    let (concat_key, part_no, part_count) = match user_data.concat {
        Some(c) => (
            Some(format!("{sender}|{}|{}", c.reference, c.total)),
            c.seq,
            c.total,
        ),
        None => (None, 1, 1),
    };
    NewMo {
        destination: sm.destination_addr.to_string().trim_start_matches('+').to_owned(),
        sender,
        message: user_data.text(),
        concat_key,
        part_no: i64::from(part_no),
        part_count: i64::from(part_count),
        received_at_ms,
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr as _;

    use rusmpp::tlvs::MessageDeliveryRequestTlvValue as Tlv;
    use rusmpp::types::{AnyOctetString, COctetString, OctetString};
    use rusmpp::values::{DataCoding, EsmClass, MessagePayload};
    use sms_text::{udh8, udh16};

    use super::*;

    const UDHI: u8 = 0x40;

    fn deliver(esm_class: u8, data_coding: u8, short_message: &[u8], tlvs: Vec<Tlv>) -> DeliverSm {
        DeliverSm::builder()
            .source_addr(COctetString::from_str("821012345678").unwrap())
            .destination_addr(COctetString::from_str("1588").unwrap())
            .esm_class(EsmClass::from(esm_class))
            .data_coding(DataCoding::from(data_coding))
            .short_message(OctetString::from_vec(short_message.to_vec()).unwrap())
            .tlvs(tlvs)
            .build()
    }

    fn ucs2(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_be_bytes).collect()
    }

    /// (message, concat_key, part_no, part_count)
    fn parsed(sm: &DeliverSm) -> (String, Option<String>, i64, i64) {
        let mo = parse(sm, Dcs0Alphabet::Gsm, 7);
        assert_eq!(
            (mo.sender.as_str(), mo.destination.as_str()),
            ("821012345678", "1588")
        );
        (mo.message, mo.concat_key, mo.part_no, mo.part_count)
    }

    #[test]
    fn ia5_keeps_the_at_sign_and_gsm_still_decodes() {
        // SMPP v5.0 §4.7.7: data_coding 1 is IA5/ASCII, where 0x40 is '@' (GSM 03.38 has '¡').
        let (text, key, ..) = parsed(&deliver(0, 0x01, b"a@b.com", vec![]));
        assert_eq!((text.as_str(), key), ("a@b.com", None));
        let (text, ..) = parsed(&deliver(0, 0x00, &[0x61, 0x00, 0x62, 0x1B, 0x65], vec![]));
        assert_eq!(text, "a@b€");
    }

    /// On a link whose SMSC means Latin-1 (or ASCII) by data_coding 0, received text is read so.
    #[test]
    fn data_coding_0_is_read_in_the_links_alphabet() {
        let sm = deliver(0, 0x00, &[0x63, 0x61, 0x66, 0xE9, 0x40], vec![]);
        assert_eq!(parse(&sm, Dcs0Alphabet::Latin1, 0).message, "café@");
        assert_eq!(parse(&sm, Dcs0Alphabet::Ascii, 0).message, "caf\u{FFFD}@");
        assert_eq!(parse(&sm, Dcs0Alphabet::Gsm, 0).message.chars().last(), Some('¡'));
    }

    #[test]
    fn latin1_ucs2_korean_and_binary() {
        assert_eq!(
            parsed(&deliver(0, 0x03, &[0x63, 0x61, 0x66, 0xE9], vec![])).0,
            "café"
        );
        assert_eq!(
            parsed(&deliver(0, 0x08, &ucs2("잔액 조회 😀"), vec![])).0,
            "잔액 조회 😀"
        );
        // 8-bit data (data_coding 2 / 4, class 0xF4) is handed over as hex, not mis-read as text.
        assert_eq!(parsed(&deliver(0, 0x04, &[0xCA, 0xFE], vec![])).0, "cafe");
        assert_eq!(parsed(&deliver(0, 0xF4, &[0x00, 0x40], vec![])).0, "0040");
    }

    #[test]
    fn message_payload_carries_the_text_when_short_message_is_empty() {
        let long = "잔액 조회 부탁드립니다. ".repeat(10);
        let payload = MessagePayload::new(AnyOctetString::from_slice(&ucs2(&long)));
        let sm = deliver(0, 0x08, b"", vec![Tlv::MessagePayload(payload)]);
        assert_eq!(parsed(&sm), (long, None, 1, 1));
    }

    #[test]
    fn sar_tlvs_make_a_concatenated_part() {
        let sar = |seq| {
            vec![
                Tlv::SarMsgRefNum(0x0102),
                Tlv::SarTotalSegments(2),
                Tlv::SarSegmentSeqnum(seq),
            ]
        };
        let key = Some("821012345678|258|2".to_owned());
        assert_eq!(
            parsed(&deliver(0, 0x01, b"second", sar(2))),
            ("second".to_owned(), key.clone(), 2, 2)
        );
        assert_eq!(
            parsed(&deliver(0, 0x01, b"first ", sar(1))),
            ("first ".to_owned(), key, 1, 2)
        );
        // Without all three values there is no concatenation.
        let partial = vec![Tlv::SarMsgRefNum(1), Tlv::SarSegmentSeqnum(1)];
        assert_eq!(parsed(&deliver(0, 0x01, b"x", partial)).1, None);
    }

    #[test]
    fn udh_with_8_and_16_bit_references() {
        let sm = [udh8(42, 3, 2).as_slice(), b"hi"].concat();
        assert_eq!(
            parsed(&deliver(UDHI, 0x00, &sm, vec![])),
            ("hi".to_owned(), Some("821012345678|42|3".to_owned()), 2, 3)
        );
        let sm = [udh16(0xBEEF, 2, 1).as_slice(), &ucs2("안녕")].concat();
        assert_eq!(
            parsed(&deliver(UDHI, 0x08, &sm, vec![])),
            ("안녕".to_owned(), Some("821012345678|48879|2".to_owned()), 1, 2)
        );
    }
}
