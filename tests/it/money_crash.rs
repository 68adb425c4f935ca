//! Exactly-once money through a crash: a `pxgate serve` process SIGKILLed while clients charge,
//! started again on the same database, every charge whose answer was lost retried with its
//! referenceCode. Afterwards every account's balance equals its opening balance minus the charges
//! answered as done, equals its ledger; no referenceCode was charged twice; no monthly limit was
//! passed; nothing is negative.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{OPERATOR_TOKEN, TestDb, battery};
use crate::process::{Gateway, serve};
use crate::soap_framework::{AMOUNT, Auth, charge_amount, element, envelope};

battery!(a_killed_gateway_charges_every_reference_exactly_once);

/// Accounts charged; the even ones have a monthly limit the load runs into.
const ACCOUNTS: usize = 12;
const OPENING: i64 = 100_000;
const MONTHLY_LIMIT: i64 = 600;
const AMOUNT_WON: i64 = 10;
/// Charges in all, spread over the accounts in turn (100 each: the limited ones refuse 40).
const CHARGES: usize = 1_200;
const CLIENTS: usize = 24;

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

async fn a_killed_gateway_charges_every_reference_exactly_once(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let url = db
        .pg_url()
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("gateway.db").display()));
    let first = serve(dir.path(), &url, "", "first.log").await;
    let http = reqwest::Client::new();
    let app = json!({"id": "payer", "name": "Payer", "owner_contact": "ops@payer.example",
                     "agreement": {"allow": ["Payment"]}});
    let created: Value = admin(&http, &first, reqwest::Method::POST, "/apps")
        .json(&app)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
            user: created["credential"]["username"].as_str().unwrap().to_owned(),
            secret: created["credential"]["secret"].as_str().unwrap().to_owned(),
        })
    };

    // Charge until a third is answered, then SIGKILL mid-load.
    let answered = Arc::new(AtomicUsize::new(0));
    let load = tokio::spawn(charge_all(
        payer(&first.base),
        (0..CHARGES).rev().collect(),
        Arc::clone(&answered),
    ));
    let deadline = Instant::now() + Duration::from_secs(60);
    while answered.load(Ordering::Relaxed) < CHARGES / 3 {
        assert!(
            Instant::now() < deadline,
            "the gateway never answered a third of the charges"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    drop(first);
    let mut outcomes: HashMap<usize, Outcome> = load.await.unwrap().into_iter().collect();
    let lost: Vec<usize> = (0..CHARGES)
        .filter(|n| outcomes.get(n).is_none_or(|o| *o == Outcome::Lost))
        .collect();
    assert!(!lost.is_empty(), "killed mid-load, some answers are lost");

    // Started again: every charge without an answer is sent again, with its referenceCode.
    let second = serve(dir.path(), &url, "", "second.log").await;
    let retried = charge_all(payer(&second.base), lost.clone(), Arc::new(AtomicUsize::new(0))).await;
    for (n, outcome) in retried {
        assert_ne!(
            outcome,
            Outcome::Lost,
            "charge {n} unanswered by the restarted gateway"
        );
        outcomes.insert(n, outcome);
    }
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
}
