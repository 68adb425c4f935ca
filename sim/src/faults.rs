//! Fault injection: the knobs ([`Faults`], plain data, set from config or live over HTTP) and
//! the runtime state they drive (throttle window, outage and stall deadlines, connection drops).
//! Knows nothing about PDUs beyond "a submit arrived".

use std::sync::{Mutex, PoisonError, RwLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::config::ConfigError;

/// SMPP v5.0 §4.7.6: ESME_RSYSERR, the default injected error.
const ESME_RSYSERR: u32 = 0x0000_0008;

/// Fault knobs. All off by default.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Faults {
    /// Accept at most this many submits (submit_sm, submit_multi, data_sm) per second;
    /// the rest get ESME_RTHROTTLED.
    pub throttle_per_sec: Option<u32>,
    /// Probability (0..=1) that a submit is refused with `error_status`.
    pub error_probability: f64,
    /// command_status used for injected errors (default ESME_RSYSERR = 8).
    pub error_status: u32,
    /// Delay before every response, milliseconds.
    pub response_delay_ms: u64,
    /// Close each session after it has sent this many PDUs (the last one is still answered).
    pub drop_after_pdus: Option<u64>,
    /// Start an outage of this many seconds when applied: existing sessions are dropped and
    /// binds are refused with ESME_RBINDFAIL until it ends.
    pub outage_secs: Option<u64>,
    /// Start a stall of this many seconds when applied: the SMSC hangs (as a stopped process
    /// would) with every connection left open. No PDU is read or answered (binds and
    /// enquire_link included) and no receipt is sent until it ends; then what was sent
    /// meanwhile is processed in order.
    pub stall_secs: Option<u64>,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            throttle_per_sec: None,
            error_probability: 0.0,
            error_status: ESME_RSYSERR,
            response_delay_ms: 0,
            drop_after_pdus: None,
            outage_secs: None,
            stall_secs: None,
        }
    }
}

impl Faults {
    pub(crate) fn validate(&self, prefix: &str, errors: &mut Vec<ConfigError>) {
        if !(0.0..=1.0).contains(&self.error_probability) {
            errors.push(ConfigError {
                key: format!("{prefix}.error_probability"),
                problem: "must be between 0 and 1".to_owned(),
            });
        }
        if self.drop_after_pdus == Some(0) {
            errors.push(ConfigError {
                key: format!("{prefix}.drop_after_pdus"),
                problem: "must be at least 1".to_owned(),
            });
        }
    }
}

/// What the fault layer says about one submit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SubmitVerdict {
    Accept,
    Throttled,
}

/// Fixed one-second window: simple, and exact counts are what tests assert on.
#[derive(Debug)]
struct ThrottleWindow {
    start: Instant,
    count: u32,
}

/// Live fault state shared by all sessions.
#[derive(Debug)]
pub(crate) struct FaultState {
    faults: RwLock<Faults>,
    throttle: Mutex<ThrottleWindow>,
    outage_until: Mutex<Option<Instant>>,
    stall_until: Mutex<Option<Instant>>,
    /// Replaced on every drop; sessions hold a clone of the token current at their start.
    drop_token: Mutex<CancellationToken>,
}

impl FaultState {
    pub(crate) fn new(faults: Faults) -> Self {
        let state = Self {
            faults: RwLock::new(Faults::default()),
            throttle: Mutex::new(ThrottleWindow {
                start: Instant::now(),
                count: 0,
            }),
            outage_until: Mutex::new(None),
            stall_until: Mutex::new(None),
            drop_token: Mutex::new(CancellationToken::new()),
        };
        state.set(faults);
        state
    }

    /// Current knobs (cheap clone: no heap data).
    pub(crate) fn get(&self) -> Faults {
        self.faults.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Replace the knobs; an `outage_secs` starts an outage now.
    pub(crate) fn set(&self, faults: Faults) {
        if let Some(secs) = faults.outage_secs.filter(|s| *s > 0) {
            *self.outage_until.lock().unwrap_or_else(PoisonError::into_inner) =
                Some(Instant::now() + Duration::from_secs(secs));
            self.drop_all();
        } else {
            *self.outage_until.lock().unwrap_or_else(PoisonError::into_inner) = None;
        }
        *self.stall_until.lock().unwrap_or_else(PoisonError::into_inner) = faults
            .stall_secs
            .filter(|s| *s > 0)
            .map(|secs| Instant::now() + Duration::from_secs(secs));
        // A fresh throttle window, so a new limit counts exactly from now.
        *self.throttle.lock().unwrap_or_else(PoisonError::into_inner) = ThrottleWindow {
            start: Instant::now(),
            count: 0,
        };
        *self.faults.write().unwrap_or_else(PoisonError::into_inner) = faults;
    }

    /// Seconds of outage left, if one is running.
    pub(crate) fn outage_remaining(&self) -> Option<Duration> {
        let until = (*self.outage_until.lock().unwrap_or_else(PoisonError::into_inner))?;
        let now = Instant::now();
        (until > now).then(|| until - now)
    }

    /// When the running stall ends, if one is running.
    pub(crate) fn stall_until(&self) -> Option<Instant> {
        let until = (*self.stall_until.lock().unwrap_or_else(PoisonError::into_inner))?;
        (until > Instant::now()).then_some(until)
    }

    /// Waits out the running stall (at once when there is none).
    pub(crate) async fn stalled(&self) {
        // A stall set again while waiting extends the wait.
        while let Some(until) = self.stall_until() {
            tokio::time::sleep_until(until).await;
        }
    }

    /// Token a new session watches; cancelled by the next [`Self::drop_all`].
    pub(crate) fn session_token(&self) -> CancellationToken {
        self.drop_token
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Drop every connection open right now.
    pub(crate) fn drop_all(&self) {
        let old = std::mem::replace(
            &mut *self.drop_token.lock().unwrap_or_else(PoisonError::into_inner),
            CancellationToken::new(),
        );
        old.cancel();
    }

    /// Count one submit against the throttle.
    pub(crate) fn admit_submit(&self, limit: Option<u32>) -> SubmitVerdict {
        let Some(limit) = limit else {
            return SubmitVerdict::Accept;
        };
        let mut w = self.throttle.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        if now.duration_since(w.start) >= Duration::from_secs(1) {
            w.start = now;
            w.count = 0;
        }
        if w.count >= limit {
            return SubmitVerdict::Throttled;
        }
        w.count += 1;
        SubmitVerdict::Accept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn throttle_counts_exactly_per_second() {
        let s = FaultState::new(Faults::default());
        let ok = (0..15)
            .filter(|_| s.admit_submit(Some(10)) == SubmitVerdict::Accept)
            .count();
        assert_eq!(ok, 10);
        tokio::time::advance(Duration::from_millis(1001)).await;
        assert_eq!(s.admit_submit(Some(10)), SubmitVerdict::Accept);
    }

    #[tokio::test(start_paused = true)]
    async fn outage_expires_and_drops_sessions() {
        let s = FaultState::new(Faults::default());
        let token = s.session_token();
        s.set(Faults {
            outage_secs: Some(30),
            ..Faults::default()
        });
        assert!(token.is_cancelled());
        assert!(s.outage_remaining().is_some());
        tokio::time::advance(Duration::from_secs(31)).await;
        assert!(s.outage_remaining().is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn a_stall_keeps_sessions_and_ends_on_time() {
        let s = FaultState::new(Faults::default());
        let token = s.session_token();
        s.set(Faults {
            stall_secs: Some(5),
            ..Faults::default()
        });
        assert!(!token.is_cancelled(), "a hung SMSC keeps its connections");
        let start = Instant::now();
        s.stalled().await;
        assert_eq!(start.elapsed(), Duration::from_secs(5));
        assert!(s.stall_until().is_none());
        s.stalled().await;
        assert_eq!(start.elapsed(), Duration::from_secs(5), "no stall: no wait");
    }
}
