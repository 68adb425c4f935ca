//! The `pxgate` command line: `serve`, `migrate`, `demo`, `gen-token`, the `admin` client, and the
//! shell completions and manual pages generated from these definitions ([`generate`]).

pub mod accounts;
pub mod admin;
pub mod apps;
pub mod callbacks;
pub mod campaigns;
pub mod fraud;
pub mod generate;
pub mod sms;
pub mod tariffs;
pub mod vouchers;

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// pxgate: Parlay X / OneAPI gateway for payment, account management and SMS.
#[derive(Debug, Parser)]
#[command(name = "pxgate", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway with a configuration file.
    Serve {
        /// TOML configuration (see pxgate.example.toml).
        #[arg(long, short, env = "PXGATE_CONFIG")]
        config: PathBuf,
    },
    /// Bring the database schema up to date and exit.
    Migrate {
        /// TOML configuration (see pxgate.example.toml).
        #[arg(long, short, env = "PXGATE_CONFIG")]
        config: PathBuf,
    },
    /// Run the gateway on SQLite with demo data, and print what to try.
    Demo {
        /// HTTP address of the gateway.
        #[arg(long, default_value = "127.0.0.1:8080")]
        http: SocketAddr,
        /// SMPP address of the SMSC simulator.
        #[arg(long, default_value = "127.0.0.1:2775")]
        smpp: SocketAddr,
        /// HTTP address of the SMSC simulator (handset inbox, MO injection).
        #[arg(long, default_value = "127.0.0.1:8025")]
        smsc_http: SocketAddr,
        /// Directory for the database and demo.json (kept between runs).
        #[arg(long, default_value = "./pxgate-demo")]
        data: PathBuf,
        /// Use this database instead of the directory's SQLite file (`postgres://…`).
        #[arg(long)]
        database: Option<String>,
        /// SQLite durability: `full` (every answer survives a power cut) or `normal` (a process
        /// crash); see docs/PERFORMANCE.md.
        #[arg(long, value_enum, default_value = "full")]
        sqlite_synchronous: crate::store::Durability,
        /// Do not start the simulator: use the SMSC (or `smsc-sim`) already listening at `--smpp`,
        /// whose HTTP side (if any) is at `--smsc-http`.
        #[arg(long)]
        external_smsc: bool,
        /// Do not text subscribers a receipt for every charge and a low-balance warning (the
        /// paper's subscriber SMS, on by default): for measuring the charge path alone.
        #[arg(long)]
        no_alerts: bool,
        /// Send 010-1234-0001's alerts over MQTT first, through the broker at this `host:port`
        /// (e.g. a local mosquitto at 127.0.0.1:1883), with SMS as the fallback.
        #[arg(long)]
        push_broker: Option<String>,
    },
    /// Print a new operator token and the configuration lines that admit it.
    GenToken {
        /// Operator name for the configuration snippet.
        #[arg(long, default_value = "ops")]
        name: String,
    },
    /// Print a new key for `framework.secret_key` (it seals application secrets in the database).
    GenKey,
    /// Operate a running gateway through its admin API.
    Admin(admin::AdminArgs),
    /// Print a completion script for a shell (see the README for where to put it).
    Completions {
        /// The shell that reads the script.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the pxgate(1) manual page, or write every page into a directory.
    Man {
        /// Write pxgate.1 and one page per subcommand (pxgate-serve.1, pxgate-admin-accounts.1, …)
        /// into this directory, creating it if needed, and print the files written.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}
