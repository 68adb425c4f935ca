//! `pxgate demo` as a newcomer meets it: the paper's subscriber SMS on, and a clear refusal when
//! its ports are taken.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::cli::{PXGATE, start_demo};

/// A charge through the demo texts the subscriber a receipt: the alerts are on, and the receipt
/// reaches the simulator's handset for that number.
#[tokio::test]
async fn a_charge_in_the_demo_texts_the_subscriber_a_receipt() {
    let dir = tempfile::tempdir().unwrap();
    let (_demo, manifest) = start_demo(dir.path());
    let shop = manifest["applications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "shop")
        .unwrap()
        .clone();
    assert_eq!(shop["sms_senders"][0], "MICROSHOP", "demo.json names the senders");
    assert!(
        manifest["rest"]["docs"]
            .as_str()
            .unwrap()
            .ends_with("/oneapi/v1/docs")
    );
    let http = reqwest::Client::new();
    let charged = http
        .post(manifest["soap"]["AmountCharging"].as_str().unwrap())
        .basic_auth("shop", shop["password"].as_str())
        .header("content-type", "text/xml")
        .body(std::fs::read_to_string(dir.path().join("charge.xml")).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(charged.status(), 200, "{}", charged.text().await.unwrap());
    let inbox = format!(
        "{}/handsets/821012340001/messages",
        manifest["smsc"]["http"].as_str().unwrap()
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let messages: Value = http.get(&inbox).send().await.unwrap().json().await.unwrap();
        let receipt = messages["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["from"] == "1588" && m["text"].as_str().unwrap().contains("4,300"));
        if let Some(receipt) = receipt {
            eprintln!("receipt: {}", receipt["text"]);
            break;
        }
        assert!(Instant::now() < deadline, "no receipt at the handset: {messages}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// With its ports taken the demo names each one with the flag that sets it, once, and writes
/// nothing to its data directory.
#[test]
fn taken_ports_are_named_with_their_flags_and_nothing_is_seeded() {
    let taken_http = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken_smpp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let (http, smpp) = (taken_http.local_addr().unwrap(), taken_smpp.local_addr().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo-data");
    let out = Command::new(PXGATE)
        .args(["demo", "--http", &http.to_string(), "--smpp", &smpp.to_string()])
        .args(["--smsc-http", "127.0.0.1:0", "--data"])
        .arg(&data)
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on {http} (--http)")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("cannot listen on {smpp} (--smpp)")),
        "{stderr}"
    );
    assert_eq!(stderr.matches("in use").count(), 2, "each reason once: {stderr}");
    assert!(
        !stderr.contains("--smsc-http"),
        "a free port is not named: {stderr}"
    );
    assert!(!data.exists(), "nothing written before the ports are bound");
}

/// Refusals are the gateway working: a malformed envelope (answered 500, as SOAP faults are) and a
/// call without credentials are logged at INFO, the XML with where it went wrong; nothing at ERROR.
#[tokio::test]
async fn refusals_are_logged_below_error_with_their_fault() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("gateway.db").display());
    let gw = crate::process::serve(dir.path(), &url, "", "gateway.log").await;
    let http = reqwest::Client::new();
    let endpoint = format!("{}/AmountChargingService/services/AmountCharging", gw.base);
    let malformed = "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">\n\
                     <soapenv:Body><x a='1' a='2'/></soapenv:Body></soapenv:Envelope>";
    let unauthenticated = "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">\
         <soapenv:Body><loc:chargeAmount xmlns:loc=\"http://www.csapi.org/schema/parlayx/payment/amount_charging/v2_1/local\">\
         <loc:endUserIdentifier>tel:+821012345678</loc:endUserIdentifier></loc:chargeAmount></soapenv:Body></soapenv:Envelope>";
    for body in [malformed, unauthenticated] {
        let answer = http
            .post(&endpoint)
            .header("content-type", "text/xml")
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_client_error() || answer.status().is_server_error());
    }
    drop(gw);
    let log = std::fs::read_to_string(dir.path().join("gateway.log")).unwrap();
    assert!(!log.contains("ERROR"), "{log}");
    let refused = log
        .lines()
        .find(|l| l.contains("SOAP envelope refused"))
        .unwrap_or_else(|| panic!("{log}"));
    assert!(
        refused.contains("INFO") && refused.contains("line=2"),
        "{refused}"
    );
    assert!(
        log.lines()
            .any(|l| l.contains("INFO") && l.contains("call refused") && l.contains("no credentials")),
        "{log}"
    );
}
