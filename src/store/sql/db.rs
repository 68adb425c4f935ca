//! The database the store runs on, and the one way its code runs a statement on either backend.
//!
//! [`Db`] holds the pools of one backend; [`Tx`] is a transaction on it. A statement is built once,
//! as text with `$N` placeholders (both backends accept it) and its arguments as [`Arg`] values,
//! and [`Sql`], [`QueryAs`] and [`QueryScalar`] run it on whichever backend the [`On`] they are
//! given belongs to: the arguments are encoded for that backend and the rows decoded straight from
//! its own row type (no intermediate values, unlike sqlx's `Any`). So the store's logic is plain
//! code, written once, without generic bounds over `sqlx::Database` and without macros.

use std::borrow::Cow;
use std::marker::PhantomData;

use sqlx::postgres::{PgArguments, PgConnection, PgPool, PgRow};
use sqlx::sqlite::{SqliteArguments, SqliteConnection, SqlitePool, SqliteRow};
use sqlx::{AssertSqlSafe, Encode, FromRow, Postgres, SqlSafeStr as _, SqlStr, Sqlite, Transaction, Type};

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
            Self::Sqlite { writer, .. } => Tx::Sqlite(writer.begin_with("BEGIN IMMEDIATE").await?),
            Self::Postgres(pool) => Tx::Postgres(pool.begin().await?),
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
pub(crate) enum Tx {
    /// On SQLite's writer.
    Sqlite(Transaction<'static, Sqlite>),
    /// On a PostgreSQL connection.
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    /// Commits.
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Self::Sqlite(tx) => tx.commit().await,
            Self::Postgres(tx) => tx.commit().await,
        }
    }

    /// Rolls back now (dropping does it too, later).
    pub(crate) async fn rollback(self) -> Result<(), sqlx::Error> {
        match self {
            Self::Sqlite(tx) => tx.rollback().await,
            Self::Postgres(tx) => tx.rollback().await,
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
}

impl<'c> From<&'c mut Tx> for On<'c> {
    fn from(tx: &'c mut Tx) -> Self {
        match tx {
            Tx::Sqlite(tx) => On::SqliteConn(tx),
            Tx::Postgres(tx) => On::PgConn(tx),
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

/// A value bound to a placeholder. `None` binds a typed `NULL` (PostgreSQL needs the type).
#[derive(Debug, Clone)]
pub(crate) enum Arg<'a> {
    /// `BIGINT` (and booleans stored as integers).
    Int(Option<i64>),
    /// `BOOLEAN`.
    Bool(Option<bool>),
    /// `TEXT`.
    Text(Option<Cow<'a, str>>),
    /// `BLOB` / `BYTEA`.
    Bytes(Option<Cow<'a, [u8]>>),
}

impl From<i64> for Arg<'_> {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}

impl From<Option<i64>> for Arg<'_> {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}

impl From<i32> for Arg<'_> {
    fn from(v: i32) -> Self {
        Arg::Int(Some(v.into()))
    }
}

impl From<u32> for Arg<'_> {
    fn from(v: u32) -> Self {
        Arg::Int(Some(v.into()))
    }
}

impl From<bool> for Arg<'_> {
    fn from(v: bool) -> Self {
        Arg::Bool(Some(v))
    }
}

impl From<Option<bool>> for Arg<'_> {
    fn from(v: Option<bool>) -> Self {
        Arg::Bool(v)
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(v: &'a str) -> Self {
        Arg::Text(Some(Cow::Borrowed(v)))
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(v: &'a String) -> Self {
        Arg::Text(Some(Cow::Borrowed(v)))
    }
}

impl From<String> for Arg<'_> {
    fn from(v: String) -> Self {
        Arg::Text(Some(Cow::Owned(v)))
    }
}

impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Arg::Text(v.map(Cow::Borrowed))
    }
}

impl<'a> From<&'a Option<String>> for Arg<'a> {
    fn from(v: &'a Option<String>) -> Self {
        Arg::Text(v.as_deref().map(Cow::Borrowed))
    }
}

impl From<Option<String>> for Arg<'_> {
    fn from(v: Option<String>) -> Self {
        Arg::Text(v.map(Cow::Owned))
    }
}

impl<'a> From<&'a [u8]> for Arg<'a> {
    fn from(v: &'a [u8]) -> Self {
        Arg::Bytes(Some(Cow::Borrowed(v)))
    }
}

impl<'a> From<&'a Vec<u8>> for Arg<'a> {
    fn from(v: &'a Vec<u8>) -> Self {
        Arg::Bytes(Some(Cow::Borrowed(v)))
    }
}

impl From<Vec<u8>> for Arg<'_> {
    fn from(v: Vec<u8>) -> Self {
        Arg::Bytes(Some(Cow::Owned(v)))
    }
}

impl<'a> From<Option<&'a [u8]>> for Arg<'a> {
    fn from(v: Option<&'a [u8]>) -> Self {
        Arg::Bytes(v.map(Cow::Borrowed))
    }
}

/// A row type the store reads: decodable from either backend's rows.
pub(crate) trait Row:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

/// A statement and its arguments.
#[derive(Debug, Clone)]
pub(crate) struct Sql<'a> {
    text: Cow<'static, str>,
    args: Vec<Arg<'a>>,
}

/// A statement of fixed text.
pub(crate) fn query<'a>(text: &'static str) -> Sql<'a> {
    Sql {
        text: Cow::Borrowed(text),
        args: Vec::new(),
    }
}

/// A statement whose rows are read as `R`.
pub(crate) fn query_as<'a, R: Row>(text: &'static str) -> QueryAs<'a, R> {
    query(text).into_query_as()
}

/// A statement whose rows are one column, read as `T`.
pub(crate) fn query_scalar<'a, T>(text: &'static str) -> QueryScalar<'a, T>
where
    (T,): Row,
{
    query(text).into_query_scalar()
}

impl<'a> Sql<'a> {
    /// Binds the next placeholder.
    pub(crate) fn bind(mut self, value: impl Into<Arg<'a>>) -> Self {
        self.args.push(value.into());
        self
    }

    /// Appends text (of the store's own; never data, which goes through [`Sql::push_bind`]).
    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.to_mut().push_str(text);
        self
    }

    /// Appends the next placeholder and binds `value` to it.
    pub(crate) fn push_bind(&mut self, value: impl Into<Arg<'a>>) -> &mut Self {
        self.args.push(value.into());
        let n = self.args.len();
        self.push(&format!("${n}"))
    }

    /// Appends `VALUES (…), (…)`: one parenthesised row per item, its elements written by `row`.
    pub(crate) fn push_values<I>(&mut self, items: I, mut row: impl FnMut(&mut Separated<'_, 'a>, I::Item))
    where
        I: IntoIterator,
    {
        self.push("VALUES ");
        for (i, item) in items.into_iter().enumerate() {
            self.push(if i == 0 { "(" } else { ", (" });
            row(&mut self.separated(", "), item);
            self.push(")");
        }
    }

    /// A writer that puts `separator` between the elements it appends.
    pub(crate) fn separated(&mut self, separator: &'static str) -> Separated<'_, 'a> {
        Separated {
            sql: self,
            separator,
            first: true,
        }
    }

    /// Reads the rows as `R`.
    pub(crate) fn into_query_as<R: Row>(self) -> QueryAs<'a, R> {
        QueryAs {
            sql: self,
            row: PhantomData,
        }
    }

    /// Reads the rows' one column as `T`.
    pub(crate) fn into_query_scalar<T>(self) -> QueryScalar<'a, T>
    where
        (T,): Row,
    {
        QueryScalar {
            rows: self.into_query_as(),
        }
    }

    /// Runs the statement.
    pub(crate) async fn execute<'c>(self, on: impl Into<On<'c>>) -> Result<Done, sqlx::Error> {
        let (text, args) = self.into_parts();
        Ok(Done(match on.into() {
            On::SqliteConn(c) => sqlx::query_with(text, encode::<SqliteArguments>(&args)?)
                .execute(c)
                .await?
                .rows_affected(),
            On::SqlitePool(p) => sqlx::query_with(text, encode::<SqliteArguments>(&args)?)
                .execute(p)
                .await?
                .rows_affected(),
            On::PgConn(c) => sqlx::query_with(text, encode::<PgArguments>(&args)?)
                .execute(c)
                .await?
                .rows_affected(),
            On::PgPool(p) => sqlx::query_with(text, encode::<PgArguments>(&args)?)
                .execute(p)
                .await?
                .rows_affected(),
        }))
    }

    /// The text as sqlx takes it (all of it the store's own: data is only ever bound), and the
    /// arguments.
    fn into_parts(self) -> (SqlStr, Vec<Arg<'a>>) {
        (AssertSqlSafe(self.text).into_sql_str(), self.args)
    }
}

/// What a statement did.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Done(u64);

impl Done {
    /// How many rows it inserted, changed or deleted.
    pub(crate) fn rows_affected(self) -> u64 {
        self.0
    }
}

/// Elements of a list or of a `VALUES` row, with a separator between them.
#[derive(Debug)]
pub(crate) struct Separated<'s, 'a> {
    sql: &'s mut Sql<'a>,
    separator: &'static str,
    first: bool,
}

impl<'a> Separated<'_, 'a> {
    fn next(&mut self) {
        if !std::mem::take(&mut self.first) {
            self.sql.push(self.separator);
        }
    }

    /// Appends the next element: a placeholder bound to `value`.
    pub(crate) fn push_bind(&mut self, value: impl Into<Arg<'a>>) -> &mut Self {
        self.next();
        self.sql.push_bind(value);
        self
    }

    /// Appends the next element: text of the store's own.
    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.next();
        self.sql.push(text);
        self
    }
}

/// A statement whose rows are read as `R`.
#[derive(Debug)]
pub(crate) struct QueryAs<'a, R> {
    sql: Sql<'a>,
    row: PhantomData<fn() -> R>,
}

impl<'a, R: Row> QueryAs<'a, R> {
    /// Binds the next placeholder.
    pub(crate) fn bind(mut self, value: impl Into<Arg<'a>>) -> Self {
        self.sql = self.sql.bind(value);
        self
    }

    /// The first row, if any.
    pub(crate) async fn fetch_optional<'c>(self, on: impl Into<On<'c>>) -> Result<Option<R>, sqlx::Error> {
        let (text, args) = self.sql.into_parts();
        match on.into() {
            On::SqliteConn(c) => {
                sqlx::query_as_with(text, encode::<SqliteArguments>(&args)?)
                    .fetch_optional(c)
                    .await
            }
            On::SqlitePool(p) => {
                sqlx::query_as_with(text, encode::<SqliteArguments>(&args)?)
                    .fetch_optional(p)
                    .await
            }
            On::PgConn(c) => {
                sqlx::query_as_with(text, encode::<PgArguments>(&args)?)
                    .fetch_optional(c)
                    .await
            }
            On::PgPool(p) => {
                sqlx::query_as_with(text, encode::<PgArguments>(&args)?)
                    .fetch_optional(p)
                    .await
            }
        }
    }

    /// The first row; [`sqlx::Error::RowNotFound`] without one.
    pub(crate) async fn fetch_one<'c>(self, on: impl Into<On<'c>>) -> Result<R, sqlx::Error> {
        self.fetch_optional(on).await?.ok_or(sqlx::Error::RowNotFound)
    }

    /// Every row.
    pub(crate) async fn fetch_all<'c>(self, on: impl Into<On<'c>>) -> Result<Vec<R>, sqlx::Error> {
        let (text, args) = self.sql.into_parts();
        match on.into() {
            On::SqliteConn(c) => {
                sqlx::query_as_with(text, encode::<SqliteArguments>(&args)?)
                    .fetch_all(c)
                    .await
            }
            On::SqlitePool(p) => {
                sqlx::query_as_with(text, encode::<SqliteArguments>(&args)?)
                    .fetch_all(p)
                    .await
            }
            On::PgConn(c) => {
                sqlx::query_as_with(text, encode::<PgArguments>(&args)?)
                    .fetch_all(c)
                    .await
            }
            On::PgPool(p) => {
                sqlx::query_as_with(text, encode::<PgArguments>(&args)?)
                    .fetch_all(p)
                    .await
            }
        }
    }
}

/// A statement whose rows are one column, read as `T`.
#[derive(Debug)]
pub(crate) struct QueryScalar<'a, T> {
    rows: QueryAs<'a, (T,)>,
}

impl<'a, T> QueryScalar<'a, T>
where
    (T,): Row,
{
    /// Binds the next placeholder.
    pub(crate) fn bind(mut self, value: impl Into<Arg<'a>>) -> Self {
        self.rows = self.rows.bind(value);
        self
    }

    /// The first row's value, if any.
    pub(crate) async fn fetch_optional<'c>(self, on: impl Into<On<'c>>) -> Result<Option<T>, sqlx::Error> {
        Ok(self.rows.fetch_optional(on).await?.map(|(v,)| v))
    }

    /// The first row's value; [`sqlx::Error::RowNotFound`] without one.
    pub(crate) async fn fetch_one<'c>(self, on: impl Into<On<'c>>) -> Result<T, sqlx::Error> {
        Ok(self.rows.fetch_one(on).await?.0)
    }

    /// Every row's value.
    pub(crate) async fn fetch_all<'c>(self, on: impl Into<On<'c>>) -> Result<Vec<T>, sqlx::Error> {
        Ok(self.rows.fetch_all(on).await?.into_iter().map(|(v,)| v).collect())
    }
}

/// The arguments, encoded for one backend (`SqliteArguments` or `PgArguments`).
fn encode<A>(args: &[Arg<'_>]) -> Result<A, sqlx::Error>
where
    A: sqlx::Arguments,
    Option<i64>: for<'q> Encode<'q, A::Database> + Type<A::Database>,
    Option<bool>: for<'q> Encode<'q, A::Database> + Type<A::Database>,
    for<'s> Option<&'s str>: Encode<'s, A::Database> + Type<A::Database>,
    for<'s> Option<&'s [u8]>: Encode<'s, A::Database> + Type<A::Database>,
{
    let mut out = A::default();
    for arg in args {
        match arg {
            Arg::Int(v) => out.add(*v),
            Arg::Bool(v) => out.add(*v),
            Arg::Text(v) => out.add(v.as_deref()),
            Arg::Bytes(v) => out.add(v.as_deref()),
        }
        .map_err(sqlx::Error::Encode)?;
    }
    Ok(out)
}
