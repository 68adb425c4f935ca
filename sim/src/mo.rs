//! MO injection: text from a "handset" becomes one or more deliver_sm, encoded by
//! `sms_text::encode` (GSM 7-bit when it fits, else UCS-2; concatenated with an 8-bit UDH when
//! long), sent to any bound receiver.

use std::str::FromStr as _;
use std::sync::atomic::Ordering::Relaxed;

use rusmpp::CommandStatus;
use rusmpp::pdus::DeliverSm;
use rusmpp::types::{COctetString, OctetString};
use rusmpp::values::{DataCoding, EsmClass, Npi, Ton};

use crate::shared::Shared;
use crate::smpp::frame::Out;

/// Why an MO could not be injected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoError {
    /// No receiver or transceiver session is bound.
    #[error("no receiver or transceiver session is bound")]
    NoReceiver,
    /// A request field is invalid; the field is named.
    #[error("invalid `{field}`: {problem}")]
    Invalid {
        /// `from`, `to` or `text`.
        field: &'static str,
        /// What is wrong.
        problem: &'static str,
    },
    /// The chosen session closed while sending.
    #[error("the receiving session closed")]
    SessionClosed,
}

fn check(from: &str, to: &str, text: &str) -> Result<(), MoError> {
    // SMPP v5.0 §4.7.1: source_addr / destination_addr are at most 20 characters.
    for (field, value) in [("from", from), ("to", to)] {
        if value.is_empty() || value.len() > 20 {
            return Err(MoError::Invalid {
                field,
                problem: "must be 1 to 20 characters",
            });
        }
    }
    if text.is_empty() {
        return Err(MoError::Invalid {
            field: "text",
            problem: "must not be empty",
        });
    }
    if text.chars().count() > 2000 {
        return Err(MoError::Invalid {
            field: "text",
            problem: "must be at most 2000 characters",
        });
    }
    Ok(())
}

/// Longest number written without `+` that is a short code, not an international number.
const MAX_SHORT_CODE: usize = 8;

/// TON, NPI and the address as SMPP carries it.
fn address(addr: &str) -> (Ton, Npi, COctetString<1, 21>) {
    let digits = addr.trim_start_matches('+');
    let ton_npi = if !digits.bytes().all(|b| b.is_ascii_digit()) {
        (Ton::Alphanumeric, Npi::Unknown)
    } else if addr.starts_with('+') || digits.len() > MAX_SHORT_CODE {
        (Ton::International, Npi::Isdn)
    } else {
        // A short code is no international number (Kannel refuses `1588` as one).
        (Ton::Unknown, Npi::Isdn)
    };
    (
        ton_npi.0,
        ton_npi.1,
        COctetString::from_str(digits).unwrap_or_default(),
    )
}

/// Send `text` from `from` to `to` over a bound receiver; returns the number of parts.
pub(crate) async fn inject(shared: &Shared, from: &str, to: &str, text: &str) -> Result<usize, MoError> {
    check(from, to, text)?;
    let link = shared.registry.pick(None).ok_or(MoError::NoReceiver)?;
    // Truncation intended: the 8-bit concatenation reference wraps.
    let reference = (shared.next_mo_ref.fetch_add(1, Relaxed) & 0xFF) as u8;
    let pdus = deliver_sms(from, to, text, reference)?;
    let total = pdus.len();
    for pdu in pdus {
        let out = Out::cmd(CommandStatus::EsmeRok, link.next_seq(), pdu);
        link.send(out, &shared.counters)
            .await
            .map_err(|_| MoError::SessionClosed)?;
        shared.counters.mo_sent.fetch_add(1, Relaxed);
    }
    Ok(total)
}

/// The deliver_sm of each part of `text` from `from` to `to`: esm_class 0x00 (0x40 with a UDH),
/// as a handset's message arrives; the concatenation reference is `reference`.
fn deliver_sms(from: &str, to: &str, text: &str, reference: u8) -> Result<Vec<DeliverSm>, MoError> {
    let parts = sms_text::encode(text, 255, reference).map_err(|_| MoError::Invalid {
        field: "text",
        problem: "too long",
    })?;
    let (src_ton, src_npi, source) = address(from);
    let (dst_ton, dst_npi, dest) = address(to);
    Ok(parts
        .into_iter()
        .map(|part| {
            DeliverSm::builder()
                .source_addr_ton(src_ton)
                .source_addr_npi(src_npi)
                .source_addr(source.clone())
                .dest_addr_ton(dst_ton)
                .dest_addr_npi(dst_npi)
                .destination_addr(dest.clone())
                .esm_class(EsmClass::from(part.esm_class))
                .data_coding(DataCoding::from(part.data_coding))
                .short_message(OctetString::from_vec(part.bytes).unwrap_or_default())
                .build()
        })
        .collect())
}

#[cfg(test)]
pub(crate) mod wire_tests {
    use bytes::BytesMut;
    use tokio_util::codec::Encoder as _;

    use super::*;
    use crate::smpp::frame::OutCodec;

    /// The deliver_sm's bytes on the wire.
    pub(crate) fn wire(pdu: DeliverSm) -> Vec<u8> {
        let mut buf = BytesMut::new();
        OutCodec::default()
            .encode(Out::cmd(CommandStatus::EsmeRok, 1, pdu), &mut buf)
            .unwrap();
        buf.to_vec()
    }

    /// The fields after the header up to esm_class: service_type, source TON, NPI, address,
    /// destination TON, NPI, address (SMPP v3.4 §4.6.1).
    pub(crate) fn addressing_and_esm_class(bytes: &[u8]) -> (u8, u8, u8, u8, u8) {
        let mut at = 16;
        let skip_c_string = |at: &mut usize| {
            while bytes[*at] != 0 {
                *at += 1;
            }
            *at += 1;
        };
        skip_c_string(&mut at);
        let (src_ton, src_npi) = (bytes[at], bytes[at + 1]);
        at += 2;
        skip_c_string(&mut at);
        let (dst_ton, dst_npi) = (bytes[at], bytes[at + 1]);
        at += 2;
        skip_c_string(&mut at);
        (src_ton, src_npi, dst_ton, dst_npi, bytes[at])
    }

    #[test]
    fn a_handset_message_goes_out_with_esm_class_0_and_0x40_when_long() {
        let short = deliver_sms("+821012345678", "1588", "BAL", 1).unwrap();
        // From an international number (TON 1, NPI 1) to a short code (TON 0, NPI 1).
        assert_eq!(
            addressing_and_esm_class(&wire(short[0].clone())),
            (1, 1, 0, 1, 0x00)
        );
        let long = deliver_sms("+821012345678", "1588", &"잔액 조회 ".repeat(20), 2).unwrap();
        assert!(long.len() > 1);
        for part in long {
            assert_eq!(addressing_and_esm_class(&wire(part)).4, 0x40);
        }
    }
}
