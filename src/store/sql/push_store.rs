//! [`PushStore`] on [`SqlStore`]: device topics and push notices, and the alerts' candidates kept as
//! notices (`queue_candidate`, in the alert transaction).

use std::str::FromStr;
use std::sync::LazyLock;

use crate::domain::Msisdn;
use crate::store::StoreError;
use crate::store::push::{NoticeStatus, PushCandidate, PushNotice, PushStore};
use crate::store::sms::NewSms;
use crate::store::sql::{SqlStore, db};

const SET_TOPIC: &str = "INSERT INTO push_topics (msisdn, topic, updated_at) \
     SELECT msisdn, $2, $3 FROM accounts WHERE msisdn = $1 \
     ON CONFLICT (msisdn) DO UPDATE SET topic = excluded.topic, updated_at = excluded.updated_at";
const CLEAR_TOPIC: &str = "DELETE FROM push_topics WHERE msisdn = $1";
const ACCOUNT_EXISTS: &str = "SELECT COUNT(*) FROM accounts WHERE msisdn = $1";
const SELECT_TOPIC: &str = "SELECT topic FROM push_topics WHERE msisdn = $1";

/// An alert kept as a notice when its number has a topic: `$1` id, `$2` kind, `$3` text, `$4`
/// sender, `$5` deadline, `$6` now, `$7` number. No row when the number has no topic.
const QUEUE_CANDIDATE: &str = "INSERT INTO push_notices \
       (id, msisdn, topic, kind, text, sender, status, deadline, created_at, updated_at) \
     SELECT $1, msisdn, topic, $2, $3, $4, 'queued', $5, $6, $6 FROM push_topics WHERE msisdn = $7";

const NOTICE_COLUMNS: &str =
    "id, msisdn, topic, kind, text, sender, status, deadline, created_at, updated_at";

/// Queued notices become published, oldest first: `$1` limit, `$2` now. The outer `status`
/// check makes two instances claiming at once take each notice once.
static CLAIM: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE push_notices SET status = 'published', updated_at = $2 \
         WHERE status = 'queued' AND id IN \
           (SELECT id FROM push_notices WHERE status = 'queued' ORDER BY created_at LIMIT $1) \
         RETURNING {NOTICE_COLUMNS}"
    )
});

/// Ends a waiting notice as `$2` (`confirmed` or `fallback`): `$1` id, `$3` now.
const FINISH: &str = "UPDATE push_notices SET status = $2, updated_at = $3 \
     WHERE id = $1 AND status IN ('queued', 'published')";

static OVERDUE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {NOTICE_COLUMNS} FROM push_notices WHERE status IN ('queued', 'published') \
         AND deadline <= $1 ORDER BY deadline LIMIT $2"
    )
});

static OF_NUMBER: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {NOTICE_COLUMNS} FROM push_notices WHERE msisdn = $1 \
         ORDER BY created_at DESC, id LIMIT $2"
    )
});

/// A row of `push_notices`.
#[derive(Debug, sqlx::FromRow)]
struct NoticeRow {
    id: String,
    msisdn: String,
    topic: String,
    kind: String,
    text: String,
    sender: String,
    status: String,
    deadline: i64,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<NoticeRow> for PushNotice {
    type Error = StoreError;
    fn try_from(r: NoticeRow) -> Result<Self, StoreError> {
        Ok(Self {
            status: NoticeStatus::from_str(&r.status)
                .map_err(|e| StoreError::Corrupt(format!("push notice {}: {e}", r.id)))?,
            id: r.id,
            msisdn: Msisdn::from_stored(r.msisdn),
            topic: r.topic,
            kind: r.kind,
            text: r.text,
            sender: r.sender,
            deadline_ms: r.deadline,
            created_at_ms: r.created_at,
            updated_at_ms: r.updated_at,
        })
    }
}

fn notices(rows: Vec<NoticeRow>) -> Result<Vec<PushNotice>, StoreError> {
    rows.into_iter().map(PushNotice::try_from).collect()
}

impl SqlStore {
    /// Keeps `c` as a notice in `tx` when its number has a device topic, else queues its SMS.
    pub(in crate::store::sql) async fn queue_candidate(
        &self,
        tx: &mut db::Tx,
        c: &PushCandidate,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let kept = db::query(QUEUE_CANDIDATE)
            .bind(&c.id)
            .bind(c.kind)
            .bind(&c.text)
            .bind(&c.sms.sender)
            .bind(c.deadline_ms)
            .bind(now_ms)
            .bind(c.msisdn.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if kept == 0 {
            self.insert_parts(tx, &c.sms, now_ms).await?;
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl PushStore for SqlStore {
    async fn set_push_topic(
        &self,
        msisdn: &Msisdn,
        topic: Option<&str>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let exists = db::query_scalar::<i64>(ACCOUNT_EXISTS)
            .bind(msisdn.as_str())
            .fetch_one(&mut tx)
            .await?;
        if exists == 0 {
            return Err(StoreError::NotFound);
        }
        match topic {
            Some(topic) => db::query(SET_TOPIC)
                .bind(msisdn.as_str())
                .bind(topic)
                .bind(now_ms),
            None => db::query(CLEAR_TOPIC).bind(msisdn.as_str()),
        }
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn push_topic(&self, msisdn: &Msisdn) -> Result<Option<String>, StoreError> {
        Ok(db::query_scalar::<String>(SELECT_TOPIC)
            .bind(msisdn.as_str())
            .fetch_optional(self.reader())
            .await?)
    }

    async fn claim_push(&self, limit: i64, now_ms: i64) -> Result<Vec<PushNotice>, StoreError> {
        let mut tx = self.begin_write().await?;
        let rows = db::query_as::<NoticeRow>(&CLAIM)
            .bind(limit)
            .bind(now_ms)
            .fetch_all(&mut tx)
            .await?;
        tx.commit().await?;
        notices(rows)
    }

    async fn confirm_push(&self, id: &str, now_ms: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let ended = db::query(FINISH)
            .bind(id)
            .bind(NoticeStatus::Confirmed.as_str())
            .bind(now_ms)
            .execute(&mut tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(ended > 0)
    }

    async fn overdue_push(&self, now_ms: i64, limit: i64) -> Result<Vec<PushNotice>, StoreError> {
        let rows = db::query_as::<NoticeRow>(&OVERDUE)
            .bind(now_ms)
            .bind(limit)
            .fetch_all(self.reader())
            .await?;
        notices(rows)
    }

    async fn fall_back_push(&self, id: &str, sms: &NewSms, now_ms: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let ended = db::query(FINISH)
            .bind(id)
            .bind(NoticeStatus::Fallback.as_str())
            .bind(now_ms)
            .execute(&mut tx)
            .await?
            .rows_affected();
        if ended == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        self.insert_parts(&mut tx, sms, now_ms).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn push_notices(&self, msisdn: &Msisdn, limit: i64) -> Result<Vec<PushNotice>, StoreError> {
        let rows = db::query_as::<NoticeRow>(&OF_NUMBER)
            .bind(msisdn.as_str())
            .bind(limit)
            .fetch_all(self.reader())
            .await?;
        notices(rows)
    }
}
