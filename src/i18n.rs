//! Languages of the pages residents see. Swedish is the default; a resident's language comes from a visible switch,
//! their saved draft, a cookie, or the browser's `Accept-Language`, in that order.
//!
//! Two kinds of text are translated apart: the questionnaire's own texts live in the instrument (its `languages`),
//! the texts around it (buttons, progress, messages) in `locales/<language>.yml`, compiled in with `rust-i18n`. A
//! new language, say Arabic, is therefore two data files: the instrument with `ar` texts and `locales/ar.yml`.
//! Right-to-left scripts get `dir="rtl"` from [`direction`]; the stylesheet uses logical properties only, so the
//! layout mirrors by itself.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};

/// The cookie that remembers a resident's language on this device (nothing else).
pub const LANGUAGE_COOKIE: &str = "trygghet_lang";

/// The default language.
pub const DEFAULT: &str = "sv";

/// Languages written right to left (Arabic, Farsi, Dari, Pashto, Urdu, Hebrew, Sorani, Dhivehi, Yiddish).
const RIGHT_TO_LEFT: [&str; 9] = ["ar", "fa", "prs", "ps", "ur", "he", "ckb", "dv", "yi"];

/// The pages' own texts exist in these languages.
pub fn page_languages() -> Vec<String> {
    let mut languages: Vec<String> = rust_i18n::available_locales!().into_iter().map(str::to_owned).collect();
    languages.sort_by_key(|lang| (lang != DEFAULT, lang.clone()));
    languages
}

/// `ltr` or `rtl`.
pub fn direction(lang: &str) -> &'static str {
    if RIGHT_TO_LEFT.contains(&lang) { "rtl" } else { "ltr" }
}

/// One text of the pages in `lang` (Swedish where it has no translation).
pub fn text(lang: &str, key: &str) -> String {
    rust_i18n::t!(key, locale = lang).into_owned()
}

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
        .unwrap_or_else(|| DEFAULT.to_owned())
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

/// The languages both the pages and an instrument have, the instrument's default first.
pub fn common(instrument_languages: &[String]) -> Vec<String> {
    let pages = page_languages();
    let common: Vec<String> = instrument_languages.iter().filter(|lang| pages.contains(lang)).cloned().collect();
    if common.is_empty() { vec![DEFAULT.to_owned()] } else { common }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(file: &str) -> BTreeSet<String> {
        let text = std::fs::read_to_string(format!("{}/locales/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let value: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        value.as_mapping().unwrap().keys().map(|key| key.as_str().unwrap().to_owned()).collect()
    }

    #[test]
    fn every_language_has_every_text() {
        let swedish = keys("sv.yml");
        let files: Vec<String> =
            page_languages().into_iter().filter(|lang| lang != DEFAULT).map(|l| l + ".yml").collect();
        assert!(!files.is_empty());
        for file in &files {
            let other = keys(file);
            let missing: Vec<_> = swedish.difference(&other).collect();
            let extra: Vec<_> = other.difference(&swedish).collect();
            assert!(missing.is_empty() && extra.is_empty(), "{file}: missing {missing:?}, unknown {extra:?}");
        }
    }

    #[test]
    fn texts_come_in_the_asked_language_with_swedish_as_fallback() {
        assert_eq!(text("sv", "next"), "Nästa");
        assert_eq!(text("en", "next"), "Next");
        assert_eq!(text("fi", "next"), "Nästa");
    }

    #[test]
    fn swedish_comes_first_and_right_to_left_scripts_are_known() {
        assert_eq!(page_languages().first().map(String::as_str), Some("sv"));
        assert_eq!(direction("ar"), "rtl");
        assert_eq!(direction("fa"), "rtl");
        assert_eq!(direction("sv"), "ltr");
    }

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
