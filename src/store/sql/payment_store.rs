//! [`PaymentStore`](crate::store::payment::PaymentStore) on [`SqlStore`](super::SqlStore): its
//! statements here, its methods in `store_impl.rs`. Every reservation operation first "touches" the
//! reservation row with a conditional `UPDATE` (owner, open): on PostgreSQL that takes the row lock,
//! so concurrent operations on one reservation serialize; on SQLite the write transaction already
//! does.

use std::str::FromStr;
use std::sync::LazyLock;

use crate::domain::{Currency, Msisdn};
use crate::store::StoreError;
use crate::store::payment::{Reservation, ReservationStatus, Tariff};

/// Holds money on an account under the charge rules. `$1` amount, `$2` month, `$3` now,
/// `$4` number, `$5` currency, `$6` today.
pub(crate) static HOLD: LazyLock<String> = LazyLock::new(|| {
    [
        "UPDATE accounts SET reserved = reserved + $1, updated_at = $3 WHERE ",
        crate::store::sql::CHARGE_RULES,
        " RETURNING ",
        crate::store::sql::ACCOUNT_COLUMNS,
    ]
    .concat()
});

/// Gives held money back to the available balance: `$1` amount, `$2` now, `$3` account id.
pub(crate) static UNHOLD: LazyLock<String> = LazyLock::new(|| {
    [
    "UPDATE accounts SET reserved = reserved - $1, updated_at = $2 WHERE id = $3 AND reserved >= $1 RETURNING ",
    crate::store::sql::ACCOUNT_COLUMNS
].concat()
});

pub(crate) const INSERT_RESERVATION: &str = "INSERT INTO reservations \
     (id, account_id, actor, currency, held, charged, status, description, expires_at, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, 0, 'open', $6, $7, $8, $8)";

pub(crate) const RESERVATION_COLUMNS: &str = "r.id, a.msisdn, r.actor, r.currency, r.held, r.charged, r.status, r.description, r.expires_at, r.created_at \
         FROM reservations r JOIN accounts a ON a.id = r.account_id";

pub(crate) static SELECT_RESERVATION: LazyLock<String> =
    LazyLock::new(|| ["SELECT ", RESERVATION_COLUMNS, " WHERE r.id = $1"].concat());

/// Locks an open reservation of this owner: `$1` id, `$2` owner, `$3` now. Returns its account id.
pub(crate) const TOUCH_RESERVATION: &str = "UPDATE reservations SET updated_at = $3 \
     WHERE id = $1 AND actor = $2 AND status = 'open' RETURNING account_id";

pub(crate) const SET_RESERVATION: &str = "UPDATE reservations SET \
       held = $2, charged = $3, status = $4, expires_at = $5, updated_at = $6 WHERE id = $1";

pub(crate) const DUE_RESERVATIONS: &str = "SELECT id, actor FROM reservations WHERE status = 'open' AND expires_at <= $1 ORDER BY expires_at LIMIT 100";

pub(crate) static SELECT_ACCOUNT_BY_ID: LazyLock<String> = LazyLock::new(|| {
    [
        "SELECT ",
        crate::store::sql::ACCOUNT_COLUMNS,
        " FROM accounts WHERE id = $1",
    ]
    .concat()
});

pub(crate) const SELECT_TARIFF: &str =
    "SELECT code, currency, unit_price, description FROM tariffs WHERE code = $1";
pub(crate) const LIST_TARIFFS: &str =
    "SELECT code, currency, unit_price, description FROM tariffs ORDER BY code";
pub(crate) const UPSERT_TARIFF: &str = "INSERT INTO tariffs (code, currency, unit_price, description, updated_at) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO UPDATE SET \
       currency = excluded.currency, unit_price = excluded.unit_price, \
       description = excluded.description, updated_at = excluded.updated_at";
pub(crate) const DELETE_TARIFF: &str = "DELETE FROM tariffs WHERE code = $1";

/// A reservation joined with its account's number.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ReservationRow {
    id: String,
    msisdn: String,
    actor: String,
    currency: String,
    held: i64,
    charged: i64,
    status: String,
    description: String,
    expires_at: i64,
    created_at: i64,
}

impl TryFrom<ReservationRow> for Reservation {
    type Error = StoreError;
    fn try_from(r: ReservationRow) -> Result<Self, StoreError> {
        let corrupt = |e: String| StoreError::Corrupt(format!("reservation {}: {e}", r.id));
        Ok(Self {
            currency: Currency::from_code(&r.currency).map_err(|e| corrupt(e.to_string()))?,
            status: ReservationStatus::from_str(&r.status).map_err(corrupt)?,
            msisdn: Msisdn::from_stored(r.msisdn),
            id: r.id,
            actor: r.actor,
            held: r.held,
            charged: r.charged,
            description: r.description,
            expires_at_ms: r.expires_at,
            created_at_ms: r.created_at,
        })
    }
}

/// A row of `tariffs`.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct TariffRow {
    code: String,
    currency: String,
    unit_price: i64,
    description: String,
}

impl TryFrom<TariffRow> for Tariff {
    type Error = StoreError;
    fn try_from(r: TariffRow) -> Result<Self, StoreError> {
        Ok(Self {
            currency: Currency::from_code(&r.currency)
                .map_err(|e| StoreError::Corrupt(format!("tariff {}: {e}", r.code)))?,
            code: r.code,
            unit_price: r.unit_price,
            description: r.description,
        })
    }
}

mod helpers;
mod store_impl;
