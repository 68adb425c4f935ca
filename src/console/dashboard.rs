//! The dashboard: the last five minutes of traffic as SVG charts drawn on the server (charges/s,
//! SMS/s, refusals/s, p99 latency, outbox depth, callback backlog), refusals by reason, the SMPP
//! links, and the backlogs of `GET /admin/v1/status`. The charts' part of the page is served on
//! its own (`/console/dashboard/live`) for the page's script to fetch every two seconds.

use std::fmt::Write as _;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::{Markup, PreEscaped, html};

use super::ConsoleState;
use super::Lang;
use super::layout::{self, Ctx};
use super::sampler::{KEEP, Sample};
use crate::admin::status::StatusView;

/// Chart width in SVG units.
const W: f64 = 600.0;
/// Chart height in SVG units.
const H: f64 = 140.0;

/// `GET /console/dashboard`
pub(super) async fn page(State(state): State<ConsoleState>, ctx: Ctx) -> Response {
    let lang = ctx.lang;
    let body = html! {
        h1 { (lang.t("대시보드", "Dashboard")) }
        p.muted { (lang.t("최근 5분, 1초 간격으로 표본을 모으며 2초마다 새로 고칩니다.", "The last five minutes, sampled every second, refreshed every two seconds.")) }
        div id="live" data-src="/console/dashboard/live" { (live_view(&state, &ctx).await) }
        script src="/console/static/console.js" {}
    };
    layout::page(&ctx, lang.t("대시보드", "Dashboard"), body).into_response()
}

/// `GET /console/dashboard/live`: the charts and tables alone.
pub(super) async fn live(State(state): State<ConsoleState>, ctx: Ctx) -> Markup {
    live_view(&state, &ctx).await
}

async fn live_view(state: &ConsoleState, ctx: &Ctx) -> Markup {
    let lang = ctx.lang;
    let samples = state.samples().all();
    let status = state
        .api()
        .get::<StatusView>(&ctx.operator(), "/status")
        .await
        .ok();
    let zone = state.admin().locale().time_zone;
    let now_ms = state.admin().now().at_ms;
    let span = span_secs(samples.first().map(|s| s.at_ms), now_ms);
    let series = |f: &dyn Fn(&Sample) -> Option<f64>| {
        samples
            .iter()
            .filter_map(|s| Some((s.at_ms, f(s)?)))
            .collect::<Vec<_>>()
    };
    html! {
        p.muted id="sampled" data-samples=(samples.len()) {
            (lang.t("표본", "Samples")) " " (samples.len()) " · "
            (samples.last().map_or_else(String::new, |s| lang.time(crate::domain::clock::from_millis(s.at_ms), zone)))
        }
        div.charts {
            (chart(lang.t("결제/초", "Charges/s"), "charges", &series(&|s| Some(s.charges)), now_ms, span, lang))
            (chart(lang.t("문자/초 (접수)", "SMS/s (accepted)"), "sms", &series(&|s| Some(s.sms)), now_ms, span, lang))
            (chart(lang.t("거부/초", "Refusals/s"), "refusals", &series(&|s| Some(s.refused())), now_ms, span, lang))
            (chart(lang.t("p99 지연 (ms)", "p99 latency (ms)"), "p99", &series(&|s| s.p99_ms), now_ms, span, lang))
            (chart(lang.t("발신 대기 (파트)", "Outbox (parts waiting)"), "outbox", &series(&|s| Some(s.outbox)), now_ms, span, lang))
            (chart(lang.t("콜백 대기", "Callbacks waiting"), "callbacks", &series(&|s| Some(s.callbacks)), now_ms, span, lang))
        }
        div.forms {
            (refusals(&samples, lang))
            (links(samples.last(), lang))
            @if let Some(status) = status { (backlogs(&status, lang)) }
        }
    }
}

/// A number as the chart's label shows it.
fn figure(v: f64) -> String {
    // An empty sum is -0.0; a chart says 0.
    let v = v + 0.0;
    if v >= 100.0 || v == v.trunc() {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// The smallest of 1, 2, 5 × 10ⁿ at or above `v` (at least 1): the top of the chart.
fn ceiling(v: f64) -> f64 {
    let mut step = 1.0;
    loop {
        for m in [1.0, 2.0, 5.0] {
            if m * step >= v {
                return m * step;
            }
        }
        step *= 10.0;
    }
}

/// How far back a chart reaches: the oldest sample kept, at least a minute, at most [`KEEP`]
/// seconds, so a gateway started a moment ago fills its charts' width.
fn span_secs(oldest_ms: Option<i64>, now_ms: i64) -> i64 {
    let age = oldest_ms.map_or(0, |at| (now_ms - at) / 1000);
    age.clamp(60, KEEP as i64)
}

/// A line chart of the last `span` seconds, `now_ms` at the right edge.
fn chart(title: &str, id: &str, points: &[(i64, f64)], now_ms: i64, span: i64, lang: Lang) -> Markup {
    let top = ceiling(points.iter().map(|p| p.1).fold(0.0, f64::max));
    let span_ms = span as f64 * 1000.0;
    let mut line = String::new();
    for (at, v) in points {
        let x = W - (now_ms - at) as f64 / span_ms * W;
        let y = H - v / top * (H - 10.0);
        let _ = write!(line, "{:.1},{:.1} ", x.clamp(0.0, W), y);
    }
    let current = points.last().map_or_else(|| "–".to_owned(), |p| figure(p.1));
    let ago = match lang {
        Lang::Ko if span % 60 == 0 => format!("{}분 전", span / 60),
        Lang::Ko => format!("{span}초 전"),
        Lang::En if span % 60 == 0 => format!("{} min ago", span / 60),
        Lang::En => format!("{span} s ago"),
    };
    html! {
        section.card.chart id={ "chart-" (id) } {
            h2 { (title) " " span.now data-value=(current) { (current) } }
            svg viewBox="0 0 600 140" preserveAspectRatio="none" role="img" aria-label=(title) {
                line.axis x1="0" y1="139.5" x2="600" y2="139.5" {}
                line.axis x1="0" y1="10" x2="600" y2="10" {}
                text x="2" y="9" { (figure(top)) }
                text x="2" y="137" { (ago) }
                text x="575" y="137" { (lang.t("지금", "now")) }
                @if !line.is_empty() { polyline points=(PreEscaped(line.trim_end())) {} }
            }
        }
    }
}

fn refusals(samples: &[Sample], lang: Lang) -> Markup {
    let mut counts: std::collections::BTreeMap<&str, f64> = std::collections::BTreeMap::new();
    for s in samples {
        for (reason, rate) in &s.refusals {
            *counts.entry(reason).or_insert(0.0) += rate * s.secs;
        }
    }
    html! {
        section.card id="refusals" {
            h2 { (lang.t("거부 사유 (5분)", "Refusals by reason (5 min)")) }
            @if counts.is_empty() { p.muted { (lang.t("없음", "None")) } }
            table.list { tbody {
                @for (reason, n) in &counts { tr { td { (reason) } td.num { (format!("{n:.0}")) } } }
            } }
        }
    }
}

fn links(last: Option<&Sample>, lang: Lang) -> Markup {
    html! {
        section.card id="links" {
            h2 { (lang.t("SMPP 링크", "SMPP links")) }
            table.list {
                thead { tr { th { (lang.t("링크", "Link")) } th { (lang.t("상태", "State")) } th.num { (lang.t("윈도", "Window")) } th.num { (lang.t("스로틀/초", "Throttled/s")) } } }
                tbody {
                    @for (name, l) in last.map(|s| s.links.iter().collect::<Vec<_>>()).unwrap_or_default() {
                        tr {
                            td { (name) }
                            td { @if l.up { span.status.active { (lang.t("연결", "Bound")) } } @else { span.status.closed { (lang.t("끊김", "Down")) } } }
                            td.num { (figure(l.window)) }
                            td.num { (figure(l.throttled)) }
                        }
                    }
                }
            }
        }
    }
}

fn backlogs(status: &StatusView, lang: Lang) -> Markup {
    html! {
        section.card id="backlogs" {
            h2 { (lang.t("미처리", "Backlogs")) }
            p { (lang.t("SMSC 대기 파트", "Parts waiting for the SMSC")) ": " strong { (status.outbox.pending_parts) }
                @if let Some(age) = status.outbox.oldest_pending_secs { " (" (lang.t("가장 오래된 것", "oldest")) " " (age) "s)" } }
            p { (lang.t("애플리케이션 콜백 대기", "Callbacks waiting")) ": " strong { (status.callbacks.pending) } }
            table.list { tbody {
                @for a in &status.callbacks.by_app { tr { td { (a.app_id) } td.num { (a.pending) } } }
            } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_end_at_a_round_ceiling() {
        assert_eq!(
            (ceiling(0.0), ceiling(0.4), ceiling(1.5), ceiling(3.0)),
            (1.0, 1.0, 2.0, 5.0)
        );
        assert_eq!(
            (ceiling(7.0), ceiling(120.0), ceiling(2000.0)),
            (10.0, 200.0, 2000.0)
        );
        assert_eq!(
            (figure(2.0), figure(2.25), figure(150.4)),
            ("2".to_owned(), "2.2".to_owned(), "150".to_owned())
        );
    }

    #[test]
    fn a_chart_draws_its_points_from_the_left_edge_to_now() {
        let svg = chart("c", "c", &[(0, 0.0), (300_000, 4.0)], 300_000, 300, Lang::En).into_string();
        assert!(svg.contains("5 min ago"));
        assert_eq!(
            (
                span_secs(None, 0),
                span_secs(Some(0), 90_000),
                span_secs(Some(0), 900_000)
            ),
            (60, 90, 300)
        );
        assert!(svg.contains(r#"points="0.0,140.0 600.0,36.0""#), "{svg}");
        assert!(svg.contains(r#"data-value="4""#));
    }
}
