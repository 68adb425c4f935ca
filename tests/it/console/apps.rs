//! The application pages: register with an agreement (the secret shown once), the agreement
//! form validated by the API with its errors under their inputs, credential rotation, status,
//! and this month's usage drawn as bars from real calls.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::client::Browser;
use crate::harness::{TestDb, TestGateway, battery};
use crate::rest_payment::post;
use crate::soap_framework::{ALICE, open_account};

battery!(
    an_application_is_registered_with_its_agreement_and_its_secret_shown_once,
    the_agreement_form_is_validated_by_the_api,
    credentials_rotate_and_status_follows_the_apis_rules,
    monitoring_is_granted_and_withdrawn,
    usage_is_charted_by_operation_and_by_outcome,
);

async fn app(gw: &TestGateway, id: &str) -> Value {
    gw.admin_json(&format!("/apps/{id}")).await
}

const HOSTILE: &str = r#"<script>alert("x")</script>"#;

async fn register(browser: &mut Browser, id: &str) -> super::client::Page {
    let form = [
        ("id", id),
        ("name", HOSTILE),
        ("owner_contact", "ops@shop.example"),
        ("allow", "Payment\nSMS"),
        ("rates", "Payment 20 40\n\nSMS 5"),
        ("spend_limits", "KRW 50,000 - 1000000"),
        ("sms_senders", "1588"),
        ("callback_hosts", "shop.example:8443"),
        ("valid_until", "2027-12-31T15:00:00Z"),
    ];
    browser
        .submit("/console/apps/new", "/console/apps/new", &form)
        .await
}

async fn an_application_is_registered_with_its_agreement_and_its_secret_shown_once(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let mut browser = Browser::signed_in(&gw).await;
    let created = register(&mut browser, "shop").await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    assert!(created.body.contains(r#"id="secret-value""#));
    assert!(!created.body.contains("<script>alert"), "{}", created.body);
    assert!(
        created
            .body
            .contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;")
    );
    let stored = app(&gw, "shop").await;
    assert_eq!(stored["name"], HOSTILE);
    let agreement = &stored["agreement"];
    assert_eq!(agreement["allow"], json!(["Payment", "SMS"]));
    assert_eq!(
        agreement["rates"],
        json!([{"scope": "Payment", "per_second": 20, "burst": 40}, {"scope": "SMS", "per_second": 5, "burst": null}])
    );
    assert_eq!(agreement["spend_limits"][0]["per_charge"], 50000);
    assert_eq!(agreement["sms_senders"], json!(["1588"]));
    // The page read again shows no secret, and the agreement as it was typed.
    let page = browser.get("/console/apps/shop").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains(r#"id="secret-value""#));
    assert!(page.body.contains("Payment 20 40\nSMS 5"), "{}", page.body);
    assert_eq!(
        page.body.matches("이번 달 사용량").count(),
        2,
        "usage by operation and by outcome"
    );
    let list = browser.get("/console/apps").await;
    assert!(list.body.contains(r#"href="/console/apps/shop""#) && !list.body.contains("<script>alert"));
}

async fn the_agreement_form_is_validated_by_the_api(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let mut browser = Browser::signed_in(&gw).await;
    let bad = browser
        .submit(
            "/console/apps/new",
            "/console/apps/new",
            &[
                ("id", "Bad Id"),
                ("name", "n"),
                ("owner_contact", "c"),
                ("allow", "Payment"),
                ("rates", "Payment fifty"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains(r#"data-field="id""#), "{}", bad.body);
    assert!(
        bad.body
            .contains(r#"<span class="error" data-field="rates">#1: per_second"#),
        "{}",
        bad.body
    );
    assert!(bad.body.contains("Payment fifty"), "what was typed is kept");
    assert_eq!(
        gw.admin(Method::GET, "/apps/bad-id")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );

    assert_eq!(register(&mut browser, "shop").await.status, StatusCode::OK);
    let page = "/console/apps/shop";
    let refused = browser
        .submit(
            page,
            &format!("{page}/agreement"),
            &[("allow", "Payment\nNoSuchService")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains(r#"data-field="allow""#), "{}", refused.body);
    assert_eq!(
        app(&gw, "shop").await["agreement"]["allow"],
        json!(["Payment", "SMS"]),
        "unchanged"
    );
    let saved = browser
        .submit(
            page,
            &format!("{page}/agreement"),
            &[("allow", "Payment"), ("rates", "Payment 7")],
        )
        .await;
    assert_eq!(
        (saved.status, saved.location()),
        (StatusCode::SEE_OTHER, "/console/apps/shop?done=agreement")
    );
    let agreement = app(&gw, "shop").await["agreement"].clone();
    assert_eq!(agreement["rates"][0]["per_second"], 7);
    assert_eq!(
        agreement["sms_senders"],
        json!([]),
        "the form is the whole agreement"
    );
}

async fn credentials_rotate_and_status_follows_the_apis_rules(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let mut browser = Browser::signed_in(&gw).await;
    assert_eq!(register(&mut browser, "shop").await.status, StatusCode::OK);
    let page = "/console/apps/shop";
    let rotated = browser.submit(page, &format!("{page}/credentials"), &[]).await;
    assert_eq!(rotated.status, StatusCode::OK);
    assert!(rotated.body.contains(r#"id="secret-value""#));
    // A credential under a chosen user name (a Huawei spId); a taken or malformed one is refused
    // under the field, escaped.
    let named = browser
        .submit(page, &format!("{page}/credentials"), &[("username", "000201")])
        .await;
    assert_eq!(named.status, StatusCode::OK, "{}", named.body);
    assert!(named.body.contains("000201") && named.body.contains(r#"id="secret-value""#));
    let taken = browser
        .submit(page, &format!("{page}/credentials"), &[("username", "000201")])
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.body);
    let bad = browser
        .submit(page, &format!("{page}/credentials"), &[("username", "<b>x</b>")])
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(
        bad.body.contains(r#"data-field="username""#) && !bad.body.contains("<b>x</b>"),
        "{}",
        bad.body
    );
    let credentials = app(&gw, "shop").await["credentials"].as_array().unwrap().clone();
    assert_eq!(credentials.len(), 3);
    let first = credentials[0]["username"].as_str().unwrap().to_owned();
    let revoked = browser
        .submit(page, &format!("{page}/credentials/{first}/revoke"), &[])
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{}", revoked.body);
    assert!(!app(&gw, "shop").await["credentials"][0]["revoked_at"].is_null());

    let status = format!("{page}/status");
    for (action, now) in [
        ("suspend", "suspended"),
        ("resume", "active"),
        ("revoke", "revoked"),
    ] {
        let done = browser.submit(page, &status, &[("action", action)]).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{action}: {}", done.body);
        assert_eq!(app(&gw, "shop").await["status"], now);
    }
    let refused = browser.submit(page, &status, &[("action", "resume")]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.body.contains("a revoked application stays revoked"),
        "{}",
        refused.body
    );
    let no_more = browser.submit(page, &format!("{page}/credentials"), &[]).await;
    assert_eq!(no_more.status, StatusCode::CONFLICT);
    assert!(
        no_more
            .body
            .contains("a revoked application gets no new credentials")
    );
    assert_eq!(
        browser.get("/console/apps/nope").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn monitoring_is_granted_and_withdrawn(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let mut browser = Browser::signed_in(&gw).await;
    assert_eq!(register(&mut browser, "shop").await.status, StatusCode::OK);
    let page = "/console/apps/shop";
    let action = format!("{page}/monitored");
    let granted = browser
        .submit(page, &action, &[("msisdn", "010-1234-5678")])
        .await;
    assert_eq!(
        (granted.status, granted.location()),
        (StatusCode::SEE_OTHER, "/console/apps/shop?done=monitored")
    );
    let withdrawn = browser
        .submit(
            page,
            &action,
            &[("msisdn", "+82 10 1234 5678"), ("withdraw", "1")],
        )
        .await;
    assert_eq!(withdrawn.status, StatusCode::SEE_OTHER, "{}", withdrawn.body);
    // Withdrawn already: the API's 404 is shown on the form.
    let again = browser
        .submit(page, &action, &[("msisdn", "01012345678"), ("withdraw", "1")])
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "{}", again.body);
    let bad = browser.submit(page, &action, &[("msisdn", "<i>x")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.body.contains(r#"data-field="msisdn""#) && !bad.body.contains("<i>x"),
        "{}",
        bad.body
    );
}

/// The markup of the bar for `key` in the bar chart `chart` (`operation`, `outcome`) of `body`.
fn bar<'b>(body: &'b str, chart: &str, key: &str) -> Option<&'b str> {
    let svg = body.split(&format!(r#"id="bars-{chart}""#)).nth(1)?;
    let svg = svg.split("</svg>").next()?;
    let at = svg.find(&format!(r#"data-key="{key}""#))?;
    svg[at..].split("</g>").next()
}

/// How many bars the chart `chart` of `body` has.
fn bars(body: &str, chart: &str) -> usize {
    body.split(&format!(r#"id="bars-{chart}""#))
        .nth(1)
        .and_then(|svg| svg.split("</svg>").next())
        .map_or(0, |svg| svg.matches(r#"<g class="bar""#).count())
}

async fn usage_is_charted_by_operation_and_by_outcome(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let shop = crate::soap_framework::register(&gw, "shop", json!({"allow": ["Payment"]})).await;
    open_account(&gw, ALICE.0, json!({"balance": 10_000})).await;
    let charge = |n: u32, amount: u32| {
        json!({"amountTransaction": {
            "endUserId": ALICE.1,
            "paymentAmount": {"chargingInformation": {"amount": amount, "currency": "KRW", "description": "item"}},
            "referenceCode": format!("chart-{n}"),
            "transactionOperationStatus": "Charged",
        }})
    };
    let path = "/payment/tel%3A%2B821012345678/transactions/amount";
    for n in [1, 2] {
        let done = post(&gw, path, Some(&shop), &charge(n, 1000)).await;
        assert_eq!(done.status, StatusCode::CREATED);
    }
    // More than the balance: POL1000. An SMS the agreement does not allow: not_allowed.
    let too_much = post(&gw, path, Some(&shop), &charge(3, 1_000_000)).await;
    assert!(too_much.status.is_client_error());
    let sms = crate::rest_sms::outbound(&[ALICE.1], "hi");
    let refused = post(
        &gw,
        "/smsmessaging/outbound/tel%3A1588/requests",
        Some(&shop),
        &sms,
    )
    .await;
    assert!(refused.status.is_client_error());

    let mut browser = Browser::signed_in(&gw).await;
    // Usage counts reach the store within a second or so; the page reads the two reports one
    // after the other, so a flush may land between them: wait for both.
    let deadline = Instant::now() + Duration::from_secs(20);
    let page = loop {
        let page = browser.get("/console/apps/shop").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        if bars(&page.body, "outcome") == 3 && bars(&page.body, "operation") == 2 {
            break page;
        }
        assert!(Instant::now() < deadline, "{}", page.body);
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let body = &page.body;
    assert_eq!(bars(body, "operation"), 2, "{body}");
    for (chart, key, calls, class, label) in [
        (
            "operation",
            "AmountCharging.chargeAmount",
            3,
            "counted",
            "AmountCharging.chargeAmount",
        ),
        ("operation", "SendSms.sendSms", 1, "counted", "SendSms.sendSms"),
        ("outcome", "ok", 2, "counted", "성공"),
        ("outcome", "POL1000", 1, "refused", "POL1000"),
        ("outcome", "not_allowed", 1, "refused", "not_allowed"),
    ] {
        let bar = bar(body, chart, key).unwrap_or_else(|| panic!("no {chart} bar {key}: {body}"));
        assert!(bar.contains(&format!(r#"data-value="{calls}""#)), "{bar}");
        assert!(bar.contains(&format!(r#"<rect class="{class}""#)), "{bar}");
        assert!(bar.contains(&format!(">{label}</text>")), "{bar}");
    }
    // Bars are as long as their counts: 3 charges three times the 1 SMS, 2 successes twice the
    // 1 refused charge.
    let width = |chart, key| {
        let bar = bar(body, chart, key).unwrap();
        let at = bar.find(r#"width=""#).unwrap() + r#"width=""#.len();
        bar[at..].split('"').next().unwrap().parse::<f64>().unwrap()
    };
    let (charged, sent) = (
        width("operation", "AmountCharging.chargeAmount"),
        width("operation", "SendSms.sendSms"),
    );
    assert!((charged - 3.0 * sent).abs() < 0.2, "{charged} {sent}");
    assert!((width("outcome", "ok") - 2.0 * width("outcome", "POL1000")).abs() < 0.2);
    // The tables stay for what a bar does not carry: the money.
    assert!(body.contains("2,000원"), "{body}");
    let en = browser.get("/console/apps/shop?lang=en").await;
    assert!(bar(&en.body, "outcome", "ok").is_some_and(|b| b.contains(">OK</text>")));
    assert!(
        en.body.contains(r#"aria-label="Calls this month · by outcome""#),
        "{}",
        en.body
    );
    // An application that made no call says so instead of drawing an empty chart.
    crate::soap_framework::register(&gw, "news", json!({"allow": ["SMS"]})).await;
    let quiet = browser.get("/console/apps/news?lang=ko").await;
    assert_eq!(bars(&quiet.body, "operation"), 0);
    assert!(
        quiet
            .body
            .contains(r#"<p class="muted" id="bars-outcome">이번 달 호출이 없습니다.</p>"#),
        "{}",
        quiet.body
    );
}
