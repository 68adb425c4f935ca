//! Mobile-originated messages: a deliver_sm that is not a receipt becomes one stored part, its
//! text decoded and its concatenation header (3GPP TS 23.040 §9.2.3.24.1) kept for reassembly.

use rusmpp::pdus::DeliverSm;
use rusmpp::values::GsmFeatures;

use super::encoding::{DCS_UCS2, decode_gsm7, decode_ucs2};
use crate::store::sms::NewMo;

/// The part a deliver_sm carries, ready to store.
pub(super) fn parse(sm: &DeliverSm, received_at_ms: i64) -> NewMo {
    let body = sm.short_message().as_ref();
    let udhi = matches!(
        sm.esm_class.gsm_features,
        GsmFeatures::UdhiIndicator | GsmFeatures::SetUdhiAndReplyPath
    );
    let (concat, payload) = if udhi { split_udh(body) } else { (None, body) };
    let dcs: u8 = sm.data_coding.into();
    let message = match dcs {
        DCS_UCS2 => decode_ucs2(payload),
        // SMPP v5.0 §4.7.7: 0x03 Latin-1; 0x00 / 0x01 taken as GSM 03.38 / IA5 (ASCII is a subset).
        0x03 => payload.iter().map(|b| char::from(*b)).collect(),
        _ => decode_gsm7(payload),
    };
    let sender = sm.source_addr.to_string();
    let (concat_key, part_no, part_count) = match concat {
        Some((reference, count, seq)) => (Some(format!("{sender}|{reference}|{count}")), seq, count),
        None => (None, 1, 1),
    };
    NewMo {
        destination: sm.destination_addr.to_string().trim_start_matches('+').to_owned(),
        sender,
        message,
        concat_key,
        part_no: i64::from(part_no),
        part_count: i64::from(part_count),
        received_at_ms,
    }
}

/// The concatenation IE (8-bit IEI 0x00 or 16-bit IEI 0x08) and the payload after the UDH.
fn split_udh(body: &[u8]) -> (Option<(u16, u8, u8)>, &[u8]) {
    let Some(&udhl) = body.first() else {
        return (None, body);
    };
    let end = (usize::from(udhl) + 1).min(body.len());
    let (header, payload) = (&body[1..end], &body[end..]);
    let mut at = 0;
    let mut concat = None;
    while at + 2 <= header.len() {
        let (iei, len) = (header[at], usize::from(header[at + 1]));
        let value = header.get(at + 2..at + 2 + len).unwrap_or(&[]);
        match (iei, value) {
            (0x00, [r, count, seq]) => concat = Some((u16::from(*r), *count, *seq)),
            (0x08, [hi, lo, count, seq]) => concat = Some((u16::from_be_bytes([*hi, *lo]), *count, *seq)),
            _ => {}
        }
        at += 2 + len;
    }
    (concat, payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_udh_is_split_from_the_payload() {
        let (c, p) = split_udh(&[5, 0, 3, 42, 2, 1, b'h', b'i']);
        assert_eq!((c, p), (Some((42, 2, 1)), &b"hi"[..]));
        let (c, p) = split_udh(&[6, 8, 4, 1, 2, 3, 3, 0xAC, 0x00]);
        assert_eq!((c, p), (Some((258, 3, 3)), &[0xAC, 0x00][..]));
        assert_eq!(split_udh(&[9, 0]).0, None);
    }
}
