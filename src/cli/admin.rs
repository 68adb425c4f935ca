//! `pxgate admin …`: a client of the admin API. Tables for people, `--json` for scripts; a failed
//! request prints the server's problem details and exits non-zero.

use std::fmt::Write as _;

use clap::{Args, Subcommand};
use comfy_table::{Table, presets::UTF8_BORDERS_ONLY};
use reqwest::Method;
use serde_json::Value;

use super::accounts::{self, AccountCommand};

/// Connection settings shared by every admin command; `global`, so they may come before or after
/// the subcommand (`pxgate admin --url … accounts list` or `pxgate admin accounts list --url …`).
#[derive(Debug, Args)]
pub struct AdminArgs {
    /// Base URL of the gateway.
    #[arg(
        long,
        global = true,
        env = "PXGATE_ADMIN_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub url: String,
    /// Operator bearer token (`pxgate gen-token` makes one for `[[admin.operators]]`).
    #[arg(long, global = true, env = "PXGATE_ADMIN_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Print the server's JSON instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to manage.
    #[command(subcommand)]
    pub resource: Resource,
}

/// Admin resources.
#[derive(Debug, Subcommand)]
pub enum Resource {
    /// Subscriber accounts.
    Accounts {
        /// What to do with them.
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Third-party applications.
    Apps {
        /// What to do with them.
        #[command(subcommand)]
        command: super::apps::AppCommand,
    },
    /// Prepaid vouchers.
    Vouchers {
        /// What to do with them.
        #[command(subcommand)]
        command: super::vouchers::VoucherCommand,
    },
    /// Prices for volume charging and charging codes.
    Tariffs {
        /// What to do with them.
        #[command(subcommand)]
        command: super::tariffs::TariffCommand,
    },
    /// Notifications owed to applications' endpoints, and their delivery attempts.
    Callbacks {
        /// What to do with them.
        #[command(subcommand)]
        command: super::callbacks::CallbackCommand,
    },
    /// SMS registrations (short codes and keywords) and received messages nobody took.
    Sms {
        /// What to do with them.
        #[command(subcommand)]
        command: super::sms::SmsCommand,
    },
    /// Scheduled bulk messages: schedule, follow, pause, resume, cancel.
    Campaigns {
        /// What to do with them.
        #[command(subcommand)]
        command: super::campaigns::CampaignCommand,
    },
    /// The fraud rules and the decisions they made, for review.
    Fraud {
        /// What to do with them.
        #[command(subcommand)]
        command: super::fraud::FraudCommand,
    },
    /// What the gateway still owes: SMS parts waiting for the SMSC and callbacks waiting for
    /// applications' endpoints.
    Status,
}

/// Why an admin command failed; printed by `main`.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The gateway could not be reached or answered garbage (the cause follows, once, from the
    /// error's source chain).
    #[error("cannot talk to the gateway")]
    Http(#[from] reqwest::Error),
    /// The gateway refused the request.
    #[error("{0}")]
    Refused(String),
    /// The command line itself is wrong.
    #[error("{0}")]
    Usage(String),
}

/// Runs an admin command and prints its result.
pub async fn run(args: AdminArgs) -> Result<(), CliError> {
    let out = match &args.resource {
        Resource::Accounts { command } => {
            let (method, path, body) = accounts::request_for(command)?;
            let value = call(&args, method, &path, body).await?;
            if args.json {
                serde_json::to_string_pretty(&value).unwrap_or_default()
            } else {
                accounts::render(command, &value)
            }
        }
        Resource::Apps { command } => super::apps::run(&args, command).await?,
        Resource::Vouchers { command } => super::vouchers::run(&args, command).await?,
        Resource::Tariffs { command } => super::tariffs::run(&args, command).await?,
        Resource::Callbacks { command } => super::callbacks::run(&args, command).await?,
        Resource::Sms { command } => super::sms::run(&args, command).await?,
        Resource::Fraud { command } => super::fraud::run(&args, command).await?,
        Resource::Campaigns { command } => super::campaigns::run(&args, command).await?,
        Resource::Status => status(&args).await?,
    };
    println!("{out}");
    Ok(())
}

/// `?k=v&…` of the parameters that are set (values are numbers, plain words or already encoded).
pub(crate) fn query(pairs: &[(&str, Option<String>)]) -> String {
    let set: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
        .collect();
    if set.is_empty() {
        String::new()
    } else {
        format!("?{}", set.join("&"))
    }
}

/// Percent-encodes a path segment or query value, so a value the API would refuse reaches it
/// intact and is refused by it, naming the field.
pub(crate) use crate::http::percent_encode;

/// Sends one admin request; the server's problem details become [`CliError::Refused`].
pub(crate) async fn call(
    args: &AdminArgs,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Result<Value, CliError> {
    let url = format!("{}{}", args.url.trim_end_matches('/'), path);
    let mut request = reqwest::Client::new().request(method, url);
    if let Some(token) = &args.token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await?;
    let status = response.status();
    let value: Value = response.json().await.unwrap_or(Value::Null);
    if status.is_success() {
        return Ok(value);
    }
    let mut message = format!(
        "{} {}",
        status.as_u16(),
        value["title"].as_str().unwrap_or("request failed")
    );
    if let Some(detail) = value["detail"].as_str() {
        let _ = write!(message, ": {detail}");
    }
    if status == reqwest::StatusCode::UNAUTHORIZED {
        message.push_str(&token_hint(args.token.is_some()));
    }
    Err(CliError::Refused(message))
}

/// What to do about a 401: where the token comes from, and where the gateway looks for it.
fn token_hint(given: bool) -> String {
    let what = if given {
        "the token given was not accepted; check --token (or PXGATE_ADMIN_TOKEN) against the \
         gateway's [[admin.operators]]"
    } else {
        "no token was given; pass --token or set PXGATE_ADMIN_TOKEN"
    };
    format!("\n  ({what}; `pxgate gen-token` makes a token and its [[admin.operators]] lines)")
}

/// A JSON value as a table cell (`-` for null).
pub(crate) fn text(v: &Value) -> String {
    match v {
        Value::Null => "-".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A table with one row per element of `items`, one column per `(header, key)`.
pub(crate) fn rows(columns: &[(&str, &str)], items: &Value) -> String {
    let mut table = Table::new();
    table.load_preset(UTF8_BORDERS_ONLY);
    table.set_header(columns.iter().map(|(h, _)| *h));
    for item in items.as_array().into_iter().flatten() {
        table.add_row(columns.iter().map(|(_, k)| text(&item[*k])));
    }
    table.to_string()
}

/// `pxgate admin status`: the SMSC links, the outbox and callback backlogs.
async fn status(args: &AdminArgs) -> Result<String, CliError> {
    let value = call(args, Method::GET, "/admin/v1/status", None).await?;
    if args.json {
        return Ok(serde_json::to_string_pretty(&value).unwrap_or_default());
    }
    let oldest = value["outbox"]["oldest_pending_secs"].as_i64().map_or_else(
        || "none waiting".to_owned(),
        |s| format!("oldest queued {s} s ago"),
    );
    let links = rows(
        &[
            ("link", "name"),
            ("SMSC", "address"),
            ("bound", "bound"),
            ("of", "sessions"),
            ("paused", "paused"),
            ("in flight", "in_flight"),
            ("queued", "queued"),
        ],
        &value["links"],
    );
    let by_app = rows(
        &[("app", "app_id"), ("pending", "pending")],
        &value["callbacks"]["by_app"],
    );
    Ok(format!(
        "SMSC links:\n{links}\nSMS outbox: {} parts waiting for the SMSC ({oldest})\ncallbacks: {} waiting for applications' endpoints\n{by_app}",
        value["outbox"]["pending_parts"], value["callbacks"]["pending"]
    ))
}

/// A two-column table of one object's fields.
pub(crate) fn record(value: &Value) -> String {
    let mut table = Table::new();
    table.load_preset(UTF8_BORDERS_ONLY);
    for (key, v) in value.as_object().into_iter().flatten() {
        table.add_row([key.clone(), text(v)]);
    }
    table.to_string()
}
