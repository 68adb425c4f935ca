//! POST /mo, GET|PUT /faults, POST /faults/drop, GET /stats, GET /metrics.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};

use super::ApiError;
use crate::faults::Faults;
use crate::mo::{MoError, inject};
use crate::shared::Shared;
use crate::stats::Stats;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MoRequest {
    from: String,
    to: String,
    text: String,
}

#[derive(Debug, Serialize)]
struct MoAccepted {
    parts: usize,
}

pub(super) async fn mo(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let req: MoRequest = serde_json::from_slice(&body).map_err(|e| ApiError::bad_json(&e))?;
    match inject(&shared, &req.from, &req.to, &req.text).await {
        Ok(parts) => Ok((StatusCode::ACCEPTED, Json(MoAccepted { parts }))),
        Err(e @ MoError::Invalid { field, .. }) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            e.to_string(),
            Some(field),
        )),
        Err(e @ (MoError::NoReceiver | MoError::SessionClosed)) => {
            Err(ApiError::new(StatusCode::CONFLICT, e.to_string(), None))
        }
    }
}

/// Faults plus the live outage and stall countdowns.
#[derive(Debug, Serialize)]
pub(super) struct FaultsView {
    #[serde(flatten)]
    faults: Faults,
    outage_remaining_secs: Option<u64>,
    stall_remaining_secs: Option<u64>,
}

fn view(shared: &Shared) -> FaultsView {
    FaultsView {
        faults: shared.faults.get(),
        outage_remaining_secs: shared
            .faults
            .outage_remaining()
            .map(|d| d.as_secs() + u64::from(d.subsec_nanos() > 0)),
        stall_remaining_secs: shared.faults.stall_until().map(|until| {
            let d = until.saturating_duration_since(tokio::time::Instant::now());
            d.as_secs() + u64::from(d.subsec_nanos() > 0)
        }),
    }
}

pub(super) async fn get_faults(State(shared): State<Arc<Shared>>) -> Json<FaultsView> {
    Json(view(&shared))
}

pub(super) async fn put_faults(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<Json<FaultsView>, ApiError> {
    let faults: Faults = serde_json::from_slice(&body).map_err(|e| ApiError::bad_json(&e))?;
    let mut errors = Vec::new();
    faults.validate("faults", &mut errors);
    if let Some(e) = errors.first() {
        let field = e.key.trim_start_matches("faults.").to_owned();
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            e.to_string(),
            Some(&field),
        ));
    }
    shared.faults.set(faults);
    Ok(Json(view(&shared)))
}

pub(super) async fn drop_all(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.faults.drop_all();
    StatusCode::NO_CONTENT
}

pub(super) async fn stats(State(shared): State<Arc<Shared>>) -> Json<Stats> {
    Json(shared.stats())
}

pub(super) async fn metrics(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        shared.stats().to_prometheus(),
    )
}
