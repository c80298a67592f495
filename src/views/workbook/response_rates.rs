//! `Svarsfrekvens`: the AAPOR table, one row per municipality and their total: how every letter ended (the
//! dispositions and AAPOR's classes) and every rate, with the definitions below it.

use rust_xlsxwriter::{Worksheet, XlsxError};

use super::sheet::{Cell, Formats, Sheet};
use super::{Contents, text};
use crate::domain::aapor::definitions;
use crate::domain::response_rates::MunicipalityRates;

/// How the letters ended, by the name of the rates' field (or AAPOR's letter).
pub fn counts(rates: &MunicipalityRates) -> Vec<(&'static str, u64)> {
    vec![
        ("planned", rates.planned),
        ("letters", rates.letters),
        ("submitted", rates.submitted),
        ("complete_web", rates.complete_web),
        ("complete_paper", rates.complete_paper),
        ("partial", rates.partial),
        ("submitted_break_off", rates.submitted_break_off),
        ("started", rates.started),
        ("refused", rates.refused),
        ("other", rates.other),
        ("undeliverable", rates.undeliverable),
        ("not_eligible", rates.not_eligible),
        ("not_returned", rates.not_returned),
        ("without_letter", rates.without_letter),
        ("I", rates.counts.complete),
        ("P", rates.counts.partial),
        ("R", rates.counts.refusal_and_break_off),
        ("NC", rates.counts.non_contact),
        ("O", rates.counts.other),
        ("UH", rates.counts.unknown_household),
        ("UO", rates.counts.unknown_other),
        ("NE", rates.counts.not_eligible),
    ]
}

pub fn write(worksheet: &mut Worksheet, formats: &Formats, contents: &Contents<'_>) -> Result<(), XlsxError> {
    let lang = contents.lang;
    let view = contents.rates;
    let rows: Vec<&MunicipalityRates> =
        view.municipalities.iter().chain((view.municipalities.len() > 1).then_some(&view.total)).collect();
    let rate_keys: Vec<&'static str> = definitions()
        .iter()
        .map(|definition| definition.key)
        .filter(|key| key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
        .collect();
    let count_keys: Vec<&'static str> = counts(&view.total).into_iter().map(|(key, _)| key).collect();

    let mut widths = vec![18.0, 8.0];
    widths.extend(std::iter::repeat_n(11.0, count_keys.len() + rate_keys.len()));
    worksheet.set_name(text(lang, "workbook_sheet_rates"))?;
    let mut sheet = Sheet::new(worksheet, formats, &widths)?;
    sheet.title(&format!("{}: {}", text(lang, "workbook_sheet_rates"), contents.round.title))?;
    if !view.has_rates {
        sheet.note(&text(lang, "workbook_open_link"))?;
    }
    sheet.blank();
    let mut header = vec![text(lang, "workbook_municipality"), text(lang, "workbook_code")];
    header.extend(count_keys.iter().map(|key| column_name(lang, key)));
    header.extend(rate_keys.iter().map(|key| column_name(lang, key)));
    let header_row = sheet.row();
    sheet.header(&header, Some(2))?;
    for municipality in rows {
        let total = municipality.code == "total";
        let name = if total { text(lang, "workbook_total") } else { municipality.name.clone() };
        let mut cells = vec![Cell::Strong(name), Cell::text(municipality.code.clone())];
        cells.extend(counts(municipality).into_iter().map(|(_, count)| Cell::number(count)));
        let value = serde_json::to_value(municipality.rates).unwrap_or_default();
        cells.extend(rate_keys.iter().map(|key| {
            let rate = value.get(*key).and_then(serde_json::Value::as_f64);
            // `e` is an estimated share, the rest rates: all shares of 1.
            if view.has_rates { Cell::share(rate) } else { Cell::Blank }
        }));
        sheet.cells(&cells)?;
    }
    sheet.filter(header_row, header.len() as u16)?;

    sheet.blank();
    sheet.cells(&[
        Cell::Strong(text(lang, "workbook_definitions")),
        Cell::Blank,
        Cell::Strong(text(lang, "workbook_formula")),
    ])?;
    for definition in definitions() {
        let meaning = if lang == "en" { definition.en } else { definition.sv };
        sheet.cells(&[
            Cell::text(column_name(lang, definition.key)),
            Cell::Blank,
            Cell::text(definition.formula),
            Cell::text(meaning),
        ])?;
    }
    Ok(())
}

/// A column's name: AAPOR's letters and rates by their own names (RR1, COOP2, e), the rest in words.
fn column_name(lang: &str, key: &str) -> String {
    match key {
        "svarsfrekvens" => text(lang, "workbook_response_rate"),
        "e" => "e".to_owned(),
        _ if key.chars().all(|c| c.is_ascii_uppercase()) => key.to_owned(),
        _ if key.chars().any(|c| c.is_ascii_digit()) => key.to_uppercase(),
        _ => text(lang, &format!("workbook_count_{key}")),
    }
}
