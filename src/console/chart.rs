//! The console's SVG charts, drawn on the server so a page needs no script to show them: a line
//! over time (the dashboard's rates and backlogs), scaled to a round ceiling ([`ceiling`]), its
//! figures written by [`figure`].
//!
//! Must not know: where the numbers come from. maud escapes every label written into the SVG.

use std::fmt::Write as _;

use maud::{Markup, PreEscaped, html};

use super::Lang;

/// Line chart width in SVG units.
const W: f64 = 600.0;
/// Line chart height in SVG units.
const H: f64 = 140.0;

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
}
