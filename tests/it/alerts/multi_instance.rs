//! Alerts with more than one deciding instance: two gateways on one database queue each alert
//! once, and the store writes a decision committed twice only once.

use serde_json::json;

use super::{KO, alert_gateway, alerts_on, charge, texts, wait_for};
use crate::harness::{TestDb, battery};
use crate::soap_framework::{open_account, register};

battery!(
    two_instances_queue_each_alert_once,
    a_decision_made_twice_is_written_once,
);

/// A second gateway instance over its own connection to the same database (PostgreSQL) or the
/// same store (SQLite), alerts on; stopped when the sender is dropped.
async fn second_instance(db: &TestDb, smsc: &str) -> tokio::sync::oneshot::Sender<()> {
    use pxgate::app::{self, App};
    let store = match db.pg_url() {
        Some(url) => pxgate::store::connect(&pxgate::store::StoreOptions {
            url,
            max_connections: 4,
            durability: pxgate::store::Durability::Full,
        })
        .await
        .unwrap(),
        None => std::sync::Arc::clone(&db.store),
    };
    let mut config = pxgate::config::Config::with_store("sqlite://unused", crate::harness::TEST_SECRET_KEY);
    alerts_on(&mut config, smsc);
    let operators = pxgate::admin::OperatorTokens::default();
    let app = App::build(
        &config,
        store,
        std::sync::Arc::new(pxgate::domain::SystemClock),
        operators,
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        app::run(listener, app, async move {
            let _ = stopped.await;
        })
        .await
    });
    stop
}

async fn two_instances_queue_each_alert_once(db: &TestDb) {
    let (sim, gw) = alert_gateway(db).await;
    let _second = second_instance(db, &sim.smpp_addr().to_string()).await;
    let shop = register(&gw, "shop", json!({"allow": ["Payment"]})).await;
    open_account(&gw, KO.1, json!({"balance": 100_000})).await;
    for i in 1..=12 {
        assert_eq!(charge(&gw, &shop, KO.0, 100, &format!("r{i}")).await, None);
    }
    // Both instances decide alerts; each receipt is queued by one of them, once.
    wait_for(&sim, KO.0, 12, |t| t.starts_with("[결제]")).await;
    assert_eq!(charge(&gw, &shop, KO.0, 5_000, "marker").await, None);
    wait_for(&sim, KO.0, 1, |t| t.contains(" 5,000원 결제")).await;
    let receipts = texts(&sim, KO.0, |t| t.starts_with("[결제]"));
    assert_eq!(receipts.len(), 13, "{receipts:?}");
    let mut balances: Vec<String> = texts(&sim, KO.0, |_| true)
        .iter()
        .filter_map(|t| t.split("잔액 ").nth(1).map(str::to_owned))
        .collect();
    balances.sort();
    balances.dedup();
    assert_eq!(balances.len(), 13, "one receipt per charge: {balances:?}");
}

/// The store's re-check: a second commit of the same decisions (another instance, a stale read)
/// writes nothing, SMS included.
async fn a_decision_made_twice_is_written_once(db: &TestDb) {
    use pxgate::store::alerts::{AlertBatch, AlertMark};
    use pxgate::store::sms::{NewPart, NewSms};
    let store = &db.store;
    let sms = NewSms {
        request_id: "alert-test".to_owned(),
        actor: "gateway:alerts".to_owned(),
        sender: "1588".to_owned(),
        receipt: true,
        notify: None,
        notify_format: "soap",
        client_correlator: None,
        parts: vec![NewPart {
            address: "+821011110001".to_owned(),
            part_no: 1,
            part_count: 1,
            data_coding: 0,
            esm_class: 0,
            body: b"hello".to_vec(),
        }],
    };
    let cursor = store.alert_cursor(1).await.unwrap();
    store.note_unregistered("+821011110001", 1).await.unwrap();
    let pending = store.pending_unregistered(10).await.unwrap();
    assert_eq!(pending.len(), 1);
    let batch = AlertBatch {
        cursor: Some((cursor, cursor)),
        marks: vec![AlertMark::Unregistered {
            msisdn: "+821011110001".to_owned(),
            sent: true,
            last_sent_at_ms: None,
        }],
        sms: vec![sms],
        push: Vec::new(),
        callbacks: Vec::new(),
    };
    assert!(store.commit_alerts(&batch, 2).await.unwrap(), "first decision");
    assert!(
        !store.commit_alerts(&batch, 3).await.unwrap(),
        "the same decision again"
    );
    assert!(store.pending_unregistered(10).await.unwrap().is_empty());
    let (_, parts) = store.sms_request("alert-test").await.unwrap().unwrap();
    assert_eq!(parts.len(), 1, "queued once");
    // A new attempt within the window: pending again; a decision read before the first was sent
    // (never told) no longer matches.
    store.note_unregistered("+821011110001", 4).await.unwrap();
    let stale = AlertBatch {
        marks: vec![AlertMark::Unregistered {
            msisdn: "+821011110001".to_owned(),
            sent: true,
            last_sent_at_ms: None,
        }],
        ..AlertBatch::default()
    };
    assert!(!store.commit_alerts(&stale, 5).await.unwrap());
}
