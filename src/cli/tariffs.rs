//! `pxgate admin tariffs …`: the operator's prices for volume charging and charging codes, through
//! the admin API. Requests and output follow `cli::admin` (tables for people, `--json` for
//! scripts); this module only knows the `/admin/v1/tariffs` endpoints.

use clap::Subcommand;
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::admin::{AdminArgs, CliError, call, percent_encode, record, rows};

/// `pxgate admin tariffs …`
#[derive(Debug, Subcommand)]
pub enum TariffCommand {
    /// List the tariffs.
    List,
    /// Show one tariff.
    Get {
        /// Tariff code.
        code: String,
    },
    /// Create or replace a tariff.
    Put {
        /// Tariff code (letters, digits, '-', '_', '.').
        code: String,
        /// Price of one unit.
        #[arg(long)]
        unit_price: Decimal,
        /// ISO 4217 currency of the price.
        #[arg(long, default_value = "KRW")]
        currency: String,
        /// What it is for.
        #[arg(long)]
        description: Option<String>,
    },
    /// Remove a tariff.
    Delete {
        /// Tariff code.
        code: String,
    },
}

/// Runs a tariffs command; returns what to print.
pub async fn run(args: &AdminArgs, command: &TariffCommand) -> Result<String, CliError> {
    let (method, path, body) = request_for(command);
    let value = call(args, method, &path, body).await?;
    Ok(if args.json {
        serde_json::to_string_pretty(&value).unwrap_or_default()
    } else {
        render(command, &value)
    })
}

/// The tariff's path, the code percent-encoded (RFC 3986 unreserved characters stay), so a code
/// the API would refuse reaches it intact and is refused by it, naming the field.
fn path_of(code: &str) -> String {
    format!("/admin/v1/tariffs/{}", percent_encode(code.trim()))
}

fn request_for(command: &TariffCommand) -> (Method, String, Option<Value>) {
    use TariffCommand as C;
    match command {
        C::List => (Method::GET, "/admin/v1/tariffs".to_owned(), None),
        C::Get { code } => (Method::GET, path_of(code), None),
        C::Put {
            code,
            unit_price,
            currency,
            description,
        } => {
            let mut body = json!({ "currency": currency, "unit_price": unit_price });
            if let Some(d) = description {
                body["description"] = json!(d);
            }
            (Method::PUT, path_of(code), Some(body))
        }
        C::Delete { code } => (Method::DELETE, path_of(code), None),
    }
}

fn render(command: &TariffCommand, value: &Value) -> String {
    match command {
        TariffCommand::List => {
            let columns = [
                ("code", "code"),
                ("unit price", "unit_price"),
                ("currency", "currency"),
                ("description", "description"),
            ];
            rows(&columns, value)
        }
        TariffCommand::Delete { code } => format!("tariff {} removed", code.trim()),
        TariffCommand::Get { .. } | TariffCommand::Put { .. } => record(value),
    }
}
