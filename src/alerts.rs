//! Subscriber alerts (operator policy, `[alerts]`): SMS to the subscriber after a charge (a receipt,
//! a low-balance warning once per crossing of the account's threshold), to a number an
//! application tried to charge without an account (rate-limited per number), before the credit
//! expires, when the account is suspended or active again, and in answer to the balance keyword
//! (`BAL`) sent to the operator short code. The same task decides the account-monitoring
//! callbacks of applications (`startAccountNotification`).
//!
//! Alerts come from the ledger, not from the request path: one task reads ledger rows after a
//! persisted cursor and queues each alert's SMS (the outbox, sent by the SMPP dispatcher) and
//! callbacks in the transaction that advances the cursor
//! ([`AlertStore::commit_alerts`](crate::store::alerts::AlertStore::commit_alerts)), so a charge
//! answers as fast as before and every alert is queued exactly once, also with several gateway
//! instances on one database.
//!
//! Must not know: XML (the monitoring notifications are written by `soap::monitoring_xml`), PDUs
//! (the SMS text is encoded by `smpp::encoding`).

mod balance;
mod ledger;
mod scans;
pub(crate) mod templates;

use std::time::Duration;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::callbacks::CallbackConfig;
use crate::domain::{Clock, Locale, Moment};
use crate::scf::Scf;
use crate::store::Store;
use crate::store::sms::NewSms;
pub(crate) use templates::{TemplateBook, Templates};

/// `[alerts]`: which subscriber SMS the gateway sends, and how they read.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsConfig {
    /// Whether the gateway sends subscriber alerts and account-monitoring notifications.
    pub enabled: bool,
    /// The operator short code the alerts come from (and the balance keyword goes to).
    pub sender: String,
    /// Days before the credit expiry date the reminder goes out.
    pub expiry_reminder_days: u32,
    /// At most one "not registered" SMS per number within this many seconds.
    pub unregistered_interval_secs: u64,
    /// At most this many "not registered" SMS per hour from this instance, all numbers together:
    /// an application charging made-up numbers must not turn the gateway into an SMS pump.
    pub unregistered_per_hour: u32,
    /// Number prefixes (E.164 with `+`) a "not registered" SMS may go to; empty: the operator's
    /// own country (`locale.default_country_code`), so no international number is ever texted.
    pub unregistered_prefixes: Vec<String>,
    /// The first word that asks for the balance; empty: no balance keyword.
    pub balance_keyword: String,
    /// Ledger rows older than this (seconds) get no alert (after the alerts were off a while).
    pub max_entry_age_secs: u64,
    /// The alerts that go to a number's device topic first when `[push]` is on (template keys);
    /// the others, and every alert of a number without a topic, are SMS.
    pub push: Vec<String>,
    /// Texts per language, overriding the built-in ones.
    pub templates: Templates,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            sender: "1588".to_owned(),
            expiry_reminder_days: 3,
            unregistered_interval_secs: 86_400,
            unregistered_per_hour: 60,
            unregistered_prefixes: Vec::new(),
            balance_keyword: "BAL".to_owned(),
            max_entry_age_secs: 3_600,
            push: [
                "receipt",
                "low_balance",
                "expiry",
                "suspended",
                "resumed",
                "balance",
            ]
            .map(str::to_owned)
            .to_vec(),
            templates: Templates::default(),
        }
    }
}

impl AlertsConfig {
    /// Adds a line per unusable value to `errors`.
    pub fn check(&self, errors: &mut Vec<String>) {
        let sender = self.sender.trim_start_matches('+');
        if sender.is_empty() || sender.len() > 20 || !sender.bytes().all(|b| b.is_ascii_digit()) {
            errors.push("alerts.sender: must be 1 to 20 digits".to_owned());
        }
        if self.unregistered_interval_secs == 0 {
            errors.push("alerts.unregistered_interval_secs: must be greater than 0".to_owned());
        }
        if self.max_entry_age_secs == 0 {
            errors.push("alerts.max_entry_age_secs: must be greater than 0".to_owned());
        }
        for (i, prefix) in self.unregistered_prefixes.iter().enumerate() {
            let digits = prefix.strip_prefix('+').unwrap_or_default();
            if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                errors.push(format!(
                    "alerts.unregistered_prefixes[{i}]: must be + and 1 to 15 digits"
                ));
            }
        }
        if self.expiry_reminder_days > 366 {
            errors.push("alerts.expiry_reminder_days: at most 366".to_owned());
        }
        if self.balance_keyword.chars().any(char::is_whitespace) || self.balance_keyword.len() > 20 {
            errors.push("alerts.balance_keyword: one word of at most 20 characters".to_owned());
        }
        for (i, kind) in self.push.iter().enumerate() {
            if !templates::Alert::keys().any(|k| k == kind) {
                errors.push(format!("alerts.push[{i}]: not an alert: {kind:?}"));
            }
        }
        self.templates.check(errors);
    }
}

/// `per_hour` SMS an hour, at most that many at once.
fn unregistered_budget(per_hour: u32) -> governor::DefaultDirectRateLimiter {
    let n = std::num::NonZeroU32::new(per_hour).unwrap_or(std::num::NonZeroU32::MIN);
    let quota = governor::Quota::with_period(Duration::from_secs(3_600) / n.get())
        .unwrap_or_else(|| governor::Quota::per_hour(n))
        .allow_burst(n);
    governor::RateLimiter::direct(quota)
}

/// What every account notification carries.
#[derive(Clone, Debug)]
pub(crate) struct Notice<'a> {
    /// The correlator the application gave.
    pub correlator: &'a str,
    /// `tel:` URI of the account.
    pub end_user: &'a str,
    /// The balance right after the charge.
    pub balance: Decimal,
    /// When the charge happened, ms since the epoch.
    pub at_ms: i64,
}

/// How the account notifications are written on the wire; the alerts decide that one is due and
/// to whom, the binding (`soap::monitoring_xml`) writes it.
#[derive(Clone, Copy)]
pub(crate) struct NoticeWriters {
    /// `notifyAccountCharged`: a charge of the given amount was made.
    pub charged: fn(&Notice<'_>, Decimal) -> Vec<u8>,
    /// `notifyBalanceBelowThreshold`: a charge took the balance below the given threshold.
    pub below_threshold: fn(&Notice<'_>, Decimal) -> Vec<u8>,
}

/// The actor alert SMS are queued under (no application may ask for their status).
pub(crate) const ALERT_ACTOR: &str = "gateway:alerts";

/// How often the task looks again when it found nothing to do.
const POLL: Duration = Duration::from_millis(200);

/// The scans (refused charges, expiry, status, balance keyword) run every this many polls.
const SCAN_EVERY: u32 = 5;

/// What the alerts task reads and writes.
pub(crate) struct Alerts {
    /// The ledger, accounts, registrations and the alert cursor.
    pub store: Arc<dyn Store>,
    /// The service functions: the gateway's own received SMS (the balance keyword).
    pub scf: Arc<Scf>,
    /// The injected clock.
    pub clock: Arc<dyn Clock>,
    /// The operator's calendar and numbering defaults.
    pub locale: Locale,
    /// `[alerts]`.
    pub config: AlertsConfig,
    /// `[callbacks]`: give-up time of the account notifications.
    pub callbacks: CallbackConfig,
    /// `[smpp] max_parts`: the longest alert text.
    pub max_parts: usize,
    /// The binding's writers of account notifications.
    pub writers: NoticeWriters,
    /// `[push] ack_timeout_secs` when push is on: how long a device has to confirm a notice.
    pub push_timeout: Option<Duration>,
}

impl Alerts {
    fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    fn scf(&self) -> &Scf {
        &self.scf
    }

    fn now(&self) -> Moment {
        self.locale.moment(self.clock.now())
    }

    fn locale(&self) -> &Locale {
        &self.locale
    }

    fn callback_config(&self) -> &CallbackConfig {
        &self.callbacks
    }
}

/// Decides and queues alerts until `stop` is cancelled (between steps); returns at once when
/// alerts are off.
pub(crate) async fn run(alerts: Alerts, stop: CancellationToken) {
    if !alerts.config.enabled {
        return;
    }
    let config = &alerts.config;
    let book = TemplateBook::new(&config.templates);
    let ctx = Ctx {
        state: &alerts,
        config,
        book: &book,
        unregistered_budget: unregistered_budget(config.unregistered_per_hour),
    };
    balance::register(&ctx).await;
    let mut polls = 0u32;
    while !stop.is_cancelled() {
        let busy = match ledger::step(&ctx).await {
            Ok(busy) => busy,
            Err(e) => {
                tracing::warn!(error = %e, "deciding alerts from the ledger failed");
                false
            }
        };
        polls = polls.wrapping_add(1);
        if polls.is_multiple_of(SCAN_EVERY) {
            scans::run(&ctx).await;
            balance::answer(&ctx).await;
        }
        if !busy {
            tokio::select! {
                () = tokio::time::sleep(POLL) => {}
                () = stop.cancelled() => {}
            }
        }
    }
}

/// What every step of the task reads.
struct Ctx<'a> {
    state: &'a Alerts,
    config: &'a AlertsConfig,
    book: &'a TemplateBook,
    /// The hourly budget of "not registered" SMS (`unregistered_per_hour`).
    unregistered_budget: governor::DefaultDirectRateLimiter,
}

impl Ctx<'_> {
    /// An alert SMS from the operator short code to `msisdn`; `None` (logged) when the text does
    /// not fit the configured number of parts.
    fn sms(&self, msisdn: &str, text: &str) -> Option<NewSms> {
        let sms = crate::smpp::gateway_sms(
            ALERT_ACTOR,
            &self.config.sender,
            msisdn,
            text,
            self.state.max_parts,
        );
        if let Err(max_chars) = sms {
            tracing::warn!(max_chars, "an alert text is too long; not sent");
        }
        sms.ok()
    }

    /// When a push notice of `alert` falls back to SMS; `None` when the alert is not pushed.
    fn push_deadline(&self, alert: templates::Alert) -> Option<i64> {
        let timeout = self.state.push_timeout?;
        let pushed = self.config.push.iter().any(|k| k == alert.key());
        let ms = i64::try_from(timeout.as_millis()).unwrap_or(i64::MAX / 2);
        pushed.then(|| self.state.now().at_ms.saturating_add(ms))
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    fn load(alerts: &str) -> Result<Config, String> {
        Config::from_toml(&format!("[store]\nurl = \"sqlite://x.db\"\n[framework]\nsecret_key = \"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"\n{alerts}"))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_template_with_an_unknown_placeholder_is_a_config_error_naming_the_key() {
        let err = load("[alerts.templates.ko]\nreceipt = \"{amount} {price}\"\n").unwrap_err();
        assert!(
            err.contains("alerts.templates.ko.receipt: unknown placeholder {price}"),
            "{err}"
        );
    }

    #[test]
    fn an_unknown_template_key_is_a_config_error() {
        let err = load("[alerts.templates.en]\nreciept = \"x\"\n").unwrap_err();
        assert!(err.contains("reciept"), "{err}");
    }

    #[test]
    fn overrides_and_settings_load() {
        let config = load(
            "[alerts]\nenabled = true\nsender = \"1599\"\n[alerts.templates.en]\nbalance = \"{balance}\"\n",
        );
        let config = config.unwrap_or_else(|e| panic!("{e}"));
        assert!(config.alerts.enabled);
        assert_eq!(config.alerts.templates.en.balance.as_deref(), Some("{balance}"));
        let err = load("[alerts]\nsender = \"short code\"\n").unwrap_err();
        assert!(err.contains("alerts.sender"), "{err}");
    }
}
