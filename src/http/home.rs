//! The front page, the stylesheet, and the staff start page.

use crate::http::render::context;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::error::AppError;
use crate::http::render::STYLESHEET;
use crate::startup::AppState;

/// `GET /`: what this service is, in Swedish (the residents' language by default).
pub async fn page(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    state.templates.page(StatusCode::OK, "home.html", context! { title => "Trygghetsmätning" })
}

/// `GET /static/trygghet.css`
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/css; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(STYLESHEET)
}
