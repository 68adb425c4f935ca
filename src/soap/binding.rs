//! The HTTP side of SOAP: the Payment, SMS and Account Management endpoints, their `?wsdl`, and
//! the published WSDL/XSD files.
//!
//! Owns: turning an HTTP request into one authorized service call and its answer, in this order —
//! media type (SOAP 1.1 `text/xml` or 1.2 `application/soap+xml`, else 415), body within the size
//! limit (else 413), a safe envelope ([`envelope::parse`]), the operation (the first child of `Body`,
//! which must be in the endpoint's local namespace: Parlay X sends `SOAPAction: ""`, so SOAPAction is
//! ignored), the credentials (WS-Security UsernameToken first, else the HTTP `Authorization` header),
//! [`Framework::authorize`](crate::framework::Framework::authorize), then the operation itself
//! ([`payment`]), and finally [`Framework::complete`](crate::framework::Framework::complete) so every
//! authorized call is counted once.
//!
//! Must not know: the store or any business rule. Errors reach the wire only through [`super::map`].

mod account;
mod monitoring;
mod payment;
mod sms;

/// What the SOAP SMS notifications say (`app::notices` queues them).
pub(crate) use self::sms::notify as sms_notices;

use std::net::IpAddr;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use self::payment::Failure;
use super::envelope::{self, EnvelopeError, Limits};
use super::fault::{self, Fault};
use super::map::{auth_response, fault_response, scf_fault, soap_response};
use super::{PXGATE_HEADER_NS, SoapVersion, wsdl};
use crate::framework::{Credentials, Operation, Permit, Service};
use crate::gateway::{Gateway, Served};
use crate::http::BodyLimit;
use crate::scf::Scf;

/// The SOAP routes: `POST` and `GET ?wsdl` on every Payment and SMS endpoint, `GET /wsdl/{name}` and
/// `GET /schemas/{name}`; request documents are held to `limits`.
pub(crate) fn routes(limits: Limits) -> Router<Gateway> {
    let mut router = Router::new()
        .route("/wsdl/{name}", get(wsdl_file))
        .route("/schemas/{name}", get(schema_file));
    for path in wsdl::service_paths()
        .chain(wsdl::sms_service_paths())
        .chain(wsdl::account_service_paths())
        .chain(wsdl::monitoring_service_paths())
    {
        let Some(endpoint) = Endpoint::for_path(path) else {
            tracing::error!(path, "a published service path has no endpoint; not mounted");
            continue;
        };
        let limits = limits.clone();
        let post = move |State(gateway): State<Gateway>, request: Request| {
            let limits = limits.clone();
            async move { dispatch(&gateway, &limits, endpoint, request).await }
        };
        let get = move |uri: Uri, headers: HeaderMap| service_wsdl(path, uri, headers);
        router = router.route(path, axum::routing::post(post).get(get));
    }
    router
}

/// A mounted SOAP endpoint: a Payment interface, an SMS interface (SendSms, ReceiveSms) or
/// Account Management.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Endpoint {
    Payment(payment::Endpoint),
    Sms(sms::Endpoint),
    AccountManagement(account::Endpoint),
    AccountMonitoring(monitoring::Endpoint),
}

impl Endpoint {
    fn for_path(path: &str) -> Option<Self> {
        payment::Endpoint::for_path(path)
            .map(Self::Payment)
            .or_else(|| sms::Endpoint::for_path(path).map(Self::Sms))
            .or_else(|| account::Endpoint::for_path(path).map(Self::AccountManagement))
            .or_else(|| monitoring::Endpoint::for_path(path).map(Self::AccountMonitoring))
    }

    fn service(self) -> Service {
        match self {
            Self::Payment(e) => e.service,
            Self::Sms(e) => e.service(),
            Self::AccountManagement(e) => e.service(),
            Self::AccountMonitoring(e) => e.service(),
        }
    }

    fn namespace(self) -> &'static str {
        match self {
            Self::Payment(e) => e.interface.namespace(),
            Self::Sms(e) => e.namespace(),
            Self::AccountManagement(e) => e.namespace(),
            Self::AccountMonitoring(e) => e.namespace(),
        }
    }
}

/// What the request said about itself before its body was read.
struct Head {
    version: SoapVersion,
    authorization: Option<String>,
    peer: IpAddr,
    limit: Option<usize>,
}

/// One SOAP request, from bytes to bytes.
async fn dispatch(gateway: &Gateway, limits: &Limits, endpoint: Endpoint, request: Request) -> Response {
    let Some(head) = head(&request) else {
        return unsupported_media_type();
    };
    let body = match Bytes::from_request(request, &()).await {
        Ok(body) => body,
        Err(e) => return body_rejection(head.version, &e),
    };
    let limits = Limits {
        max_body_bytes: head.limit.unwrap_or(usize::MAX),
        ..limits.clone()
    };
    let envelope = match envelope::parse(&body, head.version, &limits) {
        Ok(envelope) => envelope,
        Err(e) => {
            // A client's mistake: INFO, with where in the document the reader gave up.
            let at = e.position().map(|p| line_and_column(&body, p));
            tracing::info!(error = %e, line = at.map(|a| a.0), column = at.map(|a| a.1), "SOAP envelope refused");
            return envelope_fault(head.version, &e);
        }
    };
    // The envelope is in the version its media type names (`envelope::parse` refuses the other).
    let version = envelope.version;
    let Some(operation) = operation(endpoint, &envelope.operation) else {
        let part = format!("Body/{}", envelope.operation);
        let unknown = Fault::service(
            "SVC0002",
            "Invalid input value for message part %1",
            vec![part],
            true,
        );
        return fault_response(version, &unknown);
    };
    if let Some(refused) = unheeded_correlator(&envelope, operation) {
        return envelope_fault(version, &refused);
    }
    let credentials = match (envelope.security.clone(), &head.authorization) {
        (Some(token), _) => Credentials::UsernameToken(token),
        (None, Some(value)) => Credentials::from_authorization(value),
        (None, None) => Credentials::None,
    };
    let correlator = envelope.client_correlator.as_ref().map(|c| c.value.as_str());
    let request = Call {
        version,
        payload: envelope.payload,
        correlator,
    };
    let call = async |scf: &Scf, permit: &Permit| call(scf, endpoint, permit, &request).await;
    match gateway.serve(&credentials, operation, head.peer, call).await {
        Err(refused) => auth_response(version, &refused),
        Ok(Answer(Ok(reply))) => soap_response(version, StatusCode::OK, reply.into_body()),
        Ok(Answer(Err(Failure::Invalid(part)))) => fault_response(version, &Fault::invalid_part(&part)),
        Ok(Answer(Err(Failure::Scf(e)))) => fault_response(version, &scf_fault(&e)),
    }
}

/// An endpoint's answer to a permitted call, counted by [`Gateway::serve`].
struct Answer(Result<self::payment::Reply, Failure>);

impl Served for Answer {
    fn usage(&self) -> (&str, Option<(i64, &'static str)>) {
        match &self.0 {
            Ok(reply) => ("ok", reply.amount),
            Err(Failure::Invalid(_)) => ("SVC0002", None),
            Err(Failure::Scf(e)) => (e.outcome(), None),
        }
    }
}

/// What a binding is handed from the envelope.
struct Call<'a> {
    version: SoapVersion,
    /// The operation element.
    payload: &'a [u8],
    /// pxgate's `clientCorrelator` header block; only sendSms reads it.
    correlator: Option<&'a str>,
}

/// The authorized operation, run by its endpoint's binding.
async fn call(scf: &Scf, endpoint: Endpoint, permit: &Permit, request: &Call<'_>) -> Answer {
    let (version, payload) = (request.version, request.payload);
    Answer(match endpoint {
        Endpoint::Payment(_) => payment::call(scf, permit, version, payload).await,
        Endpoint::Sms(_) => sms::call(scf, permit, version, payload, request.correlator).await,
        Endpoint::AccountManagement(_) => account::call(scf, permit, version, payload).await,
        Endpoint::AccountMonitoring(_) => monitoring::call(scf, permit, version, payload).await,
    })
}

/// A `clientCorrelator` block marked `mustUnderstand` on an operation that does not act on it:
/// SOAP 1.1 §4.2.3 says the receiver "MUST either obey the semantics … or fail processing the
/// message", and a client that asked for a retry-safe call must not be told it got one. Unmarked,
/// the block is ignored there.
fn unheeded_correlator(envelope: &envelope::Envelope<'_>, operation: Operation) -> Option<EnvelopeError> {
    let block = envelope.client_correlator.as_ref()?;
    (block.must_understand && operation != Operation::SendSms).then(|| EnvelopeError::MustUnderstand {
        version: envelope.version,
        header: super::QName::new(PXGATE_HEADER_NS, "clientCorrelator"),
    })
}

/// Media type, credentials header, peer and body limit; `None` for anything but SOAP.
fn head(request: &Request) -> Option<Head> {
    let version = match crate::http::media_type(request.headers()).as_str() {
        "text/xml" => SoapVersion::V11,
        "application/soap+xml" => SoapVersion::V12,
        _ => return None,
    };
    Some(Head {
        version,
        authorization: crate::http::authorization(request.headers()),
        peer: crate::http::peer_ip(request.extensions()),
        limit: BodyLimit::of(request.extensions()),
    })
}

/// 415 with a SOAP 1.1 fault (the request's version is unknown): only SOAP is spoken here.
fn unsupported_media_type() -> Response {
    let refused = Fault::service_error("UnsupportedMediaType", true);
    let mut response = fault_response(SoapVersion::V11, &refused);
    *response.status_mut() = StatusCode::UNSUPPORTED_MEDIA_TYPE;
    response
}

/// A body that could not be read: over the limit is 413, a broken connection 400.
fn body_rejection(version: SoapVersion, e: &BytesRejection) -> Response {
    let (status, code) = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        (StatusCode::PAYLOAD_TOO_LARGE, "RequestTooLarge")
    } else {
        (StatusCode::BAD_REQUEST, "RequestBodyUnreadable")
    };
    let mut response = fault_response(version, &Fault::service_error(code, true));
    *response.status_mut() = status;
    response
}

/// The 1-based line and column (in characters) of byte `position` of `body`.
fn line_and_column(body: &[u8], position: u64) -> (usize, usize) {
    let end = usize::try_from(position).unwrap_or(usize::MAX).min(body.len());
    let before = String::from_utf8_lossy(&body[..end]);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The fault for an envelope [`envelope::parse`] refused, in the version it is written in.
fn envelope_fault(guess: SoapVersion, e: &EnvelopeError) -> Response {
    let version = match e {
        EnvelopeError::VersionMismatch { .. } | EnvelopeError::WrongMediaType { .. } => SoapVersion::V11,
        EnvelopeError::MustUnderstand { version, .. } | EnvelopeError::InvalidSecurity { version, .. } => {
            *version
        }
        _ => guess,
    };
    let status = if matches!(e, EnvelopeError::TooLarge { .. }) {
        StatusCode::PAYLOAD_TOO_LARGE
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    soap_response(version, status, fault::for_envelope_error(guess, e))
}

/// The operation an element names on this endpoint: its local name must be one of the service's
/// operations and its namespace the service's local namespace (ES 202 391-1 §12.2).
fn operation(endpoint: Endpoint, element: &super::QName) -> Option<Operation> {
    if element.ns != endpoint.namespace() {
        return None;
    }
    Operation::find(endpoint.service(), &element.local)
}

/// `GET {service path}?wsdl`: the service WSDL, addressed to the host the client used.
async fn service_wsdl(path: &'static str, uri: Uri, headers: HeaderMap) -> Response {
    let wants_wsdl = uri.query().is_some_and(|q| {
        q.split('&').any(|pair| {
            pair.split('=')
                .next()
                .is_some_and(|k| k.eq_ignore_ascii_case("wsdl"))
        })
    });
    if !wants_wsdl {
        let mut response = (
            StatusCode::METHOD_NOT_ALLOWED,
            "POST a SOAP envelope here, or GET ?wsdl for the service description\n",
        )
            .into_response();
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    match wsdl::service_document(path) {
        Some((_, text)) => document_response(text, &uri, &headers),
        None => not_found(),
    }
}

/// `GET /wsdl/{name}`: a published WSDL.
async fn wsdl_file(Path(name): Path<String>, uri: Uri, headers: HeaderMap) -> Response {
    published(&name, ".wsdl", &uri, &headers)
}

/// `GET /schemas/{name}`: a published XSD.
async fn schema_file(Path(name): Path<String>, uri: Uri, headers: HeaderMap) -> Response {
    published(&name, ".xsd", &uri, &headers)
}

fn published(name: &str, suffix: &str, uri: &Uri, headers: &HeaderMap) -> Response {
    match wsdl::document(name).filter(|_| name.ends_with(suffix)) {
        Some(text) => document_response(text, uri, headers),
        None => not_found(),
    }
}

fn document_response(text: &str, uri: &Uri, headers: &HeaderMap) -> Response {
    let body = wsdl::with_address(text, &origin(uri, headers));
    ([(header::CONTENT_TYPE, wsdl::CONTENT_TYPE)], body).into_response()
}

/// `scheme://host[:port]` the client addressed: `X-Forwarded-Proto` (set by a TLS-terminating proxy)
/// or `http`, and the `Host` header (HTTP/1.1) or the URI authority (HTTP/2).
fn origin(uri: &Uri, headers: &HeaderMap) -> String {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let scheme = match text("x-forwarded-proto") {
        Some(p) if p.eq_ignore_ascii_case("https") => "https",
        _ => "http",
    };
    let host = text("host")
        .filter(|h| !h.is_empty() && !h.contains(['/', '"', '<', '>', ' ']))
        .map(str::to_owned)
        .or_else(|| uri.authority().map(ToString::to_string));
    match host {
        Some(host) => format!("{scheme}://{host}"),
        None => wsdl::DEFAULT_ORIGIN.to_owned(),
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "no such document\n").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_origin_is_the_host_the_client_used() {
        let uri: Uri = "/AmountChargingService/services/AmountCharging?wsdl"
            .parse()
            .unwrap();
        let mut headers = HeaderMap::new();
        assert_eq!(origin(&uri, &headers), wsdl::DEFAULT_ORIGIN);
        headers.insert(header::HOST, HeaderValue::from_static("gw.example:8443"));
        assert_eq!(origin(&uri, &headers), "http://gw.example:8443");
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert_eq!(origin(&uri, &headers), "https://gw.example:8443");
        headers.insert(header::HOST, HeaderValue::from_static("evil\"><x"));
        assert_eq!(
            origin(&uri, &headers),
            wsdl::DEFAULT_ORIGIN,
            "a Host unfit for an attribute is not used"
        );
    }

    #[test]
    fn an_operation_must_be_in_the_endpoints_namespace() {
        let endpoint = Endpoint::for_path("/AmountChargingService/services/AmountCharging").unwrap();
        let ns = endpoint.namespace();
        let qname = |ns: &str, local: &str| super::super::QName::new(ns, local);
        assert_eq!(
            operation(endpoint, &qname(ns, "chargeAmount")),
            Some(Operation::ChargeAmount)
        );
        assert_eq!(operation(endpoint, &qname("", "chargeAmount")), None);
        assert_eq!(operation(endpoint, &qname(ns, "chargeVolume")), None);
        let volume =
            Endpoint::for_path("/ReserveVolumeChargingService/services/ReserveVolumeCharging").unwrap();
        assert_eq!(
            operation(volume, &qname(volume.namespace(), "getAmount")),
            Some(Operation::GetReservedVolumeAmount)
        );
    }
}
