//! The one implementation of [`AccountStore`](crate::store::AccountStore), instantiated per backend.

/// Implements `AccountStore` for a backend type that has `fn reader(&self) -> &Pool<DB>` and
/// `async fn begin_write(&self) -> Result<Transaction<'static, DB>, sqlx::Error>`.
macro_rules! impl_account_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::AccountStore for $store {
            async fn create_account(
                &self,
                new: &$crate::store::NewAccount,
                now: &$crate::domain::Moment,
            ) -> Result<$crate::store::Account, $crate::store::StoreError> {
                use $crate::store::{StoreError, sql};
                let mut tx = self.begin_write().await?;
                let inserted = sqlx::query_as::<_, sql::AccountRow>(sql::INSERT_ACCOUNT)
                    .bind(new.msisdn.as_str())
                    .bind(new.status.as_str())
                    .bind(new.currency.code())
                    .bind(new.opening_balance)
                    .bind(new.overdraft_limit)
                    .bind(new.monthly_limit)
                    .bind(&now.month)
                    .bind(new.low_balance_threshold)
                    .bind(new.credit_expiry.map(sql::date_text))
                    .bind(new.notify_receipt)
                    .bind(new.notify_low_balance)
                    .bind(new.language.as_str())
                    .bind(now.at_ms)
                    .fetch_one(&mut *tx)
                    .await;
                let row = match inserted {
                    Ok(row) => row,
                    Err(e) if sql::is_unique_violation(&e) => return Err(StoreError::AlreadyExists),
                    Err(e) => return Err(e.into()),
                };
                let account = $crate::store::Account::try_from(row)?;
                if new.opening_balance > 0 {
                    sqlx::query_scalar::<_, i64>(sql::INSERT_LEDGER)
                        .bind(account.id)
                        .bind($crate::store::EntryKind::Topup.as_str())
                        .bind(new.opening_balance)
                        .bind(0_i64)
                        .bind(new.opening_balance)
                        .bind(&new.actor)
                        .bind(None::<String>)
                        .bind("opening balance")
                        .bind(now.at_ms)
                        .fetch_one(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(account)
            }

            async fn account(
                &self,
                msisdn: &$crate::domain::Msisdn,
            ) -> Result<Option<$crate::store::Account>, $crate::store::StoreError> {
                sqlx::query_as::<_, $crate::store::sql::AccountRow>($crate::store::sql::SELECT_ACCOUNT)
                    .bind(msisdn.as_str())
                    .fetch_optional(self.reader())
                    .await?
                    .map($crate::store::Account::try_from)
                    .transpose()
            }

            async fn list_accounts(
                &self,
                query: &$crate::store::AccountQuery,
            ) -> Result<Vec<$crate::store::Account>, $crate::store::StoreError> {
                sqlx::query_as::<_, $crate::store::sql::AccountRow>($crate::store::sql::LIST_ACCOUNTS)
                    .bind(query.status.map(|s| s.as_str()))
                    .bind(query.after_id)
                    .bind(query.limit)
                    .fetch_all(self.reader())
                    .await?
                    .into_iter()
                    .map($crate::store::Account::try_from)
                    .collect()
            }

            async fn update_account(
                &self,
                msisdn: &$crate::domain::Msisdn,
                patch: &$crate::store::AccountPatch,
                now: &$crate::domain::Moment,
            ) -> Result<$crate::store::Account, $crate::store::StoreError> {
                use $crate::store::sql;
                let mut tx = self.begin_write().await?;
                let row = sqlx::query_as::<_, sql::AccountRow>(sql::UPDATE_ACCOUNT)
                    .bind(msisdn.as_str())
                    .bind(patch.monthly_limit.is_some())
                    .bind(patch.monthly_limit.flatten())
                    .bind(patch.low_balance_threshold.is_some())
                    .bind(patch.low_balance_threshold.flatten())
                    .bind(patch.credit_expiry.is_some())
                    .bind(patch.credit_expiry.flatten().map(sql::date_text))
                    .bind(patch.notify_receipt)
                    .bind(patch.notify_low_balance)
                    .bind(patch.language.map(|l| l.as_str()))
                    .bind(now.at_ms)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or($crate::store::StoreError::NotFound)?;
                tx.commit().await?;
                $crate::store::Account::try_from(row)
            }

            async fn set_status(
                &self,
                msisdn: &$crate::domain::Msisdn,
                status: $crate::store::AccountStatus,
                now: &$crate::domain::Moment,
            ) -> Result<$crate::store::Account, $crate::store::StoreError> {
                use $crate::store::{StoreError, sql};
                let mut tx = self.begin_write().await?;
                let row = sqlx::query_as::<_, sql::AccountRow>(sql::SET_STATUS)
                    .bind(msisdn.as_str())
                    .bind(status.as_str())
                    .bind(now.at_ms)
                    .fetch_optional(&mut *tx)
                    .await?;
                tx.commit().await?;
                if let Some(row) = row {
                    return $crate::store::Account::try_from(row);
                }
                // Only a closed (or missing) account escapes the update; closing it again is a no-op.
                match self.account(msisdn).await? {
                    None => Err(StoreError::NotFound),
                    Some(a) if a.status == status => Ok(a),
                    Some(a) => Err(StoreError::InvalidTransition {
                        from: a.status,
                        to: status,
                    }),
                }
            }

            async fn move_money(
                &self,
                movement: &$crate::store::Movement,
                now: &$crate::domain::Moment,
            ) -> Result<$crate::store::Moved, $crate::store::StoreError> {
                self.apply_movement(movement, now).await
            }

            async fn ledger(
                &self,
                msisdn: &$crate::domain::Msisdn,
                before_id: Option<i64>,
                limit: i64,
            ) -> Result<Vec<$crate::store::LedgerEntry>, $crate::store::StoreError> {
                sqlx::query_as::<_, $crate::store::sql::LedgerRow>($crate::store::sql::LEDGER_PAGE)
                    .bind(msisdn.as_str())
                    .bind(before_id.unwrap_or(i64::MAX))
                    .bind(limit)
                    .fetch_all(self.reader())
                    .await?
                    .into_iter()
                    .map($crate::store::LedgerEntry::try_from)
                    .collect()
            }

            async fn ledger_sum(
                &self,
                msisdn: &$crate::domain::Msisdn,
            ) -> Result<i64, $crate::store::StoreError> {
                Ok(sqlx::query_scalar::<_, i64>($crate::store::sql::LEDGER_SUM)
                    .bind(msisdn.as_str())
                    .fetch_one(self.reader())
                    .await?)
            }
        }

        $crate::store::sql::impl_move_money!($store);
    };
}

/// The money-moving core shared by `debit` and `credit`: idempotency check, conditional update,
/// ledger append, all in one write transaction.
macro_rules! impl_move_money {
    ($store:ty) => {
        impl $store {
            async fn apply_movement(
                &self,
                m: &$crate::store::Movement,
                now: &$crate::domain::Moment,
            ) -> Result<$crate::store::Moved, $crate::store::StoreError> {
                use $crate::store::{Account, AccountStore as _, Moved, StoreError, sql};
                if matches!(
                    m.kind,
                    $crate::store::EntryKind::Reserve | $crate::store::EntryKind::Release
                ) {
                    return Err(StoreError::InvalidMovement(
                        "reservations move through their own operations",
                    ));
                }
                // Two rounds at most: a concurrent request with the same reference code can win the
                // unique index between our look-up and our insert (PostgreSQL); then we roll back
                // and answer with the winner's outcome.
                for round in 0..2 {
                    let mut tx = self.begin_write().await?;
                    if let Some(previous) = self.find_previous(&mut tx, m).await? {
                        tx.rollback().await?;
                        sql::check_replay(&previous, m)?;
                        let account = self.account(&m.msisdn).await?.ok_or(StoreError::NotFound)?;
                        return Ok(Moved {
                            entry: previous,
                            account,
                            replayed: true,
                        });
                    }
                    let Some(row) = self.conditional_update(&mut tx, m, now).await? else {
                        tx.rollback().await?;
                        let account = self.account(&m.msisdn).await?;
                        return Err(StoreError::Refused(if m.kind.is_debit() {
                            sql::debit_refusal(account.as_ref(), m, now)
                        } else {
                            sql::credit_refusal(account.as_ref(), m)
                        }));
                    };
                    let account = Account::try_from(row)?;
                    let entry = match self.append_entry(&mut tx, &account, m, now).await {
                        Ok(entry) => entry,
                        Err(e) if round == 0 && sql::is_unique_violation(&e) => {
                            tx.rollback().await?;
                            continue;
                        }
                        Err(e) => return Err(e.into()),
                    };
                    tx.commit().await?;
                    return Ok(Moved {
                        entry,
                        account,
                        replayed: false,
                    });
                }
                Err(StoreError::ReferenceConflict(
                    m.reference_code.clone().unwrap_or_default(),
                ))
            }

            /// The ledger entry already recorded for the movement's `(actor, reference_code)`.
            async fn find_previous(
                &self,
                tx: &mut sqlx::Transaction<'static, <Self as $crate::store::sql::Backend>::Db>,
                m: &$crate::store::Movement,
            ) -> Result<Option<$crate::store::LedgerEntry>, $crate::store::StoreError> {
                let Some(code) = &m.reference_code else {
                    return Ok(None);
                };
                sqlx::query_as::<_, $crate::store::sql::LedgerRow>($crate::store::sql::FIND_REFERENCE)
                    .bind(&m.actor)
                    .bind(code)
                    .fetch_optional(&mut **tx)
                    .await?
                    .map($crate::store::LedgerEntry::try_from)
                    .transpose()
            }

            /// Appends the ledger row recording a movement that was just applied to `account`.
            async fn append_entry(
                &self,
                tx: &mut sqlx::Transaction<'static, <Self as $crate::store::sql::Backend>::Db>,
                account: &$crate::store::Account,
                m: &$crate::store::Movement,
                now: &$crate::domain::Moment,
            ) -> Result<$crate::store::LedgerEntry, sqlx::Error> {
                use $crate::store::sql;
                let id = sqlx::query_scalar::<_, i64>(sql::INSERT_LEDGER)
                    .bind(account.id)
                    .bind(m.kind.as_str())
                    .bind(sql::signed_amount(m))
                    .bind(0_i64)
                    .bind(account.balance)
                    .bind(&m.actor)
                    .bind(&m.reference_code)
                    .bind(&m.description)
                    .bind(now.at_ms)
                    .fetch_one(&mut **tx)
                    .await?;
                Ok($crate::store::LedgerEntry {
                    id,
                    msisdn: m.msisdn.clone(),
                    kind: m.kind,
                    amount: sql::signed_amount(m),
                    reserved_delta: 0,
                    balance_after: account.balance,
                    actor: m.actor.clone(),
                    reference_code: m.reference_code.clone(),
                    description: m.description.clone(),
                    created_at_ms: now.at_ms,
                })
            }

            /// Runs the movement's conditional update; `None` when a rule refused it.
            async fn conditional_update(
                &self,
                tx: &mut sqlx::Transaction<'static, <Self as $crate::store::sql::Backend>::Db>,
                m: &$crate::store::Movement,
                now: &$crate::domain::Moment,
            ) -> Result<Option<$crate::store::sql::AccountRow>, sqlx::Error> {
                use $crate::store::{EntryKind, sql};
                let query = sqlx::query_as::<_, sql::AccountRow>;
                match m.kind {
                    EntryKind::Charge | EntryKind::ReservationCharge => {
                        query(sql::DEBIT)
                            .bind(m.amount)
                            .bind(&now.month)
                            .bind(now.at_ms)
                            .bind(m.msisdn.as_str())
                            .bind(m.currency.code())
                            .bind(sql::date_text(now.today))
                            .fetch_optional(&mut **tx)
                            .await
                    }
                    EntryKind::Refund => {
                        query(sql::REFUND)
                            .bind(m.amount)
                            .bind(&now.month)
                            .bind(now.at_ms)
                            .bind(m.msisdn.as_str())
                            .bind(m.currency.code())
                            .bind(sql::BALANCE_CEILING)
                            .fetch_optional(&mut **tx)
                            .await
                    }
                    _ => {
                        query(sql::CREDIT)
                            .bind(m.amount)
                            .bind(now.at_ms)
                            .bind(m.msisdn.as_str())
                            .bind(m.currency.code())
                            .bind(sql::BALANCE_CEILING)
                            .fetch_optional(&mut **tx)
                            .await
                    }
                }
            }
        }
    };
}

pub(crate) use impl_account_store;
pub(crate) use impl_move_money;
