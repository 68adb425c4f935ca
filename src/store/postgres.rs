//! PostgreSQL backend: for several stateless gateway instances sharing one database.
//!
//! A plain `BEGIN` suffices: the conditional `UPDATE` of a debit takes the row lock itself, so
//! concurrent debits of one account serialize on the row, in any instance.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgSslMode};

use super::StoreError;
use super::apps::NonceClaim;
use super::sql::db::Db;
use super::sql::{SqlStore, app_store};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Connects to `url` (`postgres://…`) and migrates the schema on its `search_path`.
pub(super) async fn open(url: &str, max_connections: u32) -> Result<SqlStore, StoreError> {
    let pool = PgPoolOptions::new()
        .max_connections(max_connections.max(1))
        .connect_with(connect_options(url)?)
        .await?;
    MIGRATOR.run(&pool).await?;
    Ok(SqlStore::new(Db::Postgres(pool)))
}

/// The URL's settings. The URL's `sslmode` (or `PGSSLMODE`) decides TLS; when neither names one,
/// a server on this host (loopback or a Unix socket) is reached without TLS, and any other with
/// `prefer` (TLS when the server offers it). On loopback TLS protects nothing the host does not
/// already, and costs: with a server offering TLS, a charge's four round trips each went through
/// AES-GCM on both sides, and charges ran about 8 % slower (docs/PERFORMANCE.md).
fn connect_options(url: &str) -> Result<PgConnectOptions, sqlx::Error> {
    let options = PgConnectOptions::from_str(url)?;
    let named = url_names_ssl_mode(url) || std::env::var_os("PGSSLMODE").is_some();
    Ok(if !named && on_this_host(&options) {
        options.ssl_mode(PgSslMode::Disable)
    } else {
        options
    })
}

/// Whether the URL's query sets `sslmode` (sqlx also reads `ssl-mode`).
fn url_names_ssl_mode(url: &str) -> bool {
    url.split_once('?').is_some_and(|(_, query)| {
        query
            .split('&')
            .any(|pair| matches!(pair.split('=').next(), Some("sslmode" | "ssl-mode")))
    })
}

/// Whether the server is reached over a Unix socket or a loopback address.
fn on_this_host(options: &PgConnectOptions) -> bool {
    let host = options.get_host();
    options.get_socket().is_some()
        || host.starts_with('/')
        || host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Claims `claims` in one statement, which is its own transaction and one round trip. It sets
/// `synchronous_commit = off` for that transaction (`set_config(…, true)`), so its commit does not
/// wait for the WAL flush: a claim is visible to every instance at once and is flushed with the
/// next synchronous commit or by the WAL writer within moments; only a crash of the database server
/// in those moments can forget claims.
pub(super) async fn claim_nonces(
    pool: &PgPool,
    claims: &[NonceClaim],
    now_ms: i64,
) -> Result<Vec<Vec<u8>>, sqlx::Error> {
    const HEAD: &str = "WITH unsynced AS (SELECT set_config('synchronous_commit', 'off', true)) \
         INSERT INTO ws_nonces (nonce_key, expires_at) SELECT v.nonce_key, v.expires_at FROM (";
    const ROWS_END: &str = ") AS v (nonce_key, expires_at) CROSS JOIN unsynced";
    app_store::claim_nonces_query(HEAD, ROWS_END, claims, now_ms)
        .into_query_scalar()
        .fetch_all(pool)
        .await
}

/// Run at the start of the dispatcher's transactions (`sql/sms_store/batch.rs`), local to each.
/// Without statistics on `sms_outbox` (a new table, or autovacuum off) the planner takes an
/// equality on `smsc_id` to match 0.5 % of the table and a claim's filter to match a few rows,
/// so it hashes the whole outbox to join a batch of receipts, and bitmap-scans and sorts the whole
/// backlog for a claim of 64 rows: tens of milliseconds per statement, growing with the table. A
/// message id matches one row and a claim stops after its limit, so nested index look-ups and the
/// pending index's own order are always right here.
pub(super) const OUTBOX_PLAN: &str = "SELECT set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true), \
       set_config('enable_bitmapscan', 'off', true), set_config('enable_sort', 'off', true)";

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(url: &str) -> PgSslMode {
        connect_options(url).unwrap().get_ssl_mode()
    }

    #[test]
    fn tls_is_off_on_this_host_unless_the_url_asks_for_it() {
        if std::env::var_os("PGSSLMODE").is_some() {
            return; // the environment decides; nothing here to check
        }
        assert!(matches!(
            mode("postgres://u@127.0.0.1:5432/db"),
            PgSslMode::Disable
        ));
        assert!(matches!(mode("postgres://u@localhost/db"), PgSslMode::Disable));
        assert!(matches!(mode("postgres://u@[::1]:5432/db"), PgSslMode::Disable));
        assert!(matches!(
            mode("postgres://u@db.example.net/db"),
            PgSslMode::Prefer
        ));
        assert!(matches!(mode("postgres://u@10.0.0.5/db"), PgSslMode::Prefer));
        assert!(matches!(
            mode("postgres://u@127.0.0.1/db?sslmode=require"),
            PgSslMode::Require
        ));
        assert!(matches!(
            mode("postgres://u@127.0.0.1/db?application_name=x&sslmode=prefer"),
            PgSslMode::Prefer
        ));
    }
}
