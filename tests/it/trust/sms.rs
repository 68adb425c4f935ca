//! SMS an application cannot make the gateway send: from a sender the operator did not give it
//! (leaving out `senderName` sends from the agreement's first sender, never the gateway's own
//! name), and "not registered" notices to numbers it made up (SMS pumping: only the operator's own
//! country, within an hourly budget).

use chrono::Days;
use serde_json::json;

use crate::alerts::charge;
use crate::harness::{TestDb, battery};
use crate::sms_harness::{SmsGateway, send_sms, start_sim, wait_inbox};
use crate::soap_framework::{open_account, register};

battery!(
    a_message_without_a_sender_name_goes_out_from_the_agreements_sender,
    refused_charges_text_only_home_numbers_within_the_hourly_budget,
);

/// The reproduced hole: `news` (senders `["NEWS"]`) sent without senderName and the handset saw
/// the gateway's own name.
async fn a_message_without_a_sender_name_goes_out_from_the_agreements_sender(db: &TestDb) {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = start_sim(smpp).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let news = gw
        .register_with("news", json!({"allow": ["SMS"], "sms_senders": ["NEWS", "1599"]}))
        .await;
    gw.call(&news, &send_sms(&["tel:+821012345678"], None, "headline"))
        .await
        .assert_ok("sendSms without senderName");
    let m = wait_inbox(&sim, "821012345678").await;
    assert_eq!((m.from.as_str(), m.text.as_str()), ("NEWS", "headline"));
    let other = gw
        .call(&news, &send_sms(&["tel:+821012345678"], Some("pxgate"), "spoof"))
        .await;
    other.assert_fault("POL0001", "a sender outside the agreement");
    // An application the operator gave no sender cannot send at all.
    let mute = gw.register_with("mute", json!({"allow": ["SMS"]})).await;
    let answer = gw
        .call(&mute, &send_sms(&["tel:+821012345678"], None, "hello"))
        .await;
    answer.assert_fault("POL0001", "no sender in the agreement");
}

async fn refused_charges_text_only_home_numbers_within_the_hourly_budget(db: &TestDb) {
    let (sim, gw) = alert_gateway_with_budget(db, 2).await;
    let shop = register(&gw, "shop", json!({"allow": ["Payment"]})).await;
    let refused = Some("POL1009".to_owned());
    let abroad = "15550001234";
    let home = ["821066660001", "821066660002", "821066660003"];
    assert_eq!(charge(&gw, &shop, abroad, 500, "p0").await, refused);
    for (i, n) in home.iter().enumerate() {
        assert_eq!(charge(&gw, &shop, n, 500, &format!("p{}", i + 1)).await, refused);
    }
    // The marker: an expiry reminder, decided by a scan after the refused charges were judged.
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Seoul)
        .date_naive();
    let soon = today.checked_add_days(Days::new(1)).unwrap();
    open_account(
        &gw,
        "010-6666-0009",
        json!({"balance": 100, "credit_expiry": soon}),
    )
    .await;
    wait_inbox(&sim, "821066660009").await;
    let told = || home.iter().map(|n| sim.inbox(n).len()).sum::<usize>();
    for _ in 0..500 {
        if told() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(told(), 2, "the hourly budget of two notices");
    assert!(sim.inbox(abroad).is_empty(), "a number abroad is never texted");
}

async fn alert_gateway_with_budget(
    db: &TestDb,
    per_hour: u32,
) -> (pxsim::SimHandle, crate::harness::TestGateway) {
    crate::alerts::alert_gateway_with(db, |c| c.alerts.unregistered_per_hour = per_hour).await
}
