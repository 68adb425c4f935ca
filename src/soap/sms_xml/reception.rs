//! Payload shapes of Parlay X SmsNotificationManager (ES 202 391-4 §8.4, v2_3) and the
//! notifySmsReception request the gateway sends to an application's SmsNotification endpoint
//! (§8.3.1). The operations' children are in their local namespace; the children of
//! `common:SimpleReference` and `sms:SmsMessage` are unqualified (`parlayx-spec.md` §1.1).

use serde::Deserialize;

use super::{SMS_NOTIFICATION_NS, SimpleReference, SmsMessage};
use crate::soap::SoapVersion;
use crate::soap::xml::{ResponseWriter, empty_as_none};

/// Local request/response schema of SmsNotificationManager.
pub(crate) const SMS_NOTIFICATION_MANAGER_NS: &str =
    "http://www.csapi.org/schema/parlayx/sms/notification_manager/v2_3/local";

/// `notification_manager_local:startSmsNotification`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StartSmsNotification {
    /// Where notifySmsReception goes, and its correlator.
    pub reference: SimpleReference,
    /// `smsServiceActivationNumber`, `xsd:anyURI`: the short code.
    pub sms_service_activation_number: String,
    /// `criteria`, optional: the keyword.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub criteria: Option<String>,
}

/// `notification_manager_local:stopSmsNotification`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StopSmsNotification {
    /// The correlator startSmsNotification gave.
    pub correlator: String,
}

/// An empty `…Response` of SmsNotificationManager.
#[must_use]
pub(crate) fn manager_response(version: SoapVersion, wrapper: &'static str) -> Vec<u8> {
    ResponseWriter::new(version, SMS_NOTIFICATION_MANAGER_NS, wrapper).finish()
}

/// The `notifySmsReception` request the gateway sends (SOAP 1.1, the Parlay X binding).
#[must_use]
pub(crate) fn notify_sms_reception(correlator: &str, message: &SmsMessage) -> Vec<u8> {
    let mut w = ResponseWriter::new(SoapVersion::V11, SMS_NOTIFICATION_NS, "notifySmsReception");
    w.qualified_text("correlator", correlator);
    w.start_qualified("message");
    w.unqualified_text("message", &message.message);
    w.unqualified_text("senderAddress", &message.sender_address);
    w.unqualified_text("smsServiceActivationNumber", &message.activation_number);
    w.unqualified_text("dateTime", &message.date_time);
    w.end_qualified("message");
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soap::xml::decode;

    #[test]
    fn start_reads_the_reference_and_optional_criteria() {
        let xml = format!(
            "<loc:startSmsNotification xmlns:loc=\"{SMS_NOTIFICATION_MANAGER_NS}\"><loc:reference>\
             <endpoint>http://127.0.0.1/n</endpoint><interfaceName>SmsNotification</interfaceName>\
             <correlator>c1</correlator></loc:reference>\
             <loc:smsServiceActivationNumber>tel:1588</loc:smsServiceActivationNumber></loc:startSmsNotification>"
        );
        let r: StartSmsNotification = decode(xml.as_bytes()).unwrap();
        assert_eq!(r.reference.correlator, "c1");
        assert_eq!(r.sms_service_activation_number, "tel:1588");
        assert_eq!(r.criteria, None);
        let missing = decode::<StartSmsNotification>(b"<startSmsNotification/>").unwrap_err();
        assert_eq!(missing.part, "reference");
    }

    #[test]
    fn the_reception_names_the_message_unqualified() {
        let m = SmsMessage {
            message: "BAL <1>".into(),
            sender_address: "tel:+821012345678".into(),
            activation_number: "tel:1588".into(),
            date_time: "2026-01-01T00:00:00.000Z".into(),
        };
        let text = String::from_utf8(notify_sms_reception("c1", &m)).unwrap();
        assert!(text.contains("notifySmsReception"), "{text}");
        assert!(
            text.contains("<message>BAL &lt;1&gt;</message><senderAddress>tel:+821012345678</senderAddress>"),
            "{text}"
        );
    }
}
