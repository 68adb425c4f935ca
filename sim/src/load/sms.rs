//! `pxload soap-sms` / `rest-sms`: many keep-alive clients sending one message to one address
//! each against a running gateway (normally `pxgate demo`) as the "shop" application: Parlay X
//! `sendSms` with WS-Security PasswordDigest, or the OneAPI outbound SMS resource with HTTP Basic. Receipts are always requested by the gateway, so every accepted message
//! costs the gateway a queue write, a claim, a submit_sm, its response and a delivery receipt.
//!
//! While sending it samples the SMSC simulator's `/stats` once a second (submit_sm per second);
//! afterwards it waits until the simulator has seen a submit_sm for every accepted message and
//! a deliver_sm_resp for every receipt it sent (the drain), then asks `getSmsDeliveryStatus` for
//! a sample of the accepted requests.

mod verify;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde_json::Value;

use super::progress::{Console, Progress};
use super::{Binding, GatewayLoadError, Report, parse_duration};

/// `pxload soap-sms` options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The demo's manifest (URLs, credentials).
    #[arg(long, default_value = "pxgate-demo/demo.json")]
    pub demo: std::path::PathBuf,
    /// Concurrent keep-alive clients.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// How long to send (e.g. 60s).
    #[arg(long, default_value = "20s", value_parser = parse_duration)]
    pub duration: Duration,
    /// How many handsets the load spreads over (the simulator keeps an inbox per handset).
    #[arg(long, default_value_t = 1000)]
    pub handsets: u32,
    /// Longest wait after sending for the gateway to submit everything and process every receipt.
    #[arg(long, default_value = "300s", value_parser = parse_duration)]
    pub drain_timeout: Duration,
    /// Accepted requests whose delivery status is checked afterwards.
    #[arg(long, default_value_t = 200)]
    pub sample: usize,
    /// The gateway's process id, to report its resident memory (VmRSS, VmHWM).
    #[arg(long)]
    pub pid: Option<u32>,
}

/// Where the load goes and who sends it.
pub(crate) struct Target {
    pub(crate) endpoint: String,
    pub(crate) base: String,
    pub(crate) smsc: String,
    pub(crate) username: String,
    pub(crate) password: String,
}

fn target(path: &std::path::Path) -> Result<Target, GatewayLoadError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        GatewayLoadError::Manifest(format!("{}: {e} (start `pxgate demo` first)", path.display()))
    })?;
    let v: Value = serde_json::from_str(&text).map_err(|e| GatewayLoadError::Manifest(e.to_string()))?;
    let s = |v: &Value, what: &str| {
        v.as_str()
            .map(str::to_owned)
            .ok_or_else(|| GatewayLoadError::Manifest(format!("demo.json has no {what}")))
    };
    let shop = v["applications"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["id"] == "shop"))
        .cloned()
        .unwrap_or_default();
    Ok(Target {
        endpoint: s(&v["soap"]["SendSms"], "soap.SendSms")?,
        base: s(&v["gateway"]["url"], "gateway.url")?,
        smsc: s(&v["smsc"]["http"], "smsc.http")?,
        username: s(&shop["username"], "shop username")?,
        password: s(&shop["password"], "shop password")?,
    })
}

/// WS-Security UsernameToken with PasswordDigest: a fresh nonce and `Created` per request.
pub(crate) fn security_header(t: &Target, seq: u64) -> String {
    super::charge::client::security_header(&t.username, &t.password, super::charge::Auth::Digest, seq)
}

/// A sendSms to one handset, GSM 7-bit text in one part.
fn envelope(t: &Target, handsets: u32, seq: u64) -> String {
    let handset = seq % u64::from(handsets.max(1));
    format!(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:loc="http://www.csapi.org/schema/parlayx/sms/send/v2_2/local">{}<soapenv:Body><loc:sendSms><loc:addresses>tel:+82105555{handset:04}</loc:addresses><loc:senderName>MICROSHOP</loc:senderName><loc:message>pxload {seq}: your order has shipped</loc:message></loc:sendSms></soapenv:Body></soapenv:Envelope>"#,
        security_header(t, seq)
    )
}

/// The same message as a OneAPI outbound request from the agreed short code 1588.
fn rest_request(client: &reqwest::Client, t: &Target, handsets: u32, seq: u64) -> reqwest::RequestBuilder {
    let handset = seq % u64::from(handsets.max(1));
    let body = format!(
        r#"{{"outboundSMSMessageRequest":{{"address":["tel:+82105555{handset:04}"],"senderAddress":"tel:1588","outboundSMSTextMessage":{{"message":"pxload {seq}: your order has shipped"}}}}}}"#
    );
    client
        .post(format!(
            "{}/oneapi/v1/smsmessaging/outbound/tel%3A1588/requests",
            t.base
        ))
        .header("content-type", "application/json")
        .basic_auth(&t.username, Some(&t.password))
        .body(body)
}

/// The request id at the end of the answer's `resourceURL`.
fn rest_request_id(body: &str) -> Option<&str> {
    let url = body.split("\"resourceURL\":\"").nth(1)?.split('"').next()?;
    url.rsplit('/').next().filter(|id| !id.is_empty())
}

/// The text of the first `result` element (the requestIdentifier).
pub(crate) fn result_text(body: &str) -> Option<&str> {
    let start = body.find("result>")? + "result>".len();
    let rest = &body[start..];
    Some(&rest[..rest.find('<')?])
}

/// The fault's messageId, or the HTTP status, for the refusal tally.
fn refusal(status: u16, body: &str) -> String {
    body.split("<messageId>")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .or_else(|| {
            body.split("\"messageId\":\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
        })
        .map_or_else(|| format!("HTTP {status}"), str::to_owned)
}

struct Shared {
    target: Target,
    binding: Binding,
    args: Args,
    seq: AtomicU64,
    deadline: Instant,
    progress: Arc<Progress>,
}

/// What one client saw.
struct ClientTally {
    latency: Histogram<u64>,
    accepted: u64,
    refused: Vec<String>,
    sample: Vec<String>,
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).unwrap_or_else(|_| unreachable!("valid bounds"))
}

async fn client_loop(shared: Arc<Shared>, client: reqwest::Client, keep: usize) -> ClientTally {
    let mut tally = ClientTally {
        latency: histogram(),
        accepted: 0,
        refused: Vec::new(),
        sample: Vec::new(),
    };
    let t = &shared.target;
    while Instant::now() < shared.deadline {
        let seq = shared.seq.fetch_add(1, Relaxed);
        let request = match shared.binding {
            Binding::Soap => client
                .post(&t.endpoint)
                .header("content-type", "text/xml; charset=utf-8")
                .header("soapaction", "\"\"")
                .body(envelope(t, shared.args.handsets, seq)),
            Binding::Rest => rest_request(&client, t, shared.args.handsets, seq),
        };
        shared.progress.sent();
        let start = Instant::now();
        let outcome = match request.send().await {
            Ok(r) => {
                let status = r.status().as_u16();
                let body = r.text().await.unwrap_or_default();
                let id = match shared.binding {
                    Binding::Soap => result_text(&body).filter(|_| status == 200),
                    Binding::Rest => rest_request_id(&body).filter(|_| status == 201),
                };
                let outcome = id.map(str::to_owned).ok_or_else(|| refusal(status, &body));
                if outcome.is_ok() {
                    shared.progress.ok();
                } else {
                    shared.progress.refused();
                }
                outcome
            }
            Err(e) => {
                shared.progress.error();
                Err(format!("transport: {e}"))
            }
        };
        let micros = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
        let _ = tally.latency.record(micros.max(1));
        match outcome {
            Ok(id) => {
                tally.accepted += 1;
                // Keep the latest few: they are the last to drain.
                if tally.sample.len() == keep {
                    tally.sample.remove(0);
                }
                tally.sample.push(id);
            }
            Err(why) => tally.refused.push(why),
        }
    }
    tally
}

/// Latency, accepted count, refusals by reason and the sample of every client.
async fn merge(
    tasks: Vec<tokio::task::JoinHandle<ClientTally>>,
) -> (
    Histogram<u64>,
    u64,
    std::collections::BTreeMap<String, u64>,
    Vec<String>,
) {
    let mut latency = histogram();
    let (mut accepted, mut refusals) = (0, std::collections::BTreeMap::<String, u64>::new());
    let mut sample = Vec::new();
    for task in tasks {
        let Ok(tally) = task.await else {
            continue;
        };
        let _ = latency.add(&tally.latency);
        accepted += tally.accepted;
        sample.extend(tally.sample);
        for why in tally.refused {
            *refusals.entry(why).or_default() += 1;
        }
    }
    (latency, accepted, refusals, sample)
}

/// Runs the scenario through `binding` (the sample's delivery status is always asked over SOAP),
/// counting into a progress phase of `console` until the delivery statuses are in.
pub async fn run(args: Args, binding: Binding, console: Console) -> Result<Report, GatewayLoadError> {
    let target = target(&args.demo)?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    let before = verify::sim_stats(&client, &target.smsc).await?;
    let phase = console.phase("");
    let started = Instant::now();
    let shared = Arc::new(Shared {
        target,
        binding,
        seq: AtomicU64::new(0),
        deadline: started + args.duration,
        args: args.clone(),
        progress: phase.progress(),
    });
    let clients = args.concurrency.max(1);
    let keep = args.sample.div_ceil(clients).max(1);
    let sampler = tokio::spawn(verify::sample_rates(
        client.clone(),
        shared.target.smsc.clone(),
        shared.deadline,
    ));
    let tasks: Vec<_> = (0..clients)
        .map(|_| tokio::spawn(client_loop(Arc::clone(&shared), client.clone(), keep)))
        .collect();
    let (latency, accepted, refusals, sample) = merge(tasks).await;
    let elapsed = started.elapsed();
    let rates = sampler.await.unwrap_or_default();
    let drained = verify::drain(&client, &shared, &before, accepted, elapsed).await?;
    let delivered = verify::delivery_status(&client, &shared.target, &sample).await;
    phase.finish().await;
    let mut extra = vec![("clients", clients as u64)];
    extra.extend(drained.counters(&rates, elapsed));
    extra.push(("sampled", sample.len() as u64));
    extra.push(("sample_final", delivered));
    if let Some(pid) = args.pid {
        extra.extend(verify::memory(pid));
    }
    Ok(Report {
        scenario: if binding == Binding::Soap {
            "soap-sms"
        } else {
            "rest-sms"
        },
        sent: shared.seq.load(Relaxed),
        accepted,
        refused: refusals.into_iter().collect(),
        extra,
        elapsed,
        latency_us: latency,
        baseline: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_read_from_both_answers() {
        let soap = "<ns2:sendSmsResponse><ns2:result>8f3a</ns2:result></ns2:sendSmsResponse>";
        assert_eq!(result_text(soap), Some("8f3a"));
        let rest = r#"{"resourceReference":{"resourceURL":"http://h/oneapi/v1/smsmessaging/outbound/tel%3A1588/requests/8f3a"}}"#;
        assert_eq!(rest_request_id(rest), Some("8f3a"));
        assert_eq!(rest_request_id(r#"{"requestError":{}}"#), None);
        assert_eq!(result_text("<fault/>"), None);
    }

    #[test]
    fn refusals_name_the_fault_or_the_status() {
        assert_eq!(refusal(500, "<messageId>SVC0001</messageId>"), "SVC0001");
        assert_eq!(refusal(400, r#"{"messageId":"SVC0002"}"#), "SVC0002");
        assert_eq!(refusal(503, ""), "HTTP 503");
    }
}
