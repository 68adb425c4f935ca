//! The WS-Security replay cache, kept in the store so a nonce is used once in the whole cluster
//! and across restarts (WSS UsernameToken Profile 1.0 §3.1: the receiver keeps the nonces it has
//! seen for as long as `Created` would still be accepted).
//!
//! A claim is made only after the call has been admitted (credentials, status, agreement, source
//! and rate), so an application over its rate writes nothing. Claims from concurrent requests are
//! written together: one task takes every claim waiting, writes them in one statement and answers
//! each, so the store sees one round per batch, not one per request. Expired rows are forgotten
//! every [`PURGE_EVERY`].

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use crate::domain::Clock;
use crate::store::Store;
use crate::store::apps::NonceClaim;

/// Most claims written in one statement.
const MAX_BATCH: usize = 512;

/// Claims waiting for the writer at most; further callers wait for room.
const QUEUE: usize = 4096;

/// How often expired nonces are deleted.
const PURGE_EVERY: Duration = Duration::from_secs(30);

/// Whether a claim won, or the store could not say.
type Answer = Result<bool, ()>;

struct Pending {
    claim: NonceClaim,
    answer: oneshot::Sender<Answer>,
}

/// Claims nonces in the store, in batches.
pub struct ReplayGuard {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    /// Started on first use, inside the runtime; the writer ends when this guard is dropped.
    writer: OnceLock<mpsc::Sender<Pending>>,
}

impl ReplayGuard {
    /// A guard over `store`.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            writer: OnceLock::new(),
        }
    }

    /// `Ok(true)` if this is the nonce's first use within its window anywhere, `Ok(false)` if it
    /// is a replay, `Err(())` if the store could not be asked (the call must then be refused).
    pub async fn first_use(&self, claim: NonceClaim) -> Answer {
        let writer = self.writer.get_or_init(|| {
            let (tx, rx) = mpsc::channel(QUEUE);
            tokio::spawn(write(Arc::clone(&self.store), Arc::clone(&self.clock), rx));
            tx
        });
        let (answer, answered) = oneshot::channel();
        writer.send(Pending { claim, answer }).await.map_err(|_| ())?;
        answered.await.map_err(|_| ())?
    }
}

/// The writer: takes what is waiting, claims it in one statement, answers every caller.
async fn write(store: Arc<dyn Store>, clock: Arc<dyn Clock>, mut queue: mpsc::Receiver<Pending>) {
    let mut purged = Instant::now();
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let now_ms = clock.now().timestamp_millis();
        // The same nonce twice in one batch: the statement sees it once, the first caller wins.
        let mut distinct = HashSet::with_capacity(batch.len());
        let claims: Vec<NonceClaim> = batch
            .iter()
            .map(|p| p.claim)
            .filter(|c| distinct.insert(c.key))
            .collect();
        match store.claim_nonces(&claims, now_ms).await {
            Ok(taken) => {
                let mut taken: HashSet<[u8; 16]> = taken.into_iter().collect();
                for p in batch.drain(..) {
                    let _ = p.answer.send(Ok(taken.remove(&p.claim.key)));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, claims = claims.len(), "recording WS-Security nonces failed");
                for p in batch.drain(..) {
                    let _ = p.answer.send(Err(()));
                }
            }
        }
        if purged.elapsed() >= PURGE_EVERY {
            purged = Instant::now();
            match store.purge_nonces(now_ms).await {
                Ok(n) => tracing::debug!(purged = n, "expired WS-Security nonces forgotten"),
                Err(e) => tracing::warn!(error = %e, "forgetting expired WS-Security nonces failed"),
            }
        }
    }
}
