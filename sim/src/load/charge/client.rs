//! The charge scenarios' clients: how a request is built (Parlay X `chargeAmount` with
//! WS-Security, or the OneAPI `amountTransaction` with HTTP Basic), sent, timed and counted.
//! `soap-charge`, `rest-charge` and `baseline` all drive their target through [`drive`], so the
//! baseline measures exactly the client the gateway runs use. Knows nothing of demo.json or of
//! who answers.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;

use base64::Engine as _;
use hdrhistogram::Histogram;
use sha1::{Digest, Sha1};

use super::{Auth, Load};
use crate::load::progress::Progress;
use crate::load::{Binding, Report};

/// Where the requests go and who sends them.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// The AmountCharging SOAP endpoint.
    pub(crate) endpoint: String,
    /// The base URL of the OneAPI resources.
    pub(crate) base: String,
    pub(crate) username: String,
    pub(crate) password: String,
}

/// The `i`-th benchmark account (`i` below 1,000,000): `+82 10 99xx xxxx`.
pub(crate) fn msisdn(i: u32) -> String {
    format!("+8210{}", 99_000_000 + i)
}

/// The HTTP client of every charge run: keep-alive, one idle connection kept per client task.
pub(crate) fn http_client(concurrency: usize) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
}

/// The WS-Security header of `username`/`password` in `auth`'s form (empty for HTTP Basic); with
/// PasswordDigest, a fresh nonce (from `seq`) and `Created` every time.
pub(crate) fn security_header(username: &str, password: &str, auth: Auth, seq: u64) -> String {
    let (password, kind, extra) = match auth {
        Auth::Basic => return String::new(),
        Auth::Text => (password.to_owned(), "PasswordText", String::new()),
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
            sha.update(password.as_bytes());
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
        username
    )
}

fn envelope(t: &Target, load: &Load, run: u64, seq: u64) -> String {
    let account = msisdn(u32::try_from(seq % u64::from(load.accounts.max(1))).unwrap_or(0));
    format!(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:loc="http://www.csapi.org/schema/parlayx/payment/amount_charging/v2_1/local">{}<soapenv:Body><loc:chargeAmount><loc:endUserIdentifier>tel:{account}</loc:endUserIdentifier><loc:charge><description>pxload</description><currency>KRW</currency><amount>{}</amount></loc:charge><loc:referenceCode>pxload-{run}-{seq}</loc:referenceCode></loc:chargeAmount></soapenv:Body></soapenv:Envelope>"#,
        security_header(&t.username, &t.password, load.auth, seq),
        load.amount
    )
}

/// A OneAPI charge of one account.
fn rest_request(
    client: &reqwest::Client,
    t: &Target,
    load: &Load,
    run: u64,
    seq: u64,
) -> reqwest::RequestBuilder {
    let account = msisdn(u32::try_from(seq % u64::from(load.accounts.max(1))).unwrap_or(0));
    let url = format!(
        "{}/oneapi/v1/payment/tel%3A{}/transactions/amount",
        t.base,
        account.replace('+', "%2B")
    );
    let body = format!(
        r#"{{"amountTransaction":{{"endUserId":"tel:{account}","paymentAmount":{{"chargingInformation":{{"amount":{},"currency":"KRW","description":"pxload"}}}},"referenceCode":"pxload-{run}-{seq}","transactionOperationStatus":"Charged"}}}}"#,
        load.amount
    );
    client
        .post(url)
        .header("content-type", "application/json")
        .basic_auth(&t.username, Some(&t.password))
        .body(body)
}

/// The request of sequence number `seq` through `binding`.
fn request(client: &reqwest::Client, shared: &Shared, seq: u64) -> reqwest::RequestBuilder {
    let t = &shared.target;
    match shared.binding {
        Binding::Rest => rest_request(client, t, &shared.load, shared.run, seq),
        Binding::Soap => {
            let request = client
                .post(&t.endpoint)
                .header("content-type", "text/xml; charset=utf-8")
                .header("soapaction", "\"\"")
                .body(envelope(t, &shared.load, shared.run, seq));
            if shared.load.auth == Auth::Basic {
                request.basic_auth(&t.username, Some(&t.password))
            } else {
                request
            }
        }
    }
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
    load: Load,
    run: u64,
    seq: AtomicU64,
    deadline: Instant,
    progress: Arc<Progress>,
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).unwrap_or_else(|_| unreachable!("valid bounds"))
}

async fn client_loop(shared: Arc<Shared>, client: reqwest::Client) -> (Histogram<u64>, u64, Vec<String>) {
    let mut latency = histogram();
    let (mut accepted, mut refused) = (0, Vec::new());
    let progress = &shared.progress;
    while Instant::now() < shared.deadline {
        let seq = shared.seq.fetch_add(1, Relaxed);
        let request = request(&client, &shared, seq);
        progress.sent();
        let start = Instant::now();
        let outcome = match request.send().await {
            Ok(r) => {
                let status = r.status().as_u16();
                let body = r.text().await.unwrap_or_default();
                if status == 200 || status == 201 {
                    progress.ok();
                    None
                } else {
                    progress.refused();
                    Some(refusal(status, &body))
                }
            }
            Err(e) => {
                progress.error();
                Some(format!("transport: {e}"))
            }
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

/// Runs `load.concurrency` clients against `target` through `binding` for `load.duration`, and
/// reports what they saw under the name `scenario`.
pub(crate) async fn drive(
    client: &reqwest::Client,
    target: Target,
    load: &Load,
    binding: Binding,
    scenario: &'static str,
    progress: Arc<Progress>,
) -> Report {
    let started = Instant::now();
    let shared = Arc::new(Shared {
        target,
        binding,
        load: load.clone(),
        run: u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0),
        seq: AtomicU64::new(0),
        deadline: started + load.duration,
        progress,
    });
    let tasks: Vec<_> = (0..load.concurrency.max(1))
        .map(|_| tokio::spawn(client_loop(Arc::clone(&shared), client.clone())))
        .collect();
    let mut latency = histogram();
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
    Report {
        scenario,
        sent: shared.seq.load(Relaxed),
        accepted,
        refused: refusals.into_iter().collect(),
        extra: vec![("clients", load.concurrency as u64)],
        elapsed: started.elapsed(),
        latency_us: latency,
        baseline: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_the_fault_or_the_status() {
        assert_eq!(refusal(500, "<messageId>POL1009</messageId>"), "POL1009");
        assert_eq!(refusal(400, r#"{"messageId":"SVC0002"}"#), "SVC0002");
        assert_eq!(refusal(503, ""), "HTTP 503");
    }
}
