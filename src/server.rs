//! The HTTP server: shared state, the router with its layers, and `run`.
//!
//! `run` is handed an already-bound listener and a shutdown future, so tests bind port 0 and run
//! the whole gateway in-process; nothing here reads the environment or binds a socket.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router, middleware};
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::admin::problem::Problem;
use crate::admin::{self, OperatorTokens};
use crate::config::{Config, HttpConfig};
use crate::crypto::Pepper;
use crate::domain::{Clock, Currency, Locale, Moment};
use crate::framework::Framework;
use crate::http::BodyLimit;
use crate::scf::{Scf, ScfSettings};
use crate::store::Store;
use crate::telemetry;

/// What every request handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

struct Shared {
    store: Arc<dyn Store>,
    framework: Framework,
    scf: Scf,
    clock: Arc<dyn Clock>,
    locale: Locale,
    default_currency: Currency,
    operators: OperatorTokens,
    metrics: PrometheusHandle,
    xml_limits: crate::soap::envelope::Limits,
    callbacks: crate::callbacks::CallbackConfig,
    alerts: crate::alerts::AlertsConfig,
}

impl AppState {
    /// Assembles the state from validated configuration, an open store and a clock.
    pub fn new(
        config: &Config,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        operators: OperatorTokens,
    ) -> Result<Self, String> {
        let framework = Framework::new(&config.framework, Arc::clone(&store), Arc::clone(&clock))?;
        let settings = ScfSettings {
            reservation_ttl: Duration::from_secs(config.payment.reservation_ttl_secs),
            reservation_max_lifetime: Duration::from_secs(config.payment.reservation_max_lifetime_secs),
            smpp: config.smpp.clone(),
            account: config.account.clone(),
            pepper: Pepper::from_base64(config.framework.secret_key.as_deref().unwrap_or_default())
                .map_err(|e| format!("framework.secret_key: {e}"))?,
        };
        let scf = Scf::new(Arc::clone(&store), Arc::clone(&clock), config.locale(), settings);
        Ok(Self(Arc::new(Shared {
            store,
            framework,
            scf,
            clock,
            locale: config.locale(),
            default_currency: config.default_currency(),
            operators,
            metrics: telemetry::metrics(),
            xml_limits: crate::soap::envelope::Limits {
                max_depth: config.http.xml_max_depth,
                max_elements: config.http.xml_max_elements,
                max_body_bytes: config.http.body_limit_bytes,
                request_timeout: Duration::from_secs(config.http.request_timeout_secs),
            },
            callbacks: config.callbacks.clone(),
            alerts: config.alerts.clone(),
        })))
    }

    /// The application framework.
    pub fn framework(&self) -> &Framework {
        &self.0.framework
    }

    /// The service capability functions.
    pub fn scf(&self) -> &Scf {
        &self.0.scf
    }

    /// The billing store.
    pub fn store(&self) -> &dyn Store {
        self.0.store.as_ref()
    }

    /// "Now" in the operator's calendar.
    pub fn now(&self) -> Moment {
        self.0.locale.moment(self.0.clock.now())
    }

    /// The operator's calendar and numbering defaults.
    pub fn locale(&self) -> &Locale {
        &self.0.locale
    }

    /// Currency of accounts opened without one.
    pub fn default_currency(&self) -> Currency {
        self.0.default_currency
    }

    /// The configured limits of SOAP request documents.
    pub fn xml_limits(&self) -> crate::soap::envelope::Limits {
        self.0.xml_limits.clone()
    }

    /// `[callbacks]`: retries and give-up time of notifications to applications.
    pub fn callback_config(&self) -> &crate::callbacks::CallbackConfig {
        &self.0.callbacks
    }

    /// `[alerts]`: subscriber alert SMS and account-monitoring notifications.
    pub fn alerts_config(&self) -> &crate::alerts::AlertsConfig {
        &self.0.alerts
    }

    /// Configured admin tokens.
    pub fn operators(&self) -> &OperatorTokens {
        &self.0.operators
    }
}

/// The whole HTTP surface. Layers wrap from the inside out: the last one listed sees the request
/// first.
pub fn router(state: AppState, http: &HttpConfig) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .nest("/admin/v1", admin::routes(state.clone()))
        // Parlay X SOAP endpoints, their WSDLs and schemas.
        .merge(crate::soap::binding::routes())
        // OAuth 2.0 client credentials token endpoint.
        .merge(crate::oauth::routes())
        // OneAPI REST under /oneapi/v1, its OpenAPI document and docs page.
        .merge(crate::rest::routes())
        // Counts matched requests by route template (needs the routing done, hence route_layer).
        .route_layer(middleware::from_fn(telemetry::track))
        .fallback(not_found)
        .with_state(state)
        // Extractors read the limit to name it in a 413.
        .layer(Extension(BodyLimit(http.body_limit_bytes)))
        // Bodies above the limit are refused by the extractors, before any parsing.
        .layer(DefaultBodyLimit::max(http.body_limit_bytes))
        // The unread rest of a refused body is still on the connection: close it, and say so, so
        // a client does not send its next request down a connection the server is dropping.
        .layer(middleware::map_response(close_after_refused_body))
        // A handler still running after the timeout is dropped and answered 408.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(http.request_timeout_secs),
        ))
        // One span per request; RUST_LOG=tower_http=debug shows them.
        .layer(TraceLayer::new_for_http())
        // A bug that panics costs one request a 500, never the connection or the process.
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("a request handler panicked");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }))
}

mod listener;
mod notices;

/// How often usage counts are written to the store and due reservations released.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(1);

/// Serves the gateway on `listener` until `shutdown` completes, then drains in-flight requests
/// and writes the last usage counts.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    http: &HttpConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let housekeeping = tokio::spawn(housekeeping(state.clone()));
    // The SMS dispatcher: SMPP links draining the outbox (they retry while the SMSC is away).
    let smpp = crate::smpp::spawn(
        state.scf().smpp().clone(),
        state.scf().outbox().clone(),
        Arc::clone(&state.0.store) as Arc<dyn crate::store::sms::SmsStore>,
        Arc::clone(&state.0.clock),
    );
    // Received SMS are routed; delivery receipts and received messages due to applications
    // become callbacks, written by the binding the application used...
    let notices = tokio::spawn(notices::run(state.clone()));
    // ...and every callback is delivered from the store, retried, given up visibly.
    let callbacks = tokio::spawn(crate::callbacks::run(state.clone()));
    // Subscriber alerts and account notifications, decided from the ledger after each charge.
    let alerts = tokio::spawn(crate::alerts::run(state.clone()));
    let served = listener::serve(listener, router(state.clone(), http), http, shutdown).await;
    housekeeping.abort();
    notices.abort();
    callbacks.abort();
    alerts.abort();
    smpp.shutdown().await;
    state.framework().flush_usage().await;
    served
}

/// Background duties: usage counts to the store, expired reservations released.
async fn housekeeping(state: AppState) {
    let mut tick = tokio::time::interval(HOUSEKEEPING_EVERY);
    loop {
        tick.tick().await;
        state.framework().flush_usage().await;
        match state.scf().expire_reservations().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(released = n, "expired reservations released"),
            Err(e) => tracing::warn!(error = %e, "releasing expired reservations failed"),
        }
    }
}

/// Adds `Connection: close` to 413 answers (see the layer list in [`router`]).
async fn close_after_refused_body(mut response: Response) -> Response {
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// Liveness: the process answers.
async fn healthz() -> &'static str {
    "ok\n"
}

/// Readiness: the store answers.
async fn readyz(State(state): State<AppState>) -> Response {
    match state.store().ping().await {
        Ok(()) => {
            Json(serde_json::json!({ "status": "ready", "store": state.store().backend() })).into_response()
        }
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            let body = serde_json::json!({ "status": "unavailable", "store": state.store().backend() });
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}

/// Prometheus text exposition.
async fn metrics(State(state): State<AppState>) -> Response {
    let mut response = state.0.metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

async fn not_found() -> Problem {
    Problem::not_found("no such resource")
}
