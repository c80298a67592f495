//! Citizen promises: the page `/admin/municipalities/{code}/promises` with its forms, the API under
//! `/api/v1/municipalities/{code}/promises`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::app::promises::{self, PromiseInput, PromisesPage, TargetInput};
use crate::domain::promise::PromiseView;
use crate::error::{AppError, FieldError};
use crate::http::body::JsonObject;
use crate::http::extract::CurrentUser;
use crate::http::forms::ProtectedForm;
use crate::http::notice::{self, Notice};
use crate::http::render::context;
use crate::http::state::AppState;
use crate::views::promises::{PromiseFields, PromiseForm, rows};

// ---------------------------------------------------------------------------------------------------------------
// Pages

/// The form's fields as posted: the targets are checkboxes named `target` with values `item:<id>` or `area:<id>`.
#[derive(Debug, Default, Deserialize)]
pub struct PromiseFormInput {
    #[serde(default)]
    title: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    responsible: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    target: Vec<String>,
}

impl PromiseFormInput {
    fn input(&self) -> PromiseInput {
        let targets = self
            .target
            .iter()
            .map(|value| {
                let (kind, id) = value.split_once(':').unwrap_or(("", value));
                TargetInput { kind: kind.to_owned(), id: id.to_owned() }
            })
            .collect();
        PromiseInput {
            title: self.title.clone(),
            text: self.text.clone(),
            responsible: self.responsible.clone(),
            starts_on: self.starts_on.clone(),
            ends_on: self.ends_on.clone(),
            status: Some(self.status.clone()),
            targets,
        }
    }

    fn fields(self) -> PromiseFields {
        PromiseFields {
            title: self.title,
            text: self.text,
            responsible: self.responsible,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            status: self.status,
            targets: self.target,
        }
    }
}

/// `GET /admin/municipalities/{code}/promises`: the municipality's promises, and for those who may change them the
/// form for a new one.
pub async fn page(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let notice = notice::waiting(&request).map(|notice| notice.text(&user.lang));
    let page = promises::page(&state, &user, &code).await?;
    let page =
        render_list(&state, &user, StatusCode::OK, page, PromiseFields::default(), Vec::new(), notice.as_deref())
            .await?;
    notice::shown(&request, page, state.secure_cookies)
}

async fn render_list(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    page: PromisesPage,
    fields: PromiseFields,
    errors: Vec<FieldError>,
    notice: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let form = PromiseForm::new(fields, &page.areas, &user.lang);
    state.templates.page(
        status,
        "admin/promises.html",
        context! {
            user => user.view(),
            csrf_token => user.csrf_token(), municipality => context! { code => page.code, name => page.name },
            may_manage => page.may_manage, promises => rows(&page.promises, &page.areas), form, errors, notice,
            action => format!("/admin/municipalities/{}/promises", page.code), submit => "admin.promise_form.save_new",
            instrument_title => page.instrument_title,
        },
    )
}

/// `POST /admin/municipalities/{code}/promises`
pub async fn create_from_page(
    state: web::Data<AppState>,
    code: web::Path<String>,
    form: ProtectedForm<PromiseFormInput>,
) -> Result<HttpResponse, AppError> {
    let ProtectedForm { user, form } = form;
    match promises::create(&state, &user, &code, &form.input()).await {
        Ok(created) => {
            let location = format!("/admin/municipalities/{}/promises", created.municipality);
            notice::redirect(&location, Notice::PromiseCreated, state.secure_cookies)
        }
        Err(AppError::InvalidFields(errors)) => {
            let page = promises::page(&state, &user, &code).await?;
            render_list(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, page, form.fields(), errors, None).await
        }
        Err(error) => Err(error),
    }
}

/// `GET /admin/municipalities/{code}/promises/{id}`: one promise's form, to change or delete it.
pub async fn edit_page(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (code, id) = path.into_inner();
    let page = promises::page(&state, &user, &code).await?;
    let promise = promises::get(&state, &user, &code, &id).await?;
    if !page.may_manage {
        return Err(AppError::Forbidden);
    }
    render_edit(&state, &user, StatusCode::OK, page, &promise, PromiseFields::of(&promise), Vec::new())
}

fn render_edit(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    page: PromisesPage,
    promise: &PromiseView,
    fields: PromiseFields,
    errors: Vec<FieldError>,
) -> Result<HttpResponse, AppError> {
    let form = PromiseForm::new(fields, &page.areas, &user.lang);
    state.templates.page(
        status,
        "admin/promise.html",
        context! {
            promise_title => promise.title.clone(), user => user.view(),
            csrf_token => user.csrf_token(), municipality => context! { code => page.code, name => page.name },
            promise_id => promise.id, form, errors, submit => "admin.promise_form.save_changes",
            action => format!("/admin/municipalities/{}/promises/{}", page.code, promise.id),
            instrument_title => page.instrument_title,
        },
    )
}

/// `POST /admin/municipalities/{code}/promises/{id}`
pub async fn update_from_page(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: ProtectedForm<PromiseFormInput>,
) -> Result<HttpResponse, AppError> {
    let ProtectedForm { user, form } = form;
    let (code, id) = path.into_inner();
    match promises::update(&state, &user, &code, &id, &form.input()).await {
        Ok(changed) => {
            let location = format!("/admin/municipalities/{}/promises", changed.municipality);
            notice::redirect(&location, Notice::PromiseChanged, state.secure_cookies)
        }
        Err(AppError::InvalidFields(errors)) => {
            let page = promises::page(&state, &user, &code).await?;
            let promise = promises::get(&state, &user, &code, &id).await?;
            render_edit(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, page, &promise, form.fields(), errors)
        }
        Err(error) => Err(error),
    }
}

/// `POST /admin/municipalities/{code}/promises/{id}/delete`
pub async fn delete_from_page(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: ProtectedForm<crate::http::sign_in::EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let (code, id) = path.into_inner();
    promises::delete(&state, &form.user, &code, &id).await?;
    let location = format!("/admin/municipalities/{}/promises", code.trim());
    notice::redirect(&location, Notice::PromiseDeleted, state.secure_cookies)
}

// ---------------------------------------------------------------------------------------------------------------
// API

/// A municipality's citizen promises, the latest start first (staff who may see the municipality).
#[utoipa::path(get, path = "/api/v1/municipalities/{code}/promises", tag = "promises",
    params(("code" = String, Path, description = "Municipality code")),
    responses((status = 200, body = [PromiseView]), (status = 401, body = crate::http::errors::ErrorBody),
        (status = 403, body = crate::http::errors::ErrorBody), (status = 404, body = crate::http::errors::ErrorBody)))]
pub async fn api_list(
    state: web::Data<AppState>,
    user: CurrentUser,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(promises::list(&state, &user, &code).await?))
}

/// Record a citizen promise (admins, and coordinators of the municipality); audit-logged. 422 names each problem's
/// field: `title`, `text`, `responsible`, `starts_on`, `ends_on`, `status` or `targets`.
#[utoipa::path(post, path = "/api/v1/municipalities/{code}/promises", tag = "promises",
    params(("code" = String, Path, description = "Municipality code")), request_body = PromiseInput,
    responses((status = 201, body = PromiseView), (status = 401, body = crate::http::errors::ErrorBody),
        (status = 403, body = crate::http::errors::ErrorBody), (status = 404, body = crate::http::errors::ErrorBody),
        (status = 422, body = crate::http::errors::ErrorBody)))]
pub async fn api_create(
    state: web::Data<AppState>,
    user: CurrentUser,
    code: web::Path<String>,
    input: JsonObject<PromiseInput>,
) -> Result<HttpResponse, AppError> {
    let created = promises::create(&state, &user, &code, &input).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/municipalities/{}/promises/{}", created.municipality, created.id),
        ))
        .json(created))
}

/// One citizen promise of a municipality.
#[utoipa::path(get, path = "/api/v1/municipalities/{code}/promises/{id}", tag = "promises",
    params(("code" = String, Path, description = "Municipality code"), ("id" = String, Path)),
    responses((status = 200, body = PromiseView), (status = 401, body = crate::http::errors::ErrorBody),
        (status = 403, body = crate::http::errors::ErrorBody), (status = 404, body = crate::http::errors::ErrorBody)))]
pub async fn api_show(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (code, id) = path.into_inner();
    Ok(HttpResponse::Ok().json(promises::get(&state, &user, &code, &id).await?))
}

/// Replace a citizen promise (every field, as when recording it); audit-logged.
#[utoipa::path(put, path = "/api/v1/municipalities/{code}/promises/{id}", tag = "promises",
    params(("code" = String, Path, description = "Municipality code"), ("id" = String, Path)),
    request_body = PromiseInput,
    responses((status = 200, body = PromiseView), (status = 401, body = crate::http::errors::ErrorBody),
        (status = 403, body = crate::http::errors::ErrorBody), (status = 404, body = crate::http::errors::ErrorBody),
        (status = 422, body = crate::http::errors::ErrorBody)))]
pub async fn api_update(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    input: JsonObject<PromiseInput>,
) -> Result<HttpResponse, AppError> {
    let (code, id) = path.into_inner();
    Ok(HttpResponse::Ok().json(promises::update(&state, &user, &code, &id, &input).await?))
}

/// Delete a citizen promise; audit-logged.
#[utoipa::path(delete, path = "/api/v1/municipalities/{code}/promises/{id}", tag = "promises",
    params(("code" = String, Path, description = "Municipality code"), ("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 401, body = crate::http::errors::ErrorBody),
        (status = 403, body = crate::http::errors::ErrorBody), (status = 404, body = crate::http::errors::ErrorBody)))]
pub async fn api_delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (code, id) = path.into_inner();
    promises::delete(&state, &user, &code, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
