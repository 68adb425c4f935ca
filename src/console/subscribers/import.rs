//! Opening many accounts at once: `POST /admin/v1/accounts/import` from lines of text, one account
//! a line (`number,opening balance[,monthly limit]`), all or nothing as the API does it.

use std::collections::HashMap;

use axum::Form;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde_json::{Value, json};

use super::amount;
use crate::console::ConsoleState;
use crate::console::api::Refused;
use crate::console::layout::{self, Ctx};

/// Lines taken from one form (the API's own limit per request is higher).
const MAX_LINES: usize = 1_000;

/// The form, with what was typed and the API's refusal, if any.
pub(in crate::console) fn form(ctx: &Ctx, typed: &str, refused: Option<&Refused>) -> Markup {
    let lang = ctx.lang;
    html! {
        form.card method="post" action="/console/subscribers/import" id="import" {
            h2 { (lang.t("여러 계정 개설", "Open many accounts")) }
            p { (lang.t(
                "한 줄에 한 계정: 전화번호,처음 잔액[,월 한도]. 하나라도 틀리면 아무것도 개설하지 않습니다. 이미 있는 번호는 그대로 둡니다.",
                "One account a line: number,opening balance[,monthly limit]. Nothing is opened unless every line is right; numbers that have an account are left as they are.",
            )) }
            (layout::csrf(ctx))
            @if let Some(refused) = refused {
                @if refused.errors.is_empty() { p.error { (refused.detail) } }
                ul.error { @for e in &refused.errors { li { (line_of(lang, &e.field)) ": " (e.message) } } }
            }
            label.field {
                span { (lang.t("계정", "Accounts")) }
                textarea name="accounts" rows="8" { (typed) }
            }
            button type="submit" { (lang.t("개설", "Open")) }
        }
    }
}

/// `accounts[3].msisdn` → `line 4: msisdn`.
fn line_of(lang: crate::console::Lang, field: &str) -> String {
    let Some(rest) = field.strip_prefix("accounts[") else {
        return field.to_owned();
    };
    match rest.split_once("].") {
        Some((i, name)) => match i.parse::<usize>() {
            Ok(i) => format!("{} {}: {name}", lang.t("줄", "line"), i + 1),
            Err(_) => field.to_owned(),
        },
        None => field.to_owned(),
    }
}

/// The API's `accounts`, one per non-blank line; a line with more than three fields is refused
/// here by its number.
fn accounts(text: &str) -> Result<Vec<Value>, String> {
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    if lines.len() > MAX_LINES {
        return Err(format!("at most {MAX_LINES} lines, not {}", lines.len()));
    }
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            let mut account = json!({ "msisdn": fields[0] });
            match fields.as_slice() {
                [_] => {}
                [_, balance] | [_, balance, ""] => account["balance"] = amount(balance),
                [_, balance, limit] => {
                    account["balance"] = amount(balance);
                    account["monthly_limit"] = amount(limit);
                }
                _ => return Err(format!("line {}: number,opening balance[,monthly limit]", i + 1)),
            }
            Ok(account)
        })
        .collect()
}

/// `POST /console/subscribers/import`: opens the accounts, then says how many were opened and how
/// many already had one; a refusal comes back with the API's messages by line.
pub(in crate::console) async fn import(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Form(values): Form<HashMap<String, String>>,
) -> Response {
    let lang = ctx.lang;
    let ctx = ctx.at("/console/subscribers".to_owned());
    let typed = values.get("accounts").map_or("", String::as_str);
    let answer = match accounts(typed) {
        Ok(list) => {
            state
                .api()
                .send::<Value>(
                    &ctx.operator(),
                    Method::POST,
                    "/accounts/import",
                    json!({ "accounts": list }),
                )
                .await
        }
        Err(detail) => Err(Refused {
            status: StatusCode::BAD_REQUEST.as_u16(),
            detail,
            errors: Vec::new(),
        }),
    };
    let title = lang.t("여러 계정 개설", "Open many accounts");
    match answer {
        Ok(done) => {
            let body = html! {
                section.card id="imported" {
                    h2 { (title) }
                    p { (lang.t("개설", "Opened")) ": " (done["opened"]) " · " (lang.t("이미 있음", "Already there")) ": " (done["existing"]) }
                    a href="/console/subscribers" { (lang.t("가입자 목록", "Subscribers")) }
                }
            };
            layout::page(&ctx, title, body).into_response()
        }
        Err(refused) => {
            let status = StatusCode::from_u16(refused.status).unwrap_or(StatusCode::BAD_REQUEST);
            (
                status,
                layout::page(&ctx, title, form(&ctx, typed, Some(&refused))),
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_become_accounts() {
        let list = accounts("01012345678,5000\n\n+821099990000, 1000 , 300\n010-5555-0000").unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(list[0]["msisdn"], "01012345678");
        assert_eq!(
            (&list[1]["balance"], &list[1]["monthly_limit"]),
            (&json!(1000), &json!(300))
        );
        assert!(list[2].get("balance").is_none());
        assert_eq!(
            accounts("1,2,3,4").unwrap_err(),
            "line 1: number,opening balance[,monthly limit]"
        );
        assert_eq!(
            line_of(crate::console::Lang::En, "accounts[2].msisdn"),
            "line 3: msisdn"
        );
        assert_eq!(line_of(crate::console::Lang::En, "accounts"), "accounts");
    }
}
