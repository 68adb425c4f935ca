//! The operator console, `/console/…`: server-rendered HTML pages (maud) for what operators do
//! through the admin API, in Korean by default and English by a switch.
//!
//! The console owns no business rule and no SQL of its own: every change is a call of the admin
//! API's own handler, in-process, with the signed-in operator in the request's extensions
//! (`console/api.rs`), so a page validates, applies and records a change exactly as the API does
//! (the ledger's `operator:<name>`, the API's field errors). Reads go to the same handlers.
//!
//! Sign-in exchanges an operator token for a session cookie (`HttpOnly`, `SameSite=Strict`,
//! expiring; `console/session.rs`); every form carries the session's CSRF token and a POST
//! without it is refused before any handler runs; an address that keeps failing to sign in is
//! refused for a minute. The charts are SVG drawn on the server (`console/chart.rs`); the
//! dashboard's come from the gateway's own metrics, sampled in-process every second
//! (`console/sampler.rs`), an application's usage bars from the admin API's usage reports.
//!
//! Must not know: SQL, the wire formats of the bindings. What the admin API does not read (an SMS
//! request's parts) comes from the store's read methods, through the admin state.

mod api;
mod apps;
mod campaigns;
mod chart;
mod dashboard;
mod fraud;
mod lang;
mod layout;
mod messages;
mod sampler;
mod session;
mod settlement;
mod subscribers;
mod vouchers;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::middleware;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use tokio_util::sync::CancellationToken;

use crate::admin::AdminState;

pub use lang::Lang;
pub use session::{SESSION_TTL, SIGN_IN_FAILURES};

/// A path segment or query value, percent-encoded.
fn enc(raw: &str) -> String {
    crate::http::percent_encode(raw)
}

/// A number as a path segment: percent-encoded with its `+` kept (`/subscribers/+8210…`), which a
/// path carries as itself.
fn enc_number(raw: &str) -> String {
    enc(raw).replace("%2B", "+")
}

/// The console's first page, where `/`, `/console` and a sign-in without a destination lead.
pub const HOME: &str = "/console/dashboard";

/// What the console's pages read. Cheap to clone.
#[derive(Clone)]
pub struct ConsoleState(Arc<Parts>);

struct Parts {
    admin: AdminState,
    api: api::Api,
    sessions: session::Sessions,
    samples: sampler::Samples,
}

impl ConsoleState {
    /// The console over the admin API of `admin`; `https` when the gateway's listener serves
    /// TLS itself (`[http.tls]`), so its cookies are marked `Secure`.
    pub fn new(admin: AdminState, https: bool) -> Self {
        Self(Arc::new(Parts {
            api: api::Api::new(admin.clone()),
            admin,
            sessions: session::Sessions::new(https),
            samples: sampler::Samples::default(),
        }))
    }

    /// Samples the gateway's metrics for the dashboard, once a second, until `stop`.
    pub async fn sample(
        self,
        metrics: metrics_exporter_prometheus::PrometheusHandle,
        stop: CancellationToken,
    ) {
        let admin = self.admin().clone();
        sampler::run(&self.0.samples, metrics, || admin.now().at_ms, stop).await;
    }

    fn admin(&self) -> &AdminState {
        &self.0.admin
    }

    fn api(&self) -> &api::Api {
        &self.0.api
    }

    fn sessions(&self) -> &session::Sessions {
        &self.0.sessions
    }

    fn samples(&self) -> &sampler::Samples {
        &self.0.samples
    }
}

/// The console's routes, to be nested under `/console`.
pub fn routes(state: ConsoleState) -> Router {
    use subscribers as s;
    let signed_in = Router::new()
        .route("/", get(|| async { Redirect::to(HOME) }))
        .route("/sign-out", post(session::sign_out))
        .route("/dashboard", get(dashboard::page))
        .route("/dashboard/live", get(dashboard::live))
        .route("/apps", get(apps::list))
        .route("/apps/new", get(apps::new_page).post(apps::create))
        .route("/apps/{id}", get(apps::page).post(apps::update))
        .route("/apps/{id}/agreement", post(apps::set_agreement))
        .route("/apps/{id}/status", post(apps::status))
        .route("/apps/{id}/credentials", post(apps::add_credential))
        .route("/apps/{id}/monitored", post(apps::monitored))
        .route(
            "/apps/{id}/credentials/{username}/revoke",
            post(apps::revoke_credential),
        )
        .route("/vouchers", get(vouchers::page).post(vouchers::issue))
        .route("/tariffs", get(vouchers::tariffs).post(vouchers::set_tariff))
        .route("/tariffs/{code}/delete", post(vouchers::delete_tariff))
        .route("/sms", get(messages::sms))
        .route("/sms/registrations", post(messages::add_registration))
        .route(
            "/sms/registrations/{id}/delete",
            post(messages::delete_registration),
        )
        .route("/callbacks", get(messages::callbacks))
        .route("/callbacks/{id}", get(messages::callback))
        .route("/callbacks/{id}/retry", post(messages::retry))
        .route("/campaigns", get(campaigns::page).post(campaigns::create))
        .route("/campaigns/{id}", get(campaigns::campaign))
        .route("/campaigns/{id}/{action}", post(campaigns::action))
        .route("/fraud", get(fraud::decisions))
        .route("/fraud/rules", get(fraud::rules).post(fraud::save_rules))
        .route("/fraud/rules/reset", post(fraud::reset_rules))
        .route("/fraud/{id}", get(fraud::decision))
        .route("/fraud/{id}/review", post(fraud::review))
        .route("/settlement", get(settlement::page))
        .route("/settlement.csv", get(settlement::csv))
        .route("/subscribers", get(s::search).post(s::open))
        .route("/subscribers/import", post(s::import))
        .route("/subscribers/{msisdn}", get(s::page))
        .route("/subscribers/{msisdn}/topup", post(s::topup))
        .route("/subscribers/{msisdn}/status", post(s::status))
        .route("/subscribers/{msisdn}/limits", post(s::limits))
        .route("/subscribers/{msisdn}/pin", post(s::pin))
        .route("/subscribers/{msisdn}/push", post(s::push))
        .route_layer(middleware::from_fn_with_state(state.clone(), session::require));
    Router::new()
        .route("/sign-in", get(session::sign_in_page).post(session::sign_in))
        .route("/static/console.css", get(stylesheet))
        .route("/static/console.js", get(script))
        .merge(signed_in)
        // Every POST carries the CSRF token of its session (or, for sign-in, of its sign-in
        // page); checked here, before any handler, so no form can forget it.
        .layer(middleware::from_fn_with_state(state.clone(), session::check_csrf))
        // The language: `?lang=` switches it and is remembered in a cookie.
        .layer(middleware::from_fn(lang::choose))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// The stylesheet, served from the binary (the pages allow no inline style or script).
async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("console/console.css"),
    )
        .into_response()
}

/// The dashboard's refresh script, served from the binary.
async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("console/console.js"),
    )
        .into_response()
}

/// Pages are never cached, framed or sniffed, and run only the console's own script and style.
async fn security_headers(req: axum::extract::Request, next: middleware::Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
