//! Opening an account: `POST /admin/v1/accounts` from a form on the subscriber list.

use std::collections::HashMap;

use axum::Form;
use axum::extract::State;
use axum::http::Method;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde_json::{Value, json};

use super::{amount, optional_amount};
use crate::console::ConsoleState;
use crate::console::layout::{self, Ctx, Sent, field};

/// The form.
pub(in crate::console) fn form(ctx: &Ctx, sent: &Sent) -> Markup {
    let lang = ctx.lang;
    let f = "open";
    let v = |name: &str| sent.value(f, name).unwrap_or_default();
    html! {
        form.card method="post" action="/console/subscribers" id="open" {
            h2 { (lang.t("계정 개설", "Open an account")) }
            (layout::csrf(ctx))
            @if let Some(d) = sent.detail(f) { p.error { (d) } }
            div.row {
                (field(lang.t("전화번호", "Number"), "msisdn", "text", v("msisdn"), sent.error(f, "msisdn")))
                (field(lang.t("처음 잔액", "Opening balance"), "balance", "text", v("balance"), sent.error(f, "balance")))
                (field(lang.t("월 한도 (비우면 없음)", "Monthly limit (empty: none)"), "monthly_limit", "text", v("monthly_limit"), sent.error(f, "monthly_limit")))
                (field(lang.t("잔액 부족 알림 기준", "Low-balance alert below"), "low_balance_threshold", "text", v("low_balance_threshold"), sent.error(f, "low_balance_threshold")))
                (field(lang.t("유효 기간", "Credit expires"), "credit_expiry", "date", v("credit_expiry"), sent.error(f, "credit_expiry")))
                label.field {
                    span { (lang.t("문자 언어", "SMS language")) }
                    select name="language" {
                        option value="ko" { "한국어" }
                        option value="en" selected[sent.value(f, "language") == Some("en")] { "English" }
                    }
                }
            }
            button type="submit" { (lang.t("개설", "Open")) }
        }
    }
}

/// `POST /console/subscribers`: opens the account, then shows it; a refusal comes back with the
/// API's messages under the fields.
pub(in crate::console) async fn open(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Form(values): Form<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| values.get(k).map_or("", |v| v.trim());
    let mut body = json!({
        "msisdn": get("msisdn"),
        "monthly_limit": optional_amount(values.get("monthly_limit")),
        "low_balance_threshold": optional_amount(values.get("low_balance_threshold")),
        "language": if get("language") == "en" { "en" } else { "ko" },
    });
    if !get("balance").is_empty() {
        body["balance"] = amount(get("balance"));
    }
    if !get("credit_expiry").is_empty() {
        body["credit_expiry"] = json!(get("credit_expiry"));
    }
    match state
        .api()
        .send::<Value>(&ctx.operator(), Method::POST, "/accounts", body)
        .await
    {
        Ok(created) => {
            let msisdn = created["msisdn"].as_str().unwrap_or_default();
            Redirect::to(&format!(
                "/console/subscribers/{}?done=open",
                crate::console::enc_number(msisdn)
            ))
            .into_response()
        }
        Err(refused) => {
            let lang = ctx.lang;
            let sent = Sent::new("open", values, refused);
            let page = layout::page(
                &ctx.at("/console/subscribers".to_owned()),
                lang.t("계정 개설", "Open an account"),
                form(&ctx, &sent),
            );
            (sent.status(), page).into_response()
        }
    }
}
