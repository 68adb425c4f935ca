//! Configuration: plain data read from TOML plus `PXGATE_<SECTION>__<KEY>` environment overrides,
//! validated completely before anything binds.
//!
//! Unknown keys are errors (`deny_unknown_fields`), and so are `PXGATE_` variables that are not
//! configuration (`PXGATE_STORE_URL` for `PXGATE_STORE__URL`); every default is written here, and
//! reading and validation each report every problem at once, each naming its key. `main` exits with 64 (EX_USAGE) on any of
//! them. `pxgate.example.toml` documents every key and is parsed by a test.

use std::path::Path;
use std::str::FromStr;

use figment::Figment;
use figment::providers::{Format, Toml};
use serde::{Deserialize, Serialize};

use crate::domain::{Currency, Locale};
pub use crate::framework::FrameworkConfig;
pub use crate::scf::AccountConfig;
pub use crate::telemetry::LogFormat;
pub use env::EnvOverrides;
pub use http::HttpConfig;

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
    /// Scheduled bulk messages: the feeder's share of the outbox and the opt-out keywords.
    #[serde(default)]
    pub campaigns: crate::scf::CampaignConfig,
    /// Subscriber notices over MQTT, with SMS as the fallback.
    #[serde(default)]
    pub push: crate::push::PushConfig,
    /// The fraud rules on every application debit and hold, and the subscriber confirmation.
    #[serde(default)]
    pub fraud: crate::scf::fraud::FraudConfig,
    /// Logging.
    #[serde(default)]
    pub log: LogConfig,
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
    /// Not valid TOML, unknown keys or `PXGATE_` variables, or values of the wrong type; one
    /// line each.
    #[error("cannot read the configuration:\n  {}", .0.join("\n  "))]
    Syntax(Vec<String>),
    /// Values that parse but cannot work, one line per key.
    #[error("invalid configuration:\n  {}", .0.join("\n  "))]
    Invalid(Vec<String>),
}

impl Config {
    /// Reads `path`, applies `PXGATE_<SECTION>__<KEY>` overrides from `env`, and validates.
    pub fn load(path: &Path, env: EnvOverrides) -> Result<Self, ConfigError> {
        std::fs::metadata(path).map_err(|e| ConfigError::Unreadable {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let strays = env.strays();
        Self::from_figment(Figment::new().merge(Toml::file_exact(path)).merge(env), strays)
    }

    /// Parses a TOML text (no environment), then validates.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        Self::from_figment(Figment::new().merge(Toml::string(text)), Vec::new())
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
            campaigns: crate::scf::CampaignConfig::default(),
            push: crate::push::PushConfig::default(),
            fraud: crate::scf::fraud::FraudConfig::default(),
            log: LogConfig::default(),
        }
    }

    /// Reads and validates `figment`; `strays` are the environment's variables that are not
    /// configuration, reported with the other problems.
    fn from_figment(figment: Figment, mut strays: Vec<String>) -> Result<Self, ConfigError> {
        let config: Self = match extract::extract_all(&figment) {
            Ok(config) => config,
            Err(mut errors) => {
                errors.append(&mut strays);
                return Err(ConfigError::Syntax(errors));
            }
        };
        match config.validate() {
            Ok(()) if strays.is_empty() => Ok(config),
            Ok(()) => Err(ConfigError::Syntax(strays)),
            Err(ConfigError::Invalid(mut errors)) => {
                errors.append(&mut strays);
                Err(ConfigError::Invalid(errors))
            }
            Err(other) => Err(other),
        }
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
        self.framework.check(&mut errors, is_placeholder);
        self.smpp.check(&mut errors);
        self.callbacks.check(&mut errors);
        self.alerts.check(&mut errors);
        self.campaigns.check(&mut errors);
        self.push.check(&mut errors);
        self.fraud.check(&mut errors);
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
/// configuration; `PXGATE_ADMIN_TOKEN` and the other CLI settings are not mistaken for keys, and
/// any other `PXGATE_` name is an error naming the spelling it probably meant.
pub fn env_overrides() -> EnvOverrides {
    EnvOverrides::from_process()
}

/// A value copied from `pxgate.example.toml` without replacing it: the gateway must not start
/// with a secret everyone who read the example knows.
fn is_placeholder(value: &str) -> bool {
    value.trim_start().starts_with("REPLACE-ME")
}

mod env;
mod extract;
mod http;

#[cfg(test)]
mod tests;
