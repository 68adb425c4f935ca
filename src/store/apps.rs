//! What the store keeps for the application framework: applications, credentials, OAuth tokens,
//! WS-Security nonces in use and usage. Agreements are kept as the JSON document the operator wrote; the framework checks
//! and compiles them.

use std::fmt;
use std::str::FromStr;

use async_trait::async_trait;

use super::StoreError;

/// Lifecycle of an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AppStatus {
    /// May call what its agreement grants.
    Active,
    /// Temporarily barred; can be resumed.
    Suspended,
    /// Barred for good.
    Revoked,
}

impl AppStatus {
    /// The value kept in the `status` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Revoked => "revoked",
        }
    }
}

impl FromStr for AppStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "active" => Ok(Self::Active),
            "suspended" => Ok(Self::Suspended),
            "revoked" => Ok(Self::Revoked),
            other => Err(format!("unknown application status {other:?}")),
        }
    }
}

impl fmt::Display for AppStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A third-party application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    /// Operator-chosen identifier (`shop`); appears in the ledger as `app:<id>`.
    pub id: String,
    /// Display name (the merchant name in subscriber receipts).
    pub name: String,
    /// Who to call about it.
    pub owner_contact: String,
    /// Lifecycle state.
    pub status: AppStatus,
    /// The service agreement document (JSON).
    pub agreement: String,
    /// Creation time, ms since the epoch.
    pub created_at_ms: i64,
    /// Last change, ms since the epoch.
    pub updated_at_ms: i64,
}

/// A new application.
#[derive(Debug, Clone)]
pub struct NewApp {
    /// See [`App::id`].
    pub id: String,
    /// See [`App::name`].
    pub name: String,
    /// See [`App::owner_contact`].
    pub owner_contact: String,
    /// See [`App::agreement`] (already checked).
    pub agreement: String,
}

/// A change of an application; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AppPatch {
    /// New name.
    pub name: Option<String>,
    /// New contact.
    pub owner_contact: Option<String>,
    /// New agreement document (already checked).
    pub agreement: Option<String>,
}

/// One credential of an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// Unique across the gateway: the WS-Security / Basic user name and the OAuth client id.
    pub username: String,
    /// The application it belongs to.
    pub app_id: String,
    /// The secret, sealed (see `crypto::SecretBox`).
    pub sealed_secret: Vec<u8>,
    /// When it was issued.
    pub created_at_ms: i64,
    /// When it was revoked, if it was.
    pub revoked_at_ms: Option<i64>,
}

/// A WS-Security nonce to be used once cluster-wide: its key (see `framework::replay`) and when a
/// replay would be refused as stale anyway, so the row may be forgotten or reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NonceClaim {
    /// First 128 bits of SHA-256 over the username and the nonce.
    pub key: [u8; 16],
    /// ms since the epoch.
    pub expires_ms: i64,
}

/// Calls of one application, operation and outcome within one minute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRow {
    /// Application id (`-` when authentication failed before one was known).
    pub app_id: String,
    /// `Service.operation`.
    pub operation: String,
    /// `ok`, or the fault code / refusal that ended the call.
    pub outcome: String,
    /// Start of the minute, ms since the epoch.
    pub minute_ms: i64,
    /// Currency of `amount` (empty when no money moved).
    pub currency: String,
    /// Number of calls.
    pub calls: i64,
    /// Total latency of those calls, µs.
    pub latency_us: i64,
    /// Money moved by those calls, minor units of `currency`.
    pub amount: i64,
}

/// Applications, credentials, tokens and usage.
#[async_trait]
pub trait AppStore: Send + Sync {
    /// Registers an application together with its first credential, in one transaction;
    /// [`StoreError::AlreadyExists`] if the id (or the credential's username) is taken.
    async fn create_app(&self, new: &NewApp, first: &Credential, now_ms: i64) -> Result<App, StoreError>;
    /// One application.
    async fn app(&self, id: &str) -> Result<Option<App>, StoreError>;
    /// All applications, by id.
    async fn list_apps(&self) -> Result<Vec<App>, StoreError>;
    /// Changes name, contact or agreement.
    async fn update_app(&self, id: &str, patch: &AppPatch, now_ms: i64) -> Result<App, StoreError>;
    /// Suspends, resumes or revokes; a revoked application stays revoked.
    async fn set_app_status(&self, id: &str, status: AppStatus, now_ms: i64) -> Result<App, StoreError>;
    /// Adds a credential; [`StoreError::AlreadyExists`] if the username is taken.
    async fn add_credential(&self, credential: &Credential) -> Result<(), StoreError>;
    /// An application's credentials, revoked ones included.
    async fn credentials(&self, app_id: &str) -> Result<Vec<Credential>, StoreError>;
    /// A credential by username, with its application.
    async fn credential(&self, username: &str) -> Result<Option<(Credential, App)>, StoreError>;
    /// Revokes a credential (and every token issued to it).
    async fn revoke_credential(&self, app_id: &str, username: &str, now_ms: i64) -> Result<(), StoreError>;
    /// Records an issued OAuth token by its digest.
    async fn insert_token(
        &self,
        token_sha256: &str,
        username: &str,
        expires_ms: i64,
    ) -> Result<(), StoreError>;
    /// The username a live token was issued to.
    async fn token_owner(&self, token_sha256: &str, now_ms: i64) -> Result<Option<String>, StoreError>;
    /// Records every nonce of `claims` (distinct keys) in one statement, unless it is in use: not
    /// recorded before, or recorded with an expiry at or before `now_ms`. Answers the keys that
    /// were free, so each nonce is granted to one caller however many instances share the store.
    async fn claim_nonces(&self, claims: &[NonceClaim], now_ms: i64) -> Result<Vec<[u8; 16]>, StoreError>;
    /// Forgets the nonces expired at `now_ms`; answers how many.
    async fn purge_nonces(&self, now_ms: i64) -> Result<u64, StoreError>;
    /// Adds usage counts (summing into existing minutes).
    async fn record_usage(&self, rows: &[UsageRow]) -> Result<(), StoreError>;
    /// Usage of one application between two instants (ms, half-open), by minute.
    async fn usage(&self, app_id: &str, from_ms: i64, to_ms: i64) -> Result<Vec<UsageRow>, StoreError>;
}
