//! PostgreSQL backend: for several stateless gateway instances sharing one database.
//!
//! A plain `BEGIN` suffices: the conditional `UPDATE` of a debit takes the row lock itself, so
//! concurrent debits of one account serialize on the row, in any instance.

use async_trait::async_trait;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};

use super::apps::NonceClaim;
use super::sql::app_store;
use super::sql::{
    Backend, claim_callbacks, claim_sms, impl_account_store, impl_app_store, impl_callback_store,
    impl_payment_store, impl_sms_store,
};
use super::{Store, StoreError};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The store on a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to `url` (`postgres://…`) and migrates the schema on its `search_path`.
    pub async fn open(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .connect(url)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
    }

    fn reader(&self) -> &PgPool {
        &self.pool
    }

    async fn begin_write(&self) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        self.pool.begin().await
    }

    /// Forgets expired nonces (every 30 s; nothing waits on it).
    async fn purge_nonces_now(&self, now_ms: i64) -> Result<u64, sqlx::Error> {
        let purged = sqlx::query(app_store::PURGE_NONCES)
            .bind(now_ms)
            .execute(&self.pool)
            .await?;
        Ok(purged.rows_affected())
    }

    /// Claims `claims` in one statement, which is its own transaction and one round trip. It sets
    /// `synchronous_commit = off` for that transaction (`set_config(…, true)`), so its commit does
    /// not wait for the WAL flush: a claim is visible to every instance at once and is flushed with
    /// the next synchronous commit or by the WAL writer within moments; only a crash of the
    /// database server in those moments can forget claims.
    async fn claim_nonces_now(
        &self,
        claims: &[NonceClaim],
        now_ms: i64,
    ) -> Result<Vec<Vec<u8>>, sqlx::Error> {
        const HEAD: &str = "WITH unsynced AS (SELECT set_config('synchronous_commit', 'off', true)) \
             INSERT INTO ws_nonces (nonce_key, expires_at) SELECT v.nonce_key, v.expires_at FROM (";
        const ROWS_END: &str = ") AS v (nonce_key, expires_at) CROSS JOIN unsynced";
        app_store::claim_nonces_query::<Postgres>(HEAD, ROWS_END, claims, now_ms)
            .build_query_scalar()
            .fetch_all(&self.pool)
            .await
    }
}

impl Backend for PgStore {
    type Db = Postgres;
}

impl_account_store!(PgStore);
impl_app_store!(PgStore);
impl_payment_store!(PgStore);
super::sql::impl_voucher_store!(PgStore);
impl_sms_store!(PgStore, CLAIM_SMS, OUTBOX_PLAN);
impl_callback_store!(PgStore, CLAIM_CALLBACKS);
super::sql::impl_alert_store!(PgStore, LOCK_ALERT_CURSOR);

/// The alert cursor (`sql/alert_store.rs`): instances deciding alerts take turns on its row.
const LOCK_ALERT_CURSOR: &str = super::sql::lock_alert_cursor!("FOR UPDATE");

/// The callback claim (`sql/callback_store.rs`).
const CLAIM_CALLBACKS: &str = claim_callbacks!("FOR UPDATE SKIP LOCKED");

/// The outbox claim (`sql/sms_store.rs`): `SKIP LOCKED` lets several instances claim disjoint rows.
const CLAIM_SMS: &str = claim_sms!("FOR UPDATE SKIP LOCKED");

/// Run at the start of the dispatcher's transactions (`sql/sms_store/batch.rs`), local to each.
/// Without statistics on `sms_outbox` (a new table, or autovacuum off) the planner takes an
/// equality on `smsc_id` to match 0.5 % of the table and a claim's filter to match a few rows,
/// so it hashes the whole outbox to join a batch of receipts, and bitmap-scans and sorts the whole
/// backlog for a claim of 64 rows: tens of milliseconds per statement, growing with the table. A
/// message id matches one row and a claim stops after its limit, so nested index look-ups and the
/// pending index's own order are always right here.
const OUTBOX_PLAN: Option<&str> = Some(
    "SELECT set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true), \
       set_config('enable_bitmapscan', 'off', true), set_config('enable_sort', 'off', true)",
);

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}
