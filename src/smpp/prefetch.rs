//! A bound link's rows ready to submit. A task of its own claims due rows ahead of the window and
//! queues them, so claiming (which waits for a round of the outbox writer) overlaps with
//! submitting: when a window place frees up, the next row is already there. Without it, every
//! claim left the window idle for a round, and a link could not submit more than its window per
//! round however long the rounds grew under load.
//!
//! Rows waiting here are claimed (`sending`). When the link ends, [`Prefetch::release`] stops the
//! claims and puts every row not submitted back in the queue at once, so another link (or this
//! one, reconnected) sends it without waiting for the claim to run out.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::Env;
use crate::store::sms::OutboxRow;

/// How often a link with nothing due looks again.
const POLL: Duration = Duration::from_millis(50);

/// Claimed rows of one link, in claim (id) order.
pub(super) struct Prefetch {
    env: Env,
    rows: mpsc::Receiver<OutboxRow>,
    claimer: JoinHandle<()>,
}

impl Prefetch {
    /// Starts claiming for a link with a window of `window`: up to four windows' worth ahead,
    /// in claims of at least a quarter window while the link is busy. Under a submit rate cap,
    /// at most one second's worth waits, so no claim runs out before its row goes.
    pub(super) fn start(env: Env, window: usize) -> Self {
        let cfg = &env.cfg;
        let mut ahead = window.max(1) * 4;
        if let Some(per_sec) = cfg.max_submits_per_sec {
            ahead = ahead.min(usize::try_from(per_sec).unwrap_or(usize::MAX)).max(1);
        }
        let gather = (window / 4).clamp(1, ahead);
        let (ready, rows) = mpsc::channel(ahead);
        let hold_ms = i64::try_from(cfg.response_timeout_secs.saturating_mul(3000)).unwrap_or(i64::MAX / 2);
        let claimer = tokio::spawn(claim_loop(env.clone(), ready, hold_ms, gather));
        Self { env, rows, claimer }
    }

    /// The next row to submit.
    pub(super) async fn next(&mut self) -> Option<OutboxRow> {
        self.rows.recv().await
    }

    /// Stops claiming and puts `held` and every row still waiting back in the queue, due now.
    pub(super) async fn release(mut self, held: Option<OutboxRow>) {
        // The claimer sees the closed queue, puts back what it claimed meanwhile, and ends.
        self.rows.close();
        let _ = self.claimer.await;
        let mut rows: Vec<OutboxRow> = held.into_iter().collect();
        while let Ok(row) = self.rows.try_recv() {
            rows.push(row);
        }
        put_back(&self.env, rows).await;
    }
}

/// Claims while there is room for at least `gather` rows, until the queue is closed.
async fn claim_loop(env: Env, ready: mpsc::Sender<OutboxRow>, hold_ms: i64, gather: usize) {
    loop {
        // Room for a claim worth making (the only sender, so the room stays until it is used).
        tokio::select! {
            room = ready.reserve_many(gather) => if room.is_err() { return },
            () = ready.closed() => return,
        }
        let now = env.now_ms();
        let limit = i64::try_from(ready.capacity()).unwrap_or(1);
        let claimed = env.outbox.claim(limit, now.saturating_add(hold_ms), now).await;
        if claimed.is_empty() {
            tokio::select! {
                () = tokio::time::sleep(POLL) => {}
                () = ready.closed() => return,
            }
            continue;
        }
        let mut claimed = claimed.into_iter();
        while let Some(row) = claimed.next() {
            if let Err(mpsc::error::SendError(row)) = ready.send(row).await {
                put_back(&env, std::iter::once(row).chain(claimed).collect()).await;
                return;
            }
        }
    }
}

/// Rows claimed but never submitted go back to the queue, due now.
async fn put_back(env: &Env, rows: Vec<OutboxRow>) {
    let now = env.now_ms();
    for row in rows {
        if let Err(e) = env
            .store
            .requeue_sms(row.id, now, "link ended before the part was submitted", now)
            .await
        {
            // The claim runs out and the part is claimed again.
            tracing::error!(error = %e, row = row.id, "putting back an unsent SMS part failed");
        }
    }
}
