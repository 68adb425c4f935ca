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
mod direct;
mod statement;
pub(crate) use arg::Arg;
pub(crate) use direct::{Direct, DirectRow};
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
        /// The money rounds' connection to the same file, used only while they hold `writer`
        /// ([`Direct`]).
        money: Direct,
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
}

/// The backend's transaction.
#[derive(Debug)]
enum Open {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
    /// On the SQLite money rounds' own connection.
    Direct(direct::DirectTx),
}

impl Tx {
    fn new(open: Open) -> Self {
        Self { open }
    }

    /// Opens a write transaction on the money rounds' connection (`BEGIN IMMEDIATE`); its
    /// statements run on the calling thread. The caller holds the store's writer ([`Direct`]).
    pub(crate) fn direct(conn: &Direct) -> Result<Self, sqlx::Error> {
        Ok(Self::new(Open::Direct(conn.begin()?)))
    }

    /// Commits.
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        match self.open {
            Open::Sqlite(tx) => tx.commit().await,
            Open::Postgres(tx) => tx.commit().await,
            Open::Direct(tx) => tx.end("COMMIT"),
        }
    }

    /// Rolls back now (dropping does it too, later).
    pub(crate) async fn rollback(self) -> Result<(), sqlx::Error> {
        match self.open {
            Open::Sqlite(tx) => tx.rollback().await,
            Open::Postgres(tx) => tx.rollback().await,
            Open::Direct(tx) => tx.end("ROLLBACK"),
        }
    }
}

/// Where a statement runs: a transaction's connection or a pool.
#[derive(Debug)]
pub(crate) enum On<'c> {
    /// A SQLite connection (a transaction's).
    SqliteConn(&'c mut SqliteConnection),
    /// A SQLite pool.
    SqlitePool(&'c SqlitePool),
    /// A PostgreSQL connection (a transaction's).
    PgConn(&'c mut PgConnection),
    /// A PostgreSQL pool.
    PgPool(&'c PgPool),
    /// The SQLite money rounds' connection (a transaction's), run on the calling thread.
    Direct(&'c Direct),
}

impl<'c> From<&'c mut Tx> for On<'c> {
    fn from(tx: &'c mut Tx) -> Self {
        match &mut tx.open {
            Open::Sqlite(tx) => On::SqliteConn(tx),
            Open::Postgres(tx) => On::PgConn(tx),
            Open::Direct(tx) => On::Direct(tx.conn()),
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
