//! The staff session's cookie: HttpOnly, SameSite=Lax, `Secure` over https; it carries the session token only.

use actix_web::HttpResponse;
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;

use crate::error::AppError;

/// The session cookie's name.
pub const COOKIE: &str = "trygghet_session";

/// The cookie carrying a new session's token; `Secure` when the service is reached over https.
pub fn session(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build(COOKIE, token).path("/").http_only(true).same_site(SameSite::Lax).secure(secure).finish()
}

/// The device cookie's name (see `auth::device`).
pub const DEVICE_COOKIE: &str = "trygghet_device";

/// The device cookie of a browser that signed in: read only by the sign-in form, kept for a year.
pub fn device(value: String, secure: bool) -> Cookie<'static> {
    Cookie::build(DEVICE_COOKIE, value)
        .path("/sign-in")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(CookieDuration::days(365))
        .finish()
}

/// The entry pass cookie's name (see `CodeHasher::entry_pass`).
pub const ENTRY_PASS_COOKIE: &str = "trygghet_pass";

/// The pass of the code a browser opened last: read only by the questionnaire's pages, gone when the browser closes.
pub fn entry_pass(value: String, secure: bool) -> Cookie<'static> {
    Cookie::build(ENTRY_PASS_COOKIE, value)
        .path("/svara")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .finish()
}

/// A cookie that removes the session cookie from the browser.
pub fn removal(secure: bool) -> Cookie<'static> {
    let mut cookie = session(String::new(), secure);
    cookie.set_max_age(CookieDuration::ZERO);
    cookie
}

/// `response` with `cookies` set on it.
pub fn set(
    mut response: HttpResponse,
    cookies: impl IntoIterator<Item = Cookie<'static>>,
) -> Result<HttpResponse, AppError> {
    for cookie in cookies {
        response.add_cookie(&cookie).map_err(|error| AppError::Internal(Box::new(error)))?;
    }
    Ok(response)
}

/// A redirect after a form to `location`, with `cookie` set (a session started or ended).
pub fn redirect_with(location: &str, cookie: Cookie<'static>) -> Result<HttpResponse, AppError> {
    set(HttpResponse::SeeOther().insert_header((header::LOCATION, location.to_owned())).finish(), [cookie])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_http_only_and_same_site_lax() {
        let cookie = session("t".into(), true);
        assert_eq!(cookie.http_only(), Some(true));
        assert_eq!(cookie.same_site(), Some(SameSite::Lax));
        assert_eq!(cookie.secure(), Some(true));
        assert_eq!(removal(false).max_age(), Some(CookieDuration::ZERO));
    }
}
