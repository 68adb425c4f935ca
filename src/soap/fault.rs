//! SOAP fault encoding: Parlay X ServiceException/PolicyException, WS-Security faults, and the SOAP
//! processing faults (VersionMismatch, MustUnderstand).
//!
//! Owns: the wire shape of every fault we send, in SOAP 1.1 and 1.2, and the mapping of envelope and
//! payload errors to faults ([`for_envelope_error`], [`Fault::invalid_part`]).
//!
//! Must not know: business errors. The one mapping `ScfError → Fault` is written by the SOAP binding
//! on top of [`Fault::service`]/[`Fault::policy`], so this module does not depend on `scf/`.
//!
//! # Message text and variables
//!
//! `text` carries the specification's template with its `%1`, `%2`, … placeholders untouched, and
//! `variables` carries the values, in order. This is how ES 202 391-1 §10 defines the exception
//! (`text` "with replacement variables", `variables` "the values to be used"), so a client that
//! localises or matches on the template works; the substituted, human-readable sentence goes into
//! `faultstring` (1.1) / `Reason/Text` (1.2), where a person reading a log looks first.
//!
//! # HTTP status
//!
//! WS-I Basic Profile 1.1 R1126: every SOAP fault travels with HTTP 500 ([`http_status`]). A failed
//! authentication may be answered with 401 instead; that choice belongs to the HTTP binding.

#[cfg(test)]
mod tests;

use super::envelope::EnvelopeError;
use super::xml::{InvalidPart, close_envelope, envelope_prefix, escape_into};
use super::{COMMON_NS, QName, SoapVersion, WSSE_NS};

/// Which Parlay X exception a fault carries (ES 202 391-1 §5.3–5.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum FaultKind {
    /// `ServiceException` (`SVCnnnn`): the request cannot be processed, retrying will not help.
    Service,
    /// `PolicyException` (`POLnnnn`): the request is valid but breaks a policy or agreement.
    Policy,
}

impl FaultKind {
    /// Name of the detail element in the common namespace.
    #[must_use]
    pub(crate) const fn element(self) -> &'static str {
        match self {
            Self::Service => "ServiceException",
            Self::Policy => "PolicyException",
        }
    }
}

/// A Parlay X fault, ready to encode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Fault {
    /// ServiceException or PolicyException.
    pub kind: FaultKind,
    /// `SVC0270`, `POL0001`, ….
    pub message_id: String,
    /// The catalogue template, placeholders (`%1`) left in place.
    pub text: String,
    /// Values for the placeholders, in order.
    pub variables: Vec<String>,
    /// `true`: the sender is at fault (SOAP 1.1 `Client`, 1.2 `Sender`); `false`: we are (`Server`,
    /// `Receiver`).
    pub client: bool,
}

impl Fault {
    /// A ServiceException.
    #[must_use]
    pub(crate) fn service(message_id: &str, text: &str, variables: Vec<String>, client: bool) -> Self {
        Self {
            kind: FaultKind::Service,
            message_id: message_id.to_owned(),
            text: text.to_owned(),
            variables,
            client,
        }
    }

    /// A PolicyException; always the client's side (the request broke a policy).
    #[cfg(test)]
    fn policy(message_id: &str, text: &str, variables: Vec<String>) -> Self {
        Self {
            kind: FaultKind::Policy,
            message_id: message_id.to_owned(),
            text: text.to_owned(),
            variables,
            client: true,
        }
    }

    /// SVC0001 "A service error occurred. Error code is %1" (ES 202 391-1 §10.1.1); `client` says
    /// whose fault it is.
    #[must_use]
    pub(crate) fn service_error(code: &str, client: bool) -> Self {
        Self::service(
            "SVC0001",
            "A service error occurred. Error code is %1",
            vec![code.to_owned()],
            client,
        )
    }

    /// SVC0002 "Invalid input value for message part %1" (ES 202 391-1 §10.1.2) for a payload that
    /// did not decode.
    #[must_use]
    pub(crate) fn invalid_part(invalid: &InvalidPart) -> Self {
        let part = if invalid.part.is_empty() {
            "Body"
        } else {
            invalid.part.as_str()
        };
        Self::service(
            "SVC0002",
            "Invalid input value for message part %1",
            vec![part.to_owned()],
            true,
        )
    }

    /// `text` with `%1`… replaced by the variables: the sentence for `faultstring`.
    #[must_use]
    pub(crate) fn substituted(&self) -> String {
        let mut out = self.text.clone();
        // Highest index first, so `%1` does not eat the front of `%10`.
        for (i, value) in self.variables.iter().enumerate().rev() {
            out = out.replace(&format!("%{}", i + 1), value);
        }
        out
    }
}

/// HTTP status for a SOAP fault: always 500 (WS-I Basic Profile 1.1 R1126).
#[must_use]
pub(crate) const fn http_status(_fault: &Fault) -> u16 {
    500
}

/// The SOAP-level fault code, named per version by [`Code::name`].
#[derive(Clone, Copy)]
enum Code {
    Sender,
    Receiver,
    VersionMismatch,
    MustUnderstand,
}

impl Code {
    const fn name(self, version: SoapVersion) -> &'static str {
        match (self, version) {
            (Self::Sender, SoapVersion::V11) => "Client",
            (Self::Sender, SoapVersion::V12) => "Sender",
            (Self::Receiver, SoapVersion::V11) => "Server",
            (Self::Receiver, SoapVersion::V12) => "Receiver",
            (Self::VersionMismatch, _) => "VersionMismatch",
            (Self::MustUnderstand, _) => "MustUnderstand",
        }
    }
}

/// Everything that varies between the faults we write.
struct Shape<'a> {
    code: Code,
    /// A prefixed QName refining the code (WS-Security), with the declaration of its prefix.
    subcode: Option<(&'a str, &'a str)>,
    reason: &'a str,
    /// Pre-rendered content of `detail`/`env:Detail`; empty for none.
    detail: &'a str,
    /// Pre-rendered SOAP 1.2 header blocks; empty for none.
    header: &'a str,
}

/// Encode a Parlay X fault.
#[must_use]
pub(crate) fn encode(version: SoapVersion, fault: &Fault) -> Vec<u8> {
    let mut detail = String::with_capacity(256);
    let element = fault.kind.element();
    detail.push_str("<ns1:");
    detail.push_str(element);
    detail.push_str(" xmlns:ns1=\"");
    detail.push_str(COMMON_NS);
    detail.push_str("\"><messageId>");
    escape_into(&mut detail, &fault.message_id);
    detail.push_str("</messageId><text>");
    escape_into(&mut detail, &fault.text);
    detail.push_str("</text>");
    for variable in &fault.variables {
        detail.push_str("<variables>");
        escape_into(&mut detail, variable);
        detail.push_str("</variables>");
    }
    detail.push_str("</ns1:");
    detail.push_str(element);
    detail.push('>');
    let code = if fault.client {
        Code::Sender
    } else {
        Code::Receiver
    };
    let reason = fault.substituted();
    write(
        version,
        &Shape {
            code,
            subcode: None,
            reason: &reason,
            detail: &detail,
            header: "",
        },
    )
}

/// The WS-Security fault codes the gateway answers (OASIS WSS SOAP Message Security 1.0 §12): a
/// stale `Created`, a replayed nonce and a bad password alike are `FailedAuthentication`, so a
/// caller learns nothing about which check failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum SecurityFault {
    /// The token was well-formed but could not be authenticated or authorized.
    FailedAuthentication,
    /// The `wsse:Security` header could not be processed.
    InvalidSecurity,
}

impl SecurityFault {
    /// Local name of the `wsse:` fault code.
    #[must_use]
    pub(crate) const fn code(self) -> &'static str {
        match self {
            Self::FailedAuthentication => "FailedAuthentication",
            Self::InvalidSecurity => "InvalidSecurity",
        }
    }

    /// The fault string WSS 1.0 §12 gives for the code.
    #[must_use]
    pub(crate) const fn reason(self) -> &'static str {
        match self {
            Self::FailedAuthentication => "The security token could not be authenticated or authorized",
            Self::InvalidSecurity => "An error was discovered processing the <wsse:Security> header",
        }
    }
}

/// Encode a WS-Security fault: SOAP 1.1 `faultcode` is the `wsse:` QName itself (WSS 1.0 §12); in
/// SOAP 1.2 it is a `Subcode` of `env:Sender`.
#[must_use]
pub(crate) fn encode_security(version: SoapVersion, fault: SecurityFault) -> Vec<u8> {
    let value = format!("wsse:{}", fault.code());
    let decl = format!(" xmlns:wsse=\"{WSSE_NS}\"");
    let shape = Shape {
        code: Code::Sender,
        subcode: Some((&value, &decl)),
        reason: fault.reason(),
        detail: "",
        header: "",
    };
    write(version, &shape)
}

/// Encode a VersionMismatch fault saying `reason`. Always written as SOAP 1.1, the version every
/// Parlay X WSDL binds to (SOAP 1.2 Part 1 Appendix A allows a 1.1 answer).
#[must_use]
pub(crate) fn encode_version_mismatch(reason: &str) -> Vec<u8> {
    let shape = Shape {
        code: Code::VersionMismatch,
        subcode: None,
        reason,
        detail: "",
        header: "",
    };
    write(SoapVersion::V11, &shape)
}

/// Encode a MustUnderstand fault for header block `header`; in SOAP 1.2 the block is also named in an
/// `env:NotUnderstood` header (SOAP 1.2 Part 1 §5.4.8).
#[must_use]
pub(crate) fn encode_must_understand(version: SoapVersion, header: &QName) -> Vec<u8> {
    let mut reason = String::from("Header block not understood: ");
    reason.push_str(&header.to_string());
    let mut not_understood = String::new();
    if version == SoapVersion::V12 {
        not_understood.push_str("<env:NotUnderstood qname=\"h:");
        escape_into(&mut not_understood, &header.local);
        not_understood.push_str("\" xmlns:h=\"");
        escape_into(&mut not_understood, &header.ns);
        not_understood.push_str("\"/>");
    }
    let shape = Shape {
        code: Code::MustUnderstand,
        subcode: None,
        reason: &reason,
        detail: "",
        header: &not_understood,
    };
    write(version, &shape)
}

/// The fault answering a request whose envelope [`super::envelope::parse`] refused.
///
/// `version` is the best guess for requests that failed before their root element was read
/// ([`SoapVersion::from_content_type`]); errors that know the version use their own. Refusals of the
/// document itself are SVC0001 Client faults with one of these error codes as `%1`: `RequestTooLarge`,
/// `XmlMalformed`, `XmlDoctypeNotAllowed`, `XmlEntityNotAllowed`, `XmlTooDeep`, `XmlTooManyElements`,
/// `NotSoapEnvelope`, `SoapBodyMissing`, `SoapBodyEmpty`, `SoapElementMisplaced`,
/// `SoapBodyExtraElement`, `XmlTrailingContent`. An envelope in an unknown namespace, or in the other
/// version than its media type, is a SOAP 1.1 VersionMismatch fault.
#[must_use]
pub(crate) fn for_envelope_error(version: SoapVersion, error: &EnvelopeError) -> Vec<u8> {
    let code = match error {
        EnvelopeError::VersionMismatch { .. } => {
            return encode_version_mismatch("Unsupported SOAP envelope namespace: use SOAP 1.1 or SOAP 1.2");
        }
        EnvelopeError::WrongMediaType { .. } => return encode_version_mismatch(&error.to_string()),
        EnvelopeError::MustUnderstand { version, header } => return encode_must_understand(*version, header),
        EnvelopeError::InvalidSecurity { version, .. } => {
            return encode_security(*version, SecurityFault::InvalidSecurity);
        }
        EnvelopeError::TooLarge { .. } => "RequestTooLarge",
        EnvelopeError::Malformed { .. } => "XmlMalformed",
        EnvelopeError::Dtd => "XmlDoctypeNotAllowed",
        EnvelopeError::UnknownEntity { .. } => "XmlEntityNotAllowed",
        EnvelopeError::TooDeep { .. } => "XmlTooDeep",
        EnvelopeError::TooManyElements { .. } => "XmlTooManyElements",
        EnvelopeError::NotAnEnvelope { .. } => "NotSoapEnvelope",
        EnvelopeError::NoBody => "SoapBodyMissing",
        EnvelopeError::EmptyBody => "SoapBodyEmpty",
        EnvelopeError::Misplaced { .. } => "SoapElementMisplaced",
        EnvelopeError::ExtraBodyElement { .. } => "SoapBodyExtraElement",
        EnvelopeError::TrailingContent { .. } => "XmlTrailingContent",
    };
    encode(version, &Fault::service_error(code, true))
}

/// Write the envelope around one fault.
fn write(version: SoapVersion, shape: &Shape<'_>) -> Vec<u8> {
    let mut out = String::with_capacity(640);
    let p = envelope_prefix(version);
    if shape.header.is_empty() {
        super::xml::open_envelope(&mut out, version);
    } else {
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
        out.push_str(&format!(
            "<{p}:Envelope xmlns:{p}=\"{}\"><{p}:Header>",
            version.namespace()
        ));
        out.push_str(shape.header);
        out.push_str(&format!("</{p}:Header><{p}:Body>"));
    }
    let decl = shape.subcode.map_or("", |(_, decl)| decl);
    out.push_str(&format!("<{p}:Fault{decl}>"));
    match version {
        SoapVersion::V11 => write_11(&mut out, p, shape),
        SoapVersion::V12 => write_12(&mut out, p, shape),
    }
    out.push_str(&format!("</{p}:Fault>"));
    close_envelope(&mut out, version);
    out.into_bytes()
}

/// SOAP 1.1 §4.4: `faultcode`, `faultstring`, `detail`, all unqualified.
fn write_11(out: &mut String, p: &str, shape: &Shape<'_>) {
    out.push_str("<faultcode>");
    match shape.subcode {
        Some((value, _)) => out.push_str(value),
        None => {
            out.push_str(p);
            out.push(':');
            out.push_str(shape.code.name(SoapVersion::V11));
        }
    }
    out.push_str("</faultcode><faultstring>");
    escape_into(out, shape.reason);
    out.push_str("</faultstring>");
    if !shape.detail.is_empty() {
        out.push_str("<detail>");
        out.push_str(shape.detail);
        out.push_str("</detail>");
    }
}

/// SOAP 1.2 Part 1 §5.4: `env:Code/env:Value` (+ `env:Subcode`), `env:Reason/env:Text`, `env:Detail`.
fn write_12(out: &mut String, p: &str, shape: &Shape<'_>) {
    let code = shape.code.name(SoapVersion::V12);
    out.push_str(&format!("<{p}:Code><{p}:Value>{p}:{code}</{p}:Value>"));
    if let Some((value, _)) = shape.subcode {
        out.push_str(&format!(
            "<{p}:Subcode><{p}:Value>{value}</{p}:Value></{p}:Subcode>"
        ));
    }
    out.push_str(&format!("</{p}:Code><{p}:Reason><{p}:Text xml:lang=\"en\">"));
    escape_into(out, shape.reason);
    out.push_str(&format!("</{p}:Text></{p}:Reason>"));
    if !shape.detail.is_empty() {
        out.push_str(&format!("<{p}:Detail>{}</{p}:Detail>", shape.detail));
    }
}
