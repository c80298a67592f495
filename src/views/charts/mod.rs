//! Accessible SVG charts for the coordinators' dashboard, rendered on the server as plain strings.
//!
//! Pure functions without scripts or templates: the same input gives the same bytes, so a page can be cached and a
//! test can compare. The table beside each chart stays the primary source, but a chart must also stand on its own:
//! `role="img"` hides the drawn text from assistive technology, so the `<desc>` carries a short text version of the
//! data after the caller's description. The viewBox is 576 units wide and all text is 24 units, so labels stay at
//! 12 px or more down to a 288 px wide chart (a 320 px phone with 16 px page margins); nothing has a pixel size.
//!
//! `rate_bars` draws in `bars`, `cumulative_lines` in `lines`, `index_bars` in `index`, `distribution_bars` and
//! `choice_bars` in `distribution`; all write through the functions in `svg`.

use chrono::{Datelike, NaiveDate};

use crate::domain::aapor;

mod bars;
mod distribution;
mod index;
mod lines;
mod svg;
#[cfg(test)]
mod tests;

pub use bars::rate_bars;
pub use distribution::{choice_bars, distribution_bars};
pub use index::index_bars;
pub use lines::cumulative_lines;

/// Series colours, each at least 4.5:1 against white (enough for lines, markers and text alike).
pub const PALETTE: [&str; 6] = ["#0b4f9c", "#a84a00", "#1e7b3c", "#7040a8", "#b0245e", "#00717a"];

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

/// A horizontal bar chart of indices (0–6) with their 95 % intervals, one bar per group.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexBars {
    /// Unique prefix for the element ids in the page.
    pub id: String,
    pub title: String,
    pub description: String,
    /// The language of the chart's own words (`sv` or `en`).
    pub lang: String,
    pub bars: Vec<IndexBar>,
}

/// One group's index, hidden (`None`) when too few answered.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IndexBar {
    pub label: String,
    /// The heading the bar is drawn under (a municipality, when its groups of a breakdown follow); a heading is drawn
    /// where it differs from the bar before.
    pub section: Option<String>,
    pub index: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    /// The total over the groups, drawn in another colour.
    pub total: bool,
    /// The same figure in an earlier wave, when compared.
    pub earlier: Option<Earlier>,
}

/// An earlier wave's figure beside this one's.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Earlier {
    /// The earlier figure; `None` when hidden or not measured then.
    pub value: Option<f64>,
    /// This figure less the earlier one.
    pub change: Option<f64>,
    /// Whether the change is significant at 5 %.
    pub significant: bool,
}

/// A 100 % stacked bar per group (municipality, total) of the answers to one question.
#[derive(Debug, Clone, PartialEq)]
pub struct DistributionBars {
    /// Unique prefix for the element ids in the page.
    pub id: String,
    pub title: String,
    pub description: String,
    /// The language of the chart's own words (`sv` or `en`).
    pub lang: String,
    /// The options' words in the questionnaire's order; the last `apart` of them lie outside the scale ("don't
    /// know") and are drawn apart.
    pub options: Vec<String>,
    pub apart: usize,
    pub rows: Vec<DistributionRow>,
}

/// One group's answers: each option's share (0–100) of those who answered, `None` where hidden.
#[derive(Debug, Clone, PartialEq)]
pub struct DistributionRow {
    pub label: String,
    pub percents: Vec<Option<f64>>,
    /// Some of the group's figures are hidden to protect a small group: the bar is not drawn.
    pub hidden: bool,
    /// The total over the groups, set off by a line.
    pub total: bool,
}

/// A multiple-choice item: per group, the share (0–100) choosing each option.
#[derive(Debug, Clone, PartialEq)]
pub struct ChoiceBars {
    /// Unique prefix for the element ids in the page.
    pub id: String,
    pub title: String,
    pub description: String,
    /// The language of the chart's own words (`sv` or `en`).
    pub lang: String,
    pub options: Vec<String>,
    pub groups: Vec<DistributionRow>,
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

fn finite(share: Option<f64>) -> Option<f64> {
    share.filter(|share| share.is_finite())
}

/// The chart's language: its texts (from `locales/`) and its number and date formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    Sv,
    En,
}

impl Lang {
    /// The language's code, as the rest of the service names it.
    fn code(self) -> &'static str {
        match self {
            Self::Sv => "sv",
            Self::En => "en",
        }
    }

    fn parse(lang: &str) -> Self {
        if lang.eq_ignore_ascii_case("en") || lang.to_ascii_lowercase().starts_with("en-") {
            Self::En
        } else {
            Self::Sv
        }
    }

    /// One of the charts' texts (the keys starting with `chart_` in `locales/`).
    fn phrase(self, key: &str) -> String {
        rust_i18n::t!(key, locale = self.code()).into_owned()
    }

    /// A share as the rest of the service writes a percentage (see [`aapor::percent`]): "53,2\u{a0}%" or "53.2%".
    /// A share below zero reads as 0.
    fn percent(self, share: f64) -> String {
        aapor::percent(Some(share.max(0.0)), self.code())
    }

    /// A whole percentage for the axis: the same format without its decimal, "25\u{a0}%" or "25%".
    fn percent_whole(self, percent: u32) -> String {
        let formatted = self.percent(f64::from(percent) / 100.0);
        match formatted.find([',', '.']) {
            Some(mark) => {
                let unit = formatted[mark + 1..].trim_start_matches(|c: char| c.is_ascii_digit());
                format!("{}{unit}", &formatted[..mark])
            }
            None => formatted,
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
}
