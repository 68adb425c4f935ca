//! The `pxgate admin` CLI for what the operator provisions besides accounts and applications:
//! vouchers, end-user PINs, tariffs, SMS registrations and monitoring grants, against a gateway on
//! a real socket, on both backends.
//! Each command's effect is checked through the public API (a voucher redeemed over SOAP, a PIN
//! demanded by getBalance); each refusal exits non-zero with the API's problem named.

use std::process::{Output, Stdio};

use chrono::{Days, Utc};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt as _;

use crate::account_soap::{ACCOUNT, op, set_up, voucher_update, who};
use crate::harness::{OPERATOR_TOKEN, TestDb, TestGateway, battery};
use crate::soap_framework::{ALICE, Auth, call};

battery!(
    vouchers_are_issued_listed_and_shown,
    pins_are_set_from_arguments_or_stdin_and_cleared,
    tariffs_are_put_listed_and_deleted,
    sms_registrations_and_monitoring_grants_are_managed,
);

const PXGATE: &str = env!("CARGO_BIN_EXE_pxgate");

/// Runs `pxgate admin …` against `gw`, feeding `stdin` when given.
async fn admin_cli(gw: &TestGateway, args: &[&str], stdin: Option<&str>) -> Output {
    let mut command = tokio::process::Command::new(PXGATE);
    command
        .args(["admin", "--url", &gw.base, "--token", OPERATOR_TOKEN])
        .args(args)
        .env_remove("PXGATE_ADMIN_URL")
        .env_remove("PXGATE_ADMIN_TOKEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("run pxgate");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).await.unwrap();
    }
    drop(input);
    child.wait_with_output().await.expect("pxgate output")
}

/// Runs a command that must succeed; answers its standard output.
pub(crate) async fn ok(gw: &TestGateway, args: &[&str]) -> String {
    let out = admin_cli(gw, args, None).await;
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// Runs a command that must fail; answers its standard error.
async fn refused(gw: &TestGateway, args: &[&str]) -> String {
    let out = admin_cli(gw, args, None).await;
    assert!(!out.status.success(), "{args:?} succeeded: {out:?}");
    assert!(out.stdout.is_empty(), "{args:?} printed a result: {out:?}");
    String::from_utf8(out.stderr).unwrap()
}

async fn vouchers_are_issued_listed_and_shown(db: &TestDb) {
    let (gw, client) = set_up(db, json!({"balance": 1000})).await;
    let expires = (Utc::now().date_naive() + Days::new(30)).to_string();
    let issue = [
        "vouchers",
        "create-batch",
        "--count",
        "3",
        "--value",
        "10000",
        "--expires-on",
        &expires,
        "--batch",
        "promo-1",
        "--json",
    ];
    let issued: Value = serde_json::from_str(&ok(&gw, &issue).await).unwrap();
    let vouchers = issued["vouchers"].as_array().unwrap();
    assert_eq!(vouchers.len(), 3);
    assert!(
        vouchers
            .iter()
            .all(|v| v["batch"] == "promo-1" && v["status"] == "unused")
    );
    let (code, serial) = (
        vouchers[0]["code"].as_str().unwrap(),
        vouchers[0]["serial"].as_i64().unwrap(),
    );

    let table = ok(
        &gw,
        &[
            "vouchers",
            "create-batch",
            "--count",
            "1",
            "--value",
            "500",
            "--expires-on",
            &expires,
        ],
    )
    .await;
    assert!(
        table.contains("1 voucher issued; the codes are shown only this once"),
        "{table}"
    );
    assert!(table.contains("500"), "{table}");

    let list = ok(&gw, &["vouchers", "list", "--status", "unused"]).await;
    assert_eq!(list.matches("promo-1").count(), 3, "{list}");
    assert!(!list.contains(code), "a listing never shows codes: {list}");
    let page = ok(&gw, &["vouchers", "list", "--limit", "2"]).await;
    assert!(page.contains(&format!("more: --after {}", serial + 1)), "{page}");

    let auth = Auth::Text(&client.user, &client.secret);
    call(
        &gw,
        ACCOUNT,
        &auth,
        &voucher_update(ALICE.1, code, "cli-voucher-1"),
    )
    .await
    .assert_ok("voucherUpdate of a CLI-issued voucher");
    let shown: Value =
        serde_json::from_str(&ok(&gw, &["vouchers", "show", &serial.to_string(), "--json"]).await).unwrap();
    assert_eq!(
        (
            shown["status"].as_str(),
            shown["used_by"].as_str(),
            shown["serial"].as_i64()
        ),
        (Some("used"), Some("+821012345678"), Some(serial))
    );
    let record = ok(&gw, &["vouchers", "show", &serial.to_string()]).await;
    assert!(record.contains("used") && record.contains("promo-1"), "{record}");
    let used = ok(&gw, &["vouchers", "list", "--status", "used"]).await;
    assert_eq!(used.matches("promo-1").count(), 1, "{used}");

    let missing = refused(&gw, &["vouchers", "show", "999999"]).await;
    assert!(missing.contains("404") && missing.contains("999999"), "{missing}");
    let none = refused(
        &gw,
        &[
            "vouchers",
            "create-batch",
            "--count",
            "0",
            "--value",
            "100",
            "--expires-on",
            &expires,
        ],
    )
    .await;
    assert!(
        none.contains("400 Invalid input: count: must be 1 to 1000"),
        "{none}"
    );
    let past = refused(
        &gw,
        &[
            "vouchers",
            "create-batch",
            "--count",
            "1",
            "--value",
            "100",
            "--expires-on",
            "2000-01-01",
        ],
    )
    .await;
    assert!(past.contains("expires_on: must not be in the past"), "{past}");
    let bad = refused(&gw, &["vouchers", "list", "--status", "lost"]).await;
    assert!(bad.contains("400") && bad.contains("status"), "{bad}");
}

async fn pins_are_set_from_arguments_or_stdin_and_cleared(db: &TestDb) {
    let (gw, client) = set_up(db, json!({"balance": 1000})).await;
    let auth = Auth::Text(&client.user, &client.secret);
    let get_balance = |pin: Option<&str>| op("getBalance", &who(ALICE.1, pin));

    let set = ok(&gw, &["accounts", "set-pin", ALICE.0, "1234"]).await;
    assert_eq!(
        set.trim(),
        format!("PIN set for {}; any lock-out is cleared", ALICE.0)
    );
    call(&gw, ACCOUNT, &auth, &get_balance(None))
        .await
        .assert_fault("SVC0250", "a PIN is required once set");
    call(&gw, ACCOUNT, &auth, &get_balance(Some("1234")))
        .await
        .assert_ok("the PIN set from the CLI");

    // From standard input, so the PIN stays out of the process list.
    let piped = admin_cli(&gw, &["accounts", "set-pin", ALICE.0], Some("4321\n")).await;
    assert!(piped.status.success(), "{piped:?}");
    call(&gw, ACCOUNT, &auth, &get_balance(Some("1234")))
        .await
        .assert_fault("SVC0250", "the old PIN");
    call(&gw, ACCOUNT, &auth, &get_balance(Some("4321")))
        .await
        .assert_ok("the piped PIN");

    for _ in 0..5 {
        call(&gw, ACCOUNT, &auth, &get_balance(Some("0000")))
            .await
            .assert_fault("SVC0250", "wrong PIN");
    }
    call(&gw, ACCOUNT, &auth, &get_balance(Some("4321")))
        .await
        .assert_fault("SVC0250", "locked out");
    ok(&gw, &["accounts", "set-pin", ALICE.0, "4321"]).await;
    call(&gw, ACCOUNT, &auth, &get_balance(Some("4321")))
        .await
        .assert_ok("setting the PIN again ends the lock-out");

    let cleared = ok(&gw, &["accounts", "clear-pin", ALICE.0]).await;
    assert!(cleared.contains("PIN removed"), "{cleared}");
    call(&gw, ACCOUNT, &auth, &get_balance(None))
        .await
        .assert_ok("no PIN after clear-pin");

    let letters = refused(&gw, &["accounts", "set-pin", ALICE.0, "12ab"]).await;
    assert!(letters.contains("pin: must be 4 to 12 digits"), "{letters}");
    let empty = admin_cli(&gw, &["accounts", "set-pin", ALICE.0], Some("")).await;
    assert!(!empty.status.success());
    assert!(
        String::from_utf8_lossy(&empty.stderr).contains("pin: give it as an argument or on standard input")
    );
    call(&gw, ACCOUNT, &auth, &get_balance(None))
        .await
        .assert_ok("a refused PIN changed nothing");
    let bad_number = refused(&gw, &["accounts", "clear-pin", "not-a-number"]).await;
    assert!(bad_number.contains("msisdn"), "{bad_number}");
}

async fn tariffs_are_put_listed_and_deleted(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let put = ok(
        &gw,
        &[
            "tariffs",
            "put",
            "data-gb",
            "--unit-price",
            "900",
            "--description",
            "per gigabyte",
        ],
    )
    .await;
    assert!(
        put.contains("data-gb") && put.contains("900") && put.contains("KRW"),
        "{put}"
    );
    let list = ok(&gw, &["tariffs", "list"]).await;
    assert!(
        list.contains("data-gb") && list.contains("per gigabyte"),
        "{list}"
    );

    ok(&gw, &["tariffs", "put", "data-gb", "--unit-price", "1000"]).await;
    let shown: Value =
        serde_json::from_str(&ok(&gw, &["tariffs", "get", "data-gb", "--json"]).await).unwrap();
    assert_eq!(
        (
            shown["unit_price"].to_string().as_str(),
            shown["currency"].as_str()
        ),
        ("1000", Some("KRW"))
    );
    let listed: Value = serde_json::from_str(&ok(&gw, &["tariffs", "list", "--json"]).await).unwrap();
    assert_eq!(listed.as_array().map(Vec::len), Some(1));

    let code = refused(&gw, &["tariffs", "put", "bad code!", "--unit-price", "1"]).await;
    assert!(code.contains("400") && code.contains("code:"), "{code}");
    let currency = refused(
        &gw,
        &["tariffs", "put", "x", "--unit-price", "1", "--currency", "XYZ"],
    )
    .await;
    assert!(currency.contains("currency:"), "{currency}");
    let price = refused(&gw, &["tariffs", "put", "x", "--unit-price", "0.5"]).await;
    assert!(price.contains("unit_price:"), "{price}");
    let unknown = refused(&gw, &["tariffs", "get", "x"]).await;
    assert!(unknown.contains("404"), "{unknown}");

    let deleted = ok(&gw, &["tariffs", "delete", "data-gb"]).await;
    assert_eq!(deleted.trim(), "tariff data-gb removed");
    let again = refused(&gw, &["tariffs", "delete", "data-gb"]).await;
    assert!(
        again.contains("404 Not found: no tariff with this code"),
        "{again}"
    );
    let empty: Value = serde_json::from_str(&ok(&gw, &["tariffs", "list", "--json"]).await).unwrap();
    assert_eq!(empty, json!([]));
}

async fn sms_registrations_and_monitoring_grants_are_managed(db: &TestDb) {
    let (gw, _) = set_up(db, json!({"balance": 1000})).await;
    let created = ok(
        &gw,
        &[
            "sms",
            "register",
            "--short-code",
            "1588",
            "--keyword",
            "order",
            "--app",
            "wallet",
            "--id",
            "order-1",
        ],
    )
    .await;
    assert!(
        created.contains("order-1") && created.contains("ORDER"),
        "{created}"
    );
    let listed = ok(&gw, &["sms", "registrations", "--app", "wallet"]).await;
    assert!(listed.contains("order-1") && listed.contains("1588"), "{listed}");
    let json: Value =
        serde_json::from_str(&ok(&gw, &["--json", "sms", "registration", "order-1"]).await).unwrap();
    assert_eq!(
        (json["keyword"].as_str(), json["app_id"].as_str()),
        (Some("ORDER"), Some("wallet"))
    );
    // The same short code and keyword is taken; a short code must be digits.
    let taken = refused(
        &gw,
        &["sms", "register", "--short-code", "1588", "--keyword", "ORDER"],
    )
    .await;
    assert!(taken.contains("409"), "{taken}");
    let bad = refused(&gw, &["sms", "register", "--short-code", "15x8"]).await;
    assert!(bad.contains("short_code"), "{bad}");
    assert!(ok(&gw, &["sms", "unrouted"]).await.starts_with("0 unrouted"));
    assert!(
        ok(&gw, &["sms", "unregister", "order-1"])
            .await
            .contains("removed")
    );
    let gone = refused(&gw, &["sms", "registration", "order-1"]).await;
    assert!(gone.contains("404"), "{gone}");

    let granted = ok(&gw, &["apps", "monitor", "wallet", ALICE.0]).await;
    assert!(granted.contains("may monitor"), "{granted}");
    ok(&gw, &["apps", "unmonitor", "wallet", ALICE.0]).await;
    let none = refused(&gw, &["apps", "unmonitor", "wallet", ALICE.0]).await;
    assert!(none.contains("no grant"), "{none}");
    let unknown = refused(&gw, &["apps", "monitor", "nobody", ALICE.0]).await;
    assert!(unknown.contains("404"), "{unknown}");
}
