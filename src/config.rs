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

/// `[framework]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FrameworkConfig {
    /// Base64 of 32 random bytes: the AES-256-GCM key that seals application secrets in the
    /// database. Required; best given as `PXGATE_FRAMEWORK__SECRET_KEY` (`pxgate gen-key`).
    pub secret_key: Option<String>,
    /// How far a WS-Security `Created` may be from the gateway's clock, seconds.
    pub created_window_secs: u64,
    /// Lifetime of OAuth 2.0 access tokens, seconds.
    pub token_ttl_secs: u64,
    /// Requests per second for operations no agreement rate covers.
    pub default_rate_per_second: u32,
    /// Burst for operations no agreement rate covers.
    pub default_burst: u32,
    /// Failed authentications allowed each minute for one username from one source address (an
    /// IPv6 /64); the next is refused until the minute ends.
    pub auth_failures_per_minute: u32,
    /// Failed authentications allowed each minute from one source address, whatever the username.
    pub auth_address_failures_per_minute: u32,
    /// OAuth 2.0 access tokens an application may request each minute.
    pub token_requests_per_minute: u32,
    /// How long an instance trusts what it read about an application, seconds. Changes made
    /// through this instance apply at once; changes made through others within this time.
    pub cache_ttl_secs: u64,
}

impl Default for FrameworkConfig {
    fn default() -> Self {
        Self {
            secret_key: None,
            created_window_secs: 300,
            token_ttl_secs: 3600,
            default_rate_per_second: 100,
            default_burst: 200,
            auth_failures_per_minute: 10,
            auth_address_failures_per_minute: 100,
            token_requests_per_minute: 60,
            cache_ttl_secs: 5,
        }
    }
}

impl FrameworkConfig {
    fn check(&self, errors: &mut Vec<String>) {
        match &self.secret_key {
            None => errors.push(
                "framework.secret_key: required (base64 of 32 random bytes; `pxgate gen-key` makes one)"
                    .to_owned(),
            ),
            Some(key) if is_placeholder(key) => errors.push(
                "framework.secret_key: still the example's placeholder; `pxgate gen-key` makes a key"
                    .to_owned(),
            ),
            Some(key) => {
                if let Err(e) = crate::crypto::SecretBox::from_base64(key) {
                    errors.push(format!("framework.secret_key: {e}"));
                }
            }
        }
        for (key, value) in [
            ("created_window_secs", self.created_window_secs),
            ("token_ttl_secs", self.token_ttl_secs),
            ("default_rate_per_second", u64::from(self.default_rate_per_second)),
            ("default_burst", u64::from(self.default_burst)),
            (
                "auth_failures_per_minute",
                u64::from(self.auth_failures_per_minute),
            ),
            (
                "auth_address_failures_per_minute",
                u64::from(self.auth_address_failures_per_minute),
            ),
            (
                "token_requests_per_minute",
                u64::from(self.token_requests_per_minute),
            ),
        ] {
            if value == 0 {
                errors.push(format!("framework.{key}: must be greater than 0"));
            }
        }
    }
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

/// `[account]`: the operator policies of Account Management (ES 202 391-7).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccountConfig {
    /// `balanceUpdate` with a `period` moves the credit expiry that many days past today or the
    /// current expiry, whichever is later; `false`: the operator overrules every period.
    pub recharge_extends_expiry: bool,
    /// The `VouchersAccepted` service policy: `false` refuses every `voucherUpdate` (POL0220).
    pub vouchers_accepted: bool,
    /// `voucherUpdate` attempts one application may make each minute (all accounts together):
    /// voucher codes cannot be guessed at speed.
    pub voucher_attempts_per_minute_per_app: u32,
    /// `voucherUpdate` attempts each minute on one account, whoever makes them.
    pub voucher_attempts_per_minute_per_account: u32,
}

impl Default for AccountConfig {
    fn default() -> Self {
        Self {
            recharge_extends_expiry: true,
            vouchers_accepted: true,
            voucher_attempts_per_minute_per_app: 60,
            voucher_attempts_per_minute_per_account: 5,
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

/// Log line format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
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
