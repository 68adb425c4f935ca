//! [`SmsBatchStore`](crate::store::sms::batch::SmsBatchStore) and the set-based steps under it:
//! `insert_rows` (the outbox rows of many messages), `outcomes_in` (many submit_sm_resps and
//! receipts) and `receipts_in`. Each step writes a whole batch with a few multi-row statements
//! instead of one statement per part, so a round of the outbox writer costs about ten statements
//! and one commit, however many messages it carries. The single-row operations in
//! `sms_store.rs` (`queue_sms`, `mark_submitted`, `apply_receipt`, `reconcile_receipts`) run the
//! same steps with one item, so each rule is written once.
//!
//! A multi-row statement's text depends on its row count; [`runs`] cuts a batch into runs whose
//! lengths are powers of two, so a connection prepares at most a handful of texts per step.

use crate::store::StoreError;
use crate::store::sms::batch::{SmsBatchStore, SmsClaim, SmsOutcome, SmsRound};
use crate::store::sms::{NewSms, OutboxRow};
use crate::store::sql::{SqlStore, db};

use std::ops::Range;

/// Most rows in one multi-row statement (the outbox insert binds 18 values per row).
pub(crate) const MAX_ROWS: usize = 64;

/// `0..n` cut into runs of [`MAX_ROWS`], then of decreasing powers of two.
pub(crate) fn runs(n: usize) -> impl Iterator<Item = Range<usize>> {
    let mut start = 0;
    std::iter::from_fn(move || {
        let left = n - start;
        if left == 0 {
            return None;
        }
        let len = if left >= MAX_ROWS {
            MAX_ROWS
        } else {
            1 << left.ilog2()
        };
        start += len;
        Some(start - len..start)
    })
}

/// The columns `insert_rows` writes, in the order it binds them.
pub(crate) const INSERT_PARTS: &str = "INSERT INTO sms_outbox \
     (request_id, actor, sender, address, part_no, part_count, data_coding, esm_class, body, receipt, \
      status, next_attempt_at, created_at, updated_at, notify_endpoint, notify_correlator, notified, \
      notify_format) ";

#[async_trait::async_trait]
impl SmsBatchStore for SqlStore {
    async fn write_sms_round(&self, round: &SmsRound<'_>) -> Result<Vec<OutboxRow>, StoreError> {
        if let db::Db::Sqlite { writer, money, .. } = &self.db {
            return self.direct_sms_round(writer, money, round).await;
        }
        let mut tx = if round.outcomes.is_empty() && round.claim.is_none() {
            self.begin_write().await?
        } else {
            self.begin_outbox().await?
        };
        let rows = self.sms_round_in(&mut tx, round).await?;
        tx.commit().await?;
        Ok(rows)
    }
}

impl SqlStore {
    /// A round on SQLite: on the rounds' own connection ([`db::Direct`]), on a blocking thread,
    /// while it holds the store's one sqlx writer, as the money rounds run
    /// (`account_store/rounds.rs`): one hand-off per round instead of one per statement. The round
    /// is copied for that thread.
    async fn direct_sms_round(
        &self,
        writer: &sqlx::SqlitePool,
        money: &db::Direct,
        round: &SmsRound<'_>,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let turn = writer.acquire().await?;
        let (store, money) = (self.clone(), money.clone());
        let (queue, outcomes) = (round.queue.to_vec(), round.outcomes.to_vec());
        let (claim, now_ms) = (round.claim, round.now_ms);
        let written = tokio::task::spawn_blocking(move || {
            futures::executor::block_on(async {
                let round = SmsRound {
                    queue: &queue,
                    outcomes: &outcomes,
                    claim,
                    now_ms,
                };
                let mut tx = db::Tx::direct(&money)?;
                let rows = store.sms_round_in(&mut tx, &round).await?;
                tx.commit().await?;
                Ok(rows)
            })
        })
        .await;
        drop(turn);
        written.map_err(|e| StoreError::Backend(sqlx::Error::Protocol(format!("SMS round: {e}"))))?
    }

    /// Every step of a round inside `tx`: correlators, new rows, outcomes, the claim.
    async fn sms_round_in(
        &self,
        tx: &mut db::Tx,
        round: &SmsRound<'_>,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        for sms in round.queue {
            self.insert_correlator(tx, sms, round.now_ms).await?;
        }
        self.insert_rows(tx, round.queue, round.now_ms).await?;
        self.outcomes_in(tx, round.outcomes, round.now_ms).await?;
        let rows = match round.claim {
            Some(claim) => self.claim_in(tx, claim, round.now_ms).await?,
            None => Vec::new(),
        };
        Ok(rows)
    }

    /// A write transaction for the dispatcher's statements, with the backend's plan
    /// settings (local to it).
    pub(in crate::store::sql) async fn begin_outbox(&self) -> Result<db::Tx, sqlx::Error> {
        let mut tx = self.begin_write().await?;
        if self.db.is_postgres() {
            db::query(crate::store::postgres::OUTBOX_PLAN)
                .execute(&mut tx)
                .await?;
        }
        Ok(tx)
    }

    /// The claim ([`CLAIM_SMS`](super::CLAIM_SMS)) inside `tx`; the rows in id order.
    pub(in crate::store::sql) async fn claim_in(
        &self,
        tx: &mut db::Tx,
        claim: SmsClaim,
        now_ms: i64,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let mut rows =
            db::query_as::<OutboxRow>(self.by_backend(&super::CLAIM_SMS, &super::CLAIM_SMS_LOCKING))
                .bind(claim.claimed_until)
                .bind(now_ms)
                .bind(claim.limit)
                .bind(claim.from_id)
                .fetch_all(&mut *tx)
                .await?;
        // RETURNING has no order: parts go out in the order they were queued.
        rows.sort_by_key(|r| r.id);
        Ok(rows)
    }

    /// Every outbox row of every message in `batch`, queued and due at `now_ms`.
    pub(in crate::store::sql) async fn insert_rows(
        &self,
        tx: &mut db::Tx,
        batch: &[NewSms],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        use crate::store::sql::sms_store::batch as b;
        let rows: Vec<_> = batch
            .iter()
            .flat_map(|sms| sms.parts.iter().map(move |p| (sms, p)))
            .collect();
        for run in b::runs(rows.len()) {
            let mut q = db::query(b::INSERT_PARTS);
            q.push_values(&rows[run], |v, (sms, p)| {
                let notify = sms.notify.as_ref();
                v.push_bind(sms.request_id.as_str())
                    .push_bind(sms.actor.as_str())
                    .push_bind(sms.sender.as_str())
                    .push_bind(p.address.as_str())
                    .push_bind(p.part_no)
                    .push_bind(p.part_count)
                    .push_bind(p.data_coding)
                    .push_bind(p.esm_class)
                    .push_bind(p.body.as_slice())
                    .push_bind(i64::from(sms.receipt))
                    .push("'queued'")
                    .push_bind(now_ms)
                    .push_bind(now_ms)
                    .push_bind(now_ms)
                    .push_bind(notify.map(|n| n.0.as_str()))
                    .push_bind(notify.map(|n| n.1.as_str()))
                    // 1 when there is nothing to notify: the notice index holds only rows
                    // that still owe a callback.
                    .push_bind(i64::from(notify.is_none()))
                    .push_bind(sms.notify_format);
            });
            q.execute(&mut *tx).await?;
        }
        Ok(())
    }

    /// Records `outcomes` as if one by one, in two set-based steps: every submit_sm_resp
    /// first (the first for a row counts; a row no longer `sending` keeps its state),
    /// then every receipt, together with receipts kept because they overtook the
    /// submit_sm_resp just recorded. Answers the rows the receipts moved.
    pub(in crate::store::sql) async fn outcomes_in(
        &self,
        tx: &mut db::Tx,
        outcomes: &[SmsOutcome],
        now_ms: i64,
    ) -> Result<u64, StoreError> {
        use crate::store::sql::sms_store::batch as b;
        use std::collections::BTreeMap;
        let mut submitted: BTreeMap<i64, (&str, &str)> = BTreeMap::new();
        let mut receipts: BTreeMap<String, String> = BTreeMap::new();
        for outcome in outcomes {
            match outcome {
                SmsOutcome::Submitted { id, smsc_id, raw } => {
                    submitted.entry(*id).or_insert((smsc_id.as_str(), raw.as_str()));
                }
                // A later receipt for the same message restates the earlier one.
                SmsOutcome::Receipt { smsc_id, status } => {
                    receipts.insert(smsc_id.clone(), status.as_str().to_owned());
                }
            }
        }
        let submitted: Vec<_> = submitted.into_iter().collect();
        for run in b::runs(submitted.len()) {
            let mut q = db::query("WITH v (id, smsc_id, raw) AS (");
            q.push_values(&submitted[run.clone()], |v, (id, (smsc_id, raw))| {
                v.push_bind(*id).push_bind(*smsc_id).push_bind(*raw);
            });
            q.push(
                ") UPDATE sms_outbox SET status = 'submitted', smsc_id = v.smsc_id, \
                 smsc_id_raw = v.raw, claimed_until = NULL, error = NULL, updated_at = ",
            );
            q.push_bind(now_ms);
            q.push(" FROM v WHERE sms_outbox.id = v.id AND sms_outbox.status = 'sending'");
            q.execute(&mut *tx).await?;
            // Receipts that came before these message ids.
            let mut q = db::query("DELETE FROM sms_early_receipts WHERE smsc_id IN (");
            let mut ids = q.separated(", ");
            for (_, (smsc_id, _)) in &submitted[run] {
                ids.push_bind(*smsc_id);
            }
            q.push(") RETURNING smsc_id, status");
            let early: Vec<(String, String)> = q.into_query_as().fetch_all(&mut *tx).await?;
            for (smsc_id, status) in early {
                receipts.entry(smsc_id).or_insert(status);
            }
        }
        self.receipts_in(tx, &receipts, now_ms).await
    }

    /// Applies receipts (normalized message id → final state) to the rows the SMSC
    /// accepted under that id; a receipt no row has the id of yet is kept in
    /// `sms_early_receipts` until its submit_sm_resp is recorded. Answers the rows moved.
    ///
    /// The update names no status it looks rows up by (`NOT IN` the states before
    /// submission, and nearly every row is `delivered`), so only the `smsc_id` index
    /// can serve it; `tx` should come from `begin_outbox`, whose plan settings keep the
    /// join on that index whatever the table's statistics say.
    pub(in crate::store::sql) async fn receipts_in(
        &self,
        tx: &mut db::Tx,
        receipts: &std::collections::BTreeMap<String, String>,
        now_ms: i64,
    ) -> Result<u64, StoreError> {
        use crate::store::sql::sms_store::batch as b;
        let receipts: Vec<(&String, &String)> = receipts.iter().collect();
        let mut moved = 0;
        let mut unmatched = Vec::new();
        for run in b::runs(receipts.len()) {
            let run = &receipts[run];
            let mut q = db::query("WITH v (smsc_id, status) AS (");
            q.push_values(run, |v, (smsc_id, status)| {
                v.push_bind(smsc_id.as_str()).push_bind(status.as_str());
            });
            q.push(") UPDATE sms_outbox SET status = v.status, updated_at = ");
            q.push_bind(now_ms);
            q.push(
                " FROM v WHERE sms_outbox.smsc_id = v.smsc_id \
                 AND sms_outbox.status NOT IN ('queued', 'sending') \
                 RETURNING sms_outbox.smsc_id",
            );
            let matched: Vec<(String,)> = q.into_query_as().fetch_all(&mut *tx).await?;
            moved += matched.len() as u64;
            let matched: std::collections::HashSet<String> = matched.into_iter().map(|(id,)| id).collect();
            unmatched.extend(run.iter().filter(|(id, _)| !matched.contains(*id)));
        }
        for run in b::runs(unmatched.len()) {
            let mut q = db::query("INSERT INTO sms_early_receipts (smsc_id, status, received_at) ");
            q.push_values(&unmatched[run], |v, (smsc_id, status)| {
                v.push_bind(smsc_id.as_str())
                    .push_bind(status.as_str())
                    .push_bind(now_ms);
            });
            q.push(" ON CONFLICT (smsc_id) DO UPDATE SET status = excluded.status");
            q.execute(&mut *tx).await?;
        }
        Ok(moved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_cover_every_row_once_in_few_lengths() {
        for n in [0, 1, 2, 3, 63, 64, 65, 100, 1000] {
            let runs: Vec<_> = runs(n).collect();
            assert_eq!(runs.iter().map(|r| r.len()).sum::<usize>(), n);
            assert!(runs.windows(2).all(|w| w[0].end == w[1].start));
            assert!(
                runs.iter()
                    .all(|r| r.len().is_power_of_two() && r.len() <= MAX_ROWS)
            );
        }
        assert_eq!(runs(100).map(|r| r.len()).collect::<Vec<_>>(), [64, 32, 4]);
    }
}
