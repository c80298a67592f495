use serde_json::Value;

use super::{Content, Dialect, Facts, Survey, columns, data_package, row};
use crate::domain::instrument::{AnswerRow, Answers, default_instrument};

fn answer(item: &str, position: i32, code: Option<&str>, number: Option<i64>, text: Option<&str>) -> AnswerRow {
    AnswerRow {
        item_id: item.to_owned(),
        position,
        option_code: code.map(str::to_owned),
        number,
        text: text.map(str::to_owned),
    }
}

#[test]
fn every_item_has_its_columns_and_free_text_only_when_asked() {
    let instrument = default_instrument().unwrap();
    let without = columns(&instrument, false);
    let names: Vec<&str> = without.iter().map(|column| column.name.as_str()).collect();
    assert_eq!(names[..3], ["municipality", "mode", "day"]);
    assert!(names.contains(&"unsafe_places.town_centre") && names.contains(&"unsafe_places.stations"));
    assert!(!names.contains(&"unsafe_places"), "a multiple-choice item is one column per option");
    assert!(!names.contains(&"comment"), "no free text unless asked for");
    assert!(columns(&instrument, true).iter().any(|column| column.content == Content::Text { item: "comment".into() }));
    for item in instrument.items().filter(|item| item.id != "comment" && item.id != "unsafe_places") {
        assert!(names.contains(&item.id.as_str()), "{} has a column", item.id);
    }
}

#[test]
fn a_row_holds_codes_flags_and_numbers_and_leaves_what_was_not_answered_empty() {
    let instrument = default_instrument().unwrap();
    let scale = instrument.items().find(|item| instrument.scale_of(item).is_some()).unwrap();
    let code = instrument.choice_codes(scale).unwrap()[1].to_owned();
    let rows = vec![
        answer(&scale.id, 0, Some(&code), None, None),
        answer("unsafe_places", 0, Some("stations"), None, None),
        answer("comment", 0, None, None, Some("Mörkt vid stationen")),
    ];
    let answers = Answers::from_rows(&instrument, rows).unwrap();
    let reviewed = std::collections::HashMap::from([("comment".to_owned(), "Mörkt vid [dolt]".to_owned())]);
    let facts = Facts { municipality: "1783", mode: "paper", day: "2026-05-10", reviewed_texts: &reviewed };
    let all = columns(&instrument, true);
    let values = row(&all, &facts, &answers);
    let value = |name: &str| values[all.iter().position(|column| column.name == name).unwrap()].as_str();
    assert_eq!((value("municipality"), value("mode"), value("day")), ("1783", "paper", "2026-05-10"));
    assert_eq!(value(&scale.id), code);
    assert_eq!((value("unsafe_places.stations"), value("unsafe_places.town_centre")), ("1", "0"));
    assert_eq!(value("comment"), "Mörkt vid [dolt]", "free text as reviewed, never as written");
    let unanswered = all.iter().position(|column| column.name == "gender").unwrap();
    assert_eq!(values[unanswered], "", "not answered is empty");
}

#[test]
fn the_data_package_describes_every_column_and_every_code_in_both_languages() {
    let instrument = default_instrument().unwrap();
    let municipalities = vec![("1783".to_owned(), "Hagfors".to_owned())];
    let survey = Survey {
        id: "ABC",
        title: "Trygghet 2026",
        opens_on: "2026-05-02",
        closes_on: "2026-06-19",
        municipalities: &municipalities,
        free_text: false,
    };
    let package = data_package(&instrument, &survey, Dialect::Excel);
    let resource = &package["resources"][0];
    assert_eq!(resource["path"], "responses.csv");
    assert_eq!(resource["dialect"]["delimiter"], ";");
    let fields = resource["schema"]["fields"].as_array().unwrap();
    let names: Vec<&str> = fields.iter().map(|field| field["name"].as_str().unwrap()).collect();
    let expected: Vec<String> = columns(&instrument, false).into_iter().map(|column| column.name).collect();
    assert_eq!(names, expected);
    for item in instrument.items() {
        let Some(codes) = instrument.choice_codes(item) else { continue };
        if item.id == "unsafe_places" {
            continue;
        }
        let field = fields.iter().find(|field| field["name"] == item.id.as_str()).unwrap();
        let described: Vec<&str> =
            field["categories"].as_array().unwrap().iter().map(|c| c["value"].as_str().unwrap()).collect();
        assert_eq!(described, codes, "{}", item.id);
        for category in field["categories"].as_array().unwrap() {
            assert!(!category["label"].as_str().unwrap().is_empty(), "{}: a Swedish label", item.id);
            let english = &field["labels"]["en"][category["value"].as_str().unwrap()];
            assert!(english.as_str().is_some_and(|label| !label.is_empty()), "{}: an English label", item.id);
        }
        assert_ne!(field["question"]["sv"], Value::from(""));
    }
    let plain = data_package(&instrument, &survey, Dialect::Rfc4180);
    assert_eq!(plain["resources"][0]["dialect"]["delimiter"], ",");
    assert_eq!(plain["resources"][0]["path"], "responses.csv?format=rfc4180");
}
