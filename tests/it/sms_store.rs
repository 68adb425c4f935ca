//! The SMS outbox on both backends: claims are exclusive and resume after their time runs out (a
//! restarted dispatcher), temporary errors requeue, receipts find their message by normalized id,
//! and a receipt that overtakes its submit_sm_resp is applied when the id arrives.

use pxgate::store::sms::{NewPart, NewSms, PartStatus};

use crate::harness::{TestDb, battery};

battery!(
    claims_are_exclusive_and_resume_after_they_run_out,
    requeued_rows_wait_for_their_time,
    receipts_update_parts_even_when_they_come_first,
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

fn statuses(parts: &[pxgate::store::sms::PartState]) -> Vec<PartStatus> {
    parts.iter().map(|p| p.status).collect()
}

async fn claims_are_exclusive_and_resume_after_they_run_out(db: &TestDb) {
    let s = &db.store;
    s.queue_sms(&sms("r1", &["+821011112222", "+821033334444"], 2), 1_000)
        .await
        .unwrap();
    let first = s.claim_sms(3, 1_000, 5_000).await.unwrap();
    assert_eq!(
        first.iter().map(|r| r.part_no).collect::<Vec<_>>(),
        [1, 2, 1],
        "in queue order"
    );
    assert_eq!(first[0].body.len(), 8);
    let second = s.claim_sms(10, 1_000, 5_000).await.unwrap();
    assert_eq!(second.len(), 1, "only the unclaimed row");
    assert!(
        s.claim_sms(10, 4_999, 9_000).await.unwrap().is_empty(),
        "claims still held"
    );
    // The dispatcher holding them died: once the claim runs out they are claimed again.
    let again = s.claim_sms(10, 5_001, 9_000).await.unwrap();
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
    let row = s.claim_sms(1, 1_000, 5_000).await.unwrap().remove(0);
    s.requeue_sms(row.id, 3_000, "ESME_RTHROTTLED", 1_100)
        .await
        .unwrap();
    assert!(s.claim_sms(1, 2_999, 9_000).await.unwrap().is_empty());
    let row = s.claim_sms(1, 3_000, 9_000).await.unwrap().remove(0);
    s.fail_sms(row.id, "ESME_RINVDSTADR", 3_100).await.unwrap();
    let (_, parts) = s.sms_request("r2").await.unwrap().unwrap();
    assert_eq!(statuses(&parts), [PartStatus::Failed]);
}

async fn receipts_update_parts_even_when_they_come_first(db: &TestDb) {
    let s = &db.store;
    s.queue_sms(&sms("r3", &["+821011112222"], 2), 1_000)
        .await
        .unwrap();
    let rows = s.claim_sms(2, 1_000, 5_000).await.unwrap();
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
