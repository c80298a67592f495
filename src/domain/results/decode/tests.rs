//! The decoder against the reference (every row checked, classed, encoded), on plausible responses and on rows
//! no form would store.

use super::{Decoder, reference};
use crate::domain::instrument::{AnswerRow, Instrument, ItemKind, default_instrument};
use crate::domain::results::codebook::Codebook;

/// A small questionnaire with what the default one lacks: a multiple-choice item with a maximum and an item shown
/// after one of its options.
fn instrument() -> Instrument {
    let json = r#"{ "key": "d", "version": "1", "languages": ["sv"], "title": { "sv": "T" },
        "scales": { "problem": { "options": [
            { "code": "none", "weight": 0, "label": { "sv": "a" } }, { "code": "big", "weight": 6, "label": { "sv": "b" } } ],
            "dont_know": { "code": "dont_know", "label": { "sv": "c" } } } },
        "sections": [
          { "id": "s1", "area": "outdoor", "title": { "sv": "1" }, "items": [
            { "id": "litter", "type": "scale", "scale": "problem", "text": { "sv": "F" } },
            { "id": "places", "type": "multiple", "max": 2, "text": { "sv": "F" }, "options": [
                { "code": "centre", "label": { "sv": "a" } }, { "code": "station", "label": { "sv": "b" } },
                { "code": "park", "label": { "sv": "c" } } ] },
            { "id": "park_when", "type": "single", "text": { "sv": "F" },
              "show_if": { "item": "places", "equals": "park" }, "options": [
                { "code": "day", "label": { "sv": "a" } }, { "code": "night", "label": { "sv": "b" } } ] } ] },
          { "id": "s2", "title": { "sv": "2" }, "items": [
            { "id": "years", "type": "number", "min": 0, "max": 100, "text": { "sv": "F" } },
            { "id": "note", "type": "text", "max_chars": 20, "text": { "sv": "F" } } ] } ] }"#;
    Instrument::load(json).expect("the fixture loads")
}

struct Random(u64);

impl Random {
    fn below(&mut self, modulo: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) % modulo as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

fn row(item: &str, option: Option<&str>, number: Option<i64>, text: Option<&str>) -> AnswerRow {
    AnswerRow {
        item_id: item.to_owned(),
        position: 0,
        option_code: option.map(str::to_owned),
        number,
        text: text.map(str::to_owned),
    }
}

/// A response as a form would store it: each item answered with some probability (follow-ups whatever their
/// condition, so that some are answered when they did not apply), values valid.
fn plausible(instrument: &Instrument, random: &mut Random, answer_percent: usize) -> Vec<AnswerRow> {
    let mut rows = Vec::new();
    for item in instrument.items() {
        if !random.chance(answer_percent) {
            continue;
        }
        let codes = instrument.choice_codes(item).unwrap_or_default();
        match &item.kind {
            ItemKind::Number { min, max, .. } => rows.push(row(&item.id, None, Some((*min).max(*max.min(&40))), None)),
            ItemKind::Text { .. } => rows.push(row(&item.id, None, None, Some("Mörkt vid stationen"))),
            ItemKind::Multiple { .. } => {
                let mut chosen: Vec<usize> = (0..codes.len()).filter(|_| random.chance(35)).collect();
                if chosen.is_empty() {
                    chosen.push(random.below(codes.len()));
                }
                for (position, index) in chosen.into_iter().enumerate() {
                    rows.push(AnswerRow { position: position as i32, ..row(&item.id, Some(codes[index]), None, None) });
                }
            }
            _ => rows.push(row(&item.id, Some(codes[random.below(codes.len())]), None, None)),
        }
    }
    rows
}

/// Spoils a response the ways stored rows could be wrong, one or two at a time.
fn spoil(instrument: &Instrument, random: &mut Random, rows: &mut Vec<AnswerRow>) {
    for _ in 0..1 + random.below(2) {
        let at = random.below(rows.len().max(1));
        match random.below(12) {
            0 if !rows.is_empty() => {
                let copy = rows[at].clone();
                rows.push(copy);
            }
            1 if !rows.is_empty() => rows[at].option_code = Some(" yes ".to_owned()),
            2 if !rows.is_empty() => rows[at].option_code = Some(String::new()),
            3 if !rows.is_empty() => rows[at].number = Some(7),
            4 if !rows.is_empty() => rows[at].text = Some("text".to_owned()),
            5 => rows.push(row("no_such_item", Some("yes"), None, None)),
            6 => {
                let item = instrument.items().nth(random.below(instrument.items().count())).unwrap();
                rows.push(row(&item.id, Some("not_a_code"), None, None));
            }
            7 => {
                let texts = instrument.items().filter(|item| matches!(item.kind, ItemKind::Text { .. }));
                if let Some(item) = texts.last() {
                    let text = ["   ", "bell\u{7}", "a very long comment, longer than twenty", "ok"][random.below(4)];
                    rows.push(row(&item.id, None, None, Some(text)));
                }
            }
            8 => {
                let numbers = instrument.items().filter(|item| matches!(item.kind, ItemKind::Number { .. }));
                if let Some(item) = numbers.last() {
                    rows.push(row(&item.id, None, Some([-1, 101, 3, i64::MIN, i64::MAX][random.below(5)]), None));
                }
            }
            9 if !rows.is_empty() => {
                rows.remove(at);
            }
            10 if !rows.is_empty() => rows[at].option_code = None,
            _ => {
                // Every option of a multiple-choice item (more than its maximum, where it has one).
                let multiple = instrument.items().find(|item| matches!(item.kind, ItemKind::Multiple { .. })).unwrap();
                for code in instrument.choice_codes(multiple).unwrap() {
                    rows.push(row(&multiple.id, Some(code), None, None));
                }
            }
        }
    }
}

fn agrees_with_the_reference(instrument: &Instrument, seed: u64) -> (usize, usize) {
    let codebook = Codebook::new(instrument);
    let decoder = Decoder::new(instrument, &codebook);
    let mut random = Random(seed);
    let (mut counted, mut spoiled) = (0, 0);
    for n in 0..3000 {
        let mut rows = plausible(instrument, &mut random, [100, 90, 60, 30][n % 4]);
        if random.chance(40) {
            spoil(instrument, &mut random, &mut rows);
            spoiled += 1;
        }
        // Rows come in any order.
        for index in (1..rows.len()).rev() {
            rows.swap(index, random.below(index + 1));
        }
        let expected = reference(instrument, &codebook, n % 3, &rows);
        assert_eq!(decoder.decode(n % 3, &rows), expected, "{rows:#?}");
        counted += usize::from(expected.is_some());
    }
    (counted, spoiled)
}

#[test]
fn the_default_questionnaire_decodes_as_the_reference_does() {
    let (counted, spoiled) = agrees_with_the_reference(&default_instrument().unwrap(), 3);
    // Both kinds of response were met: counted and not, spoiled and not.
    assert!(counted > 500 && counted < 2800 && spoiled > 500, "{counted} {spoiled}");
}

#[test]
fn a_maximum_of_choices_and_a_condition_on_a_multiple_choice_decode_as_the_reference_does() {
    let (counted, spoiled) = agrees_with_the_reference(&instrument(), 5);
    assert!(counted > 500 && counted < 2800 && spoiled > 500, "{counted} {spoiled}");
}

#[test]
fn a_comment_counts_as_an_answer_and_a_follow_up_only_where_it_applied() {
    let instrument = instrument();
    let codebook = Codebook::new(&instrument);
    let decoder = Decoder::new(&instrument, &codebook);
    // Litter, places (park) and its follow-up, years: 4 of 5 applicable items, complete.
    let mut rows = vec![
        row("litter", Some("big"), None, None),
        row("places", Some("park"), None, None),
        row("park_when", Some("night"), None, None),
        row("years", None, Some(3), None),
    ];
    let respondent = decoder.decode(1, &rows).expect("complete");
    assert_eq!(&*respondent.values, &[2, 0b100, 2]);
    // Without the follow-up and the number, 2 of 4 items apply and are answered: a partial response; with a comment
    // 3 of 4.
    rows.truncate(2);
    rows[1].option_code = Some("centre".to_owned());
    assert!(decoder.decode(1, &rows).is_some());
    rows.remove(0);
    assert_eq!(decoder.decode(1, &rows), None, "1 of 4 is a break-off");
    rows.push(row("note", None, None, Some("Mörkt")));
    assert_eq!(decoder.decode(1, &rows).map(|r| r.values), Some(vec![0, 1, 0].into()), "2 of 4 with the comment");
}
