//! Subscribers: search by any spelling of a number, the account page (balance, limits,
//! month-to-date spend, expiry, status, the ledger a page at a time) and its forms: top-up,
//! suspend / resume / close, limits, PIN. Each form is the admin API's request; a refusal shows
//! the API's message next to the field it names.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value, json};

use super::api::Refused;
use super::layout::{self, Ctx, Sent, field};
use super::{ConsoleState, enc_number};
use crate::admin::views::{AccountPage, AccountView, LedgerPage};
use crate::domain::Msisdn;

mod import;
mod open;
mod render;

pub(super) use import::import;
pub(super) use open::open;

/// Ledger rows on one page.
const LEDGER_PAGE: i64 = 20;
/// SMS parts shown on an account page, the latest first.
const SMS_PAGE: i64 = 20;

/// Query of the search page.
#[derive(Debug, Default, Deserialize)]
pub(super) struct SearchQuery {
    q: Option<String>,
    after: Option<i64>,
}

/// `GET /console/subscribers?q=`: a number in any spelling (`010-1234-5678`, `+82 10…`,
/// `tel:+8210…`) goes straight to its account; without one, the accounts a page at a time.
pub(super) async fn search(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Query(q): Query<SearchQuery>,
) -> Response {
    let lang = ctx.lang;
    let asked = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let mut error = None;
    if let Some(raw) = asked {
        match Msisdn::parse(raw, &state.admin().locale().default_country_code) {
            Ok(msisdn) => {
                let path = format!("/accounts/{msisdn}");
                match state.api().get::<AccountView>(&ctx.operator(), &path).await {
                    Ok(_) => return Redirect::to(&format!("/console/subscribers/{msisdn}")).into_response(),
                    Err(r) if r.is_not_found() => {
                        error = Some(format!(
                            "{} ({msisdn})",
                            lang.t("이 번호의 계정이 없습니다", "No account for this number")
                        ));
                    }
                    Err(r) => error = Some(r.detail),
                }
            }
            Err(e) => error = Some(e.to_string()),
        }
    }
    let path = format!("/accounts?limit=50&after={}", q.after.unwrap_or(0));
    let page = state.api().get::<AccountPage>(&ctx.operator(), &path).await;
    let status = if error.is_some() {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::OK
    };
    let body = html! {
        h1 { (lang.t("가입자", "Subscribers")) }
        form.card.search method="get" action="/console/subscribers" {
            (field(lang.t("전화번호", "Number"), "q", "search", asked.unwrap_or_default(), error.as_deref()))
            button type="submit" { (lang.t("찾기", "Find")) }
        }
        (open::form(&ctx, &Sent::default()))
        (import::form(&ctx, "", None))
        @match page {
            Ok(page) => (render::account_list(&ctx, &page)),
            Err(r) => p.refusal { (r.detail) },
        }
    };
    (status, layout::page(&ctx, lang.t("가입자", "Subscribers"), body)).into_response()
}

/// Query of the account page.
#[derive(Debug, Default, Deserialize)]
pub(super) struct PageQuery {
    before: Option<i64>,
    done: Option<String>,
}

/// `GET /console/subscribers/{msisdn}`
pub(super) async fn page(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Path(raw): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    show(&state, &ctx, &raw, q, None).await
}

async fn show(state: &ConsoleState, ctx: &Ctx, raw: &str, q: PageQuery, sent: Option<Sent>) -> Response {
    let ctx = &ctx.at(format!("/console/subscribers/{}", enc_number(raw)));
    let lang = ctx.lang;
    let operator = ctx.operator();
    let account = match state
        .api()
        .get::<AccountView>(&operator, &format!("/accounts/{}", enc_number(raw)))
        .await
    {
        Ok(a) => a,
        Err(r) if r.is_not_found() => {
            return layout::refusal(
                lang,
                StatusCode::NOT_FOUND,
                lang.t("이 번호의 계정이 없습니다.", "No account for this number."),
            );
        }
        Err(r) => return layout::refusal(lang, StatusCode::BAD_REQUEST, &r.detail),
    };
    let mut path = format!("/accounts/{}/ledger?limit={LEDGER_PAGE}", account.msisdn);
    if let Some(before) = q.before {
        path.push_str(&format!("&before={before}"));
    }
    let ledger = state.api().get::<LedgerPage>(&operator, &path).await;
    // The SMS sent to this number: receipts, alerts and applications' messages.
    let to = crate::store::sms::SentTo::Address(account.msisdn.clone());
    let sent_sms = state
        .admin()
        .store()
        .sms_sent(&to, SMS_PAGE)
        .await
        .map_err(|e| e.to_string());
    let push = state
        .api()
        .get::<crate::admin::push::PushView>(&operator, &format!("/accounts/{}/push", account.msisdn))
        .await
        .ok();
    let topic = push.as_ref().and_then(|p| p.topic.as_deref());
    let sent = sent.unwrap_or_default();
    let status = sent.status();
    let zone = state.admin().locale().time_zone;
    let body = html! {
        (render::summary(ctx, &account, zone, q.done.as_deref()))
        div.forms {
            (topup_form(ctx, &account, &sent))
            (render::status_form(ctx, &account, &sent))
            (render::limits_form(ctx, &account, &sent))
            (render::pin_form(ctx, &account, &sent))
            (render::push_form(ctx, &account, topic, &sent))
        }
        @match ledger {
            Ok(ledger) => (render::ledger(ctx, &ledger, &account.currency, zone)),
            Err(r) => p.refusal { (r.detail) },
        }
        (super::messages::sent_list(lang, zone, sent_sms))
    };
    (status, layout::page(ctx, &account.msisdn, body)).into_response()
}

fn topup_form(ctx: &Ctx, account: &AccountView, sent: &Sent) -> Markup {
    let lang = ctx.lang;
    let reference = sent.value("topup", "reference_code").map_or_else(
        || format!("console-{}", crate::crypto::random_hex::<8>()),
        str::to_owned,
    );
    html! {
        form.card method="post" action={ "/console/subscribers/" (account.msisdn) "/topup" } id="topup" {
            h2 { (lang.t("충전", "Top up")) }
            (layout::csrf(ctx))
            @if let Some(d) = sent.detail("topup") { p.error { (d) } }
            (field(lang.t("금액", "Amount"), "amount", "text", sent.value("topup", "amount").unwrap_or_default(), sent.error("topup", "amount")))
            (field(lang.t("참조 코드", "Reference code"), "reference_code", "text", &reference, sent.error("topup", "reference_code")))
            (field(lang.t("내용", "Description"), "description", "text", sent.value("topup", "description").unwrap_or_default(), sent.error("topup", "description")))
            button type="submit" { (lang.t("충전하기", "Top up")) }
        }
    }
}

/// A number typed into a form as the exact JSON number the API reads (thousands separators and
/// the currency sign dropped); anything else is passed as typed, for the API to name.
fn amount(text: &str) -> Value {
    let plain: String = text
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '원' | '₩'))
        .collect();
    match plain.parse::<serde_json::Number>() {
        Ok(n) if !plain.is_empty() => Value::Number(n),
        _ => Value::String(text.to_owned()),
    }
}

/// An optional amount: empty clears it (`null`).
fn optional_amount(text: Option<&String>) -> Value {
    match text.map(|t| t.trim()) {
        None | Some("") => Value::Null,
        Some(t) => amount(t),
    }
}

/// After a change: back to the account page, or the page again with the API's refusal.
async fn answer(
    state: &ConsoleState,
    ctx: &Ctx,
    raw: &str,
    form: &'static str,
    values: HashMap<String, String>,
    result: Result<Value, Refused>,
) -> Response {
    match result {
        Ok(_) => {
            Redirect::to(&format!("/console/subscribers/{}?done={form}", enc_number(raw))).into_response()
        }
        Err(refused) => {
            let sent = Sent::new(form, values, refused);
            show(state, ctx, raw, PageQuery::default(), Some(sent)).await
        }
    }
}

/// `POST /console/subscribers/{msisdn}/topup`: `POST /admin/v1/accounts/{msisdn}/topups`.
pub(super) async fn topup(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Path(raw): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| form.get(k).map_or("", |v| v.trim());
    let mut body = json!({ "amount": amount(get("amount")), "reference_code": get("reference_code") });
    if !get("description").is_empty() {
        body["description"] = json!(get("description"));
    }
    let path = format!("/accounts/{}/topups", enc_number(&raw));
    let result = state.api().send(&ctx.operator(), Method::POST, &path, body).await;
    answer(&state, &ctx, &raw, "topup", form, result).await
}

/// `POST /console/subscribers/{msisdn}/status`: suspend, resume or close.
pub(super) async fn status(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Path(raw): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(action @ ("suspend" | "resume" | "close")) = form.get("action").map(String::as_str) else {
        let unknown = ctx.lang.t("알 수 없는 동작입니다.", "Unknown action.");
        return layout::refusal(ctx.lang, StatusCode::BAD_REQUEST, unknown);
    };
    let path = format!("/accounts/{}/{action}", enc_number(&raw));
    let result = state.api().post(&ctx.operator(), &path).await;
    answer(&state, &ctx, &raw, "status", form, result).await
}

/// `POST /console/subscribers/{msisdn}/limits`: `PATCH /admin/v1/accounts/{msisdn}`; an empty
/// amount or date clears it.
pub(super) async fn limits(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Path(raw): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let expiry = form
        .get("credit_expiry")
        .map(|d| d.trim())
        .filter(|d| !d.is_empty());
    let body = json!({
        "monthly_limit": optional_amount(form.get("monthly_limit")),
        "low_balance_threshold": optional_amount(form.get("low_balance_threshold")),
        "credit_expiry": expiry,
        "notify_receipt": form.contains_key("notify_receipt"),
        "notify_low_balance": form.contains_key("notify_low_balance"),
        "language": form.get("language").map_or("ko", String::as_str),
    });
    let path = format!("/accounts/{}", enc_number(&raw));
    let result = state
        .api()
        .send(&ctx.operator(), Method::PATCH, &path, body)
        .await;
    answer(&state, &ctx, &raw, "limits", form, result).await
}

/// `POST /console/subscribers/{msisdn}/pin`: sets a new PIN, or clears it (`clear`). The PIN is
/// never written back into the page.
pub(super) async fn pin(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Path(raw): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let result = put_or_delete(&state, &ctx, &raw, ("pin", "pin"), &form).await;
    let mut values = form;
    values.remove("pin");
    answer(&state, &ctx, &raw, "pin", values, result).await
}

/// `POST /console/subscribers/{msisdn}/push`: sets the device topic, or removes it (`clear`).
pub(super) async fn push(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Path(raw): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let result = put_or_delete(&state, &ctx, &raw, ("push", "topic"), &form).await;
    answer(&state, &ctx, &raw, "push", form, result).await
}

/// `DELETE /admin/v1/accounts/{msisdn}/{what}` when the form says `clear`, else `PUT` it with the
/// form's `field`.
async fn put_or_delete(
    state: &ConsoleState,
    ctx: &Ctx,
    raw: &str,
    (what, field): (&str, &str),
    form: &HashMap<String, String>,
) -> Result<Value, Refused> {
    let path = format!("/accounts/{}/{what}", enc_number(raw));
    let operator = ctx.operator();
    if form.contains_key("clear") {
        return state
            .api()
            .send(&operator, Method::DELETE, &path, Value::Null)
            .await;
    }
    let value = form.get(field).map_or("", |v| v.trim());
    state
        .api()
        .send(&operator, Method::PUT, &path, json!({ field: value }))
        .await
}
