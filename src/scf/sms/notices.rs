//! Which notifySmsDeliveryReceipt are due, and what they say: once per address of a sendSms with
//! a receiptRequest, when none of its parts is still on its way (ES 202 391-4 §8.3.2). The
//! binding sends them and reports back; a failed one is tried again later (at least once).

use super::{DeliveryInformation, DeliveryStatus};
use crate::scf::{Scf, ScfError, internal};
use crate::store::sms::{PartStatus, ReceiptNotice};

/// Seconds before a notification that could not be delivered is tried again.
const RETRY_AFTER_MS: i64 = 30_000;

/// A notification to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueReceipt {
    /// The application's endpoint and correlator, and which request/address it is about.
    pub notice: ReceiptNotice,
    /// What to tell it.
    pub information: DeliveryInformation,
}

impl Scf {
    /// Up to `limit` notifications due now.
    pub async fn due_delivery_receipts(&self, limit: i64) -> Result<Vec<DueReceipt>, ScfError> {
        let now = self.now().at_ms;
        let notices = self
            .store
            .due_receipt_notices(now, limit)
            .await
            .map_err(internal)?;
        let mut due = Vec::with_capacity(notices.len());
        for notice in notices {
            let parts = self
                .store
                .sms_request(&notice.request_id)
                .await
                .map_err(internal)?;
            let states: Vec<PartStatus> = parts
                .map(|(_, parts)| parts)
                .unwrap_or_default()
                .into_iter()
                .filter(|p| p.address == notice.address)
                .map(|p| p.status)
                .collect();
            let information = DeliveryInformation {
                address: format!("tel:{}", notice.address),
                status: DeliveryStatus::of(&states),
            };
            due.push(DueReceipt { notice, information });
        }
        Ok(due)
    }

    /// Records the outcome of sending `receipt`: done, or tried again later.
    pub async fn delivery_receipt_sent(&self, receipt: &DueReceipt, delivered: bool) -> Result<(), ScfError> {
        let retry_at = (!delivered).then(|| self.now().at_ms + RETRY_AFTER_MS);
        let n = &receipt.notice;
        self.store
            .receipt_notice_sent(&n.request_id, &n.address, retry_at)
            .await
            .map_err(internal)
    }
}
