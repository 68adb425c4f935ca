//! Which notifySmsDeliveryReceipt are due, and what they say: once per address of a sendSms with
//! a receiptRequest, when none of its parts is still on its way (ES 202 391-4 §8.3.2). The
//! binding writes each one for its wire and hands it over to the callback queue (`callbacks`),
//! which delivers it with retries.

use super::{DeliveryInformation, DeliveryStatus};
use crate::scf::{Scf, ScfError, internal};
use crate::store::callbacks::NewCallback;
use crate::store::sms::{PartStatus, ReceiptNotice};

/// A notification to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueReceipt {
    /// The application's endpoint and correlator, and which request/address it is about.
    pub notice: ReceiptNotice,
    /// What to tell it.
    pub information: DeliveryInformation,
}

impl Scf {
    /// Up to `limit` notifications due now, of those written for `format`.
    pub async fn due_delivery_receipts(
        &self,
        format: super::NotifyFormat,
        limit: i64,
    ) -> Result<Vec<DueReceipt>, ScfError> {
        let now = self.now().at_ms;
        let notices = self
            .store
            .due_receipt_notices(format.as_str(), now, limit)
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

    /// Queues `callback`, the wire form of `receipt`, and marks the receipt notified, in one
    /// transaction; without a callback (the application asked not to hear of this outcome), only
    /// marks it.
    pub async fn hand_over_delivery_receipt(
        &self,
        receipt: &DueReceipt,
        callback: Option<&NewCallback>,
    ) -> Result<(), ScfError> {
        let n = &receipt.notice;
        self.store
            .hand_over_receipt_notice(&n.request_id, &n.address, callback, self.now().at_ms)
            .await
            .map_err(internal)
    }
}
