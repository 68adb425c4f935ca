//! Subscriber alerts on both backends, end to end: charges over SOAP, alerts decided from the
//! ledger, sent through the outbox and the real SMPP link, and read back decoded from the SMSC
//! simulator's handsets — Korean as UCS-2 and English, each alert exactly once.
//!
//! "Exactly once" is checked with a marker: a later alert that the task decides after the one
//! under test (ledger order, or scan order); once the marker has arrived, a duplicate of the
//! earlier alert would have been queued before it.

mod multi_instance;

use std::time::Duration;

use chrono::Days;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestDb, TestGateway, battery};
use crate::sms_harness::start_sim;
use crate::soap_framework::{AMOUNT, Auth, Client, call, charge_amount, open_account, register};

battery!(
    a_charge_sends_one_receipt_in_the_account_language,
    the_low_balance_sms_goes_once_per_crossing,
    an_unregistered_number_is_told_at_most_once_a_day,
    credit_expiry_is_reminded_once,
    suspension_and_resumption_are_announced,
    the_balance_keyword_answers_with_the_balance,
);

/// Handsets, as the simulator names them (no `+`), and as the admin API does.
const KO: (&str, &str) = ("821011110001", "010-1111-0001");
const EN: (&str, &str) = ("821011110002", "010-1111-0002");
const OTHER: (&str, &str) = ("821011110003", "010-1111-0003");

/// Alerts on, the SMPP link to the simulator at `smsc`.
pub(crate) fn alerts_on(c: &mut pxgate::config::Config, smsc: &str) {
    c.smpp.address = smsc.to_owned();
    c.smpp.reconnect_min_ms = 20;
    c.smpp.reconnect_max_ms = 100;
    c.smpp.response_timeout_secs = 2;
    c.alerts.enabled = true;
}

/// The simulator and a gateway with alerts on, linked to it.
pub(crate) async fn alert_gateway(db: &TestDb) -> (pxsim::SimHandle, TestGateway) {
    alert_gateway_with(db, |_| {}).await
}

/// Like [`alert_gateway`], with the configuration changed by `adjust` after alerts are on.
pub(crate) async fn alert_gateway_with(
    db: &TestDb,
    adjust: impl FnOnce(&mut pxgate::config::Config),
) -> (pxsim::SimHandle, TestGateway) {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = start_sim(smpp).await;
    let smsc = sim.smpp_addr().to_string();
    let gw = TestGateway::start_with(db, |c| {
        alerts_on(c, &smsc);
        adjust(c);
    })
    .await;
    (sim, gw)
}

pub(crate) fn auth(c: &Client) -> Auth<'_> {
    Auth::Text(&c.user, &c.secret)
}

/// chargeAmount of `amount` KRW; answers the fault id, if any.
pub(crate) async fn charge(
    gw: &TestGateway,
    shop: &Client,
    msisdn: &str,
    amount: i64,
    reference: &str,
) -> Option<String> {
    let end_user = format!("tel:+{}", msisdn.trim_start_matches('+'));
    let answer = call(
        gw,
        AMOUNT,
        &auth(shop),
        &charge_amount(&end_user, &amount.to_string(), reference),
    )
    .await;
    if answer.status == StatusCode::OK {
        None
    } else {
        Some(answer.message_id().unwrap_or("?").to_owned())
    }
}

/// Complete messages at the handset whose text satisfies `matches`.
pub(crate) fn texts(sim: &pxsim::SimHandle, handset: &str, matches: impl Fn(&str) -> bool) -> Vec<String> {
    sim.inbox(handset)
        .into_iter()
        .filter(|m| m.complete && matches(&m.text))
        .map(|m| m.text)
        .collect()
}

/// Waits until `count` complete messages matching `matches` reached the handset (bounded: 15 s).
pub(crate) async fn wait_for(
    sim: &pxsim::SimHandle,
    handset: &str,
    count: usize,
    matches: impl Fn(&str) -> bool,
) -> Vec<String> {
    for _ in 0..750 {
        let found = texts(sim, handset, &matches);
        if found.len() >= count {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "fewer than {count} matching messages reached {handset}: {:?}",
        sim.inbox(handset)
    );
}

async fn admin_post(gw: &TestGateway, path: &str, body: Value) {
    let response = gw.admin(Method::POST, path).json(&body).send().await.unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.text().await.unwrap()
    );
}

async fn a_charge_sends_one_receipt_in_the_account_language(db: &TestDb) {
    let (sim, gw) = alert_gateway(db).await;
    let shop = register(&gw, "shop", json!({"allow": ["Payment"]})).await;
    open_account(&gw, KO.1, json!({"balance": 5000})).await;
    open_account(&gw, EN.1, json!({"balance": 5000, "language": "en"})).await;
    assert_eq!(charge(&gw, &shop, KO.0, 500, "r1").await, None);
    assert_eq!(charge(&gw, &shop, EN.0, 1200, "r2").await, None);

    let ko = wait_for(&sim, KO.0, 1, |t| t.starts_with("[결제]")).await;
    assert!(ko[0].starts_with("[결제] Corner Shop 500원 결제 ("), "{}", ko[0]);
    assert!(ko[0].ends_with("잔액 4,500원, 이번 달 사용 500원"), "{}", ko[0]);
    let en = wait_for(&sim, EN.0, 1, |t| t.starts_with("Paid")).await;
    assert!(
        en[0].starts_with("Paid KRW 1,200 to Corner Shop at "),
        "{}",
        en[0]
    );
    assert!(
        en[0].ends_with("Balance KRW 3,800, spent this month KRW 1,200."),
        "{}",
        en[0]
    );

    // The marker: a later charge's receipt. The month-to-date spend adds up.
    assert_eq!(charge(&gw, &shop, KO.0, 300, "r3").await, None);
    let all = wait_for(&sim, KO.0, 2, |t| t.starts_with("[결제]")).await;
    assert_eq!(all.len(), 2, "{all:?}");
    assert!(all[1].ends_with("잔액 4,200원, 이번 달 사용 800원"), "{}", all[1]);
    assert_eq!(texts(&sim, EN.0, |_| true).len(), 1);
    // A retried request moves nothing and is not a new receipt.
    assert_eq!(charge(&gw, &shop, KO.0, 300, "r3").await, None);
    assert_eq!(charge(&gw, &shop, KO.0, 100, "r4").await, None);
    let all = wait_for(&sim, KO.0, 3, |t| t.starts_with("[결제]")).await;
    assert_eq!(all.len(), 3, "{all:?}");
    assert!(all[2].contains(" 100원 "), "{}", all[2]);
}

async fn the_low_balance_sms_goes_once_per_crossing(db: &TestDb) {
    let (sim, gw) = alert_gateway(db).await;
    let shop = register(&gw, "shop", json!({"allow": ["Payment"]})).await;
    let fields = json!({"balance": 5000, "low_balance_threshold": 3000, "notify_receipt": false});
    open_account(&gw, KO.1, fields).await;
    // 5000 → 3500 (above), → 2500 (crossed), → 2000 (still below: no second SMS).
    for (amount, reference) in [(1500, "a"), (1000, "b"), (500, "c")] {
        assert_eq!(charge(&gw, &shop, KO.0, amount, reference).await, None);
    }
    let low = wait_for(&sim, KO.0, 1, |_| true).await;
    assert_eq!(low[0], "[잔액 부족] 잔액이 2,500원으로 3,000원 아래입니다.");

    // Back above the threshold, then below again: a second crossing, the marker.
    admin_post(
        &gw,
        &format!("/accounts/{}/topups", KO.1),
        json!({"amount": 3000, "reference_code": "top-1"}),
    )
    .await;
    assert_eq!(charge(&gw, &shop, KO.0, 3000, "d").await, None);
    let all = wait_for(&sim, KO.0, 2, |_| true).await;
    assert_eq!(all.len(), 2, "one SMS per crossing: {all:?}");
    assert_eq!(all[1], "[잔액 부족] 잔액이 2,000원으로 3,000원 아래입니다.");
}

async fn an_unregistered_number_is_told_at_most_once_a_day(db: &TestDb) {
    let (sim, gw) = alert_gateway(db).await;
    let shop = register(&gw, "shop", json!({"allow": ["Payment"]})).await;
    let refused = Some("POL1009".to_owned());
    assert_eq!(charge(&gw, &shop, KO.0, 500, "u1").await, refused);
    let told = wait_for(&sim, KO.0, 1, |_| true).await;
    assert!(told[0].contains("등록되어 있지 않아"), "{}", told[0]);

    // Again within the day: refused, and not told again. The marker: another number's notice.
    assert_eq!(charge(&gw, &shop, KO.0, 500, "u2").await, refused);
    assert_eq!(charge(&gw, &shop, OTHER.0, 500, "u3").await, refused);
    wait_for(&sim, OTHER.0, 1, |_| true).await;
    assert_eq!(texts(&sim, KO.0, |_| true).len(), 1, "rate-limited per number");

    // A charge without a currency is refused before any movement (no account to take it
    // from): the number is told as well.
    let body = charge_amount("tel:+821011110004", "500", "u4").replace("<currency>KRW</currency>", "");
    call(&gw, AMOUNT, &auth(&shop), &body)
        .await
        .assert_fault("POL1009", "no currency");
    wait_for(&sim, "821011110004", 1, |_| true).await;
}

async fn credit_expiry_is_reminded_once(db: &TestDb) {
    let (sim, gw) = alert_gateway(db).await;
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Seoul)
        .date_naive();
    let soon = today.checked_add_days(Days::new(2)).unwrap();
    let later = today.checked_add_days(Days::new(30)).unwrap();
    open_account(&gw, KO.1, json!({"balance": 4300, "credit_expiry": soon})).await;
    open_account(&gw, OTHER.1, json!({"balance": 100, "credit_expiry": later})).await;
    let reminder = wait_for(&sim, KO.0, 1, |_| true).await;
    assert_eq!(
        reminder[0],
        format!(
            "[알림] 잔액 4,300원의 사용 기한이 {}까지입니다.",
            soon.format("%Y-%m-%d")
        )
    );

    // The marker: an English account expiring tomorrow, found by a later scan.
    let tomorrow = today.checked_add_days(Days::new(1)).unwrap();
    open_account(
        &gw,
        EN.1,
        json!({"balance": 10, "credit_expiry": tomorrow, "language": "en"}),
    )
    .await;
    let en = wait_for(&sim, EN.0, 1, |_| true).await;
    assert_eq!(
        en[0],
        format!(
            "Your balance of KRW 10 can be used until {}.",
            tomorrow.format("%Y-%m-%d")
        )
    );
    assert_eq!(
        texts(&sim, KO.0, |_| true).len(),
        1,
        "reminded once per expiry date"
    );
    assert!(texts(&sim, OTHER.0, |_| true).is_empty(), "30 days away: not yet");
}

async fn suspension_and_resumption_are_announced(db: &TestDb) {
    let (sim, gw) = alert_gateway(db).await;
    open_account(&gw, KO.1, json!({"balance": 1000})).await;
    admin_post(&gw, &format!("/accounts/{}/suspend", KO.1), json!({})).await;
    let suspended = wait_for(&sim, KO.0, 1, |_| true).await;
    assert_eq!(suspended[0], "[알림] 소액결제 계정이 정지되었습니다.");
    admin_post(&gw, &format!("/accounts/{}/resume", KO.1), json!({})).await;
    let both = wait_for(&sim, KO.0, 2, |_| true).await;
    assert_eq!(both.len(), 2, "{both:?}");
    assert_eq!(both[1], "[알림] 소액결제 계정을 다시 사용할 수 있습니다.");
}

async fn the_balance_keyword_answers_with_the_balance(db: &TestDb) {
    let (sim, gw) = alert_gateway(db).await;
    open_account(&gw, KO.1, json!({"balance": 4300})).await;
    // Injected once the gateway's transceiver is bound.
    let mut sent = false;
    for _ in 0..500 {
        if sim.inject_mo(KO.0, "1588", "bal please").await.is_ok() {
            sent = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(sent, "no bound receiver");
    let answer = wait_for(&sim, KO.0, 1, |_| true).await;
    assert!(
        answer[0].starts_with("[잔액] 4,300원, 이번 달 사용 0원 ("),
        "{}",
        answer[0]
    );
    // An unregistered handset asking is told it is not registered.
    sim.inject_mo(OTHER.0, "1588", "BAL").await.unwrap();
    let other = wait_for(&sim, OTHER.0, 1, |_| true).await;
    assert!(other[0].contains("등록되어 있지 않아"), "{}", other[0]);
}
