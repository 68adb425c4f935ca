//! State shared by the SMPP and HTTP sides: configuration, clock, counters, faults, inbox,
//! message store, receiver registry, the receipt queue and the held receipts. Construction only; no behaviour.

use std::sync::atomic::AtomicU64;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::config::SimConfig;
use crate::faults::FaultState;
use crate::inbox::Inbox;
use crate::receipt::{Clock, Planner};
use crate::smpp::held::HeldReceipts;
use crate::smpp::receipts::ReceiptJob;
use crate::smpp::registry::Registry;
use crate::stats::{Counters, Stats};
use crate::store::MessageStore;

/// Queue between submits and the receipt scheduler; beyond it receipts are dropped and counted.
const RECEIPT_QUEUE: usize = 65_536;

#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: SimConfig,
    pub(crate) clock: Clock,
    pub(crate) counters: Counters,
    pub(crate) faults: FaultState,
    pub(crate) inbox: Inbox,
    pub(crate) store: MessageStore,
    pub(crate) planner: Planner,
    pub(crate) registry: Registry,
    pub(crate) receipts: mpsc::Sender<ReceiptJob>,
    /// Receipts waiting for a receiver of their system_id to bind.
    pub(crate) held: HeldReceipts,
    pub(crate) shutdown: CancellationToken,
    pub(crate) next_session: AtomicU64,
    pub(crate) next_mo_ref: AtomicU64,
}

impl Shared {
    pub(crate) fn new(config: SimConfig) -> (Self, mpsc::Receiver<ReceiptJob>) {
        let clock = Clock::new();
        let nanos = clock.now().timestamp_nanos_opt().unwrap_or(0).unsigned_abs();
        let seed = config.seed.unwrap_or(nanos);
        // Clock-derived first id (ms << 16): restarts do not reuse ids a gateway may still hold.
        let first_id = config.message_id_start.unwrap_or((nanos / 1_000_000) << 16);
        let (tx, rx) = mpsc::channel(RECEIPT_QUEUE);
        let shared = Self {
            clock,
            counters: Counters::default(),
            faults: FaultState::new(config.faults.clone()),
            inbox: Inbox::new(config.inbox.clone()),
            store: MessageStore::new(first_id, config.limits.max_tracked_messages),
            planner: Planner::new(&config.receipts, seed),
            registry: Registry::default(),
            receipts: tx,
            held: HeldReceipts::new(config.limits.max_held_receipts),
            shutdown: CancellationToken::new(),
            next_session: AtomicU64::new(1),
            next_mo_ref: AtomicU64::new(seed),
            config,
        };
        (shared, rx)
    }

    pub(crate) fn stats(&self) -> Stats {
        self.counters.snapshot(self.inbox.size())
    }
}
