//! The free-text comments page: `/admin/surveys/{id}/comments?municipality=CODE`, where a municipality's coordinators
//! mask passages and approve comments, and viewers read the approved ones.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::app::comments::{self, Review};
use crate::app::surveys;
use crate::error::{AppError, Text};
use crate::http::extract::CurrentUser;
use crate::http::forms::ProtectedForm;
use crate::http::render::context;
use crate::http::state::AppState;
use crate::http::surveys::see_other;

#[derive(Debug, Default, Deserialize)]
pub struct CommentsQuery {
    municipality: Option<String>,
}

/// A refused passage, shown next to its comment with what was typed.
struct Refused {
    response_id: String,
    item_id: String,
    passage: String,
    reason: String,
}

/// `GET /admin/surveys/{id}/comments`
pub async fn page(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    query: web::Query<CommentsQuery>,
) -> Result<HttpResponse, AppError> {
    render(&state, &user, &id, query.into_inner().municipality, StatusCode::OK, None).await
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    municipality: Option<String>,
    status: StatusCode,
    refused: Option<Refused>,
) -> Result<HttpResponse, AppError> {
    let loaded = surveys::load(state, user, id).await?;
    let visible: Vec<(String, String)> = loaded
        .parts
        .iter()
        .filter(|(part, _)| user.permissions.may_view(&part.municipality_code))
        .map(|(part, name)| (part.municipality_code.clone(), name.clone()))
        .collect();
    let chosen = municipality.or_else(|| visible.first().map(|(code, _)| code.clone())).ok_or(AppError::NotFound)?;
    let listed = comments::list(state, user, id, &chosen).await?;
    let refused = refused.map(|refused| {
        context! { response_id => refused.response_id, item_id => refused.item_id, passage => refused.passage,
        reason => refused.reason }
    });
    state.templates.page(
        status,
        "admin/comments.html",
        context! { user => user.view(),
        csrf_token => user.csrf_token(), survey_id => loaded.survey.id, survey_title => loaded.survey.title,
        municipalities => visible, municipality => listed.municipality_code,
        municipality_name => listed.municipality_name, reviews => listed.reviews,
        comments => listed.comments, refused },
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReviewForm {
    action: String,
    passage: String,
    municipality: String,
}

/// `POST /admin/surveys/{id}/comments/{response}/{item}`: mask a passage, approve, or take the review back.
pub async fn review(
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    form: ProtectedForm<ReviewForm>,
) -> Result<HttpResponse, AppError> {
    let (id, response, item) = path.into_inner();
    let ProtectedForm { user, form } = form;
    let review = match form.action.as_str() {
        "mask" => Review::Mask(form.passage.clone()),
        "approve" => Review::Approve,
        "reset" => Review::Reset,
        _ => return Err(AppError::invalid("action", Text::new("problem.request.action"))),
    };
    let back = format!("/admin/surveys/{id}/comments?municipality={}#c-{response}", form.municipality);
    match comments::review(&state, &user, &id, &response, &item, review).await {
        Ok(()) => Ok(see_other(&back)),
        Err(AppError::Invalid { reason, .. }) => {
            let reason = user.say(&reason);
            let refused = Refused { response_id: response, item_id: item, passage: form.passage, reason };
            let municipality = Some(form.municipality).filter(|code| !code.is_empty());
            render(&state, &user, &id, municipality, StatusCode::UNPROCESSABLE_ENTITY, Some(refused)).await
        }
        Err(error) => Err(error),
    }
}
