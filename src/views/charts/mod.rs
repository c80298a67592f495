//! Accessible SVG charts for the coordinators' dashboard, rendered on the server as plain strings.
//!
//! Pure functions without scripts or templates: the same input gives the same bytes, so a page can be cached and a
//! test can compare. The table beside each chart stays the primary source, but a chart must also stand on its own:
//! `role="img"` hides the drawn text from assistive technology, so the `<desc>` carries a short text version of the
//! data after the caller's description. The viewBox is 576 units wide and all text is 24 units, so labels stay at
//! 12 px or more down to a 288 px wide chart (a 320 px phone with 16 px page margins); nothing has a pixel size.

use std::fmt::{self, Write as _};

use chrono::{Datelike, NaiveDate};

/// Appends formatted SVG to a `String`; writing to a `String` cannot fail.
macro_rules! svg {
    ($out:expr, $($arg:tt)*) => {{
        let _ = write!($out, $($arg)*);
    }};
}

/// Series colours, each at least 4.5:1 against white (enough for lines, markers and text alike).
pub const PALETTE: [&str; 6] = ["#0b4f9c", "#a84a00", "#1e7b3c", "#7040a8", "#b0245e", "#00717a"];

const TEXT: &str = "#1b1b1b";
const MUTED: &str = "#595959";
const GRID: &str = "#d5dbe2";
const FONT_FAMILY: &str = "system-ui, sans-serif";

const WIDTH: f64 = 576.0;
const PAD: f64 = 12.0;
const FONT_SIZE: f64 = 24.0;
/// From the middle of a line of text to its baseline, so text can be centred without `dominant-baseline`.
const BASELINE_SHIFT: f64 = FONT_SIZE * 0.35;
/// A white outline behind text that may cross a marker line, so the text stays legible.
const HALO: &str = r##" stroke="#fff" stroke-width="6" stroke-linejoin="round" paint-order="stroke""##;

/// A horizontal bar chart of response rates, one bar per municipality.
#[derive(Debug, Clone, PartialEq)]
pub struct RateBars {
    /// Unique prefix for the element ids in the page.
    pub id: String,
    pub title: String,
    pub description: String,
    /// "sv" or "en"; anything else is treated as Swedish.
    pub lang: String,
    pub bars: Vec<Bar>,
}

/// One municipality's bar: its response rate and its target, both as shares from 0 to 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub rate: Option<f64>,
    pub target: Option<f64>,
}

/// A line chart of cumulative completes per day, one line per municipality.
#[derive(Debug, Clone, PartialEq)]
pub struct CumulativeLines {
    /// Unique prefix for the element ids in the page.
    pub id: String,
    pub title: String,
    pub description: String,
    /// "sv" or "en"; anything else is treated as Swedish.
    pub lang: String,
    pub series: Vec<Series>,
    /// Events such as reminders, drawn as labelled vertical lines; those outside the data's days are left out.
    pub markers: Vec<(NaiveDate, String)>,
}

/// One municipality's cumulative count of completes, by day, in date order.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    pub points: Vec<(NaiveDate, u64)>,
}

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

/// Escapes text for SVG content and attribute values, dropping the control characters XML does not allow.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            '\t' | '\n' | '\r' => escaped.push(character),
            control if control.is_control() && u32::from(control) < 0x20 => {}
            other => escaped.push(other),
        }
    }
    escaped
}

/// The outer `<svg>`: its accessible name and description come first, then a white ground for the colours' contrast.
fn frame(id: &str, title: &str, description: &str, height: f64, body: &str) -> String {
    let id = element_id(id);
    let mut out = String::with_capacity(body.len() + 600);
    svg!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{id}-title" aria-describedby="{id}-desc" viewBox="0 0 {} {}" width="100%" preserveAspectRatio="xMinYMin meet">"#,
        N(WIDTH),
        N(height)
    );
    svg!(
        out,
        "\n<title id=\"{id}-title\">{}</title>\n<desc id=\"{id}-desc\">{}</desc>\n",
        escape(title),
        escape(description)
    );
    svg!(out, r##"<rect width="{}" height="{}" fill="#fff"/>"##, N(WIDTH), N(height));
    svg!(
        out,
        "\n<g font-family=\"{FONT_FAMILY}\" font-size=\"{}\" fill=\"{TEXT}\">\n{body}</g>\n</svg>\n",
        N(FONT_SIZE)
    );
    out
}

/// A chart without data: the frame and a sentence saying so.
fn no_data(id: &str, title: &str, description: &str, message: &str) -> String {
    let description = join_description(description, &[format!("{message}.")]);
    let mut body = String::new();
    text(&mut body, WIDTH / 2.0, 60.0 + BASELINE_SHIFT, Anchor::Middle, r#" class="no-data""#, message);
    frame(id, title, &description, 120.0, &body)
}

fn join_description(description: &str, summary: &[String]) -> String {
    let description = description.trim();
    let summary = summary.join(" ");
    match (description.is_empty(), summary.is_empty()) {
        (true, _) => summary,
        (false, true) => description.to_owned(),
        (false, false) => format!("{description} {summary}"),
    }
}

/// An id usable in `aria-labelledby` (a space-separated list): whitespace and punctuation become hyphens.
fn element_id(id: &str) -> String {
    let id: String =
        id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect();
    if id.is_empty() { "chart".to_owned() } else { id }
}

fn finite(share: Option<f64>) -> Option<f64> {
    share.filter(|share| share.is_finite())
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Anchor {
    Start,
    Middle,
    End,
}

fn text(out: &mut String, x: f64, y: f64, anchor: Anchor, attributes: &str, content: &str) {
    let anchor = match anchor {
        Anchor::Start => "",
        Anchor::Middle => r#" text-anchor="middle""#,
        Anchor::End => r#" text-anchor="end""#,
    };
    svg!(out, "<text x=\"{}\" y=\"{}\"{anchor}{attributes}>{}</text>\n", N(x), N(y), escape(content));
}

/// A coordinate with at most one decimal, to keep the SVG small.
struct N(f64);

impl fmt::Display for N {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Adding zero turns a negative zero into a plain one.
        let rounded = (self.0 * 10.0).round() / 10.0 + 0.0;
        if rounded.fract() == 0.0 { write!(f, "{rounded:.0}") } else { write!(f, "{rounded:.1}") }
    }
}

/// The widest a municipality's name may be before it is wrapped onto two lines.
const LABEL_MAX: f64 = 220.0;
/// The widest an event's label may be; it is meant to be short ("Påminnelse 1").
const MARKER_LABEL_MAX: f64 = 240.0;

/// An estimate of the width of 24-unit text in a sans-serif font, erring on the wide side.
fn text_width(text: &str) -> f64 {
    let ems: f64 = text
        .chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' | 'I' => 0.3,
            ' ' | 'f' | 't' | 'r' | '/' | '(' | ')' | '-' => 0.4,
            'm' | 'w' | 'M' | 'W' | '%' => 0.92,
            c if c.is_ascii_digit() => 0.64,
            c if c.is_uppercase() => 0.72,
            _ => 0.6,
        })
        .sum();
    ems * FONT_SIZE
}

/// A label on one line, or on two split at the space or hyphen nearest its middle; what still does not fit is cut.
fn wrap_label(label: &str, max: f64) -> Vec<String> {
    if text_width(label) <= max {
        return vec![label.to_owned()];
    }
    let middle = label.len() / 2;
    let split = label.char_indices().filter(|(_, c)| *c == ' ' || *c == '-').min_by_key(|(at, _)| at.abs_diff(middle));
    match split {
        Some((at, ' ')) => vec![truncate(&label[..at], max), truncate(&label[at + 1..], max)],
        Some((at, _)) => vec![truncate(&label[..=at], max), truncate(&label[at + 1..], max)],
        None => vec![truncate(label, max)],
    }
}

fn truncate(text: &str, max: f64) -> String {
    if text_width(text) <= max {
        return text.to_owned();
    }
    let mut shortened: String = text.to_owned();
    while !shortened.is_empty() && text_width(&shortened) + text_width("…") > max {
        shortened.pop();
    }
    format!("{}…", shortened.trim_end())
}

/// A count axis from zero to a round top, with 3 to 5 equal steps (4 to 6 gridlines).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct YAxis {
    step: u64,
    top: u64,
}

impl YAxis {
    fn nice(highest: u64) -> Self {
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

    fn ticks(self) -> impl Iterator<Item = u64> {
        (0..=self.top).step_by(self.step as usize)
    }
}

/// The labelled days on the x axis: every `step` days from the first, with a step wide enough that no labels touch.
fn x_ticks(first: NaiveDate, last: NaiveDate, plot_width: f64, lang: Lang) -> Vec<(NaiveDate, String)> {
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
struct LineStyle {
    colour: &'static str,
    dash: &'static str,
    shape: Shape,
}

impl LineStyle {
    const DASHES: [&'static str; 6] = ["", "18 8", "4 6", "18 6 4 6", "9 6", "20 5 4 5 4 5"];

    fn nth(index: usize) -> Self {
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
enum Shape {
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

/// The chart's language: its words and its number and date formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    Sv,
    En,
}

impl Lang {
    fn parse(lang: &str) -> Self {
        if lang.eq_ignore_ascii_case("en") || lang.to_ascii_lowercase().starts_with("en-") {
            Self::En
        } else {
            Self::Sv
        }
    }

    fn no_data(self) -> &'static str {
        match self {
            Self::Sv => "Inga uppgifter än",
            Self::En => "No data yet",
        }
    }

    fn no_rate(self) -> &'static str {
        match self {
            Self::Sv => "ingen svarsfrekvens än",
            Self::En => "no rate yet",
        }
    }

    fn no_responses(self) -> &'static str {
        match self {
            Self::Sv => "Inga svar än",
            Self::En => "No responses yet",
        }
    }

    fn no_responses_lower(self) -> &'static str {
        match self {
            Self::Sv => "inga svar än",
            Self::En => "no responses yet",
        }
    }

    fn rate(self) -> &'static str {
        match self {
            Self::Sv => "Svarsfrekvens",
            Self::En => "Response rate",
        }
    }

    fn target(self) -> &'static str {
        match self {
            Self::Sv => "Mål",
            Self::En => "Target",
        }
    }

    /// A share as a percentage with one decimal: "53,2 %" or "53.2%".
    fn percent(self, share: f64) -> String {
        let percent = format!("{:.1}", (share * 100.0).max(0.0));
        match self {
            Self::Sv => format!("{} %", percent.replace('.', ",")),
            Self::En => format!("{percent}%"),
        }
    }

    fn percent_whole(self, percent: u32) -> String {
        match self {
            Self::Sv => format!("{percent} %"),
            Self::En => format!("{percent}%"),
        }
    }

    /// A count with thousands grouped: "12 300" or "12,300".
    fn count(self, count: u64) -> String {
        let digits = count.to_string();
        let separator = match self {
            Self::Sv => ' ',
            Self::En => ',',
        };
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (index, digit) in digits.chars().enumerate() {
            if index > 0 && (digits.len() - index).is_multiple_of(3) {
                grouped.push(separator);
            }
            grouped.push(digit);
        }
        grouped
    }

    /// A short day: "3/11" or "3 Nov".
    fn day(self, day: NaiveDate) -> String {
        const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        match self {
            Self::Sv => format!("{}/{}", day.day(), day.month()),
            Self::En => format!("{} {}", day.day(), MONTHS[day.month0() as usize]),
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    fn day(month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, month, day).unwrap()
    }

    fn bars(lang: &str, bars: Vec<Bar>) -> RateBars {
        RateBars {
            id: "rates".to_owned(),
            title: "Svarsfrekvens per kommun".to_owned(),
            description: "Andel inbjudna som har svarat.".to_owned(),
            lang: lang.to_owned(),
            bars,
        }
    }

    fn bar(label: &str, rate: Option<f64>, target: Option<f64>) -> Bar {
        Bar { label: label.to_owned(), rate, target }
    }

    fn lines(series: Vec<Series>, markers: Vec<(NaiveDate, String)>) -> CumulativeLines {
        CumulativeLines {
            id: "completes".to_owned(),
            title: "Klara svar per dag".to_owned(),
            description: "Kumulativt antal klara svar.".to_owned(),
            lang: "sv".to_owned(),
            series,
            markers,
        }
    }

    /// A survey running `days` days, with three municipalities answering at different paces and one not started.
    fn survey(days: u64) -> CumulativeLines {
        let paced = |label: &str, per_day: u64| Series {
            label: label.to_owned(),
            points: (0..days)
                .map(|offset| (day(10, 1) + chrono::Days::new(offset), offset * per_day + offset / 3))
                .collect(),
        };
        lines(
            vec![
                paced("Sundsvall", 7),
                paced("Timrå", 3),
                paced("Upplands Väsby", 5),
                Series { label: "Ånge".to_owned(), points: vec![] },
            ],
            vec![(day(10, 8), "Påminnelse 1".to_owned()), (day(10, 10), "Påminnelse 2".to_owned())],
        )
    }

    /// The elements whose start tag begins with `start` (e.g. `rect class="bar"`).
    fn elements<'a>(svg: &'a str, start: &str) -> Vec<&'a str> {
        svg.match_indices(&format!("<{start}")).map(|(at, _)| &svg[at..at + svg[at..].find('>').unwrap() + 1]).collect()
    }

    fn attribute(element: &str, name: &str) -> f64 {
        let key = format!(" {name}=\"");
        let from = element.find(&key).unwrap_or_else(|| panic!("no {name} in {element}")) + key.len();
        element[from..from + element[from..].find('"').unwrap()].parse().unwrap()
    }

    /// A small well-formedness check: tags balance, one root, and every `&` starts an entity.
    fn assert_well_formed(svg: &str) {
        let entities = |text: &str| {
            for (at, _) in text.match_indices('&') {
                let rest = &text[at..];
                assert!(
                    ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"].iter().any(|entity| rest.starts_with(entity)),
                    "bare & in {text:?}"
                );
            }
        };
        let mut open: Vec<&str> = Vec::new();
        let mut rest = svg.trim_end();
        assert!(rest.starts_with("<svg "), "the root is not an svg");
        let mut closed_root = false;
        while let Some(start) = rest.find('<') {
            assert!(!closed_root, "content after the root element");
            let between = &rest[..start];
            assert!(!between.contains('>'), "stray > in {between:?}");
            entities(between);
            let end = start + rest[start..].find('>').expect("an unclosed tag");
            let tag = &rest[start + 1..end];
            assert!(!tag.contains('<'), "< inside a tag: {tag}");
            assert_eq!(tag.matches('"').count() % 2, 0, "unbalanced quotes: {tag}");
            entities(tag);
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(open.pop(), Some(name), "mismatched </{name}>");
                closed_root = open.is_empty();
            } else if !tag.ends_with('/') {
                open.push(tag.split_whitespace().next().expect("an empty tag"));
            }
            rest = &rest[end + 1..];
        }
        assert!(rest.trim().is_empty() && open.is_empty(), "unclosed: {open:?}");
    }

    fn assert_accessible_frame(svg: &str, id: &str) {
        assert_well_formed(svg);
        assert!(svg.starts_with(&format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{id}-title" aria-describedby="{id}-desc" viewBox="0 0 {} "#,
            N(WIDTH)
        )));
        assert!(svg.contains(r#"width="100%" preserveAspectRatio="xMinYMin meet">"#));
        let first_children = svg.split_once('>').unwrap().1.trim_start();
        assert!(first_children.starts_with(&format!(r#"<title id="{id}-title">"#)), "title first");
        let after_title = first_children.split_once("</title>").unwrap().1.trim_start();
        assert!(after_title.starts_with(&format!(r#"<desc id="{id}-desc">"#)), "desc second");
        assert!(svg.contains(r#"font-family="system-ui, sans-serif" font-size="24""#));
        assert!(!svg.split_once('>').unwrap().0.contains(" height="), "no fixed size");
    }

    #[test]
    fn escape_replaces_markup_characters_and_drops_control_characters() {
        assert_eq!(escape(r#"Åre <script>&"'"#), "Åre &lt;script&gt;&amp;&quot;&#39;");
        assert_eq!(escape("a\u{0}b\u{1b}c\td"), "abc\td");
    }

    #[test]
    fn rate_bars_have_an_accessible_frame() {
        let svg = rate_bars(&bars("sv", vec![bar("Sundsvall", Some(0.532), Some(0.6))]));
        assert_accessible_frame(&svg, "rates");
        assert!(svg.contains(r#"<title id="rates-title">Svarsfrekvens per kommun</title>"#));
        assert!(
            svg.contains("Andel inbjudna som har svarat. Sundsvall: 53,2 %, mål 60,0 %."),
            "the description carries the data"
        );
    }

    #[test]
    fn ids_are_made_safe_for_aria_labelledby() {
        let mut chart = bars("sv", vec![bar("Sundsvall", Some(0.5), None)]);
        chart.id = "rates 2\"x".to_owned();
        assert_accessible_frame(&rate_bars(&chart), "rates-2-x");
    }

    #[test]
    fn user_text_is_escaped_everywhere() {
        let evil = r#"Åre <script>&""#;
        let mut chart = bars("sv", vec![bar(evil, Some(0.5), None)]);
        chart.title = evil.to_owned();
        chart.description = evil.to_owned();
        let svg = rate_bars(&chart);
        assert_well_formed(&svg);
        assert!(!svg.contains("<script"));
        assert!(svg.contains("Åre &lt;script&gt;&amp;&quot;"));

        let mut chart = survey(5);
        chart.series[0].label = evil.to_owned();
        chart.markers[0].1 = evil.to_owned();
        chart.title = evil.to_owned();
        let svg = cumulative_lines(&chart);
        assert_well_formed(&svg);
        assert!(!svg.contains("<script"));
    }

    #[test]
    fn bars_scale_with_the_rate() {
        let svg = rate_bars(&bars(
            "sv",
            vec![bar("Halva", Some(0.5), None), bar("Alla", Some(1.0), None), bar("Inga", Some(0.0), None)],
        ));
        let widths: Vec<f64> =
            elements(&svg, r#"rect class="bar""#).iter().map(|rect| attribute(rect, "width")).collect();
        assert_eq!(widths.len(), 3);
        assert!((widths[0] * 2.0 - widths[1]).abs() <= 0.2, "{widths:?}");
        assert_eq!(widths[2], 0.0);
        assert!(svg.contains(">50,0 %</text>") && svg.contains(">100,0 %</text>") && svg.contains(">0,0 %</text>"));
    }

    #[test]
    fn target_marker_sits_at_the_target_share() {
        let svg = rate_bars(&bars("en", vec![bar("Full", Some(1.0), None), bar("Half", Some(0.5), Some(0.75))]));
        let full = elements(&svg, r#"rect class="bar""#)[0];
        let (left, width) = (attribute(full, "x"), attribute(full, "width"));
        let target = elements(&svg, r#"line class="target""#);
        assert_eq!(target.len(), 1);
        assert!((attribute(target[0], "x1") - (left + 0.75 * width)).abs() <= 0.2);
        assert!(svg.contains(">50.0%</text>"), "English percentages");
        assert!(svg.contains(">Target</text>"), "a legend explains the marker");
    }

    #[test]
    fn the_value_moves_past_a_target_it_would_cross() {
        let svg = rate_bars(&bars("sv", vec![bar("Nära", Some(0.5), Some(0.55))]));
        let target_x = attribute(elements(&svg, r#"line class="target""#)[0], "x1");
        let value_x = attribute(elements(&svg, "text x=").into_iter().find(|t| t.contains("value")).unwrap(), "x");
        assert!(value_x > target_x);
    }

    #[test]
    fn a_missing_rate_is_said_in_words() {
        let svg = rate_bars(&bars("sv", vec![bar("Ånge", None, Some(0.5)), bar("Nan", Some(f64::NAN), None)]));
        assert!(elements(&svg, r#"rect class="bar""#).is_empty());
        assert_eq!(svg.matches(">ingen svarsfrekvens än</text>").count(), 2);
        assert!(svg.contains("Ånge: ingen svarsfrekvens än, mål 50,0 %."));
        let english = rate_bars(&bars("en", vec![bar("Ånge", None, None)]));
        assert!(english.contains(">no rate yet</text>"));
    }

    #[test]
    fn rates_and_targets_outside_zero_to_one_are_drawn_at_the_ends() {
        let svg = rate_bars(&bars(
            "sv",
            vec![
                bar("Över", Some(12.5), Some(3.0)),
                bar("Under", Some(-0.2), Some(-1.0)),
                bar("Full", Some(1.0), None),
            ],
        ));
        assert_well_formed(&svg);
        let widths: Vec<f64> =
            elements(&svg, r#"rect class="bar""#).iter().map(|rect| attribute(rect, "width")).collect();
        assert_eq!(widths[0], widths[2]);
        assert_eq!(widths[1], 0.0);
        assert!(svg.contains(">1250,0 %</text>"), "the table's number, not a clamped one");
    }

    #[test]
    fn long_names_wrap_onto_two_lines() {
        let svg = rate_bars(&bars("sv", vec![bar("Polisområde Västernorrland och Jämtland", Some(0.4), None)]));
        assert_eq!(elements(&svg, r#"text x="#).iter().filter(|t| t.contains("label")).count(), 2);
        assert_eq!(wrap_label("Sundsvall", LABEL_MAX), ["Sundsvall"]);
        assert_eq!(wrap_label("Malung-Sälen kommun i Dalarna", LABEL_MAX), ["Malung-Sälen", "kommun i Dalarna"]);
        assert!(wrap_label(&"x".repeat(40), LABEL_MAX)[0].ends_with('…'));
    }

    #[test]
    fn empty_charts_say_there_is_no_data_yet() {
        let svg = rate_bars(&bars("sv", vec![]));
        assert_accessible_frame(&svg, "rates");
        assert!(svg.contains(">Inga uppgifter än</text>"));

        let svg = cumulative_lines(&lines(vec![], vec![]));
        assert_accessible_frame(&svg, "completes");
        assert!(svg.contains(">Inga svar än</text>"));

        let svg = cumulative_lines(&lines(vec![Series { label: "Ånge".to_owned(), points: vec![] }], vec![]));
        assert_accessible_frame(&svg, "completes");
        assert!(svg.contains(">Inga svar än</text>"));
    }

    #[test]
    fn cumulative_lines_have_an_accessible_frame_and_a_legend() {
        let svg = cumulative_lines(&survey(14));
        assert_accessible_frame(&svg, "completes");
        assert_eq!(elements(&svg, r#"path class="series""#).len(), 3);
        assert_eq!(elements(&svg, r#"line class="event""#).len(), 2);
        assert!(svg.contains(">Påminnelse 1</text>"));
        assert!(svg.contains(">Ånge (inga svar än)</text>"), "a series without points is still in the legend");
        assert!(svg.contains("Sundsvall: 95 svar till och med 14/10."));
        assert!(svg.contains("Händelser: Påminnelse 1 (8/10), Påminnelse 2 (10/10)."));
    }

    #[test]
    fn lines_rise_left_to_right_and_stay_below_the_top_of_the_axis() {
        let chart = survey(30);
        let svg = cumulative_lines(&chart);
        let highest = chart.series.iter().flat_map(|s| &s.points).map(|(_, count)| *count).max().unwrap();
        let axis = YAxis::nice(highest);
        assert!(axis.top >= highest);
        assert!(svg.contains(&format!(">{}</text>", Lang::Sv.count(axis.top))), "the top tick is labelled");
        for path in elements(&svg, r#"path class="series""#) {
            let d = path.split("d=\"").nth(1).unwrap().split('"').next().unwrap();
            let points: Vec<(f64, f64)> = d[1..]
                .split('L')
                .map(|point| {
                    let (x, y) = point.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect();
            assert_eq!(points.len(), 30);
            for pair in points.windows(2) {
                assert!(pair[1].0 > pair[0].0, "x increases");
                assert!(pair[1].1 <= pair[0].1, "the count never falls (y grows downwards)");
            }
        }
    }

    #[test]
    fn the_y_axis_is_round_with_four_to_six_gridlines() {
        for highest in [0, 1, 2, 3, 4, 5, 7, 9, 10, 11, 19, 23, 49, 50, 51, 99, 101, 249, 999, 1234, 98_765] {
            let axis = YAxis::nice(highest);
            let gridlines = axis.ticks().count();
            assert!((4..=6).contains(&gridlines), "{highest}: {axis:?}");
            assert!(axis.top >= highest && axis.ticks().last() == Some(axis.top), "{highest}: {axis:?}");
        }
        assert_eq!(YAxis::nice(95), YAxis { step: 20, top: 100 });
        assert_eq!(Lang::Sv.count(12_300), "12 300");
        assert_eq!(Lang::En.count(1_234_567), "1,234,567");
    }

    #[test]
    fn day_labels_are_thinned_so_they_do_not_overlap() {
        let first = day(9, 1);
        let last = first + chrono::Days::new(59);
        for lang in [Lang::Sv, Lang::En] {
            let ticks = x_ticks(first, last, 520.0, lang);
            assert!((3..=8).contains(&ticks.len()), "{ticks:?}");
            let per_day = 520.0 / 59.0;
            for pair in ticks.windows(2) {
                let distance = (pair[1].0 - pair[0].0).num_days() as f64 * per_day;
                assert!(distance >= (text_width(&pair[0].1) + text_width(&pair[1].1)) / 2.0 + 8.0, "{pair:?}");
            }
        }
        assert_eq!(x_ticks(day(11, 3), day(11, 5), 520.0, Lang::Sv).len(), 3, "few days: every day");
        assert_eq!(Lang::Sv.day(day(11, 3)), "3/11");
        assert_eq!(Lang::En.day(day(11, 3)), "3 Nov");
    }

    #[test]
    fn one_day_and_all_zero_still_draw() {
        let chart = lines(
            vec![
                Series { label: "Sundsvall".to_owned(), points: vec![(day(11, 3), 0)] },
                Series { label: "Timrå".to_owned(), points: vec![(day(11, 3), 0)] },
            ],
            vec![(day(11, 3), "Start".to_owned()), (day(12, 1), "Påminnelse 1".to_owned())],
        );
        let svg = cumulative_lines(&chart);
        assert_accessible_frame(&svg, "completes");
        assert!(svg.contains(">3/11</text>"));
        assert!(svg.contains("<circle") && svg.contains("<rect x="), "a marker for each single point");
        assert_eq!(elements(&svg, r#"line class="event""#).len(), 1, "events outside the days are left out");
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }

    #[test]
    fn lines_differ_in_more_than_colour() {
        let styles: Vec<LineStyle> = (0..12).map(LineStyle::nth).collect();
        for (a, first) in styles.iter().enumerate() {
            for second in &styles[a + 1..] {
                assert!(first.dash != second.dash || first.shape != second.shape);
            }
        }
    }

    #[test]
    fn palette_colours_contrast_with_white() {
        fn luminance(hex: &str) -> f64 {
            let channel = |at: usize| {
                let value = f64::from(u8::from_str_radix(&hex[at..at + 2], 16).unwrap()) / 255.0;
                if value <= 0.04045 { value / 12.92 } else { ((value + 0.055) / 1.055).powf(2.4) }
            };
            0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
        }
        assert_eq!(PALETTE[0], "#0b4f9c");
        for colour in PALETTE.iter().chain(&[TEXT, MUTED]) {
            let contrast = 1.05 / (luminance(colour) + 0.05);
            assert!(contrast >= 4.5, "{colour}: {contrast:.2}");
        }
    }

    #[test]
    fn output_is_deterministic_and_compact() {
        let chart = survey(60);
        assert_eq!(cumulative_lines(&chart), cumulative_lines(&chart));
        let svg = cumulative_lines(&chart);
        assert!(svg.split(['"', ',', ' ', 'L', 'M']).all(|part| {
            part.split_once('.')
                .is_none_or(|(_, decimals)| !decimals.bytes().all(|b| b.is_ascii_digit()) || decimals.len() <= 1)
        }));
        assert_eq!(N(-0.04).to_string(), "0");
        assert_eq!(N(12.345).to_string(), "12.3");
        assert_eq!(N(7.0).to_string(), "7");
    }

    /// Writes sample charts to the temp directory, for a look in a browser: `cargo test --lib charts -- --ignored`.
    #[test]
    #[ignore = "writes files for a visual check"]
    fn write_samples() {
        let directory = std::env::temp_dir().join("charts-sample");
        std::fs::create_dir_all(&directory).unwrap();
        let rates = bars(
            "sv",
            vec![
                bar("Sundsvall", Some(0.532), Some(0.6)),
                bar("Timrå", Some(0.61), Some(0.6)),
                bar("Upplands Väsby", Some(0.18), Some(0.5)),
                bar("Ånge", None, Some(0.5)),
                bar("Härnösand", Some(0.98), Some(1.0)),
                bar("Polisområde Västernorrland", Some(0.0), None),
            ],
        );
        std::fs::write(directory.join("rate-bars.svg"), rate_bars(&rates)).unwrap();
        let english = RateBars { lang: "en".to_owned(), ..rates };
        std::fs::write(directory.join("rate-bars-en.svg"), rate_bars(&english)).unwrap();
        std::fs::write(directory.join("cumulative-lines.svg"), cumulative_lines(&survey(21))).unwrap();
        let mut long = CumulativeLines { lang: "en".to_owned(), ..survey(60) };
        long.markers = vec![(day(10, 8), "Reminder 1".to_owned()), (day(11, 27), "Reminder 2".to_owned())];
        std::fs::write(directory.join("cumulative-lines-60-en.svg"), cumulative_lines(&long)).unwrap();
        std::fs::write(directory.join("empty.svg"), cumulative_lines(&lines(vec![], vec![]))).unwrap();
        let zero = |label: &str| Series { label: label.to_owned(), points: vec![(day(11, 3), 0)] };
        let one_day = lines(vec![zero("Sundsvall"), zero("Timrå")], vec![(day(11, 3), "Start".to_owned())]);
        std::fs::write(directory.join("one-day.svg"), cumulative_lines(&one_day)).unwrap();
    }
}
