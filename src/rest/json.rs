//! Reading a OneAPI JSON body: media type, size limit, and a decode that names the bad field.
//!
//! Owns: what counts as acceptable JSON here. serde_json alone would take the last of two
//! duplicate keys silently, and recurse up to 128 levels before failing, so a first pass
//! ([`Scan`]) walks the document once, refusing duplicate keys and anything nested deeper than
//! [`MAX_DEPTH`], each named by its field path; the second pass decodes the typed request through
//! `serde_path_to_error`, so an unknown field, a wrong type, a missing member or a number out of
//! range is SVC0002 naming the field too. Must not know: what the request means.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::{DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::error::RestError;
use crate::http::field_path;
use crate::scf::ScfError;

/// Deepest nesting accepted; OneAPI payment bodies need 4 levels.
pub(super) const MAX_DEPTH: usize = 16;

/// Reads and decodes the body of `request` as `T`.
pub(super) async fn body<T: DeserializeOwned>(request: Request) -> Result<T, RestError> {
    // docs/rest.md: a body is `application/json` (parameters such as `charset=utf-8` are ignored,
    // RFC 8259 §11 defines none); no Content-Type, another type or a `+json` suffix is 415.
    if crate::http::media_type(request.headers()) != "application/json" {
        return Err(RestError::UnsupportedMediaType);
    }
    let bytes = Bytes::from_request(request, &())
        .await
        .map_err(|e| rejection(&e))?;
    decode(&bytes)
}

/// Like [`body`], also taking the OneAPI form binding (`application/x-www-form-urlencoded`, its
/// fields placed by `T`'s [`FormShape`](super::form::FormShape)).
pub(super) async fn body_or_form<T: DeserializeOwned + super::form::FormShape>(
    request: Request,
) -> Result<T, RestError> {
    match crate::http::media_type(request.headers()).as_str() {
        "application/json" => body(request).await,
        "application/x-www-form-urlencoded" => {
            let bytes = Bytes::from_request(request, &())
                .await
                .map_err(|e| rejection(&e))?;
            decode(&super::form::to_json::<T>(&bytes)?).map_err(super::form::name_fields::<T>)
        }
        _ => Err(RestError::UnsupportedMediaType),
    }
}

fn rejection(e: &BytesRejection) -> RestError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        RestError::TooLarge
    } else {
        ScfError::invalid("body", e.body_text()).into()
    }
}

/// Decodes `bytes` as `T`; every refusal is SVC0002 naming the field (or `body` when the text is
/// not JSON at all).
pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, RestError> {
    scan(bytes)?;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let decoded: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    let value = decoded.map_err(|e| {
        let mut path = field_path(e.path());
        let inner = e.into_inner();
        let message = inner.to_string();
        // "missing field `x`" is reported at the enclosing object; name the member itself.
        if let Some(name) = message
            .strip_prefix("missing field `")
            .and_then(|m| m.split('`').next())
        {
            path = if path == "." {
                name.to_owned()
            } else {
                format!("{path}.{name}")
            };
        }
        if path == "." || path.is_empty() {
            path = "body".to_owned();
        }
        ScfError::invalid(path, message)
    })?;
    de.end().map_err(|e| ScfError::invalid("body", e))?;
    Ok(value)
}

/// The first pass: duplicate keys and depth, with the path where it went wrong.
fn scan(bytes: &[u8]) -> Result<(), RestError> {
    let found = RefCell::new(None);
    let seed = Scan {
        path: String::new(),
        depth: 0,
        found: &found,
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let scanned = seed.deserialize(&mut de).and_then(|()| de.end());
    match (scanned, found.into_inner()) {
        (_, Some((path, reason))) => Err(ScfError::invalid(path, reason).into()),
        (Err(e), None) => Err(ScfError::invalid("body", format!("not valid JSON: {e}")).into()),
        (Ok(()), None) => Ok(()),
    }
}

/// Walks one JSON value at `path`, `depth` levels down, recording the first problem in `found`.
struct Scan<'f> {
    path: String,
    depth: usize,
    found: &'f RefCell<Option<(String, &'static str)>>,
}

impl Scan<'_> {
    fn child(&self, path: String) -> Self {
        Scan {
            path,
            depth: self.depth + 1,
            found: self.found,
        }
    }

    fn refuse<E: serde::de::Error>(&self, path: String, reason: &'static str) -> E {
        *self.found.borrow_mut() = Some((path, reason));
        E::custom(reason)
    }

    fn named(&self) -> String {
        // Name the deepest object member above an array run: `a.b`, not `a.b[0][0][0]`.
        let path = self.path.split('[').next().unwrap_or("");
        if path.is_empty() {
            "body".to_owned()
        } else {
            path.to_owned()
        }
    }
}

impl<'de> DeserializeSeed<'de> for Scan<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        if self.depth > MAX_DEPTH {
            return Err(self.refuse(self.named(), "nested too deeply"));
        }
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Scan<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        while seq
            .next_element_seed(self.child(format!("{}[{i}]", self.path)))?
            .is_some()
        {
            i += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = if self.path.is_empty() {
                key.clone()
            } else {
                format!("{}.{key}", self.path)
            };
            // With serde_json's arbitrary_precision a number is a one-key map; it has no duplicates.
            if key.starts_with("$serde_json::private") {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            if !seen.insert(key) {
                return Err(self.refuse(path, "duplicate key"));
            }
            map.next_value_seed(self.child(path))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Outer {
        inner: Inner,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Inner {
        amount: rust_decimal::Decimal,
        #[serde(default)]
        list: Vec<String>,
    }

    fn part(text: &str) -> String {
        match decode::<Outer>(text.as_bytes()) {
            Err(RestError::Scf(ScfError::InvalidInput { part, .. })) => part,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_refusal_names_its_field() {
        let ok = decode::<Outer>(br#"{"inner":{"amount":1.5,"list":["a"]}}"#).unwrap();
        assert_eq!(
            (ok.inner.amount.to_string(), ok.inner.list),
            ("1.5".to_owned(), vec!["a".to_owned()])
        );
        assert_eq!(part(r#"{"inner":{"amount":1,"amount":2}}"#), "inner.amount");
        assert_eq!(part(r#"{"inner":{"amount":"x"}}"#), "inner.amount");
        assert_eq!(part(r#"{"inner":{"amount":1,"bogus":1}}"#), "inner.bogus");
        assert_eq!(part(r#"{"inner":{}}"#), "inner.amount");
        assert_eq!(part(r#"{"inner":{"amount":1e400}}"#), "inner.amount");
        let huge = format!(r#"{{"inner":{{"amount":1{}}}}}"#, "0".repeat(60));
        assert_eq!(part(&huge), "inner.amount");
        let deep = format!(r#"{{"inner":{{"list":{}{}}}}}"#, "[".repeat(500), "]".repeat(500));
        assert_eq!(part(&deep), "inner.list");
        assert_eq!(part("{"), "body");
        assert_eq!(part(r#"{"inner":{"amount":1}} trailing"#), "body");
    }
}
