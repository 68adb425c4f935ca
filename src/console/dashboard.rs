//! The dashboard: the last five minutes of traffic as line charts (`console/chart.rs`; charges/s,
//! SMS/s, refusals/s, p99 latency, outbox depth, callback backlog), refusals by reason, the SMPP
//! links, and the backlogs of `GET /admin/v1/status`. The charts' part of the page is served on
//! its own (`/console/dashboard/live`) for the page's script to fetch every two seconds.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use super::ConsoleState;
use super::Lang;
use super::chart::{self, figure};
use super::layout::{self, Ctx};
use super::sampler::{KEEP, Sample};
use crate::admin::status::StatusView;

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
            (chart::line(lang.t("결제/초", "Charges/s"), "charges", &series(&|s| Some(s.charges)), now_ms, span, lang))
            (chart::line(lang.t("문자/초 (접수)", "SMS/s (accepted)"), "sms", &series(&|s| Some(s.sms)), now_ms, span, lang))
            (chart::line(lang.t("거부/초", "Refusals/s"), "refusals", &series(&|s| Some(s.refused())), now_ms, span, lang))
            (chart::line(lang.t("p99 지연 (ms)", "p99 latency (ms)"), "p99", &series(&|s| s.p99_ms), now_ms, span, lang))
            (chart::line(lang.t("발신 대기 (파트)", "Outbox (parts waiting)"), "outbox", &series(&|s| Some(s.outbox)), now_ms, span, lang))
            (chart::line(lang.t("콜백 대기", "Callbacks waiting"), "callbacks", &series(&|s| Some(s.callbacks)), now_ms, span, lang))
        }
        div.forms {
            (refusals(&samples, lang))
            (links(samples.last(), lang))
            @if let Some(status) = status { (backlogs(&status, lang)) }
        }
    }
}

/// How far back a chart reaches: the oldest sample kept, at least a minute, at most [`KEEP`]
/// seconds, so a gateway started a moment ago fills its charts' width.
fn span_secs(oldest_ms: Option<i64>, now_ms: i64) -> i64 {
    let age = oldest_ms.map_or(0, |at| (now_ms - at) / 1000);
    age.clamp(60, KEEP as i64)
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
    fn a_chart_reaches_back_to_the_oldest_sample_between_one_and_five_minutes() {
        assert_eq!(
            (
                span_secs(None, 0),
                span_secs(Some(0), 90_000),
                span_secs(Some(0), 900_000)
            ),
            (60, 90, 300)
        );
    }
}
