//! Message management: query_sm, cancel_sm and replace_sm against the message store.

use std::str::FromStr as _;

use rusmpp::CommandStatus;
use rusmpp::Pdu;
use rusmpp::pdus::{CancelSm, QuerySm, QuerySmResp, ReplaceSm};
use rusmpp::types::EmptyOrFullCOctetString;
use rusmpp::values::MessageState;
use sms_text::Encoding;
use tokio::time::Instant;

use super::frame::Out;
use crate::shared::Shared;
use crate::store::state_at;

const QUERY_SM: u32 = 0x0000_0003;
const REPLACE_SM: u32 = 0x0000_0007;
const CANCEL_SM: u32 = 0x0000_0008;
const ENROUTE: u8 = 1;

/// SMPP v5.0 §4.7.23.1 absolute time "YYMMDDhhmmsstnnp", UTC.
fn absolute_time(t: chrono::DateTime<chrono::Utc>) -> EmptyOrFullCOctetString<17> {
    EmptyOrFullCOctetString::from_str(&format!("{}000+", t.format("%y%m%d%H%M%S"))).unwrap_or_default()
}

pub(crate) fn query_sm(shared: &Shared, q: &QuerySm, seq: u32) -> Out {
    let now = Instant::now();
    let found = shared
        .config
        .message_ids
        .submit
        .parse(q.message_id.as_str())
        .and_then(|id| {
            shared
                .store
                .with(id, |rec| (state_at(rec, now), rec.done_at, rec.outcome.err()))
        });
    let Some((state, done_at, err)) = found else {
        return Out::error(QUERY_SM, CommandStatus::EsmeRqueryfail, seq);
    };
    let final_date = if state == ENROUTE {
        EmptyOrFullCOctetString::empty()
    } else {
        absolute_time(shared.clock.at(done_at))
    };
    let resp = QuerySmResp::builder()
        .message_id(q.message_id.clone())
        .final_date(final_date)
        .message_state(MessageState::from(state))
        .error_code(u8::try_from(err).unwrap_or(u8::MAX))
        .build();
    Out::cmd(CommandStatus::EsmeRok, seq, resp)
}

pub(crate) fn cancel_sm(shared: &Shared, c: &CancelSm, seq: u32) -> Out {
    let now = Instant::now();
    // SMPP v5.0 §4.6.1.1: a message in a final state can no longer be cancelled.
    let cancelled = shared
        .config
        .message_ids
        .submit
        .parse(c.message_id.as_str())
        .and_then(|id| {
            shared.store.with(id, |rec| {
                let pending = state_at(rec, now) == ENROUTE;
                if pending {
                    rec.cancelled = true;
                }
                pending
            })
        });
    match cancelled {
        Some(true) => Out::cmd(CommandStatus::EsmeRok, seq, Pdu::CancelSmResp),
        _ => Out::error(CANCEL_SM, CommandStatus::EsmeRcancelfail, seq),
    }
}

pub(crate) fn replace_sm(shared: &Shared, r: &ReplaceSm, seq: u32) -> Out {
    let now = Instant::now();
    let sm = r.short_message().as_ref();
    let text: String = Encoding::Gsm7
        .decode(&sm[..sm.len().min(40)])
        .chars()
        .take(20)
        .collect();
    let replaced = shared
        .config
        .message_ids
        .submit
        .parse(r.message_id.as_str())
        .and_then(|id| {
            shared.store.with(id, |rec| {
                let pending = state_at(rec, now) == ENROUTE;
                if pending {
                    rec.text = text;
                }
                pending
            })
        });
    match replaced {
        Some(true) => Out::cmd(CommandStatus::EsmeRok, seq, Pdu::ReplaceSmResp),
        _ => Out::error(REPLACE_SM, CommandStatus::EsmeRreplacefail, seq),
    }
}
