//! The rate bar chart: a bar per municipality with its target as a marker line.

use std::fmt::Write as _;

use super::svg::{
    Anchor, BASELINE_SHIFT, GRID, HALO, MUTED, N, PAD, TEXT, WIDTH, frame, join_description, no_data, svg, text,
    text_width, wrap_label,
};
use super::{Bar, Lang, PALETTE, RateBars, finite};

/// The widest a municipality's name may be before it is wrapped onto two lines.
pub(super) const LABEL_MAX: f64 = 220.0;

/// A horizontal bar per municipality with its response rate, its target as a marker line, and the rate as text.
pub fn rate_bars(chart: &RateBars) -> String {
    let lang = Lang::parse(&chart.lang);
    if chart.bars.is_empty() {
        return no_data(&chart.id, &chart.title, &chart.description, lang.no_data());
    }
    let summary: Vec<String> = chart.bars.iter().map(|bar| lang.bar_summary(bar)).collect();
    let description = join_description(&chart.description, &summary);

    let labels: Vec<Vec<String>> = chart.bars.iter().map(|bar| wrap_label(&bar.label, LABEL_MAX)).collect();
    let label_width = labels.iter().flatten().map(|line| text_width(line)).fold(60.0, f64::max);
    let row_height = if labels.iter().any(|lines| lines.len() > 1) { 60.0 } else { 48.0 };
    let bar_height = 28.0;
    let values: Vec<Option<String>> = chart.bars.iter().map(|bar| finite(bar.rate).map(|r| lang.percent(r))).collect();
    let value_width =
        values.iter().flatten().map(|value| text_width(value)).fold(text_width(&lang.percent(1.0)), f64::max);

    let bar_left = PAD + label_width + 12.0;
    // Rates far outside 0..=1 could push the value text wide; the bars keep a usable length regardless.
    let bar_full = (WIDTH - PAD - value_width - 12.0 - bar_left).max(120.0);
    let x = |share: f64| bar_left + share.clamp(0.0, 1.0) * bar_full;
    let top = PAD;
    let rows_bottom = top + row_height * chart.bars.len() as f64;

    let mut body = String::new();
    // Gridlines at every quarter, labels only at every half when the quarters' labels would touch.
    let label_every = if bar_full / 4.0 >= text_width(&lang.percent_whole(100)) + 12.0 { 1 } else { 2 };
    for step in 0..=4 {
        let gx = x(f64::from(step) / 4.0);
        let colour = if step == 0 { MUTED } else { GRID };
        svg!(
            body,
            r#"<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="{colour}" stroke-width="2"/>"#,
            N(gx),
            N(top),
            N(rows_bottom + 6.0)
        );
        if step % label_every == 0 {
            text(&mut body, gx, rows_bottom + 34.0, Anchor::Middle, "", &lang.percent_whole(step * 25));
        }
    }
    for (index, ((bar, lines), value)) in chart.bars.iter().zip(&labels).zip(&values).enumerate() {
        let middle = top + row_height * (index as f64 + 0.5);
        let line_height = 26.0;
        let first_baseline = middle - line_height * (lines.len() - 1) as f64 / 2.0 + BASELINE_SHIFT;
        for (line_index, line) in lines.iter().enumerate() {
            let y = first_baseline + line_height * line_index as f64;
            text(&mut body, bar_left - 12.0, y, Anchor::End, r#" class="label""#, line);
        }
        let bar_top = middle - bar_height / 2.0;
        let target_x = finite(bar.target).map(x);
        let end = finite(bar.rate).map(x);
        if let Some(end) = end {
            svg!(
                body,
                r#"<rect class="bar" x="{}" y="{}" width="{}" height="{}" fill="{}"/>"#,
                N(bar_left),
                N(bar_top),
                N(end - bar_left),
                N(bar_height),
                PALETTE[0]
            );
        }
        // Over the bar, under the text, whose halo keeps it legible where the two cross.
        if let Some(target_x) = target_x {
            target_marker(&mut body, target_x, bar_top - 7.0, bar_top + bar_height + 7.0, "target");
        }
        match (end, value) {
            (Some(end), Some(value)) => {
                // The value goes right after the bar, or after the target marker when that would cross it.
                let mut value_x = end + 8.0;
                if let Some(target_x) = target_x
                    && target_x >= end - 2.0
                    && target_x <= value_x + text_width(value) + 4.0
                {
                    value_x = target_x + 10.0;
                }
                let attributes = format!(r#" class="value"{HALO}"#);
                text(&mut body, value_x, middle + BASELINE_SHIFT, Anchor::Start, &attributes, value);
            }
            _ => {
                let attributes = format!(r#" class="no-rate"{HALO}"#);
                text(&mut body, bar_left + 4.0, middle + BASELINE_SHIFT, Anchor::Start, &attributes, lang.no_rate());
            }
        }
    }

    let mut height = rows_bottom + 34.0 + PAD;
    if chart.bars.iter().any(|bar| finite(bar.target).is_some()) {
        // The marker line needs explaining; the bar is explained along with it.
        let middle = rows_bottom + 70.0;
        svg!(body, r#"<rect x="{}" y="{}" width="24" height="18" fill="{}"/>"#, N(PAD), N(middle - 9.0), PALETTE[0]);
        text(&mut body, PAD + 32.0, middle + BASELINE_SHIFT, Anchor::Start, "", lang.rate());
        let marker_x = PAD + 32.0 + text_width(lang.rate()) + 36.0;
        target_marker(&mut body, marker_x, middle - 14.0, middle + 14.0, "legend-target");
        text(&mut body, marker_x + 12.0, middle + BASELINE_SHIFT, Anchor::Start, "", lang.target());
        height = middle + 14.0 + PAD;
    }
    frame(&chart.id, &chart.title, &description, height, &body)
}

/// A target: a dark line with a white outline, so it shows on the bar as well as on white.
fn target_marker(out: &mut String, x: f64, top: f64, bottom: f64, class: &str) {
    svg!(
        out,
        r##"<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#fff" stroke-width="8"/>"##,
        N(x),
        N(top),
        N(bottom)
    );
    svg!(
        out,
        r#"<line class="{class}" x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="{TEXT}" stroke-width="3"/>"#,
        N(x),
        N(top),
        N(bottom)
    );
}

impl Lang {
    fn bar_summary(self, bar: &Bar) -> String {
        let rate = match finite(bar.rate) {
            Some(rate) => self.percent(rate),
            None => self.no_rate().to_owned(),
        };
        match (finite(bar.target), self) {
            (Some(target), Self::Sv) => format!("{}: {rate}, mål {}.", bar.label, self.percent(target)),
            (Some(target), Self::En) => format!("{}: {rate}, target {}.", bar.label, self.percent(target)),
            (None, _) => format!("{}: {rate}.", bar.label),
        }
    }
}
