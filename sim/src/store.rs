//! Accepted messages by SMSC message id, for query_sm / cancel_sm / replace_sm and for
//! building receipts. Bounded: the oldest record is forgotten first.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use tokio::time::Instant;

use crate::receipt::Outcome;

/// What the simulator remembers about one accepted message.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub(crate) system_id: Arc<str>,
    pub(crate) source: String,
    /// Destinations (several for submit_multi).
    pub(crate) dests: Vec<String>,
    pub(crate) submitted: DateTime<Utc>,
    pub(crate) done_at: Instant,
    pub(crate) outcome: Outcome,
    pub(crate) cancelled: bool,
    /// Start of the text, for the receipt's `text:` field.
    pub(crate) text: String,
}

/// SMPP v5.0 §4.7.15 message_state of a record at `now`.
pub(crate) fn state_at(rec: &Record, now: Instant) -> u8 {
    const ENROUTE: u8 = 1;
    const DELETED: u8 = 4;
    if rec.cancelled {
        DELETED
    } else if now >= rec.done_at && rec.outcome != Outcome::NoReceipt {
        rec.outcome.message_state()
    } else {
        ENROUTE
    }
}

#[derive(Debug, Default)]
struct Inner {
    map: HashMap<u64, Record>,
    order: VecDeque<u64>,
}

/// The bounded record table.
#[derive(Debug)]
pub(crate) struct MessageStore {
    next: AtomicU64,
    max: usize,
    inner: Mutex<Inner>,
}

impl MessageStore {
    pub(crate) fn new(first_id: u64, max: usize) -> Self {
        Self {
            next: AtomicU64::new(first_id),
            max,
            inner: Mutex::new(Inner::default()),
        }
    }

    pub(crate) fn next_id(&self) -> u64 {
        self.next.fetch_add(1, Relaxed)
    }

    pub(crate) fn insert(&self, id: u64, rec: Record) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if inner.order.len() >= self.max
            && let Some(old) = inner.order.pop_front()
        {
            inner.map.remove(&old);
        }
        inner.order.push_back(id);
        inner.map.insert(id, rec);
    }

    /// Run `f` on a record, if it is still remembered.
    pub(crate) fn with<T>(&self, id: u64, f: impl FnOnce(&mut Record) -> T) -> Option<T> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .map
            .get_mut(&id)
            .map(f)
    }
}
