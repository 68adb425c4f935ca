//! Applications: the list, registering one (its first credential's secret shown once), the
//! detail page with its name and contact, its service agreement as a form, its status
//! (suspend / resume / revoke), its credentials (a new one's secret shown once; revoke) and this
//! month's usage by operation and by outcome. Every change is the admin API's request.

mod agreement;
mod render;

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde_json::{Value, json};

use super::api::Refused;
use super::layout::{self, Ctx, Sent};
use super::{ConsoleState, enc};
use crate::admin::app_views::{AppList, AppView, CreatedApp, IssuedCredential};

/// The agreement's errors moved to the inputs of its form.
fn agreement_errors(mut refused: Refused) -> Refused {
    for e in &mut refused.errors {
        if e.field.starts_with("agreement") {
            let (input, message) = agreement::input_of(&e.field, &e.message);
            e.field = input;
            e.message = message;
        }
    }
    refused
}

/// `GET /console/apps`
pub(super) async fn list(State(state): State<ConsoleState>, ctx: Ctx) -> Response {
    let lang = ctx.lang;
    let operator = ctx.operator();
    let list = match state.api().get::<AppList>(&operator, "/apps").await {
        Ok(list) => list,
        Err(r) => return layout::refusal(lang, StatusCode::SERVICE_UNAVAILABLE, &r.detail),
    };
    // Today's calls and refusals, from the usage reports (the operator's day).
    let (from, to) = super::settlement::today(state.admin());
    let mut today = HashMap::new();
    for app in &list.apps {
        let path = format!("/apps/{}/usage?by=outcome&from={from}&to={to}", enc(&app.id));
        if let Ok(v) = state.api().get::<Value>(&operator, &path).await {
            let usage = super::settlement::Usage::from_json(&v);
            let refused: i64 = usage.groups.iter().filter(|g| g.0 != "ok").map(|g| g.1).sum();
            today.insert(app.id.clone(), (usage.calls, refused));
        }
    }
    let body = render::list(&ctx, &list, &today);
    layout::page(&ctx, lang.t("애플리케이션", "Applications"), body).into_response()
}

/// `GET /console/apps/new`
pub(super) async fn new_page(ctx: Ctx) -> Response {
    let starting = agreement::to_form(
        &json!({ "allow": ["Payment"], "rates": [{"scope": "Payment", "per_second": 50}] }),
    );
    let sent = Sent::new("create", starting, Refused::default());
    let lang = ctx.lang;
    layout::page(
        &ctx,
        lang.t("새 애플리케이션", "New application"),
        render::create_form(&ctx, &sent),
    )
    .into_response()
}

/// `POST /console/apps/new`: `POST /admin/v1/apps`; the first credential's secret is shown on
/// the answer page, once.
pub(super) async fn create(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let lang = ctx.lang;
    let get = |k: &str| form.get(k).map_or("", |v| v.trim());
    let body = json!({
        "id": get("id"),
        "name": get("name"),
        "owner_contact": get("owner_contact"),
        "agreement": agreement::from_form(&form),
    });
    match state
        .api()
        .send::<CreatedApp>(&ctx.operator(), Method::POST, "/apps", body)
        .await
    {
        Ok(created) => {
            let body = render::detail(
                &ctx,
                &created.app,
                Some(&created.credential),
                &Sent::default(),
                None,
            );
            layout::page(&ctx, &created.app.name, body).into_response()
        }
        Err(refused) => {
            let sent = Sent::new("create", form, agreement_errors(refused));
            let status = sent.status();
            (
                status,
                layout::page(
                    &ctx,
                    lang.t("새 애플리케이션", "New application"),
                    render::create_form(&ctx, &sent),
                ),
            )
                .into_response()
        }
    }
}

/// `GET /console/apps/{id}` (`?done=` after a change).
pub(super) async fn page(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let done = Sent::new("done", q, Refused::default());
    show(&state, &ctx, &id, None, done).await
}

async fn show(
    state: &ConsoleState,
    ctx: &Ctx,
    id: &str,
    secret: Option<&IssuedCredential>,
    sent: Sent,
) -> Response {
    let ctx = &ctx.at(format!("/console/apps/{}", enc(id)));
    let lang = ctx.lang;
    let operator = ctx.operator();
    let app = match state
        .api()
        .get::<AppView>(&operator, &format!("/apps/{}", enc(id)))
        .await
    {
        Ok(app) => app,
        Err(r) if r.is_not_found() => {
            return layout::refusal(
                lang,
                StatusCode::NOT_FOUND,
                lang.t("이 애플리케이션이 없습니다.", "No such application."),
            );
        }
        Err(r) => return layout::refusal(lang, StatusCode::BAD_REQUEST, &r.detail),
    };
    let mut usage = Vec::new();
    for by in ["operation", "outcome"] {
        let path = format!("/apps/{}/usage?by={by}", enc(id));
        let report = state.api().get::<Value>(&operator, &path).await;
        usage.push(report.ok().map(|v| super::settlement::Usage::from_json(&v)));
    }
    let status = sent.status();
    let done = sent.value("done", "done").is_some();
    let body = html! {
        @if done { p.notice id="done" { (lang.t("반영되었습니다.", "Done.")) } }
        (render::detail(ctx, &app, secret, &sent, Some(&usage)))
    };
    (status, layout::page(ctx, &app.name, body)).into_response()
}

/// After a change: back to the application's page, or the page again with the refusal.
async fn answer(
    state: &ConsoleState,
    ctx: &Ctx,
    id: &str,
    form: &'static str,
    values: HashMap<String, String>,
    result: Result<Value, Refused>,
) -> Response {
    match result {
        Ok(_) => Redirect::to(&format!("/console/apps/{}?done={form}", enc(id))).into_response(),
        Err(refused) => {
            show(
                state,
                ctx,
                id,
                None,
                Sent::new(form, values, agreement_errors(refused)),
            )
            .await
        }
    }
}

/// `POST /console/apps/{id}`: name and contact, `PATCH /admin/v1/apps/{id}`.
pub(super) async fn update(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| form.get(k).map_or("", |v| v.trim());
    let body = json!({ "name": get("name"), "owner_contact": get("owner_contact") });
    let path = format!("/apps/{}", enc(&id));
    let result = state
        .api()
        .send(&ctx.operator(), Method::PATCH, &path, body)
        .await;
    answer(&state, &ctx, &id, "info", form, result).await
}

/// `POST /console/apps/{id}/agreement`: `PUT /admin/v1/apps/{id}/agreement`.
pub(super) async fn set_agreement(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let path = format!("/apps/{}/agreement", enc(&id));
    let result = state
        .api()
        .send(&ctx.operator(), Method::PUT, &path, agreement::from_form(&form))
        .await;
    answer(&state, &ctx, &id, "agreement", form, result).await
}

/// `POST /console/apps/{id}/status`: suspend, resume or revoke.
pub(super) async fn status(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(action @ ("suspend" | "resume" | "revoke")) = form.get("action").map(String::as_str) else {
        let unknown = ctx.lang.t("알 수 없는 동작입니다.", "Unknown action.");
        return layout::refusal(ctx.lang, StatusCode::BAD_REQUEST, unknown);
    };
    let path = format!("/apps/{}/{action}", enc(&id));
    let result = state.api().post(&ctx.operator(), &path).await;
    answer(&state, &ctx, &id, "status", form, result).await
}

/// `POST /console/apps/{id}/monitored`: lets the application monitor an account
/// (`PUT /admin/v1/apps/{id}/monitored/{msisdn}`), or withdraws that (`withdraw`: `DELETE`).
pub(super) async fn monitored(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let msisdn = form.get("msisdn").map_or("", |m| m.trim());
    let path = format!("/apps/{}/monitored/{}", enc(&id), super::enc_number(msisdn));
    let method = if form.contains_key("withdraw") {
        Method::DELETE
    } else {
        Method::PUT
    };
    let result = state
        .api()
        .send(&ctx.operator(), method, &path, Value::Null)
        .await;
    answer(&state, &ctx, &id, "monitored", form, result).await
}

/// `POST /console/apps/{id}/credentials`: a new credential, under the user name typed or a
/// generated one, its secret on the answer page once.
pub(super) async fn add_credential(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(values): Form<HashMap<String, String>>,
) -> Response {
    let path = format!("/apps/{}/credentials", enc(&id));
    let username = values.get("username").map_or("", |u| u.trim());
    let body = if username.is_empty() {
        json!({})
    } else {
        json!({ "username": username })
    };
    match state
        .api()
        .send::<IssuedCredential>(&ctx.operator(), Method::POST, &path, body)
        .await
    {
        Ok(issued) => show(&state, &ctx, &id, Some(&issued), Sent::default()).await,
        Err(refused) => show(&state, &ctx, &id, None, Sent::new("credentials", values, refused)).await,
    }
}

/// `POST /console/apps/{id}/credentials/{username}/revoke`
pub(super) async fn revoke_credential(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Path((id, username)): Path<(String, String)>,
) -> Response {
    let path = format!("/apps/{}/credentials/{}", enc(&id), enc(&username));
    let result = state
        .api()
        .send(&ctx.operator(), Method::DELETE, &path, Value::Null)
        .await;
    answer(&state, &ctx, &id, "credentials", HashMap::new(), result).await
}
