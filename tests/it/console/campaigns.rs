//! The campaign pages: scheduled from the form (numbers pasted as CSV, a hostile name escaped),
//! refused fields named under the form with nothing scheduled, and paused, resumed and cancelled
//! from the campaign's page as the admin API allows.

use reqwest::StatusCode;
use serde_json::Value;

use super::client::Browser;
use crate::harness::{TestDb, TestGateway, battery};

battery!(a_campaign_is_scheduled_paused_resumed_and_cancelled_from_the_console);

async fn a_campaign_is_scheduled_paused_resumed_and_cancelled_from_the_console(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let mut browser = Browser::signed_in(&gw).await;
    let page = "/console/campaigns";
    let bad = [
        ("name", "x"),
        ("sender", "1588"),
        ("text", "Hi"),
        ("window", "25-3"),
        ("rate_per_sec", "0"),
        ("numbers", "010-3000-0001"),
    ];
    let refused = browser.submit(page, page, &bad).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    for field in ["window", "rate_per_sec"] {
        assert!(
            refused.body.contains(&format!(r#"data-field="{field}""#)),
            "{field}: {}",
            refused.body
        );
    }
    let unreadable = [
        ("name", "x"),
        ("sender", "1588"),
        ("text", "Hi"),
        ("window", "nine to five"),
        ("rate_per_sec", "5"),
        ("numbers", "010-3000-0001"),
    ];
    let refused = browser.submit(page, page, &unreadable).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.body.contains(r#"data-field="window""#),
        "{}",
        refused.body
    );
    assert!(
        gw.admin_json::<Vec<Value>>("/campaigns").await.is_empty(),
        "nothing scheduled"
    );

    let form = [
        ("name", "<b>spring</b>"),
        ("sender", "1588"),
        ("text", "Spring sale"),
        ("start_at", "2099-01-01T09:00:00+09:00"),
        ("window", "9-21"),
        ("rate_per_sec", "50"),
        ("numbers", "msisdn,name\n010-3000-0001,Kim\n010-3000-0002,Lee\n"),
    ];
    let created = browser.submit(page, page, &form).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let at = created.location().to_owned();
    let shown = browser.get(&at).await;
    assert!(shown.body.contains("&lt;b&gt;spring&lt;/b&gt;") && !shown.body.contains("<b>spring"));
    assert!(
        shown.body.contains(r#"id="progress">2 · 0 · 0"#),
        "{}",
        shown.body
    );
    for (action, state) in [
        ("pause", "paused"),
        ("resume", "scheduled"),
        ("cancel", "cancelled"),
    ] {
        let done = browser.submit(&at, &format!("{at}/{action}"), &[]).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{action}: {}", done.body);
        let list: Vec<Value> = gw.admin_json("/campaigns").await;
        assert_eq!(list[0]["status"], state);
    }
    let again = browser.submit(&at, &format!("{at}/pause"), &[]).await;
    assert_eq!(
        again.status,
        StatusCode::CONFLICT,
        "a cancelled campaign stays cancelled"
    );
    let listed = browser.get(page).await;
    assert!(listed.body.contains(r#"id="campaigns""#) && listed.body.contains(r#"id="opt-outs""#));
}
