//! The one mapping of refusals and errors to SOAP: [`ScfError`] → Parlay X fault ([`scf_fault`]),
//! [`AuthError`] → HTTP response ([`auth_response`]), and any fault → HTTP response
//! ([`fault_response`]).
//!
//! Owns: which faultcode, HTTP status and headers each refusal travels with. The codes and texts of
//! business refusals are decided once in `scf::error` (shared with the REST binding); the framework's
//! refusals get theirs here. `docs/faults.md` lists every code.
//!
//! Must not know: the store, or how a refusal was reached.
//!
//! HTTP status: WS-I Basic Profile 1.1 R1126 says a fault travels with HTTP 500, so every fault does,
//! except two answers that are not about the message: a failed authentication is 401 (RFC 9110
//! §15.5.2, with `WWW-Authenticate`) and a body over the size limit is 413. An unreachable store
//! (`AuthError::Unavailable`) stays a 500 SVC0001 Server fault rather than 503: Parlay X clients
//! (vumi, JAX-WS) read the fault only from a 500.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::SoapVersion;
use super::fault::{self, Fault, FaultKind, SecurityFault};
use crate::framework::AuthError;
use crate::framework::refusal::{RefusalClass, refusal};
use crate::scf::{Exception, ExceptionKind, ScfError};

/// The fault answering a service capability function's error. `faultcode` is Client exactly when
/// the caller sent something wrong ([`Exception::is_client_error`]); policy refusals and failures are
/// Server. An internal error is logged here, once, and answered SVC0001 without its cause.
#[must_use]
pub(crate) fn scf_fault(e: &ScfError) -> Fault {
    if let ScfError::Internal(cause) = e {
        tracing::error!(error = %cause, "internal error answered with SVC0001");
    }
    exception_fault(&e.exception())
}

/// An [`Exception`] as a fault; the same rule for business and framework refusals.
fn exception_fault(exception: &Exception) -> Fault {
    Fault {
        kind: match exception.kind {
            ExceptionKind::Service => FaultKind::Service,
            ExceptionKind::Policy => FaultKind::Policy,
        },
        message_id: exception.id.to_owned(),
        text: exception.text.to_owned(),
        variables: exception.variables.clone(),
        client: exception.is_client_error(),
    }
}

/// The answer to a call the framework refused: 401 + `wsse:FailedAuthentication` when the caller did
/// not prove who it is (WSS 1.0 §12), otherwise the refusal's Parlay X fault (POL0001, POL1100,
/// SVC0001); `Retry-After` when the refusal says how long to wait.
#[must_use]
pub(crate) fn auth_response(version: SoapVersion, e: &AuthError) -> Response {
    let refusal = refusal(e);
    let mut response = if refusal.class == RefusalClass::Unauthenticated {
        let body = fault::encode_security(version, SecurityFault::FailedAuthentication);
        let mut response = soap_response(version, StatusCode::UNAUTHORIZED, body);
        // RFC 9110 §15.5.2: a 401 names a scheme; WS-Security itself has none, Basic is the other
        // way in.
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"pxgate\""),
        );
        response
    } else {
        fault_response(version, &exception_fault(&refusal.exception))
    };
    if let Some(secs) = refusal.retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, secs.into());
    }
    response
}

/// A Parlay X fault as a response: HTTP 500 (WS-I BP 1.1 R1126) in the request's SOAP version.
#[must_use]
pub(crate) fn fault_response(version: SoapVersion, f: &Fault) -> Response {
    let status = StatusCode::from_u16(fault::http_status(f)).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    soap_response(version, status, fault::encode(version, f))
}

/// A SOAP document of `version` with `status`.
#[must_use]
pub(crate) fn soap_response(
    version: SoapVersion,
    status: StatusCode,
    body: impl Into<axum::body::Body>,
) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(version.content_type()),
        )],
        body.into(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::framework::Operation;
    use crate::store::Refusal;
    use crate::store::apps::AppStatus;

    async fn body_text(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[test]
    fn business_refusals_keep_their_code_and_side() {
        let f = scf_fault(&ScfError::Refused(Refusal::InsufficientBalance));
        assert_eq!(
            (f.kind, f.message_id.as_str(), f.client),
            (FaultKind::Policy, "POL1000", false)
        );
        let f = scf_fault(&ScfError::invalid("endUserIdentifier", "missing"));
        assert_eq!((f.message_id.as_str(), f.client), ("SVC0002", true));
        assert_eq!(f.variables, ["endUserIdentifier"]);
        let f = scf_fault(&ScfError::Internal("disk on fire".into()));
        assert_eq!((f.message_id.as_str(), f.client), ("SVC0001", false));
        assert!(!f.substituted().contains("fire"), "causes stay in the log");
    }

    #[tokio::test]
    async fn authentication_failures_are_401_security_faults() {
        let r = auth_response(
            SoapVersion::V11,
            &AuthError::LockedOut {
                retry_after: Duration::from_millis(1500),
            },
        );
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(r.headers()[header::RETRY_AFTER], "2");
        assert!(r.headers().contains_key(header::WWW_AUTHENTICATE));
        assert!(
            body_text(r)
                .await
                .contains("<faultcode>wsse:FailedAuthentication</faultcode>")
        );
        let r = auth_response(SoapVersion::V12, &AuthError::BadCredentials);
        assert_eq!(r.headers()[header::CONTENT_TYPE], SoapVersion::V12.content_type());
    }

    #[tokio::test]
    async fn framework_refusals_are_policy_faults() {
        let r = auth_response(SoapVersion::V11, &AuthError::NotAllowed(Operation::ChargeAmount));
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let text = body_text(r).await;
        assert!(text.contains("<messageId>POL0001</messageId>"), "{text}");
        assert!(
            text.contains(
                "<variables>AmountCharging.chargeAmount is not in the service agreement</variables>"
            )
        );
        let r = auth_response(SoapVersion::V11, &AuthError::AppInactive(AppStatus::Revoked));
        assert!(
            body_text(r)
                .await
                .contains("<variables>application revoked</variables>")
        );
        let r = auth_response(
            SoapVersion::V11,
            &AuthError::Throttled {
                retry_after: Duration::from_millis(300),
            },
        );
        assert_eq!(r.headers()[header::RETRY_AFTER], "1");
        let text = body_text(r).await;
        assert!(text.contains("<messageId>POL1100</messageId>") && text.contains("<variables>1</variables>"));
        let r = auth_response(SoapVersion::V11, &AuthError::Unavailable);
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(
            body_text(r)
                .await
                .contains("<faultcode>soapenv:Server</faultcode>")
        );
    }
}
