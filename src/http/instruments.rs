//! Questionnaires (instruments) in the API: list them, import one (administrators), export one as a JSON file.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::app::audit::Actor;
use crate::app::instruments::{self, InstrumentSummary, MAX_DOCUMENT_BYTES};
use crate::error::{AppError, Text};
use crate::http::extract::CurrentUser;
use crate::http::state::AppState;

/// Every questionnaire the service knows, the built-in one first.
#[utoipa::path(get, path = "/api/v1/instruments", tag = "instruments",
    responses((status = 200, body = [InstrumentSummary]), (status = 401, body = crate::http::errors::ErrorBody)))]
pub async fn api_list(state: web::Data<AppState>, _user: CurrentUser) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(instruments::list(&state).await?))
}

/// Import a questionnaire (administrators): the body is the instrument's JSON document, or its Excel workbook (with
/// `Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`, as
/// `GET /api/v1/instruments/{key}/{version}/workbook` gives it), at most 1 MiB. It is validated completely; an error
/// names the exact place (`sections[2].items[4].scale: unknown scale "x"`, in a workbook its cell:
/// `items!D14: unknown scale "x"`). A stored
/// version never changes: the same key and version again is accepted when the content is the same (200) and refused
/// when it differs (409; give the changed form a new version).
#[utoipa::path(post, path = "/api/v1/instruments", tag = "instruments",
    request_body(content = Object, content_type = "application/json",
        description = "The instrument document, as `GET /api/v1/instruments/{key}/{version}` gives it"),
    responses((status = 201, description = "Imported", body = InstrumentSummary),
        (status = 200, description = "The same key, version and content were imported before", body = InstrumentSummary),
        (status = 403, body = crate::http::errors::ErrorBody), (status = 409, body = crate::http::errors::ErrorBody),
        (status = 422, description = "Invalid, or larger than 1 MiB; `message` names the place", body = crate::http::errors::ErrorBody)))]
pub async fn api_import(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    user.require_admin()?;
    let too_large = || AppError::invalid("instrument", Text::new("problem.instrument.too_large"));
    let bytes = body.to_bytes_limited(MAX_DOCUMENT_BYTES).await.map_err(|_| too_large())?.map_err(|error| {
        AppError::invalid("instrument", Text::new("problem.instrument.upload_broke").with("detail", error))
    })?;
    let actor = Actor::of(&user);
    let is_workbook =
        request.headers().get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).is_some_and(|value| {
            value.split(';').next().is_some_and(|kind| kind.trim().eq_ignore_ascii_case(instruments::WORKBOOK_TYPE))
        });
    if is_workbook {
        return imported(instruments::import_workbook(&state, actor, bytes.to_vec()).await?);
    }
    let text = String::from_utf8(bytes.to_vec())
        .map_err(|_| AppError::invalid("instrument", Text::new("problem.instrument.not_utf8")))?;
    // Editors on Windows may save JSON with a byte-order mark, which is no part of the document.
    let text = text.strip_prefix('\u{feff}').map(str::to_owned).unwrap_or(text);
    imported(instruments::import(&state, actor, text).await?)
}

/// 201 with where to find it for a new instrument, 200 for one imported before with the same content.
fn imported(imported: instruments::Imported) -> Result<HttpResponse, AppError> {
    if imported.created {
        Ok(HttpResponse::Created()
            .insert_header((header::LOCATION, imported.summary.export_path.clone()))
            .json(imported.summary))
    } else {
        Ok(HttpResponse::Ok().json(imported.summary))
    }
}

/// One questionnaire as a JSON file, ready to edit and import again under a new version.
#[utoipa::path(get, path = "/api/v1/instruments/{key}/{version}", tag = "instruments",
    params(("key" = String, Path), ("version" = String, Path, description = "Percent-encoded where needed")),
    responses((status = 200, content_type = "application/json", body = Object,
            headers(("Content-Disposition" = String, description = "attachment; filename=\"KEY-VERSION.json\""))),
        (status = 404, body = crate::http::errors::ErrorBody)))]
pub async fn api_export(
    state: web::Data<AppState>,
    _user: CurrentUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (key, version) = path.into_inner();
    let instrument = instruments::get(&state, &key, &version).await?;
    let mut document = instrument.to_json_pretty().map_err(|error| AppError::Internal(Box::new(error)))?;
    document.push('\n');
    Ok(download("application/json", &instruments::file_name(&key, &version), document))
}

/// A file to save: its type, its name and its content.
fn download(
    content_type: &'static str,
    file_name: &str,
    body: impl actix_web::body::MessageBody + 'static,
) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")))
        .body(body)
}

/// One questionnaire as an Excel workbook laid out like an XLSForm (sheets `settings`, `items` and `choices`, a column
/// per language), to edit in Excel and import again under a new version.
#[utoipa::path(get, path = "/api/v1/instruments/{key}/{version}/workbook", tag = "instruments",
    params(("key" = String, Path), ("version" = String, Path, description = "Percent-encoded where needed")),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers(("Content-Disposition" = String, description = "attachment; filename=\"KEY-VERSION.xlsx\""))),
        (status = 404, body = crate::http::errors::ErrorBody), (status = 409, body = crate::http::errors::ErrorBody)))]
pub async fn api_workbook(
    state: web::Data<AppState>,
    _user: CurrentUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (key, version) = path.into_inner();
    let workbook = instruments::workbook(&state, &key, &version).await?;
    Ok(download(instruments::WORKBOOK_TYPE, &instruments::file_name_with(&key, &version, "xlsx"), workbook))
}
