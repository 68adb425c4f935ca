//! Concurrency in the store battery: simultaneous debits never overspend the balance or pass the
//! monthly limit, and one reference code sent many times at once moves money once.

use std::sync::Arc;

use futures::future::join_all;
use pxgate::store::{Movement, Refusal, Store, StoreError};

use super::{assert_balanced, charge};
use crate::harness::{TestDb, TestTime, battery, msisdn, new_account};

battery!(
    concurrent_debits_never_overspend_the_balance,
    concurrent_debits_never_pass_the_monthly_limit,
    one_reference_code_moves_money_once_under_concurrency,
);

async fn run_concurrently(
    store: &Arc<dyn Store>,
    t: &TestTime,
    moves: Vec<Movement>,
) -> Vec<Result<pxgate::store::Moved, StoreError>> {
    let now = t.now();
    join_all(moves.into_iter().map(|m| {
        let store = Arc::clone(store);
        let now = now.clone();
        tokio::spawn(async move { store.move_money(&m, &now).await })
    }))
    .await
    .into_iter()
    .map(|r| r.expect("task"))
    .collect()
}

/// 200 concurrent debits of 10 against 1,000: exactly 100 succeed, the balance ends at 0.
async fn concurrent_debits_never_overspend_the_balance(db: &TestDb) {
    let t = TestTime::new();
    let n = "010-3333-0001";
    db.store
        .create_account(&new_account(n, 1000), &t.now())
        .await
        .unwrap();
    let results = run_concurrently(&db.store, &t, (0..200).map(|_| charge(n, 10, None)).collect()).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let insufficient = results
        .iter()
        .filter(|r| matches!(r, Err(StoreError::Refused(Refusal::InsufficientBalance))))
        .count();
    assert_eq!((ok, insufficient), (100, 100));
    assert_eq!(db.store.account(&msisdn(n)).await.unwrap().unwrap().balance, 0);
    assert_balanced(db.store.as_ref(), n).await;
}

/// 200 concurrent debits of 10 against a monthly limit of 1,000: exactly 100 succeed.
async fn concurrent_debits_never_pass_the_monthly_limit(db: &TestDb) {
    let t = TestTime::new();
    let n = "010-3333-0002";
    let mut new = new_account(n, 100_000);
    new.monthly_limit = Some(1000);
    db.store.create_account(&new, &t.now()).await.unwrap();
    let results = run_concurrently(&db.store, &t, (0..200).map(|_| charge(n, 10, None)).collect()).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let limited = results
        .iter()
        .filter(|r| matches!(r, Err(StoreError::Refused(Refusal::MonthlyLimitExceeded))))
        .count();
    assert_eq!((ok, limited), (100, 100));
    let account = db.store.account(&msisdn(n)).await.unwrap().unwrap();
    assert_eq!(
        (
            account.balance,
            db.store.month_to_date_spend(&msisdn(n), &t.now()).await.unwrap()
        ),
        (99_000, 1000)
    );
    assert_balanced(db.store.as_ref(), n).await;
}

/// The same reference code sent 50 times at once debits once; every caller sees that one entry.
async fn one_reference_code_moves_money_once_under_concurrency(db: &TestDb) {
    let t = TestTime::new();
    let n = "010-3333-0003";
    db.store
        .create_account(&new_account(n, 1000), &t.now())
        .await
        .unwrap();
    let results = run_concurrently(
        &db.store,
        &t,
        (0..50).map(|_| charge(n, 10, Some("order-1"))).collect(),
    )
    .await;
    let moved: Vec<_> = results
        .into_iter()
        .map(|r| r.expect("every retry succeeds"))
        .collect();
    assert_eq!(moved.iter().filter(|m| !m.replayed).count(), 1);
    assert!(
        moved
            .iter()
            .all(|m| m.entry.id == moved[0].entry.id && m.entry.balance_after == 990)
    );
    assert_eq!(db.store.account(&msisdn(n)).await.unwrap().unwrap().balance, 990);
    assert_balanced(db.store.as_ref(), n).await;
}
