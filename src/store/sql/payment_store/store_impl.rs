//! [`PaymentStore`](crate::store::payment::PaymentStore) on [`SqlStore`].

use crate::domain::Moment;
use crate::store::payment::{
    NewReservation, PaymentStore, Reservation, ReservationAdjust, ReservationCharge, ReservationStatus,
    Tariff,
};
use crate::store::sql::{SqlStore, db};
use crate::store::{Moved, Refusal, StoreError};

#[async_trait::async_trait]
impl PaymentStore for SqlStore {
    async fn reserve(&self, new: &NewReservation, now: &Moment) -> Result<Reservation, StoreError> {
        use crate::store::sql::{self, payment_store as q};
        use crate::store::{Account, EntryKind, StoreError};
        if new.limits.over_per_movement(new.amount) {
            return Err(StoreError::Refused(Refusal::PerChargeLimit));
        }
        let mut tx = self.begin_write().await?;
        let row = db::query_as::<sql::AccountRow>(&q::HOLD)
            .bind(new.amount)
            .bind(&now.month)
            .bind(now.at_ms)
            .bind(new.msisdn.as_str())
            .bind(new.currency.code())
            .bind(sql::date_text(now.today))
            .fetch_optional(&mut tx)
            .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Err(self
                .hold_refused(&new.msisdn, new.currency, new.amount, new.screen.as_deref(), now)
                .await);
        };
        let account = Account::try_from(row)?;
        if let Some(stop) = self
            .screen_hold(
                &mut tx,
                new.screen.as_deref(),
                &account,
                &new.actor,
                new.amount,
                now,
            )
            .await?
        {
            return Err(self.refuse(tx, stop, now).await);
        }
        db::query(q::INSERT_RESERVATION)
            .bind(&new.id)
            .bind(account.id)
            .bind(&new.actor)
            .bind(new.currency.code())
            .bind(new.amount)
            .bind(&new.description)
            .bind(new.expires_at_ms)
            .bind(now.at_ms)
            .execute(&mut tx)
            .await?;
        let draft = sql::Draft {
            kind: EntryKind::Reserve,
            amount: 0,
            reserved_delta: new.amount,
            actor: &new.actor,
            reference_code: None,
            description: &new.description,
        };
        self.append_entry(&mut tx, &account, &draft, now).await?;
        tx.commit().await?;
        self.reservation(&new.id)
            .await?
            .ok_or(StoreError::ReservationNotFound)
    }

    async fn adjust_reservation(
        &self,
        adjust: &ReservationAdjust,
        now: &Moment,
    ) -> Result<Reservation, StoreError> {
        use crate::store::sql;
        use crate::store::{Account, EntryKind, Refusal, StoreError};
        let (id, actor, delta, expires_at_ms) = (
            adjust.id.as_str(),
            adjust.actor.as_str(),
            adjust.delta,
            adjust.expires_at_ms,
        );
        let mut tx = self.begin_write().await?;
        let (account_id, r) = self.touch_reservation(&mut tx, id, actor, now, true).await?;
        // The row is locked: held + charged is this reservation's whole purchase so far.
        if delta > 0
            && adjust
                .limits
                .over_per_movement(r.held.saturating_add(r.charged).saturating_add(delta))
        {
            tx.rollback().await?;
            return Err(StoreError::Refused(Refusal::PerChargeLimit));
        }
        let row = self.adjust_hold(&mut tx, account_id, &r, delta, now).await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Err(self
                .hold_refused(&r.msisdn, r.currency, delta, adjust.screen.as_deref(), now)
                .await);
        };
        let account = Account::try_from(row)?;
        let screen = adjust.screen.as_deref().filter(|_| delta > 0);
        if let Some(stop) = self
            .screen_hold(&mut tx, screen, &account, actor, delta, now)
            .await?
        {
            return Err(self.refuse(tx, stop, now).await);
        }
        let updated = Reservation {
            held: r.held + delta,
            expires_at_ms,
            ..r.clone()
        };
        self.set_reservation(&mut tx, &updated, now).await?;
        if delta != 0 {
            let kind = if delta > 0 {
                EntryKind::Reserve
            } else {
                EntryKind::Release
            };
            let draft = sql::Draft {
                kind,
                amount: 0,
                reserved_delta: delta,
                actor,
                reference_code: None,
                description: &r.description,
            };
            self.append_entry(&mut tx, &account, &draft, now).await?;
        }
        tx.commit().await?;
        self.reservation(id).await?.ok_or(StoreError::ReservationNotFound)
    }

    async fn charge_reservation(
        &self,
        c: &ReservationCharge,
        now: &Moment,
    ) -> Result<(Reservation, Moved), StoreError> {
        use crate::store::{AccountStore as _, Moved, StoreError, sql};
        for round in 0..2 {
            let mut tx = self.begin_write().await?;
            let current = self.reservation(&c.id).await?.filter(|r| r.actor == c.actor);
            let current = current.ok_or(StoreError::ReservationNotFound)?;
            let movement = sql::reservation_movement(&current, c);
            if let Some(previous) = self.find_previous(&mut tx, &movement).await? {
                tx.rollback().await?;
                sql::check_replay(&previous, &movement)?;
                let account = self.account(&current.msisdn).await?.ok_or(StoreError::NotFound)?;
                return Ok((
                    current,
                    Moved {
                        entry: previous,
                        account,
                        replayed: true,
                    },
                ));
            }
            match self.charge_held(&mut tx, c, &movement, now).await {
                Ok(moved) => {
                    tx.commit().await?;
                    let after = self
                        .reservation(&c.id)
                        .await?
                        .ok_or(StoreError::ReservationNotFound)?;
                    return Ok((after, moved));
                }
                Err(StoreError::Backend(e)) if round == 0 && sql::is_unique_violation(&e) => {
                    tx.rollback().await?;
                }
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::ReferenceConflict(
            c.reference_code.clone().unwrap_or_default(),
        ))
    }

    async fn release_reservation(
        &self,
        id: &str,
        actor: &str,
        now: &Moment,
    ) -> Result<(Reservation, i64), StoreError> {
        let mut tx = self.begin_write().await?;
        let (account_id, r) = self.touch_reservation(&mut tx, id, actor, now, false).await?;
        let released = self
            .release_held(&mut tx, account_id, &r, ReservationStatus::Released, now)
            .await?;
        tx.commit().await?;
        let after = self
            .reservation(id)
            .await?
            .ok_or(StoreError::ReservationNotFound)?;
        Ok((after, released))
    }

    async fn expire_reservations(&self, now: &Moment) -> Result<u64, StoreError> {
        use crate::store::sql::payment_store as q;
        let due = db::query_as::<(String, String)>(q::DUE_RESERVATIONS)
            .bind(now.at_ms)
            .fetch_all(self.reader())
            .await?;
        let mut expired = 0;
        for (id, actor) in due {
            let mut tx = self.begin_write().await?;
            // Charged or released meanwhile: nothing to do for this one.
            let Ok((account_id, r)) = self.touch_reservation(&mut tx, &id, &actor, now, false).await else {
                continue;
            };
            self.release_held(&mut tx, account_id, &r, ReservationStatus::Expired, now)
                .await?;
            tx.commit().await?;
            expired += 1;
        }
        Ok(expired)
    }

    async fn reservation(&self, id: &str) -> Result<Option<Reservation>, StoreError> {
        use crate::store::sql::payment_store as q;
        db::query_as::<q::ReservationRow>(&q::SELECT_RESERVATION)
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .map(TryInto::try_into)
            .transpose()
    }

    async fn tariff(&self, code: &str) -> Result<Option<Tariff>, StoreError> {
        use crate::store::sql::payment_store as q;
        db::query_as::<q::TariffRow>(q::SELECT_TARIFF)
            .bind(code)
            .fetch_optional(self.reader())
            .await?
            .map(TryInto::try_into)
            .transpose()
    }

    async fn put_tariff(&self, t: &Tariff, now_ms: i64) -> Result<(), StoreError> {
        use crate::store::sql::payment_store as q;
        let mut tx = self.begin_write().await?;
        db::query(q::UPSERT_TARIFF)
            .bind(&t.code)
            .bind(t.currency.code())
            .bind(t.unit_price)
            .bind(&t.description)
            .bind(now_ms)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn tariffs(&self) -> Result<Vec<Tariff>, StoreError> {
        use crate::store::sql::payment_store as q;
        db::query_as::<q::TariffRow>(q::LIST_TARIFFS)
            .fetch_all(self.reader())
            .await?
            .into_iter()
            .map(TryInto::try_into)
            .collect()
    }

    async fn delete_tariff(&self, code: &str) -> Result<(), StoreError> {
        use crate::store::sql::payment_store as q;
        let mut tx = self.begin_write().await?;
        let gone = db::query(q::DELETE_TARIFF)
            .bind(code)
            .execute(&mut tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        if gone == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }
}
