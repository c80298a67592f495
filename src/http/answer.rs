//! The resident's questionnaire, page by page (`/svara/...`), with JavaScript entirely optional.
//!
//! - `GET /` start page (type the code), `POST /svara` → `/svara/{code}`;
//! - `GET /svara/{code}` welcome (or a polite page: unknown code, already answered, not open, closed);
//! - `GET|POST /svara/{code}/del/{n}` one section per page; the form's `action` button says where to go next
//!   (`next`, `back`, `review`, `later`, or `lang:<code>` to switch language), and every button saves first;
//! - `GET /svara/{code}/granska` review with a change link per section, `POST /svara/{code}/skicka` submit;
//! - `GET /tack` thank-you; `GET|POST /oppen/{survey}` open-link start (choose the municipality);
//! - `GET /tillganglighet` the accessibility statement.
//!
//! Nothing typed is ever thrown away: a page with errors, an expired form (CSRF) or a survey closed meanwhile comes
//! back with every value as it was typed, and the problem said at the top and beside the field.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::app::answering::{self, CodeFrom, Entry, Refusal, Saved, Submitted};
use crate::app::surveys::{Asker, asker_of};
use crate::domain::codes::InvitationCode;
use crate::domain::instrument::{AnswerError, AnswerValue, Instrument, ItemKind, RawAnswers};
use crate::domain::sender::{Contact, Instance, Phone};
use crate::error::AppError;
use crate::error::FieldError;
use crate::http::client_address;
use crate::http::cookies;
use crate::http::forms::{PUBLIC_CSRF_COOKIE, public_csrf, public_token_matches};
use crate::http::language;
use crate::http::render::{Context, context};
use crate::http::state::AppState;
use crate::i18n::{self, text};
use crate::views::questionnaire::{self, raw_answers};

/// A link of the language switch.
#[derive(Serialize)]
struct LanguageLink {
    code: String,
    name: String,
    current: bool,
}

fn language_links(languages: &[String], current: &str) -> Vec<LanguageLink> {
    languages
        .iter()
        .map(|code| LanguageLink { code: code.clone(), name: text(code, "language_name"), current: code == current })
        .collect()
}

/// Who asks and whom to ask, as every resident page names them: a survey's sender and contact, or, on a page that
/// knows no survey (and for a survey stored before it had a contact), the service's own.
#[derive(Debug, Default, Serialize)]
struct AskerView {
    /// The survey's sender, "Polisen och Hagfors kommun".
    sender: Option<String>,
    /// For a survey without a sender: its municipalities, named with the police.
    municipalities: Option<String>,
    /// On a page that knows no survey: who runs the service.
    organisation: Option<String>,
    phone: Option<String>,
    /// The phone number for a `tel:` link.
    dial: Option<String>,
    email: Option<String>,
}

impl AskerView {
    fn of_instance(instance: &Instance) -> Self {
        Self { organisation: instance.organisation.clone(), ..Self::default() }.reached_at(instance.contact.as_ref())
    }

    /// A survey's sender and contact; the service's contact where the survey has none.
    fn of_survey(instance: &Instance, asker: Asker, municipalities: &str) -> Self {
        let contact = asker.contact.or_else(|| instance.contact.clone());
        let municipalities =
            asker.sender.is_none().then(|| municipalities.to_owned()).filter(|names| !names.is_empty());
        let organisation = (asker.sender.is_none() && municipalities.is_none()).then(|| instance.organisation.clone());
        Self { sender: asker.sender, municipalities, organisation: organisation.flatten(), ..Self::default() }
            .reached_at(contact.as_ref())
    }

    fn reached_at(self, contact: Option<&Contact>) -> Self {
        let phone = contact.and_then(|contact| contact.phone.as_ref());
        Self {
            phone: phone.map(|phone| phone.as_str().to_owned()),
            dial: phone.map(Phone::dial),
            email: contact.and_then(|contact| contact.email.as_ref()).map(|email| email.as_str().to_owned()),
            ..self
        }
    }
}

/// What every resident page carries besides its own content.
struct Page<'a> {
    state: &'a AppState,
    request: &'a HttpRequest,
    lang: String,
    languages: Vec<String>,
    asker: AskerView,
    /// The entry pass to give the browser, when it lacks the one for the page's code.
    pass: Option<String>,
}

impl<'a> Page<'a> {
    fn new(state: &'a AppState, request: &'a HttpRequest, saved: Option<&str>, offered: Vec<String>) -> Self {
        let lang = language::choose(request, saved, &offered);
        Self { state, request, lang, languages: offered, asker: AskerView::of_instance(&state.instance), pass: None }
    }

    /// The page of a code that opened a survey: the browser keeps a pass for it, so its next pages are not paced.
    fn passing(self, code: &InvitationCode) -> Self {
        let pass = entry_pass(self.state, self.request, code);
        Self { pass: (!has_pass(self.request, &pass)).then_some(pass), ..self }
    }

    /// The page of a survey: it names the survey's sender and contact.
    fn asking(self, asker: Asker, municipalities: &str) -> Self {
        Self { asker: AskerView::of_survey(&self.state.instance, asker, municipalities), ..self }
    }

    /// Renders `template` with the page's language, direction, switch and CSRF token; sets the cookies it needs.
    fn render(&self, status: StatusCode, template: &str, content: Context) -> Result<HttpResponse, AppError> {
        let (csrf_token, csrf_cookie) = public_csrf(self.request, self.state.secure_cookies);
        let mut context = context! {
            lang => self.lang, dir => i18n::direction(&self.lang), resident => true, csrf_token,
            languages => language_links(&self.languages, &self.lang), asker => self.asker,
        };
        context.extend(content);
        let mut response = self.state.templates.page(status, template, context)?;
        response.headers_mut().insert(header::REFERRER_POLICY, header::HeaderValue::from_static("no-referrer"));
        response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
        let mut cookies = vec![];
        if let Some(cookie) = csrf_cookie {
            cookies.push(cookie);
        }
        if language::query_language(self.request).is_some_and(|asked| asked == self.lang) {
            cookies.push(language::cookie(&self.lang, self.state.secure_cookies));
        }
        if let Some(pass) = &self.pass {
            cookies.push(cookies::entry_pass(pass.clone(), self.state.secure_cookies));
        }
        cookies::set(response, cookies)
    }

    fn t(&self, key: &str) -> String {
        text(&self.lang, key)
    }
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_owned()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

fn see_other_with_language(location: &str, lang: &str, secure: bool) -> Result<HttpResponse, AppError> {
    cookies::set(see_other(location), [language::cookie(lang, secure)])
}

// ---------------------------------------------------------------------------------------------------------------
// While the database is out of reach: nothing typed is lost.

/// Seconds a resident's browser is asked to wait before sending a page again.
const TRY_AGAIN_AFTER_SECS: u32 = 5;

/// A page shown again because the database is out of reach: 503, and when to try again.
fn try_again_later(mut response: HttpResponse) -> HttpResponse {
    *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(TRY_AGAIN_AFTER_SECS));
    response
}

/// The entry of `code` as this instance last opened it, and its page, without the database.
fn recalled<'a>(state: &'a AppState, request: &'a HttpRequest, code: &str) -> Option<(Entry, Page<'a>)> {
    let entry = answering::recall(state, &InvitationCode::parse(code).ok()?)?;
    let page = entry_page(state, request, &entry);
    Some((entry, page))
}

/// A posted form that could not be shown again as its own page (this instance has not seen its code): kept in a
/// page of its own, every field as sent, with a button that sends it again.
fn kept_form(state: &AppState, request: &HttpRequest, form: &PostedForm) -> Result<HttpResponse, AppError> {
    let page = Page::new(state, request, None, i18n::page_languages());
    let fields: Vec<&(String, String)> = form.fields.iter().filter(|(name, _)| name != "csrf_token").collect();
    let context = context! {
        title => page.t("unavailable_title"), message => page.t("unavailable_text"),
        action => request.path(), fields,
    };
    page.render(StatusCode::SERVICE_UNAVAILABLE, "answer/unavailable.html", context).map(try_again_later)
}

/// A submitted form: its fields, and whether its CSRF token matched the cookie.
struct PostedForm {
    fields: Vec<(String, String)>,
    fresh: bool,
}

impl PostedForm {
    fn read(request: &HttpRequest, body: &web::Bytes) -> Result<Self, AppError> {
        let fields: Vec<(String, String)> = serde_html_form::from_bytes(body).map_err(|error| {
            AppError::invalid("form", crate::error::Text::new("problem.request.form").with("detail", error))
        })?;
        let cookie = request.cookie(PUBLIC_CSRF_COOKIE);
        let token = fields.iter().find(|(name, _)| name == "csrf_token").map(|(_, value)| value.as_str());
        let fresh = public_token_matches(cookie.as_ref().map(|cookie| cookie.value()), token);
        Ok(Self { fields, fresh })
    }

    fn value(&self, name: &str) -> String {
        self.fields.iter().find(|(key, _)| key == name).map(|(_, value)| value.trim().to_owned()).unwrap_or_default()
    }
}

/// The entry pass of `code`, worked out once a request (the look-up and the page both need it).
fn entry_pass(state: &AppState, request: &HttpRequest, code: &InvitationCode) -> String {
    /// A request's code with its entry pass.
    struct Worked(InvitationCode, String);
    if let Some(Worked(worked_for, pass)) = request.extensions().get::<Worked>()
        && worked_for == code
    {
        return pass.clone();
    }
    let pass = state.hasher.entry_pass(code);
    request.extensions_mut().insert(Worked(code.clone(), pass.clone()));
    pass
}

/// Whether the request carries `pass` in its entry pass cookie.
fn has_pass(request: &HttpRequest, pass: &str) -> bool {
    use subtle::ConstantTimeEq;
    request
        .cookie(cookies::ENTRY_PASS_COOKIE)
        .is_some_and(|cookie| bool::from(cookie.value().as_bytes().ct_eq(pass.as_bytes())))
}

/// A field's error already in the page's words, for the error summary (`form_errors.html`).
#[derive(serde::Serialize)]
struct Worded<'a> {
    field: &'static str,
    reason: &'a str,
}

impl<'a> Worded<'a> {
    fn list(field: &'static str, reason: Option<&'a str>) -> Vec<Self> {
        reason.map(|reason| Self { field, reason }).into_iter().collect()
    }
}

fn path_of(code: &InvitationCode) -> String {
    format!("/svara/{code}")
}

// ---------------------------------------------------------------------------------------------------------------
// Start: the front page with the code field.

/// `GET /`: what this is, and the field for the code on the letter.
pub async fn start_page(request: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let page = Page::new(&state, &request, None, i18n::page_languages());
    page.render(StatusCode::OK, "answer/start.html", start_context(&page, "", None))
}

fn start_context(page: &Page, code: &str, error: Option<String>) -> Context {
    let errors = Worded::list("code", error.as_deref());
    context! { title => page.t("start_title"), code, error, errors, code_example => CODE_EXAMPLE }
}

/// The example of a code in the start page's hint, on one line (non-breaking hyphens; in a right-to-left sentence
/// its letters and digits stay one left-to-right run by themselves).
const CODE_EXAMPLE: &str = "7KQM\u{2011}X4TZ\u{2011}9HRC";

/// A lookup that was not made because code entry is paced: 429 with `Retry-After` and a note to wait that long. A
/// code opened by a link or typed comes back in the start page's field; a posted page is kept, every field as sent,
/// with a button that sends it again.
fn paced_page(
    state: &AppState,
    request: &HttpRequest,
    code: &InvitationCode,
    form: Option<&PostedForm>,
    paced: answering::Paced,
) -> Result<HttpResponse, AppError> {
    let seconds = paced.retry_after_secs();
    let page = Page::new(state, request, None, i18n::page_languages());
    let mut response = match form {
        None => {
            let notice = page.t("code_paced").replace("%{seconds}", &seconds.to_string());
            let context = merged(start_context(&page, &code.to_string(), None), context! { notice });
            page.render(StatusCode::TOO_MANY_REQUESTS, "answer/start.html", context)?
        }
        Some(form) => {
            let fields: Vec<&(String, String)> = form.fields.iter().filter(|(name, _)| name != "csrf_token").collect();
            let message = page.t("paced_text").replace("%{seconds}", &seconds.to_string());
            let context = context! { title => page.t("paced_title"), message, action => request.path(), fields };
            page.render(StatusCode::TOO_MANY_REQUESTS, "answer/unavailable.html", context)?
        }
    };
    response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
    Ok(response)
}

/// `POST /svara`: a typed code. A typo is caught by the check character and explained beside the field.
pub async fn start_submit(
    request: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form = PostedForm::read(&request, &body)?;
    let typed = form.value("code");
    let page = Page::new(&state, &request, None, i18n::page_languages());
    match InvitationCode::parse(&typed) {
        Ok(code) => Ok(see_other(&path_of(&code))),
        Err(error) => {
            let message = code_error_message(&page.lang, &typed, &error);
            page.render(
                StatusCode::UNPROCESSABLE_ENTITY,
                "answer/start.html",
                start_context(&page, &typed, Some(message)),
            )
        }
    }
}

/// A typo in a code, explained for someone comparing with the letter.
fn code_error_message(lang: &str, typed: &str, error: &crate::domain::codes::CodeError) -> String {
    use crate::domain::codes::CodeError;
    match error {
        _ if typed.trim().is_empty() => text(lang, "code_missing"),
        CodeError::WrongLength { typed } => text(lang, "code_wrong_length").replace("%{typed}", &typed.to_string()),
        CodeError::NotInAlphabet { character, position } => text(lang, "code_not_in_alphabet")
            .replace("%{character}", &character.to_string())
            .replace("%{position}", &position.to_string()),
        CodeError::CheckMismatch => text(lang, "code_mistyped"),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Entry: from a code to the questionnaire, or to a polite page.

/// What a code in a path led to.
enum Resolved {
    Entry(Box<Entry>),
    /// A page to show instead (start page with the typo explained, or a refusal), with the entry when the code is
    /// fine but the survey takes no answers now.
    Page(HttpResponse, Option<(Refusal, Box<Entry>)>),
}

/// Resolves a code from a path; `form` is the posted page, kept when the lookup has to wait. A browser with the
/// code's entry pass is not paced: it opened the code before, so this is no guess.
async fn resolve(
    state: &AppState,
    request: &HttpRequest,
    raw_code: &str,
    form: Option<&PostedForm>,
) -> Result<Resolved, AppError> {
    let code = match InvitationCode::parse(raw_code) {
        Ok(code) => code,
        Err(error) => {
            let page = Page::new(state, request, None, i18n::page_languages());
            let message = code_error_message(&page.lang, raw_code, &error);
            let context = start_context(&page, raw_code, Some(message));
            return Ok(Resolved::Page(page.render(StatusCode::NOT_FOUND, "answer/start.html", context)?, None));
        }
    };
    let passed = has_pass(request, &entry_pass(state, request, &code));
    let address = if passed { None } else { client_address(request, state.trust_forwarded_for) };
    let from = if passed { CodeFrom::Pass } else { CodeFrom::Address(address.as_deref()) };
    let resolved = match answering::resolve(state, &code, from).await? {
        Ok(resolved) => resolved,
        Err(paced) => return Ok(Resolved::Page(paced_page(state, request, &code, form, paced)?, None)),
    };
    match resolved {
        Ok(entry) => Ok(Resolved::Entry(Box::new(entry))),
        Err(refused) => {
            let asker = refused.survey.as_deref().map(|survey| (asker_of(survey), refused_municipality(&refused)));
            let page = refusal_page(state, request, &refused.refusal, asker)?;
            Ok(Resolved::Page(page, refused.entry.map(|entry| (refused.refusal, entry))))
        }
    }
}

/// The notice on a page posted when the survey took no answers.
fn refusal_notice(refusal: &Refusal) -> &'static str {
    match refusal {
        Refusal::NotOpenYet(_) => "notice_not_open",
        _ => "notice_closed",
    }
}

/// The municipality a refused code belongs to, when the page can name it.
fn refused_municipality(refused: &answering::Refused) -> String {
    refused.entry.as_ref().map(|entry| entry.municipality_name.clone()).unwrap_or_default()
}

/// A polite page instead of the questionnaire, ending with whom to ask: the survey's contact when the survey is
/// known (`asker`, with its municipalities), the service's own otherwise.
fn refusal_page(
    state: &AppState,
    request: &HttpRequest,
    refusal: &Refusal,
    asker: Option<(Asker, String)>,
) -> Result<HttpResponse, AppError> {
    let mut page = Page::new(state, request, None, i18n::page_languages());
    if let Some((asker, municipalities)) = asker {
        page = page.asking(asker, &municipalities);
    }
    let (status, key) = match refusal {
        Refusal::Unknown => (StatusCode::NOT_FOUND, "refused_unknown"),
        Refusal::Answered => (StatusCode::CONFLICT, "refused_answered"),
        Refusal::NotOpenYet(_) => (StatusCode::CONFLICT, "refused_not_open"),
        Refusal::Closed => (StatusCode::GONE, "refused_closed"),
    };
    let mut message = page.t(&format!("{key}_text"));
    if let Refusal::NotOpenYet(Some(day)) = refusal {
        message = page.t("refused_opens_on").replace("%{day}", &day.to_string());
    }
    let context = context! { title => page.t(&format!("{key}_title")), message,
    show_start => *refusal == Refusal::Unknown, contact_in_page => true };
    page.render(status, "answer/refused.html", context)
}

/// The page of an entry, in the resident's language out of those the instrument and the pages share.
fn entry_page<'a>(state: &'a AppState, request: &'a HttpRequest, entry: &Entry) -> Page<'a> {
    Page::new(
        state,
        request,
        entry.saved_language(),
        i18n::offered(&entry.survey.languages, entry.instrument.languages()),
    )
    .asking(asker_of(&entry.survey), &entry.municipality_name)
    .passing(&entry.code)
}

/// What the pages of one entry share: the survey's title, the municipality, the code.
fn entry_context(page: &Page, entry: &Entry) -> Context {
    let language = entry.instrument.lang(&page.lang);
    context! {
        survey_title => entry.instrument.title().get(language),
        municipality => entry.municipality_name,
        code => entry.code.to_string(),
        base => path_of(&entry.code),
        section_count => entry.instrument.sections().len(),
        open_link => !entry.letter,
    }
}

fn merged(mut base: Context, more: Context) -> Context {
    base.extend(more);
    base
}

/// For a page shown by GET: the entry of `code` and its page (a language asked for is saved with the draft), or the
/// page to show instead.
async fn open_entry<'a>(
    state: &'a AppState,
    request: &'a HttpRequest,
    code: &str,
) -> Result<Result<(Box<Entry>, Page<'a>), HttpResponse>, AppError> {
    let entry = match resolve(state, request, code, None).await? {
        Resolved::Entry(entry) => entry,
        Resolved::Page(page, _) => return Ok(Err(page)),
    };
    let page = entry_page(state, request, &entry);
    if language::query_language(request).is_some_and(|asked| asked == page.lang) {
        answering::save_language(state, &entry, &page.lang).await?;
    }
    Ok(Ok((entry, page)))
}

/// `GET /svara/{code}`: the welcome page (what the survey is, how long it takes, that it is anonymous).
pub async fn welcome(
    request: HttpRequest,
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (entry, page) = match open_entry(&state, &request, &code).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let reached = entry.reached_section();
    let count = entry.instrument.sections().len();
    let next =
        if reached >= count { format!("{}/granska", path_of(&entry.code)) } else { section_path(&entry, reached + 1) };
    let title = page.t("welcome_title");
    let translation_draft = crate::app::translations::is_draft(&state, &entry.instrument, &page.lang).await?;
    let context =
        merged(entry_context(&page, &entry), context! { title, next, resumed => reached > 0, translation_draft });
    page.render(StatusCode::OK, "answer/welcome.html", context)
}

fn section_path(entry: &Entry, number: usize) -> String {
    format!("{}/del/{number}", path_of(&entry.code))
}

// ---------------------------------------------------------------------------------------------------------------
// Sections.

/// Renders section `number` (1-based) with `raw` values, `errors` beside their questions and `notice` on top.
#[allow(clippy::too_many_arguments)]
fn section_response(
    page: &Page,
    entry: &Entry,
    number: usize,
    raw: &RawAnswers,
    errors: &[AnswerError],
    notice: Option<String>,
    from_review: bool,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let instrument = &entry.instrument;
    let count = instrument.sections().len();
    let view = questionnaire::section(instrument, &page.lang, number - 1, raw, errors);
    let questions = match &view {
        Some(section) => page.state.templates.section_questions(instrument, &page.lang, section)?,
        None => String::new(),
    };
    let summary: Vec<FieldError> = errors
        .iter()
        .map(|error| FieldError { field: format!("q-{}", error.item), reason: error.problem.text() })
        .collect();
    let progress = page.t("progress").replace("%{number}", &number.to_string()).replace("%{count}", &count.to_string());
    let title = match &view {
        Some(section) => format!("{} – {progress}", section.title),
        None => progress.clone(),
    };
    // The questions are rendered; the error summary names the question of each error, so only then does the page
    // need them again.
    let section = match view {
        Some(view) if errors.is_empty() => Some(view.head()),
        view => view,
    };
    let mut context = merged(
        entry_context(page, entry),
        context! {
            title, progress, number, first => number == 1, last => number == count,
            percent => (number - 1) * 100 / count.max(1),
            section, errors => summary, notice, from_review,
            action => section_path(entry, number),
        },
    );
    context.insert_markup("questions", questions);
    page.render(status, "answer/section.html", context)
}

fn section_number(entry: &Entry, number: usize) -> Result<usize, AppError> {
    if number >= 1 && number <= entry.instrument.sections().len() { Ok(number) } else { Err(AppError::NotFound) }
}

#[derive(serde::Deserialize)]
pub struct SectionQuery {
    #[serde(default)]
    fran: Option<String>,
}

/// `GET /svara/{code}/del/{n}`
pub async fn section_page(
    request: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, usize)>,
    query: web::Query<SectionQuery>,
) -> Result<HttpResponse, AppError> {
    let (code, number) = path.into_inner();
    let (entry, page) = match open_entry(&state, &request, &code).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let number = section_number(&entry, number)?;
    let section = entry.instrument.sections().get(number - 1);
    let raw = entry.saved_values_of(section.into_iter().flat_map(|section| &section.items));
    let from_review = query.fran.as_deref() == Some("granska");
    section_response(&page, &entry, number, &raw, &[], None, from_review, StatusCode::OK)
}

/// `POST /svara/{code}/del/{n}`: saves the page, then goes where the pressed button says. While the database is out
/// of reach the page comes back (503) with what was typed and a note to press the button again in a moment.
pub async fn section_submit(
    request: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, usize)>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let (code, number) = path.into_inner();
    let form = PostedForm::read(&request, &body)?;
    match save_posted_section(&state, &request, &code, number, &form).await {
        Err(AppError::Unavailable(cause)) => {
            tracing::warn!(error = %cause, "section shown again: database unavailable");
            let Some((entry, page)) = recalled(&state, &request, &code) else {
                return kept_form(&state, &request, &form);
            };
            let number = section_number(&entry, number)?;
            let typed = raw_answers(&form.fields);
            let from_review = form.value("from_review") == "1";
            let notice = Some(page.t("notice_unavailable"));
            let status = StatusCode::SERVICE_UNAVAILABLE;
            section_response(&page, &entry, number, &typed, &[], notice, from_review, status).map(try_again_later)
        }
        answered => answered,
    }
}

async fn save_posted_section(
    state: &AppState,
    request: &HttpRequest,
    code: &str,
    number: usize,
    form: &PostedForm,
) -> Result<HttpResponse, AppError> {
    let typed = raw_answers(&form.fields);
    let from_review = form.value("from_review") == "1";
    let entry = match resolve(state, request, code, Some(form)).await? {
        Resolved::Entry(entry) => entry,
        Resolved::Page(_, Some((refusal, entry))) => {
            // The survey closed (or is not open) while this page was being filled in: show what was typed.
            let number = section_number(&entry, number)?;
            let page = entry_page(state, request, &entry);
            let notice = page.t(refusal_notice(&refusal));
            return section_response(
                &page,
                &entry,
                number,
                &typed,
                &[],
                Some(notice),
                from_review,
                StatusCode::CONFLICT,
            );
        }
        Resolved::Page(page, None) => return Ok(page),
    };
    let number = section_number(&entry, number)?;
    let action = form.value("action");
    // A language switch shows this very page again in the other language, with what was typed.
    let switch_to = action.strip_prefix("lang:").map(str::to_owned);
    let mut page = entry_page(state, request, &entry);
    if let Some(lang) = &switch_to
        && page.languages.contains(lang)
    {
        page.lang = lang.clone();
    }
    if !form.fresh {
        let notice = page.t("form_expired");
        return section_response(&page, &entry, number, &typed, &[], Some(notice), from_review, StatusCode::FORBIDDEN);
    }
    let earlier = entry.saved_answers();
    let section_answers = match entry.instrument.validate_section(number - 1, &typed, earlier) {
        Ok(answers) => answers,
        Err(errors) => {
            return section_response(
                &page,
                &entry,
                number,
                &typed,
                &errors,
                None,
                from_review,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    if answering::save_section(state, &entry, number - 1, section_answers, &page.lang).await? == Saved::AlreadyAnswered
    {
        // Answered in another tab meanwhile: the code's page says so.
        return Ok(see_other(&path_of(&entry.code)));
    }
    if switch_to.is_some() {
        let back = if from_review { "?fran=granska" } else { "" };
        let location = format!("{}{back}", section_path(&entry, number));
        return see_other_with_language(&location, &page.lang, state.secure_cookies);
    }
    Ok(see_other(&after_saving(&entry, number, &action)))
}

/// Where a saved page leads, by the button pressed: back, later, to the review, or on.
fn after_saving(entry: &Entry, number: usize, action: &str) -> String {
    let base = path_of(&entry.code);
    match action {
        "back" if number > 1 => section_path(entry, number - 1),
        "back" => base,
        "later" => format!("{base}/sparat"),
        "review" => format!("{base}/granska"),
        _ if number < entry.instrument.sections().len() => section_path(entry, number + 1),
        _ => format!("{base}/granska"),
    }
}

/// `GET /svara/{code}/sparat`: the answers are saved; how to go on later.
pub async fn saved_page(
    request: HttpRequest,
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (entry, page) = match open_entry(&state, &request, &code).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let next = section_path(&entry, (entry.reached_section() + 1).min(entry.instrument.sections().len()));
    let context = merged(entry_context(&page, &entry), context! { title => page.t("saved_title"), next });
    page.render(StatusCode::OK, "answer/saved.html", context)
}

// ---------------------------------------------------------------------------------------------------------------
// Review and submit.

/// One answered (or skipped) question on the review page.
#[derive(Serialize)]
struct ReviewItem {
    text: String,
    answer: Option<String>,
}

#[derive(Serialize)]
struct ReviewSection {
    number: usize,
    title: String,
    items: Vec<ReviewItem>,
    change: String,
}

fn review_sections(instrument: &Instrument, lang: &str, entry: &Entry) -> Vec<ReviewSection> {
    let language = instrument.lang(lang);
    let answers = entry.saved_answers();
    let label = |item: &crate::domain::instrument::Item, code: &str| -> String {
        match &item.kind {
            ItemKind::Scale { .. } => instrument
                .scale_of(item)
                .and_then(|scale| {
                    scale
                        .options
                        .iter()
                        .map(|option| (&option.code, &option.label))
                        .chain(scale.dont_know.iter().map(|other| (&other.code, &other.label)))
                        .find(|(option, _)| *option == code)
                        .map(|(_, label)| label.get(language).to_owned())
                })
                .unwrap_or_else(|| code.to_owned()),
            ItemKind::Single { options } | ItemKind::Multiple { options, .. } => options
                .iter()
                .find(|option| option.code == code)
                .map_or_else(|| code.to_owned(), |option| option.label.get(language).to_owned()),
            ItemKind::YesNo { .. } => {
                let (yes, no) = item.yes_no_labels(language).unwrap_or(("Ja", "Nej"));
                if code == crate::domain::instrument::YES { yes.to_owned() } else { no.to_owned() }
            }
            ItemKind::Number { .. } | ItemKind::Text { .. } => code.to_owned(),
        }
    };
    instrument
        .sections()
        .iter()
        .enumerate()
        .map(|(index, section)| ReviewSection {
            number: index + 1,
            title: section.title.get(language).to_owned(),
            change: format!("{}?fran=granska", section_path(entry, index + 1)),
            items: section
                .items
                .iter()
                .filter(|item| {
                    item.show_if.as_ref().is_none_or(|condition| {
                        answers.get(&condition.item).is_some_and(|parent| parent.has(&condition.equals))
                    })
                })
                .map(|item| ReviewItem {
                    text: item.text.get(language).to_owned(),
                    answer: answers.get(&item.id).map(|value| match value {
                        AnswerValue::Choice(code) => label(item, code),
                        AnswerValue::Choices(codes) => {
                            codes.iter().map(|code| label(item, code)).collect::<Vec<_>>().join(", ")
                        }
                        AnswerValue::Number(number) => {
                            let unit = match &item.kind {
                                ItemKind::Number { unit: Some(unit), .. } => format!(" {}", unit.get(language)),
                                _ => String::new(),
                            };
                            format!("{number}{unit}")
                        }
                        AnswerValue::Text(text) => text.clone(),
                    }),
                })
                .collect(),
        })
        .collect()
}

fn review_response(
    page: &Page,
    entry: &Entry,
    notice: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let sections = review_sections(&entry.instrument, &page.lang, entry);
    let answered = sections.iter().flat_map(|section| &section.items).filter(|item| item.answer.is_some()).count();
    let context = merged(
        entry_context(page, entry),
        context! {
            title => page.t("review_title"), review => sections, answered, notice,
            submission_id => entry.submission_id(),
            last_section => section_path(entry, entry.instrument.sections().len()),
        },
    );
    page.render(status, "answer/review.html", context)
}

/// `GET /svara/{code}/granska`
pub async fn review_page(
    request: HttpRequest,
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (entry, page) = match open_entry(&state, &request, &code).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    if entry.draft.is_none() || entry.reached_section() == 0 {
        return Ok(see_other(&section_path(&entry, 1)));
    }
    review_response(&page, &entry, None, StatusCode::OK)
}

/// `POST /svara/{code}/skicka`: stores the response, exactly once. While the database is out of reach the review
/// page comes back (503) with a note to send again in a moment.
pub async fn submit(
    request: HttpRequest,
    state: web::Data<AppState>,
    code: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form = PostedForm::read(&request, &body)?;
    match store_posted(&state, &request, &code, &form).await {
        Err(AppError::Unavailable(cause)) => {
            tracing::warn!(error = %cause, "review shown again: database unavailable");
            let Some((entry, page)) = recalled(&state, &request, &code) else {
                return kept_form(&state, &request, &form);
            };
            let notice = Some(page.t("notice_unavailable"));
            review_response(&page, &entry, notice, StatusCode::SERVICE_UNAVAILABLE).map(try_again_later)
        }
        answered => answered,
    }
}

async fn store_posted(
    state: &AppState,
    request: &HttpRequest,
    code: &str,
    form: &PostedForm,
) -> Result<HttpResponse, AppError> {
    let submission_id = form.value("submission_id");
    // A retry of a form already stored (a double click, a reply lost on the way): the same thank-you.
    if form.fresh && answering::was_submitted(state, &submission_id).await? {
        return Ok(see_other("/tack"));
    }
    let entry = match resolve(state, request, code, Some(form)).await? {
        Resolved::Entry(entry) => entry,
        // The same form, submitted twice at once, stored by the other submit meanwhile: the same thank-you.
        Resolved::Page(..) if form.fresh && answering::was_submitted(state, &submission_id).await? => {
            return Ok(see_other("/tack"));
        }
        Resolved::Page(_, Some((refusal, entry))) => {
            let page = entry_page(state, request, &entry);
            let notice = page.t(refusal_notice(&refusal));
            return review_response(&page, &entry, Some(notice), StatusCode::CONFLICT);
        }
        Resolved::Page(page, None) => return Ok(page),
    };
    let page = entry_page(state, request, &entry);
    if !form.fresh {
        return review_response(&page, &entry, Some(page.t("form_expired")), StatusCode::FORBIDDEN);
    }
    if entry.submission_id() != Some(submission_id.as_str()) {
        // The form is from before the answers last changed elsewhere (another device): show them to check again.
        return review_response(&page, &entry, Some(page.t("review_changed")), StatusCode::CONFLICT);
    }
    match answering::submit(state, &entry, &submission_id).await? {
        Submitted::Thanked => see_other_with_language("/tack", &page.lang, state.secure_cookies),
        // The code's own page says "already answered", with a language switch that works there.
        Submitted::AlreadyAnswered if answering::was_submitted(state, &submission_id).await? => Ok(see_other("/tack")),
        Submitted::AlreadyAnswered => Ok(see_other(&path_of(&entry.code))),
    }
}

/// `GET /tack`
pub async fn thanks(request: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let page = Page::new(&state, &request, None, i18n::page_languages());
    page.render(StatusCode::OK, "answer/thanks.html", context! { title => page.t("thanks_title") })
}

// ---------------------------------------------------------------------------------------------------------------
// Open link.

/// A municipality to choose on the open link's first page.
#[derive(Serialize)]
struct MunicipalityRadio {
    code: String,
    name: String,
    checked: bool,
}

fn open_start_response(
    page: &Page,
    survey_id: &str,
    instrument: &Instrument,
    municipalities: &[(String, String)],
    chosen: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let choices: Vec<MunicipalityRadio> = municipalities
        .iter()
        .map(|(code, name)| MunicipalityRadio { code: code.clone(), name: name.clone(), checked: code == chosen })
        .collect();
    let errors = Worded::list("municipality", error.as_deref());
    let context = context! {
        title => page.t("open_title"), survey_title => instrument.title().get(instrument.lang(&page.lang)),
        municipalities => choices, error, errors, action => format!("/oppen/{survey_id}"),
    };
    page.render(status, "answer/open_start.html", context)
}

/// The names of a survey's municipalities, for a page that names them with the police.
fn names_of(municipalities: &[(String, String)]) -> String {
    municipalities.iter().map(|(_, name)| name.as_str()).collect::<Vec<_>>().join(", ")
}

/// `GET /oppen/{survey}`: an open-link survey starts by choosing the municipality one lives in.
pub async fn open_start(
    request: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (survey, municipalities) = answering::open_survey(&state, &id).await?;
    let names = names_of(&municipalities);
    if let Some(refusal) = answering::refusal_by_state(&survey, crate::domain::survey::swedish_day(chrono::Utc::now()))
    {
        return refusal_page(&state, &request, &refusal, Some((asker_of(&survey), names)));
    }
    let instrument = crate::app::instruments::for_survey(&state, &survey).await?;
    let page = Page::new(&state, &request, None, i18n::offered(&survey.languages, instrument.languages()))
        .asking(asker_of(&survey), &names);
    let chosen = if municipalities.len() == 1 { municipalities[0].0.clone() } else { String::new() };
    open_start_response(&page, &survey.id, &instrument, &municipalities, &chosen, None, StatusCode::OK)
}

/// `POST /oppen/{survey}`
pub async fn open_start_submit(
    request: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form = PostedForm::read(&request, &body)?;
    match start_posted_open_link(&state, &request, &id, &form).await {
        Err(AppError::Unavailable(cause)) => {
            tracing::warn!(error = %cause, "open-link start kept: database unavailable");
            kept_form(&state, &request, &form)
        }
        answered => answered,
    }
}

async fn start_posted_open_link(
    state: &AppState,
    request: &HttpRequest,
    id: &str,
    form: &PostedForm,
) -> Result<HttpResponse, AppError> {
    let (survey, municipalities) = answering::open_survey(state, id).await?;
    let names = names_of(&municipalities);
    if let Some(refusal) = answering::refusal_by_state(&survey, crate::domain::survey::swedish_day(chrono::Utc::now()))
    {
        return refusal_page(state, request, &refusal, Some((asker_of(&survey), names)));
    }
    let instrument = crate::app::instruments::for_survey(state, &survey).await?;
    let page = Page::new(state, request, None, i18n::offered(&survey.languages, instrument.languages()))
        .asking(asker_of(&survey), &names);
    let chosen = form.value("municipality");
    let error = if !form.fresh {
        Some(page.t("form_expired"))
    } else if !municipalities.iter().any(|(code, _)| *code == chosen) {
        Some(page.t("open_choose_municipality"))
    } else {
        None
    };
    if let Some(error) = error {
        let status = if form.fresh { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::FORBIDDEN };
        return open_start_response(&page, &survey.id, &instrument, &municipalities, &chosen, Some(error), status);
    }
    // Starting costs a row, so addresses that start a great many are asked to wait, on the form itself with the
    // municipality they chose. (A start looks up no code, so code entry's pacing has no say here.)
    let address = client_address(request, state.trust_forwarded_for);
    let limit = answering::OPEN_START_LIMIT;
    if let Some(wait) = answering::note_anonymous_post(state, "open-start", address.as_deref(), limit).await? {
        let busy = Some(page.t("open_busy"));
        let status = StatusCode::TOO_MANY_REQUESTS;
        let mut response = open_start_response(&page, &survey.id, &instrument, &municipalities, &chosen, busy, status)?;
        response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(wait));
        return Ok(response);
    }
    let code = answering::start_open_link(state, &survey, &chosen, &page.lang).await?;
    Ok(see_other(&path_of(&code)))
}

// ---------------------------------------------------------------------------------------------------------------
// Accessibility statement.

/// The day the accessibility statement was last reviewed (DOS-lagen asks for it); change it with the statement.
const STATEMENT_DATE: &str = "2026-12-05";

/// The longest accessibility report kept.
const MAX_REPORT_CHARS: usize = 2000;

fn accessibility_response(
    page: &Page,
    message: &str,
    error: Option<String>,
    sent: bool,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let errors = Worded::list("message", error.as_deref());
    let context = context! { title => page.t("a11y_title"), message, error, errors, sent, max => MAX_REPORT_CHARS,
    statement_date => STATEMENT_DATE, contact_in_page => true };
    page.render(status, "answer/accessibility.html", context)
}

/// `GET /tillganglighet`: the accessibility statement required of public services, with a way to report a problem.
pub async fn accessibility(request: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let page = Page::new(&state, &request, None, i18n::page_languages());
    accessibility_response(&page, "", None, false, StatusCode::OK)
}

/// `POST /tillganglighet`: a reported accessibility problem, kept in the audit log where administrators read it
/// (without the reporter's address: residents stay anonymous here too).
pub async fn report_problem(
    request: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form = PostedForm::read(&request, &body)?;
    let page = Page::new(&state, &request, None, i18n::page_languages());
    let message = form.value("message");
    let error = if !form.fresh {
        Some(page.t("form_expired"))
    } else if message.is_empty() {
        Some(page.t("a11y_report_empty"))
    } else if message.chars().count() > MAX_REPORT_CHARS {
        Some(page.t("a11y_report_too_long").replace("%{max}", &MAX_REPORT_CHARS.to_string()))
    } else {
        None
    };
    if let Some(error) = error {
        return accessibility_response(&page, &message, Some(error), false, StatusCode::UNPROCESSABLE_ENTITY);
    }
    match keep_report(&state, &request, &page, &message).await {
        Err(AppError::Unavailable(cause)) => {
            tracing::warn!(error = %cause, "accessibility report shown again: database unavailable");
            let notice = Some(page.t("notice_unavailable"));
            accessibility_response(&page, &message, notice, false, StatusCode::SERVICE_UNAVAILABLE).map(try_again_later)
        }
        answered => answered,
    }
}

/// Keeps a report in the audit log, unless its sender or everyone has sent too many lately.
async fn keep_report(
    state: &AppState,
    request: &HttpRequest,
    page: &Page<'_>,
    message: &str,
) -> Result<HttpResponse, AppError> {
    // Reports are anonymous, so they are limited per address and in all, keeping the audit log readable.
    let address = client_address(request, state.trust_forwarded_for);
    let per_address = answering::REPORT_LIMIT_PER_ADDRESS;
    let mut wait = answering::note_anonymous_post(state, "report", address.as_deref(), per_address).await?;
    if wait.is_none() {
        wait =
            answering::note_anonymous_post(state, "report", Some("everyone"), answering::REPORT_LIMIT_IN_ALL).await?;
    }
    if let Some(wait) = wait {
        let busy = Some(page.t("a11y_report_busy"));
        let mut response = accessibility_response(page, message, busy, false, StatusCode::TOO_MANY_REQUESTS)?;
        response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(wait));
        return Ok(response);
    }
    let event = crate::app::audit::Actor::default().event(
        crate::domain::audit::Action::AccessibilityProblemReported,
        None,
        serde_json::json!({ "message": message, "language": page.lang }),
    );
    crate::app::audit::record(state, event).await?;
    accessibility_response(page, "", None, true, StatusCode::OK)
}
