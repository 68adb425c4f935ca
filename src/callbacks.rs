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
//!
//! Isolation: each callback is its own task, started as soon as a slot is free (no batch waits
//! for its slowest member); an application has at most `per_app_concurrency` callbacks in flight
//! across instances (the claim counts them), and after `breaker_failures` failures in a row its
//! callbacks are put off for `breaker_open_secs` ([`breaker`]). So one slow or dead endpoint
//! delays only its own application's notifications.
//!
//! Trust: every attempt first asks [`route`] whether the application is still active and the
//! endpoint still in its agreement, and connects only to addresses the agreement may reach; a
//! suspended application's callbacks wait, a revoked one's are abandoned.

mod breaker;
mod config;
mod route;

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use tokio_util::sync::CancellationToken;

use crate::domain::Clock;
use crate::store::Store;
use crate::store::callbacks::{AttemptOutcome, CallbackAttempt, CallbackClaim, DueCallback, NewCallback};
pub use config::CallbackConfig;

use breaker::Breakers;
use route::{Routes, Verdict};

/// What a binding wants delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// A SOAP 1.1 envelope (`text/xml`, `SOAPAction: ""`).
    Soap(Vec<u8>),
    /// A JSON document (`application/json`).
    Json(Vec<u8>),
    /// No body: the endpoint is fetched with `GET`, what it says is in its URL (Kannel's
    /// `dlr-url`).
    Get,
    /// Form fields (`application/x-www-form-urlencoded`; Jasmin's delivery reports).
    Form(Vec<u8>),
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
        Payload::Get => ("", None, Vec::new()),
        Payload::Form(form) => ("application/x-www-form-urlencoded", None, form),
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

/// How often due callbacks are looked for when the last look found fewer than it could take.
const POLL: Duration = Duration::from_millis(100);

/// What the delivery task reads: the store holding the queue, `[callbacks]` and the clock.
pub struct Callbacks {
    /// The store holding the queue and the applications.
    pub store: Arc<dyn Store>,
    /// `[callbacks]`.
    pub config: CallbackConfig,
    /// The injected clock.
    pub clock: Arc<dyn Clock>,
}

/// Delivers due callbacks until `stop` is cancelled, then waits for the attempts in flight (each
/// bounded by `timeout_secs`). A gateway killed mid-attempt leaves its claims to expire; another
/// look takes them again.
pub async fn run(callbacks: Callbacks, stop: CancellationToken) {
    let sender = Arc::new(Sender::new(callbacks));
    let hold_ms = sender.hold_ms;
    let slots = Arc::new(Semaphore::new(sender.config.concurrency));
    let mut in_flight = JoinSet::new();
    while !stop.is_cancelled() {
        while in_flight.try_join_next().is_some() {}
        let free = slots.available_permits();
        if free == 0 {
            // Wait for one attempt to finish, then look again.
            tokio::select! {
                slot = slots.acquire() => drop(slot),
                () = stop.cancelled() => break,
            }
            continue;
        }
        let now = sender.now_ms();
        let claim = CallbackClaim {
            limit: i64::try_from(free).unwrap_or(i64::MAX),
            per_actor: i64::try_from(sender.config.per_app_concurrency).unwrap_or(i64::MAX),
            now_ms: now,
            claimed_until_ms: now.saturating_add(hold_ms),
        };
        let due = match sender.store.claim_callbacks(&claim).await {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "claiming due callbacks failed");
                tokio::time::sleep(POLL).await;
                continue;
            }
        };
        let took = due.len();
        for callback in due {
            let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
                break;
            };
            let sender = Arc::clone(&sender);
            in_flight.spawn(async move {
                sender.deliver(callback).await;
                drop(slot);
            });
        }
        if took < free {
            tokio::select! {
                () = tokio::time::sleep(POLL) => {}
                () = stop.cancelled() => {}
            }
        }
    }
    while in_flight.join_next().await.is_some() {}
}

/// What every attempt shares.
struct Sender {
    /// How long a claim holds a row.
    hold_ms: i64,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    config: CallbackConfig,
    routes: Routes,
    breakers: Breakers,
}

/// How an attempt ended, before its outcome is decided.
enum Attempted {
    /// The endpoint answered 2xx.
    Delivered(u16),
    /// The endpoint failed: a non-2xx answer (with its status) or no answer.
    Failed(Option<u16>, String),
    /// Not attempted now; tried again later without counting against the endpoint.
    Held(String),
    /// Not attempted, and never will be.
    Refused(String),
}

impl Sender {
    fn new(callbacks: Callbacks) -> Self {
        let Callbacks { store, config, clock } = callbacks;
        let timeout = Duration::from_secs(config.timeout_secs);
        // Checked when the configuration was validated; a file since broken costs only its roots.
        let roots = config.extra_roots().unwrap_or_else(|e| {
            tracing::error!(error = %e, "callbacks.ca_path: its roots are not trusted");
            Vec::new()
        });
        Self {
            breakers: Breakers::new(config.breaker_failures),
            routes: Routes::new(timeout, roots),
            // A claim outlives the slowest attempt, so a live sender never loses its rows to another.
            hold_ms: i64::try_from(timeout.as_millis())
                .unwrap_or(i64::MAX)
                .saturating_mul(2),
            store,
            clock,
            config,
        }
    }

    fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }

    /// One attempt, recorded with what it decided.
    async fn deliver(&self, callback: DueCallback) {
        let started_at = self.now_ms();
        let started = Instant::now();
        let attempted = match self
            .routes
            .verdict(self.store.as_ref(), &callback.actor, &callback.endpoint)
            .await
        {
            Verdict::Send(route, url) => send(route.client(), url, &callback).await,
            Verdict::Hold(reason) => Attempted::Held(reason),
            Verdict::Abandon(reason) => Attempted::Refused(reason),
        };
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let finished = started_at.saturating_add(duration_ms);
        let (http_status, error, outcome) = match attempted {
            Attempted::Delivered(status) => {
                self.breakers.succeeded(&callback.actor);
                (Some(status), None, AttemptOutcome::Delivered)
            }
            Attempted::Failed(status, error) => {
                let next = self.after_failure(&callback, finished).await;
                (status, Some(error), retry_or_abandon(next, &callback))
            }
            Attempted::Held(reason) => {
                let next = finished.saturating_add(self.config.backoff_ms(callback.attempts + 1));
                (None, Some(reason), retry_or_abandon(next, &callback))
            }
            Attempted::Refused(reason) => (None, Some(reason), AttemptOutcome::Abandoned),
        };
        let attempt = CallbackAttempt {
            attempted_at: started_at,
            duration_ms,
            http_status: http_status.map(i64::from),
            error,
        };
        self.record(&callback, &attempt, outcome).await;
    }

    /// When a failed callback is tried next: after its backoff, or after the pause when this
    /// failure opened its application's circuit (then its waiting callbacks are put off too).
    async fn after_failure(&self, callback: &DueCallback, finished: i64) -> i64 {
        let next = finished.saturating_add(self.config.backoff_ms(callback.attempts + 1));
        if !self.breakers.failed(&callback.actor) {
            return next;
        }
        let open_ms = i64::try_from(self.config.breaker_open_secs.saturating_mul(1_000)).unwrap_or(i64::MAX);
        let until = finished.saturating_add(open_ms);
        metrics::counter!("pxgate_callback_circuit_open_total").increment(1);
        match self.store.hold_callbacks(&callback.actor, until, finished).await {
            Ok(held) => tracing::warn!(
                actor = callback.actor,
                held,
                pause_secs = self.config.breaker_open_secs,
                "an application's endpoint keeps failing; its callbacks are put off"
            ),
            Err(e) => tracing::warn!(actor = callback.actor, error = %e, "putting off callbacks failed"),
        }
        next.max(until)
    }

    async fn record(&self, callback: &DueCallback, attempt: &CallbackAttempt, outcome: AttemptOutcome) {
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
                actor = callback.actor,
                kind = callback.kind,
                endpoint = callback.endpoint,
                error,
                outcome = label,
                "callback not delivered"
            );
        }
        if let Err(e) = self.store.record_attempt(callback.id, attempt, outcome).await {
            tracing::warn!(id = callback.id, error = %e, "recording a callback attempt failed");
        }
    }
}

/// A retry at `next`, unless that is past the callback's give-up time.
fn retry_or_abandon(next: i64, callback: &DueCallback) -> AttemptOutcome {
    if next > callback.give_up_at {
        AttemptOutcome::Abandoned
    } else {
        AttemptOutcome::RetryAt(next)
    }
}

/// POSTs the stored body, or (no body and no content type: [`Payload::Get`]) GETs the URL; a
/// redirect is an answer like any other non-2xx, never followed.
async fn send(client: &reqwest::Client, url: url::Url, callback: &DueCallback) -> Attempted {
    let mut request = if callback.body.is_empty() && callback.content_type.is_empty() {
        client.get(url)
    } else {
        client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, &callback.content_type)
            .body(callback.body.clone())
    };
    if let Some(action) = &callback.soap_action {
        request = request.header("soapaction", action);
    }
    match request.send().await {
        Ok(response) if response.status().is_success() => Attempted::Delivered(response.status().as_u16()),
        Ok(response) => Attempted::Failed(
            Some(response.status().as_u16()),
            format!("endpoint answered {}", response.status()),
        ),
        Err(e) => Attempted::Failed(None, describe(&e)),
    }
}

/// A transport error in words an operator can act on: what failed and its innermost cause
/// (which says, for one, that a name resolved only to addresses the agreement does not allow).
fn describe(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        return e.to_string();
    };
    let mut cause: &dyn std::error::Error = e;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    format!("{what}: {cause}")
}

#[cfg(test)]
mod tests;
