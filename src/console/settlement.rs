//! Settlement: per application and calendar month (operator zone), the calls, the refused calls,
//! the money charged and refunded and the net, on screen and as CSV. The figures are the admin
//! API's usage reports (`GET /apps/{id}/usage`, by operation and by outcome): the counts the
//! framework writes once a second, with every charge's amount signed (refunds negative).

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Months, NaiveDate, TimeZone, Utc};
use maud::html;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::ConsoleState;
use super::layout::{self, Ctx, field};
use crate::admin::app_views::AppList;

/// A usage report of the admin API, read from its JSON. (`UsageReport` flattens its sums into
/// each group, and serde's flatten cannot read back the exact numbers the gateway writes.)
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct Usage {
    /// All calls in the period.
    pub(super) calls: i64,
    /// Per group: its key, calls, mean latency (ms) and money per currency.
    pub(super) groups: Vec<(String, i64, f64, BTreeMap<String, Decimal>)>,
}

impl Usage {
    pub(super) fn from_json(v: &serde_json::Value) -> Self {
        let number = |v: &serde_json::Value| v.to_string().trim_matches('"').parse::<f64>().unwrap_or(0.0);
        let groups = v["groups"]
            .as_array()
            .map(|groups| {
                groups
                    .iter()
                    .map(|g| {
                        let amounts = g["amounts"]
                            .as_object()
                            .map(|a| {
                                a.iter()
                                    .filter_map(|(c, d)| {
                                        Some((c.clone(), d.to_string().trim_matches('"').parse().ok()?))
                                    })
                                    .collect()
                            })
                            .unwrap_or_default();
                        let key = g["key"].as_str().unwrap_or_default().to_owned();
                        (
                            key,
                            g["calls"].as_i64().unwrap_or(0),
                            number(&g["mean_latency_ms"]),
                            amounts,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            calls: v["total"]["calls"].as_i64().unwrap_or(0),
            groups,
        }
    }
}

/// One application's month, in one currency (`""` when nothing moved).
#[derive(Debug, Default, Clone, PartialEq)]
struct Line {
    app_id: String,
    currency: String,
    calls: i64,
    refused: i64,
    charged: Decimal,
    refunded: Decimal,
}

/// Query of the settlement page: `month=YYYY-MM`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct MonthQuery {
    month: Option<String>,
}

/// `YYYY-MM` → its first instant and the next month's, in `zone`, as RFC 3339.
fn month_bounds(month: &str, zone: chrono_tz::Tz) -> Option<(String, String)> {
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok()?;
    let next = first.checked_add_months(Months::new(1))?;
    let at = |d: NaiveDate| {
        let local = zone.from_local_datetime(&d.and_hms_opt(0, 0, 0)?).earliest()?;
        Some(
            local
                .with_timezone(&Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        )
    };
    Some((at(first)?, at(next)?))
}

/// The lines of one application from its two reports.
fn lines(app_id: &str, by_operation: &Usage, by_outcome: &Usage) -> Vec<Line> {
    let refused: i64 = by_outcome
        .groups
        .iter()
        .filter(|g| g.0 != "ok")
        .map(|g| g.1)
        .sum();
    let mut per_currency: BTreeMap<String, Line> = BTreeMap::new();
    for group in &by_operation.groups {
        for (currency, amount) in &group.3 {
            let line = per_currency.entry(currency.clone()).or_default();
            if amount.is_sign_negative() {
                line.refunded -= amount;
            } else {
                line.charged += amount;
            }
        }
    }
    if per_currency.is_empty() {
        per_currency.insert(String::new(), Line::default());
    }
    per_currency
        .into_iter()
        .map(|(currency, line)| Line {
            app_id: app_id.to_owned(),
            currency,
            calls: by_operation.calls,
            refused,
            ..line
        })
        .collect()
}

/// Today in the operator's zone, as the percent-encoded RFC 3339 bounds of a usage query.
pub(super) fn today(admin: &crate::admin::AdminState) -> (String, String) {
    let zone = admin.locale().time_zone;
    let day = admin.now().today;
    let at = |d: NaiveDate| {
        let midnight = d.and_hms_opt(0, 0, 0).unwrap_or_default();
        let instant = zone
            .from_local_datetime(&midnight)
            .earliest()
            .map_or_else(|| Utc.from_utc_datetime(&midnight), |t| t.with_timezone(&Utc));
        crate::http::percent_encode(&instant.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    };
    (at(day), at(day.succ_opt().unwrap_or(day)))
}

/// A usage report of the admin API.
async fn read(state: &ConsoleState, operator: &crate::admin::Operator, path: &str) -> Result<Usage, String> {
    let v = state
        .api()
        .get::<serde_json::Value>(operator, path)
        .await
        .map_err(|r| r.detail)?;
    Ok(Usage::from_json(&v))
}

/// Every application's lines for `month`, or a message saying why not.
async fn settle(state: &ConsoleState, ctx: &Ctx, month: &str) -> Result<Vec<Line>, String> {
    let zone = state.admin().locale().time_zone;
    let Some((from, to)) = month_bounds(month, zone) else {
        return Err(ctx
            .lang
            .t("월은 YYYY-MM 형식입니다.", "The month is YYYY-MM.")
            .to_owned());
    };
    let operator = ctx.operator();
    let apps = state
        .api()
        .get::<AppList>(&operator, "/apps")
        .await
        .map_err(|r| r.detail)?;
    let mut out = Vec::new();
    for app in &apps.apps {
        let report = |by: &str| {
            let id = crate::http::percent_encode(&app.id);
            let (from, to) = (
                crate::http::percent_encode(&from),
                crate::http::percent_encode(&to),
            );
            format!("/apps/{id}/usage?from={from}&to={to}&by={by}")
        };
        let by_operation = read(state, &operator, &report("operation")).await?;
        let by_outcome = read(state, &operator, &report("outcome")).await?;
        out.extend(lines(&app.id, &by_operation, &by_outcome));
    }
    Ok(out)
}

fn month_of(state: &ConsoleState, q: &MonthQuery) -> String {
    q.month
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map_or_else(|| state.admin().now().month, str::to_owned)
}

/// `GET /console/settlement?month=YYYY-MM`
pub(super) async fn page(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Query(q): Query<MonthQuery>,
) -> Response {
    let lang = ctx.lang;
    let month = month_of(&state, &q);
    let settled = settle(&state, &ctx, &month).await;
    let money = |d: Decimal, c: &str| {
        if c.is_empty() {
            "–".to_owned()
        } else {
            lang.money(d, c)
        }
    };
    let body = html! {
        h1 { (lang.t("정산", "Settlement")) " " (month) }
        form.card.search method="get" action="/console/settlement" {
            (field(lang.t("월 (YYYY-MM)", "Month (YYYY-MM)"), "month", "month", &month, settled.as_ref().err().map(String::as_str)))
            button type="submit" { (lang.t("보기", "Show")) }
            a.button href={ "/console/settlement.csv?month=" (month) } id="csv" { "CSV" }
        }
        @if let Ok(lines) = &settled {
            table.list id="settlement" {
                thead { tr {
                    th { (lang.t("애플리케이션", "Application")) } th.num { (lang.t("호출", "Calls")) } th.num { (lang.t("거부", "Refused")) }
                    th.num { (lang.t("결제", "Charged")) } th.num { (lang.t("환불", "Refunded")) } th.num { (lang.t("순액", "Net")) }
                } }
                tbody { @for l in lines { tr {
                    td { a href={ "/console/apps/" (l.app_id) } { (l.app_id) } }
                    td.num { (l.calls) } td.num { (l.refused) }
                    td.num { (money(l.charged, &l.currency)) } td.num { (money(l.refunded, &l.currency)) }
                    td.num { (money(l.charged - l.refunded, &l.currency)) }
                } } }
            }
        }
    };
    let status = if settled.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    (
        status,
        layout::page(
            &ctx.at("/console/settlement".to_owned()),
            lang.t("정산", "Settlement"),
            body,
        ),
    )
        .into_response()
}

/// `GET /console/settlement.csv?month=YYYY-MM`:
/// `month,app_id,currency,calls,refused,charged,refunded,net`.
pub(super) async fn csv(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Query(q): Query<MonthQuery>,
) -> Response {
    let month = month_of(&state, &q);
    match settle(&state, &ctx, &month).await {
        Ok(lines) => {
            let mut out = String::from("month,app_id,currency,calls,refused,charged,refunded,net\r\n");
            for l in &lines {
                let net = l.charged - l.refunded;
                out.push_str(&format!(
                    "{month},{},{},{},{},{},{},{}\r\n",
                    l.app_id,
                    l.currency,
                    l.calls,
                    l.refused,
                    l.charged.normalize(),
                    l.refunded.normalize(),
                    net.normalize()
                ));
            }
            let disposition = format!("attachment; filename=\"settlement-{month}.csv\"");
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                out,
            )
                .into_response()
        }
        Err(message) => layout::refusal(ctx.lang, StatusCode::BAD_REQUEST, &message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_is_counted_in_the_operator_zone() {
        let seoul = chrono_tz::Asia::Seoul;
        assert_eq!(
            month_bounds("2026-12", seoul),
            Some((
                "2026-11-30T15:00:00Z".to_owned(),
                "2026-12-31T15:00:00Z".to_owned()
            ))
        );
        assert_eq!(month_bounds("2026-13", seoul), None);
        assert_eq!(month_bounds("12/2026", seoul), None);
    }

    fn report(by: &str, groups: serde_json::Value) -> Usage {
        let total = serde_json::json!({"calls": 12, "mean_latency_ms": 1.0, "amounts": {}});
        Usage::from_json(&serde_json::json!({
            "app_id": "shop", "from": "2026-11-30T15:00:00Z", "to": "2026-12-31T15:00:00Z",
            "by": by, "total": total, "groups": groups,
        }))
    }

    #[test]
    fn charges_refunds_and_refusals_are_summed_per_currency() {
        let by_operation = report(
            "operation",
            serde_json::json!([
                {"key": "AmountCharging.chargeAmount", "calls": 10, "mean_latency_ms": 1.0, "amounts": {"KRW": 43000}},
                {"key": "AmountCharging.refundAmount", "calls": 2, "mean_latency_ms": 1.0, "amounts": {"KRW": -4300}},
            ]),
        );
        let by_outcome = report(
            "outcome",
            serde_json::json!([
                {"key": "ok", "calls": 9, "mean_latency_ms": 1.0, "amounts": {}},
                {"key": "POL1001", "calls": 3, "mean_latency_ms": 1.0, "amounts": {}},
            ]),
        );
        let l = &lines("shop", &by_operation, &by_outcome)[0];
        assert_eq!((l.currency.as_str(), l.calls, l.refused), ("KRW", 12, 3));
        assert_eq!(
            (l.charged, l.refunded),
            (Decimal::from(43000), Decimal::from(4300))
        );
    }
}
