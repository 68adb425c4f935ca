//! Why the framework refuses a call: one [`AuthError`] per reason, each mapped to one answer per
//! binding through `framework::refusal`.

use std::net::IpAddr;
use std::time::Duration;

use super::Operation;
use crate::store::apps::AppStatus;

/// Why a call is refused. Each variant maps to one wire answer per binding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No credentials were presented.
    #[error("no credentials")]
    Missing,
    /// Unknown user, wrong password, revoked credential or unknown/expired token. One variant on
    /// purpose: the answer must not tell which.
    #[error("invalid credentials")]
    BadCredentials,
    /// A WS-Security `Created` outside the allowed window.
    #[error("stale or incomplete WS-Security timestamp")]
    Stale,
    /// A WS-Security nonce used before within the window.
    #[error("replayed WS-Security nonce")]
    Replayed,
    /// Too many failed attempts from this address, or for this username from this address.
    #[error("too many failed authentications; retry after {} s", .retry_after.as_secs().max(1))]
    LockedOut {
        /// When the lock-out ends.
        retry_after: Duration,
    },
    /// The application is suspended or revoked.
    #[error("application {0}")]
    AppInactive(AppStatus),
    /// The agreement is not valid at this time (or could not be read).
    #[error("service agreement not valid now")]
    AgreementNotValid,
    /// The operation is not granted by the agreement.
    #[error("{0} is not in the service agreement")]
    NotAllowed(Operation),
    /// The call came from outside the agreement's `source_networks`.
    #[error("calls from {0} are not in the service agreement")]
    SourceNotAllowed(IpAddr),
    /// The application's request rate for this operation (or for access tokens) is used up.
    #[error("request rate exceeded; retry after {} ms", .retry_after.as_millis())]
    Throttled {
        /// When the next request would pass.
        retry_after: Duration,
    },
    /// The store could not be read.
    #[error("framework data unavailable")]
    Unavailable,
}

impl AuthError {
    /// The usage-record outcome for this refusal.
    pub fn outcome(&self) -> &'static str {
        match self {
            Self::Missing => "auth_missing",
            Self::BadCredentials => "auth_failed",
            Self::Stale => "auth_stale",
            Self::Replayed => "auth_replayed",
            Self::LockedOut { .. } => "auth_locked_out",
            Self::AppInactive(AppStatus::Revoked) => "app_revoked",
            Self::AppInactive(_) => "app_suspended",
            Self::AgreementNotValid => "agreement_not_valid",
            Self::NotAllowed(_) => "not_allowed",
            Self::SourceNotAllowed(_) => "source_not_allowed",
            Self::Throttled { .. } => "throttled",
            Self::Unavailable => "unavailable",
        }
    }

    /// Whether the caller failed to prove who it is (HTTP 401), as opposed to being refused.
    pub fn is_authentication(&self) -> bool {
        matches!(
            self,
            Self::Missing | Self::BadCredentials | Self::Stale | Self::Replayed | Self::LockedOut { .. }
        )
    }
}
