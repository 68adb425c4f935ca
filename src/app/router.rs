//! The whole HTTP surface: probes and metrics, the admin API and its console, the SOAP, OAuth, REST,
//! Kannel and Jasmin bindings, and the layers every request passes; on one listener, or split
//! between the applications' and the operators' (`[http] ops_listen`).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router, middleware};
use metrics_exporter_prometheus::PrometheusHandle;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnFailure, TraceLayer};

use super::App;
use crate::admin::problem::Problem;
use crate::http::{BodyLimit, ReadToEnd, TrackedBody};
use crate::store::Store;

/// What the probes and the metrics page read.
#[derive(Clone)]
struct Probes {
    store: Arc<dyn Store>,
    metrics: PrometheusHandle,
}

/// The router of `app`: every route on one listener.
pub(super) fn router(app: &App) -> Router {
    layered(probes(app).merge(operations(app)).merge(bindings(app)), app)
}

/// The routes split over two listeners (`[http] ops_listen`): the applications' (the bindings and
/// the probes) and the operators' (the probes, `/metrics`, the admin API and the console).
pub(super) fn split(app: &App) -> (Router, Router) {
    let api = layered(probes(app).merge(bindings(app)), app);
    let ops = layered(probes(app).merge(operations(app)), app);
    (api, ops)
}

/// Liveness and readiness, on every listener.
fn probes(app: &App) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(probes_state(app))
}

fn probes_state(app: &App) -> Probes {
    Probes {
        store: Arc::clone(&app.store),
        metrics: app.metrics.clone(),
    }
}

/// What operators use: the metrics page, the admin API and its console (`/` leads there).
fn operations(app: &App) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .with_state(probes_state(app))
        .nest(
            "/admin/v1",
            crate::admin::routes(app.admin.clone()).with_state(app.admin.clone()),
        )
        // The operator console: HTML pages over the admin API.
        .nest("/console", crate::console::routes(app.console.clone()))
        .route(
            "/",
            get(|| async { axum::response::Redirect::to(crate::console::HOME) }),
        )
        // axum's nest matches `/console` but not `/console/`.
        .route(
            "/console/",
            get(|| async { axum::response::Redirect::to(crate::console::HOME) }),
        )
}

/// What applications call: SOAP, OAuth, OneAPI, Kannel's and Jasmin's HTTP APIs.
fn bindings(app: &App) -> Router {
    Router::new()
        // Parlay X SOAP endpoints, their WSDLs and schemas.
        .merge(crate::soap::binding::routes(app.xml_limits.clone()))
        // OAuth 2.0 client credentials token endpoint.
        .merge(crate::oauth::routes())
        // OneAPI REST under /oneapi/v1, its OpenAPI document and docs page.
        .merge(crate::rest::routes())
        // Kannel's sendsms and Jasmin's /send.
        .route(
            crate::compat::kannel::PATH,
            axum::routing::get(crate::compat::kannel::sendsms).post(crate::compat::kannel::sendsms),
        )
        .route(
            crate::compat::jasmin::PATH,
            axum::routing::get(crate::compat::jasmin::send).post(crate::compat::jasmin::send),
        )
        .with_state(app.gateway.clone())
}

/// `routes` with the layers every request passes. Layers wrap from the inside out: the last one
/// listed sees the request first.
fn layered(routes: Router, app: &App) -> Router {
    let http = &app.http;
    routes
        // Counts matched requests by route template (needs the routing done, hence route_layer).
        .route_layer(middleware::from_fn(crate::telemetry::track))
        .fallback(not_found)
        // Extractors read the limit to name it in a 413.
        .layer(Extension(BodyLimit(http.body_limit_bytes)))
        // Bodies above the limit are refused by the extractors, before any parsing.
        .layer(DefaultBodyLimit::max(http.body_limit_bytes))
        // The unread rest of a body is still on the connection: close it, and say so, so a client
        // does not send its next request down a connection the server is dropping.
        .layer(middleware::from_fn(close_when_body_unread))
        // A handler still running after the timeout is dropped and answered 408.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(http.request_timeout_secs),
        ))
        // One span per request; RUST_LOG=tower_http=debug shows them. A 5xx is no failure of the
        // gateway by itself (SOAP answers every fault with 500): the bindings log refusals at INFO
        // or WARN, and the gateway's own failures at ERROR where they happen.
        .layer(TraceLayer::new_for_http().on_failure(DefaultOnFailure::new().level(tracing::Level::DEBUG)))
        // A bug that panics costs one request a 500, never the connection or the process.
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("a request handler panicked");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }))
}

/// Adds `Connection: close` to an answer given without reading the request's whole body: a 415
/// or a refusal before the body, a 413 part-way (see the layer list in [`router`]). Requests
/// without a body pass untouched.
async fn close_when_body_unread(request: axum::extract::Request, next: middleware::Next) -> Response {
    use http_body::Body as _;
    if request.body().is_end_stream() {
        return next.run(request).await;
    }
    let read = ReadToEnd::default();
    let request = request.map(|body| axum::body::Body::new(TrackedBody::new(body, read.clone())));
    let mut response = next.run(request).await;
    if !read.get() {
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
async fn readyz(State(probes): State<Probes>) -> Response {
    let store = probes.store.as_ref();
    match store.ping().await {
        Ok(()) => Json(serde_json::json!({ "status": "ready", "store": store.backend() })).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            let body = serde_json::json!({ "status": "unavailable", "store": store.backend() });
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}

/// Prometheus text exposition.
async fn metrics(State(probes): State<Probes>) -> Response {
    crate::telemetry::collect_process_metrics();
    let mut response = probes.metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

async fn not_found() -> Problem {
    Problem::not_found("no such resource")
}
