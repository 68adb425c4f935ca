//! submit_sm, data_sm and submit_multi: validation, fault verdicts, then acceptance — the
//! message goes to the handset inbox and the store, and its receipt is scheduled.

use std::str::FromStr as _;
use std::sync::atomic::Ordering::Relaxed;

use bytes::Bytes;
use rusmpp::CommandStatus;
use rusmpp::pdus::{DataSm, DataSmResp, SubmitMulti, SubmitMultiResp, SubmitSm, SubmitSmResp};
use rusmpp::tlvs::{Tlv, TlvValue};
use rusmpp::types::COctetString;
use rusmpp::values::{DestAddress, UnsuccessSme};
use sms_text::{Concat, Fields};
use tokio::time::Instant;

use super::frame::Out;
use super::receipts::ReceiptJob;
use super::session::Binding;
use crate::faults::{Faults, SubmitVerdict};
use crate::inbox::{IncomingPart, normalize_msisdn};
use crate::shared::Shared;
use crate::store::Record;

/// The submission fields the simulator cares about, whatever PDU carried them.
struct Submission<'a> {
    source: &'a str,
    dests: Vec<&'a str>,
    esm_class: u8,
    data_coding: u8,
    registered_delivery: u8,
    short_message: &'a [u8],
    tlvs: &'a [Tlv],
}

/// message_payload and SAR concatenation from the TLVs (SMPP v5.0 §4.8.4.36, §4.8.4.50-52);
/// what they mean is `sms_text::Fields`'s business.
fn payload_and_sar(tlvs: &[Tlv]) -> (Option<&[u8]>, Option<Concat>) {
    let (mut payload, mut reference, mut total, mut seq) = (None, None, None, None);
    for tlv in tlvs {
        match tlv.value() {
            Some(TlvValue::MessagePayload(p)) => payload = Some(p.value.as_ref()),
            Some(TlvValue::SarMsgRefNum(r)) => reference = Some(*r),
            Some(TlvValue::SarTotalSegments(t)) => total = Some(*t),
            Some(TlvValue::SarSegmentSeqnum(s)) => seq = Some(*s),
            _ => {}
        }
    }
    (payload, Concat::from_sar(reference, total, seq))
}

fn valid_dest(dest: &str) -> bool {
    let d = normalize_msisdn(dest);
    !d.is_empty() && d.len() <= 20 && d.bytes().all(|b| b.is_ascii_digit())
}

/// SMPP v5.0 §4.7.21 registered_delivery bits 1..0 against the planned outcome.
fn wants_receipt(registered_delivery: u8, success: bool) -> bool {
    match registered_delivery & 0x03 {
        1 => true,
        2 => !success,
        3 => success,
        _ => false,
    }
}

/// Shared acceptance path; returns the new message id.
fn accept(
    shared: &Shared,
    binding: &Binding,
    s: &Submission<'_>,
    faults: &Faults,
) -> Result<u64, CommandStatus> {
    if shared.faults.admit_submit(faults.throttle_per_sec) == SubmitVerdict::Throttled {
        return Err(CommandStatus::EsmeRthrottled);
    }
    if s.dests.is_empty() || !s.dests.iter().all(|d| valid_dest(d)) {
        return Err(CommandStatus::EsmeRinvdstadr);
    }
    let (payload, sar) = payload_and_sar(s.tlvs);
    // SMPP v5.0 §4.8.4.36: message_payload and a non-empty short_message are mutually exclusive.
    if payload.is_some() && !s.short_message.is_empty() || s.short_message.len() > 254 {
        return Err(CommandStatus::EsmeRinvmsglen);
    }
    if faults.error_probability > 0.0 && shared.planner.roll() < faults.error_probability {
        return Err(CommandStatus::from(faults.error_status));
    }
    let data_coding = shared.config.dcs0_alphabet.read(s.data_coding);
    let user_data = Fields {
        esm_class: s.esm_class,
        data_coding,
        short_message: s.short_message,
        message_payload: payload,
        sar,
    }
    .user_data();
    let (encoding, concat) = (user_data.encoding, user_data.concat);
    let id = shared.store.next_id();
    let now = shared.clock.now();
    let user_data = Bytes::copy_from_slice(user_data.bytes);
    for dest in &s.dests {
        shared.inbox.store(IncomingPart {
            from: s.source.to_owned(),
            to: (*dest).to_owned(),
            data_coding,
            concat,
            body: user_data.clone(),
            message_id: shared.config.message_ids.submit.format(id),
            received_at: now,
        });
    }
    let (delay, outcome) = shared.planner.plan(normalize_msisdn(s.dests[0]));
    let done_at = Instant::now() + delay;
    // 20 characters need at most 40 octets in any encoding (GSM escapes take two).
    let snippet = encoding.decode(&user_data[..user_data.len().min(40)]);
    shared.store.insert(
        id,
        Record {
            system_id: binding.system_id.clone(),
            source: s.source.to_owned(),
            dests: s.dests.iter().map(|d| normalize_msisdn(d).to_owned()).collect(),
            submitted: now,
            done_at,
            outcome,
            cancelled: false,
            text: snippet.chars().take(20).collect(),
        },
    );
    let receipt = outcome != crate::receipt::Outcome::NoReceipt
        && wants_receipt(s.registered_delivery, outcome.is_success());
    if receipt && shared.receipts.try_send(ReceiptJob { id, due: done_at }).is_err() {
        shared.counters.receipts_dropped.fetch_add(1, Relaxed);
    }
    Ok(id)
}

/// `id` as submit responses write it (`[message_ids] submit`).
fn message_id(shared: &Shared, id: u64) -> COctetString<1, 65> {
    COctetString::from_str(&shared.config.message_ids.submit.format(id)).unwrap_or_default()
}

pub(crate) fn submit_sm(shared: &Shared, binding: &Binding, sm: &SubmitSm, faults: &Faults, seq: u32) -> Out {
    let s = Submission {
        source: sm.source_addr.as_str(),
        dests: vec![sm.destination_addr.as_str()],
        esm_class: u8::from(sm.esm_class),
        data_coding: u8::from(sm.data_coding),
        registered_delivery: u8::from(sm.registered_delivery),
        short_message: sm.short_message().as_ref(),
        tlvs: sm.tlvs(),
    };
    match accept(shared, binding, &s, faults) {
        Ok(id) => Out::cmd(
            CommandStatus::EsmeRok,
            seq,
            SubmitSmResp::builder().message_id(message_id(shared, id)).build(),
        ),
        Err(status) => Out::error(0x0000_0004, status, seq),
    }
}

pub(crate) fn data_sm(shared: &Shared, binding: &Binding, sm: &DataSm, faults: &Faults, seq: u32) -> Out {
    let s = Submission {
        source: sm.source_addr.as_str(),
        dests: vec![sm.destination_addr.as_str()],
        esm_class: u8::from(sm.esm_class),
        data_coding: u8::from(sm.data_coding),
        registered_delivery: u8::from(sm.registered_delivery),
        short_message: &[],
        tlvs: sm.tlvs(),
    };
    match accept(shared, binding, &s, faults) {
        Ok(id) => Out::cmd(
            CommandStatus::EsmeRok,
            seq,
            DataSmResp::builder().message_id(message_id(shared, id)).build(),
        ),
        Err(status) => Out::error(0x0000_0103, status, seq),
    }
}

/// SMPP v5.0 §4.5.1: invalid destinations are listed in unsuccess_sme; the rest are accepted.
pub(crate) fn submit_multi(
    shared: &Shared,
    binding: &Binding,
    sm: &SubmitMulti,
    faults: &Faults,
    seq: u32,
) -> Out {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for dest in sm.dest_address() {
        match dest {
            DestAddress::SmeAddress(a) if valid_dest(a.destination_addr.as_str()) => {
                good.push(a.destination_addr.as_str())
            }
            DestAddress::SmeAddress(a) => bad.push(UnsuccessSme::new(
                a.dest_addr_ton,
                a.dest_addr_npi,
                a.destination_addr.clone(),
                CommandStatus::EsmeRinvdstadr,
            )),
            DestAddress::DistributionListName(_) => bad.push(UnsuccessSme::new(
                Default::default(),
                Default::default(),
                COctetString::default(),
                CommandStatus::EsmeRinvdlname,
            )),
        }
    }
    if good.is_empty() {
        let status = if bad.is_empty() {
            CommandStatus::EsmeRinvnumdests
        } else {
            CommandStatus::EsmeRinvdstadr
        };
        return Out::error(0x0000_0021, status, seq);
    }
    let s = Submission {
        source: sm.source_addr.as_str(),
        dests: good,
        esm_class: u8::from(sm.esm_class),
        data_coding: u8::from(sm.data_coding),
        registered_delivery: u8::from(sm.registered_delivery),
        short_message: sm.short_message().as_ref(),
        tlvs: sm.tlvs(),
    };
    match accept(shared, binding, &s, faults) {
        Ok(id) => {
            let resp = SubmitMultiResp::builder()
                .message_id(message_id(shared, id))
                .unsuccess_sme(bad)
                .build();
            Out::cmd(CommandStatus::EsmeRok, seq, resp)
        }
        Err(status) => Out::error(0x0000_0021, status, seq),
    }
}
