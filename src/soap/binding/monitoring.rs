//! The AccountNotificationManager operations over SOAP (pxgate's account-monitoring extension,
//! `wsdl/pxgate_account_notification_manager_interface_1_0.wsdl`): one function per operation,
//! each decoding its `monitoring_xml` request, calling the `scf::monitoring` function of the same
//! name, and writing the response.
//!
//! Must not know: authentication, faults, the store. Errors go back as [`Failure`].

use super::payment::{Failure, Reply};
use crate::framework::{Operation, Permit, Service};
use crate::scf::monitoring::{Criteria, StartAccountNotification};
use crate::scf::{Scf, ScfError};
use crate::soap::SoapVersion;
use crate::soap::monitoring_xml::{self as mx, ACCOUNT_NOTIFICATION_MANAGER_NS};
use crate::soap::xml::{InvalidPart, decode};

/// The AccountNotificationManager endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Endpoint;

impl Endpoint {
    /// The published path (ETSI default style `/{Service}/services/{Port}`).
    pub(super) const PATH: &'static str =
        "/AccountNotificationManagerService/services/AccountNotificationManager";

    /// The endpoint at `path`, if it is AccountNotificationManager.
    pub(super) fn for_path(path: &str) -> Option<Self> {
        (path == Self::PATH).then_some(Self)
    }

    /// The service, for operation lookup.
    pub(super) fn service(self) -> Service {
        Service::AccountNotificationManager
    }

    /// The local namespace its operation elements must be in.
    pub(super) fn namespace(self) -> &'static str {
        ACCOUNT_NOTIFICATION_MANAGER_NS
    }
}

type Answer = Result<Reply, Failure>;

/// Runs the permitted operation on `payload` (the operation element).
pub(super) async fn call(scf: &Scf, p: &Permit, v: SoapVersion, payload: &[u8]) -> Answer {
    match p.operation() {
        Operation::StartAccountNotification => start_account_notification(scf, p, v, payload).await,
        Operation::StopAccountNotification => stop_account_notification(scf, p, v, payload).await,
        other => Err(ScfError::Internal(format!(
            "{other} is not served by the AccountNotificationManager endpoint"
        ))
        .into()),
    }
}

/// AccountNotificationManager.startAccountNotification
async fn start_account_notification(scf: &Scf, p: &Permit, v: SoapVersion, payload: &[u8]) -> Answer {
    let r = decode::<mx::StartAccountNotification>(payload)?;
    let criteria = match (r.criteria.trim(), r.threshold) {
        ("Charged", _) => Criteria::Charged,
        ("BelowThreshold", Some(amount)) => Criteria::BelowThreshold(amount),
        ("BelowThreshold", None) => return Err(invalid("threshold", "required with BelowThreshold")),
        _ => return Err(invalid("criteria", "Charged or BelowThreshold")),
    };
    let request = StartAccountNotification {
        endpoint: r.reference.endpoint,
        interface_name: r.reference.interface_name,
        correlator: r.reference.correlator,
        end_user: r.end_user_identifier,
        criteria,
    };
    scf.start_account_notification(p, &request).await?;
    Ok(reply(mx::empty(v, "startAccountNotificationResponse")))
}

/// AccountNotificationManager.stopAccountNotification
async fn stop_account_notification(scf: &Scf, p: &Permit, v: SoapVersion, payload: &[u8]) -> Answer {
    let r = decode::<mx::StopAccountNotification>(payload)?;
    scf.stop_account_notification(p, &r.correlator).await?;
    Ok(reply(mx::empty(v, "stopAccountNotificationResponse")))
}

fn reply(body: Vec<u8>) -> Reply {
    Reply::plain(body)
}

fn invalid(part: &str, reason: &str) -> Failure {
    Failure::Invalid(InvalidPart {
        part: part.to_owned(),
        reason: reason.to_owned(),
    })
}
