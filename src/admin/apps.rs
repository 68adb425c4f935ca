//! `/admin/v1/apps…`: registering third-party applications, their service agreements and
//! credentials, and reading their usage.
//!
//! Input is validated here, every field at once, before the store is called; agreements are
//! checked by compiling them ([`Agreement::compile`]) and stored as canonical JSON. A secret is
//! made here, sealed with the framework's key before it reaches the store, and shown to the
//! operator once, in the answer that issues it. After every change the framework is told to
//! forget what it cached about the application, so the change applies to the next call.
//! This module knows nothing of SOAP, REST or how calls are authorized; the usage report is in
//! [`usage`].

pub mod usage;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::Value;

use super::Operator;
use super::app_views::{AppList, AppView, CreatedApp, IssuedCredential};
use super::extract::AdminJson;
use super::problem::{FieldError, Fields, Problem};
use crate::admin::AdminState;
use crate::crypto::generate_secret;
use crate::framework::{Agreement, ServiceAgreement};
use crate::http::field_path;
use crate::store::StoreError;
use crate::store::apps::{App, AppPatch, AppStatus, Credential, NewApp};

/// Longest application id.
const MAX_ID: usize = 32;
/// Longest name or contact.
const MAX_TEXT: usize = 128;
/// How many user names are tried before giving up on issuing a credential.
const USERNAME_ATTEMPTS: usize = 100;

/// A trimmed text of 1 to [`MAX_TEXT`] characters.
fn text(f: &mut Fields, field: &str, raw: &str) -> String {
    let text = raw.trim();
    if text.is_empty() || text.chars().count() > MAX_TEXT {
        f.push(field, format!("must be 1 to {MAX_TEXT} characters"));
    }
    text.to_owned()
}

/// An agreement document, checked and turned into canonical JSON; errors are named
/// `agreement.<field>`.
fn agreement(f: &mut Fields, raw: Value) -> Option<String> {
    let doc: ServiceAgreement = match serde_path_to_error::deserialize(raw) {
        Ok(doc) => doc,
        Err(e) => {
            let path = field_path(e.path());
            let field = if path == "." {
                "agreement".to_owned()
            } else {
                format!("agreement.{path}")
            };
            f.push(&field, e.into_inner());
            return None;
        }
    };
    if let Err(errors) = Agreement::compile(&doc) {
        for (field, message) in errors {
            f.push(&format!("agreement.{field}"), message);
        }
        return None;
    }
    f.check("agreement", serde_json::to_string(&doc))
}

/// Why an id is not one: 1–32 of `[a-z0-9-]`, starting with a letter.
fn id_error(id: &str) -> Option<String> {
    let valid = (1..=MAX_ID).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    (!valid).then(|| format!("must be 1 to {MAX_ID} of a-z, 0-9 and '-', starting with a letter"))
}

/// Store errors about applications, named as such (the shared mapping speaks of accounts).
fn app_problem(e: StoreError) -> Problem {
    match e {
        StoreError::NotFound => Problem::not_found("no application with this id"),
        StoreError::AlreadyExists => {
            let mut problem = Problem::conflict("an application with this id already exists");
            problem.errors.push(FieldError {
                field: "id".to_owned(),
                message: "already exists".to_owned(),
            });
            problem
        }
        other => other.into(),
    }
}

async fn load_app(state: &AdminState, id: &str) -> Result<App, Problem> {
    state
        .store()
        .app(id)
        .await?
        .ok_or_else(|| Problem::not_found("no application with this id"))
}

async fn view(state: &AdminState, app: &App) -> Result<AppView, Problem> {
    let credentials = state.store().credentials(&app.id).await?;
    Ok(AppView::new(app, &credentials))
}

/// A credential for `app_id` with its secret sealed for `username`.
fn sealed_credential(state: &AdminState, app_id: &str, username: String, secret: &str) -> Credential {
    Credential {
        sealed_secret: state.framework().secrets().seal(&username, secret),
        username,
        app_id: app_id.to_owned(),
        created_at_ms: state.now().at_ms,
        revoked_at_ms: None,
    }
}

/// Makes a further credential for `app_id`, named `<id>.<n>` (application ids have no dots, so
/// no other application's credential can hold the name). The secret is sealed before it is stored.
async fn issue_credential(state: &AdminState, app_id: &str) -> Result<IssuedCredential, Problem> {
    let store = state.store();
    let mut n = store.credentials(app_id).await?.len() + 1;
    for _ in 0..USERNAME_ATTEMPTS {
        let secret = generate_secret();
        let credential = sealed_credential(state, app_id, format!("{app_id}.{n}"), &secret);
        match store.add_credential(&credential).await {
            Ok(()) => {
                return Ok(IssuedCredential {
                    username: credential.username,
                    secret,
                });
            }
            Err(StoreError::AlreadyExists) => n += 1,
            Err(e) => return Err(e.into()),
        }
    }
    Err(Problem::conflict(
        "no free credential user name for this application",
    ))
}

/// A credential under the user name the operator chose: 1 to 64 letters, digits, `.`, `_` or
/// `-`, not taken by any application.
async fn named_credential(
    state: &AdminState,
    app_id: &str,
    username: String,
) -> Result<IssuedCredential, Problem> {
    let valid = (1..=64).contains(&username.len())
        && username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if !valid {
        return Err(Problem::invalid_field(
            "username",
            "must be 1 to 64 letters, digits, '.', '_' or '-'",
        ));
    }
    let secret = generate_secret();
    let credential = sealed_credential(state, app_id, username, &secret);
    match state.store().add_credential(&credential).await {
        Ok(()) => Ok(IssuedCredential {
            username: credential.username,
            secret,
        }),
        Err(StoreError::AlreadyExists) => Err(Problem::conflict("this user name is taken")),
        Err(e) => Err(e.into()),
    }
}

/// Body of `POST /apps`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateApp {
    id: String,
    name: String,
    owner_contact: String,
    agreement: Value,
}

impl CreateApp {
    fn validate(self) -> Result<NewApp, Problem> {
        let mut f = Fields::default();
        if let Some(message) = id_error(&self.id) {
            f.push("id", message);
        }
        let name = text(&mut f, "name", &self.name);
        let owner_contact = text(&mut f, "owner_contact", &self.owner_contact);
        let agreement = agreement(&mut f, self.agreement);
        f.finish()?;
        let Some(agreement) = agreement else {
            return Err(Problem::malformed("invalid agreement"));
        };
        Ok(NewApp {
            id: self.id,
            name,
            owner_contact,
            agreement,
        })
    }
}

/// `POST /apps`: registers an application and issues its first credential, in one transaction.
pub async fn create(
    State(state): State<AdminState>,
    Extension(operator): Extension<Operator>,
    AdminJson(body): AdminJson<CreateApp>,
) -> Result<Response, Problem> {
    let new = body.validate()?;
    // The first credential is named after the application, whose id is unique and never contains
    // the dot that later credentials' names have: it cannot collide.
    let secret = generate_secret();
    let first = sealed_credential(&state, &new.id, new.id.clone(), &secret);
    let app = state
        .store()
        .create_app(&new, &first, state.now().at_ms)
        .await
        .map_err(app_problem)?;
    let credential = IssuedCredential {
        username: first.username,
        secret,
    };
    state.framework().forget_app(&app.id);
    tracing::info!(operator = %operator.name, app = %app.id, user = %credential.username, "application registered");
    let location = format!("/admin/v1/apps/{}", app.id);
    let created = CreatedApp {
        app: view(&state, &app).await?,
        credential,
    };
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(created)).into_response())
}

/// `GET /apps`
pub async fn list(State(state): State<AdminState>) -> Result<Json<AppList>, Problem> {
    let mut apps = Vec::new();
    for app in state.store().list_apps().await? {
        apps.push(view(&state, &app).await?);
    }
    Ok(Json(AppList { apps }))
}

/// `GET /apps/{id}`
pub async fn show(State(state): State<AdminState>, Path(id): Path<String>) -> Result<Json<AppView>, Problem> {
    let app = load_app(&state, &id).await?;
    Ok(Json(view(&state, &app).await?))
}

/// Body of `PATCH /apps/{id}`: absent fields stay.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateApp {
    name: Option<String>,
    owner_contact: Option<String>,
}

async fn apply(
    state: &AdminState,
    operator: &Operator,
    id: &str,
    patch: &AppPatch,
) -> Result<Json<AppView>, Problem> {
    let app = state
        .store()
        .update_app(id, patch, state.now().at_ms)
        .await
        .map_err(app_problem)?;
    state.framework().forget_app(&app.id);
    tracing::info!(operator = %operator.name, app = %app.id, agreement = patch.agreement.is_some(), "application updated");
    Ok(Json(view(state, &app).await?))
}

/// `PATCH /apps/{id}`: name and contact.
pub async fn update(
    State(state): State<AdminState>,
    Extension(operator): Extension<Operator>,
    Path(id): Path<String>,
    AdminJson(body): AdminJson<UpdateApp>,
) -> Result<Json<AppView>, Problem> {
    let mut f = Fields::default();
    let patch = AppPatch {
        name: body.name.map(|n| text(&mut f, "name", &n)),
        owner_contact: body.owner_contact.map(|c| text(&mut f, "owner_contact", &c)),
        agreement: None,
    };
    f.finish()?;
    apply(&state, &operator, &id, &patch).await
}

/// `PUT /apps/{id}/agreement`: replaces the whole agreement document.
pub async fn set_agreement(
    State(state): State<AdminState>,
    Extension(operator): Extension<Operator>,
    Path(id): Path<String>,
    AdminJson(body): AdminJson<Value>,
) -> Result<Json<AppView>, Problem> {
    let mut f = Fields::default();
    let agreement = agreement(&mut f, body);
    f.finish()?;
    let patch = AppPatch {
        agreement,
        ..AppPatch::default()
    };
    apply(&state, &operator, &id, &patch).await
}

async fn set_status(
    state: &AdminState,
    operator: &Operator,
    id: &str,
    to: AppStatus,
) -> Result<Json<AppView>, Problem> {
    let app = state
        .store()
        .set_app_status(id, to, state.now().at_ms)
        .await
        .map_err(app_problem)?;
    state.framework().forget_app(&app.id);
    tracing::info!(operator = %operator.name, app = %app.id, status = %to, "application status set");
    Ok(Json(view(state, &app).await?))
}

/// `POST /apps/{id}/suspend`
pub async fn suspend(
    State(s): State<AdminState>,
    Extension(o): Extension<Operator>,
    Path(id): Path<String>,
) -> Result<Json<AppView>, Problem> {
    set_status(&s, &o, &id, AppStatus::Suspended).await
}

/// `POST /apps/{id}/resume`
pub async fn resume(
    State(s): State<AdminState>,
    Extension(o): Extension<Operator>,
    Path(id): Path<String>,
) -> Result<Json<AppView>, Problem> {
    set_status(&s, &o, &id, AppStatus::Active).await
}

/// `POST /apps/{id}/revoke`: for good.
pub async fn revoke(
    State(s): State<AdminState>,
    Extension(o): Extension<Operator>,
    Path(id): Path<String>,
) -> Result<Json<AppView>, Problem> {
    set_status(&s, &o, &id, AppStatus::Revoked).await
}

/// Body of `POST /apps/{id}/credentials` (optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddCredential {
    /// The user name the application must present, e.g. a Huawei SDP `spId`
    /// (docs/guides/huawei-header.md); absent: `<id>.<n>`.
    #[serde(default)]
    pub username: Option<String>,
}

/// `POST /apps/{id}/credentials`: a further credential (rotation: the old ones keep working
/// until revoked), under a generated user name or the one the body asks for. A revoked
/// application gets none.
pub async fn add_credential(
    State(state): State<AdminState>,
    Extension(operator): Extension<Operator>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let wanted: AddCredential = if body.is_empty() {
        AddCredential::default()
    } else {
        crate::admin::extract::decode(&body)?
    };
    let app = load_app(&state, &id).await?;
    if app.status == AppStatus::Revoked {
        return Err(Problem::conflict("a revoked application gets no new credentials"));
    }
    let credential = match wanted.username {
        Some(username) => named_credential(&state, &app.id, username).await?,
        None => issue_credential(&state, &app.id).await?,
    };
    state.framework().forget_app(&app.id);
    tracing::info!(operator = %operator.name, app = %app.id, user = %credential.username, "credential issued");
    Ok((StatusCode::CREATED, Json(credential)).into_response())
}

/// `DELETE /apps/{id}/credentials/{username}`: revokes the credential and its OAuth tokens.
pub async fn revoke_credential(
    State(state): State<AdminState>,
    Extension(operator): Extension<Operator>,
    Path((id, username)): Path<(String, String)>,
) -> Result<StatusCode, Problem> {
    load_app(&state, &id).await?;
    match state
        .store()
        .revoke_credential(&id, &username, state.now().at_ms)
        .await
    {
        Ok(()) => {}
        Err(StoreError::NotFound) => {
            return Err(Problem::not_found(
                "this application has no live credential of that name",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    state.framework().forget_app(&id);
    tracing::info!(operator = %operator.name, app = %id, user = %username, "credential revoked");
    Ok(StatusCode::NO_CONTENT)
}
