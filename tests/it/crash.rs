//! Both promises through one crash: a `pxgate serve` process SIGKILLed while clients charge and
//! send SMS at once, started again on the same database, every charge whose answer was lost retried
//! with its referenceCode and every sendSms with its `clientCorrelator`. Afterwards every account's
//! balance equals its opening balance minus the charges answered as done, equals its ledger; no
//! referenceCode was charged twice; no monthly limit was passed; nothing is negative; and every
//! message reached its handset, none more than twice, no more twice than can have been in flight.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{OPERATOR_TOKEN, TestDb, battery};
use crate::process::Gateway;
use crate::sms_durability::restart::{IN_FLIGHT_MAX, serve};
use crate::sms_durability::{Sent, Target, counts, register_for, send_batch, wait_settled};
use crate::sms_harness::start_sim;
use crate::soap_framework::{AMOUNT, Auth, charge_amount, element, envelope};

battery!(a_killed_gateway_charges_once_and_loses_no_message);

/// Accounts charged; the even ones have a monthly limit the load runs into.
const ACCOUNTS: usize = 12;
const OPENING: i64 = 100_000;
const MONTHLY_LIMIT: i64 = 600;
const AMOUNT_WON: i64 = 10;
/// Charges in all, spread over the accounts in turn (100 each: the limited ones refuse 40).
const CHARGES: usize = 1_200;
const CLIENTS: usize = 24;
/// Messages sent meanwhile, each to a handset of its own (16 requests at once).
const MESSAGES: usize = 2_000;
/// The simulator's handsets of this test: `+8210 77 nnnnnn`.
const SMS_BATCH: u32 = 77;

fn number(i: usize) -> String {
    format!("+8210555{i:05}")
}

/// How one charge was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Charged,
    Refused,
    /// No answer (the process died with the request).
    Lost,
}

struct Payer {
    http: reqwest::Client,
    base: String,
    user: String,
    secret: String,
}

impl Payer {
    /// Charges the account of charge `n` with referenceCode `crash-n`; throttled (POL1100), it
    /// waits a moment and sends the same request again, as a client would.
    async fn charge(&self, n: usize) -> Outcome {
        let body = charge_amount(
            &format!("tel:{}", number(n % ACCOUNTS)),
            &AMOUNT_WON.to_string(),
            &format!("crash-{n}"),
        );
        loop {
            let sent = self
                .http
                .post(format!("{}{AMOUNT}", self.base))
                .header("content-type", "text/xml; charset=utf-8")
                .header("soapaction", "\"\"")
                .body(envelope(&Auth::Text(&self.user, &self.secret), &body))
                .send()
                .await;
            let Ok(response) = sent else {
                return Outcome::Lost;
            };
            let status = response.status();
            let Ok(text) = response.text().await else {
                return Outcome::Lost;
            };
            match (status, element(&text, "messageId")) {
                (StatusCode::OK, _) => return Outcome::Charged,
                (StatusCode::INTERNAL_SERVER_ERROR, Some("POL1001")) => return Outcome::Refused,
                (StatusCode::INTERNAL_SERVER_ERROR, Some("POL1100")) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                _ => panic!("charge {n}: only the monthly limit refuses: HTTP {status}: {text}"),
            }
        }
    }
}

fn admin(
    http: &reqwest::Client,
    gw: &Gateway,
    method: reqwest::Method,
    path: &str,
) -> reqwest::RequestBuilder {
    http.request(method, format!("{}/admin/v1{path}", gw.base))
        .bearer_auth(OPERATOR_TOKEN)
}

/// A GET of the admin API, as JSON.
async fn read(http: &reqwest::Client, gw: &Gateway, path: &str) -> Value {
    admin(http, gw, reqwest::Method::GET, path)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn charge_all(
    payer: Arc<Payer>,
    charges: Vec<usize>,
    answered: Arc<AtomicUsize>,
) -> Vec<(usize, Outcome)> {
    let queue = Arc::new(std::sync::Mutex::new(charges));
    let clients = (0..CLIENTS).map(|_| {
        let (payer, queue, answered) = (Arc::clone(&payer), Arc::clone(&queue), Arc::clone(&answered));
        tokio::spawn(async move {
            let mut done = Vec::new();
            loop {
                let Some(n) = queue.lock().unwrap().pop() else {
                    return done;
                };
                let outcome = payer.charge(n).await;
                if outcome != Outcome::Lost {
                    answered.fetch_add(1, Ordering::Relaxed);
                }
                done.push((n, outcome));
            }
        })
    });
    let mut all = Vec::new();
    for client in clients {
        all.extend(client.await.unwrap());
    }
    all
}

async fn a_killed_gateway_charges_once_and_loses_no_message(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::process::store_url(db, dir.path());
    let sim = start_sim(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()).await;
    let first = serve(dir.path(), &url, sim.smpp_addr(), "first.log").await;
    let http = reqwest::Client::new();
    let (user, secret) = register_for(&http, &first.base, "payer", &["Payment", "SMS"]).await;
    let accounts: Vec<Value> = (0..ACCOUNTS)
        .map(|i| {
            let limit = (i % 2 == 0).then_some(MONTHLY_LIMIT);
            json!({"msisdn": number(i), "balance": OPENING, "monthly_limit": limit})
        })
        .collect();
    let imported = admin(&http, &first, reqwest::Method::POST, "/accounts/import")
        .json(&json!({ "accounts": accounts }))
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), StatusCode::OK);
    let payer = |base: &str| {
        Arc::new(Payer {
            http: reqwest::Client::new(),
            base: base.to_owned(),
            user: user.clone(),
            secret: secret.clone(),
        })
    };
    let sender = |base: &str| Target {
        http: reqwest::Client::new(),
        base: base.to_owned(),
        app: (user.clone(), secret.clone()),
        keyed: true,
    };

    // Charge and send until a third of the charges or two thirds of the messages are answered
    // (whichever comes first, so both are still under way), then SIGKILL mid-load.
    let (answered, accepted) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let charging = tokio::spawn(charge_all(
        payer(&first.base),
        (0..CHARGES).rev().collect(),
        Arc::clone(&answered),
    ));
    let sending = tokio::spawn(send_batch(
        sender(&first.base),
        SMS_BATCH,
        0..MESSAGES,
        Arc::clone(&accepted),
    ));
    let deadline = Instant::now() + Duration::from_secs(60);
    while answered.load(Ordering::Relaxed) < CHARGES / 3
        && accepted.load(Ordering::Relaxed) < MESSAGES * 2 / 3
    {
        assert!(
            Instant::now() < deadline,
            "the gateway never answered a third of the charges or two thirds of the messages"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    drop(first);
    let mut outcomes: HashMap<usize, Outcome> = charging.await.unwrap().into_iter().collect();
    let lost: Vec<usize> = (0..CHARGES)
        .filter(|n| outcomes.get(n).is_none_or(|o| *o == Outcome::Lost))
        .collect();
    assert!(!lost.is_empty(), "killed mid-load, some answers are lost");
    let mut sent: HashMap<String, Sent> = HashMap::new();
    let mut unanswered = Vec::new();
    for s in sending.await.unwrap() {
        if s.id.is_none() {
            unanswered.push(index_of(&s));
        }
        sent.insert(s.number.clone(), s);
    }
    assert!(
        !unanswered.is_empty(),
        "killed mid-load, some sendSms answers are lost"
    );

    // Started again: every charge and message without an answer is sent again, with its key.
    let second = serve(dir.path(), &url, sim.smpp_addr(), "second.log").await;
    let retried = charge_all(payer(&second.base), lost.clone(), Arc::new(AtomicUsize::new(0))).await;
    for (n, outcome) in retried {
        assert_ne!(
            outcome,
            Outcome::Lost,
            "charge {n} unanswered by the restarted gateway"
        );
        outcomes.insert(n, outcome);
    }
    let resent = send_batch(
        sender(&second.base),
        SMS_BATCH,
        unanswered.clone(),
        Arc::new(AtomicUsize::new(0)),
    )
    .await;
    for s in resent {
        assert!(
            s.id.is_some(),
            "{} not accepted by the restarted gateway",
            s.number
        );
        sent.insert(s.number.clone(), s);
    }
    eprintln!(
        "{MESSAGES} messages, {} without an answer when the process died, sent again with their key",
        unanswered.len()
    );
    eprintln!(
        "{CHARGES} charges, {} without an answer when the process died (in flight or not yet sent), sent again",
        lost.len()
    );

    // The audit, account by account, from the admin API.
    for i in 0..ACCOUNTS {
        let charged = (0..CHARGES)
            .filter(|n| n % ACCOUNTS == i && outcomes[n] == Outcome::Charged)
            .count();
        let charged = i64::try_from(charged).unwrap() * AMOUNT_WON;
        let account = read(&http, &second, &format!("/accounts/{}", number(i))).await;
        assert_eq!(
            account["balance"],
            json!(OPENING - charged),
            "account {i}: {account}"
        );
        if i % 2 == 0 {
            assert_eq!(
                charged, MONTHLY_LIMIT,
                "account {i} spends exactly its monthly limit"
            );
        }
        let ledger = read(
            &http,
            &second,
            &format!("/accounts/{}/ledger?limit=500", number(i)),
        )
        .await;
        let entries = ledger["entries"].as_array().unwrap();
        assert!(
            ledger["next_before"].is_null(),
            "one page holds the account's ledger"
        );
        let sum: i64 = entries.iter().map(|e| e["amount"].as_i64().unwrap()).sum();
        assert_eq!(
            sum,
            OPENING - charged,
            "account {i}: the ledger equals the balance"
        );
        let mut references: HashMap<&str, usize> = HashMap::new();
        for code in entries.iter().filter_map(|e| e["reference_code"].as_str()) {
            *references.entry(code).or_default() += 1;
        }
        assert!(
            references.values().all(|n| *n == 1),
            "account {i}: a referenceCode charged twice"
        );
    }

    // The SMS audit: every message at its handset, at most twice, no more twice than were in flight.
    let sent: Vec<Sent> = sent.into_values().collect();
    wait_settled(&sim, &sender(&second.base), &sent, Duration::from_secs(60)).await;
    let copies = counts(&sim, &sent);
    let twice = copies.iter().filter(|n| **n == 2).count();
    eprintln!(
        "messages at their handset once: {}, twice: {twice}",
        copies.iter().filter(|n| **n == 1).count()
    );
    for (s, n) in sent.iter().zip(&copies) {
        assert!((1..=2).contains(n), "{}: {n} copies at the handset", s.number);
    }
    assert!(
        twice <= IN_FLIGHT_MAX,
        "{twice} sent twice; at most {IN_FLIGHT_MAX} were in flight"
    );
}

/// Which message of the batch went to `s`'s handset (its last six digits).
fn index_of(s: &Sent) -> usize {
    s.number[s.number.len() - 6..].parse().unwrap()
}
