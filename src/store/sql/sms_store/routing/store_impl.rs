//! [`SmsRoutingStore`](crate::store::sms::routing::SmsRoutingStore) and `lease_routed` (behind
//! `SmsStore::lease_received`) on [`SqlStore`].

use crate::store::StoreError;
use crate::store::callbacks::NewCallback;
use crate::store::sms::routing::{
    DueReception, NewSmsNotification, Registration, RegistrationConflict, RoutedSms, SmsRoutingStore,
    StartOutcome,
};
use crate::store::sms::{InboxLease, ReceivedSms};
use crate::store::sql::sms_store::routing::PendingPart;
use crate::store::sql::{SqlStore, db};

impl SqlStore {
    /// Leases and answers the oldest `limit` messages routed to `registration_id` that no
    /// subscription wants pushed and no lease holds. A message another caller leased first is not
    /// answered.
    pub(in crate::store::sql) async fn lease_routed(
        &self,
        registration_id: &str,
        limit: i64,
        lease: &InboxLease,
    ) -> Result<Vec<ReceivedSms>, StoreError> {
        use crate::store::sql::sms_store::routing as q;
        let mut tx = self.begin_write().await?;
        let rows = db::query_as::<q::RoutedPart>(&q::LEASE_ROWS)
            .bind(registration_id)
            .bind(limit)
            .bind(lease.now_ms)
            .fetch_all(&mut tx)
            .await?;
        let mut taken = Vec::new();
        for (message_id, sms) in q::whole_messages(rows) {
            let leased = db::query(q::LEASE_MESSAGE)
                .bind(message_id)
                .bind(&lease.id)
                .bind(lease.until_ms)
                .bind(lease.now_ms)
                .execute(&mut tx)
                .await?
                .rows_affected();
            if leased > 0 {
                taken.push(sms);
            }
        }
        tx.commit().await?;
        Ok(taken)
    }

    /// Routes one complete message (its parts in order) inside `tx`; `None` when another
    /// instance routed it first.
    pub(in crate::store::sql) async fn route_message(
        tx: &mut db::Tx,
        parts: &[PendingPart],
    ) -> Result<Option<RoutedSms>, sqlx::Error> {
        use crate::store::sql::sms_store::routing as q;
        let Some(message_id) = parts.iter().map(|p| p.id).min() else {
            return Ok(None);
        };
        let destination = parts[0].destination.clone();
        let text: String = parts.iter().map(|p| p.message.as_str()).collect();
        let registration: Option<String> = db::query_scalar(q::MATCH_REGISTRATION)
            .bind(&destination)
            .bind(q::first_word(&text))
            .fetch_optional(&mut *tx)
            .await?;
        let mut moved = 0;
        for part in parts {
            moved += db::query(q::ROUTE_PART)
                .bind(part.id)
                .bind(registration.as_deref())
                .bind(message_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        Ok((moved > 0).then_some(RoutedSms {
            message_id,
            destination,
            registration_id: registration,
        }))
    }

    /// The unrouted messages whose parts have all arrived, each as its parts in order;
    /// parts the SMSC delivered twice are removed.
    pub(in crate::store::sql) async fn complete_pending(
        tx: &mut db::Tx,
        limit: i64,
        incomplete_before_ms: i64,
    ) -> Result<Vec<Vec<PendingPart>>, sqlx::Error> {
        use crate::store::sql::sms_store::routing as q;
        let singles = db::query_as::<q::PendingPart>(q::PENDING_SINGLES)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        let mut messages: Vec<Vec<q::PendingPart>> = singles.into_iter().map(|p| vec![p]).collect();
        let keys: Vec<String> = db::query_scalar(q::ROUTABLE_GROUPS)
            .bind(limit)
            .bind(incomplete_before_ms)
            .fetch_all(&mut *tx)
            .await?;
        for key in keys {
            let parts = db::query_as::<q::PendingPart>(q::PENDING_GROUP)
                .bind(&key)
                .fetch_all(&mut *tx)
                .await?;
            let (parts, duplicates) = q::dedup_parts(parts);
            for id in duplicates {
                db::query(q::DELETE_PART).bind(id).execute(&mut *tx).await?;
            }
            messages.push(parts);
        }
        Ok(messages)
    }

    /// The whole messages of `rows` (ordered by message, part).
    pub(in crate::store::sql) async fn routed_messages(
        &self,
        statement: &'static str,
        limit: i64,
    ) -> Result<Vec<ReceivedSms>, StoreError> {
        use crate::store::sql::sms_store::routing as q;
        let rows = db::query_as::<q::RoutedPart>(statement)
            .bind(limit)
            .fetch_all(self.reader())
            .await?;
        Ok(q::whole_messages(rows).into_iter().map(|(_, m)| m).collect())
    }
}

#[async_trait::async_trait]
impl SmsRoutingStore for SqlStore {
    async fn create_registration(
        &self,
        r: &Registration,
    ) -> Result<Result<(), RegistrationConflict>, StoreError> {
        use crate::store::sql::sms_store::routing as q;
        use RegistrationConflict as Conflict;
        let mut tx = self.begin_write().await?;
        let same_id: Option<String> = db::query_scalar(q::ID_TAKEN)
            .bind(&r.id)
            .fetch_optional(&mut tx)
            .await?;
        if same_id.is_some() {
            return Ok(Err(Conflict::IdTaken));
        }
        let holder: Option<String> = db::query_scalar(q::HOLDER)
            .bind(&r.short_code)
            .bind(&r.keyword)
            .fetch_optional(&mut tx)
            .await?;
        if let Some(holder) = holder {
            return Ok(Err(Conflict::NumberTaken(holder)));
        }
        let inserted = db::query(q::INSERT_REGISTRATION)
            .bind(&r.id)
            .bind(r.app_id.as_deref())
            .bind(&r.short_code)
            .bind(&r.keyword)
            .bind(r.created_at_ms)
            .execute(&mut tx)
            .await;
        match inserted {
            Ok(_) => {}
            // A concurrent request took it between the checks and the insert.
            Err(e) if crate::store::sql::is_unique_violation(&e) => {
                return Ok(Err(Conflict::NumberTaken(String::new())));
            }
            Err(e) => return Err(e.into()),
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    async fn registration(&self, id: &str) -> Result<Option<Registration>, StoreError> {
        Ok(db::query_as(crate::store::sql::sms_store::routing::REGISTRATION)
            .bind(id)
            .fetch_optional(self.reader())
            .await?)
    }

    async fn registrations(&self, app_id: Option<&str>) -> Result<Vec<Registration>, StoreError> {
        use crate::store::sql::sms_store::routing as q;
        let rows = match app_id {
            Some(app) => {
                db::query_as(q::APP_REGISTRATIONS)
                    .bind(app)
                    .fetch_all(self.reader())
                    .await?
            }
            None => {
                db::query_as(q::ALL_REGISTRATIONS)
                    .fetch_all(self.reader())
                    .await?
            }
        };
        Ok(rows)
    }

    async fn delete_registration(&self, id: &str) -> Result<(), StoreError> {
        use crate::store::sql::sms_store::routing as q;
        let mut tx = self.begin_write().await?;
        let removed = db::query(q::DELETE_REGISTRATION)
            .bind(id)
            .execute(&mut tx)
            .await?
            .rows_affected();
        if removed == 0 {
            return Err(StoreError::NotFound);
        }
        db::query(q::UNROUTE).bind(id).execute(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn route_received(
        &self,
        limit: i64,
        incomplete_before_ms: i64,
    ) -> Result<Vec<RoutedSms>, StoreError> {
        // Most passes find nothing: a read answers that without taking the write lock.
        let routable: Option<i32> = db::query_scalar(crate::store::sql::sms_store::routing::ANY_ROUTABLE)
            .bind(incomplete_before_ms)
            .fetch_optional(self.reader())
            .await?;
        if routable.is_none() {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_write().await?;
        let messages = Self::complete_pending(&mut tx, limit, incomplete_before_ms).await?;
        let mut routed = Vec::with_capacity(messages.len());
        for parts in &messages {
            if let Some(r) = Self::route_message(&mut tx, parts).await? {
                routed.push(r);
            }
        }
        tx.commit().await?;
        Ok(routed)
    }

    async fn unrouted(&self, limit: i64) -> Result<(i64, Vec<ReceivedSms>), StoreError> {
        use crate::store::sql::sms_store::routing as q;
        let count: i64 = db::query_scalar(q::UNROUTED_COUNT)
            .fetch_one(self.reader())
            .await?;
        Ok((count, self.routed_messages(q::UNROUTED_ROWS, limit).await?))
    }

    async fn start_sms_notification(
        &self,
        new: &NewSmsNotification,
        now_ms: i64,
    ) -> Result<StartOutcome, StoreError> {
        use crate::store::sql::sms_store::routing as q;
        let mut tx = self.begin_write().await?;
        let taken: i64 = db::query_scalar(q::CORRELATOR_TAKEN)
            .bind(&new.actor)
            .bind(&new.correlator)
            .fetch_one(&mut tx)
            .await?;
        if taken > 0 {
            return Ok(StartOutcome::DuplicateCorrelator);
        }
        let overlapping: i64 = db::query_scalar(q::OVERLAPPING)
            .bind(&new.actor)
            .bind(&new.activation_number)
            .bind(&new.criteria)
            .fetch_one(&mut tx)
            .await?;
        if overlapping > 0 {
            return Ok(StartOutcome::Overlapping);
        }
        let inserted = db::query(q::INSERT_NOTIFICATION)
            .bind(&new.actor)
            .bind(&new.correlator)
            .bind(&new.endpoint)
            .bind(&new.activation_number)
            .bind(&new.criteria)
            .bind(&new.format)
            .bind(now_ms)
            .bind(new.callback_data.as_deref())
            .execute(&mut tx)
            .await;
        match inserted {
            Ok(_) => {}
            Err(e) if crate::store::sql::is_unique_violation(&e) => {
                return Ok(StartOutcome::DuplicateCorrelator);
            }
            Err(e) => return Err(e.into()),
        }
        tx.commit().await?;
        Ok(StartOutcome::Started)
    }

    async fn stop_sms_notification(&self, actor: &str, correlator: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let removed = db::query(crate::store::sql::sms_store::routing::DELETE_NOTIFICATION)
            .bind(actor)
            .bind(correlator)
            .execute(&mut tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(removed > 0)
    }

    async fn due_receptions(&self, format: &str, limit: i64) -> Result<Vec<DueReception>, StoreError> {
        use crate::store::sql::sms_store::routing as q;
        let heads: Vec<(i64, String, String, Option<String>, String)> = db::query_as(&q::DUE_HEADS)
            .bind(format)
            .bind(limit)
            .fetch_all(self.reader())
            .await?;
        let mut due = Vec::with_capacity(heads.len());
        for (message_id, actor, correlator, callback_data, endpoint) in heads {
            let rows = db::query_as::<q::RoutedPart>(q::MESSAGE_ROWS)
                .bind(message_id)
                .fetch_all(self.reader())
                .await?;
            if let Some((_, sms)) = q::whole_messages(rows).into_iter().next() {
                due.push(DueReception {
                    message_id,
                    actor,
                    correlator,
                    callback_data,
                    endpoint,
                    sms,
                });
            }
        }
        Ok(due)
    }

    async fn hand_over_reception(
        &self,
        message_id: i64,
        callback: &NewCallback,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let removed = db::query(crate::store::sql::sms_store::routing::HAND_OVER_MESSAGE)
            .bind(message_id)
            .bind(now_ms)
            .execute(&mut tx)
            .await?
            .rows_affected();
        if removed == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        Self::insert_callback(&mut tx, callback, now_ms).await?;
        tx.commit().await?;
        Ok(true)
    }
}
