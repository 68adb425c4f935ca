//! `pxgate admin apps …`: third-party applications through the admin API — registration,
//! agreements, lifecycle, credentials and usage. Requests and output follow `cli::admin`
//! (tables for people, `--json` for scripts); this module only knows the apps endpoints.

use clap::Subcommand;
use reqwest::Method;
use serde_json::{Map, Value, json};

use super::admin::{AdminArgs, CliError, call, percent_encode, query, record, rows, text};

/// `pxgate admin apps …`
#[derive(Debug, Subcommand)]
pub enum AppCommand {
    /// Register an application; prints its first credential (the secret is shown only once).
    Create {
        /// Identifier: 1–32 of a-z, 0-9 and '-', starting with a letter.
        id: String,
        /// Display name (the merchant name in receipts).
        #[arg(long)]
        name: String,
        /// Who to call about it.
        #[arg(long)]
        contact: String,
        /// Service agreement: a JSON file, or inline JSON starting with `{`.
        #[arg(long)]
        agreement: String,
    },
    /// Show one application.
    Get {
        /// Application id.
        id: String,
    },
    /// List applications.
    List,
    /// Change the name or contact.
    Update {
        /// Application id.
        id: String,
        /// New display name.
        #[arg(long)]
        name: Option<String>,
        /// New contact.
        #[arg(long)]
        contact: Option<String>,
    },
    /// Replace the service agreement.
    SetAgreement {
        /// Application id.
        id: String,
        /// A JSON file, or inline JSON starting with `{`.
        agreement: String,
    },
    /// Suspend an application: its calls are refused until it is resumed.
    Suspend {
        /// Application id.
        id: String,
    },
    /// Resume a suspended application.
    Resume {
        /// Application id.
        id: String,
    },
    /// Revoke an application for good.
    Revoke {
        /// Application id.
        id: String,
    },
    /// Issue a further credential (rotation); prints its secret, once.
    AddCredential {
        /// Application id.
        id: String,
        /// The user name it must present (e.g. a Huawei SDP spId); default: `<id>.<n>`.
        #[arg(long)]
        username: Option<String>,
    },
    /// Revoke one credential and its access tokens.
    RevokeCredential {
        /// Application id.
        id: String,
        /// The credential's user name.
        username: String,
    },
    /// Let the application monitor an account it has not charged (startAccountNotification).
    Monitor {
        /// Application id.
        id: String,
        /// The account's number.
        msisdn: String,
    },
    /// Withdraw a monitoring grant (monitors already started keep running).
    Unmonitor {
        /// Application id.
        id: String,
        /// The account's number.
        msisdn: String,
    },
    /// Calls, latency and money over a period (default: this month).
    Usage {
        /// Application id.
        id: String,
        /// Start, RFC 3339 (2026-11-01T00:00:00+09:00).
        #[arg(long)]
        from: Option<String>,
        /// End (exclusive), RFC 3339.
        #[arg(long)]
        to: Option<String>,
        /// Grouping: operation, outcome or minute.
        #[arg(long)]
        by: Option<String>,
    },
}

/// Runs an apps command; returns what to print.
pub async fn run(args: &AdminArgs, command: &AppCommand) -> Result<String, CliError> {
    let (method, path, body) = request_for(command)?;
    let value = call(args, method, &path, body).await?;
    Ok(if args.json {
        serde_json::to_string_pretty(&value).unwrap_or_default()
    } else {
        render(command, &value)
    })
}

/// Reads an agreement given as inline JSON or as a file name.
fn agreement(raw: &str) -> Result<Value, CliError> {
    json_argument("the agreement", raw)
}

/// Reads `what`, given as inline JSON (starting with `{`) or as a file name.
pub(super) fn json_argument(what: &str, raw: &str) -> Result<Value, CliError> {
    let text = if raw.trim_start().starts_with('{') {
        raw.to_owned()
    } else {
        std::fs::read_to_string(raw).map_err(|e| CliError::Usage(format!("cannot read {raw}: {e}")))?
    };
    serde_json::from_str(&text).map_err(|e| CliError::Usage(format!("{what} is not JSON: {e}")))
}

fn path_of(id: &str) -> String {
    format!("/admin/v1/apps/{}", id.trim())
}

fn monitored(id: &str, msisdn: &str) -> String {
    format!("{}/monitored/{}", path_of(id), percent_encode(msisdn.trim()))
}

fn request_for(command: &AppCommand) -> Result<(Method, String, Option<Value>), CliError> {
    use AppCommand as C;
    Ok(match command {
        C::Create {
            id,
            name,
            contact,
            agreement: raw,
        } => {
            let body =
                json!({"id": id, "name": name, "owner_contact": contact, "agreement": agreement(raw)?});
            (Method::POST, "/admin/v1/apps".to_owned(), Some(body))
        }
        C::Get { id } => (Method::GET, path_of(id), None),
        C::List => (Method::GET, "/admin/v1/apps".to_owned(), None),
        C::Update { id, name, contact } => {
            let mut body = json!({});
            if let Some(n) = name {
                body["name"] = json!(n);
            }
            if let Some(c) = contact {
                body["owner_contact"] = json!(c);
            }
            (Method::PATCH, path_of(id), Some(body))
        }
        C::SetAgreement { id, agreement: raw } => (
            Method::PUT,
            format!("{}/agreement", path_of(id)),
            Some(agreement(raw)?),
        ),
        C::Suspend { id } => (Method::POST, format!("{}/suspend", path_of(id)), None),
        C::Resume { id } => (Method::POST, format!("{}/resume", path_of(id)), None),
        C::Revoke { id } => (Method::POST, format!("{}/revoke", path_of(id)), None),
        C::AddCredential { id, username } => (
            Method::POST,
            format!("{}/credentials", path_of(id)),
            username.as_ref().map(|u| json!({ "username": u })),
        ),
        C::RevokeCredential { id, username } => (
            Method::DELETE,
            format!("{}/credentials/{}", path_of(id), percent_encode(username.trim())),
            None,
        ),
        C::Monitor { id, msisdn } => (Method::PUT, monitored(id, msisdn), None),
        C::Unmonitor { id, msisdn } => (Method::DELETE, monitored(id, msisdn), None),
        C::Usage { id, from, to, by } => {
            let q = query(&[
                ("from", from.as_deref().map(percent_encode)),
                ("to", to.as_deref().map(percent_encode)),
                ("by", by.as_deref().map(percent_encode)),
            ]);
            (Method::GET, format!("{}/usage{q}", path_of(id)), None)
        }
    })
}

fn render(command: &AppCommand, value: &Value) -> String {
    use AppCommand as C;
    match command {
        C::List => {
            let apps: Vec<Value> = value["apps"]
                .as_array()
                .into_iter()
                .flatten()
                .map(summary)
                .collect();
            let columns = [
                ("id", "id"),
                ("name", "name"),
                ("status", "status"),
                ("contact", "owner_contact"),
                ("live credentials", "credentials"),
            ];
            rows(&columns, &Value::Array(apps))
        }
        C::Create { .. } => format!("{}\n{}", app(value), secret(&value["credential"])),
        C::AddCredential { .. } => secret(value),
        C::RevokeCredential { username, .. } => format!("credential {} revoked", username.trim()),
        C::Usage { .. } => usage(value),
        C::Monitor { id, msisdn } => format!("{} may monitor {}", id.trim(), msisdn.trim()),
        C::Unmonitor { id, msisdn } => format!("{} may no longer monitor {}", id.trim(), msisdn.trim()),
        _ => app(value),
    }
}

/// One list row: the live credentials' names instead of the credential objects.
fn summary(app: &Value) -> Value {
    let live: Vec<&str> = app["credentials"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["revoked_at"].is_null())
        .filter_map(|c| c["username"].as_str())
        .collect();
    let mut row = app.clone();
    row["credentials"] = json!(live.join(", "));
    row
}

/// An application's fields, then a table of its credentials.
fn app(value: &Value) -> String {
    let fields: Map<String, Value> = value
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| !matches!(k.as_str(), "credentials" | "credential"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let columns = [
        ("credential", "username"),
        ("issued", "created_at"),
        ("revoked", "revoked_at"),
    ];
    format!(
        "{}\n{}",
        record(&Value::Object(fields)),
        rows(&columns, &value["credentials"])
    )
}

fn secret(credential: &Value) -> String {
    format!(
        "username: {}\nsecret:   {}\nStore the secret now: it is not shown again.",
        text(&credential["username"]),
        text(&credential["secret"])
    )
}

/// `1500 KRW, 3 USD` from `{"KRW": 1500, "USD": 3}`.
fn amounts(value: &Value) -> String {
    let list: Vec<String> = value
        .as_object()
        .into_iter()
        .flatten()
        .map(|(code, amount)| format!("{} {code}", text(amount)))
        .collect();
    if list.is_empty() {
        "-".to_owned()
    } else {
        list.join(", ")
    }
}

fn usage(value: &Value) -> String {
    let total = &value["total"];
    let head = format!(
        "{} from {} to {}: {} calls, mean {} ms, amounts {}",
        text(&value["app_id"]),
        text(&value["from"]),
        text(&value["to"]),
        text(&total["calls"]),
        text(&total["mean_latency_ms"]),
        amounts(&total["amounts"])
    );
    let groups: Vec<Value> = value["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| {
            let mut row = g.clone();
            row["amounts"] = json!(amounts(&g["amounts"]));
            row
        })
        .collect();
    let by = value["by"].as_str().unwrap_or("key");
    let columns = [
        (by, "key"),
        ("calls", "calls"),
        ("mean ms", "mean_latency_ms"),
        ("amounts", "amounts"),
    ];
    format!("{head}\n{}", rows(&columns, &Value::Array(groups)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            percent_encode("2026-11-01T00:00:00+09:00"),
            "2026-11-01T00%3A00%3A00%2B09%3A00"
        );
        assert_eq!(percent_encode("shop-2"), "shop-2");
    }

    #[test]
    fn agreements_are_inline_json_or_a_file() {
        assert_eq!(
            agreement(r#" {"allow":["Payment"]}"#).unwrap(),
            json!({"allow": ["Payment"]})
        );
        assert!(matches!(agreement("/no/such/file.json"), Err(CliError::Usage(_))));
        assert!(matches!(agreement("{not json"), Err(CliError::Usage(_))));
    }
}
