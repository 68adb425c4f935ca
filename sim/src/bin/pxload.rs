//! `pxload`: load driver. One subcommand per scenario; scenarios live in `pxsim::load`.

use anyhow::Context as _;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "pxload", about = "Load driver for pxgate and its SMSC simulator")]
struct Cli {
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Debug, Subcommand)]
enum Scenario {
    /// Bind one transceiver and push submit_sm with a window; report accepted/s and latency.
    Smpp(pxsim::load::smpp::Args),
    /// Parlay X chargeAmount with WS-Security against `pxgate demo` (reads its demo.json).
    SoapCharge(pxsim::load::charge::Args),
    /// OneAPI amountTransaction (HTTP Basic) against `pxgate demo` (reads its demo.json).
    RestCharge(pxsim::load::charge::Args),
    /// Parlay X sendSms (one address each, WS-Security) against `pxgate demo`; checks the drain.
    SoapSms(pxsim::load::sms::Args),
    /// OneAPI outbound SMS (one address each, HTTP Basic) against `pxgate demo`; checks the drain.
    RestSms(pxsim::load::sms::Args),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let report = match cli.scenario {
        Scenario::Smpp(args) => pxsim::load::smpp::run(args)
            .await
            .context("smpp scenario failed")?,
        Scenario::SoapCharge(args) => pxsim::load::charge::run(args, pxsim::load::Binding::Soap)
            .await
            .context("soap-charge scenario failed")?,
        Scenario::RestCharge(args) => pxsim::load::charge::run(args, pxsim::load::Binding::Rest)
            .await
            .context("rest-charge scenario failed")?,
        Scenario::SoapSms(args) => pxsim::load::sms::run(args, pxsim::load::Binding::Soap)
            .await
            .context("soap-sms scenario failed")?,
        Scenario::RestSms(args) => pxsim::load::sms::run(args, pxsim::load::Binding::Rest)
            .await
            .context("rest-sms scenario failed")?,
    };
    print!("{report}");
    Ok(())
}
