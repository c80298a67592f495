//! Static assets: the stylesheet and the scripts (questionnaire, dashboard, municipality picker, paper entry).

use actix_web::HttpResponse;
use actix_web::http::header;

use crate::views::templates::{LIVE_SCRIPT, PAPER_SCRIPT, PICKER_SCRIPT, PRINT_STYLESHEET, SCRIPT, STYLESHEET};

/// `GET /svara`: the start page is the front page (a language asked for goes along).
pub async fn to_start(request: actix_web::HttpRequest) -> HttpResponse {
    let location = match request.query_string() {
        "" => "/".to_owned(),
        query => format!("/?{query}"),
    };
    HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish()
}

/// `GET /static/svara.js`: the questionnaire's optional script (keeps a page's typing in the browser until saved,
/// shows follow-up questions only when they apply).
pub async fn script() -> HttpResponse {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

/// `GET /static/trygghet.css`
pub async fn stylesheet() -> HttpResponse {
    asset("text/css; charset=utf-8", STYLESHEET)
}

/// `GET /static/print.css`: the printed questionnaire's and the cover letters' stylesheet (A4).
pub async fn print_stylesheet() -> HttpResponse {
    asset("text/css; charset=utf-8", PRINT_STYLESHEET)
}

/// `GET /static/paper.js`: Enter to the next field on the paper form (the form works without it).
pub async fn paper_script() -> HttpResponse {
    asset("text/javascript; charset=utf-8", PAPER_SCRIPT)
}

/// `GET /static/picker.js`: the municipality picker's search (the picker works without it).
pub async fn picker_script() -> HttpResponse {
    asset("text/javascript; charset=utf-8", PICKER_SCRIPT)
}

/// `GET /static/live.js`: the dashboard's script (moves the numbers live; the page works without it).
pub async fn live_script() -> HttpResponse {
    asset("text/javascript; charset=utf-8", LIVE_SCRIPT)
}

/// A file built into the service, cacheable for an hour.
fn asset(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(body)
}
