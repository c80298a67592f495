//! The index chart: per group (a municipality, the total, a group of a breakdown) a bar from 0 to its index on the
//! 0–6 scale, with its 95 % interval as a whisker and, beside an earlier wave, that wave's index as a marker; a hidden
//! index is written as such, never drawn.

use std::fmt::Write as _;

use super::bars::LABEL_MAX;
use super::svg::{
    Anchor, BASELINE_SHIFT, GRID, HALO, MUTED, N, PAD, TEXT, WIDTH, frame, join_description, line, no_data, stroke,
    svg, text, text_width, truncate, wrap_label,
};
use super::{Earlier, IndexBar, IndexBars, Lang, PALETTE};

/// The top of the index scale.
const SCALE_MAX: f64 = 6.0;
const ROW_HEIGHT: f64 = 52.0;
/// A section's heading row (a municipality above its groups).
const HEADING_HEIGHT: f64 = 44.0;
const BAR_HEIGHT: f64 = 24.0;
const LINE_HEIGHT: f64 = 26.0;
/// Half the width of the earlier wave's diamond.
const DIAMOND: f64 = 9.0;

/// A horizontal bar per group with its index, its interval as a whisker, the earlier wave as a diamond, and the
/// index (with its change) as text.
pub fn index_bars(chart: &IndexBars) -> String {
    let lang = Lang::parse(&chart.lang);
    if chart.bars.is_empty() {
        return no_data(&chart.id, &chart.title, &chart.description, &lang.phrase("chart_index_no_responses"));
    }
    let compared = chart.bars.iter().any(|bar| bar.earlier.is_some());
    let mut summary: Vec<String> = chart.bars.iter().map(|bar| summary(bar, lang)).collect();
    if compared {
        summary.push(lang.phrase("chart_index_significance"));
    }
    let description = join_description(&chart.description, &summary);
    let labels: Vec<Vec<String>> = chart.bars.iter().map(|bar| wrap_label(&bar.label, LABEL_MAX)).collect();
    let label_width = labels.iter().flatten().map(|line| text_width(line)).fold(60.0, f64::max);
    let hidden = lang.phrase("chart_index_hidden");
    let values: Vec<String> = chart.bars.iter().map(|bar| value_text(bar, &hidden, lang)).collect();
    let value_width = values.iter().map(|value| text_width(value)).fold(text_width(&hidden), f64::max);
    let left = PAD + label_width + 12.0;
    let full = (WIDTH - PAD - value_width - 24.0 - left).max(120.0);
    let x = |index: f64| left + (index / SCALE_MAX).clamp(0.0, 1.0) * full;

    // Each row's middle, with a heading row wherever the section changes.
    let mut rows = Vec::with_capacity(chart.bars.len());
    let mut headings = Vec::new();
    let mut y = PAD;
    let mut section: Option<&str> = None;
    for bar in &chart.bars {
        if let Some(heading) = bar.section.as_deref()
            && section != Some(heading)
        {
            headings.push((y + HEADING_HEIGHT / 2.0, heading));
            y += HEADING_HEIGHT;
        }
        section = bar.section.as_deref();
        rows.push(y + ROW_HEIGHT / 2.0);
        y += ROW_HEIGHT;
    }
    let bottom = y;

    let mut body = String::new();
    for step in 0..=6 {
        let gx = x(f64::from(step));
        line(&mut body, "", (gx, PAD), (gx, bottom + 6.0), &stroke(if step == 0 { MUTED } else { GRID }, 2));
        text(&mut body, gx, bottom + 34.0, Anchor::Middle, "", &step.to_string());
    }
    for (middle, heading) in headings {
        // Bold text runs about a tenth wider than the estimate for regular text.
        let heading = truncate(heading, (WIDTH - 2.0 * PAD) / 1.1);
        let attributes = format!(r#" class="section" font-weight="700"{HALO}"#);
        text(&mut body, PAD, middle + BASELINE_SHIFT, Anchor::Start, &attributes, &heading);
    }
    for (row, bar) in chart.bars.iter().enumerate() {
        let middle = rows[row];
        let first = middle - LINE_HEIGHT * (labels[row].len() - 1) as f64 / 2.0 + BASELINE_SHIFT;
        for (number, label) in labels[row].iter().enumerate() {
            text(&mut body, left - 12.0, first + LINE_HEIGHT * number as f64, Anchor::End, r#" class="label""#, label);
        }
        let Some(index) = bar.index.filter(|index| index.is_finite()) else {
            text(&mut body, left + 6.0, middle + BASELINE_SHIFT, Anchor::Start, r#" font-style="italic""#, &hidden);
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
        let mut reach = index;
        if let Some([low, high]) = bar.ci95 {
            whisker(&mut body, "whisker", x(low), x(high), middle);
            reach = reach.max(high);
        }
        if let Some(earlier) = bar.earlier.and_then(|earlier| earlier.value).filter(|value| value.is_finite()) {
            diamond(&mut body, "earlier", x(earlier), middle);
            reach = reach.max(earlier);
        }
        let value_x = x(reach) + if reach > index { 14.0 } else { 10.0 };
        text(&mut body, value_x, middle + BASELINE_SHIFT, Anchor::Start, "", &values[row]);
    }
    let height = legend(&mut body, bottom + 52.0, compared, lang);
    frame(&chart.id, &chart.title, &description, height, &body)
}

/// An interval: a line with a cap at each end.
fn whisker(body: &mut String, class: &str, from: f64, to: f64, middle: f64) {
    let whisker = stroke(TEXT, 3);
    line(body, class, (from, middle), (to, middle), &whisker);
    for end in [from, to] {
        line(body, class, (end, middle - 10.0), (end, middle + 10.0), &whisker);
    }
}

/// The earlier wave's figure: a white diamond with a dark edge, seen on the bar and on white alike.
fn diamond(body: &mut String, class: &str, x: f64, middle: f64) {
    svg!(
        body,
        r##"<path class="{class}" d="M{} {}l{DIAMOND} {DIAMOND}l-{DIAMOND} {DIAMOND}l-{DIAMOND} -{DIAMOND}z" fill="#fff" stroke="{TEXT}" stroke-width="3"/>"##,
        N(x),
        N(middle - DIAMOND)
    );
}

/// What the chart's marks mean, below the axis; returns the chart's height.
fn legend(body: &mut String, top: f64, compared: bool, lang: Lang) -> f64 {
    let middle = top + 12.0;
    svg!(body, r#"<rect x="{}" y="{}" width="24" height="18" fill="{}"/>"#, N(PAD), N(middle - 9.0), PALETTE[0]);
    let mut x = PAD + 32.0;
    text(body, x, middle + BASELINE_SHIFT, Anchor::Start, "", "Index");
    x += text_width("Index") + 28.0;
    whisker(body, "", x, x + 36.0, middle);
    x += 46.0;
    text(body, x, middle + BASELINE_SHIFT, Anchor::Start, "", &lang.phrase("chart_index_interval"));
    if !compared {
        return middle + 12.0 + PAD;
    }
    let middle = middle + 36.0;
    diamond(body, "", PAD + 12.0, middle);
    let earlier = lang.phrase("chart_index_earlier");
    text(body, PAD + 32.0, middle + BASELINE_SHIFT, Anchor::Start, "", &earlier);
    middle + 12.0 + PAD
}

/// The index as written beside its bar: "1,63", or with its change "1,63 (−0,17*)".
fn value_text(bar: &IndexBar, hidden: &str, lang: Lang) -> String {
    let Some(index) = bar.index.filter(|index| index.is_finite()) else { return hidden.to_owned() };
    match bar.earlier.and_then(|earlier| earlier.change.map(|change| (change, earlier.significant))) {
        Some((change, significant)) => {
            format!("{} ({}{})", decimal(index, lang), signed(change, lang), if significant { "*" } else { "" })
        }
        None => decimal(index, lang),
    }
}

/// A bar in words, for the chart's description.
fn summary(bar: &IndexBar, lang: Lang) -> String {
    let say = |key: &str, values: &[(&str, &str)]| {
        values.iter().fold(lang.phrase(key), |text, (name, value)| text.replace(&format!("%{{{name}}}"), value))
    };
    let label = match &bar.section {
        Some(section) => format!("{section}, {}", bar.label),
        None => bar.label.clone(),
    };
    let figure = match (bar.index, bar.ci95) {
        (Some(index), Some([low, high])) => say(
            "chart_index_bar_interval",
            &[
                ("label", &label),
                ("index", &decimal(index, lang)),
                ("low", &decimal(low, lang)),
                ("high", &decimal(high, lang)),
            ],
        ),
        (Some(index), None) => say("chart_index_bar", &[("label", &label), ("index", &decimal(index, lang))]),
        (None, _) => return say("chart_index_bar_hidden", &[("label", &label)]),
    };
    match bar.earlier {
        Some(Earlier { value: Some(value), change: Some(change), significant }) => {
            let change = format!("{}{}", signed(change, lang), if significant { "*" } else { "" });
            say(
                "chart_index_bar_change",
                &[("figure", &figure), ("earlier", &decimal(value, lang)), ("change", &change)],
            )
        }
        Some(Earlier { value: Some(value), .. }) => {
            say("chart_index_bar_earlier", &[("figure", &figure), ("earlier", &decimal(value, lang))])
        }
        Some(_) => say("chart_index_bar_earlier_hidden", &[("figure", &figure)]),
        None => say("chart_index_bar_alone", &[("figure", &figure)]),
    }
}

/// Two decimals with the language's decimal mark (see [`crate::i18n::decimal`]).
fn decimal(value: f64, lang: Lang) -> String {
    crate::i18n::decimal(lang.code(), value, 2)
}

fn signed(value: f64, lang: Lang) -> String {
    if value > 0.0 { format!("+{}", decimal(value, lang)) } else { decimal(value, lang) }
}
