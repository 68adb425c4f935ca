//! Compiling the parts of a [`ServiceAgreement`]: each function checks one field, adds an error
//! per invalid entry (path, message) and returns what it could compile.

use std::collections::HashMap;
use std::num::NonZeroU32;

use rust_decimal::Decimal;

use super::{Caps, Rate, ServiceAgreement};
use crate::domain::Currency;
use crate::framework::operation::Scope;

pub(super) fn compile_scopes(doc: &ServiceAgreement, errors: &mut Vec<(String, String)>) -> Vec<Scope> {
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

pub(super) fn compile_networks(
    field: &str,
    list: &[String],
    errors: &mut Vec<(String, String)>,
) -> Vec<ipnet::IpNet> {
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

pub(super) fn compile_rates(
    doc: &ServiceAgreement,
    errors: &mut Vec<(String, String)>,
) -> Vec<(Scope, Rate)> {
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
pub(super) fn compile_money(
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
pub(super) fn compile_caps<'a>(
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
                    .to_positive_minor(d.normalize())
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
