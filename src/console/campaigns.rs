//! Campaigns (docs/guides/campaigns.md): the list with each one's progress, a form that schedules
//! one (numbers pasted one per line or as CSV, or every active account), one campaign's delivery
//! report with pause, resume and cancel, and the opt-out list. Every change is the admin API's
//! request.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde_json::{Value, json};

use super::ConsoleState;
use super::layout::{self, Ctx, Sent, field};
use crate::admin::campaigns::{CampaignView, OptOutView};

/// `GET /console/campaigns`
pub(super) async fn page(State(state): State<ConsoleState>, ctx: Ctx) -> Response {
    show(&state, &ctx, &Sent::default()).await
}

async fn show(state: &ConsoleState, ctx: &Ctx, sent: &Sent) -> Response {
    let ctx = &ctx.at("/console/campaigns".to_owned());
    let lang = ctx.lang;
    let list = state
        .api()
        .get::<Vec<CampaignView>>(&ctx.operator(), "/campaigns")
        .await;
    let opt_outs = state
        .api()
        .get::<Vec<OptOutView>>(&ctx.operator(), "/sms/opt-outs")
        .await;
    let body = html! {
        h1 { (lang.t("캠페인", "Campaigns")) }
        (create_form(ctx, sent))
        @match list {
            Ok(list) => table.list id="campaigns" {
                thead { tr { th { "ID" } th { (lang.t("이름", "Name")) } th { (lang.t("예약한 곳", "Scheduled by")) } th { (lang.t("상태", "State")) }
                    th.num { (lang.t("초당", "Per second")) } th.num { (lang.t("대기", "Waiting")) }
                    th.num { (lang.t("발송", "Sent")) } th.num { (lang.t("수신 거부", "Opted out")) } } }
                tbody { @for c in &list { tr {
                    td { a href={ "/console/campaigns/" (c.id) } { (c.id) } }
                    td { (c.name) }
                    td { (c.created_by) }
                    td { (state_name(c)) }
                    td.num { (c.rate_per_sec) }
                    td.num { (c.pending) }
                    td.num { (c.sent) }
                    td.num { (c.opted_out) }
                } } }
            },
            Err(r) => p.refusal { (r.detail) },
        }
        h2 { (lang.t("수신 거부 목록", "Opt-out list")) }
        @match opt_outs {
            Ok(list) => table.list id="opt-outs" {
                thead { tr { th { (lang.t("번호", "Number")) } th { (lang.t("단어", "Keyword")) } } }
                tbody { @for o in &list { tr { td { (o.msisdn) } td { (o.keyword) } } } }
            },
            Err(r) => p.refusal { (r.detail) },
        }
    };
    (
        sent.status(),
        layout::page(ctx, lang.t("캠페인", "Campaigns"), body),
    )
        .into_response()
}

/// `scheduled` reads `sending` while the feeder sends it.
fn state_name(c: &CampaignView) -> &'static str {
    if c.sending { "sending" } else { c.status.as_str() }
}

fn create_form(ctx: &Ctx, sent: &Sent) -> Markup {
    let lang = ctx.lang;
    let f = "campaign";
    let v = |name: &str, default: &str| sent.value(f, name).unwrap_or(default).to_owned();
    html! {
        form.card method="post" action="/console/campaigns" id="create" {
            h2 { (lang.t("새 캠페인", "New campaign")) }
            (layout::csrf(ctx))
            @if let Some(d) = sent.detail(f) { p.refusal { (d) } }
            (field(lang.t("이름", "Name"), "name", "text", &v("name", ""), sent.error(f, "name")))
            (field(lang.t("발신 번호", "Sender"), "sender", "text", &v("sender", "1588"), sent.error(f, "sender")))
            (field(lang.t("문구", "Text"), "text", "text", &v("text", ""), sent.error(f, "text")))
            (field(lang.t("시작 (RFC 3339, 비우면 지금)", "Start (RFC 3339; empty: now)"), "start_at", "text", &v("start_at", ""), sent.error(f, "start_at")))
            (field(lang.t("발송 시간대 (예: 9-21)", "Daily window (e.g. 9-21)"), "window", "text", &v("window", "9-21"), sent.error(f, "window")))
            (field(lang.t("초당 발송 수", "Numbers per second"), "rate_per_sec", "number", &v("rate_per_sec", "50"), sent.error(f, "rate_per_sec")))
            label.field {
                span { (lang.t("번호 (한 줄에 하나, 또는 CSV의 첫 열)", "Numbers (one per line, or a CSV's first column)")) }
                textarea name="numbers" rows="6" { (v("numbers", "")) }
                @if let Some(e) = sent.error(f, "numbers") { span.error data-field="numbers" { (e) } }
            }
            label.check { input type="checkbox" name="all_active_accounts" checked[sent.value(f, "all_active_accounts").is_some()]; (lang.t("모든 활성 계정", "Every active account")) }
            button type="submit" { (lang.t("예약", "Schedule")) }
        }
    }
}

/// `POST /console/campaigns`: `POST /admin/v1/campaigns`.
pub(super) async fn create(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| form.get(k).map_or("", |v| v.trim());
    let rate = get("rate_per_sec")
        .parse::<serde_json::Number>()
        .map_or_else(|_| json!(get("rate_per_sec")), Value::Number);
    let mut body =
        json!({"name": get("name"), "sender": get("sender"), "text": get("text"), "rate_per_sec": rate});
    if form.contains_key("all_active_accounts") {
        body["all_active_accounts"] = json!(true);
    } else {
        body["numbers"] = json!(crate::cli::campaigns::numbers_in_csv(get("numbers")));
    }
    if !get("start_at").is_empty() {
        body["start_at"] = json!(get("start_at"));
    }
    // `FROM-TO` as two hours; anything else goes to the API as typed, which names the field.
    let window = get("window");
    if !window.is_empty() {
        let hours = window
            .split_once('-')
            .and_then(|(from, to)| Some((from.trim().parse::<u32>().ok()?, to.trim().parse::<u32>().ok()?)));
        body["window"] = hours.map_or_else(|| json!(window), |(from, to)| json!([from, to]));
    }
    match state
        .api()
        .send::<CampaignView>(&ctx.operator(), Method::POST, "/campaigns", body)
        .await
    {
        Ok(c) => Redirect::to(&format!("/console/campaigns/{}", c.id)).into_response(),
        Err(refused) => show(&state, &ctx, &Sent::new("campaign", form, refused)).await,
    }
}

/// `GET /console/campaigns/{id}`: progress, delivery report, and the actions its state allows.
pub(super) async fn campaign(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response {
    let lang = ctx.lang;
    let path = format!("/campaigns/{}", super::enc(&id));
    let c = match state.api().get::<CampaignView>(&ctx.operator(), &path).await {
        Ok(c) => c,
        Err(r) if r.is_not_found() => {
            return layout::refusal(
                lang,
                StatusCode::NOT_FOUND,
                lang.t("이 캠페인이 없습니다.", "No such campaign."),
            );
        }
        Err(r) => return layout::refusal(lang, StatusCode::BAD_GATEWAY, &r.detail),
    };
    let zone = state.admin().locale().time_zone;
    let actions: &[(&str, &str, &str)] = match c.status.as_str() {
        "scheduled" => &[("pause", "일시 중지", "Pause"), ("cancel", "취소", "Cancel")],
        "paused" => &[("resume", "재개", "Resume"), ("cancel", "취소", "Cancel")],
        _ => &[],
    };
    let body = html! {
        h1 { (lang.t("캠페인", "Campaign")) " " (c.name) " " span.status id="state" { (state_name(&c)) } }
        dl.summary {
            dt { (lang.t("예약한 곳", "Scheduled by")) } dd { (c.created_by) }
            dt { (lang.t("발신 번호", "Sender")) } dd { (c.sender) }
            dt { (lang.t("문구", "Text")) } dd { (c.text) }
            dt { (lang.t("시작", "Start")) } dd { (lang.time(crate::domain::clock::from_millis(c.start_at_ms), zone)) }
            dt { (lang.t("발송 시간대", "Daily window")) } dd { (c.window_from) ":00–" (c.window_to) ":00" }
            dt { (lang.t("초당", "Per second")) } dd { (c.rate_per_sec) }
            dt { (lang.t("대기 · 발송 · 수신 거부", "Waiting · sent · opted out")) } dd id="progress" { (c.pending) " · " (c.sent) " · " (c.opted_out) }
        }
        h2 { (lang.t("전송 결과", "Delivery report")) }
        table.list id="parts" {
            thead { tr { th { (lang.t("상태", "State")) } th.num { (lang.t("건수", "Parts")) } } }
            tbody { @for (state, n) in &c.parts { tr { td { (state) } td.num { (n) } } } }
        }
        @for (action, ko, en) in actions {
            form.inline method="post" action={ "/console/campaigns/" (c.id) "/" (action) } {
                (layout::csrf(&ctx))
                button type="submit" id=(action) { (lang.t(ko, en)) }
            }
        }
    };
    layout::page(&ctx, lang.t("캠페인", "Campaign"), body).into_response()
}

/// `POST /console/campaigns/{id}/{pause|resume|cancel}`.
pub(super) async fn action(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Path((id, action)): Path<(String, String)>,
) -> Response {
    if !["pause", "resume", "cancel"].contains(&action.as_str()) {
        return layout::refusal(
            ctx.lang,
            StatusCode::NOT_FOUND,
            ctx.lang.t("없는 동작입니다.", "No such action."),
        );
    }
    let path = format!("/campaigns/{}/{action}", super::enc(&id));
    match state
        .api()
        .send::<Value>(&ctx.operator(), Method::POST, &path, Value::Null)
        .await
    {
        Ok(_) => Redirect::to(&format!("/console/campaigns/{}", super::enc(&id))).into_response(),
        Err(r) => layout::refusal(
            ctx.lang,
            StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_REQUEST),
            &r.detail,
        ),
    }
}
