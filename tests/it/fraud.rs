//! The fraud rules end to end over real sockets on both backends (docs/guides/fraud.md): each
//! rule below its threshold lets a charge through and above it flags, refuses (POL1020 on SOAP,
//! 403 on REST) or asks the subscriber, as the rule set saved through the admin API says; every
//! decision is recorded for review with the values that fired; concurrent charges cannot pass a
//! velocity limit; nothing is written by a refused charge. The subscriber confirmation by SMS is
//! in `fraud/confirm.rs`.

mod confirm;

use std::sync::Arc;

use chrono::TimeZone;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestDb, TestGateway, battery};
use crate::rest_payment::post;
use crate::soap_framework::{
    ALICE, AMOUNT, Auth, Client, balance, call, charge_amount, open_account, register,
};

battery!(
    a_velocity_limit_refuses_over_soap_and_rest_and_records_why,
    concurrent_charges_cannot_pass_a_velocity_limit,
    a_flag_lets_the_charge_through_for_review,
    the_first_charge_and_probing_rules_fire,
    the_night_rule_follows_the_operators_clock,
    one_application_charging_many_accounts_is_stopped,
    unusable_rules_are_refused_by_field_and_reset_goes_back,
    the_cli_sets_rules_lists_decisions_and_reviews_them,
);

/// Saves `rules` through the admin API.
pub(crate) async fn save_rules(gw: &TestGateway, rules: Value) {
    let saved = gw
        .admin(Method::PUT, "/fraud/rules")
        .json(&rules)
        .send()
        .await
        .unwrap();
    let status = saved.status();
    let body: Value = saved.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["source"], "admin");
}

/// Every decision, newest first.
pub(crate) async fn decisions(gw: &TestGateway) -> Vec<Value> {
    gw.admin_json("/fraud/decisions").await
}

/// A gateway, a Payment application and Alice with 100,000 KRW.
async fn shop(db: &TestDb) -> (TestGateway, Client) {
    // Noon in Seoul, on a clock that stands still: the velocity windows never turn mid-test.
    let noon = chrono::Utc.with_ymd_and_hms(2026, 3, 9, 3, 0, 30).unwrap();
    let clock = Arc::new(pxgate::domain::ManualClock::new(noon));
    shop_on(TestGateway::start_clocked(db, clock, |_| {}).await).await
}

async fn shop_on(gw: TestGateway) -> (TestGateway, Client) {
    let client = register(&gw, "shop", json!({"allow": ["Payment"]})).await;
    open_account(&gw, ALICE.0, json!({"balance": 100_000})).await;
    (gw, client)
}

/// Charges `amount` KRW to Alice over SOAP; the fault's id, or `None` when it was charged.
pub(crate) async fn soap_charge(
    gw: &TestGateway,
    shop: &Client,
    amount: i64,
    reference: &str,
) -> Option<String> {
    let body = charge_amount(ALICE.1, &amount.to_string(), reference);
    let answer = call(gw, AMOUNT, &Auth::Basic(shop), &body).await;
    answer.message_id().map(str::to_owned)
}

/// Charges Alice over REST; the answer's status and messageId (empty when charged).
pub(crate) async fn rest_charge(
    gw: &TestGateway,
    shop: &Client,
    amount: i64,
    reference: &str,
) -> (StatusCode, String) {
    rest_charge_to(gw, shop, ALICE.1, amount, reference).await
}

/// Charges `end_user` (a `tel:` URI) over REST.
async fn rest_charge_to(
    gw: &TestGateway,
    shop: &Client,
    end_user: &str,
    amount: i64,
    reference: &str,
) -> (StatusCode, String) {
    let body = json!({"amountTransaction": {
        "endUserId": end_user,
        "paymentAmount": {"chargingInformation": {"amount": amount, "currency": "KRW", "description": "Pass"}},
        "referenceCode": reference,
        "transactionOperationStatus": "Charged",
    }});
    let path = format!(
        "/payment/{}/transactions/amount",
        end_user.replace(':', "%3A").replace('+', "%2B")
    );
    let r = post(gw, &path, Some(shop), &body).await;
    (r.status, r.exception().1.to_owned())
}

async fn a_velocity_limit_refuses_over_soap_and_rest_and_records_why(db: &TestDb) {
    let (gw, shop) = shop(db).await;
    save_rules(
        &gw,
        json!({"account_velocity": {"action": "refuse", "per_minute": {"count": 2}}}),
    )
    .await;
    assert_eq!(soap_charge(&gw, &shop, 1_000, "v-1").await, None);
    assert_eq!(rest_charge(&gw, &shop, 1_000, "v-2").await.0, StatusCode::CREATED);
    let soap = call(
        &gw,
        AMOUNT,
        &Auth::Basic(&shop),
        &charge_amount(ALICE.1, "1000", "v-3"),
    )
    .await;
    soap.assert_fault("POL1020", "the third charge of the minute");
    assert_eq!(soap.variables(), ["account_velocity"]);
    let rest = rest_charge(&gw, &shop, 1_000, "v-4").await;
    assert_eq!(rest, (StatusCode::FORBIDDEN, "POL1020".to_owned()));
    assert_eq!(
        balance(&gw, ALICE.0).await,
        98_000,
        "refused charges move nothing"
    );
    // A retry of a charge that went through is still its first outcome, not a refusal.
    assert_eq!(soap_charge(&gw, &shop, 1_000, "v-1").await, None);

    let recorded = decisions(&gw).await;
    assert_eq!(recorded.len(), 2, "{recorded:?}");
    let d = &recorded[1];
    assert_eq!(
        (&d["action"], &d["actor"], &d["reference_code"], &d["review"]),
        (
            &json!("refuse"),
            &json!("app:shop"),
            &json!("v-3"),
            &json!("open")
        )
    );
    assert_eq!(
        (
            &d["fired"][0]["rule"],
            &d["fired"][0]["observed"],
            &d["fired"][0]["limit"]
        ),
        (&json!("account_velocity"), &json!(3), &json!(2))
    );
    // An operator marks it; the mark is kept with the reviewer's name.
    let id = d["id"].as_i64().unwrap();
    let path = format!("/fraud/decisions/{id}/review");
    let marked: Value = gw
        .admin(Method::POST, &path)
        .json(&json!({"review": "cleared", "note": "regular customer"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (&marked["review"], &marked["reviewed_by"]),
        (&json!("cleared"), &json!("operator:tester"))
    );
    let open: Vec<Value> = gw.admin_json("/fraud/decisions?review=open").await;
    assert_eq!(open.len(), 1);
    let bad = gw
        .admin(Method::POST, &path)
        .json(&json!({"review": "maybe"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

async fn concurrent_charges_cannot_pass_a_velocity_limit(db: &TestDb) {
    let (gw, shop) = shop(db).await;
    save_rules(
        &gw,
        json!({"account_velocity": {"action": "refuse", "per_minute": {"count": 5}}}),
    )
    .await;
    let gw = Arc::new(gw);
    let shop = Arc::new(shop);
    let charges = (0..20).map(|i| {
        let (gw, shop) = (Arc::clone(&gw), Arc::clone(&shop));
        tokio::spawn(async move { soap_charge(&gw, &shop, 100, &format!("c-{i}")).await })
    });
    let outcomes: Vec<Option<String>> = futures::future::join_all(charges)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let charged = outcomes.iter().filter(|o| o.is_none()).count();
    let refused = outcomes
        .iter()
        .filter(|o| o.as_deref() == Some("POL1020"))
        .count();
    assert_eq!((charged, refused), (5, 15), "{outcomes:?}");
    assert_eq!(balance(&gw, ALICE.0).await, 100_000 - 500);
}

async fn a_flag_lets_the_charge_through_for_review(db: &TestDb) {
    let (gw, shop) = shop(db).await;
    // The defaults: above_history flags from 10 times the account's average once it has five.
    for i in 0..5 {
        assert_eq!(soap_charge(&gw, &shop, 1_000, &format!("h-{i}")).await, None);
    }
    assert!(decisions(&gw).await.is_empty(), "ordinary charges fire nothing");
    assert_eq!(
        soap_charge(&gw, &shop, 9_000, "h-5").await,
        None,
        "below ten times"
    );
    // Six charges averaging 14,000 / 6: 30,000 is over ten times that (over REST this time).
    let flagged = rest_charge(&gw, &shop, 30_000, "h-6").await;
    assert_eq!(flagged.0, StatusCode::CREATED, "flagged, not refused");
    let recorded = decisions(&gw).await;
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(
        (&recorded[0]["action"], &recorded[0]["fired"][0]["rule"]),
        (&json!("flag"), &json!("above_history"))
    );
    assert_eq!(balance(&gw, ALICE.0).await, 100_000 - 5_000 - 9_000 - 30_000);
}

async fn the_first_charge_and_probing_rules_fire(db: &TestDb) {
    let (gw, shop) = shop(db).await;
    save_rules(
        &gw,
        json!({
            "first_charge": {"action": "refuse", "min_amount": 50_000},
            "probing": {"action": "refuse", "refusals": 3, "window_secs": 600},
        }),
    )
    .await;
    assert_eq!(
        soap_charge(&gw, &shop, 50_000, "f-1").await.as_deref(),
        Some("POL1020")
    );
    assert_eq!(rest_charge(&gw, &shop, 1_000, "f-2").await.0, StatusCode::CREATED);
    assert_eq!(
        soap_charge(&gw, &shop, 50_000, "f-3").await,
        None,
        "no longer the first"
    );
    // Three refusals for the balance, then even a small charge is refused as probing.
    for i in 0..3 {
        let id = soap_charge(&gw, &shop, 1_000_000, &format!("p-{i}")).await;
        assert_eq!(id.as_deref(), Some("POL1000"));
    }
    let (status, id) = rest_charge(&gw, &shop, 100, "p-3").await;
    assert_eq!((status, id.as_str()), (StatusCode::FORBIDDEN, "POL1020"));
    let rules: Vec<Value> = decisions(&gw)
        .await
        .iter()
        .map(|d| d["fired"][0]["rule"].clone())
        .collect();
    assert_eq!(rules, [json!("probing"), json!("first_charge")]);
}

async fn the_night_rule_follows_the_operators_clock(db: &TestDb) {
    // 02:30 in Seoul.
    let night = chrono::Utc.with_ymd_and_hms(2026, 3, 9, 17, 30, 0).unwrap();
    let clock = Arc::new(pxgate::domain::ManualClock::new(night));
    let gw = TestGateway::start_clocked(db, clock.clone(), |_| {}).await;
    let (gw, shop) = shop_on(gw).await;
    save_rules(
        &gw,
        json!({"night": {"enabled": true, "action": "refuse", "from_hour": 1, "to_hour": 6, "min_amount": 30_000}}),
    )
    .await;
    assert_eq!(
        soap_charge(&gw, &shop, 29_999, "n-1").await,
        None,
        "below the amount"
    );
    assert_eq!(
        soap_charge(&gw, &shop, 30_000, "n-2").await.as_deref(),
        Some("POL1020")
    );
    clock.advance(chrono::TimeDelta::hours(4)); // 06:30
    assert_eq!(soap_charge(&gw, &shop, 30_000, "n-3").await, None, "morning");
}

async fn unusable_rules_are_refused_by_field_and_reset_goes_back(db: &TestDb) {
    let (gw, _) = shop(db).await;
    let shown: Value = gw.admin_json("/fraud/rules").await;
    assert_eq!(shown["source"], "configuration");
    assert_eq!(shown["rules"]["account_velocity"]["action"], "flag");
    let bad = gw
        .admin(Method::PUT, "/fraud/rules")
        .json(&json!({"night": {"to_hour": 24}, "probing": {"refusals": 0}}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let problem: Value = bad.json().await.unwrap();
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["night.to_hour", "probing.refusals"]);
    let unknown = gw
        .admin(Method::PUT, "/fraud/rules")
        .json(&json!({"velocity": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    save_rules(&gw, json!({"probing": {"enabled": false}})).await;
    let reset: Value = gw
        .admin(Method::DELETE, "/fraud/rules")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (&reset["source"], &reset["rules"]["probing"]["enabled"]),
        (&json!("configuration"), &json!(true))
    );
}

async fn the_cli_sets_rules_lists_decisions_and_reviews_them(db: &TestDb) {
    use crate::cli_catalog::ok;
    let (gw, shop) = shop(db).await;
    let set = ok(
        &gw,
        &[
            "fraud",
            "set-rules",
            r#"{"first_charge": {"action": "refuse", "min_amount": 5000}}"#,
        ],
    )
    .await;
    assert!(set.starts_with("source: admin"), "{set}");
    assert_eq!(
        soap_charge(&gw, &shop, 5_000, "cli-1").await.as_deref(),
        Some("POL1020")
    );
    let listed = ok(&gw, &["fraud", "decisions", "--review", "open"]).await;
    assert!(
        listed.contains("+821012345678") && listed.contains("refuse"),
        "{listed}"
    );
    assert!(
        listed.contains("first_charge (refuse): first charge by the application 5000 (limit 5000)"),
        "{listed}"
    );
    let id = decisions(&gw).await[0]["id"].as_i64().unwrap().to_string();
    let reviewed = ok(
        &gw,
        &["fraud", "review", &id, "--as", "fraud", "--note", "stolen phone"],
    )
    .await;
    assert!(
        reviewed.contains("stolen phone") && reviewed.contains("operator:tester"),
        "{reviewed}"
    );
    let reset = ok(&gw, &["fraud", "reset-rules"]).await;
    assert!(reset.starts_with("source: configuration"), "{reset}");
}

async fn one_application_charging_many_accounts_is_stopped(db: &TestDb) {
    let (gw, shop) = shop(db).await;
    save_rules(
        &gw,
        json!({"app_spread": {"enabled": true, "action": "refuse", "accounts_per_minute": 2}}),
    )
    .await;
    let numbers = ["010-1234-5678", "010-2000-0002", "010-2000-0003"];
    for n in &numbers[1..] {
        open_account(&gw, n, json!({"balance": 10_000})).await;
    }
    let charge = |n: &str, reference: &str| {
        let body = charge_amount(n, "100", reference);
        let gw = &gw;
        let shop = &shop;
        async move {
            call(gw, AMOUNT, &Auth::Basic(shop), &body)
                .await
                .message_id()
                .map(str::to_owned)
        }
    };
    assert_eq!(charge(numbers[0], "s-1").await, None);
    assert_eq!(charge(numbers[1], "s-2").await, None);
    assert_eq!(
        charge(numbers[0], "s-3").await,
        None,
        "an account already counted this minute"
    );
    assert_eq!(
        charge(numbers[2], "s-4").await.as_deref(),
        Some("POL1020"),
        "a third account"
    );
    let over_rest = rest_charge_to(&gw, &shop, "tel:+821020000003", 100, "s-5").await;
    assert_eq!(
        over_rest,
        (StatusCode::FORBIDDEN, "POL1020".to_owned()),
        "the same over REST"
    );
    let counted = rest_charge_to(&gw, &shop, ALICE.1, 100, "s-6").await;
    assert_eq!(
        counted.0,
        StatusCode::CREATED,
        "an account counted already, over REST"
    );
    let other = register(&gw, "other", json!({"allow": ["Payment"]})).await;
    let body = charge_amount(numbers[2], "100", "o-1");
    let answer = call(&gw, AMOUNT, &Auth::Basic(&other), &body).await;
    assert_eq!(
        answer.message_id(),
        None,
        "another application counts its own accounts"
    );
    let fired = &decisions(&gw).await[0]["fired"][0];
    assert_eq!(
        (&fired["rule"], &fired["observed"]),
        (&json!("app_spread"), &json!(3))
    );
}
