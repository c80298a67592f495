//! Survey waves: pages under `/admin/surveys` and the API under `/api/v1/surveys`. Their letters are in
//! [`crate::http::letters`].

use std::collections::BTreeMap;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::app::audit::Actor;
use crate::app::instruments;
use crate::app::municipalities;
use crate::app::surveys::{
    self, ContactInput, Loaded, Overview, PartCounts, PartInput, SurveyInput, SurveySummary, ValidSurvey, letters,
};
use crate::domain::dispositions::{Disposition, ImportProblem};
use crate::domain::survey::{self, Access, Period, Transition};
use crate::error::AppError;
use crate::error::{FieldError, FieldErrors, Text};
use crate::http::body::JsonObject;
use crate::http::extract::CurrentUser;
use crate::http::forms::ProtectedForm;
use crate::http::notice::{self, Notice};
use crate::http::render::{Context, context};
use crate::http::state::AppState;
use crate::views;
use crate::views::population::MarginTable;

/// One municipality of a survey with its letters counted by what became of them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PartView {
    pub code: String,
    pub name: String,
    pub sample_size: i32,
    pub target_percent: Option<f64>,
    /// Letters handed out (codes generated).
    pub letters: i64,
    /// Letters by disposition (not_returned, started, completed, undeliverable, …).
    pub dispositions: BTreeMap<String, i64>,
    /// Letters that still get reminders: neither answered nor ruled out.
    pub awaiting: i64,
    /// Responses given on the web.
    pub responses_web: i64,
    /// Paper forms keyed in by staff.
    pub responses_paper: i64,
    /// Whether the user may hand out codes, record dispositions and set population margins here.
    pub may_manage: bool,
}

/// A survey with the municipalities the user may see.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SurveyView {
    pub id: String,
    pub title: String,
    pub state: survey::SurveyState,
    pub state_label: &'static str,
    pub access: Access,
    pub has_response_rate: bool,
    pub opens_on: chrono::NaiveDate,
    pub closes_on: chrono::NaiveDate,
    /// The questionnaire's key and version, e.g. "trygghetsmatning 2026.1".
    pub instrument: String,
    pub instrument_key: String,
    pub instrument_version: String,
    /// The questionnaire's title; absent when the service does not know the questionnaire.
    pub instrument_title: Option<String>,
    /// Where to download the questionnaire as JSON; absent when the service does not know it.
    pub instrument_export: Option<String>,
    pub copied_from: Option<String>,
    /// Results show no index, share or percentage on fewer valid answers than this.
    pub min_base: i32,
    /// Results show no count smaller than this.
    pub min_cell: i32,
    /// Who asks, as residents read it on every page; absent on a draft not yet given one (and on surveys stored
    /// before there was one, whose pages show the service's own contact).
    pub sender: Option<String>,
    /// Where residents can ask about the survey; absent like `sender`.
    pub contact: Option<ContactInput>,
    /// Whether the user may change, open, close or copy the survey.
    pub may_manage: bool,
    pub municipalities: Vec<PartView>,
    /// For an open-link survey: the address to share, where residents start by choosing their municipality.
    pub open_link: Option<String>,
}

impl From<Overview> for SurveyView {
    fn from(overview: Overview) -> Self {
        let Overview { survey, instrument, may_manage, municipalities, open_link } = overview;
        let contact = surveys::asker_of(&survey).contact;
        SurveyView {
            open_link,
            id: survey.id,
            title: survey.title,
            state: survey.state,
            state_label: survey.state.label(),
            access: survey.access,
            has_response_rate: survey.access.has_response_rate(),
            opens_on: survey.opens_on,
            closes_on: survey.closes_on,
            instrument: format!("{} {}", survey.instrument_key, survey.instrument_version),
            instrument_title: instrument
                .as_ref()
                .map(|instrument| instrument.title().get(instrument.lang(instrument.default_language())).to_owned()),
            instrument_export: instrument
                .is_some()
                .then(|| instruments::export_path(&survey.instrument_key, &survey.instrument_version)),
            instrument_key: survey.instrument_key,
            instrument_version: survey.instrument_version,
            contact: contact.map(|contact| ContactInput {
                phone: contact.phone.map(|phone| phone.as_str().to_owned()),
                email: contact.email.map(|email| email.as_str().to_owned()),
            }),
            sender: survey.sender,
            copied_from: survey.copied_from,
            min_base: survey.min_base,
            min_cell: survey.min_cell,
            may_manage,
            municipalities: municipalities.into_iter().map(PartView::from).collect(),
        }
    }
}

impl From<PartCounts> for PartView {
    fn from(counts: PartCounts) -> Self {
        PartView {
            letters: counts.letters(),
            awaiting: counts.awaiting(),
            dispositions: counts.dispositions.iter().map(|(d, count)| (d.as_str().to_owned(), *count)).collect(),
            responses_web: counts.web,
            responses_paper: counts.paper,
            may_manage: counts.may_manage,
            code: counts.part.municipality_code,
            name: counts.name,
            sample_size: counts.part.sample_size,
            target_percent: counts.part.target_percent,
        }
    }
}

/// A survey as the user may see it, with its letters and responses counted.
async fn survey_view(state: &AppState, user: &CurrentUser, id: &str) -> Result<SurveyView, AppError> {
    Ok(SurveyView::from(surveys::overview(state, user, id).await?))
}

/// A questionnaire to choose in a survey form: `key@version`, and its title and version.
#[derive(Serialize)]
struct InstrumentOption {
    value: String,
    label: String,
}

/// Every questionnaire a survey may use (the form shows a choice only when there is more than one).
async fn instrument_options(state: &AppState) -> Result<Vec<InstrumentOption>, AppError> {
    Ok(instruments::list(state)
        .await?
        .into_iter()
        .map(|summary| InstrumentOption {
            value: summary.choice(),
            label: format!("{}, version {}", summary.title, summary.version),
        })
        .collect())
}

/// A form's choice of questionnaire (`key@version`) as the survey input's key and version; empty means none chosen.
fn chosen_instrument(choice: &str, errors: &mut FieldErrors) -> (Option<String>, Option<String>) {
    if choice.trim().is_empty() {
        return (None, None);
    }
    match instruments::parse_choice(choice.trim()) {
        Some((key, version)) => (Some(key.to_owned()), Some(version.to_owned())),
        None => {
            errors.add("instrument", Text::new("admin.survey_form.choose_instrument"));
            (None, None)
        }
    }
}

/// Errors for a page, where the questionnaire is one field (`instrument`) rather than the API's key and version.
fn on_page(errors: Vec<FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|error| match error.field.as_str() {
            "instrument_key" | "instrument_version" => FieldError { field: "instrument".to_owned(), ..error },
            "contact" | "contact.phone" => FieldError { field: "contact_phone".to_owned(), ..error },
            "contact.email" => FieldError { field: "contact_email".to_owned(), ..error },
            _ => error,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------------------------
// Pages

/// `GET /admin`: the surveys the user may see.
pub async fn index(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    let list = surveys::list(&state, &user).await?;
    state.templates.page(
        StatusCode::OK,
        "admin/home.html",
        context! { user => user.view(), csrf_token => user.csrf_token(), surveys => list,
        may_create => user.permissions.may_create_surveys() },
    )
}

/// The fields of the new-survey form, kept as typed so that an error never loses them.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct NewSurveyForm {
    title: String,
    opens_on: String,
    closes_on: String,
    access: String,
    municipalities: Vec<String>,
    sample_size: String,
    target_percent: String,
    /// The questionnaire, `key@version`.
    instrument: String,
    min_base: String,
    min_cell: String,
    sender: String,
    contact_phone: String,
    contact_email: String,
}

async fn render_new(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    form: &NewSurveyForm,
    errors: Vec<FieldError>,
) -> Result<HttpResponse, AppError> {
    state.templates.page(
        status,
        "admin/survey_new.html",
        context! { user => user.view(), csrf_token => user.csrf_token(), form,
        counties => municipalities::manageable_by_county(state, user).await?, instruments => instrument_options(state).await?,
        errors },
    )
}

/// `GET /admin/surveys/new`
pub async fn new_page(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    surveys::check_create(&user)?;
    let builtin = state.instruments.default();
    let form = NewSurveyForm {
        access: Access::Codes.as_str().into(),
        sample_size: "300".into(),
        instrument: format!("{}@{}", builtin.key(), builtin.version()),
        min_base: survey::DEFAULT_MIN_BASE.to_string(),
        min_cell: survey::DEFAULT_MIN_CELL.to_string(),
        ..NewSurveyForm::default()
    };
    render_new(&state, &user, StatusCode::OK, &form, Vec::new()).await
}

/// `POST /admin/surveys`
pub async fn create_from_page(
    state: web::Data<AppState>,
    form: ProtectedForm<NewSurveyForm>,
) -> Result<HttpResponse, AppError> {
    let ProtectedForm { user, form } = form;
    surveys::check_create(&user)?;
    let mut errors = FieldErrors::default();
    let input = new_survey_input(&form, &mut errors);
    match validate_form(&state, &user, &input, errors).await {
        Ok(valid) => {
            let id = surveys::create(&state, &user, Actor::of(&user), valid).await?;
            Ok(see_other(&format!("/admin/surveys/{id}")))
        }
        Err(errors) => render_new(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, &form, errors).await,
    }
}

/// The new-survey form as a survey's input: every municipality chosen gets the same sample and target.
fn new_survey_input(form: &NewSurveyForm, errors: &mut FieldErrors) -> SurveyInput {
    let sample_size =
        survey::parse_sample_size(&form.sample_size).map_err(|reason| errors.add("sample_size", reason)).unwrap_or(0);
    let target = survey::parse_target(&form.target_percent)
        .map_err(|reason| errors.add("target_percent", reason))
        .unwrap_or(None);
    let (instrument_key, instrument_version) = chosen_instrument(&form.instrument, errors);
    let (min_base, min_cell) = disclosure_fields(&form.min_base, &form.min_cell, errors);
    SurveyInput {
        title: form.title.clone(),
        opens_on: form.opens_on.clone(),
        closes_on: form.closes_on.clone(),
        access: form.access.clone(),
        municipalities: form
            .municipalities
            .iter()
            .map(|code| PartInput { code: code.clone(), sample_size, target_percent: target })
            .collect(),
        instrument_key,
        instrument_version,
        min_base,
        min_cell,
        sender: typed(&form.sender),
        contact: typed_contact(&form.contact_phone, &form.contact_email),
    }
}

/// A text field as typed: `None` when left empty.
fn typed(value: &str) -> Option<String> {
    Some(value.trim().to_owned()).filter(|value| !value.is_empty())
}

/// The contact fields as typed: `None` when both are left empty.
fn typed_contact(phone: &str, email: &str) -> Option<ContactInput> {
    let (phone, email) = (typed(phone), typed(email));
    (phone.is_some() || email.is_some()).then_some(ContactInput { phone, email })
}

/// The disclosure settings as typed (empty: not given), with an error on each field that is wrong.
fn disclosure_fields(min_base: &str, min_cell: &str, errors: &mut FieldErrors) -> (Option<i32>, Option<i32>) {
    let min_base = survey::parse_min_base(min_base).map_err(|reason| errors.add("min_base", reason)).unwrap_or(None);
    let min_cell = survey::parse_min_cell(min_cell).map_err(|reason| errors.add("min_cell", reason)).unwrap_or(None);
    (min_base, min_cell)
}

/// A page's survey input checked: the survey, or the form's own errors and then the survey's, named as the page
/// names its fields.
async fn validate_form(
    state: &AppState,
    user: &CurrentUser,
    input: &SurveyInput,
    mut errors: FieldErrors,
) -> Result<ValidSurvey, Vec<FieldError>> {
    match surveys::validate(state, user, input).await {
        Ok(valid) if errors.is_empty() => Ok(valid),
        Ok(_) => Err(errors.0),
        Err(more) => {
            errors.0.extend(more.0);
            Err(on_page(errors.0))
        }
    }
}

/// Back to a page by GET, so that reloading it does not send the form again.
pub(crate) fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish()
}

/// What the survey page shows besides the survey: a notice (a change just made or refused), the problems of a
/// disposition import, and a population file to correct.
#[derive(Default)]
pub(crate) struct Notes {
    pub notice: Option<String>,
    pub problems: Vec<ImportProblem>,
    pub population: Option<PopulationUpload>,
    /// A request for codes to confirm (beyond the municipality's sample).
    pub codes: Option<CodesProblem>,
    /// A change of the survey's languages that was refused, shown again.
    pub languages: Option<LanguagesProblem>,
    /// A translation's review that was refused (no name given), shown beside its form.
    pub review: Option<ReviewProblem>,
}

/// Why a translation's review was not recorded, for the form of its language.
#[derive(Serialize)]
pub(crate) struct ReviewProblem {
    pub lang: String,
    pub message: String,
}

/// A change of a survey's languages the page shows again: the languages ticked, why it was refused, and whether it
/// needs the coordinator to confirm turning on a draft translation.
#[derive(Serialize)]
pub(crate) struct LanguagesProblem {
    pub asked: Vec<String>,
    pub message: String,
    pub confirm: bool,
}

impl Notes {
    pub fn notice(notice: impl Into<String>) -> Self {
        Self { notice: Some(notice.into()), ..Self::default() }
    }
}

/// A request for codes the survey page shows again: beyond the sample, to confirm.
#[derive(Serialize)]
pub(crate) struct CodesProblem {
    pub municipality: String,
    pub count: String,
    pub message: String,
}

/// A population file that was refused: its municipality, its text (shown again, to correct) and its problems by line.
#[derive(Serialize)]
pub(crate) struct PopulationUpload {
    pub code: String,
    pub text: String,
    pub problems: Vec<ImportProblem>,
}

/// The survey page, with its notes.
pub(crate) async fn render_survey(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    id: &str,
    notes: Notes,
) -> Result<HttpResponse, AppError> {
    let overview = surveys::overview(state, user, id).await?;
    let instrument = overview.instrument.as_deref();
    let background =
        instrument.map(|instrument| views::population::background(instrument, &user.lang)).unwrap_or_default();
    let population: BTreeMap<String, Vec<MarginTable>> = overview
        .municipalities
        .iter()
        .map(|part| {
            (part.part.municipality_code.clone(), views::population::tables(instrument, &part.margins, &user.lang))
        })
        .collect();
    // A survey whose questionnaire the service lacks still has its page (which says so), without languages.
    let languages = match &overview.instrument {
        Some(instrument) => crate::app::translations::of(state, &overview.survey, instrument).await?,
        None => Vec::new(),
    };
    let survey = SurveyView::from(overview);
    let manages_any = survey.municipalities.iter().any(|part| part.may_manage);
    let dispositions: Vec<(&str, &str)> = Disposition::ALL.iter().map(|d| (d.as_str(), d.label())).collect();
    let Notes { notice, problems, population: upload, codes, languages: languages_problem, review: review_problem } =
        notes;
    let batches = letters::batches(state, user, id).await?;
    let today = crate::domain::survey::swedish_day(chrono::Utc::now());
    let published = crate::app::publishing::status(state, user, id).await?;
    let reopenable = published.is_none() && today <= survey.closes_on;
    let standing = status_of(&survey, today);
    let publication = published.map(|publication| {
        let day = crate::domain::survey::swedish_day(publication.published_at.and_utc());
        context! { published_on => day.to_string() }
    });
    state.templates.page(
        status,
        "admin/survey.html",
        context! { user => user.view(), csrf_token => user.csrf_token(), survey,
        manages_any, dispositions, notice, problems, max_codes => letters::MAX_CODES_PER_BATCH, population, background,
        upload, publication, codes, batches, request_key => uuid::Uuid::new_v4().to_string(), reopenable,
        status => standing, languages, languages_problem, review_problem },
    )
}

/// What the survey page says first: where the survey stands in its period, the answers so far, and what a draft
/// still lacks before it can open.
fn status_of(survey: &SurveyView, today: chrono::NaiveDate) -> Context {
    use crate::domain::format::number as thousands;
    let sum = |of: fn(&PartView) -> i64| survey.municipalities.iter().map(of).sum::<i64>();
    let (web, paper) = (sum(|part| part.responses_web), sum(|part| part.responses_paper));
    let (letters, awaiting) = (sum(|part| part.letters), sum(|part| part.awaiting));
    let mut missing = Vec::new();
    if survey.state == survey::SurveyState::Draft {
        if survey.sender.is_none() {
            missing.push("sender");
        }
        if survey.contact.is_none() {
            missing.push("contact");
        }
        if survey.has_response_rate && letters == 0 {
            missing.push("letters");
        }
    }
    context! {
        days_to_open => (survey.opens_on - today).num_days(),
        days_left => (survey.closes_on - today).num_days(),
        responses => thousands(web + paper), web => thousands(web), paper => thousands(paper),
        letters => thousands(letters), awaiting => thousands(awaiting), missing,
    }
}

/// `GET /admin/surveys/{id}`, with the notice of the form that led here, once.
pub async fn show_page(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let notice = notice::waiting(&request).map(|notice| notice.text(&user.lang));
    let page = render_survey(&state, &user, StatusCode::OK, &id, Notes { notice, ..Notes::default() }).await?;
    notice::shown(&request, page, state.secure_cookies)
}

/// `GET /admin/surveys/{id}/edit`: a draft's settings, or an open or closed survey's disclosure settings.
pub async fn edit_page(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let loaded = surveys::check_manage(&state, &user, &id).await?;
    let locked = !loaded.state.is_editable();
    render_edit(&state, &user, StatusCode::OK, &id, locked, edit_fields(&loaded), Vec::new()).await
}

fn edit_fields(loaded: &Loaded) -> Vec<(String, String)> {
    let mut fields = vec![
        ("title".to_owned(), loaded.survey.title.clone()),
        ("opens_on".to_owned(), loaded.survey.opens_on.to_string()),
        ("closes_on".to_owned(), loaded.survey.closes_on.to_string()),
        ("instrument".to_owned(), format!("{}@{}", loaded.survey.instrument_key, loaded.survey.instrument_version)),
        ("min_base".to_owned(), loaded.survey.min_base.to_string()),
        ("min_cell".to_owned(), loaded.survey.min_cell.to_string()),
        ("sender".to_owned(), loaded.survey.sender.clone().unwrap_or_default()),
    ];
    let contact = surveys::asker_of(&loaded.survey).contact;
    let phone = contact.as_ref().and_then(|contact| contact.phone.as_ref()).map(|phone| phone.to_string());
    let email = contact.as_ref().and_then(|contact| contact.email.as_ref()).map(|email| email.to_string());
    fields.push(("contact_phone".to_owned(), phone.unwrap_or_default()));
    fields.push(("contact_email".to_owned(), email.unwrap_or_default()));
    for (part, _) in &loaded.parts {
        fields.push(("municipality".to_owned(), part.municipality_code.clone()));
        fields.push((format!("sample_size_{}", part.municipality_code), part.sample_size.to_string()));
        let target = part.target_percent.map(|t| t.to_string()).unwrap_or_default();
        fields.push((format!("target_{}", part.municipality_code), target));
    }
    fields
}

async fn render_edit(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    id: &str,
    locked: bool,
    fields: Vec<(String, String)>,
    errors: Vec<FieldError>,
) -> Result<HttpResponse, AppError> {
    let value = |name: &str| field(&fields, name);
    let options = municipalities::manageable(state, user).await?;
    let chosen: Vec<String> =
        fields.iter().filter(|(key, _)| key == "municipality").map(|(_, code)| code.clone()).collect();
    #[derive(Serialize)]
    struct Row {
        code: String,
        name: String,
        sample_size: String,
        target: String,
    }
    let rows: Vec<Row> = chosen
        .iter()
        .map(|code| Row {
            name: options.iter().find(|o| &o.code == code).map(|o| o.name.clone()).unwrap_or_else(|| code.clone()),
            sample_size: value(&format!("sample_size_{code}")),
            target: value(&format!("target_{code}")),
            code: code.clone(),
        })
        .collect();
    state.templates.page(
        status,
        "admin/survey_edit.html",
        context! { user => user.view(), csrf_token => user.csrf_token(), id, locked,
        form => context! { title => value("title"), opens_on => value("opens_on"), closes_on => value("closes_on"),
        instrument => value("instrument"), min_base => value("min_base"), min_cell => value("min_cell"),
        sender => value("sender"), contact_phone => value("contact_phone"), contact_email => value("contact_email") },
        rows, municipalities => options, chosen, instruments => instrument_options(state).await?, errors },
    )
}

/// `POST /admin/surveys/{id}/edit`: a draft's title, period, questionnaire, each municipality's sample and target,
/// and its disclosure settings; an open or closed survey's disclosure settings only.
pub async fn update_from_page(
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: ProtectedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let ProtectedForm { user, form: fields } = form;
    let loaded = surveys::check_manage(&state, &user, &id).await?;
    if !loaded.state.is_editable() {
        return update_disclosure_from_page(&state, &user, &id, fields).await;
    }
    let value = |name: &str| field(&fields, name);
    let mut errors = FieldErrors::default();
    let codes = edited_municipalities(&fields);
    let parts = edited_parts(&fields, &codes, &mut errors);
    let (instrument_key, instrument_version) = chosen_instrument(&value("instrument"), &mut errors);
    let (min_base, min_cell) = disclosure_fields(&value("min_base"), &value("min_cell"), &mut errors);
    let input = SurveyInput {
        title: value("title"),
        opens_on: value("opens_on"),
        closes_on: value("closes_on"),
        access: loaded.access.as_str().to_owned(),
        municipalities: parts,
        instrument_key,
        instrument_version,
        min_base,
        min_cell,
        sender: typed(&value("sender")),
        contact: typed_contact(&value("contact_phone"), &value("contact_email")),
    };
    let mut kept: Vec<(String, String)> =
        fields.iter().filter(|(key, _)| key != "municipality" && key != "add_municipality").cloned().collect();
    kept.extend(codes.iter().map(|code| ("municipality".to_owned(), code.clone())));
    match validate_form(&state, &user, &input, errors).await {
        Ok(valid) => {
            surveys::update(&state, &user, Actor::of(&user), &id, valid).await?;
            Ok(see_other(&format!("/admin/surveys/{id}")))
        }
        Err(errors) => render_edit(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, &id, false, kept, errors).await,
    }
}

/// The edit form of an open or closed survey: its disclosure settings only, kept as typed when wrong.
async fn update_disclosure_from_page(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    fields: Vec<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::default();
    let (min_base, min_cell) = disclosure_fields(&field(&fields, "min_base"), &field(&fields, "min_cell"), &mut errors);
    if errors.is_empty() {
        match surveys::set_disclosure(state, user, Actor::of(user), id, min_base, min_cell).await {
            Ok(()) => return Ok(see_other(&format!("/admin/surveys/{id}"))),
            Err(AppError::InvalidFields(more)) => errors.0.extend(more),
            Err(error) => return Err(error),
        }
    }
    render_edit(state, user, StatusCode::UNPROCESSABLE_ENTITY, id, true, fields, errors.0).await
}

/// The value of a form field; empty when the form has none.
fn field(fields: &[(String, String)], name: &str) -> String {
    fields.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone()).unwrap_or_default()
}

/// The municipalities an edit keeps or adds, each once, in the form's order.
fn edited_municipalities(fields: &[(String, String)]) -> Vec<String> {
    let mut codes: Vec<String> = Vec::new();
    for (key, code) in fields {
        let keep = key == "municipality" && field(fields, &format!("remove_{code}")).is_empty();
        if (keep || key == "add_municipality") && !code.is_empty() && !codes.contains(code) {
            codes.push(code.clone());
        }
    }
    codes
}

/// Each municipality's sample and target as edited (an empty sample is 0), with an error per field that is wrong.
fn edited_parts(fields: &[(String, String)], codes: &[String], errors: &mut FieldErrors) -> Vec<PartInput> {
    let mut parts = Vec::new();
    for code in codes {
        let sample_text = field(fields, &format!("sample_size_{code}"));
        let sample_size = if sample_text.is_empty() { Ok(0) } else { survey::parse_sample_size(&sample_text) };
        let sample_size = sample_size
            .map_err(|_| {
                errors.add(&format!("sample_size_{code}"), Text::new("problem.survey.part_sample").with("code", code))
            })
            .unwrap_or(0);
        let target = survey::parse_target(&field(fields, &format!("target_{code}")))
            .map_err(|_| {
                errors.add(&format!("target_{code}"), Text::new("problem.survey.part_target").with("code", code))
            })
            .unwrap_or(None);
        parts.push(PartInput { code: code.clone(), sample_size, target_percent: target });
    }
    parts
}

/// `POST /admin/surveys/{id}/open`, `/close` and `/reopen`. Closing asks first (`GET /admin/surveys/{id}/close`):
/// a form without the confirmation goes there.
pub async fn transition_from_page(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: ProtectedForm<TransitionForm>,
) -> Result<HttpResponse, AppError> {
    let (id, action) = path.into_inner();
    let ProtectedForm { user, form } = form;
    let transition = match action.as_str() {
        "open" => Transition::Open,
        "close" => Transition::Close,
        "reopen" => Transition::Reopen,
        _ => return Err(AppError::NotFound),
    };
    if transition == Transition::Close && form.confirm.is_empty() {
        return Ok(see_other(&format!("/admin/surveys/{id}/close")));
    }
    match surveys::transition(&state, &user, Actor::of(&user), &id, transition).await {
        Ok(next) => {
            let location = format!("/admin/surveys/{id}");
            match next {
                survey::SurveyState::Open => notice::redirect(&location, Notice::SurveyOpen, state.secure_cookies),
                survey::SurveyState::Closed => notice::redirect(&location, Notice::SurveyClosed, state.secure_cookies),
                survey::SurveyState::Draft => Ok(see_other(&location)),
            }
        }
        Err(AppError::Conflict(reason)) => {
            render_survey(&state, &user, StatusCode::CONFLICT, &id, Notes::notice(user.say(&reason))).await
        }
        Err(error) => Err(error),
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct TransitionForm {
    /// Set by the confirmation page's button: closing is meant.
    confirm: String,
}

/// `GET /admin/surveys/{id}/close`: what closing means for the residents holding letters, and the button that does
/// it.
pub async fn close_page(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let overview = surveys::overview(&state, &user, &id).await?;
    let survey = SurveyView::from(overview);
    if !survey.may_manage || survey.state != survey::SurveyState::Open {
        return Ok(see_other(&format!("/admin/surveys/{id}")));
    }
    let today = crate::domain::survey::swedish_day(chrono::Utc::now());
    state.templates.page(
        StatusCode::OK,
        "admin/survey_close.html",
        context! { user => user.view(),
        csrf_token => user.csrf_token(), reopenable => today <= survey.closes_on, survey },
    )
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct CopyForm {
    title: String,
    opens_on: String,
    closes_on: String,
}

/// `POST /admin/surveys/{id}/copy`: next year's wave as a new draft.
pub async fn copy_from_page(
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: ProtectedForm<CopyForm>,
) -> Result<HttpResponse, AppError> {
    let ProtectedForm { user, form } = form;
    let period = if form.opens_on.trim().is_empty() && form.closes_on.trim().is_empty() {
        None
    } else {
        Some(Period::parse(&form.opens_on, &form.closes_on).map_err(|error| AppError::invalid("opens_on", error))?)
    };
    let title = Some(form.title).filter(|title| !title.trim().is_empty());
    let new_id = surveys::copy(&state, &user, Actor::of(&user), &id, title, period).await?;
    Ok(see_other(&format!("/admin/surveys/{new_id}")))
}

// ---------------------------------------------------------------------------------------------------------------
// API

/// List the surveys you may see.
#[utoipa::path(get, path = "/api/v1/surveys", tag = "surveys", responses((status = 200, body = [SurveySummary])))]
pub async fn api_list(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(surveys::list(&state, &user).await?))
}

/// Create a draft survey.
#[utoipa::path(post, path = "/api/v1/surveys", tag = "surveys", request_body = SurveyInput,
    responses((status = 201, body = SurveyView), (status = 422, body = crate::http::errors::ErrorBody), (status = 403, body = crate::http::errors::ErrorBody)))]
pub async fn api_create(
    state: web::Data<AppState>,
    user: CurrentUser,
    input: JsonObject<SurveyInput>,
) -> Result<HttpResponse, AppError> {
    surveys::check_create(&user)?;
    let valid = surveys::validate(&state, &user, &input).await.map_err(|errors| AppError::InvalidFields(errors.0))?;
    let id = surveys::create(&state, &user, Actor::of(&user), valid).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/surveys/{id}")))
        .json(survey_view(&state, &user, &id).await?))
}

/// One survey with its municipalities and letters by disposition.
#[utoipa::path(get, path = "/api/v1/surveys/{id}", tag = "surveys", params(("id" = String, Path)),
    responses((status = 200, body = SurveyView), (status = 404, body = crate::http::errors::ErrorBody)))]
pub async fn api_show(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(survey_view(&state, &user, &id).await?))
}

/// Replace a draft survey's title, period, municipalities, questionnaire and disclosure settings. An open or closed
/// survey takes new disclosure settings (`min_base`, `min_cell`) only: everything else must be as it is (else 409).
#[utoipa::path(put, path = "/api/v1/surveys/{id}", tag = "surveys", params(("id" = String, Path)), request_body = SurveyInput,
    responses((status = 200, body = SurveyView), (status = 409, body = crate::http::errors::ErrorBody), (status = 422, body = crate::http::errors::ErrorBody)))]
pub async fn api_update(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    input: JsonObject<SurveyInput>,
) -> Result<HttpResponse, AppError> {
    surveys::check_manage(&state, &user, &id).await?;
    let valid = surveys::validate(&state, &user, &input).await.map_err(|errors| AppError::InvalidFields(errors.0))?;
    surveys::update(&state, &user, Actor::of(&user), &id, valid).await?;
    Ok(HttpResponse::Ok().json(survey_view(&state, &user, &id).await?))
}

/// Open a draft survey (freezing its questionnaire version).
#[utoipa::path(post, path = "/api/v1/surveys/{id}/open", tag = "surveys", params(("id" = String, Path)),
    responses((status = 200, body = SurveyView), (status = 409, body = crate::http::errors::ErrorBody)))]
pub async fn api_open(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    api_transition(state, user, id, Transition::Open).await
}

/// Close an open survey.
#[utoipa::path(post, path = "/api/v1/surveys/{id}/close", tag = "surveys", params(("id" = String, Path)),
    responses((status = 200, body = SurveyView), (status = 409, body = crate::http::errors::ErrorBody)))]
pub async fn api_close(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    api_transition(state, user, id, Transition::Close).await
}

/// Opens a closed survey again (closed by mistake or too early): only within its period, and not while its results
/// are published.
#[utoipa::path(post, path = "/api/v1/surveys/{id}/reopen", tag = "surveys", params(("id" = String, Path)),
    responses((status = 200, body = SurveyView), (status = 409, body = crate::http::errors::ErrorBody)))]
pub async fn api_reopen(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    api_transition(state, user, id, Transition::Reopen).await
}

/// Changes a survey's state, and answers with it as it is now.
async fn api_transition(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    transition: Transition,
) -> Result<HttpResponse, AppError> {
    surveys::transition(&state, &user, Actor::of(&user), &id, transition).await?;
    api_show(state, user, id).await
}

/// The new wave's title and period; both optional (default: the same dates a year later).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CopyInput {
    pub title: Option<String>,
    pub opens_on: Option<String>,
    pub closes_on: Option<String>,
}

/// Copy a survey as next year's wave (a new draft with the same municipalities and settings).
#[utoipa::path(post, path = "/api/v1/surveys/{id}/copy", tag = "surveys", params(("id" = String, Path)), request_body = CopyInput,
    responses((status = 201, body = SurveyView), (status = 403, body = crate::http::errors::ErrorBody)))]
pub async fn api_copy(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    input: JsonObject<CopyInput>,
) -> Result<HttpResponse, AppError> {
    let input = input.into_inner();
    let period = match (input.opens_on, input.closes_on) {
        (Some(opens_on), Some(closes_on)) => {
            Some(Period::parse(&opens_on, &closes_on).map_err(|error| AppError::invalid("opens_on", error))?)
        }
        (None, None) => None,
        _ => return Err(AppError::invalid("closes_on", Text::new("problem.period.both"))),
    };
    let new_id = surveys::copy(&state, &user, Actor::of(&user), &id, input.title, period).await?;
    Ok(HttpResponse::Created().json(survey_view(&state, &user, &new_id).await?))
}
