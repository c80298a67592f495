//! One sheet per municipality: one table, one figure per row, so that an analyst filters it like any data. Its
//! rows: respondents, the total index, each area, each question (its index with interval, valid answers and "don't
//! know", then one row per answer option), the shares answering yes, and the response rates with their counts.

use rust_xlsxwriter::{Worksheet, XlsxError};

use super::response_rates::counts;
use super::sheet::{Cell, Formats, Sheet};
use super::summary::{group_name, significance, yes_no};
use super::{Contents, text};
use crate::domain::aapor::definitions;
use crate::domain::response_rates::MunicipalityRates;
use crate::domain::results::figures::{Change, GroupResults, IndexResult, ItemResult, ShareResult};

/// The table's columns before the comparison's.
const COLUMNS: [&str; 13] = [
    "workbook_kind",
    "workbook_id",
    "workbook_text",
    "workbook_option_code",
    "workbook_option",
    "workbook_index",
    "workbook_ci_low",
    "workbook_ci_high",
    "workbook_valid",
    "workbook_dont_know",
    "workbook_dont_know_share",
    "workbook_count",
    "workbook_share",
];

/// The comparison's columns.
const COMPARED: [&str; 6] = [
    "workbook_earlier",
    "workbook_change",
    "workbook_change_ci_low",
    "workbook_change_ci_high",
    "workbook_p_value",
    "workbook_significant",
];

/// Where the index column is (for the colour bands).
const INDEX_COLUMN: u16 = 5;

pub fn write(
    worksheet: &mut Worksheet,
    formats: &Formats,
    contents: &Contents<'_>,
    group: &GroupResults,
) -> Result<(), XlsxError> {
    let lang = contents.lang;
    let compared = contents.published.compared_with.is_some();
    let mut widths = vec![16.0, 14.0, 48.0, 10.0, 24.0, 8.0, 8.0, 8.0, 9.0, 8.0, 9.0, 9.0, 9.0];
    let mut names: Vec<String> = COLUMNS.iter().map(|key| text(lang, key)).collect();
    if compared {
        widths.extend([9.0, 10.0, 10.0, 10.0, 8.0, 10.0]);
        names.extend(COMPARED.iter().map(|key| text(lang, key)));
    }
    let mut sheet = Sheet::new(worksheet, formats, &widths)?;
    sheet.title(&format!("{}: {}", group_name(group, lang), contents.round.title))?;
    sheet.note(&super::method::subtitle(contents))?;
    sheet.blank();
    let header_row = sheet.row();
    sheet.header(&names, Some(3))?;
    let rows = Rows { contents, compared };

    sheet.cells(&rows.plain("workbook_respondents", "respondents", 11, Cell::count(group.respondents, true)))?;
    sheet.cells(&rows.plain("workbook_effective_n", "effective_n", 11, Cell::decimal(group.effective_n, true)))?;
    let mut weighted = rows.lead("workbook_weighted", "weighted");
    weighted[2] = Cell::Text(yes_no(group.weighted, lang));
    sheet.cells(&weighted)?;
    let first_index = sheet.row();
    sheet.cells(&rows.index("workbook_total_index", &group.total))?;
    for area in group.areas.iter().filter(|area| area.index.is_some() || area.suppressed) {
        sheet.cells(&rows.index("workbook_area", area))?;
    }
    for item in &group.items {
        sheet.cells(&rows.item(item))?;
        for option in &item.options {
            let mut cells = rows.lead("workbook_option_row", &item.id);
            cells.push(Cell::text(option.code.clone()));
            cells.push(Cell::Text(rows.option_label(&item.id, &option.code)));
            cells.extend(std::iter::repeat_n(Cell::Blank, 6));
            cells.push(Cell::count(option.count, option.suppressed));
            cells.push(Cell::percent_of_100(option.percent, option.suppressed));
            sheet.cells(&cells)?;
        }
    }
    let last_index = sheet.row() - 1;
    for share in &group.shares {
        sheet.cells(&rows.share(share))?;
    }
    if contents.rates.has_rates
        && let Some(rates) = rates_of(contents, &group.code)
    {
        for (key, count) in counts(rates) {
            sheet.cells(&rows.plain("workbook_rate_count", key, 11, Cell::number(count)))?;
        }
        let value = serde_json::to_value(rates.rates).unwrap_or_default();
        for definition in definitions().iter().filter(|definition| definition.key != "e") {
            if let Some(rate) = value.get(definition.key) {
                let cell = Cell::share(rate.as_f64());
                sheet.cells(&rows.plain("workbook_rate", definition.key, 12, cell))?;
            }
        }
    }
    sheet.colour_indices(first_index, last_index, INDEX_COLUMN, INDEX_COLUMN)?;
    sheet.filter(header_row, names.len() as u16)?;
    super::method::footnotes(&mut sheet, contents)
}

/// The rows' common parts.
struct Rows<'a> {
    contents: &'a Contents<'a>,
    compared: bool,
}

impl Rows<'_> {
    /// The kind of row, its id and the text the id stands for (a question's or an area's).
    fn lead(&self, kind: &str, id: &str) -> Vec<Cell> {
        let labels = &self.contents.published.labels;
        let label = labels.items.get(id).or_else(|| labels.areas.get(id)).cloned().unwrap_or_default();
        vec![Cell::text(text(self.contents.lang, kind)), Cell::text(id), Cell::Text(label)]
    }

    /// A row with one figure in `column`, its text what the id means for response rates.
    fn plain(&self, kind: &str, id: &str, column: usize, figure: Cell) -> Vec<Cell> {
        let lang = self.contents.lang;
        let meaning = match definitions().iter().find(|definition| definition.key == id) {
            Some(definition) if lang == "en" => definition.en.to_owned(),
            Some(definition) => definition.sv.to_owned(),
            None if matches!(id, "respondents" | "effective_n") => String::new(),
            None => text(lang, &format!("workbook_count_{id}")),
        };
        let mut cells = vec![Cell::text(text(lang, kind)), Cell::text(id), Cell::Text(meaning)];
        cells.resize(column, Cell::Blank);
        cells.push(figure);
        cells
    }

    fn option_label(&self, item: &str, code: &str) -> String {
        let options = self.contents.published.labels.options.get(item);
        options.and_then(|options| options.get(code)).cloned().unwrap_or_else(|| code.to_owned())
    }

    fn index(&self, kind: &str, index: &IndexResult) -> Vec<Cell> {
        let mut cells = self.lead(kind, &index.id);
        cells.extend([Cell::Blank, Cell::Blank]);
        cells.extend(interval(index.index, index.ci95, index.suppressed, false));
        cells.push(Cell::count(index.valid, index.suppressed));
        self.with_change(cells, index.earlier.as_ref(), false)
    }

    fn item(&self, item: &ItemResult) -> Vec<Cell> {
        let mut cells = self.lead("workbook_question", &item.id);
        cells.extend([Cell::Blank, Cell::Blank]);
        cells.extend(interval(item.index, item.ci95, item.suppressed, false));
        cells.push(Cell::count(item.valid, item.suppressed));
        cells.push(Cell::count(item.dont_know, item.suppressed));
        cells.push(Cell::percent_of_100(item.dont_know_percent, item.suppressed));
        self.with_change(cells, item.earlier.as_ref(), false)
    }

    fn share(&self, share: &ShareResult) -> Vec<Cell> {
        let mut cells = self.lead("workbook_share_yes", &share.id);
        cells.extend([Cell::Blank, Cell::Blank, Cell::Blank]);
        let [low, high] = share.ci95.map_or([None, None], |[low, high]| [Some(low), Some(high)]);
        cells.push(Cell::percent_of_100(low, share.suppressed));
        cells.push(Cell::percent_of_100(high, share.suppressed));
        cells.push(Cell::count(share.valid, share.suppressed));
        cells.extend([Cell::Blank, Cell::Blank]);
        cells.push(Cell::count(share.yes, share.suppressed));
        cells.push(Cell::percent_of_100(share.percent, share.suppressed));
        self.with_change(cells, share.earlier.as_ref(), true)
    }

    /// Pads a row to the comparison's columns and fills them.
    fn with_change(&self, mut cells: Vec<Cell>, change: Option<&Change>, percent: bool) -> Vec<Cell> {
        if !self.compared {
            return cells;
        }
        cells.resize(COLUMNS.len(), Cell::Blank);
        let Some(change) = change else { return cells };
        let figure = |value: Option<f64>| {
            if percent { Cell::percent_of_100(value, change.suppressed) } else { Cell::index(value, change.suppressed) }
        };
        cells.push(figure(change.earlier));
        cells.push(figure(change.change));
        let [low, high] = change.ci95.map_or([None, None], |[low, high]| [Some(low), Some(high)]);
        cells.push(figure(low));
        cells.push(figure(high));
        cells.push(Cell::decimal(change.p_value, change.suppressed));
        cells.push(significance(change, self.contents.lang));
        cells
    }
}

/// An index with its interval: three cells.
fn interval(value: Option<f64>, ci95: Option<[f64; 2]>, suppressed: bool, percent: bool) -> [Cell; 3] {
    let cell = |value| if percent { Cell::percent_of_100(value, suppressed) } else { Cell::index(value, suppressed) };
    let [low, high] = ci95.map_or([None, None], |[low, high]| [Some(low), Some(high)]);
    [cell(value), cell(low), cell(high)]
}

/// The municipality's (or the total's) response rates.
fn rates_of<'a>(contents: &'a Contents<'_>, code: &str) -> Option<&'a MunicipalityRates> {
    if code == "total" {
        return Some(&contents.rates.total);
    }
    contents.rates.municipalities.iter().find(|m| m.code == code)
}
