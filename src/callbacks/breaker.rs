//! A circuit breaker per application: after `failures` failed attempts in a row, the
//! application's waiting callbacks are put off for `open_for`, so an endpoint that is down is
//! not hammered and its retries do not crowd the sender. The first success closes it; while the
//! count stays at the threshold, every further failure opens it again (half-open by design: after
//! the pause, at most the per-application share of callbacks is tried).

use std::collections::HashMap;
use std::sync::Mutex;

/// Consecutive failures per actor (bounded by the number of applications).
pub(super) struct Breakers {
    threshold: u32,
    failures: Mutex<HashMap<String, u32>>,
}

impl Breakers {
    /// Opens after `threshold` failures in a row.
    pub(super) fn new(threshold: u32) -> Self {
        Self {
            threshold,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// A delivered callback closes the circuit.
    pub(super) fn succeeded(&self, actor: &str) {
        self.lock().remove(actor);
    }

    /// Counts a failure; `true` when the circuit is (again) open.
    pub(super) fn failed(&self, actor: &str) -> bool {
        let mut failures = self.lock();
        let count = failures.entry(actor.to_owned()).or_default();
        *count = count.saturating_add(1);
        *count >= self.threshold
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, u32>> {
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_at_the_threshold_and_closes_on_success() {
        let b = Breakers::new(3);
        assert!(!b.failed("app:a"));
        assert!(!b.failed("app:a"));
        assert!(!b.failed("app:b"), "counted per application");
        assert!(b.failed("app:a"));
        assert!(b.failed("app:a"), "stays open while failing");
        b.succeeded("app:a");
        assert!(!b.failed("app:a"));
    }
}
