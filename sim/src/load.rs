//! Load scenarios for `pxload`. Each scenario is a module with its own clap `Args` and an
//! async `run` returning a [`Report`]; `bin/pxload.rs` only wires subcommands to them.
//! Scenarios against the gateway (soap-charge, rest-charge, soap-sms) are added the same way.

pub mod charge;
pub mod smpp;
pub mod sms;

use std::fmt;
use std::time::Duration;

use hdrhistogram::Histogram;

/// Which binding of the gateway a scenario goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    /// Parlay X over SOAP, WS-Security PasswordDigest.
    Soap,
    /// OneAPI REST/JSON, HTTP Basic.
    Rest,
}

/// Why a scenario against the gateway could not run.
#[derive(Debug, thiserror::Error)]
pub enum GatewayLoadError {
    /// demo.json is missing or incomplete.
    #[error("{0}")]
    Manifest(String),
    /// The gateway or the simulator could not be reached.
    #[error("http: {0}")]
    Http(#[from] reqwest::Error),
}

/// Parse "60s", "5m", "250ms", "1h" or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num.parse().map_err(|_| format!("invalid duration {s:?}"))?;
    match unit {
        "" | "s" => Ok(Duration::from_secs(n)),
        "ms" => Ok(Duration::from_millis(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        "h" => Ok(Duration::from_secs(n * 3600)),
        _ => Err(format!("invalid duration unit in {s:?} (use ms, s, m, h)")),
    }
}

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
}

impl Report {
    /// Accepted requests per second.
    pub fn throughput(&self) -> f64 {
        self.accepted as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = &self.latency_us;
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
        writeln!(
            f,
            "latency µs   p50 {}  p90 {}  p99 {}  p99.9 {}  max {}",
            h.value_at_quantile(0.5),
            h.value_at_quantile(0.9),
            h.value_at_quantile(0.99),
            h.value_at_quantile(0.999),
            h.max()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("60s"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        assert!(parse_duration("x").is_err());
    }
}
