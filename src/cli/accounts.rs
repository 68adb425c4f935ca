//! `pxgate admin accounts …`: subscriber accounts through the admin API.

use chrono::NaiveDate;
use clap::Subcommand;
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::admin::{CliError, query, record, rows, text};

/// `pxgate admin accounts …`
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Open an account.
    Create {
        /// Subscriber number (010-1234-5678, +821012345678, tel:+82…).
        msisdn: String,
        /// ISO 4217 currency (default: the gateway's).
        #[arg(long)]
        currency: Option<String>,
        /// Opening balance.
        #[arg(long)]
        balance: Option<Decimal>,
        /// Monthly spending limit.
        #[arg(long)]
        monthly_limit: Option<Decimal>,
        /// Low-balance alert threshold.
        #[arg(long)]
        threshold: Option<Decimal>,
        /// Last day the credit may be used (YYYY-MM-DD).
        #[arg(long)]
        expiry: Option<NaiveDate>,
        /// Language of subscriber SMS (ko, en).
        #[arg(long)]
        language: Option<String>,
        /// Open the account suspended.
        #[arg(long)]
        suspended: bool,
    },
    /// Show one account.
    Get {
        /// Subscriber number.
        msisdn: String,
    },
    /// List accounts.
    List {
        /// Only accounts in this state (active, suspended, closed).
        #[arg(long)]
        status: Option<String>,
        /// Page size.
        #[arg(long)]
        limit: Option<u32>,
        /// Continue after this account id (from the previous page).
        #[arg(long)]
        after: Option<i64>,
    },
    /// Suspend an account: charges are refused until it is resumed.
    Suspend {
        /// Subscriber number.
        msisdn: String,
    },
    /// Resume a suspended account.
    Resume {
        /// Subscriber number.
        msisdn: String,
    },
    /// Close an account for good.
    Close {
        /// Subscriber number.
        msisdn: String,
    },
    /// Add credit (idempotent on the reference code).
    Topup {
        /// Subscriber number.
        msisdn: String,
        /// Amount in the account's currency.
        amount: Decimal,
        /// Your reference; retrying with it never adds credit twice.
        #[arg(long)]
        reference: String,
        /// Statement text.
        #[arg(long)]
        description: Option<String>,
    },
    /// Set the monthly spending limit (`none` removes it).
    SetLimit {
        /// Subscriber number.
        msisdn: String,
        /// Amount, or `none`.
        limit: String,
    },
    /// Set the credit expiry date (`none`: never expires).
    SetExpiry {
        /// Subscriber number.
        msisdn: String,
        /// YYYY-MM-DD, or `none`.
        date: String,
    },
    /// Set the low-balance threshold (`none` removes it).
    SetThreshold {
        /// Subscriber number.
        msisdn: String,
        /// Amount, or `none`.
        threshold: String,
    },
    /// Set the end-user PIN Account Management requests must carry; also ends a lock-out
    /// after too many wrong PINs.
    SetPin {
        /// Subscriber number.
        msisdn: String,
        /// 4 to 12 digits; when left out, asked for at a terminal (not echoed) or read from the
        /// first line of standard input (so it stays out of the process list and the shell
        /// history).
        pin: Option<String>,
    },
    /// Remove the end-user PIN, and with it any lock-out.
    ClearPin {
        /// Subscriber number.
        msisdn: String,
    },
    /// Show the ledger, newest first.
    Ledger {
        /// Subscriber number.
        msisdn: String,
        /// Page size.
        #[arg(long)]
        limit: Option<u32>,
        /// Entries older than this id (from the previous page).
        #[arg(long)]
        before: Option<i64>,
    },
}

fn nullable_amount(raw: &str) -> Result<Value, CliError> {
    if raw.eq_ignore_ascii_case("none") {
        return Ok(Value::Null);
    }
    raw.parse::<Decimal>()
        .map(|d| json!(d))
        .map_err(|e| CliError::Usage(format!("{raw:?} is not an amount: {e}")))
}

fn nullable_date(raw: &str) -> Result<Value, CliError> {
    if raw.eq_ignore_ascii_case("none") {
        return Ok(Value::Null);
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map(|d| json!(d))
        .map_err(|e| CliError::Usage(format!("{raw:?} is not a YYYY-MM-DD date: {e}")))
}

/// The PIN from standard input. At a terminal, a prompt on standard error and no echo (the PIN
/// stays off the screen as well as out of the process list); otherwise the first line, as piped.
fn pin_from_stdin(msisdn: &str) -> Result<String, CliError> {
    use std::io::{IsTerminal as _, Write as _};
    let read = if std::io::stdin().is_terminal() {
        eprint!("PIN for {}: ", msisdn.trim());
        let _ = std::io::stderr().flush();
        rpassword::read_password()
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|_| line)
    };
    let line = read.map_err(|e| CliError::Usage(format!("pin: cannot read standard input: {e}")))?;
    let pin = line.trim().to_owned();
    if pin.is_empty() {
        return Err(CliError::Usage(
            "pin: give it as an argument or on standard input".to_owned(),
        ));
    }
    Ok(pin)
}

fn patch(msisdn: &str, key: &str, value: Value) -> (Method, String, Option<Value>) {
    let mut body = json!({});
    body[key] = value;
    (Method::PATCH, path_of(msisdn), Some(body))
}

fn path_of(msisdn: &str) -> String {
    format!("/admin/v1/accounts/{}", msisdn.trim())
}

fn create_body(command: &AccountCommand) -> Value {
    let AccountCommand::Create {
        msisdn,
        currency,
        balance,
        monthly_limit,
        threshold,
        expiry,
        language,
        suspended,
    } = command
    else {
        return Value::Null;
    };
    let mut body = json!({ "msisdn": msisdn });
    let fields = [
        ("currency", currency.as_ref().map(|c| json!(c))),
        ("balance", balance.map(|d| json!(d))),
        ("monthly_limit", monthly_limit.map(|d| json!(d))),
        ("low_balance_threshold", threshold.map(|d| json!(d))),
        ("credit_expiry", expiry.map(|d| json!(d))),
        ("language", language.as_ref().map(|l| json!(l))),
        ("status", suspended.then(|| json!("suspended"))),
    ];
    for (key, value) in fields {
        if let Some(v) = value {
            body[key] = v;
        }
    }
    body
}

pub(crate) fn request_for(command: &AccountCommand) -> Result<(Method, String, Option<Value>), CliError> {
    use AccountCommand as C;
    Ok(match command {
        C::Create { .. } => (
            Method::POST,
            "/admin/v1/accounts".to_owned(),
            Some(create_body(command)),
        ),
        C::Get { msisdn } => (Method::GET, path_of(msisdn), None),
        C::List { status, limit, after } => {
            let q = query(&[
                ("status", status.clone()),
                ("limit", limit.map(|l| l.to_string())),
                ("after", after.map(|a| a.to_string())),
            ]);
            (Method::GET, format!("/admin/v1/accounts{q}"), None)
        }
        C::Suspend { msisdn } => (Method::POST, format!("{}/suspend", path_of(msisdn)), None),
        C::Resume { msisdn } => (Method::POST, format!("{}/resume", path_of(msisdn)), None),
        C::Close { msisdn } => (Method::POST, format!("{}/close", path_of(msisdn)), None),
        C::Topup {
            msisdn,
            amount,
            reference,
            description,
        } => {
            let mut body = json!({ "amount": amount, "reference_code": reference });
            if let Some(d) = description {
                body["description"] = json!(d);
            }
            (Method::POST, format!("{}/topups", path_of(msisdn)), Some(body))
        }
        C::SetLimit { msisdn, limit } => patch(msisdn, "monthly_limit", nullable_amount(limit)?),
        C::SetThreshold { msisdn, threshold } => {
            patch(msisdn, "low_balance_threshold", nullable_amount(threshold)?)
        }
        C::SetExpiry { msisdn, date } => patch(msisdn, "credit_expiry", nullable_date(date)?),
        C::SetPin { msisdn, pin } => {
            let pin = match pin {
                Some(pin) => pin.clone(),
                None => pin_from_stdin(msisdn)?,
            };
            let body = json!({ "pin": pin });
            (Method::PUT, format!("{}/pin", path_of(msisdn)), Some(body))
        }
        C::ClearPin { msisdn } => (Method::DELETE, format!("{}/pin", path_of(msisdn)), None),
        C::Ledger {
            msisdn,
            limit,
            before,
        } => {
            let q = query(&[
                ("limit", limit.map(|l| l.to_string())),
                ("before", before.map(|b| b.to_string())),
            ]);
            (Method::GET, format!("{}/ledger{q}", path_of(msisdn)), None)
        }
    })
}

pub(crate) fn render(command: &AccountCommand, value: &Value) -> String {
    match command {
        AccountCommand::List { .. } => {
            let columns = [
                ("msisdn", "msisdn"),
                ("status", "status"),
                ("balance", "balance"),
                ("currency", "currency"),
                ("monthly limit", "monthly_limit"),
                ("month spend", "month_to_date_spend"),
                ("expiry", "credit_expiry"),
            ];
            let more = value["next_after"]
                .as_i64()
                .map(|n| format!("\nmore: --after {n}"));
            rows(&columns, &value["accounts"]) + &more.unwrap_or_default()
        }
        AccountCommand::Ledger { .. } => {
            let columns = [
                ("id", "id"),
                ("time", "created_at"),
                ("kind", "kind"),
                ("amount", "amount"),
                ("balance after", "balance_after"),
                ("actor", "actor"),
                ("reference", "reference_code"),
            ];
            let older = value["next_before"]
                .as_i64()
                .map(|n| format!("\nolder: --before {n}"));
            rows(&columns, &value["entries"]) + &older.unwrap_or_default()
        }
        AccountCommand::Topup { .. } => {
            let replay = if value["replayed"].as_bool() == Some(true) {
                " (already applied earlier)"
            } else {
                ""
            };
            let account = &value["account"];
            format!(
                "topped up {} {}{replay}; balance now {}",
                text(&value["entry"]["amount"]),
                text(&account["currency"]),
                text(&account["balance"])
            )
        }
        AccountCommand::SetPin { msisdn, .. } => {
            format!("PIN set for {}; any lock-out is cleared", msisdn.trim())
        }
        AccountCommand::ClearPin { msisdn } => {
            format!("PIN removed from {}; any lock-out is cleared", msisdn.trim())
        }
        _ => record(value),
    }
}
