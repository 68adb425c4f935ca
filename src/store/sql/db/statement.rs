//! [`Sql`], [`QueryAs`] and [`QueryScalar`]: a statement and its arguments, run on either backend.

use std::borrow::Cow;
use std::marker::PhantomData;

use sqlx::postgres::{PgArguments, PgRow};
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{AssertSqlSafe, Encode, FromRow, SqlSafeStr as _, SqlStr, Type};

use super::{Arg, On, direct};

/// A row type the store reads: decodable from either backend's rows.
/// (`'static`: the money rounds' connection picks its decoder by type, `direct::decode`.)
pub(crate) trait Row:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin + 'static
{
}

impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin + 'static
{}

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
            On::Direct(c) => direct::run(c, text.as_str(), &args, |_| Ok(false))?,
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
            On::Direct(c) => {
                let mut first = None;
                direct::run(c, text.as_str(), &args, |row| {
                    first = Some(direct::decode(row)?);
                    Ok(false)
                })?;
                Ok(first)
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
            On::Direct(c) => {
                let mut rows = Vec::new();
                direct::run(c, text.as_str(), &args, |row| {
                    rows.push(direct::decode(row)?);
                    Ok(true)
                })?;
                Ok(rows)
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
