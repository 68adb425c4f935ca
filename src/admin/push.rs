//! `/admin/v1/accounts/{msisdn}/push`: a number's device topic (its alerts go there first when
//! `[push]` is on) and its newest push notices with where each ended (docs/guides/push.md).

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};

use super::Operator;
use super::extract::AdminJson;
use super::problem::Problem;
use crate::admin::AdminState;
use crate::store::StoreError;
use crate::store::push::{NoticeStatus, PushNotice};

/// Notices shown per number.
const NEWEST: i64 = 20;

/// A notice as operators see it.
#[derive(Debug, Serialize, Deserialize)]
pub struct NoticeView {
    /// Its id (what the device echoes).
    pub id: String,
    /// Which alert.
    pub kind: String,
    /// The device topic.
    pub topic: String,
    /// `queued`, `published`, `confirmed` (by push) or `fallback` (sent as SMS).
    pub status: NoticeStatus,
    /// When it was made, ms since the epoch.
    pub created_at_ms: i64,
    /// When it ended or last changed.
    pub updated_at_ms: i64,
}

impl From<&PushNotice> for NoticeView {
    fn from(n: &PushNotice) -> Self {
        Self {
            id: n.id.clone(),
            kind: n.kind.clone(),
            topic: n.topic.clone(),
            status: n.status,
            created_at_ms: n.created_at_ms,
            updated_at_ms: n.updated_at_ms,
        }
    }
}

/// A number's push settings and newest notices.
#[derive(Debug, Serialize, Deserialize)]
pub struct PushView {
    /// The device topic, if any.
    pub topic: Option<String>,
    /// The newest notices, newest first.
    pub notices: Vec<NoticeView>,
}

/// Body of `PUT /accounts/{msisdn}/push`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PutPush {
    topic: String,
}

/// `GET /accounts/{msisdn}/push`.
pub async fn show(
    State(state): State<AdminState>,
    Path(msisdn): Path<String>,
) -> Result<Json<PushView>, Problem> {
    let msisdn = super::accounts::parse_msisdn(&state, &msisdn)?;
    let store = state.store();
    if store.account(&msisdn).await?.is_none() {
        return Err(StoreError::NotFound.into());
    }
    let topic = store.push_topic(&msisdn).await?;
    let notices = store.push_notices(&msisdn, NEWEST).await?;
    Ok(Json(PushView {
        topic,
        notices: notices.iter().map(NoticeView::from).collect(),
    }))
}

/// `PUT /accounts/{msisdn}/push {"topic"}`: sets the device topic.
pub async fn put(
    State(state): State<AdminState>,
    Extension(operator): Extension<Operator>,
    Path(msisdn): Path<String>,
    AdminJson(body): AdminJson<PutPush>,
) -> Result<Json<PushView>, Problem> {
    let number = super::accounts::parse_msisdn(&state, &msisdn)?;
    crate::push::check_topic(&body.topic).map_err(|why| Problem::invalid_field("topic", why))?;
    state
        .store()
        .set_push_topic(&number, Some(&body.topic), state.now().at_ms)
        .await?;
    tracing::info!(operator = %operator.name, msisdn = %number.as_str(), "push topic set");
    show(State(state), Path(msisdn)).await
}

/// `DELETE /accounts/{msisdn}/push`: the number's alerts are SMS again.
pub async fn delete(
    State(state): State<AdminState>,
    Extension(operator): Extension<Operator>,
    Path(msisdn): Path<String>,
) -> Result<Json<PushView>, Problem> {
    let number = super::accounts::parse_msisdn(&state, &msisdn)?;
    state
        .store()
        .set_push_topic(&number, None, state.now().at_ms)
        .await?;
    tracing::info!(operator = %operator.name, msisdn = %number.as_str(), "push topic removed");
    show(State(state), Path(msisdn)).await
}
