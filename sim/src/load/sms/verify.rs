//! What `soap-sms` checks besides the answers: the simulator's counters while sending (submit_sm
//! per second) and after (the drain), `getSmsDeliveryStatus` for a sample, and the gateway's
//! resident memory.

use std::time::{Duration, Instant};

use super::{GatewayLoadError, Shared, Target, result_text, security_header};
use crate::stats::Stats;

/// How often the drain polls the simulator.
const POLL: Duration = Duration::from_millis(100);

/// `GET /stats` of the simulator.
pub(super) async fn sim_stats(client: &reqwest::Client, smsc: &str) -> Result<Stats, GatewayLoadError> {
    let body = client
        .get(format!("{smsc}/stats"))
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    serde_json::from_str(&body).map_err(|e| GatewayLoadError::Manifest(format!("simulator /stats: {e}")))
}

fn submitted(s: &Stats) -> u64 {
    s.pdus_received.get("submit_sm").copied().unwrap_or(0)
}

fn receipts_answered(s: &Stats) -> u64 {
    s.pdus_received.get("deliver_sm_resp").copied().unwrap_or(0)
}

/// submit_sm the simulator received in each whole second until `deadline`.
pub(super) async fn sample_rates(client: reqwest::Client, smsc: String, deadline: Instant) -> Vec<u64> {
    let mut rates = Vec::new();
    let Ok(mut last) = sim_stats(&client, &smsc).await else {
        return rates;
    };
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.tick().await;
    loop {
        tick.tick().await;
        if Instant::now() > deadline {
            return rates;
        }
        if let Ok(now) = sim_stats(&client, &smsc).await {
            rates.push(submitted(&now).saturating_sub(submitted(&last)));
            last = now;
        }
    }
}

/// How the gateway caught up after the last request.
#[derive(Debug, Default)]
pub(super) struct Drained {
    /// submit_sm received during the run and the drain (resubmissions included).
    submitted: u64,
    /// submit_sm received by the end of sending.
    submitted_while_sending: u64,
    /// Receipts the simulator sent, and deliver_sm_resp it got back.
    receipts_sent: u64,
    receipts_answered: u64,
    /// From the end of sending until submit_sm ≥ accepted (None: not within the timeout).
    submit_drain: Option<Duration>,
    /// … until every receipt for an accepted message was sent and answered.
    receipt_drain: Option<Duration>,
}

impl Drained {
    /// Report lines: counts, rates (per second), drain times (ms; `u64::MAX` = not drained).
    pub(super) fn counters(&self, rates: &[u64], elapsed: Duration) -> Vec<(&'static str, u64)> {
        let ms =
            |d: Option<Duration>| d.map_or(u64::MAX, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let secs = elapsed.as_secs_f64().max(f64::EPSILON);
        // Whole seconds after the first (which starts cold) and before the last (the tail).
        let steady = rates.get(1..rates.len().saturating_sub(1)).unwrap_or_default();
        vec![
            ("submitted", self.submitted),
            (
                "submit/s",
                (self.submitted_while_sending as f64 / secs).round() as u64,
            ),
            ("submit/s min", steady.iter().copied().min().unwrap_or(0)),
            ("receipts", self.receipts_sent),
            ("receipts ok", self.receipts_answered),
            ("drain ms", ms(self.submit_drain)),
            ("receipts ms", ms(self.receipt_drain)),
        ]
    }
}

/// Waits until the simulator has a submit_sm for every accepted message, a receipt for each, and
/// a deliver_sm_resp for every receipt (the gateway answers one only once it stored it).
pub(super) async fn drain(
    client: &reqwest::Client,
    shared: &Shared,
    before: &Stats,
    accepted: u64,
    _sending: Duration,
) -> Result<Drained, GatewayLoadError> {
    let smsc = &shared.target.smsc;
    let start = Instant::now();
    let mut out = Drained::default();
    let mut first = true;
    loop {
        let now = sim_stats(client, smsc).await?;
        out.submitted = submitted(&now).saturating_sub(submitted(before));
        out.receipts_sent = now.receipts_sent.saturating_sub(before.receipts_sent);
        out.receipts_answered = receipts_answered(&now).saturating_sub(receipts_answered(before));
        if first {
            out.submitted_while_sending = out.submitted;
            first = false;
        }
        if out.submit_drain.is_none() && out.submitted >= accepted {
            out.submit_drain = Some(start.elapsed());
        }
        if out.receipts_sent >= accepted && out.receipts_answered >= out.receipts_sent {
            out.receipt_drain = Some(start.elapsed());
            return Ok(out);
        }
        if start.elapsed() > shared.args.drain_timeout {
            return Ok(out);
        }
        tokio::time::sleep(POLL).await;
    }
}

/// How many of `sample`'s requests `getSmsDeliveryStatus` reports DeliveredToTerminal.
pub(super) async fn delivery_status(client: &reqwest::Client, t: &Target, sample: &[String]) -> u64 {
    let mut delivered = 0;
    for (seq, id) in (u64::MAX / 2..).zip(sample) {
        let body = format!(
            r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:loc="http://www.csapi.org/schema/parlayx/sms/send/v2_2/local">{}<soapenv:Body><loc:getSmsDeliveryStatus><loc:requestIdentifier>{id}</loc:requestIdentifier></loc:getSmsDeliveryStatus></soapenv:Body></soapenv:Envelope>"#,
            security_header(t, seq)
        );
        let answer = client
            .post(&t.endpoint)
            .header("content-type", "text/xml; charset=utf-8")
            .header("soapaction", "\"\"")
            .body(body)
            .send()
            .await;
        let Ok(answer) = answer else { continue };
        let text = answer.text().await.unwrap_or_default();
        if result_text(&text).is_some() && text.contains("DeliveredToTerminal") {
            delivered += 1;
        }
    }
    delivered
}

/// VmRSS and VmHWM (peak) of `pid`, in MB.
pub(super) fn memory(pid: u32) -> Vec<(&'static str, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    vec![
        ("rss MB", kb("VmRSS:") / 1024),
        ("rss peak MB", kb("VmHWM:") / 1024),
    ]
}
