//! The survey's results: `GET /api/v1/surveys/{id}/results`, and the results page for staff, where a plain form (GET)
//! chooses the municipality, breakdown, earlier wave and weights.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::app::{results, surveys};
use crate::domain::results::published::{Published, Question};
use crate::error::AppError;
use crate::http::extract::CurrentUser;
use crate::http::render::context;
use crate::http::state::AppState;
use crate::views::results::{EarlierSurvey, ResultsForm, ResultsView};
use crate::views::templates::UserView;

/// What the results are asked for.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// Only this municipality (by code).
    municipality: Option<String>,
    /// Break every municipality down by this item of the questionnaire (single choice or yes/no), e.g. `age_band`.
    by: Option<String>,
    /// Put an earlier survey (a wave before this one) beside the figures, by its id.
    compare: Option<String>,
    /// `population` (the default: weighted to the population margins where a municipality has them) or `none`.
    weights: Option<String>,
}

impl ResultsQuery {
    fn question(self) -> Result<Question, AppError> {
        let weighted = match self.weights.as_deref().map(str::trim) {
            None | Some("" | "population") => true,
            Some("none") => false,
            Some(_) => return Err(AppError::invalid("weights", "weights is population or none")),
        };
        let given =
            |value: Option<String>| value.map(|value| value.trim().to_owned()).filter(|value| !value.is_empty());
        Ok(Question {
            municipality: given(self.municipality),
            by: given(self.by),
            compare: given(self.compare),
            weighted,
        })
    }
}

/// The results of a survey: indices with 95 % intervals, shares, distributions, per municipality the caller may see
/// and their total; small groups hidden (`null` with `suppressed: true`).
#[utoipa::path(
    get, path = "/api/v1/surveys/{id}/results", tag = "results",
    params(("id" = String, Path, description = "The survey's id"), ResultsQuery),
    responses(
        (status = 200, body = Published),
        (status = 401, description = "Not signed in"),
        (status = 404, description = "No such survey, or not one of the caller's"),
        (status = 422, body = crate::http::errors::ErrorBody),
    )
)]
pub async fn api_results(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    query: web::Query<ResultsQuery>,
) -> Result<HttpResponse, AppError> {
    let question = query.into_inner().question()?;
    let published = results::results(&state, &user, &id, &question).await?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(published.as_ref()))
}

/// `GET /admin/surveys/{id}/results`
pub async fn page(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    query: web::Query<ResultsQuery>,
) -> Result<HttpResponse, AppError> {
    let question = query.into_inner().question()?;
    let published = results::results(&state, &user, &id, &question).await?;
    let loaded = surveys::load(&state, &user, &id).await?;
    let municipalities: Vec<(String, String)> = loaded
        .parts
        .iter()
        .filter(|(part, _)| user.permissions.may_view(&part.municipality_code))
        .map(|(part, name)| (part.municipality_code.clone(), name.clone()))
        .collect();
    let earlier = surveys::list(&state, &user)
        .await?
        .into_iter()
        .map(|survey| EarlierSurvey { id: survey.id, title: survey.title, opens_on: survey.opens_on })
        .collect();
    let form = ResultsForm::new(&published, &question, &municipalities, earlier);
    let view = ResultsView::new(&published, &question);
    state.templates.page(
        StatusCode::OK,
        "admin/results.html",
        context! {
            title => format!("Resultat: {}", published.title), user => UserView::from(&user.staff),
            csrf_token => user.csrf_token(), results => view, form,
        },
    )
}
