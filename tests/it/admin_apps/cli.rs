//! `pxgate admin apps …` against a gateway on a real socket.

use serde_json::{Value, json};

use crate::harness::{OPERATOR_TOKEN, TestDb, TestGateway, battery};

battery!(the_cli_registers_and_lists_apps);

const PXGATE: &str = env!("CARGO_BIN_EXE_pxgate");

async fn pxgate(gw: &TestGateway, args: &[&str]) -> std::process::Output {
    tokio::process::Command::new(PXGATE)
        .args(["admin", "--url", &gw.base, "--token", OPERATOR_TOKEN, "apps"])
        .args(args)
        .env_remove("PXGATE_ADMIN_URL")
        .env_remove("PXGATE_ADMIN_TOKEN")
        .output()
        .await
        .expect("run pxgate")
}

async fn the_cli_registers_and_lists_apps(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let create = [
        "create",
        "shop",
        "--name",
        "Corner Shop",
        "--contact",
        "ops@shop.example",
    ];
    let created = pxgate(
        &gw,
        &[&create[..], &["--agreement", r#"{"allow":["Payment"]}"#]].concat(),
    )
    .await;
    let out = String::from_utf8_lossy(&created.stdout);
    assert!(created.status.success(), "{created:?}");
    assert!(
        out.contains("username: shop") && out.contains("not shown again"),
        "{out}"
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("agreement.json");
    std::fs::write(&file, r#"{"allow": ["SMS"], "sms_senders": ["SHOP"]}"#).unwrap();
    let set = pxgate(&gw, &["set-agreement", "shop", file.to_str().unwrap()]).await;
    assert!(set.status.success(), "{set:?}");
    let added = pxgate(&gw, &["add-credential", "shop", "--json"]).await;
    let added: Value = serde_json::from_slice(&added.stdout).unwrap();
    assert_eq!(added["username"], "shop.2");
    let revoked = pxgate(&gw, &["revoke-credential", "shop", "shop"]).await;
    assert_eq!(
        String::from_utf8_lossy(&revoked.stdout).trim(),
        "credential shop revoked"
    );
    for args in [
        &["suspend", "shop"][..],
        &["resume", "shop"],
        &[
            "usage",
            "shop",
            "--from",
            "2026-05-01T00:00:00+09:00",
            "--by",
            "outcome",
        ],
    ] {
        let out = pxgate(&gw, args).await;
        assert!(out.status.success(), "{args:?}: {out:?}");
    }

    let listed = pxgate(&gw, &["list", "--json"]).await;
    let list: Value = serde_json::from_slice(&listed.stdout).expect("--json prints JSON");
    assert_eq!(list["apps"][0]["id"], "shop");
    assert_eq!(list["apps"][0]["agreement"]["allow"], json!(["SMS"]));
    assert_eq!(list["apps"][0]["credentials"].as_array().unwrap().len(), 2);
    let table = pxgate(&gw, &["list"]).await;
    assert!(String::from_utf8_lossy(&table.stdout).contains("shop.2"));

    let refused = pxgate(
        &gw,
        &[&create[..], &["--agreement", r#"{"allow":["Nope"]}"#]].concat(),
    )
    .await;
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("agreement.allow[0]"));
    let revoke = pxgate(&gw, &["revoke", "shop"]).await;
    assert!(revoke.status.success());
    let again = pxgate(&gw, &["resume", "shop"]).await;
    assert!(String::from_utf8_lossy(&again.stderr).contains("409"));
}
