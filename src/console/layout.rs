//! The page shell every console page shares (head, navigation, language switch, sign-out) and
//! the small pieces forms are made of. maud escapes every value written into the page.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use std::collections::HashMap;

use super::Lang;
use super::api::Refused;
use super::session::Session;

/// What every page needs to know about its request: the language, the session (none on the
/// sign-in page) and its own path (for the language switch).
#[derive(Debug, Clone)]
pub(super) struct Ctx {
    pub(super) lang: Lang,
    pub(super) session: Option<Session>,
    path: String,
}

impl Ctx {
    pub(super) fn anonymous(lang: Lang, path: &str) -> Self {
        Self {
            lang,
            session: None,
            path: path.to_owned(),
        }
    }

    /// The same page at `path`: a form's answer shown at its action's address switches language
    /// on the page the form belongs to.
    pub(super) fn at(&self, path: String) -> Self {
        Self { path, ..self.clone() }
    }

    /// The session's CSRF token, for a form.
    pub(super) fn csrf(&self) -> &str {
        self.session.as_ref().map_or("", |s| s.csrf.as_str())
    }

    /// The signed-in operator.
    pub(super) fn operator(&self) -> crate::admin::Operator {
        self.session
            .as_ref()
            .map(|s| s.operator.clone())
            .unwrap_or_else(|| crate::admin::Operator { name: String::new() })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self {
            lang: parts.extensions.get::<Lang>().copied().unwrap_or_default(),
            session: parts.extensions.get::<Session>().cloned(),
            // Nested under `/console`, the request's own URI lacks the prefix.
            path: parts
                .extensions
                .get::<axum::extract::OriginalUri>()
                .map_or_else(|| parts.uri.path().to_owned(), |u| u.0.path().to_owned()),
        })
    }
}

/// A form sent back with what was typed and what the API said about it.
#[derive(Debug, Default)]
pub(super) struct Sent {
    /// Which form (`topup`, `limits`, `agreement`, …).
    form: &'static str,
    /// What was typed.
    values: HashMap<String, String>,
    /// The API's refusal.
    pub(super) refused: Refused,
}

impl Sent {
    pub(super) fn new(form: &'static str, values: HashMap<String, String>, refused: Refused) -> Self {
        Self {
            form,
            values,
            refused,
        }
    }

    /// What was typed into `name` of `form`, if this is that form coming back.
    pub(super) fn value<'a>(&'a self, form: &str, name: &str) -> Option<&'a str> {
        (self.form == form).then(|| self.values.get(name).map(String::as_str))?
    }

    /// The API's message for `name` of `form`.
    pub(super) fn error<'a>(&'a self, form: &str, name: &str) -> Option<&'a str> {
        (self.form == form).then(|| self.refused.field(name))?
    }

    /// The refusal's detail for `form`, when no field shows it.
    pub(super) fn detail(&self, form: &str) -> Option<&str> {
        (self.form == form && self.refused.errors.is_empty()).then_some(self.refused.detail.as_str())
    }

    /// The HTTP status to answer with: the API's, or 200 when nothing came back.
    pub(super) fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.refused.status).unwrap_or(StatusCode::OK)
    }
}

/// A whole page: `title` in the head and as the heading's context, `body` in the main column.
pub(super) fn page(ctx: &Ctx, title: &str, body: Markup) -> Markup {
    let lang = ctx.lang;
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · pxgate" }
                link rel="stylesheet" href="/console/static/console.css";
            }
            body {
                header.top {
                    a.brand href="/console/" { "pxgate" }
                    @if ctx.session.is_some() {
                        nav {
                            a href="/console/dashboard" { (lang.t("대시보드", "Dashboard")) }
                            a href="/console/subscribers" { (lang.t("가입자", "Subscribers")) }
                            a href="/console/apps" { (lang.t("애플리케이션", "Applications")) }
                            a href="/console/vouchers" { (lang.t("바우처", "Vouchers")) }
                            a href="/console/tariffs" { (lang.t("요금", "Tariffs")) }
                            a href="/console/sms" { (lang.t("문자", "Messages")) }
                            a href="/console/callbacks" { (lang.t("콜백", "Callbacks")) }
                            a href="/console/campaigns" { (lang.t("캠페인", "Campaigns")) }
                            a href="/console/fraud" { (lang.t("이상 거래", "Fraud")) }
                            a href="/console/settlement" { (lang.t("정산", "Settlement")) }
                        }
                    }
                    span.spacer {}
                    a.lang href={ (ctx.path) "?lang=ko" } lang="ko" { "한국어" }
                    a.lang href={ (ctx.path) "?lang=en" } lang="en" { "English" }
                    @if let Some(session) = &ctx.session {
                        span.who { (session.operator.name) }
                        form.inline method="post" action="/console/sign-out" {
                            input type="hidden" name="csrf" value=(session.csrf);
                            button.link type="submit" id="sign-out" { (lang.t("로그아웃", "Sign out")) }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// A labelled input, with the API's message for it (if any) right under it.
pub(super) fn field(label: &str, name: &str, kind: &str, value: &str, error: Option<&str>) -> Markup {
    html! {
        label.field {
            span { (label) }
            input type=(kind) name=(name) id=(name) value=(value) aria-invalid=[error.map(|_| "true")];
            @if let Some(e) = error { span.error data-field=(name) { (e) } }
        }
    }
}

/// The hidden CSRF input of a form.
pub(super) fn csrf(ctx: &Ctx) -> Markup {
    html! { input type="hidden" name="csrf" value=(ctx.csrf()); }
}

/// A page that only says why a request was refused.
pub(super) fn refusal(lang: Lang, status: StatusCode, message: &str) -> Response {
    let ctx = Ctx::anonymous(lang, "/console/");
    let title = match status {
        StatusCode::FORBIDDEN => lang.t("요청 거부", "Request refused"),
        StatusCode::NOT_FOUND => lang.t("찾을 수 없음", "Not found"),
        _ => lang.t("오류", "Error"),
    };
    let body = html! {
        section.card.narrow {
            h1 { (title) }
            p.refusal { (message) }
            p { a href="/console/" { (lang.t("콘솔로 돌아가기", "Back to the console")) } }
        }
    };
    (status, page(&ctx, title, body)).into_response()
}
