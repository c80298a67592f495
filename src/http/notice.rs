//! A notice shown once after a form ("Enkäten är nu öppen.", in the page's language): the redirect after the form sets a short-lived cookie
//! naming the notice, and the page it leads to shows it and removes the cookie, so that a reload, the back button or
//! a bookmark shows the page as it is, without announcing again what happened minutes ago.
//!
//! The cookie carries a code from a fixed list, never text: a forged cookie can at most show another of these
//! sentences, so it needs no signature.

use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use crate::error::AppError;
use crate::http::cookies;

/// The cookie's name.
const COOKIE: &str = "trygghet_notice";

/// How long a notice waits for its page: the redirect is followed at once, so a minute is plenty.
const LIFETIME_SECS: i64 = 60;

/// What a staff form just did, for the page that follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    SurveyOpen,
    SurveyClosed,
    Published,
    PublicationWithdrawn,
    PromiseCreated,
    PromiseChanged,
    PromiseDeleted,
}

/// Each notice's code, which is also its sentence's key under `notice.` in `locales/`.
const NOTICES: [(Notice, &str); 7] = [
    (Notice::SurveyOpen, "survey_open"),
    (Notice::SurveyClosed, "survey_closed"),
    (Notice::Published, "published"),
    (Notice::PublicationWithdrawn, "publication_withdrawn"),
    (Notice::PromiseCreated, "promise_created"),
    (Notice::PromiseChanged, "promise_changed"),
    (Notice::PromiseDeleted, "promise_deleted"),
];

impl Notice {
    fn code(self) -> &'static str {
        NOTICES.iter().find(|(notice, _)| *notice == self).map_or("", |(_, code)| code)
    }

    fn parse(code: &str) -> Option<Self> {
        NOTICES.iter().find(|(_, known)| *known == code).map(|(notice, _)| *notice)
    }

    /// The sentence the page shows, in `lang`.
    pub fn text(self, lang: &str) -> String {
        crate::i18n::text(lang, &format!("notice.{}", self.code()))
    }
}

fn cookie(value: &str, secure: bool) -> Cookie<'static> {
    Cookie::build(COOKIE, value.to_owned())
        .path("/admin")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(CookieDuration::seconds(LIFETIME_SECS))
        .finish()
}

/// A redirect after a form to `location` (a page under `/admin`), which will show `notice` once.
pub fn redirect(location: &str, notice: Notice, secure: bool) -> Result<HttpResponse, AppError> {
    let response = HttpResponse::SeeOther().insert_header((header::LOCATION, location.to_owned())).finish();
    cookies::set(response, [cookie(notice.code(), secure)])
}

/// The notice waiting for this page, if any. The page must pass its response through [`shown`].
pub fn waiting(request: &HttpRequest) -> Option<Notice> {
    request.cookie(COOKIE).and_then(|cookie| Notice::parse(cookie.value()))
}

/// `response` with the waiting notice (if the request had one) removed from the browser.
pub fn shown(request: &HttpRequest, response: HttpResponse, secure: bool) -> Result<HttpResponse, AppError> {
    if request.cookie(COOKIE).is_none() {
        return Ok(response);
    }
    let mut removal = cookie("", secure);
    removal.set_max_age(CookieDuration::ZERO);
    cookies::set(response, [removal])
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn a_notice_is_set_by_the_redirect_and_removed_by_the_page() {
        let response = redirect("/admin/surveys/x", Notice::SurveyOpen, true).unwrap();
        assert_eq!(response.status(), 303);
        let set = response.cookies().next().unwrap();
        assert_eq!((set.name(), set.value(), set.path()), (COOKIE, "survey_open", Some("/admin")));
        assert!(set.http_only().unwrap() && set.secure().unwrap());

        let request = TestRequest::default().cookie(Cookie::new(COOKIE, "survey_open")).to_http_request();
        assert_eq!(waiting(&request).map(|notice| notice.text("sv")).as_deref(), Some("Enkäten är nu öppen."));
        assert_eq!(waiting(&request).map(|notice| notice.text("en")).as_deref(), Some("The survey is now open."));
        let page = shown(&request, HttpResponse::Ok().finish(), false).unwrap();
        let removal = page.cookies().next().unwrap();
        assert_eq!((removal.name(), removal.max_age()), (COOKIE, Some(CookieDuration::ZERO)));

        let forged = TestRequest::default().cookie(Cookie::new(COOKIE, "<b>hej</b>")).to_http_request();
        assert_eq!(waiting(&forged), None, "only the fixed sentences");
        let plain = TestRequest::default().to_http_request();
        assert_eq!(shown(&plain, HttpResponse::Ok().finish(), false).unwrap().cookies().count(), 0);
    }

    #[test]
    fn every_notice_has_its_own_code_and_sentence() {
        for (notice, code) in NOTICES {
            assert_eq!(Notice::parse(code), Some(notice));
            for lang in crate::i18n::staff_languages() {
                assert!(!notice.text(&lang).contains(&format!("notice.{code}")), "{code} has no sentence in {lang}");
            }
        }
    }
}
