//! HTML pages for people driving the simulator by hand: `GET /` (the handsets with their last
//! message, and the fault knobs as a form), `GET|POST /handsets/{msisdn}/reply` (a message from
//! this phone: MO through the bound ESME) and `POST /faults/form`. The JSON API stays as it is;
//! these pages call the same functions. A form posted from another site's page (an `Origin` that
//! is not this host) is refused.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::handsets::{STYLE, escape};
use crate::faults::Faults;
use crate::inbox::normalize_msisdn;
use crate::mo::inject;
use crate::shared::Shared;

const PAGE_STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:900px;margin:24px auto;padding:0 16px;color:#1d2433}\
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:6px;text-align:left}\
label{display:block;margin:8px 0}input,textarea{font:inherit;padding:4px;width:100%;box-sizing:border-box}\
button{font:inherit;padding:6px 14px;margin-top:8px}.error{color:#b42318}form{margin:16px 0}";

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{}</title><style>{PAGE_STYLE}</style></head><body>{body}</body></html>",
        escape(title)
    ))
}

/// Whether a form was posted from a page of another origin (the `Origin` header names a host
/// that is not this one). Without an `Origin` (curl, older browsers) the form is taken.
fn foreign(headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    match (origin, host) {
        (None, _) => false,
        (Some(o), Some(h)) => o.split_once("://").is_none_or(|(_, rest)| rest != h),
        (Some(_), None) => true,
    }
}

fn refused() -> Response {
    let body = page(
        "Refused",
        "<p class=\"error\">A form from another site was refused.</p>",
    );
    (StatusCode::FORBIDDEN, body).into_response()
}

fn faults_form(f: &Faults, error: Option<&str>) -> String {
    let opt = |v: Option<u64>| v.map(|n| n.to_string()).unwrap_or_default();
    let mut html =
        String::from("<h2>Faults</h2><form method=\"post\" action=\"/faults/form\" id=\"faults\">");
    if let Some(e) = error {
        let _ = write!(html, "<p class=\"error\">{}</p>", escape(e));
    }
    let fields = [
        (
            "throttle_per_sec",
            "Submits per second before ESME_RTHROTTLED (empty: no limit)",
            opt(f.throttle_per_sec.map(u64::from)),
        ),
        (
            "error_probability",
            "Probability (0 to 1) that a submit is refused",
            f.error_probability.to_string(),
        ),
        (
            "error_status",
            "command_status of a refused submit",
            f.error_status.to_string(),
        ),
        (
            "response_delay_ms",
            "Delay before every response, ms",
            f.response_delay_ms.to_string(),
        ),
        (
            "drop_after_pdus",
            "Close each session after this many PDUs (empty: never)",
            opt(f.drop_after_pdus),
        ),
        (
            "outage_secs",
            "Start an outage of this many seconds",
            String::new(),
        ),
        ("stall_secs", "Start a stall of this many seconds", String::new()),
    ];
    for (name, label, value) in fields {
        let _ = write!(
            html,
            "<label>{label}<input name=\"{name}\" id=\"{name}\" value=\"{}\"></label>",
            escape(&value)
        );
    }
    html.push_str("<button type=\"submit\">Apply</button></form>");
    html
}

/// `GET /`: the handsets and the fault knobs.
pub(super) async fn index(State(shared): State<Arc<Shared>>) -> Html<String> {
    let mut html = String::from(
        "<h1>SMSC simulator</h1><h2>Handsets</h2><table id=\"handsets\"><tr><th>Number</th><th>Messages</th><th>Last message</th></tr>",
    );
    for (msisdn, count) in shared.inbox.handsets() {
        let last = shared
            .inbox
            .messages(&msisdn)
            .last()
            .map(|m| m.text.clone())
            .unwrap_or_default();
        let _ = write!(
            html,
            "<tr><td><a href=\"/handsets/{0}\">+{0}</a></td><td>{count}</td><td>{1}</td></tr>",
            escape(&msisdn),
            escape(&last)
        );
    }
    html.push_str("</table>");
    html.push_str(&faults_form(&shared.faults.get(), None));
    html.push_str("<p><a href=\"/stats\">stats (JSON)</a> · <a href=\"/metrics\">metrics</a></p>");
    page("SMSC simulator", &html)
}

/// A number of the form: empty is `None`; anything else must read.
fn number<T: std::str::FromStr>(form: &HashMap<String, String>, name: &str) -> Result<Option<T>, String> {
    match form.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| format!("{name}: not a number: {v}")),
    }
}

fn faults_of(form: &HashMap<String, String>) -> Result<Faults, String> {
    let base = Faults::default();
    Ok(Faults {
        throttle_per_sec: number(form, "throttle_per_sec")?,
        error_probability: number(form, "error_probability")?.unwrap_or(base.error_probability),
        error_status: number(form, "error_status")?.unwrap_or(base.error_status),
        response_delay_ms: number(form, "response_delay_ms")?.unwrap_or(base.response_delay_ms),
        drop_after_pdus: number(form, "drop_after_pdus")?,
        outage_secs: number(form, "outage_secs")?,
        stall_secs: number(form, "stall_secs")?,
    })
}

/// `POST /faults/form`: the knobs, checked as `PUT /faults` checks them.
pub(super) async fn put_faults(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if foreign(&headers) {
        return refused();
    }
    let faults = faults_of(&form).and_then(|f| {
        let mut errors = Vec::new();
        f.validate("faults", &mut errors);
        errors.first().map_or(Ok(f), |e| Err(e.to_string()))
    });
    match faults {
        Ok(f) => {
            shared.faults.set(f);
            Redirect::to("/").into_response()
        }
        Err(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            page("Faults", &faults_form(&shared.faults.get(), Some(&e))),
        )
            .into_response(),
    }
}

fn reply_form(msisdn: &str, to: &str, text: &str, error: Option<&str>) -> Html<String> {
    let mut html = format!(
        "<style>{STYLE}</style><h1>A message from +{0}</h1><p><a href=\"/handsets/{0}\">back to the phone</a></p>",
        escape(msisdn)
    );
    if let Some(e) = error {
        let _ = write!(html, "<p class=\"error\">{}</p>", escape(e));
    }
    let _ = write!(
        html,
        "<form method=\"post\" action=\"/handsets/{0}/reply\" id=\"reply\"><label>To (short code or number)<input name=\"to\" id=\"to\" value=\"{1}\"></label>\
         <label>Text<textarea name=\"text\" id=\"text\" rows=\"4\">{2}</textarea></label><button type=\"submit\">Send</button></form>",
        escape(msisdn),
        escape(to),
        escape(text)
    );
    page(&format!("+{msisdn}"), &html)
}

/// `GET /handsets/{msisdn}/reply`
pub(super) async fn reply_page(Path(msisdn): Path<String>) -> Html<String> {
    reply_form(normalize_msisdn(&msisdn), "", "", None)
}

/// `POST /handsets/{msisdn}/reply`: the message goes to the bound ESME as MO, then back to the
/// phone's page.
pub(super) async fn reply(
    State(shared): State<Arc<Shared>>,
    Path(msisdn): Path<String>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if foreign(&headers) {
        return refused();
    }
    let from = normalize_msisdn(&msisdn).to_owned();
    let (to, text) = (
        form.get("to").map_or("", |v| v.trim()),
        form.get("text").map_or("", String::as_str),
    );
    match inject(&shared, &from, to, text).await {
        Ok(_) => Redirect::to(&format!("/handsets/{from}")).into_response(),
        Err(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            reply_form(&from, to, text, Some(&e.to_string())),
        )
            .into_response(),
    }
}
