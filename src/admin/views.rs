//! JSON shapes the admin API returns. Amounts are exact decimals in the account's currency.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::Moment;
use crate::domain::clock::from_millis;
use crate::store::{Account, AccountStatus, EntryKind, Language, LedgerEntry};

/// An account as operators see it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountView {
    /// E.164 number.
    pub msisdn: String,
    /// `active`, `suspended` or `closed`.
    pub status: AccountStatus,
    /// ISO 4217 code.
    pub currency: String,
    /// Prepaid balance.
    pub balance: Decimal,
    /// Held by open reservations.
    pub reserved: Decimal,
    /// What may still be charged (balance − reserved + overdraft).
    pub available: Decimal,
    /// Allowed overdraft (0: none).
    pub overdraft_limit: Decimal,
    /// Monthly spending limit, if any.
    pub monthly_limit: Option<Decimal>,
    /// Charged this calendar month, net of refunds.
    pub month_to_date_spend: Decimal,
    /// Low-balance alert threshold, if any.
    pub low_balance_threshold: Option<Decimal>,
    /// Last day the credit may be used, if it expires.
    pub credit_expiry: Option<NaiveDate>,
    /// Receipt SMS after each charge.
    pub notify_receipt: bool,
    /// SMS when the balance falls below the threshold.
    pub notify_low_balance: bool,
    /// Language of subscriber SMS.
    pub language: Language,
    /// When the account was opened.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl AccountView {
    /// Renders an account as of `now` (month-to-date spend depends on the month).
    pub fn new(a: &Account, now: &Moment) -> Self {
        let money = |minor: i64| a.currency.from_minor(minor);
        Self {
            msisdn: a.msisdn.to_string(),
            status: a.status,
            currency: a.currency.code().to_owned(),
            balance: money(a.balance),
            reserved: money(a.reserved),
            available: money(a.available()),
            overdraft_limit: money(a.overdraft_limit),
            monthly_limit: a.monthly_limit.map(money),
            month_to_date_spend: money(a.spent_in(now)),
            low_balance_threshold: a.low_balance_threshold.map(money),
            credit_expiry: a.credit_expiry,
            notify_receipt: a.notify_receipt,
            notify_low_balance: a.notify_low_balance,
            language: a.language,
            created_at: from_millis(a.created_at_ms),
            updated_at: from_millis(a.updated_at_ms),
        }
    }
}

/// One ledger row.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LedgerView {
    /// Ledger order.
    pub id: i64,
    /// Why the balance changed.
    pub kind: EntryKind,
    /// Change of the balance (negative for charges).
    pub amount: Decimal,
    /// Change of the reserved part.
    pub reserved_delta: Decimal,
    /// Balance after this entry.
    pub balance_after: Decimal,
    /// `operator:<name>` or `app:<id>`.
    pub actor: String,
    /// The caller's reference code.
    pub reference_code: Option<String>,
    /// Statement text.
    pub description: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl LedgerView {
    /// Renders a ledger row in the account's currency.
    pub fn new(e: &LedgerEntry, currency: crate::domain::Currency) -> Self {
        Self {
            id: e.id,
            kind: e.kind,
            amount: currency.from_minor(e.amount),
            reserved_delta: currency.from_minor(e.reserved_delta),
            balance_after: currency.from_minor(e.balance_after),
            actor: e.actor.clone(),
            reference_code: e.reference_code.clone(),
            description: e.description.clone(),
            created_at: from_millis(e.created_at_ms),
        }
    }
}

/// A page of accounts.
#[derive(Debug, Serialize, Deserialize)]
pub struct AccountPage {
    /// The accounts, in id order.
    pub accounts: Vec<AccountView>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<i64>,
}

/// A page of ledger entries.
#[derive(Debug, Serialize, Deserialize)]
pub struct LedgerPage {
    /// The account's number.
    pub msisdn: String,
    /// Newest first.
    pub entries: Vec<LedgerView>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next_before: Option<i64>,
}

/// The outcome of a top-up.
#[derive(Debug, Serialize, Deserialize)]
pub struct TopupView {
    /// The ledger entry that recorded it (the first one, when this was a retry).
    pub entry: LedgerView,
    /// The account now.
    pub account: AccountView,
    /// `true` when the reference code had been used for this same top-up before: nothing moved.
    pub replayed: bool,
}
