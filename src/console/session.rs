//! Sign-in, sessions and CSRF tokens.
//!
//! An operator signs in with the token of `[[admin.operators]]` (the admin API's bearer token);
//! the console answers with a random session id in an `HttpOnly`, `SameSite=Strict` cookie that
//! expires after [`SESSION_TTL`], by the gateway's clock. Sessions are kept in the store
//! (`store::sessions`, only the SHA-256 of the id), so every instance behind a load balancer
//! knows them, a restart signs nobody out and a sign-out ends the session everywhere; an operator
//! taken out of `[[admin.operators]]` is signed out at the next page.
//! Each session has its own CSRF token, which every form carries; the sign-in form carries the
//! token of a short-lived cookie set with the page (double submit), so a sign-in cannot be forged
//! from another site either.
//!
//! Failed sign-ins are counted per peer address with the framework's [`Lockout`]: the
//! [`SIGN_IN_FAILURES`]th failure within a minute refuses that address, with HTTP 429, until its
//! minute is over, so operator tokens cannot be guessed at line rate. Other addresses are never
//! refused for it. The sign-in page and its handler are in `session/sign_in.rs`.

mod sign_in;

use std::net::IpAddr;
use std::time::Duration;

use axum::Extension;
use axum::body::Body;
use axum::extract::{OriginalUri, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use subtle::ConstantTimeEq;

use super::layout;
use super::{ConsoleState, Lang};
use crate::admin::{AdminState, Operator};
use crate::framework::lockout::Lockout;
use crate::store::StoreError;
use crate::store::sessions::ConsoleSession;

pub(super) use sign_in::{sign_in, sign_in_page};

/// How long a session lasts from sign-in.
pub const SESSION_TTL: Duration = Duration::from_secs(8 * 3600);
/// How long a sign-in page's form stays good.
const SIGN_IN_TTL_SECS: u64 = 600;
/// The session cookie.
const SESSION_COOKIE: &str = "pxc_session";
/// The sign-in page's CSRF cookie.
const SIGN_IN_COOKIE: &str = "pxc_signin";
/// Largest form body the CSRF check reads.
const MAX_FORM: usize = 256 * 1024;
/// Failed sign-ins from one address within a minute that refuse it for the rest of that minute.
pub const SIGN_IN_FAILURES: u32 = 5;

/// A signed-in operator's session, put in the request's extensions for the pages.
#[derive(Debug, Clone)]
pub(super) struct Session {
    /// Who signed in.
    pub(super) operator: Operator,
    /// The token every form of this session carries.
    pub(super) csrf: String,
}

/// How sessions are kept and cookies set, and the failed sign-ins.
pub(super) struct Sessions {
    /// Whether cookies are `Secure`.
    https: bool,
    /// Failed sign-ins per peer address, over the last minute.
    failures: Lockout,
}

impl Sessions {
    /// Sessions whose cookies are marked `Secure` when the gateway serves HTTPS itself.
    pub(super) fn new(https: bool) -> Self {
        // The lock-out refuses a key once it has failed more often than its allowance, so an
        // allowance of one less than SIGN_IN_FAILURES makes that failure the one that refuses.
        // Sign-in has no user name: only the address is counted.
        let allowance = SIGN_IN_FAILURES - 1;
        Self {
            https,
            failures: Lockout::new(allowance, allowance),
        }
    }

    fn secure(&self) -> bool {
        self.https
    }

    /// `Err(wait)` while `peer` has failed to sign in [`SIGN_IN_FAILURES`] times this minute.
    fn refused(&self, peer: IpAddr) -> Result<(), Duration> {
        self.failures.check(peer, None)
    }

    /// Counts a failed sign-in from `peer`.
    fn failed(&self, peer: IpAddr) {
        self.failures.failed(peer, None);
    }

    /// A new session for `operator`, kept in the store (the ended ones dropped); answers its id.
    async fn open(&self, admin: &AdminState, operator: &Operator) -> Result<String, StoreError> {
        let now_ms = admin.now().at_ms;
        let id = crate::crypto::generate_token();
        let ttl_ms = i64::try_from(SESSION_TTL.as_millis()).unwrap_or(i64::MAX);
        let session = ConsoleSession {
            operator: operator.name.clone(),
            csrf: crate::crypto::random_hex::<16>(),
            expires_at_ms: now_ms.saturating_add(ttl_ms),
        };
        admin
            .store()
            .open_console_session(&digest(&id), &session, now_ms)
            .await?;
        Ok(id)
    }

    /// The live session of `id`, its operator still configured.
    async fn find(&self, admin: &AdminState, id: &str) -> Result<Option<Session>, StoreError> {
        let now_ms = admin.now().at_ms;
        let Some(kept) = admin.store().console_session(&digest(id), now_ms).await? else {
            return Ok(None);
        };
        Ok(admin.operators().named(&kept.operator).map(|operator| Session {
            operator,
            csrf: kept.csrf,
        }))
    }

    async fn close(&self, admin: &AdminState, id: &str) -> Result<(), StoreError> {
        admin.store().close_console_session(&digest(id)).await
    }
}

/// How the store knows a session id: the hex SHA-256 of it.
fn digest(id: &str) -> String {
    crate::crypto::hex(&crate::crypto::token_digest(id))
}

/// The value of cookie `name` in `headers`.
pub(super) fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(k, v)| (k == name).then_some(v))
}

/// Sets a console cookie: `HttpOnly`, `SameSite=Strict`, and `Secure` over HTTPS.
fn set_cookie(response: &mut Response, secure: bool, name: &str, value: &str, max_age_secs: u64) {
    let secure = if secure { "; Secure" } else { "" };
    let cookie =
        format!("{name}={value}; Path=/console; Max-Age={max_age_secs}; HttpOnly; SameSite=Strict{secure}");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// The session of the request's cookie, if it is live; a store that does not answer is a 503
/// page (nobody is signed out for it).
fn session_of(
    state: &ConsoleState,
    req: &Request,
) -> impl Future<Output = Result<Option<Session>, Response>> + Send + 'static {
    // Read off the request before awaiting: a request is not shared across threads.
    let id = cookie(req.headers(), SESSION_COOKIE).map(str::to_owned);
    let lang = req.extensions().get::<Lang>().copied().unwrap_or_default();
    let state = state.clone();
    async move {
        let Some(id) = id else {
            return Ok(None);
        };
        state
            .sessions()
            .find(state.admin(), &id)
            .await
            .map_err(|e| store_down(lang, &e))
    }
}

/// The page for a store that does not answer.
fn store_down(lang: Lang, e: &StoreError) -> Response {
    tracing::error!(error = %e, "console sessions: the store does not answer");
    layout::refusal(
        lang,
        StatusCode::SERVICE_UNAVAILABLE,
        lang.t(
            "지금은 저장소에 연결할 수 없습니다. 잠시 후 다시 시도하세요.",
            "The store cannot be reached right now. Try again shortly.",
        ),
    )
}

/// Lets signed-in requests through with their [`Session`]; sends anyone else to sign in, and
/// back here afterwards.
pub(super) async fn require(State(state): State<ConsoleState>, mut req: Request, next: Next) -> Response {
    match session_of(&state, &req).await {
        Ok(Some(session)) => {
            req.extensions_mut().insert(session);
            return next.run(req).await;
        }
        Ok(None) => {}
        Err(down) => return down,
    }
    let expired = cookie(req.headers(), SESSION_COOKIE).is_some();
    // The nested router sees the path without `/console`; the original has it.
    let original = req.extensions().get::<OriginalUri>().map(|u| u.0.clone());
    let back = match &original {
        Some(uri) if req.method() == Method::GET => uri.path_and_query().map_or("/console/", |p| p.as_str()),
        _ => "/console/",
    };
    let mut to = format!("/console/sign-in?next={}", crate::http::percent_encode(back));
    if expired {
        to.push_str("&expired=1");
    }
    let mut response = Redirect::to(&to).into_response();
    if expired {
        set_cookie(&mut response, state.sessions().secure(), SESSION_COOKIE, "", 0);
    }
    response
}

/// One field of an `application/x-www-form-urlencoded` body.
pub(super) fn form_field(body: &[u8], name: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| crate::http::form_decode(k) == name)
        .map(|(_, v)| crate::http::form_decode(v))
}

/// Refuses a POST whose form does not carry its session's CSRF token (the sign-in form: its
/// page's), with a 403 page, before any handler sees it. A POST without a session passes on, to
/// be sent to sign in by [`require`].
pub(super) async fn check_csrf(State(state): State<ConsoleState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let lang = req.extensions().get::<Lang>().copied().unwrap_or_default();
    let expected = if req.uri().path().ends_with("/sign-in") {
        cookie(req.headers(), SIGN_IN_COOKIE).map(str::to_owned)
    } else {
        match session_of(&state, &req).await {
            Ok(Some(session)) => Some(session.csrf),
            Ok(None) => return next.run(req).await,
            Err(down) => return down,
        }
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM).await else {
        return layout::refusal(
            lang,
            StatusCode::PAYLOAD_TOO_LARGE,
            lang.t("양식이 너무 큽니다.", "The form is too large."),
        );
    };
    let presented = form_field(&bytes, "csrf").unwrap_or_default();
    let good =
        expected.is_some_and(|e| !e.is_empty() && bool::from(e.as_bytes().ct_eq(presented.as_bytes())));
    if !good {
        tracing::warn!(path = %parts.uri.path(), "console form without its CSRF token refused");
        return layout::refusal(
            lang,
            StatusCode::FORBIDDEN,
            lang.t(
                "이 양식의 보안 토큰이 없거나 맞지 않아 요청을 거부했습니다. 페이지를 새로 고친 뒤 다시 시도하세요.",
                "This form's security token is missing or wrong, so the request was refused. Reload the page and try again.",
            ),
        );
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// `POST /console/sign-out`
pub(super) async fn sign_out(
    State(state): State<ConsoleState>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
) -> Response {
    if let Some(id) = cookie(&headers, SESSION_COOKIE)
        && let Err(e) = state.sessions().close(state.admin(), id).await
    {
        // The cookie is cleared all the same; the kept session ends at its time.
        tracing::error!(error = %e, "console sign-out: the session could not be ended in the store");
    }
    tracing::info!(operator = %session.operator.name, "operator signed out of the console");
    let mut response = Redirect::to("/console/sign-in").into_response();
    set_cookie(&mut response, state.sessions().secure(), SESSION_COOKIE, "", 0);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_and_cookies_are_read_by_name() {
        assert_eq!(
            form_field(b"a=1&csrf=x%2By+z&b=", "csrf").as_deref(),
            Some("x+y z")
        );
        assert_eq!(form_field(b"a=1", "csrf"), None);
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; pxc_session=abc; b=2"),
        );
        assert_eq!(cookie(&headers, "pxc_session"), Some("abc"));
        assert_eq!(cookie(&headers, "pxc"), None);
    }

    #[test]
    fn cookies_are_strict_http_only_and_secure_over_https() {
        for (https, expected) in [
            (
                false,
                "pxc_session=v; Path=/console; Max-Age=60; HttpOnly; SameSite=Strict",
            ),
            (
                true,
                "pxc_session=v; Path=/console; Max-Age=60; HttpOnly; SameSite=Strict; Secure",
            ),
        ] {
            let mut response = Response::default();
            set_cookie(&mut response, https, SESSION_COOKIE, "v", 60);
            assert_eq!(response.headers()[header::SET_COOKIE], expected);
        }
    }

    #[test]
    fn the_fifth_failure_refuses_its_address_and_no_other() {
        let sessions = Sessions::new(false);
        let (guesser, other): (IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        for _ in 1..SIGN_IN_FAILURES {
            sessions.failed(guesser);
        }
        assert!(sessions.refused(guesser).is_ok(), "four failures are allowed");
        sessions.failed(guesser);
        let wait = sessions.refused(guesser).unwrap_err();
        assert!(
            wait <= Duration::from_secs(60) && wait > Duration::from_secs(50),
            "{wait:?}"
        );
        assert!(sessions.refused(other).is_ok());
    }
}
