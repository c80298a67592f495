//! The audit log, for administrators: `/admin/audit` and `/api/v1/audit`.

use crate::http::render::context;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::app::audit::{self, PAGE_SIZE};
use crate::error::AppError;
use crate::http::extract::CurrentUser;
use crate::http::state::AppState;
use crate::views::templates::UserView;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 100000)]
    page: Option<i64>,
}

impl PageQuery {
    fn number(&self) -> Result<i64, AppError> {
        let page = self.page.unwrap_or(1);
        if !(1..=100_000).contains(&page) {
            return Err(AppError::invalid("page", "page must be a whole number from 1"));
        }
        Ok(page)
    }
}

/// `GET /admin/audit`
pub async fn page(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let page = query.number()?;
    let events = audit::page(&state, &user, page).await?;
    let more = events.len() as i64 == PAGE_SIZE;
    state.templates.page(
        StatusCode::OK,
        "admin/audit.html",
        context! { title => "Logg", user => UserView::from(&user.staff), csrf_token => user.csrf_token(), events, page,
        previous => (page > 1).then_some(page - 1), next => more.then_some(page + 1) },
    )
}

/// Read the audit log, newest first, 100 events a page.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(PageQuery),
    responses((status = 200, body = [crate::app::audit::AuditEvent]), (status = 403, body = crate::http::errors::ErrorBody)))]
pub async fn api_list(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let events = audit::page(&state, &user, query.number()?).await?;
    Ok(HttpResponse::Ok().json(events))
}
