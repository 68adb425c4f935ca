//! The steps reservation operations share.

use crate::domain::Moment;
use crate::store::payment::{Reservation, ReservationCharge, ReservationStatus};
use crate::store::sql::AccountRow;
use crate::store::sql::account_store::Stop;
use crate::store::sql::{SqlStore, db};
use crate::store::{Moved, Movement, Refusal, StoreError};

impl SqlStore {
    /// Locks an open reservation of `actor` and reads it; unknown and foreign reservations
    /// are alike `ReservationNotFound`. With `live`, an expired one is refused too.
    pub(in crate::store::sql) async fn touch_reservation(
        &self,
        tx: &mut db::Tx,
        id: &str,
        actor: &str,
        now: &Moment,
        live: bool,
    ) -> Result<(i64, Reservation), StoreError> {
        use crate::store::sql::payment_store as q;
        let account_id = db::query_scalar::<i64>(q::TOUCH_RESERVATION)
            .bind(id)
            .bind(actor)
            .bind(now.at_ms)
            .fetch_optional(&mut *tx)
            .await?;
        let row = db::query_as::<q::ReservationRow>(&q::SELECT_RESERVATION)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let r = row
            .map(Reservation::try_from)
            .transpose()?
            .filter(|r| r.actor == actor);
        match (account_id, r) {
            (Some(_), Some(r)) if live && r.expires_at_ms <= now.at_ms => {
                Err(StoreError::ReservationClosed("expired"))
            }
            (Some(account_id), Some(r)) => Ok((account_id, r)),
            (None, Some(r)) => Err(StoreError::ReservationClosed(r.status.as_str())),
            (_, None) => Err(StoreError::ReservationNotFound),
        }
    }

    /// Writes a reservation's amounts, status and expiry.
    pub(in crate::store::sql) async fn set_reservation(
        &self,
        tx: &mut db::Tx,
        r: &Reservation,
        now: &Moment,
    ) -> Result<(), sqlx::Error> {
        db::query(crate::store::sql::payment_store::SET_RESERVATION)
            .bind(&r.id)
            .bind(r.held)
            .bind(r.charged)
            .bind(r.status.as_str())
            .bind(r.expires_at_ms)
            .bind(now.at_ms)
            .execute(&mut *tx)
            .await?;
        Ok(())
    }

    /// Gives back what a reservation still holds and closes it with `status`.
    pub(in crate::store::sql) async fn release_held(
        &self,
        tx: &mut db::Tx,
        account_id: i64,
        r: &Reservation,
        status: ReservationStatus,
        now: &Moment,
    ) -> Result<i64, StoreError> {
        use crate::store::sql::{self, payment_store as q};
        use crate::store::{Account, EntryKind, StoreError};
        if r.held > 0 {
            let row = db::query_as::<sql::AccountRow>(&q::UNHOLD)
                .bind(r.held)
                .bind(now.at_ms)
                .bind(account_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::Corrupt(format!(
                    "account of reservation {} holds less than it",
                    r.id
                )))?;
            let account = Account::try_from(row)?;
            let draft = sql::Draft {
                kind: EntryKind::Release,
                amount: 0,
                reserved_delta: -r.held,
                actor: &r.actor,
                reference_code: None,
                description: &r.description,
            };
            self.append_entry(tx, &account, &draft, now).await?;
        }
        let closed = Reservation {
            held: 0,
            status,
            ..r.clone()
        };
        self.set_reservation(tx, &closed, now).await?;
        Ok(r.held)
    }

    /// Charges from what a locked reservation holds (see `charge_reservation`).
    pub(in crate::store::sql) async fn charge_held(
        &self,
        tx: &mut db::Tx,
        c: &ReservationCharge,
        movement: &Movement,
        now: &Moment,
    ) -> Result<Moved, StoreError> {
        use crate::store::sql;
        use crate::store::{Account, EntryKind, Moved, StoreError};
        let (account_id, r) = self.touch_reservation(tx, &c.id, &c.actor, now, true).await?;
        if r.held < c.amount {
            return Err(StoreError::ReservationClosed("holding less than that"));
        }
        if c.limits.over_per_movement(r.charged.saturating_add(c.amount)) {
            return Err(StoreError::Refused(Refusal::PerChargeLimit));
        }
        let row = db::query_as::<sql::AccountRow>(&sql::DEBIT_RESERVED)
            .bind(c.amount)
            .bind(&now.month)
            .bind(now.at_ms)
            .bind(account_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::ReservationClosed("holding less than that"))?;
        let account = Account::try_from(row)?;
        match self.check_limits(tx, &account, movement, now).await? {
            None => {}
            Some(Stop::Limit(refusal)) => return Err(StoreError::Refused(refusal)),
            // The fraud rules ran when the money was held.
            Some(Stop::Fraud(_)) => {
                return Err(StoreError::InvalidMovement(
                    "a reservation is screened when it holds money",
                ));
            }
        }
        let after = Reservation {
            held: r.held - c.amount,
            charged: r.charged + c.amount,
            ..r.clone()
        };
        self.set_reservation(tx, &after, now).await?;
        let draft = sql::Draft {
            kind: EntryKind::ReservationCharge,
            amount: -c.amount,
            reserved_delta: -c.amount,
            actor: &c.actor,
            reference_code: c.reference_code.as_deref(),
            description: &c.description,
        };
        let entry = self.append_entry(tx, &account, &draft, now).await?;
        Ok(Moved {
            entry,
            account,
            replayed: false,
        })
    }

    /// Holds `delta` more (under the charge rules) or less on the reservation's account; the
    /// account as it is afterwards, or `None` when a rule refused the hold.
    pub(in crate::store::sql) async fn adjust_hold(
        &self,
        tx: &mut db::Tx,
        account_id: i64,
        r: &Reservation,
        delta: i64,
        now: &Moment,
    ) -> Result<Option<AccountRow>, StoreError> {
        use crate::store::sql::{self, payment_store as q};
        Ok(if delta > 0 {
            db::query_as::<sql::AccountRow>(&q::HOLD)
                .bind(delta)
                .bind(&now.month)
                .bind(now.at_ms)
                .bind(r.msisdn.as_str())
                .bind(r.currency.code())
                .bind(sql::date_text(now.today))
                .fetch_optional(&mut *tx)
                .await?
        } else if delta < 0 && r.held >= -delta {
            db::query_as::<sql::AccountRow>(&q::UNHOLD)
                .bind(-delta)
                .bind(now.at_ms)
                .bind(account_id)
                .fetch_optional(&mut *tx)
                .await?
        } else if delta < 0 {
            return Err(StoreError::ReservationClosed("holding less than that"));
        } else {
            db::query_as::<sql::AccountRow>(&q::SELECT_ACCOUNT_BY_ID)
                .bind(account_id)
                .fetch_optional(&mut *tx)
                .await?
        })
    }

    /// Runs the fraud rules on a hold of `amount` just made in `tx`, as on a charge.
    pub(in crate::store::sql) async fn screen_hold(
        &self,
        tx: &mut db::Tx,
        rules: Option<&crate::fraud::Rules>,
        account: &crate::store::Account,
        actor: &str,
        amount: i64,
        now: &Moment,
    ) -> Result<Option<Stop>, StoreError> {
        use crate::store::sql::fraud_store::screen::Screened;
        let Some(rules) = rules else {
            return Ok(None);
        };
        let screened = Screened {
            rules,
            account,
            actor,
            kind: crate::store::EntryKind::Reserve,
            amount,
            reference_code: None,
        };
        let stopped = self.screen(tx, &screened, now).await?;
        Ok(stopped.map(|s| Stop::Fraud(Box::new(s))))
    }

    /// Why a hold matched no row (its transaction already undone), counted toward the probing
    /// rule when it says something about the balance.
    pub(in crate::store::sql) async fn hold_refused(
        &self,
        msisdn: &crate::domain::Msisdn,
        currency: crate::domain::Currency,
        amount: i64,
        rules: Option<&crate::fraud::Rules>,
        now: &Moment,
    ) -> StoreError {
        use crate::store::AccountStore as _;
        use crate::store::sql::fraud_store::screen::probes;
        let account = match self.account(msisdn).await {
            Ok(account) => account,
            Err(e) => return e,
        };
        let refusal = crate::store::sql::debit_refusal(account.as_ref(), currency, amount, now);
        if let Some(rules) = rules.filter(|_| probes(refusal))
            && let Err(e) = self.count_refusal(msisdn, rules, now).await
        {
            return e;
        }
        StoreError::Refused(refusal)
    }
}
