//! Simulator configuration: plain serde data with explicit defaults, checked in full by
//! [`SimConfig::validate`] before anything binds. Owns no runtime state.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use crate::faults::Faults;

/// Everything `smsc-sim` can be told. `Default` is a working single-account setup.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SimConfig {
    /// SMPP listen address (used by the binary only; `start` is handed a bound listener).
    pub smpp_listen: SocketAddr,
    /// HTTP listen address (binary only).
    pub http_listen: SocketAddr,
    /// The SMSC's own `system_id`, returned in every bind_resp.
    pub system_id: String,
    /// Seed for the outcome RNG; `None` seeds from the clock.
    pub seed: Option<u64>,
    /// First message id handed out (ids are lowercase hex); `None` derives one from the clock
    /// so restarts do not reuse ids.
    pub message_id_start: Option<u64>,
    /// ESME accounts allowed to bind.
    pub accounts: Vec<Account>,
    /// Delivery receipt delay and outcome distribution.
    pub receipts: ReceiptConfig,
    /// Handset inbox bounds.
    pub inbox: InboxConfig,
    /// Fault injection at start-up (changeable live over HTTP).
    pub faults: Faults,
    /// Memory and queue bounds.
    pub limits: Limits,
    /// How message ids are written, as SMSCs differ (what Kannel's `msg-id-type` describes).
    pub message_ids: MessageIds,
    /// What data_coding 0 means to this SMSC: `gsm` (GSM 03.38 unpacked, the default),
    /// `latin1` (ISO 8859-1) or `ascii` (IA5), as some SMSCs read it.
    pub dcs0_alphabet: Dcs0Alphabet,
}

/// `[message_ids]`: the number base of message ids in submit_sm_resp / data_sm_resp (and what
/// query_sm, cancel_sm and replace_sm accept), and in delivery receipts.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct MessageIds {
    /// In responses to submits.
    pub submit: IdBase,
    /// In receipts (the receipt text's `id:` and receipted_message_id).
    pub receipt: IdBase,
}

/// A message id's number base.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum IdBase {
    /// Lowercase hexadecimal (the default).
    #[default]
    Hex,
    /// Decimal.
    Decimal,
}

impl IdBase {
    /// `id` written in this base.
    #[must_use]
    pub fn format(self, id: u64) -> String {
        match self {
            Self::Hex => format!("{id:x}"),
            Self::Decimal => id.to_string(),
        }
    }

    /// An id written in this base (any case, leading zeros allowed).
    #[must_use]
    pub fn parse(self, id: &str) -> Option<u64> {
        let radix = match self {
            Self::Hex => 16,
            Self::Decimal => 10,
        };
        u64::from_str_radix(id.trim(), radix).ok()
    }
}

/// `dcs0_alphabet`
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Dcs0Alphabet {
    /// GSM 03.38, unpacked.
    #[default]
    Gsm,
    /// ISO 8859-1.
    Latin1,
    /// IA5 / US-ASCII.
    Ascii,
}

impl Dcs0Alphabet {
    /// The data_coding a submit's `data_coding` is read as: 0 in this alphabet, others as they are.
    #[must_use]
    pub fn read(self, data_coding: u8) -> u8 {
        match (data_coding, self) {
            (sms_text::DCS_GSM7, Self::Latin1) => sms_text::DCS_LATIN1,
            (sms_text::DCS_GSM7, Self::Ascii) => sms_text::DCS_IA5,
            (dcs, _) => dcs,
        }
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            smpp_listen: SocketAddr::from(([127, 0, 0, 1], 2775)),
            http_listen: SocketAddr::from(([127, 0, 0, 1], 8025)),
            system_id: "pxsim".to_owned(),
            seed: None,
            message_id_start: None,
            accounts: vec![Account::default()],
            receipts: ReceiptConfig::default(),
            inbox: InboxConfig::default(),
            faults: Faults::default(),
            limits: Limits::default(),
            message_ids: MessageIds::default(),
            dcs0_alphabet: Dcs0Alphabet::default(),
        }
    }
}

/// One ESME account.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// SMPP v5.0 §4.1.1: system_id, at most 15 characters.
    pub system_id: String,
    /// SMPP v5.0 §4.1.1: password, at most 8 characters.
    pub password: String,
}

impl Default for Account {
    fn default() -> Self {
        Self {
            system_id: "pxgate".to_owned(),
            password: "secret".to_owned(),
        }
    }
}

/// Receipt behaviour: a default rule plus rules per destination prefix (longest prefix wins).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ReceiptConfig {
    /// Delay between submit and receipt, milliseconds.
    pub delay_ms: u64,
    /// Outcome weights.
    pub outcomes: OutcomeWeights,
    /// Overrides per destination prefix (digits, no '+').
    pub rules: Vec<PrefixRule>,
}

impl Default for ReceiptConfig {
    fn default() -> Self {
        Self {
            delay_ms: 1000,
            outcomes: OutcomeWeights::default(),
            rules: Vec::new(),
        }
    }
}

/// A receipt rule for destinations starting with `prefix`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PrefixRule {
    /// Destination prefix, digits only (a leading '+' is ignored).
    pub prefix: String,
    /// Delay for this prefix; the default delay when absent.
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// Outcome weights for this prefix; the default weights when absent.
    #[serde(default)]
    pub outcomes: Option<OutcomeWeights>,
}

/// Relative weights of the final outcomes; they need not sum to 100. A table that is written is
/// the whole table: an outcome it leaves out has weight 0 (`{ undeliverable = 1 }` fails every
/// message). Only an absent table means the default, everything delivered.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct OutcomeWeights {
    /// stat:DELIVRD
    #[serde(default)]
    pub delivered: u32,
    /// stat:UNDELIV
    #[serde(default)]
    pub undeliverable: u32,
    /// stat:EXPIRED
    #[serde(default)]
    pub expired: u32,
    /// stat:REJECTD
    #[serde(default)]
    pub rejected: u32,
    /// No receipt at all (the message stays ENROUTE for query_sm).
    #[serde(default)]
    pub no_receipt: u32,
}

impl Default for OutcomeWeights {
    fn default() -> Self {
        Self {
            delivered: 100,
            undeliverable: 0,
            expired: 0,
            rejected: 0,
            no_receipt: 0,
        }
    }
}

impl OutcomeWeights {
    pub(crate) const fn total(&self) -> u64 {
        self.delivered as u64
            + self.undeliverable as u64
            + self.expired as u64
            + self.rejected as u64
            + self.no_receipt as u64
    }
}

/// Handset inbox bounds: memory stays flat however long the simulator runs.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct InboxConfig {
    /// Messages kept per handset; the oldest is dropped first.
    pub max_messages_per_handset: usize,
    /// Handsets kept; the least recently created is dropped first.
    pub max_handsets: usize,
}

impl Default for InboxConfig {
    fn default() -> Self {
        Self {
            max_messages_per_handset: 200,
            max_handsets: 10_000,
        }
    }
}

/// Queue and table bounds.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Messages remembered for query_sm / cancel_sm / replace_sm.
    pub max_tracked_messages: usize,
    /// Receipts waiting for their delay; beyond this new receipts are dropped and counted.
    pub max_pending_receipts: usize,
    /// Receipts held per system_id while none of its receivers is bound (sent on its next
    /// bind); beyond this the oldest is dropped and counted.
    pub max_held_receipts: usize,
    /// Outbound PDUs queued per session before the sender waits.
    pub session_queue: usize,
    /// Largest accepted command_length.
    pub max_pdu_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_tracked_messages: 200_000,
            max_pending_receipts: 500_000,
            max_held_receipts: 10_000,
            session_queue: 1024,
            max_pdu_len: 70_000,
        }
    }
}

/// One invalid setting, named by its TOML key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {problem}")]
pub struct ConfigError {
    /// Dotted TOML key, e.g. `accounts[0].password`.
    pub key: String,
    /// What is wrong with it.
    pub problem: String,
}

fn err(key: impl Into<String>, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        key: key.into(),
        problem: problem.into(),
    }
}

impl SimConfig {
    /// Parse TOML text; unknown keys are errors.
    pub fn from_toml(text: &str) -> Result<Self, Vec<ConfigError>> {
        let cfg: Self = toml::from_str(text).map_err(|e| vec![toml_error(&e, text)])?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Check every setting and report all problems together.
    pub fn validate(&self) -> Result<(), Vec<ConfigError>> {
        let mut errors = Vec::new();
        if self.system_id.is_empty() || self.system_id.len() > 15 {
            errors.push(err("system_id", "must be 1..=15 characters"));
        }
        if self.accounts.is_empty() {
            errors.push(err("accounts", "at least one account is required"));
        }
        for (i, a) in self.accounts.iter().enumerate() {
            // SMPP v5.0 §4.1.1.1: system_id is a C-Octet String of max 16 (15 + NUL), password 9.
            if a.system_id.is_empty() || a.system_id.len() > 15 {
                errors.push(err(
                    format!("accounts[{i}].system_id"),
                    "must be 1..=15 characters",
                ));
            }
            if a.password.len() > 8 {
                errors.push(err(
                    format!("accounts[{i}].password"),
                    "must be at most 8 characters",
                ));
            }
        }
        self.receipts.validate(&mut errors);
        self.faults.validate("faults", &mut errors);
        self.validate_limits(&mut errors);
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    fn validate_limits(&self, errors: &mut Vec<ConfigError>) {
        let checks = [
            (
                "inbox.max_messages_per_handset",
                self.inbox.max_messages_per_handset,
            ),
            ("inbox.max_handsets", self.inbox.max_handsets),
            ("limits.max_tracked_messages", self.limits.max_tracked_messages),
            ("limits.max_pending_receipts", self.limits.max_pending_receipts),
            ("limits.max_held_receipts", self.limits.max_held_receipts),
            ("limits.session_queue", self.limits.session_queue),
        ];
        for (key, value) in checks {
            if value == 0 {
                errors.push(err(key, "must be greater than 0"));
            }
        }
        if self.limits.max_pdu_len < 16 {
            errors.push(err("limits.max_pdu_len", "must be at least 16"));
        }
    }
}

impl ReceiptConfig {
    fn validate(&self, errors: &mut Vec<ConfigError>) {
        if self.outcomes.total() == 0 {
            errors.push(err("receipts.outcomes", "weights must not all be 0"));
        }
        for (i, r) in self.rules.iter().enumerate() {
            let p = r.prefix.trim_start_matches('+');
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                errors.push(err(format!("receipts.rules[{i}].prefix"), "must be digits"));
            }
            if r.outcomes.is_some_and(|o| o.total() == 0) {
                errors.push(err(
                    format!("receipts.rules[{i}].outcomes"),
                    "weights must not all be 0",
                ));
            }
        }
    }
}

fn toml_error(e: &toml::de::Error, text: &str) -> ConfigError {
    // Name the key: toml points at the offending value; the key is left of '=' on that line.
    let key = e
        .span()
        .and_then(|span| {
            let line_start = text[..span.start.min(text.len())]
                .rfind('\n')
                .map_or(0, |i| i + 1);
            let line = text[line_start..].lines().next()?;
            line.split_once('=').map(|(k, _)| k.trim().to_owned())
        })
        .filter(|k| !k.is_empty())
        .unwrap_or_else(|| "config".to_owned());
    err(key, e.message().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate() {
        assert_eq!(SimConfig::default().validate(), Ok(()));
    }

    #[test]
    fn unknown_key_is_named() {
        let e = SimConfig::from_toml("bogus = 1").unwrap_err();
        assert!(e[0].to_string().contains("bogus"), "{e:?}");
    }

    #[test]
    fn an_outcome_table_that_is_written_is_the_whole_table() {
        let c =
            SimConfig::from_toml("[[receipts.rules]]\nprefix = '8210'\noutcomes = { undeliverable = 1 }\n")
                .unwrap();
        let rule = c.receipts.rules[0].outcomes.unwrap();
        assert_eq!((rule.delivered, rule.undeliverable), (0, 1));
        assert_eq!(
            c.receipts.outcomes,
            OutcomeWeights::default(),
            "absent: the default"
        );
    }

    #[test]
    fn long_password_is_named() {
        let e = SimConfig::from_toml("[[accounts]]\nsystem_id='a'\npassword='123456789'\n").unwrap_err();
        assert_eq!(e[0].key, "accounts[0].password");
    }
}
