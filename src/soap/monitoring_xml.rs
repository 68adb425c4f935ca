//! Payload shapes of the account-monitoring extension (pxgate's own namespace, not Parlay X:
//! ES 202 391-7 has no notification interface), as serde structs, and the writers of its
//! responses and notifications. Documents: `wsdl/pxgate_account_notification_manager_interface_1_0.wsdl`
//! (AccountNotificationManager, offered by the gateway) and
//! `wsdl/pxgate_account_notification_interface_1_0.wsdl` (AccountNotification, implemented by the
//! application). As in Parlay X, request children are in the local namespace (qualified) and the
//! children of the `SimpleReference` are unqualified.
//!
//! Must not know: who may monitor what, the store.

use chrono::SecondsFormat;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::SoapVersion;
use super::sms_xml::SimpleReference;
use super::xml::{ResponseWriter, decimal, empty_response};

/// Local namespace of AccountNotificationManager's requests and responses.
pub(crate) const ACCOUNT_NOTIFICATION_MANAGER_NS: &str =
    "http://pxgate.dev/schema/account_notification/v1/local";

/// Local namespace of the AccountNotification interface (the application's endpoint).
pub(crate) const ACCOUNT_NOTIFICATION_NS: &str =
    "http://pxgate.dev/schema/account_notification/v1/notification/local";

/// `startAccountNotification`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StartAccountNotification {
    /// Where the notifications go, and the correlator they carry.
    pub reference: SimpleReference,
    /// `xsd:anyURI` of the subscriber.
    pub end_user_identifier: String,
    /// `Charged` or `BelowThreshold`.
    pub criteria: String,
    /// `xsd:decimal`, required with `BelowThreshold`.
    #[serde(default, deserialize_with = "decimal::optional")]
    pub threshold: Option<Decimal>,
}

/// `stopAccountNotification`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StopAccountNotification {
    /// The correlator of the startAccountNotification to end.
    pub correlator: String,
}

/// `{operation}Response` without children.
#[must_use]
pub(crate) fn empty(version: SoapVersion, wrapper: &'static str) -> Vec<u8> {
    empty_response(version, ACCOUNT_NOTIFICATION_MANAGER_NS, wrapper)
}

pub(crate) use crate::alerts::Notice;

/// The SOAP writers of the account notifications, handed to the alerts task.
pub(crate) const NOTICE_WRITERS: crate::alerts::NoticeWriters = crate::alerts::NoticeWriters {
    charged: notify_account_charged,
    below_threshold: notify_balance_below_threshold,
};

fn time(at_ms: i64) -> String {
    crate::domain::clock::from_millis(at_ms).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `notifyAccountCharged` (SOAP 1.1): a charge of `amount` was made.
#[must_use]
pub(crate) fn notify_account_charged(n: &Notice<'_>, amount: Decimal) -> Vec<u8> {
    let mut w = ResponseWriter::new(SoapVersion::V11, ACCOUNT_NOTIFICATION_NS, "notifyAccountCharged");
    w.qualified_text("correlator", n.correlator)
        .qualified_text("endUserIdentifier", n.end_user)
        .qualified_text("amount", &amount.to_string())
        .qualified_text("balance", &n.balance.to_string())
        .qualified_text("time", &time(n.at_ms));
    w.finish()
}

/// `notifyBalanceBelowThreshold` (SOAP 1.1): a charge took the balance below `threshold`.
#[must_use]
pub(crate) fn notify_balance_below_threshold(n: &Notice<'_>, threshold: Decimal) -> Vec<u8> {
    let mut w = ResponseWriter::new(
        SoapVersion::V11,
        ACCOUNT_NOTIFICATION_NS,
        "notifyBalanceBelowThreshold",
    );
    w.qualified_text("correlator", n.correlator)
        .qualified_text("endUserIdentifier", n.end_user)
        .qualified_text("balance", &n.balance.to_string())
        .qualified_text("threshold", &threshold.to_string())
        .qualified_text("time", &time(n.at_ms));
    w.finish()
}
