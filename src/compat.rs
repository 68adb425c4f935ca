//! The HTTP APIs of other SMS gateways, so that an application written for one of them moves to
//! pxgate by changing the host: Kannel's `sendsms` ([`kannel`]) and Jasmin's `/send` ([`jasmin`]).
//! Like the Parlay X and OneAPI bindings, every call is authorized by the framework (credentials,
//! agreement, senders, throttle) and sends through `scf::sms`, so the outbox, receipts and limits
//! are the same; the delivery reports are written here for the notices task (`app::notices`).
//! Must not know: the store, SMPP.

pub(crate) mod jasmin;
pub(crate) mod kannel;

use axum::body::Bytes;
use axum::extract::{FromRequest as _, Request};
use axum::http::{Method, StatusCode};

use crate::gateway::Served;

/// A refusal as the emulated gateway words it: the HTTP status, the text, and the outcome the
/// usage records count.
#[derive(Debug)]
pub(crate) struct Refused {
    pub(crate) status: StatusCode,
    pub(crate) text: String,
    pub(crate) outcome: &'static str,
}

impl Refused {
    /// An argument refused: 400, counted as SVC0002.
    pub(crate) fn bad(text: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            text: text.into(),
            outcome: "SVC0002",
        }
    }
}

/// What a permitted call answered, `T` or a refusal; counted once by `Gateway::serve`.
pub(crate) struct Answer<T>(pub(crate) Result<T, Refused>);

impl<T> Served for Answer<T> {
    fn usage(&self) -> (&str, Option<(i64, &'static str)>) {
        match &self.0 {
            Ok(_) => ("ok", None),
            Err(refused) => (refused.outcome, None),
        }
    }
}

/// A request's fields, from the query and, for a `POST`, the body: names and the octets of their
/// values (a text field is read in its charset, the rest as UTF-8).
#[derive(Debug, Default)]
pub(crate) struct Fields(pub(crate) Vec<(String, Vec<u8>)>);

/// Why a request's fields could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unreadable {
    /// A `POST` body of another media type.
    MediaType,
    /// A body over the configured limit.
    TooLarge,
    /// A JSON body that is not an object of strings and numbers.
    Json,
}

impl Fields {
    /// The first non-empty value of any of `names`, as UTF-8 (invalid octets replaced).
    pub(crate) fn get(&self, names: &[&str]) -> Option<String> {
        self.raw(names).map(|v| String::from_utf8_lossy(v).into_owned())
    }

    /// The octets of the first non-empty value of any of `names`.
    pub(crate) fn raw(&self, names: &[&str]) -> Option<&[u8]> {
        self.0
            .iter()
            .find(|(k, v)| names.contains(&k.as_str()) && !v.is_empty())
            .map(|(_, v)| v.as_slice())
    }

    /// Whether `name` was given at all (even empty).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    /// `application/x-www-form-urlencoded` pairs (`+` a space, `%XX` an octet).
    fn parse_form(&mut self, encoded: &[u8]) {
        let decode = |octets: &[u8]| -> Vec<u8> {
            let spaced: Vec<u8> = octets
                .iter()
                .map(|b| if *b == b'+' { b' ' } else { *b })
                .collect();
            percent_encoding::percent_decode(&spaced).collect()
        };
        for pair in encoded.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
            let (name, value) = match pair.iter().position(|b| *b == b'=') {
                Some(at) => (&pair[..at], &pair[at + 1..]),
                None => (pair, &[][..]),
            };
            let name = String::from_utf8_lossy(&decode(name)).into_owned();
            self.0.push((name, decode(value)));
        }
    }

    /// A JSON object whose members are strings or numbers.
    fn parse_json(&mut self, body: &[u8]) -> Result<(), Unreadable> {
        let object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(body).map_err(|_| Unreadable::Json)?;
        for (name, value) in object {
            let text = match value {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                _ => return Err(Unreadable::Json),
            };
            self.0.push((name, text.into_bytes()));
        }
        Ok(())
    }
}

/// The fields of `request`: its query, and for a `POST` its body, form-encoded or (when `json`)
/// a JSON object.
pub(crate) async fn read_fields(request: Request, json: bool) -> Result<Fields, Unreadable> {
    let mut fields = Fields::default();
    fields.parse_form(request.uri().query().unwrap_or_default().as_bytes());
    if request.method() != Method::POST {
        return Ok(fields);
    }
    let media_type = crate::http::media_type(request.headers());
    let is_json = match media_type.as_str() {
        "application/x-www-form-urlencoded" => false,
        "application/json" if json => true,
        _ => return Err(Unreadable::MediaType),
    };
    let body = Bytes::from_request(request, &())
        .await
        .map_err(|_| Unreadable::TooLarge)?;
    if is_json {
        fields.parse_json(&body)?;
    } else {
        fields.parse_form(&body);
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_keep_their_octets() {
        let mut f = Fields::default();
        f.parse_form(b"to=%2B8210+1&text=caf%E9&empty=&flag");
        assert_eq!(f.get(&["to"]).as_deref(), Some("+8210 1"));
        assert_eq!(f.raw(&["text"]), Some(&b"caf\xe9"[..]));
        assert!(f.has("empty") && f.get(&["empty"]).is_none());
        assert!(f.has("flag"));
    }

    #[test]
    fn json_bodies_are_objects_of_strings_and_numbers() {
        let mut f = Fields::default();
        f.parse_json(br#"{"to":"+821055501234","coding":8}"#).unwrap();
        assert_eq!(f.get(&["coding"]).as_deref(), Some("8"));
        assert_eq!(
            Fields::default().parse_json(br#"{"to":["a"]}"#),
            Err(Unreadable::Json)
        );
        assert_eq!(Fields::default().parse_json(b"[1]"), Err(Unreadable::Json));
    }
}
