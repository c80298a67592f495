//! Pages: the views' templates rendered into HTML responses.

use std::ops::Deref;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;

use crate::error::AppError;
use crate::views::templates::Templates;
pub(crate) use crate::views::templates::{Context, context};

/// The compiled templates, able to answer a request with a whole page; derefs to [`Templates`] for parts.
pub struct Pages(pub Templates);

impl Pages {
    /// Renders `name` with `context` into an HTML response with `status`.
    pub fn page(&self, status: StatusCode, name: &str, context: Context) -> Result<HttpResponse, AppError> {
        let html = self.0.render(name, context)?;
        Ok(HttpResponse::build(status).content_type(ContentType::html()).body(html))
    }
}

impl Deref for Pages {
    type Target = Templates;

    fn deref(&self) -> &Templates {
        &self.0
    }
}
