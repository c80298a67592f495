//! Open data: `GET /api/v1/surveys/{id}/responses.csv` (administrators; streamed) and
//! `GET /api/v1/surveys/{id}/datapackage.json` (the codebook that describes it).

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::app::open_data::{Download, package, responses_csv};
use crate::domain::open_data::Dialect;
use crate::error::{AppError, Text};
use crate::http::extract::CurrentUser;
use crate::http::state::AppState;

/// How the file is written.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DownloadQuery {
    /// `excel` (the default: `;`, UTF-8 with a byte-order mark, for Swedish Excel) or `rfc4180` (`,`, no mark).
    #[param(pattern = "^(excel|rfc4180)?$")]
    format: Option<String>,
    /// `1`: free-text answers included; `0` (the default) not.
    #[param(pattern = "^[01]?$")]
    free_text: Option<String>,
}

impl DownloadQuery {
    fn download(self) -> Result<Download, AppError> {
        let dialect = match self.format.as_deref() {
            None | Some("" | "excel") => Dialect::Excel,
            Some("rfc4180") => Dialect::Rfc4180,
            Some(_) => return Err(AppError::invalid("format", Text::new("problem.request.format"))),
        };
        let free_text = match self.free_text.as_deref() {
            None | Some("" | "0") => false,
            Some("1") => true,
            Some(_) => return Err(AppError::invalid("free_text", Text::new("problem.request.free_text"))),
        };
        Ok(Download { dialect, free_text })
    }
}

/// The survey's anonymised answers: one row per counted (complete or partial) response, with the municipality's
/// code, the mode, the day and every item as its answer code (a multiple-choice item as one 0/1 column per option).
/// Administrators only; every download is in the audit log. Streamed as it is read: a download cut short by an error
/// ends early.
#[utoipa::path(
    get, path = "/api/v1/surveys/{id}/responses.csv", tag = "open data",
    params(("id" = String, Path, description = "The survey's id"), DownloadQuery),
    responses(
        (status = 200, description = "The answers as CSV", content_type = "text/csv",
            headers(("Content-Disposition" = String, description = "attachment; filename=\"svar-ID.csv\""))),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such survey"),
        (status = 422, body = crate::http::errors::ErrorBody),
    )
)]
pub async fn responses(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    query: web::Query<DownloadQuery>,
) -> Result<HttpResponse, AppError> {
    let download = query.into_inner().download()?;
    let (file_name, parts) = responses_csv(&state, &user, &id, download).await?;
    let body =
        futures_util::StreamExt::map(tokio_stream::wrappers::ReceiverStream::new(parts), |part| part.map(Bytes::from));
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8; header=present")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body))
}

/// A Frictionless Data Package describing `responses.csv` with the same query: every column's name, type, question
/// (Swedish and English) and allowed codes with their labels, so that R, Python or SPSS load the file labelled.
#[utoipa::path(
    get, path = "/api/v1/surveys/{id}/datapackage.json", tag = "open data",
    params(("id" = String, Path, description = "The survey's id"), DownloadQuery),
    responses(
        (status = 200, description = "The data package (https://datapackage.org)", content_type = "application/json"),
        (status = 401, description = "Not signed in"),
        (status = 404, description = "No such survey, or not one of the caller's"),
        (status = 422, body = crate::http::errors::ErrorBody),
    )
)]
pub async fn data_package(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    query: web::Query<DownloadQuery>,
) -> Result<HttpResponse, AppError> {
    let download = query.into_inner().download()?;
    let package = package(&state, &user, &id, download).await?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(package))
}
