//! The fraud pages: the rule set edited as its JSON document (refusals named by field, nothing
//! saved), a refused charge listed with the rule and values that fired, and its review recorded
//! with the operator's name and an escaped note.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::client::Browser;
use crate::fraud::{decisions, soap_charge};
use crate::harness::{TestDb, TestGateway, battery};
use crate::soap_framework::{ALICE, open_account, register};

battery!(rules_are_edited_and_decisions_reviewed_from_the_console);

async fn rules_are_edited_and_decisions_reviewed_from_the_console(db: &TestDb) {
    // A clock that stands still: the velocity minute never turns between the two charges.
    let noon = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 3, 9, 3, 0, 30).unwrap();
    let clock = std::sync::Arc::new(pxgate::domain::ManualClock::new(noon));
    let gw = TestGateway::start_clocked(db, clock, |_| {}).await;
    let mut browser = Browser::signed_in(&gw).await;
    let page = "/console/fraud/rules";
    let shown = browser.get(page).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.body.contains("account_velocity") && shown.body.contains(r#"id="source""#));

    for (typed, field) in [
        (r#"{"night": {"to_hour": 24}}"#, "night.to_hour"),
        ("{not json", "rules"),
    ] {
        let refused = browser.submit(page, page, &[("rules", typed)]).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{typed}");
        assert!(
            refused.body.contains(&format!("<code>{field}</code>")),
            "{}",
            refused.body
        );
    }
    let still: Value = gw.admin_json("/fraud/rules").await;
    assert_eq!(still["source"], "configuration", "nothing saved");

    let rules = r#"{"account_velocity": {"action": "refuse", "per_minute": {"count": 1}}}"#;
    let saved = browser.submit(page, page, &[("rules", rules)]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let now: Value = gw.admin_json("/fraud/rules").await;
    assert_eq!(now["rules"]["account_velocity"]["action"], "refuse");

    let shop = register(&gw, "shop", json!({"allow": ["Payment"]})).await;
    open_account(&gw, ALICE.0, json!({"balance": 10_000})).await;
    assert_eq!(soap_charge(&gw, &shop, 100, "c-1").await, None);
    assert_eq!(
        soap_charge(&gw, &shop, 100, "c-2").await.as_deref(),
        Some("POL1020")
    );
    let list = browser.get("/console/fraud?review=open").await;
    assert!(
        list.body.contains("+821012345678") && list.body.contains("<strong>account_velocity</strong>"),
        "{}",
        list.body
    );
    let id = decisions(&gw).await[0]["id"].as_i64().unwrap();
    let detail = format!("/console/fraud/{id}");
    let form = [("review", "fraud"), ("note", "<script>alert(1)</script>")];
    let reviewed = browser.submit(&detail, &format!("{detail}/review"), &form).await;
    assert_eq!(reviewed.status, StatusCode::SEE_OTHER, "{}", reviewed.body);
    let shown = browser.get(&detail).await;
    assert!(
        shown.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{}",
        shown.body
    );
    assert!(!shown.body.contains("<script>alert"));
    let api: Value = gw.admin_json(&format!("/fraud/decisions/{id}")).await;
    assert_eq!(
        (&api["review"], &api["reviewed_by"]),
        (&json!("fraud"), &json!("operator:tester"))
    );

    let reset = browser.submit(page, "/console/fraud/rules/reset", &[]).await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER);
    let back: Value = gw.admin_json("/fraud/rules").await;
    assert_eq!(back["source"], "configuration");
}
