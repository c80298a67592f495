//! The cumulative line chart: a line per municipality of its completes by day, with event markers and a legend.

use std::fmt::Write as _;

use chrono::NaiveDate;
use rust_i18n::t;

use super::svg::{
    Anchor, BASELINE_SHIFT, GRID, MUTED, N, PAD, WIDTH, frame, join_description, line, no_data, stroke, svg, text,
    text_width, truncate,
};
use super::{CumulativeLines, Lang, PALETTE, Series};

/// The widest an event's label may be; it is meant to be short ("Påminnelse 1").
const MARKER_LABEL_MAX: f64 = 240.0;

/// A line per municipality of its cumulative completes by day, with event markers and a legend.
pub fn cumulative_lines(chart: &CumulativeLines) -> String {
    let lang = Lang::parse(&chart.lang);
    let series: Vec<Vec<(NaiveDate, u64)>> = chart.series.iter().map(by_day).collect();
    let days = series.iter().flatten().map(|(day, _)| *day);
    let (Some(first), Some(last)) = (days.clone().min(), days.max()) else {
        return no_data(&chart.id, &chart.title, &chart.description, &lang.phrase("chart_no_responses"));
    };
    let in_range: Vec<(NaiveDate, String)> =
        chart.markers.iter().filter(|(day, _)| (first..=last).contains(day)).cloned().collect();
    let summary: Vec<String> = chart
        .series
        .iter()
        .zip(&series)
        .map(|(each, points)| lang.series_summary(&each.label, points.last()))
        .chain(lang.markers_summary(&in_range))
        .collect();
    let description = join_description(&chart.description, &summary);
    // Drawn labels may be shortened to fit; the description names every event in full.
    let markers: Vec<(NaiveDate, String)> =
        in_range.iter().map(|(day, label)| (*day, truncate(label, MARKER_LABEL_MAX))).collect();

    let highest = series.iter().flatten().map(|(_, count)| *count).max().unwrap_or(0);
    let plot = Plot::new(first, last, highest, &markers, lang);
    let mut body = String::new();
    plot.count_axis(&mut body, lang);
    plot.day_axis(&mut body, lang);
    plot.events(&mut body, &markers);
    for (index, points) in series.iter().enumerate() {
        plot.series(&mut body, points, &LineStyle::nth(index));
    }
    let height = legend(&mut body, &chart.series, &series, plot.bottom + 52.0, lang);
    frame(&chart.id, &chart.title, &description, height, &body)
}

/// A series' points in date order.
fn by_day(series: &Series) -> Vec<(NaiveDate, u64)> {
    let mut points = series.points.clone();
    points.sort_by_key(|(day, _)| *day);
    points
}

/// The plotting area and its scales: days from `left` to `right`, counts from `bottom` up to `top`.
struct Plot {
    first: NaiveDate,
    last: NaiveDate,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    y_axis: YAxis,
    /// For each event, the row of its label above the plot and the side of its line the label is on.
    marker_rows: Vec<(usize, Anchor)>,
}

impl Plot {
    /// Room on the left for the counts, on both sides for half a day's label, and above for the events' labels.
    fn new(first: NaiveDate, last: NaiveDate, highest: u64, markers: &[(NaiveDate, String)], lang: Lang) -> Self {
        let y_axis = YAxis::nice(highest);
        let y_label_width = y_axis.ticks().map(|value| text_width(&lang.count(value))).fold(0.0, f64::max);
        let widest_day = widest_day(first, last, lang);
        let left = (PAD + y_label_width + 12.0).max(PAD + widest_day / 2.0);
        let right = WIDTH - PAD - widest_day / 2.0;
        let mut plot = Self { first, last, left, right, top: 0.0, bottom: 0.0, y_axis, marker_rows: Vec::new() };
        plot.marker_rows = marker_label_rows(markers, &|day| plot.x(day));
        let row_count = plot.marker_rows.iter().map(|(row, _)| row + 1).max().unwrap_or(0);
        plot.top = PAD + 30.0 * row_count as f64 + 16.0;
        plot.bottom = plot.top + 300.0;
        plot
    }

    /// Where a day is across; a single day sits in the middle.
    fn x(&self, day: NaiveDate) -> f64 {
        let span = (self.last - self.first).num_days();
        if span == 0 {
            (self.left + self.right) / 2.0
        } else {
            self.left + (day - self.first).num_days() as f64 / span as f64 * (self.right - self.left)
        }
    }

    /// Where a count is up.
    fn y(&self, value: u64) -> f64 {
        self.bottom - value as f64 / self.y_axis.top as f64 * (self.bottom - self.top)
    }

    /// A gridline and a label at each of the counts' ticks.
    fn count_axis(&self, body: &mut String, lang: Lang) {
        for value in self.y_axis.ticks() {
            let gy = self.y(value);
            let colour = if value == 0 { MUTED } else { GRID };
            line(body, "", (self.left, gy), (self.right, gy), &stroke(colour, 2));
            text(body, self.left - 10.0, gy + BASELINE_SHIFT, Anchor::End, "", &lang.count(value));
        }
    }

    /// A tick and a label below the plot at each labelled day.
    fn day_axis(&self, body: &mut String, lang: Lang) {
        for (day, label) in x_ticks(self.first, self.last, self.right - self.left, lang) {
            let tx = self.x(day);
            line(body, "", (tx, self.bottom), (tx, self.bottom + 6.0), &stroke(MUTED, 2));
            text(body, tx, self.bottom + 32.0, Anchor::Middle, "", &label);
        }
    }

    /// A dashed line down the plot at each event, labelled in its row above.
    fn events(&self, body: &mut String, markers: &[(NaiveDate, String)]) {
        for ((day, label), (row, anchor)) in markers.iter().zip(&self.marker_rows) {
            let mx = self.x(*day);
            let baseline = PAD + 20.0 + 30.0 * *row as f64;
            let dashed = format!(r#"{} stroke-dasharray="6 5""#, stroke(MUTED, 2));
            line(body, "event", (mx, baseline + 6.0), (mx, self.bottom), &dashed);
            let label_x = if *anchor == Anchor::Start { mx + 6.0 } else { mx - 6.0 };
            text(body, label_x, baseline, *anchor, "", label);
        }
    }

    /// One series' line through its points, with point markers along it.
    fn series(&self, body: &mut String, points: &[(NaiveDate, u64)], style: &LineStyle) {
        if points.len() > 1 {
            let mut path = String::new();
            for (position, (day, count)) in points.iter().enumerate() {
                let command = if position == 0 { 'M' } else { 'L' };
                svg!(path, "{command}{},{}", N(self.x(*day)), N(self.y(*count)));
            }
            svg!(
                body,
                r#"<path class="series" d="{path}" fill="none"{} stroke-linejoin="round"{}/>"#,
                stroke(style.colour, 4),
                style.dash_attribute()
            );
        }
        // A point marker on every point would clutter long surveys: at most about a dozen, always the last.
        let stride = points.len().div_ceil(12).max(1);
        for (position, (day, count)) in points.iter().enumerate() {
            if position.is_multiple_of(stride) || position + 1 == points.len() {
                style.shape.draw(body, self.x(*day), self.y(*count), style.colour);
            }
        }
    }
}

/// The legend from `top` down: each series' line, marker and name, in as many rows as they need; returns the
/// chart's height.
fn legend(body: &mut String, series: &[Series], points: &[Vec<(NaiveDate, u64)>], top: f64, lang: Lang) -> f64 {
    let mut cursor = PAD;
    let mut row = 0;
    for (index, (each, points)) in series.iter().zip(points).enumerate() {
        let label = if points.is_empty() {
            t!("chart_legend_no_responses", locale = lang.code(), label = each.label).into_owned()
        } else {
            each.label.clone()
        };
        let label = truncate(&label, WIDTH - 2.0 * PAD - 56.0);
        let width = 56.0 + text_width(&label);
        if cursor > PAD && cursor + width > WIDTH - PAD {
            cursor = PAD;
            row += 1;
        }
        let middle = top + 18.0 + 36.0 * f64::from(row);
        legend_entry(body, cursor, middle, &LineStyle::nth(index), &label);
        cursor += width + 28.0;
    }
    top + 36.0 * f64::from(row + 1) + PAD
}

/// A legend entry from `left`: a stretch of the series' line with its point marker, then its name.
fn legend_entry(body: &mut String, left: f64, middle: f64, style: &LineStyle, label: &str) {
    let stroke = format!("{}{}", stroke(style.colour, 4), style.dash_attribute());
    line(body, "", (left, middle), (left + 48.0, middle), &stroke);
    style.shape.draw(body, left + 24.0, middle, style.colour);
    text(body, left + 56.0, middle + BASELINE_SHIFT, Anchor::Start, r#" class="legend""#, label);
}

/// The width of the widest day label from `first` to `last`.
fn widest_day(first: NaiveDate, last: NaiveDate, lang: Lang) -> f64 {
    let span = (last - first).num_days().max(0) as u64;
    (0..=span).map(|offset| text_width(&lang.day(first + chrono::Days::new(offset)))).fold(0.0, f64::max)
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
    let widest = widest_day(first, last, lang);
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
    /// A series in words, for the description: "Sundsvall: 95 svar till och med 14/10."
    fn series_summary(self, label: &str, last: Option<&(NaiveDate, u64)>) -> String {
        let locale = self.code();
        match last {
            Some((day, count)) => {
                t!("chart_series", locale = locale, label = label, count = self.count(*count), day = self.day(*day))
            }
            None => t!("chart_series_no_responses", locale = locale, label = label),
        }
        .into_owned()
    }

    /// The events in words, for the description: "Händelser: Påminnelse 1 (8/10), Påminnelse 2 (10/10)."
    fn markers_summary(self, markers: &[(NaiveDate, String)]) -> Option<String> {
        if markers.is_empty() {
            return None;
        }
        let events: Vec<String> = markers.iter().map(|(day, label)| format!("{label} ({})", self.day(*day))).collect();
        Some(t!("chart_events", locale = self.code(), events = events.join(", ")).into_owned())
    }
}
