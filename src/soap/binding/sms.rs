//! The SendSms and ReceiveSms operations over SOAP (ES 202 391-4): one function per operation, each
//! decoding its `sms_xml` request, calling the `scf::sms` function of the same name, and writing
//! the response.
//!
//! Must not know: authentication, faults, the store. Errors go back as [`Failure`].

mod manager;
pub(crate) mod notify;

use super::payment::{Failure, Reply};
use crate::framework::{Operation, Permit, Service};
use crate::scf::sms::SendSmsRequest;
use crate::scf::{Scf, ScfError};
use crate::soap::SoapVersion;
use crate::soap::sms_xml::{self as sx, RECEIVE_SMS_NS, SEND_SMS_NS, SMS_NOTIFICATION_MANAGER_NS};
use crate::soap::xml::decode;

/// An SMS endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Endpoint {
    /// `/SendSmsService/services/SendSms`
    Send,
    /// `/ReceiveSmsService/services/ReceiveSms`
    Receive,
    /// `/SmsNotificationManagerService/services/SmsNotificationManager`
    NotificationManager,
}

impl Endpoint {
    /// The endpoint at a published path (ETSI default `/{Service}Service/services/{Port}`).
    pub(super) fn for_path(path: &str) -> Option<Self> {
        match path {
            "/SendSmsService/services/SendSms" => Some(Self::Send),
            "/ReceiveSmsService/services/ReceiveSms" => Some(Self::Receive),
            "/SmsNotificationManagerService/services/SmsNotificationManager" => {
                Some(Self::NotificationManager)
            }
            _ => None,
        }
    }

    /// The service, for operation lookup.
    pub(super) fn service(self) -> Service {
        match self {
            Self::Send => Service::SendSms,
            Self::Receive => Service::ReceiveSms,
            Self::NotificationManager => Service::SmsNotificationManager,
        }
    }

    /// The local namespace its operation elements must be in.
    pub(super) fn namespace(self) -> &'static str {
        match self {
            Self::Send => SEND_SMS_NS,
            Self::Receive => RECEIVE_SMS_NS,
            Self::NotificationManager => SMS_NOTIFICATION_MANAGER_NS,
        }
    }
}

type Answer = Result<Reply, Failure>;

fn reply(body: Vec<u8>) -> Reply {
    Reply::plain(body)
}

/// Runs the permitted operation on `payload` (the operation element); `correlator` is pxgate's
/// `clientCorrelator` header block, read by sendSms only.
pub(super) async fn call(
    scf: &Scf,
    p: &Permit,
    v: SoapVersion,
    payload: &[u8],
    correlator: Option<&str>,
) -> Answer {
    match p.operation() {
        Operation::SendSms => send_sms(scf, p, v, payload, correlator).await,
        Operation::GetSmsDeliveryStatus => get_sms_delivery_status(scf, p, v, payload).await,
        Operation::GetReceivedSms => get_received_sms(scf, p, v, payload).await,
        Operation::StartSmsNotification => manager::start_sms_notification(scf, p, v, payload).await,
        Operation::StopSmsNotification => manager::stop_sms_notification(scf, p, v, payload).await,
        // Logo and ringtone formats (EMS, Smart Messaging) are not offered.
        Operation::SendSmsLogo | Operation::SendSmsRingtone => Err(ScfError::FormatNotSupported.into()),
        other => Err(ScfError::Internal(format!("{other} is not served by an SMS endpoint")).into()),
    }
}

/// SendSms.sendSms; with a `clientCorrelator` header block, a retry with the same key and content
/// is answered with the first requestIdentifier and sends nothing (`scf::sms::idempotency`).
async fn send_sms(scf: &Scf, p: &Permit, v: SoapVersion, payload: &[u8], correlator: Option<&str>) -> Answer {
    let r = decode::<sx::SendSms>(payload)?;
    let request = SendSmsRequest {
        addresses: r.addresses,
        sender_name: r.sender_name,
        message: r.message,
        receipt_request: r.receipt_request.map(|s| (s.endpoint, s.correlator)),
        charging: r.charging.map(super::payment::charging),
        client_correlator: correlator.map(str::to_owned),
        ..SendSmsRequest::default()
    };
    let sent = scf.send_sms_once(p, &request).await?;
    Ok(reply(sx::request_id_response(
        v,
        "sendSmsResponse",
        &sent.request_id,
    )))
}

/// SendSms.getSmsDeliveryStatus
async fn get_sms_delivery_status(scf: &Scf, p: &Permit, v: SoapVersion, payload: &[u8]) -> Answer {
    let r = decode::<sx::GetSmsDeliveryStatus>(payload)?;
    let list = scf.get_sms_delivery_status(p, &r.request_identifier).await?;
    let results: Vec<(String, &'static str)> =
        list.into_iter().map(|d| (d.address, d.status.as_str())).collect();
    Ok(reply(sx::delivery_status_response(v, &results)))
}

/// ReceiveSms.getReceivedSms
async fn get_received_sms(scf: &Scf, p: &Permit, v: SoapVersion, payload: &[u8]) -> Answer {
    let r = decode::<sx::GetReceivedSms>(payload)?;
    let received = scf.get_received_sms(p, &r.registration_identifier).await?;
    let messages: Vec<sx::SmsMessage> = received
        .messages
        .into_iter()
        .map(|m| sx::SmsMessage {
            message: m.message,
            sender_address: m.sender_address,
            activation_number: m.activation_number,
            date_time: chrono::DateTime::from_timestamp_millis(m.received_at_ms)
                .unwrap_or_default()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        })
        .collect();
    // The messages leave the inbox only once this answer has been handed over in full.
    let settle = received.settle;
    Ok(Reply::reported(
        sx::received_sms_response(v, &messages),
        Box::new(move |written| settle.written(written)),
    ))
}
