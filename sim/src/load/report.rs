//! What a scenario run measured, and its two renderings: the text summary (lines that scripts
//! grep, such as `throughput   5202 accepted/s`, so their shape does not change) and one JSON
//! object (`--json`) holding every number the text has.
//! Knows nothing of how the numbers were measured.

use std::fmt;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde_json::{Map, Value, json};

/// Result of a scenario run.
#[derive(Debug)]
pub struct Report {
    /// Scenario name.
    pub scenario: &'static str,
    /// Requests sent.
    pub sent: u64,
    /// Requests accepted (status OK).
    pub accepted: u64,
    /// Requests refused, by status name.
    pub refused: Vec<(String, u64)>,
    /// Extra counters (e.g. receipts received).
    pub extra: Vec<(&'static str, u64)>,
    /// Wall time from first request to last response.
    pub elapsed: Duration,
    /// Latency in microseconds.
    pub latency_us: Histogram<u64>,
    /// The baseline run measured right after this one (`--baseline`), if any.
    pub baseline: Option<Box<Self>>,
}

impl Report {
    /// Accepted requests per second.
    pub fn throughput(&self) -> f64 {
        self.accepted as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    /// This run's throughput as a fraction of the baseline's (None: no baseline, or it
    /// accepted nothing).
    pub fn baseline_ratio(&self) -> Option<f64> {
        let limit = self.baseline.as_ref()?.throughput();
        (limit > 0.0).then(|| self.throughput() / limit)
    }

    /// The summary as one JSON object: the text summary's numbers under stable keys, and
    /// `baseline` (the baseline run's own summary plus `ratio`) or null.
    pub fn to_json(&self) -> Value {
        let mut out = self.summary_json();
        out["baseline"] = match &self.baseline {
            Some(baseline) => {
                let mut b = baseline.summary_json();
                b["ratio"] = json!(self.baseline_ratio());
                b
            }
            None => Value::Null,
        };
        out
    }

    fn summary_json(&self) -> Value {
        let h = &self.latency_us;
        let refused: Map<String, Value> = self
            .refused
            .iter()
            .map(|(status, n)| (status.clone(), json!(n)))
            .collect();
        let extra: Map<String, Value> = self
            .extra
            .iter()
            .map(|(name, n)| ((*name).to_owned(), json!(n)))
            .collect();
        json!({
            "scenario": self.scenario,
            "elapsed_s": self.elapsed.as_secs_f64(),
            "sent": self.sent,
            "accepted": self.accepted,
            "refused": refused,
            "extra": extra,
            "throughput": self.throughput(),
            "latency_us": {
                "p50": h.value_at_quantile(0.5),
                "p90": h.value_at_quantile(0.9),
                "p99": h.value_at_quantile(0.99),
                "p99_9": h.value_at_quantile(0.999),
                "max": h.max(),
            },
        })
    }
}

/// `p50 …  p90 …  p99 …  p99.9 …  max …` of a latency histogram.
fn percentiles(h: &Histogram<u64>) -> String {
    format!(
        "p50 {}  p90 {}  p99 {}  p99.9 {}  max {}",
        h.value_at_quantile(0.5),
        h.value_at_quantile(0.9),
        h.value_at_quantile(0.99),
        h.value_at_quantile(0.999),
        h.max()
    )
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "scenario     {}", self.scenario)?;
        writeln!(f, "elapsed      {:.2}s", self.elapsed.as_secs_f64())?;
        writeln!(f, "sent         {}", self.sent)?;
        writeln!(f, "accepted     {}", self.accepted)?;
        for (status, n) in &self.refused {
            writeln!(f, "refused      {n} {status}")?;
        }
        for (name, n) in &self.extra {
            writeln!(f, "{name:<12} {n}")?;
        }
        writeln!(f, "throughput   {:.0} accepted/s", self.throughput())?;
        writeln!(f, "latency µs   {}", percentiles(&self.latency_us))?;
        let Some(baseline) = &self.baseline else {
            return Ok(());
        };
        let ratio = self
            .baseline_ratio()
            .map_or_else(|| "n/a".to_owned(), |r| format!("{r:.3}"));
        writeln!(
            f,
            "baseline     {:.0} accepted/s  (gateway at {ratio} of it)",
            baseline.throughput()
        )?;
        for (status, n) in &baseline.refused {
            writeln!(f, "baseline err {n} {status}")?;
        }
        writeln!(f, "baseline µs  {}", percentiles(&baseline.latency_us))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(scenario: &'static str, accepted: u64, latencies: &[u64]) -> Report {
        let mut latency_us = Histogram::new_with_bounds(1, 60_000_000, 3).unwrap();
        for &l in latencies {
            latency_us.record(l).unwrap();
        }
        Report {
            scenario,
            sent: accepted + 2,
            accepted,
            refused: vec![("SVC0001".to_owned(), 2)],
            extra: vec![("clients", 8)],
            elapsed: Duration::from_secs(2),
            latency_us,
            baseline: None,
        }
    }

    #[test]
    fn text_summary_keeps_its_lines() {
        let text = report("soap-charge", 10_404, &[100, 200, 300]).to_string();
        let expected = "scenario     soap-charge\nelapsed      2.00s\nsent         10406\n\
                        accepted     10404\nrefused      2 SVC0001\nclients      8\n\
                        throughput   5202 accepted/s\nlatency µs   p50 200  p90 300  p99 300  p99.9 300  max 300\n";
        assert_eq!(text, expected);
    }

    #[test]
    fn text_summary_gives_the_baseline_ratio() {
        let mut gateway = report("soap-charge", 1_000, &[500]);
        gateway.baseline = Some(Box::new(report("baseline", 4_000, &[50])));
        let text = gateway.to_string();
        assert!(text.contains("throughput   500 accepted/s\n"), "{text}");
        assert!(
            text.contains("baseline     2000 accepted/s  (gateway at 0.250 of it)\n"),
            "{text}"
        );
        assert!(text.contains("baseline µs  p50 50  "), "{text}");
    }

    #[test]
    fn json_summary_holds_every_number() {
        let mut gateway = report("rest-charge", 1_000, &[100, 200]);
        gateway.baseline = Some(Box::new(report("baseline", 4_000, &[50])));
        let v: Value = serde_json::from_str(&gateway.to_json().to_string()).unwrap();
        assert_eq!(v["scenario"], "rest-charge");
        assert_eq!(v["sent"].as_u64(), Some(1_002));
        assert_eq!(v["accepted"].as_u64(), Some(1_000));
        assert_eq!(v["refused"]["SVC0001"].as_u64(), Some(2));
        assert_eq!(v["extra"]["clients"].as_u64(), Some(8));
        assert_eq!(v["elapsed_s"].as_f64(), Some(2.0));
        assert_eq!(v["throughput"].as_f64(), Some(500.0));
        assert_eq!(v["latency_us"]["p50"].as_u64(), Some(100));
        for key in ["p90", "p99", "p99_9", "max"] {
            assert_eq!(v["latency_us"][key].as_u64(), Some(200), "{key}");
        }
        assert_eq!(v["baseline"]["scenario"], "baseline");
        assert_eq!(v["baseline"]["throughput"].as_f64(), Some(2_000.0));
        assert_eq!(v["baseline"]["ratio"].as_f64(), Some(0.25));
        assert!(v["baseline"].get("baseline").is_none());
    }

    #[test]
    fn json_summary_without_baseline_has_null() {
        let v = report("smpp", 3, &[1]).to_json();
        assert!(v["baseline"].is_null());
        let mut idle = report("soap-charge", 3, &[1]);
        idle.baseline = Some(Box::new(report("baseline", 0, &[1])));
        assert!(idle.to_json()["baseline"]["ratio"].is_null());
        assert!(idle.to_string().contains("(gateway at n/a of it)"));
    }
}
