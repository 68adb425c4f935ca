//! [`FraudStore`] on [`SqlStore`]: decisions for review, the saved rule set and the charges held
//! for confirmation. The rules themselves run inside each movement's transaction (`screen`).

use std::str::FromStr;
use std::sync::LazyLock;

use crate::domain::{Currency, Moment, Msisdn};
use crate::fraud::Action;
use crate::store::StoreError;
use crate::store::fraud::{
    Confirmation, ConfirmationStatus, Decision, DecisionQuery, FraudStore, Review, SavedRules,
};
use crate::store::sql::{SqlStore, db};

pub(in crate::store::sql) mod screen;

const DECISION_COLUMNS: &str = "SELECT id, msisdn, actor, kind, amount, currency, reference_code, action, fired, \
       review, reviewed_by, review_note, reviewed_at, created_at FROM fraud_decisions";

/// Decisions, newest first: `$1` review or NULL, `$2` number or NULL, `$3` below this id, `$4` limit.
static LIST_DECISIONS: LazyLock<String> = LazyLock::new(|| {
    [
        DECISION_COLUMNS,
        " WHERE review = COALESCE($1, review) AND msisdn = COALESCE($2, msisdn) AND id < $3 \
         ORDER BY id DESC LIMIT $4",
    ]
    .concat()
});

static SELECT_DECISION: LazyLock<String> = LazyLock::new(|| [DECISION_COLUMNS, " WHERE id = $1"].concat());

const REVIEW_DECISION: &str = "UPDATE fraud_decisions SET review = $2, reviewed_by = $3, review_note = $4, \
       reviewed_at = $5 WHERE id = $1";

const SELECT_RULES: &str = "SELECT body, updated_by, updated_at FROM fraud_rules WHERE id = 1";
const SAVE_RULES: &str = "INSERT INTO fraud_rules (id, body, updated_by, updated_at) VALUES (1, $1, $2, $3) \
     ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_by = excluded.updated_by, \
       updated_at = excluded.updated_at";
const DELETE_RULES: &str = "DELETE FROM fraud_rules WHERE id = 1";

const CONFIRMATION_COLUMNS: &str = "SELECT id, decision_id, msisdn, actor, reference_code, reservation_id, amount, \
       currency, description, cap_per_charge, cap_daily, cap_monthly, code_digest, status, expires_at, \
       created_at FROM charge_confirmations";

static CONFIRMATION_BY_REFERENCE: LazyLock<String> =
    LazyLock::new(|| [CONFIRMATION_COLUMNS, " WHERE actor = $1 AND reference_code = $2"].concat());

static PENDING_CONFIRMATIONS: LazyLock<String> = LazyLock::new(|| {
    [
        CONFIRMATION_COLUMNS,
        " WHERE msisdn = $1 AND status = 'pending' ORDER BY created_at, id",
    ]
    .concat()
});

/// Pending confirmations whose time ran out: `$1` now, `$2` limit.
static DUE_CONFIRMATIONS: LazyLock<String> = LazyLock::new(|| {
    [
        CONFIRMATION_COLUMNS,
        " WHERE status = 'pending' AND expires_at <= $1 ORDER BY expires_at LIMIT $2",
    ]
    .concat()
});

const INSERT_CONFIRMATION: &str = "INSERT INTO charge_confirmations (id, decision_id, msisdn, actor, \
       reference_code, reservation_id, amount, currency, description, cap_per_charge, cap_daily, \
       cap_monthly, code_digest, status, expires_at, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'pending', $14, $15, $15)";

const REFERENCE_ENTRY: &str = "SELECT id FROM ledger WHERE actor = $1 AND reference_code = $2";

const FINISH_CONFIRMATION: &str = "UPDATE charge_confirmations SET status = $2, updated_at = $3 \
     WHERE id = $1 AND status = 'pending' RETURNING reservation_id";
const CONFIRMATION_ACTOR: &str = "SELECT actor FROM charge_confirmations WHERE id = $1";

const PRUNE_SPREAD_ACCOUNTS: &str = "DELETE FROM fraud_app_accounts WHERE minute_key < $1";
const PRUNE_SPREAD_MINUTES: &str = "DELETE FROM fraud_app_minutes WHERE minute_key < $1";

/// A row of `fraud_decisions`.
#[derive(Debug, sqlx::FromRow)]
struct DecisionRow {
    id: i64,
    msisdn: String,
    actor: String,
    kind: String,
    amount: i64,
    currency: String,
    reference_code: Option<String>,
    action: String,
    fired: String,
    review: String,
    reviewed_by: Option<String>,
    review_note: Option<String>,
    reviewed_at: Option<i64>,
    created_at: i64,
}

impl TryFrom<DecisionRow> for Decision {
    type Error = StoreError;
    fn try_from(r: DecisionRow) -> Result<Self, StoreError> {
        let corrupt = |e: String| StoreError::Corrupt(format!("fraud decision {}: {e}", r.id));
        Ok(Self {
            id: r.id,
            msisdn: Msisdn::from_stored(r.msisdn),
            actor: r.actor,
            kind: r.kind,
            amount: r.amount,
            currency: Currency::from_code(&r.currency).map_err(|e| corrupt(e.to_string()))?,
            reference_code: r.reference_code,
            action: Action::parse(&r.action).ok_or_else(|| corrupt(format!("action {:?}", r.action)))?,
            fired: serde_json::from_str(&r.fired).map_err(|e| corrupt(e.to_string()))?,
            review: Review::from_str(&r.review).map_err(corrupt)?,
            reviewed_by: r.reviewed_by,
            review_note: r.review_note,
            reviewed_at_ms: r.reviewed_at,
            created_at_ms: r.created_at,
        })
    }
}

/// A row of `charge_confirmations`.
#[derive(Debug, sqlx::FromRow)]
struct ConfirmationRow {
    id: String,
    decision_id: i64,
    msisdn: String,
    actor: String,
    reference_code: String,
    reservation_id: String,
    amount: i64,
    currency: String,
    description: String,
    cap_per_charge: Option<i64>,
    cap_daily: Option<i64>,
    cap_monthly: Option<i64>,
    code_digest: String,
    status: String,
    expires_at: i64,
    created_at: i64,
}

impl TryFrom<ConfirmationRow> for Confirmation {
    type Error = StoreError;
    fn try_from(r: ConfirmationRow) -> Result<Self, StoreError> {
        let corrupt = |e: String| StoreError::Corrupt(format!("confirmation {}: {e}", r.id));
        Ok(Self {
            currency: Currency::from_code(&r.currency).map_err(|e| corrupt(e.to_string()))?,
            status: ConfirmationStatus::from_str(&r.status).map_err(corrupt)?,
            id: r.id,
            decision_id: r.decision_id,
            msisdn: Msisdn::from_stored(r.msisdn),
            actor: r.actor,
            reference_code: r.reference_code,
            reservation_id: r.reservation_id,
            amount: r.amount,
            description: r.description,
            limits: crate::store::Limits {
                per_movement: r.cap_per_charge,
                actor_daily: r.cap_daily,
                actor_monthly: r.cap_monthly,
                refund_within_charges: false,
            },
            code_digest: r.code_digest,
            expires_at_ms: r.expires_at,
            created_at_ms: r.created_at,
        })
    }
}

/// Reads confirmation rows.
fn confirmations(rows: Vec<ConfirmationRow>) -> Result<Vec<Confirmation>, StoreError> {
    rows.into_iter().map(Confirmation::try_from).collect()
}

#[async_trait::async_trait]
impl FraudStore for SqlStore {
    async fn saved_fraud_rules(&self) -> Result<Option<SavedRules>, StoreError> {
        let row = db::query_as::<(String, String, i64)>(SELECT_RULES)
            .fetch_optional(self.reader())
            .await?;
        row.map(|(body, updated_by, updated_at_ms)| {
            Ok(SavedRules {
                rules: serde_json::from_str(&body)
                    .map_err(|e| StoreError::Corrupt(format!("saved fraud rules: {e}")))?,
                updated_by,
                updated_at_ms,
            })
        })
        .transpose()
    }

    async fn save_fraud_rules(&self, rules: Option<&SavedRules>) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        match rules {
            Some(saved) => {
                let body = serde_json::to_string(&saved.rules)
                    .map_err(|e| StoreError::Corrupt(format!("fraud rules: {e}")))?;
                db::query(SAVE_RULES)
                    .bind(body)
                    .bind(&saved.updated_by)
                    .bind(saved.updated_at_ms)
                    .execute(&mut tx)
                    .await?;
            }
            None => {
                db::query(DELETE_RULES).execute(&mut tx).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn fraud_decisions(&self, q: &DecisionQuery) -> Result<Vec<Decision>, StoreError> {
        db::query_as::<DecisionRow>(&LIST_DECISIONS)
            .bind(q.review.map(Review::as_str))
            .bind(q.msisdn.as_ref().map(Msisdn::as_str))
            .bind(q.before_id.unwrap_or(i64::MAX))
            .bind(q.limit)
            .fetch_all(self.reader())
            .await?
            .into_iter()
            .map(Decision::try_from)
            .collect()
    }

    async fn fraud_decision(&self, id: i64) -> Result<Option<Decision>, StoreError> {
        db::query_as::<DecisionRow>(&SELECT_DECISION)
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .map(Decision::try_from)
            .transpose()
    }

    async fn review_fraud_decision(
        &self,
        id: i64,
        review: Review,
        by: &str,
        note: Option<&str>,
        now_ms: i64,
    ) -> Result<Decision, StoreError> {
        let mut tx = self.begin_write().await?;
        let changed = db::query(REVIEW_DECISION)
            .bind(id)
            .bind(review.as_str())
            .bind(by)
            .bind(note)
            .bind(now_ms)
            .execute(&mut tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        self.fraud_decision(id).await?.ok_or(StoreError::NotFound)
    }

    async fn create_confirmation(&self, c: &Confirmation) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        db::query(INSERT_CONFIRMATION)
            .bind(&c.id)
            .bind(c.decision_id)
            .bind(c.msisdn.as_str())
            .bind(&c.actor)
            .bind(&c.reference_code)
            .bind(&c.reservation_id)
            .bind(c.amount)
            .bind(c.currency.code())
            .bind(&c.description)
            .bind(c.limits.per_movement)
            .bind(c.limits.actor_daily)
            .bind(c.limits.actor_monthly)
            .bind(&c.code_digest)
            .bind(c.expires_at_ms)
            .bind(c.created_at_ms)
            .execute(&mut tx)
            .await
            .map_err(|e| {
                if crate::store::sql::is_unique_violation(&e) {
                    StoreError::AlreadyExists
                } else {
                    e.into()
                }
            })?;
        tx.commit().await?;
        Ok(())
    }

    async fn confirmation_for(
        &self,
        actor: &str,
        reference_code: &str,
    ) -> Result<Option<Confirmation>, StoreError> {
        db::query_as::<ConfirmationRow>(&CONFIRMATION_BY_REFERENCE)
            .bind(actor)
            .bind(reference_code)
            .fetch_optional(self.reader())
            .await?
            .map(Confirmation::try_from)
            .transpose()
    }

    async fn pending_confirmations(&self, msisdn: &Msisdn) -> Result<Vec<Confirmation>, StoreError> {
        let rows = db::query_as::<ConfirmationRow>(&PENDING_CONFIRMATIONS)
            .bind(msisdn.as_str())
            .fetch_all(self.reader())
            .await?;
        confirmations(rows)
    }

    async fn finish_confirmation(
        &self,
        id: &str,
        status: ConfirmationStatus,
        now: &Moment,
    ) -> Result<bool, StoreError> {
        use crate::store::payment::ReservationStatus;
        let mut tx = self.begin_write().await?;
        let ended = db::query_scalar::<String>(FINISH_CONFIRMATION)
            .bind(id)
            .bind(status.as_str())
            .bind(now.at_ms)
            .fetch_optional(&mut tx)
            .await?;
        let Some(reservation) = ended else {
            tx.rollback().await?;
            return Ok(false);
        };
        if status != ConfirmationStatus::Confirmed {
            // The hold may be gone already (charged by a YES that lost the race, or expired).
            let actor = db::query_scalar::<String>(CONFIRMATION_ACTOR)
                .bind(id)
                .fetch_one(&mut tx)
                .await?;
            match self
                .touch_reservation(&mut tx, &reservation, &actor, now, false)
                .await
            {
                Ok((account_id, r)) => {
                    self.release_held(&mut tx, account_id, &r, ReservationStatus::Released, now)
                        .await?;
                }
                Err(StoreError::ReservationNotFound | StoreError::ReservationClosed(_)) => {}
                Err(e) => return Err(e),
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn due_confirmations(&self, now: &Moment, limit: i64) -> Result<Vec<Confirmation>, StoreError> {
        let rows = db::query_as::<ConfirmationRow>(&DUE_CONFIRMATIONS)
            .bind(now.at_ms)
            .bind(limit)
            .fetch_all(self.reader())
            .await?;
        confirmations(rows)
    }

    async fn reference_entry(&self, actor: &str, reference_code: &str) -> Result<Option<i64>, StoreError> {
        Ok(db::query_scalar::<i64>(REFERENCE_ENTRY)
            .bind(actor)
            .bind(reference_code)
            .fetch_optional(self.reader())
            .await?)
    }

    async fn prune_fraud_minutes(&self, now: &Moment) -> Result<u64, StoreError> {
        let minute = now.at_ms.div_euclid(60_000);
        let mut tx = self.begin_write().await?;
        let mut pruned = 0;
        for text in [PRUNE_SPREAD_ACCOUNTS, PRUNE_SPREAD_MINUTES] {
            pruned += db::query(text)
                .bind(minute)
                .execute(&mut tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        Ok(pruned)
    }
}
