//! The rate bar chart: a bar per municipality with its target as a marker line.

use std::fmt::Write as _;

use rust_i18n::t;

use super::svg::{
    Anchor, BASELINE_SHIFT, GRID, HALO, MUTED, N, PAD, TEXT, WIDTH, frame, join_description, line, no_data, stroke,
    svg, text, text_width, wrap_label,
};
use super::{Bar, Lang, PALETTE, RateBars, finite};

/// The widest a municipality's name may be before it is wrapped onto two lines.
pub(super) const LABEL_MAX: f64 = 220.0;

/// Where the first row starts.
const TOP: f64 = PAD;
const BAR_HEIGHT: f64 = 28.0;
/// From one line of a wrapped name to the next.
const LINE_HEIGHT: f64 = 26.0;

/// A horizontal bar per municipality with its response rate, its target as a marker line, and the rate as text.
pub fn rate_bars(chart: &RateBars) -> String {
    let lang = Lang::parse(&chart.lang);
    if chart.bars.is_empty() {
        return no_data(&chart.id, &chart.title, &chart.description, &lang.phrase("chart_no_data"));
    }
    let summary: Vec<String> = chart.bars.iter().map(|bar| lang.bar_summary(bar)).collect();
    let description = join_description(&chart.description, &summary);

    let layout = Layout::new(chart, lang);
    let mut body = String::new();
    layout.gridlines(&mut body, lang);
    for (index, bar) in chart.bars.iter().enumerate() {
        layout.row(&mut body, index, bar, lang);
    }
    let height = if chart.bars.iter().any(|bar| finite(bar.target).is_some()) {
        legend(&mut body, layout.rows_bottom, lang)
    } else {
        layout.rows_bottom + 34.0 + PAD
    };
    frame(&chart.id, &chart.title, &description, height, &body)
}

/// Where the parts of the chart go: the names on the left, then the bars, then room for the longest value.
struct Layout {
    /// Each bar's name, on one line or two.
    labels: Vec<Vec<String>>,
    /// Each bar's rate as text, where it has one.
    values: Vec<Option<String>>,
    row_height: f64,
    /// Where every bar starts.
    bar_left: f64,
    /// How long a bar at 100 % is.
    bar_full: f64,
    /// Where the last row ends and the axis labels begin.
    rows_bottom: f64,
}

impl Layout {
    fn new(chart: &RateBars, lang: Lang) -> Self {
        let labels: Vec<Vec<String>> = chart.bars.iter().map(|bar| wrap_label(&bar.label, LABEL_MAX)).collect();
        let label_width = labels.iter().flatten().map(|line| text_width(line)).fold(60.0, f64::max);
        let row_height = if labels.iter().any(|lines| lines.len() > 1) { 60.0 } else { 48.0 };
        let values: Vec<Option<String>> =
            chart.bars.iter().map(|bar| finite(bar.rate).map(|r| lang.percent(r))).collect();
        let value_width =
            values.iter().flatten().map(|value| text_width(value)).fold(text_width(&lang.percent(1.0)), f64::max);
        let bar_left = PAD + label_width + 12.0;
        // Rates far outside 0..=1 could push the value text wide; the bars keep a usable length regardless.
        let bar_full = (WIDTH - PAD - value_width - 12.0 - bar_left).max(120.0);
        let rows_bottom = TOP + row_height * chart.bars.len() as f64;
        Self { labels, values, row_height, bar_left, bar_full, rows_bottom }
    }

    /// Where a share ends; shares outside 0..=1 end at the ends of the axis.
    fn x(&self, share: f64) -> f64 {
        self.bar_left + share.clamp(0.0, 1.0) * self.bar_full
    }

    /// Gridlines at every quarter, labels only at every half when the quarters' labels would touch.
    fn gridlines(&self, body: &mut String, lang: Lang) {
        let label_every = if self.bar_full / 4.0 >= text_width(&lang.percent_whole(100)) + 12.0 { 1 } else { 2 };
        for step in 0..=4 {
            let gx = self.x(f64::from(step) / 4.0);
            let colour = if step == 0 { MUTED } else { GRID };
            line(body, "", (gx, TOP), (gx, self.rows_bottom + 6.0), &stroke(colour, 2));
            if step % label_every == 0 {
                text(body, gx, self.rows_bottom + 34.0, Anchor::Middle, "", &lang.percent_whole(step * 25));
            }
        }
    }

    /// One municipality's row: its name, its bar, its target and its rate in words or figures.
    fn row(&self, body: &mut String, index: usize, bar: &Bar, lang: Lang) {
        let middle = TOP + self.row_height * (index as f64 + 0.5);
        let lines = &self.labels[index];
        let first_baseline = middle - LINE_HEIGHT * (lines.len() - 1) as f64 / 2.0 + BASELINE_SHIFT;
        for (line_index, line) in lines.iter().enumerate() {
            let y = first_baseline + LINE_HEIGHT * line_index as f64;
            text(body, self.bar_left - 12.0, y, Anchor::End, r#" class="label""#, line);
        }
        let bar_top = middle - BAR_HEIGHT / 2.0;
        let target_x = finite(bar.target).map(|target| self.x(target));
        let end = finite(bar.rate).map(|rate| self.x(rate));
        if let Some(end) = end {
            svg!(
                body,
                r#"<rect class="bar" x="{}" y="{}" width="{}" height="{}" fill="{}"/>"#,
                N(self.bar_left),
                N(bar_top),
                N(end - self.bar_left),
                N(BAR_HEIGHT),
                PALETTE[0]
            );
        }
        // Over the bar, under the text, whose halo keeps it legible where the two cross.
        if let Some(target_x) = target_x {
            target_marker(body, target_x, bar_top - 7.0, bar_top + BAR_HEIGHT + 7.0, "target");
        }
        let baseline = middle + BASELINE_SHIFT;
        match (end, &self.values[index]) {
            (Some(end), Some(value)) => value_text(body, end, target_x, baseline, value),
            _ => {
                let attributes = format!(r#" class="no-rate"{HALO}"#);
                text(body, self.bar_left + 4.0, baseline, Anchor::Start, &attributes, &lang.phrase("chart_no_rate"));
            }
        }
    }
}

/// The rate as text right after its bar, or after the target marker when it would cross it there.
fn value_text(body: &mut String, end: f64, target_x: Option<f64>, baseline: f64, value: &str) {
    let mut value_x = end + 8.0;
    if let Some(target_x) = target_x
        && target_x >= end - 2.0
        && target_x <= value_x + text_width(value) + 4.0
    {
        value_x = target_x + 10.0;
    }
    let attributes = format!(r#" class="value"{HALO}"#);
    text(body, value_x, baseline, Anchor::Start, &attributes, value);
}

/// Explains the marker line (and the bar along with it) below the axis; returns the chart's height.
fn legend(body: &mut String, rows_bottom: f64, lang: Lang) -> f64 {
    let middle = rows_bottom + 70.0;
    svg!(body, r#"<rect x="{}" y="{}" width="24" height="18" fill="{}"/>"#, N(PAD), N(middle - 9.0), PALETTE[0]);
    let rate = lang.phrase("chart_rate");
    text(body, PAD + 32.0, middle + BASELINE_SHIFT, Anchor::Start, "", &rate);
    let marker_x = PAD + 32.0 + text_width(&rate) + 36.0;
    target_marker(body, marker_x, middle - 14.0, middle + 14.0, "legend-target");
    text(body, marker_x + 12.0, middle + BASELINE_SHIFT, Anchor::Start, "", &lang.phrase("chart_target"));
    middle + 14.0 + PAD
}

/// A target: a dark line with a white outline, so it shows on the bar as well as on white.
fn target_marker(out: &mut String, x: f64, top: f64, bottom: f64, class: &str) {
    line(out, "", (x, top), (x, bottom), &stroke("#fff", 8));
    line(out, class, (x, top), (x, bottom), &stroke(TEXT, 3));
}

impl Lang {
    /// A bar in words, for the description: "Sundsvall: 53,2 %, mål 60,0 %."
    fn bar_summary(self, bar: &Bar) -> String {
        let rate = match finite(bar.rate) {
            Some(rate) => self.percent(rate),
            None => self.phrase("chart_no_rate"),
        };
        let (label, locale) = (&bar.label, self.code());
        match finite(bar.target) {
            Some(target) => {
                t!("chart_bar_target", locale = locale, label = label, rate = rate, target = self.percent(target))
            }
            None => t!("chart_bar", locale = locale, label = label, rate = rate),
        }
        .into_owned()
    }
}
