//! Payload decoding into typed requests, and the response writer.
//!
//! Owns: running serde over the operation element found by [`super::envelope::parse`], turning the first
//! missing or bad element into an [`InvalidPart`] (SVC0002, "Invalid input value for message part %1",
//! ES 202 391-1 §10.1.2), and writing well-formed, namespace-correct response envelopes fast.
//!
//! Must not know: which operation a payload belongs to or what its values mean (ranges, currencies,
//! amounts are business rules in `scf/`).
//!
//! quick-xml's deserializer matches local names only (tafia/quick-xml #218); the operation's namespace
//! was already checked on the envelope, and ignoring the namespace of the children makes us lenient
//! with clients that qualify `ChargingInformation` children by mistake.

#[cfg(test)]
mod tests;

use serde::de::DeserializeOwned;

use super::SoapVersion;

/// A message part that is missing or does not hold a valid value; becomes SVC0002 with `part` as %1.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid input value for message part {part}: {reason}")]
pub(crate) struct InvalidPart {
    /// Element path below the operation element, dot-separated: `endUserIdentifier`, `charge.amount`,
    /// `parameters[1].name`. Empty when the operation element itself is unusable.
    pub part: String,
    /// What was wrong, for logs (not sent to the client beyond the part name).
    pub reason: String,
}

/// Deserialize an operation element (the [`super::envelope::Envelope::payload`]) into `T`.
///
/// # Errors
/// [`InvalidPart`] naming the first element that is missing or cannot be read as its type.
pub(crate) fn decode<T: DeserializeOwned>(payload: &[u8]) -> Result<T, InvalidPart> {
    let text = std::str::from_utf8(payload).map_err(|e| InvalidPart {
        part: String::new(),
        reason: e.to_string(),
    })?;
    let mut de = quick_xml::de::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = element_path(err.path());
        let reason = err.inner().to_string();
        // serde reports a missing field at its parent; the part the client got wrong is the field.
        let part = match missing_field(&reason) {
            Some(field) if path.is_empty() => field.to_owned(),
            Some(field) => format!("{path}.{field}"),
            None => path,
        };
        InvalidPart { part, reason }
    })
}

/// `serde_path_to_error` path rendered as element names: `charge.amount`, `parameters[0].name`.
fn element_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => push_name(&mut out, key),
            Segment::Unknown => {}
        }
    }
    out
}

fn push_name(out: &mut String, name: &str) {
    // quick-xml reports text content as `$text`/`$value`; those are not element names.
    if name.starts_with('$') {
        return;
    }
    if !out.is_empty() {
        out.push('.');
    }
    out.push_str(name);
}

/// The field name in serde's "missing field `x`" message.
fn missing_field(reason: &str) -> Option<&str> {
    reason.strip_prefix("missing field `")?.split('`').next()
}

/// `#[serde(default, deserialize_with = "empty_as_none")]` for an optional string element: an empty
/// element (`<currency/>`, `<code></code>`) means "not given", the way most SOAP stacks send a null.
///
/// # Errors
/// Whatever the underlying deserializer reports for a non-string value.
pub(crate) fn empty_as_none<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
    let value: Option<String> = serde::Deserialize::deserialize(de)?;
    Ok(value.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()))
}

/// serde helpers for `xsd:decimal` element content as [`rust_decimal::Decimal`], parsed from the text
/// (never through a float) by [`crate::domain::money::parse_amount`], the reading the REST binding
/// uses too. Written here because the crate's `rust_decimal::serde::str` helpers sit behind a feature
/// (`serde-with-str`) the package does not enable.
pub(crate) mod decimal {
    use rust_decimal::Decimal;

    use crate::domain::money::parse_amount;

    /// Parse `xsd:decimal` lexical form (XSD 1.0 Part 2 §3.2.3: optional sign, digits, optional
    /// fraction, no exponent). Whitespace around it is dropped first, as the type's `whiteSpace`
    /// facet (`collapse`) says; a JSON string has no such facet, so this is the SOAP side's only
    /// difference from REST.
    fn parse<E: serde::de::Error>(text: &str) -> Result<Decimal, E> {
        let text = text.trim_matches([' ', '\t', '\r', '\n']);
        parse_amount(text).map_err(|e| E::custom(format!("not an xsd:decimal: {e}")))
    }

    /// `#[serde(deserialize_with = "decimal::required")]` for a mandatory decimal element.
    ///
    /// # Errors
    /// The text is not an `xsd:decimal` or does not fit a `Decimal`.
    pub(crate) fn required<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Decimal, D::Error> {
        let text: String = serde::Deserialize::deserialize(de)?;
        parse(&text)
    }

    /// `#[serde(default, deserialize_with = "decimal::optional")]` for an optional decimal element;
    /// an empty element is `None`.
    ///
    /// # Errors
    /// The text is neither empty nor an `xsd:decimal`.
    pub(crate) fn optional<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<Decimal>, D::Error> {
        let text: Option<String> = serde::Deserialize::deserialize(de)?;
        match text.as_deref().map(|t| t.trim_matches([' ', '\t', '\r', '\n'])) {
            None | Some("") => Ok(None),
            Some(t) => parse(t).map(Some),
        }
    }
}

/// Append `text` to `out`, escaped for element content or a double-quoted attribute value.
///
/// XML 1.0 §2.2 allows only `#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]`,
/// not even as character references, so any other character (a control character in a handset's
/// text, a GSM page break) is written as U+FFFD: the answer stays well-formed and the rest of the
/// text is kept.
pub(crate) fn escape_into(out: &mut String, text: &str) {
    // Fast path: most values (MSISDNs, ids, amounts) need no escaping at all.
    if !text.bytes().any(|b| {
        matches!(b, b'<' | b'>' | b'&' | b'"' | b'\'') || (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
    }) && !text.contains(['\u{FFFE}', '\u{FFFF}'])
    {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push(char::REPLACEMENT_CHARACTER),
        }
    }
}

/// Whether XML 1.0 can carry `c` (§2.2 `Char`).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Builds one response envelope in a single preallocated buffer, no DOM.
///
/// The operation response wrapper is written as `<ns:{op}Response xmlns:ns="{local ns}">`; children
/// written with the `qualified_*` methods get the `ns:` prefix (the local schemas are
/// `elementFormDefault="qualified"`), children written with the `unqualified_*` methods get none (the
/// common type schemas leave it unqualified), per `parlayx-spec.md` §1.1.
#[derive(Debug)]
pub(crate) struct ResponseWriter {
    out: String,
    wrapper: &'static str,
    version: SoapVersion,
}

/// The prefix used for the operation's local namespace in responses.
const NS: &str = "ns";

impl ResponseWriter {
    /// Open `Envelope`, `Body` and the wrapper element `wrapper` (e.g. `chargeAmountResponse`) in
    /// namespace `namespace`.
    #[must_use]
    pub(crate) fn new(version: SoapVersion, namespace: &str, wrapper: &'static str) -> Self {
        let mut out = String::with_capacity(512);
        open_envelope(&mut out, version);
        out.push('<');
        out.push_str(NS);
        out.push(':');
        out.push_str(wrapper);
        out.push_str(" xmlns:ns=\"");
        escape_into(&mut out, namespace);
        out.push_str("\">");
        Self {
            out,
            wrapper,
            version,
        }
    }

    /// `<ns:{name}>{text}</ns:{name}>`: a direct child of the wrapper.
    pub(crate) fn qualified_text(&mut self, name: &str, text: &str) -> &mut Self {
        self.start_qualified(name);
        escape_into(&mut self.out, text);
        self.end_qualified(name)
    }

    /// `<ns:{name}>`: open a direct child of the wrapper whose content is a common type.
    pub(crate) fn start_qualified(&mut self, name: &str) -> &mut Self {
        self.out.push_str("<ns:");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// `</ns:{name}>`.
    pub(crate) fn end_qualified(&mut self, name: &str) -> &mut Self {
        self.out.push_str("</ns:");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// `<{name}>{text}</{name}>`: a child of a common type, in no namespace.
    pub(crate) fn unqualified_text(&mut self, name: &str, text: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        escape_into(&mut self.out, text);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// Close the wrapper, `Body` and `Envelope`, and return the bytes to send.
    #[must_use]
    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.out.push_str("</ns:");
        self.out.push_str(self.wrapper);
        self.out.push('>');
        close_envelope(&mut self.out, self.version);
        self.out.into_bytes()
    }
}

/// A response whose wrapper has no children (`<ns:chargeAmountResponse xmlns:ns="…"/>` equivalent).
#[must_use]
pub(crate) fn empty_response(version: SoapVersion, namespace: &str, wrapper: &'static str) -> Vec<u8> {
    ResponseWriter::new(version, namespace, wrapper).finish()
}

/// `<?xml…?><env:Envelope xmlns:env="…"><env:Body>`; the prefix is `soapenv` for 1.1 (what SoapUI and
/// Axis write) and `env` for 1.2 (the prefix of the SOAP 1.2 specification's examples).
pub(crate) fn open_envelope(out: &mut String, version: SoapVersion) {
    let prefix = envelope_prefix(version);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?><");
    out.push_str(prefix);
    out.push_str(":Envelope xmlns:");
    out.push_str(prefix);
    out.push_str("=\"");
    out.push_str(version.namespace());
    out.push_str("\"><");
    out.push_str(prefix);
    out.push_str(":Body>");
}

/// `</env:Body></env:Envelope>`.
pub(crate) fn close_envelope(out: &mut String, version: SoapVersion) {
    let prefix = envelope_prefix(version);
    out.push_str("</");
    out.push_str(prefix);
    out.push_str(":Body></");
    out.push_str(prefix);
    out.push_str(":Envelope>");
}

/// The envelope prefix we write for a version.
pub(crate) const fn envelope_prefix(version: SoapVersion) -> &'static str {
    match version {
        SoapVersion::V11 => "soapenv",
        SoapVersion::V12 => "env",
    }
}
