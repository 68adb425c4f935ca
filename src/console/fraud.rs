//! The fraud pages (docs/guides/fraud.md): the decisions the rules made, newest first, filtered by
//! review; one decision with the rules that fired and the operator's judgement; the rule set in
//! force, edited as the admin API's JSON document (its field errors shown under it) or reset to
//! the configuration's. Every change is the admin API's request.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde_json::{Value, json};

use super::ConsoleState;
use super::layout::{self, Ctx};
use crate::admin::fraud::DecisionView;
use crate::scf::fraud::{RulesInForce, RulesSource};

/// The reviews an operator may give.
const REVIEWS: [&str; 3] = ["open", "cleared", "fraud"];

/// `rule (action): measure observed (limit …)` for each rule that fired.
fn why(d: &DecisionView) -> Markup {
    html! {
        ul.fired { @for f in &d.fired {
            li { strong { (f.rule.as_str()) } " (" (f.action.as_str()) "): " (f.measure) " " (f.observed) " (" (f.limit) ")" }
        } }
    }
}

/// `GET /console/fraud?review=`: decisions, newest first.
pub(super) async fn decisions(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = ctx.lang;
    let review = q
        .get("review")
        .map(String::as_str)
        .filter(|r| REVIEWS.contains(r));
    let mut path = "/fraud/decisions?limit=200".to_owned();
    if let Some(r) = review {
        path.push_str(&format!("&review={r}"));
    }
    let list = state.api().get::<Vec<DecisionView>>(&ctx.operator(), &path).await;
    let zone = state.admin().locale().time_zone;
    let body = html! {
        h1 { (lang.t("이상 거래", "Fraud decisions")) }
        p { a href="/console/fraud/rules" id="rules-link" { (lang.t("규칙 보기·수정", "View and edit the rules")) } }
        form.card.search method="get" action="/console/fraud" {
            label.field { span { (lang.t("검토", "Review")) }
                select name="review" {
                    option value="" { (lang.t("전체", "All")) }
                    @for r in REVIEWS { option value=(r) selected[review == Some(r)] { (r) } }
                }
            }
            button type="submit" { (lang.t("보기", "Show")) }
        }
        @match list {
            Ok(list) => table.list id="decisions" {
                thead { tr { th.num { "ID" } th { (lang.t("시각", "At")) } th { (lang.t("번호", "Number")) }
                    th { (lang.t("애플리케이션", "Application")) } th.num { (lang.t("금액", "Amount")) }
                    th { (lang.t("조치", "Action")) } th { (lang.t("규칙", "Rules")) } th { (lang.t("검토", "Review")) } } }
                tbody { @for d in &list { tr {
                    td.num { a href={ "/console/fraud/" (d.id) } { (d.id) } }
                    td { (lang.time(crate::domain::clock::from_millis(d.created_at_ms), zone)) }
                    td { (d.msisdn) }
                    td { (d.actor) }
                    td.num { (lang.money(d.amount, &d.currency)) }
                    td { (d.action) }
                    td { (why(d)) }
                    td { (d.review.as_str()) }
                } } }
            },
            Err(r) => p.refusal { (r.detail) },
        }
    };
    layout::page(&ctx, lang.t("이상 거래", "Fraud decisions"), body).into_response()
}

/// `GET /console/fraud/{id}`: one decision and its review form.
pub(super) async fn decision(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = ctx.lang;
    let d = match state
        .api()
        .get::<DecisionView>(&ctx.operator(), &format!("/fraud/decisions/{id}"))
        .await
    {
        Ok(d) => d,
        Err(r) if r.is_not_found() => {
            let missing = lang.t("이 결정이 없습니다.", "No such decision.");
            return layout::refusal(lang, StatusCode::NOT_FOUND, missing);
        }
        Err(r) => return layout::refusal(lang, StatusCode::BAD_REQUEST, &r.detail),
    };
    let zone = state.admin().locale().time_zone;
    let at = |ms: i64| lang.time(crate::domain::clock::from_millis(ms), zone);
    let body = html! {
        h1 { (lang.t("이상 거래", "Fraud decision")) " " (d.id) " " span.status id="review" { (d.review.as_str()) } }
        @if q.contains_key("done") { p.notice id="done" { (lang.t("검토를 기록했습니다.", "Review recorded.")) } }
        dl.summary {
            dt { (lang.t("시각", "At")) } dd { (at(d.created_at_ms)) }
            dt { (lang.t("번호", "Number")) } dd { a href={ "/console/subscribers/" (super::enc(&d.msisdn)) } { (d.msisdn) } }
            dt { (lang.t("애플리케이션", "Application")) } dd { (d.actor) }
            dt { (lang.t("종류", "Kind")) } dd { (d.kind) }
            dt { (lang.t("금액", "Amount")) } dd { (lang.money(d.amount, &d.currency)) }
            dt { (lang.t("참조 코드", "Reference code")) } dd { (d.reference_code.as_deref().unwrap_or("")) }
            dt { (lang.t("조치", "Action")) } dd id="action" { (d.action) }
            dt { (lang.t("규칙", "Rules")) } dd id="fired" { (why(&d)) }
            @if let Some(by) = &d.reviewed_by {
                dt { (lang.t("검토자", "Reviewed by")) } dd { (by) " · " (d.reviewed_at_ms.map(at).unwrap_or_default()) }
                dt { (lang.t("메모", "Note")) } dd id="note" { (d.review_note.as_deref().unwrap_or("")) }
            }
        }
        form.card method="post" action={ "/console/fraud/" (d.id) "/review" } id="review-form" {
            (layout::csrf(&ctx))
            label.field { span { (lang.t("검토", "Review")) }
                select name="review" { @for r in REVIEWS { option value=(r) selected[d.review.as_str() == r] { (r) } } }
            }
            (layout::field(lang.t("메모", "Note"), "note", "text", d.review_note.as_deref().unwrap_or(""), None))
            button type="submit" { (lang.t("기록", "Record")) }
        }
    };
    layout::page(&ctx, lang.t("이상 거래", "Fraud decision"), body).into_response()
}

/// `POST /console/fraud/{id}/review`: `POST /admin/v1/fraud/decisions/{id}/review`.
pub(super) async fn review(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| form.get(k).map_or("", |v| v.trim());
    let mut body = json!({ "review": get("review") });
    if !get("note").is_empty() {
        body["note"] = json!(get("note"));
    }
    let path = format!("/fraud/decisions/{id}/review");
    match state
        .api()
        .send::<Value>(&ctx.operator(), Method::POST, &path, body)
        .await
    {
        Ok(_) => Redirect::to(&format!("/console/fraud/{id}?done=review")).into_response(),
        Err(r) => layout::refusal(
            ctx.lang,
            StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_REQUEST),
            &r.detail,
        ),
    }
}

/// `GET /console/fraud/rules`: the rules in force.
pub(super) async fn rules(State(state): State<ConsoleState>, ctx: Ctx) -> Response {
    rules_page(&state, &ctx, None, None).await
}

/// The rules page; `typed` and `refused` when a saved document was refused.
async fn rules_page(
    state: &ConsoleState,
    ctx: &Ctx,
    typed: Option<&str>,
    refused: Option<&super::api::Refused>,
) -> Response {
    let lang = ctx.lang;
    let current = state
        .api()
        .get::<RulesInForce>(&ctx.operator(), "/fraud/rules")
        .await;
    let (source, document) = match &current {
        Ok(r) => (
            match r.source {
                RulesSource::Configuration => lang.t("설정 파일", "the configuration"),
                RulesSource::Admin => lang.t("관리 API로 저장됨", "saved through the admin API"),
            },
            serde_json::to_string_pretty(&r.rules).unwrap_or_default(),
        ),
        Err(r) => return layout::refusal(lang, StatusCode::BAD_GATEWAY, &r.detail),
    };
    let status = if refused.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let body = html! {
        h1 { (lang.t("이상 거래 규칙", "Fraud rules")) }
        p id="source" { (lang.t("출처: ", "Source: ")) (source) }
        @if let Some(r) = refused {
            ul.errors id="rule-errors" { @for e in &r.errors { li { code { (e.field) } ": " (e.message) } } }
            @if r.errors.is_empty() { p.refusal { (r.detail) } }
        }
        form.card method="post" action="/console/fraud/rules" id="rules-form" {
            (layout::csrf(ctx))
            textarea name="rules" rows="30" aria-invalid=[refused.map(|_| "true")] { (typed.unwrap_or(&document)) }
            button type="submit" { (lang.t("저장", "Save")) }
        }
        form.card method="post" action="/console/fraud/rules/reset" id="reset-form" {
            (layout::csrf(ctx))
            button type="submit" { (lang.t("설정 파일의 규칙으로 되돌리기", "Back to the configuration's rules")) }
        }
    };
    (
        status,
        layout::page(ctx, lang.t("이상 거래 규칙", "Fraud rules"), body),
    )
        .into_response()
}

/// `POST /console/fraud/rules`: `PUT /admin/v1/fraud/rules` with the document typed.
pub(super) async fn save_rules(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let typed = form.get("rules").map_or("", String::as_str);
    let document = match serde_json::from_str::<Value>(typed) {
        Ok(v) => v,
        Err(e) => {
            let refused = super::api::Refused {
                status: 400,
                detail: format!("not JSON: {e}"),
                errors: vec![super::api::FieldError {
                    field: "rules".to_owned(),
                    message: format!("not JSON: {e}"),
                }],
            };
            return rules_page(&state, &ctx, Some(typed), Some(&refused)).await;
        }
    };
    let result = state
        .api()
        .send::<Value>(&ctx.operator(), Method::PUT, "/fraud/rules", document)
        .await;
    match result {
        Ok(_) => Redirect::to("/console/fraud/rules").into_response(),
        Err(refused) => rules_page(&state, &ctx, Some(typed), Some(&refused)).await,
    }
}

/// `POST /console/fraud/rules/reset`: `DELETE /admin/v1/fraud/rules`.
pub(super) async fn reset_rules(State(state): State<ConsoleState>, ctx: Ctx) -> Response {
    let result = state
        .api()
        .send::<Value>(&ctx.operator(), Method::DELETE, "/fraud/rules", Value::Null)
        .await;
    match result {
        Ok(_) => Redirect::to("/console/fraud/rules").into_response(),
        Err(r) => layout::refusal(ctx.lang, StatusCode::BAD_GATEWAY, &r.detail),
    }
}
