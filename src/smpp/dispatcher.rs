//! Drains the outbox over SMPP: one task per configured session, each an explicit link state
//! machine (`Disconnected` → `Binding` → `Bound`), claiming due rows, submitting them within the
//! window, and recording message ids. Rows claimed by a dispatcher that died are claimed again
//! once their claim runs out, so a restart resumes where the last run stopped.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use rusmpp::Pdu;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::Env;
use super::config::SmppConfig;
use super::prefetch::Prefetch;
use super::session::Session;
use super::submit::{Submit, tokio_ms};
use crate::domain::Clock;
use crate::outbox::Outbox;
use crate::store::sms::SmsStore;

/// How often a quiet link checks its keep-alive and kept receipts.
const CHECK_EVERY: Duration = Duration::from_millis(500);
/// How often kept early receipts are matched again (see `SmsStore::reconcile_receipts`).
const RECONCILE_EVERY: Duration = Duration::from_secs(5);

/// The running dispatcher; [`Dispatcher::shutdown`] unbinds every session.
pub struct Dispatcher {
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

/// Starts one dispatcher task per `[smpp] sessions`. The gateway starts and accepts without an
/// SMSC: the links keep retrying with back-off while messages wait in the outbox.
pub fn spawn(cfg: SmppConfig, outbox: Outbox, store: Arc<dyn SmsStore>, clock: Arc<dyn Clock>) -> Dispatcher {
    let env = Env {
        cfg: Arc::new(cfg),
        outbox,
        store,
        clock,
    };
    let cfg = &env.cfg;
    let (stop, stopped) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let rate = submit_rate(cfg);
    for link in 0..cfg.sessions {
        let worker = Worker {
            rate: rate.clone(),
            env: env.clone(),
            stopped: stopped.clone(),
            paused_until: Arc::new(AtomicU64::new(0)),
            link,
        };
        tasks.spawn(worker.run());
    }
    Dispatcher { stop, tasks }
}

impl Dispatcher {
    /// Stops claiming, unbinds (SMPP v5.0 §4.2.1) and waits for the links to finish.
    pub async fn shutdown(mut self) {
        self.stop.send_replace(true);
        while self.tasks.join_next().await.is_some() {}
    }
}

/// The life of one link (STYLE.md rule 8: data lives in the variant).
enum Link {
    /// No connection; the next attempt after `backoff`.
    Disconnected { backoff: Duration },
    /// Connecting and binding; `backoff` is the delay if that fails.
    Binding { backoff: Duration },
    /// Bound: submitting from the outbox.
    Bound { session: Arc<Session> },
}

/// Why serving a bound link ended.
enum Ended {
    Shutdown,
    Lost,
}

struct Worker {
    env: Env,
    /// `[smpp] max_submits_per_sec`, shared by every link.
    rate: Option<Arc<DefaultDirectRateLimiter>>,
    stopped: watch::Receiver<bool>,
    /// Milliseconds of the tokio clock (since `epoch`) before which nothing is submitted.
    paused_until: Arc<AtomicU64>,
    link: u32,
}

/// The wait before the next bind attempt after one that failed after waiting `backoff`: doubled,
/// at most `max` (`[smpp] reconnect_max_ms`, 2 s by default, so a link is back within about
/// that long after its SMSC is).
pub(super) fn next_backoff(backoff: Duration, max: Duration) -> Duration {
    (backoff * 2).min(max)
}

impl Worker {
    async fn run(mut self) {
        let min = Duration::from_millis(self.env.cfg.reconnect_min_ms);
        let max = Duration::from_millis(self.env.cfg.reconnect_max_ms);
        let mut link = Link::Binding { backoff: min };
        loop {
            link = match link {
                // Disconnected → Binding: the back-off has passed (or stop: end).
                Link::Disconnected { backoff } => {
                    let mut stopped = self.stopped.clone();
                    tokio::select! {
                        () = tokio::time::sleep(backoff) => Link::Binding { backoff },
                        _ = stopped.wait_for(|s| *s) => return,
                    }
                }
                // Binding → Bound on bind_resp ESME_ROK; → Disconnected with the next back-off.
                Link::Binding { backoff } => match Session::open(self.env.clone(), self.link).await {
                    Ok(session) => {
                        tracing::info!(link = self.link, address = %self.env.cfg.address, "SMPP bound");
                        super::metrics::bound(self.link, true, Some("ok"));
                        Link::Bound {
                            session: Arc::new(session),
                        }
                    }
                    Err(e) => {
                        super::metrics::bound(self.link, false, Some("failed"));
                        let backoff = next_backoff(backoff, max);
                        tracing::warn!(link = self.link, error = %e, retry_in = ?backoff, "SMPP bind failed");
                        Link::Disconnected { backoff }
                    }
                },
                // Bound → Disconnected when the link is lost (back-off starts over); stop: unbind.
                Link::Bound { session } => match self.serve(&session).await {
                    Ended::Shutdown => {
                        session.unbind().await;
                        return;
                    }
                    Ended::Lost => {
                        // In-flight submits get a link error now and requeue their parts.
                        session.close();
                        super::metrics::bound(self.link, false, None);
                        tracing::warn!(link = self.link, "SMPP link lost");
                        Link::Disconnected { backoff: min }
                    }
                },
            };
        }
    }

    /// Submits the rows [`Prefetch`] claims, in claim order (the writer queue keeps that order
    /// on the wire, so parts are never reordered), within the window, until the link is lost or
    /// the gateway stops.
    async fn serve(&mut self, session: &Arc<Session>) -> Ended {
        let mut ready = Prefetch::start(self.env.clone(), session.window_size);
        let mut held = None;
        let mut last_enquire = Instant::now();
        let mut last_reconcile = Instant::now();
        let mut checks = tokio::time::interval(CHECK_EVERY);
        checks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut in_flight = JoinSet::new();
        let ended = loop {
            while in_flight.try_join_next().is_some() {}
            if *self.stopped.borrow() {
                while in_flight.join_next().await.is_some() {}
                break Ended::Shutdown;
            }
            if session.is_closed() {
                break Ended::Lost;
            }
            if !self.alive(session, &mut last_enquire).await {
                break Ended::Lost;
            }
            if last_reconcile.elapsed() >= RECONCILE_EVERY {
                last_reconcile = Instant::now();
                self.reconcile().await;
            }
            let mut stopped = self.stopped.clone();
            tokio::select! {
                row = ready.next(), if held.is_none() => match row {
                    Some(row) => held = Some(row),
                    // The claimer is gone (it only ends when told to): start the link over.
                    None => break Ended::Lost,
                },
                _ = checks.tick() => {}
                () = session.closed() => break Ended::Lost,
                () = session.suspected() => continue,
                _ = stopped.wait_for(|s| *s) => {}
            }
            if held.is_some() {
                let Some(permit) = wait_for_room(session).await else {
                    break Ended::Lost;
                };
                if let Some(rate) = &self.rate {
                    rate.until_ready().await;
                }
                if session.is_suspect() {
                    // Nothing goes on a suspect session: the row waits for the probe (and, if
                    // the link is dead, goes back to the queue for a fresh one).
                    continue;
                }
                if let Some(row) = held.take() {
                    let submit = Submit::new(&self.env, session, &self.paused_until, row);
                    in_flight.spawn(submit.run(permit));
                }
            }
        };
        ready.release(held).await;
        // In-flight submits see the link error and requeue their rows themselves.
        in_flight.detach_all();
        ended
    }

    /// Whether the link is still usable: a suspect session is probed at once, then the link
    /// waits out a throttling pause, then the keep-alive runs when due (SMPP v5.0 §4.11.1: no
    /// answer means the link is dead).
    async fn alive(&self, session: &Session, last_enquire: &mut Instant) -> bool {
        if session.is_suspect() {
            if !self.probe(session).await {
                return false;
            }
            *last_enquire = Instant::now();
        }
        self.wait_if_paused().await;
        if last_enquire.elapsed() >= Duration::from_secs(self.env.cfg.enquire_link_secs) {
            if session.request(Pdu::EnquireLink).await.is_err() {
                return false;
            }
            *last_enquire = Instant::now();
        }
        true
    }

    /// SMPP v5.0 §4.11.1: an enquire_link at once after a response timeout. Answered: the link
    /// is alive and the session is trusted again. Unanswered within the response timeout: the
    /// SMSC is hung with the connection open; the session is closed (counted, logged) and its
    /// parts go back to the queue for a fresh session, so at most the window's parts that were
    /// outstanding when it hung are sent twice.
    async fn probe(&self, session: &Session) -> bool {
        match session.request(Pdu::EnquireLink).await {
            Ok(_) => {
                tracing::info!(
                    link = self.link,
                    "SMPP link answered the probe after a response timeout"
                );
                session.trust_again();
                true
            }
            Err(e) => {
                let link = self.link.to_string();
                metrics::counter!("pxgate_smpp_unresponsive_sessions_total", "link" => link).increment(1);
                tracing::warn!(link = self.link, error = %e, "SMPP session unresponsive: closing it");
                session.close();
                false
            }
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

    async fn wait_if_paused(&self) {
        let until = self.paused_until.load(Ordering::Relaxed);
        let now = tokio_ms();
        if until > now {
            tokio::time::sleep(Duration::from_millis(until - now)).await;
        }
    }
}

/// The node-wide cap on submit_sm, if configured: a tenth of a second's worth may go at once.
fn submit_rate(cfg: &SmppConfig) -> Option<Arc<DefaultDirectRateLimiter>> {
    let per_sec = NonZeroU32::new(cfg.max_submits_per_sec?)?;
    let burst = NonZeroU32::new(per_sec.get() / 10).unwrap_or(NonZeroU32::MIN);
    Some(Arc::new(RateLimiter::direct(
        Quota::per_second(per_sec).allow_burst(burst),
    )))
}

/// A place in the window (SMPP v5.0 §2.6), or `None` when the link closes first.
async fn wait_for_room(session: &Session) -> Option<tokio::sync::OwnedSemaphorePermit> {
    tokio::select! {
        permit = Arc::clone(&session.window).acquire_owned() => permit.ok(),
        () = session.closed() => None,
    }
}
