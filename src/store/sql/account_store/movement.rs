//! The money-moving steps every movement shares: idempotency check, conditional update, limits,
//! ledger append, in the caller's write transaction.

use crate::domain::{Moment, Msisdn};
use crate::store::sql::fraud_store::screen::{Screened, Stopped, probes};
use crate::store::sql::{AccountRow, Draft, LedgerRow};
use crate::store::sql::{SqlStore, db};
use crate::store::{Account, EntryKind, LedgerEntry, Moved, Movement, Refusal, StoreError};

/// Why a movement may not go on, found inside its transaction by [`SqlStore::check_limits`].
#[derive(Debug)]
pub(in crate::store::sql) enum Stop {
    /// A limit refuses it.
    Limit(Refusal),
    /// A fraud rule stopped it: its decision is recorded once the movement is undone.
    Fraud(Box<Stopped>),
}

/// How one movement went inside a write transaction.
#[derive(Debug)]
pub(in crate::store::sql) enum Attempt {
    /// Written; the transaction may keep it.
    Moved(Box<Moved>),
    /// Nothing written: the conditional update matched no row.
    NoRow,
    /// Written, then stopped by a limit or a fraud rule: its writes must be undone.
    Stopped(Stop),
    /// Written, then the ledger refused its `(actor, reference_code)`: its writes must be undone.
    Duplicate,
}

impl Attempt {
    /// Whether the attempt wrote something that must be undone before the transaction goes on.
    pub(in crate::store::sql) fn must_undo(&self) -> bool {
        matches!(self, Self::Stopped(_) | Self::Duplicate)
    }
}

/// Where the answer to a movement that did not move money is read: inside the transaction that
/// carries it (a round, which sees the movements before it in the round), or on the readers once
/// its own transaction has rolled back.
pub(in crate::store::sql) enum Reads<'a> {
    /// Inside this transaction.
    Tx(&'a mut db::Tx),
    /// On the readers.
    Readers,
}

/// The money-moving core shared by `debit` and `credit`: idempotency check, conditional update,
/// limits, ledger append.
impl SqlStore {
    /// Applies one movement in a write transaction of its own.
    pub(in crate::store::sql) async fn apply_movement(
        &self,
        m: &Movement,
        now: &Moment,
    ) -> Result<Moved, StoreError> {
        if self.db.is_postgres() && super::one_statement::fits_one_statement(m, now) {
            return self.apply_in_one_statement(m, now).await;
        }
        let mut tx = self.begin_write().await?;
        match self.attempt(&mut tx, m, now).await? {
            Attempt::Moved(moved) => {
                tx.commit().await?;
                Ok(*moved)
            }
            refused => {
                tx.rollback().await?;
                self.settle(&mut Reads::Readers, m, now, refused).await
            }
        }
    }

    /// Applies the movement inside `tx`. Optimistic: the movement is applied and the unique
    /// index on `(actor, reference_code)` says whether it is a retry, so the common case, a new
    /// request, costs no look-up; a retry (or the loser of two concurrent first attempts) is
    /// answered by [`SqlStore::settle`] once its writes are undone.
    pub(in crate::store::sql) async fn attempt(
        &self,
        tx: &mut db::Tx,
        m: &Movement,
        now: &Moment,
    ) -> Result<Attempt, StoreError> {
        if matches!(m.kind, EntryKind::Reserve | EntryKind::Release) {
            return Err(StoreError::InvalidMovement(
                "reservations move through their own operations",
            ));
        }
        let Some(row) = self.conditional_update(tx, m, now).await? else {
            return Ok(Attempt::NoRow);
        };
        let mut account = Account::try_from(row)?;
        if let Some(stop) = self.check_limits(tx, &account, m, now).await? {
            return Ok(Attempt::Stopped(stop));
        }
        if let Some(days) = m.extend_expiry_days.filter(|_| !m.kind.is_debit()) {
            account.credit_expiry = self.extend_expiry(tx, &account, days, now).await?;
        }
        match self.append_entry(tx, &account, &Draft::of(m), now).await {
            Ok(entry) => Ok(Attempt::Moved(Box::new(Moved {
                entry,
                account,
                replayed: false,
            }))),
            Err(e) if crate::store::sql::is_unique_violation(&e) => Ok(Attempt::Duplicate),
            Err(e) => Err(e.into()),
        }
    }

    /// The answer to a movement whose attempt moved no money (its writes already undone): the
    /// first outcome when it is a retry, else why it was refused. A refused movement is checked
    /// for a retry too: the first attempt may have moved the money that is now missing.
    pub(in crate::store::sql) async fn settle(
        &self,
        reads: &mut Reads<'_>,
        m: &Movement,
        now: &Moment,
        attempt: Attempt,
    ) -> Result<Moved, StoreError> {
        use crate::store::sql;
        if let Some(moved) = self.replay(reads, m).await? {
            return Ok(moved);
        }
        match attempt {
            Attempt::Moved(moved) => Ok(*moved),
            Attempt::Stopped(Stop::Limit(refusal)) => Err(StoreError::Refused(refusal)),
            Attempt::Stopped(Stop::Fraud(stopped)) => Err(StoreError::Refused(match reads {
                Reads::Tx(tx) => self.record_stop_in(tx, &stopped, now).await?,
                Reads::Readers => self.record_stop(&stopped, now).await?,
            })),
            Attempt::Duplicate => Err(StoreError::ReferenceConflict(
                m.reference_code.clone().unwrap_or_default(),
            )),
            Attempt::NoRow => {
                let account = self.account_in(reads, &m.msisdn).await?;
                if !m.kind.is_debit() {
                    return Err(StoreError::Refused(sql::credit_refusal(account.as_ref(), m)));
                }
                let refusal = sql::debit_refusal(account.as_ref(), m.currency, m.amount, now);
                if let Some(rules) = m.screen.as_deref().filter(|_| probes(refusal)) {
                    match reads {
                        Reads::Tx(tx) => self.count_refusal_in(tx, &m.msisdn, rules, now).await?,
                        Reads::Readers => self.count_refusal(&m.msisdn, rules, now).await?,
                    }
                }
                Err(StoreError::Refused(refusal))
            }
        }
    }

    /// The account for a number, read through `reads`.
    async fn account_in(
        &self,
        reads: &mut Reads<'_>,
        msisdn: &Msisdn,
    ) -> Result<Option<Account>, StoreError> {
        db::query_as::<AccountRow>(&crate::store::sql::SELECT_ACCOUNT)
            .bind(msisdn.as_str())
            .fetch_optional(self.on(reads))
            .await?
            .map(Account::try_from)
            .transpose()
    }

    /// Where a read through `reads` runs.
    fn on<'a>(&'a self, reads: &'a mut Reads<'_>) -> db::On<'a> {
        match reads {
            Reads::Tx(tx) => db::On::from(&mut **tx),
            Reads::Readers => self.reader(),
        }
    }

    /// Moves the credit expiry `days` past the later of today and the current expiry, in the
    /// movement's transaction; a credit that never expires keeps never expiring.
    pub(in crate::store::sql) async fn extend_expiry(
        &self,
        tx: &mut db::Tx,
        account: &Account,
        days: u32,
        now: &Moment,
    ) -> Result<Option<chrono::NaiveDate>, StoreError> {
        use crate::store::{StoreError, sql};
        let Some(current) = account.credit_expiry else {
            return Ok(None);
        };
        let until = current
            .max(now.today)
            .checked_add_days(chrono::Days::new(u64::from(days)))
            .ok_or(StoreError::InvalidMovement("expiry beyond the calendar"))?;
        db::query(sql::SET_CREDIT_EXPIRY)
            .bind(account.id)
            .bind(sql::date_text(until))
            .execute(&mut *tx)
            .await?;
        Ok(Some(until))
    }

    /// The first outcome of a request whose reference code was used before, if it was.
    pub(in crate::store::sql) async fn replay(
        &self,
        reads: &mut Reads<'_>,
        m: &Movement,
    ) -> Result<Option<Moved>, StoreError> {
        let Some(entry) = self.previous_entry(reads, m).await? else {
            return Ok(None);
        };
        crate::store::sql::check_replay(&entry, m)?;
        let account = self
            .account_in(reads, &m.msisdn)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(Some(Moved {
            entry,
            account,
            replayed: true,
        }))
    }

    /// The ledger entry already recorded for the movement's `(actor, reference_code)`, read in
    /// `tx`.
    pub(in crate::store::sql) async fn find_previous(
        &self,
        tx: &mut db::Tx,
        m: &Movement,
    ) -> Result<Option<LedgerEntry>, StoreError> {
        self.previous_entry(&mut Reads::Tx(tx), m).await
    }

    /// The ledger entry already recorded for the movement's `(actor, reference_code)`, read
    /// through `reads`.
    async fn previous_entry(
        &self,
        reads: &mut Reads<'_>,
        m: &Movement,
    ) -> Result<Option<LedgerEntry>, StoreError> {
        let Some(code) = &m.reference_code else {
            return Ok(None);
        };
        db::query_as::<LedgerRow>(&crate::store::sql::FIND_REFERENCE)
            .bind(&m.actor)
            .bind(code)
            .fetch_optional(self.on(reads))
            .await?
            .map(LedgerEntry::try_from)
            .transpose()
    }

    /// Appends a ledger row for a change just applied to `account`.
    pub(in crate::store::sql) async fn append_entry(
        &self,
        tx: &mut db::Tx,
        account: &Account,
        draft: &Draft<'_>,
        now: &Moment,
    ) -> Result<LedgerEntry, sqlx::Error> {
        let id = db::query_scalar::<i64>(crate::store::sql::INSERT_LEDGER)
            .bind(account.id)
            .bind(draft.kind.as_str())
            .bind(draft.amount)
            .bind(draft.reserved_delta)
            .bind(account.balance)
            .bind(draft.actor)
            .bind(draft.reference_code)
            .bind(draft.description)
            .bind(now.at_ms)
            .fetch_one(&mut *tx)
            .await?;
        Ok(draft.entry(id, account, now))
    }

    /// Checks and counts the caller's limits inside the movement's transaction: the amount
    /// against the per-movement limit, the actor's daily and monthly spend (for debits) or
    /// credits (for an application's credits), counted only when its agreement caps them so
    /// uncapped callers never contend on a counter row, a refund's bound by what the
    /// actor charged, and last the fraud rules on an application's charge.
    pub(in crate::store::sql) async fn check_limits(
        &self,
        tx: &mut db::Tx,
        account: &Account,
        m: &Movement,
        now: &Moment,
    ) -> Result<Option<Stop>, sqlx::Error> {
        use crate::store::{EntryKind, Refusal, sql};
        if let Some(refusal) = over_movement_limit(m) {
            return Ok(Some(Stop::Limit(refusal)));
        }
        let (day, month) = sql::spend_periods(now);
        if let Some(counted) = sql::counted_periods(m.kind, &m.limits, now) {
            for (period, cap, refusal) in counted {
                let spent = db::query_scalar::<i64>(sql::BUMP_ACTOR_SPEND)
                    .bind(&m.actor)
                    .bind(m.currency.code())
                    .bind(&period)
                    .bind(m.amount)
                    .fetch_one(&mut *tx)
                    .await?;
                if cap.is_some_and(|c| spent > c) {
                    return Ok(Some(Stop::Limit(refusal)));
                }
            }
        }
        if m.kind == EntryKind::Refund {
            if m.limits.refund_within_charges {
                let net = db::query_scalar::<i64>(sql::ACTOR_NET_CHARGES)
                    .bind(account.id)
                    .bind(&m.actor)
                    .fetch_one(&mut *tx)
                    .await?;
                if -net < m.amount {
                    return Ok(Some(Stop::Limit(Refusal::RefundExceedsCharges)));
                }
            }
            db::query(sql::RETURN_ACTOR_SPEND)
                .bind(&m.actor)
                .bind(m.currency.code())
                .bind(&day)
                .bind(m.amount)
                .bind(&month)
                .execute(&mut *tx)
                .await?;
        }
        let Some(rules) = screen_of(m) else {
            return Ok(None);
        };
        let screened = Screened {
            rules,
            account,
            actor: &m.actor,
            kind: m.kind,
            amount: m.amount,
            reference_code: m.reference_code.as_deref(),
        };
        let stopped = self.screen(tx, &screened, now).await?;
        Ok(stopped.map(|s| Stop::Fraud(Box::new(s))))
    }

    /// Undoes `tx`, whose movement `stop` stopped, and answers it: the limit's refusal, or the
    /// fraud rule's, recorded once the movement is undone.
    pub(in crate::store::sql) async fn refuse(&self, tx: db::Tx, stop: Stop, now: &Moment) -> StoreError {
        if let Err(e) = tx.rollback().await {
            return e.into();
        }
        match stop {
            Stop::Limit(refusal) => StoreError::Refused(refusal),
            Stop::Fraud(stopped) => match self.record_stop(&stopped, now).await {
                Ok(refusal) => StoreError::Refused(refusal),
                Err(e) => e,
            },
        }
    }

    /// Runs the movement's conditional update; `None` when a rule refused it.
    pub(in crate::store::sql) async fn conditional_update(
        &self,
        tx: &mut db::Tx,
        m: &Movement,
        now: &Moment,
    ) -> Result<Option<AccountRow>, sqlx::Error> {
        use crate::store::sql;
        let text: &'static str = match m.kind {
            EntryKind::Charge | EntryKind::ReservationCharge => &sql::DEBIT,
            EntryKind::Refund => &sql::REFUND,
            _ => &sql::CREDIT,
        };
        bind_update(db::query_as::<AccountRow>(text), m, now)
            .fetch_optional(&mut *tx)
            .await
    }
}

/// Binds the arguments of the movement's conditional update (`sql::DEBIT`, `sql::REFUND` or
/// `sql::CREDIT`, by its kind) to `query`, whose text starts with that update.
pub(in crate::store::sql) fn bind_update<'a, R: db::Row>(
    query: db::QueryAs<'a, R>,
    m: &'a Movement,
    now: &'a Moment,
) -> db::QueryAs<'a, R> {
    use crate::store::sql;
    let query = query.bind(m.amount);
    let query = match m.kind {
        EntryKind::Charge | EntryKind::ReservationCharge | EntryKind::Refund => {
            query.bind(&now.month).bind(now.at_ms)
        }
        _ => query.bind(now.at_ms),
    };
    let query = query.bind(m.msisdn.as_str()).bind(m.currency.code());
    if m.kind.is_debit() {
        query.bind(sql::date_text(now.today))
    } else {
        query.bind(sql::BALANCE_CEILING)
    }
}

/// The refusal of a movement over its per-movement limit (the first of [`SqlStore::check_limits`]'s
/// checks, and the only one that reads nothing).
pub(in crate::store::sql) fn over_movement_limit(m: &Movement) -> Option<Refusal> {
    m.limits
        .over_per_movement(m.amount)
        .then(|| crate::store::sql::per_movement_refusal(m.kind))
}

/// Whether [`SqlStore::check_limits`] has nothing to read or write for `m` beyond
/// [`over_movement_limit`] and the fraud rules' account counters: no application counter to bump
/// (`sql::counted_periods`), no refund to bound or give back.
pub(in crate::store::sql) fn limits_need_no_statement(m: &Movement, now: &Moment) -> bool {
    m.kind != EntryKind::Refund && crate::store::sql::counted_periods(m.kind, &m.limits, now).is_none()
}

/// The fraud rules `check_limits` runs on `m`, if any (an application's charge, some rule on).
pub(in crate::store::sql) fn screen_of(m: &Movement) -> Option<&crate::fraud::Rules> {
    m.screen
        .as_deref()
        .filter(|rules| m.kind == EntryKind::Charge && rules.any_enabled())
}
