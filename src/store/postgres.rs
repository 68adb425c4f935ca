//! PostgreSQL backend: for several stateless gateway instances sharing one database.
//!
//! A plain `BEGIN` suffices: the conditional `UPDATE` of a debit takes the row lock itself, so
//! concurrent debits of one account serialize on the row, in any instance.

use async_trait::async_trait;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};

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
}

impl Backend for PgStore {
    type Db = Postgres;
}

impl_account_store!(PgStore);
impl_app_store!(PgStore);
impl_payment_store!(PgStore);
super::sql::impl_voucher_store!(PgStore);
impl_sms_store!(PgStore, CLAIM_SMS, RECEIPT_PLAN);
impl_callback_store!(PgStore, CLAIM_CALLBACKS);
super::sql::impl_alert_store!(PgStore, LOCK_ALERT_CURSOR);

/// The alert cursor (`sql/alert_store.rs`): instances deciding alerts take turns on its row.
const LOCK_ALERT_CURSOR: &str = super::sql::lock_alert_cursor!("FOR UPDATE");

/// The callback claim (`sql/callback_store.rs`).
const CLAIM_CALLBACKS: &str = claim_callbacks!("FOR UPDATE SKIP LOCKED");

/// The outbox claim (`sql/sms_store.rs`): `SKIP LOCKED` lets several instances claim disjoint rows.
const CLAIM_SMS: &str = claim_sms!("FOR UPDATE SKIP LOCKED");

/// Run before a batch of receipts is applied (`sql/sms_store/batch.rs`): the update joins the
/// receipts to `sms_outbox` on `smsc_id`. Until the table has been analyzed the planner takes an
/// equality on `smsc_id` to match 0.5 % of the table and prefers hashing the whole outbox (tens
/// of milliseconds per batch, growing with the table) to one index look-up per receipt; a message
/// id matches one row. Local to the transaction.
const RECEIPT_PLAN: Option<&str> =
    Some("SELECT set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)");

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
