//! notifySmsDeliveryReceipt (ES 202 391-4 §8.3): turns the receipts `scf::sms` says are due into
//! SOAP 1.1 envelopes for the applications' SmsNotification endpoints and hands them to the
//! callback queue, which delivers them with retries (`callbacks`).

use std::time::Duration;

use crate::callbacks::{Payload, new_callback};
use crate::scf::sms::{DueReceipt, NotifyFormat};
use crate::server::AppState;
use crate::soap::sms_xml::notify_sms_delivery_receipt;

/// How often due notifications are looked for.
const POLL: Duration = Duration::from_millis(100);
/// Notifications taken per look.
const BATCH: i64 = 50;

/// Hands due delivery-receipt notifications to the callback queue until the task is aborted.
pub async fn run(state: AppState) {
    let mut tick = tokio::time::interval(POLL);
    loop {
        tick.tick().await;
        let due = match state.scf().due_delivery_receipts(NotifyFormat::Soap, BATCH).await {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "reading due SMS notifications failed");
                continue;
            }
        };
        for receipt in &due {
            if let Err(e) = hand_over(&state, receipt).await {
                tracing::warn!(error = %e, "queueing an SMS notification failed");
            }
        }
    }
}

async fn hand_over(state: &AppState, receipt: &DueReceipt) -> Result<(), crate::scf::ScfError> {
    let n = &receipt.notice;
    let body = notify_sms_delivery_receipt(
        &n.correlator,
        &receipt.information.address,
        receipt.information.status.as_str(),
    );
    let callback = new_callback(
        state.callback_config(),
        &n.actor,
        "notifySmsDeliveryReceipt",
        &n.endpoint,
        Payload::Soap(body),
        state.now().at_ms,
    );
    state.scf().hand_over_delivery_receipt(receipt, &callback).await
}
