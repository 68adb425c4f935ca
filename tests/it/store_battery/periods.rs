//! Time in the store battery: the monthly spend window rolls over in the operator's zone, and
//! credit expires after its last day.

use chrono::TimeDelta;
use pxgate::store::{AccountPatch, Refusal};

use super::{assert_balanced, charge, refusal};
use crate::harness::{TestDb, TestTime, battery, msisdn, new_account};

battery!(
    the_monthly_window_rolls_over_in_the_operator_zone,
    credit_expires_after_its_last_day,
);

/// Spend counts per calendar month in Seoul: the limit refuses in November, allows in December.
async fn the_monthly_window_rolls_over_in_the_operator_zone(db: &TestDb) {
    let t = TestTime::new();
    let n = "010-5555-0001";
    let mut new = new_account(n, 10_000);
    new.monthly_limit = Some(1000);
    db.store.create_account(&new, &t.now()).await.unwrap();
    db.store
        .move_money(&charge(n, 1000, None), &t.now())
        .await
        .unwrap();
    assert_eq!(
        refusal(db.store.move_money(&charge(n, 1, None), &t.now()).await),
        Refusal::MonthlyLimitExceeded
    );
    // 2026-11-30 14:59 UTC is 23:59 in Seoul: still November.
    t.clock
        .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 30, 14, 59, 0).unwrap());
    assert_eq!(
        refusal(db.store.move_money(&charge(n, 1, None), &t.now()).await),
        Refusal::MonthlyLimitExceeded
    );
    t.clock.advance(TimeDelta::minutes(1));
    assert_eq!(
        db.store.month_to_date_spend(&msisdn(n), &t.now()).await.unwrap(),
        0
    );
    let moved = db
        .store
        .move_money(&charge(n, 1000, None), &t.now())
        .await
        .unwrap();
    assert_eq!(
        (moved.account.month.as_str(), moved.account.month_spent),
        ("2026-12", 1000)
    );
    assert_balanced(db.store.as_ref(), n).await;
}

/// Credit is usable through its expiry date and refused the day after.
async fn credit_expires_after_its_last_day(db: &TestDb) {
    let t = TestTime::new();
    let n = "010-6666-0001";
    let mut new = new_account(n, 1000);
    new.credit_expiry = Some(t.now().today);
    db.store.create_account(&new, &t.now()).await.unwrap();
    db.store.move_money(&charge(n, 10, None), &t.now()).await.unwrap();
    t.clock.advance(TimeDelta::days(1));
    assert_eq!(
        refusal(db.store.move_money(&charge(n, 10, None), &t.now()).await),
        Refusal::Expired
    );
    let later = AccountPatch {
        credit_expiry: Some(Some(t.now().today)),
        ..AccountPatch::default()
    };
    db.store
        .update_account(&msisdn(n), &later, &t.now())
        .await
        .unwrap();
    db.store.move_money(&charge(n, 10, None), &t.now()).await.unwrap();
}
