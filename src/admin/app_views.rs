//! JSON shapes of `/admin/v1/apps…` (the usage report's are in `apps::usage`).
//!
//! Views never carry a secret: the only shape that does is [`IssuedCredential`], returned once,
//! when the credential is made.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::clock::from_millis;
use crate::store::apps::{App, AppStatus, Credential};

/// An application as operators see it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppView {
    /// Operator-chosen identifier.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Who to call about it.
    pub owner_contact: String,
    /// `active`, `suspended` or `revoked`.
    pub status: AppStatus,
    /// The service agreement document.
    pub agreement: Value,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Its credentials, revoked ones included; never their secrets.
    pub credentials: Vec<CredentialView>,
}

impl AppView {
    /// Renders an application with its credentials.
    pub fn new(app: &App, credentials: &[Credential]) -> Self {
        // The store keeps what the admin API wrote (canonical JSON); anything else is shown as-is.
        let agreement =
            serde_json::from_str(&app.agreement).unwrap_or_else(|_| Value::String(app.agreement.clone()));
        Self {
            id: app.id.clone(),
            name: app.name.clone(),
            owner_contact: app.owner_contact.clone(),
            status: app.status,
            agreement,
            created_at: from_millis(app.created_at_ms),
            updated_at: from_millis(app.updated_at_ms),
            credentials: credentials.iter().map(CredentialView::new).collect(),
        }
    }
}

/// A credential without its secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CredentialView {
    /// The WS-Security / Basic user name and OAuth client id.
    pub username: String,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl CredentialView {
    /// Renders a credential, leaving the sealed secret out.
    pub fn new(c: &Credential) -> Self {
        Self {
            username: c.username.clone(),
            created_at: from_millis(c.created_at_ms),
            revoked_at: c.revoked_at_ms.map(from_millis),
        }
    }
}

/// A credential just issued: the only time its secret is shown.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IssuedCredential {
    /// The user name / client id.
    pub username: String,
    /// The secret in plain text; the gateway keeps it sealed and never shows it again.
    pub secret: String,
}

/// The answer to `POST /apps`: the application and its first credential.
#[derive(Debug, Serialize, Deserialize)]
pub struct CreatedApp {
    /// The application.
    #[serde(flatten)]
    pub app: AppView,
    /// Its first credential, secret included.
    pub credential: IssuedCredential,
}

/// The list of applications.
#[derive(Debug, Serialize, Deserialize)]
pub struct AppList {
    /// Every application, by id.
    pub apps: Vec<AppView>,
}
