//! The console's SVG charts, drawn on the server so a page needs no script to show them: a line
//! over time (the dashboard's rates and backlogs) and horizontal bars (an application's usage by
//! operation and by outcome). Both scale to a round ceiling ([`ceiling`]) and write their
//! figures the same way ([`figure`]).
//!
//! Must not know: where the numbers come from. maud escapes every label written into the SVG.

use std::fmt::Write as _;

use maud::{Markup, PreEscaped, html};

use super::Lang;

/// Line chart width in SVG units.
const W: f64 = 600.0;
/// Line chart height in SVG units.
const H: f64 = 140.0;

/// Bar chart width in SVG units.
const BARS_W: f64 = 600.0;
/// Bar chart: the narrowest and the widest the label column, left of the bars, may be.
const LABEL_W: (f64, f64) = (80.0, 300.0);
/// Bar chart: room right of the longest bar for its value.
const VALUE_W: f64 = 60.0;
/// Bar chart: the height of one row (a bar and the space under it).
const ROW_H: f64 = 24.0;
/// Bar chart: the height of one bar.
const BAR_H: f64 = 16.0;

/// A number as a chart's label shows it.
pub(super) fn figure(v: f64) -> String {
    // An empty sum is -0.0; a chart says 0.
    let v = v + 0.0;
    if v >= 100.0 || v == v.trunc() {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// The smallest of 1, 2, 5 × 10ⁿ at or above `v` (at least 1): the top of a chart's scale.
pub(super) fn ceiling(v: f64) -> f64 {
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

/// A line chart of the last `span` seconds, `now_ms` at the right edge, in a card of its own
/// (`id="chart-{id}"`) headed by `title` and the latest value.
pub(super) fn line(
    title: &str,
    id: &str,
    points: &[(i64, f64)],
    now_ms: i64,
    span: i64,
    lang: Lang,
) -> Markup {
    let top = ceiling(points.iter().map(|p| p.1).fold(0.0, f64::max));
    let span_ms = span as f64 * 1000.0;
    let mut polyline = String::new();
    for (at, v) in points {
        let x = W - (now_ms - at) as f64 / span_ms * W;
        let y = H - v / top * (H - 10.0);
        let _ = write!(polyline, "{:.1},{:.1} ", x.clamp(0.0, W), y);
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
                @if !polyline.is_empty() { polyline points=(PreEscaped(polyline.trim_end())) {} }
            }
        }
    }
}

/// One bar of a bar chart.
#[derive(Debug, Clone, Copy)]
pub(super) struct Bar<'a> {
    /// What it counts, as the data says it (`data-key`, for scripts and tests).
    pub(super) key: &'a str,
    /// What it counts, as the reader reads it (beside the bar).
    pub(super) label: &'a str,
    /// Its length, written at its end.
    pub(super) value: f64,
    /// Drawn in the refusal colour (class `refused`) rather than the accent.
    pub(super) refused: bool,
}

/// About how wide `text` is written at the bars' 11px: CJK and other wide characters about a full
/// em, the rest about six tenths of one (no font is measured on the server).
fn text_width(text: &str) -> f64 {
    text.chars().map(|c| if c.is_ascii() { 6.5 } else { 11.0 }).sum()
}

/// A horizontal bar chart, one labelled bar per entry in the order given, each with its value at
/// its end; a scale from 0 to the round [`ceiling`] of the largest under them. The label column
/// is as wide as the longest label (within [`LABEL_W`]). `title` names it for screen readers.
/// Nothing to draw is said in words (`empty`), not drawn as an empty frame.
pub(super) fn bars(title: &str, id: &str, bars: &[Bar<'_>], empty: &str) -> Markup {
    if bars.is_empty() {
        return html! { p.muted id={ "bars-" (id) } { (empty) } };
    }
    let top = ceiling(bars.iter().map(|b| b.value).fold(0.0, f64::max));
    let axis_y = ROW_H * bars.len() as f64 + 4.0;
    let height = axis_y + 16.0;
    let longest = bars.iter().map(|b| text_width(b.label)).fold(0.0, f64::max);
    let left = (longest + 12.0).clamp(LABEL_W.0, LABEL_W.1).round();
    let right = BARS_W - VALUE_W;
    let bar_w = right - left;
    html! {
        svg.bars id={ "bars-" (id) } viewBox={ "0 0 " (BARS_W) " " (height) } role="img" aria-label=(title) {
            @for (i, bar) in bars.iter().enumerate() {
                @let y = ROW_H * i as f64 + 4.0;
                @let width = (bar.value.max(0.0) / top * bar_w).max(1.0);
                g.bar data-key=(bar.key) data-value=(figure(bar.value)) {
                    text.label x=(left - 6.0) y=(y + 13.0) text-anchor="end" { (bar.label) }
                    rect class=(if bar.refused { "refused" } else { "counted" }) x=(left) y=(y) width=(format!("{width:.1}")) height=(BAR_H) {}
                    text.value x=(format!("{:.1}", left + width + 4.0)) y=(y + 13.0) { (figure(bar.value)) }
                }
            }
            line.axis x1=(left) y1="0" x2=(left) y2=(axis_y) {}
            line.axis x1=(left) y1=(axis_y) x2=(right) y2=(axis_y) {}
            text x=(left) y=(axis_y + 13.0) text-anchor="middle" { "0" }
            text x=(right) y=(axis_y + 13.0) text-anchor="middle" { (figure(top)) }
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
    fn a_line_runs_from_the_left_edge_to_now() {
        let svg = line("c", "c", &[(0, 0.0), (300_000, 4.0)], 300_000, 300, Lang::En).into_string();
        assert!(svg.contains("5 min ago"));
        assert!(svg.contains(r#"points="0.0,140.0 600.0,36.0""#), "{svg}");
        assert!(svg.contains(r#"data-value="4""#));
    }

    #[test]
    fn bars_scale_to_the_ceiling_and_refusals_stand_out() {
        let svg = bars(
            "by outcome",
            "outcome",
            &[
                Bar {
                    key: "ok",
                    label: "OK",
                    value: 3.0,
                    refused: false,
                },
                Bar {
                    key: "POL0001",
                    label: "<POL0001>",
                    value: 1.0,
                    refused: true,
                },
            ],
            "none",
        )
        .into_string();
        // Short labels: the narrowest label column, 80, so the longest bar is 600 - 80 - 60.
        // Ceiling 5: 3 calls are 3/5 of it, 1 call 1/5.
        assert!(
            svg.contains(r#"<rect class="counted" x="80" y="4" width="276.0" height="16">"#),
            "{svg}"
        );
        assert!(
            svg.contains(r#"<rect class="refused" x="80" y="28" width="92.0" height="16">"#),
            "{svg}"
        );
        assert!(svg.contains(r#"<g class="bar" data-key="POL0001" data-value="1">"#));
        assert!(
            svg.contains("&lt;POL0001&gt;") && !svg.contains("<POL0001>"),
            "labels are escaped"
        );
        assert!(
            svg.contains(r#"viewBox="0 0 600 68""#),
            "two rows and the scale: {svg}"
        );
        assert!(svg.contains(">5</text>"), "the scale's top: {svg}");
        // A long label widens its column (27 × 6.5 + 12), up to 300.
        let long = |label: &str| {
            bars(
                "t",
                "x",
                &[Bar {
                    key: "k",
                    label,
                    value: 1.0,
                    refused: false,
                }],
                "",
            )
            .into_string()
        };
        assert!(long("AmountCharging.chargeAmount").contains(r#"x="188" y="4""#));
        assert!(long(&"x".repeat(100)).contains(r#"x="300" y="4""#));
        assert!(long("성공").contains(r#"x="80" y="4""#));
        let none = bars("t", "x", &[], "Nothing yet").into_string();
        assert_eq!(none, r#"<p class="muted" id="bars-x">Nothing yet</p>"#);
    }
}
