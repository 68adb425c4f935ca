//! Jasmin's HTTP API `/send`: `POST` (or `GET`) with `username`, `password` (an application
//! credential), `to` (one number), `from`, `content` (or `hex-content`), `coding`, and for delivery
//! reports `dlr`, `dlr-url`, `dlr-level`, `dlr-method`; form-encoded, in the query, or as a JSON
//! object. It answers as Jasmin does: `200 Success "<message id>"` (the requestIdentifier), or
//! `Error "<why>"` with Jasmin's status (400 an argument, 403 authentication or throughput, 500 the
//! gateway's own failure).
//!
//! Delivery reports: Jasmin's level 2 (the handset) — `dlr-level` 2, or 3 (of which only the
//! handset's report is sent) — go to `dlr-url` once the number's parts are all final, with `POST`
//! (a form body; Jasmin's default) or `GET` (the query): `id` (the message id), `message_status`
//! (`DELIVRD`, `UNDELIV`, or `UNKNOWN` when the network could not say), `level` (2), `connector`
//! (`pxgate`), `dlvrd` (`001` delivered, else `000`), `err` (`000` delivered, else `001`) and
//! `donedate` (`YYMMDDhhmm`, UTC). Level 1 (the SMSC's acknowledgement, Jasmin's default level) is
//! not sent, so a request asking for it alone is refused. Not offered, refused by name: `sdt`,
//! `validity-period`, `priority` other than 0, `tags`, `custom_tlvs`, codings other than 0
//! (GSM 7-bit or UCS-2, as the text needs) and 8 (UCS-2).

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{Answer, Fields, Refused, Unreadable, read_fields};
use crate::callbacks::Payload;
use crate::framework::{AuthError, Credentials, Operation, Permit};
use crate::gateway::Gateway;
use crate::scf::sms::{DeliveryStatus, DueReceipt, NotifyFormat, SendSmsRequest};
use crate::scf::{Scf, ScfError};

/// The path Jasmin's HTTP API serves it on.
pub(crate) const PATH: &str = "/send";

/// Fields this gateway cannot honour; each is refused by name.
const UNSUPPORTED: [&str; 4] = ["sdt", "validity-period", "tags", "custom_tlvs"];

/// `GET|POST /send`.
pub(crate) async fn send(State(gateway): State<Gateway>, request: Request) -> Response {
    let peer = crate::http::peer_ip(request.extensions());
    let fields = match read_fields(request, true).await {
        Ok(fields) => fields,
        Err(Unreadable::TooLarge) => return error(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large."),
        Err(Unreadable::Json) => {
            return error(StatusCode::BAD_REQUEST, "Body is not a JSON object of strings.");
        }
        Err(Unreadable::MediaType) => {
            return error(
                StatusCode::BAD_REQUEST,
                "Content-Type must be application/x-www-form-urlencoded or application/json.",
            );
        }
    };
    for name in ["to", "username", "password"] {
        if fields.get(&[name]).is_none() {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("Mandatory argument [{name}] is not found."),
            );
        }
    }
    let username = fields.get(&["username"]).unwrap_or_default();
    let credentials = Credentials::Basic {
        username: username.clone(),
        password: fields.get(&["password"]).unwrap_or_default(),
    };
    let call = async |scf: &Scf, permit: &Permit| Answer(submit(scf, permit, &fields).await);
    match gateway.serve(&credentials, Operation::SendSms, peer, call).await {
        Ok(Answer(Ok(id))) => reply(StatusCode::OK, &format!("Success \"{id}\"")),
        Ok(Answer(Err(refused))) => error(refused.status, &refused.text),
        Err(e @ (AuthError::Throttled { .. } | AuthError::LockedOut { .. })) => {
            error(StatusCode::FORBIDDEN, &format!("User throughput exceeded ({e})."))
        }
        Err(AuthError::Unavailable) => error(StatusCode::INTERNAL_SERVER_ERROR, "Server error."),
        Err(_) => error(
            StatusCode::FORBIDDEN,
            &format!("Authentication failure for username:{username}"),
        ),
    }
}

/// An argument Jasmin would refuse (400).
fn invalid(name: &str, value: &str) -> Refused {
    Refused::bad(format!("Argument [{name}] has an invalid value: [{value}]."))
}

/// Jasmin answers in `text/plain`.
fn reply(status: StatusCode, text: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text.to_owned(),
    )
        .into_response()
}

fn error(status: StatusCode, why: &str) -> Response {
    reply(status, &format!("Error \"{why}\""))
}

/// Checks the arguments as Jasmin would, then sends; answers the message id.
async fn submit(scf: &Scf, permit: &Permit, fields: &Fields) -> Result<String, Refused> {
    if let Some(name) = UNSUPPORTED.iter().find(|n| fields.has(n)) {
        return Err(Refused::bad(format!(
            "Argument [{name}] is not supported by this gateway."
        )));
    }
    match fields.get(&["priority"]).as_deref() {
        None | Some("0") => {}
        Some(other) => return Err(invalid("priority", other)),
    }
    let to = fields.get(&["to"]).unwrap_or_default();
    let digits = to.strip_prefix('+').unwrap_or(&to);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("to", &to));
    }
    let message = content(fields)?;
    let receipt_request = dlr(fields)?;
    let request = SendSmsRequest {
        addresses: vec![to],
        sender_name: fields.get(&["from"]),
        message,
        receipt_request,
        charging: None,
        notify_format: NotifyFormat::Jasmin,
        client_correlator: None,
    };
    let sent = scf.send_sms_once(permit, &request).await.map_err(refusal)?;
    Ok(sent.request_id)
}

/// `content` (UTF-8), or `hex-content` with `coding` 8 (UCS-2, big-endian); `coding` 0 and 8 are
/// hints (the gateway writes GSM 7-bit when every character fits, UCS-2 otherwise).
fn content(fields: &Fields) -> Result<String, Refused> {
    let coding = fields.get(&["coding"]).unwrap_or_else(|| "0".to_owned());
    if coding != "0" && coding != "8" {
        return Err(invalid("coding", &coding));
    }
    match (fields.raw(&["content"]), fields.get(&["hex-content"])) {
        (Some(_), Some(_)) => Err(Refused::bad(
            "content and hex-content cannot be used both in same request.".to_owned(),
        )),
        (None, None) => Err(Refused::bad("content or hex-content not present.".to_owned())),
        (Some(text), None) => String::from_utf8(text.to_vec()).map_err(|_| invalid("content", "not UTF-8")),
        (None, Some(hex)) => {
            let octets = hex::decode(&hex).map_err(|_| invalid("hex-content", &hex))?;
            if coding != "8" || octets.len() % 2 != 0 {
                return Err(Refused::bad(
                    "hex-content is offered as UCS-2 only (coding 8, an even number of octets).".to_owned(),
                ));
            }
            let units: Vec<u16> = octets
                .chunks_exact(2)
                .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
                .collect();
            String::from_utf16(&units).map_err(|_| invalid("hex-content", &hex))
        }
    }
}

/// The receipt request for `dlr`, `dlr-url`, `dlr-level`, `dlr-method` (Jasmin's defaults: a
/// `dlr-url` or `dlr-level` means `dlr=yes`; level 1; `POST`).
fn dlr(fields: &Fields) -> Result<Option<(String, String)>, Refused> {
    let url = fields.get(&["dlr-url"]);
    let level = fields.get(&["dlr-level"]);
    let wanted = match fields.get(&["dlr"]).as_deref() {
        None => url.is_some() || level.is_some(),
        Some("yes") => true,
        Some("no") => false,
        Some(other) => return Err(invalid("dlr", other)),
    };
    if !wanted {
        return Ok(None);
    }
    let Some(url) = url else {
        return Err(Refused::bad(
            "Argument [dlr-url] is mandatory when dlr is yes.".to_owned(),
        ));
    };
    match level.as_deref() {
        Some("2" | "3") => {}
        None | Some("1") => {
            return Err(Refused::bad(
                "dlr-level 1 (SMS-C level) is not sent by this gateway: ask for 2 (handset) or 3.".to_owned(),
            ));
        }
        Some(other) => return Err(invalid("dlr-level", other)),
    }
    let method = match fields
        .get(&["dlr-method"])
        .map(|m| m.to_ascii_uppercase())
        .as_deref()
    {
        None | Some("POST") => "POST",
        Some("GET") => "GET",
        Some(other) => return Err(invalid("dlr-method", other)),
    };
    Ok(Some((url, method.to_owned())))
}

fn refusal(e: ScfError) -> Refused {
    let outcome = e.outcome();
    let (status, text) = match &e {
        ScfError::SenderNotAllowed(s) if s.is_empty() => (
            StatusCode::BAD_REQUEST,
            "Mandatory argument [from] is not found.".to_owned(),
        ),
        ScfError::SenderNotAllowed(s) => (
            StatusCode::FORBIDDEN,
            format!("Argument [from] has an invalid value: [{s}] (not a sender of this user)."),
        ),
        ScfError::NoValidAddresses => (
            StatusCode::BAD_REQUEST,
            "Argument [to] has an invalid value.".to_owned(),
        ),
        ScfError::MessageTooLong(max) => (
            StatusCode::BAD_REQUEST,
            format!("Argument [content] is too long (at most {max} characters)."),
        ),
        ScfError::InvalidInput { part, reason } => {
            (StatusCode::BAD_REQUEST, format!("Argument [{part}]: {reason}."))
        }
        ScfError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "Server error.".to_owned()),
        other => (StatusCode::BAD_REQUEST, format!("{other}.")),
    };
    Refused {
        status,
        text,
        outcome,
    }
}

/// The level-2 report for `receipt` to its `dlr-url`, by the method the request asked for (kept as
/// the notice's correlator).
pub(crate) fn delivery_report(
    receipt: &DueReceipt,
    now: chrono::DateTime<chrono::Utc>,
) -> (&'static str, Payload, String) {
    let n = &receipt.notice;
    let (status, delivered) = match receipt.information.status {
        DeliveryStatus::DeliveredToTerminal => ("DELIVRD", true),
        DeliveryStatus::DeliveryImpossible => ("UNDELIV", false),
        _ => ("UNKNOWN", false),
    };
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("id", &n.request_id)
        .append_pair("message_status", status)
        .append_pair("level", "2")
        .append_pair("connector", "pxgate")
        .append_pair("dlvrd", if delivered { "001" } else { "000" })
        .append_pair("err", if delivered { "000" } else { "001" })
        .append_pair("donedate", &now.format("%y%m%d%H%M").to_string())
        .finish();
    if n.correlator == "GET" {
        let join = if n.endpoint.contains('?') { '&' } else { '?' };
        (
            "jasminDeliveryReport",
            Payload::Get,
            format!("{}{join}{form}", n.endpoint),
        )
    } else {
        (
            "jasminDeliveryReport",
            Payload::Form(form.into_bytes()),
            n.endpoint.clone(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        Fields(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.as_bytes().to_vec()))
                .collect(),
        )
    }

    #[test]
    fn dlr_defaults_are_jasmins() {
        assert_eq!(dlr(&fields(&[])).unwrap(), None);
        assert_eq!(
            dlr(&fields(&[("dlr", "no"), ("dlr-url", "http://a/")])).unwrap(),
            None
        );
        let post = dlr(&fields(&[("dlr-url", "http://a/"), ("dlr-level", "2")])).unwrap();
        assert_eq!(post, Some(("http://a/".to_owned(), "POST".to_owned())));
        let get = dlr(&fields(&[
            ("dlr-url", "http://a/"),
            ("dlr-level", "3"),
            ("dlr-method", "get"),
        ]))
        .unwrap();
        assert_eq!(get.unwrap().1, "GET");
        assert!(
            dlr(&fields(&[("dlr-url", "http://a/")])).is_err(),
            "level 1 by default"
        );
        assert!(
            dlr(&fields(&[("dlr", "yes"), ("dlr-level", "2")])).is_err(),
            "no url"
        );
    }

    #[test]
    fn hex_content_is_ucs2() {
        let korean = fields(&[("hex-content", "c548b155"), ("coding", "8")]);
        assert_eq!(content(&korean).unwrap(), "안녕");
        assert!(content(&fields(&[("hex-content", "c548"), ("coding", "0")])).is_err());
        assert!(
            content(&fields(&[
                ("content", "a"),
                ("hex-content", "0061"),
                ("coding", "8")
            ]))
            .is_err()
        );
        assert!(content(&fields(&[("content", "a"), ("coding", "4")])).is_err());
    }
}
