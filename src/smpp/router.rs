//! Claims due parts from the outbox and hands each to a link its route allows: one task for the
//! gateway, ahead of the links' windows, so claiming (which waits for a round of the outbox
//! writer) overlaps with submitting and a freed window place finds its next part waiting.
//!
//! A part goes to the best link of its route that is up (`Links::candidates`), or to the next one
//! with room when that link's queue is full; when every link of its route is down, back to the
//! outbox for a little later. Parts waiting in the queue of a link that went down are taken back
//! and routed again, so a link's outage moves its traffic to the next link within a poll.
//! Rows held here are claimed (`sending`); when the gateway stops, every part not submitted goes
//! back to the queue at once, so the next run sends it without waiting for its claim to run out.
//!
//! The router also matches kept early receipts and gives up overdue ones, for every link.

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use super::Env;
use super::links::Links;
use crate::store::sms::OutboxRow;

/// How often the router looks again when nothing is due or no link has room.
const POLL: Duration = Duration::from_millis(20);
/// How often kept early receipts are matched again (see `SmsStore::reconcile_receipts`).
const RECONCILE_EVERY: Duration = Duration::from_secs(5);
/// How long a part whose route has no link up waits before it is claimed again.
const NO_LINK_RETRY: Duration = Duration::from_secs(1);

pub(super) struct Router {
    pub(super) env: Env,
    pub(super) links: Links,
    pub(super) stopped: watch::Receiver<bool>,
}

impl Router {
    pub(super) async fn run(mut self) {
        // A claim outlives three response timeouts of the slowest link: a part waiting for its
        // window is not claimed twice.
        let timeout = self.links.all().iter().map(|l| l.cfg.response_timeout_secs).max();
        let hold_ms = i64::try_from(timeout.unwrap_or(10).saturating_mul(3000)).unwrap_or(i64::MAX / 2);
        let mut last_reconcile = Instant::now();
        while !*self.stopped.borrow() {
            if last_reconcile.elapsed() >= RECONCILE_EVERY {
                last_reconcile = Instant::now();
                self.reconcile().await;
            }
            self.reroute_from_down_links().await;
            let room: usize = self
                .links
                .all()
                .iter()
                .filter(|l| l.is_up())
                .map(|l| l.room())
                .sum();
            // A claim worth making: at least a quarter of a window, or whatever room there is.
            if room == 0 || (room < self.gather() && self.any_busy()) {
                self.pause().await;
                continue;
            }
            let now = self.env.now_ms();
            let limit = i64::try_from(room).unwrap_or(i64::MAX);
            let claimed = self
                .env
                .outbox
                .claim(limit, now.saturating_add(hold_ms), now)
                .await;
            if claimed.is_empty() {
                self.pause().await;
                continue;
            }
            for row in claimed {
                self.dispatch(row).await;
            }
        }
        // Stopped: parts still queued go back to the outbox.
        let mut rows = Vec::new();
        for link in self.links.all() {
            rows.extend(link.parts.drain());
        }
        put_back(&self.env, rows, "link ended before the part was submitted").await;
    }

    /// A quarter of the smallest window of a link that is up.
    fn gather(&self) -> usize {
        let links = self.links.all();
        let window = links
            .iter()
            .filter(|l| l.is_up())
            .map(|l| l.cfg.window as usize)
            .min();
        (window.unwrap_or(1) / 4).max(1)
    }

    /// Whether any link has parts queued (it will free room without a new claim).
    fn any_busy(&self) -> bool {
        self.links.all().iter().any(|l| !l.parts.is_empty())
    }

    async fn pause(&mut self) {
        tokio::select! {
            () = tokio::time::sleep(POLL) => {}
            _ = self.stopped.wait_for(|s| *s) => {}
        }
    }

    /// Gives `row` to the first link of its route with room; waits for room on the best one
    /// when all are full (the outbox's order holds on each link); back to the outbox when its
    /// route has no link up.
    async fn dispatch(&mut self, mut row: OutboxRow) {
        loop {
            let candidates = self.links.candidates(&row);
            if candidates.is_empty() || *self.stopped.borrow() {
                let why = "no SMSC link of its route is bound";
                return put_back_after(&self.env, vec![row], why, NO_LINK_RETRY).await;
            }
            for link in candidates {
                match link.queue.try_send(row) {
                    Ok(()) => return,
                    Err(flume::TrySendError::Full(back) | flume::TrySendError::Disconnected(back)) => {
                        row = back;
                    }
                }
            }
            self.pause().await;
        }
    }

    /// Parts queued for a link that is down now go to another link of their route.
    async fn reroute_from_down_links(&mut self) {
        let down: Vec<OutboxRow> = self
            .links
            .all()
            .iter()
            .filter(|l| !l.is_up())
            .flat_map(|l| l.parts.drain())
            .collect();
        for row in down {
            self.dispatch(row).await;
        }
    }

    /// Kept early receipts whose message id is now known, and parts whose receipt is overdue.
    async fn reconcile(&self) {
        let now = self.env.now_ms();
        if let Err(e) = self.env.store.reconcile_receipts(now).await {
            tracing::warn!(error = %e, "matching kept receipts failed");
        }
        let wait = i64::try_from(self.env.cfg.receipt_wait_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        match self
            .env
            .store
            .give_up_receipts(now.saturating_sub(wait), now)
            .await
        {
            Ok(0) => {}
            Ok(parts) => {
                metrics::counter!("pxgate_sms_receipts_overdue_total").increment(parts);
                tracing::info!(
                    parts,
                    "no delivery receipt within receipt_wait_secs: DeliveryUncertain"
                );
            }
            Err(e) => tracing::warn!(error = %e, "giving up overdue receipts failed"),
        }
    }
}

/// Rows claimed but never submitted go back to the queue, due now.
pub(super) async fn put_back(env: &Env, rows: Vec<OutboxRow>, why: &str) {
    put_back_after(env, rows, why, Duration::ZERO).await;
}

async fn put_back_after(env: &Env, rows: Vec<OutboxRow>, why: &str, after: Duration) {
    let now = env.now_ms();
    let due = now.saturating_add(i64::try_from(after.as_millis()).unwrap_or(0));
    for row in rows {
        if let Err(e) = env.store.requeue_sms(row.id, due, why, now).await {
            // The claim runs out and the part is claimed again.
            tracing::error!(error = %e, row = row.id, "putting back an unsent SMS part failed");
        }
    }
}
