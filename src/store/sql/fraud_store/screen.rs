//! The fraud rules inside a movement's transaction: the account's counters are bumped by the
//! debit or hold itself (one upsert), so two concurrent charges each count the other and neither
//! slips past a velocity limit; what the enabled rules need besides is read in the same
//! transaction; the verdict comes from `crate::fraud`. A flag is recorded in the movement's own
//! transaction; a stop (confirm, refuse) undoes the movement, and the decision is recorded after
//! the undo, where it stays.

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

/// Counts a debit or hold: `$1` account id, `$2` minute, `$3` hour, `$4` day, `$5` amount, `$6`
/// probing window. Each window starts again when its key changes.
const COUNT_DEBIT: &str = "INSERT INTO fraud_counters \
       (account_id, minute_key, minute_count, minute_amount, hour_key, hour_count, hour_amount, \
        day_key, day_count, day_amount, charges, charged) \
     VALUES ($1, $2, 1, $5, $3, 1, $5, $4, 1, $5, 1, $5) \
     ON CONFLICT (account_id) DO UPDATE SET \
       minute_count = CASE WHEN fraud_counters.minute_key = $2 THEN fraud_counters.minute_count + 1 ELSE 1 END, \
       minute_amount = CASE WHEN fraud_counters.minute_key = $2 THEN fraud_counters.minute_amount + $5 ELSE $5 END, \
       minute_key = $2, \
       hour_count = CASE WHEN fraud_counters.hour_key = $3 THEN fraud_counters.hour_count + 1 ELSE 1 END, \
       hour_amount = CASE WHEN fraud_counters.hour_key = $3 THEN fraud_counters.hour_amount + $5 ELSE $5 END, \
       hour_key = $3, \
       day_count = CASE WHEN fraud_counters.day_key = $4 THEN fraud_counters.day_count + 1 ELSE 1 END, \
       day_amount = CASE WHEN fraud_counters.day_key = $4 THEN fraud_counters.day_amount + $5 ELSE $5 END, \
       day_key = $4, \
       charges = fraud_counters.charges + 1, \
       charged = fraud_counters.charged + $5 \
     RETURNING minute_count, minute_amount, hour_count, hour_amount, day_count, day_amount, \
       charges, charged, CASE WHEN refusal_key = $6 THEN refusals ELSE 0 END AS refusals";

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
    /// `Charge` (also a reservation's hold being charged is not screened) or `Reserve`.
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

/// The minute, hour and day keys of `now` (the day in the operator's calendar).
fn window_keys(now: &Moment) -> (i64, i64, i64) {
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
        let c = db::query_as::<CountersRow>(COUNT_DEBIT)
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
        let observed = Observed {
            amount: s.amount,
            velocity: [
                Tally {
                    count: c.minute_count,
                    amount: c.minute_amount,
                },
                Tally {
                    count: c.hour_count,
                    amount: c.hour_amount,
                },
                Tally {
                    count: c.day_count,
                    amount: c.day_amount,
                },
            ],
            history: Tally {
                count: c.charges - 1,
                amount: c.charged - s.amount,
            },
            refusals: c.refusals,
            charged_before,
            app_accounts,
            local_hour: now.hour,
        };
        let verdict = s.rules.evaluate(&observed);
        let stopped = Stopped {
            msisdn: s.account.msisdn.clone(),
            actor: s.actor.to_owned(),
            kind: s.kind,
            amount: s.amount,
            currency: s.account.currency,
            reference_code: s.reference_code.map(str::to_owned),
            verdict,
        };
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

    /// Records the decision on a movement in `tx`; its id.
    async fn record_decision(&self, tx: &mut db::Tx, s: &Stopped, now: &Moment) -> Result<i64, sqlx::Error> {
        let action = s.verdict.action().unwrap_or(Action::Flag);
        let fired = serde_json::to_string(&s.verdict.fired).map_err(|e| sqlx::Error::Encode(e.into()))?;
        if let Some(f) = s.verdict.fired.iter().max_by_key(|f| f.action) {
            metrics::counter!("pxgate_fraud_decisions_total", "rule" => f.rule.as_str(), "action" => action.as_str())
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
