//! The first look at every request, before any handler: what no handler should have to check again.
//!
//! - A NUL character anywhere in the path (`%00`) finds nothing: no id, code or token contains one. In the query string
//!   it is invalid input. PostgreSQL cannot store NUL in text at all, and SQLite would store what PostgreSQL refuses,
//!   so it is refused here for both.
//! - A body must arrive within [`BODY_DEADLINE`] of the request: a client that sends one byte a second is answered
//!   `408` instead of holding a worker's connection for as long as it likes.
//! - A form or JSON body is read here, once, within its limit (`413` above it, with the limit in the message) and
//!   refused as invalid input when it carries a NUL character; the handler's extractor then reads it from memory.

use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{HttpMessage, ResponseError, mime};
use futures_util::StreamExt;

use crate::error::{AppError, Text};

/// How long a request's body may take to arrive, from the moment its head did.
pub const BODY_DEADLINE: Duration = Duration::from_secs(20);

/// The largest JSON body the API takes (a questionnaire to import is the largest, about 100 KB).
pub const JSON_LIMIT: usize = 2 * 1024 * 1024;

/// The largest form body (a paper form with every comment filled in is under 20 KB).
pub const FORM_LIMIT: usize = 256 * 1024;

pub async fn inputs(
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if let Err(error) = check(&mut request).await {
        let response = error.error_response();
        return Ok(request.into_response(response));
    }
    Ok(next.call(request).await?.map_into_boxed_body())
}

async fn check(request: &mut ServiceRequest) -> Result<(), AppError> {
    if has_nul_escape(request.uri().path()) {
        return Err(AppError::NotFound);
    }
    if request.uri().query().is_some_and(has_nul_escape) {
        return Err(AppError::invalid("query", Text::new("problem.request.nul_query")));
    }
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let deadline = tokio::time::Instant::now() + BODY_DEADLINE;
    let kind = body_kind(request);
    let payload = request.take_payload();
    match kind {
        Some((limit, nul)) => {
            let body = read(payload, deadline, limit).await?;
            if nul(&body) {
                return Err(AppError::invalid("body", Text::new("problem.request.nul_body")));
            }
            request.set_payload(Payload::from(body));
        }
        // Uploads (multipart) and anything else: read by their handler, within the same deadline.
        None => request.set_payload(within(payload, deadline)),
    }
    Ok(())
}

type NulCheck = fn(&[u8]) -> bool;

/// The limit and the NUL check of a body read here: JSON and forms.
fn body_kind(request: &ServiceRequest) -> Option<(usize, NulCheck)> {
    let mime = request.mime_type().ok().flatten()?;
    match (mime.type_(), mime.subtype()) {
        (mime::APPLICATION, mime::JSON) => Some((JSON_LIMIT, json_has_nul)),
        (mime::APPLICATION, mime::WWW_FORM_URLENCODED) => Some((FORM_LIMIT, form_has_nul)),
        _ => None,
    }
}

/// The whole body, or why not: too slow (`408`) or too large (`413`).
async fn read(mut payload: Payload, deadline: tokio::time::Instant, limit: usize) -> Result<Bytes, AppError> {
    let mut body = BytesMut::new();
    loop {
        match tokio::time::timeout_at(deadline, payload.next()).await {
            Err(_) => return Err(AppError::RequestTimeout),
            Ok(None) => return Ok(body.freeze()),
            Ok(Some(Err(error))) => {
                return Err(AppError::invalid("body", Text::new("problem.request.body").with("detail", error)));
            }
            Ok(Some(Ok(chunk))) => {
                if body.len() + chunk.len() > limit {
                    return Err(AppError::TooLarge { limit });
                }
                body.extend_from_slice(&chunk);
            }
        }
    }
}

/// The payload, ending with an error when it has not arrived by `deadline`.
fn within(payload: Payload, deadline: tokio::time::Instant) -> Payload {
    let stream = futures_util::stream::unfold(Some(payload), move |payload| async move {
        let mut payload = payload?;
        match tokio::time::timeout_at(deadline, payload.next()).await {
            Ok(Some(item)) => Some((item, Some(payload))),
            Ok(None) => None,
            Err(_) => {
                let late = std::io::Error::new(std::io::ErrorKind::TimedOut, "the body arrived too slowly");
                Some((Err(PayloadError::Io(late)), None))
            }
        }
    });
    // Fused: a reader may ask again after the end (multipart does), and gets the end again.
    let stream: std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<Bytes, PayloadError>>>> =
        Box::pin(stream.fuse());
    Payload::from(stream)
}

/// Whether a percent-encoded path or query holds `%00`.
fn has_nul_escape(text: &str) -> bool {
    form_has_nul(text.as_bytes())
}

/// Whether percent-encoded bytes hold a NUL character, raw or as `%00`.
fn form_has_nul(body: &[u8]) -> bool {
    body.contains(&0) || body.windows(3).any(|window| window[0] == b'%' && window[1..] == *b"00")
}

/// Whether JSON text holds a NUL character, raw or as the escape `\u0000` (escapes are read in pairs, so `\\u0000`,
/// an escaped backslash before the letters, is not one).
fn json_has_nul(body: &[u8]) -> bool {
    let mut at = 0;
    while at < body.len() {
        match body[at] {
            0 => return true,
            b'\\' if body.get(at + 1) == Some(&b'u') => {
                if body.get(at + 2..at + 6) == Some(b"0000".as_slice()) {
                    return true;
                }
                at += 6;
            }
            b'\\' => at += 2,
            _ => at += 1,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_found_in_json_only_as_a_character() {
        assert!(json_has_nul(br#"{"title": "a\u0000b"}"#));
        assert!(json_has_nul(b"{\"title\": \"a\0b\"}"));
        assert!(!json_has_nul(br#"{"title": "a\\u0000b"}"#), "an escaped backslash, then letters");
        assert!(json_has_nul(br#"{"title": "a\\\u0000b"}"#), "an escaped backslash, then NUL");
        assert!(!json_has_nul(br#"{"title": "\u00e5 \"quoted\" \\"}"#));
    }

    #[test]
    fn nul_is_found_in_forms_and_addresses_as_an_escape() {
        assert!(form_has_nul(b"title=a%00b"));
        assert!(!form_has_nul(b"title=a%2500b"), "a percent sign, then two zeros");
        assert!(has_nul_escape("/api/v1/surveys/%00"));
        assert!(!has_nul_escape("/api/v1/surveys/100"));
    }
}
