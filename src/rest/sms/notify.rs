//! OneAPI notifications (parlayx-spec §5.2): turns the delivery receipts `scf::sms` says are due
//! for requests sent over REST (`NotifyFormat::Json`) into `deliveryInfoNotification` bodies for
//! the applications' `receiptRequest.notifyURL`, and the received messages due to REST
//! subscriptions into `inboundSMSMessageNotification` bodies, and hands them to the callback
//! queue, which delivers them with retries (`callbacks`). The SOAP binding does the same for its
//! own requests and subscriptions.

use std::time::Duration;

use super::inbound::inbound_message;
use crate::callbacks::{Payload, new_callback};
use crate::rest::sms_json::{
    DeliveryInfo, DeliveryInfoNotification, DeliveryInfoNotificationBody, InboundNotification,
    InboundNotificationBody,
};
use crate::scf::ScfError;
use crate::scf::sms::{DueReceipt, DueSmsReception, NotifyFormat};
use crate::server::AppState;

/// How often due notifications are looked for.
const POLL: Duration = Duration::from_millis(100);
/// Notifications taken per look.
const BATCH: i64 = 50;

/// Hands due notifications to the callback queue until the task is aborted.
pub async fn run(state: AppState) {
    let mut tick = tokio::time::interval(POLL);
    loop {
        tick.tick().await;
        receipts(&state).await;
        receptions(&state).await;
    }
}

async fn receipts(state: &AppState) {
    let due = match state.scf().due_delivery_receipts(NotifyFormat::Json, BATCH).await {
        Ok(due) => due,
        Err(e) => {
            tracing::warn!(error = %e, "reading due OneAPI delivery notifications failed");
            return;
        }
    };
    for receipt in &due {
        if let Err(e) = hand_over(state, receipt).await {
            tracing::warn!(error = %e, "queueing a OneAPI delivery notification failed");
        }
    }
}

async fn receptions(state: &AppState) {
    let due = match state.scf().due_sms_receptions(NotifyFormat::Json, BATCH).await {
        Ok(due) => due,
        Err(e) => {
            tracing::warn!(error = %e, "reading due OneAPI inbound notifications failed");
            return;
        }
    };
    for reception in due {
        let callback = new_callback(
            state.callback_config(),
            &reception.actor,
            "inboundSMSMessageNotification",
            &reception.endpoint,
            Payload::Json(inbound_body(&reception)),
            state.now().at_ms,
        );
        if let Err(e) = state.scf().hand_over_sms_reception(&reception, &callback).await {
            tracing::warn!(error = %e, "queueing a OneAPI inbound notification failed");
        }
    }
}

/// `{"inboundSMSMessageNotification": {"callbackData", "inboundSMSMessage": {…}}}`.
fn inbound_body(reception: &DueSmsReception) -> Vec<u8> {
    let notification = InboundNotificationBody {
        inbound_sms_message_notification: InboundNotification {
            callback_data: reception.callback_data.clone(),
            inbound_sms_message: inbound_message(reception.message.clone()),
        },
    };
    // A struct of strings always serializes.
    serde_json::to_vec(&notification).unwrap_or_default()
}

async fn hand_over(state: &AppState, receipt: &DueReceipt) -> Result<(), ScfError> {
    let n = &receipt.notice;
    let callback = new_callback(
        state.callback_config(),
        &n.actor,
        "deliveryInfoNotification",
        &n.endpoint,
        Payload::Json(body(receipt)),
        state.now().at_ms,
    );
    state.scf().hand_over_delivery_receipt(receipt, &callback).await
}

/// `{"deliveryInfoNotification": {"callbackData", "deliveryInfo": {"address", "deliveryStatus"}}}`;
/// the correlator kept for a REST request is its callbackData (absent when empty).
fn body(receipt: &DueReceipt) -> Vec<u8> {
    let data = &receipt.notice.correlator;
    let notification = DeliveryInfoNotificationBody {
        delivery_info_notification: DeliveryInfoNotification {
            callback_data: (!data.is_empty()).then(|| data.clone()),
            delivery_info: DeliveryInfo {
                address: receipt.information.address.clone(),
                delivery_status: receipt.information.status.as_str().to_owned(),
            },
        },
    };
    // A struct of strings always serializes.
    serde_json::to_vec(&notification).unwrap_or_default()
}
