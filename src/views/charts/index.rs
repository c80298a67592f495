//! The index chart: per group (a municipality, the total) a bar from 0 to its index on the 0–6 scale, with its 95 %
//! interval as a whisker; a hidden index is written as such, never drawn.

use std::fmt::Write as _;

use super::bars::LABEL_MAX;
use super::svg::{
    Anchor, BASELINE_SHIFT, GRID, MUTED, N, PAD, TEXT, WIDTH, frame, join_description, line, no_data, stroke, svg,
    text, text_width, wrap_label,
};
use super::{IndexBar, IndexBars, PALETTE};

/// The top of the index scale.
const SCALE_MAX: f64 = 6.0;
const ROW_HEIGHT: f64 = 52.0;
const BAR_HEIGHT: f64 = 24.0;
const LINE_HEIGHT: f64 = 26.0;

/// A horizontal bar per group with its index, its interval as a whisker, and the index as text.
pub fn index_bars(chart: &IndexBars) -> String {
    if chart.bars.is_empty() {
        return no_data(&chart.id, &chart.title, &chart.description, "Inga svar ännu");
    }
    let summary: Vec<String> = chart.bars.iter().map(summary).collect();
    let description = join_description(&chart.description, &summary);
    let labels: Vec<Vec<String>> = chart.bars.iter().map(|bar| wrap_label(&bar.label, LABEL_MAX)).collect();
    let label_width = labels.iter().flatten().map(|line| text_width(line)).fold(60.0, f64::max);
    let left = PAD + label_width + 12.0;
    let full = (WIDTH - PAD - text_width("dold") - 24.0 - left).max(120.0);
    let x = |index: f64| left + (index / SCALE_MAX).clamp(0.0, 1.0) * full;
    let bottom = PAD + ROW_HEIGHT * chart.bars.len() as f64;
    let mut body = String::new();
    for step in 0..=6 {
        let gx = x(f64::from(step));
        line(&mut body, "", (gx, PAD), (gx, bottom + 6.0), &stroke(if step == 0 { MUTED } else { GRID }, 2));
        text(&mut body, gx, bottom + 34.0, Anchor::Middle, "", &step.to_string());
    }
    for (row, bar) in chart.bars.iter().enumerate() {
        let middle = PAD + ROW_HEIGHT * (row as f64 + 0.5);
        let first = middle - LINE_HEIGHT * (labels[row].len() - 1) as f64 / 2.0 + BASELINE_SHIFT;
        for (number, label) in labels[row].iter().enumerate() {
            text(&mut body, left - 12.0, first + LINE_HEIGHT * number as f64, Anchor::End, r#" class="label""#, label);
        }
        let Some(index) = bar.index.filter(|index| index.is_finite()) else {
            text(&mut body, left + 6.0, middle + BASELINE_SHIFT, Anchor::Start, r#" font-style="italic""#, "dold");
            continue;
        };
        let fill = PALETTE[if bar.total { 1 } else { 0 }];
        svg!(
            body,
            r#"<rect class="bar" x="{}" y="{}" width="{}" height="{}" fill="{fill}"/>"#,
            N(left),
            N(middle - BAR_HEIGHT / 2.0),
            N(x(index) - left),
            N(BAR_HEIGHT)
        );
        if let Some([low, high]) = bar.ci95 {
            let whisker = stroke(TEXT, 3);
            line(&mut body, "whisker", (x(low), middle), (x(high), middle), &whisker);
            for end in [low, high] {
                line(&mut body, "whisker", (x(end), middle - 10.0), (x(end), middle + 10.0), &whisker);
            }
        }
        let value = decimal(index);
        text(
            &mut body,
            x(bar.ci95.map_or(index, |[_, high]| high.max(index))) + 10.0,
            middle + BASELINE_SHIFT,
            Anchor::Start,
            "",
            &value,
        );
    }
    frame(&chart.id, &chart.title, &description, bottom + 34.0 + PAD, &body)
}

/// A bar in words, for the chart's description.
fn summary(bar: &IndexBar) -> String {
    match (bar.index, bar.ci95) {
        (Some(index), Some([low, high])) => {
            format!("{}: {} (95 % intervall {}–{}).", bar.label, decimal(index), decimal(low), decimal(high))
        }
        (Some(index), None) => format!("{}: {}.", bar.label, decimal(index)),
        (None, _) => format!("{}: dold, för få svar.", bar.label),
    }
}

fn decimal(value: f64) -> String {
    format!("{value:.2}").replace('.', ",")
}
