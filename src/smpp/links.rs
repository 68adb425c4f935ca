//! The SMSC links as the dispatcher sees them: each link's settings, whether any of its
//! transmitting sessions is bound and not paused (throttled), its queue of claimed parts, and the
//! routes that choose a link for a part. Shared by the router, the sessions and the operators'
//! status page ([`LinkStatus`]).

use std::hash::{Hash as _, Hasher as _};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};

use super::config::{RouteConfig, SmppConfig};
use super::receipt::normalize_message_id;
use super::submit::tokio_ms;
use crate::store::sms::OutboxRow;

/// One SMSC link.
pub(super) struct Link {
    /// Its settings (`[smpp]` or a `[[smpp.links]]` table over it).
    pub(super) cfg: Arc<SmppConfig>,
    /// Its place in the configuration; the first link's message ids are stored bare, the
    /// others' prefixed with the name so two SMSCs' ids never meet.
    index: usize,
    /// Transmitting sessions bound now.
    bound: AtomicU32,
    /// Milliseconds of the tokio clock before which the link submits nothing (after
    /// ESME_RTHROTTLED or ESME_RMSGQFUL).
    pub(super) paused_until: AtomicU64,
    /// submit_sm outstanding over all its sessions.
    pub(super) in_flight: AtomicUsize,
    /// Parts claimed for this link, read by its sessions.
    pub(super) queue: flume::Sender<OutboxRow>,
    pub(super) parts: flume::Receiver<OutboxRow>,
}

impl Link {
    fn new(cfg: SmppConfig, index: usize) -> Self {
        // Up to four windows per session wait; under a submit rate cap at most a second's worth,
        // so no claim runs out before its part goes.
        let mut ahead = (cfg.window as usize).max(1) * 4 * cfg.sessions as usize;
        if let Some(per_sec) = cfg.max_submits_per_sec {
            ahead = ahead.min(usize::try_from(per_sec).unwrap_or(usize::MAX)).max(1);
        }
        let (queue, parts) = flume::bounded(ahead);
        Self {
            cfg: Arc::new(cfg),
            index,
            bound: AtomicU32::new(0),
            paused_until: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            queue,
            parts,
        }
    }

    pub(super) fn name(&self) -> &str {
        &self.cfg.name
    }

    /// A transmitting session of this link bound (`true`) or was lost.
    pub(super) fn set_bound(&self, up: bool) {
        if up {
            self.bound.fetch_add(1, Ordering::Relaxed);
        } else {
            let _ = self
                .bound
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
        }
    }

    /// Whether the link takes parts now: a session is bound and it is not paused.
    pub(super) fn is_up(&self) -> bool {
        self.bound.load(Ordering::Relaxed) > 0 && !self.is_paused()
    }

    fn is_paused(&self) -> bool {
        self.paused_until.load(Ordering::Relaxed) > tokio_ms()
    }

    /// Room in its queue.
    pub(super) fn room(&self) -> usize {
        self.queue
            .capacity()
            .unwrap_or(0)
            .saturating_sub(self.queue.len())
    }

    /// A message id from this SMSC in the form the outbox keeps: read as `msg_id_type` says
    /// (`receipt`: in a delivery receipt, else in a submit_sm_resp), in one normal form, and for
    /// every link but the first, prefixed with the link's name.
    pub(super) fn message_id(&self, raw: &str, receipt: bool) -> String {
        let bit = if receipt { 2 } else { 1 };
        let radix = self.cfg.msg_id_type.map(|t| if t & bit == 0 { 10 } else { 16 });
        let id = radix
            .and_then(|r| u64::from_str_radix(raw.trim(), r).ok())
            .map_or_else(|| normalize_message_id(raw), |n| format!("{n:x}"));
        if self.index == 0 {
            id
        } else {
            format!("{}:{id}", self.cfg.name)
        }
    }

    fn status(&self) -> LinkStatus {
        LinkStatus {
            name: self.cfg.name.clone(),
            address: self.cfg.address.clone(),
            sessions: self.cfg.sessions,
            bound: self.bound.load(Ordering::Relaxed),
            paused: self.is_paused(),
            in_flight: self.in_flight.load(Ordering::Relaxed),
            queued: self.queue.len(),
        }
    }
}

/// One link as the operators' status shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LinkStatus {
    /// `[smpp] name` or the `[[smpp.links]]` table's.
    pub name: String,
    /// The SMSC's `host:port`.
    pub address: String,
    /// Transmitting sessions configured.
    pub sessions: u32,
    /// Transmitting sessions bound now.
    pub bound: u32,
    /// Paused after the SMSC throttled it.
    pub paused: bool,
    /// submit_sm awaiting their response.
    pub in_flight: usize,
    /// Parts claimed for it and waiting for a window place.
    pub queued: usize,
}

/// A route with its links resolved to their places.
struct Route {
    prefixes: Vec<String>,
    senders: Vec<String>,
    links: Vec<usize>,
    weights: Vec<u32>,
}

impl Route {
    fn new(cfg: &RouteConfig, links: &[Link]) -> Self {
        Self {
            prefixes: cfg
                .prefixes
                .iter()
                .map(|p| p.trim_start_matches('+').to_owned())
                .collect(),
            senders: cfg.senders.clone(),
            links: cfg
                .links
                .iter()
                .filter_map(|name| links.iter().position(|l| l.name() == name))
                .collect(),
            weights: cfg.weights.clone(),
        }
    }

    fn takes(&self, row: &OutboxRow) -> bool {
        let to = row.address.trim_start_matches('+');
        (self.prefixes.is_empty() || self.prefixes.iter().any(|p| to.starts_with(p.as_str())))
            && (self.senders.is_empty() || self.senders.contains(&row.sender))
    }
}

/// Every link and route; cheap to clone.
#[derive(Clone)]
pub struct Links(Arc<Inner>);

struct Inner {
    links: Vec<Arc<Link>>,
    routes: Vec<Route>,
    /// Every link in configuration order: the route of a part no route takes.
    fallback: Route,
}

impl Links {
    /// The links and routes of `cfg` (already checked: [`SmppConfig::check`]).
    #[must_use]
    pub fn new(cfg: &SmppConfig) -> Self {
        let configs = cfg.link_configs().unwrap_or_else(|_| vec![cfg.clone()]);
        let links: Vec<Link> = configs
            .into_iter()
            .enumerate()
            .map(|(i, c)| Link::new(c, i))
            .collect();
        let routes = cfg.routes.iter().map(|r| Route::new(r, &links)).collect();
        let fallback = Route {
            prefixes: Vec::new(),
            senders: Vec::new(),
            links: (0..links.len()).collect(),
            weights: Vec::new(),
        };
        Self(Arc::new(Inner {
            links: links.into_iter().map(Arc::new).collect(),
            routes,
            fallback,
        }))
    }

    /// Every link, in configuration order.
    pub(super) fn all(&self) -> &[Arc<Link>] {
        &self.0.links
    }

    /// Each link's state now, for operators.
    #[must_use]
    pub fn status(&self) -> Vec<LinkStatus> {
        self.0.links.iter().map(|l| l.status()).collect()
    }

    /// The links that may take `row` now, best first: without weights, the first link of its
    /// route that is up (failover: a busy link keeps its parts, a down one leaves them to the
    /// next); with weights, the link its message falls to (every part of a message falls the
    /// same way) and then the route's other links that are up, for when that one's queue is
    /// full. Empty when no link of its route is up.
    pub(super) fn candidates(&self, row: &OutboxRow) -> Vec<&Arc<Link>> {
        let route = self
            .0
            .routes
            .iter()
            .find(|r| r.takes(row))
            .unwrap_or(&self.0.fallback);
        let mut up: Vec<(usize, u32)> = route
            .links
            .iter()
            .enumerate()
            .filter(|(_, l)| self.0.links[**l].is_up())
            .map(|(i, l)| (*l, route.weights.get(i).copied().unwrap_or(0)))
            .collect();
        let total: u64 = up.iter().map(|(_, w)| u64::from(*w)).sum();
        if total == 0 {
            // Failover: the first link that is up, and no other while it is.
            up.truncate(1);
        } else {
            let mut hasher = std::hash::DefaultHasher::new();
            row.request_id.hash(&mut hasher);
            row.address.hash(&mut hasher);
            let mut point = hasher.finish() % total;
            let first = up
                .iter()
                .position(|(_, w)| {
                    let hit = point < u64::from(*w);
                    point = point.saturating_sub(u64::from(*w));
                    hit
                })
                .unwrap_or(0);
            up.rotate_left(first);
        }
        up.into_iter().map(|(l, _)| &self.0.links[l]).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(index: usize, msg_id_type: Option<u8>) -> Link {
        let cfg = SmppConfig {
            name: "lgu".to_owned(),
            msg_id_type,
            ..SmppConfig::default()
        };
        Link::new(cfg, index)
    }

    /// `msg_id_type` 1: submit_sm_resp ids in hex, receipt ids in decimal; both meet in one form.
    #[test]
    fn message_ids_are_read_in_the_links_number_base() {
        let l = link(0, Some(1));
        assert_eq!(l.message_id("0001E240", false), l.message_id("123456", true));
        let l = link(0, Some(2));
        assert_eq!(l.message_id("123456", false), l.message_id("1e240", true));
        let text = link(0, None);
        assert_eq!(text.message_id("00AB", false), "ab");
        assert_eq!(text.message_id("ab", true), "ab");
        // Not a number in the base the setting names: compared as text.
        assert_eq!(l.message_id("x-1", false), "x-1");
    }

    #[test]
    fn ids_of_further_links_carry_the_links_name() {
        assert_eq!(link(1, None).message_id("1", false), "lgu:1");
        assert_eq!(link(0, None).message_id("1", false), "1");
    }
}
