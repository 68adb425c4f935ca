//! A `pxgate serve` process SIGKILLed mid-load and restarted on the same database: nothing it
//! accepted is lost, and nothing reaches a handset more often than a lost answer allows.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::{Target, counts, register, send_batch, wait_settled};
use crate::harness::{TestDb, battery};
use crate::process::Gateway;
use crate::sms_harness::start_sim;

battery!(a_killed_gateway_loses_nothing_it_accepted);

/// `[smpp] window` × `sessions` of the gateway: the most submits that can be in flight at once,
/// so the most parts whose submit_sm_resp a crash can lose.
pub(crate) const IN_FLIGHT_MAX: usize = 64;

/// `pxgate serve` over `store_url` with `[smpp]` at `smsc` (short reconnect and response times).
pub(crate) async fn serve(
    dir: &std::path::Path,
    store_url: &str,
    smsc: std::net::SocketAddr,
    log: &str,
) -> Gateway {
    let smpp = format!(
        "[smpp]\naddress = \"{smsc}\"\nreconnect_min_ms = 20\nreconnect_max_ms = 200\nresponse_timeout_secs = 2\n"
    );
    crate::process::serve(dir, store_url, &smpp, log).await
}

/// 300 sendSms, the process SIGKILLed once 100 are accepted, restarted on the same database:
/// every accepted message reaches its handset, at most twice, and only as many twice as can have
/// been in flight; messages whose answer was lost with the process are not sent more than twice.
async fn a_killed_gateway_loses_nothing_it_accepted(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::process::store_url(db, dir.path());
    let sim = start_sim(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()).await;
    let first = serve(dir.path(), &url, sim.smpp_addr(), "first.log").await;
    let http = reqwest::Client::new();
    let app = register(&http, &first.base, "bulk").await;
    let target = Target {
        http: http.clone(),
        base: first.base.clone(),
        app: app.clone(),
        keyed: false,
    };
    let accepted = Arc::new(AtomicUsize::new(0));
    let load = tokio::spawn(send_batch(target.clone(), 73, 0..300, Arc::clone(&accepted)));
    let deadline = Instant::now() + Duration::from_secs(30);
    while accepted.load(Ordering::Relaxed) < 100 {
        assert!(
            Instant::now() < deadline,
            "the gateway never accepted 100 messages"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    drop(first); // SIGKILL mid-load
    let sent = load.await.unwrap();
    let answered = sent.iter().filter(|s| s.id.is_some()).count();
    assert!(
        (100..300).contains(&answered),
        "killed mid-load: {answered} answered"
    );
    let second = serve(dir.path(), &url, sim.smpp_addr(), "second.log").await;
    let target = Target {
        http,
        base: second.base.clone(),
        app,
        keyed: false,
    };
    let after = send_batch(target.clone(), 74, 0..20, Arc::new(AtomicUsize::new(0))).await;
    assert!(
        after.iter().all(|s| s.id.is_some()),
        "the restarted gateway accepts"
    );
    wait_settled(&sim, &target, &sent, Duration::from_secs(40)).await;
    wait_settled(&sim, &target, &after, Duration::from_secs(20)).await;
    let mut histogram: HashMap<(bool, usize), usize> = HashMap::new();
    for (s, n) in sent.iter().zip(counts(&sim, &sent)) {
        *histogram.entry((s.id.is_some(), n)).or_default() += 1;
    }
    eprintln!("(accepted, copies at the handset) → messages: {histogram:?}");
    for ((accepted, copies), messages) in &histogram {
        assert!(*copies <= 2, "{messages} messages sent {copies} times");
        assert!(!accepted || *copies >= 1, "{messages} accepted messages lost");
    }
    let twice: usize = histogram
        .iter()
        .filter(|((_, copies), _)| *copies == 2)
        .map(|(_, n)| n)
        .sum();
    assert!(
        twice <= IN_FLIGHT_MAX,
        "{twice} sent twice; at most {IN_FLIGHT_MAX} were in flight"
    );
    assert!(counts(&sim, &after).iter().all(|n| *n == 1));
}
