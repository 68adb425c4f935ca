//! Several SMSC links (two simulators over TCP): a failover route moves its traffic to the second
//! link when the first goes down under load and back when it returns, with every message
//! delivered and every receipt matched although both SMSCs hand out the same message ids; a
//! throttling SMSC leaves its link's parts to the next link; routes
//! choose links by destination prefix and share by weight; a link bound as a transmitter +
//! receiver pair sends over one session and receives its receipts over the other.

use std::time::Duration;

use figment::value::{Dict, Value};
use pxgate::smpp::SmppConfig;
use pxgate::smpp::config::{BindMode, RouteConfig};
use serde_json::json;

use crate::harness::{TestDb, battery};
use crate::sms_harness::SmsGateway;

battery!(
    two_links_fail_over_under_load_and_lose_nothing,
    a_throttled_link_leaves_its_parts_to_the_next,
    routes_choose_links_by_prefix_and_share_by_weight,
    a_transmitter_receiver_pair_sends_and_receives,
);

/// A simulator whose message ids start at 1, like every other one here: ids from two SMSCs meet.
async fn sim() -> pxsim::SimHandle {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let http = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut config = pxsim::SimConfig::default();
    config.receipts.delay_ms = 20;
    config.message_id_start = Some(1);
    pxsim::start(smpp, http, config).await.unwrap()
}

/// `[[smpp.links]]` table `name` at `address`.
fn link(name: &str, address: std::net::SocketAddr) -> Dict {
    Dict::from([
        ("name".to_owned(), Value::from(name)),
        ("address".to_owned(), Value::from(address.to_string())),
    ])
}

fn route(prefixes: &[&str], links: &[&str], weights: &[u32]) -> RouteConfig {
    RouteConfig {
        prefixes: prefixes.iter().map(|p| (*p).to_owned()).collect(),
        senders: Vec::new(),
        links: links.iter().map(|l| (*l).to_owned()).collect(),
        weights: weights.to_vec(),
    }
}

/// Link "a" (`[smpp]`) to `a`, link "b" to `b`, `routes`.
async fn gateway(
    db: &TestDb,
    a: &pxsim::SimHandle,
    b: &pxsim::SimHandle,
    routes: Vec<RouteConfig>,
) -> SmsGateway {
    let b = b.smpp_addr();
    SmsGateway::start_with(db.store.clone(), a.smpp_addr(), move |c: &mut SmppConfig| {
        c.name = "a".to_owned();
        c.window = 8;
        c.links = vec![link("b", b)];
        c.routes = routes;
    })
    .await
}

/// An application that may send as fast as the test does.
async fn register(gw: &SmsGateway, id: &str) -> (String, String) {
    let agreement = json!({
        "allow": ["SMS"], "sms_senders": ["1588"],
        "rates": [{"scope": "*", "per_second": 100_000}]
    });
    gw.register_with(id, agreement).await
}

fn handset(prefix: &str, i: usize) -> String {
    format!("{prefix}{i:05}")
}

fn text(i: usize) -> String {
    format!("route test {i}")
}

/// Sends message `i` of `range` to its own handset under `prefix`; the request ids in order.
async fn send_all(
    gw: &SmsGateway,
    app: &(String, String),
    prefix: &str,
    range: std::ops::Range<usize>,
) -> Vec<String> {
    let sends = range.map(|i| async move {
        gw.send(app, &[&format!("tel:+{}", handset(prefix, i))], &text(i))
            .await
    });
    futures::future::join_all(sends).await
}

/// Copies of message `i` at its handset on `sim`.
fn copies(sim: &pxsim::SimHandle, prefix: &str, i: usize) -> usize {
    sim.inbox(&handset(prefix, i))
        .iter()
        .filter(|m| m.complete && m.text == text(i))
        .count()
}

/// Link "a" fails (its SMSC drops every session and refuses binds for 3 s) while 400 messages are
/// on their way: "b" takes the traffic, "a" takes all of it back when it returns, every message reaches
/// its handset (at most the parts in flight at the failure twice), and every one is
/// DeliveredToTerminal: the receipts of both SMSCs, whose ids are the same numbers, each find
/// their own message (a receipt of "a" held over the outage arrives after its rebind).
async fn two_links_fail_over_under_load_and_lose_nothing(db: &TestDb) {
    let (a, b) = (sim().await, sim().await);
    let gw = gateway(db, &a, &b, vec![route(&[], &["a", "b"], &[])]).await;
    let app = register(&gw, "failover").await;
    let prefix = "8210660";
    let mut ids = send_all(&gw, &app, prefix, 0..100).await;
    while a.stats().sent("submit_sm_resp", "ESME_ROK") < 20 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    a.set_faults(pxsim::Faults {
        outage_secs: Some(3),
        ..pxsim::Faults::default()
    });
    ids.extend(send_all(&gw, &app, prefix, 100..300).await);
    tokio::time::sleep(Duration::from_secs(4)).await;
    ids.extend(send_all(&gw, &app, prefix, 300..400).await);
    for id in &ids {
        gw.wait_status(&app, id, "DeliveredToTerminal").await;
    }
    let mut twice = 0;
    for i in 0..400 {
        let n = copies(&a, prefix, i) + copies(&b, prefix, i);
        assert!(n >= 1, "message {i} never arrived");
        twice += n - 1;
    }
    assert!(twice <= 8, "{twice} messages arrived twice (window 8)");
    let on_b = b.stats().sent("submit_sm_resp", "ESME_ROK");
    assert!(on_b >= 100, "b carried {on_b} while a was down");
    let back_on_a = (300..400).filter(|i| copies(&a, prefix, *i) == 1).count();
    assert_eq!(back_on_a, 100, "a took its traffic back after the outage");
}

/// Link "a"'s SMSC accepts 20 submits a second and answers the rest ESME_RTHROTTLED: each refusal
/// pauses "a" for a second, during which "b" takes the route's parts, and the refused part itself
/// goes again (to whichever link is up then). Every message arrives once and is DeliveredToTerminal.
async fn a_throttled_link_leaves_its_parts_to_the_next(db: &TestDb) {
    let (a, b) = (sim().await, sim().await);
    a.set_faults(pxsim::Faults {
        throttle_per_sec: Some(20),
        ..pxsim::Faults::default()
    });
    let gw = gateway(db, &a, &b, vec![route(&[], &["a", "b"], &[])]).await;
    let app = register(&gw, "throttled").await;
    let prefix = "8210880";
    let ids = send_all(&gw, &app, prefix, 0..200).await;
    for id in &ids {
        gw.wait_status(&app, id, "DeliveredToTerminal").await;
    }
    for i in 0..200 {
        assert_eq!(copies(&a, prefix, i) + copies(&b, prefix, i), 1, "message {i}");
    }
    let throttled = a.stats().sent("submit_sm_resp", "ESME_RTHROTTLED");
    let on_b = b.stats().sent("submit_sm_resp", "ESME_ROK");
    assert!(throttled > 0, "a never throttled");
    assert!(on_b >= 100, "b carried {on_b} of 200 while a was throttled");
}

/// Destinations under +8210 go to "b" only; the rest are shared 1:1 between "a" and "b".
async fn routes_choose_links_by_prefix_and_share_by_weight(db: &TestDb) {
    let (a, b) = (sim().await, sim().await);
    let routes = vec![route(&["+8210"], &["b"], &[]), route(&[], &["a", "b"], &[1, 1])];
    let gw = gateway(db, &a, &b, routes).await;
    let app = register(&gw, "routes").await;
    let mut ids = send_all(&gw, &app, "8210550", 0..20).await;
    ids.extend(send_all(&gw, &app, "8211550", 0..200).await);
    for id in &ids {
        gw.wait_status(&app, id, "DeliveredToTerminal").await;
    }
    for i in 0..20 {
        assert_eq!(
            (copies(&a, "8210550", i), copies(&b, "8210550", i)),
            (0, 1),
            "+8210 message {i}"
        );
    }
    let on_a = (0..200).filter(|i| copies(&a, "8211550", *i) == 1).count();
    let on_b = (0..200).filter(|i| copies(&b, "8211550", *i) == 1).count();
    assert_eq!(on_a + on_b, 200);
    assert!((60..=140).contains(&on_a), "a:b = {on_a}:{on_b} for weights 1:1");
}

/// `bind = "transmitter_receiver"`: the SMSC sees a transmitter and a receiver bind, the messages go
/// out over the one and their receipts come back over the other.
async fn a_transmitter_receiver_pair_sends_and_receives(db: &TestDb) {
    let a = sim().await;
    let gw = SmsGateway::start_with(db.store.clone(), a.smpp_addr(), |c| {
        c.bind = BindMode::TransmitterReceiver;
    })
    .await;
    let app = register(&gw, "pair").await;
    let ids = send_all(&gw, &app, "8210440", 0..20).await;
    for id in &ids {
        gw.wait_status(&app, id, "DeliveredToTerminal").await;
    }
    let kinds = a.stats().binds_by_kind;
    assert_eq!(kinds.get("transmitter"), Some(&1), "{kinds:?}");
    assert_eq!(kinds.get("receiver"), Some(&1), "{kinds:?}");
    assert_eq!(kinds.get("transceiver"), None, "{kinds:?}");
}
