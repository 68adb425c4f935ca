//! The billing store: accounts and the ledger, behind one trait with two backends.
//!
//! [`Store`] is implemented by [`sqlite::SqliteStore`] (embedded default, one file, WAL) and
//! [`postgres::PgStore`] (several gateway instances on one database). Both run the same SQL, kept
//! once in [`sql`]; each backend only supplies how it opens a write transaction and its migrations.
//! One test battery (`tests/it/store_battery.rs`) runs against both.
//!
//! Guarantees every implementation keeps:
//! - a debit is one conditional `UPDATE … WHERE <every rule> RETURNING` inside a write
//!   transaction, never read-then-write, so concurrent charges cannot overspend;
//! - every balance change appends a ledger row in the same transaction, so an account's balance
//!   always equals the sum of its ledger;
//! - `(actor, reference_code)` is unique in the ledger: a retried request returns the first
//!   outcome and never moves money twice.
//!
//! The store knows nothing about XML, JSON or HTTP; it returns [`StoreError`] and [`Refusal`] values
//! that the layers above map to their wire forms.

pub mod alerts;
pub mod apps;
pub mod callbacks;
pub mod campaigns;
pub mod fraud;
pub mod model;
pub mod payment;
mod postgres;
pub mod push;
pub mod sessions;
pub mod sms;
mod sql;
mod sqlite;
pub mod vouchers;

use std::sync::Arc;

use async_trait::async_trait;

use crate::domain::{Moment, Msisdn};
pub use model::{
    Account, AccountPatch, AccountQuery, AccountStatus, EntryKind, Language, LedgerEntry, Limits, Moved,
    Movement, NewAccount, Refusal,
};

/// Failures of store operations.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The business rules refuse the movement; nothing was written.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The account (or other addressed row) does not exist.
    #[error("not found")]
    NotFound,
    /// An account for this number already exists.
    #[error("already exists")]
    AlreadyExists,
    /// The reference code was already used by this caller for a different request.
    #[error("reference code {0:?} was already used for a different request")]
    ReferenceConflict(String),
    /// The account cannot go from one status to the other (a closed account stays closed).
    #[error("an account cannot go from {from} to {to}")]
    InvalidTransition {
        /// Current status.
        from: AccountStatus,
        /// Requested status.
        to: AccountStatus,
    },
    /// No reservation with this id belongs to the caller.
    #[error("no such reservation")]
    ReservationNotFound,
    /// The reservation cannot do what was asked (released, expired, or holding too little).
    #[error("reservation is {0}")]
    ReservationClosed(&'static str),
    /// A revoked application cannot change status.
    #[error("a revoked application stays revoked")]
    InvalidAppTransition,
    /// The movement cannot be applied by this operation (a programming error in the caller).
    #[error("invalid movement: {0}")]
    InvalidMovement(&'static str),
    /// A row holds a value this version cannot read (a newer schema, or manual edits).
    #[error("unreadable row: {0}")]
    Corrupt(String),
    /// The creator's unfinished campaigns already send this many numbers a second: with the new
    /// one they would exceed its rate budget.
    #[error("the unfinished campaigns already use {in_use} of the {budget} numbers per second allowed")]
    CampaignRateBudget {
        /// The rates of the unfinished campaigns, added up.
        in_use: i64,
        /// The budget.
        budget: u32,
    },
    /// The database failed or could not be reached.
    #[error("database error: {0}")]
    Backend(#[from] sqlx::Error),
    /// Schema migration failed at start-up.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database URL names no supported backend.
    #[error("unsupported database URL {0:?}: expected sqlite://… or postgres://…")]
    UnsupportedUrl(String),
    /// An in-memory SQLite database: each of the store's connections would see one of its own.
    #[error(
        "{0:?}: an in-memory SQLite database is not supported (each of the store's connections would see a database of its own); use a file, sqlite://path"
    )]
    InMemorySqlite(String),
}

/// Subscriber accounts and the ledger.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Opens an account; an opening balance above zero is recorded as a top-up.
    async fn create_account(&self, new: &NewAccount, now: &Moment) -> Result<Account, StoreError>;

    /// Opens many accounts in one transaction (bulk provisioning); a number that already has an
    /// account is left as it is and counted, not refused. Returns how many were opened.
    async fn create_accounts(&self, new: &[NewAccount], now: &Moment) -> Result<u64, StoreError>;

    /// The account for a number, if any.
    async fn account(&self, msisdn: &Msisdn) -> Result<Option<Account>, StoreError>;

    /// One page of accounts in id order.
    async fn list_accounts(&self, query: &AccountQuery) -> Result<Vec<Account>, StoreError>;

    /// Changes settings (limits, expiry, threshold, preferences); [`StoreError::NotFound`] if absent.
    async fn update_account(
        &self,
        msisdn: &Msisdn,
        patch: &AccountPatch,
        now: &Moment,
    ) -> Result<Account, StoreError>;

    /// Suspends, resumes or closes; setting the current status again is a no-op.
    async fn set_status(
        &self,
        msisdn: &Msisdn,
        status: AccountStatus,
        now: &Moment,
    ) -> Result<Account, StoreError>;

    /// Moves money as the movement's kind says. A charge is refused unless the account is
    /// registered, active, not expired, within its monthly limit and has the balance; a top-up,
    /// refund, voucher or adjustment is refused for unknown or closed accounts, and a refund also
    /// lowers the month-to-date spend. Idempotent on `(actor, reference_code)`.
    async fn move_money(&self, movement: &Movement, now: &Moment) -> Result<Moved, StoreError>;

    /// Ledger rows of an account, newest first, with ids below `before_id` when given.
    async fn ledger(
        &self,
        msisdn: &Msisdn,
        before_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<LedgerEntry>, StoreError>;

    /// The sum of an account's ledger amounts (an audit: it must equal the balance).
    async fn ledger_sum(&self, msisdn: &Msisdn) -> Result<i64, StoreError>;

    /// Charged this calendar month (operator zone), net of refunds; 0 for an unknown number.
    async fn month_to_date_spend(&self, msisdn: &Msisdn, now: &Moment) -> Result<i64, StoreError> {
        Ok(self.account(msisdn).await?.map_or(0, |a| a.spent_in(now)))
    }
}

/// Everything durable the gateway keeps.
#[async_trait]
pub trait Store:
    AccountStore
    + alerts::AlertStore
    + apps::AppStore
    + callbacks::CallbackStore
    + campaigns::CampaignStore
    + fraud::FraudStore
    + payment::PaymentStore
    + push::PushStore
    + sessions::ConsoleSessionStore
    + sms::SmsStore
    + sms::batch::SmsBatchStore
    + sms::routing::SmsRoutingStore
    + sms::receipt_subscriptions::ReceiptSubscriptionStore
    + vouchers::AccountExtrasStore
{
    /// `"sqlite"` or `"postgres"`.
    fn backend(&self) -> &'static str;

    /// Succeeds when the database answers (readiness probe).
    async fn ping(&self) -> Result<(), StoreError>;
}

/// Connection settings, from the `[store]` section of the configuration.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// `sqlite://path/to/file.db` or `postgres://user@host:port/db`.
    pub url: String,
    /// Upper bound of pooled connections (readers, for SQLite).
    pub max_connections: u32,
    /// SQLite's `synchronous` setting (PostgreSQL commits durably by its own configuration).
    pub durability: Durability,
}

/// How hard SQLite works to keep a committed transaction.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Durability {
    /// `synchronous=FULL`: the WAL is synced at every commit; survives a power cut.
    #[default]
    Full,
    /// `synchronous=NORMAL`: synced at checkpoints; survives a process crash, not a power cut.
    Normal,
}

/// Opens the database named by the URL and brings its schema up to date.
pub async fn connect(options: &StoreOptions) -> Result<Arc<dyn Store>, StoreError> {
    let url = options.url.as_str();
    if url.starts_with("sqlite:") {
        Ok(Arc::new(
            sqlite::open(url, options.max_connections, options.durability).await?,
        ))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(postgres::open(url, options.max_connections).await?))
    } else {
        Err(StoreError::UnsupportedUrl(url.to_owned()))
    }
}
