//! The `pxgate` binary: the admin CLI against a live gateway, and `pxgate demo` from scratch.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::harness::{OPERATOR_TOKEN, TestDb, TestGateway, battery};

battery!(the_admin_cli_manages_accounts_and_reports_refusals);

pub(crate) const PXGATE: &str = env!("CARGO_BIN_EXE_pxgate");

pub(crate) async fn pxgate(gw: &TestGateway, token: &str, args: &[&str]) -> Output {
    let mut command = tokio::process::Command::new(PXGATE);
    command
        .args(["admin", "--url", &gw.base, "--token", token])
        .args(args);
    command
        .env_remove("PXGATE_ADMIN_URL")
        .env_remove("PXGATE_ADMIN_TOKEN");
    command.output().await.expect("run pxgate")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Every admin subcommand works against a gateway on a real socket; a refusal exits non-zero
/// with the server's message.
async fn the_admin_cli_manages_accounts_and_reports_refusals(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let t = OPERATOR_TOKEN;
    let created = pxgate(
        &gw,
        t,
        &[
            "accounts",
            "create",
            "010-7000-0001",
            "--balance",
            "5000",
            "--monthly-limit",
            "20000",
        ],
    )
    .await;
    assert!(created.status.success(), "{created:?}");
    assert!(stdout(&created).contains("+821070000001"));
    let topup = pxgate(
        &gw,
        t,
        &["accounts", "topup", "01070000001", "1500", "--reference", "cli-1"],
    )
    .await;
    assert_eq!(stdout(&topup).trim(), "topped up 1500 KRW; balance now 6500");
    let again = pxgate(
        &gw,
        t,
        &["accounts", "topup", "01070000001", "1500", "--reference", "cli-1"],
    )
    .await;
    assert!(stdout(&again).contains("already applied earlier"));
    for args in [
        &["accounts", "set-limit", "01070000001", "none"][..],
        &["accounts", "set-expiry", "01070000001", "2027-12-31"],
        &["accounts", "set-threshold", "01070000001", "700"],
        &["accounts", "suspend", "01070000001"],
        &["accounts", "resume", "01070000001"],
    ] {
        let out = pxgate(&gw, t, args).await;
        assert!(out.status.success(), "{args:?}: {out:?}");
    }
    let json = pxgate(&gw, t, &["accounts", "get", "01070000001", "--json"]).await;
    let account: Value = serde_json::from_slice(&json.stdout).expect("--json prints JSON");
    assert_eq!(account["monthly_limit"], Value::Null);
    assert_eq!(
        (
            account["credit_expiry"].as_str(),
            account["low_balance_threshold"].as_i64()
        ),
        (Some("2027-12-31"), Some(700))
    );
    let list = pxgate(&gw, t, &["accounts", "list", "--status", "active"]).await;
    assert!(stdout(&list).contains("+821070000001") && stdout(&list).contains("6500"));
    let ledger = pxgate(&gw, t, &["accounts", "ledger", "01070000001"]).await;
    assert!(stdout(&ledger).contains("cli-1"));

    let refused = pxgate(
        &gw,
        t,
        &["accounts", "topup", "01070000001", "0.5", "--reference", "cli-2"],
    )
    .await;
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("amount: 0.5 has more decimal places than KRW allows")
    );
    let unauthorized = pxgate(&gw, "not-the-token", &["accounts", "list"]).await;
    assert!(!unauthorized.status.success());
    assert!(String::from_utf8_lossy(&unauthorized.stderr).contains("401 Unauthorized"));
}

pub(crate) struct Demo(Child);

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `pxgate demo` on a free port and waits (bounded) for its demo.json.
pub(crate) fn start_demo(dir: &Path) -> (Demo, Value) {
    let manifest = dir.join("demo.json");
    let _ = std::fs::remove_file(&manifest);
    let child = Command::new(PXGATE)
        .args([
            "demo",
            "--http",
            "127.0.0.1:0",
            "--smpp",
            "127.0.0.1:0",
            "--smsc-http",
            "127.0.0.1:0",
            "--data",
        ])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start demo");
    let demo = Demo(child);
    let value = wait_for_manifest(&manifest);
    (demo, value)
}

/// Waits (bounded) for a demo to write its manifest.
fn wait_for_manifest(manifest: &Path) -> Value {
    for _ in 0..300 {
        if let Some(v) = std::fs::read_to_string(manifest)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
        {
            return v;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("demo.json did not appear within 15 s");
}

/// The README's run command: demo.json appears with a working token and the seeded accounts, and
/// a restart on the same directory keeps the data and the token.
#[tokio::test]
async fn the_demo_starts_seeds_and_keeps_its_data_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let (demo, manifest) = start_demo(dir.path());
    let base = manifest["gateway"]["url"].as_str().unwrap().to_owned();
    let token = manifest["operator"]["token"].as_str().unwrap().to_owned();
    assert_eq!(manifest["accounts"].as_array().unwrap().len(), 6);
    assert_eq!(manifest["applications"].as_array().unwrap().len(), 3);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path().join("demo.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "demo.json holds secrets: owner-readable only"
        );
    }
    // The console it prints answers with its sign-in page.
    let console = reqwest::get(manifest["gateway"]["console"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(console.status(), 200);
    assert!(console.text().await.unwrap().contains("운영자 로그인"));
    let handsets = manifest["smsc"]["handsets"].as_str().unwrap().to_owned();
    let inbox = reqwest::get(&handsets).await.unwrap();
    assert_eq!(inbox.status(), 200, "the SMSC simulator runs with the demo");
    let http = reqwest::Client::new();
    let account = |n: &str| {
        http.get(format!("{base}/admin/v1/accounts/{n}"))
            .bearer_auth(&token)
            .send()
    };
    let rich: Value = account("+821012340001").await.unwrap().json().await.unwrap();
    assert_eq!(
        (rich["status"].as_str(), rich["balance"].as_i64()),
        (Some("active"), Some(50_000))
    );
    let near: Value = account("+821012340004").await.unwrap().json().await.unwrap();
    assert_eq!(near["month_to_date_spend"], 28_500);
    // The printed SOAP line: charge.xml posted with the shop's credentials charges 4,300 won.
    let shop = manifest["applications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "shop")
        .unwrap();
    let charge = std::fs::read(dir.path().join("charge.xml")).unwrap();
    let endpoint = manifest["soap"]["AmountCharging"].as_str().unwrap();
    let soap = http
        .post(endpoint)
        .basic_auth(shop["username"].as_str().unwrap(), shop["password"].as_str())
        .header("content-type", "text/xml")
        .body(charge)
        .send()
        .await
        .unwrap();
    assert_eq!(soap.status(), 200, "{}", soap.text().await.unwrap());
    let charged: Value = account("+821012340001").await.unwrap().json().await.unwrap();
    assert_eq!(charged["balance"], 45_700);
    // The printed SMS line: sms.xml reaches the simulated handset, in Korean.
    let sms = std::fs::read(dir.path().join("sms.xml")).unwrap();
    let endpoint = manifest["soap"]["SendSms"].as_str().unwrap();
    let sent = http
        .post(endpoint)
        .basic_auth(shop["username"].as_str().unwrap(), shop["password"].as_str())
        .header("content-type", "text/xml")
        .body(sms)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200, "{}", sent.text().await.unwrap());
    let handset = format!(
        "{}/handsets/821012340001/messages",
        manifest["smsc"]["http"].as_str().unwrap()
    );
    let mut inbox = String::new();
    for _ in 0..200 {
        inbox = http.get(&handset).send().await.unwrap().text().await.unwrap();
        if inbox.contains("결제가 완료되었습니다") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(inbox.contains("결제가 완료되었습니다: 커피 4,300원"), "{inbox}");
    demo_fraud_rule_waits_for_the_subscriber(&http, &manifest, shop).await;
    demo_news_campaign_reaches_its_numbers(&http, &manifest).await;
    let topup = serde_json::json!({"amount": 1000, "reference_code": "restart-check"});
    let url = format!("{base}/admin/v1/accounts/+821012340001/topups");
    assert_eq!(
        http.post(&url)
            .bearer_auth(&token)
            .json(&topup)
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
    drop(demo);

    let (_demo, again) = start_demo(dir.path());
    assert_eq!(
        again["operator"]["token"].as_str(),
        Some(token.as_str()),
        "the token survives a restart"
    );
    let base = again["gateway"]["url"].as_str().unwrap();
    let url = format!("{base}/admin/v1/accounts/+821012340001");
    let rich: Value = http
        .get(url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rich["balance"], 46_700, "the data survives a restart");
    let url = format!("{base}/admin/v1/accounts/+821012340004");
    let near: Value = http
        .get(url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(near["month_to_date_spend"], 28_500, "seeding is not repeated");
}

/// The printed campaign lines: the "news" application (the Campaigns grant) schedules a campaign
/// to two demo numbers, and both get it from NEWS while the application follows its progress.
async fn demo_news_campaign_reaches_its_numbers(http: &reqwest::Client, manifest: &Value) {
    let base = manifest["gateway"]["url"].as_str().unwrap();
    let smsc = manifest["smsc"]["http"].as_str().unwrap();
    let news = manifest["applications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "news")
        .unwrap();
    let (user, password) = (news["username"].as_str().unwrap(), news["password"].as_str());
    let body = serde_json::json!({"smsCampaign": {
        "name": "Morning headlines", "senderName": "NEWS",
        "message": "Today: pxgate opens its campaigns to applications",
        "address": ["tel:+821012340001", "tel:+821012340002"], "ratePerSecond": 2,
        "clientCorrelator": "demo-news-0001",
    }});
    let url = format!("{base}/oneapi/v1/smsmessaging/campaigns");
    let created = http
        .post(&url)
        .basic_auth(user, password)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());
    let mut listed = Value::Null;
    for _ in 0..200 {
        listed = http
            .get(&url)
            .basic_auth(user, password)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if listed["smsCampaignList"]["smsCampaign"][0]["status"] == "done" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(listed["smsCampaignList"]["smsCampaign"][0]["sent"], 2, "{listed}");
    for number in ["821012340001", "821012340002"] {
        let handset = format!("{smsc}/handsets/{number}/messages");
        let mut inbox = String::new();
        for _ in 0..200 {
            inbox = http.get(&handset).send().await.unwrap().text().await.unwrap();
            if inbox.contains("opens its campaigns") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(inbox.contains("opens its campaigns"), "{number}: {inbox}");
    }
}

/// The printed fraud lines: the shop's first large charge on 010-1234-0006 is held (202 Pending),
/// the handset gets the question, its `YES <code>` through the simulator's MO endpoint completes
/// it, and the decision is listed for review.
async fn demo_fraud_rule_waits_for_the_subscriber(http: &reqwest::Client, manifest: &Value, shop: &Value) {
    let base = manifest["gateway"]["url"].as_str().unwrap();
    let token = manifest["operator"]["token"].as_str().unwrap();
    let smsc = manifest["smsc"]["http"].as_str().unwrap();
    let url = format!("{base}/oneapi/v1/payment/tel%3A%2B821012340006/transactions/amount");
    let body = serde_json::json!({"amountTransaction": {
        "endUserId": "tel:+821012340006",
        "paymentAmount": {"chargingInformation": {"amount": 15000, "currency": "KRW", "description": "Concert ticket"}},
        "referenceCode": "demo-confirm-0001",
        "transactionOperationStatus": "Charged",
    }});
    let charge = async || {
        http.post(&url)
            .basic_auth(shop["username"].as_str().unwrap(), shop["password"].as_str())
            .json(&body)
            .send()
            .await
            .unwrap()
            .status()
    };
    assert_eq!(charge().await, 202, "held for the subscriber");
    let handset = format!("{smsc}/handsets/821012340006/messages");
    let mut code = String::new();
    for _ in 0..200 {
        let inbox = http.get(&handset).send().await.unwrap().text().await.unwrap();
        if let Some(after) = inbox.split("YES ").nth(1) {
            code = after.chars().take_while(char::is_ascii_digit).collect();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(code.len(), 6, "the question reached the handset");
    let mo = serde_json::json!({"from": "821012340006", "to": "1588", "text": format!("YES {code}")});
    let sent = http.post(format!("{smsc}/mo")).json(&mo).send().await.unwrap();
    assert!(sent.status().is_success(), "{}", sent.text().await.unwrap());
    let mut status = reqwest::StatusCode::ACCEPTED;
    for _ in 0..200 {
        status = charge().await;
        if status != 202 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, 200, "charged on the subscriber's YES");
    let decisions: Value = http
        .get(format!("{base}/admin/v1/fraud/decisions"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(decisions[0]["fired"][0]["rule"], "first_charge", "{decisions}");
}

/// With debug logging on, nothing secret reaches the log: not an application's secret (right or
/// wrong, in Basic or WS-Security), not an OAuth token, not the operator token.
#[tokio::test]
async fn secrets_never_appear_in_the_logs() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("gateway.log");
    let child = Command::new(PXGATE)
        .args([
            "demo",
            "--http",
            "127.0.0.1:0",
            "--smpp",
            "127.0.0.1:0",
            "--smsc-http",
            "127.0.0.1:0",
            "--data",
        ])
        .arg(dir.path())
        .env("RUST_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("start demo");
    let demo = Demo(child);
    let manifest = wait_for_manifest(&dir.path().join("demo.json"));
    let shop = manifest["applications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "shop")
        .unwrap()
        .clone();
    let secret = shop["password"].as_str().unwrap().to_owned();
    let operator = manifest["operator"]["token"].as_str().unwrap().to_owned();
    let endpoint = manifest["soap"]["AmountCharging"].as_str().unwrap().to_owned();
    let http = reqwest::Client::new();
    let wrong = "not-the-secret-5c1a9e";
    let charge = std::fs::read_to_string(dir.path().join("charge.xml")).unwrap();
    for password in [secret.as_str(), wrong] {
        http.post(&endpoint)
            .basic_auth("shop", Some(password))
            .header("content-type", "text/xml")
            .body(charge.clone())
            .send()
            .await
            .unwrap();
        let with_token = charge.replace(
            "<soapenv:Body>",
            &format!(
                r#"<soapenv:Header><wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><wsse:UsernameToken><wsse:Username>shop</wsse:Username><wsse:Password>{password}</wsse:Password></wsse:UsernameToken></wsse:Security></soapenv:Header><soapenv:Body>"#
            ),
        );
        http.post(&endpoint)
            .header("content-type", "text/xml")
            .body(with_token)
            .send()
            .await
            .unwrap();
    }
    let token: Value = http
        .post(manifest["gateway"]["oauth_token"].as_str().unwrap())
        .basic_auth("shop", Some(&secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = token["access_token"].as_str().unwrap().to_owned();
    http.post(&endpoint)
        .bearer_auth(&access)
        .header("content-type", "text/xml")
        .body(charge.clone())
        .send()
        .await
        .unwrap();
    let apps = format!("{}/apps/shop", manifest["gateway"]["admin_api"].as_str().unwrap());
    let shown = http
        .get(&apps)
        .bearer_auth(&operator)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !shown.contains(&secret),
        "the admin API never shows a secret again"
    );
    drop(demo);
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("call refused"),
        "the log has the refusals (debug logging was on)"
    );
    for (what, value) in [
        ("secret", secret.as_str()),
        ("wrong password", wrong),
        ("access token", &access),
        ("operator token", &operator),
    ] {
        assert!(!logged.contains(value), "the {what} appears in the log");
    }
}
