//! `pxload` without a gateway: the baseline against its own constant server, a charge run with
//! `--baseline` against that same server standing in for the gateway, and the binary's JSON
//! summary. Nothing here asserts on speed: only that requests complete and numbers add up.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers: any failure should fail the test loudly"
)]

use std::net::SocketAddr;
use std::time::Duration;

use pxsim::load::baseline::{self, CHARGE_AMOUNT_RESPONSE};
use pxsim::load::charge::{self, Auth, Load};
use pxsim::load::{Binding, progress::Console};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

fn light_load() -> Load {
    Load {
        concurrency: 2,
        duration: Duration::from_secs(1),
        auth: Auth::Digest,
        accounts: 3,
        amount: 1,
    }
}

/// The constant server on 127.0.0.1:0, stopped when the token is cancelled.
async fn constant_server() -> (SocketAddr, CancellationToken) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = CancellationToken::new();
    tokio::spawn(baseline::serve(listener, stop.clone().cancelled_owned()));
    (addr, stop)
}

#[tokio::test]
async fn the_baseline_completes_requests_without_errors() {
    for binding in [Binding::Soap, Binding::Rest] {
        let args = baseline::Args {
            load: light_load(),
            binding,
        };
        let report = baseline::run(args, Console::new(true)).await.unwrap();
        assert_eq!(report.scenario, "baseline");
        assert!(report.accepted > 0, "{binding:?}: {report}");
        assert!(report.refused.is_empty(), "{binding:?}: {report}");
        // Every request sent was answered and accepted.
        assert_eq!(report.sent, report.accepted, "{binding:?}: {report}");
        assert_eq!(report.latency_us.len(), report.sent);
        assert!(report.baseline.is_none());
    }
}

#[tokio::test]
async fn the_constant_server_answers_every_post_like_the_gateway() {
    let (addr, stop) = constant_server().await;
    let client = reqwest::Client::new();
    let answer = client
        .post(format!(
            "http://{addr}/AmountChargingService/services/AmountCharging"
        ))
        .body("<soapenv:Envelope/>")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let content_type = answer.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(content_type, "text/xml; charset=utf-8");
    assert_eq!(answer.text().await.unwrap(), CHARGE_AMOUNT_RESPONSE);
    let other = client.post(format!("http://{addr}/x")).send().await.unwrap();
    assert_eq!(other.text().await.unwrap(), CHARGE_AMOUNT_RESPONSE);
    let get = client.get(format!("http://{addr}/")).send().await.unwrap();
    assert_eq!(get.status(), 405);
    stop.cancel();
}

#[tokio::test]
async fn a_charge_run_with_baseline_reports_the_ratio() {
    // The constant server stands in for the gateway and its admin API (every POST is a 200).
    let (addr, stop) = constant_server().await;
    let demo = std::env::temp_dir().join(format!("pxload-demo-{}.json", std::process::id()));
    let manifest = serde_json::json!({
        "gateway": { "url": format!("http://{addr}"), "admin_api": format!("http://{addr}/admin") },
        "soap": { "AmountCharging": format!("http://{addr}/AmountChargingService/services/AmountCharging") },
        "operator": { "token": "operator-token" },
        "applications": [{ "id": "shop", "username": "shop", "password": "shop-secret" }],
    });
    std::fs::write(&demo, manifest.to_string()).unwrap();
    let args = charge::Args {
        demo: demo.clone(),
        load: light_load(),
        baseline: Some(Duration::from_secs(1)),
    };
    let report = charge::run(args, Binding::Soap, Console::new(true)).await;
    let _ = std::fs::remove_file(&demo);
    stop.cancel();
    let report = report.unwrap();
    assert_eq!(report.scenario, "soap-charge");
    assert!(report.accepted > 0 && report.refused.is_empty(), "{report}");
    let measured = report.baseline.as_ref().unwrap();
    assert!(measured.accepted > 0 && measured.refused.is_empty(), "{report}");
    assert!(report.baseline_ratio().is_some_and(|r| r > 0.0), "{report}");
    assert!(
        report.to_string().contains(" accepted/s  (gateway at "),
        "{report}"
    );
    let v = report.to_json();
    assert_eq!(v["scenario"], "soap-charge");
    assert_eq!(v["baseline"]["scenario"], "baseline");
    assert!(v["baseline"]["ratio"].as_f64().is_some(), "{v}");
}

fn pxload(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_pxload"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn pxload_baseline_json_parses_and_holds_every_field() {
    let out = pxload(&[
        "baseline",
        "--concurrency",
        "2",
        "--duration",
        "1s",
        "--json",
        "--quiet",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // --quiet: no progress lines.
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "one object on one line: {stdout}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["scenario"], "baseline");
    for key in ["sent", "accepted"] {
        assert!(v[key].as_u64().is_some_and(|n| n > 0), "{key}: {v}");
    }
    assert_eq!(v["sent"], v["accepted"], "{v}");
    assert!(v["elapsed_s"].as_f64().is_some(), "{v}");
    assert!(v["throughput"].as_f64().is_some_and(|t| t > 0.0), "{v}");
    assert_eq!(v["refused"], serde_json::json!({}));
    assert_eq!(v["extra"]["clients"].as_u64(), Some(2));
    for key in ["p50", "p90", "p99", "p99_9", "max"] {
        assert!(v["latency_us"][key].as_u64().is_some(), "{key}: {v}");
    }
    assert!(v["baseline"].is_null(), "{v}");
}

#[test]
fn pxload_baseline_text_keeps_the_summary_lines() {
    let out = pxload(&["baseline", "--concurrency", "1", "--duration", "1s", "--quiet"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    for prefix in [
        "scenario     baseline",
        "accepted     ",
        "throughput   ",
        "latency µs   p50 ",
    ] {
        assert!(
            stdout.lines().any(|l| l.starts_with(prefix)),
            "{prefix:?} in {stdout}"
        );
    }
}

#[test]
fn the_help_documents_the_new_options() {
    for scenario in ["soap-charge", "rest-charge"] {
        let help = String::from_utf8(pxload(&[scenario, "--help"]).stdout).unwrap();
        for option in ["--baseline <SECS>", "--quiet", "--json"] {
            assert!(help.contains(option), "{scenario}: {option} in {help}");
        }
    }
    let help = String::from_utf8(pxload(&["baseline", "--help"]).stdout).unwrap();
    for option in ["--concurrency", "--duration", "--auth", "--binding"] {
        assert!(help.contains(option), "{option} in {help}");
    }
}
