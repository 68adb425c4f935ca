//! Vouchers (issued as a CSV download, listed by status) and tariffs (set, refused, removed).

use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::client::Browser;
use crate::harness::{TestDb, TestGateway, battery};

battery!(
    a_batch_of_vouchers_is_downloaded_once_as_csv_and_listed_by_status,
    tariffs_are_set_refused_and_removed,
);

async fn a_batch_of_vouchers_is_downloaded_once_as_csv_and_listed_by_status(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let mut browser = Browser::signed_in(&gw).await;
    let page = "/console/vouchers";
    let form = [
        ("count", "3"),
        ("value", "5,000"),
        ("expires_on", "2099-12-31"),
        ("batch", "=spring<b>"),
    ];
    let csv = browser.submit(page, page, &form).await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        csv.headers["content-disposition"],
        "attachment; filename=\"vouchers-_spring_b_.csv\""
    );
    assert_eq!(csv.headers["cache-control"], "no-store");
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines[0], "serial,batch,code,value,currency,expires_on");
    assert_eq!(lines.len(), 4, "{}", csv.body);
    let code = lines[1].split(',').nth(2).unwrap().trim_matches('"').to_owned();
    assert!(
        lines[1].contains("\"'=spring<b>\"") && lines[1].contains("\"KRW\""),
        "{}",
        lines[1]
    );
    // The list has the batch, escaped, and never a code.
    let list = browser.get("/console/vouchers?status=unused").await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.body.matches("=spring&lt;b&gt;").count(), 3, "{}", list.body);
    assert!(list.body.contains("5,000원"));
    assert!(!list.body.contains(&code), "codes are shown once, in the CSV");
    let used = browser.get("/console/vouchers?status=used").await;
    assert!(!used.body.contains("spring"));
    let api: Value = gw.admin_json("/vouchers").await;
    assert_eq!(api["vouchers"].as_array().unwrap().len(), 3);
    // Refused: the API's messages under the fields, nothing issued.
    let bad = [("count", "0"), ("value", "1.5"), ("expires_on", "2000-01-01")];
    let refused = browser.submit(page, page, &bad).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    for field in ["count", "value", "expires_on"] {
        assert!(
            refused.body.contains(&format!(r#"data-field="{field}""#)),
            "{field}: {}",
            refused.body
        );
    }
    let api: Value = gw.admin_json("/vouchers").await;
    assert_eq!(api["vouchers"].as_array().unwrap().len(), 3);
}

async fn tariffs_are_set_refused_and_removed(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let mut browser = Browser::signed_in(&gw).await;
    let page = "/console/tariffs";
    let form = [
        ("code", "sms-bundle"),
        ("currency", "KRW"),
        ("unit_price", "1,200"),
        ("description", "<i>문자</i>"),
    ];
    let set = browser.submit(page, page, &form).await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    let shown = browser.get(page).await;
    assert!(
        shown.body.contains("1,200원") && shown.body.contains("&lt;i&gt;문자&lt;/i&gt;"),
        "{}",
        shown.body
    );
    let bad = browser
        .submit(
            page,
            page,
            &[("code", "bad code"), ("currency", "XXX"), ("unit_price", "-1")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    for field in ["code", "currency"] {
        assert!(
            bad.body.contains(&format!(r#"data-field="{field}""#)),
            "{field}: {}",
            bad.body
        );
    }
    let removed = browser
        .submit(page, "/console/tariffs/sms-bundle/delete", &[])
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.body);
    let status = gw
        .admin(Method::GET, "/tariffs/sms-bundle")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::NOT_FOUND);
}
