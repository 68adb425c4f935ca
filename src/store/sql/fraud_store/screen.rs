//! The fraud rules inside a movement's transaction: the account's counters are bumped by the
//! debit or hold itself (one upsert), so two concurrent charges each count the other and neither
//! slips past a velocity limit; what the enabled rules need besides is read in the same
//! transaction; the verdict comes from `crate::fraud`. A flag is recorded in the movement's own
//! transaction; a stop (confirm, refuse) undoes the movement, and the decision is recorded after
//! the undo, where it stays.

use std::sync::LazyLock;

use crate::domain::{Currency, Moment, Msisdn};
use crate::fraud::{Action, Observed, Rules, Tally, Verdict};
use crate::store::sql::{SqlStore, db};
use crate::store::{Account, EntryKind, Refusal, StoreError};

/// The account's counters as the upsert left them (this movement counted).
#[derive(Debug, sqlx::FromRow)]
pub(in crate::store::sql) struct CountersRow {
    minute_count: i64,
    minute_amount: i64,
    hour_count: i64,
    hour_amount: i64,
    day_count: i64,
    day_amount: i64,
    charges: i64,
    charged: i64,
    refusals: i64,
}

impl crate::store::sql::db::DirectRow for CountersRow {
    fn from_direct(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            minute_count: row.get("minute_count")?,
            minute_amount: row.get("minute_amount")?,
            hour_count: row.get("hour_count")?,
            hour_amount: row.get("hour_amount")?,
            day_count: row.get("day_count")?,
            day_amount: row.get("day_amount")?,
            charges: row.get("charges")?,
            charged: row.get("charged")?,
            refusals: row.get("refusals")?,
        })
    }
}

/// Counts a debit or hold of `amount` on the account `source` names (`VALUES (…)` or a `SELECT`
/// of the same columns) in the windows `minute`, `hour` and `day`, and reads the refusals of the
/// probing window `probe` (each a placeholder). A window starts again when its key changes.
fn count_debit(source: &str, amount: &str, [minute, hour, day, probe]: [&str; 4]) -> String {
    let window = |name: &str, key: &str| {
        format!(
            "{name}_count = CASE WHEN fraud_counters.{name}_key = {key} THEN fraud_counters.{name}_count + 1 ELSE 1 END, \
             {name}_amount = CASE WHEN fraud_counters.{name}_key = {key} THEN fraud_counters.{name}_amount + {amount} ELSE {amount} END, \
             {name}_key = {key}, "
        )
    };
    format!(
        "INSERT INTO fraud_counters (account_id, minute_key, minute_count, minute_amount, hour_key, \
           hour_count, hour_amount, day_key, day_count, day_amount, charges, charged) {source} \
         ON CONFLICT (account_id) DO UPDATE SET {}{}{}\
           charges = fraud_counters.charges + 1, charged = fraud_counters.charged + {amount} \
         RETURNING minute_count, minute_amount, hour_count, hour_amount, day_count, day_amount, \
           charges, charged, CASE WHEN refusal_key = {probe} THEN refusals ELSE 0 END AS refusals",
        window("minute", minute),
        window("hour", hour),
        window("day", day),
    )
}

/// [`count_debit`] on its own: `$1` account id, `$2` minute, `$3` hour, `$4` day, `$5` amount, `$6`
/// probing window.
static COUNT_DEBIT: LazyLock<String> = LazyLock::new(|| {
    count_debit(
        "VALUES ($1, $2, 1, $5, $3, 1, $5, $4, 1, $5, 1, $5)",
        "$5",
        ["$2", "$3", "$4", "$6"],
    )
});

/// [`count_debit`] of the account a data-modifying `WITH` names `moved`, for PostgreSQL's
/// one-statement charge: `$1` amount, `$13` minute, `$14` hour, `$15` day, `$16` probing window.
pub(in crate::store::sql) static COUNT_DEBIT_OF_MOVED: LazyLock<String> = LazyLock::new(|| {
    count_debit(
        "SELECT id, $13, 1, $1, $14, 1, $1, $15, 1, $1, 1, $1 FROM moved",
        "$1",
        ["$13", "$14", "$15", "$16"],
    )
});

/// Counts a refused debit: `$1` number, `$2` probing window.
const COUNT_REFUSAL: &str = "INSERT INTO fraud_counters (account_id, refusal_key, refusals) \
     SELECT id, $2, 1 FROM accounts WHERE msisdn = $1 \
     ON CONFLICT (account_id) DO UPDATE SET \
       refusals = CASE WHEN fraud_counters.refusal_key = $2 THEN fraud_counters.refusals + 1 ELSE 1 END, \
       refusal_key = $2";

/// 1 when the application (`$2`) debited or held on the account (`$1`) before.
const CHARGED_BEFORE: &str = "SELECT CAST(CASE WHEN EXISTS (SELECT 1 FROM ledger \
       WHERE account_id = $1 AND actor = $2 AND kind IN ('charge', 'reservation_charge', 'reserve')) \
     THEN 1 ELSE 0 END AS BIGINT)";

/// The account (`$3`) among the application's (`$1`) accounts of the minute (`$2`); no row when
/// it was already.
const SPREAD_ACCOUNT: &str = "INSERT INTO fraud_app_accounts (actor, minute_key, account_id) \
     VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";

/// One more account for the application (`$1`) this minute (`$2`).
const SPREAD_COUNT: &str = "INSERT INTO fraud_app_minutes (actor, minute_key, accounts) VALUES ($1, $2, 1) \
     ON CONFLICT (actor, minute_key) DO UPDATE SET accounts = fraud_app_minutes.accounts + 1 \
     RETURNING accounts";

/// The application's (`$1`) accounts this minute (`$2`).
const SPREAD_SEEN: &str =
    "SELECT COALESCE(MAX(accounts), 0) FROM fraud_app_minutes WHERE actor = $1 AND minute_key = $2";

const INSERT_DECISION: &str = "INSERT INTO fraud_decisions \
       (msisdn, actor, kind, amount, currency, reference_code, action, fired, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";

/// A debit or hold the rules look at.
#[derive(Debug, Clone)]
pub(in crate::store::sql) struct Screened<'a> {
    /// The rules in force.
    pub rules: &'a Rules,
    /// The account, as the movement's update left it.
    pub account: &'a Account,
    /// The application.
    pub actor: &'a str,
    /// `Charge` or `Reserve` (a hold; charging a reservation is not screened again).
    pub kind: EntryKind,
    /// Minor units.
    pub amount: i64,
    /// The application's reference code.
    pub reference_code: Option<&'a str>,
}

/// A movement the rules stopped: what to record once it is undone.
#[derive(Debug)]
pub(in crate::store::sql) struct Stopped {
    msisdn: Msisdn,
    actor: String,
    kind: EntryKind,
    amount: i64,
    currency: Currency,
    reference_code: Option<String>,
    verdict: Verdict,
}

impl CountersRow {
    /// What the rules see of a movement of `amount` these counters counted.
    pub(in crate::store::sql) fn observed(
        &self,
        amount: i64,
        now: &Moment,
        charged_before: Option<bool>,
        app_accounts: Option<i64>,
    ) -> Observed {
        Observed {
            amount,
            velocity: [
                Tally {
                    count: self.minute_count,
                    amount: self.minute_amount,
                },
                Tally {
                    count: self.hour_count,
                    amount: self.hour_amount,
                },
                Tally {
                    count: self.day_count,
                    amount: self.day_amount,
                },
            ],
            history: Tally {
                count: self.charges - 1,
                amount: self.charged - amount,
            },
            refusals: self.refusals,
            charged_before,
            app_accounts,
            local_hour: now.hour,
        }
    }
}

impl Stopped {
    /// The decision on `s`.
    pub(in crate::store::sql) fn of(s: &Screened<'_>, verdict: Verdict) -> Self {
        Self {
            msisdn: s.account.msisdn.clone(),
            actor: s.actor.to_owned(),
            kind: s.kind,
            amount: s.amount,
            currency: s.account.currency,
            reference_code: s.reference_code.map(str::to_owned),
            verdict,
        }
    }

    /// The strongest action of the rules that fired.
    pub(in crate::store::sql) fn action(&self) -> Option<Action> {
        self.verdict.action()
    }
}

/// Whether a movement of `amount` screened by `rules` can still be PostgreSQL's one statement:
/// only when no rule can stop it (a flag is recorded after the commit) and the rules need nothing
/// but the account's counters (no first-charge look-up for this amount, no app_spread counter).
pub(in crate::store::sql) fn fits_one_statement(rules: &Rules, amount: i64) -> bool {
    !rules.could_stop(amount) && !rules.app_spread.enabled && !rules.needs_first_charge_lookup(amount)
}

/// The minute, hour and day keys of `now` (the day in the operator's calendar).
pub(in crate::store::sql) fn window_keys(now: &Moment) -> (i64, i64, i64) {
    use chrono::Datelike;
    (
        now.at_ms.div_euclid(60_000),
        now.at_ms.div_euclid(3_600_000),
        i64::from(now.today.num_days_from_ce()),
    )
}

impl SqlStore {
    /// Runs `s.rules` on the movement inside `tx`, after counting it. `None` when it may go on (a
    /// flag is recorded in `tx`); otherwise what to record once the movement is undone.
    pub(in crate::store::sql) async fn screen(
        &self,
        tx: &mut db::Tx,
        s: &Screened<'_>,
        now: &Moment,
    ) -> Result<Option<Stopped>, sqlx::Error> {
        if !s.rules.any_enabled() {
            return Ok(None);
        }
        let (minute, hour, day) = window_keys(now);
        let c = db::query_as::<CountersRow>(&COUNT_DEBIT)
            .bind(s.account.id)
            .bind(minute)
            .bind(hour)
            .bind(day)
            .bind(s.amount)
            .bind(now.at_ms.div_euclid(s.rules.probing_window_ms()))
            .fetch_one(&mut *tx)
            .await?;
        let charged_before = if s.rules.needs_first_charge_lookup(s.amount) {
            let n = db::query_scalar::<i64>(CHARGED_BEFORE)
                .bind(s.account.id)
                .bind(s.actor)
                .fetch_one(&mut *tx)
                .await?;
            Some(n > 0)
        } else {
            None
        };
        let app_accounts = if s.rules.app_spread.enabled {
            Some(self.count_spread(tx, s, minute).await?)
        } else {
            None
        };
        let observed = c.observed(s.amount, now, charged_before, app_accounts);
        let stopped = Stopped::of(s, s.rules.evaluate(&observed));
        match stopped.verdict.action() {
            None => Ok(None),
            Some(Action::Flag) => {
                self.record_decision(tx, &stopped, now).await?;
                Ok(None)
            }
            Some(Action::Confirm | Action::Refuse) => Ok(Some(stopped)),
        }
    }

    /// The application's distinct accounts this minute, this one included.
    async fn count_spread(&self, tx: &mut db::Tx, s: &Screened<'_>, minute: i64) -> Result<i64, sqlx::Error> {
        let new = db::query(SPREAD_ACCOUNT)
            .bind(s.actor)
            .bind(minute)
            .bind(s.account.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let text = if new > 0 { SPREAD_COUNT } else { SPREAD_SEEN };
        db::query_scalar::<i64>(text)
            .bind(s.actor)
            .bind(minute)
            .fetch_one(&mut *tx)
            .await
    }

    /// Records a flag on a movement already committed (PostgreSQL's one statement), in a
    /// transaction of its own.
    pub(in crate::store::sql) async fn record_flag(
        &self,
        s: &Stopped,
        now: &Moment,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        self.record_decision(&mut tx, s, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records the decision on a movement in `tx`; its id.
    async fn record_decision(&self, tx: &mut db::Tx, s: &Stopped, now: &Moment) -> Result<i64, sqlx::Error> {
        let action = s.verdict.action().unwrap_or(Action::Flag);
        let fired = serde_json::to_string(&s.verdict.fired).map_err(|e| sqlx::Error::Encode(e.into()))?;
        if let Some(rule) = s.verdict.deciding_rule() {
            metrics::counter!("pxgate_fraud_decisions_total", "rule" => rule.as_str(), "action" => action.as_str())
                .increment(1);
        }
        db::query_scalar::<i64>(INSERT_DECISION)
            .bind(s.msisdn.as_str())
            .bind(&s.actor)
            .bind(s.kind.as_str())
            .bind(s.amount)
            .bind(s.currency.code())
            .bind(s.reference_code.as_deref())
            .bind(action.as_str())
            .bind(fired)
            .bind(now.at_ms)
            .fetch_one(&mut *tx)
            .await
    }

    /// Records a stopped movement (already undone) in `tx`, which may be the round that carried
    /// it; the refusal the caller answers with.
    pub(in crate::store::sql) async fn record_stop_in(
        &self,
        tx: &mut db::Tx,
        s: &Stopped,
        now: &Moment,
    ) -> Result<Refusal, sqlx::Error> {
        let decision = self.record_decision(tx, s, now).await?;
        Ok(Refusal::Fraud {
            rule: s
                .verdict
                .deciding_rule()
                .unwrap_or(crate::fraud::RuleName::AccountVelocity),
            confirm: s.verdict.action() == Some(Action::Confirm),
            decision,
        })
    }

    /// Records a stopped movement (already rolled back) in a transaction of its own.
    pub(in crate::store::sql) async fn record_stop(
        &self,
        s: &Stopped,
        now: &Moment,
    ) -> Result<Refusal, StoreError> {
        let mut tx = self.begin_write().await?;
        let refusal = self.record_stop_in(&mut tx, s, now).await?;
        tx.commit().await?;
        Ok(refusal)
    }

    /// Counts a refused debit toward the probing rule, in a transaction of its own.
    pub(in crate::store::sql) async fn count_refusal(
        &self,
        msisdn: &Msisdn,
        rules: &Rules,
        now: &Moment,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        self.count_refusal_in(&mut tx, msisdn, rules, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Counts a refused debit toward the probing rule, in `tx`.
    pub(in crate::store::sql) async fn count_refusal_in(
        &self,
        tx: &mut db::Tx,
        msisdn: &Msisdn,
        rules: &Rules,
        now: &Moment,
    ) -> Result<(), sqlx::Error> {
        db::query(COUNT_REFUSAL)
            .bind(msisdn.as_str())
            .bind(now.at_ms.div_euclid(rules.probing_window_ms()))
            .execute(&mut *tx)
            .await?;
        Ok(())
    }
}

/// Whether a refusal counts toward the probing rule: the ones that tell the caller something about
/// the balance.
pub(in crate::store::sql) fn probes(r: Refusal) -> bool {
    matches!(r, Refusal::InsufficientBalance | Refusal::MonthlyLimitExceeded)
}
