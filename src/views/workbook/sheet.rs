//! Writing a worksheet row by row (constant-memory worksheets accept nothing else): the cell kinds a results
//! workbook has, each with its format, and the one way a hidden figure is written.

use rust_xlsxwriter::{
    ConditionalFormat3ColorScale, ConditionalFormatType, Format, FormatBorder, Worksheet, XlsxError,
};

/// What a hidden figure reads as; the sheet's footnote says why.
pub const HIDDEN: &str = "–";

/// The formats of the workbook's cells.
pub struct Formats {
    title: Format,
    header: Format,
    text: Format,
    strong: Format,
    note: Format,
    index: Format,
    percent: Format,
    count: Format,
    decimal: Format,
    hidden: Format,
}

impl Formats {
    pub fn new() -> Self {
        let font = |format: Format| format.set_font_name("Calibri").set_font_size(11);
        Self {
            title: font(Format::new()).set_bold().set_font_size(14),
            header: font(Format::new())
                .set_bold()
                .set_background_color(0xDCE6F1)
                .set_border_bottom(FormatBorder::Thin)
                .set_text_wrap(),
            text: font(Format::new()).set_text_wrap(),
            strong: font(Format::new()).set_bold(),
            note: font(Format::new()).set_italic().set_font_color(0x404040),
            index: font(Format::new()).set_num_format("0.00"),
            percent: font(Format::new()).set_num_format("0.0%"),
            count: font(Format::new()).set_num_format("#,##0"),
            decimal: font(Format::new()).set_num_format("0.000"),
            hidden: font(Format::new()).set_align(rust_xlsxwriter::FormatAlign::Right),
        }
    }
}

/// One cell of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Blank,
    Text(String),
    /// Text in bold (a total's row).
    Strong(String),
    /// An index (0–6), shown with two decimals.
    Index(f64),
    /// A share of 1, shown as a percentage.
    Percent(f64),
    /// A count.
    Count(f64),
    /// A number shown with three decimals (a p value, an effective sample size).
    Decimal(f64),
    /// A figure the small-group protection hid.
    Hidden,
}

impl Cell {
    pub fn text(value: impl Into<String>) -> Self {
        Self::Text(value.into())
    }

    /// An index, blank when there is none (an area without scale items) and hidden when suppressed.
    pub fn index(value: Option<f64>, suppressed: bool) -> Self {
        Self::figure(value, suppressed, Self::Index)
    }

    /// A percentage given on a 0–100 scale, stored as a share of 1.
    pub fn percent_of_100(value: Option<f64>, suppressed: bool) -> Self {
        Self::figure(value.map(|value| value / 100.0), suppressed, Self::Percent)
    }

    /// A share of 1 (a response rate): blank when it cannot be computed.
    pub fn share(value: Option<f64>) -> Self {
        value.map_or(Self::Blank, Self::Percent)
    }

    pub fn count(value: Option<u64>, suppressed: bool) -> Self {
        Self::figure(value.map(|value| value as f64), suppressed, Self::Count)
    }

    pub fn number(value: u64) -> Self {
        Self::Count(value as f64)
    }

    pub fn decimal(value: Option<f64>, suppressed: bool) -> Self {
        Self::figure(value, suppressed, Self::Decimal)
    }

    /// A figure: the number, "–" when it is hidden, blank when there is none.
    fn figure(value: Option<f64>, suppressed: bool, kind: fn(f64) -> Self) -> Self {
        match value.filter(|value| value.is_finite()) {
            Some(value) => kind(value),
            None if suppressed => Self::Hidden,
            None => Self::Blank,
        }
    }
}

/// A worksheet being written from its first row down.
pub struct Sheet<'a> {
    sheet: &'a mut Worksheet,
    formats: &'a Formats,
    row: u32,
    /// Whether a hidden figure was written (the footnote is then due).
    pub hid_something: bool,
}

impl<'a> Sheet<'a> {
    /// A sheet with its columns' widths (in characters).
    pub fn new(sheet: &'a mut Worksheet, formats: &'a Formats, widths: &[f64]) -> Result<Self, XlsxError> {
        for (column, width) in widths.iter().enumerate() {
            sheet.set_column_width(column as u16, *width)?;
        }
        Ok(Self { sheet, formats, row: 0, hid_something: false })
    }

    /// The next row's number (0-based).
    pub fn row(&self) -> u32 {
        self.row
    }

    pub fn title(&mut self, title: &str) -> Result<(), XlsxError> {
        self.sheet.write_string_with_format(self.row, 0, title, &self.formats.title)?;
        self.row += 1;
        Ok(())
    }

    /// A line of explanation in the first column.
    pub fn note(&mut self, note: &str) -> Result<(), XlsxError> {
        self.sheet.write_string_with_format(self.row, 0, note, &self.formats.note)?;
        self.row += 1;
        Ok(())
    }

    pub fn blank(&mut self) {
        self.row += 1;
    }

    /// A header row; with `freeze`, the rows above and including it stay in view, as do the first `columns`.
    pub fn header(&mut self, names: &[String], freeze: Option<u16>) -> Result<(), XlsxError> {
        for (column, name) in names.iter().enumerate() {
            self.sheet.write_string_with_format(self.row, column as u16, name, &self.formats.header)?;
        }
        if let Some(columns) = freeze {
            self.sheet.set_freeze_panes(self.row + 1, columns)?;
        }
        self.row += 1;
        Ok(())
    }

    /// Lets the reader filter the table whose header is at `header_row`, down to the last row written.
    pub fn filter(&mut self, header_row: u32, columns: u16) -> Result<(), XlsxError> {
        if self.row > header_row + 1 {
            self.sheet.autofilter(header_row, 0, self.row - 1, columns - 1)?;
        }
        Ok(())
    }

    /// Colours the indices in a column range from green (0, no problem) through yellow to red (6, a big problem),
    /// the direction the index runs.
    pub fn colour_indices(&mut self, first_row: u32, last_row: u32, first: u16, last: u16) -> Result<(), XlsxError> {
        if last_row < first_row {
            return Ok(());
        }
        let bands = ConditionalFormat3ColorScale::new()
            .set_minimum(ConditionalFormatType::Number, 0)
            .set_midpoint(ConditionalFormatType::Number, 3)
            .set_maximum(ConditionalFormatType::Number, 6)
            .set_minimum_color(0x63BE7B)
            .set_midpoint_color(0xFFEB84)
            .set_maximum_color(0xF8696B);
        self.sheet.add_conditional_format(first_row, first, last_row, last, &bands)?;
        Ok(())
    }

    pub fn cells(&mut self, cells: &[Cell]) -> Result<(), XlsxError> {
        let (row, formats) = (self.row, self.formats);
        for (column, cell) in cells.iter().enumerate() {
            let column = column as u16;
            match cell {
                Cell::Blank => {}
                Cell::Text(text) => {
                    self.sheet.write_string_with_format(row, column, text, &formats.text)?;
                }
                Cell::Strong(text) => {
                    self.sheet.write_string_with_format(row, column, text, &formats.strong)?;
                }
                Cell::Index(value) => {
                    self.sheet.write_number_with_format(row, column, *value, &formats.index)?;
                }
                Cell::Percent(value) => {
                    self.sheet.write_number_with_format(row, column, *value, &formats.percent)?;
                }
                Cell::Count(value) => {
                    self.sheet.write_number_with_format(row, column, *value, &formats.count)?;
                }
                Cell::Decimal(value) => {
                    self.sheet.write_number_with_format(row, column, *value, &formats.decimal)?;
                }
                Cell::Hidden => {
                    self.hid_something = true;
                    self.sheet.write_string_with_format(row, column, HIDDEN, &formats.hidden)?;
                }
            }
        }
        self.row += 1;
        Ok(())
    }
}
