//! The WSDL 1.1 and XSD documents the gateway publishes, embedded in the binary.
//!
//! Owns: the list of documents, their names, and rewriting their addresses for the host a client used.
//!
//! Must not know: HTTP routing. The server mounts them under this URL scheme:
//! - `GET /wsdl/{name}` for `*.wsdl` and `GET /schemas/{name}` for `*.xsd`, `{name}` as in [`names`];
//! - `GET {service path}?wsdl` for the service WSDL of an endpoint ([`service_document`]).
//!
//! The documents follow the standard split (ES 202 391-1 §12.1): per interface an `…_interface_2_1.wsdl`
//! (local schema, messages, port type) and an `…_service_2_1.wsdl` (SOAP 1.1 document/literal binding
//! and `soap:address`), plus the shared faults WSDL and the two types schemas. File names, target
//! namespaces, element names, types and occurrences are those of the standard, so stubs generated from
//! the ETSI documents and from ours are interchangeable (checked by the tests in `wsdl/tests.rs`).
//!
//! References between documents are root-relative (`/wsdl/…`, `/schemas/…`) so they resolve both from
//! `/wsdl/{name}` and from `{service path}?wsdl`; [`with_address`] makes them absolute, together with the
//! `soap:address`, for the host the request came to.

#[cfg(test)]
mod tests;

/// The origin written in the stored documents' `soap:address`, replaced by [`with_address`]
/// (the ETSI default-address style, on pxgate's default port).
pub(crate) const DEFAULT_ORIGIN: &str = "http://localhost:8080";

/// Every published document: (file name, content).
const DOCUMENTS: &[(&str, &str)] = &[
    (
        "parlayx_common_types_2_1.xsd",
        include_str!("../../schemas/parlayx_common_types_2_1.xsd"),
    ),
    (
        "parlayx_payment_types_2_1.xsd",
        include_str!("../../schemas/parlayx_payment_types_2_1.xsd"),
    ),
    (
        "parlayx_sms_types_2_2.xsd",
        include_str!("../../schemas/parlayx_sms_types_2_2.xsd"),
    ),
    (
        "parlayx_sms_send_interface_2_2.wsdl",
        include_str!("../../wsdl/parlayx_sms_send_interface_2_2.wsdl"),
    ),
    (
        "parlayx_sms_send_service_2_2.wsdl",
        include_str!("../../wsdl/parlayx_sms_send_service_2_2.wsdl"),
    ),
    (
        "parlayx_account_management_types_2_2.xsd",
        include_str!("../../schemas/parlayx_account_management_types_2_2.xsd"),
    ),
    (
        "parlayx_account_management_interface_2_2.wsdl",
        include_str!("../../wsdl/parlayx_account_management_interface_2_2.wsdl"),
    ),
    (
        "parlayx_account_management_service_2_2.wsdl",
        include_str!("../../wsdl/parlayx_account_management_service_2_2.wsdl"),
    ),
    (
        "parlayx_sms_receive_interface_2_2.wsdl",
        include_str!("../../wsdl/parlayx_sms_receive_interface_2_2.wsdl"),
    ),
    (
        "parlayx_sms_receive_service_2_2.wsdl",
        include_str!("../../wsdl/parlayx_sms_receive_service_2_2.wsdl"),
    ),
    (
        "parlayx_sms_notification_manager_interface_2_3.wsdl",
        include_str!("../../wsdl/parlayx_sms_notification_manager_interface_2_3.wsdl"),
    ),
    (
        "parlayx_sms_notification_manager_service_2_3.wsdl",
        include_str!("../../wsdl/parlayx_sms_notification_manager_service_2_3.wsdl"),
    ),
    (
        "parlayx_common_faults_2_0.wsdl",
        include_str!("../../wsdl/parlayx_common_faults_2_0.wsdl"),
    ),
    (
        "pxgate_account_notification_manager_interface_1_0.wsdl",
        include_str!("../../wsdl/pxgate_account_notification_manager_interface_1_0.wsdl"),
    ),
    (
        "pxgate_account_notification_manager_service_1_0.wsdl",
        include_str!("../../wsdl/pxgate_account_notification_manager_service_1_0.wsdl"),
    ),
    (
        "pxgate_account_notification_interface_1_0.wsdl",
        include_str!("../../wsdl/pxgate_account_notification_interface_1_0.wsdl"),
    ),
    (
        "parlayx_payment_amount_charging_interface_2_1.wsdl",
        include_str!("../../wsdl/parlayx_payment_amount_charging_interface_2_1.wsdl"),
    ),
    (
        "parlayx_payment_amount_charging_service_2_1.wsdl",
        include_str!("../../wsdl/parlayx_payment_amount_charging_service_2_1.wsdl"),
    ),
    (
        "parlayx_payment_volume_charging_interface_2_1.wsdl",
        include_str!("../../wsdl/parlayx_payment_volume_charging_interface_2_1.wsdl"),
    ),
    (
        "parlayx_payment_volume_charging_service_2_1.wsdl",
        include_str!("../../wsdl/parlayx_payment_volume_charging_service_2_1.wsdl"),
    ),
    (
        "parlayx_payment_reserve_amount_charging_interface_2_1.wsdl",
        include_str!("../../wsdl/parlayx_payment_reserve_amount_charging_interface_2_1.wsdl"),
    ),
    (
        "parlayx_payment_reserve_amount_charging_service_2_1.wsdl",
        include_str!("../../wsdl/parlayx_payment_reserve_amount_charging_service_2_1.wsdl"),
    ),
    (
        "parlayx_payment_reserve_volume_charging_interface_2_1.wsdl",
        include_str!("../../wsdl/parlayx_payment_reserve_volume_charging_interface_2_1.wsdl"),
    ),
    (
        "parlayx_payment_reserve_volume_charging_service_2_1.wsdl",
        include_str!("../../wsdl/parlayx_payment_reserve_volume_charging_service_2_1.wsdl"),
    ),
];

/// Endpoint paths (ETSI default `/{Service}/services/{Port}`) and the service WSDL describing each.
const SERVICES: &[(&str, &str)] = &[
    (
        "/AmountChargingService/services/AmountCharging",
        "parlayx_payment_amount_charging_service_2_1.wsdl",
    ),
    (
        "/VolumeChargingService/services/VolumeCharging",
        "parlayx_payment_volume_charging_service_2_1.wsdl",
    ),
    (
        "/ReserveAmountChargingService/services/ReserveAmountCharging",
        "parlayx_payment_reserve_amount_charging_service_2_1.wsdl",
    ),
    (
        "/ReserveVolumeChargingService/services/ReserveVolumeCharging",
        "parlayx_payment_reserve_volume_charging_service_2_1.wsdl",
    ),
];

/// The SMS endpoint paths and their service WSDLs (served by `soap::binding::sms`).
const SMS_SERVICES: &[(&str, &str)] = &[
    (
        "/SendSmsService/services/SendSms",
        "parlayx_sms_send_service_2_2.wsdl",
    ),
    (
        "/ReceiveSmsService/services/ReceiveSms",
        "parlayx_sms_receive_service_2_2.wsdl",
    ),
    (
        "/SmsNotificationManagerService/services/SmsNotificationManager",
        "parlayx_sms_notification_manager_service_2_3.wsdl",
    ),
];

/// The Account Management endpoint path and its service WSDL (served by `soap::binding::account`).
const ACCOUNT_SERVICES: &[(&str, &str)] = &[(
    "/AccountManagementService/services/AccountManagement",
    "parlayx_account_management_service_2_2.wsdl",
)];

/// The account-monitoring extension's endpoint path and its service WSDL (served by
/// `soap::binding::monitoring`).
const MONITORING_SERVICES: &[(&str, &str)] = &[(
    "/AccountNotificationManagerService/services/AccountNotificationManager",
    "pxgate_account_notification_manager_service_1_0.wsdl",
)];

/// The document called `name` (a file name from [`names`]), as stored.
#[must_use]
pub(crate) fn document(name: &str) -> Option<&'static str> {
    DOCUMENTS.iter().find(|(n, _)| *n == name).map(|(_, text)| *text)
}

/// Names of every published document.
#[cfg(test)]
fn names() -> impl Iterator<Item = &'static str> {
    DOCUMENTS.iter().map(|(name, _)| *name)
}

/// The endpoint paths of the Payment services, for mounting the SOAP handlers.
pub(crate) fn service_paths() -> impl Iterator<Item = &'static str> {
    SERVICES.iter().map(|(path, _)| *path)
}

/// The endpoint paths of the SMS services.
pub(crate) fn sms_service_paths() -> impl Iterator<Item = &'static str> {
    SMS_SERVICES.iter().map(|(path, _)| *path)
}

/// The endpoint paths of Account Management.
pub(crate) fn account_service_paths() -> impl Iterator<Item = &'static str> {
    ACCOUNT_SERVICES.iter().map(|(path, _)| *path)
}

/// The endpoint paths of the account-monitoring extension.
pub(crate) fn monitoring_service_paths() -> impl Iterator<Item = &'static str> {
    MONITORING_SERVICES.iter().map(|(path, _)| *path)
}

/// The service WSDL answering `GET {path}?wsdl`, with its name.
#[must_use]
pub(crate) fn service_document(path: &str) -> Option<(&'static str, &'static str)> {
    let name = SERVICES
        .iter()
        .chain(SMS_SERVICES)
        .chain(ACCOUNT_SERVICES)
        .chain(MONITORING_SERVICES)
        .find(|(p, _)| *p == path)?
        .1;
    Some((name, document(name)?))
}

/// `Content-Type` for WSDL and XSD documents.
pub(crate) const CONTENT_TYPE: &str = "text/xml; charset=utf-8";

/// Rewrite a stored document for the origin `base_url` (`http://gw.example:8080`, no path): every
/// `location`/`schemaLocation` that is root-relative (`/wsdl/…`) or on [`DEFAULT_ORIGIN`] gets
/// `base_url` as its origin, keeping its path. Other attribute values are left alone.
#[must_use]
pub(crate) fn with_address(wsdl: &str, base_url: &str) -> String {
    let base = base_url.trim_end_matches('/');
    let mut out = String::with_capacity(wsdl.len() + 16 * base.len());
    let mut rest = wsdl;
    while let Some(at) = next_location(rest) {
        let (head, value_and_tail) = rest.split_at(at);
        out.push_str(head);
        let end = value_and_tail.find('"').unwrap_or(value_and_tail.len());
        let (value, tail) = value_and_tail.split_at(end);
        if let Some(path) = value
            .strip_prefix(DEFAULT_ORIGIN)
            .filter(|p| p.is_empty() || p.starts_with('/'))
        {
            out.push_str(base);
            out.push_str(path);
        } else if value.starts_with('/') && !value.starts_with("//") {
            out.push_str(base);
            out.push_str(value);
        } else {
            out.push_str(value);
        }
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// Byte offset of the value of the next `location="` or `schemaLocation="` attribute in `text`.
fn next_location(text: &str) -> Option<usize> {
    const KEYS: [&str; 2] = [" location=\"", "schemaLocation=\""];
    KEYS.iter()
        .filter_map(|k| text.find(k).map(|i| i + k.len()))
        .min()
}
