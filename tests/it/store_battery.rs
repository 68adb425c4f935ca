//! The store battery: every guarantee of `AccountStore`, run against SQLite and PostgreSQL alike.

mod concurrency;
mod periods;

use chrono::NaiveDate;
use pxgate::domain::Currency;
use pxgate::store::{
    AccountPatch, AccountQuery, AccountStatus, EntryKind, Limits, Movement, Refusal, Store, StoreError,
};

use crate::harness::{TestDb, TestTime, battery, krw, msisdn, new_account};

battery!(
    accounts_are_created_read_listed_and_updated,
    status_transitions_and_their_refusals,
    a_reused_reference_code_with_other_content_is_refused,
    refunds_and_top_ups_follow_their_rules,
    the_ledger_pages_newest_first,
);

fn charge(number: &str, amount: i64, reference: Option<&str>) -> Movement {
    movement(number, EntryKind::Charge, amount, reference)
}

fn movement(number: &str, kind: EntryKind, amount: i64, reference: Option<&str>) -> Movement {
    Movement {
        msisdn: msisdn(number),
        kind,
        amount,
        currency: krw(),
        actor: "app:shop".to_owned(),
        reference_code: reference.map(str::to_owned),
        description: "test".to_owned(),
        limits: Limits::default(),
        extend_expiry_days: None,
        screen: None,
    }
}

fn refusal(r: Result<pxgate::store::Moved, StoreError>) -> Refusal {
    match r {
        Err(StoreError::Refused(refusal)) => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn assert_balanced(store: &dyn Store, number: &str) {
    let account = store.account(&msisdn(number)).await.unwrap().unwrap();
    let sum = store.ledger_sum(&msisdn(number)).await.unwrap();
    assert_eq!(account.balance, sum, "balance must equal the ledger sum");
}

/// Accounts round-trip through the store; duplicates are refused; patches set and clear fields.
async fn accounts_are_created_read_listed_and_updated(db: &TestDb) {
    let t = TestTime::new();
    let store = db.store.as_ref();
    let created = store
        .create_account(&new_account("010-1111-0001", 5000), &t.now())
        .await
        .unwrap();
    assert_eq!(created.msisdn.as_str(), "+821011110001");
    assert_eq!(created.balance, 5000);
    assert!(matches!(
        store
            .create_account(&new_account("01011110001", 1), &t.now())
            .await,
        Err(StoreError::AlreadyExists)
    ));
    let mut suspended = new_account("010-1111-0002", 0);
    suspended.status = AccountStatus::Suspended;
    store.create_account(&suspended, &t.now()).await.unwrap();

    let all = store
        .list_accounts(&AccountQuery {
            status: None,
            after_id: 0,
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    let page = AccountQuery {
        status: Some(AccountStatus::Suspended),
        after_id: 0,
        limit: 10,
    };
    let only = store.list_accounts(&page).await.unwrap();
    assert_eq!(
        only.iter().map(|a| a.msisdn.as_str()).collect::<Vec<_>>(),
        ["+821011110002"]
    );
    let next = AccountQuery {
        status: None,
        after_id: all[0].id,
        limit: 10,
    };
    assert_eq!(store.list_accounts(&next).await.unwrap().len(), 1);

    let expiry = NaiveDate::from_ymd_opt(2027, 1, 31).unwrap();
    let patch = AccountPatch {
        monthly_limit: Some(Some(30_000)),
        credit_expiry: Some(Some(expiry)),
        notify_receipt: Some(false),
        ..AccountPatch::default()
    };
    let updated = store
        .update_account(&created.msisdn, &patch, &t.now())
        .await
        .unwrap();
    assert_eq!(
        (
            updated.monthly_limit,
            updated.credit_expiry,
            updated.notify_receipt
        ),
        (Some(30_000), Some(expiry), false)
    );
    let clear = AccountPatch {
        monthly_limit: Some(None),
        ..AccountPatch::default()
    };
    let cleared = store
        .update_account(&created.msisdn, &clear, &t.now())
        .await
        .unwrap();
    assert_eq!(
        (cleared.monthly_limit, cleared.credit_expiry),
        (None, Some(expiry)),
        "only the named field changes"
    );
    assert!(matches!(
        store
            .update_account(&msisdn("010-9999-9999"), &clear, &t.now())
            .await,
        Err(StoreError::NotFound)
    ));
    assert_balanced(store, "010-1111-0001").await;
}

/// Suspended and closed accounts refuse charges; a closed account stays closed.
async fn status_transitions_and_their_refusals(db: &TestDb) {
    let t = TestTime::new();
    let store = db.store.as_ref();
    let n = "010-2222-0001";
    let a = store
        .create_account(&new_account(n, 1000), &t.now())
        .await
        .unwrap();
    assert_eq!(
        refusal(
            store
                .move_money(&charge("010-2222-9999", 10, None), &t.now())
                .await
        ),
        Refusal::Unregistered
    );

    store
        .set_status(&a.msisdn, AccountStatus::Suspended, &t.now())
        .await
        .unwrap();
    assert_eq!(
        refusal(store.move_money(&charge(n, 10, None), &t.now()).await),
        Refusal::Suspended
    );
    let topped = store
        .move_money(&movement(n, EntryKind::Topup, 5, None), &t.now())
        .await
        .unwrap();
    assert_eq!(
        topped.account.balance, 1005,
        "a suspended account still takes credit"
    );

    store
        .set_status(&a.msisdn, AccountStatus::Active, &t.now())
        .await
        .unwrap();
    store.move_money(&charge(n, 10, None), &t.now()).await.unwrap();

    store
        .set_status(&a.msisdn, AccountStatus::Closed, &t.now())
        .await
        .unwrap();
    assert_eq!(
        refusal(store.move_money(&charge(n, 10, None), &t.now()).await),
        Refusal::Closed
    );
    assert_eq!(
        refusal(
            store
                .move_money(&movement(n, EntryKind::Topup, 5, None), &t.now())
                .await
        ),
        Refusal::Closed
    );
    assert!(matches!(
        store.set_status(&a.msisdn, AccountStatus::Active, &t.now()).await,
        Err(StoreError::InvalidTransition {
            from: AccountStatus::Closed,
            to: AccountStatus::Active
        })
    ));
    let again = store
        .set_status(&a.msisdn, AccountStatus::Closed, &t.now())
        .await
        .unwrap();
    assert_eq!(again.status, AccountStatus::Closed, "closing twice is a no-op");

    let usd = Currency::from_code("USD").unwrap();
    let other = store
        .create_account(&new_account("010-2222-0002", 1000), &t.now())
        .await
        .unwrap();
    let mut wrong = charge("010-2222-0002", 10, None);
    wrong.currency = usd;
    assert_eq!(
        refusal(store.move_money(&wrong, &t.now()).await),
        Refusal::CurrencyMismatch
    );
    assert_eq!(store.account(&other.msisdn).await.unwrap().unwrap().balance, 1000);
    assert_balanced(store, n).await;
}

/// A reference code reused for a different amount, kind or account is a conflict, not a charge.
async fn a_reused_reference_code_with_other_content_is_refused(db: &TestDb) {
    let t = TestTime::new();
    let store = db.store.as_ref();
    store
        .create_account(&new_account("010-4444-0001", 1000), &t.now())
        .await
        .unwrap();
    store
        .create_account(&new_account("010-4444-0002", 1000), &t.now())
        .await
        .unwrap();
    store
        .move_money(&charge("010-4444-0001", 10, Some("r1")), &t.now())
        .await
        .unwrap();
    for other in [
        charge("010-4444-0001", 11, Some("r1")),
        charge("010-4444-0002", 10, Some("r1")),
        movement("010-4444-0001", EntryKind::Refund, 10, Some("r1")),
    ] {
        assert!(matches!(
            store.move_money(&other, &t.now()).await,
            Err(StoreError::ReferenceConflict(_))
        ));
    }
    let mut other_app = charge("010-4444-0001", 10, Some("r1"));
    other_app.actor = "app:news".to_owned();
    assert!(
        !store.move_money(&other_app, &t.now()).await.unwrap().replayed,
        "keys are per caller"
    );
    assert_eq!(
        store
            .account(&msisdn("010-4444-0001"))
            .await
            .unwrap()
            .unwrap()
            .balance,
        980
    );
    assert_eq!(
        store
            .account(&msisdn("010-4444-0002"))
            .await
            .unwrap()
            .unwrap()
            .balance,
        1000
    );
}

/// Refunds give back balance and month spend; top-ups and refunds are idempotent too.
async fn refunds_and_top_ups_follow_their_rules(db: &TestDb) {
    let t = TestTime::new();
    let n = "010-7777-0001";
    db.store
        .create_account(&new_account(n, 1000), &t.now())
        .await
        .unwrap();
    db.store
        .move_money(&charge(n, 300, Some("c1")), &t.now())
        .await
        .unwrap();
    let refund = movement(n, EntryKind::Refund, 100, Some("rf1"));
    let first = db.store.move_money(&refund, &t.now()).await.unwrap();
    let again = db.store.move_money(&refund, &t.now()).await.unwrap();
    assert!(again.replayed && again.entry.id == first.entry.id);
    assert_eq!((first.account.balance, first.account.month_spent), (800, 200));
    let topup = movement(n, EntryKind::Topup, 5000, Some("t1"));
    db.store.move_money(&topup, &t.now()).await.unwrap();
    assert!(db.store.move_money(&topup, &t.now()).await.unwrap().replayed);
    let account = db.store.account(&msisdn(n)).await.unwrap().unwrap();
    assert_eq!((account.balance, account.month_spent), (5800, 200));
    let huge = movement(n, EntryKind::Topup, i64::MAX / 2, None);
    assert_eq!(
        refusal(db.store.move_money(&huge, &t.now()).await),
        Refusal::BalanceCeiling
    );
    assert_balanced(db.store.as_ref(), n).await;
}

/// The ledger lists newest first and pages with `before_id`; every entry names its actor.
async fn the_ledger_pages_newest_first(db: &TestDb) {
    let t = TestTime::new();
    let n = "010-8888-0001";
    db.store
        .create_account(&new_account(n, 1000), &t.now())
        .await
        .unwrap();
    for i in 1..=5 {
        db.store
            .move_money(&charge(n, i, Some(&format!("p{i}"))), &t.now())
            .await
            .unwrap();
    }
    let first = db.store.ledger(&msisdn(n), None, 3).await.unwrap();
    let amounts: Vec<i64> = first.iter().map(|e| e.amount).collect();
    assert_eq!(amounts, [-5, -4, -3]);
    let rest = db.store.ledger(&msisdn(n), Some(first[2].id), 10).await.unwrap();
    let kinds: Vec<EntryKind> = rest.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EntryKind::Charge, EntryKind::Charge, EntryKind::Topup]);
    assert_eq!(rest[2].actor, "operator:test");
    assert_eq!(rest[0].reference_code.as_deref(), Some("p2"));
    assert_eq!(first[0].balance_after, 1000 - 15);
}
