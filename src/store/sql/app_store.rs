//! [`AppStore`](crate::store::apps::AppStore) on [`SqlStore`]: applications, credentials, usage and
//! the WS-Security nonces.

use crate::store::sql::db;

use std::str::FromStr;

use crate::store::StoreError;
use crate::store::apps::NonceClaim;
use crate::store::apps::{App, AppStatus, Credential, UsageRow};

pub(crate) const INSERT_APP: &str = "INSERT INTO applications \
     (id, name, owner_contact, status, agreement, created_at, updated_at) \
     VALUES ($1, $2, $3, 'active', $4, $5, $5) \
     RETURNING id, name, owner_contact, status, agreement, created_at, updated_at";

pub(crate) const SELECT_APP: &str = "SELECT id, name, owner_contact, status, agreement, created_at, updated_at \
     FROM applications WHERE id = $1";

pub(crate) const LIST_APPS: &str = "SELECT id, name, owner_contact, status, agreement, created_at, updated_at \
     FROM applications ORDER BY id";

pub(crate) const UPDATE_APP: &str = "UPDATE applications SET \
       name = COALESCE($2, name), owner_contact = COALESCE($3, owner_contact), \
       agreement = COALESCE($4, agreement), updated_at = $5 \
     WHERE id = $1 \
     RETURNING id, name, owner_contact, status, agreement, created_at, updated_at";

/// A revoked application stays revoked: the transition is refused by the `WHERE`.
pub(crate) const SET_APP_STATUS: &str = "UPDATE applications SET status = $2, updated_at = $3 \
     WHERE id = $1 AND status <> 'revoked' \
     RETURNING id, name, owner_contact, status, agreement, created_at, updated_at";

pub(crate) const INSERT_CREDENTIAL: &str = "INSERT INTO credentials \
     (username, app_id, sealed_secret, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5)";

pub(crate) const APP_CREDENTIALS: &str = "SELECT username, app_id, sealed_secret, created_at, revoked_at \
     FROM credentials WHERE app_id = $1 ORDER BY created_at, username";

pub(crate) const CREDENTIAL_WITH_APP: &str = "SELECT c.username, c.app_id, c.sealed_secret, c.created_at, c.revoked_at, \
       a.id, a.name, a.owner_contact, a.status, a.agreement, a.created_at AS app_created_at, a.updated_at \
     FROM credentials c JOIN applications a ON a.id = c.app_id WHERE c.username = $1";

pub(crate) const REVOKE_CREDENTIAL: &str = "UPDATE credentials SET revoked_at = $3 \
     WHERE app_id = $1 AND username = $2 AND revoked_at IS NULL";

pub(crate) const DELETE_CREDENTIAL_TOKENS: &str = "DELETE FROM oauth_tokens WHERE username = $1";

pub(crate) const INSERT_TOKEN: &str =
    "INSERT INTO oauth_tokens (token_sha256, username, expires_at) VALUES ($1, $2, $3)";

/// Issuing a token is also the moment to forget the ones that have expired.
pub(crate) const PURGE_TOKENS: &str = "DELETE FROM oauth_tokens WHERE expires_at <= $1";

pub(crate) const TOKEN_OWNER: &str =
    "SELECT username FROM oauth_tokens WHERE token_sha256 = $1 AND expires_at > $2";

/// Head of the nonce claim; the `VALUES` rows follow, then [`CLAIM_NONCES_TAIL`] and `now_ms`.
pub(crate) const CLAIM_NONCES_HEAD: &str = "INSERT INTO ws_nonces (nonce_key, expires_at) ";

/// A nonce in use keeps its row; an expired one is taken over. Only taken rows are returned.
pub(crate) const CLAIM_NONCES_TAIL: &str = " ON CONFLICT (nonce_key) DO UPDATE SET expires_at = excluded.expires_at \
     WHERE ws_nonces.expires_at <= ";

/// The nonce claim of `claims` at `now_ms`, returning the keys it took: `head`, the `VALUES` rows,
/// `rows_end`, then the conflict rule. [`CLAIM_NONCES_HEAD`] and `""` are the plain statement; a
/// backend may wrap the rows (PostgreSQL sets the claim's commit mode in the same statement).
pub(crate) fn claim_nonces_query<'a>(
    head: &'static str,
    rows_end: &str,
    claims: &'a [NonceClaim],
    now_ms: i64,
) -> db::Sql<'a> {
    let mut sql = db::query(head);
    sql.push_values(claims, |row, c| {
        row.push_bind(&c.key[..]).push_bind(c.expires_ms);
    });
    sql.push(rows_end).push(CLAIM_NONCES_TAIL).push_bind(now_ms);
    sql.push(" RETURNING nonce_key");
    sql
}

pub(crate) const PURGE_NONCES: &str = "DELETE FROM ws_nonces WHERE expires_at <= $1";

pub(crate) const UPSERT_USAGE: &str = "INSERT INTO usage \
     (app_id, operation, outcome, minute, currency, calls, latency_us, amount) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
     ON CONFLICT (app_id, minute, operation, outcome, currency) DO UPDATE SET \
       calls = usage.calls + excluded.calls, \
       latency_us = usage.latency_us + excluded.latency_us, \
       amount = usage.amount + excluded.amount";

pub(crate) const SELECT_USAGE: &str = "SELECT app_id, operation, outcome, minute, currency, calls, latency_us, amount \
     FROM usage WHERE app_id = $1 AND minute >= $2 AND minute < $3 ORDER BY minute, operation, outcome";

/// A row of `applications`.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct AppRow {
    id: String,
    name: String,
    owner_contact: String,
    status: String,
    agreement: String,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<AppRow> for App {
    type Error = StoreError;
    fn try_from(r: AppRow) -> Result<Self, StoreError> {
        Ok(Self {
            status: AppStatus::from_str(&r.status)
                .map_err(|e| StoreError::Corrupt(format!("application {}: {e}", r.id)))?,
            id: r.id,
            name: r.name,
            owner_contact: r.owner_contact,
            agreement: r.agreement,
            created_at_ms: r.created_at,
            updated_at_ms: r.updated_at,
        })
    }
}

/// A row of `credentials`.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct CredentialRow {
    username: String,
    app_id: String,
    sealed_secret: Vec<u8>,
    created_at: i64,
    revoked_at: Option<i64>,
}

impl From<CredentialRow> for Credential {
    fn from(r: CredentialRow) -> Self {
        Self {
            username: r.username,
            app_id: r.app_id,
            sealed_secret: r.sealed_secret,
            created_at_ms: r.created_at,
            revoked_at_ms: r.revoked_at,
        }
    }
}

/// A credential joined with its application.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct CredentialAppRow {
    #[sqlx(flatten)]
    credential: CredentialRow,
    id: String,
    name: String,
    owner_contact: String,
    status: String,
    agreement: String,
    app_created_at: i64,
    updated_at: i64,
}

impl TryFrom<CredentialAppRow> for (Credential, App) {
    type Error = StoreError;
    fn try_from(r: CredentialAppRow) -> Result<Self, StoreError> {
        let app = App::try_from(AppRow {
            id: r.id,
            name: r.name,
            owner_contact: r.owner_contact,
            status: r.status,
            agreement: r.agreement,
            created_at: r.app_created_at,
            updated_at: r.updated_at,
        })?;
        Ok((r.credential.into(), app))
    }
}

/// A row of `usage`.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct UsageDbRow {
    app_id: String,
    operation: String,
    outcome: String,
    minute: i64,
    currency: String,
    calls: i64,
    latency_us: i64,
    amount: i64,
}

impl From<UsageDbRow> for UsageRow {
    fn from(r: UsageDbRow) -> Self {
        Self {
            app_id: r.app_id,
            operation: r.operation,
            outcome: r.outcome,
            minute_ms: r.minute,
            currency: r.currency,
            calls: r.calls,
            latency_us: r.latency_us,
            amount: r.amount,
        }
    }
}

mod store_impl;
