//! The SMS outbox on both backends: claims are exclusive and resume after their time runs out (a
//! restarted dispatcher), temporary errors requeue, receipts find their message by normalized id,
//! a receipt that overtakes its submit_sm_resp is applied when the id arrives, and a part whose
//! receipt never comes is final as uncertain after the wait.

use pxgate::store::sms::batch::{SmsClaim, SmsOutcome, SmsRound};
use pxgate::store::sms::routing::Registration;
use pxgate::store::sms::{InboxLease, NewMo, NewPart, NewSms, PartStatus, ReceivedSms};

use crate::harness::{TestDb, battery};

battery!(
    claims_are_exclusive_and_resume_after_they_run_out,
    requeued_rows_wait_for_their_time,
    receipts_update_parts_even_when_they_come_first,
    a_round_queues_records_and_claims_in_one_transaction,
    a_failed_round_writes_nothing,
    claims_start_at_the_pending_floor,
    an_incomplete_received_message_is_routed_after_the_wait,
    parts_without_a_receipt_become_uncertain_after_the_wait,
    received_messages_are_leased_until_settled,
    sent_parts_are_listed_by_number_and_by_application,
);

fn sms(request_id: &str, addresses: &[&str], parts: i64) -> NewSms {
    NewSms {
        request_id: request_id.to_owned(),
        actor: "app:shop".to_owned(),
        sender: "1588".to_owned(),
        receipt: true,
        notify: None,
        notify_format: "soap",
        client_correlator: None,
        parts: addresses
            .iter()
            .flat_map(|a| {
                (1..=parts).map(move |n| NewPart {
                    address: (*a).to_owned(),
                    part_no: n,
                    part_count: parts,
                    data_coding: 8,
                    esm_class: 0x40,
                    body: vec![
                        5,
                        0,
                        3,
                        1,
                        u8::try_from(parts).unwrap(),
                        u8::try_from(n).unwrap(),
                        0xAC,
                        0x00,
                    ],
                })
            })
            .collect(),
    }
}

fn claim(limit: i64, claimed_until: i64) -> SmsClaim {
    SmsClaim {
        limit,
        claimed_until,
        from_id: 0,
    }
}

fn statuses(parts: &[pxgate::store::sms::PartState]) -> Vec<PartStatus> {
    parts.iter().map(|p| p.status).collect()
}

async fn claims_are_exclusive_and_resume_after_they_run_out(db: &TestDb) {
    let s = &db.store;
    s.queue_sms(&sms("r1", &["+821011112222", "+821033334444"], 2), 1_000)
        .await
        .unwrap();
    let first = s.claim_sms(claim(3, 5_000), 1_000).await.unwrap();
    assert_eq!(
        first.iter().map(|r| r.part_no).collect::<Vec<_>>(),
        [1, 2, 1],
        "in queue order"
    );
    assert_eq!(first[0].body.len(), 8);
    let second = s.claim_sms(claim(10, 5_000), 1_000).await.unwrap();
    assert_eq!(second.len(), 1, "only the unclaimed row");
    assert!(
        s.claim_sms(claim(10, 9_000), 4_999).await.unwrap().is_empty(),
        "claims still held"
    );
    // The dispatcher holding them died: once the claim runs out they are claimed again.
    let again = s.claim_sms(claim(10, 9_000), 5_001).await.unwrap();
    assert_eq!(again.len(), 4);
    assert!(
        again.iter().all(|r| r.attempts == 2),
        "each claim counts an attempt"
    );
    let (owner, parts) = s.sms_request("r1").await.unwrap().unwrap();
    assert_eq!(owner, "app:shop");
    assert_eq!(statuses(&parts), [PartStatus::Sending; 4]);
    assert!(s.sms_request("nope").await.unwrap().is_none());
}

async fn requeued_rows_wait_for_their_time(db: &TestDb) {
    let s = &db.store;
    s.queue_sms(&sms("r2", &["+821011112222"], 1), 1_000)
        .await
        .unwrap();
    let row = s.claim_sms(claim(1, 5_000), 1_000).await.unwrap().remove(0);
    s.requeue_sms(row.id, 3_000, "ESME_RTHROTTLED", 1_100)
        .await
        .unwrap();
    assert!(s.claim_sms(claim(1, 9_000), 2_999).await.unwrap().is_empty());
    let row = s.claim_sms(claim(1, 9_000), 3_000).await.unwrap().remove(0);
    s.fail_sms(row.id, "ESME_RINVDSTADR", 3_100).await.unwrap();
    let (_, parts) = s.sms_request("r2").await.unwrap().unwrap();
    assert_eq!(statuses(&parts), [PartStatus::Failed]);
}

async fn receipts_update_parts_even_when_they_come_first(db: &TestDb) {
    let s = &db.store;
    s.queue_sms(&sms("r3", &["+821011112222"], 2), 1_000)
        .await
        .unwrap();
    let rows = s.claim_sms(claim(2, 5_000), 1_000).await.unwrap();
    s.mark_submitted(rows[0].id, "a1", "000A1", 1_100).await.unwrap();
    assert_eq!(
        s.apply_receipt("a1", PartStatus::Delivered, 1_200).await.unwrap(),
        1
    );
    // The second part's receipt overtakes its submit_sm_resp.
    assert_eq!(
        s.apply_receipt("b2", PartStatus::Delivered, 1_300).await.unwrap(),
        0
    );
    let (_, parts) = s.sms_request("r3").await.unwrap().unwrap();
    assert_eq!(statuses(&parts), [PartStatus::Delivered, PartStatus::Sending]);
    s.mark_submitted(rows[1].id, "b2", "B2", 1_400).await.unwrap();
    let (_, parts) = s.sms_request("r3").await.unwrap().unwrap();
    assert_eq!(statuses(&parts), [PartStatus::Delivered, PartStatus::Delivered]);
    assert_eq!(
        s.reconcile_receipts(1_500).await.unwrap(),
        0,
        "nothing left to match"
    );
}

fn submitted(id: i64, smsc_id: &str) -> SmsOutcome {
    SmsOutcome::Submitted {
        id,
        smsc_id: smsc_id.to_owned(),
        raw: smsc_id.to_uppercase(),
    }
}

fn receipt(smsc_id: &str, status: PartStatus) -> SmsOutcome {
    SmsOutcome::Receipt {
        smsc_id: smsc_id.to_owned(),
        status,
    }
}

/// Each round's steps are multi-row statements cut into runs (64, 32, ... rows); 150 messages of
/// two parts cross every run length.
async fn a_round_queues_records_and_claims_in_one_transaction(db: &TestDb) {
    let s = &db.store;
    let batch: Vec<NewSms> = (0..150)
        .map(|i| sms(&format!("q{i}"), &[&format!("+8210{i:08}")], 2))
        .collect();
    let claim = claim(250, 9_000);
    let round = SmsRound {
        queue: &batch,
        outcomes: &[],
        claim: Some(claim),
        now_ms: 1_000,
    };
    let rows = s.write_sms_round(&round).await.unwrap();
    assert_eq!(rows.len(), 250, "the rows queued in the round are claimed in it");
    assert!(rows.windows(2).all(|w| w[0].id < w[1].id), "in queue order");
    assert_eq!((rows[0].request_id.as_str(), rows[0].part_no), ("q0", 1));
    assert_eq!((rows[1].request_id.as_str(), rows[1].part_no), ("q0", 2));
    assert_eq!(rows[0].body.len(), 8);
    assert_eq!(rows[249].request_id, "q124");

    // Outcomes in the order the dispatcher learned them: a receipt ahead of its submit_sm_resp,
    // a duplicate submit_sm_resp, a restated receipt, and a receipt for an id nobody knows.
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut outcomes = vec![receipt("m1", PartStatus::Failed)];
    outcomes.extend(ids.iter().map(|id| submitted(*id, &format!("m{id}"))));
    outcomes.push(submitted(ids[0], "other"));
    outcomes.extend(
        ids[2..]
            .iter()
            .map(|id| receipt(&format!("m{id}"), PartStatus::Uncertain)),
    );
    outcomes.extend(
        ids[2..]
            .iter()
            .map(|id| receipt(&format!("m{id}"), PartStatus::Delivered)),
    );
    outcomes.push(receipt("nobody", PartStatus::Delivered));
    let round = SmsRound {
        queue: &[],
        outcomes: &outcomes,
        claim: Some(claim),
        now_ms: 1_100,
    };
    let rest = s.write_sms_round(&round).await.unwrap();
    assert_eq!(rest.len(), 50, "what the first claim left");
    assert_eq!(rest[0].request_id, "q125");

    // m1 is the first row's id only if the ids start at 1; its receipt waits either way.
    let (_, q0) = s.sms_request("q0").await.unwrap().unwrap();
    let first = if ids[0] == 1 {
        PartStatus::Failed
    } else {
        PartStatus::Submitted
    };
    assert_eq!(statuses(&q0), [first, PartStatus::Submitted]);
    for i in 1..125 {
        let (_, parts) = s.sms_request(&format!("q{i}")).await.unwrap().unwrap();
        assert_eq!(statuses(&parts), [PartStatus::Delivered; 2], "q{i}");
    }
    let (_, q125) = s.sms_request("q125").await.unwrap().unwrap();
    assert_eq!(statuses(&q125), [PartStatus::Sending; 2]);

    // The duplicate submit_sm_resp did not re-key the row: its own receipt finds it.
    assert_eq!(
        s.apply_receipt(&format!("m{}", ids[0]), PartStatus::Delivered, 1_200)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        s.apply_receipt("other", PartStatus::Delivered, 1_200)
            .await
            .unwrap(),
        0
    );
    // The kept receipt for "nobody" is applied once a row has that id.
    s.mark_submitted(rest[0].id, "nobody", "NOBODY", 1_300)
        .await
        .unwrap();
    let (_, q125) = s.sms_request("q125").await.unwrap().unwrap();
    assert_eq!(statuses(&q125), [PartStatus::Delivered, PartStatus::Sending]);
}

async fn a_failed_round_writes_nothing(db: &TestDb) {
    let s = &db.store;
    let mut bad = sms("bad", &["+821011112222"], 1);
    bad.notify_format = "fax";
    let batch = [sms("good", &["+821011112222"], 1), bad];
    let round = SmsRound {
        queue: &batch,
        outcomes: &[receipt("x1", PartStatus::Delivered)],
        claim: None,
        now_ms: 1_000,
    };
    assert!(
        s.write_sms_round(&round).await.is_err(),
        "notify_format is checked"
    );
    assert!(s.sms_request("good").await.unwrap().is_none());
    // Nor was the receipt kept: a row that gets its id is only submitted.
    s.queue_sms(&sms("later", &["+821011112222"], 1), 1_100)
        .await
        .unwrap();
    let row = s.claim_sms(claim(1, 5_000), 1_100).await.unwrap().remove(0);
    s.mark_submitted(row.id, "x1", "X1", 1_200).await.unwrap();
    let (_, parts) = s.sms_request("later").await.unwrap().unwrap();
    assert_eq!(statuses(&parts), [PartStatus::Submitted]);
}

async fn claims_start_at_the_pending_floor(db: &TestDb) {
    let s = &db.store;
    assert_eq!(s.pending_floor().await.unwrap(), 0, "an empty outbox");
    s.queue_sms(&sms("f1", &["+821011112222"], 1), 1_000)
        .await
        .unwrap();
    s.queue_sms(&sms("f2", &["+821011112222"], 2), 1_000)
        .await
        .unwrap();
    let first = s.claim_sms(claim(1, 5_000), 1_000).await.unwrap().remove(0);
    assert_eq!(
        s.pending_floor().await.unwrap(),
        first.id,
        "a row being sent is still in the gateway"
    );
    s.mark_submitted(first.id, "f1", "F1", 1_100).await.unwrap();
    let floor = s.pending_floor().await.unwrap();
    assert!(floor > first.id);
    // A claim from above the floor leaves the rows below it.
    let above = SmsClaim {
        from_id: floor + 1,
        ..claim(10, 5_000)
    };
    let rows = s.claim_sms(above, 1_100).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].request_id.as_str(), rows[0].part_no), ("f2", 2));
    let rows = s.claim_sms(claim(10, 5_000), 1_100).await.unwrap();
    assert_eq!((rows[0].id, rows.len()), (floor, 1));
    s.mark_submitted(rows[0].id, "f2a", "F2A", 1_200).await.unwrap();
    assert_eq!(s.pending_floor().await.unwrap(), floor + 1, "the sending part");
    s.mark_submitted(floor + 1, "f2b", "F2B", 1_200).await.unwrap();
    assert_eq!(
        s.pending_floor().await.unwrap(),
        floor + 2,
        "nothing pending: past the newest row"
    );
}

/// Part 2 of 3 never arrives: the message waits for it, then is routed with parts 1 and 3 (here to
/// no registration, so it is kept for the operator) instead of waiting forever.
async fn an_incomplete_received_message_is_routed_after_the_wait(db: &TestDb) {
    let s = &db.store;
    for (part_no, text) in [(3, "three"), (1, "BAL one ")] {
        let mo = NewMo {
            destination: "1588".to_owned(),
            sender: "821012345678".to_owned(),
            message: text.to_owned(),
            concat_key: Some("821012345678:7".to_owned()),
            part_no,
            part_count: 3,
            received_at_ms: 1_000 + part_no,
        };
        s.store_mo(&mo).await.unwrap();
    }
    assert!(
        s.route_received(10, 1_000).await.unwrap().is_empty(),
        "still waiting for part 2"
    );
    assert_eq!(s.unrouted(10).await.unwrap().0, 0);
    let routed = s.route_received(10, 1_002).await.unwrap();
    assert_eq!(routed.len(), 1);
    assert_eq!(routed[0].registration_id, None);
    let (count, kept) = s.unrouted(10).await.unwrap();
    assert_eq!(count, 1);
    assert_eq!(kept[0].message, "BAL one three");
    assert_eq!(kept[0].received_at_ms, 1_001);
    assert!(
        s.route_received(10, 9_999).await.unwrap().is_empty(),
        "routed once"
    );
}

/// Only parts that asked for a receipt, were accepted by the SMSC before the cut-off and have
/// none become uncertain; a receipt that comes later still replaces it.
async fn parts_without_a_receipt_become_uncertain_after_the_wait(db: &TestDb) {
    let s = &db.store;
    s.queue_sms(
        &sms("u1", &["+821011112222", "+821033334444", "+821055556666"], 1),
        1_000,
    )
    .await
    .unwrap();
    let mut unasked = sms("u2", &["+821077778888"], 1);
    unasked.receipt = false;
    s.queue_sms(&unasked, 1_000).await.unwrap();
    let rows = s.claim_sms(claim(4, 60_000), 1_000).await.unwrap();
    s.mark_submitted(rows[0].id, "u-old", "U-OLD", 1_000)
        .await
        .unwrap();
    s.mark_submitted(rows[1].id, "u-new", "U-NEW", 5_000)
        .await
        .unwrap();
    // rows[2] is still sending: not the SMSC's yet.
    s.mark_submitted(rows[3].id, "u-none", "U-NONE", 1_000)
        .await
        .unwrap();
    assert_eq!(s.give_up_receipts(2_000, 10_000).await.unwrap(), 1);
    let (_, parts) = s.sms_request("u1").await.unwrap().unwrap();
    use PartStatus::{Delivered, Sending, Submitted, Uncertain};
    assert_eq!(statuses(&parts), [Uncertain, Submitted, Sending]);
    let (_, parts) = s.sms_request("u2").await.unwrap().unwrap();
    assert_eq!(statuses(&parts), [Submitted], "no receipt was asked for");
    assert_eq!(s.give_up_receipts(2_000, 11_000).await.unwrap(), 0, "once");
    s.apply_receipt("u-new", Delivered, 12_000).await.unwrap();
    assert_eq!(
        s.give_up_receipts(9_000, 13_000).await.unwrap(),
        0,
        "it has its receipt"
    );
    assert_eq!(s.apply_receipt("u-old", Delivered, 14_000).await.unwrap(), 1);
    let (_, parts) = s.sms_request("u1").await.unwrap().unwrap();
    assert_eq!(
        statuses(&parts),
        [Delivered, Delivered, Sending],
        "a late receipt still counts"
    );
}

/// getReceivedSms leases what it answers: a leased message is in no other answer until its lease is
/// settled or runs out; settled as delivered it is gone, as not delivered it is answered again; a
/// lease that ran out and was taken over settles nothing.
async fn received_messages_are_leased_until_settled(db: &TestDb) {
    let s = &db.store;
    let registration = Registration {
        id: "ops".to_owned(),
        app_id: None,
        short_code: "1588".to_owned(),
        keyword: String::new(),
        created_at_ms: 1,
    };
    s.create_registration(&registration).await.unwrap().unwrap();
    for (i, text) in [(1, "A"), (2, "B")] {
        let mo = NewMo {
            destination: "1588".to_owned(),
            sender: "821012345678".to_owned(),
            message: text.to_owned(),
            concat_key: None,
            part_no: 1,
            part_count: 1,
            received_at_ms: 1_000 + i,
        };
        s.store_mo(&mo).await.unwrap();
    }
    assert_eq!(s.route_received(10, 2_000).await.unwrap().len(), 2);
    let lease = |id: &str, now_ms: i64| InboxLease {
        id: id.to_owned(),
        now_ms,
        until_ms: now_ms + 100,
    };
    let texts = |taken: Vec<ReceivedSms>| taken.into_iter().map(|m| m.message).collect::<Vec<_>>();
    let take =
        async |id: &str, now_ms: i64| texts(s.lease_received("ops", 10, &lease(id, now_ms)).await.unwrap());

    assert_eq!(
        texts(s.lease_received("ops", 1, &lease("a", 2_000)).await.unwrap()),
        ["A"]
    );
    assert_eq!(take("b", 2_010).await, ["B"], "A is held by lease a");
    assert!(take("c", 2_020).await.is_empty(), "both held");
    s.settle_received("a", true).await.unwrap();
    s.settle_received("b", false).await.unwrap();
    assert_eq!(take("d", 2_030).await, ["B"], "A delivered, B given back");
    assert!(take("e", 2_129).await.is_empty(), "lease d still holds");
    assert_eq!(take("f", 2_130).await, ["B"], "lease d ran out");
    s.settle_received("d", true).await.unwrap();
    assert_eq!(take("g", 2_230).await, ["B"], "the stale lease d removed nothing");
    s.settle_received("g", true).await.unwrap();
    assert!(take("h", 9_999).await.is_empty(), "delivered");
}

/// What was sent to a number, or by an application, newest first and limited, with each part's
/// state and the times it was accepted and reached that state.
async fn sent_parts_are_listed_by_number_and_by_application(db: &TestDb) {
    use pxgate::store::sms::SentTo;
    let s = &db.store;
    s.queue_sms(&sms("old", &["+821055556666"], 1), 1_000)
        .await
        .unwrap();
    s.queue_sms(&sms("new", &["+821055556666", "+821077778888"], 2), 2_000)
        .await
        .unwrap();
    let to = s
        .sms_sent(&SentTo::Address("+821055556666".to_owned()), 10)
        .await
        .unwrap();
    let listed: Vec<(&str, i64, i64)> = to
        .iter()
        .map(|p| (p.request_id.as_str(), p.part.part_no, p.created_at_ms))
        .collect();
    assert_eq!(listed, [("new", 2, 2_000), ("new", 1, 2_000), ("old", 1, 1_000)]);
    assert!(
        to.iter()
            .all(|p| p.actor == "app:shop" && p.part.status == PartStatus::Queued)
    );
    let by_app = s
        .sms_sent(&SentTo::Actor("app:shop".to_owned()), 2)
        .await
        .unwrap();
    assert_eq!(by_app.len(), 2, "limited");
    assert_eq!(by_app[0].part.address, "+821077778888", "newest first");
    let none = s
        .sms_sent(&SentTo::Actor("app:other".to_owned()), 10)
        .await
        .unwrap();
    assert!(none.is_empty());
}
