//! What a newcomer meets first in `pxgate admin`: the connection flags go before or after the
//! subcommand, and a refused token says where the token comes from and what the gateway said.
//! Flag parsing does not depend on the store, so these run on SQLite only.

use std::process::Output;

use crate::harness::{OPERATOR_TOKEN, TestDb, TestGateway};

const PXGATE: &str = env!("CARGO_BIN_EXE_pxgate");

/// Runs `pxgate` with exactly `args`, with no admin settings from the environment.
async fn run(args: &[&str]) -> Output {
    tokio::process::Command::new(PXGATE)
        .args(args)
        .env_remove("PXGATE_ADMIN_URL")
        .env_remove("PXGATE_ADMIN_TOKEN")
        .output()
        .await
        .expect("run pxgate")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_connection_flags_may_come_before_or_after_the_subcommand() {
    let db = TestDb::sqlite().await;
    let gw = TestGateway::start(&db).await;
    let (url, token) = (gw.base.as_str(), OPERATOR_TOKEN);
    let orders: [&[&str]; 3] = [
        &[
            "admin", "--url", url, "--token", token, "accounts", "list", "--json",
        ],
        &[
            "admin", "accounts", "list", "--url", url, "--token", token, "--json",
        ],
        &[
            "admin", "--json", "accounts", "--token", token, "list", "--url", url,
        ],
    ];
    for args in orders {
        let out = run(args).await;
        assert!(out.status.success(), "{args:?}: {out:?}");
        let listed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert!(listed.is_array() || listed.is_object(), "{args:?}: {listed}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_names_the_flag_the_variable_and_the_servers_reason() {
    let db = TestDb::sqlite().await;
    let gw = TestGateway::start(&db).await;
    let missing = run(&["admin", "accounts", "list", "--url", &gw.base]).await;
    assert!(!missing.status.success());
    let err = String::from_utf8_lossy(&missing.stderr);
    for said in [
        "401 Unauthorized: a valid operator bearer token is required",
        "no token was given",
        "--token",
        "PXGATE_ADMIN_TOKEN",
        "pxgate gen-token",
    ] {
        assert!(err.contains(said), "{said:?} missing from {err}");
    }
    let wrong = run(&["admin", "accounts", "list", "--url", &gw.base, "--token", "nope"]).await;
    let err = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        err.contains("401 Unauthorized") && err.contains("the token given was not accepted"),
        "{err}"
    );
    assert!(!err.contains("nope"), "the token is never echoed: {err}");
}
