//! The results workbook (`results.xlsx`): what a survey round ends with, as analysts and municipal websites expect
//! it. Sheets in this order: `Sammanfattning` (every municipality side by side), one sheet per municipality,
//! `Svarsfrekvens` (the AAPOR table) and `Metod` (how the figures were made).
//!
//! Every figure comes from [`Published`], after the small-group protection: a hidden figure is written as "–" and
//! explained in a footnote, never as a number. Numbers are stored unrounded as numbers (indices shown with two
//! decimals, shares as percentages of 1), so an analyst can compute with them. Worksheets are written in
//! constant-memory mode, row by row to a temporary file, so the workbook's memory does not grow with its size.

mod method;
mod municipality;
mod response_rates;
mod sheet;
mod summary;

use rust_xlsxwriter::{DocProperties, Workbook, XlsxError};

use crate::domain::response_rates::RatesView;
use crate::domain::results::published::{Published, Round};
use sheet::Formats;

/// Everything a workbook is made of.
pub struct Contents<'a> {
    pub round: &'a Round,
    pub published: &'a Published,
    pub rates: &'a RatesView,
    /// `sv` (the default) or `en`: the workbook's own texts; the questions come in `published.labels`.
    pub lang: &'a str,
}

/// The workbook as bytes.
pub fn workbook(contents: &Contents<'_>) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let properties = DocProperties::new()
        .set_title(&contents.round.title)
        .set_subject(text(contents.lang, "workbook_subject"))
        .set_author("trygghet");
    workbook.set_properties(&properties);
    let formats = Formats::new();
    summary::write(workbook.add_worksheet_with_constant_memory()?, &formats, contents)?;
    let mut taken = vec![
        text(contents.lang, "workbook_sheet_summary"),
        text(contents.lang, "workbook_sheet_rates"),
        text(contents.lang, "workbook_sheet_method"),
    ];
    for group in &contents.published.results.municipalities {
        let name = sheet_name(&group.name, &taken);
        taken.push(name.clone());
        let worksheet = workbook.add_worksheet_with_constant_memory()?;
        worksheet.set_name(&name)?;
        municipality::write(worksheet, &formats, contents, group)?;
    }
    response_rates::write(workbook.add_worksheet_with_constant_memory()?, &formats, contents)?;
    method::write(workbook.add_worksheet_with_constant_memory()?, &formats, contents)?;
    workbook.save_to_buffer()
}

/// One of the workbook's texts (the keys starting with `workbook_` in `locales/`).
fn text(lang: &str, key: &str) -> String {
    crate::i18n::text(lang, key)
}

/// A municipality's sheet name: Excel allows 31 characters without `[]:*?/\`, unique without regard to case.
fn sheet_name(wanted: &str, taken: &[String]) -> String {
    let clean: String = wanted.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
    let clean = if clean.trim().is_empty() { "Kommun".to_owned() } else { clean.trim().to_owned() };
    let free = |name: &str| !taken.iter().any(|other| other.to_lowercase() == name.to_lowercase());
    if free(&clean) {
        return clean;
    }
    (2..)
        .map(|n| {
            let suffix = format!(" ({n})");
            let stem: String = clean.chars().take(31 - suffix.chars().count()).collect();
            format!("{stem}{suffix}")
        })
        .find(|name| free(name))
        .unwrap_or(clean)
}

#[cfg(test)]
mod tests;
