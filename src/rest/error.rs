//! The one mapping of refusals and errors to OneAPI: [`RestError`] (an [`ScfError`], an
//! [`AuthError`] or a wire-level refusal) → `{"requestError": {…}}` + HTTP status + headers, in
//! [`error_response`].
//!
//! Owns: which status and headers each refusal travels with (parlayx-spec §5.4: SVC → 400, SVC0005
//! → 409, POL → 403, authentication → 401, unknown resource → 404, wrong method → 405). The codes
//! and texts of business refusals are decided once in `scf::error`, shared with SOAP; the
//! framework's policy texts come from `framework::refusal`, also shared. `docs/rest.md` lists the
//! choices made where §5.4 is silent.
//!
//! Must not know: the store, or how a refusal was reached.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::framework::AuthError;
use crate::framework::refusal::{RefusalClass, refusal};
use crate::scf::{Exception, ExceptionKind, ScfError};

/// Why a REST call was not served.
#[derive(Debug)]
pub(crate) enum RestError {
    /// A service capability function refused or failed; also every invalid input (SVC0002).
    Scf(ScfError),
    /// The framework refused the caller.
    Auth(AuthError),
    /// No resource at this URL (404).
    NotFound,
    /// The resource exists but not with this method (405).
    MethodNotAllowed,
    /// The body is over the configured limit (413).
    TooLarge,
    /// The body is not `application/json` (415).
    UnsupportedMediaType,
}

impl From<ScfError> for RestError {
    fn from(e: ScfError) -> Self {
        Self::Scf(e)
    }
}

impl From<AuthError> for RestError {
    fn from(e: AuthError) -> Self {
        Self::Auth(e)
    }
}

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        error_response(&self)
    }
}

/// `{"requestError": {"serviceException" | "policyException": {…}}}` (parlayx-spec §5.4).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RequestError {
    /// The error, in the member named after its kind.
    pub request_error: ExceptionBody,
}

/// The one exception of a [`RequestError`]; exactly one member is present.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExceptionBody {
    /// A service exception (SVC…): the request cannot be processed as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_exception: Option<ExceptionDetail>,
    /// A policy exception (POL…): valid, but a policy refuses it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_exception: Option<ExceptionDetail>,
}

/// `messageId`, `text` with its `%N` placeholders filled in, and the `variables` that fill them.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExceptionDetail {
    /// `SVC0002`, `POL1000`, …
    pub message_id: String,
    /// The catalogue text with its `%N` placeholders replaced by the variables, so a person
    /// reading the body (or a log of it) sees the reason.
    pub text: String,
    /// Values for the placeholders, in order.
    pub variables: Vec<String>,
}

/// The response for any error of the REST binding. Internal errors are logged here, once.
#[must_use]
pub(crate) fn error_response(e: &RestError) -> Response {
    let (exception, status) = match e {
        RestError::Scf(e) => {
            if let ScfError::Internal(cause) = e {
                tracing::error!(error = %cause, "internal error answered with SVC0001");
            }
            let exception = e.exception();
            let status = exception_status(&exception);
            (exception, status)
        }
        RestError::Auth(e) => return auth_response(e),
        RestError::NotFound => (invalid("resourceURL"), StatusCode::NOT_FOUND),
        RestError::MethodNotAllowed => (invalid("method"), StatusCode::METHOD_NOT_ALLOWED),
        RestError::TooLarge => (invalid("body"), StatusCode::PAYLOAD_TOO_LARGE),
        // OneAPI common POL0011 "Media type not supported" (parlayx-spec §1.4, later additions).
        RestError::UnsupportedMediaType => (
            policy("POL0011", "Media type not supported", vec![]),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
    };
    json(status, &exception)
}

/// parlayx-spec §5.4: SVC → 400 except SVC0005 → 409, SVC1000 ("no resources") → 503 and SVC0001
/// (a failure of ours, not the caller's) → 500; POL → 403, except POL1100 (rate) → 429 and
/// POL1024 (a campaign's state does not allow the change) → 409.
fn exception_status(e: &Exception) -> StatusCode {
    match (e.kind, e.id) {
        (ExceptionKind::Service, "SVC0001") => StatusCode::INTERNAL_SERVER_ERROR,
        (ExceptionKind::Service, "SVC0005") => StatusCode::CONFLICT,
        (ExceptionKind::Service, "SVC1000") => StatusCode::SERVICE_UNAVAILABLE,
        (ExceptionKind::Service, _) => StatusCode::BAD_REQUEST,
        (ExceptionKind::Policy, "POL1100") => StatusCode::TOO_MANY_REQUESTS,
        (ExceptionKind::Policy, "POL1024") => StatusCode::CONFLICT,
        (ExceptionKind::Policy, _) => StatusCode::FORBIDDEN,
    }
}

/// The framework's refusals: 401 for "who are you?", 403 POL0001 for the agreement, 429 for the
/// rate, 503 when its data cannot be read.
fn auth_response(e: &AuthError) -> Response {
    let refusal = refusal(e);
    let status = match refusal.class {
        RefusalClass::Unauthenticated => StatusCode::UNAUTHORIZED,
        RefusalClass::Policy => StatusCode::FORBIDDEN,
        RefusalClass::Throttled => StatusCode::TOO_MANY_REQUESTS,
        // Temporary, not the caller's fault.
        RefusalClass::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    };
    let mut response = json(status, &refusal.exception);
    let headers = response.headers_mut();
    if refusal.class == RefusalClass::Unauthenticated {
        // RFC 9110 §11.6.1: one challenge per scheme accepted; RFC 6750 §3 for Bearer.
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"pxgate\", Bearer realm=\"pxgate\""),
        );
    }
    if let Some(secs) = refusal.retry_after {
        headers.insert(header::RETRY_AFTER, secs.into());
    }
    response
}

/// ES 202 391-1 §10.1.2 SVC0002 "Invalid input value for message part %1".
fn invalid(part: &str) -> Exception {
    Exception {
        kind: ExceptionKind::Service,
        id: "SVC0002",
        text: "Invalid input value for message part %1",
        variables: vec![part.to_owned()],
    }
}

fn policy(id: &'static str, text: &'static str, variables: Vec<String>) -> Exception {
    Exception {
        kind: ExceptionKind::Policy,
        id,
        text,
        variables,
    }
}

fn json(status: StatusCode, e: &Exception) -> Response {
    let detail = ExceptionDetail {
        message_id: e.id.to_owned(),
        text: e.message(),
        variables: e.variables.clone(),
    };
    let body = match e.kind {
        ExceptionKind::Service => ExceptionBody {
            service_exception: Some(detail),
            policy_exception: None,
        },
        ExceptionKind::Policy => ExceptionBody {
            service_exception: None,
            policy_exception: Some(detail),
        },
    };
    (status, Json(RequestError { request_error: body })).into_response()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::framework::Operation;
    use crate::store::Refusal;

    async fn body(response: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn business_refusals_are_403_and_bad_input_400() {
        let r = error_response(&RestError::Scf(ScfError::Refused(Refusal::InsufficientBalance)));
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let b = body(r).await;
        assert_eq!(b["requestError"]["policyException"]["messageId"], "POL1000");
        let r = error_response(&ScfError::invalid("amountTransaction.referenceCode", "x").into());
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let b = body(r).await;
        assert_eq!(
            b["requestError"]["serviceException"]["variables"][0],
            "amountTransaction.referenceCode"
        );
        assert_eq!(
            b["requestError"]["serviceException"]["text"],
            "Invalid input value for message part amountTransaction.referenceCode",
            "the text is filled in; the variables stay"
        );
        let r = error_response(&ScfError::Internal("disk on fire".into()).into());
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!body(r).await.to_string().contains("fire"));
    }

    #[tokio::test]
    async fn framework_refusals_have_their_statuses_and_headers() {
        let r = error_response(
            &AuthError::LockedOut {
                retry_after: Duration::from_millis(1500),
            }
            .into(),
        );
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(r.headers()[header::RETRY_AFTER], "2");
        assert!(
            r.headers()[header::WWW_AUTHENTICATE]
                .to_str()
                .unwrap()
                .contains("Bearer")
        );
        let r = error_response(&AuthError::NotAllowed(Operation::ChargeAmount).into());
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let b = body(r).await;
        assert_eq!(
            b["requestError"]["policyException"]["variables"][0],
            "AmountCharging.chargeAmount is not in the service agreement"
        );
        let r = error_response(
            &AuthError::Throttled {
                retry_after: Duration::from_millis(300),
            }
            .into(),
        );
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()[header::RETRY_AFTER], "1");
        assert_eq!(
            body(r).await["requestError"]["policyException"]["messageId"],
            "POL1100"
        );
    }
}
