//! What the SOAP binding's SMS notifications say (ES 202 391-4 §8.3): `notifySmsDeliveryReceipt`
//! for a sendSms with a receiptRequest, `notifySmsReception` for a message routed to a
//! startSmsNotification subscription; both SOAP 1.1 envelopes for the applications'
//! SmsNotification endpoints. `app::notices` queues them as callbacks.

use crate::callbacks::Payload;
use crate::scf::sms::{DueReceipt, DueSmsReception};
use crate::soap::sms_xml::{SmsMessage, notify_sms_delivery_receipt, notify_sms_reception};

/// `notifySmsDeliveryReceipt`: the callback kind and body.
pub(crate) fn delivery_receipt(receipt: &DueReceipt) -> (&'static str, Payload) {
    let body = notify_sms_delivery_receipt(
        &receipt.notice.correlator,
        &receipt.information.address,
        receipt.information.status.as_str(),
    );
    ("notifySmsDeliveryReceipt", Payload::Soap(body))
}

/// `notifySmsReception`: the callback kind and body.
pub(crate) fn reception(reception: &DueSmsReception) -> (&'static str, Payload) {
    let m = &reception.message;
    let message = SmsMessage {
        message: m.message.clone(),
        sender_address: m.sender_address.clone(),
        activation_number: m.activation_number.clone(),
        date_time: chrono::DateTime::from_timestamp_millis(m.received_at_ms)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    };
    let body = notify_sms_reception(&reception.correlator, &message);
    ("notifySmsReception", Payload::Soap(body))
}
