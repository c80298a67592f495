//! `Metod`: how the figures were made (what counts, the index, intervals, weights, comparisons, suppression), the
//! survey's period and the questionnaire's version; and the lines under every sheet that say the same in short.

use rust_xlsxwriter::{Worksheet, XlsxError};

use super::sheet::{Cell, Formats, HIDDEN, Sheet};
use super::{Contents, text};
use crate::domain::results::weights::DEFAULT_TRIM;

/// The line under a sheet's title: period, weights, questionnaire.
pub fn subtitle(contents: &Contents<'_>) -> String {
    let lang = contents.lang;
    let round = contents.round;
    let weights = if contents.published.weights == "population" {
        text(lang, "workbook_weighted_short")
    } else {
        text(lang, "workbook_unweighted_short")
    };
    format!(
        "{} {} – {} · {weights} · {} {}",
        text(lang, "workbook_period"),
        round.opens_on,
        round.closes_on,
        text(lang, "workbook_questionnaire"),
        round.instrument
    )
}

/// The footnotes under a sheet of figures: what "–" means, when something was hidden.
pub fn footnotes(sheet: &mut Sheet<'_>, contents: &Contents<'_>) -> Result<(), XlsxError> {
    sheet.blank();
    if sheet.hid_something {
        sheet.note(&format!("{HIDDEN} {}", suppression(contents)))?;
    }
    sheet.note(&text(contents.lang, "workbook_index_note"))
}

/// Why a figure is hidden, with the survey's thresholds.
fn suppression(contents: &Contents<'_>) -> String {
    text(contents.lang, "workbook_suppressed")
        .replace("%{min_base}", &contents.published.min_base.to_string())
        .replace("%{min_cell}", &contents.published.min_cell.to_string())
}

pub fn write(worksheet: &mut Worksheet, formats: &Formats, contents: &Contents<'_>) -> Result<(), XlsxError> {
    let lang = contents.lang;
    let round = contents.round;
    worksheet.set_name(text(lang, "workbook_sheet_method"))?;
    let mut sheet = Sheet::new(worksheet, formats, &[26.0, 110.0])?;
    sheet.title(&format!("{}: {}", text(lang, "workbook_sheet_method"), round.title))?;
    sheet.blank();
    let trim = |text: String| {
        text.replace("%{low}", &decimal(DEFAULT_TRIM.0, lang)).replace("%{high}", &decimal(DEFAULT_TRIM.1, lang))
    };
    let weights = if contents.published.weights == "population" {
        trim(text(lang, "workbook_method_weighted"))
    } else {
        text(lang, "workbook_method_unweighted")
    };
    let comparison = match &round.compared_with {
        Some(earlier) => text(lang, "workbook_method_compared").replace("%{earlier}", earlier),
        None => text(lang, "workbook_method_not_compared"),
    };
    let rows = [
        ("workbook_method_survey", round.title.clone()),
        ("workbook_period", format!("{} – {}", round.opens_on, round.closes_on)),
        ("workbook_questionnaire", round.instrument.clone()),
        ("workbook_made_at", round.made_at.clone()),
        ("workbook_method_counted_heading", text(lang, "workbook_method_counted")),
        ("workbook_method_index_heading", text(lang, "workbook_method_index")),
        ("workbook_method_interval_heading", text(lang, "workbook_method_interval")),
        ("workbook_method_shares_heading", text(lang, "workbook_method_shares")),
        ("workbook_method_weights_heading", weights),
        ("workbook_method_comparison_heading", comparison),
        ("workbook_method_suppression_heading", suppression(contents)),
        ("workbook_method_rates_heading", text(lang, "workbook_method_rates")),
    ];
    for (heading, explanation) in rows {
        sheet.cells(&[Cell::Strong(text(lang, heading)), Cell::Text(explanation)])?;
    }
    Ok(())
}

/// A decimal number as the language writes it: "0,3" or "0.3".
fn decimal(value: f64, lang: &str) -> String {
    let written = value.to_string();
    if lang == "en" { written } else { written.replace('.', ",") }
}
