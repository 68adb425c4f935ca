//! [`AccountExtrasStore`](crate::store::vouchers::AccountExtrasStore) (vouchers and end-user PINs)
//! on [`SqlStore`](super::SqlStore): its statements here, its methods in `store_impl.rs`.
//!
//! A redemption is one write transaction: the voucher row is marked used by a conditional `UPDATE …
//! WHERE status = 'unused'` (on PostgreSQL it takes the row lock, so a concurrent redemption of the
//! same voucher waits and then matches nothing), the account is credited with the shared `CREDIT`
//! statement, and the ledger row is appended. Any refusal rolls all three back.

use std::str::FromStr;
use std::sync::LazyLock;

use super::parse_date;
use crate::domain::{Currency, Msisdn};
use crate::store::StoreError;
use crate::store::vouchers::{PinRecord, Voucher, VoucherStatus};

/// A voucher's status as of `$N` (today): `used`, `expired` (unused, past its last day) or `unused`.
fn voucher_state(today: &str) -> String {
    [
        "CASE WHEN v.status = 'used' THEN 'used' WHEN v.expires_on < ",
        today,
        " THEN 'expired' ELSE 'unused' END",
    ]
    .concat()
}

/// The columns of a voucher joined with the number it was credited to, in [`VoucherRow`] order.
fn voucher_columns(today: &str) -> String {
    [
        "v.serial, v.batch, v.currency, v.value, v.expires_on, ",
        &voucher_state(today),
        " AS state, a.msisdn AS used_by, v.used_at, v.created_at \
             FROM vouchers v LEFT JOIN accounts a ON a.id = v.used_by",
    ]
    .concat()
}

/// `$1` code digest, `$2` batch, `$3` currency, `$4` value, `$5` last day, `$6` now.
pub(crate) const INSERT_VOUCHER: &str = "INSERT INTO vouchers \
     (code_sha256, batch, currency, value, expires_on, status, created_at) \
     VALUES ($1, $2, $3, $4, $5, 'unused', $6) RETURNING serial";

/// `$1` status or `'all'`, `$2` after serial, `$3` today, `$4` limit.
pub(crate) static LIST_VOUCHERS: LazyLock<String> = LazyLock::new(|| {
    [
        "SELECT ",
        &voucher_columns("$3"),
        " WHERE v.serial > $2 AND $1 IN ('all', ",
        &voucher_state("$3"),
        ") ORDER BY v.serial LIMIT $4",
    ]
    .concat()
});

/// `$1` serial, `$2` today.
pub(crate) static SELECT_VOUCHER: LazyLock<String> =
    LazyLock::new(|| ["SELECT ", &voucher_columns("$2"), " WHERE v.serial = $1"].concat());

/// The voucher a code names, whatever its state: `$1` code digest.
pub(crate) const VOUCHER_BY_CODE: &str =
    "SELECT serial, currency, value FROM vouchers WHERE code_sha256 IN ($1, $2)";

/// Uses a voucher if it is still usable: `$1` serial, `$2` number, `$3` now, `$4` today.
pub(crate) const USE_VOUCHER: &str = "UPDATE vouchers SET status = 'used', \
       used_by = (SELECT id FROM accounts WHERE msisdn = $2), used_at = $3 \
     WHERE serial = $1 AND status = 'unused' AND expires_on >= $4 RETURNING serial";

/// `$1` number.
pub(crate) const SELECT_PIN: &str = "SELECT p.salt, p.pin_sha256, p.failures \
     FROM account_pins p JOIN accounts a ON a.id = p.account_id WHERE a.msisdn = $1";

/// `$1` number, `$2` salt, `$3` digest, `$4` now. No row back: no such account.
pub(crate) const UPSERT_PIN: &str = "INSERT INTO account_pins (account_id, salt, pin_sha256, failures, updated_at) \
     SELECT id, $2, $3, 0, $4 FROM accounts WHERE msisdn = $1 \
     ON CONFLICT (account_id) DO UPDATE SET salt = excluded.salt, pin_sha256 = excluded.pin_sha256, \
       failures = 0, updated_at = excluded.updated_at \
     RETURNING account_id";

/// `$1` number.
pub(crate) const DELETE_PIN: &str =
    "DELETE FROM account_pins WHERE account_id = (SELECT id FROM accounts WHERE msisdn = $1)";

/// Counts an attempt unless the account is locked out: `$1` number, `$2` limit, `$3` now.
pub(crate) const CLAIM_PIN_ATTEMPT: &str = "UPDATE account_pins SET failures = failures + 1, updated_at = $3 \
     WHERE account_id = (SELECT id FROM accounts WHERE msisdn = $1) AND failures < $2 \
     RETURNING salt, pin_sha256, failures";

/// `$1` number, `$2` now.
pub(crate) const RESET_PIN_FAILURES: &str = "UPDATE account_pins SET failures = 0, updated_at = $2 \
     WHERE account_id = (SELECT id FROM accounts WHERE msisdn = $1) AND failures > 0";

/// Balance-changing ledger rows up to a time, newest first: `$1` number, `$2` actor (NULL:
/// everyone's), `$3` until, `$4` limit.
pub(crate) static HISTORY: LazyLock<String> = LazyLock::new(|| {
    [
        "SELECT ",
        crate::store::sql::LEDGER_COLUMNS,
        " WHERE a.msisdn = $1 AND ($2 IS NULL OR l.actor = $2) AND l.created_at <= $3 AND l.amount <> 0 \
     ORDER BY l.id DESC LIMIT $4",
    ]
    .concat()
});

/// A row of [`LIST_VOUCHERS`] / [`SELECT_VOUCHER`].
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct VoucherRow {
    serial: i64,
    batch: String,
    currency: String,
    value: i64,
    expires_on: String,
    state: String,
    used_by: Option<String>,
    used_at: Option<i64>,
    created_at: i64,
}

impl TryFrom<VoucherRow> for Voucher {
    type Error = StoreError;
    fn try_from(r: VoucherRow) -> Result<Self, StoreError> {
        let corrupt = |e: String| StoreError::Corrupt(format!("voucher {}: {e}", r.serial));
        Ok(Self {
            currency: Currency::from_code(&r.currency).map_err(|e| corrupt(e.to_string()))?,
            expires_on: parse_date(&r.expires_on).map_err(corrupt)?,
            status: VoucherStatus::from_str(&r.state).map_err(corrupt)?,
            serial: r.serial,
            batch: r.batch,
            value: r.value,
            used_by: r.used_by.map(Msisdn::from_stored),
            used_at_ms: r.used_at,
            created_at_ms: r.created_at,
        })
    }
}

/// A row of [`VOUCHER_BY_CODE`].
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct VoucherKey {
    pub(crate) serial: i64,
    pub(crate) currency: String,
    pub(crate) value: i64,
}

/// A row of [`SELECT_PIN`] / [`CLAIM_PIN_ATTEMPT`].
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct PinRow {
    salt: String,
    pin_sha256: String,
    failures: i64,
}

impl From<PinRow> for PinRecord {
    fn from(r: PinRow) -> Self {
        Self {
            salt: r.salt,
            pin_sha256: r.pin_sha256,
            failures: r.failures,
        }
    }
}

/// The statement text of a redeemed voucher: ties the ledger entry to the voucher, so a retry of
/// the same reference code can be told from a different request.
pub(crate) fn voucher_description(serial: i64) -> String {
    format!("voucher {serial}")
}

mod redeem;
mod store_impl;
