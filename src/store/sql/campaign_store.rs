//! [`CampaignStore`] on [`SqlStore`]: campaigns, their numbers and the opt-out list.

use std::str::FromStr;
use std::sync::LazyLock;

use crate::domain::Msisdn;
use crate::store::StoreError;
use crate::store::campaigns::{Campaign, CampaignReport, CampaignStatus, CampaignStore};
use crate::store::sms::NewSms;
use crate::store::sql::{SqlStore, db};

const COLUMNS: &str = "id, name, sender, text, status, start_at, window_from, window_to, rate_per_sec, \
       fed_at, created_by, created_at, client_correlator, client_fingerprint";

const INSERT_CAMPAIGN: &str = "INSERT INTO campaigns (id, name, sender, text, status, start_at, \
       window_from, window_to, rate_per_sec, fed_at, created_by, created_at, updated_at, client_correlator, \
       client_fingerprint) \
     VALUES ($1, $2, $3, $4, 'scheduled', $5, $6, $7, $8, NULL, $9, $10, $10, $11, $12)";

/// One creator's campaigns are created one at a time where their rates are checked (on SQLite the
/// one write transaction at a time already does this).
const LOCK_CREATOR: &str = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))";
const RATES_IN_USE: &str = "SELECT CAST(COALESCE(SUM(rate_per_sec), 0) AS BIGINT) FROM campaigns \
     WHERE created_by = $1 AND status IN ('scheduled', 'paused')";

const INSERT_RECIPIENT: &str = "INSERT INTO campaign_recipients (campaign_id, msisdn, status, updated_at) \
     VALUES ($1, $2, 'pending', $3) ON CONFLICT (campaign_id, msisdn) DO NOTHING";

static LIST: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {COLUMNS} FROM campaigns ORDER BY created_at DESC, id"));
static LIST_BY: LazyLock<String> = LazyLock::new(|| {
    format!("SELECT {COLUMNS} FROM campaigns WHERE created_by = $1 ORDER BY created_at DESC, id")
});
static BY_CORRELATOR: LazyLock<String> = LazyLock::new(|| {
    format!("SELECT {COLUMNS} FROM campaigns WHERE created_by = $1 AND client_correlator = $2")
});
static ONE: LazyLock<String> = LazyLock::new(|| format!("SELECT {COLUMNS} FROM campaigns WHERE id = $1"));
static DUE: LazyLock<String> = LazyLock::new(|| {
    format!("SELECT {COLUMNS} FROM campaigns WHERE status = 'scheduled' AND start_at <= $1 ORDER BY start_at")
});

const RECIPIENT_COUNTS: &str =
    "SELECT status, COUNT(*) FROM campaign_recipients WHERE campaign_id = $1 GROUP BY status";
const PART_COUNTS: &str = "SELECT o.status, COUNT(*) FROM campaign_recipients r \
     JOIN sms_outbox o ON o.request_id = r.request_id WHERE r.campaign_id = $1 GROUP BY o.status";

const SET_STATUS: &str =
    "UPDATE campaigns SET status = $2, fed_at = NULL, updated_at = $3 WHERE id = $1 AND status = $4";
const SET_FED_AT: &str = "UPDATE campaigns SET fed_at = $2 WHERE id = $1";

const SKIP_OPTED_OUT: &str = "UPDATE campaign_recipients SET status = 'opted_out', updated_at = $2 \
     WHERE campaign_id = $1 AND status = 'pending' AND msisdn IN (SELECT msisdn FROM sms_opt_outs)";
const NEXT: &str = "SELECT msisdn FROM campaign_recipients WHERE campaign_id = $1 AND status = 'pending' \
     ORDER BY msisdn LIMIT $2";
const MARK_SENT: &str = "UPDATE campaign_recipients SET status = 'sent', request_id = $3, updated_at = $4 \
     WHERE campaign_id = $1 AND msisdn = $2 AND status = 'pending'";
const FINISH_IF_EMPTY: &str = "UPDATE campaigns SET status = 'done', fed_at = NULL, updated_at = $2 \
     WHERE id = $1 AND status = 'scheduled' AND NOT EXISTS \
       (SELECT 1 FROM campaign_recipients WHERE campaign_id = $1 AND status = 'pending')";

const OPT_OUT: &str = "INSERT INTO sms_opt_outs (msisdn, keyword, created_at) VALUES ($1, $2, $3) \
     ON CONFLICT (msisdn) DO NOTHING";
const LIST_OPT_OUTS: &str =
    "SELECT msisdn, keyword, created_at FROM sms_opt_outs ORDER BY created_at DESC, msisdn LIMIT $1";
const REMOVE_OPT_OUT: &str = "DELETE FROM sms_opt_outs WHERE msisdn = $1";
const OPT_OUT_VERSION: &str =
    "SELECT COUNT(*), CAST(COALESCE(MAX(created_at), 0) AS BIGINT) FROM sms_opt_outs";
const IS_OPTED_OUT: &str = "SELECT COUNT(*) FROM sms_opt_outs WHERE msisdn = $1";

/// A row of `campaigns`.
#[derive(Debug, sqlx::FromRow)]
struct CampaignRow {
    id: String,
    name: String,
    sender: String,
    text: String,
    status: String,
    start_at: i64,
    window_from: i32,
    window_to: i32,
    rate_per_sec: i32,
    fed_at: Option<i64>,
    created_by: String,
    created_at: i64,
    client_correlator: Option<String>,
    client_fingerprint: Option<String>,
}

impl TryFrom<CampaignRow> for Campaign {
    type Error = StoreError;
    fn try_from(r: CampaignRow) -> Result<Self, StoreError> {
        let corrupt = |e: String| StoreError::Corrupt(format!("campaign {}: {e}", r.id));
        let unsigned = |v: i32| u32::try_from(v).map_err(|e| corrupt(e.to_string()));
        Ok(Self {
            status: CampaignStatus::from_str(&r.status).map_err(corrupt)?,
            window_from: unsigned(r.window_from)?,
            window_to: unsigned(r.window_to)?,
            rate_per_sec: unsigned(r.rate_per_sec)?,
            id: r.id,
            name: r.name,
            sender: r.sender,
            text: r.text,
            start_at_ms: r.start_at,
            fed_at_ms: r.fed_at,
            created_by: r.created_by,
            created_at_ms: r.created_at,
            client_correlator: r.client_correlator.zip(r.client_fingerprint),
        })
    }
}

fn campaigns(rows: Vec<CampaignRow>) -> Result<Vec<Campaign>, StoreError> {
    rows.into_iter().map(Campaign::try_from).collect()
}

#[async_trait::async_trait]
impl CampaignStore for SqlStore {
    async fn create_campaign(
        &self,
        c: &Campaign,
        numbers: &[Msisdn],
        rate_budget: Option<u32>,
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin_write().await?;
        if let Some(budget) = rate_budget {
            if self.db.is_postgres() {
                db::query(LOCK_CREATOR)
                    .bind(&c.created_by)
                    .execute(&mut tx)
                    .await?;
            }
            let in_use = db::query_scalar::<i64>(RATES_IN_USE)
                .bind(&c.created_by)
                .fetch_one(&mut tx)
                .await?;
            if in_use + i64::from(c.rate_per_sec) > i64::from(budget) {
                return Err(StoreError::CampaignRateBudget { in_use, budget });
            }
        }
        let inserted = db::query(INSERT_CAMPAIGN)
            .bind(&c.id)
            .bind(&c.name)
            .bind(&c.sender)
            .bind(&c.text)
            .bind(c.start_at_ms)
            .bind(c.window_from)
            .bind(c.window_to)
            .bind(c.rate_per_sec)
            .bind(&c.created_by)
            .bind(c.created_at_ms)
            .bind(c.client_correlator.as_ref().map(|(c, _)| c.as_str()))
            .bind(c.client_correlator.as_ref().map(|(_, f)| f.as_str()))
            .execute(&mut tx)
            .await;
        match inserted {
            Err(e) if c.client_correlator.is_some() && crate::store::sql::is_unique_violation(&e) => {
                return Err(StoreError::AlreadyExists);
            }
            other => other?,
        };
        let mut added = 0;
        for n in numbers {
            added += db::query(INSERT_RECIPIENT)
                .bind(&c.id)
                .bind(n.as_str())
                .bind(c.created_at_ms)
                .execute(&mut tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        Ok(i64::try_from(added).unwrap_or(i64::MAX))
    }

    async fn campaigns(&self, created_by: Option<&str>) -> Result<Vec<Campaign>, StoreError> {
        let rows = match created_by {
            None => {
                db::query_as::<CampaignRow>(&LIST)
                    .fetch_all(self.reader())
                    .await?
            }
            Some(by) => {
                db::query_as::<CampaignRow>(&LIST_BY)
                    .bind(by)
                    .fetch_all(self.reader())
                    .await?
            }
        };
        campaigns(rows)
    }

    async fn campaign_by_correlator(
        &self,
        created_by: &str,
        client_correlator: &str,
    ) -> Result<Option<Campaign>, StoreError> {
        db::query_as::<CampaignRow>(&BY_CORRELATOR)
            .bind(created_by)
            .bind(client_correlator)
            .fetch_optional(self.reader())
            .await?
            .map(Campaign::try_from)
            .transpose()
    }

    async fn campaign(&self, id: &str) -> Result<Option<Campaign>, StoreError> {
        db::query_as::<CampaignRow>(&ONE)
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .map(Campaign::try_from)
            .transpose()
    }

    async fn campaign_report(&self, id: &str) -> Result<CampaignReport, StoreError> {
        let mut report = CampaignReport::default();
        let numbers = db::query_as::<(String, i64)>(RECIPIENT_COUNTS)
            .bind(id)
            .fetch_all(self.reader())
            .await?;
        for (status, n) in numbers {
            match status.as_str() {
                "pending" => report.pending = n,
                "sent" => report.sent = n,
                _ => report.opted_out = n,
            }
        }
        report.parts = db::query_as::<(String, i64)>(PART_COUNTS)
            .bind(id)
            .fetch_all(self.reader())
            .await?;
        Ok(report)
    }

    async fn set_campaign_status(
        &self,
        id: &str,
        from: &[CampaignStatus],
        to: CampaignStatus,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut moved = 0;
        for status in from {
            moved += db::query(SET_STATUS)
                .bind(id)
                .bind(to.as_str())
                .bind(now_ms)
                .bind(status.as_str())
                .execute(&mut tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        Ok(moved > 0)
    }

    async fn due_campaigns(&self, now_ms: i64) -> Result<Vec<Campaign>, StoreError> {
        campaigns(
            db::query_as::<CampaignRow>(&DUE)
                .bind(now_ms)
                .fetch_all(self.reader())
                .await?,
        )
    }

    async fn set_campaign_fed_at(&self, id: &str, fed_at_ms: Option<i64>) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        db::query(SET_FED_AT)
            .bind(id)
            .bind(fed_at_ms)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn next_recipients(&self, id: &str, limit: i64, now_ms: i64) -> Result<Vec<Msisdn>, StoreError> {
        let mut tx = self.begin_write().await?;
        db::query(SKIP_OPTED_OUT)
            .bind(id)
            .bind(now_ms)
            .execute(&mut tx)
            .await?;
        let rows = db::query_scalar::<String>(NEXT)
            .bind(id)
            .bind(limit)
            .fetch_all(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(Msisdn::from_stored).collect())
    }

    async fn feed_campaign(
        &self,
        id: &str,
        messages: &[NewSms],
        fed_at_ms: i64,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for sms in messages {
            let Some(address) = sms.parts.first().map(|p| p.address.as_str()) else {
                continue;
            };
            let marked = db::query(MARK_SENT)
                .bind(id)
                .bind(address)
                .bind(&sms.request_id)
                .bind(now_ms)
                .execute(&mut tx)
                .await?
                .rows_affected();
            // Another instance sent this number first: not twice.
            if marked > 0 {
                self.insert_parts(&mut tx, sms, now_ms).await?;
            }
        }
        db::query(SET_FED_AT)
            .bind(id)
            .bind(fed_at_ms)
            .execute(&mut tx)
            .await?;
        db::query(FINISH_IF_EMPTY)
            .bind(id)
            .bind(now_ms)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn opt_out(&self, msisdn: &Msisdn, keyword: &str, now_ms: i64) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        db::query(OPT_OUT)
            .bind(msisdn.as_str())
            .bind(keyword)
            .bind(now_ms)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn opted_out(&self, msisdn: &Msisdn) -> Result<bool, StoreError> {
        let n = db::query_scalar::<i64>(IS_OPTED_OUT)
            .bind(msisdn.as_str())
            .fetch_one(self.reader())
            .await?;
        Ok(n > 0)
    }

    async fn opt_out_version(&self) -> Result<(i64, i64), StoreError> {
        Ok(db::query_as::<(i64, i64)>(OPT_OUT_VERSION)
            .fetch_one(self.reader())
            .await?)
    }

    async fn opt_outs(&self, limit: i64) -> Result<Vec<(Msisdn, String, i64)>, StoreError> {
        let rows = db::query_as::<(String, String, i64)>(LIST_OPT_OUTS)
            .bind(limit)
            .fetch_all(self.reader())
            .await?;
        Ok(rows
            .into_iter()
            .map(|(m, keyword, at)| (Msisdn::from_stored(m), keyword, at))
            .collect())
    }

    async fn remove_opt_out(&self, msisdn: &Msisdn) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let removed = db::query(REMOVE_OPT_OUT)
            .bind(msisdn.as_str())
            .execute(&mut tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(removed > 0)
    }
}
