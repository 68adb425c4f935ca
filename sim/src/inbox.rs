//! Handset inbox: every MT part stored per destination number, bounded, and reassembled and
//! decoded on read. Knows UDH/SAR concatenation keys and encodings, not PDUs or HTTP.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::InboxConfig;
use sms_text::{Concat, Encoding};

/// A reassembled, decoded message as a handset would show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboxMessage {
    /// Originator (source_addr).
    pub from: String,
    /// Handset number (normalised, no '+').
    pub to: String,
    /// Decoded text of the parts received so far, in order.
    pub text: String,
    /// Encoding of the body, shown by its name (`gsm7`, `ascii`, `latin1`, `ucs2`, `binary`).
    #[serde(serialize_with = "encoding_name")]
    pub encoding: Encoding,
    /// Parts the message consists of.
    pub parts: usize,
    /// Parts received so far.
    pub parts_received: usize,
    /// When the first part arrived.
    pub received_at: DateTime<Utc>,
    /// SMSC message ids of the parts, in arrival order.
    pub message_ids: Vec<String>,
    /// All parts present.
    pub complete: bool,
}

fn encoding_name<S: serde::Serializer>(encoding: &Encoding, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(encoding.name())
}

/// One MT part as the SMPP layer hands it over.
#[derive(Debug, Clone)]
pub(crate) struct IncomingPart {
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) data_coding: u8,
    pub(crate) concat: Option<Concat>,
    pub(crate) body: Bytes,
    pub(crate) message_id: String,
    pub(crate) received_at: DateTime<Utc>,
}

#[derive(Debug)]
struct Entry {
    from: String,
    encoding: Encoding,
    key: Option<(u16, u8)>,
    parts: Vec<Option<Bytes>>,
    message_ids: Vec<String>,
    received_at: DateTime<Utc>,
}

#[derive(Debug, Default)]
struct Inner {
    handsets: HashMap<String, VecDeque<Entry>>,
    /// Creation order of handsets, for eviction.
    order: VecDeque<String>,
}

/// The inbox of every handset.
#[derive(Debug)]
pub(crate) struct Inbox {
    cfg: InboxConfig,
    inner: Mutex<Inner>,
}

/// `+821012345678` and `821012345678` are the same handset.
pub fn normalize_msisdn(msisdn: &str) -> &str {
    msisdn.trim().trim_start_matches('+')
}

/// How far back a new part looks for its siblings: parts of one message arrive close together.
const REASSEMBLY_LOOKBACK: usize = 64;

impl Inbox {
    pub(crate) fn new(cfg: InboxConfig) -> Self {
        Self {
            cfg,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Store one part, joining it to an incomplete message with the same concatenation key.
    pub(crate) fn store(&self, part: IncomingPart) {
        let key = normalize_msisdn(&part.to);
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if !inner.handsets.contains_key(key) {
            if inner.order.len() >= self.cfg.max_handsets
                && let Some(old) = inner.order.pop_front()
            {
                inner.handsets.remove(&old);
            }
            inner.order.push_back(key.to_owned());
            inner.handsets.insert(key.to_owned(), VecDeque::new());
        }
        let Some(entries) = inner.handsets.get_mut(key) else {
            return;
        };
        if let Some(entry) = find_sibling(entries, &part) {
            if let Some(c) = part.concat {
                entry.parts[usize::from(c.seq) - 1] = Some(part.body);
                entry.message_ids.push(part.message_id);
            }
            return;
        }
        if entries.len() >= self.cfg.max_messages_per_handset {
            entries.pop_front();
        }
        entries.push_back(new_entry(part));
    }

    /// Messages of one handset, oldest first.
    pub(crate) fn messages(&self, msisdn: &str) -> Vec<InboxMessage> {
        let key = normalize_msisdn(msisdn);
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner
            .handsets
            .get(key)
            .map(|entries| entries.iter().map(|e| render(key, e)).collect())
            .unwrap_or_default()
    }

    /// Handsets and how many messages each holds, in creation order.
    pub(crate) fn handsets(&self) -> Vec<(String, usize)> {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner
            .order
            .iter()
            .map(|k| (k.clone(), inner.handsets.get(k).map_or(0, VecDeque::len)))
            .collect()
    }

    /// Total stored messages (for stats).
    pub(crate) fn size(&self) -> (usize, usize) {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        (
            inner.handsets.len(),
            inner.handsets.values().map(VecDeque::len).sum(),
        )
    }
}

fn valid_concat(c: Option<Concat>) -> Option<Concat> {
    c.filter(|c| c.total > 1 && c.seq >= 1 && c.seq <= c.total)
}

fn find_sibling<'a>(entries: &'a mut VecDeque<Entry>, part: &IncomingPart) -> Option<&'a mut Entry> {
    let c = valid_concat(part.concat)?;
    let encoding = Encoding::from_data_coding(part.data_coding);
    entries.iter_mut().rev().take(REASSEMBLY_LOOKBACK).find(|e| {
        e.key == Some((c.reference, c.total))
            && e.from == part.from
            && e.encoding == encoding
            && e.parts.get(usize::from(c.seq) - 1).is_some_and(Option::is_none)
    })
}

fn new_entry(part: IncomingPart) -> Entry {
    let encoding = Encoding::from_data_coding(part.data_coding);
    let (key, parts) = match valid_concat(part.concat) {
        Some(c) => {
            let mut parts = vec![None; usize::from(c.total)];
            parts[usize::from(c.seq) - 1] = Some(part.body);
            (Some((c.reference, c.total)), parts)
        }
        None => (None, vec![Some(part.body)]),
    };
    Entry {
        from: part.from,
        encoding,
        key,
        parts,
        message_ids: vec![part.message_id],
        received_at: part.received_at,
    }
}

fn render(to: &str, e: &Entry) -> InboxMessage {
    // Join raw bytes before decoding: a UCS-2 surrogate pair or a GSM escape may straddle parts.
    let body: Vec<u8> = e.parts.iter().flatten().flat_map(|b| b.iter().copied()).collect();
    let received = e.parts.iter().flatten().count();
    InboxMessage {
        from: e.from.clone(),
        to: to.to_owned(),
        text: e.encoding.decode(&body),
        encoding: e.encoding,
        parts: e.parts.len(),
        parts_received: received,
        received_at: e.received_at,
        message_ids: e.message_ids.clone(),
        complete: received == e.parts.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(to: &str, concat: Option<Concat>, body: &[u8], id: &str) -> IncomingPart {
        IncomingPart {
            from: "ACME".into(),
            to: to.into(),
            data_coding: 0,
            concat,
            body: Bytes::copy_from_slice(body),
            message_id: id.into(),
            received_at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    #[test]
    fn reassembles_out_of_order_and_normalises_keys() {
        let inbox = Inbox::new(InboxConfig::default());
        let c = |seq| {
            Some(Concat {
                reference: 7,
                total: 3,
                seq,
            })
        };
        inbox.store(part("+82101", c(3), b"!", "3"));
        inbox.store(part("82101", c(1), b"Hel", "1"));
        assert!(!inbox.messages("82101")[0].complete);
        inbox.store(part("82101", c(2), b"lo", "2"));
        let m = &inbox.messages("+82101")[0];
        assert_eq!((m.text.as_str(), m.parts, m.complete), ("Hello!", 3, true));
        assert_eq!(m.message_ids, ["3", "1", "2"]);
    }

    #[test]
    fn same_reference_twice_makes_two_messages() {
        let inbox = Inbox::new(InboxConfig::default());
        let c = |seq| {
            Some(Concat {
                reference: 1,
                total: 2,
                seq,
            })
        };
        for _ in 0..2 {
            inbox.store(part("1", c(1), b"a", "x"));
            inbox.store(part("1", c(2), b"b", "y"));
        }
        let m = inbox.messages("1");
        assert_eq!(m.len(), 2);
        assert!(m.iter().all(|m| m.complete && m.text == "ab"));
    }

    #[test]
    fn bounded_per_handset_and_in_handsets() {
        let inbox = Inbox::new(InboxConfig {
            max_messages_per_handset: 2,
            max_handsets: 2,
        });
        for i in 0..5 {
            inbox.store(part("1", None, format!("m{i}").as_bytes(), "id"));
        }
        let texts: Vec<_> = inbox.messages("1").into_iter().map(|m| m.text).collect();
        assert_eq!(texts, ["m3", "m4"]);
        inbox.store(part("2", None, b"x", "id"));
        inbox.store(part("3", None, b"x", "id"));
        assert!(inbox.messages("1").is_empty());
        assert_eq!(inbox.size(), (2, 2));
    }
}
