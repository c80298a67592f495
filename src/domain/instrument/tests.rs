//! The instrument's unit tests; `sample_json` and `sample` serve the answers' tests and the instrument store's too.

use serde_json::{Value, json};

use super::*;

/// A small instrument with one item of every kind and conditions within and across sections.
pub(crate) fn sample_json() -> Value {
    json!({
        "key": "test",
        "version": "1",
        "languages": ["sv", "en"],
        "title": { "sv": "Prov", "en": "Test" },
        "scales": {
            "problem": {
                "options": [
                    { "code": "none", "weight": 0, "label": { "sv": "Inget", "en": "None" } },
                    { "code": "small", "weight": 2, "label": { "sv": "Litet", "en": "Small" } },
                    { "code": "big", "weight": 6, "label": { "sv": "Stort", "en": "Big" } }
                ],
                "dont_know": { "code": "dont_know", "label": { "sv": "Vet inte", "en": "Don't know" } }
            }
        },
        "sections": [
            {
                "id": "first",
                "area": "outdoor_environment",
                "title": { "sv": "Första", "en": "First" },
                "items": [
                    { "id": "littering", "type": "scale", "scale": "problem", "text": { "sv": "Skräp?" } },
                    { "id": "victim", "type": "yes_no", "text": { "sv": "Utsatt?", "en": "Victim?" } },
                    {
                        "id": "reported", "type": "yes_no", "text": { "sv": "Anmälde du?" }, "required": true,
                        "show_if": { "item": "victim", "equals": "yes" }
                    },
                    {
                        "id": "transport", "type": "multiple", "max": 2, "text": { "sv": "Hur reser du?" },
                        "options": [
                            { "code": "bus", "label": { "sv": "Buss" } },
                            { "code": "walk", "label": { "sv": "Till fots" } },
                            { "code": "car", "label": { "sv": "Bil" } }
                        ]
                    },
                    {
                        "id": "bus_safe", "type": "yes_no", "text": { "sv": "Trygg på bussen?" },
                        "show_if": { "item": "transport", "equals": "bus" }
                    }
                ]
            },
            {
                "id": "second",
                "title": { "sv": "Andra" },
                "items": [
                    {
                        "id": "age", "type": "single", "required": true, "text": { "sv": "Ålder?" },
                        "options": [
                            { "code": "young", "label": { "sv": "Ung" } },
                            { "code": "old", "label": { "sv": "Gammal" } }
                        ]
                    },
                    { "id": "years", "type": "number", "min": 0, "max": 100, "text": { "sv": "År?" } },
                    { "id": "comment", "type": "text", "max_chars": 10, "text": { "sv": "Övrigt?" } },
                    {
                        "id": "why_reported", "type": "text", "max_chars": 100, "text": { "sv": "Varför?" },
                        "show_if": { "item": "reported", "equals": "yes" }
                    }
                ]
            }
        ]
    })
}

pub(crate) fn sample() -> Instrument {
    Instrument::load(&sample_json().to_string()).unwrap()
}

fn default() -> Instrument {
    default_instrument().unwrap()
}

fn refused(json: &Value) -> InstrumentError {
    Instrument::load(&json.to_string()).expect_err("the instrument should be refused")
}

#[test]
fn the_default_instrument_loads_with_seven_areas_background_and_comment() {
    let instrument = default();
    assert_eq!((instrument.key(), instrument.version()), ("trygghetsmatning", "2026.1"));
    assert_eq!(instrument.key(), crate::domain::survey::DEFAULT_INSTRUMENT_KEY);
    assert_eq!(instrument.version(), crate::domain::survey::DEFAULT_INSTRUMENT_VERSION);
    assert_eq!(instrument.languages(), ["sv", "en", "ar", "fa", "fi", "so", "ti"]);
    let sections: Vec<(&str, Option<&str>)> =
        instrument.sections().iter().map(|section| (section.id.as_str(), section.area.as_deref())).collect();
    assert_eq!(
        sections,
        [
            ("outdoor_environment", Some("outdoor_environment")),
            ("alcohol_and_drugs", Some("alcohol_and_drugs")),
            ("disorder", Some("disorder")),
            ("victimisation", Some("victimisation")),
            ("worry_about_crime", Some("worry_about_crime")),
            ("insecurity", Some("insecurity")),
            ("police", Some("police")),
            ("background", None),
            ("comment", None),
        ]
    );
    assert!(instrument.sections().iter().all(|section| section.intro.is_some()));
    let counts: Vec<usize> = instrument.sections().iter().map(|section| section.items.len()).collect();
    assert_eq!(counts, [5, 3, 5, 10, 4, 3, 3, 5, 1]);
    assert!(instrument.items().all(|item| !item.required), "residents may skip every question");
    let comment = instrument.item("comment").unwrap();
    assert_eq!(comment.kind, ItemKind::Text { max_chars: 2000 });
    let years = instrument.item("years_in_area").unwrap();
    let ItemKind::Number { min: 0, max: 100, unit: Some(unit) } = &years.kind else { panic!("{years:?}") };
    assert_eq!((unit.exact("sv"), unit.exact("en")), (Some("år"), Some("years")));
    assert_eq!(
        instrument.item("age_band").and_then(|item| instrument.choice_codes(item)).map(|codes| codes.len()),
        Some(7)
    );
}

#[test]
fn every_default_text_is_in_swedish_and_english() {
    let instrument = default();
    let texts = instrument.all_texts();
    assert!(texts.len() > 100, "{}", texts.len());
    for (path, texts) in texts {
        for lang in ["sv", "en"] {
            let text = texts.exact(lang).unwrap_or_else(|| panic!("{path} has no {lang} text"));
            assert_eq!(text.trim(), text, "{path}.{lang}");
        }
        assert_ne!(texts.exact("sv"), texts.exact("en").filter(|en| en.len() > 4), "{path} is not translated");
    }
}

#[test]
fn every_victimisation_question_has_a_reported_follow_up() {
    let instrument = default();
    let section = &instrument.sections()[3];
    for pair in section.items.chunks(2) {
        let [question, follow_up] = pair else { panic!("items come in pairs") };
        assert!(matches!(question.kind, ItemKind::YesNo { .. }) && matches!(follow_up.kind, ItemKind::YesNo { .. }));
        assert_eq!(follow_up.id, format!("{}_reported", question.id));
        assert_eq!(follow_up.show_if, Some(Condition { item: question.id.clone(), equals: YES.to_owned() }));
        assert_eq!(follow_up.text.exact("sv"), Some("Anmälde du det till polisen?"));
    }
}

#[test]
fn default_scales_weigh_0_2_4_6_and_never_weigh_dont_know() {
    let instrument = default();
    let weights = |name: &str| -> Vec<Option<f64>> {
        instrument.scales()[name].options.iter().map(|option| option.weight).collect()
    };
    for name in ["problem", "worry", "safety", "agree"] {
        assert_eq!(weights(name), [Some(0.0), Some(2.0), Some(4.0), Some(6.0)], "{name}");
    }
    assert_eq!(weights("agree_reversed"), [Some(6.0), Some(4.0), Some(2.0), Some(0.0)]);
    let problem = &instrument.scales()["problem"];
    let labels: Vec<&str> = problem.options.iter().map(|option| option.label.exact("sv").unwrap()).collect();
    assert_eq!(labels, ["Inget problem", "Litet problem", "Ganska stort problem", "Mycket stort problem"]);
    let dont_know = problem.dont_know.as_ref().unwrap();
    assert_eq!((dont_know.code.as_str(), dont_know.label.exact("sv")), ("dont_know", Some("Vet inte")));
    let never_out = instrument.scales()["safety"].dont_know.as_ref().unwrap();
    assert_eq!((never_out.code.as_str(), never_out.label.exact("sv")), ("never_out", Some("Går aldrig ut ensam sent")));
    assert_eq!(instrument.weight("littering", "very_big"), Some(6.0));
    assert_eq!(instrument.weight("littering", "none"), Some(0.0));
    assert_eq!(instrument.weight("littering", "dont_know"), None);
    assert_eq!(instrument.weight("unsafe_evening", "never_out"), None);
    assert_eq!(instrument.weight("police_critical", "agree_fully"), Some(6.0));
    assert_eq!(instrument.weight("victim_violence", "yes"), None);
    assert_eq!(instrument.weight("no_such_item", "none"), None);
    // Every scale item of the seven areas can be weighed.
    let area_items = instrument.sections().iter().filter(|section| section.area.is_some()).flat_map(|s| &s.items);
    for item in area_items.filter(|item| matches!(item.kind, ItemKind::Scale { .. })) {
        let scale = instrument.scale_of(item).unwrap();
        assert!(scale.options.iter().all(|option| option.weight.is_some()), "{}", item.id);
        assert!(scale.dont_know.is_some(), "{}", item.id);
    }
}

#[test]
fn instruments_survive_a_round_trip_through_json() {
    for instrument in [default(), sample()] {
        let json = instrument.to_json_pretty().unwrap();
        assert_eq!(Instrument::load(&json), Ok(instrument.clone()));
        assert_eq!(serde_json::from_str::<Instrument>(&json).unwrap(), instrument);
    }
}

#[test]
fn the_example_in_the_module_doc_loads() {
    let source = include_str!("mod.rs");
    let (_, example) = source.split_once("//! ```json\n").unwrap();
    let (example, _) = example.split_once("//! ```").unwrap();
    let json: String = example.lines().map(|line| format!("{}\n", line.trim_start_matches("//!"))).collect();
    let instrument = Instrument::load(&json).unwrap();
    assert_eq!(instrument.items().count(), 3);
}

#[test]
fn deserializing_validates_too() {
    let mut json = sample_json();
    json["sections"][0]["items"][0]["scale"] = json!("nope");
    let error = serde_json::from_str::<Instrument>(&json.to_string()).unwrap_err();
    assert!(error.to_string().starts_with("sections[0].items[0].scale: unknown scale \"nope\""), "{error}");
}

#[test]
fn texts_fall_back_to_the_default_language() {
    let instrument = sample();
    let (sv, en, other) = (instrument.lang("sv"), instrument.lang("en"), instrument.lang("de"));
    assert_eq!((sv.code(), en.code(), other.code()), ("sv", "en", "sv"));
    assert!(sv.is_default() && !en.is_default());
    let victim = instrument.item("victim").unwrap();
    assert_eq!((victim.text.get(sv), victim.text.get(en), victim.text.get(other)), ("Utsatt?", "Victim?", "Utsatt?"));
    assert_eq!(instrument.item("reported").unwrap().text.get(en), "Anmälde du?");
    assert_eq!(victim.yes_no_labels(sv), Some(("Ja", "Nej")));
    assert_eq!(victim.yes_no_labels(en), Some(("Yes", "No")));
    assert_eq!(victim.yes_no_labels(instrument.lang("xx")), Some(("Ja", "Nej")), "the default language's");
    assert_eq!(instrument.item("age").unwrap().yes_no_labels(sv), None);
    assert_eq!(instrument.section_of("age"), Some(1));
    assert_eq!(
        instrument.choice_codes(instrument.item("littering").unwrap()).unwrap(),
        ["none", "small", "big", "dont_know"]
    );
    assert_eq!(instrument.choice_codes(instrument.item("years").unwrap()), None);
}

#[test]
fn an_answer_is_a_choice_exactly_when_it_is_one_of_the_items_codes() {
    for instrument in [sample(), default_instrument().unwrap()] {
        for item in instrument.items() {
            let codes = instrument.choice_codes(item).unwrap_or_default();
            for code in &codes {
                assert!(instrument.is_choice(item, code), "{}: {code}", item.id);
            }
            for other in ["", "x", "dont_know_", "ja", "5"] {
                assert_eq!(instrument.is_choice(item, other), codes.contains(&other), "{}: {other:?}", item.id);
            }
        }
    }
}

/// Sets the value at a JSON pointer, adding the last key to its object if it is not there yet.
fn set(json: &mut Value, pointer: &str, value: Value) {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    match json.pointer_mut(parent).unwrap() {
        Value::Object(map) => drop(map.insert(key.to_owned(), value)),
        Value::Array(items) => items[key.parse::<usize>().unwrap()] = value,
        _ => panic!("{pointer}"),
    }
}

#[test]
fn broken_instruments_are_refused_at_the_exact_place() {
    // (where in the sample to change, the new value, the path expected, part of the problem expected)
    let one_option = json!([{ "code": "a", "label": { "sv": "A" } }]);
    let cases = [
        ("/sections/0/items/0/scale", json!("x"), "sections[0].items[0].scale", "unknown scale \"x\""),
        ("/sections/1/items/1/id", json!("victim"), "sections[1].items[1].id", "item id \"victim\" is used twice"),
        ("/sections/1/id", json!("first"), "sections[1].id", "the section id \"first\" is used twice"),
        ("/sections/0/items/2/show_if/item", json!("age"), "sections[0].items[2].show_if.item", "comes after"),
        ("/sections/0/items/2/show_if/item", json!("reported"), "sections[0].items[2].show_if.item", "on itself"),
        ("/sections/0/items/2/show_if/item", json!("ghost"), "sections[0].items[2].show_if.item", "no item \"ghost"),
        (
            "/sections/0/items/2/show_if/equals",
            json!("maybe"),
            "sections[0].items[2].show_if.equals",
            "\"maybe\" is not an answer to \"victim\", whose answers are yes, no",
        ),
        ("/sections/0/items/4/show_if/equals", json!("train"), "sections[0].items[4].show_if.equals", "bus, walk"),
        (
            "/sections/1/items/3/show_if",
            json!({ "item": "years", "equals": "3" }),
            "sections[1].items[3].show_if.item",
            "\"years\" is a number item",
        ),
        ("/sections/1/items/3/show_if", json!({ "item": "victim" }), "sections[1].items[3].show_if.equals", "missing"),
        (
            "/sections/1/items/0/text",
            json!({ "en": "Age?" }),
            "sections[1].items[0].text",
            "no text in the default language \"sv\"",
        ),
        (
            "/sections/1/items/0/text/de",
            json!("Alter?"),
            "sections[1].items[0].text.de",
            "not one of the instrument's languages (sv, en)",
        ),
        ("/sections/1/items/0/text/en", json!(" "), "sections[1].items[0].text.en", "empty text"),
        ("/title", json!("Prov"), "title", "expected texts by language"),
        (
            "/scales/problem/options/1/label",
            json!({ "en": "Small" }),
            "scales.problem.options[1].label",
            "default language",
        ),
        ("/key", json!(""), "key", "use 1 to 64"),
        ("/version", json!(" 1"), "version", "give a version"),
        ("/languages", json!([]), "languages", "at least one language"),
        ("/languages", json!(["sv", "sv"]), "languages[1]", "listed twice"),
        ("/languages", json!(["sv", "Engelska"]), "languages[1]", "not a language code"),
        ("/sections", json!([]), "sections", "at least one section"),
        ("/sections/1/items", json!([]), "sections[1].items", "at least one item"),
        ("/sections/1/id", json!("Andra"), "sections[1].id", "not a valid id"),
        ("/sections/0/area", json!("ute miljö"), "sections[0].area", "not a valid id"),
        ("/sections/1/items/2/id", json!("kommentar!"), "sections[1].items[2].id", "not a valid id"),
        ("/sections/1/items/0/options/1/code", json!("young"), "sections[1].items[0].options[1].code", "used twice"),
        ("/sections/1/items/0/options/1/code", json!("Old"), "sections[1].items[0].options[1].code", "not a valid id"),
        ("/sections/1/items/0/options", json!([]), "sections[1].items[0].options", "at least one option"),
        ("/scales/problem/options/2/code", json!("none"), "scales.problem.options[2].code", "used twice"),
        ("/scales/problem/dont_know/code", json!("small"), "scales.problem.dont_know.code", "needs its own"),
        ("/scales/problem/options/1/weight", json!(null), "scales.problem.options[1].weight", "every option"),
        ("/scales/problem/options/1/weight", json!("2"), "scales.problem.options[1].weight", "expected a number"),
        ("/scales/problem/options", one_option, "scales.problem.options", "at least two options"),
        ("/scales/Problem", json!(null), "scales.Problem", "expected an object"),
        ("/scales/problem/default", json!(0), "scales.problem.default", "unknown field; a scale has the fields"),
        ("/sections/1/items/1/min", json!(101), "sections[1].items[1].max", "max (100) is less than min (101)"),
        ("/sections/1/items/1/min", json!(1.5), "sections[1].items[1].min", "expected a whole number"),
        ("/sections/1/items/1/max", json!(1e30), "sections[1].items[1].max", "expected a whole number"),
        ("/sections/1/items/2/max_chars", json!(0), "sections[1].items[2].max_chars", "from 1 to 10000"),
        ("/sections/1/items/2/max_chars", json!(10_001), "sections[1].items[2].max_chars", "from 1 to 10000"),
        ("/sections/1/items/2/max_chars", json!(-1), "sections[1].items[2].max_chars", "from 0 up"),
        ("/sections/0/items/3/max", json!(0), "sections[0].items[3].max", "at least 1"),
        ("/sections/0/items/3/max", json!(4), "sections[0].items[3].max", "only 3 options"),
        ("/sections/0/items/1/type", json!("yesno"), "sections[0].items[1].type", "unknown item type"),
        ("/sections/1/items/0/type", json!("scale"), "sections[1].items[0].options", "a \"scale\" item has the fields"),
        ("/sections/0/items/1/requried", json!(true), "sections[0].items[1].requried", "unknown field"),
        ("/sections/0/items/1/required", json!("yes"), "sections[0].items[1].required", "expected true or false"),
        ("/sections/0/items/1/text", json!(null), "sections[0].items[1].text", "this field is missing"),
        ("/sections/0/items/1/id", json!(7), "sections[0].items[1].id", "expected a string"),
        ("/sections/0/items", json!({}), "sections[0].items", "expected a list"),
        ("/sections/0/items/1", json!("victim"), "sections[0].items[1]", "expected an object"),
        ("/sectons", json!([]), "sectons", "unknown field; an instrument has the fields"),
    ];
    for (pointer, value, path, problem) in cases {
        let mut json = sample_json();
        set(&mut json, pointer, value);
        let error = refused(&json);
        assert_eq!((error.path.as_str(), error.problem.contains(problem)), (path, true), "{error}");
        assert_eq!(error.to_string(), format!("{}: {}", error.path, error.problem));
    }
    assert_eq!(refused(&json!([])).to_string(), "instrument: expected an object { … }, found a list");
}

#[test]
fn broken_json_is_reported_by_line_and_column() {
    let cases = [
        ("{\n  \"key\": \"x\",\n  \"version\" \"1\"\n}", "line 3, column 13", "expected `:`"),
        ("{\n  \"key\": \"x\",\n}", "line 3, column 1", "trailing comma"),
        ("{ \"key\": \"x\", \"key\": \"y\" }", "line 1, column 19", "the key \"key\" appears twice"),
        ("{ \"key\": \"x\"", "line 1, column 12", "the JSON ends too early"),
        ("", "line 1, column 0", "the JSON ends too early"),
        ("{} {}", "line 1, column 4", "trailing characters"),
        ("{ \"weight\": NaN }", "line 1, column 13", "expected value"),
    ];
    for (json, path, problem) in cases {
        let error = Instrument::load(json).expect_err(json);
        assert_eq!(error.path, path, "{error}");
        assert!(error.problem.contains(problem), "{error}");
        assert!(!error.problem.contains(" at line "), "{error}");
    }
}

#[test]
fn loading_never_panics_on_a_cut_off_file() {
    // Every prefix of the sample (one item of each kind), and of the default file every prefix ending in its
    // first and last 300 bytes and every 61st in between: each load parses the whole prefix, and all prefixes of
    // the 20 kB default file take over half a minute in a debug build while reaching no other code.
    let sample = sample().to_json_pretty().unwrap();
    let default = DEFAULT_INSTRUMENT_JSON.trim_end();
    let sample_cuts = (0..sample.len()).map(|end| (sample.as_str(), end));
    let default_cuts = (0..default.len())
        .filter(|end| *end < 300 || default.len() - end < 300 || end % 61 == 0)
        .map(|end| (default, end));
    for (json, end) in sample_cuts.chain(default_cuts).filter(|(json, end)| json.is_char_boundary(*end)) {
        let error = Instrument::load(&json[..end]).expect_err("a cut-off file loaded");
        assert!(error.path.starts_with("line "), "{error}");
    }
    assert!(Instrument::load(&sample).is_ok() && Instrument::load(default).is_ok());
}

#[test]
fn loading_never_panics_when_any_value_has_the_wrong_shape() {
    fn paths(value: &Value, path: String, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => map.iter().for_each(|(key, value)| paths(value, format!("{path}/{key}"), out)),
            Value::Array(items) => {
                items.iter().enumerate().for_each(|(index, value)| paths(value, format!("{path}/{index}"), out))
            }
            _ => {}
        }
        out.push(path);
    }
    let original = sample_json();
    let mut all = Vec::new();
    paths(&original, String::new(), &mut all);
    let replacements =
        [json!(null), json!(true), json!(-1), json!(1e300), json!(""), json!("yes"), json!([]), json!({})];
    for path in &all {
        for replacement in &replacements {
            let mut json = original.clone();
            if let Some(value) = json.pointer_mut(path) {
                *value = replacement.clone();
            }
            let _ = Instrument::load(&json.to_string());
        }
    }
    // Bytes flipped at pseudo-random places (a fixed xorshift, so failures reproduce).
    let text = sample_json().to_string().into_bytes();
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..5_000 {
        let mut bytes = text.clone();
        for _ in 0..3 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let index = (state % bytes.len() as u64) as usize;
            bytes[index] = (state >> 32) as u8;
        }
        let _ = Instrument::load(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn deeply_nested_json_is_refused_without_overflowing_the_stack() {
    let json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(Instrument::load(&json).unwrap_err().problem.contains("recursion limit"));
}

/// A weight written out reads back as the same number to the last bit (found by the fuzz target: without exact float
/// parsing, `-9.133811508938376e18` read back as `-9.133811508938375e18`).
#[test]
fn a_weight_reads_back_to_the_last_bit() {
    let mut json = sample_json();
    json["scales"]["problem"]["options"][1]["weight"] = json!(-9.133811508938376e18);
    let instrument = Instrument::load(&json.to_string()).unwrap();
    let written = instrument.to_json_pretty().unwrap();
    let read: Value = serde_json::from_str(&written).unwrap();
    assert_eq!(read["scales"]["problem"]["options"][1]["weight"].as_f64(), Some(-9.133811508938376e18));
    assert_eq!(Instrument::load(&written).unwrap().to_json_pretty().unwrap(), written);
}
