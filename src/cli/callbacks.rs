//! `pxgate admin callbacks …`: notifications owed to applications' endpoints, each delivery attempt,
//! and sending one again, through `/admin/v1/callbacks`.

use clap::Subcommand;
use reqwest::Method;
use serde_json::Value;

use super::admin::{AdminArgs, CliError, call, percent_encode as encode, query, record, rows};

/// `pxgate admin callbacks …`
#[derive(Debug, Subcommand)]
pub enum CallbackCommand {
    /// List callbacks, newest first.
    List {
        /// Only this application's.
        #[arg(long)]
        app: Option<String>,
        /// Only in this state: pending, delivered or abandoned.
        #[arg(long)]
        status: Option<String>,
        /// Only older than this id (the previous page's last id).
        #[arg(long)]
        before: Option<i64>,
        /// Page size (1 to 500).
        #[arg(long)]
        limit: Option<i64>,
    },
    /// Show one callback, its body and every attempt.
    Show {
        /// Callback id.
        id: i64,
    },
    /// Queue a delivered or abandoned callback again, due now.
    Retry {
        /// Callback id.
        id: i64,
    },
}

/// Runs a callbacks command; returns what to print.
pub async fn run(args: &AdminArgs, command: &CallbackCommand) -> Result<String, CliError> {
    use CallbackCommand as C;
    let (method, path) = match command {
        C::List {
            app,
            status,
            before,
            limit,
        } => {
            let q = query(&[
                ("app_id", app.as_deref().map(encode)),
                ("status", status.as_deref().map(encode)),
                ("before", before.map(|b| b.to_string())),
                ("limit", limit.map(|l| l.to_string())),
            ]);
            (Method::GET, format!("/admin/v1/callbacks{q}"))
        }
        C::Show { id } => (Method::GET, format!("/admin/v1/callbacks/{id}")),
        C::Retry { id } => (Method::POST, format!("/admin/v1/callbacks/{id}/retry")),
    };
    let value = call(args, method, &path, None).await?;
    if args.json {
        return Ok(serde_json::to_string_pretty(&value).unwrap_or_default());
    }
    Ok(match command {
        C::List { .. } => rows(
            &[
                ("id", "id"),
                ("app", "app_id"),
                ("kind", "kind"),
                ("status", "status"),
                ("attempts", "attempts"),
                ("next attempt", "next_attempt_at"),
                ("last error", "last_error"),
            ],
            &value,
        ),
        C::Show { .. } => detail(&value),
        C::Retry { .. } => record(&value),
    })
}

/// The callback's fields, its attempts as a table, then the body.
fn detail(value: &Value) -> String {
    let mut fields = value.clone();
    if let Some(object) = fields.as_object_mut() {
        object.remove("attempt_log");
        object.remove("body");
    }
    let attempts = rows(
        &[
            ("attempted at", "at"),
            ("ms", "duration_ms"),
            ("HTTP", "http_status"),
            ("error", "error"),
        ],
        &value["attempt_log"],
    );
    format!(
        "{}\n{attempts}\n{}",
        record(&fields),
        value["body"].as_str().unwrap_or_default()
    )
}
