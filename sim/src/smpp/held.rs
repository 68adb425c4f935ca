//! Receipts held for a system_id that has no receiver or transceiver bound, as a real SMSC keeps
//! them: bounded per system_id (`limits.max_held_receipts`), the oldest dropped and counted when
//! full, and handed to the next session of that system_id that can receive.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Mutex, PoisonError};

use super::registry::{Link, Registry};
use crate::stats::Counters;
use crate::store::Record;

/// One system_id's held receipts, oldest first: (message id, its record as it was when due).
pub(crate) type Held = VecDeque<(u64, Record)>;

/// Held receipts by system_id.
#[derive(Debug)]
pub(crate) struct HeldReceipts {
    queues: Mutex<HashMap<Arc<str>, Held>>,
    per_system_id: usize,
}

impl HeldReceipts {
    pub(crate) fn new(per_system_id: usize) -> Self {
        Self {
            queues: Mutex::default(),
            per_system_id,
        }
    }

    /// A receiving session of the record's system_id, or `None` after holding the receipt.
    /// The lookup and the hold are one step under the queues' lock, so a bind that registers
    /// meanwhile either is picked here or finds the receipt in [`Self::take`].
    pub(crate) fn pick_or_hold(
        &self,
        registry: &Registry,
        id: u64,
        rec: &Record,
        counters: &Counters,
    ) -> Option<Arc<Link>> {
        let mut queues = self.queues.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(link) = registry.pick(Some(&rec.system_id)) {
            return Some(link);
        }
        let queue = queues.entry(Arc::clone(&rec.system_id)).or_default();
        if queue.len() >= self.per_system_id && queue.pop_front().is_some() {
            counters.receipts_dropped.fetch_add(1, Relaxed);
            counters.receipts_held.fetch_sub(1, Relaxed);
        }
        queue.push_back((id, rec.clone()));
        counters.receipts_held.fetch_add(1, Relaxed);
        None
    }

    /// Every receipt held for `system_id`, oldest first; called after a receiver or transceiver
    /// of it registered.
    pub(crate) fn take(&self, system_id: &str, counters: &Counters) -> Held {
        let taken = self
            .queues
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(system_id)
            .unwrap_or_default();
        let n = i64::try_from(taken.len()).unwrap_or(i64::MAX);
        counters.receipts_held.fetch_sub(n, Relaxed);
        taken
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receipt::Outcome;

    fn record(system_id: &str) -> Record {
        Record {
            system_id: Arc::from(system_id),
            source: "1588".to_owned(),
            dests: vec!["821012345678".to_owned()],
            submitted: chrono::Utc::now(),
            done_at: tokio::time::Instant::now(),
            outcome: Outcome::Delivered,
            cancelled: false,
            text: String::new(),
        }
    }

    #[tokio::test]
    async fn holds_per_system_id_and_drops_the_oldest_when_full() {
        let (held, registry, counters) = (HeldReceipts::new(2), Registry::default(), Counters::default());
        for id in 1..=3 {
            assert!(
                held.pick_or_hold(&registry, id, &record("a"), &counters)
                    .is_none()
            );
        }
        assert!(held.pick_or_hold(&registry, 9, &record("b"), &counters).is_none());
        let ids = |q: Held| q.into_iter().map(|(id, _)| id).collect::<Vec<_>>();
        assert_eq!(counters.receipts_dropped.load(Relaxed), 1);
        assert_eq!(counters.receipts_held.load(Relaxed), 3);
        assert_eq!(ids(held.take("a", &counters)), [2, 3], "the oldest went");
        assert!(held.take("a", &counters).is_empty(), "taken once");
        assert_eq!(ids(held.take("b", &counters)), [9]);
        assert_eq!(counters.receipts_held.load(Relaxed), 0);
    }
}
