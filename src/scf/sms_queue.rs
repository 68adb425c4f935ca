//! Group commit of accepted messages: concurrent `sendSms` calls hand their outbox rows to one
//! writer task, which queues whatever has gathered while its previous batch was committing in a
//! single transaction ([`SmsBatchStore::queue_sms_batch`]). Each caller gets its answer only
//! after the commit that holds its rows, so an accepted message is as durable as with
//! [`SmsStore::queue_sms`]; what changes is that one commit (and one sync of the log) serves many
//! requests.
//!
//! A batch that fails is queued again one message at a time, so each caller gets its own answer.
//! Messages with a clientCorrelator skip the batch: their duplicate check answers per message.
//!
//! [`SmsBatchStore::queue_sms_batch`]: crate::store::sms::batch::SmsBatchStore::queue_sms_batch
//! [`SmsStore::queue_sms`]: crate::store::sms::SmsStore::queue_sms

use std::sync::{Arc, OnceLock};

use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::store::sms::NewSms;
use crate::store::{Store, StoreError};

/// Messages waiting for the writer; beyond this, callers wait.
const QUEUE: usize = 4096;
/// Most messages in one transaction.
const BATCH: usize = 512;

struct Job {
    sms: NewSms,
    now_ms: i64,
    queued: oneshot::Sender<Result<(), StoreError>>,
}

/// The group-commit front of the outbox. The writer starts on first use (inside the runtime)
/// and ends when this is dropped.
pub(crate) struct SmsQueue {
    store: Arc<dyn Store>,
    jobs: OnceLock<mpsc::Sender<Job>>,
}

impl SmsQueue {
    /// A queue over `store`.
    pub(crate) fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            jobs: OnceLock::new(),
        }
    }

    /// Queues `sms`; returns once it is committed (or refused).
    pub(crate) async fn queue(&self, sms: &NewSms, now_ms: i64) -> Result<(), StoreError> {
        if sms.client_correlator.is_some() {
            return self.store.queue_sms(sms, now_ms).await;
        }
        let jobs = self.jobs.get_or_init(|| {
            let (tx, rx) = mpsc::channel(QUEUE);
            tokio::spawn(write_loop(Arc::clone(&self.store), rx));
            tx
        });
        let (queued, answer) = oneshot::channel();
        let job = Job {
            sms: sms.clone(),
            now_ms,
            queued,
        };
        if jobs.send(job).await.is_err() {
            return self.store.queue_sms(sms, now_ms).await;
        }
        match answer.await {
            Ok(result) => result,
            // The writer is gone (shutdown): the message was not written by it.
            Err(_) => self.store.queue_sms(sms, now_ms).await,
        }
    }
}

/// Batches committed at once: SQLite has one writer, so one; PostgreSQL commits several
/// transactions in parallel.
fn writers(store: &dyn Store) -> usize {
    if store.backend() == "postgres" { 4 } else { 1 }
}

async fn write_loop(store: Arc<dyn Store>, mut rx: mpsc::Receiver<Job>) {
    let writers = Arc::new(Semaphore::new(writers(store.as_ref())));
    let mut jobs = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut jobs, BATCH).await > 0 {
        let Ok(permit) = Arc::clone(&writers).acquire_owned().await else {
            return;
        };
        let batch = std::mem::replace(&mut jobs, Vec::with_capacity(BATCH));
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            write_batch(store.as_ref(), batch).await;
            drop(permit);
        });
    }
}

/// Commits one batch and answers every caller in it.
async fn write_batch(store: &dyn Store, mut jobs: Vec<Job>) {
    if jobs.len() == 1 {
        let job = jobs.remove(0);
        let result = store.queue_sms(&job.sms, job.now_ms).await;
        let _ = job.queued.send(result);
        return;
    }
    let now = jobs.iter().map(|j| j.now_ms).max().unwrap_or_default();
    let (batch, waiters): (Vec<NewSms>, Vec<_>) =
        jobs.drain(..).map(|j| (j.sms, (j.now_ms, j.queued))).unzip();
    match store.queue_sms_batch(&batch, now).await {
        Ok(()) => {
            for (_, queued) in waiters {
                let _ = queued.send(Ok(()));
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, n = batch.len(), "queueing messages as a batch failed; one by one");
            for (sms, (now_ms, queued)) in batch.iter().zip(waiters) {
                let _ = queued.send(store.queue_sms(sms, now_ms).await);
            }
        }
    }
}
