//! Load scenarios for `pxload`. Each scenario is a module with its own clap `Args` and an
//! async `run` returning a [`Report`]; `bin/pxload.rs` only wires subcommands to them.
//! Every run counts into a [`progress::Phase`], which prints a line a second on stderr unless
//! `--quiet`; the [`Report`] prints as text or (`--json`) as one JSON object.

pub mod baseline;
pub mod charge;
pub mod progress;
mod report;
pub mod seed;
pub mod smpp;
pub mod sms;

use std::time::Duration;

pub use report::Report;

/// Which binding of the gateway a scenario goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
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
    /// The baseline's own HTTP server could not listen on 127.0.0.1.
    #[error("baseline server: {0}")]
    Baseline(std::io::Error),
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
