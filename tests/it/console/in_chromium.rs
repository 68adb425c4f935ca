//! What an operator does in the console, in headless Chromium: sign in, watch the dashboard move
//! under load, find a subscriber by a national spelling, top up and see the ledger row, switch to
//! English, register an application with its agreement, issue vouchers.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde_json::json;

use super::browser::{Driver, WAIT, click, element, fill, screenshot, sign_in, text_until};
use crate::harness::{TestDb, TestGateway};
use crate::soap_framework::{ALICE, Client as App, open_account, register};

/// The subscriber the load charges (Alice is the one the operator tops up), as OneAPI names
/// them and in a URL path.
const BOB: (&str, &str) = ("tel:+821090000001", "tel%3A%2B821090000001");
/// A suspended subscriber: charging it is refused.
const SUSPENDED: (&str, &str) = ("tel:+821055550003", "tel%3A%2B821055550003");

/// Charges Bob over OneAPI REST until the flag is set, in bursts of eight seconds with a pause
/// after every two, and now and then the suspended account (a refusal), so the charts have a
/// shape. Refusals are counted, not failures; a 5xx is.
fn load(gw: &TestGateway, app: App) -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let (http, base, flag) = (gw.http.clone(), gw.base.clone(), Arc::clone(&stop));
    tokio::spawn(async move {
        let started = Instant::now();
        let mut n = 0;
        while !flag.load(Ordering::Relaxed) {
            if (started.elapsed().as_secs() / 8) % 3 == 2 {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
            n += 1;
            let (who, path) = if n % 25 == 0 { SUSPENDED } else { BOB };
            let body = json!({"amountTransaction": {
                "endUserId": who,
                "paymentAmount": {"chargingInformation": {"amount": 100, "currency": "KRW", "description": "게임 아이템"}},
                "referenceCode": format!("load-{n}"),
                "transactionOperationStatus": "Charged",
            }});
            let sent = http
                .post(format!("{base}/oneapi/v1/payment/{path}/transactions/amount"))
                .basic_auth(&app.user, Some(&app.secret))
                .json(&body)
                .send()
                .await
                .expect("the gateway answers");
            // Refusals (the suspended account, the agreement's rate) are part of the traffic.
            let status = sent.status();
            let answer = sent.text().await.unwrap_or_default();
            assert!(
                !status.is_server_error(),
                "a load charge failed: {status} {answer}"
            );
        }
    });
    stop
}

/// Waits until the attribute `name` of the element at `css` differs from `from`.
async fn attr_changes(c: &Client, css: &str, name: &str, from: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && let Ok(Some(now)) = e.attr(name).await
            && now != from
        {
            return now;
        }
        assert!(Instant::now() < deadline, "{css}[{name}] stayed {from:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_operator_works_the_console_in_chromium() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let db = TestDb::sqlite().await;
    let gw = TestGateway::start(&db).await;
    // A rate above what the load reaches: the charts show charges, and refusals of the
    // suspended account, not the gateway's default rate.
    let shop = register(
        &gw,
        "shop",
        json!({"allow": ["Payment"], "rates": [{"scope": "Payment", "per_second": 5000}]}),
    )
    .await;
    open_account(
        &gw,
        ALICE.0,
        json!({"balance": 50_000, "monthly_limit": 300_000, "credit_expiry": "2027-12-31"}),
    )
    .await;
    open_account(&gw, "010-9000-0001", json!({"balance": 10_000_000})).await;
    open_account(
        &gw,
        "010-5555-0003",
        json!({"balance": 700, "status": "suspended"}),
    )
    .await;
    let c = driver.browser().await;
    sign_in(&c, &gw.base).await;

    // The dashboard refreshes itself (no navigation) and its charges chart moves under load.
    let samples = element(&c, "#sampled")
        .await
        .attr("data-samples")
        .await
        .unwrap()
        .unwrap();
    let stop = load(&gw, shop);
    attr_changes(&c, "#sampled", "data-samples", &samples).await;
    text_until(&c, "#chart-charges .now", |t| {
        t.parse::<f64>().is_ok_and(|v| v > 0.0)
    })
    .await;
    element(&c, "#chart-charges polyline").await;
    if std::env::var_os("PXGATE_CONSOLE_SCREENSHOTS").is_some() {
        // A picture worth showing needs a minute of traffic.
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
    screenshot(&c, "dashboard").await;
    stop.store(true, Ordering::Relaxed);

    // Subscribers: a national spelling finds Alice; a top-up shows as the ledger's first row.
    click(&c, "header nav a[href='/console/subscribers']").await;
    screenshot(&c, "subscribers").await;
    fill(&c, "form.search", "q", "010 1234 5678").await;
    click(&c, "form.search button").await;
    fill(&c, "#topup", "amount", "5,000").await;
    fill(&c, "#topup", "description", "창구 충전").await;
    click(&c, "#topup button").await;
    element(&c, "#done").await;
    let row = text_until(&c, "#ledger tbody tr:first-child", |t| t.contains("창구 충전")).await;
    assert!(
        row.contains("5,000원") && row.contains("55,000원") && row.contains("operator:tester"),
        "{row}"
    );
    assert_eq!(element(&c, "#balance").await.text().await.unwrap(), "55,000원");

    // A refused form shows the API's message under the field.
    fill(&c, "#topup", "amount", "0.5").await;
    click(&c, "#topup button").await;
    let error = text_until(&c, "#topup .error[data-field=amount]", |t| !t.is_empty()).await;
    assert!(error.contains("KRW"), "{error}");
    screenshot(&c, "account").await;

    // English, and the same page in it.
    click(&c, "a.lang[lang=en]").await;
    text_until(&c, "#topup h2", |t| t == "Top up").await;
    assert_eq!(element(&c, "#balance").await.text().await.unwrap(), "₩55,000");
    screenshot(&c, "account-en").await;

    // An application registered with its agreement; its secret shown once.
    click(&c, "a.lang[lang=ko]").await;
    click(&c, "header nav a[href='/console/apps']").await;
    click(&c, "#new-app").await;
    fill(&c, "#create", "id", "corner-shop").await;
    fill(&c, "#create", "name", "코너 상점").await;
    fill(&c, "#create", "owner_contact", "ops@corner.example").await;
    fill(&c, "#create", "allow", "Payment\nSMS").await;
    fill(&c, "#create", "rates", "Payment 30 60").await;
    fill(&c, "#create", "spend_limits", "KRW 50000 - 1000000").await;
    fill(&c, "#create", "sms_senders", "1588").await;
    click(&c, "#create button[type=submit]").await;
    let secret = element(&c, "#secret-value").await.text().await.unwrap();
    assert_eq!(secret.len(), 32, "{secret}");
    assert_eq!(element(&c, "#app-status").await.text().await.unwrap(), "사용 중");
    let rates = element(&c, "#agreement-rates").await.prop("value").await.unwrap();
    assert_eq!(rates.as_deref(), Some("Payment 30 60"));
    screenshot(&c, "application").await;

    // Vouchers: the batch's codes are a download; the list shows the batch without them.
    click(&c, "header nav a[href='/console/vouchers']").await;
    fill(&c, "#issue", "count", "5").await;
    fill(&c, "#issue", "value", "10000").await;
    fill(&c, "#issue", "batch", "winter-2026").await;
    click(&c, "#issue button[type=submit]").await;
    let deadline = Instant::now() + WAIT;
    loop {
        c.goto(&format!("{}/console/vouchers?status=unused", gw.base))
            .await
            .unwrap();
        let rows = c.find_all(Locator::Css("#vouchers tbody tr")).await.unwrap();
        if rows.len() == 5 {
            assert!(rows[0].text().await.unwrap().contains("winter-2026"));
            break;
        }
        assert!(Instant::now() < deadline, "the batch was not issued");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    screenshot(&c, "vouchers").await;

    c.close().await.unwrap();
}

/// A message sent through the gateway to the SMSC simulator is found in the console by its
/// requestIdentifier, and shows as delivered once the simulator's receipt is in.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sent_sms_is_found_delivered_in_chromium() {
    use crate::sms_harness::{SmsGateway, start_sim};
    let Some(driver) = Driver::start().await else {
        return;
    };
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = start_sim(smpp).await;
    let db = TestDb::sqlite().await;
    let gw = SmsGateway::start(&db, sim.smpp_addr()).await;
    let app = gw.register("shop").await;
    let id = gw
        .send(&app, &["tel:+821012345678"], "주문하신 커피가 준비되었습니다")
        .await;
    let c = driver.browser().await;
    sign_in(&c, &gw.base).await;
    click(&c, "header nav a[href='/console/sms']").await;
    fill(&c, "form.search", "request", &id).await;
    click(&c, "form.search button").await;
    let deadline = Instant::now() + WAIT;
    loop {
        let parts = text_until(&c, "#request-parts", |t| t.contains("+821012345678")).await;
        if parts.contains("전달됨") {
            assert!(parts.contains("shop"), "{parts}");
            break;
        }
        assert!(Instant::now() < deadline, "never delivered: {parts}");
        c.refresh().await.unwrap();
    }
    screenshot(&c, "message").await;
    c.close().await.unwrap();
}
