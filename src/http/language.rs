//! The resident's language on this request: chosen from the query string, their saved draft, a cookie or the
//! browser's `Accept-Language` (see `crate::i18n` for the texts themselves), and kept in a cookie.

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, web};

use crate::http::state::AppState;
use crate::i18n;

/// The cookie that remembers a resident's language on this device (nothing else).
pub const LANGUAGE_COOKIE: &str = "trygghet_lang";

/// The language to show, out of `offered` (the first one is the default): the one asked for in the query string,
/// then the saved one, then the cookie's, then the best match of `Accept-Language`.
pub fn choose(request: &HttpRequest, saved: Option<&str>, offered: &[String]) -> String {
    let offers = |lang: &str| offered.iter().any(|offer| offer == lang);
    let asked = query_language(request);
    let cookie = request.cookie(LANGUAGE_COOKIE).map(|cookie| cookie.value().to_owned());
    for candidate in [asked.as_deref(), saved, cookie.as_deref()].into_iter().flatten() {
        if offers(candidate) {
            return candidate.to_owned();
        }
    }
    let header = request.headers().get("accept-language").and_then(|value| value.to_str().ok()).unwrap_or("");
    // Preferences in order of quality; `en-GB` asks for English as much as `en` does.
    accept_language::parse(header)
        .into_iter()
        .map(|tag| tag.split('-').next().unwrap_or_default().to_ascii_lowercase())
        .find(|primary| offers(primary))
        .or_else(|| offered.first().cloned())
        .unwrap_or_else(|| i18n::DEFAULT.to_owned())
}

/// The language named by `?lang=` in the request, if any.
pub fn query_language(request: &HttpRequest) -> Option<String> {
    url::form_urlencoded::parse(request.query_string().as_bytes())
        .find(|(name, _)| name == "lang")
        .map(|(_, value)| value.into_owned())
}

/// The cookie that keeps `lang` for the next visit.
pub fn cookie(lang: &str, secure: bool) -> Cookie<'static> {
    Cookie::build(LANGUAGE_COOKIE, lang.to_owned())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(actix_web::cookie::time::Duration::days(365))
        .finish()
}

/// On the staff's pages: a link with `?lang=<code>` (the header's language switch) keeps that language in the
/// cookie, for every page that follows. It only remembers a choice, so a plain link needs no CSRF token.
pub async fn remember(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let asked = query_language(request.request()).filter(|lang| i18n::staff_languages().contains(lang));
    let secure = request.app_data::<web::Data<AppState>>().is_none_or(|state| state.secure_cookies);
    let mut response = next.call(request).await?;
    if let Some(lang) = asked {
        response.response_mut().add_cookie(&cookie(&lang, secure))?;
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_follows_the_switch_then_the_draft_then_the_cookie_then_the_browser() {
        use actix_web::test::TestRequest;
        let offered = vec!["sv".to_owned(), "en".to_owned()];
        let browser_english = || TestRequest::default().insert_header(("accept-language", "en-GB,en;q=0.9"));
        assert_eq!(choose(&browser_english().to_http_request(), None, &offered), "en");
        assert_eq!(choose(&TestRequest::default().to_http_request(), None, &offered), "sv");
        let german = TestRequest::default().insert_header(("accept-language", "de-DE")).to_http_request();
        assert_eq!(choose(&german, None, &offered), "sv", "no match: the default");
        assert_eq!(choose(&browser_english().to_http_request(), Some("sv"), &offered), "sv");
        let with_cookie = browser_english().cookie(Cookie::new(LANGUAGE_COOKIE, "sv")).to_http_request();
        assert_eq!(choose(&with_cookie, None, &offered), "sv");
        let switched = TestRequest::with_uri("/svara?lang=en").to_http_request();
        assert_eq!(choose(&switched, Some("sv"), &offered), "en");
        let unknown = TestRequest::with_uri("/svara?lang=xx").to_http_request();
        assert_eq!(choose(&unknown, None, &offered), "sv");
    }
}
