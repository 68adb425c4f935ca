//! The SOAP `Header`: WS-Security UsernameToken extraction, the Huawei SDP `RequestSOAPHeader` read
//! as a token of its own kind, pxgate's `clientCorrelator` block, and `mustUnderstand` enforcement.
//!
//! Only reads; whether the token is valid (password, digest, nonce replay, freshness of `Created`) is
//! the framework's decision, and whether a correlator is acceptable (its length, a reuse) the
//! service's.

use base64::Engine as _;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

use super::{ClientCorrelator, EnvelopeError, Headers, Parser, PasswordType, UsernameToken, check_reference};
use crate::soap::{HUAWEI_NS, PXGATE_HEADER_NS, QName, SoapVersion, WSSE_NS, WSU_NS};

/// WSS UsernameToken Profile 1.0 §3.1 password types (the fragment after `#` is what matters).
const PASSWORD_TEXT: &str = "#PasswordText";
const PASSWORD_DIGEST: &str = "#PasswordDigest";
/// WSS SOAP Message Security 1.0 §3.1: the only Nonce encoding this gateway accepts (and the default).
const BASE64_BINARY: &str = "#Base64Binary";

/// The `actor`/`role` values that address the ultimate receiver (us). A header block aimed at any
/// other actor/role is not ours to process, even with `mustUnderstand` set.
const OUR_ROLES: [&str; 3] = [
    "http://schemas.xmlsoap.org/soap/actor/next", // SOAP 1.1 §4.2.2
    "http://www.w3.org/2003/05/soap-envelope/role/next", // SOAP 1.2 Part 1 §2.2
    "http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver",
];

/// The parts of a UsernameToken being collected.
#[derive(Default)]
struct TokenParts {
    username: Option<String>,
    password: Option<(String, PasswordType)>,
    nonce: Option<Vec<u8>>,
    created: Option<String>,
}

impl<'a> Parser<'a, '_> {
    /// Inside `Header` (already opened), up to its end tag.
    pub(super) fn header(&mut self) -> Result<Headers, EnvelopeError> {
        let mut headers = Headers::default();
        loop {
            let (start, empty) = match self.next()? {
                Event::Start(e) => (e, false),
                Event::Empty(e) => (e, true),
                Event::End(_) => return Ok(headers),
                _ => continue,
            };
            let name = self.qname(&start)?;
            if name.is(WSSE_NS, "Security") {
                if !empty {
                    let found = self.security()?;
                    if headers.security.is_some() && found.is_some() {
                        return Err(self.invalid_security("more than one credential header"));
                    }
                    headers.security = headers.security.or(found);
                }
                continue;
            }
            if name.is(HUAWEI_NS, "RequestSOAPHeader") {
                if empty {
                    return Err(self.invalid_security("RequestSOAPHeader has no spId"));
                }
                let found = self.sp_header()?;
                if headers.security.is_some() {
                    return Err(self.invalid_security("more than one credential header"));
                }
                headers.security = Some(found);
                continue;
            }
            let (must, ours) = self.addressing(&start)?;
            if ours && name.is(PXGATE_HEADER_NS, "clientCorrelator") {
                if headers.client_correlator.is_some() {
                    return Err(self.malformed("more than one clientCorrelator header block"));
                }
                let text = if empty {
                    String::new()
                } else {
                    self.leaf_text()?
                        .ok_or_else(|| self.malformed("clientCorrelator holds text only, no elements"))?
                };
                headers.client_correlator = Some(ClientCorrelator {
                    value: text.trim().to_owned(),
                    must_understand: must,
                });
                continue;
            }
            if must && ours {
                return Err(EnvelopeError::MustUnderstand {
                    version: self.version,
                    header: name,
                });
            }
            if !empty {
                self.skip_element()?;
            }
        }
    }

    /// Whether this header block is marked `mustUnderstand` ("1" or "true"; SOAP 1.1 §4.2.3 allows
    /// "1", SOAP 1.2 Part 1 §5.2.3 `xs:boolean`), and whether it is addressed to us.
    fn addressing(&self, start: &BytesStart<'_>) -> Result<(bool, bool), EnvelopeError> {
        let env_ns = self.version.namespace();
        let mut must = false;
        let mut ours = true;
        for attr in start.attributes() {
            let attr = attr.map_err(|e| self.malformed(e.to_string()))?;
            let (ns, local) = self.reader.resolver().resolve_attribute(attr.key);
            if !matches!(ns, ResolveResult::Bound(n) if n.0 == env_ns) {
                continue;
            }
            let value = attr.value.trim();
            match (local.as_ref(), self.version) {
                ("mustUnderstand", _) => must = value == "1" || value == "true",
                ("actor", SoapVersion::V11) | ("role", SoapVersion::V12) => {
                    ours = OUR_ROLES.contains(&value);
                }
                _ => {}
            }
        }
        Ok((must, ours))
    }

    /// Inside `wsse:Security` (already opened): find the UsernameToken; other security tokens
    /// (Timestamp, BinarySecurityToken, Signature) are skipped and left to whoever needs them.
    fn security(&mut self) -> Result<Option<UsernameToken>, EnvelopeError> {
        let mut token = None;
        loop {
            let (start, empty) = match self.next()? {
                Event::Start(e) => (e, false),
                Event::Empty(e) => (e, true),
                Event::End(_) => return Ok(token),
                _ => continue,
            };
            if self.qname(&start)?.is(WSSE_NS, "UsernameToken") {
                if token.is_some() {
                    return Err(self.invalid_security("more than one UsernameToken"));
                }
                if empty {
                    return Err(self.invalid_security("UsernameToken has no Username"));
                }
                token = Some(self.username_token()?);
            } else if !empty {
                self.skip_element()?;
            }
        }
    }

    /// Inside `wsse:UsernameToken` (already opened).
    fn username_token(&mut self) -> Result<UsernameToken, EnvelopeError> {
        let mut parts = TokenParts::default();
        self.fields(
            "unexpected element inside a UsernameToken field",
            |p, name, start, text| p.token_part(&mut parts, name, start, text),
        )?;
        let username = parts
            .username
            .ok_or_else(|| self.invalid_security("UsernameToken has no Username"))?;
        // The profile makes Password optional, but a token without one proves nothing; refusing it here
        // means no verifier can ever be fooled into comparing against an empty secret.
        let (password, password_type) = parts
            .password
            .ok_or_else(|| self.invalid_security("UsernameToken has no Password"))?;
        Ok(UsernameToken {
            username,
            password,
            password_type,
            nonce: parts.nonce,
            created: parts.created,
        })
    }

    /// Inside a Huawei SDP `RequestSOAPHeader` (already opened): `spId`, `spPassword` and
    /// `timeStamp` (in the header's namespace or none) become a token of kind
    /// [`PasswordType::SpMd5`] whose nonce is the timestamp, so each header is accepted once.
    /// `serviceId`, `OA` and `FA` are not needed: the agreement says what the application may do,
    /// and the operation's body names the end user.
    fn sp_header(&mut self) -> Result<UsernameToken, EnvelopeError> {
        let (mut sp_id, mut sp_password, mut timestamp) = (None, None, None);
        self.fields(
            "unexpected element inside a RequestSOAPHeader field",
            |_, name, _, text| {
                if name.ns.is_empty() || name.ns == HUAWEI_NS {
                    let text = Some(text.trim().to_owned());
                    match name.local.as_str() {
                        "spId" => sp_id = text,
                        "spPassword" => sp_password = text,
                        "timeStamp" => timestamp = text,
                        _ => {}
                    }
                }
                Ok(())
            },
        )?;
        let username = sp_id
            .filter(|s| !s.is_empty())
            .ok_or_else(|| self.invalid_security("RequestSOAPHeader has no spId"))?;
        let password =
            sp_password.ok_or_else(|| self.invalid_security("RequestSOAPHeader has no spPassword"))?;
        let timestamp =
            timestamp.ok_or_else(|| self.invalid_security("RequestSOAPHeader has no timeStamp"))?;
        Ok(UsernameToken {
            username,
            password,
            password_type: PasswordType::SpMd5,
            nonce: Some(timestamp.clone().into_bytes()),
            created: Some(timestamp),
        })
    }

    /// The simple child elements of the element just opened, up to its end tag: `each` gets every
    /// child's name, start tag and text. A child holding elements of its own is invalid security
    /// (`nested` says so).
    fn fields(
        &mut self,
        nested: &'static str,
        mut each: impl FnMut(&Self, &QName, &BytesStart<'_>, String) -> Result<(), EnvelopeError>,
    ) -> Result<(), EnvelopeError> {
        loop {
            let (start, empty) = match self.next()? {
                Event::Start(e) => (e, false),
                Event::Empty(e) => (e, true),
                Event::End(_) => return Ok(()),
                _ => continue,
            };
            let name = self.qname(&start)?;
            let text = if empty {
                String::new()
            } else {
                self.leaf_text()?.ok_or_else(|| self.invalid_security(nested))?
            };
            each(self, &name, &start, text)?;
        }
    }

    fn token_part(
        &self,
        parts: &mut TokenParts,
        name: &QName,
        start: &BytesStart<'_>,
        text: String,
    ) -> Result<(), EnvelopeError> {
        match (name.ns.as_str(), name.local.as_str()) {
            (WSSE_NS, "Username") => parts.username = Some(text.trim().to_owned()),
            (WSSE_NS, "Password") => {
                let kind = match self.plain_attribute(start, "Type")? {
                    None => PasswordType::Text,
                    Some(t) if t.ends_with(PASSWORD_TEXT) => PasswordType::Text,
                    Some(t) if t.ends_with(PASSWORD_DIGEST) => PasswordType::Digest,
                    Some(_) => return Err(self.invalid_security("unsupported Password Type")),
                };
                parts.password = Some((text, kind));
            }
            (WSSE_NS, "Nonce") => {
                if let Some(enc) = self.plain_attribute(start, "EncodingType")?
                    && !enc.ends_with(BASE64_BINARY)
                {
                    return Err(self.invalid_security("unsupported Nonce EncodingType"));
                }
                let compact: String = text.split_ascii_whitespace().collect();
                let nonce = base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .map_err(|_| self.invalid_security("Nonce is not valid Base64"))?;
                parts.nonce = Some(nonce);
            }
            (WSU_NS, "Created") => parts.created = Some(text.trim().to_owned()),
            _ => {}
        }
        Ok(())
    }

    /// Value of an unprefixed attribute (WSS puts `Type` and `EncodingType` in no namespace).
    fn plain_attribute(&self, start: &BytesStart<'_>, local: &str) -> Result<Option<String>, EnvelopeError> {
        for attr in start.attributes() {
            let attr = attr.map_err(|e| self.malformed(e.to_string()))?;
            if attr.key.0 == local {
                let value = attr
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .map_err(|e| self.malformed(e.to_string()))?;
                return Ok(Some(value.into_owned()));
            }
        }
        Ok(None)
    }

    /// Text content of a simple element whose start tag was just read, up to its end tag; `None`
    /// if it has a child element (the caller says what that is wrong with).
    fn leaf_text(&mut self) -> Result<Option<String>, EnvelopeError> {
        let mut text = String::new();
        loop {
            match self.next()? {
                Event::Text(t) => text.push_str(&t.xml10_content()),
                Event::CData(c) => text.push_str(&c.xml10_content()),
                Event::GeneralRef(r) => {
                    if let Ok(Some(c)) = check_reference(&r) {
                        text.push(c);
                    }
                }
                Event::End(_) => return Ok(Some(text)),
                Event::Start(_) | Event::Empty(_) => return Ok(None),
                _ => {}
            }
        }
    }

    fn invalid_security(&self, reason: &'static str) -> EnvelopeError {
        EnvelopeError::InvalidSecurity {
            version: self.version,
            reason,
        }
    }
}
