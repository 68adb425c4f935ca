//! The operator's grants of the account-monitoring extension: `PUT` and `DELETE
//! /apps/{id}/monitored/{msisdn}` let an application monitor an account it has not charged
//! (`startAccountNotification` is otherwise refused with POL0002), or withdraw that.
//!
//! Withdrawing a grant does not end monitors already started; the application (or the
//! operator, by revoking the application) ends them.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::Operator;
use super::problem::Problem;
use crate::admin::AdminState;
use crate::domain::Msisdn;

async fn target(state: &AdminState, id: &str, raw: &str) -> Result<Msisdn, Problem> {
    let msisdn = Msisdn::parse(raw, &state.locale().default_country_code)
        .map_err(|e| Problem::invalid_field("msisdn", e.to_string()))?;
    state
        .store()
        .app(id)
        .await?
        .ok_or_else(|| Problem::not_found("no application with this id"))?;
    Ok(msisdn)
}

/// `PUT /apps/{id}/monitored/{msisdn}`: application `id` may monitor the number (idempotent).
pub async fn grant(
    State(state): State<AdminState>,
    Extension(operator): Extension<Operator>,
    Path((id, raw)): Path<(String, String)>,
) -> Result<StatusCode, Problem> {
    let msisdn = target(&state, &id, &raw).await?;
    state
        .store()
        .grant_monitoring(&id, msisdn.as_str(), state.now().at_ms)
        .await?;
    tracing::info!(operator = %operator.name, app = %id, msisdn = %msisdn.as_str(), "monitoring granted");
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /apps/{id}/monitored/{msisdn}`: withdraws the grant; 404 when there was none.
pub async fn revoke(
    State(state): State<AdminState>,
    Extension(operator): Extension<Operator>,
    Path((id, raw)): Path<(String, String)>,
) -> Result<StatusCode, Problem> {
    let msisdn = target(&state, &id, &raw).await?;
    if !state.store().revoke_monitoring(&id, msisdn.as_str()).await? {
        return Err(Problem::not_found(
            "this application has no grant for this number",
        ));
    }
    tracing::info!(operator = %operator.name, app = %id, msisdn = %msisdn.as_str(), "monitoring grant withdrawn");
    Ok(StatusCode::NO_CONTENT)
}
