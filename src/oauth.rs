//! The OAuth 2.0 token endpoint, `POST /oauth/token`: the client credentials grant (RFC 6749 §4.4)
//! that gives REST (and SOAP) callers a bearer token in exchange for their application credential.
//!
//! Owns: the wire side only — the form body, client authentication by HTTP Basic (RFC 6749
//! §2.3.1, preferred) or by `client_id`/`client_secret` form fields, the JSON answer (§5.1) and the
//! error answer (§5.2). Checking the credential and issuing the token is
//! [`Framework::issue_token`](crate::framework::Framework::issue_token).
//!
//! Must not know: how tokens are stored or what an application may call.

use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use serde::Deserialize;

use crate::framework::{AuthError, Credentials};
use crate::gateway::Gateway;
use crate::http::form_decode;

/// `POST /oauth/token`.
pub(crate) fn routes() -> Router<Gateway> {
    Router::new().route("/oauth/token", post(token))
}

/// The form fields of a token request (RFC 6749 §4.4.2, §2.3.1). `scope` is accepted and ignored:
/// what a token may do is the application's service agreement.
#[derive(Debug, Deserialize)]
struct TokenForm {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// An RFC 6749 §5.2 error answer.
struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: &'static str,
    /// `WWW-Authenticate: Basic` (the client tried Basic and failed, §5.2).
    challenge: bool,
    retry_after: Option<u64>,
}

impl OAuthError {
    fn new(status: StatusCode, error: &'static str, description: &'static str) -> Self {
        Self {
            status,
            error,
            description,
            challenge: false,
            retry_after: None,
        }
    }

    fn invalid_request(description: &'static str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": self.error, "error_description": self.description});
        let mut response = (self.status, Json(body)).into_response();
        let headers = response.headers_mut();
        no_store(headers);
        if self.challenge {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"pxgate\""),
            );
        }
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// RFC 6749 §5.1: token answers MUST NOT be cached.
fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

/// `POST /oauth/token`
async fn token(
    State(state): State<Gateway>,
    extensions: axum::http::Extensions,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Response {
    let Form(form) = match form {
        Ok(form) => form,
        Err(FormRejection::InvalidFormContentType(_)) => {
            return OAuthError::invalid_request("the body must be application/x-www-form-urlencoded")
                .into_response();
        }
        Err(_) => return OAuthError::invalid_request("the form body could not be read").into_response(),
    };
    let (client_id, client_secret, basic) = match client(&headers, &form) {
        Ok(client) => client,
        Err(e) => return e.into_response(),
    };
    match form.grant_type.as_deref() {
        Some("client_credentials") => {}
        Some(_) => {
            let e = OAuthError::new(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "only the client_credentials grant is supported",
            );
            return e.into_response();
        }
        None => return OAuthError::invalid_request("grant_type is required").into_response(),
    }
    let peer = crate::http::peer_ip(&extensions);
    match state
        .framework()
        .issue_token(&client_id, &client_secret, peer)
        .await
    {
        Ok(issued) => {
            let body = serde_json::json!({
                "access_token": issued.access_token,
                "token_type": "Bearer",
                "expires_in": issued.expires_in,
            });
            let mut response = Json(body).into_response();
            no_store(response.headers_mut());
            response
        }
        Err(e) => refusal(&e, basic).into_response(),
    }
}

/// The client's id and secret, and whether they came by HTTP Basic. RFC 6749 §2.3: one method
/// per request.
fn client(headers: &HeaderMap, form: &TokenForm) -> Result<(String, String, bool), OAuthError> {
    let authorization = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    if let Some(value) = authorization {
        let Credentials::Basic { username, password } = Credentials::from_authorization(value) else {
            let mut e = OAuthError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client authentication must use HTTP Basic",
            );
            e.challenge = true;
            return Err(e);
        };
        if form.client_secret.is_some() {
            return Err(OAuthError::invalid_request(
                "use one client authentication method: HTTP Basic or form fields",
            ));
        }
        // RFC 6749 §2.3.1: the id and secret are form-urlencoded before Basic encoding.
        return Ok((form_decode(&username), form_decode(&password), true));
    }
    match (&form.client_id, &form.client_secret) {
        (Some(id), Some(secret)) => Ok((id.clone(), secret.clone(), false)),
        _ => {
            let mut e = OAuthError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client authentication is required",
            );
            e.challenge = true;
            Err(e)
        }
    }
}

/// A refusal from the framework as RFC 6749 §5.2 error.
fn refusal(e: &AuthError, basic: bool) -> OAuthError {
    match e {
        AuthError::Unavailable => OAuthError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            "the token service is unavailable; retry later",
        ),
        // RFC 6749 has no code for a rate; RFC 6585 §4 has the status.
        AuthError::Throttled { retry_after } => {
            let mut out = OAuthError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "temporarily_unavailable",
                "too many token requests; retry later",
            );
            out.retry_after = Some(retry_after.as_secs().max(1));
            out
        }
        e if e.is_authentication() => {
            let status = if basic {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::BAD_REQUEST
            };
            let mut out = OAuthError::new(status, "invalid_client", "client authentication failed");
            out.challenge = basic;
            if let AuthError::LockedOut { retry_after } = e {
                out.retry_after = Some(retry_after.as_secs().max(1));
            }
            out
        }
        _ => OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            "the application may not obtain tokens now",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(id: Option<&str>, secret: Option<&str>) -> TokenForm {
        TokenForm {
            grant_type: Some("client_credentials".into()),
            client_id: id.map(Into::into),
            client_secret: secret.map(Into::into),
        }
    }

    #[test]
    fn basic_wins_and_is_form_decoded() {
        let mut headers = HeaderMap::new();
        // "shop:a%2Bb" → secret "a+b"
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic c2hvcDphJTJCYg=="),
        );
        let (id, secret, basic) = client(&headers, &form(None, None)).ok().unwrap();
        assert_eq!((id.as_str(), secret.as_str(), basic), ("shop", "a+b", true));
        let twice = client(&headers, &form(None, Some("x"))).err().unwrap();
        assert_eq!(twice.error, "invalid_request");
    }

    #[test]
    fn form_fields_authenticate_without_basic() {
        let headers = HeaderMap::new();
        let (id, _, basic) = client(&headers, &form(Some("shop"), Some("s"))).ok().unwrap();
        assert_eq!((id.as_str(), basic), ("shop", false));
        let missing = client(&headers, &form(Some("shop"), None)).err().unwrap();
        assert_eq!(
            (missing.error, missing.status),
            ("invalid_client", StatusCode::UNAUTHORIZED)
        );
    }

    #[test]
    fn failed_authentication_is_invalid_client() {
        let e = refusal(&AuthError::BadCredentials, true);
        assert_eq!(
            (e.error, e.status, e.challenge),
            ("invalid_client", StatusCode::UNAUTHORIZED, true)
        );
        let e = refusal(&AuthError::BadCredentials, false);
        assert_eq!((e.error, e.status), ("invalid_client", StatusCode::BAD_REQUEST));
    }
}
