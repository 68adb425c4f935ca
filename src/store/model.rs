//! What the store keeps: subscriber accounts and their ledger, as plain values.
//!
//! Amounts are `i64` minor units of the account's currency; conversion to `Decimal` happens at the
//! API edges through [`crate::domain::Currency`].

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;

use crate::domain::{Currency, Moment, Msisdn};

mod refusal;
pub use refusal::Refusal;

/// Lifecycle of a subscriber account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountStatus {
    /// Usable: may be charged and topped up.
    Active,
    /// Barred by the operator: charges are refused, credits still accepted; can be resumed.
    Suspended,
    /// Terminal: nothing moves any more.
    Closed,
}

impl AccountStatus {
    /// The value kept in the `status` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Closed => "closed",
        }
    }
}

impl FromStr for AccountStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "active" => Ok(Self::Active),
            "suspended" => Ok(Self::Suspended),
            "closed" => Ok(Self::Closed),
            other => Err(format!("unknown account status {other:?}")),
        }
    }
}

impl fmt::Display for AccountStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Language of the SMS a subscriber receives from the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Korean, the default.
    #[default]
    Ko,
    /// English.
    En,
}

impl Language {
    /// The value kept in the `language` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ko => "ko",
            Self::En => "en",
        }
    }
}

impl FromStr for Language {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ko" => Ok(Self::Ko),
            "en" => Ok(Self::En),
            other => Err(format!("unknown language {other:?}")),
        }
    }
}

/// A prepaid subscriber account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Store-assigned identifier; also the paging key.
    pub id: i64,
    /// The subscriber's number.
    pub msisdn: Msisdn,
    /// Lifecycle state.
    pub status: AccountStatus,
    /// Currency of every amount on this account.
    pub currency: Currency,
    /// Prepaid balance, minor units. Always equal to the sum of the ledger's `amount`s.
    pub balance: i64,
    /// Part of the balance held by open reservations, minor units.
    pub reserved: i64,
    /// How far below zero the balance may go; 0 (no overdraft) unless the operator says otherwise.
    pub overdraft_limit: i64,
    /// Most that may be charged in one calendar month, minor units; `None` = no limit.
    pub monthly_limit: Option<i64>,
    /// The month (`YYYY-MM`, operator zone) that `month_spent` counts.
    pub month: String,
    /// Charged in `month`, net of refunds, minor units.
    pub month_spent: i64,
    /// A balance below this triggers the low-balance alert; `None` = no alert.
    pub low_balance_threshold: Option<i64>,
    /// Last day on which the credit may be used (operator zone); `None` = never expires.
    pub credit_expiry: Option<NaiveDate>,
    /// Send the subscriber a receipt SMS after each charge.
    pub notify_receipt: bool,
    /// Send the subscriber an SMS when the balance falls below the threshold.
    pub notify_low_balance: bool,
    /// Language of subscriber SMS.
    pub language: Language,
    /// Creation time, ms since the epoch.
    pub created_at_ms: i64,
    /// Last change, ms since the epoch.
    pub updated_at_ms: i64,
}

impl Account {
    /// Month-to-date spend as of `moment`: what was counted for an earlier month no longer counts.
    pub fn spent_in(&self, moment: &Moment) -> i64 {
        if self.month == moment.month {
            self.month_spent
        } else {
            0
        }
    }

    /// What may still be charged: balance not held by reservations, plus any overdraft.
    pub fn available(&self) -> i64 {
        self.balance - self.reserved + self.overdraft_limit
    }
}

/// Everything needed to open an account.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// The subscriber's number (must not have an account yet).
    pub msisdn: Msisdn,
    /// Currency of the account.
    pub currency: Currency,
    /// Opening balance, minor units; recorded in the ledger as a top-up when above zero.
    pub opening_balance: i64,
    /// See [`Account::monthly_limit`].
    pub monthly_limit: Option<i64>,
    /// See [`Account::low_balance_threshold`].
    pub low_balance_threshold: Option<i64>,
    /// See [`Account::credit_expiry`].
    pub credit_expiry: Option<NaiveDate>,
    /// See [`Account::overdraft_limit`].
    pub overdraft_limit: i64,
    /// See [`Account::notify_receipt`].
    pub notify_receipt: bool,
    /// See [`Account::notify_low_balance`].
    pub notify_low_balance: bool,
    /// See [`Account::language`].
    pub language: Language,
    /// Initial status (operators may provision an account suspended).
    pub status: AccountStatus,
    /// Who opened it; recorded on the opening ledger entry.
    pub actor: String,
}

/// A change of an account's settings; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct AccountPatch {
    /// New monthly limit.
    pub monthly_limit: Option<Option<i64>>,
    /// New low-balance threshold.
    pub low_balance_threshold: Option<Option<i64>>,
    /// New credit expiry date.
    pub credit_expiry: Option<Option<NaiveDate>>,
    /// New overdraft allowance.
    pub overdraft_limit: Option<i64>,
    /// New receipt-SMS preference.
    pub notify_receipt: Option<bool>,
    /// New low-balance-SMS preference.
    pub notify_low_balance: Option<bool>,
    /// New SMS language.
    pub language: Option<Language>,
}

/// Filter and page for listing accounts (keyset paging on `id`).
#[derive(Debug, Clone)]
pub struct AccountQuery {
    /// Only accounts in this state.
    pub status: Option<AccountStatus>,
    /// Only accounts with an `id` greater than this (the previous page's last id).
    pub after_id: i64,
    /// Page size.
    pub limit: i64,
}

/// Why a balance changed. The ledger is append-only; each row carries one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// Money added by the operator or a recharge operation.
    Topup,
    /// A purchase paid from the balance.
    Charge,
    /// A charge given back.
    Refund,
    /// Money set aside for a reservation (moves `reserved`, not `balance`).
    Reserve,
    /// Reserved money given back to the available balance.
    Release,
    /// Reserved money actually charged.
    ReservationCharge,
    /// Credit from a prepaid voucher.
    Voucher,
    /// A correction by the operator, either sign.
    Adjustment,
}

impl EntryKind {
    /// The value kept in the `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Topup => "topup",
            Self::Charge => "charge",
            Self::Refund => "refund",
            Self::Reserve => "reserve",
            Self::Release => "release",
            Self::ReservationCharge => "reservation_charge",
            Self::Voucher => "voucher",
            Self::Adjustment => "adjustment",
        }
    }
}

impl EntryKind {
    /// Whether this kind takes money from the balance.
    pub fn is_debit(self) -> bool {
        matches!(self, Self::Charge | Self::ReservationCharge)
    }
}

impl FromStr for EntryKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            Self::Topup,
            Self::Charge,
            Self::Refund,
            Self::Reserve,
            Self::Release,
            Self::ReservationCharge,
            Self::Voucher,
            Self::Adjustment,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
        .ok_or_else(|| format!("unknown ledger entry kind {s:?}"))
    }
}

/// One row of an account's ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    /// Store-assigned, increasing: the ledger's order.
    pub id: i64,
    /// The account it belongs to.
    pub msisdn: Msisdn,
    /// Why the balance changed.
    pub kind: EntryKind,
    /// Change of the balance, minor units (negative for charges).
    pub amount: i64,
    /// Change of the reserved part of the balance, minor units.
    pub reserved_delta: i64,
    /// Balance right after this entry.
    pub balance_after: i64,
    /// Who did it: `operator:<name>` or `app:<id>`.
    pub actor: String,
    /// The caller's reference (idempotency key per actor), when it gave one.
    pub reference_code: Option<String>,
    /// Free text for statements.
    pub description: String,
    /// When, ms since the epoch.
    pub created_at_ms: i64,
}

/// A request to move money on one account.
#[derive(Debug, Clone)]
pub struct Movement {
    /// Whose account.
    pub msisdn: Msisdn,
    /// What kind of movement; decides the sign and the rules applied.
    pub kind: EntryKind,
    /// Positive amount in minor units of `currency`.
    pub amount: i64,
    /// Must be the account's currency.
    pub currency: Currency,
    /// Who asks (`operator:<name>`, `app:<id>`): with `reference_code`, the idempotency key.
    pub actor: String,
    /// Idempotency key: the same `(actor, reference_code)` never moves money twice.
    pub reference_code: Option<String>,
    /// Statement text.
    pub description: String,
    /// Limits that apply besides the account's own.
    pub limits: Limits,
    /// For a credit: move the credit expiry this many days past the later of today and the current
    /// expiry, in the same transaction (ES 202 391-7 `balanceUpdate` `period`). A credit that never
    /// expires keeps never expiring.
    pub extend_expiry_days: Option<u32>,
    /// The fraud rules to run on it (an application's debit), in its transaction; `None` for the
    /// movements no rule looks at (credits, refunds, the operator's own).
    pub screen: Option<std::sync::Arc<crate::fraud::Rules>>,
}

/// Limits on a movement set by the caller's agreement, checked by the store in the movement's
/// transaction. For a debit or a hold they are the agreement's spend limits, for an
/// application's credit its credit limits; the operator's own movements have none.
/// `scf::payment::limits_for` is the one place that computes them from an agreement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// Most one movement may be, minor units; for a reservation, everything it held and charged
    /// together (a reservation is one purchase).
    pub per_movement: Option<i64>,
    /// Most the actor may charge (or, for credits, credit) all accounts together today
    /// (operator zone), minor units.
    pub actor_daily: Option<i64>,
    /// The same for this calendar month.
    pub actor_monthly: Option<i64>,
    /// A refund may not exceed what the actor charged this account, net of its refunds.
    pub refund_within_charges: bool,
}

impl Limits {
    /// Whether the actor's spend (or credit) must be counted for this movement.
    pub fn counts_actor_spend(&self) -> bool {
        self.actor_daily.is_some() || self.actor_monthly.is_some()
    }

    /// Whether `total` minor units would be over the per-movement limit.
    pub fn over_per_movement(&self, total: i64) -> bool {
        self.per_movement.is_some_and(|cap| total > cap)
    }
}

/// The result of a movement.
#[derive(Debug, Clone)]
pub struct Moved {
    /// The ledger entry that recorded it (the first one, for a replayed request).
    pub entry: LedgerEntry,
    /// The account as it is now.
    pub account: Account,
    /// `true` when this was a retry of an earlier request and nothing moved this time.
    pub replayed: bool,
}
