//! Storing responses. A response is written in one transaction with everything it changes: its answers (one row per
//! answered item), the letter it used up (if any: marked completed, with no link back from the response), and the
//! submission id that makes a repeated submit harmless.

use diesel::Connection;
use serde_json::json;

use crate::audit::Actor;
use crate::db::models::response::{Response, StoredAnswer};
use crate::db::queries::{audit, invitations, responses, surveys};
use crate::domain::codes::LetterNumber;
use crate::domain::dispositions::Disposition;
use crate::domain::instrument::Answers;
use crate::error::AppError;
use crate::startup::AppState;

/// How a response was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Web,
    Paper,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Paper => "paper",
        }
    }
}

/// What became of a submitted form.
#[derive(Debug, PartialEq, Eq)]
pub enum Stored {
    /// Stored now.
    Saved,
    /// This very form was stored before (a double click or a retry): nothing stored twice.
    AlreadySaved,
    /// The letter does not belong to the survey.
    UnknownLetter,
    /// The letter's code has already completed a response.
    LetterAlreadyUsed,
}

/// A response about to be stored.
pub struct NewResponse {
    pub survey_id: String,
    pub municipality_code: String,
    pub mode: Mode,
    pub instrument_version: String,
    pub language: String,
    pub answers: Answers,
    /// The letter this response uses up, if known.
    pub letter: Option<LetterNumber>,
    /// The id the submitted form carried.
    pub submission_id: String,
}

enum Aborted {
    Outcome(Stored),
    Database(diesel::result::Error),
}

impl From<diesel::result::Error> for Aborted {
    fn from(error: diesel::result::Error) -> Self {
        Self::Database(error)
    }
}

/// Stores a response, exactly once.
pub async fn store(state: &AppState, actor: Actor, new: NewResponse) -> Result<Stored, AppError> {
    let day = crate::domain::survey::swedish_day(chrono::Utc::now());
    let response = Response {
        // Random (v4), never time-ordered, so ids reveal nothing about when or in which order answers came in.
        id: uuid::Uuid::new_v4().to_string(),
        survey_id: new.survey_id.clone(),
        municipality_code: new.municipality_code.clone(),
        mode: new.mode.as_str().to_owned(),
        submitted_on: day,
        instrument_version: new.instrument_version.clone(),
        language: new.language.clone(),
    };
    let rows: Vec<StoredAnswer> = new
        .answers
        .rows()
        .into_iter()
        .map(|row| StoredAnswer {
            response_id: response.id.clone(),
            item_id: row.item_id,
            option_code: row.option_code,
            number_value: row.number,
            text_value: row.text,
        })
        .collect();
    let outcome = state
        .db
        .run(move |conn| {
            let result = conn.transaction::<Stored, Aborted, _>(|conn| {
                surveys::lock_for_write(conn, &new.survey_id)?;
                if responses::submission_seen(conn, &new.submission_id)? {
                    return Err(Aborted::Outcome(Stored::AlreadySaved));
                }
                if let Some(letter) = &new.letter {
                    let serial = letter.serial() as i32;
                    match invitations::disposition_of(conn, &new.survey_id, letter.municipality().as_str(), serial)? {
                        None => return Err(Aborted::Outcome(Stored::UnknownLetter)),
                        Some(current) if current == Disposition::Completed.as_str() => {
                            return Err(Aborted::Outcome(Stored::LetterAlreadyUsed));
                        }
                        Some(_) => {
                            let code = letter.municipality().as_str();
                            if invitations::complete(conn, &new.survey_id, code, serial)? == 0 {
                                return Err(Aborted::Outcome(Stored::LetterAlreadyUsed));
                            }
                        }
                    }
                }
                responses::record_submission(conn, &new.submission_id, &new.survey_id, day)?;
                responses::insert(conn, &response, &rows)?;
                if new.mode == Mode::Paper {
                    // Who keyed in a paper form is worth knowing; which letter or which answers never is.
                    let detail = json!({ "municipality": new.municipality_code });
                    audit::insert(conn, &actor.event("paper_form_entered", Some(new.survey_id.clone()), detail))?;
                }
                Ok(Stored::Saved)
            });
            match result {
                Ok(stored) => Ok(stored),
                Err(Aborted::Outcome(stored)) => Ok(stored),
                // Two submits of one form at the same moment: the second fails on the submission's key.
                Err(Aborted::Database(diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::UniqueViolation,
                    _,
                ))) => Ok(Stored::AlreadySaved),
                Err(Aborted::Database(error)) => Err(error),
            }
        })
        .await?;
    Ok(outcome)
}
