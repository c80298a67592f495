//! `GET /api/v1/surveys/{id}/results.xlsx` and its page twin: the results workbook.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::app::workbook::contents;
use crate::error::{AppError, Text};
use crate::http::extract::CurrentUser;
use crate::http::results::ResultsQuery;
use crate::http::state::AppState;
use crate::views::workbook::{Contents, workbook};

/// The workbook's language.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LangQuery {
    /// `sv` (the default) or `en`: the workbook's sheet names, headers and method; the questions in the
    /// questionnaire's English where it has one.
    #[param(pattern = "^(sv|en)?$")]
    lang: Option<String>,
}

/// The survey's results as an Excel workbook: `Sammanfattning` (every municipality side by side), one sheet per
/// municipality, `Svarsfrekvens` (the AAPOR table) and `Metod`. The same figures as `GET …/results` with the same
/// query, through the same small-group protection (a hidden figure is "–" with a footnote); numbers unrounded.
#[utoipa::path(
    get, path = "/api/v1/surveys/{id}/results.xlsx", tag = "results",
    params(("id" = String, Path, description = "The survey's id"), ResultsQuery, LangQuery),
    responses(
        (status = 200, description = "The workbook",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers(("Content-Disposition" = String, description = "attachment; filename=\"resultat-TITLE.xlsx\""))),
        (status = 401, description = "Not signed in"),
        (status = 404, description = "No such survey, or not one of the caller's"),
        (status = 422, body = crate::http::errors::ErrorBody),
    )
)]
pub async fn download(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    query: web::Query<ResultsQuery>,
    lang: web::Query<LangQuery>,
) -> Result<HttpResponse, AppError> {
    let question = query.into_inner().question()?;
    let lang = match lang.into_inner().lang.as_deref() {
        None | Some("" | "sv") => "sv",
        Some("en") => "en",
        Some(_) => return Err(AppError::invalid("lang", Text::new("problem.request.lang"))),
    };
    let made = contents(&state, &user, &id, &question, lang).await?;
    let file_name = made.file_name.clone();
    // Written off the request threads: compressing a workbook of many municipalities takes a moment.
    let bytes = web::block(move || {
        workbook(&Contents { round: &made.round, published: &made.published, rates: &made.rates, lang })
    })
    .await
    .map_err(|error| AppError::Internal(Box::new(error)))?
    .map_err(|error| AppError::Internal(Box::new(error)))?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes))
}
