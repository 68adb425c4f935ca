//! One outbox row on its way to the SMSC: the submit_sm built from the row, the request on a bound
//! session within its window place, and what the answer means for the row (submitted, requeued
//! after a temporary error or a lost link, failed for good).

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use rusmpp::pdus::{SubmitSm, SubmitSmResp};
use rusmpp::types::{COctetString, EmptyOrFullCOctetString, OctetString};
use rusmpp::values::{DataCoding, EsmClass, Npi, RegisteredDelivery, Ton};
use rusmpp::{CommandStatus, Pdu};
use tokio::time::Instant;

use super::config::Dcs0Alphabet;
use super::links::Link;
use super::session::Session;
use super::{Env, SmppConfig};
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
    link: Arc<Link>,
    session: Arc<Session>,
    row: OutboxRow,
}

impl Submit {
    pub(super) fn new(env: &Env, link: &Arc<Link>, session: &Arc<Session>, row: OutboxRow) -> Self {
        Self {
            env: env.clone(),
            link: Arc::clone(link),
            session: Arc::clone(session),
            row,
        }
    }

    /// Submits, then records the answer. `permit` is a place in the window, held until the
    /// answer is stored: a part whose response is in but not yet stored is sent again after a
    /// crash (at-least-once; its row stays `sending`), so holding the place bounds those parts, and
    /// with them the duplicates a crash or a hung SMSC can cause, by the window.
    pub(super) async fn run(self, permit: tokio::sync::OwnedSemaphorePermit) {
        let _place = permit;
        let link = Arc::clone(&self.link);
        let in_use = link.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        super::metrics::window_in_use(link.name(), in_use);
        let outcome = match build_submit(&self.row, &link.cfg) {
            Ok(pdu) => self.session.request(pdu).await,
            Err(why) => {
                link.in_flight.fetch_sub(1, Ordering::Relaxed);
                return self.fail(&why).await;
            }
        };
        let in_use = link.in_flight.fetch_sub(1, Ordering::Relaxed).saturating_sub(1);
        super::metrics::window_in_use(link.name(), in_use);
        let answer = outcome.as_ref().map_or_else(
            |_| "no_response".to_owned(),
            |resp| super::metrics::status_name(resp.status()),
        );
        super::metrics::submitted(link.name(), &answer);
        match outcome {
            Ok(resp) if resp.status() == CommandStatus::EsmeRok => {
                let raw = match resp.pdu() {
                    Some(Pdu::SubmitSmResp(r)) => message_id(r),
                    _ => String::new(),
                };
                let smsc_id = link.message_id(&raw, false);
                let submitted = SmsOutcome::Submitted {
                    id: self.row.id,
                    smsc_id,
                    raw,
                };
                // A failure is logged by the writer; the claim runs out and the part goes again.
                let now = self.env.now_ms();
                let _ = self.env.outbox.record(submitted, now).await;
            }
            Ok(resp) => {
                let status = resp.status();
                self.refused(status, &answer).await;
            }
            Err(e) => self.retry(&e, LINK_RETRY, false).await,
        }
    }

    /// SMPP v5.0 §4.7.6 / Table 5-2: throttling and queue-full are the link's problem (pause
    /// it: the router gives its parts to another link of their route meanwhile; keep the part);
    /// other refusals are final, with the SMSC's status as the part's error, except the system
    /// error.
    async fn refused(self, status: CommandStatus, name: &str) {
        match status {
            CommandStatus::EsmeRthrottled | CommandStatus::EsmeRmsgqful => {
                let until = tokio_ms() + u64::try_from(THROTTLE_PAUSE.as_millis()).unwrap_or(1000);
                self.link.paused_until.fetch_max(until, Ordering::Relaxed);
                self.retry(name, THROTTLE_PAUSE, false).await;
            }
            CommandStatus::EsmeRsyserr | CommandStatus::EsmeRxTAppn => {
                self.retry(name, Duration::from_secs(2), true).await;
            }
            _ => {
                let why = format!("the SMSC refused it: {name} on link {}", self.link.name());
                self.fail(&why).await;
            }
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

/// Longest numeric sender that is a short code rather than a number.
const MAX_SHORT_CODE: usize = 8;

/// TON and NPI of `sender` (SMPP v3.4 §5.2.5, §5.2.6): alphanumeric 5/0, a short code 0/1, a
/// longer number 1/1 (international).
fn sender_ton_npi(sender: &str) -> (u8, u8) {
    let digits = sender.strip_prefix('+').unwrap_or(sender);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        (5, 0)
    } else if digits.len() <= MAX_SHORT_CODE && !sender.starts_with('+') {
        (0, 1)
    } else {
        (1, 1)
    }
}

/// `secs` as a relative validity_period, `YYMMDDhhmmss000R` (SMPP v3.4 §7.1.1.2); years of 365
/// days, months of 30.
fn relative_validity(secs: u64) -> String {
    let (years, rest) = (secs / (365 * 86_400), secs % (365 * 86_400));
    let (months, rest) = (rest / (30 * 86_400), rest % (30 * 86_400));
    let (days, rest) = (rest / 86_400, rest % 86_400);
    let (hours, rest) = (rest / 3_600, rest % 3_600);
    let (minutes, seconds) = (rest / 60, rest % 60);
    format!("{years:02}{months:02}{days:02}{hours:02}{minutes:02}{seconds:02}000R")
}

/// The submit_sm of a row, with the link's `[smpp]` addressing, receipt and validity settings.
fn build_submit(row: &OutboxRow, cfg: &SmppConfig) -> Result<SubmitSm, String> {
    let text = |s: &str| COctetString::from_str(s).map_err(|e| format!("address {s:?}: {e}"));
    let destination = row.address.trim_start_matches('+');
    let sender = row.sender.trim_start_matches('+');
    let (auto_ton, auto_npi) = sender_ton_npi(&row.sender);
    let byte = |v: i64| u8::try_from(v).map_err(|_| format!("value {v} out of range"));
    let (esm_class, data_coding) = (byte(row.esm_class)?, byte(row.data_coding)?);
    let body = match (data_coding, cfg.dcs0_alphabet) {
        (0, Dcs0Alphabet::Latin1 | Dcs0Alphabet::Ascii) => {
            alt_charset(&row.body, esm_class & sms_text::ESM_UDHI != 0, cfg.dcs0_alphabet)
        }
        _ => row.body.clone(),
    };
    let body = OctetString::from_vec(body).map_err(|e| format!("short_message: {e}"))?;
    let receipt = if row.receipt == 0 {
        0
    } else {
        cfg.registered_delivery
    };
    let mut submit = SubmitSm::builder()
        .source_addr_ton(Ton::from(cfg.source_ton.unwrap_or(auto_ton)))
        .source_addr_npi(Npi::from(cfg.source_npi.unwrap_or(auto_npi)))
        .source_addr(text(sender)?)
        .dest_addr_ton(Ton::from(cfg.dest_ton.unwrap_or(1)))
        .dest_addr_npi(Npi::from(cfg.dest_npi.unwrap_or(1)))
        .destination_addr(text(destination)?)
        .esm_class(EsmClass::from(esm_class))
        .registered_delivery(RegisteredDelivery::from(receipt))
        .data_coding(DataCoding::from(data_coding))
        .short_message(body);
    if let Some(secs) = cfg.validity_secs {
        let period = EmptyOrFullCOctetString::from_str(&relative_validity(secs))
            .map_err(|e| format!("validity_period: {e}"))?;
        submit = submit.validity_period(period);
    }
    Ok(submit.build())
}

/// A data_coding 0 part (GSM 03.38 septets, one per octet, after its UDH) rewritten in the
/// alphabet the SMSC means by data_coding 0; a character that alphabet lacks becomes `?`.
fn alt_charset(body: &[u8], udh: bool, alphabet: Dcs0Alphabet) -> Vec<u8> {
    let septets = if udh { sms_text::split_udh(body).1 } else { body };
    let header = &body[..body.len() - septets.len()];
    let max = if alphabet == Dcs0Alphabet::Ascii {
        0x7F
    } else {
        0xFF
    };
    let text = sms_text::gsm0338::decode_unpacked(septets);
    let octet = |c: char| {
        u8::try_from(u32::from(c))
            .ok()
            .filter(|b| *b <= max)
            .unwrap_or(b'?')
    };
    header.iter().copied().chain(text.chars().map(octet)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(sender: &str) -> OutboxRow {
        OutboxRow {
            id: 1,
            request_id: "r".to_owned(),
            sender: sender.to_owned(),
            address: "+821012345678".to_owned(),
            part_no: 1,
            data_coding: 0,
            esm_class: 0,
            body: b"hi".to_vec(),
            receipt: 1,
            attempts: 1,
        }
    }

    #[test]
    fn senders_are_addressed_by_kind() {
        assert_eq!(sender_ton_npi("1588"), (0, 1), "a short code");
        assert_eq!(sender_ton_npi("15881234"), (0, 1));
        assert_eq!(sender_ton_npi("821012345678"), (1, 1), "a number");
        assert_eq!(sender_ton_npi("+1588"), (1, 1), "written as international");
        assert_eq!(sender_ton_npi("PXSHOP"), (5, 0), "alphanumeric");
    }

    #[test]
    fn validity_is_written_relative() {
        assert_eq!(relative_validity(90_061), "000001010101000R");
        assert_eq!(relative_validity(400 * 86_400), "010105000000000R");
    }

    #[test]
    fn link_settings_shape_the_submit() {
        let default = build_submit(&row("1588"), &SmppConfig::default()).unwrap();
        assert_eq!(
            (
                u8::from(default.source_addr_ton),
                u8::from(default.source_addr_npi)
            ),
            (0, 1)
        );
        assert_eq!(
            (u8::from(default.dest_addr_ton), u8::from(default.dest_addr_npi)),
            (1, 1)
        );
        assert_eq!(
            default.validity_period.as_ref(),
            b"\0",
            "empty: the SMSC's default"
        );
        let cfg = SmppConfig {
            source_ton: Some(3),
            source_npi: Some(9),
            dest_ton: Some(2),
            dest_npi: Some(8),
            validity_secs: Some(3_600),
            ..SmppConfig::default()
        };
        let set = build_submit(&row("+821099990000"), &cfg).unwrap();
        assert_eq!(
            (u8::from(set.source_addr_ton), u8::from(set.source_addr_npi)),
            (3, 9)
        );
        assert_eq!((u8::from(set.dest_addr_ton), u8::from(set.dest_addr_npi)), (2, 8));
        assert_eq!(set.source_addr.as_ref(), b"821099990000\0");
        assert_eq!(set.validity_period.as_ref(), b"000000010000000R\0");
    }

    /// An SMSC that reads data_coding 0 as Latin-1 gets Latin-1 octets; the UDH is kept.
    #[test]
    fn data_coding_0_is_written_in_the_smscs_alphabet() {
        let mut r = row("1588");
        r.body = sms_text::gsm0338::encode_unpacked("café €5").unwrap();
        let latin1 = SmppConfig {
            dcs0_alphabet: Dcs0Alphabet::Latin1,
            ..SmppConfig::default()
        };
        let sent = build_submit(&r, &latin1).unwrap();
        assert_eq!(sent.short_message().as_ref(), b"caf\xe9 ?5");
        let ascii = SmppConfig {
            dcs0_alphabet: Dcs0Alphabet::Ascii,
            ..SmppConfig::default()
        };
        assert_eq!(
            build_submit(&r, &ascii).unwrap().short_message().as_ref(),
            b"caf? ?5"
        );
        let gsm = build_submit(&r, &SmppConfig::default()).unwrap();
        assert_eq!(gsm.short_message().as_ref(), r.body.as_slice(), "GSM: as stored");
        let udh = [5, 0, 3, 7, 2, 1];
        r.esm_class = 0x40;
        r.body = udh
            .iter()
            .copied()
            .chain(sms_text::gsm0338::encode_unpacked("é").unwrap())
            .collect();
        let sent = build_submit(&r, &latin1).unwrap();
        assert_eq!(sent.short_message().as_ref(), &[5, 0, 3, 7, 2, 1, 0xE9]);
    }

    #[test]
    fn the_receipt_mask_is_the_links() {
        let cfg = SmppConfig {
            registered_delivery: 0x11,
            ..SmppConfig::default()
        };
        assert_eq!(
            u8::from(build_submit(&row("1588"), &cfg).unwrap().registered_delivery),
            0x11
        );
        let mut none = row("1588");
        none.receipt = 0;
        assert_eq!(
            u8::from(build_submit(&none, &cfg).unwrap().registered_delivery),
            0
        );
    }

    #[test]
    fn settings_are_checked() {
        let mut errors = Vec::new();
        SmppConfig {
            interface_version: "4.0".to_owned(),
            system_type: "x".repeat(13),
            source_ton: Some(7),
            validity_secs: Some(200_000),
            ..SmppConfig::default()
        }
        .check(&mut errors);
        let joined = errors.join("\n");
        for key in [
            "interface_version",
            "system_type",
            "source_ton",
            "receipt_wait_secs",
        ] {
            assert!(joined.contains(&format!("smpp.{key}")), "{key}: {joined}");
        }
    }
}
