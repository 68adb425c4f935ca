//! `/admin/v1/sms/…`: which application receives the SMS handsets send to a short code
//! (registrations: the short code, and optionally the first word of the message), and the received
//! messages no registration took.
//!
//! A registration's id is the registrationIdentifier its application names in getReceivedSms;
//! a registration without an application keeps its messages for the gateway's own consumers.
//! Routing itself is `scf::sms` and the store's `SmsRoutingStore`.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::SecondsFormat;
use serde::{Deserialize, Serialize};

use super::Operator;
use super::extract::{AdminJson, AdminQuery};
use super::problem::{Fields, Problem};
use crate::admin::AdminState;
use crate::domain::clock::from_millis;
use crate::store::StoreError;
use crate::store::sms::routing::{Registration, RegistrationConflict};

/// Longest registration id and keyword.
const MAX_ID: usize = 64;
const MAX_KEYWORD: usize = 32;
/// Unrouted messages one page lists.
const UNROUTED_PAGE: i64 = 100;

/// A registration as operators see it.
#[derive(Debug, Serialize, Deserialize)]
pub struct RegistrationView {
    /// The registrationIdentifier.
    pub id: String,
    /// The application; `null` when the gateway itself takes the messages.
    pub app_id: Option<String>,
    /// The short code.
    pub short_code: String,
    /// The first word it takes (uppercase); `null` for every message no keyword takes.
    pub keyword: Option<String>,
    /// RFC 3339.
    pub created_at: String,
}

impl From<Registration> for RegistrationView {
    fn from(r: Registration) -> Self {
        Self {
            id: r.id,
            app_id: r.app_id,
            short_code: r.short_code,
            keyword: Some(r.keyword).filter(|k| !k.is_empty()),
            created_at: from_millis(r.created_at_ms).to_rfc3339_opts(SecondsFormat::Millis, true),
        }
    }
}

/// Body of `POST /sms/registrations`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRegistration {
    #[serde(default)]
    id: Option<String>,
    app_id: Option<String>,
    short_code: String,
    #[serde(default)]
    keyword: Option<String>,
}

impl NewRegistration {
    /// Every field checked, all errors reported together; the keyword uppercased.
    fn validate(self, now_ms: i64) -> Result<Registration, Problem> {
        let mut f = Fields::default();
        let id = match self.id {
            Some(id) => id,
            None => generated_id(),
        };
        let id_ok = !id.is_empty()
            && id.len() <= MAX_ID
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if !id_ok {
            f.push("id", format!("1 to {MAX_ID} of letters, digits, '-', '_', '.'"));
        }
        if self.app_id.as_deref().is_some_and(str::is_empty) {
            f.push("app_id", "an application id, or null for the gateway itself");
        }
        let code = self.short_code.trim();
        if code.is_empty() || code.len() > 20 || !code.bytes().all(|b| b.is_ascii_digit()) {
            f.push("short_code", "1 to 20 digits");
        }
        let keyword = self.keyword.as_deref().unwrap_or_default().trim().to_uppercase();
        if keyword.chars().count() > MAX_KEYWORD || keyword.contains(char::is_whitespace) {
            f.push("keyword", format!("one word of at most {MAX_KEYWORD} characters"));
        }
        f.finish()?;
        Ok(Registration {
            id,
            app_id: self.app_id,
            short_code: code.to_owned(),
            keyword,
            created_at_ms: now_ms,
        })
    }
}

/// `reg-` and 16 random hex digits.
fn generated_id() -> String {
    format!("reg-{}", crate::crypto::random_hex::<8>())
}

/// `POST /sms/registrations`: 201 with the registration; 404 for an unknown application; 409 when
/// the id or the (short code, keyword) is taken.
pub async fn create(
    State(state): State<AdminState>,
    Extension(operator): Extension<Operator>,
    AdminJson(body): AdminJson<NewRegistration>,
) -> Result<Response, Problem> {
    let registration = body.validate(state.now().at_ms)?;
    let store = state.store();
    if let Some(app) = &registration.app_id
        && store.app(app).await?.is_none()
    {
        return Err(Problem::not_found(format!("no application {app:?}")));
    }
    match store.create_registration(&registration).await? {
        Ok(()) => {}
        Err(RegistrationConflict::IdTaken) => {
            return Err(conflict("id", "a registration with this id exists"));
        }
        Err(RegistrationConflict::NumberTaken(holder)) => {
            let detail = format!("registration {holder:?} already takes this short code and keyword");
            return Err(conflict("keyword", &detail));
        }
    }
    tracing::info!(operator = %operator.name, id = %registration.id, "SMS registration created");
    Ok((StatusCode::CREATED, Json(RegistrationView::from(registration))).into_response())
}

/// 409 naming the field in the way.
fn conflict(field: &str, detail: &str) -> Problem {
    let mut problem = Problem::conflict(detail);
    problem.errors.push(super::problem::FieldError {
        field: field.to_owned(),
        message: "already taken".to_owned(),
    });
    problem
}

/// Query of `GET /sms/registrations`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only this application's.
    app_id: Option<String>,
}

/// `GET /sms/registrations[?app_id=]`
pub async fn list(
    State(state): State<AdminState>,
    AdminQuery(q): AdminQuery<ListQuery>,
) -> Result<Json<Vec<RegistrationView>>, Problem> {
    let rows = state.store().registrations(q.app_id.as_deref()).await?;
    Ok(Json(rows.into_iter().map(RegistrationView::from).collect()))
}

/// `GET /sms/registrations/{id}`
pub async fn show(
    State(state): State<AdminState>,
    Path(id): Path<String>,
) -> Result<Json<RegistrationView>, Problem> {
    let registration = state
        .store()
        .registration(&id)
        .await?
        .ok_or_else(|| Problem::not_found("no registration with this id"))?;
    Ok(Json(registration.into()))
}

/// `DELETE /sms/registrations/{id}`: messages routed to it and not yet taken become unrouted.
pub async fn delete(
    State(state): State<AdminState>,
    Extension(operator): Extension<Operator>,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    match state.store().delete_registration(&id).await {
        Ok(()) => {
            tracing::info!(operator = %operator.name, %id, "SMS registration removed");
            Ok(StatusCode::NO_CONTENT)
        }
        Err(StoreError::NotFound) => Err(Problem::not_found("no registration with this id")),
        Err(e) => Err(e.into()),
    }
}

/// A received message no registration took.
#[derive(Debug, Serialize, Deserialize)]
pub struct UnroutedView {
    /// The short code it was sent to.
    pub destination: String,
    /// The handset.
    pub sender: String,
    /// The text.
    pub message: String,
    /// RFC 3339.
    pub received_at: String,
}

/// `GET /sms/unrouted`: how many received messages matched no registration, and the oldest 100.
pub async fn unrouted(State(state): State<AdminState>) -> Result<Json<serde_json::Value>, Problem> {
    if let Err(e) = state.scf().route_received_sms().await {
        tracing::warn!(error = %e, "routing received SMS failed");
    }
    let (count, messages) = state.store().unrouted(UNROUTED_PAGE).await?;
    let messages: Vec<UnroutedView> = messages
        .into_iter()
        .map(|m| UnroutedView {
            destination: m.destination,
            sender: m.sender,
            message: m.message,
            received_at: from_millis(m.received_at_ms).to_rfc3339_opts(SecondsFormat::Millis, true),
        })
        .collect();
    Ok(Json(serde_json::json!({ "count": count, "messages": messages })))
}
