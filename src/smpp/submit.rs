//! One outbox row on its way to the SMSC: the submit_sm built from the row, the request on a bound
//! session within its window place, and what the answer means for the row (submitted, requeued
//! after a temporary error or a lost link, failed for good).

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rusmpp::pdus::{SubmitSm, SubmitSmResp};
use rusmpp::types::{COctetString, OctetString};
use rusmpp::values::{DataCoding, EsmClass, Npi, RegisteredDelivery, Ton};
use rusmpp::{CommandStatus, Pdu};
use tokio::time::Instant;

use super::Env;
use super::receipt::normalize_message_id;
use super::session::Session;
use crate::store::sms::OutboxRow;
use crate::store::sms::batch::SmsOutcome;

/// Pause of the whole link after ESME_RTHROTTLED / ESME_RMSGQFUL.
const THROTTLE_PAUSE: Duration = Duration::from_secs(1);
/// Wait before a part whose link failed (no response, connection lost) is claimed again.
const LINK_RETRY: Duration = Duration::from_millis(200);
/// Attempts before a part fails for good on temporary errors.
const MAX_ATTEMPTS: i64 = 10;

/// Milliseconds on the tokio clock since the first call (pausable in tests).
pub(super) fn tokio_ms() -> u64 {
    static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    let epoch = *EPOCH.get_or_init(Instant::now);
    u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// One row on its way to the SMSC.
pub(super) struct Submit {
    env: Env,
    session: Arc<Session>,
    paused_until: Arc<AtomicU64>,
    row: OutboxRow,
}

impl Submit {
    pub(super) fn new(
        env: &Env,
        session: &Arc<Session>,
        paused_until: &Arc<AtomicU64>,
        row: OutboxRow,
    ) -> Self {
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
    pub(super) async fn run(self, permit: tokio::sync::OwnedSemaphorePermit) {
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
