//! HTTP primitives shared by the bindings, the admin API and the router: the configured body
//! limit, the caller's address, media types, JSON field paths and percent-encoding.
//!
//! A leaf: it knows nothing of operations, applications or the store.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::{Extensions, HeaderMap, header};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// The configured body limit, put in the request extensions by the router so a refusal can name
/// it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyLimit(pub usize);

impl BodyLimit {
    /// The limit a request carries, if the router put one there.
    pub(crate) fn of(extensions: &Extensions) -> Option<usize> {
        extensions.get::<Self>().map(|l| l.0)
    }
}

/// The caller's IP address. Without `ConnectInfo` (a router driven in-process) every caller is
/// `0.0.0.0`, so they share one lock-out bucket.
pub(crate) fn peer_ip(extensions: &Extensions) -> IpAddr {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip())
}

/// The `Content-Type` without its parameters, lower-cased (`application/json`), or `""`.
pub(crate) fn media_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

/// The `Authorization` header, if it is text.
pub(crate) fn authorization(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The path of a bad JSON field as people write it (`charge.amount`, `rates[0].scope`).
pub(crate) fn field_path(path: &serde_path_to_error::Path) -> String {
    // Exact numbers travel as a private one-key map inside serde_json; hide that key.
    path.to_string().replace(".$serde_json::private::Number", "")
}

/// Everything but RFC 3986 §2.3 unreserved characters (`ALPHA DIGIT - . _ ~`).
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a path segment or query value: only unreserved characters stay as they are.
pub(crate) fn percent_encode(text: &str) -> String {
    utf8_percent_encode(text, NOT_UNRESERVED).to_string()
}

/// Undoes `application/x-www-form-urlencoded` on one value (`+` is a space, `%XX` a byte); a value
/// that does not decode to UTF-8 is kept as sent.
pub(crate) fn form_decode(value: &str) -> String {
    let plus_as_space = value.replace('+', " ");
    percent_decode_str(&plus_as_space)
        .decode_utf8()
        .map_or_else(|_| value.to_owned(), |text| text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unreserved_characters_stay_unencoded() {
        assert_eq!(
            percent_encode("tel:+8210 a/b~c_d.e-f"),
            "tel%3A%2B8210%20a%2Fb~c_d.e-f"
        );
        assert_eq!(percent_encode("가"), "%EA%B0%80");
    }

    #[test]
    fn form_values_decode_plus_and_percent_and_keep_what_is_not_utf8() {
        assert_eq!(form_decode("a+b%20c%zz%"), "a b c%zz%");
        assert_eq!(form_decode("%2B"), "+");
        assert_eq!(form_decode("%FF"), "%FF");
    }

    #[test]
    fn media_types_lose_parameters_and_case() {
        let mut headers = HeaderMap::new();
        assert_eq!(media_type(&headers), "");
        headers.insert(
            header::CONTENT_TYPE,
            "Application/JSON; charset=utf-8".parse().unwrap(),
        );
        assert_eq!(media_type(&headers), "application/json");
    }
}

/// A request body that records whether it was read to its end (see [`ReadToEnd`]).
#[derive(Debug)]
pub(crate) struct TrackedBody {
    inner: axum::body::Body,
    read: ReadToEnd,
}

/// Whether a [`TrackedBody`] was read to its end: a handler that answers without reading the
/// whole body (a refusal before the body, a 413 part-way) leaves the rest on the connection, which
/// can then not carry another request.
#[derive(Debug, Clone, Default)]
pub(crate) struct ReadToEnd(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl ReadToEnd {
    /// Whether the body was read to its end.
    pub(crate) fn get(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Acquire)
    }

    fn set(&self) {
        self.0.store(true, std::sync::atomic::Ordering::Release);
    }
}

impl TrackedBody {
    /// `inner`, recording into `read`.
    pub(crate) fn new(inner: axum::body::Body, read: ReadToEnd) -> Self {
        Self { inner, read }
    }
}

impl http_body::Body for TrackedBody {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, std::task::Poll::Ready(None)) || self.inner.is_end_stream() {
            self.read.set();
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// What a [`ReportedBody`] tells once its fate is known: `true` when the connection took the whole
/// body, `false` when it was dropped before (the client went away, the connection broke, a
/// timeout ended the request).
pub(crate) type Report = Box<dyn FnOnce(bool) + Send>;

/// A response body of known bytes that reports whether it was handed to the connection in full:
/// what a response that gives something away once (received SMS) waits for before forgetting it.
/// "Handed over" is as far as a server can see: bytes the kernel then fails to deliver are beyond
/// it.
pub(crate) struct ReportedBody {
    bytes: Option<axum::body::Bytes>,
    report: Option<Report>,
}

impl ReportedBody {
    /// `bytes`, reporting to `report`.
    pub(crate) fn new(bytes: Vec<u8>, report: Report) -> Self {
        Self {
            bytes: Some(bytes.into()),
            report: Some(report),
        }
    }

    fn tell(&mut self, handed_over: bool) {
        if let Some(report) = self.report.take() {
            report(handed_over);
        }
    }
}

impl http_body::Body for ReportedBody {
    type Data = axum::body::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let frame = self.bytes.take().map(|b| Ok(http_body::Frame::data(b)));
        self.tell(true);
        std::task::Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.bytes.is_none()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        let len = self.bytes.as_ref().map_or(0, |b| b.len() as u64);
        http_body::SizeHint::with_exact(len)
    }
}

impl Drop for ReportedBody {
    fn drop(&mut self) {
        self.tell(false);
    }
}

#[cfg(test)]
mod reported_tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    fn reporting() -> (Report, Arc<Mutex<Vec<bool>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let into = seen.clone();
        (Box::new(move |b| into.lock().unwrap().push(b)), seen)
    }

    #[tokio::test]
    async fn a_body_read_in_full_reports_it_once() {
        let (report, seen) = reporting();
        let body = axum::body::Body::new(ReportedBody::new(b"<x/>".to_vec(), report));
        let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        assert_eq!(&bytes[..], b"<x/>");
        assert_eq!(*seen.lock().unwrap(), vec![true]);
    }

    #[test]
    fn a_body_dropped_unread_reports_that() {
        let (report, seen) = reporting();
        drop(ReportedBody::new(b"<x/>".to_vec(), report));
        assert_eq!(*seen.lock().unwrap(), vec![false]);
    }
}
