//! Drains the outbox over SMPP: the router (`router.rs`) claims due rows and queues each on a link
//! of its route; every link runs its configured sessions, each an explicit state machine
//! (`Disconnected` → `Binding` → `Bound`) submitting its link's queued rows within the window and
//! recording message ids. A link bound as a transmitter + receiver pair runs a receiving session
//! beside each transmitting one. Rows claimed by a dispatcher that died are claimed again once
//! their claim runs out, so a restart resumes where the last run stopped.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use rusmpp::Pdu;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::Env;
use super::config::{BindMode, SmppConfig};
use super::links::{Link, Links};
use super::router::{Router, put_back};
use super::session::{Role, Session};
use super::submit::{Submit, tokio_ms};
use crate::domain::Clock;
use crate::outbox::Outbox;
use crate::store::sms::SmsStore;

/// How often a quiet link checks its keep-alive.
const CHECK_EVERY: Duration = Duration::from_millis(500);

/// The running dispatcher; [`Dispatcher::shutdown`] unbinds every session.
pub struct Dispatcher {
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

/// Starts the router and every link's sessions (`links`: made from the same `cfg` by
/// [`Links::new`], shared with the operators' status). The gateway starts and accepts without an
/// SMSC: the links keep retrying with back-off while messages wait in the outbox.
pub fn spawn(
    cfg: SmppConfig,
    links: Links,
    outbox: Outbox,
    store: Arc<dyn SmsStore>,
    clock: Arc<dyn Clock>,
) -> Dispatcher {
    let env = Env {
        cfg: Arc::new(cfg),
        outbox,
        store,
        clock,
    };
    let (stop, stopped) = watch::channel(false);
    let mut tasks = JoinSet::new();
    for link in links.all() {
        let rate = submit_rate(&link.cfg);
        let roles: &[Role] = match link.cfg.bind {
            BindMode::Transceiver => &[Role::Transceiver],
            BindMode::TransmitterReceiver => &[Role::Transmitter, Role::Receiver],
        };
        for session in 0..link.cfg.sessions {
            for role in roles {
                let worker = Worker {
                    rate: rate.clone(),
                    env: env.clone(),
                    link: Arc::clone(link),
                    stopped: stopped.clone(),
                    session,
                    role: *role,
                };
                tasks.spawn(worker.run());
            }
        }
    }
    let router = Router { env, links, stopped };
    tasks.spawn(router.run());
    Dispatcher { stop, tasks }
}

impl Dispatcher {
    /// Stops claiming, unbinds (SMPP v5.0 §4.2.1) and waits for the links to finish.
    pub async fn shutdown(mut self) {
        self.stop.send_replace(true);
        while self.tasks.join_next().await.is_some() {}
    }
}

/// The life of one session (STYLE.md rule 8: data lives in the variant).
enum State {
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

/// One session of a link.
struct Worker {
    env: Env,
    link: Arc<Link>,
    /// The link's `max_submits_per_sec`, shared by its sessions.
    rate: Option<Arc<DefaultDirectRateLimiter>>,
    stopped: watch::Receiver<bool>,
    /// The session's number in its link (0 … `sessions` − 1).
    session: u32,
    role: Role,
}

/// The wait before the next bind attempt after one that failed after waiting `backoff`: doubled,
/// at most `max` (`[smpp] reconnect_max_ms`, 2 s by default, so a link is back within about
/// that long after its SMSC is).
pub(super) fn next_backoff(backoff: Duration, max: Duration) -> Duration {
    (backoff * 2).min(max)
}

impl Worker {
    async fn run(mut self) {
        let min = Duration::from_millis(self.link.cfg.reconnect_min_ms);
        let max = Duration::from_millis(self.link.cfg.reconnect_max_ms);
        let (link, session) = (self.link.name().to_owned(), self.session);
        let mut state = State::Binding { backoff: min };
        loop {
            state = match state {
                // Disconnected → Binding: the back-off has passed (or stop: end).
                State::Disconnected { backoff } => {
                    let mut stopped = self.stopped.clone();
                    tokio::select! {
                        () = tokio::time::sleep(backoff) => State::Binding { backoff },
                        _ = stopped.wait_for(|s| *s) => return,
                    }
                }
                // Binding → Bound on bind_resp ESME_ROK; → Disconnected with the next back-off.
                State::Binding { backoff } => {
                    match Session::open(self.env.clone(), Arc::clone(&self.link), self.session, self.role)
                        .await
                    {
                        Ok(bound) => {
                            tracing::info!(link, session, role = ?self.role, address = %self.link.cfg.address, "SMPP bound");
                            super::metrics::bound(&link, session, self.role, true, Some("ok"));
                            if self.role.transmits() {
                                self.link.set_bound(true);
                            }
                            State::Bound {
                                session: Arc::new(bound),
                            }
                        }
                        Err(e) => {
                            super::metrics::bound(&link, session, self.role, false, Some("failed"));
                            let backoff = next_backoff(backoff, max);
                            tracing::warn!(link, session, role = ?self.role, error = %e, retry_in = ?backoff, "SMPP bind failed");
                            State::Disconnected { backoff }
                        }
                    }
                }
                // Bound → Disconnected when the link is lost (back-off starts over); stop: unbind.
                State::Bound { session: bound } => {
                    let ended = self.serve(&bound).await;
                    if self.role.transmits() {
                        self.link.set_bound(false);
                    }
                    match ended {
                        Ended::Shutdown => {
                            bound.unbind().await;
                            return;
                        }
                        Ended::Lost => {
                            // In-flight submits get a link error now and requeue their parts.
                            bound.close();
                            super::metrics::bound(&link, session, self.role, false, None);
                            tracing::warn!(link, session, role = ?self.role, "SMPP link lost");
                            State::Disconnected { backoff: min }
                        }
                    }
                }
            };
        }
    }

    /// Submits the rows the router queues for this link, in queue order (the writer queue keeps
    /// that order on the wire), within the window, until the link is lost or the gateway stops.
    /// A receiving session only keeps its link alive: what it receives is the reader's.
    async fn serve(&mut self, session: &Arc<Session>) -> Ended {
        let transmits = self.role.transmits();
        let parts = self.link.parts.clone();
        let mut held = None;
        let mut last_enquire = Instant::now();
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
            let mut stopped = self.stopped.clone();
            tokio::select! {
                row = parts.recv_async(), if transmits && held.is_none() => match row {
                    Ok(row) => held = Some(row),
                    // The link's queue is gone (never while the links live): start over.
                    Err(_) => break Ended::Lost,
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
                    let submit = Submit::new(&self.env, &self.link, session, row);
                    in_flight.spawn(submit.run(permit));
                }
            }
        };
        put_back(
            &self.env,
            held.into_iter().collect(),
            "link ended before the part was submitted",
        )
        .await;
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
        if last_enquire.elapsed() >= Duration::from_secs(self.link.cfg.enquire_link_secs) {
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
                    link = self.link.name(),
                    session = self.session,
                    "SMPP link answered the probe after a response timeout"
                );
                session.trust_again();
                true
            }
            Err(e) => {
                super::metrics::unresponsive(self.link.name(), self.session);
                tracing::warn!(link = self.link.name(), session = self.session, error = %e, "SMPP session unresponsive: closing it");
                session.close();
                false
            }
        }
    }

    async fn wait_if_paused(&self) {
        let until = self.link.paused_until.load(Ordering::Relaxed);
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
