//! Writes of the SMS path in batches: several accepted messages in one transaction (group commit),
//! and the dispatcher's submit_sm_resp and delivery-receipt outcomes in one transaction. Each
//! batch is all or nothing; the callers answer nobody before it is committed, so batching changes
//! how often the store commits, never what an answer promises.

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

/// Rows the dispatcher asks for in the same transaction; see
/// [`SmsStore::claim_sms`](super::SmsStore::claim_sms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmsClaim {
    /// Most rows.
    pub limit: i64,
    /// Until when they are claimed.
    pub claimed_until: i64,
}

/// Batched writes of the outbox.
#[async_trait]
pub trait SmsBatchStore: Send + Sync {
    /// Queues every part of every message in one transaction, all due at once; on an error
    /// nothing is queued. Messages with a clientCorrelator go through
    /// [`queue_sms`](super::SmsStore::queue_sms), which answers a duplicate on its own.
    async fn queue_sms_batch(&self, batch: &[NewSms], now_ms: i64) -> Result<(), StoreError>;

    /// Records the outcomes in order, each exactly as
    /// [`mark_submitted`](super::SmsStore::mark_submitted) or
    /// [`apply_receipt`](super::SmsStore::apply_receipt) would, then claims as
    /// [`claim_sms`](super::SmsStore::claim_sms) would, all in one transaction; answers the
    /// claimed rows in id order.
    async fn record_sms_outcomes(
        &self,
        outcomes: &[SmsOutcome],
        claim: Option<SmsClaim>,
        now_ms: i64,
    ) -> Result<Vec<OutboxRow>, StoreError>;
}
