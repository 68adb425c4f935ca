//! `[callbacks]`: how the gateway delivers notifications to applications.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// `[callbacks]`: how the gateway delivers notifications to applications.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CallbackConfig {
    /// After this many seconds from queueing, a failed callback is abandoned.
    pub give_up_after_secs: u64,
    /// First delay before a failed callback is tried again, in ms; doubles per attempt.
    pub retry_min_ms: u64,
    /// Longest delay between attempts, in ms.
    pub retry_max_ms: u64,
    /// Longest wait for an application's endpoint, in seconds.
    pub timeout_secs: u64,
    /// Callbacks in flight at once, per gateway instance.
    pub concurrency: usize,
    /// Callbacks of one application in flight at once, across instances.
    pub per_app_concurrency: usize,
    /// Failed attempts in a row after which an application's callbacks are put off.
    pub breaker_failures: u32,
    /// How long they are put off, in seconds.
    pub breaker_open_secs: u64,
    /// PEM file of extra roots trusted for HTTPS endpoints, beside the platform's own (an
    /// operator's private CA, say).
    pub ca_path: Option<PathBuf>,
}

impl Default for CallbackConfig {
    fn default() -> Self {
        Self {
            give_up_after_secs: 86_400,
            retry_min_ms: 1_000,
            retry_max_ms: 300_000,
            timeout_secs: 10,
            concurrency: 16,
            per_app_concurrency: 4,
            breaker_failures: 5,
            breaker_open_secs: 60,
            ca_path: None,
        }
    }
}

impl CallbackConfig {
    /// Adds a line per unusable value to `errors`.
    pub fn check(&self, errors: &mut Vec<String>) {
        let positive = [
            ("give_up_after_secs", self.give_up_after_secs),
            ("retry_min_ms", self.retry_min_ms),
            ("timeout_secs", self.timeout_secs),
            ("concurrency", self.concurrency as u64),
            ("per_app_concurrency", self.per_app_concurrency as u64),
            ("breaker_failures", u64::from(self.breaker_failures)),
            ("breaker_open_secs", self.breaker_open_secs),
        ];
        for (key, value) in positive {
            if value == 0 {
                errors.push(format!("callbacks.{key}: must be greater than 0"));
            }
        }
        if self.retry_max_ms < self.retry_min_ms {
            errors.push("callbacks.retry_max_ms: must be at least retry_min_ms".to_owned());
        }
        if let Err(e) = self.extra_roots() {
            errors.push(format!("callbacks.ca_path: {e}"));
        }
    }

    /// The roots read from `ca_path` (none when it is not set).
    pub(super) fn extra_roots(&self) -> Result<Vec<reqwest::Certificate>, String> {
        self.ca_path.as_deref().map_or(Ok(Vec::new()), crate::tls::roots)
    }

    /// The delay before attempt `attempts + 1`, after `attempts` failures (at least one).
    pub fn backoff_ms(&self, attempts: i64) -> i64 {
        let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        let delay = self.retry_min_ms.saturating_mul(1_u64 << doublings);
        i64::try_from(delay.min(self.retry_max_ms)).unwrap_or(i64::MAX)
    }
}
