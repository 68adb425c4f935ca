//! The outbox writer: group commit of the whole SMS path. Accepted `sendSms` messages, the
//! dispatcher's submit_sm_resp and delivery-receipt outcomes, and its claims of due rows are
//! handed to one task, which writes whatever has gathered while its previous round was committing
//! as one round ([`SmsBatchStore::write_sms_round`]): one transaction, a few multi-row
//! statements, one sync of the log, however many messages it carries.
//!
//! Each caller is answered only after the commit that holds its part of the round: a `sendSms`
//! is answered after its rows are stored, a receipt's deliver_sm_resp is sent after the receipt
//! is stored. A round that fails is written again one item at a time, so each caller gets its
//! own answer. Messages with a clientCorrelator and charged messages have their own transactions
//! (their refusals are per message).
//!
//! SQLite has one writer, so rounds follow each other and the claim rides in the round: the rows
//! queued in a round can be claimed in the same commit. PostgreSQL commits several rounds at once
//! and claims outside them (`FOR UPDATE SKIP LOCKED`), so a claim never waits for a round.
//!
//! Claims start at a floor ([`SmsStore::pending_floor`], read again every second) rather than at
//! the outbox's first row. On PostgreSQL the index entries of rows that left the pending set stay
//! until a vacuum, and a claim walking them from the start would grow slower with every message
//! sent. A row committed below the floor (a round that took its ids before another but committed
//! after it) waits for the next reading, at most a second.
//!
//! [`SmsBatchStore::write_sms_round`]: crate::store::sms::batch::SmsBatchStore::write_sms_round
//! [`SmsStore::pending_floor`]: crate::store::sms::SmsStore::pending_floor

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::store::sms::batch::{SmsClaim, SmsOutcome, SmsRound};
use crate::store::sms::{NewSms, OutboxRow};
use crate::store::{Store, StoreError};

/// Requests waiting for the writer; beyond this, callers wait (back-pressure on the requests
/// and on the SMPP sessions).
const QUEUE: usize = 8192;
/// Most requests in one round.
const ROUND: usize = 2048;
/// How long a reading of the claims' floor is used.
const FLOOR_EVERY: Duration = Duration::from_secs(1);

enum Job {
    /// Queue a message; answer when it is committed.
    Queue {
        sms: NewSms,
        now_ms: i64,
        queued: oneshot::Sender<Result<(), StoreError>>,
    },
    /// Store an outcome; answer whether it is committed.
    Record {
        outcome: SmsOutcome,
        now_ms: i64,
        stored: oneshot::Sender<bool>,
    },
    /// Claim due rows; answer them (none on an error).
    Claim {
        claim: SmsClaim,
        now_ms: i64,
        rows: oneshot::Sender<Vec<OutboxRow>>,
    },
}

/// The group-commit front of the outbox, shared by the SMS functions (`scf`), the alerts and the
/// SMPP links; cheap to clone. The writer starts on first use (inside the runtime) and ends when
/// the last clone is dropped.
#[derive(Clone)]
pub struct Outbox(Arc<Writer>);

struct Writer {
    store: Arc<dyn Store>,
    jobs: OnceLock<mpsc::Sender<Job>>,
    /// The claims' floor and when it was read.
    floor: Mutex<(i64, Option<Instant>)>,
}

impl Outbox {
    /// A writer over `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self(Arc::new(Writer {
            store,
            jobs: OnceLock::new(),
            floor: Mutex::new((0, None)),
        }))
    }

    fn jobs(&self) -> &mpsc::Sender<Job> {
        self.0.jobs.get_or_init(|| {
            let (tx, rx) = mpsc::channel(QUEUE);
            tokio::spawn(write_loop(Arc::clone(&self.0.store), rx));
            tx
        })
    }

    /// Queues `sms`; returns once it is committed (or refused).
    pub async fn queue(&self, sms: &NewSms, now_ms: i64) -> Result<(), StoreError> {
        if sms.client_correlator.is_some() {
            // A duplicate correlator is answered for this message alone.
            return self.0.store.queue_sms(sms, now_ms).await;
        }
        let (queued, answer) = oneshot::channel();
        let job = Job::Queue {
            sms: sms.clone(),
            now_ms,
            queued,
        };
        if self.jobs().send(job).await.is_err() {
            return self.0.store.queue_sms(sms, now_ms).await;
        }
        match answer.await {
            Ok(result) => result,
            // The writer is gone (shutdown): the message was not written by it.
            Err(_) => self.0.store.queue_sms(sms, now_ms).await,
        }
    }

    /// Stores `outcome`; `true` once it is committed, `false` if it could not be (logged).
    pub async fn record(&self, outcome: SmsOutcome, now_ms: i64) -> bool {
        let (stored, done) = oneshot::channel();
        let job = Job::Record {
            outcome,
            now_ms,
            stored,
        };
        match self.jobs().send(job).await {
            Ok(()) => done.await.unwrap_or(false),
            Err(mpsc::error::SendError(Job::Record { outcome, .. })) => {
                record_one(self.0.store.as_ref(), &outcome, now_ms).await
            }
            Err(_) => false,
        }
    }

    /// Claims up to `limit` due rows until `claimed_until`, in id order (none on an error, which
    /// is logged).
    pub async fn claim(&self, limit: i64, claimed_until: i64, now_ms: i64) -> Vec<OutboxRow> {
        let claim = SmsClaim {
            limit,
            claimed_until,
            from_id: self.floor().await,
        };
        if !single_writer(self.0.store.as_ref()) {
            return claim_now(self.0.store.as_ref(), claim, now_ms).await;
        }
        let (rows, done) = oneshot::channel();
        let job = Job::Claim { claim, now_ms, rows };
        if self.jobs().send(job).await.is_err() {
            return claim_now(self.0.store.as_ref(), claim, now_ms).await;
        }
        done.await.unwrap_or_default()
    }

    /// The lowest row id a claim looks at; read again once the last reading is older than
    /// [`FLOOR_EVERY`] (links asking at the same moment may each read it, which is harmless).
    async fn floor(&self) -> i64 {
        let (from_id, read_at) = *self
            .0
            .floor
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if read_at.is_some_and(|at| at.elapsed() < FLOOR_EVERY) {
            return from_id;
        }
        match self.0.store.pending_floor().await {
            Ok(from_id) => {
                *self
                    .0
                    .floor
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = (from_id, Some(Instant::now()));
                from_id
            }
            Err(e) => {
                tracing::warn!(error = %e, "reading where the outbox's pending rows start failed");
                0
            }
        }
    }
}

/// SQLite allows one writer at a time; PostgreSQL commits several transactions in parallel, so
/// each statement's round trip overlaps with other rounds'.
fn single_writer(store: &dyn Store) -> bool {
    store.backend() == "sqlite"
}

async fn claim_now(store: &dyn Store, claim: SmsClaim, now_ms: i64) -> Vec<OutboxRow> {
    match store.claim_sms(claim, now_ms).await {
        Ok(rows) => rows,
        Err(e) => {
            tracing::error!(error = %e, "claiming from the SMS outbox failed");
            Vec::new()
        }
    }
}

async fn write_loop(store: Arc<dyn Store>, mut rx: mpsc::Receiver<Job>) {
    let writers = if single_writer(store.as_ref()) { 1 } else { 4 };
    let writers = Arc::new(Semaphore::new(writers));
    let mut jobs = Vec::with_capacity(ROUND);
    while rx.recv_many(&mut jobs, ROUND).await > 0 {
        let Ok(permit) = Arc::clone(&writers).acquire_owned().await else {
            return;
        };
        // Whatever arrived while waiting for the permit joins this round.
        while jobs.len() < ROUND {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let round = std::mem::replace(&mut jobs, Vec::with_capacity(ROUND));
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            write_round(store.as_ref(), round).await;
            drop(permit);
        });
    }
}

/// Writes one round and answers every job in it.
async fn write_round(store: &dyn Store, jobs: Vec<Job>) {
    let round = Gathered::from(jobs);
    let written = store
        .write_sms_round(&SmsRound {
            queue: &round.queue,
            outcomes: &round.outcomes,
            claim: round.claim(),
            now_ms: round.now_ms,
        })
        .await;
    match written {
        Ok(rows) => round.committed(rows),
        Err(e) => {
            tracing::warn!(
                error = %e,
                messages = round.queue.len(),
                outcomes = round.outcomes.len(),
                "writing an SMS round failed; one by one"
            );
            round.one_by_one(store).await;
        }
    }
}

/// A round's jobs by kind, each with the caller to answer and the time it was asked at.
struct Gathered {
    now_ms: i64,
    queue: Vec<NewSms>,
    queued: Vec<(i64, oneshot::Sender<Result<(), StoreError>>)>,
    outcomes: Vec<SmsOutcome>,
    stored: Vec<(i64, oneshot::Sender<bool>)>,
    claims: Vec<(SmsClaim, oneshot::Sender<Vec<OutboxRow>>)>,
}

impl From<Vec<Job>> for Gathered {
    fn from(jobs: Vec<Job>) -> Self {
        let mut g = Self {
            now_ms: i64::MIN,
            queue: Vec::new(),
            queued: Vec::new(),
            outcomes: Vec::new(),
            stored: Vec::new(),
            claims: Vec::new(),
        };
        for job in jobs {
            match job {
                Job::Queue { sms, now_ms, queued } => {
                    g.now_ms = g.now_ms.max(now_ms);
                    g.queue.push(sms);
                    g.queued.push((now_ms, queued));
                }
                Job::Record {
                    outcome,
                    now_ms,
                    stored,
                } => {
                    g.now_ms = g.now_ms.max(now_ms);
                    g.outcomes.push(outcome);
                    g.stored.push((now_ms, stored));
                }
                Job::Claim { claim, now_ms, rows } => {
                    g.now_ms = g.now_ms.max(now_ms);
                    g.claims.push((claim, rows));
                }
            }
        }
        g
    }
}

impl Gathered {
    /// One claim for every link that asked; [`committed`](Self::committed) shares the rows out.
    fn claim(&self) -> Option<SmsClaim> {
        self.claims.iter().map(|(c, _)| *c).reduce(|a, b| SmsClaim {
            limit: a.limit + b.limit,
            claimed_until: a.claimed_until.max(b.claimed_until),
            from_id: a.from_id.min(b.from_id),
        })
    }

    /// The round is committed: every caller hears so; each claimer gets at most its limit of
    /// `rows`, in claim order.
    fn committed(self, rows: Vec<OutboxRow>) {
        for (_, queued) in self.queued {
            let _ = queued.send(Ok(()));
        }
        for (_, stored) in self.stored {
            let _ = stored.send(true);
        }
        let mut rows = rows.into_iter();
        for (claim, to) in self.claims {
            let take = usize::try_from(claim.limit).unwrap_or(0);
            let _ = to.send(rows.by_ref().take(take).collect());
        }
    }

    /// The round failed: each message and outcome is written on its own, so one bad item does
    /// not hold back the others. Claimers get nothing and ask again on their next turn.
    async fn one_by_one(self, store: &dyn Store) {
        for (sms, (at, queued)) in self.queue.iter().zip(self.queued) {
            let _ = queued.send(store.queue_sms(sms, at).await);
        }
        for (outcome, (at, stored)) in self.outcomes.iter().zip(self.stored) {
            let _ = stored.send(record_one(store, outcome, at).await);
        }
    }
}

/// One outcome in its own transaction.
async fn record_one(store: &dyn Store, outcome: &SmsOutcome, now_ms: i64) -> bool {
    let result = match outcome {
        SmsOutcome::Submitted { id, smsc_id, raw } => store.mark_submitted(*id, smsc_id, raw, now_ms).await,
        SmsOutcome::Receipt { smsc_id, status } => {
            store.apply_receipt(smsc_id, *status, now_ms).await.map(|_| ())
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
