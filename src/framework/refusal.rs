//! How the framework's policy refusals are worded on the wire, shared by every binding so SOAP
//! and REST say the same thing for the same refusal.
//!
//! Owns: the `%1` of POL0001 (ES 202 391-1 §10.2.1 "A policy error occurred. Error code is %1")
//! for a refusal that is about the agreement or the application, and the `Retry-After` rounding.
//! Must not know: any wire format.

use std::time::Duration;

use super::AuthError;
use crate::store::apps::AppStatus;

/// The `%1` of POL0001 for a framework refusal that is a policy decision (operation not granted,
/// application suspended or revoked, agreement not valid now); `None` for anything else.
#[must_use]
pub fn policy_reason(e: &AuthError) -> Option<String> {
    match e {
        AuthError::NotAllowed(op) => Some(format!("{op} is not in the service agreement")),
        AuthError::SourceNotAllowed(peer) => {
            Some(format!("calls from {peer} are not in the service agreement"))
        }
        AuthError::AppInactive(AppStatus::Revoked) => Some("application revoked".to_owned()),
        AuthError::AppInactive(_) => Some("application suspended".to_owned()),
        AuthError::AgreementNotValid => Some("service agreement not valid at this time".to_owned()),
        _ => None,
    }
}

/// Whole seconds, rounded up, at least 1 (RFC 9110 §10.2.3 `Retry-After: delay-seconds`).
#[must_use]
pub fn retry_after_secs(d: Duration) -> u64 {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    secs.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::Operation;

    #[test]
    fn policy_refusals_have_a_reason_and_authentication_failures_none() {
        assert_eq!(
            policy_reason(&AuthError::NotAllowed(Operation::ChargeAmount)).as_deref(),
            Some("AmountCharging.chargeAmount is not in the service agreement")
        );
        assert_eq!(
            policy_reason(&AuthError::AppInactive(AppStatus::Revoked)).as_deref(),
            Some("application revoked")
        );
        assert_eq!(policy_reason(&AuthError::BadCredentials), None);
        assert_eq!(retry_after_secs(Duration::from_millis(2_001)), 3);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
    }
}
