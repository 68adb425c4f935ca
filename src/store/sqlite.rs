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
use sqlx::{Connection as _, Sqlite, Transaction};

use super::apps::NonceClaim;
use super::sql::app_store;
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
    /// Restores the configured durability after an unsynced write.
    synchronous: &'static str,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` (`sqlite://path`) and migrates it.
    pub async fn open(url: &str, max_readers: u32, durability: Durability) -> Result<Self, StoreError> {
        let (synchronous, pragma) = match durability {
            Durability::Full => (SqliteSynchronous::Full, "PRAGMA synchronous = FULL"),
            Durability::Normal => (SqliteSynchronous::Normal, "PRAGMA synchronous = NORMAL"),
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
        Ok(Self {
            writer,
            reader,
            synchronous: pragma,
        })
    }

    fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
        self.writer.begin_with("BEGIN IMMEDIATE").await
    }

    /// Claims WS-Security nonces in a transaction whose commit does not wait for the disk
    /// (`synchronous = NORMAL` for that transaction alone; WAL). The claim is visible at once to
    /// every reader, and it becomes durable with the next synced commit (the WAL is written in
    /// order), which is the request's own charge or message when it writes anything: only the
    /// nonces of read-only requests may be forgotten in a power cut, and those replay no money.
    /// One fsync less per batch on the one writer, whose fsyncs the money and the SMS path need.
    pub(super) async fn claim_nonces_unsynced(
        &self,
        claims: &[NonceClaim],
        now_ms: i64,
    ) -> Result<Vec<Vec<u8>>, sqlx::Error> {
        let mut conn = self.writer.acquire().await?;
        // The safety level cannot change inside a transaction (SQLite: "Safety level may not be
        // changed inside a transaction"), so it is lowered around it and restored after.
        if let Err(e) = sqlx::query("PRAGMA synchronous = NORMAL")
            .execute(&mut *conn)
            .await
        {
            conn.close_on_drop();
            return Err(e);
        }
        let taken = async {
            let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
            let taken = app_store::claim_nonces_query(claims, now_ms)
                .build_query_scalar()
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(taken)
        }
        .await;
        // A connection that kept the lower level would answer other writes before they are synced.
        if sqlx::query(self.synchronous).execute(&mut *conn).await.is_err() {
            conn.close_on_drop();
        }
        taken
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::apps::AppStore;

    /// `PRAGMA synchronous` of the writer: 2 is FULL, 1 NORMAL.
    async fn writer_level(store: &SqliteStore) -> i64 {
        sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&store.writer)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_nonce_claim_leaves_the_writer_at_its_configured_durability() {
        let dir = tempfile::tempdir().unwrap();
        for (durability, level) in [(Durability::Full, 2), (Durability::Normal, 1)] {
            let url = format!("sqlite://{}/{level}.db", dir.path().display());
            let store = SqliteStore::open(&url, 1, durability).await.unwrap();
            assert_eq!(writer_level(&store).await, level);
            let claim = NonceClaim {
                key: [7; 16],
                expires_ms: 2_000,
            };
            assert_eq!(store.claim_nonces(&[claim], 1_000).await.unwrap(), [[7; 16]]);
            assert_eq!(writer_level(&store).await, level, "restored after the claim");
            assert!(
                store.claim_nonces(&[claim], 1_500).await.unwrap().is_empty(),
                "a replay"
            );
            assert_eq!(writer_level(&store).await, level);
        }
    }
}
