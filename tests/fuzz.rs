//! Fuzz targets for what strangers and staff hand the service to parse: questionnaire documents (an import) and posted
//! answer forms (a resident's page, a paper form). Each target must never panic, and whatever it accepts must read
//! back unchanged.
//!
//! Under `cargo test` each target runs for `TRYGGHET_FUZZ_SECONDS` (default 5; CI runs longer) on generated inputs
//! that start from the real thing: the built-in questionnaire with random edits made to its JSON tree and its bytes,
//! and forms made of the questionnaire's own item ids and codes mixed with anything at all. A failing input is
//! printed with the seed that reproduces it (`BOLERO_RANDOM_SEED=…`). The same targets can run under bolero's
//! coverage-guided engines (`cargo bolero test`), which need a nightly toolchain.

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

use bolero::check;
use serde_json::Value;
use trygghet::domain::instrument::{Answers, Instrument, default_instrument};
use trygghet::views::questionnaire::{FIELD_PREFIX, raw_answers};

/// How long each target runs under `cargo test`.
fn test_time() -> Duration {
    let seconds = std::env::var("TRYGGHET_FUZZ_SECONDS").ok().and_then(|raw| raw.parse().ok()).unwrap_or(5);
    Duration::from_secs(seconds)
}

/// The built-in questionnaire as a JSON tree.
fn default_document() -> Value {
    serde_json::to_value(default_instrument().expect("the built-in questionnaire reads")).unwrap()
}

/// Every node of `value` by its JSON pointer, the root first.
fn pointers(value: &Value, at: String, into: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                pointers(child, format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")), into);
            }
        }
        Value::Array(values) => {
            for (index, child) in values.iter().enumerate() {
                pointers(child, format!("{at}/{index}"), into);
            }
        }
        _ => {}
    }
    into.push(at);
}

/// One random edit of a JSON tree: which node (by index among them) and what becomes of it.
#[derive(Debug, Clone, bolero::TypeGenerator)]
struct Edit {
    node: u16,
    other: u16,
    kind: EditKind,
}

#[derive(Debug, Clone, bolero::TypeGenerator)]
enum EditKind {
    Remove,
    Null,
    Number(i64),
    Fraction(f32),
    Bool(bool),
    Text(String),
    EmptyList,
    EmptyObject,
    /// The node replaced by another node of the document (an item where a label was, a code from elsewhere).
    CopyOf,
    /// An array's first element repeated (two items with one id, one option twice).
    Repeat,
    /// A key added to an object.
    Key(String),
}

/// Applies `edit` to `document`; nothing when it does not fit where it lands.
fn apply(document: &mut Value, edit: &Edit) {
    let mut all = Vec::new();
    pointers(document, String::new(), &mut all);
    let target = all[usize::from(edit.node) % all.len()].clone();
    let other = document.pointer(&all[usize::from(edit.other) % all.len()]).cloned().unwrap_or(Value::Null);
    let replacement = match &edit.kind {
        EditKind::Remove => {
            if let Some((parent, last)) = target.rsplit_once('/') {
                match document.pointer_mut(parent) {
                    Some(Value::Object(map)) => {
                        map.remove(&last.replace("~1", "/").replace("~0", "~"));
                    }
                    Some(Value::Array(values)) => {
                        if let Ok(index) = last.parse::<usize>()
                            && index < values.len()
                        {
                            values.remove(index);
                        }
                    }
                    _ => {}
                }
            }
            return;
        }
        EditKind::Null => Value::Null,
        EditKind::Number(number) => Value::from(*number),
        EditKind::Fraction(number) => {
            serde_json::Number::from_f64(f64::from(*number)).map_or(Value::Null, Value::Number)
        }
        EditKind::Bool(value) => Value::Bool(*value),
        EditKind::Text(text) => Value::String(text.clone()),
        EditKind::EmptyList => Value::Array(vec![]),
        EditKind::EmptyObject => Value::Object(Default::default()),
        EditKind::CopyOf => other,
        EditKind::Repeat => {
            if let Some(Value::Array(values)) = document.pointer_mut(&target)
                && let Some(first) = values.first().cloned()
            {
                values.push(first);
            }
            return;
        }
        EditKind::Key(key) => {
            if let Some(Value::Object(map)) = document.pointer_mut(&target) {
                map.insert(key.clone(), other);
            }
            return;
        }
    };
    if let Some(node) = document.pointer_mut(&target) {
        *node = replacement;
    }
}

/// What an accepted questionnaire must do: write itself out as it reads, and check forms without panic.
fn accepted_reads_back(instrument: &Instrument) {
    let written = instrument.to_json_pretty().expect("an accepted questionnaire writes out");
    let again = Instrument::load(&written).expect("what was written reads again");
    assert_eq!(again.to_json_pretty().unwrap(), written, "the questionnaire changed on its way through storage");
    let _ = instrument.validate_all(&Default::default());
}

/// Questionnaire documents: the built-in one with up to three random edits to its tree, or two of its bytes
/// overwritten. Refused cleanly or read; what is read writes out as it reads.
#[test]
fn questionnaire_documents() {
    let original = default_document();
    let (tried, accepted) = (AtomicUsize::new(0), AtomicUsize::new(0));
    check!().with_type::<(Vec<Edit>, Vec<(u32, u8)>)>().with_test_time(test_time()).for_each(|(edits, bytes)| {
        let mut document = original.clone();
        for edit in edits.iter().take(3) {
            apply(&mut document, edit);
        }
        let mut text = serde_json::to_vec(&document).unwrap();
        // Bytes are overwritten only in inputs without tree edits, so that most edited documents stay JSON.
        for (at, byte) in bytes.iter().take(if edits.is_empty() { 2 } else { 0 }) {
            let len = text.len();
            text[*at as usize % len] = *byte;
        }
        tried.fetch_add(1, Relaxed);
        if let Ok(instrument) = Instrument::load(&String::from_utf8_lossy(&text)) {
            accepted.fetch_add(1, Relaxed);
            accepted_reads_back(&instrument);
        }
    });
    report("questionnaire documents", &tried, &accepted);
}

/// Prints how many inputs a target ran and accepted; a target that accepted none tested only its refusals.
fn report(target: &str, tried: &AtomicUsize, accepted: &AtomicUsize) {
    let (tried, accepted) = (tried.load(Relaxed), accepted.load(Relaxed));
    eprintln!("{target}: {tried} inputs, {accepted} accepted");
    assert!(tried >= 100, "{target}: only {tried} inputs ran");
    assert!(accepted > 0, "{target}: none of {tried} inputs was accepted");
}

/// A field of a posted form: a question's (by index among the questionnaire's items) or another, with one of the
/// questionnaire's codes (by index) or anything at all.
#[derive(Debug, Clone, bolero::TypeGenerator)]
struct Field {
    item: Option<u8>,
    name: String,
    code: Option<u16>,
    value: String,
}

/// Posted answer forms, as urlencoded bodies: read, checked page by page and whole, without panic; answers accepted
/// read back unchanged from the rows they are stored as and from the form they are shown again as.
#[test]
fn posted_answer_forms() {
    let instrument = default_instrument().unwrap();
    let ids: Vec<String> = instrument.items().map(|item| item.id.clone()).collect();
    let mut codes = Vec::new();
    collect_codes(&default_document(), &mut codes);
    codes.extend(["yes", "no", "0", "3", "1900", "-1", ""].map(str::to_owned));
    let (tried, accepted) = (AtomicUsize::new(0), AtomicUsize::new(0));
    check!().with_type::<(Vec<Field>, Vec<(u16, u8)>)>().with_test_time(test_time()).for_each(|(fields, noise)| {
        let pairs: Vec<(String, String)> = fields
            .iter()
            .map(|field| {
                let name = match field.item {
                    Some(index) => format!("{FIELD_PREFIX}{}", ids[usize::from(index) % ids.len()]),
                    None => field.name.clone(),
                };
                let value = match field.code {
                    Some(index) => codes[usize::from(index) % codes.len()].clone(),
                    None => field.value.clone(),
                };
                (name, value)
            })
            .collect();
        let mut body = serde_html_form::to_string(&pairs).unwrap().into_bytes();
        for (at, byte) in noise.iter().take(3) {
            if !body.is_empty() {
                let len = body.len();
                body[usize::from(*at) % len] = *byte;
            }
        }
        tried.fetch_add(1, Relaxed);
        let Ok(posted) = serde_html_form::from_bytes::<Vec<(String, String)>>(&body) else { return };
        let raw = raw_answers(&posted);
        let earlier = Answers::default();
        for section in 0..instrument.sections().len() {
            let _ = instrument.validate_section(section, &raw, &earlier);
        }
        if let Ok(answers) = instrument.validate_all(&raw) {
            accepted.fetch_add(1, Relaxed);
            let stored = Answers::from_rows(&instrument, answers.rows()).expect("accepted answers are stored");
            assert_eq!(stored, answers);
            let shown = instrument.validate_all(&answers.to_raw()).expect("shown again, accepted again");
            assert_eq!(shown, answers);
        }
    });
    report("posted answer forms", &tried, &accepted);
}

/// Every `code` in a JSON document.
fn collect_codes(value: &Value, codes: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(code)) = map.get("code") {
                codes.push(code.clone());
            }
            map.values().for_each(|value| collect_codes(value, codes));
        }
        Value::Array(values) => values.iter().for_each(|value| collect_codes(value, codes)),
        _ => {}
    }
}
