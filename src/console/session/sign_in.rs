//! The sign-in page and its form: an operator token for a session, refused for an address that
//! has failed [`super::SIGN_IN_FAILURES`] times this minute.

use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::html;
use serde::Deserialize;

use super::{SESSION_COOKIE, SESSION_TTL, SIGN_IN_COOKIE, SIGN_IN_TTL_SECS, set_cookie};
use crate::console::layout::{self, Ctx};
use crate::console::{ConsoleState, Lang};

/// Query of the sign-in page.
#[derive(Debug, Default, Deserialize)]
pub(in crate::console) struct SignInQuery {
    next: Option<String>,
    expired: Option<String>,
}

/// Only a page of the console may be the place to go back to.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with("/console/") && !n.contains("//") && !n.contains('\\') => n,
        _ => "/console/",
    }
}

/// `GET /console/sign-in`
pub(in crate::console) async fn sign_in_page(
    State(state): State<ConsoleState>,
    Extension(lang): Extension<Lang>,
    Query(q): Query<SignInQuery>,
) -> Response {
    let notice = q.expired.is_some().then(|| {
        lang.t(
            "세션이 만료되었습니다. 다시 로그인하세요.",
            "Your session has expired. Sign in again.",
        )
    });
    let secure = state.sessions().secure();
    sign_in_form(secure, lang, q.next.as_deref(), notice, None, StatusCode::OK)
}

fn sign_in_form(
    secure: bool,
    lang: Lang,
    next: Option<&str>,
    notice: Option<&str>,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let csrf = crate::crypto::random_hex::<16>();
    let ctx = Ctx::anonymous(lang, "/console/sign-in");
    let body = html! {
        form.card.narrow method="post" action="/console/sign-in" {
            h1 { (lang.t("운영자 로그인", "Operator sign-in")) }
            @if let Some(n) = notice { p.notice { (n) } }
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="next" value=(safe_next(next));
            (layout::field(lang.t("운영자 토큰", "Operator token"), "token", "password", "", error))
            button type="submit" { (lang.t("로그인", "Sign in")) }
        }
    };
    let mut response = (status, layout::page(&ctx, lang.t("로그인", "Sign in"), body)).into_response();
    set_cookie(&mut response, secure, SIGN_IN_COOKIE, &csrf, SIGN_IN_TTL_SECS);
    response
}

/// Form of `POST /console/sign-in`.
#[derive(Debug, Deserialize)]
pub(in crate::console) struct SignIn {
    #[serde(default)]
    token: String,
    next: Option<String>,
}

/// `POST /console/sign-in`: the operator token for a session cookie. An address that has failed
/// [`super::SIGN_IN_FAILURES`] times this minute is refused before its token is looked at, so a
/// refused guess says nothing about the token.
pub(in crate::console) async fn sign_in(
    State(state): State<ConsoleState>,
    Extension(lang): Extension<Lang>,
    extensions: axum::http::Extensions,
    Form(form): Form<SignIn>,
) -> Response {
    let peer = crate::http::peer_ip(&extensions);
    let sessions = state.sessions();
    let next = form.next.as_deref();
    if let Err(wait) = sessions.refused(peer) {
        tracing::warn!(%peer, "console sign-in refused: too many failures from this address");
        return too_many_failures(sessions.secure(), lang, next, wait);
    }
    let Some(operator) = state.admin().operators().authenticate(form.token.trim()) else {
        tracing::warn!(%peer, "console sign-in with an unknown token");
        sessions.failed(peer);
        if let Err(wait) = sessions.refused(peer) {
            return too_many_failures(sessions.secure(), lang, next, wait);
        }
        let error = lang.t("알 수 없는 토큰입니다.", "Unknown token.");
        return sign_in_form(
            sessions.secure(),
            lang,
            next,
            None,
            Some(error),
            StatusCode::UNAUTHORIZED,
        );
    };
    tracing::info!(operator = %operator.name, "operator signed in to the console");
    let id = match sessions.open(state.admin(), &operator).await {
        Ok(id) => id,
        Err(e) => return super::store_down(lang, &e),
    };
    let mut response = Redirect::to(safe_next(next)).into_response();
    let secure = sessions.secure();
    set_cookie(&mut response, secure, SESSION_COOKIE, &id, SESSION_TTL.as_secs());
    set_cookie(&mut response, secure, SIGN_IN_COOKIE, "", 0);
    response
}

/// The sign-in form again, refused with 429 and the seconds until this address may try again,
/// in words and in `Retry-After` (RFC 6585 §4: a 429 "MAY include a Retry-After header").
fn too_many_failures(secure: bool, lang: Lang, next: Option<&str>, wait: Duration) -> Response {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let error = match lang {
        Lang::Ko => format!("이 주소에서 로그인에 너무 많이 실패했습니다. {secs}초 후에 다시 시도하세요."),
        Lang::En => format!("Too many failed sign-ins from this address. Try again in {secs} seconds."),
    };
    let status = StatusCode::TOO_MANY_REQUESTS;
    let mut response = sign_in_form(secure, lang, next, None, Some(&error), status);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_console_pages_are_places_to_go_back_to() {
        assert_eq!(
            safe_next(Some("/console/subscribers?q=1")),
            "/console/subscribers?q=1"
        );
        assert_eq!(safe_next(Some("https://evil.example/")), "/console/");
        assert_eq!(safe_next(Some("/console//evil.example")), "/console/");
        assert_eq!(safe_next(None), "/console/");
    }
}
