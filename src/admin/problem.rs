//! RFC 9457 problem details: the one error shape of the admin API.
//!
//! Every admin failure becomes a [`Problem`], rendered as `application/problem+json` with the
//! offending fields listed, so an operator script can tell which input to fix. Mapping from store
//! errors happens here and nowhere else; internal causes are logged once, here.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::store::{Refusal, StoreError};

/// A problem details document (RFC 9457).
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// A URI naming the kind of problem; `about:blank` plus a title when nothing more specific.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// HTTP status, repeated in the body as RFC 9457 §3.1.4 recommends.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// Invalid fields, each with its own message.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One invalid input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// JSON path of the field (`monthly_limit`, `accounts[2].msisdn`) or the query parameter.
    pub field: String,
    /// Why it is invalid.
    pub message: String,
}

impl Problem {
    fn new(status: StatusCode, kind: &str, title: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: format!("https://pxgate.dev/problems/{kind}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    /// 400: one or more fields are invalid.
    pub fn invalid(errors: Vec<FieldError>) -> Self {
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        Self {
            errors,
            ..Self::new(StatusCode::BAD_REQUEST, "invalid-input", "Invalid input", detail)
        }
    }

    /// 400 for a single field.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self::invalid(vec![FieldError {
            field: field.to_owned(),
            message: message.into(),
        }])
    }

    /// 400: the body is not the JSON it should be.
    pub fn malformed(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "malformed-body",
            "Malformed request body",
            detail,
        )
    }

    /// 401 with the challenge.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Unauthorized",
            "a valid operator bearer token is required",
        )
    }

    /// 404.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
    }

    /// 409: the request conflicts with the current state.
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", "Conflict", detail)
    }

    /// 413.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            "Request body too large",
            format!("the body exceeds {limit} bytes"),
        )
    }

    /// 415.
    pub fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            "send the body as application/json",
        )
    }

    /// 503: the database failed; the cause is logged, not shown.
    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Service unavailable",
            "the store is unavailable; nothing was changed, retry later",
        )
    }

    /// Names the field a conflict or refusal is about.
    fn with_field(mut self, field: &str, message: &str) -> Self {
        self.errors.push(FieldError {
            field: field.to_owned(),
            message: message.to_owned(),
        });
        self
    }
}

/// Collects field errors so a request learns about all of them at once.
#[derive(Debug, Default)]
pub struct Fields(Vec<FieldError>);

impl Fields {
    /// Records an invalid field.
    pub fn push(&mut self, field: &str, message: impl std::fmt::Display) {
        self.0.push(FieldError {
            field: field.to_owned(),
            message: message.to_string(),
        });
    }

    /// The value of `result`, or `None` after recording its error against `field`.
    pub fn check<T, E: std::fmt::Display>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        result.map_err(|e| self.push(field, e)).ok()
    }

    /// `Ok` when nothing was recorded, else a 400 listing every field.
    pub fn finish(self) -> Result<(), Problem> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Problem::invalid(self.0))
        }
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound | StoreError::Refused(Refusal::Unregistered) => {
                Self::not_found("no account for this number")
            }
            StoreError::AlreadyExists => Self::conflict("an account for this number already exists")
                .with_field("msisdn", "already exists"),
            StoreError::ReferenceConflict(code) => Self::conflict(format!(
                "reference code {code:?} was already used for a different request"
            ))
            .with_field("reference_code", "already used for a different request"),
            StoreError::InvalidTransition { from, to } => {
                Self::conflict(format!("an account that is {from} cannot become {to}"))
            }
            StoreError::InvalidAppTransition => Self::conflict("a revoked application stays revoked"),
            StoreError::Refused(Refusal::CurrencyMismatch) => {
                Self::invalid_field("currency", "not the account's currency")
            }
            StoreError::Refused(Refusal::BalanceCeiling) => {
                Self::invalid_field("amount", "the balance would exceed its ceiling")
            }
            StoreError::Refused(refusal) => Self::conflict(refusal.to_string()),
            other => {
                tracing::error!(error = %other, "admin request failed in the store");
                Self::unavailable()
            }
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let unauthorized = status == StatusCode::UNAUTHORIZED;
        let mut response = (status, axum::Json(self)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if unauthorized {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"pxgate-admin\""),
            );
        }
        response
    }
}
