//! Request extractors whose rejections are [`Problem`]s naming the field, instead of axum's
//! plain-text defaults.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::problem::Problem;
use crate::http::{BodyLimit, field_path};

/// A JSON body (`application/json`), decoded with the path of any bad field.
#[derive(Debug)]
pub struct AdminJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for AdminJson<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        if crate::http::media_type(req.headers()) != "application/json" {
            return Err(Problem::unsupported_media_type());
        }
        let limit = BodyLimit::of(req.extensions()).unwrap_or(0);
        let bytes = Bytes::from_request(req, state).await.map_err(|e| match e {
            axum::extract::rejection::BytesRejection::FailedToBufferBody(_) => Problem::too_large(limit),
            other => Problem::malformed(other.body_text()),
        })?;
        decode(&bytes).map(AdminJson)
    }
}

/// Decodes JSON, turning an error into a 400 that names the field.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = field_path(e.path());
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return Problem::malformed(format!("not valid JSON: {inner}"));
        }
        // The path ends at the offending key, unknown keys included ("bogus", "charge.amount").
        Problem::invalid_field(&path, strip_position(&inner.to_string()))
    })
}

/// serde_json appends " at line 1 column 42"; the field name says more.
fn strip_position(message: &str) -> String {
    message.split(" at line ").next().unwrap_or(message).to_owned()
}

/// Query parameters, rejected as a 400 problem.
#[derive(Debug)]
pub struct AdminQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for AdminQuery<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        Query::<T>::try_from_uri(&parts.uri)
            .map(|Query(q)| Self(q))
            .map_err(|e| Problem::invalid_field("query", e.body_text()))
    }
}
