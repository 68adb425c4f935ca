//! Service agreements: what one application may call, how often, and for how much.
//!
//! [`ServiceAgreement`] is the document operators write (JSON through the admin API, kept as-is in
//! the store); [`Agreement`] is its checked, compiled form the framework decides with. Compiling
//! reports every invalid field at once.

use std::collections::HashMap;
use std::num::NonZeroU32;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::operation::{Operation, Scope};
use crate::domain::Currency;
use callback_hosts::{CallbackHost, compile_callback_hosts};
use compile::{compile_money, compile_networks, compile_rates, compile_scopes};

/// The agreement as operators write it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceAgreement {
    /// What may be called: `*`, a group (`Payment`, `AccountManagement`, `SMS`, `Credit`), a
    /// service (`AmountCharging`) or an operation (`AmountCharging.chargeAmount`). The credits
    /// (`balanceUpdate`, `voucherUpdate`) are granted only by `Credit` or by their names.
    pub allow: Vec<String>,
    /// Request rates; the most specific rule covering an operation applies, and every operation a
    /// rule covers shares its budget. Operations no rule covers get the gateway default.
    #[serde(default)]
    pub rates: Vec<RateRule>,
    /// Money caps per currency.
    #[serde(default)]
    pub spend_limits: Vec<SpendLimit>,
    /// Caps on the credit an application granted `Credit` (balanceUpdate, voucherUpdate) may add,
    /// per currency; counted like spend. None for a currency: its credits are not capped.
    #[serde(default)]
    pub credit_limits: Vec<CreditLimit>,
    /// Sender names and short codes the application may send SMS from.
    #[serde(default)]
    pub sms_senders: Vec<String>,
    /// Hosts the application's callback URLs may point at: `host` (the scheme's default port
    /// only), `host:port`, or `host:*` (any port); an IPv6 address in brackets (`[2001:db8::1]:8443`).
    #[serde(default)]
    pub callback_hosts: Vec<String>,
    /// Internal networks (CIDR or one address) callbacks may reach. Without one, a callback whose
    /// host is or resolves to a loopback, private, link-local (cloud metadata), shared or other
    /// non-public address is refused.
    #[serde(default)]
    pub callback_networks: Vec<String>,
    /// Not usable before this instant.
    #[serde(default)]
    pub valid_from: Option<DateTime<Utc>>,
    /// Not usable from this instant on.
    #[serde(default)]
    pub valid_until: Option<DateTime<Utc>>,
    /// Most addresses in one sendSms.
    #[serde(default = "default_max_sms_addresses")]
    pub max_sms_addresses: u32,
    /// Networks the application may call from (CIDR such as `203.0.113.0/24`, or one address);
    /// empty: any. The peer address of the connection is checked (no forwarding header is trusted).
    #[serde(default)]
    pub source_networks: Vec<String>,
    /// What the application's campaigns may reach (with the `Campaigns` grant).
    #[serde(default)]
    pub campaigns: CampaignTerms,
}

fn default_max_sms_addresses() -> u32 {
    10
}

/// The bounds of an application's campaigns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CampaignTerms {
    /// Most numbers in one campaign.
    pub max_numbers: u32,
    /// Most numbers per second all its unfinished (scheduled or paused) campaigns together may
    /// send: the sum of their rates.
    pub max_rate_per_second: u32,
}

impl Default for CampaignTerms {
    fn default() -> Self {
        Self {
            max_numbers: 10_000,
            max_rate_per_second: 10,
        }
    }
}

/// One request-rate rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateRule {
    /// A scope, as in `allow`.
    pub scope: String,
    /// Sustained requests per second.
    pub per_second: u32,
    /// Requests allowed at once above the sustained rate (default: `per_second`).
    #[serde(default)]
    pub burst: Option<u32>,
}

/// Money caps in one currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpendLimit {
    /// ISO 4217 code.
    pub currency: String,
    /// Most a single charge may be.
    #[serde(default)]
    pub per_charge: Option<Decimal>,
    /// Most the application may charge all subscribers together in a day (operator zone).
    #[serde(default)]
    pub daily: Option<Decimal>,
    /// Most the application may charge all subscribers together in a calendar month.
    #[serde(default)]
    pub monthly: Option<Decimal>,
}

/// Credit caps in one currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditLimit {
    /// ISO 4217 code.
    pub currency: String,
    /// Most a single credit may be.
    #[serde(default)]
    pub per_credit: Option<Decimal>,
    /// Most the application may credit all subscribers together in a day (operator zone).
    #[serde(default)]
    pub daily: Option<Decimal>,
    /// Most the application may credit all subscribers together in a calendar month.
    #[serde(default)]
    pub monthly: Option<Decimal>,
}

/// A request rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rate {
    /// Sustained requests per second.
    pub per_second: NonZeroU32,
    /// Burst size.
    pub burst: NonZeroU32,
}

/// Checked money caps (of spend or of credit), minor units of their currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Caps {
    /// Most per charge (or per credit).
    pub per_charge: Option<i64>,
    /// Most per day, all subscribers together.
    pub daily: Option<i64>,
    /// Most per calendar month, all subscribers together.
    pub monthly: Option<i64>,
}

/// A checked agreement.
#[derive(Debug, Clone)]
pub struct Agreement {
    allow: Vec<Scope>,
    rates: Vec<(Scope, Rate)>,
    caps: HashMap<Currency, Caps>,
    credit_caps: HashMap<Currency, Caps>,
    /// Allowed SMS sender names and short codes.
    pub sms_senders: Vec<String>,
    /// Allowed callback hosts and ports.
    callback_hosts: Vec<CallbackHost>,
    /// Internal networks callbacks may reach.
    callback_networks: Vec<ipnet::IpNet>,
    /// Start of validity.
    pub valid_from: Option<DateTime<Utc>>,
    /// End of validity (exclusive).
    pub valid_until: Option<DateTime<Utc>>,
    /// Most addresses per sendSms.
    pub max_sms_addresses: u32,
    /// Networks calls may come from; empty: any.
    source_networks: Vec<ipnet::IpNet>,
    /// Bounds of its campaigns.
    pub campaigns: CampaignTerms,
}

/// Why the agreement does not let a call through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// Before `valid_from`.
    NotYetValid,
    /// At or after `valid_until`.
    Expired,
    /// The operation is not granted.
    NotAllowed,
}

impl Agreement {
    /// Checks an agreement document; every problem is reported as `(field, message)`.
    pub fn compile(doc: &ServiceAgreement) -> Result<Self, Vec<(String, String)>> {
        let mut errors = Vec::new();
        let allow = compile_scopes(doc, &mut errors);
        let rates = compile_rates(doc, &mut errors);
        let (caps, credit_caps) = compile_money(doc, &mut errors);
        if let (Some(from), Some(until)) = (doc.valid_from, doc.valid_until)
            && from >= until
        {
            errors.push(("valid_until".to_owned(), "must be after valid_from".to_owned()));
        }
        if doc.max_sms_addresses == 0 {
            errors.push(("max_sms_addresses".to_owned(), "must be at least 1".to_owned()));
        }
        if doc.campaigns.max_numbers == 0 {
            errors.push((
                "campaigns.max_numbers".to_owned(),
                "must be at least 1".to_owned(),
            ));
        }
        if doc.campaigns.max_rate_per_second == 0 {
            errors.push((
                "campaigns.max_rate_per_second".to_owned(),
                "must be at least 1".to_owned(),
            ));
        }
        let source_networks = compile_networks("source_networks", &doc.source_networks, &mut errors);
        let callback_hosts = compile_callback_hosts(doc, &mut errors);
        let callback_networks = compile_networks("callback_networks", &doc.callback_networks, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            allow,
            rates,
            caps,
            credit_caps,
            sms_senders: doc.sms_senders.clone(),
            callback_hosts,
            callback_networks,
            valid_from: doc.valid_from,
            valid_until: doc.valid_until,
            max_sms_addresses: doc.max_sms_addresses,
            source_networks,
            campaigns: doc.campaigns,
        })
    }

    /// The agreement as the store keeps it (its JSON document), checked; why not, in one line.
    pub fn from_stored(source: &str) -> Result<Self, String> {
        let doc: ServiceAgreement =
            serde_json::from_str(source).map_err(|e| format!("the stored agreement does not read: {e}"))?;
        Self::compile(&doc).map_err(|e| format!("the stored agreement is invalid: {e:?}"))
    }

    /// Whether a call may come from `peer`.
    pub fn allows_source(&self, peer: std::net::IpAddr) -> bool {
        // An IPv4 client seen through an IPv6 socket is still that IPv4 address.
        let peer = callback_hosts::canonical(peer);
        self.source_networks.is_empty() || self.source_networks.iter().any(|n| n.contains(&peer))
    }

    /// Whether `op` may be called at `now`.
    pub fn check(&self, op: Operation, now: DateTime<Utc>) -> Result<(), Denial> {
        self.check_validity(now)?;
        if self.allow.iter().any(|s| s.grants(op)) {
            Ok(())
        } else {
            Err(Denial::NotAllowed)
        }
    }

    /// Whether the agreement is in force at `now` (between `valid_from` and `valid_until`).
    pub fn check_validity(&self, now: DateTime<Utc>) -> Result<(), Denial> {
        if self.valid_from.is_some_and(|from| now < from) {
            return Err(Denial::NotYetValid);
        }
        if self.valid_until.is_some_and(|until| now >= until) {
            return Err(Denial::Expired);
        }
        Ok(())
    }

    /// The rate rule for `op`: the most specific covering rule and the scope it applies to.
    pub fn rate_for(&self, op: Operation) -> Option<(Scope, Rate)> {
        self.rates
            .iter()
            .filter(|(s, _)| s.covers(op))
            .max_by_key(|(s, _)| s.specificity())
            .copied()
    }

    /// Money caps for a currency (none: no caps).
    pub fn caps(&self, currency: Currency) -> Caps {
        self.caps.get(&currency).copied().unwrap_or_default()
    }

    /// Credit caps for a currency (none: no caps).
    pub fn credit_caps(&self, currency: Currency) -> Caps {
        self.credit_caps.get(&currency).copied().unwrap_or_default()
    }

    /// Whether the application may send from this sender name or short code.
    pub fn allows_sender(&self, sender: &str) -> bool {
        self.sms_senders.iter().any(|s| s == sender)
    }

    /// Whether a callback may be sent to `url`: http(s), no user name or password in it, and its
    /// host and port on one of `callback_hosts`. Where the host's addresses may lead is
    /// [`may_reach`](Self::may_reach)'s question, asked again when the connection is made.
    pub fn allows_callback(&self, url: &url::Url) -> bool {
        let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
            return false;
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        matches!(url.scheme(), "http" | "https")
            && url.username().is_empty()
            && url.password().is_none()
            && self
                .callback_hosts
                .iter()
                .any(|allowed| allowed.matches(host, url.port(), port))
    }

    /// Whether a callback may connect to `ip`: a public address, or one inside the agreement's
    /// `callback_networks`.
    pub fn may_reach(&self, ip: std::net::IpAddr) -> bool {
        let ip = callback_hosts::canonical(ip);
        callback_hosts::is_public(ip) || self.callback_networks.iter().any(|n| n.contains(&ip))
    }
}

mod callback_hosts;
mod compile;

#[cfg(test)]
mod tests;
