//! `pxload soap-charge` and `pxload rest-charge`: many keep-alive clients charging a small amount
//! per request against a running gateway (normally `pxgate demo`), each request with its own
//! referenceCode: Parlay X `chargeAmount` with WS-Security (a fresh nonce and `Created` each time),
//! or the OneAPI `amountTransaction` resource with HTTP Basic.
//!
//! Set-up reads the demo's `demo.json` for the URL, the "shop" credentials and the operator token,
//! and opens (through the admin API) the accounts it charges, with balances that last.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use base64::Engine as _;
use hdrhistogram::Histogram;
use serde_json::Value;
use sha1::{Digest, Sha1};

use super::{Binding, GatewayLoadError, Report, parse_duration};

/// How the client proves who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Auth {
    /// WS-Security UsernameToken with PasswordDigest (fresh nonce and Created per request).
    Digest,
    /// WS-Security UsernameToken with PasswordText.
    Text,
    /// HTTP Basic.
    Basic,
}

/// `pxload soap-charge` options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The demo's manifest (URL, credentials, operator token).
    #[arg(long, default_value = "pxgate-demo/demo.json")]
    pub demo: std::path::PathBuf,
    /// Concurrent keep-alive clients.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// How long to send (e.g. 30s).
    #[arg(long, default_value = "20s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Credential kind.
    #[arg(long, value_enum, default_value = "digest")]
    pub auth: Auth,
    /// How many accounts the load spreads over.
    #[arg(long, default_value_t = 200)]
    pub accounts: u32,
    /// Won charged per request.
    #[arg(long, default_value_t = 1)]
    pub amount: u32,
}

struct Target {
    endpoint: String,
    base: String,
    admin: String,
    token: String,
    username: String,
    password: String,
}

fn target(path: &std::path::Path) -> Result<Target, GatewayLoadError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        GatewayLoadError::Manifest(format!("{}: {e} (start `pxgate demo` first)", path.display()))
    })?;
    let v: Value = serde_json::from_str(&text).map_err(|e| GatewayLoadError::Manifest(e.to_string()))?;
    let s = |v: &Value| {
        v.as_str()
            .map(str::to_owned)
            .ok_or_else(|| GatewayLoadError::Manifest("incomplete demo.json".into()))
    };
    let shop = v["applications"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["id"] == "shop"))
        .cloned()
        .unwrap_or_default();
    Ok(Target {
        endpoint: s(&v["soap"]["AmountCharging"])?,
        base: s(&v["gateway"]["url"])?,
        admin: s(&v["gateway"]["admin_api"])?,
        token: s(&v["operator"]["token"])?,
        username: s(&shop["username"])?,
        password: s(&shop["password"])?,
    })
}

fn msisdn(i: u32) -> String {
    format!("+8210999{i:05}")
}

/// Opens the benchmark accounts (an existing one is kept).
async fn open_accounts(client: &reqwest::Client, t: &Target, n: u32) -> Result<(), GatewayLoadError> {
    for i in 0..n {
        let body = format!(r#"{{"msisdn":"{}","balance":1000000000000}}"#, msisdn(i));
        let r = client
            .post(format!("{}/accounts", t.admin))
            .bearer_auth(&t.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await?;
        if !(r.status().is_success() || r.status().as_u16() == 409) {
            return Err(GatewayLoadError::Manifest(format!(
                "opening accounts failed: HTTP {}",
                r.status()
            )));
        }
    }
    Ok(())
}

fn security_header(t: &Target, auth: Auth, seq: u64) -> String {
    let (password, kind, extra) = match auth {
        Auth::Basic => return String::new(),
        Auth::Text => (t.password.clone(), "PasswordText", String::new()),
        Auth::Digest => {
            let created = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            let nonce = format!(
                "{seq:016x}{:016x}",
                chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
            )
            .into_bytes();
            let mut sha = Sha1::new();
            sha.update(&nonce);
            sha.update(created.as_bytes());
            sha.update(t.password.as_bytes());
            let b64 = base64::engine::general_purpose::STANDARD;
            let extra = format!(
                "<wsse:Nonce>{}</wsse:Nonce><wsu:Created>{created}</wsu:Created>",
                b64.encode(&nonce)
            );
            (b64.encode(sha.finalize()), "PasswordDigest", extra)
        }
    };
    format!(
        r#"<soapenv:Header><wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"><wsse:UsernameToken><wsse:Username>{}</wsse:Username><wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#{kind}">{password}</wsse:Password>{extra}</wsse:UsernameToken></wsse:Security></soapenv:Header>"#,
        t.username
    )
}

fn envelope(t: &Target, args: &Args, run: u64, seq: u64) -> String {
    let account = msisdn(u32::try_from(seq % u64::from(args.accounts.max(1))).unwrap_or(0));
    format!(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:loc="http://www.csapi.org/schema/parlayx/payment/amount_charging/v2_1/local">{}<soapenv:Body><loc:chargeAmount><loc:endUserIdentifier>tel:{account}</loc:endUserIdentifier><loc:charge><description>pxload</description><currency>KRW</currency><amount>{}</amount></loc:charge><loc:referenceCode>pxload-{run}-{seq}</loc:referenceCode></loc:chargeAmount></soapenv:Body></soapenv:Envelope>"#,
        security_header(t, args.auth, seq),
        args.amount
    )
}

/// A OneAPI charge of one account.
fn rest_request(
    client: &reqwest::Client,
    t: &Target,
    args: &Args,
    run: u64,
    seq: u64,
) -> reqwest::RequestBuilder {
    let account = msisdn(u32::try_from(seq % u64::from(args.accounts.max(1))).unwrap_or(0));
    let url = format!(
        "{}/oneapi/v1/payment/tel%3A{}/transactions/amount",
        t.base,
        account.replace('+', "%2B")
    );
    let body = format!(
        r#"{{"amountTransaction":{{"endUserId":"tel:{account}","paymentAmount":{{"chargingInformation":{{"amount":{},"currency":"KRW","description":"pxload"}}}},"referenceCode":"pxload-{run}-{seq}","transactionOperationStatus":"Charged"}}}}"#,
        args.amount
    );
    client
        .post(url)
        .header("content-type", "application/json")
        .basic_auth(&t.username, Some(&t.password))
        .body(body)
}

/// The fault's (or requestError's) messageId, or the HTTP status, for the refusal tally.
fn refusal(status: u16, body: &str) -> String {
    let soap = body
        .split("<messageId>")
        .nth(1)
        .and_then(|rest| rest.split('<').next());
    let json = body
        .split("\"messageId\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next());
    soap.or(json)
        .map_or_else(|| format!("HTTP {status}"), str::to_owned)
}

struct Shared {
    target: Target,
    binding: Binding,
    args: Args,
    run: u64,
    seq: AtomicU64,
    deadline: Instant,
}

async fn client_loop(shared: Arc<Shared>, client: reqwest::Client) -> (Histogram<u64>, u64, Vec<String>) {
    let mut latency =
        Histogram::new_with_bounds(1, 60_000_000, 3).unwrap_or_else(|_| unreachable!("valid bounds"));
    let (mut accepted, mut refused) = (0, Vec::new());
    let t = &shared.target;
    while Instant::now() < shared.deadline {
        let seq = shared.seq.fetch_add(1, Relaxed);
        let request = match shared.binding {
            Binding::Rest => rest_request(&client, t, &shared.args, shared.run, seq),
            Binding::Soap => {
                let request = client
                    .post(&t.endpoint)
                    .header("content-type", "text/xml; charset=utf-8")
                    .header("soapaction", "\"\"")
                    .body(envelope(t, &shared.args, shared.run, seq));
                if shared.args.auth == Auth::Basic {
                    request.basic_auth(&t.username, Some(&t.password))
                } else {
                    request
                }
            }
        };
        let start = Instant::now();
        let outcome = match request.send().await {
            Ok(r) => {
                let status = r.status().as_u16();
                let body = r.text().await.unwrap_or_default();
                if status == 200 || status == 201 {
                    None
                } else {
                    Some(refusal(status, &body))
                }
            }
            Err(e) => Some(format!("transport: {e}")),
        };
        let _ = latency.record(
            u64::try_from(start.elapsed().as_micros())
                .unwrap_or(u64::MAX)
                .max(1),
        );
        match outcome {
            None => accepted += 1,
            Some(why) => refused.push(why),
        }
    }
    (latency, accepted, refused)
}

/// Runs the scenario through `binding` (the REST variant always authenticates with HTTP Basic).
pub async fn run(args: Args, binding: Binding) -> Result<Report, GatewayLoadError> {
    let target = target(&args.demo)?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    open_accounts(&client, &target, args.accounts).await?;
    let started = Instant::now();
    let shared = Arc::new(Shared {
        target,
        binding,
        run: u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0),
        seq: AtomicU64::new(0),
        deadline: started + args.duration,
        args: args.clone(),
    });
    let tasks: Vec<_> = (0..args.concurrency.max(1))
        .map(|_| tokio::spawn(client_loop(Arc::clone(&shared), client.clone())))
        .collect();
    let mut latency =
        Histogram::new_with_bounds(1, 60_000_000, 3).unwrap_or_else(|_| unreachable!("valid bounds"));
    let (mut accepted, mut refusals) = (0, std::collections::BTreeMap::<String, u64>::new());
    for task in tasks {
        let Ok((h, ok, refused)) = task.await else {
            continue;
        };
        let _ = latency.add(&h);
        accepted += ok;
        for why in refused {
            *refusals.entry(why).or_default() += 1;
        }
    }
    Ok(Report {
        scenario: if binding == Binding::Soap {
            "soap-charge"
        } else {
            "rest-charge"
        },
        sent: shared.seq.load(Relaxed),
        accepted,
        refused: refusals.into_iter().collect(),
        extra: vec![("clients", args.concurrency as u64)],
        elapsed: started.elapsed(),
        latency_us: latency,
    })
}
