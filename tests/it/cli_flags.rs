//! What a newcomer meets first: `pxgate admin`'s connection flags go before or after the
//! subcommand, a refused token says where the token comes from and what the gateway said, and
//! `pxgate serve` without operators says the admin API is unusable, and `pxgate completions` and
//! `pxgate man` write what shells and man(1) read. None of this depends on the store, so these run
//! on SQLite only (or on no store at all).

use std::process::{Output, Stdio};
use std::time::Duration;

use crate::harness::{OPERATOR_TOKEN, TEST_SECRET_KEY, TestDb, TestGateway};

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

/// An unreachable gateway is named once, with the cause.
#[tokio::test]
async fn an_unreachable_gateway_is_reported_once_with_its_cause() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let out = run(&["admin", "accounts", "list", "--url", &url]).await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("pxgate: cannot talk to the gateway: "), "{err}");
    assert_eq!(err.matches(&url).count(), 1, "{err}");
}

/// `serve` with no `[[admin.operators]]` starts, and warns how to make one; a numeric-looking
/// string setting from the environment (`PXGATE_ALERTS__SENDER=1588`) is accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_without_operators_warns_that_the_admin_api_is_unusable() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let db = dir.path().join("pxgate.db");
    let config = format!(
        "[http]\nlisten = \"127.0.0.1:{port}\"\n[store]\nurl = \"sqlite://{}\"\n",
        db.display()
    );
    let path = dir.path().join("pxgate.toml");
    std::fs::write(&path, config).unwrap();
    let log = dir.path().join("serve.log");
    let mut child = std::process::Command::new(PXGATE)
        .args(["serve", "--config"])
        .arg(&path)
        .env("PXGATE_FRAMEWORK__SECRET_KEY", TEST_SECRET_KEY)
        .env("PXGATE_ALERTS__SENDER", "1588")
        .env_remove("PXGATE_CONFIG")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("start pxgate serve");
    let http = reqwest::Client::new();
    let mut healthy = false;
    for _ in 0..400 {
        if let Ok(r) = http.get(format!("http://127.0.0.1:{port}/healthz")).send().await
            && r.status().is_success()
        {
            healthy = true;
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(healthy, "pxgate serve did not start: {text}");
    assert!(
        text.contains("WARN")
            && text.contains("no [[admin.operators]] configured")
            && text.contains("pxgate gen-token"),
        "{text}"
    );
}

/// Every shell gets a script; bash's completes the top-level subcommands and admin's resources.
#[tokio::test]
async fn completions_name_the_subcommands_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = run(&["completions", shell]).await;
        assert!(out.status.success(), "{shell}: {out:?}");
        let script = String::from_utf8(out.stdout).expect("UTF-8");
        assert!(
            script.contains("pxgate") && script.contains("serve"),
            "{shell}: {script}"
        );
    }
    let out = run(&["completions", "bash"]).await;
    let script = String::from_utf8(out.stdout).expect("UTF-8");
    for word in [
        "serve",
        "migrate",
        "demo",
        "gen-token",
        "admin",
        "completions",
        "man",
    ] {
        assert!(script.contains(word), "{word} missing from the bash script");
    }
    // The words offered after `pxgate admin`: the `opts=` line of its case.
    let admin = script
        .split("pxgate__subcmd__admin)")
        .nth(1)
        .and_then(|case| case.lines().find(|l| l.trim_start().starts_with("opts=")))
        .unwrap_or_default();
    for resource in ["accounts", "apps", "vouchers", "tariffs", "callbacks", "sms"] {
        assert!(
            admin.split([' ', '"']).any(|word| word == resource),
            "admin {resource} missing from {admin:?}"
        );
    }
    let unknown = run(&["completions", "tcsh"]).await;
    assert!(!unknown.status.success());
}

/// `pxgate man` writes pxgate(1): a roff page whose first request (after groff's apostrophe
/// string) is `.TH`, naming and describing the subcommands.
#[tokio::test]
async fn the_man_page_is_roff_and_documents_serve() {
    let out = run(&["man"]).await;
    assert!(out.status.success(), "{out:?}");
    let page = String::from_utf8(out.stdout).expect("UTF-8");
    let first = page
        .lines()
        .find(|line| !line.starts_with(".ie ") && !line.starts_with(".el "))
        .unwrap_or_default();
    assert!(first.starts_with(".TH pxgate 1 "), "{first}");
    assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
    for said in ["serve", "Run the gateway with a configuration file", "admin"] {
        assert!(page.contains(said), "{said:?} missing from {page}");
    }
}

/// `pxgate man --dir` writes one page per command, at every depth, and lists the files.
#[tokio::test]
async fn man_dir_writes_a_page_per_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let man1 = dir.path().join("man1");
    let out = run(&["man", "--dir", man1.to_str().unwrap()]).await;
    assert!(out.status.success(), "{out:?}");
    let listed = String::from_utf8(out.stdout).expect("UTF-8");
    for page in [
        "pxgate.1",
        "pxgate-serve.1",
        "pxgate-demo.1",
        "pxgate-completions.1",
        "pxgate-man.1",
        "pxgate-admin.1",
        "pxgate-admin-accounts.1",
        "pxgate-admin-accounts-create.1",
        "pxgate-admin-sms.1",
    ] {
        let path = man1.join(page);
        assert!(path.is_file(), "{page} not written: {listed}");
        assert!(
            listed.lines().any(|l| l == path.to_str().unwrap()),
            "{page} not listed"
        );
    }
    assert!(!man1.join("pxgate-help.1").exists(), "help needs no page");
    let serve = std::fs::read_to_string(man1.join("pxgate-serve.1")).unwrap();
    assert!(serve.contains(".TH pxgate-serve 1"), "{serve}");
    assert!(serve.contains("PXGATE_CONFIG"), "the variable is named: {serve}");
}
