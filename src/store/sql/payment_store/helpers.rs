//! `impl_reservation_helpers!`: the steps reservation operations share.

/// Inherent helpers of a backend type for `PaymentStore`.
macro_rules! impl_reservation_helpers {
    ($store:ty) => {
        impl $store {
            /// Locks an open reservation of `actor` and reads it; unknown and foreign reservations
            /// are alike `ReservationNotFound`. With `live`, an expired one is refused too.
            async fn touch_reservation(
                &self,
                tx: &mut sqlx::Transaction<'static, <Self as $crate::store::sql::Backend>::Db>,
                id: &str,
                actor: &str,
                now: &$crate::domain::Moment,
                live: bool,
            ) -> Result<(i64, $crate::store::payment::Reservation), $crate::store::StoreError> {
                use $crate::store::StoreError;
                use $crate::store::payment::Reservation;
                use $crate::store::sql::payment_store as q;
                let account_id = sqlx::query_scalar::<_, i64>(q::TOUCH_RESERVATION)
                    .bind(id)
                    .bind(actor)
                    .bind(now.at_ms)
                    .fetch_optional(&mut **tx)
                    .await?;
                let row = sqlx::query_as::<_, q::ReservationRow>(q::SELECT_RESERVATION)
                    .bind(id)
                    .fetch_optional(&mut **tx)
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
            async fn set_reservation(
                &self,
                tx: &mut sqlx::Transaction<'static, <Self as $crate::store::sql::Backend>::Db>,
                r: &$crate::store::payment::Reservation,
                now: &$crate::domain::Moment,
            ) -> Result<(), sqlx::Error> {
                sqlx::query($crate::store::sql::payment_store::SET_RESERVATION)
                    .bind(&r.id)
                    .bind(r.held)
                    .bind(r.charged)
                    .bind(r.status.as_str())
                    .bind(r.expires_at_ms)
                    .bind(now.at_ms)
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }

            /// Gives back what a reservation still holds and closes it with `status`.
            async fn release_held(
                &self,
                tx: &mut sqlx::Transaction<'static, <Self as $crate::store::sql::Backend>::Db>,
                account_id: i64,
                r: &$crate::store::payment::Reservation,
                status: $crate::store::payment::ReservationStatus,
                now: &$crate::domain::Moment,
            ) -> Result<i64, $crate::store::StoreError> {
                use $crate::store::sql::{self, payment_store as q};
                use $crate::store::{Account, EntryKind, StoreError};
                if r.held > 0 {
                    let row = sqlx::query_as::<_, sql::AccountRow>(q::UNHOLD)
                        .bind(r.held)
                        .bind(now.at_ms)
                        .bind(account_id)
                        .fetch_optional(&mut **tx)
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
                let closed = $crate::store::payment::Reservation {
                    held: 0,
                    status,
                    ..r.clone()
                };
                self.set_reservation(tx, &closed, now).await?;
                Ok(r.held)
            }

            /// Charges from what a locked reservation holds (see `charge_reservation`).
            async fn charge_held(
                &self,
                tx: &mut sqlx::Transaction<'static, <Self as $crate::store::sql::Backend>::Db>,
                c: &$crate::store::payment::ReservationCharge,
                movement: &$crate::store::Movement,
                now: &$crate::domain::Moment,
            ) -> Result<$crate::store::Moved, $crate::store::StoreError> {
                use $crate::store::payment::Reservation;
                use $crate::store::sql;
                use $crate::store::{Account, EntryKind, Moved, StoreError};
                let (account_id, r) = self
                    .touch_reservation(tx, &c.id, &c.actor, now, true)
                    .await?;
                if r.held < c.amount {
                    return Err(StoreError::ReservationClosed("holding less than that"));
                }
                if c.limits
                    .over_per_movement(r.charged.saturating_add(c.amount))
                {
                    return Err(StoreError::Refused($crate::store::Refusal::PerChargeLimit));
                }
                let row = sqlx::query_as::<_, sql::AccountRow>(sql::DEBIT_RESERVED)
                    .bind(c.amount)
                    .bind(&now.month)
                    .bind(now.at_ms)
                    .bind(account_id)
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or(StoreError::ReservationClosed("holding less than that"))?;
                let account = Account::try_from(row)?;
                if let Some(refusal) = self.check_limits(tx, &account, movement, now).await? {
                    return Err(StoreError::Refused(refusal));
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
        }
    };
}

pub(crate) use impl_reservation_helpers;
