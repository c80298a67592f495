//! The answers of a filled-in paper form, made from the questionnaire as the API exports it, as the JSON that
//! `POST /api/v1/surveys/{id}/paper` takes: one option of each question, a follow-up only when its condition holds.

use rand::Rng;
use rand::seq::IndexedRandom;
use serde_json::{Map, Value};

/// What a resident sometimes writes in the comment field.
const COMMENT: &str = "Fler poliser syns i centrum på kvällarna, det känns bra.";

/// Answers by item id for `instrument` (its `scales` and `sections`).
pub fn answers(instrument: &Value, rng: &mut impl Rng) -> Map<String, Value> {
    let mut answers = Map::new();
    let items = instrument["sections"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|section| section["items"].as_array().into_iter().flatten());
    for item in items {
        let Some(id) = item["id"].as_str() else { continue };
        if let Some(item_id) = item["show_if"]["item"].as_str()
            && answers.get(item_id) != Some(&item["show_if"]["equals"])
        {
            continue;
        }
        let codes = |options: &Value| -> Vec<String> {
            options.as_array().into_iter().flatten().filter_map(|o| o["code"].as_str().map(str::to_owned)).collect()
        };
        let answer = match item["type"].as_str() {
            Some("scale") => {
                let scale = &instrument["scales"][item["scale"].as_str().unwrap_or_default()];
                let mut options = codes(&scale["options"]);
                options.extend(scale["dont_know"]["code"].as_str().map(str::to_owned));
                options.choose(rng).cloned().map(Value::String)
            }
            Some("yes_no") => Some(Value::String(if rng.random_bool(0.2) { "yes" } else { "no" }.to_owned())),
            Some("single") => codes(&item["options"]).choose(rng).cloned().map(Value::String),
            Some("multiple") => {
                let options: Vec<&Value> = item["options"].as_array().into_iter().flatten().collect();
                let others: Vec<&&Value> = options.iter().filter(|o| o["exclusive"] != Value::Bool(true)).collect();
                others.choose(rng).and_then(|o| o["code"].as_str()).map(|code| Value::Array(vec![code.into()]))
            }
            Some("number") => {
                let min = item["min"].as_i64().unwrap_or(0);
                let max = item["max"].as_i64().unwrap_or(min + 40).min(min + 40);
                Some(Value::from(rng.random_range(min..=max)))
            }
            Some("text") => rng.random_bool(0.3).then(|| Value::String(COMMENT.to_owned())),
            _ => None,
        };
        if let Some(answer) = answer {
            answers.insert(id.to_owned(), answer);
        }
    }
    answers
}

/// A random UUID (version 4), as a scanning bureau makes one per form.
pub fn submission_id(rng: &mut impl Rng) -> String {
    let bits: u128 = rng.random();
    let bits = (bits & !(0xf << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62);
    let hex = format!("{bits:032x}");
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn a_submission_id_is_a_version_4_uuid() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let id = submission_id(&mut rng);
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn a_follow_up_is_answered_only_when_it_applies() {
        let instrument = serde_json::json!({ "scales": {}, "sections": [{ "items": [
            { "id": "victim", "type": "yes_no" },
            { "id": "reported", "type": "yes_no", "show_if": { "item": "victim", "equals": "yes" } },
        ]}]});
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        for _ in 0..50 {
            let answers = answers(&instrument, &mut rng);
            assert_eq!(answers.contains_key("reported"), answers["victim"] == "yes");
        }
    }
}
