//! Drains the outbox over SMPP: one task per configured session, each an explicit link state
//! machine (`Disconnected` → `Binding` → `Bound`), claiming due rows, submitting them within the
//! window, and recording message ids. Rows claimed by a dispatcher that died are claimed again
//! once their claim runs out, so a restart resumes where the last run stopped.

use std::num::NonZeroU32;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use rusmpp::pdus::{SubmitSm, SubmitSmResp};
use rusmpp::types::{COctetString, OctetString};
use rusmpp::values::{DataCoding, EsmClass, Npi, RegisteredDelivery, Ton};
use rusmpp::{CommandStatus, Pdu};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::Env;
use super::config::SmppConfig;
use super::prefetch::Prefetch;
use super::receipt::normalize_message_id;
use super::session::Session;
use crate::domain::Clock;
use crate::outbox::Outbox;
use crate::store::sms::OutboxRow;
use crate::store::sms::SmsStore;
use crate::store::sms::batch::SmsOutcome;

/// How often a quiet link checks its keep-alive and kept receipts.
const CHECK_EVERY: Duration = Duration::from_millis(500);
/// Pause of the whole link after ESME_RTHROTTLED / ESME_RMSGQFUL.
const THROTTLE_PAUSE: Duration = Duration::from_secs(1);
/// How often kept early receipts are matched again (see `SmsStore::reconcile_receipts`).
const RECONCILE_EVERY: Duration = Duration::from_secs(5);
/// Wait before a part whose link failed (no response, connection lost) is claimed again.
const LINK_RETRY: Duration = Duration::from_millis(200);
/// Attempts before a part fails for good on temporary errors.
const MAX_ATTEMPTS: i64 = 10;

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
                Link::Binding { backoff } => match Session::open(self.env.clone()).await {
                    Ok(session) => {
                        tracing::info!(link = self.link, address = %self.env.cfg.address, "SMPP bound");
                        Link::Bound {
                            session: Arc::new(session),
                        }
                    }
                    Err(e) => {
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
            self.wait_if_paused().await;
            if last_enquire.elapsed() >= Duration::from_secs(self.env.cfg.enquire_link_secs) {
                // SMPP v5.0 §4.11.1: keep-alive; no answer means the link is dead.
                if session.request(Pdu::EnquireLink).await.is_err() {
                    break Ended::Lost;
                }
                last_enquire = Instant::now();
            }
            if last_reconcile.elapsed() >= RECONCILE_EVERY {
                last_reconcile = Instant::now();
                self.reconcile().await;
            }
            let mut stopped = self.stopped.clone();
            tokio::select! {
                row = ready.next() => match row {
                    Some(row) => held = Some(row),
                    // The claimer is gone (it only ends when told to): start the link over.
                    None => break Ended::Lost,
                },
                _ = checks.tick() => {}
                () = session.closed() => break Ended::Lost,
                _ = stopped.wait_for(|s| *s) => {}
            }
            if held.is_some() {
                let Some(permit) = wait_for_room(session).await else {
                    break Ended::Lost;
                };
                if let Some(rate) = &self.rate {
                    rate.until_ready().await;
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

    async fn reconcile(&self) {
        let now = self.env.now_ms();
        if let Err(e) = self.env.store.reconcile_receipts(now).await {
            tracing::warn!(error = %e, "matching kept receipts failed");
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

/// Milliseconds on the tokio clock since the first call (pausable in tests).
fn tokio_ms() -> u64 {
    static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    let epoch = *EPOCH.get_or_init(Instant::now);
    u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// One row on its way to the SMSC.
struct Submit {
    env: Env,
    session: Arc<Session>,
    paused_until: Arc<AtomicU64>,
    row: OutboxRow,
}

impl Submit {
    fn new(env: &Env, session: &Arc<Session>, paused_until: &Arc<AtomicU64>, row: OutboxRow) -> Self {
        Self {
            env: env.clone(),
            session: Arc::clone(session),
            paused_until: Arc::clone(paused_until),
            row,
        }
    }

    /// Submits, then records the answer. `permit` is a place in the window, held until the
    /// answer is stored: a part whose response is in but not yet stored is sent again after a
    /// crash (at-least-once; its row stays `sending`), so holding the place bounds those parts, and
    /// with them the duplicates a crash or a hung SMSC can cause, by the window.
    async fn run(self, permit: tokio::sync::OwnedSemaphorePermit) {
        let _place = permit;
        let outcome = match build_submit(&self.row) {
            Ok(pdu) => self.session.request(pdu).await,
            Err(why) => return self.fail(&why).await,
        };
        match outcome {
            Ok(resp) if resp.status() == CommandStatus::EsmeRok => {
                let raw = match resp.pdu() {
                    Some(Pdu::SubmitSmResp(r)) => message_id(r),
                    _ => String::new(),
                };
                let smsc_id = normalize_message_id(&raw);
                let submitted = SmsOutcome::Submitted {
                    id: self.row.id,
                    smsc_id,
                    raw,
                };
                // A failure is logged by the writer; the claim runs out and the part goes again.
                let now = self.env.now_ms();
                let _ = self.env.outbox.record(submitted, now).await;
            }
            Ok(resp) => self.refused(resp.status()).await,
            Err(e) => self.retry(&e, LINK_RETRY, false).await,
        }
    }

    /// SMPP v5.0 §4.7.6 / Table 5-2: throttling and queue-full are the link's problem (pause
    /// it, keep the part); other refusals are final except the system error.
    async fn refused(self, status: CommandStatus) {
        match status {
            CommandStatus::EsmeRthrottled | CommandStatus::EsmeRmsgqful => {
                let until = tokio_ms() + u64::try_from(THROTTLE_PAUSE.as_millis()).unwrap_or(1000);
                self.paused_until.fetch_max(until, Ordering::Relaxed);
                self.retry(&format!("{status:?}"), THROTTLE_PAUSE, false).await;
            }
            CommandStatus::EsmeRsyserr | CommandStatus::EsmeRxTAppn => {
                self.retry(&format!("{status:?}"), Duration::from_secs(2), true)
                    .await;
            }
            other => self.fail(&format!("{other:?}")).await,
        }
    }

    /// Back to the queue. A temporary refusal by the SMSC (`counted`) waits longer with every
    /// attempt and fails the part after [`MAX_ATTEMPTS`]; a lost link or throttling is not the
    /// part's fault: it waits `base` and is never given up (nothing accepted is lost).
    async fn retry(self, why: &(impl std::fmt::Display + ?Sized), base: Duration, counted: bool) {
        if counted && self.row.attempts >= MAX_ATTEMPTS {
            let why = format!("gave up after {} attempts: {why}", self.row.attempts);
            return self.fail(&why).await;
        }
        let now = self.env.now_ms();
        let factor = if counted {
            1i64 << self.row.attempts.clamp(1, 6)
        } else {
            2
        };
        let delay = i64::try_from(base.as_millis()).unwrap_or(1000) * factor / 2;
        let store = self.env.store;
        if let Err(e) = store
            .requeue_sms(self.row.id, now + delay, &why.to_string(), now)
            .await
        {
            tracing::error!(error = %e, row = self.row.id, "requeueing an SMS failed");
        }
    }

    async fn fail(self, why: &str) {
        tracing::warn!(row = self.row.id, why, "SMS part failed");
        let now = self.env.now_ms();
        if let Err(e) = self.env.store.fail_sms(self.row.id, why, now).await {
            tracing::error!(error = %e, row = self.row.id, "marking an SMS failed did not work");
        }
    }
}

fn message_id(r: &SubmitSmResp) -> String {
    String::from_utf8_lossy(r.message_id().as_ref())
        .trim_end_matches('\0')
        .to_owned()
}

/// The submit_sm of a row: international ISDN destination, alphanumeric or numeric sender.
fn build_submit(row: &OutboxRow) -> Result<SubmitSm, String> {
    let text = |s: &str| COctetString::from_str(s).map_err(|e| format!("address {s:?}: {e}"));
    let destination = row.address.trim_start_matches('+');
    let numeric = row.sender.chars().all(|c| c.is_ascii_digit());
    let (src_ton, src_npi) = if numeric {
        (Ton::Unknown, Npi::Isdn)
    } else {
        (Ton::Alphanumeric, Npi::Unknown)
    };
    let body = OctetString::from_slice(&row.body).map_err(|e| format!("short_message: {e}"))?;
    let byte = |v: i64| u8::try_from(v).map_err(|_| format!("value {v} out of range"));
    Ok(SubmitSm::builder()
        .source_addr_ton(src_ton)
        .source_addr_npi(src_npi)
        .source_addr(text(&row.sender)?)
        .dest_addr_ton(Ton::International)
        .dest_addr_npi(Npi::Isdn)
        .destination_addr(text(destination)?)
        .esm_class(EsmClass::from(byte(row.esm_class)?))
        .registered_delivery(RegisteredDelivery::from(if row.receipt != 0 { 1 } else { 0 }))
        .data_coding(DataCoding::from(byte(row.data_coding)?))
        .short_message(body)
        .build())
}
