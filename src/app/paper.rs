//! Keying in paper questionnaires: staff copy a returned paper form into the service, with the same checks as the
//! web questionnaire, optionally naming its letter so that the letter counts as answered and its code is used up.

use std::sync::Arc;

use crate::app::Context;
use crate::app::audit::Actor;
use crate::app::municipalities::MunicipalityChoice;
use crate::app::responses::{self, NewResponse, Stored};
use crate::app::surveys::{self, Loaded};
use crate::auth::Staff;
use crate::domain::codes::{LetterNumber, LetterNumberError};
use crate::domain::instrument::{AnswerError, Instrument, RawAnswers};
use crate::domain::survey::{Access, Mode, SurveyState};
use crate::error::{AppError, FieldError, Text};

/// A survey open for paper entry by this staff member: its questionnaire and the municipalities they coordinate.
pub struct PaperSurvey {
    pub loaded: Loaded,
    pub instrument: Arc<Instrument>,
    pub municipalities: Vec<MunicipalityChoice>,
}

/// One keyed-in paper form, as typed.
#[derive(Default)]
pub struct PaperForm {
    pub municipality: String,
    pub letter_number: String,
    /// Generated with the blank form, so that a form sent twice is stored once.
    pub submission_id: String,
    pub answers: RawAnswers,
}

impl PaperForm {
    /// An empty form for the next paper questionnaire, in `municipality`.
    pub fn blank(municipality: String) -> Self {
        Self { municipality, submission_id: uuid::Uuid::new_v4().to_string(), ..Self::default() }
    }
}

/// How keying in a form ended.
pub enum Entered {
    /// Stored (now, or already by the same form).
    Saved,
    /// Something to correct in the form.
    Invalid { errors: Vec<FieldError>, answer_errors: Vec<AnswerError> },
    /// The letter has already been answered, on the web or on paper.
    LetterUsed { errors: Vec<FieldError> },
}

/// The survey and its questionnaire, if paper forms can be entered into it by this staff member.
pub async fn survey(ctx: &Context, staff: &Staff, id: &str) -> Result<PaperSurvey, AppError> {
    let loaded = surveys::load(ctx, staff, id).await?;
    let municipalities: Vec<MunicipalityChoice> = loaded
        .parts
        .iter()
        .filter(|(part, _)| staff.permissions.may_manage(&part.municipality_code))
        .map(|(part, name)| MunicipalityChoice { code: part.municipality_code.clone(), name: name.clone() })
        .collect();
    if municipalities.is_empty() {
        return Err(AppError::Forbidden);
    }
    if loaded.access != Access::Codes {
        return Err(AppError::Conflict(Text::new("problem.paper.open_link")));
    }
    if loaded.state == SurveyState::Draft {
        return Err(AppError::Conflict(Text::new("problem.paper.draft")));
    }
    let instrument = crate::app::instruments::for_survey(ctx, &loaded.survey).await?;
    Ok(PaperSurvey { loaded, instrument, municipalities })
}

/// Checks a keyed-in form and stores it as a paper response.
pub async fn enter(ctx: &Context, staff: &Staff, survey: &PaperSurvey, form: &PaperForm) -> Result<Entered, AppError> {
    let mut errors = Vec::new();
    // A letter number names its municipality; the chosen one counts only for a form without one.
    let letter = letter_of(form, &mut errors);
    let municipality =
        letter.as_ref().map_or_else(|| form.municipality.clone(), |letter| letter.municipality().as_str().to_owned());
    if !survey.municipalities.iter().any(|m| m.code == municipality) {
        match &letter {
            Some(letter) => errors
                .push(field_error("letter_number", Text::new("problem.paper.letter_elsewhere").with("letter", letter))),
            None => errors.push(field_error("municipality", Text::new("problem.paper.municipality"))),
        }
    }
    if uuid::Uuid::parse_str(&form.submission_id).is_err() {
        errors.push(field_error("submission_id", Text::new("problem.form_incomplete")));
    }
    let instrument = &survey.instrument;
    let validated = instrument.validate_all(&form.answers);
    let answer_errors = validated.as_ref().err().cloned().unwrap_or_default();
    errors.extend(answer_errors.iter().map(|error| field_error(&format!("q-{}", error.item), error.problem.text())));
    let answers = match validated {
        Ok(answers) if errors.is_empty() => answers,
        _ => return Ok(Entered::Invalid { errors, answer_errors }),
    };
    let (answers_len, applicable) = (answers.len(), instrument.applicable_items(&answers));
    let new = NewResponse {
        survey_id: survey.loaded.survey.id.clone(),
        municipality_code: municipality,
        mode: Mode::Paper,
        instrument_version: survey.loaded.survey.instrument_version.clone(),
        language: instrument.default_language().to_owned(),
        answers,
        letter,
        code_hash: None,
        draft_key: None,
        resume_code_hash: None,
        submission_id: form.submission_id.clone(),
        completeness: crate::domain::aapor::classify(answers_len, applicable),
    };
    Ok(match responses::store(ctx, Actor::of(staff), new).await? {
        Stored::Saved | Stored::AlreadySaved => Entered::Saved,
        Stored::UnknownLetter => {
            let reason = Text::new("problem.paper.unknown_letter").with("letter", &form.letter_number);
            Entered::Invalid { errors: vec![field_error("letter_number", reason)], answer_errors: Vec::new() }
        }
        Stored::LetterAlreadyUsed => {
            let reason = Text::new("problem.paper.letter_used").with("letter", &form.letter_number);
            Entered::LetterUsed { errors: vec![field_error("letter_number", reason)] }
        }
    })
}

/// The letter the form names, if any.
fn letter_of(form: &PaperForm, errors: &mut Vec<FieldError>) -> Option<LetterNumber> {
    if form.letter_number.is_empty() {
        return None;
    }
    match LetterNumber::parse(&form.letter_number) {
        Ok(letter) => Some(letter),
        Err(error) => {
            let reason = match error {
                LetterNumberError::Format => Text::new("problem.paper.letter_format"),
                LetterNumberError::SerialOutOfRange(serial) => {
                    Text::new("problem.paper.letter_serial").with("serial", serial)
                }
            };
            errors.push(field_error("letter_number", reason));
            None
        }
    }
}

fn field_error(field: &str, reason: Text) -> FieldError {
    FieldError::new(field, reason)
}
