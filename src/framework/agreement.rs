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
}

fn default_max_sms_addresses() -> u32 {
    10
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
        })
    }

    /// Whether a call may come from `peer`.
    pub fn allows_source(&self, peer: std::net::IpAddr) -> bool {
        // An IPv4 client seen through an IPv6 socket is still that IPv4 address.
        let peer = canonical(peer);
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
            && self.callback_hosts.iter().any(|allowed| {
                allowed.host.eq_ignore_ascii_case(host)
                    && match allowed.port {
                        Port::Default => url.port().is_none(),
                        Port::Any => true,
                        Port::Is(p) => p == port,
                    }
            })
    }

    /// Whether a callback may connect to `ip`: a public address, or one inside the agreement's
    /// `callback_networks`.
    pub fn may_reach(&self, ip: std::net::IpAddr) -> bool {
        let ip = canonical(ip);
        is_public(ip) || self.callback_networks.iter().any(|n| n.contains(&ip))
    }
}

/// A `callback_hosts` entry, compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CallbackHost {
    /// Lower-case name or address (IPv6 without brackets).
    host: String,
    port: Port,
}

/// The port a callback host allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Port {
    /// The scheme's own (80, 443), written without a port.
    Default,
    /// `host:*`.
    Any,
    /// `host:8080`.
    Is(u16),
}

fn compile_callback_hosts(doc: &ServiceAgreement, errors: &mut Vec<(String, String)>) -> Vec<CallbackHost> {
    let mut hosts = Vec::new();
    for (i, raw) in doc.callback_hosts.iter().enumerate() {
        match parse_callback_host(raw.trim()) {
            Some(host) => hosts.push(host),
            None => errors.push((
                format!("callback_hosts[{i}]"),
                format!("{raw:?} is not a host, host:port or host:* (an IPv6 address in brackets)"),
            )),
        }
    }
    hosts
}

fn parse_callback_host(text: &str) -> Option<CallbackHost> {
    let (host, port) = match text.strip_prefix('[') {
        Some(rest) => {
            let (v6, after) = rest.split_once(']')?;
            v6.parse::<std::net::Ipv6Addr>().ok()?;
            let port = if after.is_empty() {
                None
            } else {
                Some(after.strip_prefix(':')?)
            };
            (v6, port)
        }
        None => match text.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        },
    };
    let port = match port {
        None => Port::Default,
        Some("*") => Port::Any,
        Some(digits) => Port::Is(digits.parse().ok().filter(|p| *p != 0)?),
    };
    let name_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':'));
    name_ok.then(|| CallbackHost {
        host: host.to_ascii_lowercase(),
        port,
    })
}

/// An IPv4 address seen through IPv6 (`::ffff:a.b.c.d`) is that IPv4 address.
fn canonical(ip: std::net::IpAddr) -> std::net::IpAddr {
    match ip {
        std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, std::net::IpAddr::V4),
        v4 => v4,
    }
}

/// Whether `ip` is an address of the public Internet: not loopback, private (RFC 1918, IPv6
/// unique-local), link-local (which holds the cloud metadata address 169.254.169.254), shared
/// (RFC 6598), unspecified, broadcast, multicast, documentation or otherwise reserved.
fn is_public(ip: std::net::IpAddr) -> bool {
    match canonical(ip) {
        std::net::IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || a >= 240
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (18..20).contains(&b)))
        }
        std::net::IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8
                || first == 0x0064 && v6.segments()[1] == 0xff9b
                || v6.to_ipv4().is_some())
        }
    }
}

fn compile_scopes(doc: &ServiceAgreement, errors: &mut Vec<(String, String)>) -> Vec<Scope> {
    if doc.allow.is_empty() {
        errors.push(("allow".to_owned(), "must grant at least one scope".to_owned()));
    }
    doc.allow
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            Scope::parse(s).or_else(|| {
                errors.push((
                    format!("allow[{i}]"),
                    format!("{s:?} names no group, service or operation"),
                ));
                None
            })
        })
        .collect()
}

fn compile_networks(field: &str, list: &[String], errors: &mut Vec<(String, String)>) -> Vec<ipnet::IpNet> {
    let mut networks = Vec::new();
    for (i, raw) in list.iter().enumerate() {
        let text = raw.trim();
        let parsed = text
            .parse::<ipnet::IpNet>()
            .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from));
        match parsed {
            Ok(net) => networks.push(net.trunc()),
            Err(_) => errors.push((
                format!("{field}[{i}]"),
                format!("{raw:?} is not an IP address or CIDR network"),
            )),
        }
    }
    networks
}

fn compile_rates(doc: &ServiceAgreement, errors: &mut Vec<(String, String)>) -> Vec<(Scope, Rate)> {
    let mut rates = Vec::new();
    for (i, rule) in doc.rates.iter().enumerate() {
        let scope = Scope::parse(&rule.scope);
        if scope.is_none() {
            errors.push((
                format!("rates[{i}].scope"),
                format!("{:?} names nothing", rule.scope),
            ));
        }
        let per_second = NonZeroU32::new(rule.per_second);
        if per_second.is_none() {
            errors.push((format!("rates[{i}].per_second"), "must be at least 1".to_owned()));
        }
        let burst = NonZeroU32::new(rule.burst.unwrap_or(rule.per_second));
        if burst.is_none() {
            errors.push((format!("rates[{i}].burst"), "must be at least 1".to_owned()));
        }
        if let (Some(scope), Some(per_second), Some(burst)) = (scope, per_second, burst) {
            rates.push((scope, Rate { per_second, burst }));
        }
    }
    rates
}

/// The spend caps and the credit caps, per currency.
fn compile_money(
    doc: &ServiceAgreement,
    errors: &mut Vec<(String, String)>,
) -> (HashMap<Currency, Caps>, HashMap<Currency, Caps>) {
    let spend = doc.spend_limits.iter().map(|l| {
        let values = [
            ("per_charge", l.per_charge),
            ("daily", l.daily),
            ("monthly", l.monthly),
        ];
        (&l.currency, values)
    });
    let credit = doc.credit_limits.iter().map(|l| {
        let values = [
            ("per_credit", l.per_credit),
            ("daily", l.daily),
            ("monthly", l.monthly),
        ];
        (&l.currency, values)
    });
    (
        compile_caps("spend_limits", spend, errors),
        compile_caps("credit_limits", credit, errors),
    )
}

/// Compiles `spend_limits` or `credit_limits` (named by `field`): per currency, the per-movement,
/// daily and monthly caps, each positive and exact in the currency.
fn compile_caps<'a>(
    field: &str,
    limits: impl Iterator<Item = (&'a String, [(&'static str, Option<Decimal>); 3])>,
    errors: &mut Vec<(String, String)>,
) -> HashMap<Currency, Caps> {
    let mut caps = HashMap::new();
    for (i, (code, values)) in limits.enumerate() {
        let Ok(currency) = Currency::from_code(code) else {
            errors.push((
                format!("{field}[{i}].currency"),
                format!("unknown currency {code:?}"),
            ));
            continue;
        };
        let [per, daily, monthly] = values.map(|(name, v)| {
            v.and_then(|d| {
                currency
                    .to_positive_minor(d)
                    .map_err(|e| errors.push((format!("{field}[{i}].{name}"), e.to_string())))
                    .ok()
            })
        });
        let compiled = Caps {
            per_charge: per,
            daily,
            monthly,
        };
        if caps.insert(currency, compiled).is_some() {
            errors.push((
                format!("{field}[{i}].currency"),
                format!("{currency} is listed twice"),
            ));
        }
    }
    caps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(json: serde_json::Value) -> ServiceAgreement {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn credit_limits_compile_apart_from_spend_limits_and_name_their_fields() {
        let a = Agreement::compile(&doc(serde_json::json!({
            "allow": ["Credit"],
            "spend_limits": [{"currency": "KRW", "per_charge": 100}],
            "credit_limits": [{"currency": "KRW", "per_credit": 5000, "monthly": 90000}],
        })))
        .unwrap();
        let krw = Currency::from_code("KRW").unwrap();
        let credit = Caps {
            per_charge: Some(5000),
            daily: None,
            monthly: Some(90_000),
        };
        assert_eq!((a.caps(krw).per_charge, a.credit_caps(krw)), (Some(100), credit));
        assert_eq!(a.check(Operation::BalanceUpdate, Utc::now()), Ok(()));
        let errors = Agreement::compile(&doc(serde_json::json!({
            "allow": ["Credit"],
            "credit_limits": [{"currency": "KRW", "per_credit": 0.5}, {"currency": "KRW"}],
        })))
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            ["credit_limits[0].per_credit", "credit_limits[1].currency"]
        );
    }

    #[test]
    fn grants_rates_and_caps_compile() {
        let a = Agreement::compile(&doc(serde_json::json!({
            "allow": ["Payment", "SendSms.sendSms"],
            "rates": [{"scope": "Payment", "per_second": 50}, {"scope": "AmountCharging.chargeAmount", "per_second": 5, "burst": 10}],
            "spend_limits": [{"currency": "KRW", "per_charge": 50000, "daily": "1000000"}],
        })))
        .unwrap();
        let now = Utc::now();
        assert_eq!(a.check(Operation::ChargeAmount, now), Ok(()));
        assert_eq!(a.check(Operation::SendSms, now), Ok(()));
        assert_eq!(a.check(Operation::GetReceivedSms, now), Err(Denial::NotAllowed));
        let (scope, rate) = a.rate_for(Operation::ChargeAmount).unwrap();
        assert_eq!(
            (scope, rate.per_second.get(), rate.burst.get()),
            (Scope::Operation(Operation::ChargeAmount), 5, 10)
        );
        assert_eq!(
            a.rate_for(Operation::RefundAmount).unwrap().0,
            Scope::parse("Payment").unwrap()
        );
        assert!(a.rate_for(Operation::SendSms).is_none());
        let krw = Currency::from_code("KRW").unwrap();
        assert_eq!(
            a.caps(krw),
            Caps {
                per_charge: Some(50_000),
                daily: Some(1_000_000),
                monthly: None
            }
        );
        assert_eq!(a.caps(Currency::from_code("USD").unwrap()), Caps::default());
    }

    #[test]
    fn validity_is_a_half_open_interval() {
        let from = Utc::now();
        let until = from + chrono::TimeDelta::days(1);
        let a = Agreement::compile(&doc(
            serde_json::json!({"allow": ["*"], "valid_from": from, "valid_until": until}),
        ))
        .unwrap();
        assert_eq!(
            a.check(Operation::GetBalance, from - chrono::TimeDelta::seconds(1)),
            Err(Denial::NotYetValid)
        );
        assert_eq!(a.check(Operation::GetBalance, from), Ok(()));
        assert_eq!(a.check(Operation::GetBalance, until), Err(Denial::Expired));
    }

    #[test]
    fn calls_come_from_the_listed_networks_or_anywhere() {
        let anywhere = Agreement::compile(&doc(serde_json::json!({"allow": ["*"]}))).unwrap();
        assert!(anywhere.allows_source("198.51.100.9".parse().unwrap()));
        let listed = Agreement::compile(&doc(serde_json::json!({
            "allow": ["*"],
            "source_networks": ["203.0.113.5/24", "2001:db8::1", " 192.0.2.1 "],
        })))
        .unwrap();
        for inside in ["203.0.113.200", "2001:db8::1", "192.0.2.1", "::ffff:203.0.113.9"] {
            assert!(listed.allows_source(inside.parse().unwrap()), "{inside}");
        }
        for outside in ["203.0.114.1", "2001:db8::2", "192.0.2.2", "127.0.0.1"] {
            assert!(!listed.allows_source(outside.parse().unwrap()), "{outside}");
        }
    }

    #[test]
    fn callbacks_go_to_the_listed_hosts_and_ports_only() {
        let a = Agreement::compile(&doc(serde_json::json!({
            "allow": ["*"],
            "callback_hosts": ["App.Example", "hooks.example:8443", "dev.example:*", "[2001:db8::7]:9000"],
        })))
        .unwrap();
        let allows = |u: &str| a.allows_callback(&url::Url::parse(u).unwrap());
        for ok in [
            "https://app.example/notify",
            "http://APP.example:80/x",
            "https://hooks.example:8443/x",
            "http://dev.example:1234/x",
            "http://[2001:db8::7]:9000/x",
        ] {
            assert!(allows(ok), "{ok}");
        }
        for refused in [
            "https://app.example:8443/x",
            "https://hooks.example/x",
            "ftp://app.example/x",
            "https://user:pw@app.example/x",
            "https://app.example.evil/x",
            "http://[2001:db8::7]/x",
        ] {
            assert!(!allows(refused), "{refused}");
        }
        for bad in ["host:", "host:0", "host:99999", "[::1", "::1", "a/b", ""] {
            let result =
                Agreement::compile(&doc(serde_json::json!({"allow": ["*"], "callback_hosts": [bad]})));
            assert!(result.is_err(), "{bad:?}");
        }
    }

    #[test]
    fn callbacks_reach_public_addresses_and_the_listed_internal_networks() {
        let public = Agreement::compile(&doc(serde_json::json!({"allow": ["*"]}))).unwrap();
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
        ] {
            assert!(!public.may_reach(internal.parse().unwrap()), "{internal}");
        }
        for outside in ["8.8.8.8", "203.0.114.1", "2a00:1450::1"] {
            assert!(public.may_reach(outside.parse().unwrap()), "{outside}");
        }
        let lab = Agreement::compile(&doc(serde_json::json!({
            "allow": ["*"], "callback_networks": ["127.0.0.0/8", "10.20.0.0/16"],
        })))
        .unwrap();
        assert!(lab.may_reach("127.0.0.1".parse().unwrap()));
        assert!(lab.may_reach("::ffff:10.20.3.4".parse().unwrap()));
        assert!(!lab.may_reach("10.21.0.1".parse().unwrap()));
        assert!(!lab.may_reach("169.254.169.254".parse().unwrap()));
    }

    #[test]
    fn every_invalid_field_is_reported() {
        let errors = Agreement::compile(&doc(serde_json::json!({
            "allow": ["Paymnet"],
            "rates": [{"scope": "x", "per_second": 0}],
            "spend_limits": [{"currency": "KRW", "per_charge": 0.5}, {"currency": "ZZZ"}],
            "callback_hosts": ["http://x"],
            "max_sms_addresses": 0,
            "source_networks": ["10.0.0.0/8", "10.0.0.0/33", "somewhere"],
            "callback_networks": ["private"],
        })))
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "allow[0]",
                "rates[0].scope",
                "rates[0].per_second",
                "rates[0].burst",
                "spend_limits[0].per_charge",
                "spend_limits[1].currency",
                "max_sms_addresses",
                "source_networks[1]",
                "source_networks[2]",
                "callback_hosts[0]",
                "callback_networks[0]"
            ]
        );
    }
}
