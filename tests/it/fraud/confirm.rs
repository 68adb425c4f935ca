//! Subscriber confirmation end to end: a charge the rules want confirmed is held, the subscriber's
//! handset on the SMSC simulator gets the question, and the reply it sends back (an MO over SMPP)
//! charges the held money (`YES <code>`) or releases it (`NO`); an unanswered one is released when
//! its time runs out on the gateway's clock. The application learns each outcome by repeating its
//! charge: POL1021 (REST: 202 `Pending`) while pending, then the charge, or POL1022.

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeZone;
use serde_json::json;

use super::{decisions, rest_charge, save_rules, soap_charge};
use crate::harness::{TestDb, TestGateway, battery};
use crate::soap_framework::{
    ALICE, AMOUNT, Auth, Client, balance, call, charge_amount, open_account, register,
};

battery!(a_held_charge_is_confirmed_declined_or_released_by_the_subscriber);

/// Alice's handset as the simulator names it.
const HANDSET: &str = "821012345678";

/// The code in the `n`th (from 1) message the handset received, once it is there.
async fn code_in(sim: &pxsim::SimHandle, n: usize) -> String {
    for _ in 0..500 {
        let inbox: Vec<_> = sim.inbox(HANDSET).into_iter().filter(|m| m.complete).collect();
        if let Some(m) = inbox.get(n - 1) {
            assert_eq!(m.from, "1588", "from the operator short code");
            let after = m.text.split("YES ").nth(1).expect("the code follows the keyword");
            return after.chars().take_while(char::is_ascii_digit).collect();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no question {n} reached the handset: {:?}", sim.inbox(HANDSET));
}

/// Sends `text` from the handset to the short code once the gateway's receiver is bound.
async fn reply(sim: &pxsim::SimHandle, text: &str) {
    for _ in 0..500 {
        if sim.inject_mo(HANDSET, "1588", text).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no bound receiver");
}

/// Repeats the charge until it is no longer pending (bounded: 10 s); its final fault, if any.
async fn outcome(gw: &TestGateway, shop: &Client, amount: i64, reference: &str) -> Option<String> {
    for _ in 0..500 {
        let id = soap_charge(gw, shop, amount, reference).await;
        if id.as_deref() != Some("POL1021") {
            return id;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{reference} stayed pending");
}

async fn a_held_charge_is_confirmed_declined_or_released_by_the_subscriber(db: &TestDb) {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let smsc = smpp.local_addr().unwrap();
    let sim = crate::sms_harness::start_sim(smpp).await;
    let noon = chrono::Utc.with_ymd_and_hms(2026, 3, 9, 3, 0, 0).unwrap();
    let clock = Arc::new(pxgate::domain::ManualClock::new(noon));
    let gw = TestGateway::start_clocked(db, clock.clone(), |c| {
        c.smpp.address = smsc.to_string();
        c.smpp.reconnect_min_ms = 20;
        c.smpp.reconnect_max_ms = 100;
    })
    .await;
    open_account(&gw, ALICE.0, json!({"balance": 100_000, "language": "en"})).await;
    save_rules(
        &gw,
        json!({"first_charge": {"action": "confirm", "min_amount": 10_000}}),
    )
    .await;

    // YES with the code: charged under the application's reference code, once.
    let shop = register(&gw, "shop", json!({"allow": ["Payment"]})).await;
    let first = call(
        &gw,
        AMOUNT,
        &Auth::Basic(&shop),
        &charge_amount(ALICE.1, "20000", "k-1"),
    )
    .await;
    first.assert_fault("POL1021", "held for the subscriber");
    let (status, _) = rest_charge(&gw, &shop, 20_000, "k-1").await;
    assert_eq!(status, reqwest::StatusCode::ACCEPTED, "REST answers Pending");
    let code = code_in(&sim, 1).await;
    assert_eq!(code.len(), 6);
    reply(&sim, "YES 000000").await; // a wrong code changes nothing
    reply(&sim, &format!("yes {code}")).await;
    assert_eq!(outcome(&gw, &shop, 20_000, "k-1").await, None, "charged");
    assert_eq!(
        outcome(&gw, &shop, 20_000, "k-1").await,
        None,
        "and answered again"
    );
    assert_eq!(balance(&gw, ALICE.0).await, 80_000, "charged once");

    // NO: released, and the charge is refused as declined.
    let other = register(&gw, "other", json!({"allow": ["Payment"]})).await;
    assert_eq!(
        soap_charge(&gw, &other, 15_000, "n-1").await.as_deref(),
        Some("POL1021")
    );
    code_in(&sim, 2).await;
    reply(&sim, "NO").await;
    assert_eq!(
        outcome(&gw, &other, 15_000, "n-1").await.as_deref(),
        Some("POL1022")
    );

    // No answer: released when the gateway's clock passes the timeout.
    let third = register(&gw, "third", json!({"allow": ["Payment"]})).await;
    assert_eq!(
        soap_charge(&gw, &third, 15_000, "t-1").await.as_deref(),
        Some("POL1021")
    );
    code_in(&sim, 3).await;
    clock.advance(chrono::TimeDelta::seconds(301));
    assert_eq!(
        outcome(&gw, &third, 15_000, "t-1").await.as_deref(),
        Some("POL1022")
    );

    // A YES for an application suspended since it asked charges nothing: the hold goes back.
    let gone = register(&gw, "gone", json!({"allow": ["Payment"]})).await;
    assert_eq!(
        soap_charge(&gw, &gone, 15_000, "g-1").await.as_deref(),
        Some("POL1021")
    );
    let code = code_in(&sim, 4).await;
    let suspended = gw
        .admin(reqwest::Method::POST, "/apps/gone/suspend")
        .send()
        .await
        .unwrap();
    assert!(suspended.status().is_success(), "{}", suspended.status());
    reply(&sim, &format!("YES {code}")).await;
    let path = format!("/accounts/{}", ALICE.0);
    for _ in 0..500 {
        let account: serde_json::Value = gw.admin_json(&path).await;
        if account["reserved"] == json!(0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let account: serde_json::Value = gw.admin_json(&format!("/accounts/{}", ALICE.0)).await;
    assert_eq!(
        (&account["balance"], &account["reserved"]),
        (&json!(80_000), &json!(0)),
        "only the confirmed charge moved money: {account}"
    );
    let asked = decisions(&gw)
        .await
        .iter()
        .filter(|d| d["action"] == "confirm")
        .count();
    assert_eq!(asked, 4);
}
