//! Keying in paper questionnaires (`/admin/surveys/{id}/paper`): staff copy a returned paper form into the
//! service, with the same checks as the web questionnaire, optionally naming its letter so that the code is used up.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use crate::app::audit::Actor;
use crate::app::municipalities::MunicipalityChoice;
use crate::app::responses::{self, NewResponse, Stored};
use crate::app::surveys::{self, Loaded};
use crate::domain::codes::LetterNumber;
use crate::domain::instrument::{Instrument, RawAnswers};
use crate::domain::survey::Mode;
use crate::domain::survey::{Access, SurveyState};
use crate::error::AppError;
use crate::error::FieldError;
use crate::http::extract::CurrentUser;
use crate::http::forms::ProtectedForm;
use crate::http::render::context;
use crate::http::state::AppState;
use crate::views::questionnaire::{self, raw_answers};
use crate::views::templates::UserView;

/// The survey and its questionnaire, if paper forms can be entered into it by this user.
async fn paper_survey(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
) -> Result<(Loaded, Arc<Instrument>, Vec<MunicipalityChoice>), AppError> {
    let loaded = surveys::load(state, user, id).await?;
    let municipalities: Vec<MunicipalityChoice> = loaded
        .parts
        .iter()
        .filter(|(part, _)| user.permissions.may_manage(&part.municipality_code))
        .map(|(part, name)| MunicipalityChoice { code: part.municipality_code.clone(), name: name.clone() })
        .collect();
    if municipalities.is_empty() {
        return Err(AppError::Forbidden);
    }
    if loaded.access != Access::Codes {
        return Err(AppError::Conflict("En enkät med öppen länk har inga pappersblanketter.".to_owned()));
    }
    if loaded.state == SurveyState::Draft {
        return Err(AppError::Conflict("Enkäten är inte öppnad ännu; öppna den innan blanketter matas in.".to_owned()));
    }
    let instrument = crate::app::instruments::for_survey(state, &loaded.survey).await?;
    Ok((loaded, instrument, municipalities))
}

#[allow(clippy::too_many_arguments)]
fn render(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    loaded: &Loaded,
    instrument: &Instrument,
    municipalities: &[MunicipalityChoice],
    fields: &Fields,
    errors: Vec<FieldError>,
    answer_errors: &[crate::domain::instrument::AnswerError],
    notice: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let sections = questionnaire::sections(instrument, "sv", &fields.answers, answer_errors);
    state.templates.page(
        status,
        "admin/paper.html",
        context! {
            title => "Mata in en pappersenkät", user => UserView::from(&user.staff), csrf_token => user.csrf_token(),
            survey => context! { id => loaded.survey.id, title => loaded.survey.title },
            municipalities, municipality => fields.municipality, letter_number => fields.letter_number,
            submission_id => fields.submission_id, sections, errors, notice,
        },
    )
}

/// What the form carried besides the answers.
#[derive(Default)]
struct Fields {
    municipality: String,
    letter_number: String,
    submission_id: String,
    answers: RawAnswers,
}

impl Fields {
    fn blank(municipality: String) -> Self {
        Self { municipality, submission_id: uuid::Uuid::new_v4().to_string(), ..Self::default() }
    }

    fn from_pairs(pairs: &[(String, String)]) -> Self {
        let value = |name: &str| {
            pairs.iter().find(|(key, _)| key == name).map(|(_, value)| value.trim().to_owned()).unwrap_or_default()
        };
        Self {
            municipality: value("municipality"),
            letter_number: value("letter_number"),
            submission_id: value("submission_id"),
            answers: raw_answers(pairs),
        }
    }
}

/// `GET /admin/surveys/{id}/paper`
pub async fn page(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (loaded, instrument, municipalities) = paper_survey(&state, &user, &id).await?;
    let first = municipalities.first().map(|m| m.code.clone()).unwrap_or_default();
    let blank = Fields::blank(first);
    render(&state, &user, StatusCode::OK, &loaded, &instrument, &municipalities, &blank, Vec::new(), &[], None)
}

/// `POST /admin/surveys/{id}/paper`
pub async fn submit(
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: ProtectedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let ProtectedForm { user, form: pairs } = form;
    let (loaded, instrument, municipalities) = paper_survey(&state, &user, &id).await?;
    let fields = Fields::from_pairs(&pairs);
    let mut errors = Vec::new();
    if !municipalities.iter().any(|m| m.code == fields.municipality) {
        errors.push(FieldError {
            field: "municipality".into(),
            reason: "Välj en av enkätens kommuner som du samordnar.".into(),
        });
    }
    let letter = if fields.letter_number.is_empty() {
        None
    } else {
        match LetterNumber::parse(&fields.letter_number) {
            Ok(letter) if letter.municipality().as_str() == fields.municipality => Some(letter),
            Ok(letter) => {
                errors.push(FieldError {
                    field: "letter_number".into(),
                    reason: format!("Brevet {letter} hör till en annan kommun än den du valt."),
                });
                None
            }
            Err(error) => {
                errors.push(FieldError {
                    field: "letter_number".into(),
                    reason: format!("Brevnumret stämmer inte: {error}."),
                });
                None
            }
        }
    };
    if uuid::Uuid::parse_str(&fields.submission_id).is_err() {
        errors.push(FieldError {
            field: "submission_id".into(),
            reason: "Formuläret var ofullständigt. Ladda om sidan.".into(),
        });
    }
    let validated = instrument.validate_all(&fields.answers);
    let answer_errors = validated.as_ref().err().cloned().unwrap_or_default();
    errors.extend(
        answer_errors
            .iter()
            .map(|error| FieldError { field: format!("q-{}", error.item), reason: error.problem.message("sv") }),
    );
    let answers = match validated {
        Ok(answers) if errors.is_empty() => answers,
        _ => {
            return render(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                &loaded,
                &instrument,
                &municipalities,
                &fields,
                errors,
                &answer_errors,
                None,
            );
        }
    };
    let (answers_len, applicable) = (answers.len(), instrument.applicable_items(&answers));
    let new = NewResponse {
        survey_id: loaded.survey.id.clone(),
        municipality_code: fields.municipality.clone(),
        mode: Mode::Paper,
        instrument_version: loaded.survey.instrument_version.clone(),
        language: instrument.default_language().to_owned(),
        answers,
        letter,
        code_hash: None,
        draft_key: None,
        submission_id: fields.submission_id.clone(),
        completeness: crate::domain::aapor::classify(answers_len, applicable),
    };
    let actor = Actor::of(&user);
    let letter_error = |reason: String| vec![FieldError { field: "letter_number".into(), reason }];
    match responses::store(&state, actor, new).await? {
        Stored::Saved | Stored::AlreadySaved => {
            let notice = "Blanketten är sparad. Här är en tom blankett för nästa.";
            let blank = Fields::blank(fields.municipality);
            render(
                &state,
                &user,
                StatusCode::OK,
                &loaded,
                &instrument,
                &municipalities,
                &blank,
                Vec::new(),
                &[],
                Some(notice),
            )
        }
        Stored::UnknownLetter => {
            let errors = letter_error(format!("Brevet {} finns inte i enkäten.", fields.letter_number));
            render(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                &loaded,
                &instrument,
                &municipalities,
                &fields,
                errors,
                &[],
                None,
            )
        }
        Stored::LetterAlreadyUsed => {
            let errors = letter_error(format!(
                "Brevet {} är redan besvarat, på webben eller på papper. Samma person ska inte räknas två gånger.",
                fields.letter_number
            ));
            render(
                &state,
                &user,
                StatusCode::CONFLICT,
                &loaded,
                &instrument,
                &municipalities,
                &fields,
                errors,
                &[],
                None,
            )
        }
    }
}
