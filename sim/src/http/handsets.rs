//! GET /handsets, GET /handsets/{msisdn}/messages (JSON) and GET /handsets/{msisdn}, a
//! self-contained HTML page styled like a phone's message list for demos.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Html;
use serde::Serialize;

use crate::inbox::{InboxMessage, normalize_msisdn};
use crate::shared::Shared;

#[derive(Debug, Serialize)]
pub(super) struct Handset {
    msisdn: String,
    messages: usize,
}

#[derive(Debug, Serialize)]
pub(super) struct HandsetList {
    handsets: Vec<Handset>,
}

#[derive(Debug, Serialize)]
pub(super) struct Messages {
    msisdn: String,
    messages: Vec<InboxMessage>,
}

pub(super) async fn list(State(shared): State<Arc<Shared>>) -> Json<HandsetList> {
    let handsets = shared
        .inbox
        .handsets()
        .into_iter()
        .map(|(msisdn, messages)| Handset { msisdn, messages })
        .collect();
    Json(HandsetList { handsets })
}

pub(super) async fn messages(
    State(shared): State<Arc<Shared>>,
    Path(msisdn): Path<String>,
) -> Json<Messages> {
    let messages = shared.inbox.messages(&msisdn);
    Json(Messages {
        msisdn: normalize_msisdn(&msisdn).to_owned(),
        messages,
    })
}

pub(super) fn escape(s: &str) -> String {
    s.chars().fold(String::with_capacity(s.len()), |mut out, c| {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
        out
    })
}

pub(super) const STYLE: &str = "body{margin:0;background:#ddd;font-family:system-ui,sans-serif}\
.phone{max-width:380px;margin:24px auto;background:#fff;border:10px solid #222;border-radius:36px;min-height:640px;overflow:hidden}\
.bar{background:#222;color:#fff;padding:14px 18px;font-weight:600}.bar small{display:block;font-weight:400;opacity:.7}\
.list{padding:12px}.msg{margin:10px 0}.from{font-size:12px;color:#666;margin:0 6px}\
.bubble{background:#e9e9eb;border-radius:18px;padding:10px 14px;white-space:pre-wrap;word-wrap:break-word}\
.meta{font-size:11px;color:#888;margin:2px 6px}.bar a{color:#9cf}.partial .bubble{border:2px dashed #c60}.empty{color:#888;text-align:center;margin-top:40px}";

pub(super) async fn page(State(shared): State<Arc<Shared>>, Path(msisdn): Path<String>) -> Html<String> {
    let key = normalize_msisdn(&msisdn).to_owned();
    let messages = shared.inbox.messages(&key);
    let mut html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"3\">\
         <title>+{0}</title><style>{STYLE}</style></head><body><div class=\"phone\">\
         <div class=\"bar\">+{0}<small>{1} message(s) · <a href=\"/handsets/{0}/reply\">reply from this phone</a> · <a href=\"/\">all handsets</a></small></div><div class=\"list\">",
        escape(&key),
        messages.len()
    );
    if messages.is_empty() {
        html.push_str("<p class=\"empty\">No messages</p>");
    }
    for m in messages.iter().rev() {
        let class = if m.complete { "msg" } else { "msg partial" };
        let _ = write!(
            html,
            "<div class=\"{class}\"><div class=\"from\">{}</div><div class=\"bubble\">{}</div>\
             <div class=\"meta\">{} · {:?} · {}/{} part(s)</div></div>",
            escape(&m.from),
            escape(&m.text),
            m.received_at.format("%Y-%m-%d %H:%M:%S"),
            m.encoding,
            m.parts_received,
            m.parts
        );
    }
    html.push_str("</div></div></body></html>");
    Html(html)
}
