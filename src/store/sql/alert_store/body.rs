//! The methods of [`AlertStore`](crate::store::alerts::AlertStore) on [`SqlStore`]: the statements
//! of `alert_store.rs` run in order.

use crate::store::alerts::{AlertBatch, AlertEntry, AlertMark, AlertStore, Monitor, UnregisteredAttempt};
use crate::store::sql::AccountRow;
use crate::store::sql::{SqlStore, db};
use crate::store::{Account, StoreError};

impl SqlStore {
    /// Re-checks and records every mark; `false` as soon as one was already recorded.
    pub(in crate::store::sql) async fn record_marks(
        tx: &mut db::Tx,
        marks: &[AlertMark],
        now_ms: i64,
    ) -> Result<bool, sqlx::Error> {
        use crate::store::sql::alert_store as q;
        for mark in marks {
            let query = match mark {
                AlertMark::Unregistered {
                    msisdn,
                    sent,
                    last_sent_at_ms,
                } => db::query(q::MARK_UNREGISTERED)
                    .bind(msisdn.as_str())
                    .bind(i64::from(*sent))
                    .bind(now_ms)
                    .bind(last_sent_at_ms.unwrap_or(-1)),
                AlertMark::ExpiryReminded { account_id, expiry } => db::query(q::MARK_EXPIRY)
                    .bind(*account_id)
                    .bind(q::expiry_text(*expiry)),
                AlertMark::Suspended { account_id } => db::query(q::MARK_SUSPENDED).bind(*account_id),
                AlertMark::Resumed { account_id } => db::query(q::MARK_RESUMED).bind(*account_id),
            };
            if query.execute(&mut *tx).await?.rows_affected() != 1 {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

#[async_trait::async_trait]
impl AlertStore for SqlStore {
    async fn alert_cursor(&self, now_ms: i64) -> Result<i64, StoreError> {
        use crate::store::sql::alert_store as q;
        let known: Option<i64> = db::query_scalar(q::CURSOR).fetch_optional(self.reader()).await?;
        if let Some(last) = known {
            return Ok(last);
        }
        let mut tx = self.begin_write().await?;
        let started = db::query(q::INIT_CURSOR).bind(now_ms).execute(&mut tx).await?;
        if started.rows_affected() == 1 {
            db::query(q::SEED_SUSPENDED).execute(&mut tx).await?;
        }
        let last: i64 = db::query_scalar(q::CURSOR).fetch_one(&mut tx).await?;
        tx.commit().await?;
        Ok(last)
    }

    async fn alert_entries(&self, after_id: i64, limit: i64) -> Result<Vec<AlertEntry>, StoreError> {
        use crate::store::sql::alert_store as q;
        db::query_as::<q::EntryRow>(q::ENTRIES)
            .bind(after_id)
            .bind(limit)
            .fetch_all(self.reader())
            .await?
            .into_iter()
            .map(TryInto::try_into)
            .collect()
    }

    async fn spent_between(&self, account_id: i64, since_ms: i64, up_to_id: i64) -> Result<i64, StoreError> {
        Ok(db::query_scalar(crate::store::sql::alert_store::SPENT_BETWEEN)
            .bind(account_id)
            .bind(since_ms)
            .bind(up_to_id)
            .fetch_one(self.reader())
            .await?)
    }

    async fn note_unregistered(&self, msisdn: &str, now_ms: i64) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        db::query(crate::store::sql::alert_store::NOTE_UNREGISTERED)
            .bind(msisdn)
            .bind(now_ms)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn pending_unregistered(&self, limit: i64) -> Result<Vec<UnregisteredAttempt>, StoreError> {
        use crate::store::sql::alert_store as q;
        Ok(db::query_as::<q::UnregisteredRow>(q::PENDING_UNREGISTERED)
            .bind(limit)
            .fetch_all(self.reader())
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    async fn expiring_unreminded(
        &self,
        from: chrono::NaiveDate,
        until: chrono::NaiveDate,
        limit: i64,
    ) -> Result<Vec<Account>, StoreError> {
        use crate::store::sql::alert_store as q;
        db::query_as::<AccountRow>(&q::EXPIRING)
            .bind(q::expiry_text(from))
            .bind(q::expiry_text(until))
            .bind(limit)
            .fetch_all(self.reader())
            .await?
            .into_iter()
            .map(TryInto::try_into)
            .collect()
    }

    async fn status_changes(&self, limit: i64) -> Result<(Vec<Account>, Vec<Account>), StoreError> {
        use crate::store::sql::alert_store as q;
        let mut found = Vec::with_capacity(2);
        for statement in [&q::NEWLY_SUSPENDED, &q::NO_LONGER_SUSPENDED] {
            let accounts = db::query_as::<AccountRow>(statement)
                .bind(limit)
                .fetch_all(self.reader())
                .await?
                .into_iter()
                .map(TryInto::try_into)
                .collect::<Result<Vec<_>, _>>()?;
            found.push(accounts);
        }
        let resumed = found.pop().unwrap_or_default();
        let suspended = found.pop().unwrap_or_default();
        Ok((suspended, resumed))
    }

    async fn commit_alerts(&self, batch: &AlertBatch, now_ms: i64) -> Result<bool, StoreError> {
        use crate::store::sql::alert_store as q;
        let mut tx = self.begin_write().await?;
        // Held until commit on PostgreSQL: instances deciding alerts take turns.
        let _: Option<i64> = db::query_scalar(
            self.by_backend(&super::LOCK_ALERT_CURSOR, &super::LOCK_ALERT_CURSOR_FOR_UPDATE),
        )
        .fetch_optional(&mut tx)
        .await?;
        if let Some((from, to)) = batch.cursor {
            let moved = db::query(q::ADVANCE_CURSOR)
                .bind(from)
                .bind(to)
                .bind(now_ms)
                .execute(&mut tx)
                .await?;
            if moved.rows_affected() != 1 {
                return Ok(false);
            }
        }
        if !Self::record_marks(&mut tx, &batch.marks, now_ms).await? {
            return Ok(false);
        }
        for sms in &batch.sms {
            self.insert_parts(&mut tx, sms, now_ms).await?;
        }
        for candidate in &batch.push {
            self.queue_candidate(&mut tx, candidate, now_ms).await?;
        }
        for callback in &batch.callbacks {
            Self::insert_callback(&mut tx, callback, now_ms).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn add_monitor(&self, monitor: &Monitor, now_ms: i64) -> Result<(), StoreError> {
        use crate::store::sql::alert_store as q;
        let (criteria, threshold) = q::criteria_columns(monitor.criteria);
        let mut tx = self.begin_write().await?;
        let added = db::query(q::ADD_MONITOR)
            .bind(&monitor.actor)
            .bind(&monitor.correlator)
            .bind(&monitor.msisdn)
            .bind(criteria)
            .bind(threshold)
            .bind(&monitor.endpoint)
            .bind(&monitor.interface_name)
            .bind(now_ms)
            .execute(&mut tx)
            .await;
        match added {
            Ok(_) => {}
            Err(e) if crate::store::sql::is_unique_violation(&e) => {
                return Err(StoreError::AlreadyExists);
            }
            Err(e) => return Err(e.into()),
        }
        tx.commit().await?;
        Ok(())
    }

    async fn remove_monitor(&self, actor: &str, correlator: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let removed = db::query(crate::store::sql::alert_store::REMOVE_MONITOR)
            .bind(actor)
            .bind(correlator)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(removed.rows_affected() > 0)
    }

    async fn monitors_of(&self, msisdn: &str) -> Result<Vec<Monitor>, StoreError> {
        use crate::store::sql::alert_store as q;
        db::query_as::<q::MonitorRow>(q::MONITORS_OF)
            .bind(msisdn)
            .fetch_all(self.reader())
            .await?
            .into_iter()
            .map(TryInto::try_into)
            .collect()
    }

    async fn moved_money_on(&self, actor: &str, msisdn: &str) -> Result<bool, StoreError> {
        let found: Option<i64> = db::query_scalar(crate::store::sql::alert_store::LEDGER_WITH)
            .bind(msisdn)
            .bind(actor)
            .fetch_optional(self.reader())
            .await?;
        Ok(found.is_some())
    }

    async fn grant_monitoring(&self, app_id: &str, msisdn: &str, now_ms: i64) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        db::query(crate::store::sql::alert_store::GRANT)
            .bind(app_id)
            .bind(msisdn)
            .bind(now_ms)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn revoke_monitoring(&self, app_id: &str, msisdn: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let removed = db::query(crate::store::sql::alert_store::REVOKE)
            .bind(app_id)
            .bind(msisdn)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(removed.rows_affected() > 0)
    }

    async fn monitoring_granted(&self, app_id: &str, msisdn: &str) -> Result<bool, StoreError> {
        let found: Option<i64> = db::query_scalar(crate::store::sql::alert_store::GRANTED)
            .bind(app_id)
            .bind(msisdn)
            .fetch_optional(self.reader())
            .await?;
        Ok(found.is_some())
    }
}
