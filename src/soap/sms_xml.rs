//! Payload shapes of Parlay X 2.2 SendSms (ES 202 391-4 V1.2.1), as serde structs, and the writers
//! of their responses. Element names follow `parlayx-spec.md` §2.2: the operation's children are in
//! the SendSms local namespace, the children of `sms:DeliveryInformation` are unqualified.
//!
//! Must not know: what a valid address or an allowed sender is (`scf/sms`).

mod reception;

use serde::Deserialize;

use super::SoapVersion;
use super::payment_xml::ChargingInformation;
use super::xml::{ResponseWriter, empty_as_none};

pub(crate) use reception::{
    SMS_NOTIFICATION_MANAGER_NS, StartSmsNotification, StopSmsNotification, manager_response,
    notify_sms_reception,
};

/// Local request/response schema of SendSms.
pub(crate) const SEND_SMS_NS: &str = "http://www.csapi.org/schema/parlayx/sms/send/v2_2/local";
/// Local request/response schema of ReceiveSms.
pub(crate) const RECEIVE_SMS_NS: &str = "http://www.csapi.org/schema/parlayx/sms/receive/v2_2/local";
/// `send_local:sendSms`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SendSms {
    /// `addresses` `[1..∞]`, `xsd:anyURI`.
    #[serde(default)]
    pub addresses: Vec<String>,
    /// `senderName`, optional.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub sender_name: Option<String>,
    /// `charging` (`common:ChargingInformation`), optional: what each address is charged.
    #[serde(default)]
    pub charging: Option<ChargingInformation>,
    /// `message`.
    pub message: String,
    /// `receiptRequest`, optional: where to send notifySmsDeliveryReceipt.
    #[serde(default)]
    pub receipt_request: Option<SimpleReference>,
}

/// `common:SimpleReference` (ES 202 391-1 §8.6); children unqualified.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SimpleReference {
    /// The application's SmsNotification endpoint.
    pub endpoint: String,
    /// `SmsNotification` (not checked).
    #[serde(default)]
    pub interface_name: String,
    /// Echoed in every notification.
    pub correlator: String,
}

/// Local request schema of SmsNotification (implemented by the application).
pub(crate) const SMS_NOTIFICATION_NS: &str =
    "http://www.csapi.org/schema/parlayx/sms/notification/v2_2/local";

/// The `notifySmsDeliveryReceipt` request the gateway sends (SOAP 1.1, the Parlay X binding).
#[must_use]
pub(crate) fn notify_sms_delivery_receipt(correlator: &str, address: &str, status: &str) -> Vec<u8> {
    let mut w = ResponseWriter::new(SoapVersion::V11, SMS_NOTIFICATION_NS, "notifySmsDeliveryReceipt");
    w.qualified_text("correlator", correlator);
    w.start_qualified("deliveryStatus");
    w.unqualified_text("address", address);
    w.unqualified_text("deliveryStatus", status);
    w.end_qualified("deliveryStatus");
    w.finish()
}

/// `send_local:getSmsDeliveryStatus`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GetSmsDeliveryStatus {
    /// The requestIdentifier a sendSms answered.
    pub request_identifier: String,
}

/// `receive_local:getReceivedSms`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GetReceivedSms {
    /// The number (short code) the messages were sent to.
    pub registration_identifier: String,
}

/// One `sms:SmsMessage` for [`received_sms_response`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SmsMessage {
    /// The text.
    pub message: String,
    /// `tel:` URI of the handset.
    pub sender_address: String,
    /// `tel:` URI of the number it was sent to.
    pub activation_number: String,
    /// `xsd:dateTime`, UTC.
    pub date_time: String,
}

/// `getReceivedSmsResponse`: one `result` (`sms:SmsMessage`) per message.
#[must_use]
pub(crate) fn received_sms_response(version: SoapVersion, messages: &[SmsMessage]) -> Vec<u8> {
    let mut w = ResponseWriter::new(version, RECEIVE_SMS_NS, "getReceivedSmsResponse");
    for m in messages {
        w.start_qualified("result");
        w.unqualified_text("message", &m.message);
        w.unqualified_text("senderAddress", &m.sender_address);
        w.unqualified_text("smsServiceActivationNumber", &m.activation_number);
        w.unqualified_text("dateTime", &m.date_time);
        w.end_qualified("result");
    }
    w.finish()
}

/// `sendSmsResponse` (and the Logo/Ringtone ones): `result` is the requestIdentifier.
#[must_use]
pub(crate) fn request_id_response(version: SoapVersion, wrapper: &'static str, request_id: &str) -> Vec<u8> {
    let mut w = ResponseWriter::new(version, SEND_SMS_NS, wrapper);
    w.qualified_text("result", request_id);
    w.finish()
}

/// `getSmsDeliveryStatusResponse`: one `result` (`sms:DeliveryInformation`) per address.
#[must_use]
pub(crate) fn delivery_status_response(version: SoapVersion, results: &[(String, &'static str)]) -> Vec<u8> {
    let mut w = ResponseWriter::new(version, SEND_SMS_NS, "getSmsDeliveryStatusResponse");
    for (address, status) in results {
        w.start_qualified("result");
        w.unqualified_text("address", address);
        w.unqualified_text("deliveryStatus", status);
        w.end_qualified("result");
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soap::xml::decode;

    #[test]
    fn send_sms_reads_repeated_addresses_and_optional_parts() {
        let xml = format!(
            "<loc:sendSms xmlns:loc=\"{SEND_SMS_NS}\"><loc:addresses>tel:+821011112222</loc:addresses>\
             <loc:addresses>tel:+821033334444</loc:addresses><loc:senderName>1588</loc:senderName>\
             <loc:message>안녕 &amp; hi</loc:message><loc:receiptRequest><endpoint>http://x</endpoint>\
             <interfaceName>SmsNotification</interfaceName><correlator>c1</correlator></loc:receiptRequest></loc:sendSms>"
        );
        let r: SendSms = decode(xml.as_bytes()).unwrap();
        assert_eq!(r.addresses.len(), 2);
        assert_eq!(r.sender_name.as_deref(), Some("1588"));
        assert_eq!(r.message, "안녕 & hi");
        assert!(r.receipt_request.is_some() && r.charging.is_none());
        let missing = decode::<SendSms>(b"<sendSms><addresses>tel:+8210</addresses></sendSms>").unwrap_err();
        assert_eq!(missing.part, "message");
    }

    #[test]
    fn send_sms_reads_the_charging_information() {
        let xml = format!(
            "<loc:sendSms xmlns:loc=\"{SEND_SMS_NS}\"><loc:addresses>tel:+821011112222</loc:addresses>\
             <loc:charging><description>alert</description><currency>KRW</currency><amount>100</amount>\
             <code>sms-alert</code></loc:charging><loc:message>hi</loc:message></loc:sendSms>"
        );
        let r: SendSms = decode(xml.as_bytes()).unwrap();
        let charging = r.charging.unwrap();
        assert_eq!(charging.description, "alert");
        assert_eq!(charging.currency.as_deref(), Some("KRW"));
        assert_eq!(charging.amount, Some(rust_decimal::Decimal::from(100)));
        assert_eq!(charging.code.as_deref(), Some("sms-alert"));
    }

    #[test]
    fn delivery_status_lists_each_address() {
        let body =
            delivery_status_response(SoapVersion::V11, &[("tel:+82101".into(), "DeliveredToTerminal")]);
        let text = String::from_utf8(body).unwrap();
        assert!(text.contains(
            "<ns:result><address>tel:+82101</address><deliveryStatus>DeliveredToTerminal</deliveryStatus></ns:result>"
        ));
    }
}
