//! `pxgate admin campaigns …`: scheduled bulk messages through the admin API
//! (`/admin/v1/campaigns…`, docs/guides/campaigns.md). Output follows `cli::admin` (tables for
//! people, `--json` for scripts).

use clap::Subcommand;
use reqwest::Method;
use serde_json::{Value, json};

use super::admin::{AdminArgs, CliError, call, percent_encode, record, rows};

/// `pxgate admin campaigns …`
#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    /// Schedule a campaign.
    Create {
        /// What to call it.
        #[arg(long)]
        name: String,
        /// The sender (short code or name).
        #[arg(long)]
        sender: String,
        /// The text.
        #[arg(long)]
        text: String,
        /// A CSV file whose first column holds the numbers (a header line is skipped).
        #[arg(long, conflicts_with = "all_active", required_unless_present = "all_active")]
        csv: Option<std::path::PathBuf>,
        /// Every active account instead of a list.
        #[arg(long)]
        all_active: bool,
        /// Start time, RFC 3339 (default: now).
        #[arg(long)]
        start: Option<String>,
        /// Daily window in the operator's time zone, `FROM-TO` hours (e.g. 9-21; default: all day).
        #[arg(long)]
        window: Option<String>,
        /// Most numbers per second.
        #[arg(long)]
        rate: u32,
    },
    /// List the campaigns with their progress.
    List,
    /// Show one campaign's progress and delivery report.
    Show {
        /// Its id.
        id: String,
    },
    /// Pause a campaign.
    Pause {
        /// Its id.
        id: String,
    },
    /// Resume a paused campaign.
    Resume {
        /// Its id.
        id: String,
    },
    /// Cancel a campaign for good.
    Cancel {
        /// Its id.
        id: String,
    },
}

/// Runs a campaigns command; returns what to print.
pub async fn run(args: &AdminArgs, command: &CampaignCommand) -> Result<String, CliError> {
    let (method, path, body) = request_for(command)?;
    let value = call(args, method, &path, body).await?;
    Ok(if args.json {
        serde_json::to_string_pretty(&value).unwrap_or_default()
    } else {
        render(command, &value)
    })
}

/// The numbers of a CSV file ([`numbers_in_csv`]).
fn numbers_in(path: &std::path::Path) -> Result<Vec<String>, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))?;
    Ok(numbers_in_csv(&text))
}

/// The numbers of a CSV text: the first column of each line (quotes and blanks trimmed, empty
/// lines skipped); a first line with no digit in it is a header.
pub fn numbers_in_csv(text: &str) -> Vec<String> {
    let mut numbers: Vec<String> = text
        .lines()
        .map(|l| {
            l.split(',')
                .next()
                .unwrap_or_default()
                .trim()
                .trim_matches('"')
                .to_owned()
        })
        .filter(|n| !n.is_empty())
        .collect();
    if numbers
        .first()
        .is_some_and(|n| !n.bytes().any(|b| b.is_ascii_digit()))
    {
        numbers.remove(0);
    }
    numbers
}

/// `FROM-TO` as two hours.
fn window_of(raw: &str) -> Result<(u32, u32), CliError> {
    let usage = || CliError::Usage(format!("--window {raw:?}: FROM-TO hours, e.g. 9-21"));
    let (from, to) = raw.split_once('-').ok_or_else(usage)?;
    Ok((
        from.trim().parse().map_err(|_| usage())?,
        to.trim().parse().map_err(|_| usage())?,
    ))
}

fn request_for(command: &CampaignCommand) -> Result<(Method, String, Option<Value>), CliError> {
    use CampaignCommand as C;
    let path = |id: &str, action: &str| format!("/admin/v1/campaigns/{}{action}", percent_encode(id.trim()));
    Ok(match command {
        C::Create {
            name,
            sender,
            text,
            csv,
            all_active,
            start,
            window,
            rate,
        } => {
            let mut body = json!({"name": name, "sender": sender, "text": text, "rate_per_sec": rate});
            match csv {
                Some(file) => body["numbers"] = json!(numbers_in(file)?),
                None => body["all_active_accounts"] = json!(all_active),
            }
            if let Some(s) = start {
                body["start_at"] = json!(s);
            }
            if let Some(w) = window {
                body["window"] = json!(window_of(w)?);
            }
            (Method::POST, "/admin/v1/campaigns".to_owned(), Some(body))
        }
        C::List => (Method::GET, "/admin/v1/campaigns".to_owned(), None),
        C::Show { id } => (Method::GET, path(id, ""), None),
        C::Pause { id } => (Method::POST, path(id, "/pause"), None),
        C::Resume { id } => (Method::POST, path(id, "/resume"), None),
        C::Cancel { id } => (Method::POST, path(id, "/cancel"), None),
    })
}

fn render(command: &CampaignCommand, value: &Value) -> String {
    match command {
        CampaignCommand::List => {
            let columns = [
                ("id", "id"),
                ("name", "name"),
                ("by", "created_by"),
                ("status", "status"),
                ("rate/s", "rate_per_sec"),
                ("waiting", "pending"),
                ("sent", "sent"),
                ("opted out", "opted_out"),
            ];
            rows(&columns, value)
        }
        _ => record(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_numbers_skip_a_header_and_windows_read_as_hours() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("list.csv");
        std::fs::write(&file, "msisdn,name\n010-1234-0001,Kim\n\"+821012340002\",Lee\n\n").unwrap();
        assert_eq!(numbers_in(&file).unwrap(), ["010-1234-0001", "+821012340002"]);
        assert_eq!(window_of("9-21").unwrap(), (9, 21));
        assert!(window_of("9").is_err());
    }
}
