//! Tariffs in the payment battery: created, replaced, listed and removed.

use pxgate::store::StoreError;
use pxgate::store::payment::Tariff;

use crate::harness::{TestDb, battery, krw};

battery!(tariffs_are_kept_replaced_and_removed);

/// Tariffs are created, replaced, listed and removed.
async fn tariffs_are_kept_replaced_and_removed(db: &TestDb) {
    let s = db.store.as_ref();
    let data = Tariff {
        code: "data-mb".into(),
        currency: krw(),
        unit_price: 10,
        description: "per MB".into(),
    };
    s.put_tariff(&data, 1).await.unwrap();
    s.put_tariff(
        &Tariff {
            unit_price: 12,
            ..data.clone()
        },
        2,
    )
    .await
    .unwrap();
    s.put_tariff(
        &Tariff {
            code: "default".into(),
            ..data.clone()
        },
        3,
    )
    .await
    .unwrap();
    assert_eq!(s.tariff("data-mb").await.unwrap().unwrap().unit_price, 12);
    assert_eq!(
        s.tariffs()
            .await
            .unwrap()
            .iter()
            .map(|t| t.code.as_str())
            .collect::<Vec<_>>(),
        ["data-mb", "default"]
    );
    s.delete_tariff("data-mb").await.unwrap();
    assert!(s.tariff("data-mb").await.unwrap().is_none());
    assert!(matches!(
        s.delete_tariff("data-mb").await,
        Err(StoreError::NotFound)
    ));
}
