//! Each fault knob: throttle, error probability, response delay, drop after N, outage, stall,
//! drop all.

use std::time::Duration;

use futures::StreamExt as _;
use pxsim::Faults;
use rusmpp::values::InterfaceVersion;
use rusmpp::{CommandId, CommandStatus, Pdu};
use tokio::time::Instant;

use crate::support::*;

async fn statuses(e: &mut Esme, n: usize) -> Vec<CommandStatus> {
    for i in 0..n {
        e.send(text_submit("821000000001", &format!("t{i}"))).await;
    }
    let mut out = Vec::new();
    while out.len() < n {
        out.push(e.recv_id(CommandId::SubmitSmResp).await.status());
    }
    out
}

/// With throttle_per_sec = 10, a burst of 15 submits gets exactly 10 ESME_ROK and 5
/// ESME_RTHROTTLED, and the stats agree.
#[tokio::test]
async fn throttle_exact_counts() {
    let sim = start(fast_config()).await;
    let mut e = Esme::trx(sim.smpp_addr()).await;
    sim.set_faults(Faults {
        throttle_per_sec: Some(10),
        ..Faults::default()
    });
    let s = statuses(&mut e, 15).await;
    assert_eq!(s.iter().filter(|s| **s == CommandStatus::EsmeRok).count(), 10);
    assert_eq!(
        s.iter().filter(|s| **s == CommandStatus::EsmeRthrottled).count(),
        5
    );
    assert_eq!(sim.stats().sent("submit_sm_resp", "ESME_RTHROTTLED"), 5);
}

/// error_probability 1.0 refuses every submit with the configured status; set over HTTP.
#[tokio::test]
async fn error_probability_one() {
    let sim = start(fast_config()).await;
    let mut e = Esme::trx(sim.smpp_addr()).await;
    let (code, body) = http(
        sim.http_addr(),
        "PUT",
        "/faults",
        Some(r#"{"error_probability":1.0,"error_status":69}"#),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    let s = statuses(&mut e, 5).await;
    assert!(s.iter().all(|s| *s == CommandStatus::EsmeRsubmitfail), "{s:?}");
    let (code, body) = http(
        sim.http_addr(),
        "PUT",
        "/faults",
        Some(r#"{"error_probability":2}"#),
    )
    .await;
    assert_eq!(code, 422);
    assert!(body.contains("error_probability"), "{body}");
    let (code, body) = http(sim.http_addr(), "PUT", "/faults", Some(r#"{"bogus":1}"#)).await;
    assert_eq!((code, body.contains("bogus")), (400, true), "{body}");
}

/// response_delay_ms delays every response, and a window of 20 delayed submits is served
/// concurrently (far less than 20 × delay).
#[tokio::test]
async fn response_delay_is_concurrent() {
    let sim = start(fast_config()).await;
    let mut e = Esme::trx(sim.smpp_addr()).await;
    sim.set_faults(Faults {
        response_delay_ms: 300,
        ..Faults::default()
    });
    let t0 = Instant::now();
    assert_eq!(e.call(Pdu::EnquireLink).await.id(), CommandId::EnquireLinkResp);
    assert!(t0.elapsed() >= Duration::from_millis(300));
    let t1 = Instant::now();
    let s = statuses(&mut e, 20).await;
    assert!(s.iter().all(|s| *s == CommandStatus::EsmeRok));
    let took = t1.elapsed();
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_millis(3000),
        "{took:?}"
    );
}

/// drop_after_pdus = 3: the bind and two submits are answered, then the connection closes.
#[tokio::test]
async fn drop_after_n_pdus() {
    let mut cfg = fast_config();
    cfg.faults.drop_after_pdus = Some(3);
    let sim = start(cfg).await;
    let mut e = Esme::trx(sim.smpp_addr()).await;
    assert_eq!(
        e.call(text_submit("821000000001", "1")).await.status(),
        CommandStatus::EsmeRok
    );
    assert_eq!(
        e.call(text_submit("821000000001", "2")).await.status(),
        CommandStatus::EsmeRok
    );
    e.expect_closed().await;
}

/// An outage drops bound sessions and refuses binds with ESME_RBINDFAIL until it is lifted;
/// POST /faults/drop drops every connection.
#[tokio::test]
async fn outage_and_drop_all() {
    let sim = start(fast_config()).await;
    let mut e = Esme::trx(sim.smpp_addr()).await;
    let (code, body) = http(sim.http_addr(), "PUT", "/faults", Some(r#"{"outage_secs":30}"#)).await;
    assert_eq!(code, 200);
    assert!(body.contains("\"outage_remaining_secs\":30"), "{body}");
    e.expect_closed().await;
    let (_, r) = Esme::bind(
        sim.smpp_addr(),
        Kind::Trx,
        "pxgate",
        "secret",
        InterfaceVersion::Smpp5_0,
    )
    .await;
    assert_eq!(r.status(), CommandStatus::EsmeRbindfail);
    sim.set_faults(Faults::default());
    let mut e = Esme::trx(sim.smpp_addr()).await;
    let (code, _) = http(sim.http_addr(), "POST", "/faults/drop", None).await;
    assert_eq!(code, 204);
    e.expect_closed().await;
    eventually(|| sim.stats().sessions_open == 0).await;
}

/// A stall answers nothing (not even enquire_link) and keeps the connection open, as a hung SMSC
/// does; when it ends, what was sent meanwhile is answered in order on the same connection.
#[tokio::test]
async fn a_stall_answers_nothing_and_keeps_the_connection() {
    let sim = start(fast_config()).await;
    let mut e = Esme::trx(sim.smpp_addr()).await;
    // Before the stall is asked for, so the stall (which starts later) ends at least 2 s after.
    let started = Instant::now();
    let (code, body) = http(sim.http_addr(), "PUT", "/faults", Some(r#"{"stall_secs":2}"#)).await;
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("\"stall_remaining_secs\":2"), "{body}");
    let probe = e.send(Pdu::EnquireLink).await;
    let submit = e.send(text_submit("821000000001", "held")).await;
    let early = tokio::time::timeout(Duration::from_millis(1500), e.framed.next()).await;
    assert!(early.is_err(), "answered during the stall: {early:?}");
    assert_eq!(sim.stats().sessions_open, 1, "the connection stays open");
    let first = e.recv().await;
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert_eq!(
        (first.id(), first.sequence_number()),
        (CommandId::EnquireLinkResp, probe)
    );
    let second = e.recv_id(CommandId::SubmitSmResp).await;
    assert_eq!(
        (second.status(), second.sequence_number()),
        (CommandStatus::EsmeRok, submit)
    );
    assert_eq!(sim.faults().stall_secs, Some(2));
}
