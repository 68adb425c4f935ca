//! What the framework's refusals say, decided once for every binding: the class of a refusal
//! (which each binding turns into its status), the Parlay X exception it carries, and how long
//! the caller should wait.
//!
//! Owns: the `%1` of POL0001 (ES 202 391-1 §10.2.1 "A policy error occurred. Error code is %1"),
//! POL1100 for the request rate, SVC0001 when the framework's data cannot be read, and the
//! `Retry-After` rounding. Must not know: any wire format.

use std::time::Duration;

use super::AuthError;
use crate::domain::Exception;
use crate::store::apps::AppStatus;

/// What kind of answer a refusal needs; each binding maps it to its own status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalClass {
    /// The caller did not prove who it is (or is locked out): HTTP 401 with a challenge.
    Unauthenticated,
    /// The agreement or the application's status refuses the call.
    Policy,
    /// The request rate is exceeded.
    Throttled,
    /// The framework's data cannot be read now.
    Unavailable,
}

/// A framework refusal as every binding answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// What kind of answer it needs.
    pub class: RefusalClass,
    /// The exception it carries (a SOAP binding answers `Unauthenticated` with the WS-Security
    /// fault instead).
    pub exception: Exception,
    /// Whole seconds to wait before trying again (RFC 9110 §10.2.3), for a lock-out or the rate.
    pub retry_after: Option<u64>,
}

const POL0001: &str = "A policy error occurred. Error code is %1";

/// How `e` is answered.
#[must_use]
pub fn refusal(e: &AuthError) -> Refusal {
    let policy = |reason: &str| Exception::policy("POL0001", POL0001, vec![reason.to_owned()]);
    let (class, exception, retry_after) = match e {
        AuthError::Missing | AuthError::BadCredentials | AuthError::Stale | AuthError::Replayed => (
            RefusalClass::Unauthenticated,
            policy("authentication failed"),
            None,
        ),
        AuthError::LockedOut { retry_after } => (
            RefusalClass::Unauthenticated,
            policy("authentication failed"),
            Some(retry_after_secs(*retry_after)),
        ),
        AuthError::NotAllowed(op) => (
            RefusalClass::Policy,
            policy(&format!("{op} is not in the service agreement")),
            None,
        ),
        AuthError::SourceNotAllowed(peer) => (
            RefusalClass::Policy,
            policy(&format!("calls from {peer} are not in the service agreement")),
            None,
        ),
        AuthError::AppInactive(AppStatus::Revoked) => {
            (RefusalClass::Policy, policy("application revoked"), None)
        }
        AuthError::AppInactive(_) => (RefusalClass::Policy, policy("application suspended"), None),
        AuthError::AgreementNotValid => (
            RefusalClass::Policy,
            policy("service agreement not valid at this time"),
            None,
        ),
        AuthError::Throttled { retry_after } => {
            let secs = retry_after_secs(*retry_after);
            let text = "Request rate exceeded, retry after %1 seconds";
            let exception = Exception::policy("POL1100", text, vec![secs.to_string()]);
            (RefusalClass::Throttled, exception, Some(secs))
        }
        AuthError::Unavailable => {
            let text = "A service error occurred. Error code is %1";
            let exception = Exception::service("SVC0001", text, vec!["unavailable".to_owned()]);
            (RefusalClass::Unavailable, exception, None)
        }
    };
    Refusal {
        class,
        exception,
        retry_after,
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
    fn each_refusal_has_its_class_exception_and_wait() {
        let r = refusal(&AuthError::NotAllowed(Operation::ChargeAmount));
        assert_eq!((r.class, r.exception.id), (RefusalClass::Policy, "POL0001"));
        assert_eq!(
            r.exception.variables,
            ["AmountCharging.chargeAmount is not in the service agreement"]
        );
        let r = refusal(&AuthError::AppInactive(AppStatus::Revoked));
        assert_eq!(r.exception.variables, ["application revoked"]);
        let r = refusal(&AuthError::BadCredentials);
        assert_eq!((r.class, r.retry_after), (RefusalClass::Unauthenticated, None));
        let r = refusal(&AuthError::LockedOut {
            retry_after: Duration::from_millis(1_500),
        });
        assert_eq!((r.class, r.retry_after), (RefusalClass::Unauthenticated, Some(2)));
        let r = refusal(&AuthError::Throttled {
            retry_after: Duration::from_millis(2_001),
        });
        assert_eq!(
            (r.class, r.exception.id, r.retry_after),
            (RefusalClass::Throttled, "POL1100", Some(3))
        );
        assert_eq!(r.exception.variables, ["3"]);
        let r = refusal(&AuthError::Unavailable);
        assert_eq!((r.class, r.exception.id), (RefusalClass::Unavailable, "SVC0001"));
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(4)), 4);
    }
}
