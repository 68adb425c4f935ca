//! The admin API, called in-process for the signed-in operator: the same router, handlers,
//! validation and records as `/admin/v1`, without the bearer token (the session stands for it).

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tower::ServiceExt;

use crate::admin::{AdminState, Operator};

/// Largest answer read back from a handler (a page of 500 accounts is far below it).
const MAX_ANSWER: usize = 16 * 1024 * 1024;

/// The admin API's routes with their state.
#[derive(Clone)]
pub(super) struct Api(Router);

/// A refusal of the admin API: its status, its detail and the fields it names.
#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct Refused {
    /// The HTTP status the API answered.
    #[serde(default)]
    pub(super) status: u16,
    /// The problem's detail.
    #[serde(default)]
    pub(super) detail: String,
    /// The invalid fields.
    #[serde(default)]
    pub(super) errors: Vec<FieldError>,
}

/// One field the API refused, as the problem document names it.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct FieldError {
    pub(super) field: String,
    pub(super) message: String,
}

impl Refused {
    /// The message for `field`, if the API named it.
    pub(super) fn field(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// The API answered 404.
    pub(super) fn is_not_found(&self) -> bool {
        self.status == StatusCode::NOT_FOUND.as_u16()
    }

    fn internal(detail: &str) -> Self {
        Self {
            status: 500,
            detail: detail.to_owned(),
            errors: Vec::new(),
        }
    }
}

impl Api {
    pub(super) fn new(admin: AdminState) -> Self {
        Self(crate::admin::api().with_state(admin))
    }

    /// `GET path` (under `/admin/v1`), decoded as `T`.
    pub(super) async fn get<T: DeserializeOwned>(
        &self,
        operator: &Operator,
        path: &str,
    ) -> Result<T, Refused> {
        self.call(operator, Method::GET, path, None).await
    }

    /// `POST path` without a body (the status changes), decoded as `T`.
    pub(super) async fn post<T: DeserializeOwned>(
        &self,
        operator: &Operator,
        path: &str,
    ) -> Result<T, Refused> {
        self.call(operator, Method::POST, path, None).await
    }

    /// `method path` with a JSON body, decoded as `T`.
    pub(super) async fn send<T: DeserializeOwned>(
        &self,
        operator: &Operator,
        method: Method,
        path: &str,
        body: Value,
    ) -> Result<T, Refused> {
        self.call(operator, method, path, Some(body)).await
    }

    async fn call<T: DeserializeOwned>(
        &self,
        operator: &Operator,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<T, Refused> {
        let mut request = Request::builder().method(method).uri(path);
        let body = match body {
            Some(json) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        let mut request = request
            .body(body)
            .map_err(|_| Refused::internal("the request could not be built"))?;
        request.extensions_mut().insert(operator.clone());
        let Ok(response) = self.0.clone().oneshot(request).await;
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), MAX_ANSWER)
            .await
            .map_err(|_| Refused::internal("the answer could not be read"))?;
        if status.is_success() {
            // An answer without a body (204) reads as JSON null.
            let bytes = if bytes.is_empty() {
                &b"null"[..]
            } else {
                &bytes[..]
            };
            return serde_json::from_slice(bytes).map_err(|e| {
                tracing::error!(error = %e, "the console could not read an admin answer");
                Refused::internal("the answer was not understood")
            });
        }
        let mut refused: Refused = serde_json::from_slice(&bytes).unwrap_or_default();
        refused.status = status.as_u16();
        Err(refused)
    }
}
