//! Distribution charts: how the answers to one question fall, per group (a municipality, the total).
//!
//! A single-choice or scale item gets a 100 % stacked bar per group, its options in the questionnaire's order and the
//! answers outside the scale ("don't know") after a gap, so that they are never read as a step of the scale. Each
//! option has a pattern as well as a colour, named in the legend, so the chart reads in black and white and without
//! telling colours apart. A multiple-choice item's shares add up to more than 100 %, so it gets a bar per group under
//! each option instead. A group with a hidden share is written as such and not drawn: drawing the shares around
//! it would show where it lies.

use std::fmt::Write as _;

use super::bars::LABEL_MAX;
use super::svg::{
    Anchor, BASELINE_SHIFT, FONT_SIZE, GRID, HALO, MUTED, N, PAD, TEXT, WIDTH, escape, frame, join_description, line,
    no_data, stroke, svg, text, text_width, truncate, wrap_label,
};
use super::{ChoiceBars, DistributionBars, DistributionRow, Lang, PALETTE, finite};

/// Fills for the options in order, dark blue through purple to dark orange: each at least 3:1 against white and
/// against the white gaps between them, as WCAG asks of the parts of a chart.
pub(super) const OPTION_FILLS: [&str; 7] =
    ["#0b4f9c", "#2f6fb5", "#5a5fa8", "#7a4f9a", "#a0467a", "#b3542a", "#8a3b00"];
/// The fill of the answers outside the scale ("don't know").
pub(super) const APART_FILL: &str = "#5f6368";
/// White strokes drawn over an option's fill, one kind per option (the first is plain).
const PATTERNS: [&str; 7] = [
    "",
    r##"<path d="M-2 2l4-4M0 10l10-10M8 12l4-4" stroke="#fff" stroke-width="2"/>"##,
    r##"<circle cx="5" cy="5" r="2" fill="#fff"/>"##,
    r##"<path d="M-2 8l4 4M0 0l10 10M8-2l4 4" stroke="#fff" stroke-width="2"/>"##,
    r##"<path d="M0 5h10" stroke="#fff" stroke-width="2"/>"##,
    r##"<path d="M0 0l10 10M10 0l-10 10" stroke="#fff" stroke-width="1.5"/>"##,
    r##"<path d="M5 0v10" stroke="#fff" stroke-width="2"/>"##,
];
/// The pattern of the answers outside the scale: small white squares.
const APART_PATTERN: &str = r##"<rect x="3" y="3" width="4" height="4" fill="#fff"/>"##;

const ROW_HEIGHT: f64 = 48.0;
const BAR_HEIGHT: f64 = 30.0;
const LINE_HEIGHT: f64 = 26.0;
/// Between the scale's answers and those outside it.
const APART_GAP: f64 = 12.0;
/// Between two options' parts of a bar.
const SEPARATOR: f64 = 2.0;

/// A 100 % stacked bar per group, with a legend of the options.
pub fn distribution_bars(chart: &DistributionBars) -> String {
    let lang = Lang::parse(&chart.lang);
    if chart.rows.is_empty() || chart.options.is_empty() {
        return no_data(&chart.id, &chart.title, &chart.description, &lang.phrase("chart_index_no_responses"));
    }
    let summary: Vec<String> = chart.rows.iter().map(|row| row_summary(chart, row, lang)).collect();
    let description = join_description(&chart.description, &summary);
    let id = super::svg::element_id(&chart.id);
    let labels: Vec<Vec<String>> = chart.rows.iter().map(|row| wrap_label(&row.label, LABEL_MAX)).collect();
    let label_width = labels.iter().flatten().map(|line| text_width(line)).fold(60.0, f64::max);
    let left = PAD + label_width + 12.0;
    let right = WIDTH - PAD;
    let apart = chart.apart.min(chart.options.len());
    let scale_count = chart.options.len() - apart;
    let gap = if apart > 0 && scale_count > 0 { APART_GAP } else { 0.0 };
    let full = right - left - gap;
    let mut body = String::new();
    patterns(&mut body, &id, chart.options.len(), apart);
    for (index, row) in chart.rows.iter().enumerate() {
        let middle = PAD + ROW_HEIGHT * (index as f64 + 0.5);
        if row.total && index > 0 {
            let y = middle - ROW_HEIGHT / 2.0;
            line(&mut body, "", (PAD, y), (right, y), &stroke(MUTED, 2));
        }
        let first = middle - LINE_HEIGHT * (labels[index].len() - 1) as f64 / 2.0 + BASELINE_SHIFT;
        let weight = if row.total { r#" class="label" font-weight="700""# } else { r#" class="label""# };
        for (number, label) in labels[index].iter().enumerate() {
            text(&mut body, left - 12.0, first + LINE_HEIGHT * number as f64, Anchor::End, weight, label);
        }
        let Some(percents) = drawable(row) else {
            let words = row_state(row, lang);
            text(&mut body, left + 6.0, middle + BASELINE_SHIFT, Anchor::Start, r#" font-style="italic""#, &words);
            continue;
        };
        let top = middle - BAR_HEIGHT / 2.0;
        let mut x = left;
        for (option, percent) in percents.iter().enumerate() {
            if option == scale_count {
                x += gap;
            }
            let width = full * percent.clamp(0.0, 100.0) / 100.0;
            if width <= 0.0 {
                continue;
            }
            let drawn = (width - SEPARATOR).max(1.0);
            svg!(
                body,
                r#"<rect class="part" x="{}" y="{}" width="{}" height="{}" fill="url(#{id}-o{option})"/>"#,
                N(x),
                N(top),
                N(drawn),
                N(BAR_HEIGHT)
            );
            let value = lang.percent_whole(percent.round().clamp(0.0, 100.0) as u32);
            if text_width(&value) + 8.0 <= drawn {
                let attributes =
                    r##" fill="#fff" stroke="#1b1b1b" stroke-width="5" stroke-linejoin="round" paint-order="stroke""##;
                text(&mut body, x + drawn / 2.0, middle + BASELINE_SHIFT, Anchor::Middle, attributes, &value);
            }
            x += width;
        }
    }
    let bottom = PAD + ROW_HEIGHT * chart.rows.len() as f64;
    let entries: Vec<(usize, &str)> = chart.options.iter().map(String::as_str).enumerate().collect();
    let height = legend(&mut body, &id, &entries, bottom + 16.0);
    frame(&chart.id, &chart.title, &description, height, &body)
}

/// A row's shares when every one of them can be drawn.
fn drawable(row: &DistributionRow) -> Option<Vec<f64>> {
    if row.hidden {
        return None;
    }
    let percents: Option<Vec<f64>> = row.percents.iter().map(|percent| finite(*percent)).collect();
    percents.filter(|percents| percents.iter().sum::<f64>() > 0.0)
}

/// Why a row has no bar.
fn row_state(row: &DistributionRow, lang: Lang) -> String {
    lang.phrase(match (row.hidden, row.percents.iter().any(|percent| finite(*percent).is_some())) {
        (true, true) => "chart_row_partly_hidden",
        (true, false) => "chart_row_hidden",
        (false, _) => "chart_row_no_answers",
    })
}

/// A row in words: "Hagfors: Inget problem 31,2 %, …, Vet inte 4,0 %."
fn row_summary(chart: &DistributionBars, row: &DistributionRow, lang: Lang) -> String {
    if drawable(row).is_none() && !(row.hidden && row.percents.iter().any(|p| finite(*p).is_some())) {
        return format!("{}: {}.", row.label, row_state(row, lang));
    }
    format!("{}: {}.", row.label, in_words(&chart.options, &row.percents, lang))
}

/// Each option with its share, or hidden: "Inget problem 31,2 %, Litet problem dold".
fn in_words(options: &[String], percents: &[Option<f64>], lang: Lang) -> String {
    let hidden = lang.phrase("chart_index_hidden");
    let parts: Vec<String> = options
        .iter()
        .zip(percents)
        .map(|(option, percent)| match finite(*percent) {
            Some(percent) => format!("{option} {}", percent_text(percent, lang)),
            None => format!("{option} {hidden}"),
        })
        .collect();
    parts.join(", ")
}

/// A bar per option of a multiple-choice item, grouped by group: the share choosing each.
pub fn choice_bars(chart: &ChoiceBars) -> String {
    let lang = Lang::parse(&chart.lang);
    if chart.groups.is_empty() || chart.options.is_empty() {
        return no_data(&chart.id, &chart.title, &chart.description, &lang.phrase("chart_index_no_responses"));
    }
    let summary: Vec<String> = chart
        .groups
        .iter()
        .map(|group| match group.percents.iter().any(|percent| finite(*percent).is_some()) {
            true => format!("{}: {}.", group.label, in_words(&chart.options, &group.percents, lang)),
            false => format!("{}: {}.", group.label, row_state(group, lang)),
        })
        .collect();
    let hidden = lang.phrase("chart_index_hidden");
    let description = join_description(&chart.description, &summary);
    // Per option a heading across the chart (options are long: "Busstationer, hållplatser eller tågstationen"),
    // then a bar per group under it, named on the left.
    let names: Vec<String> = chart.groups.iter().map(|group| truncate(&group.label, LABEL_MAX)).collect();
    let name_width = names.iter().map(|name| text_width(name)).fold(60.0, f64::max);
    let left = PAD + name_width + 12.0;
    let full = (WIDTH - PAD - text_width("100\u{a0}%") - 12.0 - left).max(120.0);
    let x = |percent: f64| left + percent.clamp(0.0, 100.0) / 100.0 * full;
    let mut grid = String::new();
    let mut body = String::new();
    let mut y = PAD;
    for (option, heading) in chart.options.iter().enumerate() {
        // Bold text runs about a tenth wider than the estimate for regular text.
        let lines = wrap_label(heading, (WIDTH - 2.0 * PAD) / 1.1);
        for line in &lines {
            text(&mut body, PAD, y + 26.0, Anchor::Start, r#" class="option" font-weight="700""#, line);
            y += LINE_HEIGHT;
        }
        y += 10.0;
        let top = y;
        for (group, name) in chart.groups.iter().zip(&names) {
            let middle = y + 18.0;
            let weight = if group.total { r#" class="label" font-weight="700""# } else { r#" class="label""# };
            text(&mut body, left - 12.0, middle + BASELINE_SHIFT, Anchor::End, weight, name);
            match group.percents.get(option).copied().and_then(finite) {
                Some(percent) => {
                    let fill = PALETTE[usize::from(group.total)];
                    svg!(
                        body,
                        r#"<rect class="bar" x="{}" y="{}" width="{}" height="24" fill="{fill}"/>"#,
                        N(left),
                        N(middle - 12.0),
                        N(x(percent) - left)
                    );
                    let value = lang.percent_whole(percent.round().clamp(0.0, 100.0) as u32);
                    text(&mut body, x(percent) + 8.0, middle + BASELINE_SHIFT, Anchor::Start, HALO, &value);
                }
                None => {
                    let italic = r#" font-style="italic""#;
                    text(&mut body, left + 6.0, middle + BASELINE_SHIFT, Anchor::Start, italic, &hidden);
                }
            }
            y += 36.0;
        }
        for step in 0..=4 {
            let gx = x(f64::from(step) * 25.0);
            let (colour, width) = if step == 0 { (MUTED, 2) } else { (GRID, 1) };
            line(&mut grid, "", (gx, top), (gx, y), &stroke(colour, width));
        }
        y += 12.0;
    }
    for step in [0u32, 50, 100] {
        text(&mut body, x(f64::from(step)), y + 22.0, Anchor::Middle, "", &lang.percent_whole(step));
    }
    grid.push_str(&body);
    frame(&chart.id, &chart.title, &description, y + 22.0 + PAD + 8.0, &grid)
}

/// A percentage (0–100) as the tables write it: "31,2 %" or "31.2%".
fn percent_text(percent: f64, lang: Lang) -> String {
    crate::domain::aapor::percent(Some(percent / 100.0), lang.code())
}

/// One `<pattern>` per option: its fill with its strokes over it; the last `apart` options share the apart look.
fn patterns(body: &mut String, id: &str, count: usize, apart: usize) {
    body.push_str("<defs>");
    for option in 0..count {
        let outside = option >= count - apart;
        let (fill, strokes) = if outside {
            (APART_FILL, APART_PATTERN)
        } else {
            let look = option_look(option, count - apart);
            (OPTION_FILLS[look], PATTERNS[look])
        };
        svg!(
            body,
            r#"<pattern id="{id}-o{option}" patternUnits="userSpaceOnUse" width="10" height="10"><rect width="10" height="10" fill="{fill}"/>{strokes}</pattern>"#
        );
    }
    body.push_str("</defs>\n");
}

/// Which fill and pattern the `option`-th of `count` options gets: spread over the palette, so that two options are
/// the darkest blue and the darkest orange, and neighbours always differ.
pub(super) fn option_look(option: usize, count: usize) -> usize {
    let last = OPTION_FILLS.len() - 1;
    if count <= 1 { 0 } else { (option * last + (count - 1) / 2) / (count - 1) }
}

/// The legend from `top`: a swatch with each option's pattern and its name, flowing into as many lines as needed;
/// returns the chart's height.
fn legend(body: &mut String, id: &str, entries: &[(usize, &str)], top: f64) -> f64 {
    const SWATCH: f64 = 28.0;
    let mut x = PAD;
    let mut middle = top + FONT_SIZE / 2.0;
    for (option, label) in entries {
        let label = truncate(label, WIDTH - 2.0 * PAD - SWATCH - 8.0);
        let width = SWATCH + 8.0 + text_width(&label);
        if x > PAD && x + width > WIDTH - PAD {
            x = PAD;
            middle += 34.0;
        }
        svg!(
            body,
            r#"<rect class="swatch" x="{}" y="{}" width="{}" height="20" fill="url(#{id}-o{option})" stroke="{TEXT}" stroke-width="1"/>"#,
            N(x),
            N(middle - 10.0),
            N(SWATCH)
        );
        svg!(
            body,
            "<text x=\"{}\" y=\"{}\" class=\"legend\">{}</text>\n",
            N(x + SWATCH + 8.0),
            N(middle + BASELINE_SHIFT),
            escape(&label)
        );
        x += width + 24.0;
    }
    middle + 17.0 + PAD
}
