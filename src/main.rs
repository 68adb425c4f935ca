//! The `pxgate` binary: parses the command line and runs the chosen command.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Parser as _;
use pxgate::admin::OperatorTokens;
use pxgate::app::{self, App};
use pxgate::cli::{Cli, Command, generate};
use pxgate::config::{self, Config, EX_USAGE};
use pxgate::domain::SystemClock;
use pxgate::store::{self, StoreOptions};
use pxgate::{demo, telemetry};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("pxgate: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Serve { config } => match load(&config) {
            Ok(config) => serve(config).await,
            Err(code) => return code,
        },
        Command::Migrate { config } => match load(&config) {
            Ok(config) => migrate(&config).await,
            Err(code) => return code,
        },
        Command::Demo {
            http,
            smpp,
            smsc_http,
            data,
            database,
            sqlite_synchronous,
            external_smsc,
            no_alerts,
            push_broker,
        } => {
            telemetry::init_tracing(config::LogFormat::Text);
            let options = demo::DemoOptions {
                http,
                smpp,
                smsc_http,
                data,
                database,
                durability: sqlite_synchronous,
                external_smsc,
                alerts: !no_alerts,
                push_broker,
            };
            demo::run(options, shutdown_signal()).await.map_err(Into::into)
        }
        Command::GenKey => {
            println!("{}", pxgate::crypto::SecretBox::generate_key());
            Ok(())
        }
        Command::GenToken { name } => {
            gen_token(&name);
            Ok(())
        }
        Command::Admin(args) => pxgate::cli::admin::run(args).await.map_err(Into::into),
        Command::Completions { shell } => {
            to_stdout("completion script", |out| generate::completions(shell, out))
        }
        Command::Man { dir: None } => to_stdout("manual page", generate::man_page),
        Command::Man { dir: Some(dir) } => man_pages(&dir),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pxgate: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Reads and validates the configuration; on failure prints why and yields exit code 64.
fn load(path: &Path) -> Result<Config, ExitCode> {
    Config::load(path, config::env_overrides()).map_err(|e| {
        eprintln!("pxgate: {e}");
        ExitCode::from(u8::try_from(EX_USAGE).unwrap_or(64))
    })
}

async fn serve(config: Config) -> anyhow::Result<()> {
    telemetry::init_tracing(config.log.format);
    if config.admin.operators.is_empty() {
        tracing::warn!(
            "no [[admin.operators]] configured: the admin API (and `pxgate admin`) refuses every \
             request; `pxgate gen-token` prints a token and the lines to add"
        );
    }
    let store = store::connect(&store_options(&config))
        .await
        .context("opening the store")?;
    let listener = bind(config.http.listen).await?;
    let ops = match config.http.ops_listen {
        Some(addr) => Some(bind(addr).await?),
        None => None,
    };
    let operators = OperatorTokens::from_digests(
        config
            .admin
            .operators
            .iter()
            .map(|o| (o.name.as_str(), o.token_sha256.as_str())),
    );
    let app = App::build(&config, store, Arc::new(SystemClock), operators).map_err(anyhow::Error::msg)?;
    tracing::info!(addr = %config.http.listen, store = app.store().backend(), "pxgate listening");
    if let Some(addr) = config.http.ops_listen {
        tracing::info!(%addr, "metrics and the admin API listening apart");
    }
    app::run_on(listener, ops, app, shutdown_signal()).await?;
    tracing::info!("pxgate stopped");
    Ok(())
}

async fn migrate(config: &Config) -> anyhow::Result<()> {
    let store = store::connect(&store_options(config))
        .await
        .context("migrating the store")?;
    println!("{} schema is up to date", store.backend());
    Ok(())
}

fn store_options(config: &Config) -> StoreOptions {
    StoreOptions {
        url: config.store.url.clone(),
        max_connections: config.store.max_connections,
        durability: config.store.sqlite_synchronous,
    }
}

async fn bind(addr: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))
}

fn gen_token(name: &str) {
    let token = pxgate::crypto::generate_token();
    println!("token (give it to the operator; it is not stored anywhere): {token}");
    println!();
    println!("[[admin.operators]]");
    println!("name = {name:?}");
    println!(
        "token_sha256 = \"{}\"",
        pxgate::crypto::hex(&pxgate::crypto::token_digest(&token))
    );
}

/// Runs `write` on standard output; a reader that stopped early (`pxgate man | head`) is not an
/// error.
fn to_stdout(what: &str, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> anyhow::Result<()> {
    match write(&mut io::stdout().lock()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        written => written.with_context(|| format!("writing the {what}")),
    }
}

/// Writes every manual page into `dir` and prints the files written, one a line.
fn man_pages(dir: &Path) -> anyhow::Result<()> {
    let written = generate::man_pages(dir)
        .with_context(|| format!("writing the manual pages into {}", dir.display()))?;
    for path in written {
        println!("{}", path.display());
    }
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
