//! Shared set-up for the integration tests: real databases, real sockets.
//!
//! SQLite tests get a fresh file in a temporary directory. PostgreSQL tests get a fresh schema on
//! the server named by `PXGATE_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/test`), so
//! tests run in parallel; the schema is dropped when the test ends. If that server cannot be
//! reached the PostgreSQL tests are skipped with a loud line, except when `CI` is set: then they fail.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{TimeZone, Utc};
use pxgate::domain::{Currency, Locale, ManualClock, Moment, Msisdn};
use pxgate::store::{self, AccountStatus, Language, NewAccount, Store, StoreOptions};
use sqlx::Connection;

const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A database for one test; removes itself when dropped.
pub(crate) struct TestDb {
    pub(crate) store: Arc<dyn Store>,
    /// Where the database is, for a second store on it.
    url: String,
    /// Set for SQLite: the directory holding the file.
    _dir: Option<tempfile::TempDir>,
    /// Set for PostgreSQL: the server and the schema to drop.
    pg_schema: Option<(String, String)>,
}

impl TestDb {
    pub(crate) async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("pxgate.db").display());
        let store = store::connect(&StoreOptions {
            url: url.clone(),
            max_connections: 4,
            durability: store::Durability::Full,
        })
        .await
        .expect("open sqlite");
        Self {
            store,
            url,
            _dir: Some(dir),
            pg_schema: None,
        }
    }

    /// `None` when PostgreSQL is unreachable outside CI.
    pub(crate) async fn postgres() -> Option<Self> {
        let (base, schema) = pg_schema().await?;
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options[search_path]={schema}");
        let store = store::connect(&StoreOptions {
            url: url.clone(),
            max_connections: 8,
            durability: store::Durability::Full,
        })
        .await
        .expect("open postgres");
        Some(Self {
            store,
            url,
            _dir: None,
            pg_schema: Some((base, schema)),
        })
    }

    /// The same database opened again, with its own connections, as another gateway instance (or
    /// the same one after a restart) opens it; dropping it leaves the database in place.
    pub(crate) async fn reopen(&self) -> Self {
        let store = store::connect(&StoreOptions {
            url: self.url.clone(),
            max_connections: 4,
            durability: store::Durability::Full,
        })
        .await
        .expect("reopen the test database");
        Self {
            store,
            url: self.url.clone(),
            _dir: None,
            pg_schema: None,
        }
    }

    /// PostgreSQL only: the URL of this test's schema, for a second store or a gateway process.
    pub(crate) fn pg_url(&self) -> Option<String> {
        let (base, schema) = self.pg_schema.as_ref()?;
        let sep = if base.contains('?') { '&' } else { '?' };
        Some(format!("{base}{sep}options[search_path]={schema}"))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((base, schema)) = self.pg_schema.take() else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot block on itself: use a thread.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                if let Ok(mut c) = sqlx::PgConnection::connect(&base).await {
                    let sql = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut c).await;
                }
            });
        })
        .join();
    }
}

/// Creates a fresh schema; `None` (after a loud line) when the server is unreachable outside CI.
async fn pg_schema() -> Option<(String, String)> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let base = std::env::var("PXGATE_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned());
    let mut conn = match sqlx::PgConnection::connect(&base).await {
        Ok(c) => c,
        Err(e) if std::env::var_os("CI").is_some() => panic!("PostgreSQL at {base} is required in CI: {e}"),
        Err(e) => {
            eprintln!("!!! SKIPPING PostgreSQL test: {base} unreachable ({e}); set PXGATE_TEST_PG_URL !!!");
            return None;
        }
    };
    let schema = format!(
        "pxt_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let sql = format!("CREATE SCHEMA {schema}");
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut conn)
        .await
        .expect("create schema");
    Some((base, schema))
}

/// Seoul calendar, with a clock the test moves.
pub(crate) struct TestTime {
    pub(crate) locale: Locale,
    pub(crate) clock: ManualClock,
}

impl TestTime {
    /// 2026-11-15 12:00 in Seoul.
    pub(crate) fn new() -> Self {
        let start = Utc
            .with_ymd_and_hms(2026, 11, 15, 3, 0, 0)
            .single()
            .expect("valid time");
        Self {
            locale: Locale::default(),
            clock: ManualClock::new(start),
        }
    }

    pub(crate) fn now(&self) -> Moment {
        use pxgate::domain::Clock;
        self.locale.moment(self.clock.now())
    }
}

pub(crate) fn krw() -> Currency {
    Currency::from_code("KRW").expect("KRW")
}

pub(crate) fn msisdn(n: &str) -> Msisdn {
    Msisdn::parse(n, "82").expect("valid test number")
}

/// An active KRW account with a balance and no limits.
pub(crate) fn new_account(number: &str, balance: i64) -> NewAccount {
    NewAccount {
        msisdn: msisdn(number),
        currency: krw(),
        opening_balance: balance,
        monthly_limit: None,
        low_balance_threshold: None,
        credit_expiry: None,
        overdraft_limit: 0,
        notify_receipt: true,
        notify_low_balance: true,
        language: Language::Ko,
        status: AccountStatus::Active,
        actor: "operator:test".to_owned(),
    }
}

/// Instantiates each `async fn check(db: &TestDb)` once per backend.
macro_rules! battery {
    ($($check:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $check() {
                    let db = crate::harness::TestDb::sqlite().await;
                    super::$check(&db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $check() {
                    let Some(db) = crate::harness::TestDb::postgres().await else { return };
                    super::$check(&db).await;
                }
            )*
        }
    };
}
pub(crate) use battery;

/// The key sealing application secrets in test gateways.
pub(crate) const TEST_SECRET_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// The operator token every test gateway accepts.
pub(crate) const OPERATOR_TOKEN: &str = "test-operator-token";

/// A gateway serving on 127.0.0.1:0 over a test database, stopped when dropped.
pub(crate) struct TestGateway {
    pub(crate) base: String,
    pub(crate) http: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestGateway {
    pub(crate) async fn start(db: &TestDb) -> Self {
        Self::start_with(db, |_| {}).await
    }

    /// A gateway whose configuration `adjust` changes first.
    pub(crate) async fn start_with(db: &TestDb, adjust: impl FnOnce(&mut pxgate::config::Config)) -> Self {
        Self::start_clocked(db, Arc::new(pxgate::domain::SystemClock), adjust).await
    }

    /// Like [`start_with`](Self::start_with), on a clock the test may move.
    pub(crate) async fn start_clocked(
        db: &TestDb,
        clock: Arc<dyn pxgate::domain::Clock>,
        adjust: impl FnOnce(&mut pxgate::config::Config),
    ) -> Self {
        use pxgate::admin::OperatorTokens;
        use pxgate::app::{self, App};
        use pxgate::config::Config;
        let mut config = Config::with_store("sqlite://unused", TEST_SECRET_KEY);
        config.http.body_limit_bytes = 16 * 1024;
        adjust(&mut config);
        let operators = OperatorTokens::default().with_token("tester", OPERATOR_TOKEN);
        let app = App::build(&config, Arc::clone(&db.store), clock, operators).expect("app");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        // Over HTTPS, the test's client trusts the gateway's own certificate.
        let (scheme, roots) = match &config.http.tls {
            Some(tls) => (
                "https",
                pxgate::tls::roots(&tls.cert_path).expect("test certificate"),
            ),
            None => ("http", Vec::new()),
        };
        let base = format!("{scheme}://{}", listener.local_addr().expect("addr"));
        let http = reqwest::Client::builder()
            .tls_certs_merge(roots)
            .build()
            .expect("client");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            app::run(listener, app, async move {
                let _ = stopped.await;
            })
            .await
        });
        Self {
            base,
            http,
            stop: Some(stop),
        }
    }

    /// A request to `path` with the operator token.
    pub(crate) fn admin(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}/admin/v1{path}", self.base))
            .bearer_auth(OPERATOR_TOKEN)
    }

    /// `GET path` of the admin API with the operator token, its JSON answer decoded.
    pub(crate) async fn admin_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        self.admin(reqwest::Method::GET, path)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

impl Drop for TestGateway {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
