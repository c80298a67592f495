//! The front page: what this service is, in Swedish (the residents' language by default).

use actix_web::HttpResponse;
use actix_web::http::header::ContentType;

const HOME: &str = include_str!("../../frontend/templates/home.html");

/// `GET /`
pub async fn page() -> HttpResponse {
    HttpResponse::Ok().content_type(ContentType::html()).body(HOME)
}
