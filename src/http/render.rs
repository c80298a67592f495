//! Server-rendered pages: minijinja templates compiled into the binary (no files to deploy, no build step).

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use minijinja::Environment;
use minijinja::value::Serde;
use serde::Serialize;

use crate::auth::CurrentUser;
use crate::error::AppError;

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../frontend/templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = templates![
    "base.html",
    "form_errors.html",
    "error.html",
    "home.html",
    "sign_in.html",
    "setup.html",
    "admin/home.html",
    "admin/users.html",
    "admin/user.html",
    "admin/account.html",
    "admin/secret_shown_once.html",
    "admin/audit.html",
    "admin/survey_new.html",
    "admin/survey_edit.html",
    "admin/survey.html",
    "admin/paper.html",
    "question.html",
];

/// The stylesheet, served at `/static/trygghet.css`.
pub const STYLESHEET: &str = include_str!("../../frontend/static/trygghet.css");

/// Builds a template context like minijinja's `context!` (`key => value`, or `key` for a variable of that name), but
/// from anything serde can serialize.
macro_rules! context {
    ($($key:ident $(=> $value:expr)?),* $(,)?) => {{
        #[allow(unused_mut)]
        let mut map = serde_json::Map::new();
        $(map.insert(
            stringify!($key).to_owned(),
            serde_json::to_value(&$crate::http::render::context!(@value $key $(, $value)?)).unwrap_or_default(),
        );)*
        serde_json::Value::Object(map)
    }};
    (@value $key:ident) => { $key };
    (@value $key:ident, $value:expr) => { $value };
}
pub(crate) use context;

/// The compiled templates.
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub fn new() -> Result<Self, minijinja::Error> {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)?;
        }
        Ok(Self { env })
    }

    /// Renders `name` with `context` into an HTML response with `status`.
    pub fn page(&self, status: StatusCode, name: &str, context: impl Serialize) -> Result<HttpResponse, AppError> {
        let html = self
            .env
            .get_template(name)
            .and_then(|template| template.render(Serde(&context)))
            .map_err(|error| AppError::Internal(Box::new(error)))?;
        Ok(HttpResponse::build(status).content_type(ContentType::html()).body(html))
    }
}

/// What the layout shows of the signed-in user.
#[derive(Serialize)]
pub struct UserView {
    pub email: String,
    pub role_label: &'static str,
    pub is_admin: bool,
}

impl From<&CurrentUser> for UserView {
    fn from(user: &CurrentUser) -> Self {
        Self { email: user.email.clone(), role_label: user.role().label(), is_admin: user.permissions.is_admin() }
    }
}
