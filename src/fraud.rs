//! Fraud rules: the checks the operator runs on every debit and hold an application makes,
//! beyond the account's own limits (`docs/guides/fraud.md`).
//!
//! This module is pure: it holds the rule set ([`Rules`], from `[fraud]` in the configuration or
//! from the admin API), what the store observed for one movement ([`Observed`]) and the verdict
//! ([`Rules::evaluate`]). The store calls it inside the movement's transaction, after the
//! movement's counters were bumped, so concurrent charges see each other's counts and none can
//! slip past a velocity limit; the service functions decide what a verdict means for the
//! application (refused, or held for the subscriber's confirmation). It knows no SQL and no wire.

use serde::{Deserialize, Serialize};

mod rules;

pub use rules::{AboveHistory, AppSpread, FirstCharge, Night, Probing, Velocity, Window};

/// What a rule does when it fires. Ordered: the strongest action of the rules that fired wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Let the movement through and record the decision for review.
    Flag,
    /// Hold the money and ask the subscriber by SMS; the charge completes on their `YES`.
    Confirm,
    /// Refuse the movement (POL1020) and record the decision.
    Refuse,
}

impl Action {
    /// The name used in the configuration, the admin API and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Flag => "flag",
            Self::Confirm => "confirm",
            Self::Refuse => "refuse",
        }
    }

    /// The action named `s`.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Flag, Self::Confirm, Self::Refuse]
            .into_iter()
            .find(|a| a.as_str() == s)
    }
}

/// The rules, by name (their keys under `[fraud]` and in the admin API).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleName {
    /// Too many charges, or too much money, on one account per minute, hour or day.
    AccountVelocity,
    /// One application charging many distinct accounts within a minute.
    AppSpread,
    /// An amount far above the account's own average charge.
    AboveHistory,
    /// The first charge an application makes on an account, above an amount.
    FirstCharge,
    /// A charge above an amount during the operator's night.
    Night,
    /// Repeated refusals on one account (someone probing for the balance).
    Probing,
}

impl RuleName {
    /// Every rule, in the order the guide lists them.
    pub const ALL: [Self; 6] = [
        Self::AccountVelocity,
        Self::AppSpread,
        Self::AboveHistory,
        Self::FirstCharge,
        Self::Night,
        Self::Probing,
    ];

    /// The rule's key (`[fraud.<key>]`, metric label, fault variable).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccountVelocity => "account_velocity",
            Self::AppSpread => "app_spread",
            Self::AboveHistory => "above_history",
            Self::FirstCharge => "first_charge",
            Self::Night => "night",
            Self::Probing => "probing",
        }
    }

    /// The rule named `s`.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl std::fmt::Display for RuleName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The whole rule set: `[fraud]` in the configuration, or the document the admin API keeps.
/// The defaults flag unusual traffic for review and refuse nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Rules {
    /// Charges and amounts per account per minute, hour and day.
    pub account_velocity: Velocity,
    /// Distinct accounts one application charges per minute.
    pub app_spread: AppSpread,
    /// An amount far above the account's average.
    pub above_history: AboveHistory,
    /// An application's first charge on an account.
    pub first_charge: FirstCharge,
    /// Charges during the night, in the operator's time zone.
    pub night: Night,
    /// Repeated refusals on one account.
    pub probing: Probing,
}

/// Two counts over one window: how many movements and how much money, minor units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Movements.
    pub count: i64,
    /// Their amounts together, minor units.
    pub amount: i64,
}

/// What the store saw for one movement, inside its transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    /// The movement's amount, minor units of the account's currency.
    pub amount: i64,
    /// The account's debits and holds this minute, hour and day (operator's day), this one
    /// included.
    pub velocity: [Tally; 3],
    /// The account's debits and holds before this one, ever: its history.
    pub history: Tally,
    /// Refused debits on the account in the probing window so far.
    pub refusals: i64,
    /// Whether the application had debited or held on this account before; `None` when the rule
    /// did not need to ask ([`Rules::needs_first_charge_lookup`]).
    pub charged_before: Option<bool>,
    /// Distinct accounts the application debited this minute, this one included; `None` when the
    /// rule is off.
    pub app_accounts: Option<i64>,
    /// The hour of the day in the operator's time zone (0–23).
    pub local_hour: u32,
}

/// One rule that fired, with the values it compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fired {
    /// Which rule.
    pub rule: RuleName,
    /// Its action.
    pub action: Action,
    /// What was measured, e.g. `charges this minute` or `amount / average`.
    pub measure: String,
    /// The value seen.
    pub observed: i64,
    /// The threshold it crossed.
    pub limit: i64,
}

/// The rules that fired on one movement; empty when it is ordinary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Every rule that fired, in [`RuleName::ALL`] order.
    pub fired: Vec<Fired>,
}

impl Verdict {
    /// The strongest action of the rules that fired; `None` when none did.
    pub fn action(&self) -> Option<Action> {
        self.fired.iter().map(|f| f.action).max()
    }

    /// The first rule with the strongest action: the one the application's fault names.
    pub fn deciding_rule(&self) -> Option<RuleName> {
        let action = self.action()?;
        self.fired.iter().find(|f| f.action == action).map(|f| f.rule)
    }
}

impl Rules {
    /// The rules that fire on `o`.
    pub fn evaluate(&self, o: &Observed) -> Verdict {
        let mut fired = Vec::new();
        self.account_velocity.check(o, &mut fired);
        self.app_spread.check(o, &mut fired);
        self.above_history.check(o, &mut fired);
        self.first_charge.check(o, &mut fired);
        self.night.check(o, &mut fired);
        self.probing.check(o, &mut fired);
        Verdict { fired }
    }

    /// Whether the store must look up the application's earlier debits on the account for a
    /// movement of `amount` (only when the first-charge rule could fire on it).
    pub fn needs_first_charge_lookup(&self, amount: i64) -> bool {
        self.first_charge.enabled && amount >= self.first_charge.min_amount
    }

    /// Whether an enabled rule could stop (confirm or refuse) a movement of `amount`: then it must
    /// be decided before it commits, in a transaction that can still be undone. Rules with a
    /// smallest amount cannot stop smaller movements.
    pub fn could_stop(&self, amount: i64) -> bool {
        self.actions_at(amount).any(|a| a > Action::Flag)
    }

    /// Whether an enabled rule could ask the subscriber about a charge of `amount`: then its
    /// reference code may already have a confirmation, which answers a retry.
    pub fn may_confirm(&self, amount: i64) -> bool {
        self.actions_at(amount).any(|a| a == Action::Confirm)
    }

    /// The probing window in milliseconds.
    pub fn probing_window_ms(&self) -> i64 {
        i64::from(self.probing.window_secs.max(1)) * 1000
    }

    /// Whether any rule is enabled (the store keeps no counters otherwise).
    pub fn any_enabled(&self) -> bool {
        self.enabled_actions().next().is_some()
    }

    /// The actions of the enabled rules that could fire on a movement of `amount`.
    fn actions_at(&self, amount: i64) -> impl Iterator<Item = Action> {
        [
            (self.account_velocity.enabled, self.account_velocity.action),
            (self.app_spread.enabled, self.app_spread.action),
            (
                self.above_history.enabled && amount >= self.above_history.min_amount,
                self.above_history.action,
            ),
            (
                self.first_charge.enabled && amount >= self.first_charge.min_amount,
                self.first_charge.action,
            ),
            (
                self.night.enabled && amount >= self.night.min_amount,
                self.night.action,
            ),
            (self.probing.enabled, self.probing.action),
        ]
        .into_iter()
        .filter_map(|(on, action)| on.then_some(action))
    }

    fn enabled_actions(&self) -> impl Iterator<Item = Action> {
        [
            (self.account_velocity.enabled, self.account_velocity.action),
            (self.app_spread.enabled, self.app_spread.action),
            (self.above_history.enabled, self.above_history.action),
            (self.first_charge.enabled, self.first_charge.action),
            (self.night.enabled, self.night.action),
            (self.probing.enabled, self.probing.action),
        ]
        .into_iter()
        .filter_map(|(on, action)| on.then_some(action))
    }

    /// Every unusable value, one line each, named by its path under `prefix` (`fraud` in the
    /// configuration, empty in the admin API).
    pub fn check(&self, prefix: &str, errors: &mut Vec<String>) {
        let at = |key: &str| {
            if prefix.is_empty() {
                key.to_owned()
            } else {
                format!("{prefix}.{key}")
            }
        };
        self.account_velocity
            .check_values(&at("account_velocity"), errors);
        self.app_spread.check_values(&at("app_spread"), errors);
        self.above_history.check_values(&at("above_history"), errors);
        self.first_charge.check_values(&at("first_charge"), errors);
        self.night.check_values(&at("night"), errors);
        self.probing.check_values(&at("probing"), errors);
    }
}

#[cfg(test)]
mod tests;
