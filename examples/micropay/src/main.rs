//! `micropay`: the sample shop on the command line.
//!
//! ```text
//! micropay --demo-json pxgate-demo/demo.json buy --msisdn 010-1234-0001 --amount 4300 --item 커피
//! ```
//!
//! Exit codes: 0 charged and every SMS sent; 1 the gateway could not be reached or answered
//! garbage (whether the charge applied is unknown: retry with the printed reference); 2 the
//! gateway refused the charge (its fault code and text are printed; nothing charged, nothing
//! sent); 3 the number has no payment account (the notice SMS went to it); 4 charged, but a
//! later step failed (printed as warnings); 64 the command line or `demo.json` is unusable.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use micropay::config::{DEFAULT_SENDER, DEFAULT_SHOP_NAME, DEFAULT_THRESHOLD};
use micropay::texts::won;
use micropay::{Auth, DemoManifest, Language, Outcome, Purchase, Shop, ShopConfig, ShopError, Verdict};

const EX_USAGE: u8 = 64;

/// A small shop that charges its customers through an operator's Parlay X gateway.
#[derive(Debug, Parser)]
#[command(name = "micropay", version, about)]
struct Cli {
    /// Gateway base URL (default: the one in --demo-json).
    #[arg(long, global = true, env = "MICROPAY_GATEWAY")]
    gateway: Option<String>,
    /// `pxgate demo`'s manifest, for the URL and the credentials not given as flags.
    #[arg(long, global = true, default_value = "pxgate-demo/demo.json")]
    demo_json: PathBuf,
    /// Which application of demo.json to be.
    #[arg(long, global = true, default_value = "shop")]
    app: String,
    /// The application's user name (default: from demo.json).
    #[arg(long, global = true, env = "MICROPAY_USERNAME")]
    username: Option<String>,
    /// The application's secret (default: from demo.json).
    #[arg(long, global = true, env = "MICROPAY_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// How to authenticate.
    #[arg(long, global = true, value_enum, default_value = "digest")]
    auth: Auth,
    /// SMS sender name (one the operator granted the application).
    #[arg(long, global = true, default_value = DEFAULT_SENDER)]
    sender: String,
    /// Name at the start of each SMS.
    #[arg(long, global = true, default_value = DEFAULT_SHOP_NAME)]
    shop_name: String,
    /// A balance under this many won after a purchase gets a balance SMS.
    #[arg(long, global = true, default_value_t = DEFAULT_THRESHOLD)]
    threshold: i64,
    /// Language of the SMS.
    #[arg(long, global = true, value_enum, default_value = "ko")]
    lang: Language,
    /// Country code of numbers typed in national form.
    #[arg(long, global = true, default_value = "82")]
    country_code: String,
    /// PEM file of a CA to trust for an https:// gateway (beside the system's roots).
    #[arg(long, global = true)]
    ca_cert: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Sell an item: charge the customer, then text the receipt (and the balance when low).
    Buy {
        /// The customer's number (010-1234-0001, +821012340001, tel:+82…).
        #[arg(long)]
        msisdn: String,
        /// Price in won.
        #[arg(long)]
        amount: i64,
        /// What is sold.
        #[arg(long)]
        item: String,
        /// The order's reference (default: a fresh one); retrying with it never charges twice.
        #[arg(long)]
        reference: Option<String>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(EX_USAGE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let config = match shop_config(&cli) {
        Ok(config) => config,
        Err(why) => {
            eprintln!("micropay: {why}");
            return ExitCode::from(EX_USAGE);
        }
    };
    let Command::Buy {
        msisdn,
        amount,
        item,
        reference,
    } = cli.command;
    let purchase = Purchase {
        msisdn,
        amount,
        item,
        reference,
    };
    let language = config.language;
    match Shop::new(config).purchase(&purchase).await {
        Ok(outcome) => report(&outcome, &purchase, language),
        Err(e @ (ShopError::Number(_) | ShopError::Input(_))) => {
            eprintln!("micropay: {e}");
            ExitCode::from(EX_USAGE)
        }
        Err(e) => {
            eprintln!("micropay: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The shop's settings: flags first, then demo.json for what the flags leave out.
fn shop_config(cli: &Cli) -> Result<ShopConfig, String> {
    let (gateway, username, password) = match (&cli.gateway, &cli.username, &cli.password) {
        (Some(g), Some(u), Some(p)) => (g.clone(), u.clone(), p.clone()),
        _ => {
            let m = DemoManifest::read(&cli.demo_json, &cli.app).map_err(|e| e.to_string())?;
            (
                cli.gateway.clone().unwrap_or(m.gateway),
                cli.username.clone().unwrap_or(m.username),
                cli.password.clone().unwrap_or(m.password),
            )
        }
    };
    if !(gateway.starts_with("http://") || gateway.starts_with("https://")) {
        return Err(format!("gateway: {gateway:?} is not an http:// or https:// URL"));
    }
    let mut config = ShopConfig::new(&gateway, &username, &password);
    config.auth = cli.auth;
    config.sender.clone_from(&cli.sender);
    config.shop_name.clone_from(&cli.shop_name);
    config.threshold = cli.threshold;
    config.language = cli.lang;
    config.country_code.clone_from(&cli.country_code);
    if let Some(path) = &cli.ca_cert {
        let pem = std::fs::read(path).map_err(|e| format!("ca-cert: {}: {e}", path.display()))?;
        config.extra_roots = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| format!("ca-cert: {}: {e}", path.display()))?;
        if config.extra_roots.is_empty() {
            return Err(format!("ca-cert: {}: no PEM certificate in it", path.display()));
        }
    }
    Ok(config)
}

/// Prints what happened, step by step, and picks the exit code.
fn report(outcome: &Outcome, p: &Purchase, language: Language) -> ExitCode {
    let who = &outcome.end_user;
    let code = match &outcome.verdict {
        Verdict::Paid => {
            println!(
                "charged {} to {who} for {} (reference {})",
                won(p.amount, language),
                p.item.trim(),
                outcome.reference
            );
            if let Some(balance) = outcome.balance {
                println!("balance {}", won(balance, language));
            }
            0
        }
        Verdict::Unregistered => {
            println!("{who} has no payment account (POL1009): nothing charged");
            3
        }
        Verdict::Refused(fault) => {
            eprintln!("micropay: the gateway refused the charge: {fault}");
            eprintln!("nothing was charged and no SMS was sent");
            2
        }
    };
    for sms in &outcome.sms {
        println!(
            "SMS {:?} to {} ({}): {}",
            sms.kind, sms.to, sms.request_id, sms.text
        );
    }
    for problem in &outcome.problems {
        eprintln!("micropay: warning: {problem}");
    }
    if code == 0 && !outcome.problems.is_empty() {
        return ExitCode::from(4);
    }
    ExitCode::from(code)
}
