//! An instrument as an Excel workbook (`.xlsx`) laid out like an XLSForm, so that a survey office can edit its
//! questionnaire in Excel and a translator can add a language without touching JSON.
//!
//! **Three sheets, a header row each.** `settings` has one row below its header: `key`, `version`, `languages` (codes
//! separated by commas, the default first) and `title::<language>`. `items` has one row per section or item in
//! questionnaire order: a row of type `section` starts a section (its `text` is the section's title, its `help` the
//! intro) and the item rows below it belong to it. An item's `scale` column names its scale, or for a single or
//! multiple item its list of options. `choices` has one row per answer option, tied to its scale or item by `list`:
//! the scales first, then the options of each single and multiple item (a list named after the item). A list that no
//! single or multiple item names is a scale, so a scale no item uses yet survives the round trip. An empty cell means
//! "not given".
//!
//! **One column per language** (`text::sv`, `text::en`, `label::ar` …), as in XLSForm: a translator fills one column
//! from top to bottom, beside the default language's. Every language gets all of its columns, also where they are
//! empty, so that the translator sees where to write.
//!
//! **The JSON import's rules.** Reading builds the same JSON document a JSON file holds and loads it with
//! [`Instrument::load`], so a workbook is held to exactly the rules of the JSON import. While reading, every JSON path
//! is noted with the cell it came from, and a problem `load` finds at `sections[2].items[4].scale` is reported at its
//! cell, `items!D14: unknown scale "problm"`: that is where the office has to fix it. Problems only a workbook can have
//! (an unknown column, a weight that is not a number, an item above the first section) name their cell too.
//!
//! **An exact round trip.** Exporting and importing gives back the same instrument. Texts are written as text, never
//! as formulas, so `=1+1` and `001` stay as typed; numbers as numbers, except whole numbers beyond 2^53, which a
//! spreadsheet cannot hold exactly and which are written as text; a text that is absent stays absent, in each language
//! on its own. Strings are written into their cells (a constant-memory worksheet) rather than into the workbook's
//! table of shared strings, where `rust_xlsxwriter` takes a string that looks like `<r>…</r>` for rich text and writes
//! it unescaped.
//!
//! **Reading never panics** and never holds a sheet as a full grid: cells are read one by one and empty ones skipped,
//! so that a single cell at `XFD1048576` cannot make the reader allocate the whole sheet. A sheet may have at most
//! [`MAX_ROWS`] rows, [`MAX_COLUMNS`] columns and [`MAX_CELLS`] filled cells, which bounds the memory a workbook of
//! tiny compressed cells can take.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx};
use rust_xlsxwriter::{Format, FormatAlign, Workbook, XlsxError};
use serde_json::{Map, Value};

use super::model::{Instrument, InstrumentError, ItemKind, Texts};

/// The most rows a sheet may have, its header included.
pub const MAX_ROWS: u32 = 10_000;
/// The most columns a sheet may have; seven languages need 46 on the items sheet.
pub const MAX_COLUMNS: u32 = 1_000;
/// The most filled cells a sheet may have.
pub const MAX_CELLS: usize = 100_000;

/// The largest whole number a spreadsheet's numbers (`f64`) hold exactly; larger ones are written as text.
const MAX_EXACT_WHOLE: u64 = 1 << 53;

/// A sheet's columns: those that appear once, and those that appear once per language (`text::sv`).
struct Layout {
    sheet: &'static str,
    columns: &'static [&'static str],
    texts: &'static [&'static str],
    /// The columns a sheet cannot do without.
    required: &'static [&'static str],
}

const SETTINGS: Layout = Layout {
    sheet: "settings",
    columns: &["key", "version", "languages"],
    texts: &["title"],
    required: &["key", "version", "languages"],
};

const ITEMS: Layout = Layout {
    sheet: "items",
    columns: &[
        "type",
        "id",
        "area",
        "scale",
        "required",
        "show_if_item",
        "show_if_equals",
        "min",
        "max",
        "max_chars",
        "replaces",
    ],
    texts: &["text", "help", "unit", "yes", "no"],
    required: &["type", "id"],
};

const CHOICES: Layout = Layout {
    sheet: "choices",
    columns: &["list", "code", "weight", "exclusive", "dont_know"],
    texts: &["label"],
    required: &["list", "code"],
};

/// The item types, as the `type` column and the JSON name them.
const ITEM_TYPES: [&str; 6] = ["scale", "single", "multiple", "yes_no", "number", "text"];

/// The columns every item row may fill; each type adds its own (see [`columns_of`]).
const ITEM_COLUMNS: [&str; 8] =
    ["type", "id", "required", "show_if_item", "show_if_equals", "replaces", "text", "help"];

/// The value of the `required`, `exclusive` and `dont_know` columns that means true.
const YES: &str = "yes";

impl Layout {
    /// The header row: the columns, then each text column once per language.
    fn header(&self, languages: &[String]) -> Vec<String> {
        let texts = self.texts.iter().flat_map(|field| languages.iter().map(move |lang| format!("{field}::{lang}")));
        self.columns.iter().map(|column| (*column).to_owned()).chain(texts).collect()
    }

    /// Whether a header names one of the sheet's columns (any language code is accepted here; `load` checks them).
    fn knows(&self, name: &str) -> bool {
        self.columns.contains(&name)
            || name.split_once("::").is_some_and(|(field, lang)| self.texts.contains(&field) && !lang.is_empty())
    }
}

/// A column's width in characters: wide for texts, narrow for flags and numbers.
fn width(column: &str) -> f64 {
    match column.split_once("::").map_or(column, |(field, _)| field) {
        "text" | "title" => 50.0,
        "help" | "label" => 40.0,
        "id" | "area" | "show_if_item" | "replaces" | "list" | "code" | "key" => 24.0,
        "scale" | "show_if_equals" | "languages" => 16.0,
        "unit" | "yes" | "no" | "version" | "max_chars" | "exclusive" | "dont_know" | "required" | "type" => 11.0,
        _ => 8.0,
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Writing

/// A cell to write.
enum Out {
    Text(String),
    Number(f64),
}

/// A row to write: its cells by column name; a column it does not name stays empty.
type OutRow = BTreeMap<String, Out>;

fn put(row: &mut OutRow, column: &str, text: &str) {
    row.insert(column.to_owned(), Out::Text(text.to_owned()));
}

/// Puts a text's languages into their columns (`text::sv`, `text::en` …); an absent text leaves them empty.
fn put_texts(row: &mut OutRow, field: &str, texts: Option<&Texts>) {
    for (lang, text) in texts.into_iter().flat_map(Texts::iter) {
        put(row, &format!("{field}::{lang}"), text);
    }
}

/// A whole number: as a number where a spreadsheet holds it exactly, otherwise as text.
fn whole(number: i128) -> Out {
    if number.unsigned_abs() <= u128::from(MAX_EXACT_WHOLE) {
        Out::Number(number as f64)
    } else {
        Out::Text(number.to_string())
    }
}

/// The workbook of an instrument, which [`from_xlsx`] reads back to the same instrument.
pub fn to_xlsx(instrument: &Instrument) -> Result<Vec<u8>, XlsxError> {
    let list_names = list_names(instrument);
    let mut workbook = Workbook::new();
    let languages = &instrument.languages;
    write_sheet(&mut workbook, &SETTINGS, languages, &[settings_row(instrument)])?;
    write_sheet(&mut workbook, &ITEMS, languages, &item_rows(instrument, &list_names))?;
    write_sheet(&mut workbook, &CHOICES, languages, &choice_rows(instrument, &list_names))?;
    workbook.save_to_buffer()
}

/// The name of each single and multiple item's list of options, by item id: the item's id, unless a scale has that
/// name (`agree` the scale and `agree` a single item), then the id with a number (`agree_2`).
fn list_names(instrument: &Instrument) -> BTreeMap<&str, String> {
    let mut taken: BTreeSet<String> = instrument.scales.keys().cloned().collect();
    let mut names = BTreeMap::new();
    for item in instrument.items() {
        if let ItemKind::Single { .. } | ItemKind::Multiple { .. } = item.kind {
            let mut name = item.id.clone();
            let mut number = 1;
            while taken.contains(&name) {
                number += 1;
                name = format!("{}_{number}", item.id);
            }
            taken.insert(name.clone());
            names.insert(item.id.as_str(), name);
        }
    }
    names
}

fn settings_row(instrument: &Instrument) -> OutRow {
    let mut row = OutRow::new();
    put(&mut row, "key", &instrument.key);
    put(&mut row, "version", &instrument.version);
    put(&mut row, "languages", &instrument.languages.join(","));
    put_texts(&mut row, "title", Some(&instrument.title));
    row
}

fn item_rows(instrument: &Instrument, list_names: &BTreeMap<&str, String>) -> Vec<OutRow> {
    let mut rows = Vec::new();
    for section in &instrument.sections {
        let mut row = OutRow::new();
        put(&mut row, "type", "section");
        put(&mut row, "id", &section.id);
        if let Some(area) = &section.area {
            put(&mut row, "area", area);
        }
        put_texts(&mut row, "text", Some(&section.title));
        put_texts(&mut row, "help", section.intro.as_ref());
        rows.push(row);
        for item in &section.items {
            let mut row = OutRow::new();
            put(&mut row, "type", item.kind.type_name());
            put(&mut row, "id", &item.id);
            if item.required {
                put(&mut row, "required", YES);
            }
            if let Some(condition) = &item.show_if {
                put(&mut row, "show_if_item", &condition.item);
                put(&mut row, "show_if_equals", &condition.equals);
            }
            if let Some(replaces) = &item.replaces {
                put(&mut row, "replaces", replaces);
            }
            put_texts(&mut row, "text", Some(&item.text));
            put_texts(&mut row, "help", item.help.as_ref());
            match &item.kind {
                ItemKind::Scale { scale } => put(&mut row, "scale", scale),
                ItemKind::Single { .. } | ItemKind::Multiple { .. } => {
                    put(&mut row, "scale", list_names.get(item.id.as_str()).map_or(&item.id, |name| name));
                    if let ItemKind::Multiple { max: Some(max), .. } = &item.kind {
                        row.insert("max".to_owned(), whole(*max as i128));
                    }
                }
                ItemKind::YesNo { yes, no } => {
                    put_texts(&mut row, "yes", yes.as_ref());
                    put_texts(&mut row, "no", no.as_ref());
                }
                ItemKind::Number { min, max, unit } => {
                    row.insert("min".to_owned(), whole(i128::from(*min)));
                    row.insert("max".to_owned(), whole(i128::from(*max)));
                    put_texts(&mut row, "unit", unit.as_ref());
                }
                ItemKind::Text { max_chars } => {
                    row.insert("max_chars".to_owned(), whole(*max_chars as i128));
                }
            }
            rows.push(row);
        }
    }
    rows
}

fn choice_rows(instrument: &Instrument, list_names: &BTreeMap<&str, String>) -> Vec<OutRow> {
    let mut rows = Vec::new();
    for (name, scale) in &instrument.scales {
        for option in &scale.options {
            let mut row = OutRow::new();
            put(&mut row, "list", name);
            put(&mut row, "code", &option.code);
            if let Some(weight) = option.weight {
                row.insert("weight".to_owned(), Out::Number(weight));
            }
            put_texts(&mut row, "label", Some(&option.label));
            rows.push(row);
        }
        if let Some(dont_know) = &scale.dont_know {
            let mut row = OutRow::new();
            put(&mut row, "list", name);
            put(&mut row, "code", &dont_know.code);
            put(&mut row, "dont_know", YES);
            put_texts(&mut row, "label", Some(&dont_know.label));
            rows.push(row);
        }
    }
    for item in instrument.items() {
        let (ItemKind::Single { options } | ItemKind::Multiple { options, .. }) = &item.kind else { continue };
        let list = list_names.get(item.id.as_str()).map_or(&item.id, |name| name);
        for choice in options {
            let mut row = OutRow::new();
            put(&mut row, "list", list);
            put(&mut row, "code", &choice.code);
            if choice.exclusive {
                put(&mut row, "exclusive", YES);
            }
            put_texts(&mut row, "label", Some(&choice.label));
            rows.push(row);
        }
    }
    rows
}

/// Writes a sheet: a bold header row that stays in view, then the rows. Strings are always written as strings, so
/// that a text such as `=1+1` never becomes a formula.
fn write_sheet(
    workbook: &mut Workbook,
    layout: &Layout,
    languages: &[String],
    rows: &[OutRow],
) -> Result<(), XlsxError> {
    let header_format = Format::new().set_bold();
    let text_format = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let plain_format = Format::new().set_align(FormatAlign::Top);
    let header = layout.header(languages);
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name(layout.sheet)?;
    sheet.set_freeze_panes(1, 0)?;
    let mut columns = Vec::with_capacity(header.len());
    for (index, name) in header.iter().enumerate() {
        let column = u16::try_from(index).map_err(|_| XlsxError::RowColumnLimitError)?;
        sheet.set_column_width(column, width(name))?;
        columns.push((column, name, if name.contains("::") { &text_format } else { &plain_format }));
    }
    for (column, name, _) in &columns {
        sheet.write_string_with_format(0, *column, name.as_str(), &header_format)?;
    }
    for (index, row) in rows.iter().enumerate() {
        let number = u32::try_from(index + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        for (column, name, format) in &columns {
            match row.get(name.as_str()) {
                Some(Out::Text(text)) => sheet.write_string_with_format(number, *column, text, format)?,
                Some(Out::Number(value)) => sheet.write_number_with_format(number, *column, *value, format)?,
                None => continue,
            };
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

/// Reads a workbook laid out as [`to_xlsx`] writes it and loads it as an instrument. A problem is reported at its cell
/// (`items!D14: unknown scale "problm"`), at a sheet's name when the sheet's XML cannot be read, and at `workbook` when
/// the file is not a workbook at all.
pub fn from_xlsx(bytes: &[u8]) -> Result<Instrument, InstrumentError> {
    check_unpacked_size(bytes)?;
    let mut workbook: Xlsx<Cursor<&[u8]>> = Xlsx::new(Cursor::new(bytes)).map_err(|error| InstrumentError {
        path: "workbook".to_owned(),
        problem: format!("the file is not an Excel workbook (.xlsx) that can be read: {error}"),
    })?;
    let names = workbook.sheet_names();
    for layout in [&SETTINGS, &ITEMS, &CHOICES] {
        if !names.iter().any(|name| name == layout.sheet) {
            let problem = format!(
                "the workbook has no sheet \"{}\"; it needs the sheets settings, items and choices",
                layout.sheet
            );
            return Err(refused(cell_name(layout.sheet, 0, 0), problem));
        }
    }
    let settings = Table::read(&mut workbook, &SETTINGS)?;
    let items = Table::read(&mut workbook, &ITEMS)?;
    let choices = Table::read(&mut workbook, &CHOICES)?;
    let mut places = Places::default();
    let document = document(&settings, &items, &choices, &mut places)?;
    Instrument::load(&document.to_string()).map_err(|error| places.locate(error))
}

/// The most a workbook's files may hold unpacked, together: a questionnaire in many languages is well under a
/// megabyte, and the reader takes the table of shared strings in whole before any limit on rows applies.
pub const MAX_UNPACKED_BYTES: u64 = 32 * 1024 * 1024;

/// Refuses a workbook whose files say they unpack to more than [`MAX_UNPACKED_BYTES`], before anything is unpacked.
fn check_unpacked_size(bytes: &[u8]) -> Result<(), InstrumentError> {
    let unreadable = |error: zip::result::ZipError| {
        refused("workbook".to_owned(), format!("the file is not an Excel workbook (.xlsx) that can be read: {error}"))
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        total = total.saturating_add(archive.by_index_raw(index).map_err(unreadable)?.size());
    }
    if total > MAX_UNPACKED_BYTES {
        let problem = format!("the workbook unpacks to more than {} MiB", MAX_UNPACKED_BYTES / (1024 * 1024));
        return Err(refused("workbook".to_owned(), problem));
    }
    Ok(())
}

fn refused(place: String, problem: impl Into<String>) -> InstrumentError {
    InstrumentError { path: place, problem: problem.into() }
}

/// A cell's name, `items!C14`, from its 0-based row and column.
fn cell_name(sheet: &str, row: u32, column: u32) -> String {
    let mut letters = Vec::new();
    let mut rest = column;
    loop {
        letters.push(char::from(b'A' + (rest % 26) as u8));
        if rest < 26 {
            break;
        }
        rest = rest / 26 - 1;
    }
    let letters: String = letters.into_iter().rev().collect();
    format!("{sheet}!{letters}{}", u64::from(row) + 1)
}

/// The cell each JSON path was read from, to report [`Instrument::load`]'s problems at their cells, and notes to add
/// to a problem within a path.
#[derive(Default)]
struct Places {
    cells: BTreeMap<String, String>,
    notes: BTreeMap<String, String>,
}

impl Places {
    fn add(&mut self, path: impl Into<String>, cell: String) {
        self.cells.insert(path.into(), cell);
    }

    fn note(&mut self, path: impl Into<String>, note: String) {
        self.notes.insert(path.into(), note);
    }

    /// The error at the cell of its path or, failing that, of the nearest enclosing path
    /// (`sections[1].items[0].options[2].label.en` → `…options[2].label`, `…options[2]`, …), with the note of the
    /// nearest enclosing path that has one.
    fn locate(&self, error: InstrumentError) -> InstrumentError {
        let enclosing = || {
            let mut path = Some(error.path.as_str());
            std::iter::from_fn(move || {
                let current = path?;
                path = current.rfind(['.', '[']).map(|end| &current[..end]);
                Some(current)
            })
        };
        let Some(cell) = enclosing().find_map(|path| self.cells.get(path)) else { return error };
        let problem = match enclosing().find_map(|path| self.notes.get(path)) {
            Some(note) => format!("{}; {note}", error.problem),
            None => error.problem,
        };
        refused(cell.clone(), problem)
    }
}

/// A cell as read, empty cells left out.
#[derive(Debug, Clone, PartialEq)]
enum CellValue {
    Text(String),
    Number(f64),
    Integer(i64),
    Bool(bool),
    Date,
    Error(String),
}

impl CellValue {
    fn of(value: &DataRef<'_>) -> Option<Self> {
        Some(match value {
            DataRef::Empty => return None,
            DataRef::String(text) if text.is_empty() => return None,
            DataRef::SharedString("") => return None,
            DataRef::String(text) => Self::Text(text.clone()),
            DataRef::SharedString(text) => Self::Text((*text).to_owned()),
            DataRef::Float(number) => Self::Number(*number),
            DataRef::Int(number) => Self::Integer(*number),
            DataRef::Bool(value) => Self::Bool(*value),
            DataRef::DateTime(_) | DataRef::DateTimeIso(_) | DataRef::DurationIso(_) => Self::Date,
            DataRef::Error(error) => Self::Error(error.to_string()),
        })
    }

    /// The cell as text: a number typed into a text cell (a code `1`) is that number's text.
    fn text(&self, place: &str) -> Result<String, InstrumentError> {
        match self {
            Self::Text(text) => Ok(text.clone()),
            Self::Number(number) => Ok(number.to_string()),
            Self::Integer(number) => Ok(number.to_string()),
            Self::Bool(value) => Ok(if *value { "TRUE" } else { "FALSE" }.to_owned()),
            Self::Date => Err(refused(
                place.to_owned(),
                "expected text, found a date or time; type a leading apostrophe ('1/2) to keep it text",
            )),
            Self::Error(error) => Err(refused(place.to_owned(), format!("the cell holds the error {error}"))),
        }
    }

    /// The cell as a finite number; text that reads as one is accepted.
    fn number(&self, place: &str) -> Result<f64, InstrumentError> {
        let number = match self {
            Self::Number(number) => Some(*number),
            Self::Integer(number) => Some(*number as f64),
            Self::Text(text) => text.trim().parse::<f64>().ok(),
            _ => None,
        };
        match number {
            Some(number) if number.is_finite() => Ok(number),
            _ => Err(refused(place.to_owned(), format!("expected a number, found {}", self.describe()))),
        }
    }

    /// The cell as a whole number for the JSON document; a fraction is passed on as one, for `load` to refuse.
    fn whole(&self, place: &str) -> Result<Value, InstrumentError> {
        const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
        match self {
            Self::Integer(number) => Ok(Value::from(*number)),
            Self::Number(number) if number.fract() == 0.0 && (-LIMIT..LIMIT).contains(number) => {
                Ok(Value::from(*number as i64))
            }
            Self::Number(number) if number.is_finite() => Ok(Value::from(*number)),
            Self::Text(text) => match (text.trim().parse::<i64>(), text.trim().parse::<f64>()) {
                (Ok(number), _) => Ok(Value::from(number)),
                (_, Ok(number)) if number.is_finite() => Self::Number(number).whole(place),
                _ => Err(refused(place.to_owned(), format!("expected a whole number, found {}", self.describe()))),
            },
            _ => Err(refused(place.to_owned(), format!("expected a whole number, found {}", self.describe()))),
        }
    }

    /// `yes` is true; any other content is refused (an empty cell, false, never gets here).
    fn flag(&self, place: &str, column: &str) -> Result<bool, InstrumentError> {
        match self {
            Self::Text(text) if text == YES => Ok(true),
            other => Err(refused(
                place.to_owned(),
                format!("write yes in {column}, or leave the cell empty; found {}", other.describe()),
            )),
        }
    }

    fn describe(&self) -> String {
        match self {
            Self::Text(text) => format!("the text \"{text}\""),
            Self::Number(number) => format!("the number {number}"),
            Self::Integer(number) => format!("the number {number}"),
            Self::Bool(value) => (if *value { "TRUE" } else { "FALSE" }).to_owned(),
            Self::Date => "a date or time".to_owned(),
            Self::Error(error) => format!("the error {error}"),
        }
    }
}

/// A sheet as read: its columns by name, and its non-empty rows below the header.
struct Table {
    sheet: &'static str,
    /// Column name → 0-based column.
    columns: BTreeMap<String, u32>,
    rows: Vec<Row>,
}

/// A row's non-empty cells by column; `index` is 0-based, so the header is row 0.
struct Row {
    index: u32,
    cells: BTreeMap<u32, CellValue>,
}

impl Table {
    /// Reads a sheet cell by cell and checks its header: every column known, none twice, the required ones there, and
    /// no value in a column without a name.
    fn read(workbook: &mut Xlsx<Cursor<&[u8]>>, layout: &Layout) -> Result<Self, InstrumentError> {
        let sheet = layout.sheet;
        let broken =
            |error: calamine::XlsxError| refused(sheet.to_owned(), format!("the sheet cannot be read: {error}"));
        let mut cells: BTreeMap<u32, BTreeMap<u32, CellValue>> = BTreeMap::new();
        let mut filled = 0;
        let mut reader = workbook.worksheet_cells_reader(sheet).map_err(broken)?;
        while let Some(cell) = reader.next_cell().map_err(broken)? {
            let Some(value) = CellValue::of(cell.get_value()) else { continue };
            let (row, column) = cell.get_position();
            if row >= MAX_ROWS {
                let problem = format!("a sheet may have at most {MAX_ROWS} rows");
                return Err(refused(cell_name(sheet, row, column), problem));
            }
            if column >= MAX_COLUMNS {
                let problem = format!("a sheet may have at most {MAX_COLUMNS} columns");
                return Err(refused(cell_name(sheet, row, column), problem));
            }
            cells.entry(row).or_default().insert(column, value);
            filled += 1;
            if filled > MAX_CELLS {
                let problem = format!("a sheet may have at most {MAX_CELLS} filled cells");
                return Err(refused(cell_name(sheet, row, column), problem));
            }
        }
        let header = cells.remove(&0).unwrap_or_default();
        let mut columns = BTreeMap::new();
        for (column, value) in &header {
            let place = cell_name(sheet, 0, *column);
            let name = value.text(&place)?;
            if !layout.knows(&name) {
                let texts = layout.texts.iter().map(|field| format!("{field}::<language>"));
                let known: Vec<String> =
                    layout.columns.iter().map(|column| (*column).to_owned()).chain(texts).collect();
                let problem = format!("unknown column \"{name}\"; the columns are {}", known.join(", "));
                return Err(refused(place, problem));
            }
            if let Some(earlier) = columns.insert(name.clone(), *column) {
                let problem = format!("the column \"{name}\" appears twice (also {})", cell_name(sheet, 0, earlier));
                return Err(refused(place, problem));
            }
        }
        if let Some(missing) = layout.required.iter().find(|name| !columns.contains_key(**name)) {
            let free = header.keys().next_back().map_or(0, |last| last + 1);
            return Err(refused(cell_name(sheet, 0, free), format!("the column \"{missing}\" is missing")));
        }
        for (row, cells) in &cells {
            if let Some(column) = cells.keys().find(|column| !header.contains_key(column)) {
                let problem = "this cell's column has no name in the header row; name it or empty the column";
                return Err(refused(cell_name(sheet, *row, *column), problem));
            }
        }
        let rows = cells.into_iter().map(|(index, cells)| Row { index, cells }).collect();
        Ok(Self { sheet, columns, rows })
    }

    /// The languages of a text's columns (`sv` and `en` for `text::sv`, `text::en`), in column order.
    fn languages_of(&self, field: &str) -> Vec<&str> {
        let mut found: Vec<(u32, &str)> = self
            .columns
            .iter()
            .filter_map(|(name, column)| Some((*column, name.strip_prefix(field)?.strip_prefix("::")?)))
            .collect();
        found.sort_unstable();
        found.into_iter().map(|(_, lang)| lang).collect()
    }

    fn at<'a>(&'a self, row: &'a Row) -> At<'a> {
        At { table: self, row }
    }
}

/// One row of a table, for reading its cells by column name.
#[derive(Clone, Copy)]
struct At<'a> {
    table: &'a Table,
    row: &'a Row,
}

impl At<'_> {
    /// The name of this row's cell in a column; the row's first cell when the sheet has no such column.
    fn place(&self, column: &str) -> String {
        let column = self.table.columns.get(column).copied().unwrap_or(0);
        cell_name(self.table.sheet, self.row.index, column)
    }

    fn cell(&self, column: &str) -> Option<&CellValue> {
        self.row.cells.get(self.table.columns.get(column)?)
    }

    fn text(&self, column: &str) -> Result<Option<String>, InstrumentError> {
        self.cell(column).map(|cell| cell.text(&self.place(column))).transpose()
    }

    /// A text the JSON document cannot do without: an empty cell is an empty string, which `load` refuses with a
    /// message about the value (`"" is not a valid id: …`).
    fn text_or_empty(&self, column: &str) -> Result<Value, InstrumentError> {
        Ok(Value::from(self.text(column)?.unwrap_or_default()))
    }

    fn number(&self, column: &str) -> Result<Option<f64>, InstrumentError> {
        self.cell(column).map(|cell| cell.number(&self.place(column))).transpose()
    }

    fn whole(&self, column: &str) -> Result<Option<Value>, InstrumentError> {
        self.cell(column).map(|cell| cell.whole(&self.place(column))).transpose()
    }

    /// A whole number the row's type needs, refused here when its cell is empty.
    fn needed_whole(&self, column: &str, what: &str) -> Result<Value, InstrumentError> {
        self.whole(column)?.ok_or_else(|| refused(self.place(column), format!("{what} needs a {column}")))
    }

    fn flag(&self, column: &str) -> Result<bool, InstrumentError> {
        self.cell(column).map_or(Ok(false), |cell| cell.flag(&self.place(column), column))
    }

    /// A text's languages from their columns (`text::sv` …), empty cells left out; an object with no language is
    /// still given, for `load` to report the missing default language at its cell.
    fn texts(&self, field: &str) -> Result<Map<String, Value>, InstrumentError> {
        let mut texts = Map::new();
        for lang in self.table.languages_of(field) {
            if let Some(text) = self.text(&format!("{field}::{lang}"))? {
                texts.insert(lang.to_owned(), Value::from(text));
            }
        }
        Ok(texts)
    }

    /// A text that may be absent: `None` when every language's cell is empty.
    fn optional_texts(&self, field: &str) -> Result<Option<Value>, InstrumentError> {
        let texts = self.texts(field)?;
        Ok((!texts.is_empty()).then_some(Value::Object(texts)))
    }

    /// Notes the cells of a text: its path at the default language's cell, and each language's path at its own.
    fn note_texts(&self, places: &mut Places, path: &str, field: &str, default: &str) {
        places.add(path, self.place(&format!("{field}::{default}")));
        for lang in self.table.languages_of(field) {
            places.add(format!("{path}.{lang}"), self.place(&format!("{field}::{lang}")));
        }
    }

    /// Refuses a value in a column the row's type does not use.
    fn only(&self, allowed: &[&str], what: &str) -> Result<(), InstrumentError> {
        for (name, column) in &self.table.columns {
            let field = name.split_once("::").map_or(name.as_str(), |(field, _)| field);
            if !allowed.contains(&field) && self.row.cells.contains_key(column) {
                let problem = format!("{what} has no {name}; leave the cell empty");
                return Err(refused(cell_name(self.table.sheet, self.row.index, *column), problem));
            }
        }
        Ok(())
    }
}

/// The columns an item row of a type may fill.
fn columns_of(type_name: &str) -> Vec<&'static str> {
    let own: &[&str] = match type_name {
        "scale" | "single" => &["scale"],
        "multiple" => &["scale", "max"],
        "yes_no" => &["yes", "no"],
        "number" => &["min", "max", "unit"],
        _ => &["max_chars"],
    };
    ITEM_COLUMNS.iter().chain(own).copied().collect()
}

/// The JSON document of the three sheets, with the cell of every path noted in `places`.
fn document(settings: &Table, items: &Table, choices: &Table, places: &mut Places) -> Result<Value, InstrumentError> {
    let no_cells = Row { index: 1, cells: BTreeMap::new() };
    let mut settings_rows = settings.rows.iter();
    let values = match settings_rows.next() {
        Some(row) if row.index == 1 => row,
        Some(row) => return Err(misplaced_settings(settings, row)),
        None => &no_cells,
    };
    if let Some(row) = settings_rows.next() {
        return Err(misplaced_settings(settings, row));
    }
    let values = settings.at(values);
    let languages: Vec<String> = match values.text("languages")? {
        Some(list) => list.split(',').map(|lang| lang.trim().to_owned()).collect(),
        None => Vec::new(),
    };
    let default = languages.first().cloned().unwrap_or_default();
    for column in ["key", "version", "languages"] {
        places.add(column, values.place(column));
    }
    values.note_texts(places, "title", "title", &default);
    let lists = Lists::read(choices)?;
    let mut used_lists = BTreeSet::new();
    let mut document = Map::new();
    document.insert("key".to_owned(), values.text_or_empty("key")?);
    document.insert("version".to_owned(), values.text_or_empty("version")?);
    document.insert("languages".to_owned(), Value::from(languages));
    document.insert("title".to_owned(), Value::Object(values.texts("title")?));
    let sections = read_sections(items, &lists, &mut used_lists, &default, places)?;
    let scale_items = sections.iter().filter_map(|section| section["items"].as_array()).flatten();
    let used_scales: BTreeSet<&str> = scale_items.filter_map(|item| item.get("scale")?.as_str()).collect();
    let mut scales = Map::new();
    for (name, rows) in &lists.rows {
        if used_lists.contains(name.as_str()) {
            continue;
        }
        scales.insert(name.clone(), read_scale(choices, name, rows, &default, places)?);
        // A list no item names is most likely a typo in its name, yet it may also be a scale no item uses yet.
        if !used_scales.contains(name.as_str()) {
            places
                .note(format!("scales.{name}"), format!("no item names the list \"{name}\", so it is read as a scale"));
        }
    }
    document.insert("scales".to_owned(), Value::Object(scales));
    places.add("sections", cell_name(items.sheet, 0, 0));
    document.insert("sections".to_owned(), Value::Array(sections));
    Ok(Value::Object(document))
}

fn misplaced_settings(settings: &Table, row: &Row) -> InstrumentError {
    let column = row.cells.keys().next().copied().unwrap_or(0);
    refused(cell_name(settings.sheet, row.index, column), "the settings are one row, right below the header (row 2)")
}

/// The rows of the choices sheet by list name, each list in sheet order.
struct Lists<'a> {
    rows: BTreeMap<String, Vec<At<'a>>>,
}

impl<'a> Lists<'a> {
    fn read(choices: &'a Table) -> Result<Self, InstrumentError> {
        let mut rows: BTreeMap<String, Vec<At<'a>>> = BTreeMap::new();
        for row in &choices.rows {
            let at = choices.at(row);
            let Some(list) = at.text("list")? else {
                return Err(refused(at.place("list"), "name the scale or the item's list this option belongs to"));
            };
            rows.entry(list).or_default().push(at);
        }
        Ok(Self { rows })
    }
}

/// The sections of the items sheet, each with its items and their options from `lists`; the lists the items use are
/// added to `used_lists`.
fn read_sections(
    items: &Table,
    lists: &Lists<'_>,
    used_lists: &mut BTreeSet<String>,
    default: &str,
    places: &mut Places,
) -> Result<Vec<Value>, InstrumentError> {
    // Each section's fields, and its items as they are read.
    let mut sections: Vec<(Map<String, Value>, Vec<Value>)> = Vec::new();
    for row in &items.rows {
        let at = items.at(row);
        let Some(type_name) = at.text("type")? else {
            let problem = format!("the type is missing: section, or an item type ({})", ITEM_TYPES.join(", "));
            return Err(refused(at.place("type"), problem));
        };
        if type_name == "section" {
            let path = format!("sections[{}]", sections.len());
            sections.push((read_section(at, &path, default, places)?, Vec::new()));
            continue;
        }
        if !ITEM_TYPES.contains(&type_name.as_str()) {
            let problem = format!("unknown type \"{type_name}\"; the types are section, {}", ITEM_TYPES.join(", "));
            return Err(refused(at.place("type"), problem));
        }
        let section_index = sections.len().checked_sub(1);
        let Some((section_index, (_, section_items))) = section_index.zip(sections.last_mut()) else {
            let problem = "this item comes before the first section; a row of type section starts each section";
            return Err(refused(at.place("type"), problem));
        };
        let path = format!("sections[{section_index}].items[{}]", section_items.len());
        section_items.push(read_item(at, &type_name, &path, lists, used_lists, default, places)?);
    }
    let sections = sections.into_iter().map(|(mut section, items)| {
        section.insert("items".to_owned(), Value::Array(items));
        Value::Object(section)
    });
    Ok(sections.collect())
}

fn read_section(
    at: At<'_>,
    path: &str,
    default: &str,
    places: &mut Places,
) -> Result<Map<String, Value>, InstrumentError> {
    at.only(&["type", "id", "area", "text", "help"], "a section row")?;
    for (field, column) in [("", "type"), (".items", "type"), (".id", "id"), (".area", "area")] {
        places.add(format!("{path}{field}"), at.place(column));
    }
    at.note_texts(places, &format!("{path}.title"), "text", default);
    at.note_texts(places, &format!("{path}.intro"), "help", default);
    let mut section = Map::new();
    section.insert("id".to_owned(), at.text_or_empty("id")?);
    if let Some(area) = at.text("area")? {
        section.insert("area".to_owned(), Value::from(area));
    }
    section.insert("title".to_owned(), Value::Object(at.texts("text")?));
    if let Some(intro) = at.optional_texts("help")? {
        section.insert("intro".to_owned(), intro);
    }
    Ok(section)
}

fn read_item(
    at: At<'_>,
    type_name: &str,
    path: &str,
    lists: &Lists<'_>,
    used_lists: &mut BTreeSet<String>,
    default: &str,
    places: &mut Places,
) -> Result<Value, InstrumentError> {
    let what = format!("a {type_name} item");
    at.only(&columns_of(type_name), &what)?;
    let columns = [
        ("", "type"),
        (".type", "type"),
        (".id", "id"),
        (".scale", "scale"),
        (".options", "scale"),
        (".required", "required"),
        (".show_if", "show_if_item"),
        (".show_if.item", "show_if_item"),
        (".show_if.equals", "show_if_equals"),
        (".replaces", "replaces"),
        (".min", "min"),
        (".max", "max"),
        (".max_chars", "max_chars"),
    ];
    for (field, column) in columns {
        places.add(format!("{path}{field}"), at.place(column));
    }
    for field in ITEMS.texts {
        at.note_texts(places, &format!("{path}.{field}"), field, default);
    }
    let mut item = Map::new();
    item.insert("id".to_owned(), at.text_or_empty("id")?);
    item.insert("type".to_owned(), Value::from(type_name));
    item.insert("text".to_owned(), Value::Object(at.texts("text")?));
    if let Some(help) = at.optional_texts("help")? {
        item.insert("help".to_owned(), help);
    }
    if at.flag("required")? {
        item.insert("required".to_owned(), Value::Bool(true));
    }
    let mut condition = Map::new();
    for (field, column) in [("item", "show_if_item"), ("equals", "show_if_equals")] {
        if let Some(text) = at.text(column)? {
            condition.insert(field.to_owned(), Value::from(text));
        }
    }
    if !condition.is_empty() {
        item.insert("show_if".to_owned(), Value::Object(condition));
    }
    if let Some(replaces) = at.text("replaces")? {
        item.insert("replaces".to_owned(), Value::from(replaces));
    }
    match type_name {
        "scale" => {
            let Some(scale) = at.text("scale")? else {
                return Err(refused(at.place("scale"), "name the item's scale, a list in the choices sheet"));
            };
            item.insert("scale".to_owned(), Value::from(scale));
        }
        "single" | "multiple" => {
            let Some(list) = at.text("scale")? else {
                let problem = "name the item's list of options in the choices sheet (by custom the item's id)";
                return Err(refused(at.place("scale"), problem));
            };
            let Some(rows) = lists.rows.get(&list) else {
                let problem = format!("no row of the choices sheet has the list \"{list}\"");
                return Err(refused(at.place("scale"), problem));
            };
            let options =
                read_options(rows, &list, type_name == "multiple", &format!("{path}.options"), default, places)?;
            item.insert("options".to_owned(), Value::Array(options));
            used_lists.insert(list);
            if let Some(max) = at.whole("max")? {
                item.insert("max".to_owned(), max);
            }
        }
        "yes_no" => {
            for field in ["yes", "no"] {
                if let Some(label) = at.optional_texts(field)? {
                    item.insert(field.to_owned(), label);
                }
            }
        }
        "number" => {
            item.insert("min".to_owned(), at.needed_whole("min", &what)?);
            item.insert("max".to_owned(), at.needed_whole("max", &what)?);
            if let Some(unit) = at.optional_texts("unit")? {
                item.insert("unit".to_owned(), unit);
            }
        }
        _ => {
            item.insert("max_chars".to_owned(), at.needed_whole("max_chars", &what)?);
        }
    }
    Ok(Value::Object(item))
}

/// The options of a single or multiple item from its list's rows; only a multiple item's options may be exclusive,
/// and only a scale's have weights and "don't know".
fn read_options(
    rows: &[At<'_>],
    list: &str,
    multiple: bool,
    path: &str,
    default: &str,
    places: &mut Places,
) -> Result<Vec<Value>, InstrumentError> {
    let mut options = Vec::new();
    for (index, at) in rows.iter().enumerate() {
        if at.cell("weight").is_some() {
            let problem = format!("only a scale's options have a weight, and \"{list}\" is an item's list of options");
            return Err(refused(at.place("weight"), problem));
        }
        if at.flag("dont_know")? {
            let problem =
                format!("only a scale has a \"don't know\" answer, and \"{list}\" is an item's list of options");
            return Err(refused(at.place("dont_know"), problem));
        }
        let exclusive = at.flag("exclusive")?;
        if exclusive && !multiple {
            let problem = format!("only a multiple item's options can be exclusive, and \"{list}\" is a single item's");
            return Err(refused(at.place("exclusive"), problem));
        }
        let path = format!("{path}[{index}]");
        note_choice(at, &path, default, places);
        places.add(format!("{path}.exclusive"), at.place("exclusive"));
        let mut option = Map::new();
        option.insert("code".to_owned(), at.text_or_empty("code")?);
        option.insert("label".to_owned(), Value::Object(at.texts("label")?));
        if exclusive {
            option.insert("exclusive".to_owned(), Value::Bool(true));
        }
        options.push(Value::Object(option));
    }
    Ok(options)
}

fn note_choice(at: &At<'_>, path: &str, default: &str, places: &mut Places) {
    places.add(path, at.place("list"));
    places.add(format!("{path}.code"), at.place("code"));
    at.note_texts(places, &format!("{path}.label"), "label", default);
}

/// A scale from its list's rows: the options in order, and the row marked `dont_know` as its answer outside the scale.
fn read_scale(
    choices: &Table,
    name: &str,
    rows: &[At<'_>],
    default: &str,
    places: &mut Places,
) -> Result<Value, InstrumentError> {
    let path = format!("scales.{name}");
    if let Some(first) = rows.first() {
        places.add(&path, first.place("list"));
        places.add(format!("{path}.options"), first.place("list"));
    }
    let mut options = Vec::new();
    let mut dont_know: Option<(Value, u32)> = None;
    for at in rows {
        if at.flag("exclusive")? {
            let problem = format!("only a multiple item's options can be exclusive, and \"{name}\" is a scale");
            return Err(refused(at.place("exclusive"), problem));
        }
        let mut option = Map::new();
        option.insert("code".to_owned(), at.text_or_empty("code")?);
        option.insert("label".to_owned(), Value::Object(at.texts("label")?));
        if at.flag("dont_know")? {
            if let Some((_, earlier)) = &dont_know {
                let problem = format!(
                    "the scale \"{name}\" already has its \"don't know\" answer in {}",
                    cell_name(choices.sheet, *earlier, 0)
                );
                return Err(refused(at.place("dont_know"), problem));
            }
            if at.cell("weight").is_some() {
                return Err(refused(at.place("weight"), "\"don't know\" is never weighed; leave the weight empty"));
            }
            note_choice(at, &format!("{path}.dont_know"), default, places);
            dont_know = Some((Value::Object(option), at.row.index));
            continue;
        }
        let option_path = format!("{path}.options[{}]", options.len());
        note_choice(at, &option_path, default, places);
        places.add(format!("{option_path}.weight"), at.place("weight"));
        if let Some(weight) = at.number("weight")? {
            option.insert("weight".to_owned(), Value::from(weight));
        }
        options.push(Value::Object(option));
    }
    let mut scale = Map::new();
    scale.insert("options".to_owned(), Value::Array(options));
    if let Some((dont_know, _)) = dont_know {
        scale.insert("dont_know".to_owned(), dont_know);
    }
    Ok(Value::Object(scale))
}

#[cfg(test)]
mod tests;
