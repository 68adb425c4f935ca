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
