//! `/admin/v1/callbacks…`: what the gateway owes applications' endpoints and how each delivery
//! went (`callbacks` delivers them). Operators see every attempt, and may send a delivered or
//! abandoned callback again (after fixing an application's endpoint, say).

use axum::Json;
use axum::extract::{Path, State};
use chrono::SecondsFormat;
use serde::{Deserialize, Serialize};

use super::extract::AdminQuery;
use super::problem::{Fields, Problem};
use crate::admin::AdminState;
use crate::domain::clock::from_millis;
use crate::store::StoreError;
use crate::store::callbacks::{Callback, CallbackAttempt, CallbackQuery, CallbackStatus};

/// Most callbacks one page lists.
const MAX_PAGE: i64 = 500;

/// A callback as operators see it.
#[derive(Debug, Serialize, Deserialize)]
pub struct CallbackView {
    /// Its id.
    pub id: i64,
    /// The application's id.
    pub app_id: String,
    /// What it is (`notifySmsDeliveryReceipt`, …).
    pub kind: String,
    /// Where it goes.
    pub endpoint: String,
    /// `pending`, `delivered` or `abandoned`.
    pub status: CallbackStatus,
    /// Attempts so far.
    pub attempts: i64,
    /// Next attempt (pending only), RFC 3339.
    pub next_attempt_at: Option<String>,
    /// When it is abandoned if not delivered, RFC 3339.
    pub give_up_at: String,
    /// The last failure.
    pub last_error: Option<String>,
    /// Queued at, RFC 3339.
    pub created_at: String,
    /// Last change, RFC 3339.
    pub updated_at: String,
}

impl From<&Callback> for CallbackView {
    fn from(c: &Callback) -> Self {
        Self {
            id: c.id,
            app_id: crate::domain::actor::app_or_name(&c.actor).to_owned(),
            kind: c.kind.clone(),
            endpoint: c.endpoint.clone(),
            status: c.status,
            attempts: c.attempts,
            next_attempt_at: (c.status == CallbackStatus::Pending).then(|| rfc3339(c.next_attempt_at)),
            give_up_at: rfc3339(c.give_up_at),
            last_error: c.last_error.clone(),
            created_at: rfc3339(c.created_at),
            updated_at: rfc3339(c.updated_at),
        }
    }
}

/// One attempt as operators see it.
#[derive(Debug, Serialize, Deserialize)]
pub struct AttemptView {
    /// When it started, RFC 3339.
    pub at: String,
    /// How long it took.
    pub duration_ms: i64,
    /// The endpoint's HTTP status, when it answered.
    pub http_status: Option<i64>,
    /// Why it failed; absent when delivered.
    pub error: Option<String>,
}

impl From<&CallbackAttempt> for AttemptView {
    fn from(a: &CallbackAttempt) -> Self {
        Self {
            at: rfc3339(a.attempted_at),
            duration_ms: a.duration_ms,
            http_status: a.http_status,
            error: a.error.clone(),
        }
    }
}

/// `GET /callbacks/{id}`: the callback, the body it carries and every attempt.
#[derive(Debug, Serialize, Deserialize)]
pub struct CallbackDetail {
    /// The callback.
    #[serde(flatten)]
    pub callback: CallbackView,
    /// The body POSTed (text; bytes that are not UTF-8 replaced).
    pub body: String,
    /// Every attempt, oldest first.
    pub attempt_log: Vec<AttemptView>,
}

/// Query of `GET /callbacks`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only this application's.
    app_id: Option<String>,
    /// Only in this state.
    status: Option<String>,
    /// Only older than this id (the previous page's last id).
    before: Option<i64>,
    /// Page size, 1 to 500 (default 100).
    limit: Option<i64>,
}

/// `GET /callbacks?app_id=&status=&before=&limit=`: newest first.
pub async fn list(
    State(state): State<AdminState>,
    AdminQuery(q): AdminQuery<ListQuery>,
) -> Result<Json<Vec<CallbackView>>, Problem> {
    let mut f = Fields::default();
    let status = q
        .status
        .as_deref()
        .and_then(|s| f.check("status", s.parse::<CallbackStatus>()));
    let limit = q.limit.unwrap_or(100);
    if !(1..=MAX_PAGE).contains(&limit) {
        f.push("limit", format!("1 to {MAX_PAGE}"));
    }
    f.finish()?;
    let query = CallbackQuery {
        actor: q.app_id.map(|id| crate::domain::actor::of_app(&id)),
        status,
        before_id: q.before,
        limit,
    };
    let page = state.store().callbacks(&query).await?;
    Ok(Json(page.iter().map(CallbackView::from).collect()))
}

/// `GET /callbacks/{id}`.
pub async fn show(
    State(state): State<AdminState>,
    Path(id): Path<i64>,
) -> Result<Json<CallbackDetail>, Problem> {
    let (callback, body, attempts) = state
        .store()
        .callback(id)
        .await?
        .ok_or_else(|| Problem::not_found("no callback with this id"))?;
    Ok(Json(CallbackDetail {
        callback: CallbackView::from(&callback),
        body: String::from_utf8_lossy(&body).into_owned(),
        attempt_log: attempts.iter().map(AttemptView::from).collect(),
    }))
}

/// `POST /callbacks/{id}/retry`: due now, with a fresh give-up time.
pub async fn retry(
    State(state): State<AdminState>,
    Path(id): Path<i64>,
) -> Result<Json<CallbackView>, Problem> {
    let now = state.now().at_ms;
    let give_up =
        i64::try_from(state.callback_config().give_up_after_secs.saturating_mul(1_000)).unwrap_or(i64::MAX);
    match state
        .store()
        .retry_callback(id, now.saturating_add(give_up), now)
        .await
    {
        Ok(callback) => {
            tracing::info!(id, "callback queued again by an operator");
            Ok(Json(CallbackView::from(&callback)))
        }
        Err(StoreError::NotFound) => Err(Problem::not_found("no callback with this id")),
        Err(e) => Err(e.into()),
    }
}

fn rfc3339(ms: i64) -> String {
    from_millis(ms).to_rfc3339_opts(SecondsFormat::Millis, true)
}
