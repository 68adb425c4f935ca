//! The application framework: who may call what, how often, and for how much.
//!
//! Nothing reaches a service capability function without passing [`Framework::authorize`]: it
//! authenticates the credentials (WS-Security UsernameToken, HTTP Basic, OAuth 2.0 bearer token),
//! checks the application's status, its agreement's validity and grants, and its request rate, and
//! returns a [`Permit`] that every `scf` entry point requires. Refusals are [`AuthError`] values;
//! the bindings map them to the wire (SOAP fault, REST error) in one place each.
//!
//! What it reads about an application is cached for `cache_ttl_secs`; changes made through the
//! admin API of this instance apply at once ([`Framework::forget_app`]).

pub mod agreement;
pub mod auth;
mod config;
mod error;
pub mod lockout;
pub mod operation;
pub mod permit;
pub mod refusal;
pub mod replay;
pub mod throttle;
mod token;
pub mod usage;

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dashmap::DashMap;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

pub use agreement::{Agreement, ServiceAgreement};
pub use auth::{Credentials, PasswordType, UsernameToken};
pub use config::FrameworkConfig;
pub use error::AuthError;
pub use operation::{Operation, Scope, Service};
pub use permit::{AppInfo, Permit};
pub use token::IssuedToken;

use crate::crypto::SecretBox;
use crate::domain::Clock;
use crate::store::Store;
use crate::store::apps::{App, AppStatus, Credential, NonceClaim};
use agreement::{Denial, Rate};
use auth::PasswordFailure;
use lockout::Lockout;
use replay::ReplayGuard;
use throttle::Throttle;
use token::CachedToken;
use usage::{Call, UsageRecorder};

/// What the framework knows about one credential and its application.
struct Entry {
    app: Arc<AppInfo>,
    status: AppStatus,
    /// `None` when the stored agreement cannot be compiled: every call is then refused.
    agreement_ok: bool,
    secret: String,
    revoked: bool,
    fetched: Instant,
}

/// The framework, shared by every binding.
pub struct Framework {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    secrets: SecretBox,
    window: Duration,
    token_ttl: Duration,
    default_rate: Rate,
    cache_ttl: Duration,
    entries: DashMap<String, Arc<Entry>>,
    tokens: DashMap<String, CachedToken>,
    replay: ReplayGuard,
    failures: Lockout,
    throttle: Throttle,
    /// Access tokens issued per application and minute.
    token_rate: DefaultKeyedRateLimiter<String>,
    usage: UsageRecorder,
}

/// How much of a presented username a log line carries.
const LOGGED_USERNAME_CHARS: usize = 64;

impl Framework {
    /// Builds the framework from validated configuration.
    pub fn new(
        config: &FrameworkConfig,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, String> {
        let key = config
            .secret_key
            .as_deref()
            .ok_or("framework.secret_key is required")?;
        let nz = |v: u32| NonZeroU32::new(v).unwrap_or(NonZeroU32::MIN);
        Ok(Self {
            secrets: SecretBox::from_base64(key).map_err(|e| format!("framework.secret_key: {e}"))?,
            window: Duration::from_secs(config.created_window_secs),
            token_ttl: Duration::from_secs(config.token_ttl_secs),
            default_rate: Rate {
                per_second: nz(config.default_rate_per_second),
                burst: nz(config.default_burst),
            },
            cache_ttl: Duration::from_secs(config.cache_ttl_secs),
            entries: DashMap::new(),
            tokens: DashMap::new(),
            replay: ReplayGuard::new(Arc::clone(&store), Arc::clone(&clock)),
            failures: Lockout::new(
                config.auth_failures_per_minute,
                config.auth_address_failures_per_minute,
            ),
            throttle: Throttle::default(),
            token_rate: RateLimiter::keyed(Quota::per_minute(nz(config.token_requests_per_minute))),
            usage: UsageRecorder::default(),
            store,
            clock,
        })
    }

    /// The secret sealer (the admin API seals new credentials with it).
    pub fn secrets(&self) -> &SecretBox {
        &self.secrets
    }

    /// Authenticates, checks status, agreement and rate, and returns the permit for `operation`.
    /// A refusal is logged once and counted in the usage records.
    pub async fn authorize(
        &self,
        credentials: &Credentials,
        operation: Operation,
        peer: IpAddr,
    ) -> Result<Permit, AuthError> {
        let started = Instant::now();
        let (app_id, result) = match self.authenticate(credentials, peer).await {
            Ok((entry, nonce)) => {
                let mut result = self.permit(&entry, operation, peer, started);
                if let (Ok(_), Some(claim)) = (&result, nonce)
                    && let Err(e) = self.claim_nonce(claim, credentials, peer).await
                {
                    result = Err(e);
                }
                (Some(entry.app.id.clone()), result)
            }
            Err(e) => (None, Err(e)),
        };
        if let Err(e) = &result {
            let app = app_id.as_deref().unwrap_or("-");
            let user = logged(credentials.username());
            tracing::info!(app, user, %peer, operation = operation.name(), reason = %e, "call refused");
            self.record(app, operation, e.outcome(), started.elapsed(), None);
        }
        result
    }

    /// Counts a finished call in the usage records.
    pub fn complete(&self, permit: &Permit, outcome: &str, amount: Option<(i64, &'static str)>) {
        self.record(
            &permit.app().id,
            permit.operation(),
            outcome,
            permit.started().elapsed(),
            amount,
        );
    }

    fn record(
        &self,
        app_id: &str,
        operation: Operation,
        outcome: &str,
        latency: Duration,
        amount: Option<(i64, &'static str)>,
    ) {
        let at_ms = self.clock.now().timestamp_millis();
        // The live count beside the per-minute usage rows: what the console's dashboard samples
        // (charges/s, SMS/s, refusals by reason). Outcomes are `ok` or an exception id, a
        // bounded set.
        metrics::counter!("pxgate_calls_total", "operation" => operation.name(), "outcome" => outcome.to_owned())
            .increment(1);
        self.usage.record(&Call {
            app_id,
            operation: operation.name(),
            outcome,
            at_ms,
            latency,
            amount,
        });
    }

    /// Writes the pending usage counts to the store (kept for the next flush if that fails).
    pub async fn flush_usage(&self) {
        let rows = self.usage.take();
        if rows.is_empty() {
            return;
        }
        if let Err(e) = self.store.record_usage(&rows).await {
            tracing::warn!(error = %e, rows = rows.len(), "usage not written; will retry");
            self.usage.restore(rows);
        }
    }

    /// Forgets what is cached about an application (after the admin API changed it).
    pub fn forget_app(&self, app_id: &str) {
        self.entries.retain(|_, e| e.app.id != app_id);
        self.tokens.clear();
    }

    fn permit(
        &self,
        entry: &Entry,
        operation: Operation,
        peer: IpAddr,
        started: Instant,
    ) -> Result<Permit, AuthError> {
        admit(entry, peer)?;
        match entry.app.agreement.check(operation, self.clock.now()) {
            Ok(()) => {}
            Err(Denial::NotAllowed) => return Err(AuthError::NotAllowed(operation)),
            Err(Denial::NotYetValid | Denial::Expired) => return Err(AuthError::AgreementNotValid),
        }
        let (scope, rate) = entry
            .app
            .agreement
            .rate_for(operation)
            .unwrap_or((Scope::Operation(operation), self.default_rate));
        self.throttle
            .check(&entry.app.id, scope, rate)
            .map_err(|retry_after| AuthError::Throttled { retry_after })?;
        Ok(Permit::new(Arc::clone(&entry.app), operation, started))
    }

    /// Claims a correct token's nonce for the whole cluster, after the call has been admitted; a
    /// replay counts as a failed attempt.
    async fn claim_nonce(
        &self,
        claim: NonceClaim,
        credentials: &Credentials,
        peer: IpAddr,
    ) -> Result<(), AuthError> {
        match self.replay.first_use(claim).await {
            Ok(true) => Ok(()),
            Ok(false) => {
                self.failures.failed(peer, credentials.username());
                Err(AuthError::Replayed)
            }
            Err(()) => Err(AuthError::Unavailable),
        }
    }

    /// Checks the credentials; a correct UsernameToken with a nonce also answers the claim its
    /// nonce must win once the call is admitted.
    async fn authenticate(
        &self,
        credentials: &Credentials,
        peer: IpAddr,
    ) -> Result<(Arc<Entry>, Option<NonceClaim>), AuthError> {
        if matches!(credentials, Credentials::None) {
            return Err(AuthError::Missing);
        }
        let username = credentials.username();
        self.failures
            .check(peer, username)
            .map_err(|retry_after| AuthError::LockedOut { retry_after })?;
        let verdict = self.verify(credentials).await;
        if matches!(
            verdict,
            Err(AuthError::BadCredentials | AuthError::Stale | AuthError::Replayed)
        ) {
            self.failures.failed(peer, username);
        }
        verdict
    }

    async fn verify(&self, credentials: &Credentials) -> Result<(Arc<Entry>, Option<NonceClaim>), AuthError> {
        match credentials {
            Credentials::None => Err(AuthError::Missing),
            Credentials::UsernameToken(token) => {
                let entry = self.live_entry(&token.username).await?;
                let now = self.clock.now();
                match auth::check_username_token(token, &entry.secret, now, self.window) {
                    Ok(claim) => Ok((entry, claim)),
                    Err(PasswordFailure::Mismatch) => Err(AuthError::BadCredentials),
                    Err(PasswordFailure::Incomplete | PasswordFailure::Stale) => Err(AuthError::Stale),
                }
            }
            Credentials::Basic { username, password } => {
                let entry = self.live_entry(username).await?;
                if auth::equal(password.as_bytes(), entry.secret.as_bytes()) {
                    Ok((entry, None))
                } else {
                    Err(AuthError::BadCredentials)
                }
            }
            Credentials::Bearer(token) => {
                let username = self.token_owner(token).await?;
                Ok((self.live_entry(&username).await?, None))
            }
        }
    }

    /// The entry for a username, refusing unknown and revoked credentials.
    async fn live_entry(&self, username: &str) -> Result<Arc<Entry>, AuthError> {
        let entry = self.entry(username).await?.ok_or(AuthError::BadCredentials)?;
        if entry.revoked {
            Err(AuthError::BadCredentials)
        } else {
            Ok(entry)
        }
    }

    async fn entry(&self, username: &str) -> Result<Option<Arc<Entry>>, AuthError> {
        if let Some(e) = self.entries.get(username)
            && e.fetched.elapsed() < self.cache_ttl
        {
            return Ok(Some(Arc::clone(&e)));
        }
        let loaded = self.store.credential(username).await.map_err(|e| {
            tracing::error!(error = %e, "reading a credential failed");
            AuthError::Unavailable
        })?;
        let Some((credential, app)) = loaded else {
            return Ok(None);
        };
        let entry = Arc::new(self.compile(&credential, app)?);
        self.entries.insert(username.to_owned(), Arc::clone(&entry));
        Ok(Some(entry))
    }

    fn compile(&self, credential: &Credential, app: App) -> Result<Entry, AuthError> {
        let Some(secret) = self.secrets.open(&credential.username, &credential.sealed_secret) else {
            tracing::error!(user = %credential.username, "a stored secret does not open with the configured key");
            return Err(AuthError::BadCredentials);
        };
        let compiled = serde_json::from_str::<ServiceAgreement>(&app.agreement)
            .map_err(|e| vec![(String::new(), e.to_string())])
            .and_then(|doc| Agreement::compile(&doc));
        let (agreement, agreement_ok) = match compiled {
            Ok(a) => (a, true),
            Err(errors) => {
                tracing::error!(app = %app.id, ?errors, "stored service agreement is invalid; refusing its calls");
                (
                    Agreement::compile(&deny_all()).unwrap_or_else(|_| unreachable!("deny-all compiles")),
                    false,
                )
            }
        };
        Ok(Entry {
            app: Arc::new(AppInfo {
                id: app.id,
                name: app.name,
                agreement,
            }),
            status: app.status,
            agreement_ok,
            secret,
            revoked: credential.revoked_at_ms.is_some(),
            fetched: Instant::now(),
        })
    }
}

/// What admits any request of an authenticated application, whatever it asks for: an active
/// application, an agreement that compiled, a source inside its `source_networks`.
fn admit(entry: &Entry, peer: IpAddr) -> Result<(), AuthError> {
    if entry.status != AppStatus::Active {
        return Err(AuthError::AppInactive(entry.status));
    }
    if !entry.agreement_ok {
        return Err(AuthError::AgreementNotValid);
    }
    if !entry.app.agreement.allows_source(peer) {
        return Err(AuthError::SourceNotAllowed(peer));
    }
    Ok(())
}

/// A presented username as log lines carry it: at most [`LOGGED_USERNAME_CHARS`] characters.
fn logged(username: Option<&str>) -> &str {
    let username = username.unwrap_or("-");
    match username.char_indices().nth(LOGGED_USERNAME_CHARS) {
        Some((end, _)) => &username[..end],
        None => username,
    }
}

fn deny_all() -> ServiceAgreement {
    ServiceAgreement {
        allow: vec!["*".to_owned()],
        rates: Vec::new(),
        spend_limits: Vec::new(),
        credit_limits: Vec::new(),
        sms_senders: Vec::new(),
        callback_hosts: Vec::new(),
        callback_networks: Vec::new(),
        valid_from: None,
        valid_until: Some(chrono::DateTime::UNIX_EPOCH),
        max_sms_addresses: 1,
        source_networks: Vec::new(),
        campaigns: agreement::CampaignTerms::default(),
    }
}
