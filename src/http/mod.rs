//! HTTP: the one route table, and a file per resource with thin handlers.

pub mod account;
pub mod answer;
pub mod audit_log;
pub mod body;
mod comments;
pub mod cookies;
pub mod errors;
pub mod extract;
pub mod forms;
pub mod guard;
mod health;
mod home;
mod instruments;
pub mod language;
pub mod letters;
mod municipalities;
pub mod notice;
pub mod open_data;
pub mod openapi;
pub mod paper;
pub mod population;
pub mod promises;
pub mod publishing;
pub mod rates;
pub mod render;
pub mod results;
pub mod security_headers;
pub mod sign_in;
pub mod state;
pub mod stream;
pub mod surveys;
mod translations;
pub mod users;
pub mod workbook;

use crate::http::render::context;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

use crate::error::{AppError, Text};
use crate::http::errors::ErrorPage;
use crate::http::state::AppState;

/// Every route of the service: the residents' pages, the staff's pages and the API, in one table.
pub fn routes(cfg: &mut web::ServiceConfig) {
    // Malformed paths and query strings get the same JSON error shape as every other invalid input.
    let unreadable =
        |field, key, error: &dyn std::fmt::Display| AppError::invalid(field, Text::new(key).with("detail", error));
    cfg.app_data(
        web::QueryConfig::default()
            .error_handler(move |error, _| unreadable("query", "problem.request.query", &error).into()),
    )
    .app_data(
        web::PathConfig::default()
            .error_handler(move |error, _| unreadable("path", "problem.request.path", &error).into()),
    )
    .app_data(
        web::JsonConfig::default().limit(guard::JSON_LIMIT).error_handler(|error, _| body::json_error(error).into()),
    )
    .app_data(web::PayloadConfig::default().limit(guard::FORM_LIMIT))
    .configure(resident_routes)
    .configure(staff_routes)
    .configure(api_routes)
    .default_service(web::to(not_found));
}

/// What residents reach without an account (the questionnaire, its assets, accessibility), and the operations
/// endpoints.
fn resident_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(answer::start_page))
        .route("/static/trygghet.css", web::get().to(home::stylesheet))
        .route("/static/print.css", web::get().to(home::print_stylesheet))
        .route("/static/svara.js", web::get().to(home::script))
        .route("/static/live.js", web::get().to(home::live_script))
        .route("/static/picker.js", web::get().to(home::picker_script))
        .route("/static/paper.js", web::get().to(home::paper_script))
        .route("/svara", web::get().to(home::to_start))
        .route("/svara", web::post().to(answer::start_submit))
        .route("/svara/{code}", web::get().to(answer::welcome))
        .route("/svara/{code}/del/{number}", web::get().to(answer::section_page))
        .route("/svara/{code}/del/{number}", web::post().to(answer::section_submit))
        .route("/svara/{code}/sparat", web::get().to(answer::saved_page))
        .route("/svara/{code}/granska", web::get().to(answer::review_page))
        .route("/svara/{code}/skicka", web::post().to(answer::submit))
        .route("/tack", web::get().to(answer::thanks))
        .route("/oppen/{survey}", web::get().to(answer::open_start))
        .route("/oppen/{survey}", web::post().to(answer::open_start_submit))
        .route("/tillganglighet", web::get().to(answer::accessibility))
        .route("/tillganglighet", web::post().to(answer::report_problem))
        .route("/resultat/{id}", web::get().to(publishing::public_survey))
        .route("/resultat/{id}/resultat.xlsx", web::get().to(publishing::public_workbook))
        .route("/resultat/{id}/{code}", web::get().to(publishing::public_municipality))
        .route("/healthz", web::get().to(health::alive))
        .route("/readyz", web::get().to(health::ready))
        .route("/metrics", web::get().to(health::metrics));
}

/// Signing in, and the staff's pages under `/admin`.
fn staff_routes(cfg: &mut web::ServiceConfig) {
    let remember_language = || actix_web::middleware::from_fn(language::remember);
    cfg.service(
        web::resource("/sign-in")
            .wrap(remember_language())
            .route(web::get().to(sign_in::page))
            .route(web::post().to(sign_in::submit)),
    )
    .route("/sign-out", web::post().to(sign_in::sign_out))
    .service(
        web::resource("/setup/{token}")
            .wrap(remember_language())
            .route(web::get().to(sign_in::setup_page))
            .route(web::post().to(sign_in::setup_submit)),
    )
    .service(
        web::scope("/admin")
            .wrap(remember_language())
            .route("", web::get().to(surveys::index))
            .route("/surveys/new", web::get().to(surveys::new_page))
            .route("/surveys", web::post().to(surveys::create_from_page))
            .route("/surveys/{id}", web::get().to(surveys::show_page))
            .route("/surveys/{id}/edit", web::get().to(surveys::edit_page))
            .route("/surveys/{id}/edit", web::post().to(surveys::update_from_page))
            .route("/surveys/{id}/copy", web::post().to(surveys::copy_from_page))
            .route("/surveys/{id}/rates", web::get().to(rates::page))
            .route("/surveys/{id}/rates/stream", web::get().to(rates::page_stream))
            .route("/surveys/{id}/results", web::get().to(results::page))
            .route("/surveys/{id}/results/stream", web::get().to(results::page_stream))
            .route("/surveys/{id}/results.xlsx", web::get().to(workbook::download))
            .route("/surveys/{id}/paper", web::get().to(paper::page))
            .route("/surveys/{id}/questionnaire", web::get().to(paper::printable))
            .route("/surveys/{id}/paper", web::post().to(paper::submit))
            .route("/surveys/{id}/dispositions", web::post().to(letters::import_from_page))
            .route("/surveys/{id}/municipalities/{code}/codes", web::post().to(letters::codes_from_page))
            .route("/surveys/{id}/batches/{batch}/withdraw", web::post().to(letters::withdraw_from_page))
            .route("/surveys/{id}/municipalities/{code}/reminders.csv", web::post().to(letters::reminders_from_page))
            .route("/surveys/{id}/municipalities/{code}/population", web::post().to(population::upload_from_page))
            .route("/surveys/{id}/comments", web::get().to(comments::page))
            .route("/surveys/{id}/comments/{response}/{item}", web::post().to(comments::review))
            .route("/surveys/{id}/languages", web::post().to(translations::set_from_page))
            .route("/surveys/{id}/languages/{lang}/review", web::post().to(translations::review_from_page))
            .route("/surveys/{id}/publish", web::post().to(publishing::publish_from_page))
            .route("/surveys/{id}/withdraw", web::post().to(publishing::withdraw_from_page))
            .route("/surveys/{id}/close", web::get().to(surveys::close_page))
            .route("/surveys/{id}/{action}", web::post().to(surveys::transition_from_page))
            .route("/municipalities/{code}/promises", web::get().to(promises::page))
            .route("/municipalities/{code}/promises", web::post().to(promises::create_from_page))
            .route("/municipalities/{code}/promises/{id}", web::get().to(promises::edit_page))
            .route("/municipalities/{code}/promises/{id}", web::post().to(promises::update_from_page))
            .route("/municipalities/{code}/promises/{id}/delete", web::post().to(promises::delete_from_page))
            .route("/users", web::get().to(users::list_page))
            .route("/users", web::post().to(users::create_from_page))
            .route("/users/{id}", web::get().to(users::edit_page))
            .route("/users/{id}", web::post().to(users::update_from_page))
            .route("/users/{id}/revoke-sessions", web::post().to(users::revoke_from_page))
            .route("/account", web::get().to(account::page))
            .route("/account/password", web::post().to(account::change_password))
            .route("/account/tokens", web::post().to(account::create_token))
            .route("/account/tokens/{id}/revoke", web::post().to(account::revoke_token))
            .route("/audit", web::get().to(audit_log::page)),
    );
}

/// The API under `/api/v1` (see `/api/openapi.json`).
fn api_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/openapi.json", web::get().to(openapi::document)).service(
        web::scope("/api/v1")
            // First: a scanning bureau's paper forms come a few thousand a second, and the router tries the routes in
            // this order, each with a dynamic segment through a regular expression.
            .route("/surveys/{id}/paper", web::post().to(paper::api_enter))
            .route("/municipalities", web::get().to(municipalities::list))
            .route("/municipalities/{code}", web::get().to(municipalities::show))
            .route("/municipalities/{code}/promises", web::get().to(promises::api_list))
            .route("/municipalities/{code}/promises", web::post().to(promises::api_create))
            .route("/municipalities/{code}/promises/{id}", web::get().to(promises::api_show))
            .route("/municipalities/{code}/promises/{id}", web::put().to(promises::api_update))
            .route("/municipalities/{code}/promises/{id}", web::delete().to(promises::api_delete))
            .route("/instruments", web::get().to(instruments::api_list))
            .route("/instruments", web::post().to(instruments::api_import))
            .route("/instruments/{key}/{version}", web::get().to(instruments::api_export))
            .route("/instruments/{key}/{version}/workbook", web::get().to(instruments::api_workbook))
            .route("/instruments/{key}/{version}/translations", web::get().to(translations::api_translations))
            .route("/instruments/{key}/{version}/translations/{lang}/review", web::put().to(translations::review))
            .route("/instruments/{key}/{version}/translations/{lang}/review", web::delete().to(translations::unreview))
            .route("/me", web::get().to(users::api_me))
            .route("/users", web::get().to(users::api_list))
            .route("/users", web::post().to(users::api_create))
            .route("/users/{id}", web::patch().to(users::api_update))
            .route("/users/{id}/revoke-sessions", web::post().to(users::api_revoke_sessions))
            .route("/tokens", web::get().to(account::api_list))
            .route("/tokens", web::post().to(account::api_create))
            .route("/tokens/{id}", web::delete().to(account::api_revoke))
            .route("/audit", web::get().to(audit_log::api_list))
            .route("/surveys", web::get().to(surveys::api_list))
            .route("/surveys", web::post().to(surveys::api_create))
            .route("/surveys/{id}", web::get().to(surveys::api_show))
            .route("/surveys/{id}", web::put().to(surveys::api_update))
            .route("/surveys/{id}/languages", web::get().to(translations::api_survey_languages))
            .route("/surveys/{id}/languages", web::put().to(translations::api_set_survey_languages))
            .route("/surveys/{id}/rates", web::get().to(rates::api_rates))
            .route("/surveys/{id}/rates/stream", web::get().to(rates::api_stream))
            .route("/surveys/{id}/results", web::get().to(results::api_results))
            .route("/surveys/{id}/promises", web::get().to(results::api_promises))
            .route("/surveys/{id}/results.xlsx", web::get().to(workbook::download))
            .route("/surveys/{id}/responses.csv", web::get().to(open_data::responses))
            .route("/surveys/{id}/datapackage.json", web::get().to(open_data::data_package))
            .route("/surveys/{id}/publication", web::get().to(publishing::api_status))
            .route("/surveys/{id}/publication", web::post().to(publishing::api_publish))
            .route("/surveys/{id}/publication", web::delete().to(publishing::api_withdraw))
            .route("/surveys/{id}/open", web::post().to(surveys::api_open))
            .route("/surveys/{id}/close", web::post().to(surveys::api_close))
            .route("/surveys/{id}/reopen", web::post().to(surveys::api_reopen))
            .route("/surveys/{id}/copy", web::post().to(surveys::api_copy))
            .route("/surveys/{id}/dispositions", web::post().to(letters::api_import))
            .route("/surveys/{id}/municipalities/{code}/invitations", web::post().to(letters::api_codes))
            .route("/surveys/{id}/batches", web::get().to(letters::api_batches))
            .route("/surveys/{id}/batches/{batch}/withdraw", web::post().to(letters::api_withdraw))
            .route("/surveys/{id}/municipalities/{code}/reminders", web::post().to(letters::api_reminders))
            .route("/surveys/{id}/municipalities/{code}/population", web::get().to(population::api_get))
            .route("/surveys/{id}/municipalities/{code}/population", web::put().to(population::api_put)),
    );
}

/// 404, or for an API path that exists with other methods 405 with those methods in `Allow` (the methods the API
/// document lists for it).
async fn not_found(request: HttpRequest) -> HttpResponse {
    let path = request.path();
    let allowed = if path.starts_with("/api/") { openapi::allowed_methods(path) } else { Vec::new() };
    if allowed.is_empty() {
        return AppError::NotFound.error_response();
    }
    let message = format!("This address takes {} only.", allowed.join(", "));
    let body = errors::ErrorBody {
        error: errors::ErrorDetail { code: "method_not_allowed", message, field: None, fields: Vec::new() },
    };
    HttpResponse::MethodNotAllowed().insert_header((header::ALLOW, allowed.join(", "))).json(body)
}

/// Whether a path answers in JSON (the API and the operations endpoints) rather than HTML.
fn answers_json(path: &str) -> bool {
    path.starts_with("/api/") || matches!(path, "/healthz" | "/readyz" | "/metrics")
}

/// Turns `AppError` responses on pages into HTML: an error page, or a redirect to sign in.
pub async fn error_pages(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let json = answers_json(request.path());
    let state = request.app_data::<web::Data<AppState>>().cloned();
    let response = next.call(request).await?.map_into_boxed_body();
    let page = response.response().extensions().get::<ErrorPage>().cloned();
    let (Some(page), Some(state), false) = (page, state, json) else { return Ok(response) };
    let (request, original) = response.into_parts();
    if let Some(next) = page.sign_in_next {
        let location =
            format!("/sign-in?next={}", url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>());
        let redirect = HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish();
        return Ok(ServiceResponse::new(request, redirect));
    }
    let status = StatusCode::from_u16(page.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    // The title and sentence are texts of the page's language (`staff.error.*`), by the error's code; a conflict or
    // invalid input keeps the use case's own reason.
    let code = match page.code {
        known @ ("not_found" | "forbidden" | "csrf" | "too_many_requests" | "unavailable" | "too_large" | "timeout"
        | "conflict" | "invalid") => known,
        _ => "internal",
    };
    let lang = language::choose(&request, None, &crate::i18n::page_languages());
    let message = match (code, &page.reason) {
        ("conflict" | "invalid", Some(reason)) => crate::i18n::say(&lang, reason),
        _ => String::new(),
    };
    let mut html = state
        .templates
        .page(status, "error.html", context! { code, message, lang })
        .unwrap_or_else(|_| HttpResponse::build(status).body(code));
    if let Some(retry_after) = original.headers().get(header::RETRY_AFTER) {
        html.headers_mut().insert(header::RETRY_AFTER, retry_after.clone());
    }
    Ok(ServiceResponse::new(request, html))
}

/// The client's address: the connection's peer, or the last `X-Forwarded-For` entry when the service is configured
/// to run behind a proxy. The last entry is the one the proxy itself added; earlier ones come from the client, who
/// could otherwise choose an address per attempt.
pub fn client_address(request: &HttpRequest, trust_forwarded_for: bool) -> Option<String> {
    if trust_forwarded_for
        && let Some(forwarded) = request.headers().get("x-forwarded-for").and_then(|value| value.to_str().ok())
        && let Some(last) = forwarded.rsplit(',').next().map(str::trim).filter(|last| !last.is_empty())
    {
        return Some(last.to_owned());
    }
    request.peer_addr().map(|address| address.ip().to_string())
}
