//! Headers every response carries so that browsers refuse what the service never does: run inline or foreign
//! scripts and styles, be framed by another site (a one-button staff form would otherwise be clickjackable), guess
//! content types, or send the address of a page (which for residents holds their code) to another site.
//!
//! Pages that show a secret (a resident's code in the address or on the page, a new API token, a file of codes)
//! are also kept out of every cache.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;

use crate::http::state::AppState;

/// Only the service's own files; no inline script or style, no plugins, never inside a frame.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// A year, as usual for HSTS; sent only when the public address is https.
const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

/// Adds the security headers to every response (pages, API, static files, errors).
pub async fn add(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let https = request.app_data::<web::Data<AppState>>().is_some_and(|state| state.secure_cookies);
    let secret = shows_secret(request.path());
    let mut response = next.call(request).await?;
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if https {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(STRICT_TRANSPORT_SECURITY));
    }
    if secret {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(HeaderName::from_static("pragma"), HeaderValue::from_static("no-cache"));
    }
    Ok(response)
}

/// Whether the page at `path` shows a secret: the residents' pages (their code is in the address and on the page),
/// the set-up link, one's account (a new API token is shown there once), and the files of codes for letters.
fn shows_secret(path: &str) -> bool {
    path == "/svara"
        || path.starts_with("/svara/")
        || path.starts_with("/oppen/")
        || path.starts_with("/setup/")
        || path.starts_with("/admin/account")
        || path.starts_with("/api/v1/tokens")
        || (path.starts_with("/admin/surveys/") && path.ends_with("/codes"))
        || (path.starts_with("/api/v1/surveys/") && path.ends_with("/invitations"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_nothing_inline_and_no_framing() {
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe"));
        assert!(CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"));
    }

    #[test]
    fn codes_and_new_tokens_are_kept_out_of_caches() {
        for path in [
            "/svara/ABCD-EFGH/del/1",
            "/oppen/3f2a",
            "/admin/account/tokens",
            "/api/v1/tokens",
            "/admin/surveys/1/municipalities/1783/codes",
            "/api/v1/surveys/1/municipalities/1783/invitations",
        ] {
            assert!(shows_secret(path), "{path}");
        }
        for path in ["/", "/static/trygghet.css", "/admin/surveys/1", "/resultat/1"] {
            assert!(!shows_secret(path), "{path}");
        }
    }
}
