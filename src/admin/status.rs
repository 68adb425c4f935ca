//! `GET /admin/v1/status`: the SMSC links and what the gateway still owes, at a glance: SMS parts
//! waiting for the SMSC (and how old the oldest is) and notifications waiting for applications'
//! endpoints, by application. `pxgate admin status` prints it.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};

use super::problem::Problem;
use crate::admin::AdminState;

/// The links and the backlogs.
#[derive(Debug, Serialize, Deserialize)]
pub struct StatusView {
    /// Each SMSC link now, in configuration order.
    pub links: Vec<crate::smpp::LinkStatus>,
    /// The SMS outbox.
    pub outbox: OutboxStatus,
    /// Callbacks to applications.
    pub callbacks: CallbackStatus,
}

/// Parts not yet accepted by the SMSC.
#[derive(Debug, Serialize, Deserialize)]
pub struct OutboxStatus {
    /// Parts queued or being sent.
    pub pending_parts: i64,
    /// Seconds since the oldest of them was queued; `None` with none waiting.
    pub oldest_pending_secs: Option<i64>,
}

/// Notifications not yet delivered (nor abandoned).
#[derive(Debug, Serialize, Deserialize)]
pub struct CallbackStatus {
    /// In all.
    pub pending: i64,
    /// By application, by id.
    pub by_app: Vec<AppBacklog>,
}

/// One application's pending callbacks.
#[derive(Debug, Serialize, Deserialize)]
pub struct AppBacklog {
    /// The application's id.
    pub app_id: String,
    /// Callbacks waiting for its endpoint.
    pub pending: i64,
}

/// `GET /admin/v1/status`
pub async fn show(State(state): State<AdminState>) -> Result<Json<StatusView>, Problem> {
    let (pending_parts, oldest) = state.store().outbox_backlog().await?;
    let now_ms = state.now().at_ms;
    let by_app: Vec<AppBacklog> = state
        .store()
        .callback_backlog()
        .await?
        .into_iter()
        .map(|(actor, pending)| AppBacklog {
            app_id: crate::domain::actor::app_or_name(&actor).to_owned(),
            pending,
        })
        .collect();
    let links = state.links().status();
    Ok(Json(StatusView {
        links,
        outbox: OutboxStatus {
            pending_parts,
            oldest_pending_secs: oldest.map(|at| (now_ms - at).max(0) / 1_000),
        },
        callbacks: CallbackStatus {
            pending: by_app.iter().map(|a| a.pending).sum(),
            by_app,
        },
    }))
}
