//! [`CallbackStore`](crate::store::callbacks::CallbackStore) on [`SqlStore`]. As for the SMS outbox,
//! only the claim differs: PostgreSQL adds `FOR UPDATE SKIP LOCKED` so several instances claim
//! disjoint rows.

use crate::store::callbacks::{
    AttemptOutcome, CallbackAttempt, CallbackClaim, CallbackQuery, CallbackStore, DueCallback, NewCallback,
};

use crate::store::sql::{SqlStore, db};

use crate::store::StoreError;
use crate::store::callbacks::Callback;
use std::sync::LazyLock;

/// The claim statement around a backend's row-locking clause. `$1` claimed until, `$2` now,
/// `$3` limit, `$4` most in flight per application.
///
/// Rows are ranked per application, those in flight (claimed, not expired) first, so an
/// application never has more than `$4` callbacks in flight: one slow endpoint holds `$4` of the
/// sender's slots, never all. A suspended application's callbacks are not claimed; they wait.
/// The ranking is a subquery of the lock so PostgreSQL can lock with `SKIP LOCKED` (it refuses a
/// locking clause on a query with window functions).
fn claim_callbacks(locking: &str) -> String {
    [
        "UPDATE callbacks SET claimed_until = $1, updated_at = $2 \
             WHERE id IN (SELECT id FROM callbacks WHERE id IN ( \
                 SELECT id FROM ( \
                   SELECT c.id, c.next_attempt_at, c.claimed_until, ROW_NUMBER() OVER ( \
                       PARTITION BY c.actor \
                       ORDER BY CASE WHEN c.claimed_until >= $2 THEN 0 ELSE 1 END, c.id) AS place \
                   FROM callbacks c \
                   WHERE c.status = 'pending' AND (c.next_attempt_at <= $2 OR c.claimed_until >= $2) \
                     AND NOT EXISTS (SELECT 1 FROM applications ap \
                                     WHERE 'app:' || ap.id = c.actor AND ap.status = 'suspended') \
                 ) ranked \
                 WHERE place <= $4 AND next_attempt_at <= $2 \
                   AND (claimed_until IS NULL OR claimed_until < $2)) \
               ORDER BY id LIMIT $3 ",
        locking,
        ") RETURNING id, actor, kind, endpoint, content_type, soap_action, body, attempts, give_up_at",
    ]
    .concat()
}

/// The claim on SQLite, whose write transaction already serializes claims.
pub(crate) static CLAIM_CALLBACKS: LazyLock<String> = LazyLock::new(|| claim_callbacks(""));

/// The claim on PostgreSQL: `SKIP LOCKED` lets several instances claim disjoint rows.
pub(crate) static CLAIM_CALLBACKS_LOCKING: LazyLock<String> =
    LazyLock::new(|| claim_callbacks("FOR UPDATE SKIP LOCKED"));

/// The columns of [`CallbackRow`], in order.
pub(crate) const CALLBACK_COLUMNS: &str = "id, actor, kind, endpoint, status, attempts, next_attempt_at, give_up_at, last_error, \
         created_at, updated_at";

/// `$1` actor … `$7` give up at, `$8` now.
pub(crate) const INSERT_CALLBACK: &str = "INSERT INTO callbacks \
     (actor, kind, endpoint, content_type, soap_action, body, status, give_up_at, next_attempt_at, \
      created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $8, $8) RETURNING id";

/// `$1` callback, `$2` started, `$3` duration, `$4` HTTP status, `$5` error.
pub(crate) const INSERT_ATTEMPT: &str = "INSERT INTO callback_attempts \
     (callback_id, attempted_at, duration_ms, http_status, error) VALUES ($1, $2, $3, $4, $5)";

/// `$1` id, `$2` status, `$3` next attempt, `$4` error, `$5` now. Only a pending row moves: a
/// late report of a claim that expired and was taken over does not undo the newer outcome.
pub(crate) const AFTER_ATTEMPT: &str = "UPDATE callbacks SET status = $2, attempts = attempts + 1, \
     next_attempt_at = $3, claimed_until = NULL, last_error = $4, updated_at = $5 \
     WHERE id = $1 AND status = 'pending'";

/// `$1` actor or NULL, `$2` status or NULL, `$3` before id, `$4` limit.
pub(crate) static LIST: LazyLock<String> = LazyLock::new(|| {
    [
        "SELECT ",
        CALLBACK_COLUMNS,
        " FROM callbacks WHERE actor = COALESCE($1, actor) AND status = COALESCE($2, status) \
     AND id < $3 ORDER BY id DESC LIMIT $4",
    ]
    .concat()
});

pub(crate) static ONE: LazyLock<String> =
    LazyLock::new(|| ["SELECT ", CALLBACK_COLUMNS, ", body FROM callbacks WHERE id = $1"].concat());

pub(crate) const ATTEMPTS: &str = "SELECT attempted_at, duration_ms, http_status, error \
     FROM callback_attempts WHERE callback_id = $1 ORDER BY id";

/// `$1` id, `$2` give up at, `$3` now.
pub(crate) static RETRY: LazyLock<String> = LazyLock::new(|| {
    [
        "UPDATE callbacks SET status = 'pending', next_attempt_at = $3, give_up_at = $2, \
       claimed_until = NULL, updated_at = $3 WHERE id = $1 RETURNING ",
        CALLBACK_COLUMNS,
    ]
    .concat()
});

/// `$1` actor, `$2` until, `$3` now: the application's waiting callbacks are not tried before
/// `$2` (its endpoint keeps failing; the circuit is open).
pub(crate) const HOLD: &str = "UPDATE callbacks SET next_attempt_at = $2, updated_at = $3 \
     WHERE actor = $1 AND status = 'pending' AND next_attempt_at < $2 \
       AND (claimed_until IS NULL OR claimed_until < $3)";

/// A `callbacks` row as read.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct CallbackRow {
    id: i64,
    actor: String,
    kind: String,
    endpoint: String,
    status: String,
    attempts: i64,
    next_attempt_at: i64,
    give_up_at: i64,
    last_error: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<CallbackRow> for Callback {
    type Error = StoreError;
    fn try_from(r: CallbackRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: r.id,
            actor: r.actor,
            kind: r.kind,
            endpoint: r.endpoint,
            status: r.status.parse().map_err(StoreError::Corrupt)?,
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at,
            give_up_at: r.give_up_at,
            last_error: r.last_error,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

impl SqlStore {
    /// Queues `callback` inside `tx`; answers its id.
    #[allow(dead_code)]
    pub(in crate::store::sql) async fn insert_callback(
        tx: &mut db::Tx,
        callback: &NewCallback,
        now_ms: i64,
    ) -> Result<i64, sqlx::Error> {
        db::query_scalar::<i64>(crate::store::sql::callback_store::INSERT_CALLBACK)
            .bind(&callback.actor)
            .bind(&callback.kind)
            .bind(&callback.endpoint)
            .bind(&callback.content_type)
            .bind(callback.soap_action.as_deref())
            .bind(&callback.body)
            .bind(callback.give_up_at_ms)
            .bind(now_ms)
            .fetch_one(&mut *tx)
            .await
    }
}

#[async_trait::async_trait]
impl CallbackStore for SqlStore {
    async fn queue_callback(&self, callback: &NewCallback, now_ms: i64) -> Result<i64, StoreError> {
        let mut tx = self.begin_write().await?;
        let id = Self::insert_callback(&mut tx, callback, now_ms).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn claim_callbacks(&self, claim: &CallbackClaim) -> Result<Vec<DueCallback>, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut rows =
            db::query_as::<DueCallback>(self.by_backend(&CLAIM_CALLBACKS, &CLAIM_CALLBACKS_LOCKING))
                .bind(claim.claimed_until_ms)
                .bind(claim.now_ms)
                .bind(claim.limit)
                .bind(claim.per_actor)
                .fetch_all(&mut tx)
                .await?;
        tx.commit().await?;
        rows.sort_by_key(|r| r.id);
        Ok(rows)
    }

    async fn callback_backlog(&self) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(db::query_as(
            "SELECT actor, COUNT(*) FROM callbacks WHERE status = 'pending' GROUP BY actor ORDER BY actor",
        )
        .fetch_all(self.reader())
        .await?)
    }

    async fn hold_callbacks(&self, actor: &str, until_ms: i64, now_ms: i64) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let held = db::query(crate::store::sql::callback_store::HOLD)
            .bind(actor)
            .bind(until_ms)
            .bind(now_ms)
            .execute(&mut tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(held)
    }

    async fn record_attempt(
        &self,
        id: i64,
        attempt: &CallbackAttempt,
        outcome: AttemptOutcome,
    ) -> Result<(), StoreError> {
        use crate::store::callbacks::{AttemptOutcome, CallbackStatus};
        use crate::store::sql::callback_store as q;
        let now = attempt.attempted_at + attempt.duration_ms;
        let (status, next) = match outcome {
            AttemptOutcome::Delivered => (CallbackStatus::Delivered, now),
            AttemptOutcome::RetryAt(at) => (CallbackStatus::Pending, at),
            AttemptOutcome::Abandoned => (CallbackStatus::Abandoned, now),
        };
        let mut tx = self.begin_write().await?;
        db::query(q::INSERT_ATTEMPT)
            .bind(id)
            .bind(attempt.attempted_at)
            .bind(attempt.duration_ms)
            .bind(attempt.http_status)
            .bind(attempt.error.as_deref())
            .execute(&mut tx)
            .await?;
        db::query(q::AFTER_ATTEMPT)
            .bind(id)
            .bind(status.as_str())
            .bind(next)
            .bind(attempt.error.as_deref())
            .bind(now)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn callbacks(&self, query: &CallbackQuery) -> Result<Vec<Callback>, StoreError> {
        use crate::store::sql::callback_store as q;
        db::query_as::<q::CallbackRow>(&q::LIST)
            .bind(query.actor.as_deref())
            .bind(query.status.map(|s| s.as_str()))
            .bind(query.before_id.unwrap_or(i64::MAX))
            .bind(query.limit)
            .fetch_all(self.reader())
            .await?
            .into_iter()
            .map(Callback::try_from)
            .collect()
    }

    async fn callback(
        &self,
        id: i64,
    ) -> Result<Option<(Callback, Vec<u8>, Vec<CallbackAttempt>)>, StoreError> {
        use crate::store::sql::callback_store as q;
        let Some((row, body)) = db::query_as::<q::CallbackWithBody>(&q::ONE)
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .map(q::CallbackWithBody::split)
        else {
            return Ok(None);
        };
        let attempts = db::query_as::<CallbackAttempt>(q::ATTEMPTS)
            .bind(id)
            .fetch_all(self.reader())
            .await?;
        Ok(Some((Callback::try_from(row)?, body, attempts)))
    }

    async fn retry_callback(&self, id: i64, give_up_at_ms: i64, now_ms: i64) -> Result<Callback, StoreError> {
        use crate::store::sql::callback_store as q;
        let mut tx = self.begin_write().await?;
        let row = db::query_as::<q::CallbackRow>(&q::RETRY)
            .bind(id)
            .bind(give_up_at_ms)
            .bind(now_ms)
            .fetch_optional(&mut tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Callback::try_from(row)
    }
}

/// A `callbacks` row with its body (the detail view).
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct CallbackWithBody {
    #[sqlx(flatten)]
    row: CallbackRow,
    body: Vec<u8>,
}

impl CallbackWithBody {
    pub(crate) fn split(self) -> (CallbackRow, Vec<u8>) {
        (self.row, self.body)
    }
}
