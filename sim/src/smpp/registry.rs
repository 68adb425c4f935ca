//! Who can receive: the outbound link of every session, and the receiver/transceiver binds
//! indexed by system_id so receipts and MO messages find a session.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::mpsc;

use super::frame::Out;
use crate::stats::Counters;

/// A session's outbound side: its bounded writer queue and its MC-originated sequence numbers.
#[derive(Debug)]
pub(crate) struct Link {
    pub(crate) id: u64,
    tx: mpsc::Sender<Out>,
    next_seq: AtomicU32,
    /// interface_version the peer bound with (0x34, 0x50, …); 0 before bind.
    version: AtomicU32,
    /// Receipts sent on this link whose deliver_sm_resp has not come, by sequence number: held
    /// again when the session ends, as an SMSC retries a deliver_sm nobody acknowledged.
    unacked: Mutex<HashMap<u32, (u64, crate::store::Record)>>,
}

/// The session's writer has gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("session closed")]
pub(crate) struct Closed;

impl Link {
    pub(crate) fn new(id: u64, tx: mpsc::Sender<Out>) -> Self {
        Self {
            id,
            tx,
            next_seq: AtomicU32::new(1),
            version: AtomicU32::new(0),
            unacked: Mutex::default(),
        }
    }

    /// Receipt `id` went out as `seq`; it stays owed until [`Self::acked`].
    pub(crate) fn expect_ack(&self, seq: u32, id: u64, rec: &crate::store::Record) {
        let mut unacked = self.unacked.lock().unwrap_or_else(PoisonError::into_inner);
        unacked.insert(seq, (id, rec.clone()));
    }

    /// The peer answered the deliver_sm `seq`.
    pub(crate) fn acked(&self, seq: u32) {
        self.unacked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&seq);
    }

    /// The receipts still owed, each message once (its record sends every destination again).
    pub(crate) fn take_unacked(&self) -> Vec<(u64, crate::store::Record)> {
        let owed = std::mem::take(&mut *self.unacked.lock().unwrap_or_else(PoisonError::into_inner));
        let mut by_id: HashMap<u64, crate::store::Record> = HashMap::new();
        for (_, (id, rec)) in owed {
            by_id.entry(id).or_insert(rec);
        }
        by_id.into_iter().collect()
    }

    /// SMPP v5.0 §3.2: sequence numbers run 0x00000001..=0x7FFFFFFF, then wrap.
    pub(crate) fn next_seq(&self) -> u32 {
        let seq = self.next_seq.fetch_add(1, Relaxed) & 0x7FFF_FFFF;
        if seq == 0 { self.next_seq() } else { seq }
    }

    pub(crate) fn version(&self) -> u8 {
        u8::try_from(self.version.load(Relaxed)).unwrap_or(0x50)
    }

    pub(crate) fn set_version(&self, v: u8) {
        self.version.store(u32::from(v), Relaxed);
    }

    /// Queue a PDU (waits while the queue is full) and count it.
    pub(crate) async fn send(&self, out: Out, counters: &Counters) -> Result<(), Closed> {
        let ids = out.ids();
        self.tx.send(out).await.map_err(|_| Closed)?;
        if let Some((id, status)) = ids {
            counters.sent(id, status);
        }
        Ok(())
    }

    pub(crate) fn sender(&self) -> mpsc::Sender<Out> {
        self.tx.clone()
    }
}

type Table = HashMap<Arc<str>, Vec<Arc<Link>>>;

/// Receiver and transceiver binds by system_id.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    table: Arc<Mutex<Table>>,
    rr: AtomicUsize,
}

/// Removes its link from the registry when the binding ends.
#[derive(Debug)]
pub(crate) struct Registration {
    table: Arc<Mutex<Table>>,
    system_id: Arc<str>,
    link_id: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(links) = table.get_mut(&self.system_id) {
            links.retain(|l| l.id != self.link_id);
            if links.is_empty() {
                table.remove(&self.system_id);
            }
        }
    }
}

impl Registry {
    pub(crate) fn register(&self, system_id: Arc<str>, link: Arc<Link>) -> Registration {
        let link_id = link.id;
        self.table
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(Arc::clone(&system_id))
            .or_default()
            .push(link);
        Registration {
            table: Arc::clone(&self.table),
            system_id,
            link_id,
        }
    }

    /// A receiving session of `system_id`, or of anyone when `None`; round-robin.
    pub(crate) fn pick(&self, system_id: Option<&str>) -> Option<Arc<Link>> {
        let table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        let turn = self.rr.fetch_add(1, Relaxed);
        match system_id {
            Some(id) => {
                let links = table.get(id)?;
                links.get(turn % links.len().max(1)).cloned()
            }
            None => {
                let all: Vec<&Arc<Link>> = table.values().flatten().collect();
                all.get(turn % all.len().max(1)).map(|l| Arc::clone(l))
            }
        }
    }
}
