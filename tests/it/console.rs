//! The operator console's pages and forms over a real socket, on both backends: sign-in and its
//! cookie, the refusal of an address that keeps failing to sign in, CSRF refusals, expiry, the subscriber pages and their forms (the admin API's field
//! errors shown next to the field, hostile text escaped), the language switch.

use std::sync::Arc;

use chrono::TimeDelta;
use pxgate::console::SIGN_IN_FAILURES;
use pxgate::domain::ManualClock;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{OPERATOR_TOKEN, TestDb, TestGateway, battery};

mod apps;
mod browser;
mod campaigns;
mod client;
mod dashboard;
mod fraud;
mod in_chromium;
mod messages;
mod open;
mod settlement;
mod vouchers;
use client::Browser;

battery!(
    signing_in_gives_a_strict_http_only_cookie_and_signing_out_ends_it,
    a_session_is_good_on_every_instance_and_signing_out_ends_it_on_all,
    an_address_that_keeps_failing_to_sign_in_is_refused_and_no_other,
    a_form_without_its_csrf_token_is_refused_and_changes_nothing,
    an_expired_session_is_sent_to_sign_in_again,
    a_top_up_from_the_console_is_recorded_as_the_api_records_it,
    the_apis_field_errors_are_shown_next_to_their_fields,
    any_spelling_of_a_number_finds_its_account,
    hostile_text_comes_out_escaped,
    status_changes_follow_the_apis_rules,
    a_device_topic_is_set_refused_and_removed,
    korean_by_default_english_by_the_switch,
);

async fn open_account(gw: &TestGateway, number: &str, balance: i64) {
    let response = gw
        .admin(Method::POST, "/accounts")
        .json(&json!({ "msisdn": number, "balance": balance }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
}

async fn account(gw: &TestGateway, number: &str) -> Value {
    let response = gw
        .admin(Method::GET, &format!("/accounts/{number}"))
        .send()
        .await
        .unwrap();
    response.json().await.unwrap()
}

async fn signing_in_gives_a_strict_http_only_cookie_and_signing_out_ends_it(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let mut browser = Browser::new(&gw);
    // Not signed in: every page sends to sign-in, and back afterwards.
    let page = browser.get("/console/subscribers?q=1").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        page.location(),
        "/console/sign-in?next=%2Fconsole%2Fsubscribers%3Fq%3D1"
    );
    // `/` leads to the console.
    let root = browser.get("/").await;
    assert_eq!(root.location(), "/console/dashboard");

    let form = browser.get("/console/sign-in").await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = form.csrf();
    let wrong = browser
        .post("/console/sign-in", &[("csrf", &csrf), ("token", "guess")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("알 수 없는 토큰입니다."), "{}", wrong.body);
    assert!(!browser.cookies.contains_key("pxc_session"));

    let csrf = wrong.csrf();
    let next = "/console/subscribers";
    let signed = browser
        .post(
            "/console/sign-in",
            &[("csrf", &csrf), ("token", OPERATOR_TOKEN), ("next", next)],
        )
        .await;
    assert_eq!((signed.status, signed.location()), (StatusCode::SEE_OTHER, next));
    let cookie = signed.set_cookie("pxc_session").unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/console", "Max-Age=28800"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    for home in ["/console", "/console/"] {
        let page = browser.get(home).await;
        assert_eq!(
            (page.status, page.location()),
            (StatusCode::SEE_OTHER, "/console/dashboard"),
            "{home}"
        );
    }
    let page = browser.get(next).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("tester"), "the operator's name is shown");
    let headers = &page.headers;
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    assert_eq!(headers["cache-control"], "no-store");

    let session = browser.cookies["pxc_session"].clone();
    let out = browser.submit(next, "/console/sign-out", &[]).await;
    assert_eq!(
        (out.status, out.location()),
        (StatusCode::SEE_OTHER, "/console/sign-in")
    );
    assert!(
        !browser.cookies.contains_key("pxc_session"),
        "the cookie is cleared"
    );
    // The old cookie no longer opens anything.
    browser.cookies.insert("pxc_session".to_owned(), session);
    assert_eq!(browser.get(next).await.status, StatusCode::SEE_OTHER);
}

/// Two gateway instances over one store, as behind a load balancer without sticky sessions: a
/// session signed in on one opens pages and carries forms on the other, and a sign-out on either
/// ends it on both.
async fn a_session_is_good_on_every_instance_and_signing_out_ends_it_on_all(db: &TestDb) {
    let one = TestGateway::start(db).await;
    let two = TestGateway::start(db).await;
    let mut on_one = Browser::signed_in(&one).await;
    let mut on_two = on_one.at(&two);
    let page = on_two.get("/console/subscribers").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.location());
    open_account(&one, "+821055550001", 1_000).await;
    // A form from one instance's page, posted to the other.
    let csrf = on_one.get("/console/subscribers/+821055550001").await.csrf();
    let topped = on_two
        .post(
            "/console/subscribers/+821055550001/topup",
            &[
                ("csrf", &csrf),
                ("amount", "500"),
                ("reference_code", "two-instances"),
            ],
        )
        .await;
    assert_eq!(topped.status, StatusCode::SEE_OTHER, "{}", topped.body);
    assert_eq!(account(&two, "+821055550001").await["balance"], 1_500);
    let out = on_two
        .submit("/console/subscribers", "/console/sign-out", &[])
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let page = on_one.get("/console/subscribers").await;
    assert_eq!(
        (page.status, page.location()),
        (
            StatusCode::SEE_OTHER,
            "/console/sign-in?next=%2Fconsole%2Fsubscribers&expired=1"
        ),
        "signed out on the other instance too"
    );
}

async fn an_address_that_keeps_failing_to_sign_in_is_refused_and_no_other(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let mut guesser = Browser::from_address(&gw, "127.0.0.2");
    let mut csrf = guesser.get("/console/sign-in").await.csrf();
    for n in 1..=SIGN_IN_FAILURES {
        let guess = format!("guess-{n}");
        let page = guesser
            .post("/console/sign-in", &[("csrf", &csrf), ("token", &guess)])
            .await;
        // The failure that reaches the limit is told so at once.
        let expected = if n < SIGN_IN_FAILURES {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(page.status, expected, "failure {n}: {}", page.body);
        csrf = page.csrf();
    }
    // The right token from that address is refused too, without being looked at.
    let refused = guesser
        .post("/console/sign-in", &[("csrf", &csrf), ("token", OPERATOR_TOKEN)])
        .await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("이 주소에서 로그인에 너무 많이 실패했습니다."),
        "{}",
        refused.body
    );
    let retry: u64 = refused.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(!guesser.cookies.contains_key("pxc_session"));
    let csrf = refused.csrf();
    let english = guesser
        .post(
            "/console/sign-in?lang=en",
            &[("csrf", &csrf), ("token", OPERATOR_TOKEN)],
        )
        .await;
    assert_eq!(english.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        english
            .body
            .contains("Too many failed sign-ins from this address. Try again in"),
        "{}",
        english.body
    );
    // Other addresses sign in as before.
    for address in ["127.0.0.3", "127.0.0.1"] {
        let mut other = Browser::signed_in_from(&gw, address).await;
        assert_eq!(other.get("/console/subscribers").await.status, StatusCode::OK);
    }
}

async fn a_form_without_its_csrf_token_is_refused_and_changes_nothing(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    open_account(&gw, "01020000001", 1000).await;
    let mut browser = Browser::signed_in(&gw).await;
    let path = "/console/subscribers/+821020000001/topup";
    for csrf in [None, Some("0123456789abcdef0123456789abcdef")] {
        let mut form = vec![("amount", "500"), ("reference_code", "csrf-test")];
        if let Some(c) = csrf {
            form.push(("csrf", c));
        }
        let page = browser.post(path, &form).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert!(
            page.body.contains("보안 토큰이 없거나 맞지 않아"),
            "{}",
            page.body
        );
    }
    assert_eq!(account(&gw, "01020000001").await["balance"], 1000);
    // Another browser's sign-in page token does not sign this one in.
    let mut other = Browser::new(&gw);
    let theirs = other.get("/console/sign-in").await.csrf();
    let mut fresh = Browser::new(&gw);
    let page = fresh
        .post(
            "/console/sign-in",
            &[("csrf", &theirs), ("token", OPERATOR_TOKEN)],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(!fresh.cookies.contains_key("pxc_session"));
}

async fn an_expired_session_is_sent_to_sign_in_again(db: &TestDb) {
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let gw = TestGateway::start_clocked(db, clock.clone(), |_| {}).await;
    let mut browser = Browser::signed_in(&gw).await;
    assert_eq!(browser.get("/console/subscribers").await.status, StatusCode::OK);
    clock.advance(TimeDelta::hours(8) + TimeDelta::seconds(1));
    let page = browser.get("/console/subscribers").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(page.location().ends_with("&expired=1"), "{}", page.location());
    let again = browser.get(page.location()).await;
    assert!(again.body.contains("세션이 만료되었습니다"), "{}", again.body);
}

async fn a_top_up_from_the_console_is_recorded_as_the_api_records_it(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    open_account(&gw, "01020000002", 1000).await;
    let mut browser = Browser::signed_in(&gw).await;
    let page = "/console/subscribers/+821020000002";
    let form = [
        ("amount", "12,500"),
        ("reference_code", "desk-1"),
        ("description", "창구 충전"),
    ];
    let done = browser.submit(page, &format!("{page}/topup"), &form).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), format!("{page}?done=topup"));
    let shown = browser.get(done.location()).await;
    assert!(
        shown.body.contains("13,500원"),
        "the new balance, in won: {}",
        shown.body
    );
    assert!(shown.body.contains("operator:tester") && shown.body.contains("desk-1"));
    // The same reference again moves nothing (the API's idempotency).
    let again = browser.submit(page, &format!("{page}/topup"), &form).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(account(&gw, "01020000002").await["balance"], 13500);
    let ledger: Value = gw
        .admin(Method::GET, "/accounts/01020000002/ledger")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entry = &ledger["entries"][0];
    assert_eq!(entry["actor"], "operator:tester");
    assert_eq!(entry["kind"], "topup");
    assert_eq!(entry["description"], "창구 충전");
    assert_eq!(
        ledger["entries"].as_array().unwrap().len(),
        2,
        "the opening and one top-up"
    );
}

async fn the_apis_field_errors_are_shown_next_to_their_fields(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    open_account(&gw, "01020000003", 1000).await;
    let mut browser = Browser::signed_in(&gw).await;
    let page = "/console/subscribers/+821020000003";
    let topup = browser
        .submit(
            page,
            &format!("{page}/topup"),
            &[("amount", "1.5"), ("reference_code", "")],
        )
        .await;
    assert_eq!(topup.status, StatusCode::BAD_REQUEST);
    assert!(
        topup.body.contains(r#"<span class="error" data-field="amount">"#),
        "{}",
        topup.body
    );
    assert!(
        topup
            .body
            .contains(r#"<span class="error" data-field="reference_code">must be 1 to 256 characters"#)
    );
    assert!(topup.body.contains(r#"value="1.5""#), "what was typed is kept");
    let limits = browser
        .submit(
            page,
            &format!("{page}/limits"),
            &[("monthly_limit", "-5"), ("language", "ko")],
        )
        .await;
    assert_eq!(limits.status, StatusCode::BAD_REQUEST);
    assert!(
        limits.body.contains(r#"data-field="monthly_limit""#),
        "{}",
        limits.body
    );
    let pin = browser
        .submit(page, &format!("{page}/pin"), &[("pin", "12")])
        .await;
    assert_eq!(pin.status, StatusCode::BAD_REQUEST);
    assert!(
        pin.body.contains(r#"data-field="pin">must be 4 to 12 digits"#),
        "{}",
        pin.body
    );
    assert_eq!(
        account(&gw, "01020000003").await["balance"],
        1000,
        "nothing moved"
    );
    // A good PIN and good limits go through.
    let pin = browser
        .submit(page, &format!("{page}/pin"), &[("pin", "4321")])
        .await;
    assert_eq!(pin.status, StatusCode::SEE_OTHER, "{}", pin.body);
    let form = [
        ("monthly_limit", "50000"),
        ("credit_expiry", "2030-01-31"),
        ("language", "en"),
    ];
    let limits = browser.submit(page, &format!("{page}/limits"), &form).await;
    assert_eq!(limits.status, StatusCode::SEE_OTHER, "{}", limits.body);
    let now = account(&gw, "01020000003").await;
    assert_eq!(
        (now["monthly_limit"].clone(), now["language"].clone()),
        (json!(50000), json!("en"))
    );
    assert_eq!(now["credit_expiry"], "2030-01-31");
}

async fn any_spelling_of_a_number_finds_its_account(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    open_account(&gw, "01020000004", 1000).await;
    let mut browser = Browser::signed_in(&gw).await;
    for spelling in [
        "010-2000-0004",
        "+82 10 2000 0004",
        "tel:+821020000004",
        "01020000004",
    ] {
        let q = url::form_urlencoded::byte_serialize(spelling.as_bytes()).collect::<String>();
        let page = browser.get(&format!("/console/subscribers?q={q}")).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{spelling}");
        assert_eq!(page.location(), "/console/subscribers/+821020000004");
    }
    let unknown = browser.get("/console/subscribers?q=010-9999-0000").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(
        unknown.body.contains("이 번호의 계정이 없습니다 (+821099990000)"),
        "{}",
        unknown.body
    );
    let bad = browser.get("/console/subscribers?q=abc").await;
    assert!(bad.body.contains(r#"data-field="q""#), "{}", bad.body);
    let list = browser.get("/console/subscribers").await;
    assert!(list.body.contains(r#"href="/console/subscribers/+821020000004""#));
    let missing = browser.get("/console/subscribers/+821099990000").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

async fn hostile_text_comes_out_escaped(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    open_account(&gw, "01020000005", 1000).await;
    let mut browser = Browser::signed_in(&gw).await;
    let page = "/console/subscribers/+821020000005";
    let hostile = r#"<script>alert("x")</script>"#;
    let form = [
        ("amount", "100"),
        ("reference_code", hostile),
        ("description", hostile),
    ];
    let done = browser.submit(page, &format!("{page}/topup"), &form).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let shown = browser.get(page).await;
    assert!(!shown.body.contains("<script>alert"), "{}", shown.body);
    assert!(
        shown
            .body
            .contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;")
    );
    let q = url::form_urlencoded::byte_serialize(hostile.as_bytes()).collect::<String>();
    let search = browser.get(&format!("/console/subscribers?q={q}")).await;
    assert!(!search.body.contains("<script>alert"), "{}", search.body);
    let refused = browser
        .submit(
            page,
            &format!("{page}/topup"),
            &[("amount", hostile), ("reference_code", "x")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(!refused.body.contains("<script>alert"), "{}", refused.body);
}

async fn status_changes_follow_the_apis_rules(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    open_account(&gw, "01020000006", 1000).await;
    let mut browser = Browser::signed_in(&gw).await;
    let page = "/console/subscribers/+821020000006";
    let status = format!("{page}/status");
    let done = browser.submit(page, &status, &[("action", "suspend")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(account(&gw, "01020000006").await["status"], "suspended");
    assert!(browser.get(page).await.body.contains(r#"value="resume""#));
    browser.submit(page, &status, &[("action", "close")]).await;
    let refused = browser.submit(page, &status, &[("action", "resume")]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused
            .body
            .contains("an account that is closed cannot become active"),
        "{}",
        refused.body
    );
    let unknown = browser.submit(page, &status, &[("action", "delete")]).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(account(&gw, "01020000006").await["status"], "closed");
}

async fn korean_by_default_english_by_the_switch(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    open_account(&gw, "01020000007", 1234567).await;
    let mut browser = Browser::signed_in(&gw).await;
    let page = "/console/subscribers/+821020000007";
    let ko = browser.get(page).await;
    assert!(ko.body.contains(r#"<html lang="ko">"#) && ko.body.contains("1,234,567원"));
    assert!(
        ko.body.contains(&format!(r#"href="{page}?lang=en""#)),
        "{}",
        ko.body
    );
    let en = browser.get(&format!("{page}?lang=en")).await;
    assert!(en.body.contains(r#"<html lang="en">"#) && en.body.contains("₩1,234,567"));
    assert!(en.body.contains("Balance"));
    assert!(en.set_cookie("pxc_lang").unwrap().starts_with("pxc_lang=en"));
    // Remembered by the cookie.
    assert!(browser.get(page).await.body.contains("Spent this month"));
}

async fn a_device_topic_is_set_refused_and_removed(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    open_account(&gw, "01020000007", 1000).await;
    let mut browser = Browser::signed_in(&gw).await;
    let page = "/console/subscribers/+821020000007";
    let push = format!("{page}/push");
    let refused = browser.submit(page, &push, &[("topic", "devices/#")]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains(r#"data-field="topic""#), "{}", refused.body);
    let set = browser.submit(page, &push, &[("topic", "devices/kim")]).await;
    assert_eq!(set.status, StatusCode::SEE_OTHER);
    let api: serde_json::Value = gw.admin_json("/accounts/+821020000007/push").await;
    assert_eq!(api["topic"], "devices/kim");
    assert!(browser.get(page).await.body.contains(r#"value="devices/kim""#));
    browser
        .submit(page, &push, &[("topic", ""), ("clear", "1")])
        .await;
    let api: serde_json::Value = gw.admin_json("/accounts/+821020000007/push").await;
    assert!(api["topic"].is_null());
}
