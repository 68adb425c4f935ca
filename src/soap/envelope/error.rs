//! The ways a request body can fail to be an envelope we process.

use crate::soap::{QName, SoapVersion};

/// Why a request body is not an envelope we will process. Each variant becomes one SOAP fault in
/// [`super::fault::for_envelope_error`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum EnvelopeError {
    /// The body exceeds [`Limits::max_body_bytes`].
    #[error("request body of {size} bytes exceeds the limit of {limit}")]
    TooLarge {
        /// Size of the body received.
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// Not well-formed XML (or not UTF-8), including a document cut short.
    #[error("malformed XML at byte {position}: {reason}")]
    Malformed {
        /// Byte offset into the body where the reader gave up.
        position: u64,
        /// What the reader found wrong.
        reason: String,
    },
    /// The document has a `<!DOCTYPE>`; never expanded, always refused (XXE, billion laughs).
    #[error("DOCTYPE declarations are not allowed in SOAP messages")]
    Dtd,
    /// A reference to an entity other than the five predefined ones; without a DTD it cannot be
    /// defined, so it is either an attack or a broken client.
    #[error("reference to unknown entity &{name};")]
    UnknownEntity {
        /// The entity name between `&` and `;`.
        name: String,
    },
    /// Elements nest deeper than [`Limits::max_depth`].
    #[error("element nesting deeper than {limit}")]
    TooDeep {
        /// The configured limit.
        limit: usize,
    },
    /// More elements than [`Limits::max_elements`].
    #[error("more than {limit} elements")]
    TooManyElements {
        /// The configured limit.
        limit: usize,
    },
    /// The root element is not an `Envelope` at all.
    #[error("root element {found} is not a SOAP Envelope")]
    NotAnEnvelope {
        /// The root element found.
        found: QName,
    },
    /// The root is an `Envelope` in a namespace that is neither SOAP 1.1 nor SOAP 1.2
    /// (SOAP 1.1 §4.4.1 / SOAP 1.2 Part 1 §5.4.7: a VersionMismatch fault).
    #[error("unsupported SOAP envelope namespace {found:?}")]
    VersionMismatch {
        /// The namespace URI of the root element (empty if none).
        found: String,
    },
    /// The envelope is in the other SOAP version than its media type names: SOAP 1.2 sent as
    /// `text/xml` (to a SOAP 1.1 node its namespace is not the envelope's, SOAP 1.1 §4.4.1), or
    /// SOAP 1.1 sent as `application/soap+xml` (SOAP 1.2 Part 1 Appendix A lets a 1.2 node answer it
    /// with a SOAP 1.1 VersionMismatch fault, which is what both get).
    #[error(
        "SOAP {0} envelope sent as {1}: send SOAP {0} as {2}",
        envelope.number(),
        envelope.other_media_type(),
        envelope.media_type()
    )]
    WrongMediaType {
        /// The version the envelope's namespace names.
        envelope: SoapVersion,
    },
    /// A child of `Envelope` out of its place: a `Header` that is not the first child, or an element
    /// other than `Header` before `Body` (SOAP 1.1 §4, SOAP 1.2 Part 1 §5.1).
    #[error("{element} is out of place in the Envelope at byte {position}")]
    Misplaced {
        /// The element found.
        element: QName,
        /// Byte offset of its start tag.
        position: u64,
    },
    /// A second element in `Body`: a document-literal request has exactly one, the operation (WS-I
    /// Basic Profile 1.1 R2201, R2712).
    #[error("a second element {found} in the Body at byte {position}")]
    ExtraBodyElement {
        /// The second element.
        found: QName,
        /// Byte offset of its start tag.
        position: u64,
    },
    /// The envelope has no `Body` (required by SOAP 1.1 §4.3 and SOAP 1.2 Part 1 §5.3).
    #[error("SOAP Envelope has no Body")]
    NoBody,
    /// The `Body` holds no element, so there is no operation to call.
    #[error("SOAP Body is empty")]
    EmptyBody,
    /// A header block addressed to us has `mustUnderstand` set and we do not implement it
    /// (SOAP 1.1 §4.2.3 / SOAP 1.2 Part 1 §5.2.3).
    #[error("header block {header} must be understood but is not supported")]
    MustUnderstand {
        /// Version of the envelope, for writing the fault.
        version: SoapVersion,
        /// Name of the header block.
        header: QName,
    },
    /// The `wsse:Security` header is present but its UsernameToken is unusable (WSS 1.0 §12,
    /// `wsse:InvalidSecurity` / `wsse:UnsupportedSecurityToken`).
    #[error("invalid WS-Security header: {reason}")]
    InvalidSecurity {
        /// Version of the envelope, for writing the fault.
        version: SoapVersion,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Something other than comments or whitespace follows the root element (a second root, text).
    #[error("content after the end of the Envelope at byte {position}")]
    TrailingContent {
        /// Byte offset of the unexpected content.
        position: u64,
    },
}

impl EnvelopeError {
    /// The byte offset into the body where the document went wrong, when one is known.
    pub(crate) fn position(&self) -> Option<u64> {
        match self {
            Self::Malformed { position, .. }
            | Self::Misplaced { position, .. }
            | Self::ExtraBodyElement { position, .. }
            | Self::TrailingContent { position, .. } => Some(*position),
            _ => None,
        }
    }
}
