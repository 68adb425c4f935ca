//! `pxgate demo`: the gateway on SQLite with demo data and the SMSC simulator, ready to call.
//!
//! The data directory keeps the database, the secrets the demo made (operator token, the key that
//! seals application secrets) and `demo.json` (endpoints, credentials, seeded accounts) between
//! runs: seeding is idempotent, so a restart keeps what was done.

mod guide;
mod seed;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Value, json};

use crate::admin::OperatorTokens;
use crate::app::{self, App};
use crate::config::Config;
use crate::crypto::SecretBox;
use crate::domain::{Clock, Msisdn, SystemClock};
use crate::soap::wsdl;
use crate::store::{self, StoreError, StoreOptions};

/// Name of the demo operator in the ledger.
const OPERATOR: &str = "demo";

/// Where and how to run the demo.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Gateway HTTP address.
    pub http: SocketAddr,
    /// SMSC simulator SMPP address.
    pub smpp: SocketAddr,
    /// SMSC simulator HTTP address (handset inbox, MO injection, faults).
    pub smsc_http: SocketAddr,
    /// Data directory.
    pub data: PathBuf,
    /// Database instead of the directory's SQLite file (e.g. `postgres://…` to try PostgreSQL).
    pub database: Option<String>,
    /// SQLite's durability setting.
    pub durability: crate::store::Durability,
    /// Use the SMSC (or `smsc-sim`) already listening at `smpp` / `smsc_http` instead of starting
    /// the simulator in this process.
    pub external_smsc: bool,
    /// Text subscribers a receipt for every charge and a warning below the threshold (`[alerts]`),
    /// as the paper's service does; off to measure the charge path alone.
    pub alerts: bool,
    /// An MQTT broker (`host:port`) for 010-1234-0001's alerts, pushed first (`[push]`).
    pub push_broker: Option<String>,
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
    /// A flag's value was refused (`--push-broker`), or the generated configuration was (a bug).
    #[error("configuration: {0}")]
    Config(String),
    /// This build carries no simulator (built without the `demo` feature) and no external SMSC
    /// was named.
    #[error(
        "this pxgate was built without the SMSC simulator (feature `demo`): run with --external-smsc \
         and an SMSC at --smpp, or build with the default features"
    )]
    NoSimulator,
    /// Listeners could not be bound (every one that failed, with the flag that sets it); nothing
    /// was written to the data directory.
    #[error("{}", ports_message(.0))]
    Ports(Vec<PortInUse>),
}

/// An address the demo could not listen on.
#[derive(Debug)]
pub struct PortInUse {
    /// The address asked for.
    pub addr: SocketAddr,
    /// The option that sets it.
    pub flag: &'static str,
    /// What the system said.
    pub reason: String,
}

fn ports_message(ports: &[PortInUse]) -> String {
    let lines: Vec<String> = ports
        .iter()
        .map(|p| format!("cannot listen on {} ({}): {}", p.addr, p.flag, p.reason))
        .collect();
    let flags: Vec<&str> = ports.iter().map(|p| p.flag).collect();
    format!(
        "{}\n(is another pxgate demo or smsc-sim running? stop it, or choose other addresses with {}; \
         127.0.0.1:0 picks a free port)",
        lines.join("\n"),
        flags.join(", ")
    )
}

/// The demo's configuration: SQLite in `data` (or `--database`), the paper's subscriber SMS
/// unless `--no-alerts`, pushed alerts with `--push-broker`, one fraud rule on purpose.
fn demo_config(options: &DemoOptions, data: &Path, key: &str) -> Result<Config, DemoError> {
    let mut config = Config::with_store(&format!("sqlite://{}", data.join("pxgate.db").display()), key);
    config.http.listen = options.http;
    if let Some(url) = &options.database {
        config.store.url.clone_from(url);
    }
    config.store.sqlite_synchronous = options.durability;
    // The paper's subscriber SMS: a receipt for every charge, a warning below the threshold.
    config.alerts.enabled = options.alerts;
    if let Some(broker) = &options.push_broker {
        config.push.enabled = true;
        config.push.broker.clone_from(broker);
        let mut errors = Vec::new();
        config.push.check(&mut errors);
        if !errors.is_empty() {
            return Err(DemoError::Config(format!("--push-broker: {}", errors.join("; "))));
        }
    }
    fraud_rule_on_purpose(&mut config);
    Ok(config)
}

/// One fraud rule that fires on purpose: an application's first charge of 10,000 won or more on a
/// number waits for the subscriber's YES by SMS (the "try this" lines walk through it).
fn fraud_rule_on_purpose(config: &mut Config) {
    config.fraud.rules.first_charge.action = crate::fraud::Action::Confirm;
    config.fraud.rules.first_charge.min_amount = 10_000;
}

/// What the manifest and the "try this" lines need to know.
struct Running {
    base: String,
    token: String,
    apps: Vec<seed::DemoApp>,
    smpp: SocketAddr,
    smsc_http: String,
    /// Whether the SMSC is the simulator this process started (its handset pages exist).
    simulated: bool,
    /// The MQTT broker 010-1234-0001's alerts go to first, if any.
    push_broker: Option<String>,
}

/// Runs the demo until `shutdown` completes.
pub async fn run(
    options: DemoOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), DemoError> {
    // Refused before anything is written to the data directory.
    if cfg!(not(feature = "demo")) && !options.external_smsc {
        return Err(DemoError::NoSimulator);
    }
    let listeners = Listeners::bind(&options).await?;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| DemoError::Io { path, source }
    };
    std::fs::create_dir_all(&options.data).map_err(io(&options.data))?;
    let data = std::fs::canonicalize(&options.data).map_err(io(&options.data))?;
    let token = keep_file(&data.join("operator.token"), crate::crypto::generate_token).map_err(io(&data))?;
    let key = keep_file(&data.join("secret.key"), SecretBox::generate_key).map_err(io(&data))?;
    let mut config = demo_config(&options, &data, &key)?;
    let store = store::connect(&StoreOptions {
        url: config.store.url.clone(),
        max_connections: 8,
        durability: options.durability,
    })
    .await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let now = config.locale().moment(clock.now());
    let secrets = SecretBox::from_base64(&key).map_err(DemoError::Config)?;
    seed::accounts(store.as_ref(), &config, &now).await?;
    let apps = seed::applications(store.as_ref(), &secrets, &now).await?;
    seed::tariffs(store.as_ref(), &now).await?;
    if config.push.enabled {
        seed::push_topic(store.as_ref(), &config, &now).await?;
    }

    let Listeners { http: listener, smsc } = listeners;
    let sim = match smsc {
        Some((smpp, http)) => Some(start_smsc(smpp, http).await.map_err(io(&data))?),
        None => None,
    };
    // The gateway's SMPP client binds to the simulator, wherever it listens.
    let (smpp, smsc_http) = sim.as_ref().map_or((options.smpp, options.smsc_http), |sim| {
        (sim.smpp_addr(), sim.http_addr())
    });
    config.smpp.address = smpp.to_string();
    let running = Running {
        base: format!("http://{}", listener.local_addr().map_err(io(&data))?),
        token,
        apps,
        smpp,
        smsc_http: format!("http://{smsc_http}"),
        simulated: sim.is_some(),
        push_broker: options.push_broker.clone(),
    };
    write_manifest(&data, &running, &config).map_err(io(&data))?;
    guide::print_try_this(&running, &data);

    let operators = OperatorTokens::default().with_token(OPERATOR, &running.token);
    let app = App::build(&config, store, clock, operators).map_err(DemoError::Config)?;
    let served = app::run(listener, app, shutdown).await;
    if let Some(sim) = sim {
        sim.shutdown().await;
    }
    served.map_err(|source| DemoError::Io { path: data, source })
}

/// The demo's listeners, all bound before anything else happens.
struct Listeners {
    http: tokio::net::TcpListener,
    /// The simulator's SMPP and HTTP listeners (none with `--external-smsc`).
    smsc: Option<(tokio::net::TcpListener, tokio::net::TcpListener)>,
}

impl Listeners {
    /// Binds every address the demo needs; when any fails, names each that did with its flag.
    async fn bind(options: &DemoOptions) -> Result<Self, DemoError> {
        let mut failed = Vec::new();
        let http = bind(options.http, "--http", &mut failed).await;
        let smsc = if options.external_smsc {
            None
        } else {
            let smpp = bind(options.smpp, "--smpp", &mut failed).await;
            let web = bind(options.smsc_http, "--smsc-http", &mut failed).await;
            smpp.zip(web)
        };
        match http {
            Some(http) if failed.is_empty() => Ok(Self { http, smsc }),
            _ => Err(DemoError::Ports(failed)),
        }
    }
}

/// Binds `addr`, or records why not.
async fn bind(
    addr: SocketAddr,
    flag: &'static str,
    failed: &mut Vec<PortInUse>,
) -> Option<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| {
            failed.push(PortInUse {
                addr,
                flag,
                reason: e.to_string(),
            });
        })
        .ok()
}

/// The SMSC simulator, in-process: SMPP for the gateway, HTTP for the handset inbox.
#[cfg(feature = "demo")]
async fn start_smsc(
    smpp: tokio::net::TcpListener,
    http: tokio::net::TcpListener,
) -> std::io::Result<pxsim::SimHandle> {
    pxsim::start(smpp, http, pxsim::SimConfig::default()).await
}

/// Without the `demo` feature there is no simulator to start (`run` refuses before binding).
#[cfg(not(feature = "demo"))]
async fn start_smsc(_: tokio::net::TcpListener, _: tokio::net::TcpListener) -> std::io::Result<NoSim> {
    Err(std::io::Error::other("built without the SMSC simulator"))
}

/// The simulator a build without the `demo` feature does not have: no value of it exists.
#[cfg(not(feature = "demo"))]
enum NoSim {}

#[cfg(not(feature = "demo"))]
impl NoSim {
    fn smpp_addr(&self) -> SocketAddr {
        match *self {}
    }

    fn http_addr(&self) -> SocketAddr {
        match *self {}
    }

    async fn shutdown(self) {
        match self {}
    }
}

/// A secret made on the first run and kept (owner-readable only) in the data directory, so the
/// operator token, scripts and sealed application secrets keep working across restarts.
fn keep_file(path: &Path, make: fn() -> String) -> std::io::Result<String> {
    match std::fs::read_to_string(path) {
        Ok(token) if !token.trim().is_empty() => Ok(token.trim().to_owned()),
        _ => {
            let token = make();
            write_private(path, format!("{token}\n").as_bytes())?;
            Ok(token)
        }
    }
}

/// Writes a file only its owner may read (mode 0600 from the moment it exists, also when it
/// existed before with other permissions): it holds secrets.
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        options.mode(0o600);
        if path.exists() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    options.open(path)?.write_all(contents)
}

/// Writes `demo.json` (operator token and application secrets: owner-readable only) and the
/// example requests.
fn write_manifest(data: &Path, running: &Running, config: &Config) -> std::io::Result<()> {
    let document = serde_json::to_string_pretty(&manifest(running, config)).unwrap_or_default();
    write_private(&data.join("demo.json"), (document + "\n").as_bytes())?;
    std::fs::write(data.join("charge.xml"), CHARGE_EXAMPLE)?;
    std::fs::write(data.join("sms.xml"), SMS_EXAMPLE)
}

fn manifest(r: &Running, config: &Config) -> Value {
    let base = &r.base;
    let cc = &config.locale.default_country_code;
    let accounts: Vec<Value> = seed::SEEDS
        .iter()
        .filter_map(|s| {
            let m = Msisdn::parse(s.number, cc).ok()?;
            let handset = format!("{}/handsets/{}", r.smsc_http, m.digits());
            Some(json!({ "msisdn": m.as_str(), "national": s.number, "note": s.note, "handset": handset }))
        })
        .collect();
    let apps: Vec<Value> = r
        .apps
        .iter()
        .map(|a| {
            json!({ "id": a.id, "username": a.id, "password": a.secret, "allowed": a.grants, "sms_senders": a.senders })
        })
        .collect();
    let soap: serde_json::Map<String, Value> = wsdl::service_paths()
        .chain(wsdl::sms_service_paths())
        .chain(wsdl::account_service_paths())
        .map(|p| (service_name(p), json!(format!("{base}{p}"))))
        .collect();
    json!({
        "gateway": {
            "url": base,
            "admin_api": format!("{base}/admin/v1"),
            "console": format!("{base}/console/"),
            "oauth_token": format!("{base}/oauth/token"),
            "health": format!("{base}/healthz"),
            "ready": format!("{base}/readyz"),
            "metrics": format!("{base}/metrics"),
        },
        "soap": soap,
        "rest": {
            "base": format!("{base}/oneapi/v1"),
            "docs": format!("{base}/oneapi/v1/docs"),
            "charge": format!("{base}/oneapi/v1/payment/{{endUserId}}/transactions/amount"),
            "send_sms": format!("{base}/oneapi/v1/smsmessaging/outbound/{{senderAddress}}/requests"),
            "balance": format!("{base}/oneapi/v1/account/{{endUserId}}/balance"),
        },
        "database": config.store.url,
        "operator": { "name": OPERATOR, "token": r.token },
        "applications": apps,
        "smsc": {
            "smpp": r.smpp.to_string(),
            "system_id": "pxgate",
            "password": "secret",
            "http": r.smsc_http,
            "handsets": format!("{}/handsets", r.smsc_http),
        },
        "accounts": accounts,
    })
}

/// `/AmountChargingService/services/AmountCharging` → `AmountCharging`.
fn service_name(path: &str) -> String {
    path.rsplit('/').next().unwrap_or(path).to_owned()
}

/// A chargeAmount a client generated from the standard WSDL would send.
const CHARGE_EXAMPLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:loc="http://www.csapi.org/schema/parlayx/payment/amount_charging/v2_1/local">
  <soapenv:Body>
    <loc:chargeAmount>
      <loc:endUserIdentifier>tel:+821012340001</loc:endUserIdentifier>
      <loc:charge>
        <description>Coffee, large</description>
        <currency>KRW</currency>
        <amount>4300</amount>
      </loc:charge>
      <loc:referenceCode>demo-order-0001</loc:referenceCode>
    </loc:chargeAmount>
  </soapenv:Body>
</soapenv:Envelope>
"#;

/// A sendSms in Korean (UCS-2 on the air) from the shop's sender name.
const SMS_EXAMPLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:loc="http://www.csapi.org/schema/parlayx/sms/send/v2_2/local">
  <soapenv:Body>
    <loc:sendSms>
      <loc:addresses>tel:+821012340001</loc:addresses>
      <loc:senderName>MICROSHOP</loc:senderName>
      <loc:message>결제가 완료되었습니다: 커피 4,300원</loc:message>
    </loc:sendSms>
  </soapenv:Body>
</soapenv:Envelope>
"#;
