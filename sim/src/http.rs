//! The HTTP control plane: handset inboxes (JSON and a phone-like HTML page), MO injection,
//! live faults, stats and Prometheus metrics. Speaks JSON, and HTML for people (`/`, a phone's
//! reply form, the fault knobs: `http/pages.rs`); never sees a PDU.

mod control;
mod handsets;
mod pages;

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use tokio::net::TcpListener;

use crate::shared::Shared;

/// A JSON error body: `{"error": "...", "field": "..."}`.
#[derive(Debug, Serialize)]
pub(crate) struct ApiError {
    #[serde(skip)]
    status: StatusCode,
    error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, error: impl Into<String>, field: Option<&str>) -> Self {
        Self {
            status,
            error: error.into(),
            field: field.map(str::to_owned),
        }
    }

    /// A serde error; its message names the offending field, which we also extract.
    pub(crate) fn bad_json(e: &serde_json::Error) -> Self {
        let msg = e.to_string();
        let field = msg.split('`').nth(1).map(str::to_owned);
        Self {
            status: StatusCode::BAD_REQUEST,
            error: msg,
            field,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self)).into_response()
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(pages::index))
        .route("/handsets", get(handsets::list))
        .route("/handsets/{msisdn}", get(handsets::page))
        .route("/handsets/{msisdn}/messages", get(handsets::messages))
        .route(
            "/handsets/{msisdn}/reply",
            get(pages::reply_page).post(pages::reply),
        )
        .route("/mo", post(control::mo))
        .route("/faults", get(control::get_faults).put(control::put_faults))
        .route("/faults/drop", post(control::drop_all))
        .route("/faults/form", post(pages::put_faults))
        .route("/stats", get(control::stats))
        .route("/metrics", get(control::metrics))
        .with_state(shared)
}

/// Serve until shutdown.
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let token = shared.shutdown.clone();
    let app = router(shared);
    if let Err(e) = axum::serve(listener, app)
        .with_graceful_shutdown(token.cancelled_owned())
        .await
    {
        tracing::error!(error = %e, "http server failed");
    }
}
