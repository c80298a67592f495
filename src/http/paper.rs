//! Keying in paper questionnaires (`/admin/surveys/{id}/paper`): the form, and what became of the last one.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use crate::app::paper::{self, Entered, PaperForm, PaperSurvey};
use crate::domain::instrument::AnswerError;
use crate::error::{AppError, FieldError};
use crate::http::extract::CurrentUser;
use crate::http::forms::ProtectedForm;
use crate::http::render::context;
use crate::http::state::AppState;
use crate::views::questionnaire::{self, raw_answers};
use crate::views::templates::UserView;

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
    let sections = questionnaire::sections(&survey.instrument, "sv", &form.answers, shown.answer_errors);
    let loaded = &survey.loaded;
    state.templates.page(
        status,
        "admin/paper.html",
        context! {
            title => "Mata in en pappersenkät", user => UserView::from(&user.staff), csrf_token => user.csrf_token(),
            survey => context! { id => loaded.survey.id, title => loaded.survey.title },
            municipalities => survey.municipalities, municipality => form.municipality,
            letter_number => form.letter_number, submission_id => form.submission_id, sections,
            errors => shown.errors, notice => shown.notice,
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
            let notice = Some("Blanketten är sparad. Här är en tom blankett för nästa.");
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
