//! `pxload`: load driver. One subcommand per scenario; scenarios live in `pxsim::load`.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use pxsim::load::{Binding, baseline, charge, progress::Console, seed, smpp, sms};

#[derive(Debug, Parser)]
#[command(name = "pxload", about = "Load driver for pxgate and its SMSC simulator")]
struct Cli {
    #[command(subcommand)]
    scenario: Scenario,
    /// Print no progress line on stderr.
    ///
    /// Without it, every run prints once a second on stderr
    /// `[  3s] sent 15230  ok 15228  refused 0  errors 2  rate 5104/s`: requests sent, accepted,
    /// refused by the peer, failed without an answer, and accepted in the last second (lines of
    /// a `--baseline` run after the main run say `baseline` after the time).
    #[arg(long, global = true)]
    quiet: bool,
    /// Print the summary as one JSON object on stdout instead of the text lines.
    ///
    /// Keys: scenario, elapsed_s, sent, accepted, refused {status: n}, extra {name: n},
    /// throughput (accepted/s), latency_us {p50, p90, p99, p99_9, max}, and baseline: null, or
    /// the baseline run's own keys plus ratio (the gateway's throughput / the baseline's).
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum Scenario {
    /// Bind one transceiver and push submit_sm with a window; report accepted/s and latency.
    Smpp(smpp::Args),
    /// Parlay X chargeAmount with WS-Security against `pxgate demo` (reads its demo.json).
    SoapCharge(charge::Args),
    /// OneAPI amountTransaction (HTTP Basic) against `pxgate demo` (reads its demo.json).
    RestCharge(charge::Args),
    /// Parlay X sendSms (one address each, WS-Security) against `pxgate demo`; checks the drain.
    SoapSms(sms::Args),
    /// OneAPI outbound SMS (one address each, HTTP Basic) against `pxgate demo`; checks the drain.
    RestSms(sms::Args),
    /// The HTTP limit: soap-charge's clients against a constant answer pxload serves itself.
    ///
    /// pxload listens on 127.0.0.1 (a free port), answers every POST with a fixed Parlay X
    /// chargeAmountResponse (SOAP 1.1, as the gateway does), and drives it with exactly the
    /// clients, requests (WS-Security header included) and HTTP client settings of soap-charge
    /// (`--binding rest`: of rest-charge), with built-in credentials. Needs no gateway and no
    /// demo.json. `soap-charge --baseline SECS` runs the same right after a gateway run.
    Baseline(baseline::Args),
    /// Open benchmark accounts through the admin API's bulk import (before a scale run).
    ///
    /// The charge scenarios open the accounts of their `--accounts` themselves; seed opens many
    /// ahead of time (up to 1,000,000, a thousand per request) and prints how long it took.
    Seed(seed::Args),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let console = Console::new(cli.quiet);
    let report = match cli.scenario {
        Scenario::Seed(args) => {
            let seeded = seed::run(args).await.context("seed failed")?;
            if cli.json {
                println!("{}", seeded.to_json());
            } else {
                print!("{seeded}");
            }
            return Ok(());
        }
        Scenario::Smpp(args) => smpp::run(args, console).await.context("smpp scenario failed")?,
        Scenario::SoapCharge(args) => charge::run(args, Binding::Soap, console)
            .await
            .context("soap-charge scenario failed")?,
        Scenario::RestCharge(args) => charge::run(args, Binding::Rest, console)
            .await
            .context("rest-charge scenario failed")?,
        Scenario::SoapSms(args) => sms::run(args, Binding::Soap, console)
            .await
            .context("soap-sms scenario failed")?,
        Scenario::RestSms(args) => sms::run(args, Binding::Rest, console)
            .await
            .context("rest-sms scenario failed")?,
        Scenario::Baseline(args) => baseline::run(args, console).await.context("baseline failed")?,
    };
    if cli.json {
        println!("{}", report.to_json());
    } else {
        print!("{report}");
    }
    Ok(())
}
