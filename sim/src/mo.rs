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

fn address(addr: &str) -> (Ton, Npi, COctetString<1, 21>) {
    let digits = addr.trim_start_matches('+');
    let ton_npi = if digits.bytes().all(|b| b.is_ascii_digit()) {
        (Ton::International, Npi::Isdn)
    } else {
        (Ton::Alphanumeric, Npi::Unknown)
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
    let parts = sms_text::encode(text, 255, reference).map_err(|_| MoError::Invalid {
        field: "text",
        problem: "too long",
    })?;
    let total = parts.len();
    let (src_ton, src_npi, source) = address(from);
    let (dst_ton, dst_npi, dest) = address(to);
    for part in parts {
        let pdu = DeliverSm::builder()
            .source_addr_ton(src_ton)
            .source_addr_npi(src_npi)
            .source_addr(source.clone())
            .dest_addr_ton(dst_ton)
            .dest_addr_npi(dst_npi)
            .destination_addr(dest.clone())
            .esm_class(EsmClass::from(part.esm_class))
            .data_coding(DataCoding::from(part.data_coding))
            .short_message(OctetString::from_vec(part.bytes).unwrap_or_default())
            .build();
        let out = Out::cmd(CommandStatus::EsmeRok, link.next_seq(), pdu);
        link.send(out, &shared.counters)
            .await
            .map_err(|_| MoError::SessionClosed)?;
        shared.counters.mo_sent.fetch_add(1, Relaxed);
    }
    Ok(total)
}
