//! `Sammanfattning`: every municipality side by side (and their total): respondents, response rate, the total
//! index, each area's and each question's index, and the shares; beside each figure the earlier wave and the change
//! when compared.

use rust_xlsxwriter::{Worksheet, XlsxError};

use super::sheet::{Cell, Formats, Sheet};
use super::{Contents, text};
use crate::domain::results::figures::{Change, GroupResults};

/// How a figure is shown: an index, or a percentage (0–100 in the results).
#[derive(Clone, Copy)]
enum Scale {
    Index,
    Percent,
}

/// One figure of a group with what the comparison adds.
struct Figure<'a> {
    value: Option<f64>,
    suppressed: bool,
    earlier: Option<&'a Change>,
}

pub fn write(worksheet: &mut Worksheet, formats: &Formats, contents: &Contents<'_>) -> Result<(), XlsxError> {
    let lang = contents.lang;
    let published = contents.published;
    let groups: Vec<&GroupResults> =
        published.results.municipalities.iter().chain(published.results.total.as_ref()).collect();
    let compared = published.compared_with.is_some();
    let per_group = if compared { 4 } else { 1 };
    let mut widths = vec![48.0, 14.0];
    widths.extend(std::iter::repeat_n(12.0, groups.len() * per_group));
    worksheet.set_name(text(lang, "workbook_sheet_summary"))?;
    let mut sheet = Sheet::new(worksheet, formats, &widths)?;
    sheet.title(&contents.round.title)?;
    sheet.note(&super::method::subtitle(contents))?;
    sheet.blank();

    let mut header = vec![text(lang, "workbook_measure"), text(lang, "workbook_id")];
    for group in &groups {
        let name = group_name(group, lang);
        header.push(name.clone());
        if compared {
            header.push(format!("{name}, {}", text(lang, "workbook_earlier")));
            header.push(format!("{name}, {}", text(lang, "workbook_change")));
            header.push(format!("{name}, {}", text(lang, "workbook_significant")));
        }
    }
    sheet.header(&header, Some(2))?;

    let plain = |label: String, id: &str, cells: Vec<Cell>| {
        let mut row = vec![Cell::Text(label), Cell::text(id)];
        for cell in cells {
            row.push(cell);
            if compared {
                row.extend([Cell::Blank, Cell::Blank, Cell::Blank]);
            }
        }
        row
    };
    sheet.cells(&plain(
        text(lang, "workbook_respondents"),
        "respondents",
        groups.iter().map(|group| Cell::count(group.respondents, group.respondents.is_none())).collect(),
    ))?;
    sheet.cells(&plain(
        text(lang, "workbook_effective_n"),
        "effective_n",
        groups.iter().map(|group| Cell::decimal(group.effective_n, group.effective_n.is_none())).collect(),
    ))?;
    sheet.cells(&plain(
        text(lang, "workbook_weighted"),
        "weighted",
        groups.iter().map(|group| Cell::Text(yes_no(group.weighted, lang))).collect(),
    ))?;
    sheet.cells(&plain(
        text(lang, "workbook_response_rate"),
        "svarsfrekvens",
        groups.iter().map(|group| Cell::share(response_rate(contents, &group.code))).collect(),
    ))?;

    let first_index_row = sheet.row();
    let label = |id: &str| published.labels.areas.get(id).cloned().unwrap_or_else(|| id.to_owned());
    let total: Vec<Figure> = groups
        .iter()
        .map(|group| Figure {
            value: group.total.index,
            suppressed: group.total.suppressed,
            earlier: group.total.earlier.as_ref(),
        })
        .collect();
    sheet.cells(&row(text(lang, "workbook_total_index"), "total", &total, Scale::Index, compared, lang))?;
    for (position, area) in groups[0].areas.iter().enumerate() {
        let figures: Vec<Figure> = groups
            .iter()
            .map(|group| {
                let area = &group.areas[position];
                Figure { value: area.index, suppressed: area.suppressed, earlier: area.earlier.as_ref() }
            })
            .collect();
        if figures.iter().all(|figure| figure.value.is_none() && !figure.suppressed) {
            continue;
        }
        let name = format!("{}: {}", text(lang, "workbook_area"), label(&area.id));
        sheet.cells(&row(name, &area.id, &figures, Scale::Index, compared, lang))?;
    }
    for (position, item) in groups[0].items.iter().enumerate() {
        if item.kind != "scale" {
            continue;
        }
        let figures: Vec<Figure> = groups
            .iter()
            .map(|group| {
                let item = &group.items[position];
                Figure { value: item.index, suppressed: item.suppressed, earlier: item.earlier.as_ref() }
            })
            .collect();
        let name = published.labels.items.get(&item.id).cloned().unwrap_or_else(|| item.id.clone());
        sheet.cells(&row(name, &item.id, &figures, Scale::Index, compared, lang))?;
    }
    let last_index_row = sheet.row().saturating_sub(1);
    for (position, share) in groups[0].shares.iter().enumerate() {
        let figures: Vec<Figure> = groups
            .iter()
            .map(|group| {
                let share = &group.shares[position];
                Figure { value: share.percent, suppressed: share.suppressed, earlier: share.earlier.as_ref() }
            })
            .collect();
        let name = format!(
            "{} ({})",
            published.labels.items.get(&share.id).cloned().unwrap_or_else(|| share.id.clone()),
            text(lang, "workbook_share_yes")
        );
        sheet.cells(&row(name, &share.id, &figures, Scale::Percent, compared, lang))?;
    }
    for (position, _) in groups.iter().enumerate() {
        let column = 2 + (position * per_group) as u16;
        sheet.colour_indices(first_index_row, last_index_row, column, column)?;
        if compared {
            sheet.colour_indices(first_index_row, last_index_row, column + 1, column + 1)?;
        }
    }
    super::method::footnotes(&mut sheet, contents)
}

/// A row of figures, each followed by the earlier wave, the change and its significance when compared.
fn row(label: String, id: &str, figures: &[Figure<'_>], scale: Scale, compared: bool, lang: &str) -> Vec<Cell> {
    let cell = |value: Option<f64>, suppressed: bool| match scale {
        Scale::Index => Cell::index(value, suppressed),
        Scale::Percent => Cell::percent_of_100(value, suppressed),
    };
    let mut cells = vec![Cell::Text(label), Cell::text(id)];
    for figure in figures {
        cells.push(cell(figure.value, figure.suppressed));
        if compared {
            match figure.earlier {
                Some(change) => {
                    cells.push(cell(change.earlier, change.suppressed));
                    cells.push(match scale {
                        Scale::Index => Cell::index(change.change, change.suppressed),
                        Scale::Percent => Cell::percent_of_100(change.change, change.suppressed),
                    });
                    cells.push(significance(change, lang));
                }
                None => cells.extend([Cell::Blank, Cell::Blank, Cell::Blank]),
            }
        }
    }
    cells
}

/// "ja" or "nej" (significant at 5 %), hidden with the change.
pub fn significance(change: &Change, lang: &str) -> Cell {
    match change.significant {
        Some(true) => Cell::text(text(lang, "workbook_yes")),
        Some(false) => Cell::text(text(lang, "workbook_no")),
        None if change.suppressed => Cell::Hidden,
        None => Cell::Blank,
    }
}

/// "ja" or "nej".
pub fn yes_no(value: bool, lang: &str) -> String {
    text(lang, if value { "workbook_yes" } else { "workbook_no" })
}

/// A group's name as the workbook writes it: the total as "Totalt".
pub fn group_name(group: &GroupResults, lang: &str) -> String {
    if group.code == "total" { text(lang, "workbook_total") } else { group.name.clone() }
}

/// The response rate (svarsfrekvens) of a municipality or of the total, as a share of 1.
fn response_rate(contents: &Contents<'_>, code: &str) -> Option<f64> {
    if !contents.rates.has_rates {
        return None;
    }
    if code == "total" {
        return contents.rates.total.rates.svarsfrekvens;
    }
    contents.rates.municipalities.iter().find(|m| m.code == code).and_then(|m| m.rates.svarsfrekvens)
}
