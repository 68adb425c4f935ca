//! The shape of an envelope beyond well-formed XML: unique attributes on every element, the order of
//! `Envelope`'s children, and the one operation element of `Body`.
//!
//! Must not know: which operations exist (the binding looks the QName up) or what a header block
//! says (that is [`super::header`]).

use quick_xml::events::attributes::AttrError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

use super::{EnvelopeError, Headers, Parser, is_blank};
use crate::soap::QName;

impl<'a> Parser<'a, '_> {
    /// Children of `Envelope`: an optional `Header`, then `Body`, then anything (SOAP 1.1 §4 allows
    /// further, namespace-qualified elements after `Body`; they are skipped).
    ///
    /// SOAP 1.1 §4: the Header "MUST be the first immediate child element of a SOAP Envelope
    /// element", and the Body "MUST directly follow the SOAP Header element if present. Otherwise
    /// it MUST be the first immediate child element" (SOAP 1.2 Part 1 §5.1 likewise). A `Header`
    /// anywhere else, a second `Header`, or another element before `Body` is
    /// [`EnvelopeError::Misplaced`]: a header block after the operation would otherwise be read,
    /// or not, depending on the reader.
    pub(super) fn envelope_children(&mut self) -> Result<(Headers, QName, &'a [u8]), EnvelopeError> {
        let env_ns = self.version.namespace();
        let mut headers = Headers::default();
        let mut body = None;
        let mut first = true;
        loop {
            let (start, empty) = match self.next()? {
                Event::Start(e) => (e, false),
                Event::Empty(e) => (e, true),
                Event::End(_) => break,
                Event::Text(t) if !is_blank(&t) => {
                    return Err(self.malformed("text directly inside Envelope"));
                }
                _ => continue,
            };
            let name = self.qname(&start)?;
            let (is_header, is_body) = (name.is(env_ns, "Header"), name.is(env_ns, "Body"));
            if (is_header && !first) || (!is_header && !is_body && body.is_none()) {
                return Err(EnvelopeError::Misplaced {
                    element: name,
                    position: self.event_start as u64,
                });
            }
            first = false;
            match (is_header, is_body, empty) {
                (true, _, false) => headers = self.header()?,
                (_, true, true) => return Err(EnvelopeError::EmptyBody),
                (_, true, false) if body.is_some() => return Err(self.malformed("more than one Body")),
                (_, true, false) => body = Some(self.body()?),
                (false, false, false) => self.skip_element()?,
                _ => {}
            }
        }
        let (operation, payload) = body.ok_or(EnvelopeError::NoBody)?;
        Ok((headers, operation, payload))
    }

    /// Inside `Body` (already opened): exactly one element, the operation. WS-I Basic Profile 1.1
    /// R2201/R2712: a document-literal message has at most one part and is serialized as the one
    /// child of `Body`; a second element is [`EnvelopeError::ExtraBodyElement`], never dropped.
    fn body(&mut self) -> Result<(QName, &'a [u8]), EnvelopeError> {
        let mut operation = None;
        loop {
            let (start, empty) = match self.next()? {
                Event::Start(e) => (e, false),
                Event::Empty(e) => (e, true),
                Event::End(_) => return operation.ok_or(EnvelopeError::EmptyBody),
                _ => continue,
            };
            let begin = self.event_start;
            let name = self.qname(&start)?;
            if operation.is_some() {
                return Err(EnvelopeError::ExtraBodyElement {
                    found: name,
                    position: begin as u64,
                });
            }
            if !empty {
                self.skip_element()?;
            }
            operation = Some((name, self.slice(begin)));
        }
    }

    /// Every attribute of an element just read is unique: by its written name (XML 1.0 §3.1, "Unique
    /// Att Spec"), and by namespace and local name (Namespaces in XML 1.0 §6.3), so `p:a` and `q:a`
    /// with `p` and `q` bound to one namespace are one attribute written twice.
    pub(super) fn check_attributes(&self, start: &BytesStart<'_>) -> Result<(), EnvelopeError> {
        // Byte offset of the tag's name: the event began at its `<`.
        let tag = self.event_start as u64 + 1;
        let mut qualified: Vec<(&str, String)> = Vec::new();
        for attr in start.attributes() {
            let attr = attr.map_err(|e| match e {
                AttrError::Duplicated(at, _) => EnvelopeError::Malformed {
                    position: tag + at as u64,
                    reason: "duplicate attribute".to_owned(),
                },
                other => EnvelopeError::Malformed {
                    position: tag + attribute_error_offset(&other) as u64,
                    reason: other.to_string(),
                },
            })?;
            let (ns, local) = self.reader.resolver().resolve_attribute(attr.key);
            let ResolveResult::Bound(ns) = ns else {
                continue;
            };
            let local = local.as_ref().to_owned();
            if qualified.iter().any(|(n, l)| *n == ns.0 && *l == local) {
                return Err(EnvelopeError::Malformed {
                    position: tag,
                    reason: "duplicate attribute (the same namespace and local name)".to_owned(),
                });
            }
            qualified.push((ns.0, local));
        }
        Ok(())
    }
}

/// Where in the tag quick-xml found an attribute it could not read.
fn attribute_error_offset(e: &AttrError) -> usize {
    match e {
        AttrError::ExpectedEq(at)
        | AttrError::ExpectedValue(at)
        | AttrError::UnquotedValue(at)
        | AttrError::ExpectedQuote(at, _)
        | AttrError::Duplicated(at, _) => *at,
    }
}
