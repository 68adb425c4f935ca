//! Configuration: plain data read from TOML plus `PXGATE_<SECTION>__<KEY>` environment overrides,
//! validated completely before anything binds.
//!
//! Unknown keys are errors (`deny_unknown_fields`), every default is written here, and validation
//! reports every problem at once, each naming its key. `main` exits with 64 (EX_USAGE) on any of
//! them. `pxgate.example.toml` documents every key and is parsed by a test.

use std::net::SocketAddr;
use std::path::Path;
use std::str::FromStr;

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::{Deserialize, Serialize};

use crate::domain::{Currency, Locale};
pub use crate::framework::FrameworkConfig;
pub use crate::scf::AccountConfig;
pub use crate::telemetry::LogFormat;

/// Exit code for configuration errors (sysexits.h `EX_USAGE`).
pub const EX_USAGE: i32 = 64;

/// The whole configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The HTTP listener serving SOAP, REST and the admin API.
    #[serde(default)]
    pub http: HttpConfig,
    /// The database.
    pub store: StoreConfig,
    /// Calendar, numbering and currency defaults of the operator.
    #[serde(default)]
    pub locale: LocaleConfig,
    /// The operator admin API.
    #[serde(default)]
    pub admin: AdminConfig,
    /// The application framework: credentials, agreements, throttling.
    #[serde(default)]
    pub framework: FrameworkConfig,
    /// Payment settings.
    #[serde(default)]
    pub payment: PaymentConfig,
    /// Account Management policies.
    #[serde(default)]
    pub account: AccountConfig,
    /// The SMSC link and SMS limits.
    #[serde(default)]
    pub smpp: crate::smpp::SmppConfig,
    /// Callbacks to applications: retries and give-up time.
    #[serde(default)]
    pub callbacks: crate::callbacks::CallbackConfig,
    /// Subscriber alert SMS and account-monitoring notifications.
    #[serde(default)]
    pub alerts: crate::alerts::AlertsConfig,
    /// Logging.
    #[serde(default)]
    pub log: LogConfig,
}

/// `[http]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Largest request body accepted, in bytes; larger ones get 413.
    pub body_limit_bytes: usize,
    /// A request still running after this many seconds is answered with 408.
    pub request_timeout_secs: u64,
    /// Deepest XML element nesting accepted in a SOAP request (the envelope counts as 1).
    pub xml_max_depth: usize,
    /// Most XML elements accepted in one SOAP request, header included.
    pub xml_max_elements: usize,
    /// A connection whose request head (or TLS handshake) has not arrived this many seconds after
    /// it connected or finished its last answer is closed: slow or idle clients hold no slot.
    pub header_read_timeout_secs: u64,
    /// Connections served at once; further clients wait in the kernel's backlog.
    pub max_connections: usize,
    /// Serve HTTPS with this certificate and key; plain HTTP when absent.
    pub tls: Option<crate::tls::ServerTls>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            body_limit_bytes: 256 * 1024,
            request_timeout_secs: 30,
            xml_max_depth: 32,
            xml_max_elements: 10_000,
            header_read_timeout_secs: 10,
            max_connections: 4096,
            tls: None,
        }
    }
}

impl HttpConfig {
    /// Adds a line per unusable value to `errors`.
    fn check(&self, errors: &mut Vec<String>) {
        if self.body_limit_bytes == 0 {
            errors.push("http.body_limit_bytes: must be greater than 0".to_owned());
        }
        if self.request_timeout_secs == 0 {
            errors.push("http.request_timeout_secs: must be greater than 0".to_owned());
        }
        if self.xml_max_depth < 8 {
            errors.push(
                "http.xml_max_depth: must be at least 8 (Envelope/Body/operation/… need it)".to_owned(),
            );
        }
        if self.xml_max_elements < 16 {
            errors.push("http.xml_max_elements: must be at least 16".to_owned());
        }
        if self.header_read_timeout_secs == 0 {
            errors.push("http.header_read_timeout_secs: must be greater than 0".to_owned());
        }
        if self.max_connections == 0 {
            errors.push("http.max_connections: must be greater than 0".to_owned());
        }
        if let Some(tls) = &self.tls
            && let Err(e) = tls.server_config()
        {
            errors.push(format!("http.tls: {e}"));
        }
    }
}

/// `[store]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// `sqlite://path/to/pxgate.db` or `postgres://user@host:5432/db`.
    pub url: String,
    /// Most pooled connections (read connections on SQLite; writes use one).
    #[serde(default = "default_max_connections")]
    pub max_connections: u32,
    /// SQLite only: `full` (default) makes every answered transaction survive a power cut;
    /// `normal` survives a crash of the gateway process but not of the machine, for more speed.
    #[serde(default)]
    pub sqlite_synchronous: crate::store::Durability,
}

fn default_max_connections() -> u32 {
    8
}

/// `[locale]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LocaleConfig {
    /// IANA zone in which calendar months and expiry dates are counted.
    pub time_zone: String,
    /// Country code for national numbers (`010…` → `+82 10…`).
    pub default_country_code: String,
    /// Currency of new accounts when none is given.
    pub default_currency: String,
}

impl Default for LocaleConfig {
    fn default() -> Self {
        Self {
            time_zone: "Asia/Seoul".to_owned(),
            default_country_code: "82".to_owned(),
            default_currency: "KRW".to_owned(),
        }
    }
}

/// `[admin]`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminConfig {
    /// Operators allowed to use the admin API, each with the SHA-256 of its bearer token.
    pub operators: Vec<OperatorConfig>,
}

/// `[[admin.operators]]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorConfig {
    /// Shown in the ledger as `operator:<name>`.
    pub name: String,
    /// Lower-case hex SHA-256 of the token (`pxgate gen-token` prints both).
    pub token_sha256: String,
}

/// `[payment]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PaymentConfig {
    /// Seconds a reservation holds money before the gateway releases it (renewed by
    /// reserveAdditional…).
    pub reservation_ttl_secs: u64,
    /// The longest a reservation may hold money, however often it is renewed: a reservation
    /// cannot freeze a subscriber's balance for ever.
    pub reservation_max_lifetime_secs: u64,
}

impl Default for PaymentConfig {
    fn default() -> Self {
        Self {
            reservation_ttl_secs: 900,
            reservation_max_lifetime_secs: 86_400,
        }
    }
}

/// `[log]`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `text` (default) or `json`. The level comes from `RUST_LOG` (default `info`).
    pub format: LogFormat,
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file is missing or unreadable.
    #[error("cannot read {path}: {reason}")]
    Unreadable {
        /// The file named on the command line.
        path: String,
        /// What the system said.
        reason: String,
    },
    /// Not valid TOML, an unknown key, or a value of the wrong type.
    #[error("{0}")]
    Syntax(String),
    /// Values that parse but cannot work, one line per key.
    #[error("invalid configuration:\n  {}", .0.join("\n  "))]
    Invalid(Vec<String>),
}

impl Config {
    /// Reads `path`, applies `PXGATE_<SECTION>__<KEY>` overrides from `env`, and validates.
    pub fn load(path: &Path, env: Env) -> Result<Self, ConfigError> {
        std::fs::metadata(path).map_err(|e| ConfigError::Unreadable {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::from_figment(Figment::new().merge(Toml::file_exact(path)).merge(env))
    }

    /// Parses a TOML text (no environment), then validates.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        Self::from_figment(Figment::new().merge(Toml::string(text)))
    }

    /// A configuration from defaults plus the given store URL and secret key (used by `demo`
    /// and tests).
    pub fn with_store(url: &str, secret_key: &str) -> Self {
        Self {
            http: HttpConfig::default(),
            store: StoreConfig {
                url: url.to_owned(),
                max_connections: default_max_connections(),
                sqlite_synchronous: crate::store::Durability::default(),
            },
            locale: LocaleConfig::default(),
            admin: AdminConfig::default(),
            framework: FrameworkConfig {
                secret_key: Some(secret_key.to_owned()),
                ..FrameworkConfig::default()
            },
            payment: PaymentConfig::default(),
            account: AccountConfig::default(),
            smpp: crate::smpp::SmppConfig::default(),
            callbacks: crate::callbacks::CallbackConfig::default(),
            alerts: crate::alerts::AlertsConfig::default(),
            log: LogConfig::default(),
        }
    }

    fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let config: Self = figment
            .extract()
            .map_err(|e| ConfigError::Syntax(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Checks every value; reports all problems together.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut errors = Vec::new();
        self.http.check(&mut errors);
        let url = &self.store.url;
        if !["sqlite:", "postgres:", "postgresql:"]
            .iter()
            .any(|p| url.starts_with(p))
        {
            errors.push(format!(
                "store.url: {url:?} is neither sqlite://… nor postgres://…"
            ));
        }
        if self.store.max_connections == 0 {
            errors.push("store.max_connections: must be greater than 0".to_owned());
        }
        self.locale.check(&mut errors);
        self.admin.check(&mut errors);
        self.framework.check(&mut errors);
        if self.framework.secret_key.as_deref().is_some_and(is_placeholder) {
            errors.push(
                "framework.secret_key: still the example's placeholder; `pxgate gen-key` makes a key"
                    .to_owned(),
            );
        }
        self.smpp.check(&mut errors);
        self.callbacks.check(&mut errors);
        self.alerts.check(&mut errors);
        for (key, value) in [
            (
                "voucher_attempts_per_minute_per_app",
                self.account.voucher_attempts_per_minute_per_app,
            ),
            (
                "voucher_attempts_per_minute_per_account",
                self.account.voucher_attempts_per_minute_per_account,
            ),
        ] {
            if value == 0 {
                errors.push(format!("account.{key}: must be greater than 0"));
            }
        }
        if self.payment.reservation_max_lifetime_secs < self.payment.reservation_ttl_secs {
            errors.push(
                "payment.reservation_max_lifetime_secs: must be at least reservation_ttl_secs".to_owned(),
            );
        }
        if self.payment.reservation_ttl_secs == 0 {
            errors.push("payment.reservation_ttl_secs: must be greater than 0".to_owned());
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Invalid(errors))
        }
    }

    /// The validated calendar and numbering settings.
    pub fn locale(&self) -> Locale {
        Locale {
            time_zone: chrono_tz::Tz::from_str(&self.locale.time_zone).unwrap_or(chrono_tz::Asia::Seoul),
            default_country_code: self.locale.default_country_code.clone(),
        }
    }

    /// The currency of new accounts.
    pub fn default_currency(&self) -> Currency {
        Currency::from_code(&self.locale.default_currency).unwrap_or_else(|_| {
            Currency::from_code("KRW").unwrap_or_else(|_| unreachable!("KRW is ISO 4217"))
        })
    }
}

impl LocaleConfig {
    fn check(&self, errors: &mut Vec<String>) {
        if chrono_tz::Tz::from_str(&self.time_zone).is_err() {
            errors.push(format!(
                "locale.time_zone: {:?} is not an IANA time zone",
                self.time_zone
            ));
        }
        let cc = &self.default_country_code;
        if cc.is_empty() || cc.len() > 3 || !cc.bytes().all(|b| b.is_ascii_digit()) || cc.starts_with('0') {
            errors.push(format!(
                "locale.default_country_code: {cc:?} is not a country calling code"
            ));
        }
        if let Err(e) = Currency::from_code(&self.default_currency) {
            errors.push(format!("locale.default_currency: {e}"));
        }
    }
}

impl AdminConfig {
    fn check(&self, errors: &mut Vec<String>) {
        let mut seen = std::collections::HashSet::new();
        for (i, op) in self.operators.iter().enumerate() {
            let key = format!("admin.operators[{i}]");
            if op.name.trim().is_empty() || op.name.len() > 64 {
                errors.push(format!("{key}.name: must be 1 to 64 characters"));
            } else if !seen.insert(op.name.as_str()) {
                errors.push(format!("{key}.name: {:?} is configured twice", op.name));
            }
            let hash = &op.token_sha256;
            if is_placeholder(hash) {
                errors.push(format!(
                    "{key}.token_sha256: still the example's placeholder; `pxgate gen-token` makes a token"
                ));
            } else if hash.len() != 64
                || !hash
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            {
                errors.push(format!("{key}.token_sha256: must be 64 lower-case hex digits"));
            }
        }
    }
}

/// Environment overrides: `PXGATE_STORE__URL=…` sets `store.url`. Only names with `__` are
/// configuration, so `PXGATE_ADMIN_TOKEN` (a CLI setting) is not mistaken for a key.
pub fn env_overrides() -> Env {
    Env::prefixed("PXGATE_")
        .filter(|key| key.as_str().contains("__"))
        .split("__")
}

/// A value copied from `pxgate.example.toml` without replacing it: the gateway must not start
/// with a secret everyone who read the example knows.
fn is_placeholder(value: &str) -> bool {
    value.trim_start().starts_with("REPLACE-ME")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_config_refuses_its_placeholders_and_validates_once_they_are_replaced() {
        let text = include_str!("../pxgate.example.toml");
        let err = Config::from_toml(text).unwrap_err().to_string();
        assert!(
            err.contains("admin.operators[0].token_sha256: still the example's placeholder"),
            "{err}"
        );
        assert!(
            err.contains("framework.secret_key: still the example's placeholder"),
            "{err}"
        );
        let key = crate::crypto::SecretBox::generate_key();
        let replaced: String = text
            .lines()
            .map(|line| match line.split_once(" = \"REPLACE-ME") {
                Some(("token_sha256", _)) => format!("token_sha256 = \"{}\"", "ab".repeat(32)),
                Some(("secret_key", _)) => format!("secret_key = \"{key}\""),
                _ => line.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("\n");
        let config = Config::from_toml(&replaced).expect("example config is valid once filled in");
        assert_eq!(config.locale.time_zone, "Asia/Seoul");
        assert!(!config.admin.operators.is_empty());
    }

    #[test]
    fn unknown_keys_are_errors_naming_the_key() {
        let err = Config::from_toml("[store]\nurl = \"sqlite://x.db\"\nurll = 1\n").unwrap_err();
        assert!(err.to_string().contains("urll"), "{err}");
    }

    #[test]
    fn every_invalid_value_is_reported_at_once() {
        let text = r#"
            [http]
            body_limit_bytes = 0
            [store]
            url = "mysql://x"
            [locale]
            time_zone = "Mars/Olympus"
            default_country_code = "0x"
            default_currency = "XYZ"
            [[admin.operators]]
            name = "ops"
            token_sha256 = "abc"
            [framework]
            secret_key = "c2hvcnQ="
            default_burst = 0
        "#;
        let ConfigError::Invalid(errors) = Config::from_toml(text).unwrap_err() else {
            panic!("not Invalid")
        };
        let keys: Vec<&str> = errors.iter().map(|e| e.split(':').next().unwrap_or("")).collect();
        assert_eq!(
            keys,
            [
                "http.body_limit_bytes",
                "store.url",
                "locale.time_zone",
                "locale.default_country_code",
                "locale.default_currency",
                "admin.operators[0].token_sha256",
                "framework.secret_key",
                "framework.default_burst"
            ]
        );
    }

    #[test]
    fn a_missing_file_is_reported_with_its_path() {
        let err = Config::load(
            Path::new("/nonexistent/pxgate.toml"),
            Env::prefixed("PXGATE_TEST_NONE_"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("/nonexistent/pxgate.toml"));
    }
}
