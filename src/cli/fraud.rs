//! `pxgate admin fraud …`: the fraud rules in force and the decisions they made, through the admin
//! API (`/admin/v1/fraud…`, docs/guides/fraud.md). Output follows `cli::admin` (tables for people,
//! `--json` for scripts).

use clap::Subcommand;
use reqwest::Method;
use serde_json::{Value, json};

use super::admin::{AdminArgs, CliError, call, percent_encode, record, rows};

/// `pxgate admin fraud …`
#[derive(Debug, Subcommand)]
pub enum FraudCommand {
    /// Show the rules in force and where they come from.
    Rules,
    /// Replace the rules: a JSON document (a file, or inline JSON starting with `{`); rules and
    /// keys left out take their defaults.
    SetRules {
        /// The rule set.
        rules: String,
    },
    /// Go back to the rules of the configuration.
    ResetRules,
    /// List decisions, newest first.
    Decisions {
        /// Only those with this review: open, cleared or fraud.
        #[arg(long)]
        review: Option<String>,
        /// Only those on this account.
        #[arg(long)]
        msisdn: Option<String>,
        /// At most this many (1 to 500).
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Show one decision with the rules that fired.
    Decision {
        /// Its id.
        id: i64,
    },
    /// Record your judgement of a decision.
    Review {
        /// Its id.
        id: i64,
        /// cleared, fraud, or open again.
        #[arg(long = "as")]
        review: String,
        /// Why, for the next reader.
        #[arg(long)]
        note: Option<String>,
    },
}

/// Runs a fraud command; returns what to print.
pub async fn run(args: &AdminArgs, command: &FraudCommand) -> Result<String, CliError> {
    let (method, path, body) = request_for(command)?;
    let value = call(args, method, &path, body).await?;
    Ok(if args.json {
        serde_json::to_string_pretty(&value).unwrap_or_default()
    } else {
        render(command, &value)
    })
}

fn request_for(command: &FraudCommand) -> Result<(Method, String, Option<Value>), CliError> {
    use FraudCommand as C;
    const RULES: &str = "/admin/v1/fraud/rules";
    Ok(match command {
        C::Rules => (Method::GET, RULES.to_owned(), None),
        C::SetRules { rules } => (
            Method::PUT,
            RULES.to_owned(),
            Some(super::apps::json_argument("the rule set", rules)?),
        ),
        C::ResetRules => (Method::DELETE, RULES.to_owned(), None),
        C::Decisions {
            review,
            msisdn,
            limit,
        } => {
            let mut path = format!("/admin/v1/fraud/decisions?limit={limit}");
            if let Some(r) = review {
                path.push_str(&format!("&review={}", percent_encode(r)));
            }
            if let Some(m) = msisdn {
                path.push_str(&format!("&msisdn={}", percent_encode(m)));
            }
            (Method::GET, path, None)
        }
        C::Decision { id } => (Method::GET, format!("/admin/v1/fraud/decisions/{id}"), None),
        C::Review { id, review, note } => {
            let mut body = json!({ "review": review });
            if let Some(n) = note {
                body["note"] = json!(n);
            }
            (
                Method::POST,
                format!("/admin/v1/fraud/decisions/{id}/review"),
                Some(body),
            )
        }
    })
}

/// The rules that fired, one line each: `rule (action): measure observed (limit …)`.
fn fired(value: &Value) -> String {
    value["fired"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            format!(
                "{} ({}): {} {} (limit {})",
                f["rule"].as_str().unwrap_or_default(),
                f["action"].as_str().unwrap_or_default(),
                f["measure"].as_str().unwrap_or_default(),
                f["observed"],
                f["limit"]
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn render(command: &FraudCommand, value: &Value) -> String {
    match command {
        FraudCommand::Decisions { .. } => {
            let mut listed = value.clone();
            for d in listed.as_array_mut().into_iter().flatten() {
                d["why"] = json!(fired(d));
            }
            let columns = [
                ("id", "id"),
                ("msisdn", "msisdn"),
                ("application", "actor"),
                ("amount", "amount"),
                ("action", "action"),
                ("why", "why"),
                ("review", "review"),
            ];
            rows(&columns, &listed)
        }
        FraudCommand::Decision { .. } | FraudCommand::Review { .. } => {
            let mut shown = value.clone();
            shown["fired"] = json!(fired(value));
            record(&shown)
        }
        FraudCommand::Rules | FraudCommand::SetRules { .. } | FraudCommand::ResetRules => {
            format!(
                "source: {}\n{}",
                value["source"].as_str().unwrap_or_default(),
                serde_json::to_string_pretty(&value["rules"]).unwrap_or_default()
            )
        }
    }
}
