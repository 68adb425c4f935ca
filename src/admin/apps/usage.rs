//! `GET /admin/v1/apps/{id}/usage`: an application's calls, latency and money over a period.
//!
//! The store keeps usage per minute, operation and outcome; the report is summed here, in Rust,
//! so both backends answer alike. Periods are instants (RFC 3339); the default is the current
//! calendar month in the operator's zone.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveTime, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Fields, load_app};
use crate::admin::AdminState;
use crate::admin::extract::AdminQuery;
use crate::admin::problem::Problem;
use crate::domain::Currency;
use crate::domain::clock::from_millis;
use crate::store::apps::UsageRow;

/// How a usage report groups its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UsageGrouping {
    /// By `Service.operation`.
    #[default]
    Operation,
    /// By `ok` or the refusal / fault that ended the call.
    Outcome,
    /// By minute (UTC, RFC 3339).
    Minute,
}

/// Calls, latency and money of a set of usage rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageSum {
    /// Number of calls.
    pub calls: i64,
    /// Mean latency, milliseconds (0 without calls).
    pub mean_latency_ms: f64,
    /// Money moved, per ISO 4217 currency.
    pub amounts: BTreeMap<String, Decimal>,
}

/// One group of a usage report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageGroup {
    /// The operation, outcome or minute.
    pub key: String,
    /// Its sums.
    #[serde(flatten)]
    pub sum: UsageSum,
}

/// An application's usage over a period.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UsageReport {
    /// The application.
    pub app_id: String,
    /// Start of the period (inclusive).
    pub from: DateTime<Utc>,
    /// End of the period (exclusive).
    pub to: DateTime<Utc>,
    /// How `groups` is keyed.
    pub by: UsageGrouping,
    /// Sums over the whole period.
    pub total: UsageSum,
    /// Sums per group, in key order.
    pub groups: Vec<UsageGroup>,
}

/// Running sums of usage rows.
#[derive(Debug, Default)]
struct Tally {
    calls: i64,
    latency_us: i64,
    amounts: BTreeMap<String, i64>,
}

impl Tally {
    fn add(&mut self, row: &UsageRow) {
        self.calls += row.calls;
        self.latency_us += row.latency_us;
        // An empty currency means no money moved.
        if !row.currency.is_empty() {
            *self.amounts.entry(row.currency.clone()).or_default() += row.amount;
        }
    }

    fn finish(self) -> UsageSum {
        let mean_latency_ms = if self.calls > 0 {
            let mean = self.latency_us as f64 / self.calls as f64 / 1000.0;
            (mean * 1000.0).round() / 1000.0
        } else {
            0.0
        };
        let amounts = self
            .amounts
            .into_iter()
            .map(|(code, minor)| {
                let amount = Currency::from_code(&code).map_or(Decimal::from(minor), |c| c.from_minor(minor));
                (code, amount)
            })
            .collect();
        UsageSum {
            calls: self.calls,
            mean_latency_ms,
            amounts,
        }
    }
}

impl UsageReport {
    /// Sums `rows` (one application's, within `from..to`) in total and per group.
    pub fn new(
        app_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        by: UsageGrouping,
        rows: &[UsageRow],
    ) -> Self {
        let mut total = Tally::default();
        let mut groups: BTreeMap<String, Tally> = BTreeMap::new();
        for row in rows {
            total.add(row);
            let key = match by {
                UsageGrouping::Operation => row.operation.clone(),
                UsageGrouping::Outcome => row.outcome.clone(),
                UsageGrouping::Minute => {
                    from_millis(row.minute_ms).to_rfc3339_opts(SecondsFormat::Secs, true)
                }
            };
            groups.entry(key).or_default().add(row);
        }
        Self {
            app_id: app_id.to_owned(),
            from,
            to,
            by,
            total: total.finish(),
            groups: groups
                .into_iter()
                .map(|(key, tally)| UsageGroup {
                    key,
                    sum: tally.finish(),
                })
                .collect(),
        }
    }
}

/// Query of `GET /apps/{id}/usage`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsageQuery {
    from: Option<String>,
    to: Option<String>,
    by: Option<UsageGrouping>,
}

/// Start of the calendar month holding `at`, and of the next one, in the operator zone.
fn month_around(zone: Tz, at: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let today = at.with_timezone(&zone).date_naive();
    let first = today.with_day(1).unwrap_or(today);
    let next = first.checked_add_months(Months::new(1)).unwrap_or(first);
    let start = |d: NaiveDate| {
        let midnight = d.and_time(NaiveTime::MIN);
        // A midnight lost to a daylight-saving gap is read as UTC rather than refusing the report.
        zone.from_local_datetime(&midnight)
            .earliest()
            .map_or_else(|| Utc.from_utc_datetime(&midnight), |t| t.with_timezone(&Utc))
    };
    (start(first), start(next))
}

impl UsageQuery {
    /// The period asked for; each end not given is that of the current month (operator zone).
    fn period(&self, state: &AdminState) -> Result<(DateTime<Utc>, DateTime<Utc>), Problem> {
        let now = DateTime::from_timestamp_millis(state.now().at_ms).unwrap_or_default();
        let (month_start, month_end) = month_around(state.locale().time_zone, now);
        let mut f = Fields::default();
        let mut instant = |field: &str, raw: &Option<String>, default: DateTime<Utc>| match raw {
            None => Some(default),
            Some(text) => match DateTime::parse_from_rfc3339(text.trim()) {
                Ok(t) => Some(t.with_timezone(&Utc)),
                Err(e) => {
                    f.push(field, format!("not an RFC 3339 date-time: {e}"));
                    None
                }
            },
        };
        let (from, to) = (
            instant("from", &self.from, month_start),
            instant("to", &self.to, month_end),
        );
        if let (Some(from), Some(to)) = (from, to)
            && from >= to
        {
            f.push("to", "must be after from");
        }
        f.finish()?;
        Ok((from.unwrap_or(month_start), to.unwrap_or(month_end)))
    }
}

/// `GET /apps/{id}/usage?from=&to=&by=operation|outcome|minute`
pub async fn report(
    State(state): State<AdminState>,
    Path(id): Path<String>,
    AdminQuery(q): AdminQuery<UsageQuery>,
) -> Result<Json<UsageReport>, Problem> {
    let (from, to) = q.period(&state)?;
    let app = load_app(&state, &id).await?;
    let rows = state
        .store()
        .usage(&app.id, from.timestamp_millis(), to.timestamp_millis())
        .await?;
    Ok(Json(UsageReport::new(
        &app.id,
        from,
        to,
        q.by.unwrap_or_default(),
        &rows,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(operation: &str, outcome: &str, minute_ms: i64, calls: i64, amount: i64) -> UsageRow {
        UsageRow {
            app_id: "shop".into(),
            operation: operation.into(),
            outcome: outcome.into(),
            minute_ms,
            currency: if amount == 0 { String::new() } else { "KRW".into() },
            calls,
            latency_us: calls * 2_500,
            amount,
        }
    }

    #[test]
    fn rows_are_summed_in_total_and_per_group() {
        let rows = [
            row("AmountCharging.chargeAmount", "ok", 60_000, 3, 3_000),
            row("AmountCharging.chargeAmount", "SVC0270", 60_000, 1, 0),
            row("SendSms.sendSms", "ok", 120_000, 2, 0),
        ];
        let report = UsageReport::new(
            "shop",
            from_millis(0),
            from_millis(180_000),
            UsageGrouping::Operation,
            &rows,
        );
        assert_eq!(report.total.calls, 6);
        assert!((report.total.mean_latency_ms - 2.5).abs() < 1e-9);
        assert_eq!(report.total.amounts.get("KRW"), Some(&Decimal::from(3_000)));
        let keys: Vec<_> = report
            .groups
            .iter()
            .map(|g| (g.key.as_str(), g.sum.calls))
            .collect();
        assert_eq!(keys, [("AmountCharging.chargeAmount", 4), ("SendSms.sendSms", 2)]);
        let by_minute = UsageReport::new(
            "shop",
            from_millis(0),
            from_millis(180_000),
            UsageGrouping::Minute,
            &rows,
        );
        assert_eq!(by_minute.groups[0].key, "1970-01-01T00:01:00Z");
        assert!(by_minute.groups[1].sum.amounts.is_empty());
    }

    #[test]
    fn the_default_period_is_the_operator_zone_month() {
        // 2026-11-30 16:00 UTC is already December 1st in Seoul.
        let at = Utc.with_ymd_and_hms(2026, 11, 30, 16, 0, 0).unwrap();
        let (from, to) = month_around(chrono_tz::Asia::Seoul, at);
        assert_eq!(from, Utc.with_ymd_and_hms(2026, 11, 30, 15, 0, 0).unwrap());
        assert_eq!(to, Utc.with_ymd_and_hms(2026, 12, 31, 15, 0, 0).unwrap());
    }
}
