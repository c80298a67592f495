//! HTTP: the one route table, and a file per resource with thin handlers.

mod health;
mod home;
mod municipalities;

use actix_web::{HttpResponse, ResponseError, web};

use crate::error::AppError;

/// Every route of the service.
pub fn routes(cfg: &mut web::ServiceConfig) {
    // Malformed paths and query strings get the same JSON error shape as every other invalid input.
    cfg.app_data(web::QueryConfig::default().error_handler(|error, _| AppError::invalid("query", error).into()))
        .app_data(web::PathConfig::default().error_handler(|error, _| AppError::invalid("path", error).into()))
        .app_data(web::JsonConfig::default().error_handler(|error, _| AppError::invalid("body", error).into()))
        .route("/", web::get().to(home::page))
        .route("/healthz", web::get().to(health::alive))
        .route("/readyz", web::get().to(health::ready))
        .route("/metrics", web::get().to(health::metrics))
        .service(
            web::scope("/api/v1")
                .route("/municipalities", web::get().to(municipalities::list))
                .route("/municipalities/{code}", web::get().to(municipalities::show)),
        )
        .default_service(web::to(not_found));
}

async fn not_found() -> HttpResponse {
    AppError::NotFound.error_response()
}
