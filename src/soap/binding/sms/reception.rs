//! notifySmsReception (ES 202 391-4 §8.3.1): turns the received messages `scf::sms` says are due
//! to a SOAP subscription (startSmsNotification) into SOAP 1.1 envelopes for the applications'
//! SmsNotification endpoints and hands them to the callback queue, which delivers them with
//! retries (`callbacks`). Handing over removes the message from the inbox in the same
//! transaction, so it is pushed once and never also returned by getReceivedSms.

use std::time::Duration;

use crate::callbacks::{Payload, new_callback};
use crate::scf::sms::{DueSmsReception, NotifyFormat};
use crate::server::AppState;
use crate::soap::sms_xml::{SmsMessage, notify_sms_reception};

/// How often due messages are looked for (received messages are routed at the same pace).
const POLL: Duration = Duration::from_millis(100);
/// Messages taken per look.
const BATCH: i64 = 50;

/// Routes received messages and hands the due ones to the callback queue until aborted.
pub async fn run(state: AppState) {
    let mut tick = tokio::time::interval(POLL);
    loop {
        tick.tick().await;
        let due = match state.scf().due_sms_receptions(NotifyFormat::Soap, BATCH).await {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "reading due SMS receptions failed");
                continue;
            }
        };
        for reception in &due {
            if let Err(e) = hand_over(&state, reception).await {
                tracing::warn!(error = %e, "queueing an SMS reception failed");
            }
        }
    }
}

async fn hand_over(state: &AppState, reception: &DueSmsReception) -> Result<bool, crate::scf::ScfError> {
    let m = &reception.message;
    let message = SmsMessage {
        message: m.message.clone(),
        sender_address: m.sender_address.clone(),
        activation_number: m.activation_number.clone(),
        date_time: chrono::DateTime::from_timestamp_millis(m.received_at_ms)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    };
    let callback = new_callback(
        state.callback_config(),
        &reception.actor,
        "notifySmsReception",
        &reception.endpoint,
        Payload::Soap(notify_sms_reception(&reception.correlator, &message)),
        state.now().at_ms,
    );
    state.scf().hand_over_sms_reception(reception, &callback).await
}
