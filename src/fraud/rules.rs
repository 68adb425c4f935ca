//! Each rule: its settings (with the defaults of `docs/guides/fraud.md`), when it fires, and what
//! makes a setting unusable. Amounts are minor units of the account's currency (won for KRW).

use serde::{Deserialize, Serialize};

use super::{Action, Fired, Observed, RuleName};

/// Records that `rule` fired: `observed` of `measure` crossed `limit`.
fn fire(fired: &mut Vec<Fired>, rule: RuleName, action: Action, measure: String, observed: i64, limit: i64) {
    fired.push(Fired {
        rule,
        action,
        measure,
        observed,
        limit,
    });
}

/// A threshold that must be positive when set.
fn positive(path: &str, value: Option<i64>, errors: &mut Vec<String>) {
    if value.is_some_and(|v| v <= 0) {
        errors.push(format!("{path}: must be greater than 0"));
    }
}

/// The limits of one velocity window; a limit left out is not checked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Window {
    /// Most debits and holds on the account in the window.
    pub count: Option<i64>,
    /// Most money taken or held in the window, minor units.
    pub amount: Option<i64>,
}

/// `account_velocity`: charges and amounts per account per minute, hour and day (fixed windows:
/// the clock's minute and hour, the operator's calendar day). As a flag it marks the charge that
/// crosses a limit, once per window; as a stop, every charge over it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Velocity {
    /// Whether the rule runs.
    pub enabled: bool,
    /// What it does when it fires.
    pub action: Action,
    /// The minute's limits.
    pub per_minute: Window,
    /// The hour's limits.
    pub per_hour: Window,
    /// The day's limits.
    pub per_day: Window,
}

impl Default for Velocity {
    fn default() -> Self {
        Self {
            enabled: true,
            action: Action::Flag,
            per_minute: Window {
                count: Some(10),
                amount: None,
            },
            per_hour: Window {
                count: Some(60),
                amount: None,
            },
            per_day: Window {
                count: Some(300),
                amount: None,
            },
        }
    }
}

impl Velocity {
    pub(super) fn check(&self, o: &Observed, fired: &mut Vec<Fired>) {
        if !self.enabled {
            return;
        }
        let windows = [
            ("minute", self.per_minute),
            ("hour", self.per_hour),
            ("day", self.per_day),
        ];
        // A flag marks the charge that crosses a limit, once per window: the account is flagged
        // for review then, and every later charge of the window would only repeat it. A stop
        // applies to every charge over the limit.
        let over = |before: i64, now: i64, limit: i64| {
            now > limit && (self.action > Action::Flag || before <= limit)
        };
        for ((name, window), seen) in windows.into_iter().zip(o.velocity) {
            if let Some(limit) = window.count.filter(|&l| over(seen.count - 1, seen.count, l)) {
                let measure = format!("charges this {name}");
                fire(
                    fired,
                    RuleName::AccountVelocity,
                    self.action,
                    measure,
                    seen.count,
                    limit,
                );
            }
            let before = seen.amount - o.amount;
            if let Some(limit) = window.amount.filter(|&l| over(before, seen.amount, l)) {
                let measure = format!("amount this {name}");
                fire(
                    fired,
                    RuleName::AccountVelocity,
                    self.action,
                    measure,
                    seen.amount,
                    limit,
                );
            }
        }
    }

    pub(super) fn check_values(&self, path: &str, errors: &mut Vec<String>) {
        for (name, w) in [
            ("per_minute", self.per_minute),
            ("per_hour", self.per_hour),
            ("per_day", self.per_day),
        ] {
            positive(&format!("{path}.{name}.count"), w.count, errors);
            positive(&format!("{path}.{name}.amount"), w.amount, errors);
        }
    }
}

/// `app_spread`: one application charging many distinct accounts within a minute. Off by default:
/// it keeps a counter per application that every charge of it bumps (docs/PERFORMANCE.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AppSpread {
    /// Whether the rule runs.
    pub enabled: bool,
    /// What it does when it fires.
    pub action: Action,
    /// Most distinct accounts one application may debit or hold on in a minute.
    pub accounts_per_minute: i64,
}

impl Default for AppSpread {
    fn default() -> Self {
        Self {
            enabled: false,
            action: Action::Flag,
            accounts_per_minute: 1_000,
        }
    }
}

impl AppSpread {
    pub(super) fn check(&self, o: &Observed, fired: &mut Vec<Fired>) {
        let Some(seen) = o.app_accounts.filter(|_| self.enabled) else {
            return;
        };
        if seen > self.accounts_per_minute {
            let measure = "accounts this minute".to_owned();
            let limit = self.accounts_per_minute;
            fire(fired, RuleName::AppSpread, self.action, measure, seen, limit);
        }
    }

    pub(super) fn check_values(&self, path: &str, errors: &mut Vec<String>) {
        positive(
            &format!("{path}.accounts_per_minute"),
            Some(self.accounts_per_minute),
            errors,
        );
    }
}

/// `above_history`: an amount at least `factor` times the account's average debit, once the
/// account has `min_charges` of them, for amounts from `min_amount`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AboveHistory {
    /// Whether the rule runs.
    pub enabled: bool,
    /// What it does when it fires.
    pub action: Action,
    /// How many times the average is unusual (at least 2).
    pub factor: i64,
    /// Debits the account needs before its average means anything.
    pub min_charges: i64,
    /// Amounts below this never fire, minor units.
    pub min_amount: i64,
}

impl Default for AboveHistory {
    fn default() -> Self {
        Self {
            enabled: true,
            action: Action::Flag,
            factor: 10,
            min_charges: 5,
            min_amount: 10_000,
        }
    }
}

impl AboveHistory {
    pub(super) fn check(&self, o: &Observed, fired: &mut Vec<Fired>) {
        let h = o.history;
        if !self.enabled || h.count < self.min_charges || o.amount < self.min_amount || h.amount <= 0 {
            return;
        }
        // amount / (history.amount / history.count) >= factor, in integers.
        let times = i128::from(o.amount) * i128::from(h.count) / i128::from(h.amount);
        if times >= i128::from(self.factor) {
            let observed = i64::try_from(times).unwrap_or(i64::MAX);
            let measure = "times the average charge".to_owned();
            fire(
                fired,
                RuleName::AboveHistory,
                self.action,
                measure,
                observed,
                self.factor,
            );
        }
    }

    pub(super) fn check_values(&self, path: &str, errors: &mut Vec<String>) {
        if self.factor < 2 {
            errors.push(format!("{path}.factor: must be at least 2"));
        }
        positive(&format!("{path}.min_charges"), Some(self.min_charges), errors);
        positive(&format!("{path}.min_amount"), Some(self.min_amount), errors);
    }
}

/// `first_charge`: an application's first debit or hold on an account, from `min_amount`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FirstCharge {
    /// Whether the rule runs.
    pub enabled: bool,
    /// What it does when it fires.
    pub action: Action,
    /// The smallest first charge that fires, minor units.
    pub min_amount: i64,
}

impl Default for FirstCharge {
    fn default() -> Self {
        Self {
            enabled: true,
            action: Action::Flag,
            min_amount: 100_000,
        }
    }
}

impl FirstCharge {
    pub(super) fn check(&self, o: &Observed, fired: &mut Vec<Fired>) {
        if self.enabled && o.charged_before == Some(false) && o.amount >= self.min_amount {
            let measure = "first charge by the application".to_owned();
            fire(
                fired,
                RuleName::FirstCharge,
                self.action,
                measure,
                o.amount,
                self.min_amount,
            );
        }
    }

    pub(super) fn check_values(&self, path: &str, errors: &mut Vec<String>) {
        positive(&format!("{path}.min_amount"), Some(self.min_amount), errors);
    }
}

/// `night`: a debit or hold from `min_amount` between `from_hour` and `to_hour` (operator's time
/// zone; the window may wrap midnight). Off by default: nights differ by market.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Night {
    /// Whether the rule runs.
    pub enabled: bool,
    /// What it does when it fires.
    pub action: Action,
    /// The first hour of the night (0–23).
    pub from_hour: u32,
    /// The hour the night ends (0–23, exclusive).
    pub to_hour: u32,
    /// The smallest amount that fires, minor units.
    pub min_amount: i64,
}

impl Default for Night {
    fn default() -> Self {
        Self {
            enabled: false,
            action: Action::Confirm,
            from_hour: 1,
            to_hour: 6,
            min_amount: 50_000,
        }
    }
}

impl Night {
    /// Whether `hour` is in the night.
    pub(super) fn contains(&self, hour: u32) -> bool {
        if self.from_hour <= self.to_hour {
            (self.from_hour..self.to_hour).contains(&hour)
        } else {
            hour >= self.from_hour || hour < self.to_hour
        }
    }

    pub(super) fn check(&self, o: &Observed, fired: &mut Vec<Fired>) {
        if self.enabled && o.amount >= self.min_amount && self.contains(o.local_hour) {
            let measure = format!("amount at {:02}:00", o.local_hour);
            fire(
                fired,
                RuleName::Night,
                self.action,
                measure,
                o.amount,
                self.min_amount,
            );
        }
    }

    pub(super) fn check_values(&self, path: &str, errors: &mut Vec<String>) {
        for (key, hour) in [("from_hour", self.from_hour), ("to_hour", self.to_hour)] {
            if hour > 23 {
                errors.push(format!("{path}.{key}: an hour from 0 to 23"));
            }
        }
        if self.from_hour == self.to_hour {
            errors.push(format!("{path}.to_hour: must differ from from_hour"));
        }
        positive(&format!("{path}.min_amount"), Some(self.min_amount), errors);
    }
}

/// `probing`: an account whose debits were refused `refusals` times (insufficient balance or the
/// monthly limit) within `window_secs` (a fixed window of the clock) is being probed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Probing {
    /// Whether the rule runs.
    pub enabled: bool,
    /// What it does when it fires.
    pub action: Action,
    /// Refusals in the window from which the next debit fires.
    pub refusals: i64,
    /// The window, seconds (1 to 86,400).
    pub window_secs: u32,
}

impl Default for Probing {
    fn default() -> Self {
        Self {
            enabled: true,
            action: Action::Flag,
            refusals: 5,
            window_secs: 600,
        }
    }
}

impl Probing {
    pub(super) fn check(&self, o: &Observed, fired: &mut Vec<Fired>) {
        if self.enabled && o.refusals >= self.refusals {
            let measure = "refused debits in the window".to_owned();
            fire(
                fired,
                RuleName::Probing,
                self.action,
                measure,
                o.refusals,
                self.refusals,
            );
        }
    }

    pub(super) fn check_values(&self, path: &str, errors: &mut Vec<String>) {
        positive(&format!("{path}.refusals"), Some(self.refusals), errors);
        if !(1..=86_400).contains(&self.window_secs) {
            errors.push(format!("{path}.window_secs: from 1 to 86400"));
        }
    }
}
