//! OneAPI notifications (parlayx-spec §5.2): turns the delivery receipts `scf::sms` says are due
//! for requests sent over REST (`NotifyFormat::Json`) into `deliveryInfoNotification` bodies for
//! the applications' `receiptRequest.notifyURL`, and the received messages due to REST
//! subscriptions into `inboundSMSMessageNotification` bodies. `app::notices` queues them as
//! callbacks, as it does the SOAP binding's.

use super::inbound::inbound_message;
use crate::callbacks::Payload;
use crate::rest::sms_json::{
    DeliveryInfo, DeliveryInfoNotification, DeliveryInfoNotificationBody, InboundNotification,
    InboundNotificationBody,
};
use crate::scf::sms::{DueReceipt, DueSmsReception};

/// `deliveryInfoNotification`: the callback kind and body,
/// `{"deliveryInfoNotification": {"callbackData", "deliveryInfo": {"address", "deliveryStatus"}}}`;
/// the correlator kept for a REST request is its callbackData (absent when empty).
pub(crate) fn delivery_receipt(receipt: &DueReceipt) -> (&'static str, Payload) {
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
    let body = serde_json::to_vec(&notification).unwrap_or_default();
    ("deliveryInfoNotification", Payload::Json(body))
}

/// `inboundSMSMessageNotification`: the callback kind and body,
/// `{"inboundSMSMessageNotification": {"callbackData", "inboundSMSMessage": {…}}}`.
pub(crate) fn reception(reception: &DueSmsReception) -> (&'static str, Payload) {
    let notification = InboundNotificationBody {
        inbound_sms_message_notification: InboundNotification {
            callback_data: reception.callback_data.clone(),
            inbound_sms_message: inbound_message(reception.message.clone()),
        },
    };
    // A struct of strings always serializes.
    let body = serde_json::to_vec(&notification).unwrap_or_default();
    ("inboundSMSMessageNotification", Payload::Json(body))
}
