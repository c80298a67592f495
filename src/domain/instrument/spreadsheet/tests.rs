//! The workbook's tests: exact round trips of the default instrument and of generated ones, problems reported at
//! their cells, and no panic whatever the file holds.

use std::collections::BTreeSet;
use std::io::{Cursor, Read, Write};

use rust_xlsxwriter::Workbook;
use serde_json::{Map, Value, json};

use super::super::tests::sample;
use super::super::{Instrument, ItemKind, default_instrument};
use super::{MAX_CELLS, MAX_ROWS, from_xlsx, to_xlsx};

/// Writes an instrument, reads it back and asserts that nothing changed, not even in its JSON.
fn assert_round_trip(instrument: &Instrument) {
    let json = instrument.to_json_pretty().unwrap();
    let bytes = to_xlsx(instrument).unwrap();
    let read = from_xlsx(&bytes).unwrap_or_else(|error| panic!("{error}\nin the workbook of\n{json}"));
    assert_eq!(read.to_json_pretty().unwrap(), json);
    assert_eq!(&read, instrument);
}

#[test]
fn the_default_and_the_sample_instrument_survive_a_round_trip() {
    assert_round_trip(&default_instrument().unwrap());
    assert_round_trip(&sample());
}

/// A fixed xorshift, so that a failing instrument is the same on every run.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    fn coin(&mut self) -> bool {
        self.next() & 1 == 1
    }

    fn pick<'a, T>(&mut self, from: &'a [T]) -> &'a T {
        &from[self.below(from.len())]
    }
}

/// Texts a spreadsheet could change: spaces and line breaks at the ends, what looks like a formula, a number, a
/// date, a boolean, an error or an escape, rich-text markup, right-to-left scripts and emoji.
const ODD_TEXTS: [&str; 26] = [
    "Känner du dig trygg i ditt bostadsområde?",
    "  spaces around  ",
    "two\nlines",
    "\nstarts with a line break",
    "ends with a tab\t",
    "carriage\r\nreturn",
    "=1+1",
    "+46 70 123 45 67",
    "-3",
    "@SUM(A1)",
    "'quoted'",
    "\"double quoted\"",
    "001",
    "3.50",
    "1/2",
    "TRUE",
    "#REF!",
    "هل تشعر بالأمان في حيّك؟",
    "آیا در محله خود احساس امنیت می‌کنید؟",
    "ትግርኛ ጽሑፍ",
    "🙂 trygg 👍🏽",
    "_x0041_ looks like an escape",
    "<r>rich?</r>",
    "<r><t>inner</t></r>",
    "a & b < c > d",
    "x\u{7}bell",
];

/// Weights a spreadsheet must give back to the last bit (`0.1 + 0.2` is 0.30000000000000004).
const WEIGHTS: [f64; 10] = [0.0, 2.5, 6.0, -1.0, 0.1 + 0.2, 1e-7, 123_456.789, 1e21, -0.0, 9_007_199_254_740_993.0];

/// (min, max) of number items, with whole numbers a spreadsheet's numbers do not hold exactly.
const RANGES: [(i64, i64); 6] = [
    (0, 100),
    (-5, 5),
    (7, 7),
    (i64::MIN, i64::MAX),
    (-9_007_199_254_740_993, 9_007_199_254_740_993),
    (9_007_199_254_740_992, 9_007_199_254_740_992),
];

/// Option codes, some of which a spreadsheet would take for numbers.
const CODES: [&str; 6] = ["none", "1", "001", "a_b", "x9", "0"];

/// What a generated instrument has, so that the test can tell that every kind and every optional field was seen
/// both present and absent.
type Seen = BTreeSet<String>;

/// Texts in the default language and in some of the others; `None` (sometimes) for an optional text.
fn texts(dice: &mut Dice, languages: &[&str], optional: bool, seen: &mut Seen, what: &str) -> Option<Value> {
    if optional && dice.coin() {
        seen.insert(format!("no {what}"));
        return None;
    }
    seen.insert(what.to_owned());
    let mut texts = Map::new();
    for (index, lang) in languages.iter().enumerate() {
        if index == 0 || dice.coin() {
            texts.insert((*lang).to_owned(), Value::from(*dice.pick(&ODD_TEXTS)));
        }
    }
    seen.insert(if texts.len() < languages.len() { "some languages" } else { "every language" }.to_owned());
    Some(Value::Object(texts))
}

fn required_texts(dice: &mut Dice, languages: &[&str], seen: &mut Seen) -> Value {
    texts(dice, languages, false, seen, "text").unwrap_or_default()
}

/// Options with distinct codes; exclusive ones only where `exclusive` allows.
fn options(dice: &mut Dice, languages: &[&str], count: usize, exclusive: bool, seen: &mut Seen) -> Vec<Value> {
    let start = dice.below(CODES.len());
    let mut options = Vec::new();
    for index in 0..count {
        let mut option =
            json!({ "code": CODES[(start + index) % CODES.len()], "label": required_texts(dice, languages, seen) });
        if exclusive && dice.coin() {
            option["exclusive"] = json!(true);
            seen.insert("exclusive".to_owned());
        }
        options.push(option);
    }
    options
}

/// A valid instrument made from `seed`, as JSON: 2–4 languages, 0–3 scales (one may share its name with an item),
/// 1–4 sections of 1–5 items of every kind, each optional field present or absent.
fn generated(seed: u64, seen: &mut Seen) -> Value {
    let mut dice = Dice(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    for _ in 0..4 {
        dice.next();
    }
    let all_languages = ["sv", "en", "ar", "fa", "fi", "so", "ti", "sv-FI"];
    let start = dice.below(all_languages.len());
    let languages: Vec<&str> = (0..2 + dice.below(3)).map(|index| all_languages[(start + 3 * index) % 8]).collect();
    let mut scales = Map::new();
    for name in ["problem", "q2", "agree"] {
        if dice.coin() {
            continue;
        }
        let count = 2 + dice.below(4);
        let mut options = options(&mut dice, &languages, count, false, seen);
        if dice.coin() {
            seen.insert("weighted".to_owned());
            for option in &mut options {
                option["weight"] = json!(*dice.pick(&WEIGHTS));
            }
        } else {
            seen.insert("unweighted".to_owned());
        }
        let mut scale = json!({ "options": options });
        if dice.coin() {
            seen.insert("dont_know".to_owned());
            scale["dont_know"] = json!({ "code": "dont_know", "label": required_texts(&mut dice, &languages, seen) });
        }
        scales.insert(name.to_owned(), scale);
    }
    // The earlier items a condition can depend on, with their answer codes.
    let mut answerable: Vec<(String, Vec<String>)> = Vec::new();
    let mut sections = Vec::new();
    let mut item_number = 0;
    for section_number in 0..1 + dice.below(4) {
        let mut section =
            json!({ "id": format!("s{section_number}"), "title": required_texts(&mut dice, &languages, seen) });
        if let Some(intro) = texts(&mut dice, &languages, true, seen, "intro") {
            section["intro"] = intro;
        }
        if dice.coin() {
            section["area"] = json!(dice.pick(&["outdoor_environment", "police"]));
            seen.insert("area".to_owned());
        }
        let mut items = Vec::new();
        for _ in 0..1 + dice.below(5) {
            item_number += 1;
            let id = format!("q{item_number}");
            let mut kind = *dice.pick(&["scale", "single", "multiple", "yes_no", "number", "text"]);
            if kind == "scale" && scales.is_empty() {
                kind = "yes_no";
            }
            seen.insert(kind.to_owned());
            let mut item = json!({ "id": id, "type": kind, "text": required_texts(&mut dice, &languages, seen) });
            if let Some(help) = texts(&mut dice, &languages, true, seen, "help") {
                item["help"] = help;
            }
            if dice.below(3) == 0 {
                item["required"] = json!(true);
                seen.insert("required".to_owned());
            }
            if dice.below(3) == 0 {
                item["replaces"] = json!(format!("old_{id}"));
                seen.insert("replaces".to_owned());
            }
            if !answerable.is_empty() && dice.below(3) == 0 {
                let (on, codes) = dice.pick(&answerable).clone();
                item["show_if"] = json!({ "item": on, "equals": dice.pick(&codes) });
                seen.insert("show_if".to_owned());
            }
            let codes: Option<Vec<String>> = match kind {
                "scale" => {
                    let names: Vec<&String> = scales.keys().collect();
                    let name = (*dice.pick(&names)).clone();
                    item["scale"] = json!(name);
                    let scale = &scales[&name];
                    let options = scale["options"].as_array().into_iter().flatten();
                    let codes = options.chain(scale.get("dont_know")).filter_map(|option| option["code"].as_str());
                    Some(codes.map(str::to_owned).collect())
                }
                "single" | "multiple" => {
                    let count = 1 + dice.below(4);
                    let options = options(&mut dice, &languages, count, kind == "multiple", seen);
                    if kind == "multiple" && dice.coin() {
                        item["max"] = json!(1 + dice.below(count));
                        seen.insert("max".to_owned());
                    }
                    let codes = options.iter().filter_map(|option| option["code"].as_str()).map(str::to_owned);
                    let codes = Some(codes.collect());
                    item["options"] = json!(options);
                    codes
                }
                "yes_no" => {
                    for field in ["yes", "no"] {
                        if let Some(label) = texts(&mut dice, &languages, true, seen, field) {
                            item[field] = label;
                        }
                    }
                    Some(vec!["yes".to_owned(), "no".to_owned()])
                }
                "number" => {
                    let (min, max) = *dice.pick(&RANGES);
                    item["min"] = json!(min);
                    item["max"] = json!(max);
                    if let Some(unit) = texts(&mut dice, &languages, true, seen, "unit") {
                        item["unit"] = unit;
                    }
                    None
                }
                _ => {
                    item["max_chars"] = json!(*dice.pick(&[1, 10, 2000, 10_000]));
                    None
                }
            };
            if let Some(codes) = codes {
                answerable.push((id, codes));
            }
            items.push(item);
        }
        section["items"] = json!(items);
        sections.push(section);
    }
    json!({
        "key": "generated",
        "version": format!("{seed}.0"),
        "languages": languages,
        "title": required_texts(&mut dice, &languages, seen),
        "scales": scales,
        "sections": sections,
    })
}

#[test]
fn generated_instruments_survive_a_round_trip() {
    let mut seen = Seen::new();
    for seed in 1..=50 {
        let json = generated(seed, &mut seen).to_string();
        let instrument = Instrument::load(&json).unwrap_or_else(|error| panic!("seed {seed}: {error}\n{json}"));
        assert_round_trip(&instrument);
    }
    let expected = [
        "scale",
        "single",
        "multiple",
        "yes_no",
        "number",
        "text",
        "weighted",
        "unweighted",
        "dont_know",
        "exclusive",
        "max",
        "required",
        "replaces",
        "show_if",
        "area",
        "intro",
        "no intro",
        "help",
        "no help",
        "yes",
        "no yes",
        "no",
        "no no",
        "unit",
        "no unit",
        "some languages",
        "every language",
    ];
    let missing: Vec<&str> = expected.into_iter().filter(|what| !seen.contains(*what)).collect();
    assert!(missing.is_empty(), "the generated instruments never had {missing:?}");
}

#[test]
fn a_single_item_named_like_a_scale_gets_a_list_of_its_own() {
    let mut json = super::super::tests::sample_json();
    json["scales"]["age"] = json["scales"]["problem"].clone();
    let instrument = Instrument::load(&json.to_string()).unwrap();
    assert_round_trip(&instrument);
}

// ---------------------------------------------------------------------------------------------------------------
// Problems, reported at their cells

/// A workbook written cell by cell: each sheet is rows of cells, a string written as text, a number as a number and
/// null left empty.
fn workbook(sheets: &[(&str, Value)]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    for (name, rows) in sheets {
        let sheet = workbook.add_worksheet();
        sheet.set_name(*name).unwrap();
        for (row, cells) in rows.as_array().unwrap().iter().enumerate() {
            for (column, cell) in cells.as_array().unwrap().iter().enumerate() {
                let (row, column) = (row as u32, column as u16);
                match cell {
                    Value::String(text) => {
                        sheet.write_string(row, column, text).unwrap();
                    }
                    Value::Number(number) => {
                        sheet.write_number(row, column, number.as_f64().unwrap()).unwrap();
                    }
                    Value::Null => {}
                    other => panic!("{other}"),
                }
            }
        }
    }
    workbook.save_to_buffer().unwrap()
}

/// A small valid workbook, written by hand as an office would: a scale, a yes/no, a single and a number item.
fn sheets() -> Vec<(&'static str, Value)> {
    vec![
        (
            "settings",
            json!([["key", "version", "languages", "title::sv", "title::en"], ["test", "1", "sv,en", "Prov", "Test"]]),
        ),
        (
            "items",
            json!([
                [
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
                    "text::sv",
                    "text::en",
                    "help::sv"
                ],
                ["section", "first", "outdoor_environment", null, null, null, null, null, null, null, null, "Första"],
                ["scale", "littering", null, "problem", null, null, null, null, null, null, null, "Skräp?", "Litter?"],
                ["yes_no", "victim", null, null, null, null, null, null, null, null, null, "Utsatt?"],
                ["single", "age", null, "age", "yes", null, null, null, null, null, null, "Ålder?"],
                ["number", "years", null, null, null, null, null, 0, 100, null, null, "År?"],
            ]),
        ),
        (
            "choices",
            json!([
                ["list", "code", "weight", "exclusive", "dont_know", "label::sv", "label::en"],
                ["problem", "none", 0, null, null, "Inget", "None"],
                ["problem", "small", 2.5, null, null, "Litet"],
                ["problem", "big", 6, null, null, "Stort"],
                ["problem", "dont_know", null, null, "yes", "Vet inte"],
                ["age", "young", null, null, null, "Ung"],
                ["age", "old", null, null, null, "Gammal"],
            ]),
        ),
    ]
}

/// The sheets with cells changed, each named as in Excel (`items!D3`; columns A to Z).
fn changed(changes: &[(&str, Value)]) -> Vec<(&'static str, Value)> {
    let mut sheets = sheets();
    for (cell, value) in changes {
        let (sheet, place) = cell.split_once('!').unwrap();
        let column = usize::from(place.as_bytes()[0] - b'A');
        let row: usize = place[1..].parse::<usize>().unwrap() - 1;
        let rows = &mut sheets.iter_mut().find(|(name, _)| *name == sheet).unwrap().1;
        let rows = rows.as_array_mut().unwrap();
        rows.resize(rows.len().max(row + 1), json!([]));
        let cells = rows[row].as_array_mut().unwrap();
        cells.resize(cells.len().max(column + 1), Value::Null);
        cells[column] = value.clone();
    }
    sheets
}

/// The problem with the workbook after the changes, as `cell: problem`.
fn refused(changes: &[(&str, Value)]) -> String {
    from_xlsx(&workbook(&changed(changes))).expect_err("the workbook should be refused").to_string()
}

#[test]
fn a_workbook_written_by_hand_loads() {
    let instrument = from_xlsx(&workbook(&sheets())).unwrap();
    assert_eq!(instrument.languages(), ["sv", "en"]);
    let ids: Vec<&str> = instrument.items().map(|item| item.id.as_str()).collect();
    assert_eq!(ids, ["littering", "victim", "age", "years"]);
    assert_eq!(instrument.weight("littering", "small"), Some(2.5));
    assert_eq!(instrument.choice_codes(instrument.item("littering").unwrap()).unwrap().last(), Some(&"dont_know"));
    assert!(instrument.item("age").unwrap().required && !instrument.item("victim").unwrap().required);
    assert_eq!(instrument.item("years").unwrap().kind, ItemKind::Number { min: 0, max: 100, unit: None });
    assert_eq!(instrument.item("littering").unwrap().text.exact("en"), Some("Litter?"));
    assert_eq!(instrument.item("victim").unwrap().text.exact("en"), None);
    assert_eq!(instrument.sections()[0].intro, None);
    // A code typed as a number reads as its text.
    let instrument = from_xlsx(&workbook(&changed(&[("choices!B6", json!(1))]))).unwrap();
    assert_eq!(instrument.choice_codes(instrument.item("age").unwrap()).unwrap(), ["1", "old"]);
}

#[test]
fn problems_found_by_load_are_reported_at_their_cell() {
    let cases = [
        (vec![("items!D3", json!("problm"))], "items!D3: unknown scale \"problm\""),
        (vec![("items!L3", Value::Null)], "items!L3: no text in the default language \"sv\""),
        (vec![("items!M4", json!(" "))], "items!M4: empty text; leave the language out"),
        (vec![("items!B4", json!("Victim"))], "items!B4: \"Victim\" is not a valid id"),
        (vec![("items!B4", Value::Null)], "items!B4: \"\" is not a valid id"),
        (vec![("items!B5", json!("victim"))], "items!B5: the item id \"victim\" is used twice"),
        (vec![("items!F4", json!("years")), ("items!G4", json!("1"))], "items!F4: \"years\" comes after this item"),
        (vec![("items!F5", json!("victim"))], "items!G5: this field is missing"),
        (vec![("items!F5", json!("victim")), ("items!G5", json!("maybe"))], "items!G5: \"maybe\" is not an answer"),
        (vec![("items!H6", json!(101))], "items!I6: max (100) is less than min (101)"),
        (vec![("items!H6", json!(1.5))], "items!H6: expected a whole number, found a number with a decimal point"),
        (vec![("items!K4", json!("victim"))], "items!K4: \"victim\" is an item of this version"),
        (vec![("items!C2", json!("ute miljö"))], "items!C2: \"ute miljö\" is not a valid id"),
        (vec![("choices!B3", json!("none"))], "choices!B3: the code \"none\" is used twice in these options"),
        (vec![("choices!C3", Value::Null)], "choices!C3: either every option of a scale has a weight or none has"),
        (vec![("choices!B5", json!("big"))], "choices!B5: \"big\" is already an option's code"),
        (vec![("choices!F7", Value::Null)], "choices!F7: no text in the default language \"sv\""),
        (vec![("settings!C2", json!("sv"))], "settings!E2: \"en\" is not one of the instrument's languages (sv)"),
        (vec![("settings!C2", json!("sv,Engelska"))], "settings!C2: \"Engelska\" is not a language code"),
        (vec![("settings!C2", json!("sv, sv"))], "settings!C2: \"sv\" is listed twice"),
        (vec![("settings!C2", Value::Null)], "settings!C2: list at least one language"),
        (vec![("settings!A2", json!("ett test"))], "settings!A2: use 1 to 64 of the characters"),
        (vec![("settings!B2", Value::Null)], "settings!B2: give a version"),
        (vec![("settings!D2", Value::Null)], "settings!D2: no text in the default language \"sv\""),
        (
            vec![("items!A3", json!("section")), ("items!D3", Value::Null)],
            "items!A2: a section needs at least one item",
        ),
        (
            vec![("items!A6", json!("multiple")), ("items!D6", json!("age")), ("items!H6", Value::Null)],
            "items!I6: is 100, but there are only 2 options",
        ),
    ];
    for (changes, expected) in cases {
        let error = refused(&changes);
        assert!(error.starts_with(expected), "{changes:?}: {error}");
    }
}

#[test]
fn problems_only_a_workbook_can_have_are_reported_at_their_cell() {
    let cases = [
        (vec![("items!L1", json!("txet::sv"))], "items!L1: unknown column \"txet::sv\"; the columns are type, id,"),
        (vec![("items!O1", json!("text::"))], "items!O1: unknown column \"text::\""),
        (vec![("items!O1", json!("id"))], "items!O1: the column \"id\" appears twice (also items!B1)"),
        (vec![("items!B1", Value::Null)], "items!O1: the column \"id\" is missing"),
        (vec![("items!Z4", json!("x"))], "items!Z4: this cell's column has no name in the header row"),
        (vec![("choices!C3", json!("two"))], "choices!C3: expected a number, found the text \"two\""),
        (vec![("choices!C3", json!("inf"))], "choices!C3: expected a number, found the text \"inf\""),
        (vec![("items!H6", json!("zero"))], "items!H6: expected a whole number, found the text \"zero\""),
        (vec![("items!H6", Value::Null)], "items!H6: a number item needs a min"),
        (
            vec![("items!E4", json!("ja"))],
            "items!E4: write yes in required, or leave the cell empty; found the text \"ja\"",
        ),
        (vec![("items!E4", json!("Yes"))], "items!E4: write yes in required"),
        (vec![("items!A2", json!("yes_no"))], "items!A2: this item comes before the first section"),
        (vec![("items!A4", json!("yesno"))], "items!A4: unknown type \"yesno\"; the types are section, scale, single,"),
        (vec![("items!A4", Value::Null)], "items!A4: the type is missing"),
        (vec![("items!J4", json!(5))], "items!J4: a yes_no item has no max_chars; leave the cell empty"),
        (vec![("items!E2", json!("yes"))], "items!E2: a section row has no required"),
        (vec![("items!D3", Value::Null)], "items!D3: name the item's scale"),
        (vec![("items!D5", json!("ages"))], "items!D5: no row of the choices sheet has the list \"ages\""),
        (vec![("items!D5", Value::Null)], "items!D5: name the item's list of options"),
        (vec![("choices!A6", Value::Null)], "choices!A6: name the scale or the item's list"),
        (vec![("choices!D6", json!("yes"))], "choices!D6: only a multiple item's options can be exclusive"),
        (vec![("choices!D3", json!("yes"))], "choices!D3: only a multiple item's options can be exclusive"),
        (vec![("choices!C6", json!(1))], "choices!C6: only a scale's options have a weight"),
        (vec![("choices!E6", json!("yes"))], "choices!E6: only a scale has a \"don't know\" answer"),
        (vec![("choices!E4", json!("yes"))], "choices!C4: \"don't know\" is never weighed"),
        (
            vec![("choices!E4", json!("yes")), ("choices!C4", Value::Null)],
            "choices!E5: the scale \"problem\" already has its \"don't know\" answer in choices!A4",
        ),
        (
            vec![("choices!A8", json!("aeg")), ("choices!B8", json!("middle")), ("choices!F8", json!("Medel"))],
            "choices!A8: a scale needs at least two options; no item names the list \"aeg\", so it is read as a scale",
        ),
        (vec![("settings!A3", json!("x"))], "settings!A3: the settings are one row, right below the header (row 2)"),
    ];
    for (changes, expected) in cases {
        let error = refused(&changes);
        assert!(error.starts_with(expected), "{changes:?}: {error}");
    }
}

#[test]
fn a_workbook_without_its_sheets_or_not_a_workbook_at_all_is_refused() {
    let without_settings: Vec<(&str, Value)> = sheets().into_iter().filter(|(name, _)| *name != "settings").collect();
    let error = from_xlsx(&workbook(&without_settings)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "settings!A1: the workbook has no sheet \"settings\"; it needs the sheets settings, items and choices"
    );
    let error = from_xlsx(&workbook(&[])).unwrap_err();
    assert!(error.path == "settings!A1", "{error}");
    for bytes in
        [&b""[..], b"key,version\ntest,1\n", b"PK\x03\x04 not really a zip", &[0xd0, 0xcf, 0x11, 0xe0, 0, 0, 0, 0]]
    {
        let error = from_xlsx(bytes).unwrap_err();
        assert_eq!(error.path, "workbook", "{error}");
        assert!(error.problem.starts_with("the file is not an Excel workbook (.xlsx)"), "{error}");
    }
}

#[test]
fn a_sheet_beyond_the_limits_is_refused_without_reading_it_as_a_grid() {
    // One cell in the last row and column of a sheet: read as a grid, that would be 17 billion cells.
    let mut far = Workbook::new();
    for name in ["settings", "items", "choices"] {
        let sheet = far.add_worksheet().set_name(name).unwrap();
        if name == "settings" {
            sheet.write_string(0, 0, "key").unwrap().write_string(1_048_575, 16_383, "x").unwrap();
        }
    }
    let error = from_xlsx(&far.save_to_buffer().unwrap()).unwrap_err();
    assert_eq!(error.to_string(), format!("settings!XFD1048576: a sheet may have at most {MAX_ROWS} rows"));
    let mut sheets = sheets();
    let rows = sheets[1].1.as_array_mut().unwrap();
    let last = rows[3].clone();
    rows.resize(MAX_ROWS as usize + 1, last);
    let error = from_xlsx(&workbook(&sheets)).unwrap_err();
    assert_eq!(error.to_string(), format!("items!A10001: a sheet may have at most {MAX_ROWS} rows"));
    // Rows within the limit, but too many cells filled.
    let mut full = Workbook::new();
    let settings = full.add_worksheet().set_name("settings").unwrap();
    settings.write_string(0, 0, "key").unwrap().write_string(0, 1, "version").unwrap();
    settings.write_string(0, 2, "languages").unwrap();
    let items = full.add_worksheet().set_name("items").unwrap();
    for index in 0..=MAX_CELLS as u32 {
        items.write_number(index / 20, (index % 20) as u16, 1).unwrap();
    }
    full.add_worksheet().set_name("choices").unwrap();
    let error = from_xlsx(&full.save_to_buffer().unwrap()).unwrap_err();
    assert_eq!(error.to_string(), format!("items!A5001: a sheet may have at most {MAX_CELLS} filled cells"));
}

#[test]
fn unknown_sheets_are_left_alone() {
    let mut sheets = sheets();
    sheets.insert(0, ("notes", json!([["Ändrat av", "Eva"], [1, 2, 3]])));
    sheets.push(("Sheet1", json!([["x"]])));
    assert!(from_xlsx(&workbook(&sheets)).is_ok());
}

/// A workbook's files with one of them changed by `change`, zipped again.
fn rezipped(bytes: &[u8], change: &mut dyn FnMut(&str, &mut Vec<u8>)) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for index in 0..archive.len() {
        let mut file = archive.by_index(index).unwrap();
        let name = file.name().unwrap().into_owned();
        let mut content = Vec::new();
        file.read_to_end(&mut content).unwrap();
        change(&name, &mut content);
        out.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        out.write_all(&content).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn reading_never_panics_on_a_damaged_workbook() {
    let bytes = to_xlsx(&sample()).unwrap();
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    // The file cut off and bytes flipped anywhere: mostly broken zip data, refused as not a workbook.
    for end in (0..bytes.len()).step_by(97) {
        assert!(from_xlsx(&bytes[..end]).is_err());
    }
    for _ in 0..200 {
        let mut damaged = bytes.clone();
        let index = (next() % damaged.len() as u64) as usize;
        damaged[index] = next() as u8;
        let _ = from_xlsx(&damaged);
    }
    // The XML inside changed, zipped again: what a careless tool could write.
    let characters = b"<>/=\"'&;_x0123456789ABCDEFabcdefrsvtc: \n-.E";
    for _ in 0..300 {
        let target = ["xl/worksheets/sheet", "xl/workbook.xml", "xl/_rels", "xl/styles.xml", "[Content_Types]"]
            [(next() % 5) as usize];
        let mut change = |name: &str, content: &mut Vec<u8>| {
            if name.starts_with(target) && !content.is_empty() {
                for _ in 0..1 + next() % 3 {
                    let index = (next() % content.len() as u64) as usize;
                    content[index] = characters[(next() % characters.len() as u64) as usize];
                }
            }
        };
        let _ = from_xlsx(&rezipped(&bytes, &mut change));
    }
}

#[test]
fn a_workbook_that_unpacks_to_too_much_is_refused_before_it_is_read() {
    // A few kilobytes that say they unpack to more than the limit (zeros compress a thousandfold).
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("xl/sharedStrings.xml", options).unwrap();
    let zeros = vec![b'0'; 1024 * 1024];
    for _ in 0..=super::MAX_UNPACKED_BYTES / (1024 * 1024) {
        zip.write_all(&zeros).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    assert!(bytes.len() < 1024 * 1024, "{} bytes", bytes.len());
    let error = from_xlsx(&bytes).unwrap_err();
    assert_eq!(error.to_string(), "workbook: the workbook unpacks to more than 32 MiB");
    assert!(from_xlsx(&to_xlsx(&default_instrument().unwrap()).unwrap()).is_ok(), "a real one is well under");
}
