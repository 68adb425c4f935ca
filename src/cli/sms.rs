//! `pxgate admin sms …`: the operator's SMS registrations (which application receives the messages
//! sent to a short code and keyword) and the received messages no registration took, through
//! `/admin/v1/sms/registrations` and `/admin/v1/sms/unrouted`.

use clap::Subcommand;
use reqwest::Method;
use serde_json::{Value, json};

use super::admin::{AdminArgs, CliError, call, percent_encode as encode, query, record, rows};

/// `pxgate admin sms …`
#[derive(Debug, Subcommand)]
pub enum SmsCommand {
    /// List registrations, by short code and keyword.
    Registrations {
        /// Only this application's.
        #[arg(long)]
        app: Option<String>,
    },
    /// Show one registration.
    Registration {
        /// The registrationIdentifier.
        id: String,
    },
    /// Register a short code (and a first word) for an application; prints the registration.
    Register {
        /// The short code the messages are sent to (digits).
        #[arg(long)]
        short_code: String,
        /// Only messages whose first word is this (any case); without it, every message to the
        /// short code that no keyword takes.
        #[arg(long)]
        keyword: Option<String>,
        /// The application; without it, the gateway itself takes the messages (the BAL keyword).
        #[arg(long)]
        app: Option<String>,
        /// The registrationIdentifier the application will use; generated when absent.
        #[arg(long)]
        id: Option<String>,
    },
    /// Remove a registration; its messages not yet taken are kept as unrouted.
    Unregister {
        /// The registrationIdentifier.
        id: String,
    },
    /// Received messages no registration took: how many, and the oldest 100.
    Unrouted,
}

/// Runs an SMS command; returns what to print.
pub async fn run(args: &AdminArgs, command: &SmsCommand) -> Result<String, CliError> {
    use SmsCommand as C;
    const REGISTRATIONS: &str = "/admin/v1/sms/registrations";
    let (method, path, body) = match command {
        C::Registrations { app } => {
            let q = query(&[("app_id", app.as_deref().map(encode))]);
            (Method::GET, format!("{REGISTRATIONS}{q}"), None)
        }
        C::Registration { id } => (Method::GET, format!("{REGISTRATIONS}/{}", encode(id)), None),
        C::Register {
            short_code,
            keyword,
            app,
            id,
        } => {
            let body = json!({"short_code": short_code, "keyword": keyword, "app_id": app, "id": id});
            (Method::POST, REGISTRATIONS.to_owned(), Some(body))
        }
        C::Unregister { id } => (Method::DELETE, format!("{REGISTRATIONS}/{}", encode(id)), None),
        C::Unrouted => (Method::GET, "/admin/v1/sms/unrouted".to_owned(), None),
    };
    let value = call(args, method, &path, body).await?;
    if args.json {
        return Ok(serde_json::to_string_pretty(&value).unwrap_or_default());
    }
    let registration = [
        ("id", "id"),
        ("short code", "short_code"),
        ("keyword", "keyword"),
        ("app", "app_id"),
        ("created", "created_at"),
    ];
    Ok(match command {
        C::Registrations { .. } => rows(&registration, &value),
        C::Registration { .. } | C::Register { .. } => record(&value),
        C::Unregister { id } => format!("registration {id} removed"),
        C::Unrouted => format!(
            "{} unrouted\n{}",
            value["count"].as_i64().unwrap_or(0),
            unrouted(&value["messages"])
        ),
    })
}

fn unrouted(messages: &Value) -> String {
    let columns = [
        ("received", "received_at"),
        ("to", "destination"),
        ("from", "sender"),
        ("message", "message"),
    ];
    rows(&columns, messages)
}
