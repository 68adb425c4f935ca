//! A hardened, namespace-aware reader for SOAP request envelopes.
//!
//! Owns: deciding whether a request body is a SOAP 1.1 or 1.2 envelope we are willing to read, pulling
//! the WS-Security `UsernameToken` and pxgate's `clientCorrelator` block out of the header, and
//! locating the operation element (the first
//! child of `Body`) so a payload deserializer can run on exactly those bytes.
//!
//! Must not know: which operations exist, what a password should be (the framework verifies tokens),
//! or how an error is shown to the client (that is [`super::fault`]).
//!
//! Hostile input is the normal case on an operator's edge, so the reader refuses before it works:
//! - any `<!DOCTYPE …>` is rejected outright, so entity expansion (billion laughs) and external entities
//!   (XXE) can never happen; SOAP 1.1 §3 and SOAP 1.2 Part 1 §5 forbid a DTD in a SOAP message anyway;
//! - only the five predefined entities and character references are accepted;
//! - nesting depth, element count and total size are bounded by [`Limits`];
//! - anything after the root element other than comments and whitespace is an error.
//!
//! Well-formedness quick-xml leaves to its caller is checked here, so two readers of one document
//! cannot disagree about it: an element may not repeat an attribute, by its written name (XML 1.0
//! §3.1 "Unique Att Spec") or by its namespace and local name (Namespaces in XML 1.0 §6.3), and an
//! XML declaration is allowed only at the very start (XML 1.0 §2.8; anywhere else `<?xml` is a
//! processing instruction with a reserved target). The SOAP structure is held to the specification
//! too: `Header`, if present, is the first child of `Envelope` and `Body` comes next (SOAP 1.1 §4,
//! SOAP 1.2 Part 1 §5.1); `Body` holds exactly one element, the operation (WS-I Basic Profile 1.1
//! R2201 and R2712: a document-literal message has one part, serialized as the one child of
//! `Body`); and the envelope is in the SOAP version its media type names.
//!
//! The body is read once, with no DOM and no copy of the payload: [`Envelope::payload`] borrows the
//! operation element's bytes from the request.

mod error;
mod header;
mod structure;
#[cfg(test)]
mod tests;

use std::time::Duration;

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

pub(crate) use self::error::EnvelopeError;
use super::{QName, SOAP11_NS, SOAP12_NS, SoapVersion};

/// Bounds on what a request may cost us. Part of the gateway's SOAP configuration.
///
/// `max_depth` and `max_elements` are enforced by [`parse`]; `max_body_bytes` and `request_timeout`
/// belong to the same policy but are enforced by the HTTP layer before the body reaches us (a body is
/// only parsed once it is complete and within size). [`parse`] re-checks the size as a second line of
/// defence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Limits {
    /// Deepest element nesting accepted, counting `Envelope` as 1. Payment payloads reach 5
    /// (`Envelope/Body/chargeAmount/charge/amount`); the default leaves room for vendor headers.
    pub max_depth: usize,
    /// Most elements (start or empty tags) accepted in one document, header included.
    pub max_elements: usize,
    /// Largest request body in bytes (HTTP layer: `413` beyond it).
    pub max_body_bytes: usize,
    /// Longest time to receive a whole request (HTTP layer: the connection is dropped).
    pub request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 32,
            max_elements: 10_000,
            max_body_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
        }
    }
}

pub(crate) use crate::framework::auth::{PasswordType, UsernameToken};

/// A request envelope that passed every check.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Envelope<'a> {
    /// The SOAP version; the response must use the same one.
    pub version: SoapVersion,
    /// The UsernameToken of the `wsse:Security` header block, if one was sent.
    pub security: Option<UsernameToken>,
    /// pxgate's `clientCorrelator` header block, if one addressed to us was sent.
    pub client_correlator: Option<ClientCorrelator>,
    /// Namespace and local name of the first child of `Body`: the operation to dispatch on. Parlay X
    /// sends `SOAPAction: ""` (ES 202 391 WSDL bindings), so this is the only reliable selector.
    pub operation: QName,
    /// The bytes of the operation element, from its `<` to the end of its end tag.
    ///
    /// Namespace prefixes declared on ancestors (`Envelope`, `Body`) are not visible in this slice, so
    /// it is not a standalone namespace-well-formed document. That is fine for [`super::xml::decode`],
    /// which matches local names only; the namespace of the operation was checked here, in `operation`.
    pub payload: &'a [u8],
}

/// `<clientCorrelator xmlns="http://pxgate.dev/schema/header/v1">…</clientCorrelator>` in the
/// `Header`: the key that makes a sendSms safe to retry (the SOAP form of OneAPI's
/// `clientCorrelator`). Read for every operation; only sendSms acts on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ClientCorrelator {
    /// The block's text, surrounding whitespace removed; possibly empty (the service refuses that).
    pub value: String,
    /// The block was marked `mustUnderstand`: an operation that does not act on it must fault
    /// (SOAP 1.1 §4.2.3, SOAP 1.2 Part 1 §5.2.3).
    pub must_understand: bool,
}

/// The header blocks we act on, as read from `Header`.
#[derive(Debug, Default)]
struct Headers {
    security: Option<UsernameToken>,
    client_correlator: Option<ClientCorrelator>,
}

/// Read and check a SOAP request envelope sent with the media type of `media` (`text/xml` for SOAP
/// 1.1, `application/soap+xml` for SOAP 1.2).
///
/// # Errors
/// Any [`EnvelopeError`]: the body is too big, not well-formed UTF-8 XML, hostile (DTD, unknown
/// entities, too deep, too many elements), not a SOAP 1.1/1.2 envelope, in the other version than
/// `media`, out of order, or has no operation or more than one.
pub(crate) fn parse<'a>(
    body: &'a [u8],
    media: SoapVersion,
    limits: &Limits,
) -> Result<Envelope<'a>, EnvelopeError> {
    if body.len() > limits.max_body_bytes {
        return Err(EnvelopeError::TooLarge {
            size: body.len(),
            limit: limits.max_body_bytes,
        });
    }
    let text = std::str::from_utf8(body).map_err(|e| EnvelopeError::Malformed {
        position: e.valid_up_to() as u64,
        reason: "not valid UTF-8 (SOAP messages here must be UTF-8)".to_owned(),
    })?;
    // A UTF-8 byte-order mark is legal (XML 1.0 §4.3.3); drop it so byte offsets index `text`.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parser = Parser::new(text, limits);
    parser.envelope(media)
}

/// One pass over the document; `depth` counts open elements (Envelope = 1).
struct Parser<'a, 'l> {
    reader: NsReader<&'a [u8]>,
    input: &'a str,
    limits: &'l Limits,
    depth: usize,
    elements: usize,
    /// Byte offset (in `input`) where the last event returned by [`Self::next`] began.
    event_start: usize,
    version: SoapVersion,
}

impl<'a, 'l> Parser<'a, 'l> {
    fn new(input: &'a str, limits: &'l Limits) -> Self {
        let mut reader = NsReader::from_str(input);
        let config = reader.config_mut();
        // Well-formedness we rely on: end tags must match, `&` must start a reference.
        config.check_end_names = true;
        config.allow_dangling_amp = false;
        config.allow_unmatched_ends = false;
        config.expand_empty_elements = false;
        config.trim_text(false);
        Self {
            reader,
            input,
            limits,
            depth: 0,
            elements: 0,
            event_start: 0,
            version: SoapVersion::V11,
        }
    }

    fn position(&self) -> u64 {
        self.reader.buffer_position()
    }

    fn malformed(&self, reason: impl Into<String>) -> EnvelopeError {
        EnvelopeError::Malformed {
            position: self.position(),
            reason: reason.into(),
        }
    }

    /// The next event, with every structural limit and the DTD/entity rules already applied.
    fn next(&mut self) -> Result<Event<'a>, EnvelopeError> {
        self.event_start = usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX);
        let event = self.reader.read_event().map_err(|e| EnvelopeError::Malformed {
            position: self.reader.error_position(),
            reason: e.to_string(),
        })?;
        match &event {
            Event::Start(_) | Event::Empty(_) => {
                self.elements += 1;
                if self.elements > self.limits.max_elements {
                    return Err(EnvelopeError::TooManyElements {
                        limit: self.limits.max_elements,
                    });
                }
                if self.depth + 1 > self.limits.max_depth {
                    return Err(EnvelopeError::TooDeep {
                        limit: self.limits.max_depth,
                    });
                }
                if let Event::Start(start) | Event::Empty(start) = &event {
                    self.check_attributes(start)?;
                }
                if matches!(event, Event::Start(_)) {
                    self.depth += 1;
                }
            }
            Event::End(_) => self.depth = self.depth.saturating_sub(1),
            Event::DocType(_) => return Err(EnvelopeError::Dtd),
            Event::GeneralRef(r) => {
                check_reference(r).map_err(|name| EnvelopeError::UnknownEntity { name })?;
            }
            // SOAP 1.1 §3 / SOAP 1.2 Part 1 §5: a message must not contain processing instructions.
            Event::PI(_) => return Err(self.malformed("processing instructions are not allowed")),
            // XML 1.0 §2.8: the XML declaration, if any, is the very first thing in the document (a
            // byte-order mark was removed before reading).
            Event::Decl(_) if self.event_start != 0 => {
                return Err(EnvelopeError::Malformed {
                    position: self.event_start as u64,
                    reason: "an XML declaration is allowed only at the start of the document".to_owned(),
                });
            }
            Event::Eof if self.depth > 0 => return Err(self.malformed("unexpected end of document")),
            Event::Text(_) | Event::CData(_) | Event::Comment(_) | Event::Decl(_) | Event::Eof => {}
        }
        Ok(event)
    }

    /// Namespace URI and local name of an element just returned by [`Self::next`].
    fn qname(&self, start: &BytesStart<'_>) -> Result<QName, EnvelopeError> {
        let (ns, local) = self.reader.resolver().resolve_element(start.name());
        let ns = match ns {
            ResolveResult::Bound(ns) => ns.0,
            ResolveResult::Unbound => "",
            ResolveResult::Unknown(prefix) => {
                return Err(self.malformed(format!("undeclared namespace prefix {prefix:?}")));
            }
        };
        Ok(QName::new(ns, local.as_ref()))
    }

    /// Whole document: prolog, `Envelope`, epilog; `media` is the version the media type names.
    fn envelope(&mut self, media: SoapVersion) -> Result<Envelope<'a>, EnvelopeError> {
        let (root, empty) = loop {
            match self.next()? {
                Event::Start(e) => break (self.qname(&e)?, false),
                Event::Empty(e) => break (self.qname(&e)?, true),
                Event::Decl(_) | Event::Comment(_) => {}
                Event::Text(t) if is_blank(&t) => {}
                Event::Text(_) => return Err(self.malformed("text before the root element")),
                Event::Eof => return Err(self.malformed("no root element")),
                _ => return Err(self.malformed("unexpected content before the root element")),
            }
        };
        self.version = root_version(&root)?;
        if self.version != media {
            return Err(EnvelopeError::WrongMediaType {
                envelope: self.version,
            });
        }
        if empty {
            return Err(EnvelopeError::NoBody);
        }
        let (headers, operation, payload) = self.envelope_children()?;
        self.epilog()?;
        Ok(Envelope {
            version: self.version,
            security: headers.security,
            client_correlator: headers.client_correlator,
            operation,
            payload,
        })
    }

    /// Input bytes from `start` to the current position (just after the last event).
    fn slice(&self, start: usize) -> &'a [u8] {
        let end = usize::try_from(self.reader.buffer_position()).unwrap_or(self.input.len());
        &self.input.as_bytes()[start..end.min(self.input.len())]
    }

    /// Consume events up to and including the end tag of the element whose start was just read.
    fn skip_element(&mut self) -> Result<(), EnvelopeError> {
        let target = self.depth - 1;
        while self.depth > target {
            self.next()?;
        }
        Ok(())
    }

    /// After the root: only whitespace and comments may follow.
    fn epilog(&mut self) -> Result<(), EnvelopeError> {
        loop {
            let event = self.next()?;
            match event {
                Event::Eof => return Ok(()),
                Event::Comment(_) => {}
                Event::Text(t) if is_blank(&t) => {}
                _ => {
                    return Err(EnvelopeError::TrailingContent {
                        position: self.event_start as u64,
                    });
                }
            }
        }
    }
}

/// True for text made of XML whitespace only (XML 1.0 §2.3 `S`).
fn is_blank(text: &str) -> bool {
    text.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// Version from the root element, or the matching error.
fn root_version(root: &QName) -> Result<SoapVersion, EnvelopeError> {
    if root.local != "Envelope" {
        return Err(EnvelopeError::NotAnEnvelope { found: root.clone() });
    }
    match root.ns.as_str() {
        SOAP11_NS => Ok(SoapVersion::V11),
        SOAP12_NS => Ok(SoapVersion::V12),
        other => Err(EnvelopeError::VersionMismatch {
            found: other.to_owned(),
        }),
    }
}

/// Accept character references and the five entities XML 1.0 §4.6 predefines; return the name of
/// anything else.
fn check_reference(reference: &quick_xml::events::BytesRef<'_>) -> Result<Option<char>, String> {
    match reference.resolve_char_ref() {
        Ok(Some(c)) => return Ok(Some(c)),
        Ok(None) => {}
        Err(_) => return Err(reference.to_string()),
    }
    match reference.as_ref() {
        "lt" => Ok(Some('<')),
        "gt" => Ok(Some('>')),
        "amp" => Ok(Some('&')),
        "apos" => Ok(Some('\'')),
        "quot" => Ok(Some('"')),
        other => Err(other.to_owned()),
    }
}
