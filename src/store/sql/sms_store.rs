//! [`SmsStore`](crate::store::sms::SmsStore) on [`SqlStore`]. Only the claim differs between the
//! backends: PostgreSQL adds `FOR UPDATE SKIP LOCKED` so several gateway instances claim disjoint
//! rows ([`CLAIM_SMS`] and [`CLAIM_SMS_LOCKING`], chosen by `SqlStore::by_backend`).

use crate::domain::Moment;
use crate::store::callbacks::NewCallback;
use crate::store::sms::batch::{SmsClaim, SmsOutcome};
use crate::store::sms::{
    InboxLease, NewMo, NewSms, OutboxRow, PartState, PartStatus, ReceiptNotice, ReceivedSms, SmsStore,
};
use crate::store::sql::{SqlStore, db};
use crate::store::{Movement, StoreError};

use std::sync::LazyLock;

/// The claim statement around a backend's row-locking clause (`""` on SQLite, whose write
/// transaction already serializes claims). `$1` claimed until, `$2` now, `$3` limit, `$4` the
/// lowest id to look at. It walks the partial index of rows still in the gateway
/// (`sms_outbox_pending`, migration 0011) in id order from `$4`, so its cost does not grow with the
/// outbox's history, sort the backlog, or (on PostgreSQL) step over the index entries of rows that
/// left the set and were not vacuumed yet.
fn claim_sms(locking: &str) -> String {
    [
            "UPDATE sms_outbox SET status = 'sending', claimed_until = $1, attempts = attempts + 1, \
               updated_at = $2 \
             WHERE id IN (SELECT id FROM sms_outbox \
               WHERE status IN ('queued', 'sending') AND id >= $4 \
                 AND ((status = 'queued' AND next_attempt_at <= $2) \
                      OR (status = 'sending' AND claimed_until < $2)) \
               ORDER BY id LIMIT $3 ",
            locking,
            ") RETURNING id, request_id, sender, address, part_no, data_coding, esm_class, body, receipt, attempts"
        ].concat()
}

/// The claim on SQLite, whose write transaction already serializes claims.
pub(crate) static CLAIM_SMS: LazyLock<String> = LazyLock::new(|| claim_sms(""));

/// The claim on PostgreSQL: `SKIP LOCKED` lets several instances claim disjoint rows.
pub(crate) static CLAIM_SMS_LOCKING: LazyLock<String> = LazyLock::new(|| claim_sms("FOR UPDATE SKIP LOCKED"));

/// `$1` actor, `$2` clientCorrelator, `$3` fingerprint, `$4` request, `$5` now.
pub(crate) const INSERT_CLIENT_CORRELATOR: &str = "INSERT INTO sms_client_correlators \
     (actor, client_correlator, fingerprint, request_id, created_at) VALUES ($1, $2, $3, $4, $5)";

pub(crate) const CLIENT_CORRELATOR: &str = "SELECT fingerprint, request_id FROM sms_client_correlators \
     WHERE actor = $1 AND client_correlator = $2";

/// (request, address) pairs with a receiptRequest, not notified, due, and with no part still in
/// the gateway or at the SMSC without a receipt, written for format `$3`. `$1` now, `$2` limit.
pub(crate) const DUE_NOTICES: &str = "SELECT o.request_id, MIN(o.actor) AS actor, o.address, \
       MIN(o.notify_endpoint) AS endpoint, \
       MIN(o.notify_correlator) AS correlator \
     FROM sms_outbox o WHERE o.notify_endpoint IS NOT NULL AND o.notified = 0 AND o.notify_after <= $1 \
       AND o.notify_format = $3 \
     GROUP BY o.request_id, o.address \
     HAVING SUM(CASE WHEN o.status IN ('queued', 'sending', 'submitted') THEN 1 ELSE 0 END) = 0 \
     LIMIT $2";

pub(crate) const NOTICE_DONE: &str =
    "UPDATE sms_outbox SET notified = 1 WHERE request_id = $1 AND address = $2";

/// Parlay X correlators only: a OneAPI callbackData (`json` rows) need not be unique.
pub(crate) const CORRELATOR_USED: &str = "SELECT COUNT(*) FROM sms_outbox \
     WHERE actor = $1 AND notify_correlator = $2 AND notify_format = 'soap'";

pub(crate) const REQUEUE: &str = "UPDATE sms_outbox SET status = 'queued', next_attempt_at = $2, \
     claimed_until = NULL, error = $3, updated_at = $4 WHERE id = $1 AND status = 'sending'";

pub(crate) const FAIL: &str = "UPDATE sms_outbox SET status = 'failed', claimed_until = NULL, \
     error = $2, updated_at = $3 WHERE id = $1 AND status = 'sending'";

/// The lowest id of a row still in the gateway (the pending index's first entry), else one past the
/// newest row.
pub(crate) const PENDING_FLOOR: &str = "SELECT COALESCE( \
       (SELECT MIN(id) FROM sms_outbox WHERE status IN ('queued', 'sending')), \
       (SELECT MAX(id) + 1 FROM sms_outbox), 0)";

/// Parts still to go and the oldest one's queue time (`sms_outbox_pending` covers the rows).
pub(crate) const OUTBOX_BACKLOG: &str = "SELECT COUNT(*), MIN(created_at) FROM sms_outbox \
     WHERE status IN ('queued', 'sending')";

/// Takes kept receipts whose id is now known, oldest first.
pub(crate) const TAKE_MATCHED_EARLY_RECEIPTS: &str = "DELETE FROM sms_early_receipts \
     WHERE smsc_id IN (SELECT e.smsc_id FROM sms_early_receipts e \
       WHERE EXISTS (SELECT 1 FROM sms_outbox o WHERE o.smsc_id = e.smsc_id) \
       ORDER BY e.received_at LIMIT 500) \
     RETURNING smsc_id, status";

/// Parts still waiting for their receipt since before `$1` (a `submitted` row's `updated_at` is
/// when its submit_sm_resp was recorded: nothing else writes such a row) become `uncertain`; `$2`
/// now. Walks the partial index `sms_outbox_awaiting_receipt` (migration 0015 on PostgreSQL, 0016
/// on SQLite).
pub(crate) const GIVE_UP_RECEIPTS: &str = "UPDATE sms_outbox SET status = 'uncertain', \
       error = 'no delivery receipt', updated_at = $2 \
     WHERE status = 'submitted' AND receipt = 1 AND updated_at <= $1";

pub(crate) const REQUEST_PARTS: &str =
    "SELECT actor, address, part_no, status, updated_at FROM sms_outbox WHERE request_id = $1 ORDER BY id";

/// The latest parts to a number (`sms_outbox_address`), newest first.
pub(crate) const SENT_TO_ADDRESS: &str = "SELECT request_id, actor, address, part_no, status, updated_at, created_at \
     FROM sms_outbox WHERE address = $1 ORDER BY id DESC LIMIT $2";

/// The latest parts an actor sent among the newest [`crate::store::sms::SENT_BY_ACTOR_WINDOW`]
/// parts, newest first: a walk back along the primary key, bounded, with no index on `actor` for
/// every sendSms to keep up.
pub(crate) const SENT_BY_ACTOR: &str = "SELECT request_id, actor, address, part_no, status, updated_at, created_at \
     FROM sms_outbox WHERE actor = $1 \
       AND id > (SELECT COALESCE(MAX(id), 0) FROM sms_outbox) - $3 \
     ORDER BY id DESC LIMIT $2";

pub(crate) mod batch;
mod charged;
mod inbox;
pub(crate) use inbox::INSERT_MO;
pub(crate) mod receipt_subscriptions;
pub(crate) mod routing;

#[async_trait::async_trait]
impl SmsStore for SqlStore {
    async fn queue_sms(&self, sms: &NewSms, now_ms: i64) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        self.insert_parts(&mut tx, sms, now_ms).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn queue_charged_sms(
        &self,
        sms: &NewSms,
        charges: &[Movement],
        now: &Moment,
    ) -> Result<(), StoreError> {
        self.queue_with_charges(sms, charges, now).await
    }

    async fn claim_sms(&self, claim: SmsClaim, now_ms: i64) -> Result<Vec<OutboxRow>, StoreError> {
        let mut tx = self.begin_outbox().await?;
        let rows = self.claim_in(&mut tx, claim, now_ms).await?;
        tx.commit().await?;
        Ok(rows)
    }

    async fn pending_floor(&self) -> Result<i64, StoreError> {
        Ok(db::query_scalar(crate::store::sql::sms_store::PENDING_FLOOR)
            .fetch_one(self.reader())
            .await?)
    }

    async fn outbox_backlog(&self) -> Result<(i64, Option<i64>), StoreError> {
        Ok(db::query_as(crate::store::sql::sms_store::OUTBOX_BACKLOG)
            .fetch_one(self.reader())
            .await?)
    }

    async fn mark_submitted(&self, id: i64, smsc_id: &str, raw: &str, now_ms: i64) -> Result<(), StoreError> {
        let submitted = SmsOutcome::Submitted {
            id,
            smsc_id: smsc_id.to_owned(),
            raw: raw.to_owned(),
        };
        let mut tx = self.begin_outbox().await?;
        self.outcomes_in(&mut tx, &[submitted], now_ms).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn requeue_sms(
        &self,
        id: i64,
        next_attempt_at: i64,
        error: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        db::query(crate::store::sql::sms_store::REQUEUE)
            .bind(id)
            .bind(next_attempt_at)
            .bind(error)
            .bind(now_ms)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn fail_sms(&self, id: i64, error: &str, now_ms: i64) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        db::query(crate::store::sql::sms_store::FAIL)
            .bind(id)
            .bind(error)
            .bind(now_ms)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn apply_receipt(&self, smsc_id: &str, status: PartStatus, now_ms: i64) -> Result<u64, StoreError> {
        let receipt = [(smsc_id.to_owned(), status.as_str().to_owned())].into();
        let mut tx = self.begin_outbox().await?;
        let updated = self.receipts_in(&mut tx, &receipt, now_ms).await?;
        tx.commit().await?;
        Ok(updated)
    }

    async fn reconcile_receipts(&self, now_ms: i64) -> Result<u64, StoreError> {
        let mut tx = self.begin_outbox().await?;
        let matched: Vec<(String, String)> =
            db::query_as(crate::store::sql::sms_store::TAKE_MATCHED_EARLY_RECEIPTS)
                .fetch_all(&mut tx)
                .await?;
        // A receipt whose row is not submitted (claimed again meanwhile) is kept again.
        let applied = self
            .receipts_in(&mut tx, &matched.into_iter().collect(), now_ms)
            .await?;
        tx.commit().await?;
        Ok(applied)
    }

    async fn give_up_receipts(&self, submitted_before_ms: i64, now_ms: i64) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let moved = db::query(crate::store::sql::sms_store::GIVE_UP_RECEIPTS)
            .bind(submitted_before_ms)
            .bind(now_ms)
            .execute(&mut tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(moved)
    }

    async fn due_receipt_notices(
        &self,
        format: &str,
        now_ms: i64,
        limit: i64,
    ) -> Result<Vec<ReceiptNotice>, StoreError> {
        Ok(db::query_as(crate::store::sql::sms_store::DUE_NOTICES)
            .bind(now_ms)
            .bind(limit)
            .bind(format)
            .fetch_all(self.reader())
            .await?)
    }

    async fn sms_client_correlator(
        &self,
        actor: &str,
        client_correlator: &str,
    ) -> Result<Option<(String, String)>, StoreError> {
        Ok(db::query_as(crate::store::sql::sms_store::CLIENT_CORRELATOR)
            .bind(actor)
            .bind(client_correlator)
            .fetch_optional(self.reader())
            .await?)
    }

    async fn hand_over_receipt_notice(
        &self,
        request_id: &str,
        address: &str,
        callback: Option<&NewCallback>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        if let Some(callback) = callback {
            Self::insert_callback(&mut tx, callback, now_ms).await?;
        }
        db::query(crate::store::sql::sms_store::NOTICE_DONE)
            .bind(request_id)
            .bind(address)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn correlator_used(&self, actor: &str, correlator: &str) -> Result<bool, StoreError> {
        let n: i64 = db::query_scalar(crate::store::sql::sms_store::CORRELATOR_USED)
            .bind(actor)
            .bind(correlator)
            .fetch_one(self.reader())
            .await?;
        Ok(n > 0)
    }

    async fn store_mo(&self, mo: &NewMo) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        db::query(crate::store::sql::sms_store::INSERT_MO)
            .bind(&mo.destination)
            .bind(&mo.sender)
            .bind(&mo.message)
            .bind(&mo.concat_key)
            .bind(mo.part_no)
            .bind(mo.part_count)
            .bind(mo.received_at_ms)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn lease_received(
        &self,
        registration_id: &str,
        limit: i64,
        lease: &InboxLease,
    ) -> Result<Vec<ReceivedSms>, StoreError> {
        self.lease_routed(registration_id, limit, lease).await
    }

    async fn settle_received(&self, lease_id: &str, delivered: bool) -> Result<(), StoreError> {
        use crate::store::sql::sms_store::routing as q;
        let statement = if delivered {
            q::DELETE_LEASED
        } else {
            q::RELEASE_LEASED
        };
        let mut tx = self.begin_write().await?;
        db::query(statement).bind(lease_id).execute(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn sms_request(&self, request_id: &str) -> Result<Option<(String, Vec<PartState>)>, StoreError> {
        use crate::store::sms::{PartState, PartStatus};
        use std::str::FromStr as _;
        let rows: Vec<(String, String, i64, String, i64)> =
            db::query_as(crate::store::sql::sms_store::REQUEST_PARTS)
                .bind(request_id)
                .fetch_all(self.reader())
                .await?;
        let Some(actor) = rows.first().map(|r| r.0.clone()) else {
            return Ok(None);
        };
        let parts = rows
            .into_iter()
            .map(|(_, address, part_no, status, updated_at_ms)| {
                let status = PartStatus::from_str(&status).map_err(StoreError::Corrupt)?;
                Ok(PartState {
                    address,
                    part_no,
                    status,
                    updated_at_ms,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Some((actor, parts)))
    }

    async fn sms_sent(
        &self,
        to: &crate::store::sms::SentTo,
        limit: i64,
    ) -> Result<Vec<crate::store::sms::SentPart>, StoreError> {
        use crate::store::sms::{PartState, PartStatus, SentPart, SentTo};
        use std::str::FromStr as _;
        let query = match to {
            SentTo::Address(a) => db::query_as(crate::store::sql::sms_store::SENT_TO_ADDRESS)
                .bind(a.as_str())
                .bind(limit),
            SentTo::Actor(a) => db::query_as(crate::store::sql::sms_store::SENT_BY_ACTOR)
                .bind(a.as_str())
                .bind(limit)
                .bind(crate::store::sms::SENT_BY_ACTOR_WINDOW),
        };
        let rows: Vec<(String, String, String, i64, String, i64, i64)> =
            query.fetch_all(self.reader()).await?;
        rows.into_iter()
            .map(
                |(request_id, actor, address, part_no, status, updated_at_ms, created_at_ms)| {
                    let status = PartStatus::from_str(&status).map_err(StoreError::Corrupt)?;
                    Ok(SentPart {
                        request_id,
                        actor,
                        part: PartState {
                            address,
                            part_no,
                            status,
                            updated_at_ms,
                        },
                        created_at_ms,
                    })
                },
            )
            .collect()
    }
}
