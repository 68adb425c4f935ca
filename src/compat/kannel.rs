//! Kannel's `sendsms` interface: `GET /cgi-bin/sendsms?username=…&password=…&to=…&text=…`, or the
//! same fields form-encoded in a `POST`. `username`/`password` (or `user`/`pass`) are an
//! application credential; `to` holds one or more numbers separated by spaces; `from` must be one of
//! the agreement's senders (its first sender when absent, as Kannel's global sender). The answers
//! are Kannel's: `202 0: Accepted for delivery`, `403 Authorization failed for sendsms`, and its
//! texts for refused fields (status 400).
//!
//! Delivery reports: with `dlr-url` and a `dlr-mask` asking for final reports (1 delivered to the
//! phone, 2 not delivered), the gateway fetches `dlr-url` with `GET` once a number's parts are all
//! final, its escapes filled in: `%d` (1 or 2), `%A` (the report: `id:<requestIdentifier>` and
//! `stat:DELIVRD`, `stat:UNDELIV`, or `stat:UNKNOWN` when the network could not say), `%p` (the sender), `%P` (the number, as E.164), `%q`/`%Q` (the same, `+`
//! written), `%T` (the report's time, seconds since the epoch), `%I` (the requestIdentifier), `%i`
//! (`pxgate`), `%n` (the application's id). SMSC-level reports (4, 8, 16) are not sent: a mask asking only
//! for them is refused. Not offered: `udh`, `mclass`, `mwi`, `validity`, `deferred`, `coding=2`
//! (binary), `smsc`; a request naming one is refused, never half served. The text's coding is
//! chosen by the gateway (GSM 7-bit when it fits, UCS-2 otherwise), so `coding` 0, 1 and 3 are
//! accepted as hints.

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{Answer, Fields, Refused, Unreadable, read_fields};
use crate::callbacks::Payload;
use crate::framework::{AuthError, Credentials, Operation, Permit};
use crate::gateway::Gateway;
use crate::scf::sms::{DeliveryStatus, DueReceipt, NotifyFormat, SendSmsRequest};
use crate::scf::{Scf, ScfError};

/// The path Kannel's smsbox serves it on.
pub(crate) const PATH: &str = "/cgi-bin/sendsms";

/// The fields of a request this gateway cannot serve; each is refused by name.
const UNSUPPORTED: [&str; 7] = ["udh", "mclass", "mwi", "validity", "deferred", "smsc", "binfo"];

/// DLR mask bits (Kannel's `dlr-mask`): delivered to the phone, not delivered to it.
const DLR_DELIVERED: u32 = 1;
const DLR_FAILED: u32 = 2;

/// `GET|POST /cgi-bin/sendsms`.
pub(crate) async fn sendsms(State(gateway): State<Gateway>, request: Request) -> Response {
    let peer = crate::http::peer_ip(request.extensions());
    let fields = match read_fields(request, false).await {
        Ok(fields) => fields,
        Err(Unreadable::TooLarge) => {
            return text(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large, rejected");
        }
        Err(_) => {
            return text(
                StatusCode::BAD_REQUEST,
                "Content-Type must be application/x-www-form-urlencoded, rejected",
            );
        }
    };
    let credentials = Credentials::Basic {
        username: fields.get(&["username", "user"]).unwrap_or_default(),
        password: fields.get(&["password", "pass"]).unwrap_or_default(),
    };
    let call = async |scf: &Scf, permit: &Permit| Answer(send(scf, permit, &fields).await);
    match gateway.serve(&credentials, Operation::SendSms, peer, call).await {
        Ok(Answer(Ok(()))) => text(StatusCode::ACCEPTED, "0: Accepted for delivery"),
        Ok(Answer(Err(refused))) => text(refused.status, &refused.text),
        Err(e) => {
            let refused = auth_refusal(&e);
            text(refused.status, &refused.text)
        }
    }
}

/// Kannel answers in `text/html`, whatever the text.
fn text(status: StatusCode, text: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        text.to_owned(),
    )
        .into_response()
}

fn auth_refusal(e: &AuthError) -> Refused {
    match e {
        AuthError::Throttled { .. } | AuthError::LockedOut { .. } | AuthError::Unavailable => Refused {
            status: StatusCode::SERVICE_UNAVAILABLE,
            text: "Temporarily unavailable, try again later".to_owned(),
            outcome: e.outcome(),
        },
        _ => Refused {
            status: StatusCode::FORBIDDEN,
            text: "Authorization failed for sendsms".to_owned(),
            outcome: e.outcome(),
        },
    }
}

/// Checks the fields as Kannel would, then sends.
async fn send(scf: &Scf, permit: &Permit, fields: &Fields) -> Result<(), Refused> {
    if let Some(name) = UNSUPPORTED.iter().find(|n| fields.has(n)) {
        return Err(Refused::bad(format!(
            "{name} is not supported by this gateway, rejected"
        )));
    }
    if !fields.has("to") {
        return Err(Refused::bad("Missing receiver number, rejected"));
    }
    let to: Vec<String> = fields
        .get(&["to"])
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    if to.is_empty() {
        return Err(Refused::bad("Empty receiver number not allowed, rejected"));
    }
    let message = message(fields)?;
    let mask = dlr_mask(fields)?;
    let receipt_request = match (fields.get(&["dlr-url", "dlrurl"]), mask) {
        (Some(url), Some(mask)) => {
            let report = ReportData {
                mask,
                from: fields.get(&["from"]).unwrap_or_default(),
                user: permit.app().id.clone(),
            };
            Some((url, report.encode()))
        }
        (Some(_), None) => return Err(Refused::bad("dlr-url needs a dlr-mask, rejected")),
        (None, _) => None,
    };
    let request = SendSmsRequest {
        addresses: to,
        sender_name: fields.get(&["from"]),
        message,
        receipt_request,
        charging: None,
        notify_format: NotifyFormat::Kannel,
        client_correlator: None,
    };
    scf.send_sms_once(permit, &request)
        .await
        .map(|_| ())
        .map_err(refusal)
}

/// `text` in `charset` (UTF-8 unless it says ISO-8859-1); Kannel's `coding` 0, 1 and 3 are hints
/// (the gateway chooses), 2 (8-bit binary) is not offered.
fn message(fields: &Fields) -> Result<String, Refused> {
    match fields.get(&["coding"]).as_deref() {
        None | Some("0" | "1" | "3") => {}
        Some(_) => return Err(Refused::bad("Coding field misformed or not supported, rejected")),
    }
    let Some(text) = fields.raw(&["text"]) else {
        return Err(Refused::bad("Empty text not allowed, rejected"));
    };
    let misformed = || Refused::bad("Charset or body misformed, rejected");
    match fields
        .get(&["charset"])
        .map(|c| c.to_ascii_lowercase())
        .as_deref()
    {
        None | Some("utf-8" | "utf8") => String::from_utf8(text.to_vec()).map_err(|_| misformed()),
        // Latin-1 octets are the code points 0–255.
        Some("iso-8859-1" | "latin1") => Ok(text.iter().map(|b| char::from(*b)).collect()),
        Some(_) => Err(misformed()),
    }
}

/// The final reports `dlr-mask` asks for (1, 2 or both), `None` without a mask.
fn dlr_mask(fields: &Fields) -> Result<Option<u32>, Refused> {
    let Some(raw) = fields.get(&["dlr-mask", "dlrmask"]) else {
        return Ok(None);
    };
    let misformed = || Refused::bad("DLR-Mask field misformed, rejected");
    let mask: u32 = raw.trim().parse().map_err(|_| misformed())?;
    let wanted = mask & (DLR_DELIVERED | DLR_FAILED);
    if mask > 31 || (mask != 0 && wanted == 0) {
        // Only SMSC-level (4, 8, 16) reports: none of them is sent here.
        return Err(Refused::bad(
            "DLR-Mask asks only for SMSC-level reports, which this gateway does not send, rejected",
        ));
    }
    Ok((wanted != 0).then_some(wanted))
}

fn refusal(e: ScfError) -> Refused {
    let outcome = e.outcome();
    let (status, text) = match &e {
        ScfError::SenderNotAllowed(s) if s.is_empty() => (
            StatusCode::BAD_REQUEST,
            "Sender missing and no global set, rejected".to_owned(),
        ),
        ScfError::SenderNotAllowed(s) => (
            StatusCode::FORBIDDEN,
            format!("Sender {s} is not allowed for this user, rejected"),
        ),
        ScfError::NoValidAddresses | ScfError::InvalidInput { .. } if is_address_error(&e) => (
            StatusCode::BAD_REQUEST,
            "Number(s) has/have been denied by white- and/or black-lists.".to_owned(),
        ),
        ScfError::TooManyAddresses => (StatusCode::BAD_REQUEST, "Too many receivers, rejected".to_owned()),
        ScfError::MessageTooLong(max) => (
            StatusCode::BAD_REQUEST,
            format!("Text too long (at most {max} characters), rejected"),
        ),
        ScfError::InvalidInput { part, reason } => {
            (StatusCode::BAD_REQUEST, format!("{part}: {reason}, rejected"))
        }
        ScfError::Internal(_) => (StatusCode::SERVICE_UNAVAILABLE, "Sending failed.".to_owned()),
        other => (StatusCode::BAD_REQUEST, format!("{other}, rejected")),
    };
    Refused {
        status,
        text,
        outcome,
    }
}

fn is_address_error(e: &ScfError) -> bool {
    match e {
        ScfError::NoValidAddresses => true,
        ScfError::InvalidInput { part, .. } => part.starts_with("addresses"),
        _ => false,
    }
}

/// What a Kannel report needs that the stored notice does not hold: the mask, the sender as the
/// application wrote it, and the username. Kept in the notice's correlator, form-encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ReportData {
    mask: u32,
    from: String,
    user: String,
}

impl ReportData {
    fn encode(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("mask", &self.mask.to_string())
            .append_pair("from", &self.from)
            .append_pair("user", &self.user)
            .finish()
    }

    fn decode(text: &str) -> Self {
        let mut data = Self {
            mask: DLR_DELIVERED | DLR_FAILED,
            from: String::new(),
            user: String::new(),
        };
        for (k, v) in url::form_urlencoded::parse(text.as_bytes()) {
            match k.as_ref() {
                "mask" => data.mask = v.parse().unwrap_or(data.mask),
                "from" => data.from = v.into_owned(),
                "user" => data.user = v.into_owned(),
                _ => {}
            }
        }
        data
    }
}

/// The report for `receipt`: its `dlr-url` with the escapes filled in, fetched with `GET`; `None`
/// when its mask does not ask for this outcome.
pub(crate) fn delivery_report(
    receipt: &DueReceipt,
    now_secs: i64,
) -> Option<(&'static str, Payload, String)> {
    let n = &receipt.notice;
    let data = ReportData::decode(&n.correlator);
    let (value, stat) = match receipt.information.status {
        DeliveryStatus::DeliveredToTerminal => (DLR_DELIVERED, "DELIVRD"),
        DeliveryStatus::DeliveryImpossible => (DLR_FAILED, "UNDELIV"),
        // Not known at the phone: not delivered, as far as anyone can say.
        _ => (DLR_FAILED, "UNKNOWN"),
    };
    if data.mask & value == 0 {
        return None;
    }
    let number = n.address.trim_start_matches('+');
    let values = |code: char| -> Option<String> {
        Some(match code {
            'd' => value.to_string(),
            'A' => format!("id:{} stat:{stat}", n.request_id),
            'p' | 'q' => data.from.clone(),
            'P' => number.to_owned(),
            'Q' => format!("+{number}"),
            'T' => now_secs.to_string(),
            'I' => n.request_id.clone(),
            'i' => "pxgate".to_owned(),
            'n' => data.user.clone(),
            _ => return None,
        })
    };
    let url = fill(&n.endpoint, values);
    Some(("kannelDeliveryReport", Payload::Get, url))
}

/// `template` with each `%x` escape that `values` knows replaced by its value, percent-encoded;
/// only after the host (a value never changes where the request goes); unknown escapes are kept.
fn fill(template: &str, values: impl Fn(char) -> Option<String>) -> String {
    let host_end = template.find("://").map_or(0, |scheme| {
        template[scheme + 3..]
            .find('/')
            .map_or(template.len(), |p| scheme + 3 + p)
    });
    let (origin, rest) = template.split_at(host_end);
    let mut out = String::with_capacity(template.len() + 32);
    out.push_str(origin);
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(code) = chars.next() else {
            out.push('%');
            break;
        };
        match values(code) {
            Some(value) => out.push_str(&crate::http::percent_encode(&value)),
            None => {
                out.push('%');
                out.push(code);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_filled_after_the_host_only_and_encoded() {
        let values = |c: char| match c {
            'p' => Some("1588".to_owned()),
            'A' => Some("id:1 stat:DELIVRD".to_owned()),
            'd' => Some("1".to_owned()),
            _ => None,
        };
        assert_eq!(
            fill("http://%p.example/dlr?s=%d&r=%A&x=%z&from=%p", values),
            "http://%p.example/dlr?s=1&r=id%3A1%20stat%3ADELIVRD&x=%z&from=1588"
        );
        assert_eq!(fill("http://h:9/%d", values), "http://h:9/1");
        assert_eq!(fill("http://h:9/x%", values), "http://h:9/x%");
    }

    #[test]
    fn report_data_survives_the_correlator() {
        let data = ReportData {
            mask: 3,
            from: "1588 & co".to_owned(),
            user: "shop".to_owned(),
        };
        assert_eq!(ReportData::decode(&data.encode()), data);
    }

    #[test]
    fn masks_are_read_as_kannel_writes_them() {
        let fields = |mask: &str| Fields(vec![("dlr-mask".to_owned(), mask.as_bytes().to_vec())]);
        assert_eq!(dlr_mask(&fields("31")).unwrap(), Some(3));
        assert_eq!(dlr_mask(&fields("1")).unwrap(), Some(1));
        assert_eq!(dlr_mask(&fields("0")).unwrap(), None);
        assert!(dlr_mask(&fields("8")).is_err(), "SMSC-level only");
        assert!(dlr_mask(&fields("x")).is_err());
        assert!(dlr_mask(&fields("64")).is_err());
    }
}
