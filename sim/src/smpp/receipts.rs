//! The receipt scheduler: one task holding a bounded timer heap, firing deliver_sm delivery
//! receipts (SMPP v5.0 §4.8.4.* receipted_message_id, message_state; v3.4 Appendix B text)
//! to a receiver or transceiver of the submitting system_id. A receipt due while none is bound
//! is held (`held`) and sent when one binds. Runs on tokio time, so tests can pause and advance
//! it.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::str::FromStr as _;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use rusmpp::CommandStatus;
use rusmpp::pdus::DeliverSm;
use rusmpp::tlvs::MessageDeliveryRequestTlvValue;
use rusmpp::types::{COctetString, OctetString};
use rusmpp::values::{EsmClass, MessageState, Npi, Ton};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::frame::Out;
use super::registry::Link;
use crate::receipt::receipt_text;
use crate::shared::Shared;
use crate::store::Record;

/// A receipt due at `due` for message `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ReceiptJob {
    pub(crate) due: Instant,
    pub(crate) id: u64,
}

/// How long one slow receiver may hold up the scheduler before its receipt is dropped.
const SEND_PATIENCE: Duration = Duration::from_secs(1);

/// Run until shutdown.
pub(crate) async fn run(shared: Arc<Shared>, mut rx: mpsc::Receiver<ReceiptJob>) {
    let mut heap: BinaryHeap<Reverse<ReceiptJob>> = BinaryHeap::new();
    let max = shared.config.limits.max_pending_receipts;
    loop {
        let next_due = heap.peek().map(|Reverse(j)| j.due);
        tokio::select! {
            () = shared.shutdown.cancelled() => return,
            job = rx.recv() => match job {
                Some(job) if heap.len() < max => heap.push(Reverse(job)),
                Some(_) => { shared.counters.receipts_dropped.fetch_add(1, Relaxed); }
                None => return,
            },
            () = sleep_until(next_due) => {
                // A hung SMSC sends nothing; receipts that fell due meanwhile go when it ends.
                tokio::select! {
                    () = shared.shutdown.cancelled() => return,
                    () = shared.faults.stalled() => {}
                }
                let now = Instant::now();
                while heap.peek().is_some_and(|Reverse(j)| j.due <= now) {
                    if let Some(Reverse(job)) = heap.pop() {
                        fire(&shared, job.id).await;
                    }
                }
            }
        }
    }
}

async fn sleep_until(due: Option<Instant>) {
    match due {
        Some(due) => tokio::time::sleep_until(due).await,
        None => std::future::pending().await,
    }
}

async fn fire(shared: &Shared, id: u64) {
    let Some(rec) = shared
        .store
        .with(id, |r| (!r.cancelled).then(|| r.clone()))
        .flatten()
    else {
        return;
    };
    let Some(link) = shared
        .held
        .pick_or_hold(&shared.registry, id, &rec, &shared.counters)
    else {
        return;
    };
    send(shared, id, &rec, &link).await;
}

/// After a receiver or transceiver of `system_id` bound on `link` (its bind_resp already
/// queued): the receipts held for that system_id, oldest first.
pub(crate) fn release_held(shared: &Arc<Shared>, system_id: &str, link: &Arc<Link>) {
    let held = shared.held.take(system_id, &shared.counters);
    if held.is_empty() {
        return;
    }
    tracing::debug!(system_id, receipts = held.len(), "sending held receipts");
    let (shared, link) = (Arc::clone(shared), Arc::clone(link));
    tokio::spawn(async move {
        for (id, rec) in held {
            send(&shared, id, &rec, &link).await;
        }
    });
}

/// After a session ended: the receipts it was sent and never acknowledged go out again on another
/// receiving session of their system_id, or are held until one binds.
pub(crate) fn redeliver_unacked(shared: &Arc<Shared>, link: &Link) {
    let owed = link.take_unacked();
    if owed.is_empty() {
        return;
    }
    tracing::debug!(
        receipts = owed.len(),
        "receipts not acknowledged before the session ended: again"
    );
    let shared = Arc::clone(shared);
    tokio::spawn(async move {
        for (id, rec) in owed {
            if let Some(link) = shared
                .held
                .pick_or_hold(&shared.registry, id, &rec, &shared.counters)
            {
                send(&shared, id, &rec, &link).await;
            }
        }
    });
}

/// One deliver_sm per destination of the message, each owed until its deliver_sm_resp.
async fn send(shared: &Shared, id: u64, rec: &Record, link: &Link) {
    for dest in &rec.dests {
        let seq = link.next_seq();
        link.expect_ack(seq, id, rec);
        let out = Out::cmd(CommandStatus::EsmeRok, seq, build(shared, id, rec, dest, link));
        let sent = tokio::time::timeout(SEND_PATIENCE, link.send(out, &shared.counters)).await;
        let counter = if matches!(sent, Ok(Ok(()))) {
            &shared.counters.receipts_sent
        } else {
            &shared.counters.receipts_dropped
        };
        counter.fetch_add(1, Relaxed);
    }
}

fn build(shared: &Shared, id: u64, rec: &Record, dest: &str, link: &Link) -> DeliverSm {
    let msg_id = shared.config.message_ids.receipt.format(id);
    let done = shared.clock.at(rec.done_at);
    let text = receipt_text(&msg_id, rec.submitted, done, rec.outcome, &rec.text);
    receipt_pdu(
        &msg_id,
        &text,
        rec.outcome.message_state(),
        dest,
        &rec.source,
        link.version(),
    )
}

/// A delivery receipt for message `msg_id` from handset `dest` back to `source`, for a peer of
/// interface `version`: esm_class 0x04 ("SMSC delivery receipt", nothing else set), the receipt
/// text, and from SMPP 3.4 on the receipted_message_id and message_state TLVs.
fn receipt_pdu(msg_id: &str, text: &str, state: u8, dest: &str, source: &str, version: u8) -> DeliverSm {
    // Built from the byte: rusmpp's `EsmClass::default()` sets bit 3 (its ANSI-41 default), which
    // GSM peers read as something else.
    let receipt_class = EsmClass::from(0x04);
    let mut builder = DeliverSm::builder()
        // The receipt travels back: from the handset to the original sender.
        .source_addr_ton(Ton::International)
        .source_addr_npi(Npi::Isdn)
        .source_addr(COctetString::from_str(dest).unwrap_or_default())
        .destination_addr(COctetString::from_str(source).unwrap_or_default())
        .esm_class(receipt_class)
        .short_message(OctetString::from_str(text).unwrap_or_default());
    // TLVs exist from SMPP 3.4 on; a 3.3 peer gets the text only.
    if version >= 0x34 {
        builder = builder
            .push_tlv(MessageDeliveryRequestTlvValue::ReceiptedMessageId(
                COctetString::from_str(msg_id).unwrap_or_default(),
            ))
            .push_tlv(MessageDeliveryRequestTlvValue::MessageState(MessageState::from(
                state,
            )));
    }
    builder.build()
}

#[cfg(test)]
mod wire_tests {
    use super::*;
    use crate::mo::wire_tests::{addressing_and_esm_class, wire};

    #[test]
    fn a_receipt_goes_out_with_esm_class_0x04() {
        for version in [0x33, 0x34, 0x50] {
            let pdu = receipt_pdu("1a", "id:1a stat:DELIVRD", 2, "821012345678", "1588", version);
            assert_eq!(
                addressing_and_esm_class(&wire(pdu)).4,
                0x04,
                "interface {version:#x}"
            );
        }
    }
}
