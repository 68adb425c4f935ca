//! Per-application bounds in the payment battery: concurrent charges never pass an application's
//! spend cap, and refunds never exceed what that application charged.

use std::sync::Arc;

use chrono::TimeDelta;
use futures::future::join_all;
use pxgate::store::{EntryKind, Limits, Refusal, StoreError};

use super::{balances, movement};
use crate::harness::{TestDb, TestTime, battery, new_account};

battery!(
    concurrent_charges_never_pass_the_application_spend_cap,
    refunds_never_exceed_what_the_application_charged,
);

/// 100 concurrent charges of 10 by one application capped at 500 a day: exactly 50 pass, across
/// many accounts; another application is not affected.
async fn concurrent_charges_never_pass_the_application_spend_cap(db: &TestDb) {
    let t = TestTime::new();
    for i in 0..10 {
        db.store
            .create_account(&new_account(&format!("010-9200-000{i}"), 1000), &t.now())
            .await
            .unwrap();
    }
    let capped = Limits {
        per_movement: None,
        actor_daily: Some(500),
        actor_monthly: Some(10_000),
        refund_within_charges: false,
    };
    let tasks = (0..100).map(|i| {
        let store = Arc::clone(&db.store);
        let m = movement(
            &format!("010-9200-000{}", i % 10),
            EntryKind::Charge,
            10,
            "app:shop",
            capped,
        );
        let now = t.now();
        tokio::spawn(async move { store.move_money(&m, &now).await })
    });
    let results: Vec<_> = join_all(tasks).await.into_iter().map(|r| r.unwrap()).collect();
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let capped_out = results
        .iter()
        .filter(|r| matches!(r, Err(StoreError::Refused(Refusal::ActorDailyLimit))))
        .count();
    assert_eq!((ok, capped_out), (50, 50));
    let mut total = 0;
    for i in 0..10 {
        total += 1000 - balances(db.store.as_ref(), &format!("010-9200-000{i}")).await.0;
    }
    assert_eq!(total, 500);
    let other = movement("010-9200-0000", EntryKind::Charge, 10, "app:news", capped);
    db.store.move_money(&other, &t.now()).await.unwrap();
    t.clock.advance(TimeDelta::days(1));
    let next_day = movement("010-9200-0001", EntryKind::Charge, 10, "app:shop", capped);
    db.store.move_money(&next_day, &t.now()).await.unwrap();
}

/// A refund is bounded by what that application charged that account, net of its refunds.
async fn refunds_never_exceed_what_the_application_charged(db: &TestDb) {
    let t = TestTime::new();
    let s = db.store.as_ref();
    let n = "010-9300-0001";
    s.create_account(&new_account(n, 1000), &t.now()).await.unwrap();
    let bounded = Limits {
        refund_within_charges: true,
        ..Limits::default()
    };
    s.move_money(
        &movement(n, EntryKind::Charge, 300, "app:shop", Limits::default()),
        &t.now(),
    )
    .await
    .unwrap();
    s.move_money(
        &movement(n, EntryKind::Refund, 200, "app:shop", bounded),
        &t.now(),
    )
    .await
    .unwrap();
    for (actor, amount) in [("app:shop", 101), ("app:news", 1)] {
        let refund = movement(n, EntryKind::Refund, amount, actor, bounded);
        assert!(matches!(
            s.move_money(&refund, &t.now()).await,
            Err(StoreError::Refused(Refusal::RefundExceedsCharges))
        ));
    }
    s.move_money(
        &movement(n, EntryKind::Refund, 100, "app:shop", bounded),
        &t.now(),
    )
    .await
    .unwrap();
    assert_eq!(balances(s, n).await, (1000, 0));
}
