use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::schema::{drafts, legacy_drafts, responses};
use crate::domain::instrument::AnswerRow;
use crate::domain::survey::Mode;

/// One anonymous response: nothing in it leads back to an invitation or a person.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = responses)]
pub struct Response {
    pub id: String,
    pub survey_id: String,
    pub municipality_code: String,
    pub mode: Mode,
    pub submitted_on: NaiveDate,
    pub instrument_version: String,
    pub language: String,
    /// Whether the response has been rewritten in a shuffled batch (see `responses::settle`).
    pub settled: bool,
}

/// A response as stored: its facts and its answers, encoded in its own row (see [`encode_answers`]).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = responses)]
pub struct StoredResponse {
    #[diesel(embed)]
    pub response: Response,
    /// The answer rows as [`encode_answers`] writes them.
    pub answers: String,
}

impl StoredResponse {
    /// A response with its answer rows.
    pub fn new(response: Response, rows: &[AnswerRow]) -> Self {
        Self { response, answers: encode_answers(rows) }
    }
}

/// One answer row as stored in its response's `answers` array: `i` the item, `p` its place among the item's rows
/// (left out when 0), and one of `o` (an option's code), `n` (a number) and `t` (a text). Short keys: a response has
/// some 50 rows, and a survey's results read every one.
#[derive(serde::Serialize, serde::Deserialize)]
struct EncodedRow {
    i: String,
    #[serde(default, skip_serializing_if = "is_zero")]
    p: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    o: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    n: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    t: Option<String>,
}

fn is_zero(position: &i32) -> bool {
    *position == 0
}

/// A response's answer rows as the JSON array its row keeps, in the order given.
pub fn encode_answers(rows: &[AnswerRow]) -> String {
    let encoded: Vec<EncodedRow> = rows
        .iter()
        .map(|row| EncodedRow {
            i: row.item_id.clone(),
            p: row.position,
            o: row.option_code.clone(),
            n: row.number,
            t: row.text.clone(),
        })
        .collect();
    serde_json::to_string(&encoded).expect("answer rows serialize")
}

/// The answer rows a response's `answers` array holds; a value that is not such an array is a database error, not an
/// empty response.
pub fn decode_answers(stored: &str) -> diesel::QueryResult<Vec<AnswerRow>> {
    let encoded: Vec<EncodedRow> =
        serde_json::from_str(stored).map_err(|error| diesel::result::Error::DeserializationError(Box::new(error)))?;
    Ok(encoded
        .into_iter()
        .map(|row| AnswerRow { item_id: row.i, position: row.p, option_code: row.o, number: row.n, text: row.t })
        .collect())
}

/// A resident's answers saved so far, under a key derived from their code (not the letter's hash), the contents
/// sealed with a key only their code gives (see `domain::draft_seal`).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = drafts)]
pub struct Draft {
    pub key_hash: String,
    pub survey_id: String,
    pub municipality_code: String,
    pub reached_section: i32,
    pub updated_on: NaiveDate,
    /// Language, answers and submission id as sealed JSON; empty for a draft kept only as a count.
    pub sealed: String,
}

/// A draft saved before drafts were sealed, under the letter's (or resume code's) hash with its contents in plain
/// text; sealed and moved to `drafts` when its resident next types the code.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = legacy_drafts)]
pub struct LegacyDraft {
    pub key_hash: String,
    pub survey_id: String,
    pub municipality_code: String,
    pub language: String,
    pub answers: String,
    pub reached_section: i32,
    pub submission_id: String,
    pub updated_on: NaiveDate,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(item: &str, position: i32) -> AnswerRow {
        AnswerRow { item_id: item.to_owned(), position, option_code: None, number: None, text: None }
    }

    #[test]
    fn answer_rows_come_back_as_they_were_stored() {
        let rows = vec![
            AnswerRow { option_code: Some("2".to_owned()), ..row("area_safe", 0) },
            AnswerRow { option_code: Some("park".to_owned()), ..row("unsafe_places", 0) },
            AnswerRow { option_code: Some("centre".to_owned()), ..row("unsafe_places", 1) },
            AnswerRow { number: Some(-3), ..row("age", 0) },
            AnswerRow { text: Some("\"Lamps\" — ljus ✓\n".to_owned()), ..row("comment", 0) },
        ];
        let stored = encode_answers(&rows);
        assert_eq!(decode_answers(&stored).unwrap(), rows);
        assert!(stored.starts_with(r#"[{"i":"area_safe","o":"2"},"#), "a position of 0 is left out: {stored}");
        assert_eq!(decode_answers("[]").unwrap(), Vec::new());
    }

    #[test]
    fn rows_written_by_the_migration_with_nulls_read_the_same() {
        let migrated = r#"[{"i":"age","p":0,"o":null,"n":42,"t":null}]"#;
        assert_eq!(decode_answers(migrated).unwrap(), vec![AnswerRow { number: Some(42), ..row("age", 0) }]);
    }

    #[test]
    fn a_value_that_is_not_an_array_of_rows_is_an_error() {
        assert!(decode_answers("").is_err());
        assert!(decode_answers(r#"{"i":"age"}"#).is_err());
        assert!(decode_answers(r#"[{"p":1}]"#).is_err());
    }
}
