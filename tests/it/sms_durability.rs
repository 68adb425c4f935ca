//! Nothing accepted is lost on the SMS path (issue "durable outbox"): an SMSC outage of 30 s with
//! messages queued, the gateway process killed mid-load and restarted on the same database, and two
//! gateways on one PostgreSQL database sharing the outbox. Every message gets its own handset, so
//! the simulator's inbox counts prove exactly-once (or, where a submit_sm_resp may have been lost,
//! at most twice).

pub(crate) mod restart;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{OPERATOR_TOKEN, TestDb, battery};
use crate::sms_harness::{SEND_SMS, SmsGateway, send_sms, start_sim};
use crate::soap_framework::{Answer, Auth, answer, element, envelope};

battery!(an_smsc_outage_of_30_s_loses_nothing);

const SEND_NS: &str = "http://www.csapi.org/schema/parlayx/sms/send/v2_2/local";
/// pxgate's own header blocks (`clientCorrelator`).
const PXGATE_HEADER_NS: &str = "http://pxgate.dev/schema/header/v1";

/// One message sent: its handset, its text and (when the gateway accepted it) its requestIdentifier.
#[derive(Clone, Debug)]
pub(crate) struct Sent {
    pub(crate) number: String,
    pub(crate) text: String,
    pub(crate) id: Option<String>,
}

/// A gateway's address and an application's credential on it; `keyed`, every sendSms carries
/// pxgate's `clientCorrelator` header block with its handset's number as the key, so a retry after a
/// lost answer sends nothing twice.
#[derive(Clone)]
pub(crate) struct Target {
    pub(crate) http: reqwest::Client,
    pub(crate) base: String,
    pub(crate) app: (String, String),
    pub(crate) keyed: bool,
}

impl Target {
    async fn call(&self, body: &str, key: Option<&str>) -> Result<Answer, reqwest::Error> {
        let mut text = envelope(&Auth::Text(&self.app.0, &self.app.1), body);
        if let Some(key) = key {
            let block =
                format!(r#"<px:clientCorrelator xmlns:px="{PXGATE_HEADER_NS}">{key}</px:clientCorrelator>"#);
            text = text.replace("</soapenv:Header>", &format!("{block}</soapenv:Header>"));
        }
        let response = self
            .http
            .post(format!("{}{SEND_SMS}", self.base))
            .header("content-type", "text/xml; charset=utf-8")
            .body(text)
            .send()
            .await?;
        Ok(answer(response).await)
    }

    /// sendSms of `text` to `+number`; the requestIdentifier, or `None` when not accepted.
    async fn send(&self, number: &str, text: &str) -> Option<String> {
        let answer = self
            .call(
                &send_sms(&[&format!("tel:+{number}")], Some("1588"), text),
                self.keyed.then_some(number),
            )
            .await
            .ok()?;
        (answer.status == StatusCode::OK).then(|| element(&answer.text, "result").unwrap().to_owned())
    }

    /// The delivery statuses of request `id`, one per address (empty when the call failed).
    async fn statuses(&self, id: &str) -> Vec<String> {
        let body = format!(
            "<loc:getSmsDeliveryStatus xmlns:loc=\"{SEND_NS}\"><loc:requestIdentifier>{id}</loc:requestIdentifier>\
             </loc:getSmsDeliveryStatus>"
        );
        let Ok(answer) = self.call(&body, None).await else {
            return Vec::new();
        };
        if answer.status != StatusCode::OK {
            return Vec::new();
        }
        answer
            .text
            .split("<deliveryStatus>")
            .skip(1)
            .filter_map(|s| s.split('<').next())
            .map(str::to_owned)
            .collect()
    }

    /// Whether no part of request `id` is still queued or in flight: every address is at the
    /// network or beyond. (A receipt the SMSC could not hand over while the gateway was down
    /// leaves an address DeliveredToNetwork, which is settled too.)
    async fn settled(&self, id: &str) -> bool {
        let statuses = self.statuses(id).await;
        !statuses.is_empty() && statuses.iter().all(|s| s != "MessageWaiting")
    }
}

/// Registers application `id` (SMS from `1588`, a rate no test reaches) through the admin API.
async fn register(http: &reqwest::Client, base: &str, id: &str) -> (String, String) {
    register_for(http, base, id, &["SMS"]).await
}

/// Registers application `id` allowed `interfaces` (SMS from `1588`, a rate no test reaches).
pub(crate) async fn register_for(
    http: &reqwest::Client,
    base: &str,
    id: &str,
    interfaces: &[&str],
) -> (String, String) {
    let agreement = json!({
        "allow": interfaces, "sms_senders": ["1588"],
        "rates": [{"scope": "SMS", "per_second": 100_000, "burst": 100_000}]
    });
    let body = json!({"id": id, "name": "Bulk", "owner_contact": "ops@bulk.example", "agreement": agreement});
    let response = http
        .request(Method::POST, format!("{base}/admin/v1/apps"))
        .bearer_auth(OPERATOR_TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    let created: Value = response.json().await.unwrap();
    let text = |k: &str| created["credential"][k].as_str().unwrap().to_owned();
    (text("username"), text("secret"))
}

/// The handset of message `i` of batch `batch`: `+8210` then two digits of batch, six of `i`.
fn handset(batch: u32, i: usize) -> String {
    format!("8210{batch:02}{i:06}")
}

/// Sends messages `range` of `batch` with at most 16 requests at once; `accepted` counts the
/// accepted ones as they come.
pub(crate) async fn send_batch(
    target: Target,
    batch: u32,
    range: impl IntoIterator<Item = usize>,
    accepted: Arc<AtomicUsize>,
) -> Vec<Sent> {
    let gate = Arc::new(tokio::sync::Semaphore::new(16));
    let mut tasks = tokio::task::JoinSet::new();
    for i in range {
        let (target, gate, accepted) = (target.clone(), Arc::clone(&gate), Arc::clone(&accepted));
        tasks.spawn(async move {
            let _turn = gate.acquire_owned().await.unwrap();
            let number = handset(batch, i);
            let text = format!("batch {batch} message {i}");
            let id = target.send(&number, &text).await;
            if id.is_some() {
                accepted.fetch_add(1, Ordering::Relaxed);
            }
            Sent { number, text, id }
        });
    }
    let mut sent = Vec::new();
    while let Some(s) = tasks.join_next().await {
        sent.push(s.unwrap());
    }
    sent
}

/// How many complete messages with its text each handset holds.
pub(crate) fn counts(sim: &pxsim::SimHandle, sent: &[Sent]) -> Vec<usize> {
    sent.iter()
        .map(|s| {
            sim.inbox(&s.number)
                .iter()
                .filter(|m| m.complete && m.text == s.text)
                .count()
        })
        .collect()
}

/// Waits (bounded by `limit`) until every accepted message is at its handset and no part of any
/// of them is still queued or in flight.
pub(crate) async fn wait_settled(sim: &pxsim::SimHandle, target: &Target, sent: &[Sent], limit: Duration) {
    let deadline = Instant::now() + limit;
    let mut pending: Vec<&Sent> = sent.iter().filter(|s| s.id.is_some()).collect();
    while !pending.is_empty() {
        if Instant::now() >= deadline {
            let first = pending[0];
            let status = target.statuses(first.id.as_deref().unwrap()).await;
            let inbox = sim.inbox(&first.number);
            panic!(
                "{} accepted messages never settled, e.g. {first:?}: status {status:?}, inbox {inbox:?}",
                pending.len()
            );
        }
        let mut still = Vec::new();
        for s in pending {
            let arrived = counts(sim, std::slice::from_ref(s))[0] > 0;
            if !arrived || !target.settled(s.id.as_deref().unwrap()).await {
                still.push(s);
            }
        }
        pending = still;
        if !pending.is_empty() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

async fn an_smsc_outage_of_30_s_loses_nothing(db: &TestDb) {
    let sim = start_sim(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let app = register(&gw.http, &gw.base, "bulk").await;
    let target = Target {
        http: gw.http.clone(),
        base: gw.base.clone(),
        app,
        keyed: false,
    };
    let counter = Arc::new(AtomicUsize::new(0));
    let before = send_batch(target.clone(), 71, 0..30, Arc::clone(&counter)).await;
    wait_settled(&sim, &target, &before, Duration::from_secs(20)).await;
    // The SMSC goes away: every session dropped, every bind refused for 30 s.
    sim.set_faults(pxsim::Faults {
        outage_secs: Some(30),
        ..pxsim::Faults::default()
    });
    let down_at = Instant::now();
    let during = send_batch(target.clone(), 72, 0..120, Arc::clone(&counter)).await;
    assert!(
        during.iter().all(|s| s.id.is_some()),
        "the gateway accepts while the SMSC is down"
    );
    if down_at.elapsed() < Duration::from_secs(25) {
        // Still down: nothing could have been submitted.
        assert!(counts(&sim, &during).iter().all(|n| *n == 0));
        assert_eq!(sim.stats().sessions_bound, 0);
    }
    wait_settled(&sim, &target, &during, Duration::from_secs(70)).await;
    assert!(
        down_at.elapsed() >= Duration::from_secs(30),
        "not before the SMSC came back"
    );
    let all: Vec<Sent> = before.into_iter().chain(during).collect();
    let c = counts(&sim, &all);
    let wrong: Vec<(&Sent, usize)> = all.iter().zip(c).filter(|(_, n)| *n != 1).collect();
    assert!(wrong.is_empty(), "not exactly once: {wrong:?}");
    let stats = sim.stats();
    assert!(
        stats.binds_failed > 0,
        "binds were refused during the outage: {stats:?}"
    );
    assert_eq!(stats.sent("submit_sm_resp", "ESME_ROK"), 150, "{stats:?}");
}

/// Two gateways, each with its own pool and dispatcher, on one PostgreSQL schema: 400 messages
/// accepted through both are each submitted exactly once (the claim skips rows another instance
/// has locked).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_gateways_on_one_postgres_database_share_the_outbox() {
    use pxgate::store::{self, Durability, StoreOptions};
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let other = store::connect(&StoreOptions {
        url: db.pg_url().unwrap(),
        max_connections: 8,
        durability: Durability::Full,
    })
    .await
    .unwrap();
    let sim = start_sim(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()).await;
    let a = SmsGateway::start(&db, sim.smpp_addr()).await;
    let b = SmsGateway::start_on(other, sim.smpp_addr()).await;
    let app = register(&a.http, &a.base, "bulk").await;
    let via = |gw: &SmsGateway| Target {
        http: gw.http.clone(),
        base: gw.base.clone(),
        app: app.clone(),
        keyed: false,
    };
    let counter = Arc::new(AtomicUsize::new(0));
    let (sent_a, sent_b) = tokio::join!(
        send_batch(via(&a), 75, 0..200, Arc::clone(&counter)),
        send_batch(via(&b), 76, 0..200, Arc::clone(&counter)),
    );
    assert_eq!(counter.load(Ordering::Relaxed), 400, "all accepted");
    wait_settled(&sim, &via(&a), &sent_a, Duration::from_secs(30)).await;
    wait_settled(&sim, &via(&b), &sent_b, Duration::from_secs(30)).await;
    let all: Vec<Sent> = sent_a.into_iter().chain(sent_b).collect();
    let c = counts(&sim, &all);
    let wrong: Vec<(&Sent, usize)> = all.iter().zip(c).filter(|(_, n)| *n != 1).collect();
    assert!(wrong.is_empty(), "not exactly once: {wrong:?}");
    let stats = sim.stats();
    assert_eq!(
        stats.sent("submit_sm_resp", "ESME_ROK"),
        400,
        "no double submit: {stats:?}"
    );
    assert_eq!(stats.sessions_bound, 2, "both instances are bound: {stats:?}");
}
