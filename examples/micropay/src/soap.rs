//! SOAP 1.1 as the shop speaks it: the three request bodies (shaped by the gateway's WSDL, the
//! operation element in the service's `local` namespace, its children qualified except the parts
//! of `ChargingInformation`), the WS-Security UsernameToken header, and reading an answer or a
//! Parlay X fault. No I/O here.

use base64::Engine as _;
use quick_xml::escape::escape;
use quick_xml::events::Event;
use sha1::{Digest, Sha1};

/// `wsdl/parlayx_payment_amount_charging_interface_2_1.wsdl`
pub const AMOUNT_CHARGING_NS: &str = "http://www.csapi.org/schema/parlayx/payment/amount_charging/v2_1/local";
/// `wsdl/parlayx_account_management_interface_2_2.wsdl`
pub const ACCOUNT_MANAGEMENT_NS: &str = "http://www.csapi.org/schema/parlayx/account_management/v2_2/local";
/// `wsdl/parlayx_sms_send_interface_2_2.wsdl`
pub const SEND_SMS_NS: &str = "http://www.csapi.org/schema/parlayx/sms/send/v2_2/local";

const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const WSSE_NS: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
const WSU_NS: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
const PASSWORD_DIGEST: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest";

/// A SOAP 1.1 envelope around one operation element, with an optional header block.
#[must_use]
pub fn envelope(header: Option<&str>, operation: &str) -> String {
    let header = header.map_or(String::new(), |h| format!("<soapenv:Header>{h}</soapenv:Header>"));
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <soapenv:Envelope xmlns:soapenv=\"{SOAP11_NS}\">{header}<soapenv:Body>{operation}</soapenv:Body>\
         </soapenv:Envelope>"
    )
}

/// WS-Security UsernameToken Profile 1.0 §3.1: `Password_Digest = Base64(SHA-1(nonce + created +
/// password))`, with the raw nonce bytes; `created` is `xsd:dateTime` in UTC.
#[must_use]
pub fn password_digest(nonce: &[u8], created: &str, password: &str) -> String {
    let mut sha = Sha1::new();
    sha.update(nonce);
    sha.update(created.as_bytes());
    sha.update(password.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(sha.finalize())
}

/// A `wsse:Security` header with a PasswordDigest UsernameToken over `nonce` and `created`.
#[must_use]
pub fn security_header(username: &str, password: &str, nonce: &[u8], created: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD;
    format!(
        "<wsse:Security xmlns:wsse=\"{WSSE_NS}\" xmlns:wsu=\"{WSU_NS}\"><wsse:UsernameToken>\
         <wsse:Username>{}</wsse:Username><wsse:Password Type=\"{PASSWORD_DIGEST}\">{}</wsse:Password>\
         <wsse:Nonce>{}</wsse:Nonce><wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security>",
        escape(username),
        password_digest(nonce, created, password),
        b64.encode(nonce)
    )
}

/// `chargeAmount`: `amount` in whole won; `description` is what the subscriber's statement shows.
#[must_use]
pub fn charge_amount(end_user: &str, description: &str, amount: i64, reference: &str) -> String {
    format!(
        "<loc:chargeAmount xmlns:loc=\"{AMOUNT_CHARGING_NS}\"><loc:endUserIdentifier>{}</loc:endUserIdentifier>\
         <loc:charge><description>{}</description><currency>KRW</currency><amount>{amount}</amount></loc:charge>\
         <loc:referenceCode>{}</loc:referenceCode></loc:chargeAmount>",
        escape(end_user),
        escape(description),
        escape(reference)
    )
}

/// `getBalance` of one end user (no PIN: the shop does not know it).
#[must_use]
pub fn get_balance(end_user: &str) -> String {
    format!(
        "<loc:getBalance xmlns:loc=\"{ACCOUNT_MANAGEMENT_NS}\"><loc:endUserIdentifier>{}</loc:endUserIdentifier>\
         </loc:getBalance>",
        escape(end_user)
    )
}

/// `sendSms` of `message` to one address from `sender`.
#[must_use]
pub fn send_sms(to: &str, sender: &str, message: &str) -> String {
    format!(
        "<loc:sendSms xmlns:loc=\"{SEND_SMS_NS}\"><loc:addresses>{}</loc:addresses>\
         <loc:senderName>{}</loc:senderName><loc:message>{}</loc:message></loc:sendSms>",
        escape(to),
        escape(sender),
        escape(message)
    )
}

/// A successful answer: the text of every leaf element, by local name, in document order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reply {
    leaves: Vec<(String, String)>,
}

impl Reply {
    /// The text of the first leaf element named `local`.
    #[must_use]
    pub fn first(&self, local: &str) -> Option<&str> {
        self.leaves
            .iter()
            .find(|(name, _)| name == local)
            .map(|(_, text)| text.as_str())
    }

    /// The texts of every leaf element named `local`.
    #[must_use]
    pub fn all(&self, local: &str) -> Vec<&str> {
        self.leaves
            .iter()
            .filter(|(name, _)| name == local)
            .map(|(_, text)| text.as_str())
            .collect()
    }
}

/// A SOAP fault: the Parlay X `messageId` (or, without a Parlay X detail, the `faultcode`), the
/// readable sentence and the exception's variables.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {text}")]
pub struct Fault {
    /// `POL1009`, `SVC0002`, … or a SOAP fault code such as `wsse:FailedAuthentication`.
    pub code: String,
    /// `faultstring`: the sentence with its variables filled in.
    pub text: String,
    /// The exception's `variables`, in order.
    pub variables: Vec<String>,
}

/// Reads an answer: `Ok(Ok(reply))`, `Ok(Err(fault))`, or `Err(why)` when it is not SOAP XML.
pub fn read_answer(body: &str) -> Result<Result<Reply, Fault>, String> {
    let (leaves, is_fault) = leaves(body)?;
    let reply = Reply { leaves };
    if !is_fault {
        return Ok(Ok(reply));
    }
    let code = reply
        .first("messageId")
        .or_else(|| reply.first("faultcode"))
        .unwrap_or("soapenv:Server");
    let text = reply
        .first("faultstring")
        .or_else(|| reply.first("text"))
        .unwrap_or("");
    Ok(Err(Fault {
        code: code.to_owned(),
        text: text.to_owned(),
        variables: reply.all("variables").into_iter().map(str::to_owned).collect(),
    }))
}

/// An element being read: its local name, its text so far, whether it has child elements.
struct Open {
    local: String,
    text: String,
    parent: bool,
}

/// Every leaf element's (local name, text), and whether a `Fault` element was seen.
fn leaves(body: &str) -> Result<(Vec<(String, String)>, bool), String> {
    let mut reader = quick_xml::Reader::from_str(body);
    let (mut out, mut open) = (Vec::new(), Vec::<Open>::new());
    let (mut is_fault, mut saw_envelope) = (false, false);
    loop {
        match reader.read_event().map_err(|e| format!("not XML: {e}"))? {
            Event::Start(e) => {
                let local = e.local_name().as_ref().to_owned();
                is_fault |= local == "Fault";
                saw_envelope |= local == "Envelope";
                if let Some(parent) = open.last_mut() {
                    parent.parent = true;
                }
                open.push(Open {
                    local,
                    text: String::new(),
                    parent: false,
                });
            }
            Event::Empty(e) => {
                let local = e.local_name().as_ref().to_owned();
                out.push((local, String::new()));
            }
            Event::Text(t) => append(&mut open, &t.xml10_content()),
            Event::CData(c) => append(&mut open, &c.xml10_content()),
            Event::GeneralRef(r) => append(&mut open, &reference(&r)),
            Event::End(_) => match open.pop() {
                Some(e) if !e.parent => out.push((e.local, e.text.trim().to_owned())),
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_envelope {
        return Err("not a SOAP envelope".to_owned());
    }
    Ok((out, is_fault))
}

fn append(open: &mut [Open], text: &str) {
    if let Some(current) = open.last_mut() {
        current.text.push_str(text);
    }
}

/// A character reference or one of the five predefined entities; anything else is kept as written.
fn reference(r: &quick_xml::events::BytesRef<'_>) -> String {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return c.to_string();
    }
    match r.as_ref() {
        "lt" => "<".to_owned(),
        "gt" => ">".to_owned(),
        "amp" => "&".to_owned(),
        "apos" => "'".to_owned(),
        "quot" => "\"".to_owned(),
        other => format!("&{other};"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_matches_the_profile_example() {
        // WS-Security UsernameToken Profile 1.0 §3.1 style check, values computed independently.
        let nonce = b"0123456789abcdef";
        let digest = password_digest(nonce, "2026-11-24T10:00:00.000Z", "secret");
        let mut sha = Sha1::new();
        sha.update(b"0123456789abcdef2026-11-24T10:00:00.000Zsecret");
        assert_eq!(
            digest,
            base64::engine::general_purpose::STANDARD.encode(sha.finalize())
        );
    }

    #[test]
    fn a_fault_gives_its_code_sentence_and_variables() {
        let body = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>
            <soapenv:Fault><faultcode>soapenv:Server</faultcode>
            <faultstring>User has not been provisioned for payment</faultstring><detail>
            <ns1:PolicyException xmlns:ns1="http://www.csapi.org/schema/parlayx/common/v2_1">
            <messageId>POL1009</messageId><text>User has not been provisioned for %1</text>
            <variables>payment</variables></ns1:PolicyException></detail></soapenv:Fault>
            </soapenv:Body></soapenv:Envelope>"#;
        let fault = read_answer(body).unwrap().unwrap_err();
        assert_eq!(fault.code, "POL1009");
        assert_eq!(fault.text, "User has not been provisioned for payment");
        assert_eq!(fault.variables, ["payment"]);
    }

    #[test]
    fn an_answer_gives_its_leaves_and_garbage_is_refused() {
        let body = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
            <ns:getBalanceResponse xmlns:ns="urn:x"><ns:result><balanceType>Cash</balanceType>
            <amount>45700</amount></ns:result></ns:getBalanceResponse></s:Body></s:Envelope>"#;
        let reply = read_answer(body).unwrap().unwrap();
        assert_eq!(reply.first("amount"), Some("45700"));
        assert!(read_answer("<html>oops</html>").is_err());
        assert!(read_answer("not xml <").is_err());
    }

    #[test]
    fn text_is_escaped_in_requests() {
        let sms = send_sms("tel:+821012340001", "MICROSHOP", "a < b & \"커피\"");
        assert!(sms.contains("a &lt; b &amp; &quot;커피&quot;"), "{sms}");
    }
}
