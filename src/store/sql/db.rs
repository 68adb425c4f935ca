//! The database the store runs on, and the one way its code runs a statement on either backend.
//!
//! [`Db`] holds the pools of one backend; [`Tx`] is a transaction on it. A statement is built once,
//! as text with `$N` placeholders (both backends accept it) and its arguments as [`Arg`] values,
//! and [`Sql`], [`QueryAs`] and [`QueryScalar`] run it on whichever backend the [`On`] they are
//! given belongs to: the arguments are encoded for that backend and the rows decoded straight from
//! its own row type (no intermediate values, unlike sqlx's `Any`). So the store's logic is plain
//! code, written once, without generic bounds over `sqlx::Database` and without macros.

use sqlx::postgres::{PgConnection, PgPool};
use sqlx::sqlite::{SqliteConnection, SqlitePool};
use sqlx::{Postgres, Sqlite, Transaction};

mod arg;
mod statement;
pub(crate) use arg::Arg;
pub(crate) use statement::{QueryAs, Row, Sql, query, query_as, query_scalar};

/// The pools of the backend the store was opened on.
#[derive(Debug, Clone)]
pub(crate) enum Db {
    /// One SQLite file: a pool of one connection (the only writer) and read-only connections.
    Sqlite {
        /// The one writer.
        writer: SqlitePool,
        /// Read-only connections (WAL: they never wait for the writer).
        reader: SqlitePool,
        /// The WS-Security nonces' own file and writer (`sqlite.rs`).
        nonces: SqlitePool,
    },
    /// A PostgreSQL database; reads and writes share the pool.
    Postgres(PgPool),
}

impl Db {
    /// Where reads run.
    pub(crate) fn reader(&self) -> On<'_> {
        match self {
            Self::Sqlite { reader, .. } => On::SqlitePool(reader),
            Self::Postgres(pool) => On::PgPool(pool),
        }
    }

    /// Opens a transaction that will write: `BEGIN IMMEDIATE` on SQLite (a deferred transaction
    /// that reads and then writes fails with `SQLITE_BUSY` under concurrency instead of waiting), a
    /// plain `BEGIN` on PostgreSQL (the conditional `UPDATE`s take their row locks themselves).
    pub(crate) async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Self::Sqlite { writer, .. } => Tx::new(Open::Sqlite(writer.begin_with("BEGIN IMMEDIATE").await?)),
            Self::Postgres(pool) => Tx::new(Open::Postgres(pool.begin().await?)),
        })
    }

    /// Whether this is PostgreSQL, for the few statements whose text differs (row locks).
    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }

    /// `"sqlite"` or `"postgres"`.
    pub(crate) fn backend(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}

/// A transaction on either backend; dropped without [`Tx::commit`], it rolls back.
#[derive(Debug)]
pub(crate) struct Tx {
    open: Open,
    /// Statements to run before the next one ([`Tx::defer`]).
    ahead: Option<&'static str>,
}

/// The backend's transaction.
#[derive(Debug)]
enum Open {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    fn new(open: Open) -> Self {
        Self { open, ahead: None }
    }

    /// Runs `statements` (fixed text, no arguments, no rows) just before the next statement on this
    /// transaction: in the same hand-off to SQLite's worker thread (one batch), where each
    /// statement on its own costs a thread switch each way; as a round trip of their own on
    /// PostgreSQL. For bookkeeping such as savepoints; one deferral at a time.
    pub(crate) fn defer(&mut self, statements: &'static str) {
        debug_assert!(self.ahead.is_none(), "one deferral at a time");
        self.ahead = Some(statements);
    }

    /// Commits.
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        match self.open {
            Open::Sqlite(tx) => tx.commit().await,
            Open::Postgres(tx) => tx.commit().await,
        }
    }

    /// Rolls back now (dropping does it too, later).
    pub(crate) async fn rollback(self) -> Result<(), sqlx::Error> {
        match self.open {
            Open::Sqlite(tx) => tx.rollback().await,
            Open::Postgres(tx) => tx.rollback().await,
        }
    }
}

/// Where a statement runs: a transaction's connection (with what it deferred) or a pool.
#[derive(Debug)]
pub(crate) enum On<'c> {
    /// A SQLite connection (a transaction's).
    SqliteConn(&'c mut SqliteConnection, Option<&'static str>),
    /// A SQLite pool.
    SqlitePool(&'c SqlitePool),
    /// A PostgreSQL connection (a transaction's).
    PgConn(&'c mut PgConnection, Option<&'static str>),
    /// A PostgreSQL pool.
    PgPool(&'c PgPool),
}

impl<'c> From<&'c mut Tx> for On<'c> {
    fn from(tx: &'c mut Tx) -> Self {
        let ahead = tx.ahead.take();
        match &mut tx.open {
            Open::Sqlite(tx) => On::SqliteConn(tx, ahead),
            Open::Postgres(tx) => On::PgConn(tx, ahead),
        }
    }
}

impl<'c> From<&'c SqlitePool> for On<'c> {
    fn from(pool: &'c SqlitePool) -> Self {
        On::SqlitePool(pool)
    }
}

impl<'c> From<&'c PgPool> for On<'c> {
    fn from(pool: &'c PgPool) -> Self {
        On::PgPool(pool)
    }
}
