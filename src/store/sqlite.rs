//! SQLite backend: one file in WAL mode, the embedded default.
//!
//! Writes go through a pool of exactly one connection and open with `BEGIN IMMEDIATE`: SQLite has
//! one writer at a time anyway, and a deferred transaction that reads and then writes fails with
//! `SQLITE_BUSY` under concurrency instead of waiting. The money rounds write on a connection of
//! their own (`db::Direct`) while they hold that one, so there is still one writer at a time.
//! Reads use their own pool and never block on the writer (WAL).

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::apps::NonceClaim;
use super::sql::db::{self, Db};
use super::sql::{SqlStore, app_store};
use super::{Durability, StoreError};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// How long a statement waits for a lock held by another process before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens (creating if needed) the database at `url` (`sqlite://path`) and migrates it.
pub(super) async fn open(
    url: &str,
    max_readers: u32,
    durability: Durability,
) -> Result<SqlStore, StoreError> {
    let synchronous = match durability {
        Durability::Full => SqliteSynchronous::Full,
        Durability::Normal => SqliteSynchronous::Normal,
    };
    if url.contains(":memory:") || url.contains("mode=memory") {
        // Every connection to an in-memory database is a database of its own: the readers and
        // the money rounds' connection would not see the writer's tables.
        return Err(StoreError::InMemorySqlite(url.to_owned()));
    }
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
        .connect_with(options.clone().read_only(true))
        .await?;
    let nonces = open_nonces(&options).await?;
    let busy_ms = u64::try_from(BUSY_TIMEOUT.as_millis()).unwrap_or(u64::MAX);
    let money = db::Direct::open(options.get_filename(), durability, busy_ms)?;
    Ok(SqlStore::new(Db::Sqlite {
        writer,
        reader,
        nonces,
        money,
    }))
}

/// Claims `claims` in one statement on the nonce file (see [`open_nonces`]): a statement outside a
/// transaction is its own (autocommit), so a batch costs one hand-off, not three.
pub(super) async fn claim_nonces(
    nonces: &SqlitePool,
    claims: &[NonceClaim],
    now_ms: i64,
) -> Result<Vec<Vec<u8>>, sqlx::Error> {
    app_store::claim_nonces_query(app_store::CLAIM_NONCES_HEAD, "", claims, now_ms)
        .into_query_scalar()
        .fetch_all(nonces)
        .await
}

/// The WS-Security nonces (`framework::replay`) in a file of their own beside the database
/// (`<file>-nonces`), with their own writer connection: a claim is made for every PasswordDigest
/// request before it is served, and on the database's one writer it took turns with the charges and
/// the SMS rounds (sendSms at 61 % of its speed). Every instance on the database opens the same
/// file, so a nonce is still used once by all of them and across restarts. Its commits are not
/// synced (WAL, `synchronous = NORMAL`): a process crash loses none, a power cut can lose the last
/// claims made before it, which a replay of a captured request in the minutes after could use
/// (`docs/SECURITY.md`). Nonces expire within minutes, so the file is a cache, not data to back up.
async fn open_nonces(options: &SqliteConnectOptions) -> Result<SqlitePool, sqlx::Error> {
    let mut path = options.get_filename().as_os_str().to_owned();
    path.push("-nonces");
    let nonces = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            options
                .clone()
                .filename(path)
                .synchronous(SqliteSynchronous::Normal),
        )
        .await?;
    db::query(NONCE_TABLE).execute(&nonces).await?;
    Ok(nonces)
}

/// The nonce file's one table (the key: the first 128 bits of SHA-256 over the username and the
/// nonce; a row may be reused once it has expired).
/// `WITHOUT ROWID`: the key is the table's one B-tree, so a claim writes one tree, not two.
const NONCE_TABLE: &str = "CREATE TABLE IF NOT EXISTS ws_nonces (\
    nonce_key BLOB PRIMARY KEY, expires_at BIGINT NOT NULL) WITHOUT ROWID";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::apps::{AppStore, NonceClaim};

    #[tokio::test]
    async fn an_in_memory_database_is_refused_with_its_reason() {
        for url in ["sqlite::memory:", "sqlite://file.db?mode=memory"] {
            let refused = open(url, 1, Durability::Full).await.unwrap_err();
            assert!(
                matches!(refused, StoreError::InMemorySqlite(_)),
                "{url}: {refused}"
            );
            assert!(refused.to_string().contains("use a file"));
        }
    }

    #[tokio::test]
    async fn nonces_are_claimed_once_in_their_own_file_shared_by_every_instance() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/pxgate.db", dir.path().display());
        let first = open(&url, 1, Durability::Full).await.unwrap();
        let second = open(&url, 1, Durability::Full).await.unwrap();
        let claim = NonceClaim {
            key: [7; 16],
            expires_ms: 2_000,
        };
        assert_eq!(first.claim_nonces(&[claim], 1_000).await.unwrap(), [[7; 16]]);
        assert!(
            second.claim_nonces(&[claim], 1_500).await.unwrap().is_empty(),
            "a replay"
        );
        assert!(dir.path().join("pxgate.db-nonces").exists());
        // The database's writer was not used, and the main file keeps no nonce table.
        let tables: i64 = db::query_scalar("SELECT count(*) FROM sqlite_master WHERE name = 'ws_nonces'")
            .fetch_one(first.reader())
            .await
            .unwrap();
        assert_eq!(tables, 0);
        // Expired, the key may be used again.
        assert_eq!(second.claim_nonces(&[claim], 2_000).await.unwrap(), [[7; 16]]);
    }
}
