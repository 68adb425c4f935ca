//! SQLite backend: one file in WAL mode, the embedded default.
//!
//! Writes go through a pool of exactly one connection and open with `BEGIN IMMEDIATE`: SQLite has
//! one writer at a time anyway, and a deferred transaction that reads and then writes fails with
//! `SQLITE_BUSY` under concurrency instead of waiting. Reads use their own pool and never block on
//! the writer (WAL).

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};

use super::sql::{
    Backend, claim_callbacks, claim_sms, impl_account_store, impl_app_store, impl_callback_store,
    impl_payment_store, impl_sms_store,
};
use super::{Durability, Store, StoreError};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// How long a statement waits for a lock held by another process before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The store on a SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// One connection: the only writer.
    writer: SqlitePool,
    /// Read-only connections.
    reader: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` (`sqlite://path`) and migrates it.
    pub async fn open(url: &str, max_readers: u32, durability: Durability) -> Result<Self, StoreError> {
        let synchronous = match durability {
            Durability::Full => SqliteSynchronous::Full,
            Durability::Normal => SqliteSynchronous::Normal,
        };
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL (the default): a transaction the gateway has answered for survives a power cut,
            // not only a process crash. docs/PERFORMANCE.md says what NORMAL buys.
            .synchronous(synchronous)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        MIGRATOR.run(&writer).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(max_readers.max(1))
            .connect_with(options.read_only(true))
            .await?;
        Ok(Self { writer, reader })
    }

    fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
        self.writer.begin_with("BEGIN IMMEDIATE").await
    }
}

impl Backend for SqliteStore {
    type Db = Sqlite;
}

impl_account_store!(SqliteStore);
impl_app_store!(SqliteStore);
impl_payment_store!(SqliteStore);
super::sql::impl_voucher_store!(SqliteStore);
impl_sms_store!(SqliteStore, CLAIM_SMS, None);
impl_callback_store!(SqliteStore, CLAIM_CALLBACKS);
super::sql::impl_alert_store!(SqliteStore, LOCK_ALERT_CURSOR);

/// The alert cursor (`sql/alert_store.rs`): the write transaction already serializes alert work.
const LOCK_ALERT_CURSOR: &str = super::sql::lock_alert_cursor!("");

/// The callback claim (`sql/callback_store.rs`).
const CLAIM_CALLBACKS: &str = claim_callbacks!("");

/// The outbox claim (`sql/sms_store.rs`): the write transaction already serializes claims.
const CLAIM_SMS: &str = claim_sms!("");

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }
}
