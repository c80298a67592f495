//! Population margins: how many residents of a municipality fall in each option of a background question (age band,
//! gender …), the totals its answers are weighted (raked) to in results.
//!
//! Margins are given per *background item*: a single-choice item of a section without an index `area` (in the
//! default questionnaire `age_band`, `gender`, `housing` and `municipality_part`). An item's margin gives a count for
//! every one of its options (0 where nobody is), and not all of them 0; an item without a margin is not weighted by.
//!
//! Staff upload margins as a CSV file of `item;option;population` lines (semicolons, commas or tabs; a header line
//! is optional), read with [`read_csv`]; the API sends [`Margins`] as JSON. Both are checked against the survey's
//! questionnaire with [`check`], each problem named by its item and option, and in a file also by its line
//! ([`read_checked`]).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::domain::dispositions::{ImportProblem, import_delimiter, import_fields};
use crate::domain::instrument::{Instrument, Item, ItemKind};
use crate::domain::text::Text;
use crate::domain::whole_number::Whole;

/// The largest count accepted for one option (Sweden has about 10.6 million residents).
pub const MAX_POPULATION: i64 = 100_000_000;

/// Population counts per background item and option: item id → option code → residents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Margins(pub BTreeMap<String, BTreeMap<String, i64>>);

/// Counts are whole numbers, written `5100` or `5100.0` (see [`crate::domain::whole_number`]).
impl<'de> Deserialize<'de> for Margins {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        type Read = BTreeMap<String, BTreeMap<String, Whole<i64>>>;
        let read = Read::deserialize(deserializer)?;
        let whole = |options: BTreeMap<String, Whole<i64>>| {
            options.into_iter().map(|(code, Whole(count))| (code, count)).collect()
        };
        Ok(Self(read.into_iter().map(|(item, options)| (item, whole(options))).collect()))
    }
}

impl Margins {
    /// No item has a margin.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// An item's counts by option code; `None` for an item without a margin.
    pub fn of(&self, item: &str) -> Option<&BTreeMap<String, i64>> {
        self.0.get(item)
    }

    /// The population an item's margin adds up to (0 for an item without one).
    pub fn total(&self, item: &str) -> i64 {
        self.of(item).map_or(0, |counts| counts.values().fold(0_i64, |sum, count| sum.saturating_add(*count)))
    }
}

/// The background items of a questionnaire, in its order: the single-choice items of its sections without an index
/// area. Margins may be given for these only.
pub fn background_items(instrument: &Instrument) -> impl Iterator<Item = &Item> {
    instrument
        .sections()
        .iter()
        .filter(|section| section.area.is_none())
        .flat_map(|section| &section.items)
        .filter(|item| matches!(item.kind, ItemKind::Single { .. }))
}

/// The option codes of a single-choice item, in its order; empty for other items.
pub fn option_codes(item: &Item) -> Vec<&str> {
    match &item.kind {
        ItemKind::Single { options } => options.iter().map(|choice| choice.code.as_str()).collect(),
        _ => Vec::new(),
    }
}

/// A problem with margins: the item, the option when it is about one, and why (for the person who typed them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarginProblem {
    pub item: String,
    pub option: Option<String>,
    pub reason: Text,
}

impl MarginProblem {
    /// The input it is about, as the API names fields: `margins.age_band` or `margins.age_band.16_24`.
    pub fn field(&self) -> String {
        match &self.option {
            Some(option) => format!("margins.{}.{option}", self.item),
            None => format!("margins.{}", self.item),
        }
    }
}

/// Checks margins against a questionnaire: every item is one of its background items, every option one of that
/// item's options, every option of an item is given, no count is negative or above [`MAX_POPULATION`], and not all of
/// an item's counts are 0. Empty margins are valid (they remove those stored).
pub fn check(margins: &Margins, instrument: &Instrument) -> Vec<MarginProblem> {
    check_read(margins, instrument, &BTreeSet::new())
}

/// [`check`], for margins read from a file in which the `unread` options' counts could not be read: those are not
/// missing (their lines' problems are reported), and an item with such an option is not all 0.
fn check_read(margins: &Margins, instrument: &Instrument, unread: &BTreeSet<(String, String)>) -> Vec<MarginProblem> {
    let background: Vec<&Item> = background_items(instrument).collect();
    let mut problems = Vec::new();
    for (item_id, counts) in &margins.0 {
        match background.iter().find(|item| item.id == *item_id) {
            Some(item) => {
                let unread: Vec<&str> =
                    unread.iter().filter(|(item, _)| item == item_id).map(|(_, option)| option.as_str()).collect();
                check_item(item, counts, &unread, &mut problems)
            }
            None => problems.push(MarginProblem {
                item: item_id.clone(),
                option: None,
                reason: unknown_item(item_id, instrument, &background),
            }),
        }
    }
    problems
}

fn unknown_item(item_id: &str, instrument: &Instrument, background: &[&Item]) -> Text {
    let known: Vec<&str> = background.iter().map(|item| item.id.as_str()).collect();
    let known = if known.is_empty() { "–".to_owned() } else { known.join(", ") };
    let key = if instrument.item(item_id).is_some() {
        "problem.population.not_background"
    } else {
        "problem.population.unknown_item"
    };
    Text::new(key).with("item", item_id).with("known", known)
}

/// One background item's counts: each option known and its count in range, every option given (or `unread`), not
/// all 0.
fn check_item(item: &Item, counts: &BTreeMap<String, i64>, unread: &[&str], problems: &mut Vec<MarginProblem>) {
    let options = option_codes(item);
    let problem = |option: Option<&str>, reason: Text| MarginProblem {
        item: item.id.clone(),
        option: option.map(str::to_owned),
        reason,
    };
    for (code, count) in counts {
        let reason = if !options.contains(&code.as_str()) {
            Text::new("problem.population.unknown_option").with("options", options.join(", "))
        } else if *count < 0 {
            Text::new("problem.population.negative")
        } else if *count > MAX_POPULATION {
            Text::new("problem.population.too_large")
        } else {
            continue;
        };
        problems.push(problem(Some(code), reason.with("item", &item.id).with("option", code)));
    }
    let missing: Vec<&str> =
        options.iter().copied().filter(|code| !counts.contains_key(*code) && !unread.contains(code)).collect();
    if !missing.is_empty() {
        let reason = Text::new("problem.population.missing").with("item", &item.id).with("options", missing.join(", "));
        problems.push(problem(None, reason));
    } else if unread.is_empty() && counts.values().all(|count| *count == 0) {
        problems.push(problem(None, Text::new("problem.population.all_zero").with("item", &item.id)));
    }
}

/// One line of a margins file: an item, one of its options and the population in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarginLine {
    pub line: u64,
    pub item: String,
    pub option: String,
    pub population: i64,
}

/// Reads a margins file (`item;option;population`, header optional; UTF-8 with or without a byte-order mark): every
/// line with something in it, in order, as its count or as the problem with the line. Blank lines are skipped, and
/// so is a header: a first line whose third field is there and has no digit.
pub fn read_csv(text: &str) -> Vec<Result<MarginLine, ImportProblem>> {
    read_lines(text).into_iter().map(|line| line.map_err(|unreadable| unreadable.problem)).collect()
}

/// A line that cannot be read, with the item and option it names when only its count is wrong.
struct Unreadable {
    problem: ImportProblem,
    names: Option<(String, String)>,
}

fn read_lines(text: &str) -> Vec<Result<MarginLine, Unreadable>> {
    let text = text.trim_start_matches('\u{feff}');
    let delimiter = import_delimiter(text);
    text.lines()
        .enumerate()
        .filter_map(|(index, line_text)| read_csv_line(index as u64 + 1, line_text, delimiter).transpose())
        .collect()
}

/// One line of a margins file; `None` for a blank line or the header.
fn read_csv_line(line: u64, text: &str, delimiter: u8) -> Result<Option<MarginLine>, Unreadable> {
    let problem = |reason: Text| Unreadable { problem: ImportProblem { line, reason }, names: None };
    let fields = import_fields(line, text, delimiter).map_err(|problem| Unreadable { problem, names: None })?;
    let Some(record) = fields else { return Ok(None) };
    let mut fields: Vec<&str> = record.iter().collect();
    // Spreadsheets write empty cells at the end of a line (`age_band;16_24;1234;;`).
    while fields.last().is_some_and(|field| field.is_empty()) {
        fields.pop();
    }
    let third = fields.get(2).copied().unwrap_or_default();
    if line == 1 && !third.is_empty() && !third.chars().any(|c| c.is_ascii_digit()) {
        return Ok(None);
    }
    let [item, option, count] = fields[..] else {
        let key =
            if fields.len() < 3 { "problem.population.too_few_fields" } else { "problem.population.too_many_fields" };
        return Err(problem(Text::new(key)));
    };
    if item.is_empty() || option.is_empty() {
        let key = if item.is_empty() { "problem.population.item_missing" } else { "problem.population.option_missing" };
        return Err(problem(Text::new(key)));
    }
    let names = Some((item.to_owned(), option.to_owned()));
    let population = parse_population(count).map_err(|reason| Unreadable { names, ..problem(reason) })?;
    Ok(Some(MarginLine { line, item: item.to_owned(), option: option.to_owned(), population }))
}

/// A count as a spreadsheet writes it: a whole number, perhaps with spaces between thousands ("12 345").
fn parse_population(text: &str) -> Result<i64, Text> {
    let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.is_empty() {
        return Err(Text::new("problem.population.count_missing"));
    }
    digits.parse::<i64>().map_err(|_| Text::new("problem.population.not_whole").with("text", text))
}

/// Margins read from a file, with the line each count came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadMargins {
    pub margins: Margins,
    lines: BTreeMap<(String, String), u64>,
    /// The items and options named on lines whose count could not be read.
    unread: BTreeSet<(String, String)>,
}

impl ReadMargins {
    /// The line a problem is on: its option's line, or else its item's first line (0 when the file has neither).
    pub fn line_of(&self, problem: &MarginProblem) -> u64 {
        let of_option =
            problem.option.as_ref().and_then(|option| self.lines.get(&(problem.item.clone(), option.clone())).copied());
        of_option
            .or_else(|| self.lines.iter().filter(|((item, _), _)| *item == problem.item).map(|(_, line)| *line).min())
            .unwrap_or(0)
    }
}

/// Reads a margins file into margins, with every line that cannot be read or names an item's option a second time.
pub fn read_margins(text: &str) -> (ReadMargins, Vec<ImportProblem>) {
    let mut read = ReadMargins::default();
    let mut problems = Vec::new();
    for result in read_lines(text) {
        let margin = match result {
            Ok(margin) => margin,
            Err(Unreadable { problem, names }) => {
                read.unread.extend(names);
                problems.push(problem);
                continue;
            }
        };
        let key = (margin.item.clone(), margin.option.clone());
        if let Some(earlier) = read.lines.get(&key) {
            let reason = Text::new("problem.population.repeated")
                .with("item", &margin.item)
                .with("option", &margin.option)
                .with("earlier", earlier);
            problems.push(ImportProblem { line: margin.line, reason });
            continue;
        }
        read.lines.insert(key, margin.line);
        read.margins.0.entry(margin.item).or_default().insert(margin.option, margin.population);
    }
    (read, problems)
}

/// Reads a margins file and checks it against the questionnaire: the margins, or every problem by line, in line
/// order. A file without a single count is a problem too (to remove margins, remove them; do not upload nothing).
pub fn read_checked(text: &str, instrument: &Instrument) -> Result<Margins, Vec<ImportProblem>> {
    let (read, mut problems) = read_margins(text);
    for problem in check_read(&read.margins, instrument, &read.unread) {
        problems.push(ImportProblem { line: read.line_of(&problem), reason: problem.reason });
    }
    if read.margins.is_empty() && problems.is_empty() {
        problems.push(ImportProblem { line: 0, reason: Text::new("problem.population.empty") });
    }
    problems.sort_by_key(|problem| problem.line);
    if problems.is_empty() { Ok(read.margins) } else { Err(problems) }
}

#[cfg(test)]
mod tests;
