//! `pxgate admin vouchers …`: prepaid vouchers through the admin API (ES 202 391-7
//! `voucherUpdate` redeems them). Requests and output follow `cli::admin` (tables for people,
//! `--json` for scripts); this module only knows the `/admin/v1/vouchers` endpoints.
//!
//! The codes of a batch are printed once, by `create-batch`: the gateway keeps only their digests.

use chrono::NaiveDate;
use clap::Subcommand;
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::admin::{AdminArgs, CliError, call, query, record, rows};

/// `pxgate admin vouchers …`
#[derive(Debug, Subcommand)]
pub enum VoucherCommand {
    /// Issue a batch of vouchers of one value; prints their codes (shown only this once).
    CreateBatch {
        /// How many vouchers (1–1000).
        #[arg(long)]
        count: u32,
        /// Value of each voucher.
        #[arg(long)]
        value: Decimal,
        /// ISO 4217 currency (default: the gateway's).
        #[arg(long)]
        currency: Option<String>,
        /// Last day the vouchers may be redeemed (YYYY-MM-DD).
        #[arg(long)]
        expires_on: NaiveDate,
        /// Batch name (default: the operator and the time).
        #[arg(long)]
        batch: Option<String>,
    },
    /// List vouchers by serial number (without codes).
    List {
        /// Only vouchers in this state (unused, used, expired).
        #[arg(long)]
        status: Option<String>,
        /// Page size.
        #[arg(long)]
        limit: Option<u32>,
        /// Continue after this serial (from the previous page).
        #[arg(long)]
        after: Option<i64>,
    },
    /// Show one voucher by its serial number.
    Show {
        /// Serial number (from `create-batch` or `list`).
        serial: i64,
    },
}

/// Columns of a voucher table.
const COLUMNS: [(&str, &str); 7] = [
    ("serial", "serial"),
    ("batch", "batch"),
    ("value", "value"),
    ("currency", "currency"),
    ("expires on", "expires_on"),
    ("status", "status"),
    ("used by", "used_by"),
];

/// Runs a vouchers command; returns what to print.
pub async fn run(args: &AdminArgs, command: &VoucherCommand) -> Result<String, CliError> {
    let (method, path, body) = request_for(command)?;
    let value = call(args, method, &path, body).await?;
    let value = match command {
        VoucherCommand::Show { serial } => one(&value, *serial)?,
        _ => value,
    };
    Ok(if args.json {
        serde_json::to_string_pretty(&value).unwrap_or_default()
    } else {
        render(command, &value)
    })
}

fn request_for(command: &VoucherCommand) -> Result<(Method, String, Option<Value>), CliError> {
    use VoucherCommand as C;
    Ok(match command {
        C::CreateBatch {
            count,
            value,
            currency,
            expires_on,
            batch,
        } => {
            let mut body = json!({ "count": count, "value": value, "expires_on": expires_on });
            if let Some(c) = currency {
                body["currency"] = json!(c);
            }
            if let Some(b) = batch {
                body["batch"] = json!(b);
            }
            (Method::POST, "/admin/v1/vouchers".to_owned(), Some(body))
        }
        C::List { status, limit, after } => {
            let q = query(&[
                ("status", status.clone()),
                ("limit", limit.map(|l| l.to_string())),
                ("after", after.map(|a| a.to_string())),
            ]);
            (Method::GET, format!("/admin/v1/vouchers{q}"), None)
        }
        C::Show { serial } => {
            // The API lists by serial; the page of one after `serial - 1` is the voucher itself.
            let after = serial
                .checked_sub(1)
                .filter(|a| *a >= 0)
                .ok_or_else(|| CliError::Usage(format!("serial: {serial} is not a voucher serial")))?;
            let q = query(&[
                ("after", Some(after.to_string())),
                ("limit", Some("1".to_owned())),
            ]);
            (Method::GET, format!("/admin/v1/vouchers{q}"), None)
        }
    })
}

/// The voucher with `serial` out of a one-entry listing.
fn one(listing: &Value, serial: i64) -> Result<Value, CliError> {
    listing["vouchers"]
        .as_array()
        .and_then(|list| list.iter().find(|v| v["serial"].as_i64() == Some(serial)))
        .cloned()
        .ok_or_else(|| CliError::Refused(format!("404 Not found: no voucher with serial {serial}")))
}

fn render(command: &VoucherCommand, value: &Value) -> String {
    match command {
        VoucherCommand::CreateBatch { .. } => {
            let mut columns = vec![("code", "code")];
            columns.extend_from_slice(&COLUMNS[..5]);
            let count = value["vouchers"].as_array().map_or(0, Vec::len);
            let noun = if count == 1 { "voucher" } else { "vouchers" };
            format!(
                "{}\n{count} {noun} issued; the codes are shown only this once",
                rows(&columns, &value["vouchers"])
            )
        }
        VoucherCommand::List { .. } => {
            let more = value["next_after"]
                .as_i64()
                .map(|n| format!("\nmore: --after {n}"));
            rows(&COLUMNS, &value["vouchers"]) + &more.unwrap_or_default()
        }
        VoucherCommand::Show { .. } => record(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_asks_for_the_page_of_one_at_the_serial() {
        let (method, path, _) =
            request_for(&VoucherCommand::Show { serial: 7 }).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (method, path.as_str()),
            (Method::GET, "/admin/v1/vouchers?after=6&limit=1")
        );
        assert!(request_for(&VoucherCommand::Show { serial: 0 }).is_err());
    }

    #[test]
    fn show_refuses_a_listing_without_the_serial() {
        let listing = json!({"vouchers": [{"serial": 9}]});
        assert!(one(&listing, 8).is_err());
        assert_eq!(one(&listing, 9).ok(), Some(json!({"serial": 9})));
    }
}
