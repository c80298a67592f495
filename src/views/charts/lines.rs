//! The cumulative line chart: a line per municipality of its completes by day, with event markers and a legend.

use std::fmt::Write as _;

use chrono::NaiveDate;

use super::svg::{
    Anchor, BASELINE_SHIFT, GRID, MUTED, N, PAD, WIDTH, frame, join_description, no_data, svg, text, text_width,
    truncate,
};
use super::{CumulativeLines, Lang, PALETTE};

/// The widest an event's label may be; it is meant to be short ("Påminnelse 1").
const MARKER_LABEL_MAX: f64 = 240.0;

/// A line per municipality of its cumulative completes by day, with event markers and a legend.
pub fn cumulative_lines(chart: &CumulativeLines) -> String {
    let lang = Lang::parse(&chart.lang);
    let series: Vec<Vec<(NaiveDate, u64)>> = chart
        .series
        .iter()
        .map(|series| {
            let mut points = series.points.clone();
            points.sort_by_key(|(day, _)| *day);
            points
        })
        .collect();
    let days = series.iter().flatten().map(|(day, _)| *day);
    let (Some(first), Some(last)) = (days.clone().min(), days.max()) else {
        return no_data(&chart.id, &chart.title, &chart.description, lang.no_responses());
    };
    let in_range: Vec<(NaiveDate, String)> =
        chart.markers.iter().filter(|(day, _)| (first..=last).contains(day)).cloned().collect();
    // Drawn labels may be shortened to fit; the description names every event in full.
    let markers: Vec<(NaiveDate, String)> =
        in_range.iter().map(|(day, label)| (*day, truncate(label, MARKER_LABEL_MAX))).collect();
    let summary: Vec<String> = chart
        .series
        .iter()
        .zip(&series)
        .map(|(each, points)| lang.series_summary(&each.label, points.last()))
        .chain(lang.markers_summary(&in_range))
        .collect();
    let description = join_description(&chart.description, &summary);

    let highest = series.iter().flatten().map(|(_, count)| *count).max().unwrap_or(0);
    let y_axis = YAxis::nice(highest);
    let y_labels: Vec<(u64, String)> = y_axis.ticks().map(|value| (value, lang.count(value))).collect();
    let y_label_width = y_labels.iter().map(|(_, label)| text_width(label)).fold(0.0, f64::max);
    let span = (last - first).num_days();
    let widest_day =
        (0..=span).map(|offset| text_width(&lang.day(first + chrono::Days::new(offset as u64)))).fold(0.0, f64::max);
    let plot_left = (PAD + y_label_width + 12.0).max(PAD + widest_day / 2.0);
    let plot_right = WIDTH - PAD - widest_day / 2.0;
    let x = |day: NaiveDate| {
        if span == 0 {
            (plot_left + plot_right) / 2.0
        } else {
            plot_left + (day - first).num_days() as f64 / span as f64 * (plot_right - plot_left)
        }
    };

    let marker_rows = marker_label_rows(&markers, &x);
    let row_count = marker_rows.iter().map(|(row, _)| row + 1).max().unwrap_or(0);
    let plot_top = PAD + 30.0 * row_count as f64 + 16.0;
    let plot_bottom = plot_top + 300.0;
    let y = |value: u64| plot_bottom - value as f64 / y_axis.top as f64 * (plot_bottom - plot_top);

    let mut body = String::new();
    for (value, label) in &y_labels {
        let gy = y(*value);
        let colour = if *value == 0 { MUTED } else { GRID };
        svg!(
            body,
            r#"<line x1="{0}" y1="{1}" x2="{2}" y2="{1}" stroke="{colour}" stroke-width="2"/>"#,
            N(plot_left),
            N(gy),
            N(plot_right)
        );
        text(&mut body, plot_left - 10.0, gy + BASELINE_SHIFT, Anchor::End, "", label);
    }
    for (day, label) in x_ticks(first, last, plot_right - plot_left, lang) {
        let tx = x(day);
        svg!(
            body,
            r#"<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="{MUTED}" stroke-width="2"/>"#,
            N(tx),
            N(plot_bottom),
            N(plot_bottom + 6.0)
        );
        text(&mut body, tx, plot_bottom + 32.0, Anchor::Middle, "", &label);
    }
    for ((day, label), (row, anchor)) in markers.iter().zip(&marker_rows) {
        let mx = x(*day);
        let baseline = PAD + 20.0 + 30.0 * *row as f64;
        svg!(
            body,
            r#"<line class="event" x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="{MUTED}" stroke-width="2" stroke-dasharray="6 5"/>"#,
            N(mx),
            N(baseline + 6.0),
            N(plot_bottom)
        );
        let label_x = if *anchor == Anchor::Start { mx + 6.0 } else { mx - 6.0 };
        text(&mut body, label_x, baseline, *anchor, "", label);
    }
    for (index, points) in series.iter().enumerate() {
        let style = LineStyle::nth(index);
        if points.len() > 1 {
            let mut path = String::new();
            for (position, (day, count)) in points.iter().enumerate() {
                let command = if position == 0 { 'M' } else { 'L' };
                svg!(path, "{command}{},{}", N(x(*day)), N(y(*count)));
            }
            svg!(
                body,
                r#"<path class="series" d="{path}" fill="none" stroke="{}" stroke-width="4" stroke-linejoin="round"{}/>"#,
                style.colour,
                style.dash_attribute()
            );
        }
        // A point marker on every point would clutter long surveys: at most about a dozen, always the last.
        let stride = points.len().div_ceil(12).max(1);
        for (position, (day, count)) in points.iter().enumerate() {
            if position.is_multiple_of(stride) || position + 1 == points.len() {
                style.shape.draw(&mut body, x(*day), y(*count), style.colour);
            }
        }
    }

    let legend_top = plot_bottom + 52.0;
    let mut cursor = PAD;
    let mut row = 0;
    for (index, each) in chart.series.iter().enumerate() {
        let style = LineStyle::nth(index);
        let label = if series[index].is_empty() {
            format!("{} ({})", each.label, lang.no_responses_lower())
        } else {
            each.label.clone()
        };
        let label = truncate(&label, WIDTH - 2.0 * PAD - 56.0);
        let width = 56.0 + text_width(&label);
        if cursor > PAD && cursor + width > WIDTH - PAD {
            cursor = PAD;
            row += 1;
        }
        let middle = legend_top + 18.0 + 36.0 * f64::from(row);
        svg!(
            body,
            r#"<line x1="{0}" y1="{2}" x2="{1}" y2="{2}" stroke="{3}" stroke-width="4"{4}/>"#,
            N(cursor),
            N(cursor + 48.0),
            N(middle),
            style.colour,
            style.dash_attribute()
        );
        style.shape.draw(&mut body, cursor + 24.0, middle, style.colour);
        text(&mut body, cursor + 56.0, middle + BASELINE_SHIFT, Anchor::Start, r#" class="legend""#, &label);
        cursor += width + 28.0;
    }
    let height = legend_top + 36.0 * f64::from(row + 1) + PAD;
    frame(&chart.id, &chart.title, &description, height, &body)
}

/// A count axis from zero to a round top, with 3 to 5 equal steps (4 to 6 gridlines).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct YAxis {
    pub(super) step: u64,
    pub(super) top: u64,
}

impl YAxis {
    pub(super) fn nice(highest: u64) -> Self {
        let mut magnitude = 1u64;
        loop {
            for multiple in [1, 2, 5] {
                let step = multiple * magnitude;
                let steps = highest.div_ceil(step);
                if steps <= 5 {
                    return Self { step, top: step * steps.max(3) };
                }
            }
            magnitude *= 10;
        }
    }

    pub(super) fn ticks(self) -> impl Iterator<Item = u64> {
        (0..=self.top).step_by(self.step as usize)
    }
}

/// The labelled days on the x axis: every `step` days from the first, with a step wide enough that no labels touch.
pub(super) fn x_ticks(first: NaiveDate, last: NaiveDate, plot_width: f64, lang: Lang) -> Vec<(NaiveDate, String)> {
    let span = (last - first).num_days().max(0) as u64;
    if span == 0 {
        return vec![(first, lang.day(first))];
    }
    let widest = (0..=span).map(|offset| text_width(&lang.day(first + chrono::Days::new(offset)))).fold(0.0, f64::max);
    let per_day = plot_width / span as f64;
    let step = [1, 2, 3, 4, 7, 14, 21, 28]
        .into_iter()
        .chain((5..).map(|weeks| weeks * 7))
        .find(|step| *step as f64 * per_day >= widest + 16.0)
        .unwrap_or(span);
    (0..=span)
        .step_by(step as usize)
        .map(|offset| first + chrono::Days::new(offset))
        .map(|day| (day, lang.day(day)))
        .collect()
}

/// Which row above the plot each event label goes in, and which side of its line, so that labels do not overlap.
fn marker_label_rows(markers: &[(NaiveDate, String)], x: &impl Fn(NaiveDate) -> f64) -> Vec<(usize, Anchor)> {
    let mut rows: Vec<Vec<(f64, f64)>> = Vec::new();
    markers
        .iter()
        .map(|(day, label)| {
            let mx = x(*day);
            let width = text_width(label);
            let (anchor, from, to) = if mx + 6.0 + width <= WIDTH - PAD {
                (Anchor::Start, mx, mx + 6.0 + width)
            } else {
                (Anchor::End, mx - 6.0 - width, mx)
            };
            let free = rows.iter().position(|taken| taken.iter().all(|(a, b)| to + 8.0 < *a || from > *b + 8.0));
            let row = free.unwrap_or_else(|| {
                rows.push(Vec::new());
                rows.len() - 1
            });
            rows[row].push((from, to));
            (row, anchor)
        })
        .collect()
}

/// How one series is told apart without colour: a dash pattern and a point marker, besides its colour.
pub(super) struct LineStyle {
    colour: &'static str,
    pub(super) dash: &'static str,
    pub(super) shape: Shape,
}

impl LineStyle {
    const DASHES: [&'static str; 6] = ["", "18 8", "4 6", "18 6 4 6", "9 6", "20 5 4 5 4 5"];

    pub(super) fn nth(index: usize) -> Self {
        Self {
            colour: PALETTE[index % PALETTE.len()],
            dash: Self::DASHES[index % Self::DASHES.len()],
            // Past six series the shapes shift, so the combinations stay distinct.
            shape: Shape::ALL[(index + index / Shape::ALL.len()) % Shape::ALL.len()],
        }
    }

    fn dash_attribute(&self) -> String {
        if self.dash.is_empty() { String::new() } else { format!(r#" stroke-dasharray="{}""#, self.dash) }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    Circle,
    Square,
    Triangle,
    Diamond,
    Ring,
    TriangleDown,
}

impl Shape {
    const ALL: [Self; 6] = [Self::Circle, Self::Square, Self::Triangle, Self::Diamond, Self::Ring, Self::TriangleDown];

    fn draw(self, out: &mut String, x: f64, y: f64, colour: &str) {
        let (x, y) = (N(x), N(y));
        match self {
            Self::Circle => svg!(out, r#"<circle cx="{x}" cy="{y}" r="7" fill="{colour}"/>"#),
            Self::Ring => {
                svg!(out, r##"<circle cx="{x}" cy="{y}" r="6" fill="#fff" stroke="{colour}" stroke-width="3"/>"##)
            }
            Self::Square => {
                svg!(out, r#"<rect x="{}" y="{}" width="13" height="13" fill="{colour}"/>"#, N(x.0 - 6.5), N(y.0 - 6.5))
            }
            Self::Triangle => svg!(out, r#"<path d="M{x},{}l8,14h-16z" fill="{colour}"/>"#, N(y.0 - 8.0)),
            Self::TriangleDown => svg!(out, r#"<path d="M{x},{}l8,-14h-16z" fill="{colour}"/>"#, N(y.0 + 8.0)),
            Self::Diamond => svg!(out, r#"<path d="M{x},{}l8,8l-8,8l-8,-8z" fill="{colour}"/>"#, N(y.0 - 8.0)),
        }
        out.push('\n');
    }
}

impl Lang {
    fn series_summary(self, label: &str, last: Option<&(NaiveDate, u64)>) -> String {
        match (last, self) {
            (Some((day, count)), Self::Sv) => {
                format!("{label}: {} svar till och med {}.", self.count(*count), self.day(*day))
            }
            (Some((day, count)), Self::En) => {
                format!("{label}: {} completes by {}.", self.count(*count), self.day(*day))
            }
            (None, _) => format!("{label}: {}.", self.no_responses_lower()),
        }
    }

    fn markers_summary(self, markers: &[(NaiveDate, String)]) -> Option<String> {
        if markers.is_empty() {
            return None;
        }
        let events: Vec<String> = markers.iter().map(|(day, label)| format!("{label} ({})", self.day(*day))).collect();
        let heading = match self {
            Self::Sv => "Händelser",
            Self::En => "Events",
        };
        Some(format!("{heading}: {}.", events.join(", ")))
    }
}
