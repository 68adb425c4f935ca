//! The statements of [`AlertStore`](crate::store::alerts::AlertStore) (its methods are in
//! `alert_store/body.rs`). Only the cursor lock differs: PostgreSQL reads the cursor row `FOR
//! UPDATE`, so two gateway instances deciding alerts take turns; on SQLite the write transaction
//! already serializes them.

use super::AccountRow;
use crate::store::StoreError;
use crate::store::alerts::{AlertEntry, Monitor, MonitorCriteria, UnregisteredAttempt};
use std::sync::LazyLock;

/// The cursor row under the backend's lock.
fn lock_alert_cursor(locking: &str) -> String {
    ["SELECT last_id FROM alert_cursor WHERE id = 1 ", locking].concat()
}

/// The cursor on SQLite: the write transaction already serializes alert work.
pub(crate) static LOCK_ALERT_CURSOR: LazyLock<String> = LazyLock::new(|| lock_alert_cursor(""));

/// The cursor on PostgreSQL: instances deciding alerts take turns on its row.
pub(crate) static LOCK_ALERT_CURSOR_FOR_UPDATE: LazyLock<String> =
    LazyLock::new(|| lock_alert_cursor("FOR UPDATE"));

pub(crate) const CURSOR: &str = "SELECT last_id FROM alert_cursor WHERE id = 1";

/// Starts the cursor at the newest ledger row. `$1` now.
pub(crate) const INIT_CURSOR: &str = "INSERT INTO alert_cursor (id, last_id, updated_at) \
     SELECT 1, CAST(COALESCE(MAX(id), 0) AS BIGINT), $1 FROM ledger ON CONFLICT (id) DO NOTHING";

/// Suspensions older than the alerts are not announced.
pub(crate) const SEED_SUSPENDED: &str = "INSERT INTO alert_suspended (account_id) \
     SELECT id FROM accounts WHERE status = 'suspended' ON CONFLICT (account_id) DO NOTHING";

/// `$1` from (as read), `$2` to, `$3` now.
pub(crate) const ADVANCE_CURSOR: &str =
    "UPDATE alert_cursor SET last_id = $2, updated_at = $3 WHERE id = 1 AND last_id = $1";

/// Ledger rows after `$1` with their accounts (`a.*`: the account columns by name), `$2` limit.
pub(crate) const ENTRIES: &str = "SELECT l.id AS entry_id, l.kind AS entry_kind, \
       l.amount AS entry_amount, l.balance_after AS entry_balance_after, l.actor AS entry_actor, \
       l.created_at AS entry_created_at, a.* \
     FROM ledger l JOIN accounts a ON a.id = l.account_id WHERE l.id > $1 ORDER BY l.id LIMIT $2";

/// Net charges of account `$1` from `$2` up to ledger row `$3` (ledger amounts of charges are
/// negative).
pub(crate) const SPENT_BETWEEN: &str = "SELECT CAST(COALESCE(-SUM(amount), 0) AS BIGINT) FROM ledger \
     WHERE account_id = $1 AND created_at >= $2 AND id <= $3 \
       AND kind IN ('charge', 'reservation_charge', 'refund')";

/// `$1` number, `$2` now.
pub(crate) const NOTE_UNREGISTERED: &str = "INSERT INTO alert_unregistered \
     (msisdn, pending, last_attempt_at, last_sent_at) VALUES ($1, 1, $2, NULL) \
     ON CONFLICT (msisdn) DO UPDATE SET pending = 1, last_attempt_at = excluded.last_attempt_at";

pub(crate) const PENDING_UNREGISTERED: &str = "SELECT msisdn, last_attempt_at, last_sent_at \
     FROM alert_unregistered WHERE pending = 1 ORDER BY last_attempt_at LIMIT $1";

/// `$1` number, `$2` 1 when told now, `$3` now, `$4` when it was last told as read (-1: never).
/// Matches nothing when another instance has told the number since the read.
pub(crate) const MARK_UNREGISTERED: &str = "UPDATE alert_unregistered SET pending = 0, \
     last_sent_at = CASE WHEN $2 = 1 THEN $3 ELSE last_sent_at END \
     WHERE msisdn = $1 AND pending = 1 AND COALESCE(last_sent_at, -1) = $4";

/// `$1` first day, `$2` last day, `$3` limit.
pub(crate) static EXPIRING: LazyLock<String> = LazyLock::new(|| {
    [
        "SELECT ",
        crate::store::sql::ACCOUNT_COLUMNS,
        " FROM accounts WHERE status = 'active' AND credit_expiry >= $1 AND credit_expiry <= $2 \
       AND NOT EXISTS (SELECT 1 FROM alert_expiry e \
                       WHERE e.account_id = accounts.id AND e.expiry = accounts.credit_expiry) \
     ORDER BY id LIMIT $3",
    ]
    .concat()
});

/// Changes only when the date differs, so a second decision for the same date writes nothing.
pub(crate) const MARK_EXPIRY: &str = "INSERT INTO alert_expiry (account_id, expiry) VALUES ($1, $2) \
     ON CONFLICT (account_id) DO UPDATE SET expiry = excluded.expiry \
     WHERE alert_expiry.expiry <> excluded.expiry";

pub(crate) static NEWLY_SUSPENDED: LazyLock<String> = LazyLock::new(|| {
    [
        "SELECT ",
        crate::store::sql::ACCOUNT_COLUMNS,
        " FROM accounts WHERE status = 'suspended' \
       AND NOT EXISTS (SELECT 1 FROM alert_suspended s WHERE s.account_id = accounts.id) \
     ORDER BY id LIMIT $1",
    ]
    .concat()
});

pub(crate) static NO_LONGER_SUSPENDED: LazyLock<String> = LazyLock::new(|| {
    [
        "SELECT ",
        crate::store::sql::ACCOUNT_COLUMNS,
        " FROM accounts WHERE status <> 'suspended' \
       AND id IN (SELECT account_id FROM alert_suspended) ORDER BY id LIMIT $1",
    ]
    .concat()
});

pub(crate) const MARK_SUSPENDED: &str =
    "INSERT INTO alert_suspended (account_id) VALUES ($1) ON CONFLICT (account_id) DO NOTHING";

pub(crate) const MARK_RESUMED: &str = "DELETE FROM alert_suspended WHERE account_id = $1";

/// `$1` actor … `$7` interface name, `$8` now.
pub(crate) const ADD_MONITOR: &str = "INSERT INTO account_monitors \
     (actor, correlator, msisdn, criteria, threshold, endpoint, interface_name, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

pub(crate) const REMOVE_MONITOR: &str = "DELETE FROM account_monitors WHERE actor = $1 AND correlator = $2";

/// The monitors of active applications on `$1`: a suspended or revoked application is told
/// nothing about the account.
pub(crate) const MONITORS_OF: &str = "SELECT m.actor, m.correlator, m.msisdn, m.criteria, m.threshold, \
     m.endpoint, m.interface_name, m.created_at FROM account_monitors m \
     JOIN applications ap ON 'app:' || ap.id = m.actor AND ap.status = 'active' \
     WHERE m.msisdn = $1 ORDER BY m.id";

/// `$1` number, `$2` actor.
pub(crate) const LEDGER_WITH: &str = "SELECT l.id FROM ledger l JOIN accounts a ON a.id = l.account_id \
     WHERE a.msisdn = $1 AND l.actor = $2 AND l.amount <> 0 \
       AND l.kind IN ('charge', 'reservation_charge', 'topup', 'voucher') LIMIT 1";

pub(crate) const GRANT: &str = "INSERT INTO account_monitor_grants (app_id, msisdn, created_at) \
     VALUES ($1, $2, $3) ON CONFLICT (app_id, msisdn) DO NOTHING";

pub(crate) const REVOKE: &str = "DELETE FROM account_monitor_grants WHERE app_id = $1 AND msisdn = $2";

pub(crate) const GRANTED: &str =
    "SELECT created_at FROM account_monitor_grants WHERE app_id = $1 AND msisdn = $2";

/// A row of [`ENTRIES`].
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct EntryRow {
    entry_id: i64,
    entry_kind: String,
    entry_amount: i64,
    entry_balance_after: i64,
    entry_actor: String,
    entry_created_at: i64,
    #[sqlx(flatten)]
    account: AccountRow,
}

impl TryFrom<EntryRow> for AlertEntry {
    type Error = StoreError;
    fn try_from(r: EntryRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: r.entry_id,
            account: r.account.try_into()?,
            kind: r.entry_kind,
            amount: r.entry_amount,
            balance_after: r.entry_balance_after,
            actor: r.entry_actor,
            created_at_ms: r.entry_created_at,
        })
    }
}

/// A row of [`PENDING_UNREGISTERED`].
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct UnregisteredRow {
    msisdn: String,
    last_attempt_at: i64,
    last_sent_at: Option<i64>,
}

impl From<UnregisteredRow> for UnregisteredAttempt {
    fn from(r: UnregisteredRow) -> Self {
        Self {
            msisdn: r.msisdn,
            last_attempt_at_ms: r.last_attempt_at,
            last_sent_at_ms: r.last_sent_at,
        }
    }
}

/// A row of [`MONITORS_OF`].
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct MonitorRow {
    actor: String,
    correlator: String,
    msisdn: String,
    criteria: String,
    threshold: Option<i64>,
    endpoint: String,
    interface_name: String,
    created_at: i64,
}

impl TryFrom<MonitorRow> for Monitor {
    type Error = StoreError;
    fn try_from(r: MonitorRow) -> Result<Self, StoreError> {
        let criteria = match (r.criteria.as_str(), r.threshold) {
            ("charged", _) => MonitorCriteria::Charged,
            ("below_threshold", Some(t)) => MonitorCriteria::BelowThreshold(t),
            (other, _) => {
                return Err(StoreError::Corrupt(format!("monitor criteria {other:?}")));
            }
        };
        Ok(Self {
            actor: r.actor,
            correlator: r.correlator,
            msisdn: r.msisdn,
            criteria,
            endpoint: r.endpoint,
            interface_name: r.interface_name,
            since_ms: r.created_at,
        })
    }
}

/// The `criteria` and `threshold` columns of a monitor.
pub(crate) fn criteria_columns(c: MonitorCriteria) -> (&'static str, Option<i64>) {
    match c {
        MonitorCriteria::Charged => ("charged", None),
        MonitorCriteria::BelowThreshold(t) => ("below_threshold", Some(t)),
    }
}

/// The `expiry` column of a reminder.
pub(crate) fn expiry_text(d: chrono::NaiveDate) -> String {
    super::date_text(d)
}

mod body;
