//! `pxgate demo`: the gateway on SQLite with demo data, ready to call.
//!
//! The data directory keeps the database and `demo.json` (endpoints, the operator token, the
//! seeded accounts) between runs: seeding is idempotent, so a restart keeps what was done.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{NaiveDate, TimeDelta};
use serde_json::{Value, json};

use crate::admin::{self, OperatorTokens};
use crate::config::Config;
use crate::domain::{Clock, Currency, Moment, Msisdn, SystemClock};
use crate::server::{self, AppState};
use crate::store::{
    self, AccountStatus, EntryKind, Language, Movement, NewAccount, Store, StoreError, StoreOptions,
};

/// Name of the demo operator in the ledger.
const OPERATOR: &str = "demo";

/// Where and how to run the demo.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Gateway HTTP address.
    pub http: SocketAddr,
    /// SMSC simulator SMPP address.
    pub smpp: SocketAddr,
    /// Data directory.
    pub data: PathBuf,
}

/// Why the demo could not start.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The data directory or a file in it.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The database.
    #[error("database: {0}")]
    Store(#[from] StoreError),
    /// The listener could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the system said.
        source: std::io::Error,
    },
}

/// One seeded account and why it is interesting.
struct Seed {
    number: &'static str,
    note: &'static str,
    balance: i64,
    monthly_limit: Option<i64>,
    threshold: Option<i64>,
    status: AccountStatus,
    language: Language,
    /// Days from today to the credit expiry (negative: already expired).
    expiry_days: i64,
    /// Spent this month before the demo starts.
    spent: i64,
}

const SEEDS: &[Seed] = &[
    Seed {
        number: "010-1234-0001",
        note: "active, 50,000 KRW, monthly limit 100,000",
        balance: 50_000,
        monthly_limit: Some(100_000),
        threshold: Some(5_000),
        status: AccountStatus::Active,
        language: Language::Ko,
        expiry_days: 365,
        spent: 0,
    },
    Seed {
        number: "010-1234-0002",
        note: "suspended: charges are refused",
        balance: 20_000,
        monthly_limit: None,
        threshold: Some(5_000),
        status: AccountStatus::Suspended,
        language: Language::Ko,
        expiry_days: 365,
        spent: 0,
    },
    Seed {
        number: "010-1234-0003",
        note: "credit expired yesterday: charges are refused",
        balance: 10_000,
        monthly_limit: None,
        threshold: None,
        status: AccountStatus::Active,
        language: Language::Ko,
        expiry_days: -1,
        spent: 0,
    },
    Seed {
        number: "010-1234-0004",
        note: "near its monthly limit: 28,500 of 30,000 spent",
        balance: 100_000,
        monthly_limit: Some(30_000),
        threshold: Some(5_000),
        status: AccountStatus::Active,
        language: Language::Ko,
        expiry_days: 365,
        spent: 28_500,
    },
    Seed {
        number: "010-1234-0005",
        note: "low balance: 800 KRW, alert below 1,000 (English SMS)",
        balance: 800,
        monthly_limit: None,
        threshold: Some(1_000),
        status: AccountStatus::Active,
        language: Language::En,
        expiry_days: 365,
        spent: 0,
    },
];

/// Runs the demo until `shutdown` completes.
pub async fn run(
    options: DemoOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), DemoError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| DemoError::Io { path, source }
    };
    std::fs::create_dir_all(&options.data).map_err(io(&options.data))?;
    let data = std::fs::canonicalize(&options.data).map_err(io(&options.data))?;
    let manifest = data.join("demo.json");
    let token = operator_token(&data.join("operator.token")).map_err(io(&data))?;

    let mut config = Config::with_store(&format!("sqlite://{}", data.join("pxgate.db").display()));
    config.http.listen = options.http;
    let store = store::connect(&StoreOptions {
        url: config.store.url.clone(),
        max_connections: 4,
    })
    .await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let now = config.locale().moment(clock.now());
    seed(store.as_ref(), &config, &now).await?;

    let listener = tokio::net::TcpListener::bind(options.http)
        .await
        .map_err(|source| DemoError::Bind {
            addr: options.http,
            source,
        })?;
    let base = format!("http://{}", listener.local_addr().map_err(io(&data))?);
    let document = manifest_json(&base, &token, &config, &options);
    let text = serde_json::to_string_pretty(&document).unwrap_or_default();
    std::fs::write(&manifest, text + "\n").map_err(io(&manifest))?;
    print_try_this(&base, &token, &manifest);

    let operators = OperatorTokens::default().with_token(OPERATOR, &token);
    let state = AppState::new(&config, store, clock, operators);
    server::run(listener, server::router(state, &config.http), shutdown)
        .await
        .map_err(|source| DemoError::Io { path: data, source })
}

/// The demo operator's token: made on the first run and kept in the data directory, so scripts
/// and notes keep working across restarts.
fn operator_token(path: &Path) -> std::io::Result<String> {
    match std::fs::read_to_string(path) {
        Ok(token) if !token.trim().is_empty() => Ok(token.trim().to_owned()),
        _ => {
            let token = admin::generate_token();
            std::fs::write(path, format!("{token}\n"))?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt as _;
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
            }
            Ok(token)
        }
    }
}

async fn seed(store: &dyn Store, config: &Config, now: &Moment) -> Result<(), StoreError> {
    let cc = &config.locale.default_country_code;
    let krw = Currency::from_code("KRW").map_err(|e| StoreError::Corrupt(e.to_string()))?;
    for s in SEEDS {
        let msisdn = Msisdn::parse(s.number, cc).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let new = NewAccount {
            msisdn: msisdn.clone(),
            currency: krw,
            opening_balance: s.balance,
            monthly_limit: s.monthly_limit,
            low_balance_threshold: s.threshold,
            credit_expiry: Some(expiry(now.today, s.expiry_days)),
            overdraft_limit: 0,
            notify_receipt: true,
            notify_low_balance: true,
            language: s.language,
            status: s.status,
            actor: format!("operator:{OPERATOR}"),
        };
        match store.create_account(&new, now).await {
            Ok(_) | Err(StoreError::AlreadyExists) => {}
            Err(e) => return Err(e),
        }
        if s.spent > 0 {
            // Keyed by month, so a restart in the same month replays instead of charging again.
            let spend = Movement {
                msisdn,
                kind: EntryKind::Charge,
                amount: s.spent,
                currency: krw,
                actor: format!("operator:{OPERATOR}"),
                reference_code: Some(format!("demo-seed-spend-{}", now.month)),
                description: "demo purchases earlier this month".to_owned(),
            };
            store.move_money(&spend, now).await?;
        }
    }
    Ok(())
}

fn expiry(today: NaiveDate, days: i64) -> NaiveDate {
    today + TimeDelta::days(days)
}

fn manifest_json(base: &str, token: &str, config: &Config, options: &DemoOptions) -> Value {
    let cc = &config.locale.default_country_code;
    let accounts: Vec<Value> = SEEDS
        .iter()
        .filter_map(|s| {
            let m = Msisdn::parse(s.number, cc).ok()?;
            Some(json!({ "msisdn": m.as_str(), "national": s.number, "note": s.note }))
        })
        .collect();
    json!({
        "gateway": {
            "url": base,
            "admin_api": format!("{base}/admin/v1"),
            "health": format!("{base}/healthz"),
            "ready": format!("{base}/readyz"),
            "metrics": format!("{base}/metrics"),
        },
        "database": config.store.url,
        "operator": { "name": OPERATOR, "token": token },
        "smsc": { "smpp": options.smpp.to_string(), "status": "the SMSC simulator is not part of this build yet" },
        "accounts": accounts,
    })
}

#[allow(clippy::print_stdout)]
fn print_try_this(base: &str, token: &str, manifest: &Path) {
    println!("pxgate demo is running at {base}");
    println!(
        "endpoints, the operator token and the demo accounts: {}",
        manifest.display()
    );
    println!();
    println!("Try:");
    println!("  curl -s -H 'Authorization: Bearer {token}' {base}/admin/v1/accounts/+821012340001");
    println!("  cargo run --release -- admin --url {base} --token {token} accounts list");
    println!();
    println!(
        "Press Ctrl-C to stop; the data stays in {} for the next run.",
        manifest
            .parent()
            .map(Path::display)
            .map(|d| d.to_string())
            .unwrap_or_default()
    );
}
