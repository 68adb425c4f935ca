//! Counters: lock-free per-command atomics on the hot path, a snapshot type for `GET /stats`
//! and its Prometheus text rendering. Knows command ids and statuses as numbers only.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};

/// SMPP v5.0 §4.7.5 command ids the simulator names; anything else counts as "other".
const COMMANDS: [(u32, &str); 29] = [
    (0x0000_0001, "bind_receiver"),
    (0x8000_0001, "bind_receiver_resp"),
    (0x0000_0002, "bind_transmitter"),
    (0x8000_0002, "bind_transmitter_resp"),
    (0x0000_0003, "query_sm"),
    (0x8000_0003, "query_sm_resp"),
    (0x0000_0004, "submit_sm"),
    (0x8000_0004, "submit_sm_resp"),
    (0x0000_0005, "deliver_sm"),
    (0x8000_0005, "deliver_sm_resp"),
    (0x0000_0006, "unbind"),
    (0x8000_0006, "unbind_resp"),
    (0x0000_0007, "replace_sm"),
    (0x8000_0007, "replace_sm_resp"),
    (0x0000_0008, "cancel_sm"),
    (0x8000_0008, "cancel_sm_resp"),
    (0x0000_0009, "bind_transceiver"),
    (0x8000_0009, "bind_transceiver_resp"),
    (0x0000_000B, "outbind"),
    (0x0000_0015, "enquire_link"),
    (0x8000_0015, "enquire_link_resp"),
    (0x0000_0021, "submit_multi"),
    (0x8000_0021, "submit_multi_resp"),
    (0x0000_0102, "alert_notification"),
    (0x0000_0103, "data_sm"),
    (0x8000_0103, "data_sm_resp"),
    (0x8000_0000, "generic_nack"),
    (0x0000_0111, "broadcast_sm"),
    (0xFFFF_FFFF, "other"),
];
const OTHER: usize = COMMANDS.len() - 1;

/// Name of a command id, e.g. `submit_sm`.
pub fn command_name(id: u32) -> &'static str {
    COMMANDS[slot(id)].1
}

fn slot(id: u32) -> usize {
    COMMANDS.iter().position(|(c, _)| *c == id).unwrap_or(OTHER)
}

/// SMPP v5.0 §4.7.6 name of a command_status, e.g. `ESME_RTHROTTLED`.
pub fn status_name(status: u32) -> String {
    let name = format!("{:?}", rusmpp::CommandStatus::from(status));
    match name.strip_prefix("Esme") {
        Some(rest) if !rest.contains('(') => format!("ESME_{}", rest.to_uppercase()),
        _ => format!("0x{status:08X}"),
    }
}

/// Live counters.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) binds_ok: AtomicU64,
    pub(crate) binds_failed: AtomicU64,
    pub(crate) sessions_open: AtomicI64,
    pub(crate) sessions_bound: AtomicI64,
    pub(crate) receipts_sent: AtomicU64,
    pub(crate) receipts_dropped: AtomicU64,
    pub(crate) receipts_held: AtomicI64,
    pub(crate) mo_sent: AtomicU64,
    received: [AtomicU64; COMMANDS.len()],
    sent_ok: [AtomicU64; COMMANDS.len()],
    /// Non-zero statuses are rare, so a locked map is fine there.
    sent_err: Mutex<HashMap<(usize, u32), u64>>,
    /// Successful binds by (interface_version, system_type): binds are rare.
    binds_as: Mutex<BTreeMap<String, u64>>,
    binds_by_kind: Mutex<BTreeMap<String, u64>>,
}

impl Counters {
    /// A successful bind as `kind` (`transmitter`, `receiver`, `transceiver`) of
    /// `interface_version` `version` and `system_type`.
    pub(crate) fn bound(&self, kind: &str, version: u8, system_type: &str) {
        self.binds_ok.fetch_add(1, Relaxed);
        *self
            .binds_by_kind
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(kind.to_owned())
            .or_default() += 1;
        let key = format!("{}.{} {system_type}", version >> 4, version & 0x0F);
        *self
            .binds_as
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(key.trim_end().to_owned())
            .or_default() += 1;
    }

    pub(crate) fn received(&self, id: u32) {
        self.received[slot(id)].fetch_add(1, Relaxed);
    }

    pub(crate) fn sent(&self, id: u32, status: u32) {
        if status == 0 {
            self.sent_ok[slot(id)].fetch_add(1, Relaxed);
        } else {
            *self
                .sent_err
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry((slot(id), status))
                .or_default() += 1;
        }
    }

    pub(crate) fn snapshot(&self, inbox: (usize, usize)) -> Stats {
        let mut pdus_received = BTreeMap::new();
        let mut pdus_sent: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        for (i, (_, name)) in COMMANDS.iter().enumerate() {
            let n = self.received[i].load(Relaxed);
            if n > 0 {
                pdus_received.insert((*name).to_owned(), n);
            }
            let n = self.sent_ok[i].load(Relaxed);
            if n > 0 {
                pdus_sent
                    .entry((*name).to_owned())
                    .or_default()
                    .insert(status_name(0), n);
            }
        }
        for ((i, status), n) in self
            .sent_err
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
        {
            pdus_sent
                .entry(COMMANDS[*i].1.to_owned())
                .or_default()
                .insert(status_name(*status), *n);
        }
        Stats {
            binds_ok: self.binds_ok.load(Relaxed),
            binds_as: self
                .binds_as
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
            binds_by_kind: self
                .binds_by_kind
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
            binds_failed: self.binds_failed.load(Relaxed),
            sessions_open: self.sessions_open.load(Relaxed).max(0).unsigned_abs(),
            sessions_bound: self.sessions_bound.load(Relaxed).max(0).unsigned_abs(),
            pdus_received,
            pdus_sent,
            receipts_sent: self.receipts_sent.load(Relaxed),
            receipts_dropped: self.receipts_dropped.load(Relaxed),
            receipts_held: self.receipts_held.load(Relaxed).max(0).unsigned_abs(),
            mo_sent: self.mo_sent.load(Relaxed),
            inbox_handsets: inbox.0 as u64,
            inbox_messages: inbox.1 as u64,
        }
    }
}

/// A snapshot of all counters (`GET /stats`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Successful binds.
    pub binds_ok: u64,
    /// Successful binds by interface_version and system_type, e.g. `"3.4"` or `"3.3 VMA"`.
    #[serde(default)]
    pub binds_as: BTreeMap<String, u64>,
    /// Successful binds by kind: `transmitter`, `receiver`, `transceiver`.
    #[serde(default)]
    pub binds_by_kind: BTreeMap<String, u64>,
    /// Refused binds.
    pub binds_failed: u64,
    /// TCP sessions open now.
    pub sessions_open: u64,
    /// Sessions bound now.
    pub sessions_bound: u64,
    /// PDUs received, by command name.
    pub pdus_received: BTreeMap<String, u64>,
    /// PDUs sent, by command name and command_status name.
    pub pdus_sent: BTreeMap<String, BTreeMap<String, u64>>,
    /// Delivery receipts sent.
    pub receipts_sent: u64,
    /// Receipts not sent: the pending queue full, a receiver too slow, or (the oldest) a
    /// system_id's held receipts over `limits.max_held_receipts`.
    pub receipts_dropped: u64,
    /// Receipts held now for a system_id with no receiver bound, sent on its next bind.
    pub receipts_held: u64,
    /// MO deliver_sm parts sent.
    pub mo_sent: u64,
    /// Handsets with an inbox.
    pub inbox_handsets: u64,
    /// Messages in all inboxes.
    pub inbox_messages: u64,
}

impl Stats {
    /// Count of `command` responses sent with `status` (e.g. `"submit_sm_resp"`, `"ESME_ROK"`).
    pub fn sent(&self, command: &str, status: &str) -> u64 {
        self.pdus_sent
            .get(command)
            .and_then(|m| m.get(status))
            .copied()
            .unwrap_or(0)
    }

    /// (name, help, type, value) of the unlabelled series.
    fn scalars(&self) -> [(&'static str, &'static str, &'static str, u64); 8] {
        [
            (
                "pxsim_sessions_open",
                "TCP sessions open.",
                "gauge",
                self.sessions_open,
            ),
            (
                "pxsim_sessions_bound",
                "Bound SMPP sessions.",
                "gauge",
                self.sessions_bound,
            ),
            (
                "pxsim_receipts_sent_total",
                "Delivery receipts sent.",
                "counter",
                self.receipts_sent,
            ),
            (
                "pxsim_receipts_dropped_total",
                "Delivery receipts dropped.",
                "counter",
                self.receipts_dropped,
            ),
            (
                "pxsim_receipts_held",
                "Delivery receipts held for a system_id with no receiver bound.",
                "gauge",
                self.receipts_held,
            ),
            (
                "pxsim_mo_sent_total",
                "MO deliver_sm parts sent.",
                "counter",
                self.mo_sent,
            ),
            (
                "pxsim_inbox_handsets",
                "Handsets with an inbox.",
                "gauge",
                self.inbox_handsets,
            ),
            (
                "pxsim_inbox_messages",
                "Messages held in all inboxes.",
                "gauge",
                self.inbox_messages,
            ),
        ]
    }

    /// Prometheus text exposition format 0.0.4.
    pub fn to_prometheus(&self) -> String {
        let mut out = String::new();
        let scalars = self.scalars();
        for (name, help, kind, value) in scalars {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}");
        }
        let _ = writeln!(out, "# HELP pxsim_binds_total Bind attempts by result.");
        let _ = writeln!(out, "# TYPE pxsim_binds_total counter");
        let _ = writeln!(out, "pxsim_binds_total{{result=\"ok\"}} {}", self.binds_ok);
        let _ = writeln!(
            out,
            "pxsim_binds_total{{result=\"failed\"}} {}",
            self.binds_failed
        );
        let _ = writeln!(out, "# HELP pxsim_pdus_received_total PDUs received by command.");
        let _ = writeln!(out, "# TYPE pxsim_pdus_received_total counter");
        for (cmd, n) in &self.pdus_received {
            let _ = writeln!(out, "pxsim_pdus_received_total{{command=\"{cmd}\"}} {n}");
        }
        let _ = writeln!(
            out,
            "# HELP pxsim_pdus_sent_total PDUs sent by command and status."
        );
        let _ = writeln!(out, "# TYPE pxsim_pdus_sent_total counter");
        for (cmd, by_status) in &self.pdus_sent {
            for (status, n) in by_status {
                let _ = writeln!(
                    out,
                    "pxsim_pdus_sent_total{{command=\"{cmd}\",status=\"{status}\"}} {n}"
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(command_name(0x8000_0004), "submit_sm_resp");
        assert_eq!(command_name(0x1234), "other");
        assert_eq!(status_name(0x58), "ESME_RTHROTTLED");
        assert_eq!(status_name(0), "ESME_ROK");
    }

    #[test]
    fn snapshot_and_prometheus() {
        let c = Counters::default();
        c.received(4);
        c.sent(0x8000_0004, 0);
        c.sent(0x8000_0004, 0x58);
        let s = c.snapshot((1, 2));
        assert_eq!(s.sent("submit_sm_resp", "ESME_RTHROTTLED"), 1);
        let text = s.to_prometheus();
        assert!(
            text.contains("pxsim_pdus_sent_total{command=\"submit_sm_resp\",status=\"ESME_ROK\"} 1"),
            "{text}"
        );
        assert!(text.contains("pxsim_inbox_messages 2"));
    }
}
