//! Payment guarantees of the store (reservations, application spend caps, refund bounds, tariffs)
//! on SQLite and PostgreSQL.

mod application_limits;
mod tariffs;

use std::sync::Arc;

use chrono::TimeDelta;
use futures::future::join_all;
use pxgate::store::payment::{NewReservation, ReservationAdjust, ReservationCharge, ReservationStatus};
use pxgate::store::{EntryKind, Limits, Movement, Refusal, Store, StoreError};

use crate::harness::{TestDb, TestTime, battery, krw, msisdn, new_account};

battery!(
    a_reservation_holds_charges_adjusts_and_releases,
    a_reservation_as_a_whole_stays_within_the_per_charge_limit,
    held_money_counts_against_balance_and_monthly_limit,
    concurrent_reservations_never_overspend,
    reservations_expire_and_belong_to_their_application,
);

fn reservation(id: &str, number: &str, amount: i64, t: &TestTime) -> NewReservation {
    NewReservation {
        id: id.to_owned(),
        msisdn: msisdn(number),
        actor: "app:shop".to_owned(),
        amount,
        currency: krw(),
        description: "game session".to_owned(),
        expires_at_ms: t.now().at_ms + 60_000,
        limits: Limits::default(),
        screen: None,
    }
}

fn adjust(id: &str, delta: i64, expires_at_ms: i64, limits: Limits) -> ReservationAdjust {
    ReservationAdjust {
        id: id.to_owned(),
        actor: "app:shop".to_owned(),
        delta,
        expires_at_ms,
        limits,
        screen: None,
    }
}

fn charge_of(id: &str, amount: i64, reference: Option<&str>) -> ReservationCharge {
    ReservationCharge {
        id: id.to_owned(),
        actor: "app:shop".to_owned(),
        amount,
        reference_code: reference.map(str::to_owned),
        description: "game minutes".to_owned(),
        limits: Limits::default(),
    }
}

fn movement(number: &str, kind: EntryKind, amount: i64, actor: &str, limits: Limits) -> Movement {
    Movement {
        msisdn: msisdn(number),
        kind,
        amount,
        currency: krw(),
        actor: actor.to_owned(),
        reference_code: None,
        description: "test".to_owned(),
        limits,
        extend_expiry_days: None,
        screen: None,
    }
}

async fn balances(store: &dyn Store, number: &str) -> (i64, i64) {
    let a = store.account(&msisdn(number)).await.unwrap().unwrap();
    let entries = store.ledger(&msisdn(number), None, 1000).await.unwrap();
    let reserved_sum: i64 = entries.iter().map(|e| e.reserved_delta).sum();
    assert_eq!(
        a.balance,
        store.ledger_sum(&msisdn(number)).await.unwrap(),
        "balance = ledger sum"
    );
    assert_eq!(
        a.reserved, reserved_sum,
        "reserved = sum of reservation movements"
    );
    (a.balance, a.reserved)
}

/// Reserve 500, charge 200 of it, hold 100 more, 50 less, refuse charging more than is held,
/// release the rest; balance and reserved always match the ledger.
async fn a_reservation_holds_charges_adjusts_and_releases(db: &TestDb) {
    let t = TestTime::new();
    let s = db.store.as_ref();
    let n = "010-9100-0001";
    s.create_account(&new_account(n, 1000), &t.now()).await.unwrap();
    let r = s.reserve(&reservation("r1", n, 500, &t), &t.now()).await.unwrap();
    assert_eq!((r.held, r.status), (500, ReservationStatus::Open));
    assert_eq!(balances(s, n).await, (1000, 500));
    let (r, moved) = s
        .charge_reservation(&charge_of("r1", 200, Some("c1")), &t.now())
        .await
        .unwrap();
    assert_eq!((r.held, r.charged, moved.account.balance), (300, 200, 800));
    let (_, again) = s
        .charge_reservation(&charge_of("r1", 200, Some("c1")), &t.now())
        .await
        .unwrap();
    assert!(
        again.replayed && again.entry.id == moved.entry.id,
        "a retried charge is answered, not repeated"
    );
    let later = t.now().at_ms + 120_000;
    assert_eq!(
        s.adjust_reservation(&adjust("r1", 100, later, Limits::default()), &t.now())
            .await
            .unwrap()
            .held,
        400
    );
    let r = s
        .adjust_reservation(&adjust("r1", -50, later, Limits::default()), &t.now())
        .await
        .unwrap();
    assert_eq!((r.held, r.expires_at_ms), (350, later));
    assert!(matches!(
        s.charge_reservation(&charge_of("r1", 351, None), &t.now()).await,
        Err(StoreError::ReservationClosed(_))
    ));
    assert_eq!(balances(s, n).await, (800, 350));
    let (r, released) = s.release_reservation("r1", "app:shop", &t.now()).await.unwrap();
    assert_eq!(
        (released, r.status, r.held),
        (350, ReservationStatus::Released, 0)
    );
    assert_eq!(balances(s, n).await, (800, 0));
    assert!(matches!(
        s.charge_reservation(&charge_of("r1", 1, None), &t.now()).await,
        Err(StoreError::ReservationClosed("released"))
    ));
    assert_eq!(s.account(&msisdn(n)).await.unwrap().unwrap().month_spent, 200);
}

/// `per_movement` bounds what a reservation held and charged together, also when the
/// application races its own adjustments: a reservation is one purchase.
async fn a_reservation_as_a_whole_stays_within_the_per_charge_limit(db: &TestDb) {
    let (s, t, n) = (&db.store, TestTime::new(), "010-9100-0042");
    s.create_account(&new_account(n, 100_000), &t.now())
        .await
        .unwrap();
    let cap = Limits {
        per_movement: Some(400),
        ..Limits::default()
    };
    let over = NewReservation {
        amount: 401,
        limits: cap,
        ..reservation("big", n, 0, &t)
    };
    assert!(matches!(
        s.reserve(&over, &t.now()).await,
        Err(StoreError::Refused(Refusal::PerChargeLimit))
    ));
    let first = NewReservation {
        amount: 100,
        limits: cap,
        ..reservation("r1", n, 0, &t)
    };
    s.reserve(&first, &t.now()).await.unwrap();
    let later = t.now().at_ms + 60_000;
    let adjusts = (0..10).map(|_| {
        let store = Arc::clone(&db.store);
        let now = t.now();
        async move {
            store
                .adjust_reservation(&adjust("r1", 100, later, cap), &now)
                .await
        }
    });
    let outcomes = join_all(adjusts).await;
    let refused = outcomes
        .iter()
        .filter(|o| matches!(o, Err(StoreError::Refused(Refusal::PerChargeLimit))))
        .count();
    assert_eq!((outcomes.len() - refused, refused), (3, 7), "{outcomes:?}");
    assert_eq!(s.reservation("r1").await.unwrap().unwrap().held, 400);
    let tighter = ReservationCharge {
        limits: Limits {
            per_movement: Some(300),
            ..Limits::default()
        },
        ..charge_of("r1", 400, Some("all"))
    };
    assert!(matches!(
        s.charge_reservation(&tighter, &t.now()).await,
        Err(StoreError::Refused(Refusal::PerChargeLimit))
    ));
    let charged = s
        .charge_reservation(&charge_of("r1", 300, Some("part")), &t.now())
        .await;
    assert!(charged.is_ok(), "{charged:?}");
    let capped_rest = ReservationCharge {
        limits: cap,
        ..charge_of("r1", 100, Some("rest"))
    };
    assert!(
        s.charge_reservation(&capped_rest, &t.now()).await.is_ok(),
        "300 + 100 is the cap"
    );
}

/// While held, money is neither available to other charges nor under the monthly limit.
async fn held_money_counts_against_balance_and_monthly_limit(db: &TestDb) {
    let t = TestTime::new();
    let s = db.store.as_ref();
    s.create_account(&new_account("010-9100-0002", 1000), &t.now())
        .await
        .unwrap();
    s.reserve(&reservation("r2", "010-9100-0002", 700, &t), &t.now())
        .await
        .unwrap();
    let m = movement(
        "010-9100-0002",
        EntryKind::Charge,
        400,
        "app:shop",
        Limits::default(),
    );
    assert!(matches!(
        s.move_money(&m, &t.now()).await,
        Err(StoreError::Refused(Refusal::InsufficientBalance))
    ));
    let mut limited = new_account("010-9100-0003", 10_000);
    limited.monthly_limit = Some(1000);
    s.create_account(&limited, &t.now()).await.unwrap();
    s.reserve(&reservation("r3", "010-9100-0003", 700, &t), &t.now())
        .await
        .unwrap();
    let m = movement(
        "010-9100-0003",
        EntryKind::Charge,
        400,
        "app:shop",
        Limits::default(),
    );
    assert!(matches!(
        s.move_money(&m, &t.now()).await,
        Err(StoreError::Refused(Refusal::MonthlyLimitExceeded))
    ));
    assert!(matches!(
        s.reserve(&reservation("r4", "010-9100-0003", 400, &t), &t.now())
            .await,
        Err(StoreError::Refused(Refusal::MonthlyLimitExceeded))
    ));
    s.charge_reservation(&charge_of("r3", 700, None), &t.now())
        .await
        .unwrap();
    let m = movement(
        "010-9100-0003",
        EntryKind::Charge,
        300,
        "app:shop",
        Limits::default(),
    );
    s.move_money(&m, &t.now()).await.unwrap();
    assert_eq!(balances(s, "010-9100-0003").await, (9000, 0));
}

/// 50 concurrent reservations of 100 against 1,000: exactly 10 are held.
async fn concurrent_reservations_never_overspend(db: &TestDb) {
    let t = TestTime::new();
    let n = "010-9100-0004";
    db.store
        .create_account(&new_account(n, 1000), &t.now())
        .await
        .unwrap();
    let tasks = (0..50).map(|i| {
        let store = Arc::clone(&db.store);
        let new = reservation(&format!("c{i}"), n, 100, &t);
        let now = t.now();
        tokio::spawn(async move { store.reserve(&new, &now).await })
    });
    let results: Vec<_> = join_all(tasks).await.into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 10);
    assert_eq!(balances(db.store.as_ref(), n).await, (1000, 1000));
}

/// A reservation past its time cannot be charged and is released by the sweep; another
/// application's reservation looks unknown.
async fn reservations_expire_and_belong_to_their_application(db: &TestDb) {
    let t = TestTime::new();
    let s = db.store.as_ref();
    let n = "010-9100-0005";
    s.create_account(&new_account(n, 1000), &t.now()).await.unwrap();
    s.reserve(&reservation("r5", n, 300, &t), &t.now()).await.unwrap();
    let mut foreign = charge_of("r5", 10, None);
    foreign.actor = "app:news".to_owned();
    assert!(matches!(
        s.charge_reservation(&foreign, &t.now()).await,
        Err(StoreError::ReservationNotFound)
    ));
    assert!(matches!(
        s.release_reservation("r5", "app:news", &t.now()).await,
        Err(StoreError::ReservationNotFound)
    ));
    assert!(matches!(
        s.release_reservation("nope", "app:shop", &t.now()).await,
        Err(StoreError::ReservationNotFound)
    ));
    assert_eq!(s.expire_reservations(&t.now()).await.unwrap(), 0);
    t.clock.advance(TimeDelta::minutes(2));
    assert!(matches!(
        s.charge_reservation(&charge_of("r5", 10, None), &t.now()).await,
        Err(StoreError::ReservationClosed("expired"))
    ));
    assert_eq!(s.expire_reservations(&t.now()).await.unwrap(), 1);
    assert_eq!(
        s.reservation("r5").await.unwrap().unwrap().status,
        ReservationStatus::Expired
    );
    assert_eq!(balances(s, n).await, (1000, 0));
}
