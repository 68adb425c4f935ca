//! `smsc-sim --config FILE`: the SMSC simulator binary. Reads and checks the config in full
//! (exit 64 naming the key on error), binds the listeners, runs until Ctrl-C.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser;
use pxsim::SimConfig;

/// sysexits.h EX_USAGE / EX_CONFIG family: the config is wrong.
const EX_CONFIG: u8 = 64;

#[derive(Debug, Parser)]
#[command(
    name = "smsc-sim",
    about = "SMPP 3.4/5.0 SMSC simulator with handset inbox and fault injection"
)]
struct Cli {
    /// TOML configuration file; defaults apply when absent.
    #[arg(long, env = "SMSC_SIM_CONFIG")]
    config: Option<PathBuf>,
}

fn load(path: Option<&PathBuf>) -> Result<SimConfig, String> {
    let Some(path) = path else {
        return Ok(SimConfig::default());
    };
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    SimConfig::from_toml(&text).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
        format!("invalid config {}:\n{}", path.display(), lines.join("\n"))
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match load(cli.config.as_ref()) {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("smsc-sim: {msg}");
            return ExitCode::from(EX_CONFIG);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    match run(config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("smsc-sim: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[tokio::main]
async fn run(config: SimConfig) -> anyhow::Result<()> {
    let smpp = tokio::net::TcpListener::bind(config.smpp_listen)
        .await
        .with_context(|| format!("bind {}", config.smpp_listen))?;
    let http = tokio::net::TcpListener::bind(config.http_listen)
        .await
        .with_context(|| format!("bind {}", config.http_listen))?;
    let sim = pxsim::start(smpp, http, config).await.context("start")?;
    eprintln!(
        "smsc-sim: SMPP on {}, HTTP on http://{}",
        sim.smpp_addr(),
        sim.http_addr()
    );
    stop_signal().await.context("waiting for Ctrl-C or SIGTERM")?;
    sim.shutdown().await;
    Ok(())
}

/// Ctrl-C, or SIGTERM (what `kill`, systemd and container runtimes send).
async fn stop_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            stopped = tokio::signal::ctrl_c() => stopped,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await
}
