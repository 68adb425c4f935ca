//! The dashboard's numbers: the gateway's own Prometheus metrics, read in-process once a second
//! and kept for the last [`KEEP`] samples. Rates are the difference of two readings of a counter
//! over the time between them; nothing is estimated.
//!
//! Read: `pxgate_calls_total{operation,outcome}` (framework: charges, SMS accepted, refusals by
//! outcome), `pxgate_http_request_duration_seconds` (the p99 of the requests answered between two
//! readings, from the histogram's buckets), `pxgate_sms_outbox_pending_parts`,
//! `pxgate_callbacks_pending{app}`, and per SMPP link `pxgate_smpp_link_up`,
//! `pxgate_smpp_window_in_use` and `pxgate_smpp_submits_total{status}` (throttled answers).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use metrics_exporter_prometheus::PrometheusHandle;
use tokio_util::sync::CancellationToken;

/// How often the metrics are read.
pub(super) const EVERY: Duration = Duration::from_secs(1);
/// How many samples are kept: five minutes.
pub(super) const KEEP: usize = 300;

/// One reading, as rates over the second before it and levels at it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Sample {
    /// When, ms since the epoch.
    pub(super) at_ms: i64,
    /// Seconds since the reading before.
    pub(super) secs: f64,
    /// Successful charges (`*.chargeAmount`, `*.chargeVolume`, `*.chargeReservation`) per second.
    pub(super) charges: f64,
    /// SMS accepted (`SendSms.sendSms` answered ok) per second.
    pub(super) sms: f64,
    /// Calls refused or failed, per second, by outcome.
    pub(super) refusals: BTreeMap<String, f64>,
    /// The 99th percentile of request latency in the interval (the bucket's upper bound), ms.
    pub(super) p99_ms: Option<f64>,
    /// SMS parts waiting for the SMSC.
    pub(super) outbox: f64,
    /// Callbacks waiting for applications' endpoints.
    pub(super) callbacks: f64,
    /// Per SMPP link: bound, window in use, throttled answers per second.
    pub(super) links: BTreeMap<String, Link>,
}

impl Sample {
    /// All refusals per second.
    pub(super) fn refused(&self) -> f64 {
        self.refusals.values().sum()
    }
}

/// One SMPP link at a sample.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Link {
    pub(super) up: bool,
    pub(super) window: f64,
    pub(super) throttled: f64,
}

/// The samples kept, oldest first.
#[derive(Default)]
pub(super) struct Samples {
    kept: Mutex<VecDeque<Sample>>,
}

impl Samples {
    /// The samples, oldest first.
    pub(super) fn all(&self) -> Vec<Sample> {
        self.lock().iter().cloned().collect()
    }

    fn push(&self, sample: Sample) {
        let mut kept = self.lock();
        if kept.len() == KEEP {
            kept.pop_front();
        }
        kept.push_back(sample);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Sample>> {
        self.kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// One series of the exposition: its labels and its value.
type Series = Vec<(BTreeMap<String, String>, f64)>;

/// The Prometheus text exposition read back: series by metric name.
#[derive(Debug, Default)]
pub(super) struct Reading(HashMap<String, Series>);

impl Reading {
    /// Parses the text format (`name{a="b",…} value`), skipping comments and anything else.
    pub(super) fn parse(text: &str) -> Self {
        let mut map: HashMap<String, Series> = HashMap::new();
        for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
            let Some((series, value)) = line.rsplit_once(' ') else {
                continue;
            };
            let Ok(value) = value.parse::<f64>() else { continue };
            let (name, labels) = match series.split_once('{') {
                Some((name, rest)) => (name, labels(rest.trim_end_matches('}'))),
                None => (series, BTreeMap::new()),
            };
            map.entry(name.to_owned()).or_default().push((labels, value));
        }
        Self(map)
    }

    fn series(&self, name: &str) -> &[(BTreeMap<String, String>, f64)] {
        self.0.get(name).map_or(&[], Vec::as_slice)
    }

    /// The sum of `name`'s series whose labels pass `keep`.
    fn sum(&self, name: &str, keep: impl Fn(&BTreeMap<String, String>) -> bool) -> f64 {
        self.series(name)
            .iter()
            .filter(|(l, _)| keep(l))
            .map(|(_, v)| v)
            .sum()
    }

    /// `name`'s series summed by the value of `label`.
    fn by(
        &self,
        name: &str,
        label: &str,
        keep: impl Fn(&BTreeMap<String, String>) -> bool,
    ) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        for (labels, v) in self.series(name).iter().filter(|(l, _)| keep(l)) {
            let key = labels.get(label).cloned().unwrap_or_default();
            *out.entry(key).or_insert(0.0) += v;
        }
        out
    }
}

/// `a="b",c="d"` → {a: b, c: d} (label values here never hold quotes or commas).
fn labels(text: &str) -> BTreeMap<String, String> {
    text.split("\",")
        .filter_map(|pair| pair.split_once("=\""))
        .map(|(k, v)| (k.to_owned(), v.trim_end_matches('"').to_owned()))
        .collect()
}

fn is_charge(labels: &BTreeMap<String, String>) -> bool {
    let op = labels.get("operation").map_or("", String::as_str);
    labels.get("outcome").is_some_and(|o| o == "ok")
        && [".chargeAmount", ".chargeVolume", ".chargeReservation"]
            .iter()
            .any(|s| op.ends_with(s))
}

fn is_sms(labels: &BTreeMap<String, String>) -> bool {
    labels.get("outcome").is_some_and(|o| o == "ok")
        && labels.get("operation").is_some_and(|o| o == "SendSms.sendSms")
}

const CALLS: &str = "pxgate_calls_total";
const LATENCY: &str = "pxgate_http_request_duration_seconds_bucket";
const SUBMITS: &str = "pxgate_smpp_submits_total";

/// The sample between two readings `secs` apart.
pub(super) fn sample(before: &Reading, now: &Reading, secs: f64, at_ms: i64) -> Sample {
    let rate = |name: &str, keep: &dyn Fn(&BTreeMap<String, String>) -> bool| {
        ((now.sum(name, keep) - before.sum(name, keep)) / secs).max(0.0)
    };
    let refused = |l: &BTreeMap<String, String>| l.get("outcome").is_some_and(|o| o != "ok");
    let (was, is) = (
        before.by(CALLS, "outcome", refused),
        now.by(CALLS, "outcome", refused),
    );
    let refusals = is
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                ((v - was.get(k).copied().unwrap_or(0.0)) / secs).max(0.0),
            )
        })
        .filter(|(_, v)| *v > 0.0)
        .collect();
    let throttled = |l: &BTreeMap<String, String>| l.get("status").is_some_and(|s| s.contains("THROTTLED"));
    let (t0, t1) = (
        before.by(SUBMITS, "link", throttled),
        now.by(SUBMITS, "link", throttled),
    );
    let window = now.by("pxgate_smpp_window_in_use", "link", |_| true);
    let links = now
        .by("pxgate_smpp_link_up", "link", |_| true)
        .into_iter()
        .map(|(link, up)| {
            let throttled =
                (t1.get(&link).copied().unwrap_or(0.0) - t0.get(&link).copied().unwrap_or(0.0)) / secs;
            let window = window.get(&link).copied().unwrap_or(0.0);
            (
                link,
                Link {
                    up: up > 0.0,
                    window,
                    throttled: throttled.max(0.0),
                },
            )
        })
        .collect();
    Sample {
        at_ms,
        secs,
        charges: rate(CALLS, &is_charge),
        sms: rate(CALLS, &is_sms),
        refusals,
        p99_ms: p99(before, now),
        outbox: now.sum("pxgate_sms_outbox_pending_parts", |_| true),
        callbacks: now.sum("pxgate_callbacks_pending", |_| true),
        links,
    }
}

/// The upper bound (ms) of the bucket holding the 99th percentile of the requests answered
/// between the readings; `None` when none were.
fn p99(before: &Reading, now: &Reading) -> Option<f64> {
    let (was, is) = (
        before.by(LATENCY, "le", |_| true),
        now.by(LATENCY, "le", |_| true),
    );
    let mut buckets: Vec<(f64, f64)> = is
        .iter()
        .filter_map(|(le, v)| {
            let bound = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().ok()?
            };
            Some((bound, v - was.get(le).copied().unwrap_or(0.0)))
        })
        .collect();
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total = buckets.last()?.1;
    if total <= 0.0 {
        return None;
    }
    let found = buckets
        .iter()
        .find(|(_, cumulative)| *cumulative >= total * 0.99)?;
    // Above the last finite bucket the latency is only known to exceed it.
    let bound = if found.0.is_finite() {
        found.0
    } else {
        buckets.iter().rev().find(|b| b.0.is_finite())?.0
    };
    Some(bound * 1000.0)
}

/// Reads the metrics every [`EVERY`] into `samples` until `stop`; `now_ms` stamps each sample.
pub(super) async fn run(
    samples: &Samples,
    metrics: PrometheusHandle,
    now_ms: impl Fn() -> i64,
    stop: CancellationToken,
) {
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut before: Option<(Reading, std::time::Instant)> = None;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = stop.cancelled() => return,
        }
        let now = Reading::parse(&metrics.render());
        let at = std::time::Instant::now();
        if let Some((was, then)) = &before {
            let secs = at.duration_since(*then).as_secs_f64().max(0.001);
            samples.push(sample(was, &now, secs, now_ms()));
        }
        before = Some((now, at));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEFORE: &str = r#"# TYPE pxgate_calls_total counter
pxgate_calls_total{operation="AmountCharging.chargeAmount",outcome="ok"} 10
pxgate_calls_total{operation="AmountCharging.chargeAmount",outcome="POL0001"} 1
pxgate_calls_total{operation="SendSms.sendSms",outcome="ok"} 4
pxgate_http_request_duration_seconds_bucket{route="/a",outcome="ok",le="0.005"} 10
pxgate_http_request_duration_seconds_bucket{route="/a",outcome="ok",le="0.05"} 10
pxgate_http_request_duration_seconds_bucket{route="/a",outcome="ok",le="+Inf"} 10
"#;

    const AFTER: &str = r#"pxgate_calls_total{operation="AmountCharging.chargeAmount",outcome="ok"} 30
pxgate_calls_total{operation="AmountCharging.refundAmount",outcome="ok"} 7
pxgate_calls_total{operation="AmountCharging.chargeAmount",outcome="POL0001"} 3
pxgate_calls_total{operation="AmountCharging.chargeAmount",outcome="SVC0270"} 2
pxgate_calls_total{operation="SendSms.sendSms",outcome="ok"} 8
pxgate_http_request_duration_seconds_bucket{route="/a",outcome="ok",le="0.005"} 108
pxgate_http_request_duration_seconds_bucket{route="/a",outcome="ok",le="0.05"} 110
pxgate_http_request_duration_seconds_bucket{route="/a",outcome="ok",le="+Inf"} 110
pxgate_sms_outbox_pending_parts 12
pxgate_callbacks_pending{app="shop"} 2
pxgate_callbacks_pending{app="news"} 1
pxgate_smpp_link_up{link="smsc",session="0",role="transmitter"} 1
pxgate_smpp_link_up{link="smsc",session="0",role="receiver"} 0
pxgate_smpp_window_in_use{link="smsc"} 5
pxgate_smpp_submits_total{link="smsc",status="ESME_RTHROTTLED"} 4
"#;

    #[test]
    fn rates_are_the_difference_of_two_readings() {
        let s = sample(&Reading::parse(BEFORE), &Reading::parse(AFTER), 2.0, 0);
        assert!(
            (s.charges - 10.0).abs() < 1e-9,
            "refunds are no charges: {}",
            s.charges
        );
        assert!((s.sms - 2.0).abs() < 1e-9);
        assert_eq!(
            s.refusals,
            BTreeMap::from([("POL0001".to_owned(), 1.0), ("SVC0270".to_owned(), 1.0)])
        );
        // 98 of the 100 new requests within 5 ms, 2 within 50 ms: the 99th is in the 50 ms bucket.
        assert_eq!(s.p99_ms, Some(50.0));
        assert!((s.outbox - 12.0).abs() < 1e-9 && (s.callbacks - 3.0).abs() < 1e-9);
        assert_eq!(
            s.links["smsc"],
            Link {
                up: true,
                window: 5.0,
                throttled: 2.0
            }
        );
    }

    #[test]
    fn no_requests_no_percentile_and_only_the_last_samples_are_kept() {
        let r = Reading::parse(BEFORE);
        assert_eq!(sample(&r, &r, 1.0, 0).p99_ms, None);
        let samples = Samples::default();
        for at_ms in 0..(KEEP as i64 + 5) {
            samples.push(Sample {
                at_ms,
                ..Sample::default()
            });
        }
        let all = samples.all();
        assert_eq!((all.len(), all[0].at_ms), (KEEP, 5));
    }
}
