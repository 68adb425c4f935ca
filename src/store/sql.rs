//! The SQL both backends run, written once, and [`SqlStore`], which runs it.
//!
//! SQLite and PostgreSQL accept the same text for everything the store does (`$N` placeholders,
//! `RETURNING`, `CASE`, `COALESCE`), so the statements live here and beside the methods in
//! `sql/*`, and [`SqlStore`] implements every store trait once. A statement runs on either backend
//! through [`db`], which encodes the arguments for the connection's backend and decodes rows from
//! its own row type: the methods read as plain Rust, with no generic bounds over `sqlx::Database`
//! and no macros (`docs/ARCHITECTURE.md`, "The store", says what the alternatives cost).

use std::sync::LazyLock;

use chrono::NaiveDate;

use super::StoreError;
use super::model::{Account, AccountStatus, EntryKind, LedgerEntry, Limits, Movement, Refusal};
use crate::domain::{Currency, Moment, money::MAX_MINOR};

/// The columns of `accounts`, in [`AccountRow`] order.
pub(crate) const ACCOUNT_COLUMNS: &str = "id, msisdn, status, currency, balance, reserved, overdraft_limit, monthly_limit, month_key, \
         month_spent, low_balance_threshold, credit_expiry, notify_receipt, notify_low_balance, \
         language, created_at, updated_at";

/// The paper's rules for taking money, as a `WHERE` clause: the account is registered (the row
/// exists), in the currency, active, its credit not expired, and the amount fits both the available
/// balance and the monthly limit (money held by reservations counts against both). `$1` amount,
/// `$2` current month, `$4` number, `$5` currency, `$6` today. Used by charges and reservations
/// alike; [`debit_refusal`] explains, in the same order, why it matched no row.
pub(crate) const CHARGE_RULES: &str = "msisdn = $4 AND currency = $5 AND status = 'active' \
         AND (credit_expiry IS NULL OR credit_expiry >= $6) \
         AND balance - reserved + overdraft_limit >= $1 \
         AND (monthly_limit IS NULL \
              OR (CASE WHEN month_key = $2 THEN month_spent ELSE 0 END) + reserved + $1 <= monthly_limit)";

/// The columns of a ledger row joined with its account's number, in [`LedgerRow`] order.
pub(crate) const LEDGER_COLUMNS: &str = "l.id, a.msisdn, l.kind, l.amount, l.reserved_delta, l.balance_after, l.actor, \
         l.reference_code, l.description, l.created_at \
         FROM ledger l JOIN accounts a ON a.id = l.account_id";

pub(super) static SELECT_ACCOUNT: LazyLock<String> =
    LazyLock::new(|| ["SELECT ", ACCOUNT_COLUMNS, " FROM accounts WHERE msisdn = $1"].concat());

pub(super) static LIST_ACCOUNTS: LazyLock<String> = LazyLock::new(|| {
    [
        "SELECT ",
        ACCOUNT_COLUMNS,
        " FROM accounts WHERE status = COALESCE($1, status) AND id > $2 ORDER BY id LIMIT $3",
    ]
    .concat()
});

/// Opens an account (`$1` number … `$13` now).
const INSERT_ACCOUNT_HEAD: &str = "INSERT INTO accounts (msisdn, status, currency, balance, \
     overdraft_limit, monthly_limit, month_key, low_balance_threshold, credit_expiry, notify_receipt, \
     notify_low_balance, language, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)";

pub(super) static INSERT_ACCOUNT: LazyLock<String> =
    LazyLock::new(|| [INSERT_ACCOUNT_HEAD, " RETURNING ", ACCOUNT_COLUMNS].concat());

/// [`INSERT_ACCOUNT`] that leaves an existing number alone (no row then): a unique violation
/// would end a PostgreSQL transaction, and bulk provisioning goes on past one.
pub(super) static INSERT_ACCOUNT_IF_NEW: LazyLock<String> = LazyLock::new(|| {
    [
        INSERT_ACCOUNT_HEAD,
        " ON CONFLICT (msisdn) DO NOTHING RETURNING ",
        ACCOUNT_COLUMNS,
    ]
    .concat()
});

/// `$2/$4/$6` say whether to set the nullable field that follows; other fields keep their value
/// when bound to NULL.
pub(super) static UPDATE_ACCOUNT: LazyLock<String> = LazyLock::new(|| {
    [
        "UPDATE accounts SET \
       monthly_limit = CASE WHEN $2 THEN $3 ELSE monthly_limit END, \
       low_balance_threshold = CASE WHEN $4 THEN $5 ELSE low_balance_threshold END, \
       credit_expiry = CASE WHEN $6 THEN $7 ELSE credit_expiry END, \
       notify_receipt = COALESCE($8, notify_receipt), \
       notify_low_balance = COALESCE($9, notify_low_balance), \
       language = COALESCE($10, language), \
       updated_at = $11 \
     WHERE msisdn = $1 RETURNING ",
        ACCOUNT_COLUMNS,
    ]
    .concat()
});

/// A closed account stays closed: the transition is refused by the `WHERE`.
pub(super) static SET_STATUS: LazyLock<String> = LazyLock::new(|| {
    [
    "UPDATE accounts SET status = $2, updated_at = $3 WHERE msisdn = $1 AND status <> 'closed' RETURNING ",
    ACCOUNT_COLUMNS
].concat()
});

/// A reservation being charged: the money leaves `reserved` and the balance together, and the
/// month's spend grows (the limit was checked when the money was reserved). `$1` amount, `$2`
/// current month, `$3` now, `$4` account id.
pub(super) static DEBIT_RESERVED: LazyLock<String> = LazyLock::new(|| {
    [
        "UPDATE accounts SET \
       balance = balance - $1, \
       reserved = reserved - $1, \
       month_spent = CASE WHEN month_key = $2 THEN month_spent + $1 ELSE $1 END, \
       month_key = $2, \
       updated_at = $3 \
     WHERE id = $4 AND reserved >= $1 RETURNING ",
        ACCOUNT_COLUMNS,
    ]
    .concat()
});

/// The debit: every rule of the charge in one conditional update, so concurrent debits serialize
/// on the row and none can overspend. `$1` amount, `$2` current month, `$3` now, `$4` number,
/// `$5` currency, `$6` today. [`debit_refusal`] explains a refusal afterwards.
pub(super) static DEBIT: LazyLock<String> = LazyLock::new(|| {
    [
        "UPDATE accounts SET \
       balance = balance - $1, \
       month_spent = CASE WHEN month_key = $2 THEN month_spent + $1 ELSE $1 END, \
       month_key = $2, \
       updated_at = $3 \
     WHERE ",
        CHARGE_RULES,
        " RETURNING ",
        ACCOUNT_COLUMNS,
    ]
    .concat()
});

/// Top-up, voucher, adjustment: `$1` amount, `$2` now, `$3` number, `$4` currency, `$5` ceiling.
pub(super) static CREDIT: LazyLock<String> = LazyLock::new(|| {
    [
        "UPDATE accounts SET balance = balance + $1, updated_at = $2 \
     WHERE msisdn = $3 AND currency = $4 AND status <> 'closed' AND balance <= $5 - $1 \
     RETURNING ",
        ACCOUNT_COLUMNS,
    ]
    .concat()
});

/// A refund also gives back this month's spend: `$1` amount, `$2` current month, `$3` now,
/// `$4` number, `$5` currency, `$6` ceiling.
pub(super) static REFUND: LazyLock<String> = LazyLock::new(|| {
    [
        "UPDATE accounts SET \
       balance = balance + $1, \
       month_spent = CASE WHEN month_key = $2 \
                          THEN (CASE WHEN month_spent > $1 THEN month_spent - $1 ELSE 0 END) \
                          ELSE month_spent END, \
       updated_at = $3 \
     WHERE msisdn = $4 AND currency = $5 AND status <> 'closed' AND balance <= $6 - $1 \
     RETURNING ",
        ACCOUNT_COLUMNS,
    ]
    .concat()
});

/// Adds to an actor's spend counter for a period and returns the new total.
pub(super) const BUMP_ACTOR_SPEND: &str = "INSERT INTO app_spend (actor, currency, period, spent) \
     VALUES ($1, $2, $3, $4) \
     ON CONFLICT (actor, currency, period) DO UPDATE SET spent = app_spend.spent + excluded.spent \
     RETURNING spent";

/// A refund gives back to the actor's counters of the current day and month.
pub(super) const RETURN_ACTOR_SPEND: &str = "UPDATE app_spend \
     SET spent = CASE WHEN spent > $4 THEN spent - $4 ELSE 0 END \
     WHERE actor = $1 AND currency = $2 AND period IN ($3, $5)";

/// What an actor charged an account, net of its refunds (negative: ledger amounts of charges are).
pub(super) const ACTOR_NET_CHARGES: &str = "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM ledger \
     WHERE account_id = $1 AND actor = $2 AND kind IN ('charge', 'reservation_charge', 'refund')";

/// `$1` account id, `$2` the new last day of the credit.
pub(super) const SET_CREDIT_EXPIRY: &str = "UPDATE accounts SET credit_expiry = $2 WHERE id = $1";

pub(super) const INSERT_LEDGER: &str = "INSERT INTO ledger \
     (account_id, kind, amount, reserved_delta, balance_after, actor, reference_code, description, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";

pub(super) static FIND_REFERENCE: LazyLock<String> = LazyLock::new(|| {
    [
        "SELECT ",
        LEDGER_COLUMNS,
        " WHERE l.actor = $1 AND l.reference_code = $2",
    ]
    .concat()
});

pub(super) static LEDGER_PAGE: LazyLock<String> = LazyLock::new(|| {
    [
        "SELECT ",
        LEDGER_COLUMNS,
        " WHERE a.msisdn = $1 AND l.id < $2 ORDER BY l.id DESC LIMIT $3",
    ]
    .concat()
});

/// `SUM(BIGINT)` is NUMERIC on PostgreSQL; the cast keeps one Rust type for both backends.
pub(super) const LEDGER_SUM: &str = "SELECT CAST(COALESCE(SUM(l.amount), 0) AS BIGINT) \
     FROM ledger l JOIN accounts a ON a.id = l.account_id WHERE a.msisdn = $1";

/// The largest balance a credit may produce.
pub(super) const BALANCE_CEILING: i64 = MAX_MINOR * 100;

/// How dates are written to the database (and compared as text).
pub(super) fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Why the conditional debit matched no row, judged from the account as it is now. The order is
/// the paper's: registered, not suspended, not expired, within the monthly limit, enough balance.
pub(super) fn debit_refusal(
    account: Option<&Account>,
    currency: Currency,
    amount: i64,
    now: &Moment,
) -> Refusal {
    let Some(a) = account else {
        return Refusal::Unregistered;
    };
    match a.status {
        AccountStatus::Suspended => return Refusal::Suspended,
        AccountStatus::Closed => return Refusal::Closed,
        AccountStatus::Active => {}
    }
    if a.currency != currency {
        return Refusal::CurrencyMismatch;
    }
    if a.credit_expiry.is_some_and(|d| d < now.today) {
        return Refusal::Expired;
    }
    if a.monthly_limit
        .is_some_and(|limit| a.spent_in(now) + a.reserved + amount > limit)
    {
        return Refusal::MonthlyLimitExceeded;
    }
    Refusal::InsufficientBalance
}

/// The spend-counter periods of a moment: its day and its month.
pub(super) fn spend_periods(now: &Moment) -> (String, String) {
    (format!("D:{}", date_text(now.today)), format!("M:{}", now.month))
}

/// The actor counters a movement bumps, with their caps and the refusal each gives: spend for a
/// debit, credits (their own counters, `CD:`/`CM:`) for a top-up or voucher; `None` when the
/// limits cap neither or the kind is counted nowhere (refunds give spend back separately).
pub(super) fn counted_periods(
    kind: EntryKind,
    limits: &Limits,
    now: &Moment,
) -> Option<[(String, Option<i64>, Refusal); 2]> {
    if !limits.counts_actor_spend() {
        return None;
    }
    let (day, month) = spend_periods(now);
    if kind.is_debit() {
        return Some([
            (day, limits.actor_daily, Refusal::ActorDailyLimit),
            (month, limits.actor_monthly, Refusal::ActorMonthlyLimit),
        ]);
    }
    matches!(kind, EntryKind::Topup | EntryKind::Voucher).then(|| {
        [
            (
                format!("C{day}"),
                limits.actor_daily,
                Refusal::ActorDailyCreditLimit,
            ),
            (
                format!("C{month}"),
                limits.actor_monthly,
                Refusal::ActorMonthlyCreditLimit,
            ),
        ]
    })
}

/// The refusal of a movement over its per-movement limit.
pub(super) fn per_movement_refusal(kind: EntryKind) -> Refusal {
    if kind.is_debit() || kind == EntryKind::Reserve {
        Refusal::PerChargeLimit
    } else {
        Refusal::PerCreditLimit
    }
}

/// Why a credit matched no row.
pub(super) fn credit_refusal(account: Option<&Account>, m: &Movement) -> Refusal {
    match account {
        None => Refusal::Unregistered,
        Some(a) if a.status == AccountStatus::Closed => Refusal::Closed,
        Some(a) if a.currency != m.currency => Refusal::CurrencyMismatch,
        Some(_) => Refusal::BalanceCeiling,
    }
}

/// A retry with a reference code already used: the same request gets its first outcome, a
/// different one is refused.
pub(super) fn check_replay(previous: &LedgerEntry, m: &Movement) -> Result<(), StoreError> {
    let same = previous.msisdn == m.msisdn && previous.kind == m.kind && previous.amount.abs() == m.amount;
    if same {
        Ok(())
    } else {
        Err(StoreError::ReferenceConflict(
            m.reference_code.clone().unwrap_or_default(),
        ))
    }
}

/// Whether an error is a unique-constraint violation (the same check on both backends).
pub(super) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// The movement a reservation charge makes, for the idempotency and limit checks.
pub(super) fn reservation_movement(
    r: &super::payment::Reservation,
    c: &super::payment::ReservationCharge,
) -> Movement {
    Movement {
        msisdn: r.msisdn.clone(),
        kind: EntryKind::ReservationCharge,
        amount: c.amount,
        currency: r.currency,
        actor: c.actor.clone(),
        reference_code: c.reference_code.clone(),
        description: c.description.clone(),
        limits: c.limits,
        extend_expiry_days: None,
        screen: None,
    }
}

/// A ledger row about to be written.
pub(super) struct Draft<'a> {
    pub(super) kind: EntryKind,
    /// Signed change of the balance.
    pub(super) amount: i64,
    /// Signed change of the reserved part.
    pub(super) reserved_delta: i64,
    pub(super) actor: &'a str,
    pub(super) reference_code: Option<&'a str>,
    pub(super) description: &'a str,
}

impl<'a> Draft<'a> {
    /// The row recording a plain movement (charges take, everything else gives).
    pub(super) fn of(m: &'a Movement) -> Self {
        Self {
            kind: m.kind,
            amount: if m.kind.is_debit() { -m.amount } else { m.amount },
            reserved_delta: 0,
            actor: &m.actor,
            reference_code: m.reference_code.as_deref(),
            description: &m.description,
        }
    }

    /// The entry as written, once the database has given it an id.
    pub(super) fn entry(&self, id: i64, account: &Account, now: &Moment) -> LedgerEntry {
        LedgerEntry {
            id,
            msisdn: account.msisdn.clone(),
            kind: self.kind,
            amount: self.amount,
            reserved_delta: self.reserved_delta,
            balance_after: account.balance,
            actor: self.actor.to_owned(),
            reference_code: self.reference_code.map(str::to_owned),
            description: self.description.to_owned(),
            created_at_ms: now.at_ms,
        }
    }
}

mod account_store;
pub(super) mod alert_store;
pub(super) mod app_store;
pub(super) mod callback_store;
mod campaign_store;
pub(super) mod db;
mod fraud_store;
pub(super) mod payment_store;
mod push_store;
mod rows;
mod session_store;
pub(super) mod sms_store;
mod store;
pub(super) mod voucher_store;
use rows::parse_date;
pub(super) use rows::{AccountRow, LedgerRow};
pub(super) use store::SqlStore;
