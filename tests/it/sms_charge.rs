//! sendSms with `charging` on both backends: each recipient is charged once, through the Payment
//! SCF's rules, in the transaction that queues the message; a refused charge (for any recipient)
//! moves no money and queues nothing; concurrent charged messages never overspend an account.

use std::time::Duration;

use pxgate::domain::{Locale, Moment};
use pxgate::store::sms::{NewPart, NewSms};
use pxgate::store::{EntryKind, Limits, Movement, Refusal, StoreError};
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{OPERATOR_TOKEN, TestDb, battery, krw, msisdn, new_account};
use crate::sms_harness::{SmsGateway, send_sms, start_sim, wait_inbox};
use crate::soap_framework::element;

battery!(
    a_charged_message_debits_each_recipient_once_and_arrives,
    one_refused_recipient_charges_nobody_and_queues_nothing,
    an_unregistered_recipient_gets_its_payment_fault,
    the_agreements_per_charge_cap_refuses_the_message,
    an_application_without_charge_amount_cannot_charge,
    concurrent_charged_messages_never_overspend,
    the_store_rolls_back_every_charge_and_part_together,
);

/// Now in the operator's calendar (the gateways run on the system clock).
fn now() -> Moment {
    Locale::default().moment(chrono::Utc::now())
}

async fn open(db: &TestDb, number: &str, balance: i64) {
    db.store
        .create_account(&new_account(number, balance), &now())
        .await
        .unwrap();
}

async fn balance(db: &TestDb, number: &str) -> i64 {
    db.store.account(&msisdn(number)).await.unwrap().unwrap().balance
}

/// The charges on an account's ledger, newest first.
async fn charges(db: &TestDb, number: &str) -> Vec<pxgate::store::LedgerEntry> {
    let entries = db.store.ledger(&msisdn(number), None, 500).await.unwrap();
    entries
        .into_iter()
        .filter(|e| e.kind == EntryKind::Charge)
        .collect()
}

/// Registers an application that may send SMS from `1588` and call `allow`, with an optional
/// KRW per-charge cap; answers its (username, secret).
async fn register(gw: &SmsGateway, id: &str, allow: &[&str], per_charge: Option<i64>) -> (String, String) {
    let mut grants = vec!["SMS"];
    grants.extend_from_slice(allow);
    let mut agreement = json!({"allow": grants, "sms_senders": ["1588"], "max_sms_addresses": 3});
    if let Some(cap) = per_charge {
        agreement["spend_limits"] = json!([{"currency": "KRW", "per_charge": cap}]);
    }
    let body =
        json!({"id": id, "name": "Alerts", "owner_contact": "ops@alerts.example", "agreement": agreement});
    let response = gw
        .http
        .request(Method::POST, format!("{}/admin/v1/apps", gw.base))
        .bearer_auth(OPERATOR_TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    let created: Value = response.json().await.unwrap();
    let text = |k: &str| created["credential"][k].as_str().unwrap().to_owned();
    (text("username"), text("secret"))
}

/// A sendSms from `1588` charging each address `amount` KRW (`currency` omitted when `None`).
fn charged_sms(to: &[&str], text: &str, amount: i64, currency: Option<&str>) -> String {
    let currency = currency.map_or(String::new(), |c| format!("<currency>{c}</currency>"));
    send_sms(to, Some("1588"), text).replace(
        "<loc:message>",
        &format!(
            "<loc:charging><description>Weather alert</description>{currency}<amount>{amount}</amount>\
             </loc:charging><loc:message>"
        ),
    )
}

/// Sends an uncharged marker to `number` and waits for it: the outbox is sent in queue order,
/// so anything queued before it for that number would be in the inbox by then too.
async fn flush(gw: &SmsGateway, app: &(String, String), sim: &pxsim::SimHandle, number: &str) {
    gw.send(app, &[&format!("tel:+{number}")], "marker").await;
    for _ in 0..500 {
        if sim.inbox(number).iter().any(|m| m.text == "marker") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the marker never reached {number}");
}

async fn a_charged_message_debits_each_recipient_once_and_arrives(db: &TestDb) {
    let sim = start_sim(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let app = register(&gw, "alerts", &["AmountCharging.chargeAmount"], None).await;
    open(db, "821061000001", 1_000).await;
    open(db, "821061000002", 500).await;
    let to = ["tel:+821061000001", "010-6100-0002"];
    let answer = gw
        .call(&app, &charged_sms(&to, "Rain at 3pm", 120, Some("KRW")))
        .await;
    answer.assert_ok("charged sendSms");
    let id = element(&answer.text, "result").unwrap().to_owned();
    assert_eq!(wait_inbox(&sim, "821061000001").await.text, "Rain at 3pm");
    assert_eq!(wait_inbox(&sim, "821061000002").await.text, "Rain at 3pm");
    // No currency given: the account's, as chargeAmount does.
    let second = charged_sms(&["tel:+821061000002"], "Snow at 9pm", 30, None);
    gw.call(&app, &second).await.assert_ok("second charged sendSms");
    assert_eq!(
        (
            balance(db, "821061000001").await,
            balance(db, "821061000002").await
        ),
        (880, 350)
    );
    let first = charges(db, "821061000001").await;
    assert_eq!(first.len(), 1, "charged once: {first:?}");
    assert_eq!(first[0].amount, -120);
    assert_eq!(first[0].actor, "app:alerts");
    assert_eq!(first[0].description, "Weather alert");
    assert_eq!(
        first[0].reference_code.as_deref(),
        Some(format!("sms:{id}:+821061000001").as_str())
    );
    assert_eq!(charges(db, "821061000002").await.len(), 2);
    gw.wait_status(&app, &id, "DeliveredToTerminal").await;
}

async fn one_refused_recipient_charges_nobody_and_queues_nothing(db: &TestDb) {
    let sim = start_sim(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let app = register(&gw, "alerts", &["AmountCharging"], None).await;
    open(db, "821062000001", 1_000).await;
    open(db, "821062000002", 99).await;
    let to = ["tel:+821062000001", "tel:+821062000002"];
    // In both orders: the refused account may be locked first or last.
    for order in [to, [to[1], to[0]]] {
        let answer = gw
            .call(&app, &charged_sms(&order, "Paid content", 100, Some("KRW")))
            .await;
        answer.assert_fault("POL1000", "insufficient credit on one recipient");
    }
    assert_eq!(
        (
            balance(db, "821062000001").await,
            balance(db, "821062000002").await
        ),
        (1_000, 99)
    );
    assert!(charges(db, "821062000001").await.is_empty());
    assert!(charges(db, "821062000002").await.is_empty());
    flush(&gw, &app, &sim, "821062000001").await;
    flush(&gw, &app, &sim, "821062000002").await;
    for n in ["821062000001", "821062000002"] {
        let texts: Vec<String> = sim.inbox(n).into_iter().map(|m| m.text).collect();
        assert_eq!(texts, ["marker"], "nothing of the refused message reached {n}");
    }
    assert_eq!(
        sim.stats().sent("submit_sm_resp", "ESME_ROK"),
        2,
        "only the markers"
    );
}

async fn an_unregistered_recipient_gets_its_payment_fault(db: &TestDb) {
    let sim = start_sim(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let app = register(&gw, "alerts", &["AmountCharging.chargeAmount"], None).await;
    open(db, "821063000001", 1_000).await;
    let to = ["tel:+821063000001", "tel:+821063999999"];
    for currency in [Some("KRW"), None] {
        let answer = gw.call(&app, &charged_sms(&to, "Hello", 100, currency)).await;
        answer.assert_fault("POL1009", "no account for the second recipient");
        assert_eq!(answer.variables(), ["payment"]);
    }
    let unknown_currency = gw.call(&app, &charged_sms(&to, "Hello", 100, Some("XYZ"))).await;
    unknown_currency.assert_fault("SVC0007", "unknown currency");
    assert_eq!(balance(db, "821063000001").await, 1_000);
    flush(&gw, &app, &sim, "821063000001").await;
    assert!(sim.inbox("821063999999").is_empty());
    assert_eq!(sim.inbox("821063000001").len(), 1, "only the marker");
}

async fn the_agreements_per_charge_cap_refuses_the_message(db: &TestDb) {
    let sim = start_sim(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let app = register(&gw, "alerts", &["AmountCharging.chargeAmount"], Some(500)).await;
    open(db, "821064000001", 10_000).await;
    let to = ["tel:+821064000001"];
    gw.call(&app, &charged_sms(&to, "Too dear", 501, Some("KRW")))
        .await
        .assert_fault("POL0254", "above the per-charge cap");
    gw.call(&app, &charged_sms(&to, "Just right", 500, Some("KRW")))
        .await
        .assert_ok("at the cap");
    assert_eq!(balance(db, "821064000001").await, 9_500);
    assert_eq!(wait_inbox(&sim, "821064000001").await.text, "Just right");
    flush(&gw, &app, &sim, "821064000001").await;
    let texts: Vec<String> = sim.inbox("821064000001").into_iter().map(|m| m.text).collect();
    assert_eq!(texts, ["Just right", "marker"]);
}

async fn an_application_without_charge_amount_cannot_charge(db: &TestDb) {
    let sim = start_sim(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    // Refunds and reservations are not chargeAmount.
    let app = register(
        &gw,
        "alerts",
        &["AmountCharging.refundAmount", "ReserveAmountCharging"],
        None,
    )
    .await;
    open(db, "821065000001", 1_000).await;
    gw.call(
        &app,
        &charged_sms(&["tel:+821065000001"], "Paid", 100, Some("KRW")),
    )
    .await
    .assert_fault("POL0008", "no chargeAmount grant");
    assert_eq!(balance(db, "821065000001").await, 1_000);
    flush(&gw, &app, &sim, "821065000001").await;
    assert_eq!(sim.inbox("821065000001").len(), 1, "only the marker");
}

async fn concurrent_charged_messages_never_overspend(db: &TestDb) {
    let sim = start_sim(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()).await;
    let gw = std::sync::Arc::new(SmsGateway::start(db, sim.smpp_addr()).await);
    let app = register(&gw, "alerts", &["AmountCharging.chargeAmount"], None).await;
    open(db, "821066000001", 20 * 100).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..50 {
        let (gw, app) = (std::sync::Arc::clone(&gw), app.clone());
        tasks.spawn(async move {
            let body = charged_sms(&["tel:+821066000001"], &format!("alert {i}"), 100, Some("KRW"));
            gw.call(&app, &body).await
        });
    }
    let (mut accepted, mut refused) = (0, 0);
    while let Some(answer) = tasks.join_next().await {
        let answer = answer.unwrap();
        if answer.status == reqwest::StatusCode::OK {
            accepted += 1;
        } else {
            answer.assert_fault("POL1000", "out of credit");
            refused += 1;
        }
    }
    assert_eq!((accepted, refused), (20, 30));
    assert_eq!(balance(db, "821066000001").await, 0);
    assert_eq!(charges(db, "821066000001").await.len(), 20);
    flush(&gw, &app, &sim, "821066000001").await;
    let inbox = sim.inbox("821066000001");
    let alerts = inbox.iter().filter(|m| m.text.starts_with("alert ")).count();
    assert_eq!(alerts, 20, "one message per accepted send");
    assert_eq!(
        sim.stats().sent("submit_sm_resp", "ESME_ROK"),
        21,
        "20 alerts and the marker"
    );
}

/// A store-level view of the same rule: the outbox holds nothing of a refused message.
async fn the_store_rolls_back_every_charge_and_part_together(db: &TestDb) {
    open(db, "821067000001", 1_000).await;
    open(db, "821067000002", 50).await;
    let charge = |number: &str, reference: &str| Movement {
        msisdn: msisdn(number),
        kind: EntryKind::Charge,
        amount: 100,
        currency: krw(),
        actor: "app:alerts".to_owned(),
        reference_code: Some(reference.to_owned()),
        description: "Weather alert".to_owned(),
        limits: Limits::default(),
        extend_expiry_days: None,
        screen: None,
    };
    let sms = |request_id: &str, to: &[&str]| NewSms {
        request_id: request_id.to_owned(),
        actor: "app:alerts".to_owned(),
        sender: "1588".to_owned(),
        receipt: true,
        notify: None,
        notify_format: "soap",
        client_correlator: None,
        parts: to
            .iter()
            .map(|a| NewPart {
                address: format!("+{a}"),
                part_no: 1,
                part_count: 1,
                data_coding: 0,
                esm_class: 0,
                body: b"hi".to_vec(),
            })
            .collect(),
    };
    let both = ["821067000001", "821067000002"];
    let refused = db
        .store
        .queue_charged_sms(
            &sms("r1", &both),
            &[charge(both[0], "sms:r1:a"), charge(both[1], "sms:r1:b")],
            &now(),
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::Refused(Refusal::InsufficientBalance))),
        "{refused:?}"
    );
    assert!(
        db.store.sms_request("r1").await.unwrap().is_none(),
        "no outbox row"
    );
    assert_eq!(
        (balance(db, both[0]).await, balance(db, both[1]).await),
        (1_000, 50)
    );
    db.store
        .queue_charged_sms(&sms("r2", &both[..1]), &[charge(both[0], "sms:r2:a")], &now())
        .await
        .unwrap();
    let (owner, parts) = db.store.sms_request("r2").await.unwrap().unwrap();
    assert_eq!((owner.as_str(), parts.len()), ("app:alerts", 1));
    assert_eq!(balance(db, both[0]).await, 900);
    // A refund is not how a message is paid for.
    let mut refund = charge(both[0], "sms:r3:a");
    refund.kind = EntryKind::Refund;
    let wrong = db
        .store
        .queue_charged_sms(&sms("r3", &both[..1]), &[refund], &now())
        .await;
    assert!(matches!(wrong, Err(StoreError::InvalidMovement(_))), "{wrong:?}");
    assert!(db.store.sms_request("r3").await.unwrap().is_none());
}
