//! [`SqlStore`]: the one implementation of every store trait, on either backend.

use async_trait::async_trait;

use super::account_store::Rounds;
use super::db::{Db, On, Tx};
use crate::store::apps::NonceClaim;
use crate::store::{Store, StoreError, postgres, sqlite};

/// The store on a SQL database (SQLite or PostgreSQL): every store trait is implemented once, for
/// this type, in the modules beside this one; the backend shows only in [`Db`] and in the few
/// statements whose text differs ([`SqlStore::by_backend`]).
#[derive(Debug, Clone)]
pub(crate) struct SqlStore {
    pub(super) db: Db,
    /// Group commit of money movements (SQLite only; see `account_store/rounds.rs`).
    pub(super) rounds: Option<Rounds>,
}

impl SqlStore {
    /// The store on an opened (and migrated) database. On SQLite, money movements are written in
    /// rounds by a task of their own (started here, so this runs inside the runtime).
    pub(crate) fn new(db: Db) -> Self {
        let store = Self { db, rounds: None };
        if store.db.is_postgres() {
            return store;
        }
        let rounds = Rounds::spawn(store.clone());
        Self {
            rounds: Some(rounds),
            ..store
        }
    }

    /// Where reads run.
    pub(in crate::store) fn reader(&self) -> On<'_> {
        self.db.reader()
    }

    /// Opens a transaction that will write (see [`Db::begin_write`]).
    pub(super) async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        self.db.begin_write().await
    }

    /// The text for this backend of a statement that differs between them (row locks).
    pub(super) fn by_backend(&self, sqlite: &'static str, postgres: &'static str) -> &'static str {
        if self.db.is_postgres() { postgres } else { sqlite }
    }

    /// Claims WS-Security nonces as the backend does it (see `sqlite.rs` and `postgres.rs`).
    pub(super) async fn claim_nonces_now(
        &self,
        claims: &[NonceClaim],
        now_ms: i64,
    ) -> Result<Vec<Vec<u8>>, sqlx::Error> {
        match &self.db {
            Db::Sqlite { nonces, .. } => sqlite::claim_nonces(nonces, claims, now_ms).await,
            Db::Postgres(pool) => postgres::claim_nonces(pool, claims, now_ms).await,
        }
    }

    /// Forgets expired nonces.
    pub(super) async fn purge_nonces_now(&self, now_ms: i64) -> Result<u64, sqlx::Error> {
        let on = match &self.db {
            Db::Sqlite { nonces, .. } => On::from(nonces),
            Db::Postgres(pool) => On::from(pool),
        };
        let purged = super::db::query(super::app_store::PURGE_NONCES)
            .bind(now_ms)
            .execute(on)
            .await?;
        Ok(purged.rows_affected())
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> &'static str {
        self.db.backend()
    }

    async fn ping(&self) -> Result<(), StoreError> {
        super::db::query("SELECT 1").execute(self.reader()).await?;
        Ok(())
    }
}
