//! Writing SVG: escaping, the frame every chart shares, text and its estimated width, and compact numbers.

use std::fmt::{self, Write as _};

/// Appends formatted SVG to a `String`; writing to a `String` cannot fail.
macro_rules! svg {
    ($out:expr, $($arg:tt)*) => {{
        let _ = write!($out, $($arg)*);
    }};
}
pub(super) use svg;

pub(super) const TEXT: &str = "#1b1b1b";
pub(super) const MUTED: &str = "#595959";
pub(super) const GRID: &str = "#d5dbe2";
pub(super) const FONT_FAMILY: &str = "system-ui, sans-serif";

pub(super) const WIDTH: f64 = 576.0;
pub(super) const PAD: f64 = 12.0;
pub(super) const FONT_SIZE: f64 = 24.0;
/// From the middle of a line of text to its baseline, so text can be centred without `dominant-baseline`.
pub(super) const BASELINE_SHIFT: f64 = FONT_SIZE * 0.35;
/// A white outline behind text that may cross a marker line, so the text stays legible.
pub(super) const HALO: &str = r##" stroke="#fff" stroke-width="6" stroke-linejoin="round" paint-order="stroke""##;

/// Escapes text for SVG content and attribute values, dropping the control characters XML does not allow.
pub(super) fn escape(text: &str) -> String {
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
pub(super) fn frame(id: &str, title: &str, description: &str, height: f64, body: &str) -> String {
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
pub(super) fn no_data(id: &str, title: &str, description: &str, message: &str) -> String {
    let description = join_description(description, &[format!("{message}.")]);
    let mut body = String::new();
    text(&mut body, WIDTH / 2.0, 60.0 + BASELINE_SHIFT, Anchor::Middle, r#" class="no-data""#, message);
    frame(id, title, &description, 120.0, &body)
}

pub(super) fn join_description(description: &str, summary: &[String]) -> String {
    let description = description.trim();
    let summary = summary.join(" ");
    match (description.is_empty(), summary.is_empty()) {
        (true, _) => summary,
        (false, true) => description.to_owned(),
        (false, false) => format!("{description} {summary}"),
    }
}

/// An id usable in `aria-labelledby` (a space-separated list): whitespace and punctuation become hyphens.
pub(super) fn element_id(id: &str) -> String {
    let id: String =
        id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect();
    if id.is_empty() { "chart".to_owned() } else { id }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Anchor {
    Start,
    Middle,
    End,
}

pub(super) fn text(out: &mut String, x: f64, y: f64, anchor: Anchor, attributes: &str, content: &str) {
    let anchor = match anchor {
        Anchor::Start => "",
        Anchor::Middle => r#" text-anchor="middle""#,
        Anchor::End => r#" text-anchor="end""#,
    };
    svg!(out, "<text x=\"{}\" y=\"{}\"{anchor}{attributes}>{}</text>\n", N(x), N(y), escape(content));
}

/// A `<line>` from one point to another; `class` may be empty, `stroke` is its attributes after the coordinates.
pub(super) fn line(out: &mut String, class: &str, (x1, y1): (f64, f64), (x2, y2): (f64, f64), stroke: &str) {
    let class = if class.is_empty() { String::new() } else { format!(r#" class="{class}""#) };
    svg!(out, r#"<line{class} x1="{}" y1="{}" x2="{}" y2="{}"{stroke}/>"#, N(x1), N(y1), N(x2), N(y2));
}

/// The attributes of a solid stroke.
pub(super) fn stroke(colour: &str, width: u8) -> String {
    format!(r#" stroke="{colour}" stroke-width="{width}""#)
}

/// A coordinate with at most one decimal, to keep the SVG small.
pub(super) struct N(pub(super) f64);

impl fmt::Display for N {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Adding zero turns a negative zero into a plain one.
        let rounded = (self.0 * 10.0).round() / 10.0 + 0.0;
        if rounded.fract() == 0.0 { write!(f, "{rounded:.0}") } else { write!(f, "{rounded:.1}") }
    }
}

/// An estimate of the width of 24-unit text in a sans-serif font, erring on the wide side.
pub(super) fn text_width(text: &str) -> f64 {
    let ems: f64 = text
        .chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' | 'I' => 0.3,
            ' ' | '\u{a0}' | 'f' | 't' | 'r' | '/' | '(' | ')' | '-' => 0.4,
            'm' | 'w' | 'M' | 'W' | '%' => 0.92,
            c if c.is_ascii_digit() => 0.64,
            c if c.is_uppercase() => 0.72,
            _ => 0.6,
        })
        .sum();
    ems * FONT_SIZE
}

/// A label on one line, or on two split at the space or hyphen nearest its middle; what still does not fit is cut.
pub(super) fn wrap_label(label: &str, max: f64) -> Vec<String> {
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

pub(super) fn truncate(text: &str, max: f64) -> String {
    if text_width(text) <= max {
        return text.to_owned();
    }
    let mut shortened: String = text.to_owned();
    while !shortened.is_empty() && text_width(&shortened) + text_width("…") > max {
        shortened.pop();
    }
    format!("{}…", shortened.trim_end())
}
