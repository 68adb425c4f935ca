//! `pxload seed`: opens the benchmark accounts through the admin API's bulk import
//! (`POST /admin/v1/accounts/import`, a thousand per request), with balances that last. The charge
//! scenarios open theirs the same way before they start; `seed` fills a store ahead of a run (for
//! example the million accounts of the scale measurements) and says how long it took.

use std::time::{Duration, Instant};

use futures::{StreamExt as _, TryStreamExt as _};

use super::GatewayLoadError;
use super::charge::client::{http_client, msisdn};

/// Accounts per import request (the admin API's most).
const BATCH: u32 = 1_000;
/// Import requests in flight: the store writes them one at a time, so two keep it busy.
const IN_FLIGHT: usize = 2;
/// Opening balance of every benchmark account, in won: enough for any run.
const BALANCE: i64 = 1_000_000_000_000;
/// Most benchmark accounts (their numbers are `+82 10 99xx xxxx`).
pub const MAX_ACCOUNTS: u32 = 1_000_000;

/// `pxload seed` options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The demo's manifest (admin API URL and operator token).
    #[arg(long, default_value = "pxgate-demo/demo.json")]
    pub demo: std::path::PathBuf,
    /// How many benchmark accounts to open (the charge scenarios' `--accounts` then spreads over
    /// them); numbers that already have an account are kept.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_ACCOUNTS)))]
    pub accounts: u32,
}

/// What a seed did.
#[derive(Debug, Clone, Copy)]
pub struct Seeded {
    /// Accounts opened.
    pub opened: u64,
    /// Numbers that already had an account.
    pub existing: u64,
    /// How long it took.
    pub elapsed: Duration,
}

impl std::fmt::Display for Seeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        let total = self.opened + self.existing;
        #[allow(clippy::cast_precision_loss)]
        let rate = if secs > 0.0 { total as f64 / secs } else { 0.0 };
        writeln!(
            f,
            "seed         {} opened, {} existing in {secs:.1} s ({rate:.0} accounts/s)",
            self.opened, self.existing
        )
    }
}

impl Seeded {
    /// The summary as one JSON object.
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "scenario": "seed",
            "opened": self.opened,
            "existing": self.existing,
            "elapsed_s": self.elapsed.as_secs_f64(),
        })
        .to_string()
    }
}

/// Runs `pxload seed`.
pub async fn run(args: Args) -> Result<Seeded, GatewayLoadError> {
    let (admin, token) = super::charge::admin_of(&args.demo)?;
    open_accounts(&http_client(IN_FLIGHT)?, &admin, &token, args.accounts).await
}

/// Opens benchmark accounts `0..n` through `admin` (the admin API's base URL) with `token`. When
/// the last of them has an account already (a seed ran before), it opens nothing: looking at a
/// million numbers again would take minutes before every run.
pub(crate) async fn open_accounts(
    client: &reqwest::Client,
    admin: &str,
    token: &str,
    n: u32,
) -> Result<Seeded, GatewayLoadError> {
    let started = Instant::now();
    let last = client
        .get(format!("{admin}/accounts/{}", msisdn(n.saturating_sub(1))))
        .bearer_auth(token)
        .send()
        .await?;
    if n > BATCH && last.status().is_success() {
        return Ok(Seeded {
            opened: 0,
            existing: u64::from(n),
            elapsed: started.elapsed(),
        });
    }
    let batches = (0..n.min(MAX_ACCOUNTS)).step_by(BATCH as usize).map(|first| {
        let accounts: Vec<_> = (first..(first + BATCH).min(n))
            .map(|i| serde_json::json!({"msisdn": msisdn(i), "balance": BALANCE}))
            .collect();
        import(client, admin, token, serde_json::json!({ "accounts": accounts }))
    });
    let counts: Vec<(u64, u64)> = futures::stream::iter(batches)
        .buffer_unordered(IN_FLIGHT)
        .try_collect()
        .await?;
    Ok(Seeded {
        opened: counts.iter().map(|c| c.0).sum(),
        existing: counts.iter().map(|c| c.1).sum(),
        elapsed: started.elapsed(),
    })
}

/// One import request; its `(opened, existing)`.
async fn import(
    client: &reqwest::Client,
    admin: &str,
    token: &str,
    body: serde_json::Value,
) -> Result<(u64, u64), GatewayLoadError> {
    let r = client
        .post(format!("{admin}/accounts/import"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await?;
    let status = r.status();
    let answer: serde_json::Value = serde_json::from_slice(&r.bytes().await?).unwrap_or_default();
    if !status.is_success() {
        return Err(GatewayLoadError::Manifest(format!(
            "opening accounts failed: HTTP {status} {answer}"
        )));
    }
    let count = |key: &str| answer[key].as_u64().unwrap_or(0);
    Ok((count("opened"), count("existing")))
}
