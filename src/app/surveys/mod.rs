//! Survey use cases shared by the pages and the API: creating, changing, opening, closing and copying survey
//! waves, their disclosure settings (what results may show, changeable in every state), and the overview of a
//! survey's letters, responses and population margins. Handing out codes and reminder lists are in
//! [`letters`], importing returned letters in [`dispositions`]. Each checks permissions on the server, validates into
//! field errors, and writes its change with its audit event in one transaction.

pub mod dispositions;
pub mod letters;

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use diesel::Connection;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::app::Context;
use crate::app::audit::Actor;
use crate::auth::Staff;
use crate::db::models::survey::{Survey, SurveyChanges, SurveyMunicipality};
use crate::db::queries::tallies::{self, SurveyTallies};
use crate::db::queries::{audit, invitations, population, surveys};
use crate::domain::audit::Action;
use crate::domain::dispositions::Disposition;
use crate::domain::instrument::Instrument;
use crate::domain::municipality::MunicipalityCode;
use crate::domain::population::Margins;
use crate::domain::sender::{self, Contact};
use crate::domain::survey::{self, Access, Mode, Period, SurveyState, Transition};
use crate::error::AppError;
use crate::error::{FieldErrors, Text};

/// One municipality's part as given by a coordinator.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct PartInput {
    /// Municipality code, e.g. "1783".
    pub code: String,
    /// How many residents are invited, 0–1,000,000.
    #[schema(minimum = 0, maximum = 1000000)]
    #[serde(deserialize_with = "crate::domain::whole_number::deserialize")]
    pub sample_size: i32,
    /// Target response rate in percent.
    pub target_percent: Option<f64>,
}

/// A survey as given by a coordinator (create), or its new settings (change). Once a survey has opened, a change may
/// only give new disclosure settings (`min_base`, `min_cell`): everything else must be as the survey has it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct SurveyInput {
    pub title: String,
    /// First day residents can answer, YYYY-MM-DD.
    #[schema(format = Date)]
    pub opens_on: String,
    /// Last day residents can answer, YYYY-MM-DD, at most a year after the first.
    #[schema(format = Date)]
    pub closes_on: String,
    /// "codes" (letters with personal codes) or "open_link".
    #[schema(value_type = crate::domain::survey::Access)]
    pub access: String,
    pub municipalities: Vec<PartInput>,
    /// The questionnaire, by key and version (see `GET /api/v1/instruments`). Both or neither; when neither, a new
    /// survey gets the built-in questionnaire and a change keeps the one the survey has.
    pub instrument_key: Option<String>,
    pub instrument_version: Option<String>,
    /// Results show no index, share or percentage on fewer valid answers than this, 1–10,000. When absent, a new
    /// survey gets 30 and a change keeps the survey's.
    #[schema(minimum = 1, maximum = 10000)]
    #[serde(default, deserialize_with = "crate::domain::whole_number::deserialize_option")]
    pub min_base: Option<i32>,
    /// Results show no count smaller than this, 1–1,000. When absent, a new survey gets 5 and a change keeps the
    /// survey's.
    #[schema(minimum = 1, maximum = 1000)]
    #[serde(default, deserialize_with = "crate::domain::whole_number::deserialize_option")]
    pub min_cell: Option<i32>,
    /// Who asks, as residents read it on every page of the survey: the police and the survey's municipalities, e.g.
    /// "Polisen och Hagfors kommun". One line (no control characters) of 1–200 characters, not only spaces;
    /// surrounding spaces are dropped. Needed before the survey opens; a draft may lack it (absent or null).
    #[schema(min_length = 1, max_length = 200, pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$")]
    #[serde(default)]
    pub sender: Option<String>,
    /// Where residents can ask about the survey: a phone number, an e-mail address, or both. Needed before the survey
    /// opens; a draft may lack it (absent or null).
    #[serde(default)]
    pub contact: Option<ContactInput>,
}

/// Where residents can ask about a survey: at least one of the two.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ContactInput {
    /// A phone number: an optional `+`, then 5–15 digits with single spaces or hyphens between them, e.g.
    /// "0563-185 00" or "+46 563 185 00". Kept as written.
    #[schema(pattern = "^\\+?[0-9]([ -]?[0-9]){4,14}$")]
    #[serde(default)]
    pub phone: Option<String>,
    /// An e-mail address as RFC 5321/5322 define it, with a domain of at least two labels (no IP address in
    /// brackets, no display name such as `Anna <anna@kommun.se>`), at most 254 characters; surrounding spaces are
    /// dropped and it is kept in lower case. Not JSON Schema's `email` format, which also takes addresses this
    /// refuses.
    #[serde(default)]
    pub email: Option<String>,
}

/// Who asks and whom to ask, checked; either may be missing on a draft.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Asker {
    pub sender: Option<String>,
    pub contact: Option<Contact>,
}

/// A checked survey definition.
pub struct ValidSurvey {
    pub title: String,
    pub period: Period,
    pub access: Access,
    pub parts: Vec<PartInput>,
    /// The questionnaire chosen (key, version), known to the service; `None` when none was named.
    pub instrument: Option<(String, String)>,
    /// The disclosure settings given; `None` when not given.
    pub min_base: Option<i32>,
    pub min_cell: Option<i32>,
    /// Who asks and whom to ask, as given.
    pub asker: Asker,
}

/// Checks who asks and whom to ask, with an error on each field at fault (`sender`, `contact`, `contact.phone`,
/// `contact.email`).
pub fn validate_asker(sender: Option<&str>, contact: Option<&ContactInput>, errors: &mut FieldErrors) -> Asker {
    let sender = sender.and_then(|text| sender::parse_sender(text).map_err(|reason| errors.add("sender", reason)).ok());
    let contact = contact.and_then(|contact| {
        Contact::parse(contact.phone.as_deref(), contact.email.as_deref())
            .map_err(|problems| {
                for (part, reason) in problems {
                    match part {
                        Some(part) => errors.add(&format!("contact.{part}"), reason),
                        None => errors.add("contact", reason),
                    }
                }
            })
            .ok()
    });
    Asker { sender, contact }
}

/// Checks a survey definition, including that the user may run every municipality in it.
pub async fn validate(ctx: &Context, user: &Staff, input: &SurveyInput) -> Result<ValidSurvey, FieldErrors> {
    let mut errors = FieldErrors::default();
    let title = survey::parse_title(&input.title).map_err(|reason| errors.add("title", reason)).ok();
    let period = Period::parse(&input.opens_on, &input.closes_on)
        .map_err(|error| {
            let field = if Period::is_about_first_day(&error) { "opens_on" } else { "closes_on" };
            errors.add(field, error)
        })
        .ok();
    let access = Access::parse(&input.access);
    if access.is_none() {
        errors.add("access", Text::new("problem.survey.access"));
    }
    let mut seen = HashSet::new();
    let codes: Vec<String> = input.municipalities.iter().map(|part| part.code.trim().to_owned()).collect();
    if codes.is_empty() {
        errors.add("municipalities", Text::new("problem.survey.no_municipality"));
    }
    for (part, code) in input.municipalities.iter().zip(&codes) {
        if MunicipalityCode::parse(code).is_err() {
            errors.add("municipalities", Text::new("problem.survey.bad_code").with("code", code));
        } else if !seen.insert(code.clone()) {
            errors.add("municipalities", Text::new("problem.survey.twice").with("code", code));
        } else if !user.permissions.may_manage(code) {
            errors.add("municipalities", Text::new("problem.survey.not_yours").with("code", code));
        }
        if !(0..=1_000_000).contains(&part.sample_size) {
            errors.add("municipalities", Text::new("problem.survey.part_sample").with("code", code));
        }
        if part.target_percent.is_some_and(|target| !(target > 0.0 && target <= 100.0)) {
            errors.add("municipalities", Text::new("problem.survey.part_target").with("code", code));
        }
    }
    let min_base = input.min_base.and_then(|n| survey::check_min_base(n).map_err(|r| errors.add("min_base", r)).ok());
    let min_cell = input.min_cell.and_then(|n| survey::check_min_cell(n).map_err(|r| errors.add("min_cell", r)).ok());
    let asker = validate_asker(input.sender.as_deref(), input.contact.as_ref(), &mut errors);
    let instrument = validate_instrument(ctx, input, &mut errors).await;
    if errors.is_empty() {
        match crate::app::accounts::validate_municipalities(&ctx.db, &codes).await {
            Ok(_) => {}
            Err(reason) => errors.add("municipalities", reason),
        }
    }
    match (title, period, access, errors.is_empty()) {
        (Some(title), Some(period), Some(access), true) => Ok(ValidSurvey {
            title,
            period,
            access,
            parts: input.municipalities.clone(),
            instrument,
            min_base,
            min_cell,
            asker,
        }),
        _ => Err(errors),
    }
}

/// The questionnaire a survey definition names, if it names one the service knows; otherwise a field error on the
/// field at fault (a key the service has never seen, or a version of a known key that it does not have).
async fn validate_instrument(ctx: &Context, input: &SurveyInput, errors: &mut FieldErrors) -> Option<(String, String)> {
    fn trimmed(value: &Option<String>) -> Option<&str> {
        value.as_deref().map(str::trim).filter(|value| !value.is_empty())
    }
    let (key, version) = match (trimmed(&input.instrument_key), trimmed(&input.instrument_version)) {
        (None, None) => return None,
        (Some(key), Some(version)) => (key, version),
        (None, Some(_)) => {
            errors.add("instrument_key", Text::new("problem.survey.instrument_key"));
            return None;
        }
        (Some(_), None) => {
            errors.add("instrument_version", Text::new("problem.survey.instrument_version"));
            return None;
        }
    };
    match crate::app::instruments::get(ctx, key, version).await {
        Ok(instrument) => Some((instrument.key().to_owned(), instrument.version().to_owned())),
        Err(AppError::NotFound) => {
            let known = crate::app::instruments::list(ctx).await.unwrap_or_default();
            if known.iter().any(|summary| summary.key == key) {
                let versions: Vec<&str> =
                    known.iter().filter(|summary| summary.key == key).map(|summary| summary.version.as_str()).collect();
                let reason = Text::new("problem.survey.no_such_version")
                    .with("key", key)
                    .with("version", version)
                    .with("versions", versions.join(", "));
                errors.add("instrument_version", reason);
            } else {
                errors.add("instrument_key", Text::new("problem.survey.no_such_instrument").with("key", key));
            }
            None
        }
        Err(error) => {
            tracing::warn!(%error, "could not look up a survey's questionnaire");
            errors.add("instrument_key", Text::new("problem.survey.instrument_unchecked"));
            None
        }
    }
}

fn rows(survey_id: &str, parts: &[PartInput]) -> Vec<SurveyMunicipality> {
    parts
        .iter()
        .map(|part| SurveyMunicipality {
            survey_id: survey_id.to_owned(),
            municipality_code: part.code.trim().to_owned(),
            sample_size: part.sample_size,
            target_percent: part.target_percent,
        })
        .collect()
}

/// Creates a draft survey.
pub async fn create(ctx: &Context, user: &Staff, actor: Actor, valid: ValidSurvey) -> Result<String, AppError> {
    check_create(user)?;
    let instrument = match &valid.instrument {
        Some((key, version)) => crate::app::instruments::get(ctx, key, version).await?,
        None => ctx.instruments.default(),
    };
    let (instrument_key, instrument_version) = (instrument.key().to_owned(), instrument.version().to_owned());
    let survey = Survey {
        id: uuid::Uuid::new_v4().to_string(),
        title: valid.title,
        instrument_key,
        instrument_version,
        state: SurveyState::Draft,
        access: valid.access,
        opens_on: valid.period.opens_on,
        closes_on: valid.period.closes_on,
        created_by: Some(user.id.clone()),
        created_at: crate::db::now(),
        copied_from: None,
        revision: 0,
        min_base: valid.min_base.unwrap_or(survey::DEFAULT_MIN_BASE),
        min_cell: valid.min_cell.unwrap_or(survey::DEFAULT_MIN_CELL),
        contact: valid.asker.contact.as_ref().map(Contact::to_json),
        sender: valid.asker.sender,
        // Its questionnaire's default language; the coordinator turns others on (`app::translations`).
        languages: instrument.default_language().to_owned(),
    };
    let parts = rows(&survey.id, &valid.parts);
    let id = survey.id.clone();
    ctx.db
        .write(move |conn| {
            conn.transaction(|conn| {
                surveys::insert(conn, &survey, &parts)?;
                let codes: Vec<&str> = parts.iter().map(|part| part.municipality_code.as_str()).collect();
                let detail = json!({ "title": survey.title, "access": survey.access, "municipalities": codes,
                    "instrument": [survey.instrument_key, survey.instrument_version],
                    "min_base": survey.min_base, "min_cell": survey.min_cell, "sender": survey.sender });
                audit::insert(conn, &actor.event(Action::SurveyCreated, Some(survey.id.clone()), detail))
            })
        })
        .await?;
    Ok(id)
}

/// A survey with its municipalities, as the user may see it.
pub struct Loaded {
    pub survey: Survey,
    pub state: SurveyState,
    pub access: Access,
    /// Every municipality of the survey with its name.
    pub parts: Vec<(SurveyMunicipality, String)>,
}

impl Loaded {
    /// Whether the user may change the survey as a whole.
    pub fn may_manage(&self, user: &Staff) -> bool {
        user.permissions.may_manage_survey(self.parts.iter().map(|(part, _)| part.municipality_code.as_str()))
    }
}

/// Loads a survey the user may see; `NotFound` for one they may not (its existence is not revealed).
pub async fn load(ctx: &Context, user: &Staff, id: &str) -> Result<Loaded, AppError> {
    let lookup = id.to_owned();
    let (survey, parts) = ctx.db.run(move |conn| surveys::with_parts(conn, &lookup)).await?;
    if !user.permissions.may_view_survey(parts.iter().map(|(part, _)| part.municipality_code.as_str())) {
        return Err(AppError::NotFound);
    }
    Ok(Loaded { state: survey.state, access: survey.access, survey, parts })
}

/// A survey with the municipalities the user may see, their letters counted by disposition and their responses by
/// mode.
pub struct Overview {
    pub survey: Survey,
    /// The survey's questionnaire; `None` when the service does not know it.
    pub instrument: Option<Arc<Instrument>>,
    /// Whether the user may change, open, close or copy the survey.
    pub may_manage: bool,
    pub municipalities: Vec<PartCounts>,
    /// For an open-link survey: the address to share, where residents start by choosing their municipality.
    pub open_link: Option<String>,
}

/// One municipality of a survey with its letters and responses counted.
pub struct PartCounts {
    pub part: SurveyMunicipality,
    pub name: String,
    /// Letters by disposition, for each disposition that has any.
    pub dispositions: Vec<(Disposition, i64)>,
    /// Responses given on the web.
    pub web: i64,
    /// Paper forms keyed in by staff.
    pub paper: i64,
    /// Whether the user may hand out codes, record dispositions and set population margins here.
    pub may_manage: bool,
    /// The municipality's population margins (empty when none are stored).
    pub margins: Margins,
}

impl PartCounts {
    /// Letters handed out.
    pub fn letters(&self) -> i64 {
        self.dispositions.iter().map(|(_, count)| count).sum()
    }

    /// Letters that still get reminders: neither answered nor ruled out.
    pub fn awaiting(&self) -> i64 {
        self.dispositions
            .iter()
            .filter(|(disposition, _)| Disposition::AWAITING.contains(disposition))
            .map(|(_, count)| count)
            .sum()
    }
}

/// A survey the user may see, with its letters and responses counted and its population margins per municipality.
pub async fn overview(ctx: &Context, user: &Staff, id: &str) -> Result<Overview, AppError> {
    let loaded = load(ctx, user, id).await?;
    let lookup = loaded.survey.id.clone();
    // The counters, not the letters and responses themselves: the page costs the same at 300 or 300,000 answers.
    let (tallies, mut margins) =
        ctx.db.run(move |conn| Ok((tallies::of_survey(conn, &lookup)?, population::of_survey(conn, &lookup)?))).await?;
    let may_manage = loaded.may_manage(user);
    let instrument = match crate::app::instruments::for_survey(ctx, &loaded.survey).await {
        Ok(instrument) => Some(instrument),
        Err(AppError::Conflict(_)) => None,
        Err(error) => return Err(error),
    };
    let municipalities = loaded
        .parts
        .into_iter()
        .filter(|(part, _)| user.permissions.may_view(&part.municipality_code))
        .map(|(part, name)| {
            let margins = margins.remove(&part.municipality_code).unwrap_or_default();
            PartCounts { margins, ..counted(user, &tallies, part, name) }
        })
        .collect();
    let open_link = (loaded.access == Access::OpenLink)
        .then(|| ctx.public_url.join(&format!("oppen/{}", loaded.survey.id)).map(|url| url.to_string()).ok())
        .flatten();
    Ok(Overview { survey: loaded.survey, instrument, may_manage, municipalities, open_link })
}

/// One municipality's letters and responses, from the survey's counters.
fn counted(user: &Staff, tallies: &SurveyTallies, part: SurveyMunicipality, name: String) -> PartCounts {
    let code = part.municipality_code.as_str();
    let dispositions = tallies
        .dispositions
        .iter()
        .filter(|row| row.letters != 0 && row.municipality_code == code)
        .map(|row| (row.disposition, i64::from(row.letters)))
        .collect();
    let responses_in = |mode: Mode| {
        tallies
            .completions
            .iter()
            .filter(|row| row.municipality_code == code && row.mode == mode)
            .map(|row| i64::from(row.submitted))
            .sum::<i64>()
    };
    PartCounts {
        dispositions,
        web: responses_in(Mode::Web),
        paper: responses_in(Mode::Paper),
        may_manage: user.permissions.may_manage(code),
        margins: Margins::default(),
        part,
        name,
    }
}

/// A survey in a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SurveySummary {
    pub id: String,
    pub title: String,
    pub state: SurveyState,
    pub state_label: &'static str,
    pub access: Access,
    pub opens_on: chrono::NaiveDate,
    pub closes_on: chrono::NaiveDate,
    pub municipalities: Vec<String>,
    pub municipality_names: Vec<String>,
}

/// Every survey the user may see.
pub async fn list(ctx: &Context, user: &Staff) -> Result<Vec<SurveySummary>, AppError> {
    let (all, parts) = ctx.db.run(|conn| Ok((surveys::list(conn)?, surveys::all_parts(conn)?))).await?;
    let mut by_survey: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for (survey_id, code, name) in parts {
        by_survey.entry(survey_id).or_default().push((code, name));
    }
    Ok(all
        .into_iter()
        .filter_map(|survey| {
            let parts = by_survey.remove(&survey.id).unwrap_or_default();
            if !user.permissions.may_view_survey(parts.iter().map(|(code, _)| code.as_str())) {
                return None;
            }
            let state = survey.state;
            Some(SurveySummary {
                id: survey.id,
                title: survey.title,
                state,
                state_label: state.label(),
                access: survey.access,
                opens_on: survey.opens_on,
                closes_on: survey.closes_on,
                municipalities: parts.iter().map(|(code, _)| code.clone()).collect(),
                municipality_names: parts.into_iter().map(|(_, name)| name).collect(),
            })
        })
        .collect())
}

/// Checks that the user may create surveys. Run before validating input, so that the answer does not depend on it.
pub fn check_create(user: &Staff) -> Result<(), AppError> {
    if user.permissions.may_create_surveys() { Ok(()) } else { Err(AppError::Forbidden) }
}

/// Checks that the user may change this survey as a whole: `NotFound` when they may not see it, `Forbidden` when
/// they may see but not change it. Run before validating input, so that the answer does not depend on it.
pub async fn check_manage(ctx: &Context, user: &Staff, id: &str) -> Result<Loaded, AppError> {
    let loaded = load(ctx, user, id).await?;
    if loaded.may_manage(user) { Ok(loaded) } else { Err(AppError::Forbidden) }
}

/// What a change to an open or closed survey is told.
const NOT_A_DRAFT: Text = Text::new("problem.survey.not_a_draft");

/// Changes a survey's settings: a draft's title, period, municipalities, questionnaire and disclosure settings; an
/// open or closed survey's disclosure settings only (`Conflict` when anything else differs from what it has).
pub async fn update(ctx: &Context, user: &Staff, actor: Actor, id: &str, valid: ValidSurvey) -> Result<(), AppError> {
    let loaded = check_manage(ctx, user, id).await?;
    if !loaded.state.is_editable() {
        if !keeps_all_but_disclosure(&loaded, &valid) {
            return Err(AppError::Conflict(NOT_A_DRAFT));
        }
        return write_disclosure(ctx, actor, &loaded, valid.min_base, valid.min_cell).await;
    }
    let id = id.to_owned();
    let parts = rows(&id, &valid.parts);
    // Letters already handed out must keep working: a municipality with letters cannot leave the survey.
    let lookup = id.clone();
    let counts = ctx.db.run(move |conn| invitations::counts(conn, &lookup)).await?;
    let wanted: HashSet<&str> = parts.iter().map(|part| part.municipality_code.as_str()).collect();
    if let Some((code, _, _)) = counts.iter().find(|(code, _, count)| *count > 0 && !wanted.contains(code.as_str())) {
        return Err(AppError::Conflict(Text::new("problem.survey.has_letters").with("code", code)));
    }
    let instrument = valid.instrument.clone();
    // Another questionnaire has other translations, reviewed or not: the survey then offers the new one's own
    // language until its coordinator turns others on again (and confirms any draft).
    let languages = match &instrument {
        Some((key, version))
            if *key != loaded.survey.instrument_key || *version != loaded.survey.instrument_version =>
        {
            Some(crate::app::instruments::get(ctx, key, version).await?.default_language().to_owned())
        }
        _ => None,
    };
    let (instrument_key, instrument_version) = valid.instrument.unzip();
    let changes = SurveyChanges {
        title: Some(valid.title),
        opens_on: Some(valid.period.opens_on),
        closes_on: Some(valid.period.closes_on),
        instrument_key,
        instrument_version,
        min_base: valid.min_base,
        min_cell: valid.min_cell,
        sender: Some(valid.asker.sender.clone()),
        contact: Some(valid.asker.contact.as_ref().map(Contact::to_json)),
        languages,
        ..SurveyChanges::default()
    };
    ctx.db
        .write(move |conn| {
            conn.transaction(|conn| {
                surveys::update(conn, &id, &changes)?;
                surveys::set_parts(conn, &id, &parts)?;
                let codes: Vec<&str> = parts.iter().map(|part| part.municipality_code.as_str()).collect();
                let mut detail = json!({ "municipalities": codes, "min_base": changes.min_base,
                    "min_cell": changes.min_cell, "sender": changes.sender });
                if let Some(instrument) = instrument {
                    detail["instrument"] = json!([instrument.0, instrument.1]);
                }
                if let Some(languages) = &changes.languages {
                    detail["languages"] = json!(crate::domain::translation::parse_stored(languages));
                }
                audit::insert(conn, &actor.event(Action::SurveyChanged, Some(id.clone()), detail))
            })
        })
        .await?;
    ctx.live.changed(&loaded.survey.id);
    Ok(())
}

/// Who asks and whom to ask, as a survey has them stored.
pub fn asker_of(survey: &Survey) -> Asker {
    Asker { sender: survey.sender.clone(), contact: Contact::stored(survey.contact.as_deref()) }
}

/// What opening a survey without who asks or whom to ask is told: what to fill in.
pub fn missing_asker(asker: &Asker) -> Option<Text> {
    let key = match (&asker.sender, &asker.contact) {
        (Some(_), Some(_)) => return None,
        (None, Some(_)) => "problem.survey.missing_sender",
        (Some(_), None) => "problem.survey.missing_contact",
        (None, None) => "problem.survey.missing_both",
    };
    Some(Text::new(key))
}

/// Whether a change to an open or closed survey gives everything but its disclosure settings as the survey has it.
fn keeps_all_but_disclosure(loaded: &Loaded, valid: &ValidSurvey) -> bool {
    let survey = &loaded.survey;
    let mut stored: Vec<(&str, i32, Option<f64>)> = loaded
        .parts
        .iter()
        .map(|(part, _)| (part.municipality_code.as_str(), part.sample_size, part.target_percent))
        .collect();
    let mut given: Vec<(&str, i32, Option<f64>)> =
        valid.parts.iter().map(|part| (part.code.trim(), part.sample_size, part.target_percent)).collect();
    stored.sort_by(|a, b| a.0.cmp(b.0));
    given.sort_by(|a, b| a.0.cmp(b.0));
    let same_instrument = valid
        .instrument
        .as_ref()
        .is_none_or(|(key, version)| *key == survey.instrument_key && *version == survey.instrument_version);
    valid.title == survey.title
        && valid.period == Period { opens_on: survey.opens_on, closes_on: survey.closes_on }
        && valid.access == survey.access
        && same_instrument
        && stored == given
        && valid.asker == asker_of(survey)
}

/// Changes a survey's disclosure settings, in any state: results show no index, share or percentage on fewer valid
/// answers than `min_base` (1–10,000) and no count under `min_cell` (1–1,000). `None` keeps a setting as it is.
pub async fn set_disclosure(
    ctx: &Context,
    user: &Staff,
    actor: Actor,
    id: &str,
    min_base: Option<i32>,
    min_cell: Option<i32>,
) -> Result<(), AppError> {
    let loaded = check_manage(ctx, user, id).await?;
    let mut errors = FieldErrors::default();
    if let Some(Err(reason)) = min_base.map(survey::check_min_base) {
        errors.add("min_base", reason);
    }
    if let Some(Err(reason)) = min_cell.map(survey::check_min_cell) {
        errors.add("min_cell", reason);
    }
    errors.into_result()?;
    write_disclosure(ctx, actor, &loaded, min_base, min_cell).await
}

/// Writes checked disclosure settings with their audit event (the settings before and after), raising the survey's
/// revision so that results are recomputed.
async fn write_disclosure(
    ctx: &Context,
    actor: Actor,
    loaded: &Loaded,
    min_base: Option<i32>,
    min_cell: Option<i32>,
) -> Result<(), AppError> {
    let survey = &loaded.survey;
    let (min_base, min_cell) = (min_base.unwrap_or(survey.min_base), min_cell.unwrap_or(survey.min_cell));
    let detail = json!({ "min_base": min_base, "min_cell": min_cell,
        "before": { "min_base": survey.min_base, "min_cell": survey.min_cell } });
    let changes = SurveyChanges { min_base: Some(min_base), min_cell: Some(min_cell), ..SurveyChanges::default() };
    let id = survey.id.clone();
    ctx.db
        .write(move |conn| {
            conn.transaction(|conn| {
                surveys::update(conn, &id, &changes)?;
                audit::insert(conn, &actor.event(Action::SurveyChanged, Some(id.clone()), detail))
            })
        })
        .await?;
    Ok(())
}

/// Opens a draft, closes an open survey or opens a closed one again. A survey keeps the questionnaire it was given as
/// a draft, and only a draft can change it, so opening freezes it; opening is refused while the service does not know
/// that questionnaire. Opening again is for a survey closed by mistake or too early: only within its period, and not
/// while its results are published (they would stop being the results). Drafts residents saved are still there.
pub async fn transition(
    ctx: &Context,
    user: &Staff,
    actor: Actor,
    id: &str,
    transition: Transition,
) -> Result<SurveyState, AppError> {
    let loaded = check_manage(ctx, user, id).await?;
    let next = transition.from(loaded.state).map_err(|error| AppError::Conflict(error.text()))?;
    let closing = transition == Transition::Close;
    if transition == Transition::Open {
        if let Some(missing) = missing_asker(&asker_of(&loaded.survey)) {
            return Err(AppError::Conflict(missing));
        }
        crate::app::instruments::for_survey(ctx, &loaded.survey).await?;
    }
    if transition == Transition::Reopen {
        let lookup = loaded.survey.id.clone();
        if ctx.db.run(move |conn| crate::db::queries::publications::of_survey(conn, &lookup)).await?.is_some() {
            return Err(AppError::Conflict(Text::new("problem.survey.published")));
        }
        let today = crate::domain::survey::swedish_day(chrono::Utc::now());
        if today > loaded.survey.closes_on {
            let day = loaded.survey.closes_on;
            return Err(AppError::Conflict(Text::new("problem.survey.period_over").with("day", day)));
        }
    }
    let id = id.to_owned();
    let from = loaded.state;
    let changes = SurveyChanges { state: Some(next), ..SurveyChanges::default() };
    ctx.db
        .write(move |conn| {
            conn.transaction(|conn| {
                surveys::update(conn, &id, &changes)?;
                if closing {
                    // The last fresh responses are settled now: no more will come to fill their batch.
                    let today = crate::domain::survey::swedish_day(chrono::Utc::now());
                    crate::app::responses::settle_in(conn, &id, today, &[])?;
                    // Drafts saved before sealing can no longer be resumed: their plain text goes now.
                    crate::db::queries::drafts::wipe_legacy(conn, &id)?;
                }
                let detail = json!({ "from": from.as_str(), "to": next.as_str() });
                audit::insert(conn, &actor.event(transition.action(), Some(id.clone()), detail))
            })
        })
        .await?;
    if closing {
        ctx.db.forget_earlier_versions().await;
    }
    ctx.live.changed(&loaded.survey.id);
    Ok(next)
}

/// Copies a survey as next year's wave: same municipalities, samples, targets, questionnaire, disclosure settings,
/// sender and contact, as a new draft (population margins are not copied: next year's population is another).
pub async fn copy(
    ctx: &Context,
    user: &Staff,
    actor: Actor,
    id: &str,
    title: Option<String>,
    period: Option<Period>,
) -> Result<String, AppError> {
    let loaded = check_manage(ctx, user, id).await?;
    let source_period = Period { opens_on: loaded.survey.opens_on, closes_on: loaded.survey.closes_on };
    let period = period.unwrap_or_else(|| source_period.next_year());
    let title = match title {
        Some(title) => survey::parse_title(&title).map_err(|reason| AppError::invalid("title", reason))?,
        None => next_year_title(&loaded.survey.title, source_period, period),
    };
    let copy = Survey {
        id: uuid::Uuid::new_v4().to_string(),
        title,
        state: SurveyState::Draft,
        opens_on: period.opens_on,
        closes_on: period.closes_on,
        created_by: Some(user.id.clone()),
        created_at: crate::db::now(),
        copied_from: Some(loaded.survey.id.clone()),
        revision: 0,
        ..loaded.survey
    };
    let parts: Vec<SurveyMunicipality> =
        loaded.parts.into_iter().map(|(part, _)| SurveyMunicipality { survey_id: copy.id.clone(), ..part }).collect();
    let new_id = copy.id.clone();
    ctx.db
        .write(move |conn| {
            conn.transaction(|conn| {
                surveys::insert(conn, &copy, &parts)?;
                let detail = json!({ "copied_from": copy.copied_from, "title": copy.title });
                audit::insert(conn, &actor.event(Action::SurveyCopied, Some(copy.id.clone()), detail))
            })
        })
        .await?;
    Ok(new_id)
}

/// "Trygghetsmätning 2026" becomes "Trygghetsmätning 2027" when the period moves a year; otherwise "(kopia)".
fn next_year_title(title: &str, from: Period, to: Period) -> String {
    use chrono::Datelike;
    let (old, new) = (from.opens_on.year().to_string(), to.opens_on.year().to_string());
    if old != new && title.contains(&old) { title.replace(&old, &new) } else { format!("{title} (kopia)") }
}
