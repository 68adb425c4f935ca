//! Callbacks to applications' endpoints, for every binding: the bindings decide what a
//! notification says (a SOAP envelope, a JSON document) and queue it as a [`NewCallback`]; the
//! sender here delivers it with retries.
//!
//! Delivery: POST the stored body; any 2xx delivers it. Otherwise it is tried again after a delay
//! that doubles from `retry_min_ms` up to `retry_max_ms`, until `give_up_after_secs` after it was
//! queued; then it is abandoned. Every attempt (time, duration, HTTP status, error) is stored and
//! shown to the operator at `/admin/v1/callbacks`, where an operator can also send one again.
//! Rows are claimed like the SMS outbox, so several gateway instances share the work and a crash
//! costs at most a repeated attempt (at-least-once).

use std::time::{Duration, Instant};

use futures::StreamExt as _;
use serde::{Deserialize, Serialize};

use crate::server::AppState;
use crate::store::callbacks::{AttemptOutcome, CallbackAttempt, DueCallback, NewCallback};

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
}

impl Default for CallbackConfig {
    fn default() -> Self {
        Self {
            give_up_after_secs: 86_400,
            retry_min_ms: 1_000,
            retry_max_ms: 300_000,
            timeout_secs: 10,
            concurrency: 16,
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
        ];
        for (key, value) in positive {
            if value == 0 {
                errors.push(format!("callbacks.{key}: must be greater than 0"));
            }
        }
        if self.retry_max_ms < self.retry_min_ms {
            errors.push("callbacks.retry_max_ms: must be at least retry_min_ms".to_owned());
        }
    }

    /// The delay before attempt `attempts + 1`, after `attempts` failures (at least one).
    pub fn backoff_ms(&self, attempts: i64) -> i64 {
        let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        let delay = self.retry_min_ms.saturating_mul(1_u64 << doublings);
        i64::try_from(delay.min(self.retry_max_ms)).unwrap_or(i64::MAX)
    }
}

/// What a binding wants delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// A SOAP 1.1 envelope (`text/xml`, `SOAPAction: ""`).
    Soap(Vec<u8>),
    /// A JSON document (`application/json`).
    Json(Vec<u8>),
}

/// A callback for `actor`'s `endpoint`, to be given up `config.give_up_after_secs` after `now_ms`.
pub fn new_callback(
    config: &CallbackConfig,
    actor: &str,
    kind: &str,
    endpoint: &str,
    payload: Payload,
    now_ms: i64,
) -> NewCallback {
    let (content_type, soap_action, body) = match payload {
        Payload::Soap(xml) => ("text/xml; charset=utf-8", Some("\"\"".to_owned()), xml),
        Payload::Json(json) => ("application/json", None, json),
    };
    let give_up = i64::try_from(config.give_up_after_secs.saturating_mul(1_000)).unwrap_or(i64::MAX);
    NewCallback {
        actor: actor.to_owned(),
        kind: kind.to_owned(),
        endpoint: endpoint.to_owned(),
        content_type: content_type.to_owned(),
        soap_action,
        body,
        give_up_at_ms: now_ms.saturating_add(give_up),
    }
}

/// How often due callbacks are looked for when the last look found none.
const POLL: Duration = Duration::from_millis(100);
/// Callbacks claimed per look.
const BATCH: i64 = 64;

/// Delivers due callbacks until the task is aborted.
pub async fn run(state: AppState) {
    let config = state.callback_config().clone();
    let timeout = Duration::from_secs(config.timeout_secs);
    let client = match reqwest::Client::builder().timeout(timeout).build() {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = %e, "no HTTP client: callbacks to applications are off");
            return;
        }
    };
    // A claim outlives the slowest attempt, so a live sender never loses its rows to another.
    let hold_ms = i64::try_from(timeout.as_millis())
        .unwrap_or(i64::MAX)
        .saturating_mul(2);
    loop {
        let now = state.now().at_ms;
        let due = match state.store().claim_callbacks(BATCH, now, now + hold_ms).await {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "claiming due callbacks failed");
                tokio::time::sleep(POLL).await;
                continue;
            }
        };
        let full = i64::try_from(due.len()).unwrap_or(i64::MAX) >= BATCH;
        futures::stream::iter(due)
            .for_each_concurrent(config.concurrency, |callback| {
                deliver(&state, &client, &config, callback)
            })
            .await;
        if !full {
            tokio::time::sleep(POLL).await;
        }
    }
}

/// One attempt, recorded with what it decided.
async fn deliver(state: &AppState, client: &reqwest::Client, config: &CallbackConfig, callback: DueCallback) {
    let started_at = state.now().at_ms;
    let started = Instant::now();
    let mut request = client
        .post(&callback.endpoint)
        .header(reqwest::header::CONTENT_TYPE, &callback.content_type)
        .body(callback.body.clone());
    if let Some(action) = &callback.soap_action {
        request = request.header("soapaction", action);
    }
    let (http_status, error) = match request.send().await {
        Ok(response) if response.status().is_success() => (Some(response.status().as_u16()), None),
        Ok(response) => (
            Some(response.status().as_u16()),
            Some(format!("endpoint answered {}", response.status())),
        ),
        Err(e) => (None, Some(describe(&e))),
    };
    let attempt = CallbackAttempt {
        attempted_at: started_at,
        duration_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
        http_status: http_status.map(i64::from),
        error,
    };
    let finished = attempt.attempted_at + attempt.duration_ms;
    let outcome = match &attempt.error {
        None => AttemptOutcome::Delivered,
        Some(_) => {
            let next = finished.saturating_add(config.backoff_ms(callback.attempts + 1));
            if next > callback.give_up_at {
                AttemptOutcome::Abandoned
            } else {
                AttemptOutcome::RetryAt(next)
            }
        }
    };
    let label = match outcome {
        AttemptOutcome::Delivered => "delivered",
        AttemptOutcome::RetryAt(_) => "retry",
        AttemptOutcome::Abandoned => "abandoned",
    };
    metrics::counter!("pxgate_callback_attempts_total", "kind" => callback.kind.clone(), "outcome" => label)
        .increment(1);
    if let Some(error) = &attempt.error {
        tracing::warn!(
            id = callback.id,
            kind = callback.kind,
            endpoint = callback.endpoint,
            error,
            outcome = label,
            "callback not delivered"
        );
    }
    if let Err(e) = state.store().record_attempt(callback.id, &attempt, outcome).await {
        tracing::warn!(id = callback.id, error = %e, "recording a callback attempt failed");
    }
}

/// A transport error in words an operator can act on.
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "could not connect".to_owned()
    } else {
        e.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_doubles_up_to_the_maximum() {
        let c = CallbackConfig {
            retry_min_ms: 1_000,
            retry_max_ms: 5_000,
            ..CallbackConfig::default()
        };
        let delays: Vec<i64> = (1..=5).map(|n| c.backoff_ms(n)).collect();
        assert_eq!(delays, [1_000, 2_000, 4_000, 5_000, 5_000]);
        assert_eq!(c.backoff_ms(10_000), 5_000);
    }

    #[test]
    fn zero_values_are_refused_by_name() {
        let c = CallbackConfig {
            concurrency: 0,
            retry_max_ms: 1,
            ..CallbackConfig::default()
        };
        let mut errors = Vec::new();
        c.check(&mut errors);
        assert_eq!(
            errors,
            [
                "callbacks.concurrency: must be greater than 0",
                "callbacks.retry_max_ms: must be at least retry_min_ms"
            ]
        );
    }
}
