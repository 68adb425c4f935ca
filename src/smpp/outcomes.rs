//! The dispatcher's write path: submit_sm_resp message ids and delivery receipts from every
//! session, and the links' claims of due rows, go through one task that stores whatever has
//! gathered while the previous batch was committing, in one transaction
//! ([`SmsBatchStore::record_sms_outcomes`]). A caller is told only once its outcome is committed,
//! so a receipt is still stored before its deliver_sm_resp.
//!
//! [`SmsBatchStore::record_sms_outcomes`]: crate::store::sms::batch::SmsBatchStore::record_sms_outcomes

use std::sync::Arc;

use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::server::AppState;
use crate::store::sms::OutboxRow;
use crate::store::sms::batch::{SmsClaim, SmsOutcome};

/// Requests waiting for the writer; beyond this, callers wait (back-pressure on the sessions).
const QUEUE: usize = 4096;
/// Most requests in one transaction.
const BATCH: usize = 1024;

enum Job {
    /// Store an outcome; answer whether it is committed.
    Record {
        outcome: SmsOutcome,
        stored: oneshot::Sender<bool>,
    },
    /// Claim due rows; answer them (none on an error).
    Claim {
        claim: SmsClaim,
        rows: oneshot::Sender<Vec<OutboxRow>>,
    },
}

/// A handle on the writer; cloned into every session and submit.
#[derive(Clone)]
pub(super) struct Outcomes {
    jobs: mpsc::Sender<Job>,
}

/// Starts the writer; it ends when the last handle is dropped.
pub(super) fn spawn(state: AppState) -> Outcomes {
    let (jobs, rx) = mpsc::channel(QUEUE);
    tokio::spawn(write_loop(state, rx));
    Outcomes { jobs }
}

impl Outcomes {
    /// Stores `outcome`; `true` once it is committed, `false` if it could not be.
    pub(super) async fn record(&self, outcome: SmsOutcome) -> bool {
        let (stored, done) = oneshot::channel();
        if self.jobs.send(Job::Record { outcome, stored }).await.is_err() {
            return false;
        }
        done.await.unwrap_or(false)
    }

    /// Claims up to `claim.limit` due rows, in id order.
    pub(super) async fn claim(&self, claim: SmsClaim) -> Vec<OutboxRow> {
        let (rows, done) = oneshot::channel();
        if self.jobs.send(Job::Claim { claim, rows }).await.is_err() {
            return Vec::new();
        }
        done.await.unwrap_or_default()
    }
}

/// Batches committed at once: SQLite has one writer, so one; PostgreSQL commits several
/// transactions in parallel, so each statement's round trip is overlapped with others'.
fn writers(state: &AppState) -> usize {
    if state.store().backend() == "postgres" {
        4
    } else {
        1
    }
}

async fn write_loop(state: AppState, mut rx: mpsc::Receiver<Job>) {
    let writers = Arc::new(Semaphore::new(writers(&state)));
    let mut jobs = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut jobs, BATCH).await > 0 {
        let Ok(permit) = Arc::clone(&writers).acquire_owned().await else {
            return;
        };
        let batch = std::mem::replace(&mut jobs, Vec::with_capacity(BATCH));
        let state = state.clone();
        tokio::spawn(async move {
            write_batch(&state, batch).await;
            drop(permit);
        });
    }
}

/// Commits one batch and answers every job in it.
async fn write_batch(state: &AppState, jobs: Vec<Job>) {
    let mut outcomes = Vec::new();
    let mut stored = Vec::new();
    let mut claims = Vec::new();
    for job in jobs {
        match job {
            Job::Record { outcome, stored: s } => {
                outcomes.push(outcome);
                stored.push(s);
            }
            Job::Claim { claim, rows } => claims.push((claim, rows)),
        }
    }
    // One claim for every link that asked; the rows are shared out in order below.
    let claim = claims.iter().map(|(c, _)| *c).reduce(|a, b| SmsClaim {
        limit: a.limit + b.limit,
        claimed_until: a.claimed_until.max(b.claimed_until),
    });
    let now = state.now().at_ms;
    match state.store().record_sms_outcomes(&outcomes, claim, now).await {
        Ok(rows) => {
            for s in stored {
                let _ = s.send(true);
            }
            share_out(rows, claims);
        }
        Err(e) => {
            tracing::warn!(error = %e, n = outcomes.len(), "storing SMS outcomes as a batch failed; one by one");
            for (outcome, s) in outcomes.iter().zip(stored) {
                let _ = s.send(one_by_one(state, outcome, now).await);
            }
            // The links ask again on their next turn.
        }
    }
}

/// Hands each claimer at most its limit, in claim order.
fn share_out(rows: Vec<OutboxRow>, claims: Vec<(SmsClaim, oneshot::Sender<Vec<OutboxRow>>)>) {
    let mut rows = rows.into_iter();
    for (claim, to) in claims {
        let take = usize::try_from(claim.limit).unwrap_or(0);
        let _ = to.send(rows.by_ref().take(take).collect());
    }
}

/// The unbatched path, so one bad outcome does not hold back the others.
async fn one_by_one(state: &AppState, outcome: &SmsOutcome, now: i64) -> bool {
    let store = state.store();
    let result = match outcome {
        SmsOutcome::Submitted { id, smsc_id, raw } => store.mark_submitted(*id, smsc_id, raw, now).await,
        SmsOutcome::Receipt { smsc_id, status } => {
            store.apply_receipt(smsc_id, *status, now).await.map(|_| ())
        }
    };
    match result {
        Ok(()) => true,
        Err(e) => {
            tracing::error!(error = %e, ?outcome, "storing an SMS outcome failed");
            false
        }
    }
}
