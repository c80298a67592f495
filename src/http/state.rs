//! What handlers share: the use cases' [`Context`] and what only HTTP needs (templates as pages, cookies, proxies).

use std::ops::Deref;

use crate::app::Context;
use crate::config::MetricsToken;
use crate::http::render::Pages;

/// Shared state every handler can read; it derefs to the use cases' [`Context`].
pub struct AppState {
    pub app: Context,
    pub templates: Pages,
    pub metrics_token: Option<MetricsToken>,
    /// Cookies get `Secure` when the public address is https.
    pub secure_cookies: bool,
    pub trust_forwarded_for: bool,
    /// Who runs the service and how residents reach them (for pages that know no survey).
    pub instance: crate::domain::sender::Instance,
}

impl Deref for AppState {
    type Target = Context;

    fn deref(&self) -> &Context {
        &self.app
    }
}
