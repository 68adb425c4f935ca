//! The SQLite rounds' own connection: statements run on the calling thread.
//!
//! sqlx runs a SQLite connection on a worker thread of its own, and every statement is a message
//! to that thread and a wake-up back: two thread switches, which cost more than SQLite's own work
//! for the short statements of a charge (docs/PERFORMANCE.md). The rounds of money movements
//! (`account_store/rounds.rs`) and of the SMS outbox (`sms_store/batch.rs`) run dozens of those
//! statements back to back, so they run them here instead, on a blocking thread, through rusqlite:
//! one hand-off per round, not per statement.
//!
//! It is a second connection to the database file, and SQLite allows one writer at a time: a round
//! runs only while it holds the store's one sqlx writer connection ([`Db::Sqlite`]'s `writer`,
//! acquired and left idle), so it never waits for that writer's locks nor makes it wait for its
//! own. The rounds' statements are the store's own text with `$N` placeholders and [`Arg`]
//! values; their rows are read by [`DirectRow`]; errors come back as [`sqlx::Error`] like the
//! other backends', unique violations recognisable as such.
//!
//! [`Db::Sqlite`]: super::Db::Sqlite

use std::any::Any;
use std::borrow::Cow;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{Connection, ToSql};
use sqlx::error::{DatabaseError, ErrorKind};

use super::Arg;
use crate::store::Durability;

/// Statements a round uses, prepared once per connection.
const PREPARED: usize = 32;

/// The connection, shared by the rounds' writer task and the blocking thread that runs a round.
#[derive(Debug, Clone)]
pub(crate) struct Direct(Arc<Mutex<Connection>>);

impl Direct {
    /// Opens `path` (already created and migrated by the sqlx writer) with the same settings as
    /// the store's other connections.
    pub(crate) fn open(path: &Path, durability: Durability, busy_ms: u64) -> Result<Self, sqlx::Error> {
        let conn = Connection::open(path).map_err(error)?;
        let synchronous = match durability {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
        };
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; \
             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {busy_ms};"
        ))
        .map_err(error)?;
        conn.set_prepared_statement_cache_capacity(PREPARED);
        Ok(Self(Arc::new(Mutex::new(conn))))
    }

    /// Opens a write transaction (`BEGIN IMMEDIATE`); dropped without commit, it rolls back.
    pub(crate) fn begin(&self) -> Result<DirectTx, sqlx::Error> {
        self.lock().execute_batch("BEGIN IMMEDIATE").map_err(error)?;
        Ok(DirectTx {
            conn: self.clone(),
            open: true,
        })
    }

    /// The connection, for one statement. A panic while it was held left nothing half done that
    /// SQLite would not undo (a transaction's statements are atomic), so a poisoned lock is used.
    pub(super) fn lock(&self) -> MutexGuard<'_, Connection> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A transaction on the [`Direct`] connection.
#[derive(Debug)]
pub(crate) struct DirectTx {
    conn: Direct,
    open: bool,
}

impl DirectTx {
    /// The connection the transaction runs on.
    pub(super) fn conn(&self) -> &Direct {
        &self.conn
    }

    /// Ends the transaction with `COMMIT` or `ROLLBACK`.
    pub(super) fn end(mut self, statement: &str) -> Result<(), sqlx::Error> {
        self.open = false;
        self.conn.lock().execute_batch(statement).map_err(error)
    }
}

impl Drop for DirectTx {
    fn drop(&mut self) {
        if self.open {
            // Nothing to report to: the transaction's writes are gone either way.
            let _ = self.conn.lock().execute_batch("ROLLBACK");
        }
    }
}

/// Runs `text` with `args`; `row` reads each row until it returns `false`. Returns the rows
/// changed.
pub(super) fn run(
    conn: &Direct,
    text: &str,
    args: &[Arg<'_>],
    mut row: impl FnMut(&rusqlite::Row<'_>) -> Result<bool, sqlx::Error>,
) -> Result<u64, sqlx::Error> {
    let conn = conn.lock();
    let mut statement = conn.prepare_cached(text).map_err(error)?;
    for i in 1..=statement.parameter_count() {
        let n = statement
            .parameter_name(i)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(i);
        let arg = args
            .get(n - 1)
            .ok_or_else(|| sqlx::Error::Protocol(format!("statement placeholder ${n} has no argument")))?;
        statement.raw_bind_parameter(i, arg).map_err(error)?;
    }
    let mut rows = statement.raw_query();
    while let Some(r) = rows.next().map_err(error)? {
        if !row(r)? {
            break;
        }
    }
    drop(rows);
    Ok(conn.changes())
}

impl ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Arg::Int(Some(v)) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            Arg::Bool(Some(v)) => ToSqlOutput::Borrowed(ValueRef::Integer((*v).into())),
            Arg::Text(Some(v)) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            Arg::Bytes(Some(v)) => ToSqlOutput::Borrowed(ValueRef::Blob(v)),
            Arg::Int(None) | Arg::Bool(None) | Arg::Text(None) | Arg::Bytes(None) => {
                ToSqlOutput::Owned(Value::Null)
            }
        })
    }
}

/// A row type the rounds read on the [`Direct`] connection.
pub(crate) trait DirectRow: Sized {
    /// Reads one row (columns by name, as sqlx's `FromRow` does).
    fn from_direct(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self>;
}

impl DirectRow for (i64,) {
    fn from_direct(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok((row.get(0)?,))
    }
}

impl DirectRow for (String,) {
    fn from_direct(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok((row.get(0)?,))
    }
}

impl DirectRow for (String, String) {
    fn from_direct(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok((row.get(0)?, row.get(1)?))
    }
}

/// Reads a row as `R`, which must be one of the types the rounds read: the statement layer is
/// generic over every row type the store has, and only these few are ever read on this connection
/// (a statement of another row type here is a programming error, reported as such, not a panic).
pub(super) fn decode<R: 'static>(row: &rusqlite::Row<'_>) -> Result<R, sqlx::Error> {
    use crate::store::sms::OutboxRow;
    use crate::store::sql::fraud_store::screen::CountersRow;
    use crate::store::sql::{AccountRow, LedgerRow};
    fn boxed<T: DirectRow + 'static>(row: &rusqlite::Row<'_>) -> Result<Box<dyn Any>, sqlx::Error> {
        Ok(Box::new(
            T::from_direct(row).map_err(|e| sqlx::Error::Decode(e.into()))?,
        ))
    }
    let id = std::any::TypeId::of::<R>();
    let value = if id == std::any::TypeId::of::<AccountRow>() {
        boxed::<AccountRow>(row)?
    } else if id == std::any::TypeId::of::<LedgerRow>() {
        boxed::<LedgerRow>(row)?
    } else if id == std::any::TypeId::of::<(i64,)>() {
        boxed::<(i64,)>(row)?
    } else if id == std::any::TypeId::of::<OutboxRow>() {
        boxed::<OutboxRow>(row)?
    } else if id == std::any::TypeId::of::<(String,)>() {
        boxed::<(String,)>(row)?
    } else if id == std::any::TypeId::of::<(String, String)>() {
        boxed::<(String, String)>(row)?
    } else if id == std::any::TypeId::of::<CountersRow>() {
        boxed::<CountersRow>(row)?
    } else {
        return Err(sqlx::Error::Protocol(format!(
            "{} is not read on the rounds' connection",
            std::any::type_name::<R>()
        )));
    };
    value
        .downcast::<R>()
        .map(|v| *v)
        .map_err(|_| sqlx::Error::Protocol("row type mismatch".to_owned()))
}

/// A rusqlite error as the store's error type: SQLite's own errors as database errors (so a
/// unique violation reads as one), the rest as decoding errors.
pub(super) fn error(e: rusqlite::Error) -> sqlx::Error {
    match e {
        rusqlite::Error::SqliteFailure(..) => sqlx::Error::Database(Box::new(SqliteFailure(e))),
        other => sqlx::Error::Decode(other.into()),
    }
}

/// An error SQLite reported on the [`Direct`] connection.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct SqliteFailure(rusqlite::Error);

impl SqliteFailure {
    fn extended_code(&self) -> Option<i32> {
        match &self.0 {
            rusqlite::Error::SqliteFailure(e, _) => Some(e.extended_code),
            _ => None,
        }
    }
}

impl DatabaseError for SqliteFailure {
    fn message(&self) -> &str {
        match &self.0 {
            rusqlite::Error::SqliteFailure(_, Some(message)) => message,
            _ => "SQLite error",
        }
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        self.extended_code().map(|c| Cow::Owned(c.to_string()))
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> ErrorKind {
        use rusqlite::ffi;
        match self.extended_code() {
            Some(ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY) => {
                ErrorKind::UniqueViolation
            }
            Some(ffi::SQLITE_CONSTRAINT_FOREIGNKEY) => ErrorKind::ForeignKeyViolation,
            Some(ffi::SQLITE_CONSTRAINT_NOTNULL) => ErrorKind::NotNullViolation,
            Some(ffi::SQLITE_CONSTRAINT_CHECK) => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}
