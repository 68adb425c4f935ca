//! The SMPP link against a misbehaving SMSC (the simulator over TCP): a hung SMSC (connections
//! open, nothing answered) is probed, closed and left for a fresh session, with at most a window
//! of parts sent twice; after an outage sending resumes within the reconnect cap; a receipt that
//! falls due while the link is down arrives once it is bound again; a receipt that never comes
//! leaves the message DeliveryUncertain after `receipt_wait_secs`.

use std::time::{Duration, Instant};

use crate::harness::{TestDb, battery};
use crate::sms_harness::{SmsGateway, wait_inbox};

battery!(
    a_hung_smsc_is_probed_closed_and_its_parts_sent_on_a_fresh_session,
    after_an_outage_sending_resumes_within_the_reconnect_cap,
    a_receipt_due_while_the_link_is_down_arrives_after_the_next_bind,
    a_part_without_a_receipt_is_delivery_uncertain_after_the_wait,
    an_smpp_3_3_link_binds_as_configured_and_reads_receipts_from_their_text,
    receipts_written_in_another_number_base_match_with_msg_id_type,
    an_smsc_that_reads_data_coding_0_as_latin1_gets_latin1,
);

const WINDOW: u32 = 8;

/// The simulator with receipts after `receipt_delay_ms`, all delivered.
async fn sim(receipt_delay_ms: u64) -> pxsim::SimHandle {
    sim_with(|c| c.receipts.delay_ms = receipt_delay_ms).await
}

/// The simulator with receipts after 20 ms and `config` changed by `change`.
async fn sim_with(change: impl FnOnce(&mut pxsim::SimConfig)) -> pxsim::SimHandle {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let http = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut config = pxsim::SimConfig::default();
    config.receipts.delay_ms = 20;
    change(&mut config);
    pxsim::start(smpp, http, config).await.unwrap()
}

fn handset(i: usize) -> String {
    format!("8210770{i:05}")
}

/// Sends message `i` of `range` to its own handset, `text(i)`, all at once.
async fn send_all(gw: &SmsGateway, app: &(String, String), range: std::ops::Range<usize>) {
    let sends =
        range.map(|i| async move { gw.send(app, &[&format!("tel:+{}", handset(i))], &text(i)).await });
    futures::future::join_all(sends).await;
}

fn text(i: usize) -> String {
    format!("hang test {i}")
}

/// How many copies of message `i` reached its handset.
fn copies(sim: &pxsim::SimHandle, i: usize) -> usize {
    sim.inbox(&handset(i))
        .iter()
        .filter(|m| m.complete && m.text == text(i))
        .count()
}

/// The gateway's `/metrics` line of `series`, if it has one.
async fn metric_series(gw: &SmsGateway, series: &str) -> Option<String> {
    let page = gw
        .http
        .get(format!("{}/metrics", gw.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    page.lines().find(|l| l.starts_with(series)).map(str::to_owned)
}

/// The value of `series` in the gateway's `/metrics` (0 when absent).
async fn metric(gw: &SmsGateway, series: &str) -> f64 {
    metric_series(gw, series)
        .await
        .and_then(|l| l.rsplit(' ').next().and_then(|v| v.parse().ok()))
        .unwrap_or(0.0)
}

/// Whether `/metrics` has a line for `series`.
async fn metric_line(gw: &SmsGateway, series: &str) -> bool {
    metric_series(gw, series).await.is_some()
}

/// The SMSC hangs for 4 s with parts outstanding (the response timeout is 1 s and the keep-alive
/// far away, so only the response timeout can notice). The timeout is counted and the session
/// probed at once; the probe goes unanswered, so the session is closed (counted) and the parts
/// go again on a fresh session once the SMSC answers binds. Every message arrives; the parts
/// the hung SMSC still took from its socket afterwards make at most a window of duplicates.
async fn a_hung_smsc_is_probed_closed_and_its_parts_sent_on_a_fresh_session(db: &TestDb) {
    let sim = sim(20).await;
    let gw = SmsGateway::start_with(db.store.clone(), sim.smpp_addr(), |c| {
        c.response_timeout_secs = 1;
        c.enquire_link_secs = 3600;
        c.window = WINDOW;
    })
    .await;
    let app = gw.register("bulk").await;
    send_all(&gw, &app, 0..10).await;
    for i in 0..10 {
        wait_inbox(&sim, &handset(i)).await;
    }
    let (timeouts, closed) = (
        metric(
            &gw,
            "pxgate_smpp_response_timeouts_total{link=\"smsc\",session=\"0\"}",
        )
        .await,
        metric(
            &gw,
            "pxgate_smpp_unresponsive_sessions_total{link=\"smsc\",session=\"0\"}",
        )
        .await,
    );
    let binds = sim.stats().binds_ok;
    sim.set_faults(pxsim::Faults {
        stall_secs: Some(4),
        ..pxsim::Faults::default()
    });
    send_all(&gw, &app, 10..60).await;
    let deadline = Instant::now() + Duration::from_secs(40);
    while (10..60).any(|i| copies(&sim, i) == 0) {
        assert!(Instant::now() < deadline, "not every message arrived");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let stats = sim.stats();
    assert!(stats.binds_ok > binds, "a fresh session was bound: {stats:?}");
    assert!(
        metric(
            &gw,
            "pxgate_smpp_response_timeouts_total{link=\"smsc\",session=\"0\"}"
        )
        .await
            > timeouts
    );
    // The probe (an enquire_link) went unanswered: only that counts an unresponsive session. The
    // simulator's own count of it is no proof either way: the closed socket may be reset before
    // the stall ends and the simulator reads it.
    assert!(
        metric(
            &gw,
            "pxgate_smpp_unresponsive_sessions_total{link=\"smsc\",session=\"0\"}"
        )
        .await
            > closed
    );
    // The hung session's socket is read to its end after the stall; let it settle.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let duplicates: usize = (10..60).map(|i| copies(&sim, i) - 1).sum();
    assert!(
        duplicates <= WINDOW as usize,
        "{duplicates} duplicates, more than the window of {WINDOW}"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while sim.stats().sessions_open != 1 {
        assert!(
            Instant::now() < deadline,
            "the hung session was never closed: {:?}",
            sim.stats()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// After a 3 s outage (every bind refused), the link is bound again and a message queued meanwhile
/// delivered within about the reconnect cap (500 ms here) of the SMSC being back: the back-off
/// does not keep doubling past `reconnect_max_ms`.
async fn after_an_outage_sending_resumes_within_the_reconnect_cap(db: &TestDb) {
    let sim = sim(20).await;
    let gw = SmsGateway::start_with(db.store.clone(), sim.smpp_addr(), |c| {
        c.reconnect_min_ms = 20;
        c.reconnect_max_ms = 500;
    })
    .await;
    let app = gw.register("bulk").await;
    send_all(&gw, &app, 100..101).await;
    wait_inbox(&sim, &handset(100)).await;
    sim.set_faults(pxsim::Faults {
        outage_secs: Some(3),
        ..pxsim::Faults::default()
    });
    let back_at = Instant::now() + Duration::from_secs(3);
    send_all(&gw, &app, 101..102).await;
    while copies(&sim, 101) == 0 {
        assert!(Instant::now() < back_at + Duration::from_secs(10), "never sent");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let arrived = Instant::now();
    assert!(arrived >= back_at, "not before the SMSC was back");
    // The cap, plus a generous allowance for the bind, the claim and the submit.
    let late = arrived - back_at;
    assert!(
        late <= Duration::from_millis(500 + 1500),
        "sending resumed {late:?} after the outage"
    );
}

/// A receipt the SMSC has for the gateway while no session of it is bound (an outage drops the
/// link just before the receipt is due) reaches the gateway when it binds again, so the message
/// becomes DeliveredToTerminal rather than staying DeliveredToNetwork for ever.
async fn a_receipt_due_while_the_link_is_down_arrives_after_the_next_bind(db: &TestDb) {
    let sim = sim(700).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let app = gw.register("shop").await;
    let id = gw
        .send(&app, &[&format!("tel:+{}", handset(200))], &text(200))
        .await;
    wait_inbox(&sim, &handset(200)).await;
    sim.set_faults(pxsim::Faults {
        outage_secs: Some(2),
        ..pxsim::Faults::default()
    });
    let deadline = Instant::now() + Duration::from_secs(5);
    while sim.stats().receipts_held == 0 {
        assert!(
            Instant::now() < deadline,
            "the receipt was not held: {:?}",
            sim.stats()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    gw.wait_status(&app, &id, "DeliveredToTerminal").await;
    assert_eq!(sim.stats().receipts_dropped, 0);
}

/// An SMSC that never sends the receipt asked for: after `receipt_wait_secs` the periodic
/// reconcile makes the address DeliveryUncertain, a final status.
async fn a_part_without_a_receipt_is_delivery_uncertain_after_the_wait(db: &TestDb) {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let http = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut config = pxsim::SimConfig::default();
    config.receipts.outcomes = pxsim::config::OutcomeWeights {
        delivered: 0,
        no_receipt: 1,
        ..pxsim::config::OutcomeWeights::default()
    };
    let sim = pxsim::start(smpp, http, config).await.unwrap();
    let gw = SmsGateway::start_with(db.store.clone(), sim.smpp_addr(), |c| c.receipt_wait_secs = 1).await;
    let app = gw.register("shop").await;
    let id = gw
        .send(&app, &[&format!("tel:+{}", handset(300))], &text(300))
        .await;
    wait_inbox(&sim, &handset(300)).await;
    gw.wait_status(&app, &id, "DeliveryUncertain").await;
}

/// `[smpp] interface_version = "3.3"` and a `system_type`: the SMSC sees the bind as configured,
/// and its receipts (SMPP 3.3 carries no TLVs, so only the receipt text names the message) still
/// make the message DeliveredToTerminal.
async fn an_smpp_3_3_link_binds_as_configured_and_reads_receipts_from_their_text(db: &TestDb) {
    let sim = sim(20).await;
    let gw = SmsGateway::start_with(db.store.clone(), sim.smpp_addr(), |c| {
        c.interface_version = "3.3".to_owned();
        c.system_type = "PXGATE".to_owned();
    })
    .await;
    let app = gw.register("bulk").await;
    let series = [
        "pxgate_smpp_submits_total{link=\"smsc\",status=\"ESME_ROK\"}",
        "pxgate_smpp_deliver_sm_total{link=\"smsc\",kind=\"receipt\"}",
    ];
    let mut before = Vec::new();
    for s in series {
        before.push(metric(&gw, s).await);
    }
    let id = gw.send(&app, &[&format!("tel:+{}", handset(1))], &text(1)).await;
    gw.wait_status(&app, &id, "DeliveredToTerminal").await;
    let binds = sim.stats().binds_as;
    assert_eq!(binds.keys().collect::<Vec<_>>(), ["3.3 PXGATE"], "{binds:?}");
    // The link's metrics moved with it (the recorder is the process's: other tests' gateways count
    // into the same series, so only growth is checked).
    for (s, was) in series.iter().zip(before) {
        assert!(metric(&gw, s).await > was, "{s} did not move from {was}");
    }
    assert!(
        metric(
            &gw,
            "pxgate_smpp_binds_total{link=\"smsc\",session=\"0\",role=\"transceiver\",outcome=\"ok\"}"
        )
        .await
            >= 1.0
    );
    assert!(metric_line(&gw, "pxgate_smpp_window_in_use{link=\"smsc\"}").await);
    assert!(
        metric_line(
            &gw,
            "pxgate_smpp_link_up{link=\"smsc\",session=\"0\",role=\"transceiver\"}"
        )
        .await
    );
}

/// An SMSC that answers submits with hexadecimal ids and writes receipts in decimal (ids from 256,
/// so `100` and `256` name the same message): without `msg_id_type` its receipts find nothing and
/// the message stays DeliveredToNetwork; with `msg_id_type = 1` (Kannel's value for this SMSC) it
/// is DeliveredToTerminal.
async fn receipts_written_in_another_number_base_match_with_msg_id_type(db: &TestDb) {
    let sim = sim_with(|c| {
        c.message_id_start = Some(256);
        c.message_ids.receipt = pxsim::IdBase::Decimal;
    })
    .await;
    let plain = SmsGateway::start_on(db.store.clone(), sim.smpp_addr()).await;
    let app = plain.register("bases").await;
    let id = plain
        .send(&app, &[&format!("tel:+{}", handset(1))], &text(1))
        .await;
    wait_inbox(&sim, &handset(1)).await;
    while sim.stats().receipts_sent < 1 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    plain.wait_status(&app, &id, "DeliveredToNetwork").await;
    drop(plain);

    let set = SmsGateway::start_with(db.store.clone(), sim.smpp_addr(), |c| c.msg_id_type = Some(1)).await;
    let id = set.send(&app, &[&format!("tel:+{}", handset(2))], &text(2)).await;
    set.wait_status(&app, &id, "DeliveredToTerminal").await;
}

/// `dcs0_alphabet = "latin1"` against an SMSC that reads data_coding 0 as Latin-1: the handset
/// gets the text as written (the GSM septets would have shown as control characters).
async fn an_smsc_that_reads_data_coding_0_as_latin1_gets_latin1(db: &TestDb) {
    let sim = sim_with(|c| c.dcs0_alphabet = pxsim::Dcs0Alphabet::Latin1).await;
    let gw = SmsGateway::start_with(db.store.clone(), sim.smpp_addr(), |c| {
        c.dcs0_alphabet = pxgate::smpp::config::Dcs0Alphabet::Latin1;
    })
    .await;
    let app = gw.register("latin").await;
    let id = gw
        .send(&app, &[&format!("tel:+{}", handset(3))], "café à 5 £")
        .await;
    gw.wait_status(&app, &id, "DeliveredToTerminal").await;
    assert_eq!(wait_inbox(&sim, &handset(3)).await.text, "café à 5 £");
}
