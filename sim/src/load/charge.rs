//! `pxload soap-charge` and `pxload rest-charge`: many keep-alive clients charging a small amount
//! per request against a running gateway (normally `pxgate demo`), each request with its own
//! referenceCode: Parlay X `chargeAmount` with WS-Security (a fresh nonce and `Created` each time),
//! or the OneAPI `amountTransaction` resource with HTTP Basic.
//!
//! Set-up reads the demo's `demo.json` for the URL, the "shop" credentials and the operator token,
//! and opens the accounts it charges as `pxload seed` does (those already open are kept). The
//! requests themselves are built and sent by `client`, which `baseline` drives too; with
//! `--baseline` the run ends with a baseline of its own, and the report gives the ratio.

pub(crate) mod client;

use std::time::Duration;

use serde_json::Value;

use super::progress::Console;
use super::{Binding, GatewayLoadError, Report, baseline, parse_duration};
use client::Target;

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

/// What the clients send, how many of them and for how long: the options the charge scenarios
/// and `pxload baseline` share.
#[derive(Debug, Clone, clap::Args)]
pub struct Load {
    /// Concurrent keep-alive clients.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// How long to send (e.g. 30s).
    #[arg(long, default_value = "20s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Credential kind (SOAP; REST always uses HTTP Basic).
    #[arg(long, value_enum, default_value = "digest")]
    pub auth: Auth,
    /// How many accounts the load spreads over (at most 1,000,000; see `pxload seed`).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=i64::from(super::seed::MAX_ACCOUNTS)))]
    pub accounts: u32,
    /// Won charged per request.
    #[arg(long, default_value_t = 1)]
    pub amount: u32,
}

/// `pxload soap-charge` / `rest-charge` options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The demo's manifest (URL, credentials, operator token).
    #[arg(long, default_value = "pxgate-demo/demo.json")]
    pub demo: std::path::PathBuf,
    #[command(flatten)]
    pub load: Load,
    /// After the run, measure the HTTP limit for this long (e.g. 10 or 10s) and report the
    /// gateway's throughput as a fraction of it.
    ///
    /// The baseline is `pxload baseline` run in the same process right after the gateway run:
    /// the same clients (same --concurrency, --auth, --accounts, --amount, binding and HTTP
    /// client) against a constant-answer HTTP server pxload serves itself on 127.0.0.1, with the
    /// gateway's "shop" credentials. The summary then ends with
    /// `baseline     41234 accepted/s  (gateway at 0.152 of it)` and the baseline's latency
    /// (`--json`: a `baseline` object with `ratio`).
    #[arg(long, value_name = "SECS", value_parser = parse_duration)]
    pub baseline: Option<Duration>,
}

/// What demo.json gives a charge run.
struct Manifest {
    target: Target,
    admin: String,
    token: String,
}

/// demo.json, read.
fn demo_json(path: &std::path::Path) -> Result<Value, GatewayLoadError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        GatewayLoadError::Manifest(format!("{}: {e} (start `pxgate demo` first)", path.display()))
    })?;
    serde_json::from_str(&text).map_err(|e| GatewayLoadError::Manifest(e.to_string()))
}

/// A text field of demo.json.
fn text(v: &Value) -> Result<String, GatewayLoadError> {
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| GatewayLoadError::Manifest("incomplete demo.json".into()))
}

/// The admin API's URL and the operator token, from demo.json.
pub(crate) fn admin_of(path: &std::path::Path) -> Result<(String, String), GatewayLoadError> {
    let v = demo_json(path)?;
    Ok((text(&v["gateway"]["admin_api"])?, text(&v["operator"]["token"])?))
}

fn manifest(path: &std::path::Path) -> Result<Manifest, GatewayLoadError> {
    let v = demo_json(path)?;
    let shop = v["applications"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["id"] == "shop"))
        .cloned()
        .unwrap_or_default();
    Ok(Manifest {
        target: Target {
            endpoint: text(&v["soap"]["AmountCharging"])?,
            base: text(&v["gateway"]["url"])?,
            username: text(&shop["username"])?,
            password: text(&shop["password"])?,
        },
        admin: text(&v["gateway"]["admin_api"])?,
        token: text(&v["operator"]["token"])?,
    })
}

/// Runs the scenario through `binding` (the REST variant always authenticates with HTTP Basic),
/// then the baseline if `--baseline` asks for one.
pub async fn run(args: Args, binding: Binding, console: Console) -> Result<Report, GatewayLoadError> {
    let manifest = manifest(&args.demo)?;
    let client = client::http_client(args.load.concurrency)?;
    super::seed::open_accounts(&client, &manifest.admin, &manifest.token, args.load.accounts).await?;
    let scenario = if binding == Binding::Soap {
        "soap-charge"
    } else {
        "rest-charge"
    };
    let phase = console.phase("");
    let target = manifest.target.clone();
    let mut report = client::drive(&client, target, &args.load, binding, scenario, phase.progress()).await;
    phase.finish().await;
    drop(client);
    if let Some(duration) = args.baseline {
        let load = Load {
            duration,
            ..args.load
        };
        let (username, password) = (manifest.target.username, manifest.target.password);
        let phase = console.phase("baseline");
        let measured = baseline::measure(&load, binding, username, password, phase).await?;
        report.baseline = Some(Box::new(measured));
    }
    Ok(report)
}
