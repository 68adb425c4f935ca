//! The money-moving steps every movement shares: idempotency check, conditional update, limits,
//! ledger append, in the caller's write transaction.

use crate::domain::Moment;
use crate::store::sql::{AccountRow, Draft, LedgerRow};
use crate::store::sql::{SqlStore, db};
use crate::store::{Account, EntryKind, LedgerEntry, Moved, Movement, Refusal, StoreError};

/// The money-moving core shared by `debit` and `credit`: idempotency check, conditional update,
/// ledger append, all in one write transaction.
impl SqlStore {
    pub(in crate::store::sql) async fn apply_movement(
        &self,
        m: &Movement,
        now: &Moment,
    ) -> Result<Moved, StoreError> {
        use crate::store::{Account, AccountStore as _, Moved, StoreError, sql};
        if matches!(m.kind, EntryKind::Reserve | EntryKind::Release) {
            return Err(StoreError::InvalidMovement(
                "reservations move through their own operations",
            ));
        }
        // Optimistic: apply the movement and let the unique index on (actor, reference_code)
        // say whether this is a retry. The common case, a new request, then costs no look-up;
        // a retry (or the loser of two concurrent first attempts) rolls back and answers with
        // the first outcome. A refused movement is checked for a retry too: the first attempt
        // may have moved the money that is now missing.
        let mut tx = self.begin_write().await?;
        let Some(row) = self.conditional_update(&mut tx, m, now).await? else {
            tx.rollback().await?;
            if let Some(moved) = self.replay(m).await? {
                return Ok(moved);
            }
            let account = self.account(&m.msisdn).await?;
            return Err(StoreError::Refused(if m.kind.is_debit() {
                sql::debit_refusal(account.as_ref(), m.currency, m.amount, now)
            } else {
                sql::credit_refusal(account.as_ref(), m)
            }));
        };
        let account = Account::try_from(row)?;
        if let Some(refusal) = self.check_limits(&mut tx, &account, m, now).await? {
            tx.rollback().await?;
            return match self.replay(m).await? {
                Some(moved) => Ok(moved),
                None => Err(StoreError::Refused(refusal)),
            };
        }
        let mut account = account;
        if let Some(days) = m.extend_expiry_days.filter(|_| !m.kind.is_debit()) {
            account.credit_expiry = self.extend_expiry(&mut tx, &account, days, now).await?;
        }
        let draft = sql::Draft::of(m);
        match self.append_entry(&mut tx, &account, &draft, now).await {
            Ok(entry) => {
                tx.commit().await?;
                Ok(Moved {
                    entry,
                    account,
                    replayed: false,
                })
            }
            Err(e) if sql::is_unique_violation(&e) => {
                tx.rollback().await?;
                let code = m.reference_code.clone().unwrap_or_default();
                self.replay(m).await?.ok_or(StoreError::ReferenceConflict(code))
            }
            Err(e) => Err(e.into()),
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
    pub(in crate::store::sql) async fn replay(&self, m: &Movement) -> Result<Option<Moved>, StoreError> {
        use crate::store::{AccountStore as _, Moved, StoreError, sql};
        let Some(code) = &m.reference_code else {
            return Ok(None);
        };
        let previous = db::query_as::<sql::LedgerRow>(&sql::FIND_REFERENCE)
            .bind(&m.actor)
            .bind(code)
            .fetch_optional(self.reader())
            .await?
            .map(LedgerEntry::try_from)
            .transpose()?;
        let Some(entry) = previous else {
            return Ok(None);
        };
        sql::check_replay(&entry, m)?;
        let account = self.account(&m.msisdn).await?.ok_or(StoreError::NotFound)?;
        Ok(Some(Moved {
            entry,
            account,
            replayed: true,
        }))
    }

    /// The ledger entry already recorded for the movement's `(actor, reference_code)`.
    pub(in crate::store::sql) async fn find_previous(
        &self,
        tx: &mut db::Tx,
        m: &Movement,
    ) -> Result<Option<LedgerEntry>, StoreError> {
        let Some(code) = &m.reference_code else {
            return Ok(None);
        };
        db::query_as::<LedgerRow>(&crate::store::sql::FIND_REFERENCE)
            .bind(&m.actor)
            .bind(code)
            .fetch_optional(&mut *tx)
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
    /// uncapped callers never contend on a counter row, and a refund's bound by what the
    /// actor charged.
    pub(in crate::store::sql) async fn check_limits(
        &self,
        tx: &mut db::Tx,
        account: &Account,
        m: &Movement,
        now: &Moment,
    ) -> Result<Option<Refusal>, sqlx::Error> {
        use crate::store::{EntryKind, Refusal, sql};
        if m.limits.over_per_movement(m.amount) {
            return Ok(Some(sql::per_movement_refusal(m.kind)));
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
                    return Ok(Some(refusal));
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
                    return Ok(Some(Refusal::RefundExceedsCharges));
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
        Ok(None)
    }

    /// Runs the movement's conditional update; `None` when a rule refused it.
    pub(in crate::store::sql) async fn conditional_update(
        &self,
        tx: &mut db::Tx,
        m: &Movement,
        now: &Moment,
    ) -> Result<Option<AccountRow>, sqlx::Error> {
        use crate::store::{EntryKind, sql};
        let query = db::query_as::<sql::AccountRow>;
        match m.kind {
            EntryKind::Charge | EntryKind::ReservationCharge => {
                query(&sql::DEBIT)
                    .bind(m.amount)
                    .bind(&now.month)
                    .bind(now.at_ms)
                    .bind(m.msisdn.as_str())
                    .bind(m.currency.code())
                    .bind(sql::date_text(now.today))
                    .fetch_optional(&mut *tx)
                    .await
            }
            EntryKind::Refund => {
                query(&sql::REFUND)
                    .bind(m.amount)
                    .bind(&now.month)
                    .bind(now.at_ms)
                    .bind(m.msisdn.as_str())
                    .bind(m.currency.code())
                    .bind(sql::BALANCE_CEILING)
                    .fetch_optional(&mut *tx)
                    .await
            }
            _ => {
                query(&sql::CREDIT)
                    .bind(m.amount)
                    .bind(now.at_ms)
                    .bind(m.msisdn.as_str())
                    .bind(m.currency.code())
                    .bind(sql::BALANCE_CEILING)
                    .fetch_optional(&mut *tx)
                    .await
            }
        }
    }
}
