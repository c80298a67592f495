//! Letters: handing out codes (a ZIP of letters on the page, JSON or the mail-merge CSV in the API), reminder lists
//! and importing returned letters, for a survey's municipalities.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::app::audit::Actor;
use crate::app::surveys::dispositions::{self, ImportReport};
use crate::app::surveys::letters;
use crate::domain::codes::IssuedLetter;
use crate::domain::dispositions::spreadsheet_text;
use crate::error::{AppError, FieldError, Text};
use crate::http::body::JsonObject;
use crate::http::extract::CurrentUser;
use crate::http::forms::{CsrfInBody, ProtectedForm};
use crate::http::state::AppState;
use crate::http::surveys::{Notes, render_survey};
use crate::i18n;
use crate::views;

// ---------------------------------------------------------------------------------------------------------------
// Pages

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct CodesForm {
    count: String,
    /// The page's one-time key: a second click, a reload or a retry answers the first batch again.
    request_key: String,
    /// Checked to go beyond the municipality's sample.
    beyond_sample: String,
    /// `zip` to download the batch's letters; otherwise the page saying what was handed out.
    format: String,
    /// The language the letters are written in, for their links; empty for none.
    language: String,
}

/// `POST /admin/surveys/{id}/municipalities/{code}/codes`: hands out a batch of codes and shows what was handed out,
/// with the button that downloads its letters (a ZIP with the mail-merge CSV and one QR code (SVG) per letter). The
/// form's one-time key makes a second click, a reload or the download answer the same batch; the codes exist in
/// clear only in these answers, for a day.
pub async fn codes_from_page(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: ProtectedForm<CodesForm>,
) -> Result<HttpResponse, AppError> {
    let (id, municipality) = path.into_inner();
    let ProtectedForm { user, form } = form;
    let count: i64 = form.count.trim().parse().map_err(|_| {
        AppError::invalid("count", Text::new("admin.letters.count_invalid").with("max", letters::MAX_CODES_PER_BATCH))
    })?;
    let request = letters::CodesRequest {
        count,
        key: Some(form.request_key.trim().to_owned()).filter(|key| !key.is_empty()),
        beyond_sample: !form.beyond_sample.is_empty(),
        language: Some(form.language.clone()).filter(|lang| !lang.is_empty()),
    };
    let issued = match letters::generate_codes(&state, &user, Actor::of(&user), &id, &municipality, request).await? {
        Ok(issued) => issued,
        Err(beyond) => {
            let codes = crate::http::surveys::CodesProblem {
                municipality,
                count: form.count,
                message: user.say(&beyond.message()),
            };
            let notes = Notes { codes: Some(codes), ..Notes::default() };
            return render_survey(&state, &user, StatusCode::CONFLICT, &id, notes).await;
        }
    };
    if form.format == "zip" {
        let cover = cover_letters(&state, &user, &id, &issued).await?;
        return Ok(letters_archive(issued, &municipality, cover).await);
    }
    let batch = &issued.batch;
    state.templates.page(
        if issued.again { StatusCode::OK } else { StatusCode::CREATED },
        "admin/batch.html",
        crate::http::render::context! {
            title => "Koder utdelade", user => user.view(),
            csrf_token => user.csrf_token(), survey_id => id, municipality, batch,
            letters => crate::domain::format::number(i64::from(batch.letters)), municipality_name => issued.municipality,
            count => form.count.trim(), request_key => form.request_key.trim(), again => issued.again,
            beyond_sample => !form.beyond_sample.is_empty(), hours => letters::REPEATABLE_FOR_HOURS,
            language => form.language,
        },
    )
}

/// A batch's letters as a ZIP, written as it is sent.
/// What every cover letter of a batch shares: the survey's sender and contact, and the letters' language (the one
/// their links open the questionnaire in, else the questionnaire's own).
async fn cover_letters(
    state: &web::Data<AppState>,
    user: &CurrentUser,
    id: &str,
    issued: &letters::Issued,
) -> Result<views::letters::CoverLetterWriter, AppError> {
    let loaded = crate::app::surveys::load(state, user, id).await?;
    let instrument = crate::app::instruments::for_survey(state, &loaded.survey).await?;
    let asker = crate::app::surveys::asker_of(&loaded.survey);
    let linked = issued.letters.first().and_then(|letter| {
        url::Url::parse(&letter.link)
            .ok()?
            .query_pairs()
            .find(|(name, _)| name == "lang")
            .map(|(_, lang)| lang.into_owned())
    });
    let lang = linked.unwrap_or_else(|| instrument.default_language().to_owned());
    let shared = crate::http::render::context! {
        lang => lang, dir => crate::i18n::direction(&lang), sender => asker.sender,
        phone => asker.contact.as_ref().and_then(|contact| contact.phone.as_ref().map(ToString::to_string)),
        email => asker.contact.as_ref().and_then(|contact| contact.email.as_ref().map(ToString::to_string)),
    };
    let state = state.clone();
    Ok(Box::new(move |letters: &[IssuedLetter], first: bool, last: bool| {
        let mut context = shared.clone();
        context.insert("letters", &letters);
        context.insert("first", &first);
        context.insert("last", &last);
        state.templates.0.render("print/letters.html", context).map_err(|error| error.to_string())
    }))
}

async fn letters_archive(
    issued: letters::Issued,
    municipality: &str,
    cover: views::letters::CoverLetterWriter,
) -> HttpResponse {
    let first = issued.batch.first_letter.clone();
    let letters = issued.letters;
    // Rendering the QR codes keeps threads busy for a while: not those that serve requests, and at most
    // ARCHIVES_AT_ONCE archives at a time (a later one waits its turn; each holds a few megabytes at most).
    let permit = ARCHIVES.acquire().await;
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<web::Bytes, std::io::Error>>(4);
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _turn = permit;
        span.in_scope(|| {
            let mut out = ChannelWriter { sender: sender.clone(), buffer: Vec::with_capacity(ChannelWriter::PART) };
            if let Err(error) = views::letters::archive(&letters, &*cover, &mut out) {
                // The client sees the download cut off, never a complete-looking archive.
                tracing::error!(%error, "the letters' archive could not be written");
                let _gone = sender.blocking_send(Err(error));
            }
        });
    });
    let body = tokio_stream::wrappers::ReceiverStream::new(receiver);
    HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"koder-{municipality}-fran-{first}.zip\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body)
}

/// `POST /admin/surveys/{id}/batches/{batch}/withdraw`: withdraws a batch that was never sent, once confirmed.
pub async fn withdraw_from_page(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: ProtectedForm<WithdrawForm>,
) -> Result<HttpResponse, AppError> {
    let (id, batch) = path.into_inner();
    let ProtectedForm { user, form } = form;
    if form.not_sent.is_empty() {
        let notice = user.text("admin.letters.confirm_not_sent", &[]);
        return render_survey(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, &id, Notes::notice(notice)).await;
    }
    match letters::withdraw_batch(&state, &user, Actor::of(&user), &id, &batch).await {
        Ok(summary) => {
            let notice = user.text(
                "admin.letters.withdrawn",
                &[("first", &summary.first_letter.to_string()), ("last", &summary.last_letter.to_string())],
            );
            render_survey(&state, &user, StatusCode::OK, &id, Notes::notice(notice)).await
        }
        Err(AppError::Conflict(reason)) => {
            render_survey(&state, &user, StatusCode::CONFLICT, &id, Notes::notice(user.say(&reason))).await
        }
        Err(error) => Err(error),
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct WithdrawForm {
    /// Checked to confirm that the batch's letters were never sent.
    not_sent: String,
}

/// Letter archives written at once; three of 20,000 letters held whole took about 1 GB.
const ARCHIVES_AT_ONCE: usize = 2;
static ARCHIVES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(ARCHIVES_AT_ONCE);

/// Hands what is written to the response a part at a time; a client that has gone ends the writing.
struct ChannelWriter {
    sender: tokio::sync::mpsc::Sender<Result<web::Bytes, std::io::Error>>,
    buffer: Vec<u8>,
}

impl ChannelWriter {
    const PART: usize = 64 * 1024;

    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let part = web::Bytes::from(std::mem::replace(&mut self.buffer, Vec::with_capacity(Self::PART)));
        self.sender
            .blocking_send(Ok(part))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client has gone"))
    }
}

impl std::io::Write for ChannelWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= Self::PART {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

/// `POST /admin/surveys/{id}/municipalities/{code}/reminders.csv`: letters for the reminder mailing. Taking out
/// the list is recorded (the audit log, the mark on the rates' chart), so it is a form with its CSRF token, never a
/// link another site could have a browser follow.
pub async fn reminders_from_page(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: ProtectedForm<crate::http::sign_in::EmptyForm>,
) -> Result<HttpResponse, AppError> {
    reminders_csv(&state, &form.user, path).await
}

/// The reminder list of a municipality as CSV, recorded as taken out.
async fn reminders_csv(
    state: &AppState,
    user: &CurrentUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, municipality) = path.into_inner();
    let actor = Actor::of(user);
    let letters = letters::reminder_list(state, user, actor, &id, &municipality).await?;
    let mut body = String::from("brevnummer\n");
    for letter in letters {
        body.push_str(&letter);
        body.push('\n');
    }
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"paminnelser-{municipality}.csv\""),
        ))
        .body(body))
}

#[derive(actix_multipart::form::MultipartForm)]
pub struct DispositionUpload {
    file: actix_multipart::form::bytes::Bytes,
    csrf_token: actix_multipart::form::text::Text<String>,
}

/// `POST /admin/surveys/{id}/dispositions`: a CSV file of returned letters.
pub async fn import_from_page(
    state: web::Data<AppState>,
    id: web::Path<String>,
    _csrf: CsrfInBody,
    user: CurrentUser,
    upload: actix_multipart::form::MultipartForm<DispositionUpload>,
) -> Result<HttpResponse, AppError> {
    user.check_csrf(Some(&upload.csrf_token))?;
    let text = spreadsheet_text(&upload.file.data);
    match dispositions::import_dispositions(&state, &user, Actor::of(&user), &id, &text).await? {
        Ok(report) => {
            let notice = import_notice(&report, &user.lang);
            render_survey(&state, &user, StatusCode::OK, &id, Notes::notice(notice)).await
        }
        Err(problems) => {
            let notice = user.text("admin.letters.nothing_recorded", &[]);
            let notes = Notes { notice: Some(notice), problems, ..Notes::default() };
            render_survey(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, &id, notes).await
        }
    }
}

/// What an import did, in words: how many letters, how many already had that disposition, and each earlier
/// disposition replaced, from → to.
fn import_notice(report: &ImportReport, lang: &str) -> String {
    use crate::domain::format::number;
    let recorded = number(report.recorded as i64);
    let mut notice = i18n::text_with(lang, "admin.letters.recorded", &[("count", &recorded)]);
    if report.unchanged > 0 {
        let unchanged = number(report.unchanged as i64);
        notice.push_str(&i18n::text_with(lang, "admin.letters.unchanged", &[("count", &unchanged)]));
    }
    notice.push('.');
    if !report.replaced.is_empty() {
        let label = |code: &str| {
            code.parse::<crate::domain::dispositions::Disposition>().map_or_else(
                |_| code.to_owned(),
                |d| i18n::text(lang, &format!("disposition.{}", d.as_str())).to_lowercase(),
            )
        };
        let changes: Vec<String> = report
            .replaced
            .iter()
            .map(|change| format!("{}: {} → {}", change.letter_number, label(&change.from), label(&change.to)))
            .collect();
        let replaced = number(report.replaced.len() as i64);
        let changes = changes.join("; ");
        notice.push_str(&i18n::text_with(
            lang,
            "admin.letters.replaced",
            &[("count", &replaced), ("changes", &changes)],
        ));
    }
    notice
}

// ---------------------------------------------------------------------------------------------------------------
// API

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CodesInput {
    /// How many new letters (codes) to hand out, 1–20,000.
    #[schema(minimum = 1, maximum = 20000)]
    #[serde(deserialize_with = "crate::domain::whole_number::deserialize")]
    pub count: i64,
    /// Set to hand out beyond the municipality's sample (a supplementary sample); otherwise such a request is
    /// refused with 409.
    #[serde(default)]
    pub beyond_sample: bool,
    /// The language the letters are written in, one the survey offers (`GET /api/v1/surveys/{id}/languages`): each
    /// letter's link (and its QR code) then opens the questionnaire in it (`?lang=ar`). Absent: the resident's
    /// browser decides.
    #[serde(default)]
    pub language: Option<String>,
}

/// Hand out codes for a municipality. The answer is the only place the codes ever appear in clear; the service
/// keeps only keyed hashes. `Accept: text/csv` gives the mail-merge CSV instead of JSON. With an `Idempotency-Key`
/// header a retry of the request (same key, same person, survey and municipality) answers the same batch again
/// (with `Idempotent-Replayed: true`) for 24 hours instead of handing out a second one.
#[utoipa::path(post, path = "/api/v1/surveys/{id}/municipalities/{code}/invitations", tag = "invitations",
    params(("id" = String, Path), ("code" = String, Path, description = "Municipality code"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[ \\t]*[\\x21-\\x7e]([\\x20-\\x7e]{0,198}[\\x21-\\x7e])?[ \\t]*$",
            description = "Any string of 1–200 printable characters, new for each batch meant")),
    request_body = CodesInput,
    responses((status = 201, body = [IssuedLetter]), (status = 403, body = crate::http::errors::ErrorBody), (status = 409, body = crate::http::errors::ErrorBody)))]
pub async fn api_codes(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    input: JsonObject<CodesInput>,
) -> Result<HttpResponse, AppError> {
    let (id, municipality) = path.into_inner();
    let key = match request.headers().get("idempotency-key") {
        Some(value) => Some(
            value
                .to_str()
                .map_err(|_| {
                    let max = letters::MAX_KEY_CHARS;
                    AppError::invalid("Idempotency-Key", Text::new("problem.letters.key").with("max", max))
                })?
                .to_owned(),
        ),
        None => None,
    };
    let codes = letters::CodesRequest {
        count: input.count,
        key,
        beyond_sample: input.beyond_sample,
        language: input.language.clone(),
    };
    let issued = letters::generate_codes(&state, &user, Actor::of(&user), &id, &municipality, codes)
        .await?
        .map_err(|beyond| AppError::Conflict(beyond.message()))?;
    let mut response = HttpResponse::Created();
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    if issued.again {
        response.insert_header(("idempotent-replayed", "true"));
    }
    let wants_csv =
        request.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/csv"));
    if wants_csv {
        let body = views::letters::mail_merge(&issued.letters).map_err(|error| AppError::Internal(Box::new(error)))?;
        return Ok(response.content_type("text/csv; charset=utf-8").body(body));
    }
    Ok(response.json(issued.letters))
}

/// A survey's batches of letters in the municipalities the caller manages.
#[utoipa::path(get, path = "/api/v1/surveys/{id}/batches", tag = "invitations", params(("id" = String, Path)),
    responses((status = 200, body = [letters::BatchSummary]), (status = 404, body = crate::http::errors::ErrorBody)))]
pub async fn api_batches(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(letters::batches(&state, &user, &id).await?))
}

/// Withdraw a batch that was never sent: its letters leave the denominators (and are deleted), their numbers are
/// not given again, the audit log records it. 409 once any of its letters has been used.
#[utoipa::path(post, path = "/api/v1/surveys/{id}/batches/{batch}/withdraw", tag = "invitations",
    params(("id" = String, Path), ("batch" = String, Path)),
    responses((status = 200, body = letters::BatchSummary), (status = 403, body = crate::http::errors::ErrorBody),
        (status = 404, body = crate::http::errors::ErrorBody), (status = 409, body = crate::http::errors::ErrorBody)))]
pub async fn api_withdraw(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, batch) = path.into_inner();
    Ok(HttpResponse::Ok().json(letters::withdraw_batch(&state, &user, Actor::of(&user), &id, &batch).await?))
}

/// The reminder list of a municipality: letter numbers neither answered nor ruled out, as CSV. A POST, because
/// taking it out is recorded: in the audit log and as the day's reminder mark on the response rates.
#[utoipa::path(post, path = "/api/v1/surveys/{id}/municipalities/{code}/reminders", tag = "invitations",
    params(("id" = String, Path), ("code" = String, Path, description = "Municipality code")),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = crate::http::errors::ErrorBody)))]
pub async fn api_reminders(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    reminders_csv(&state, &user, path).await
}

/// Import returned letters: a CSV body of `letter_number,disposition` lines (header optional). All or nothing:
/// with any bad line, nothing is recorded and the answer (422) lists every problem by line.
#[utoipa::path(post, path = "/api/v1/surveys/{id}/dispositions", tag = "invitations", params(("id" = String, Path)),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportReport), (status = 409, body = crate::http::errors::ErrorBody,
        description = "An open-link survey: it has no letters"), (status = 422, body = crate::http::errors::ErrorBody,
        description = "Nothing recorded: `fields` names every problem by its line (`line 3`)")))]
pub async fn api_import(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    match dispositions::import_dispositions(&state, &user, Actor::of(&user), &id, &spreadsheet_text(&body)).await? {
        Ok(report) => Ok(HttpResponse::Ok().json(report)),
        Err(problems) => Err(AppError::InvalidFields(
            problems
                .into_iter()
                .map(|problem| FieldError::new(format!("line {}", problem.line), problem.reason))
                .collect(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::surveys::dispositions::DispositionChange;

    #[test]
    fn an_import_says_what_it_replaced_from_and_to() {
        let replaced = vec![DispositionChange {
            letter_number: "1783-000001".into(),
            from: "undeliverable".into(),
            to: "moved_away".into(),
        }];
        let report = ImportReport { recorded: 1200, by_disposition: Default::default(), unchanged: 3, replaced };
        assert_eq!(
            import_notice(&report, "sv"),
            "1\u{a0}200 brev fick sitt utfall registrerat (3 hade redan samma utfall). 1 brev hade ett annat utfall \
             från en tidigare fil, som nu är ersatt: 1783-000001: obeställbar → flyttat."
        );
        let plain = ImportReport { recorded: 2, by_disposition: Default::default(), unchanged: 0, replaced: vec![] };
        assert_eq!(import_notice(&plain, "sv"), "2 brev fick sitt utfall registrerat.");
    }
}
