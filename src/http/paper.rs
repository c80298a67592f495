//! Keying in paper questionnaires (`/admin/surveys/{id}/paper`): the form, and what became of the last one.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::app::paper::{self, Entered, PaperForm, PaperSurvey};
use crate::domain::instrument::AnswerError;
use crate::error::{AppError, FieldError, Text};
use crate::http::body::JsonObject;
use crate::http::extract::CurrentUser;
use crate::http::forms::ProtectedForm;
use crate::http::render::context;
use crate::http::state::AppState;
use crate::views::questionnaire::{self, raw_answers};

/// The paper form as shown: its values, what to correct, or that the last one was stored.
#[derive(Default)]
struct Shown<'a> {
    errors: Vec<FieldError>,
    answer_errors: &'a [AnswerError],
    notice: Option<&'a str>,
}

fn render(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    survey: &PaperSurvey,
    form: &PaperForm,
    shown: Shown,
) -> Result<HttpResponse, AppError> {
    let sections = questionnaire::paper_sections(&survey.instrument, "sv", &form.answers, shown.answer_errors);
    let loaded = &survey.loaded;
    state.templates.page(
        status,
        "admin/paper.html",
        context! {
            // The questions as printed on the (Swedish) paper form; the page around them in the staff's language.
            title => crate::i18n::text(&user.lang, "admin.paper.title"), user => user.view(), csrf_token => user.csrf_token(),
            survey => context! { id => loaded.survey.id, title => loaded.survey.title },
            municipalities => survey.municipalities, municipality => form.municipality,
            letter_number => form.letter_number, submission_id => form.submission_id, sections,
            errors => shown.errors, notice => shown.notice, show_numbers => true,
        },
    )
}

/// The form's fields: the answers, and the municipality, letter number and form id beside them.
fn read_form(pairs: &[(String, String)]) -> PaperForm {
    let value = |name: &str| {
        pairs.iter().find(|(key, _)| key == name).map(|(_, value)| value.trim().to_owned()).unwrap_or_default()
    };
    PaperForm {
        municipality: value("municipality"),
        letter_number: value("letter_number"),
        submission_id: value("submission_id"),
        answers: raw_answers(pairs),
    }
}

/// What the printed questionnaire is asked for: its language (one the survey offers; its questionnaire's own by
/// default) and `size=large` for large print. The language is `language`, not `lang`: `?lang=` on a staff page
/// switches the staff member's own language.
#[derive(Deserialize)]
pub struct PrintQuery {
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    size: Option<String>,
}

/// `GET /admin/surveys/{id}/questionnaire?language=ar&size=large`: the questionnaire to print (A4, 11 or 16 pt), for
/// anyone who may see the survey; the browser prints it, or saves it as a PDF.
pub async fn printable(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    query: web::Query<PrintQuery>,
) -> Result<HttpResponse, AppError> {
    let loaded = crate::app::surveys::load(&state, &user, &id).await?;
    let instrument = crate::app::instruments::for_survey(&state, &loaded.survey).await?;
    let offered = crate::i18n::offered(&loaded.survey.languages, instrument.languages());
    let lang = match query.language.as_deref().map(str::trim).filter(|lang| !lang.is_empty()) {
        None => instrument.default_language().to_owned(),
        Some(lang) if offered.iter().any(|known| known == lang) => lang.to_owned(),
        Some(lang) => {
            let reason =
                Text::new("problem.languages.not_offered").with("lang", lang).with("offered", offered.join(", "));
            return Err(AppError::invalid("language", reason));
        }
    };
    let large = match query.size.as_deref() {
        None | Some("" | "normal") => false,
        Some("large") => true,
        Some(_) => return Err(AppError::invalid("size", Text::new("problem.request.size"))),
    };
    let sections = questionnaire::paper_sections(&instrument, &lang, &Default::default(), &[]);
    let sender = loaded.survey.sender.clone().unwrap_or_default();
    let staff_hint = crate::i18n::text(&user.lang, "admin.paper_print.hint");
    state.templates.page(
        StatusCode::OK,
        "print/questionnaire.html",
        context! {
            lang => lang, dir => crate::i18n::direction(&lang), large, sections, sender, staff_hint,
            staff_lang => user.lang, survey_title => loaded.survey.title,
        },
    )
}

/// `GET /admin/surveys/{id}/paper`
pub async fn page(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let survey = paper::survey(&state, &user, &id).await?;
    let first = survey.municipalities.first().map(|m| m.code.clone()).unwrap_or_default();
    render(&state, &user, StatusCode::OK, &survey, &PaperForm::blank(first), Shown::default())
}

/// `POST /admin/surveys/{id}/paper`
pub async fn submit(
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: ProtectedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let ProtectedForm { user, form: pairs } = form;
    let survey = paper::survey(&state, &user, &id).await?;
    let form = read_form(&pairs);
    match paper::enter(&state, &user, &survey, &form).await? {
        Entered::Saved => {
            let saved = crate::i18n::text(&user.lang, "admin.paper.saved");
            let notice = Some(saved.as_str());
            let blank = PaperForm::blank(form.municipality);
            render(&state, &user, StatusCode::OK, &survey, &blank, Shown { notice, ..Shown::default() })
        }
        Entered::Invalid { errors, answer_errors } => {
            let shown = Shown { errors, answer_errors: &answer_errors, notice: None };
            render(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, &survey, &form, shown)
        }
        Entered::LetterUsed { errors } => {
            render(&state, &user, StatusCode::CONFLICT, &survey, &form, Shown { errors, ..Shown::default() })
        }
    }
}

/// A paper questionnaire as a scanning bureau or a script sends it.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct PaperInput {
    /// The letter number printed on the form (e.g. `1783-000042`): it names the municipality, and the letter then
    /// counts as answered.
    #[serde(default)]
    pub letter_number: Option<String>,
    /// The municipality's code, for a form without a letter number.
    #[serde(default)]
    pub municipality: Option<String>,
    /// A UUID made once per form: sending the same form again stores nothing twice.
    pub submission_id: String,
    /// The answers by item id: a code, a number or a text; a list of codes for a multiple-choice question.
    #[schema(value_type = Object)]
    pub answers: BTreeMap<String, serde_json::Value>,
}

/// Key in a paper questionnaire: the same checks as the web questionnaire and the page. 201 when it is stored (or was
/// already, by the same `submission_id`); 422 with every problem by field (`q-<item>` for an answer); 409 when its
/// letter has already been answered.
#[utoipa::path(post, path = "/api/v1/surveys/{id}/paper", tag = "responses", params(("id" = String, Path)),
    request_body = PaperInput,
    responses((status = 201, body = Object), (status = 409, body = crate::http::errors::ErrorBody),
        (status = 422, body = crate::http::errors::ErrorBody)))]
pub async fn api_enter(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    input: JsonObject<PaperInput>,
) -> Result<HttpResponse, AppError> {
    let survey = paper::survey(&state, &user, &id).await?;
    let input = input.into_inner();
    let mut answers = crate::domain::instrument::RawAnswers::new();
    for (item, value) in input.answers {
        let values = match value {
            serde_json::Value::String(text) => vec![text],
            serde_json::Value::Number(number) => vec![number.to_string()],
            serde_json::Value::Array(values) => values
                .into_iter()
                .map(|value| match value {
                    serde_json::Value::String(text) => Ok(text),
                    _ => Err(()),
                })
                .collect::<Result<Vec<_>, ()>>()
                .map_err(|()| {
                    AppError::invalid("answers", Text::new("problem.paper.list_codes").with("item", &item))
                })?,
            serde_json::Value::Null => continue,
            _ => {
                return Err(AppError::invalid("answers", Text::new("problem.paper.answer_kind").with("item", &item)));
            }
        };
        answers.insert(item, values);
    }
    let form = PaperForm {
        municipality: input.municipality.unwrap_or_default().trim().to_owned(),
        letter_number: input.letter_number.unwrap_or_default().trim().to_owned(),
        submission_id: input.submission_id.trim().to_owned(),
        answers,
    };
    match paper::enter(&state, &user, &survey, &form).await? {
        Entered::Saved => Ok(HttpResponse::Created().json(serde_json::json!({ "submission_id": form.submission_id }))),
        Entered::Invalid { errors, .. } => Err(AppError::InvalidFields(errors)),
        Entered::LetterUsed { errors } => {
            let reason = errors.into_iter().next().map(|error| error.reason);
            Err(AppError::Conflict(reason.unwrap_or(Text::new("problem.paper.letter_used_unnamed"))))
        }
    }
}
