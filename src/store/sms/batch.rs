//! Writes of the SMS path in rounds: accepted messages, the dispatcher's submit_sm_resp and
//! delivery-receipt outcomes, and its claim of due rows, all in one transaction (group commit).
//! A round is all or nothing; its callers answer nobody before it is committed, so batching
//! changes how often the store commits, never what an answer promises.

use async_trait::async_trait;

use super::{NewSms, OutboxRow, PartStatus};
use crate::store::StoreError;

/// What the dispatcher learned about one part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmsOutcome {
    /// The SMSC accepted row `id` as `smsc_id` (normalized; `raw` as received); see
    /// [`SmsStore::mark_submitted`](super::SmsStore::mark_submitted).
    Submitted {
        /// Outbox row.
        id: i64,
        /// Normalized SMSC message id.
        smsc_id: String,
        /// The message id as received.
        raw: String,
    },
    /// A delivery receipt; see [`SmsStore::apply_receipt`](super::SmsStore::apply_receipt).
    Receipt {
        /// Normalized SMSC message id.
        smsc_id: String,
        /// The final state it reports.
        status: PartStatus,
    },
}

/// Rows the dispatcher asks for; see [`SmsStore::claim_sms`](super::SmsStore::claim_sms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmsClaim {
    /// Most rows.
    pub limit: i64,
    /// Until when they are claimed.
    pub claimed_until: i64,
    /// The lowest row id to look at ([`SmsStore::pending_floor`](super::SmsStore::pending_floor)
    /// or below): the claim walks the pending rows from there, not from the outbox's first row.
    pub from_id: i64,
}

/// Everything the outbox writer gathered while its previous round was committing.
#[derive(Debug, Clone, Copy)]
pub struct SmsRound<'a> {
    /// Accepted messages to queue, all due at once.
    pub queue: &'a [NewSms],
    /// The dispatcher's outcomes, in the order they happened.
    pub outcomes: &'a [SmsOutcome],
    /// Rows the dispatcher asks for.
    pub claim: Option<SmsClaim>,
    /// The round's time.
    pub now_ms: i64,
}

/// Batched writes of the outbox.
#[async_trait]
pub trait SmsBatchStore: Send + Sync {
    /// One transaction: queues every part of every message (as
    /// [`queue_sms`](super::SmsStore::queue_sms) would), records the outcomes (as
    /// [`mark_submitted`](super::SmsStore::mark_submitted) and
    /// [`apply_receipt`](super::SmsStore::apply_receipt) would, taken in order), then claims (as
    /// [`claim_sms`](super::SmsStore::claim_sms) would, so rows queued in this round may go out
    /// at once). Answers the claimed rows in id order; on an error nothing is written.
    async fn write_sms_round(&self, round: &SmsRound<'_>) -> Result<Vec<OutboxRow>, StoreError>;
}
