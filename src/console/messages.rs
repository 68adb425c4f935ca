//! Messages: an SMS request's parts by its requestIdentifier, what was sent to a number or by an
//! application (newest first, each part with the time of its state), the short-code registrations
//! (added and removed), the received messages no registration took, and the callbacks to
//! applications by application and state, each with its body and attempts and a retry button.

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
use super::{ConsoleState, enc};
use crate::admin::callbacks::{CallbackDetail, CallbackView};
use crate::admin::sms::RegistrationView;
use crate::store::sms::{SentPart, SentTo};

/// Query of the SMS page.
#[derive(Debug, Default, Deserialize)]
pub(super) struct SmsQuery {
    request: Option<String>,
    /// A number, in any spelling the subscriber search takes.
    number: Option<String>,
    /// An application id.
    app: Option<String>,
}

/// Parts listed per search.
const SENT_PAGE: i64 = 100;

/// `GET /console/sms?request=|number=|app=`
pub(super) async fn sms(State(state): State<ConsoleState>, ctx: Ctx, Query(q): Query<SmsQuery>) -> Response {
    sms_page(&state, &ctx, q, &Sent::default()).await
}

async fn sms_page(state: &ConsoleState, ctx: &Ctx, q: SmsQuery, sent: &Sent) -> Response {
    let ctx = &ctx.at("/console/sms".to_owned());
    let lang = ctx.lang;
    let operator = ctx.operator();
    let request = q.request.as_deref().map(str::trim).filter(|r| !r.is_empty());
    let found = match request {
        Some(id) => Some(
            state
                .admin()
                .store()
                .sms_request(id)
                .await
                .map_err(|e| e.to_string()),
        ),
        None => None,
    };
    let zone = state.admin().locale().time_zone;
    let number = q.number.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let app = q.app.as_deref().map(str::trim).filter(|a| !a.is_empty());
    let listed = sent_parts(state, number, app).await;
    let registrations = state
        .api()
        .get::<Vec<RegistrationView>>(&operator, "/sms/registrations")
        .await
        .unwrap_or_default();
    let unrouted = state
        .api()
        .get::<Value>(&operator, "/sms/unrouted")
        .await
        .unwrap_or(Value::Null);
    let body = html! {
        h1 { (lang.t("문자", "Messages")) }
        form.card.search method="get" action="/console/sms" {
            (field(lang.t("요청 식별자 (requestIdentifier)", "requestIdentifier"), "request", "search", request.unwrap_or_default(), None))
            button type="submit" { (lang.t("찾기", "Find")) }
        }
        form.card.search method="get" action="/console/sms" {
            (field(lang.t("수신 번호", "To number"), "number", "search", number.unwrap_or_default(), None))
            (field(lang.t("애플리케이션 ID", "Application id"), "app", "search", app.unwrap_or_default(), None))
            button type="submit" { (lang.t("찾기", "Find")) }
        }
        @if let Some(found) = found { (request_parts(lang, zone, found)) }
        @if let Some(listed) = listed { (sent_list(lang, zone, listed)) }
        (registration_list(ctx, &registrations, sent))
        (unrouted_list(lang, &unrouted))
    };
    (sent.status(), layout::page(ctx, lang.t("문자", "Messages"), body)).into_response()
}

/// What was sent to `number` (any spelling) or, without one, by application `app`; `None` when
/// neither was asked, a refusal naming the number when it is none.
async fn sent_parts(
    state: &ConsoleState,
    number: Option<&str>,
    app: Option<&str>,
) -> Option<Result<Vec<SentPart>, String>> {
    let to = match (number, app) {
        (Some(raw), _) => crate::domain::Msisdn::parse(raw, &state.admin().locale().default_country_code)
            .map_err(|e| e.to_string())
            .map(|n| SentTo::Address(n.as_str().to_owned())),
        (None, Some(id)) => Ok(SentTo::Actor(crate::domain::actor::of_app(id))),
        (None, None) => return None,
    };
    Some(match to {
        Ok(to) => state
            .admin()
            .store()
            .sms_sent(&to, SENT_PAGE)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e),
    })
}

type Parts = Result<Option<(String, Vec<crate::store::sms::PartState>)>, String>;

fn request_parts(lang: super::Lang, zone: chrono_tz::Tz, found: Parts) -> Markup {
    html! {
        section.card id="request-parts" {
            @match found {
                Ok(Some((owner, parts))) => {
                    h2 { (lang.t("요청한 애플리케이션", "Sent by")) " " code { (crate::domain::actor::app_or_name(&owner)) } }
                    table.list { thead { tr { th { (lang.t("수신자", "Address")) } th.num { (lang.t("파트", "Part")) } th { (lang.t("상태", "Status")) } th { (lang.t("상태 시각", "Since")) } } }
                        tbody { @for p in &parts { tr { td { (p.address) } td.num { (p.part_no) } td { (part_status(lang, p.status)) } td { (at(lang, zone, p.updated_at_ms)) } } } } }
                }
                Ok(None) => p.refusal { (lang.t("이 식별자의 요청이 없습니다.", "No request with this identifier.")) },
                Err(e) => p.refusal { (e) },
            }
        }
    }
}

/// Parts sent to a number or by an application, newest first; each request links to its parts.
pub(super) fn sent_list(
    lang: super::Lang,
    zone: chrono_tz::Tz,
    listed: Result<Vec<SentPart>, String>,
) -> Markup {
    html! {
        section.card id="sent-parts" {
            h2 { (lang.t("보낸 문자", "Messages sent")) }
            @match listed {
                Ok(parts) if parts.is_empty() => p { (lang.t("보낸 문자가 없습니다.", "Nothing sent.")) },
                Ok(parts) => table.list {
                    thead { tr {
                        th { (lang.t("접수", "Accepted")) } th { (lang.t("요청", "Request")) } th { (lang.t("보낸 곳", "Sent by")) }
                        th { (lang.t("수신자", "Address")) } th.num { (lang.t("파트", "Part")) } th { (lang.t("상태", "Status")) } th { (lang.t("상태 시각", "Since")) }
                    } }
                    tbody { @for s in &parts { tr {
                        td { (at(lang, zone, s.created_at_ms)) }
                        td { a href={ "/console/sms?request=" (enc(&s.request_id)) } { code { (s.request_id) } } }
                        td { (crate::domain::actor::app_or_name(&s.actor)) }
                        td { (s.part.address) } td.num { (s.part.part_no) }
                        td { (part_status(lang, s.part.status)) } td { (at(lang, zone, s.part.updated_at_ms)) }
                    } } }
                },
                Err(e) => p.refusal { (e) },
            }
        }
    }
}

/// Milliseconds since the epoch in the operator's time zone.
fn at(lang: super::Lang, zone: chrono_tz::Tz, ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(String::new, |t| lang.time(t, zone))
}

/// Where a part is, in the page's language.
fn part_status(lang: super::Lang, status: crate::store::sms::PartStatus) -> &'static str {
    use crate::store::sms::PartStatus as S;
    match status {
        S::Queued => lang.t("대기", "Queued"),
        S::Sending => lang.t("전송 중", "Sending"),
        S::Submitted => lang.t("SMSC 접수", "Submitted"),
        S::Delivered => lang.t("전달됨", "Delivered"),
        S::Failed => lang.t("실패", "Failed"),
        S::Uncertain => lang.t("불확실", "Uncertain"),
    }
}

fn registration_list(ctx: &Ctx, list: &[RegistrationView], sent: &Sent) -> Markup {
    let lang = ctx.lang;
    let f = "registration";
    let v = |name: &str| sent.value(f, name).unwrap_or_default();
    html! {
        section.card id="registrations" {
            h2 { (lang.t("단축번호 등록", "Short-code registrations")) }
            table.list { thead { tr { th { "ID" } th { (lang.t("단축번호", "Short code")) } th { (lang.t("키워드", "Keyword")) } th { (lang.t("애플리케이션", "Application")) } th {} } }
                tbody { @for r in list { tr {
                    td { code { (r.id) } } td { (r.short_code) } td { (r.keyword.as_deref().unwrap_or("*")) }
                    td { (r.app_id.as_deref().unwrap_or("—")) }
                    td { form.inline method="post" action={ "/console/sms/registrations/" (crate::http::percent_encode(&r.id)) "/delete" } {
                        (layout::csrf(ctx)) button.secondary type="submit" { (lang.t("삭제", "Remove")) } } }
                } } }
            }
            form method="post" action="/console/sms/registrations" id="registration" {
                (layout::csrf(ctx))
                @if let Some(d) = sent.detail(f) { p.error { (d) } }
                div.row {
                    (field(lang.t("단축번호", "Short code"), "short_code", "text", v("short_code"), sent.error(f, "short_code")))
                    (field(lang.t("키워드 (비우면 전체)", "Keyword (empty: any)"), "keyword", "text", v("keyword"), sent.error(f, "keyword")))
                    (field(lang.t("애플리케이션 ID (비우면 게이트웨이)", "Application id (empty: the gateway)"), "app_id", "text", v("app_id"), sent.error(f, "app_id")))
                }
                button type="submit" { (lang.t("등록", "Register")) }
            }
        }
    }
}

fn unrouted_list(lang: super::Lang, unrouted: &Value) -> Markup {
    let messages = unrouted["messages"].as_array().cloned().unwrap_or_default();
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    html! {
        section.card id="unrouted" {
            h2 { (lang.t("처리되지 않은 수신 문자", "Received messages no registration took")) " (" (unrouted["count"].as_i64().unwrap_or(0)) ")" }
            table.list { thead { tr { th { (lang.t("받은 시각", "Received")) } th { (lang.t("발신", "From")) } th { (lang.t("수신", "To")) } th { (lang.t("내용", "Text")) } } }
                tbody { @for m in &messages { tr { td { (text(&m["received_at"])) } td { (text(&m["sender"])) } td { (text(&m["destination"])) } td { (text(&m["message"])) } } } } }
        }
    }
}

/// `POST /console/sms/registrations`: `POST /admin/v1/sms/registrations`.
pub(super) async fn add_registration(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| form.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let body = json!({ "short_code": get("short_code").unwrap_or_default(), "keyword": get("keyword"), "app_id": get("app_id") });
    let result: Result<Value, Refused> = state
        .api()
        .send(&ctx.operator(), Method::POST, "/sms/registrations", body)
        .await;
    match result {
        Ok(_) => Redirect::to("/console/sms").into_response(),
        Err(refused) => {
            sms_page(
                &state,
                &ctx,
                SmsQuery::default(),
                &Sent::new("registration", form, refused),
            )
            .await
        }
    }
}

/// `POST /console/sms/registrations/{id}/delete`
pub(super) async fn delete_registration(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response {
    let path = format!("/sms/registrations/{}", crate::http::percent_encode(&id));
    let result: Result<Value, Refused> = state
        .api()
        .send(&ctx.operator(), Method::DELETE, &path, Value::Null)
        .await;
    match result {
        Ok(_) => Redirect::to("/console/sms").into_response(),
        Err(refused) => {
            sms_page(
                &state,
                &ctx,
                SmsQuery::default(),
                &Sent::new("registration", HashMap::new(), refused),
            )
            .await
        }
    }
}

/// Query of the callback list.
#[derive(Debug, Default, Deserialize)]
pub(super) struct CallbackQuery {
    app_id: Option<String>,
    status: Option<String>,
}

/// `GET /console/callbacks?app_id=&status=`
pub(super) async fn callbacks(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Query(q): Query<CallbackQuery>,
) -> Response {
    let lang = ctx.lang;
    let mut path = "/callbacks?limit=200".to_owned();
    let app = q.app_id.as_deref().map(str::trim).filter(|a| !a.is_empty());
    let status = q
        .status
        .as_deref()
        .filter(|s| ["pending", "delivered", "abandoned"].contains(s));
    if let Some(a) = app {
        path.push_str(&format!("&app_id={}", crate::http::percent_encode(a)));
    }
    if let Some(s) = status {
        path.push_str(&format!("&status={s}"));
    }
    let list = state.api().get::<Vec<CallbackView>>(&ctx.operator(), &path).await;
    let body = html! {
        h1 { (lang.t("콜백", "Callbacks")) }
        form.card.search method="get" action="/console/callbacks" {
            (field(lang.t("애플리케이션 ID", "Application id"), "app_id", "search", app.unwrap_or_default(), None))
            label.field { span { (lang.t("상태", "State")) }
                select name="status" {
                    option value="" { (lang.t("전체", "All")) }
                    @for s in ["pending", "delivered", "abandoned"] { option value=(s) selected[status == Some(s)] { (s) } }
                }
            }
            button type="submit" { (lang.t("보기", "Show")) }
        }
        @match list {
            Ok(list) => (callback_table(&ctx, &list)),
            Err(r) => p.refusal { (r.detail) },
        }
    };
    layout::page(&ctx, lang.t("콜백", "Callbacks"), body).into_response()
}

fn callback_table(ctx: &Ctx, list: &[CallbackView]) -> Markup {
    let lang = ctx.lang;
    html! {
        table.list id="callbacks" {
            thead { tr { th.num { "ID" } th { (lang.t("애플리케이션", "Application")) } th { (lang.t("종류", "Kind")) } th { (lang.t("상태", "State")) }
                th.num { (lang.t("시도", "Attempts")) } th { (lang.t("마지막 오류", "Last error")) } th { (lang.t("엔드포인트", "Endpoint")) } } }
            tbody { @for c in list { tr {
                td.num { a href={ "/console/callbacks/" (c.id) } { (c.id) } }
                td { (c.app_id) } td { (c.kind) }
                td { span class={ "status " (status_class(&c.status)) } { (format!("{:?}", c.status).to_lowercase()) } }
                td.num { (c.attempts) } td { (c.last_error.as_deref().unwrap_or_default()) } td { (c.endpoint) }
            } } }
        }
    }
}

fn status_class(status: &crate::store::callbacks::CallbackStatus) -> &'static str {
    match format!("{status:?}").as_str() {
        "Delivered" => "active",
        "Abandoned" => "closed",
        _ => "suspended",
    }
}

/// `GET /console/callbacks/{id}`: the callback, its body and its attempts.
pub(super) async fn callback(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = ctx.lang;
    let detail = match state
        .api()
        .get::<CallbackDetail>(&ctx.operator(), &format!("/callbacks/{id}"))
        .await
    {
        Ok(d) => d,
        Err(r) if r.is_not_found() => {
            return layout::refusal(
                lang,
                StatusCode::NOT_FOUND,
                lang.t("이 콜백이 없습니다.", "No such callback."),
            );
        }
        Err(r) => return layout::refusal(lang, StatusCode::BAD_REQUEST, &r.detail),
    };
    let c = &detail.callback;
    let body = html! {
        h1 { (lang.t("콜백", "Callback")) " " (c.id) " " span class={ "status " (status_class(&c.status)) } id="callback-status" { (format!("{:?}", c.status).to_lowercase()) } }
        @if q.contains_key("done") { p.notice id="done" { (lang.t("다시 보내도록 대기열에 넣었습니다.", "Queued to be sent again.")) } }
        dl.summary {
            dt { (lang.t("애플리케이션", "Application")) } dd { (c.app_id) }
            dt { (lang.t("종류", "Kind")) } dd { (c.kind) }
            dt { (lang.t("엔드포인트", "Endpoint")) } dd { (c.endpoint) }
            dt { (lang.t("포기 시각", "Gives up at")) } dd { (c.give_up_at) }
        }
        form.card method="post" action={ "/console/callbacks/" (c.id) "/retry" } id="retry" {
            (layout::csrf(&ctx))
            button type="submit" { (lang.t("다시 보내기", "Send again")) }
        }
        h2 { (lang.t("시도", "Attempts")) }
        table.list id="attempts" { thead { tr { th { (lang.t("시각", "At")) } th.num { "ms" } th.num { "HTTP" } th { (lang.t("오류", "Error")) } } }
            tbody { @for a in &detail.attempt_log { tr { td { (a.at) } td.num { (a.duration_ms) } td.num { (a.http_status.map(|s| s.to_string()).unwrap_or_default()) } td { (a.error.as_deref().unwrap_or_default()) } } } } }
        h2 { (lang.t("본문", "Body")) }
        pre.body { (detail.body) }
    };
    layout::page(&ctx, lang.t("콜백", "Callback"), body).into_response()
}

/// `POST /console/callbacks/{id}/retry`: `POST /admin/v1/callbacks/{id}/retry`.
pub(super) async fn retry(State(state): State<ConsoleState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    match state
        .api()
        .post::<Value>(&ctx.operator(), &format!("/callbacks/{id}/retry"))
        .await
    {
        Ok(_) => Redirect::to(&format!("/console/callbacks/{id}?done=retry")).into_response(),
        Err(r) => layout::refusal(
            ctx.lang,
            StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_REQUEST),
            &r.detail,
        ),
    }
}
