//! Citizen promises (medborgarlöften) of a municipality, and how a survey's results follow them.
//!
//! Staff who may see a municipality read its promises; admins and its coordinators record, change and delete them,
//! each change with its audit event (`promise_created`, `promise_changed`, `promise_deleted`) in the same
//! transaction. A promise's targets are questions and areas of a questionnaire the service knows.
//!
//! [`followed`] puts the promises a survey follows beside its results: each target's figures come from the very
//! results use case the results page and API use, asked for the municipality beside the promise's wave before, so a
//! promise never shows a figure the results would not.

use std::collections::{HashMap, HashSet};

use diesel::Connection;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::app::Context;
use crate::app::audit::Actor;
use crate::auth::Staff;
use crate::db::models::promise::{Promise, PromiseChanges, PromiseTarget};
use crate::db::queries::{audit, municipalities, promises as stored, surveys as stored_surveys};
use crate::domain::audit::Action;
use crate::domain::municipality::MunicipalityCode;
use crate::domain::promise::{
    self, FollowedPromise, MunicipalityPromises, PromisePeriod, PromiseStatus, PromiseView, Responsible, Target,
    TargetArea, TargetKind, Wave,
};
use crate::domain::results::published::{Published, Question};
use crate::domain::survey::SurveyState;
use crate::error::{AppError, FieldErrors, Text};

/// A promise as staff give it (a form or the API). Every field is checked, and every problem named by its field.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PromiseInput {
    /// A short name of the promise, 1–200 characters.
    #[serde(default)]
    pub title: String,
    /// What is promised, at most 5,000 characters (may be empty).
    #[serde(default)]
    pub text: String,
    /// Who keeps it: `police`, `municipality` or `both`.
    #[serde(default)]
    pub responsible: String,
    /// The first day of the promise, YYYY-MM-DD.
    #[serde(default)]
    pub starts_on: String,
    /// The last day of the promise, YYYY-MM-DD, on or after `starts_on`.
    #[serde(default)]
    pub ends_on: String,
    /// `planned` (when absent), `ongoing`, `kept`, `not_kept` or `withdrawn`.
    #[serde(default)]
    pub status: Option<String>,
    /// The questions (`item`) and areas (`area`) of the questionnaire the promise is meant to move, by id: at least
    /// one, at most 50. A question must be a scale or yes/no question, an area one with an index.
    #[serde(default)]
    pub targets: Vec<TargetInput>,
}

/// A target as given: `{"kind": "item", "id": "littering"}` or `{"kind": "area", "id": "outdoor_environment"}`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct TargetInput {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub id: String,
}

/// A stored promise with its targets, as the API and the pages show it.
fn view(promise: Promise, targets: Vec<PromiseTarget>) -> PromiseView {
    PromiseView {
        targets: targets.into_iter().map(|target| Target { kind: target.kind, id: target.target_id }).collect(),
        id: promise.id,
        municipality: promise.municipality_code,
        title: promise.title,
        text: promise.text,
        responsible: promise.responsible,
        starts_on: promise.starts_on,
        ends_on: promise.ends_on,
        status: promise.status,
        created_at: promise.created_at,
        updated_at: promise.updated_at,
    }
}

/// A checked promise.
struct ValidPromise {
    title: String,
    text: String,
    responsible: Responsible,
    period: PromisePeriod,
    status: PromiseStatus,
    targets: Vec<Target>,
}

/// A municipality the staff member may act on: its code and name.
struct Municipality {
    code: String,
    name: String,
}

/// The municipality of `code` when the staff member may see it (`manage`: and change its promises): an invalid
/// code is a field error, a municipality not theirs `Forbidden`, one that does not exist `NotFound`.
async fn municipality(ctx: &Context, staff: &Staff, code: &str, manage: bool) -> Result<Municipality, AppError> {
    let code = MunicipalityCode::parse(code).map_err(|error| AppError::invalid("code", error))?;
    let allowed =
        if manage { staff.permissions.may_manage(code.as_str()) } else { staff.permissions.may_view(code.as_str()) };
    if !allowed {
        return Err(AppError::Forbidden);
    }
    let lookup = code.as_str().to_owned();
    let (found, _) = ctx.db.run(move |conn| municipalities::find(conn, &lookup)).await?;
    Ok(Municipality { code: found.code, name: found.name })
}

/// The targets of every questionnaire the service knows.
async fn known_targets(ctx: &Context) -> Result<Vec<Vec<TargetArea>>, AppError> {
    let mut all = Vec::new();
    for summary in ctx.instruments.list().await? {
        let instrument = ctx.instruments.get(&summary.key, &summary.version).await?;
        all.push(promise::targetable(&instrument, "sv"));
    }
    Ok(all)
}

/// Checks a promise, its targets against the questionnaires the service knows.
async fn validate(ctx: &Context, input: &PromiseInput) -> Result<ValidPromise, AppError> {
    let mut errors = FieldErrors::default();
    let title = promise::parse_title(&input.title).map_err(|reason| errors.add("title", reason)).ok();
    let text = promise::parse_text(&input.text).map_err(|reason| errors.add("text", reason)).ok();
    let responsible = Responsible::parse(&input.responsible);
    if responsible.is_none() {
        errors.add("responsible", Text::new("problem.promise.responsible"));
    }
    let period = PromisePeriod::parse(&input.starts_on, &input.ends_on)
        .map_err(|problems| problems.iter().for_each(|problem| errors.add(problem.field(), problem)))
        .ok();
    let status = match input.status.as_deref().map(str::trim).filter(|status| !status.is_empty()) {
        None => Some(PromiseStatus::Planned),
        Some(text) => PromiseStatus::parse(text),
    };
    if status.is_none() {
        errors.add("status", Text::new("problem.promise.status"));
    }
    let targets = validate_targets(ctx, &input.targets, &mut errors).await?;
    match (title, text, responsible, period, status, errors.is_empty()) {
        (Some(title), Some(text), Some(responsible), Some(period), Some(status), true) => {
            Ok(ValidPromise { title, text, responsible, period, status, targets })
        }
        _ => Err(AppError::InvalidFields(errors.0)),
    }
}

/// The targets given, each once in the order given; every one must be a question or area with a figure in one of the
/// questionnaires the service knows.
async fn validate_targets(
    ctx: &Context,
    given: &[TargetInput],
    errors: &mut FieldErrors,
) -> Result<Vec<Target>, AppError> {
    if given.is_empty() {
        errors.add("targets", Text::new("problem.promise.no_target"));
        return Ok(Vec::new());
    }
    let known = known_targets(ctx).await?;
    let mut seen = HashSet::new();
    let mut targets = Vec::new();
    for input in given {
        let id = input.id.trim();
        let Some(kind) = TargetKind::parse(&input.kind) else {
            errors.add("targets", Text::new("problem.promise.target_kind").with("kind", input.kind.trim()));
            continue;
        };
        let target = Target { kind, id: id.to_owned() };
        if !known.iter().any(|areas| promise::is_targetable(areas, &target)) {
            let reason = match kind {
                TargetKind::Item => "problem.promise.unknown_item",
                TargetKind::Area => "problem.promise.unknown_area",
            };
            errors.add("targets", Text::new(reason).with("id", id));
        } else if seen.insert(target.clone()) {
            targets.push(target);
        }
    }
    if targets.len() > promise::MAX_TARGETS {
        errors.add("targets", Text::new("problem.promise.too_many_targets"));
    }
    Ok(targets)
}

fn rows(promise_id: &str, targets: &[Target]) -> Vec<PromiseTarget> {
    targets
        .iter()
        .zip(0..)
        .map(|(target, position)| PromiseTarget {
            promise_id: promise_id.to_owned(),
            position,
            kind: target.kind,
            target_id: target.id.clone(),
        })
        .collect()
}

/// What the audit log keeps of a promise: its municipality, title, status, period and the number of targets.
fn detail(code: &str, valid: &ValidPromise) -> serde_json::Value {
    json!({ "municipality": code, "title": valid.title, "status": valid.status.as_str(),
        "starts_on": valid.period.starts_on, "ends_on": valid.period.ends_on, "targets": valid.targets.len() })
}

/// A municipality's promises, the latest start first.
pub async fn list(ctx: &Context, staff: &Staff, code: &str) -> Result<Vec<PromiseView>, AppError> {
    let municipality = municipality(ctx, staff, code, false).await?;
    let rows = ctx.db.run(move |conn| stored::of_municipality(conn, &municipality.code)).await?;
    Ok(rows.into_iter().map(|(promise, targets)| view(promise, targets)).collect())
}

/// One promise of a municipality; `NotFound` when the municipality has no such promise.
pub async fn get(ctx: &Context, staff: &Staff, code: &str, id: &str) -> Result<PromiseView, AppError> {
    let municipality = municipality(ctx, staff, code, false).await?;
    let (promise, targets) = find(ctx, &municipality, id).await?;
    Ok(view(promise, targets))
}

async fn find(ctx: &Context, municipality: &Municipality, id: &str) -> Result<(Promise, Vec<PromiseTarget>), AppError> {
    let lookup = id.to_owned();
    let (promise, targets) = ctx.db.run(move |conn| stored::find(conn, &lookup)).await?;
    if promise.municipality_code != municipality.code {
        return Err(AppError::NotFound);
    }
    Ok((promise, targets))
}

/// Records a promise of a municipality.
pub async fn create(ctx: &Context, staff: &Staff, code: &str, input: &PromiseInput) -> Result<PromiseView, AppError> {
    let municipality = municipality(ctx, staff, code, true).await?;
    let valid = validate(ctx, input).await?;
    let now = crate::db::now();
    let promise = Promise {
        id: uuid::Uuid::new_v4().to_string(),
        municipality_code: municipality.code.clone(),
        title: valid.title.clone(),
        text: valid.text.clone(),
        responsible: valid.responsible,
        starts_on: valid.period.starts_on,
        ends_on: valid.period.ends_on,
        status: valid.status,
        created_by: Some(staff.id.clone()),
        created_at: now,
        updated_at: now,
    };
    let targets = rows(&promise.id, &valid.targets);
    let event =
        Actor::of(staff).event(Action::PromiseCreated, Some(promise.id.clone()), detail(&municipality.code, &valid));
    let stored_promise = promise.clone();
    let stored_targets = targets.clone();
    ctx.db
        .write(move |conn| {
            conn.transaction(|conn| {
                stored::insert(conn, &stored_promise, &stored_targets)?;
                audit::insert(conn, &event)
            })
        })
        .await?;
    Ok(view(promise, targets))
}

/// Replaces a promise's title, text, responsible, period, status and targets.
pub async fn update(
    ctx: &Context,
    staff: &Staff,
    code: &str,
    id: &str,
    input: &PromiseInput,
) -> Result<PromiseView, AppError> {
    let municipality = municipality(ctx, staff, code, true).await?;
    let (promise, _) = find(ctx, &municipality, id).await?;
    let valid = validate(ctx, input).await?;
    let changes = PromiseChanges {
        title: valid.title.clone(),
        text: valid.text.clone(),
        responsible: valid.responsible,
        starts_on: valid.period.starts_on,
        ends_on: valid.period.ends_on,
        status: valid.status,
        updated_at: crate::db::now(),
    };
    let targets = rows(&promise.id, &valid.targets);
    let mut detail = detail(&municipality.code, &valid);
    detail["before"] = json!({ "title": promise.title, "status": promise.status.as_str() });
    let event = Actor::of(staff).event(Action::PromiseChanged, Some(promise.id.clone()), detail);
    let (promise_id, stored_changes, stored_targets) = (promise.id.clone(), changes.clone(), targets.clone());
    let updated = ctx
        .db
        .write(move |conn| {
            conn.transaction(|conn| {
                let updated = stored::update(conn, &promise_id, &stored_changes, &stored_targets)?;
                if updated {
                    audit::insert(conn, &event)?;
                }
                Ok(updated)
            })
        })
        .await?;
    if !updated {
        return Err(AppError::NotFound);
    }
    let changed = Promise {
        title: changes.title,
        text: changes.text,
        responsible: changes.responsible,
        starts_on: changes.starts_on,
        ends_on: changes.ends_on,
        status: changes.status,
        updated_at: changes.updated_at,
        ..promise
    };
    Ok(view(changed, targets))
}

/// Deletes a promise of a municipality.
pub async fn delete(ctx: &Context, staff: &Staff, code: &str, id: &str) -> Result<(), AppError> {
    let municipality = municipality(ctx, staff, code, true).await?;
    let (promise, _) = find(ctx, &municipality, id).await?;
    let detail = json!({ "municipality": municipality.code, "title": promise.title });
    let event = Actor::of(staff).event(Action::PromiseDeleted, Some(promise.id.clone()), detail);
    let deleted = ctx
        .db
        .write(move |conn| {
            conn.transaction(|conn| {
                let deleted = stored::delete(conn, &promise.id)?;
                if deleted {
                    audit::insert(conn, &event)?;
                }
                Ok(deleted)
            })
        })
        .await?;
    if deleted { Ok(()) } else { Err(AppError::NotFound) }
}

/// A municipality's promises page: its promises, whether the staff member may change them, and the questions and
/// areas to choose targets from.
pub struct PromisesPage {
    pub code: String,
    pub name: String,
    pub may_manage: bool,
    pub promises: Vec<PromiseView>,
    /// The targets offered: those of the questionnaire of the municipality's latest survey (the built-in one when it
    /// has none).
    pub areas: Vec<TargetArea>,
    /// That questionnaire's title.
    pub instrument_title: String,
}

/// What the promises page of a municipality shows.
pub async fn page(ctx: &Context, staff: &Staff, code: &str) -> Result<PromisesPage, AppError> {
    let municipality = municipality(ctx, staff, code, false).await?;
    let lookup = municipality.code.clone();
    let (rows, surveys) = ctx
        .db
        .run(move |conn| Ok((stored::of_municipality(conn, &lookup)?, stored_surveys::of_municipality(conn, &lookup)?)))
        .await?;
    let instrument = match surveys.last() {
        Some(latest) => match crate::app::instruments::for_survey(ctx, latest).await {
            Ok(instrument) => instrument,
            Err(AppError::Conflict(_)) => ctx.instruments.default(),
            Err(error) => return Err(error),
        },
        None => ctx.instruments.default(),
    };
    Ok(PromisesPage {
        may_manage: staff.permissions.may_manage(&municipality.code),
        promises: rows.into_iter().map(|(promise, targets)| view(promise, targets)).collect(),
        areas: promise::targetable(&instrument, "sv"),
        instrument_title: instrument.title().get(instrument.lang("sv")).to_owned(),
        code: municipality.code,
        name: municipality.name,
    })
}

/// The promises that survey `survey_id` follows in each municipality of `shown` (the results beside which they are
/// shown, as the staff member sees them), each target beside the promise's wave before, with the change, its interval
/// and its test. Figures are weighted as `shown` is, and hidden wherever `shown` hides them. A promise whose wave
/// before the staff member may not read is left out.
pub async fn followed(
    ctx: &Context,
    staff: &Staff,
    survey_id: &str,
    shown: &Published,
) -> Result<Vec<MunicipalityPromises>, AppError> {
    let loaded = crate::app::surveys::load(ctx, staff, survey_id).await?;
    let instrument = crate::app::instruments::for_survey(ctx, &loaded.survey).await?;
    let areas = promise::targetable(&instrument, "sv");
    let replaced = instrument.replaced_items();
    let weighted = shown.weights == "population";
    let mut all = Vec::new();
    for group in &shown.results.municipalities {
        let code = group.code.clone();
        let (rows, surveys) = ctx
            .db
            .run(move |conn| Ok((stored::of_municipality(conn, &code)?, stored_surveys::of_municipality(conn, &code)?)))
            .await?;
        let waves: Vec<Wave> = surveys
            .into_iter()
            .map(|survey| Wave {
                closed: survey.state == SurveyState::Closed,
                survey_id: survey.id,
                title: survey.title,
                opens_on: survey.opens_on,
                closes_on: survey.closes_on,
            })
            .collect();
        let Some(this) = waves.iter().find(|wave| wave.survey_id == loaded.survey.id) else { continue };
        let mut promises = Vec::new();
        let mut beside = HashMap::new();
        // The latest start first, as the municipality's list shows them.
        for (stored_promise, targets) in rows {
            let promise = view(stored_promise, targets);
            if !this.follows(promise.starts_on) {
                continue;
            }
            let Some(before) =
                promise::wave_before(promise.starts_on, &waves).filter(|wave| wave.survey_id != this.survey_id)
            else {
                continue;
            };
            // The results beside each wave before, computed once however many promises share it.
            if !beside.contains_key(&before.survey_id) {
                let question = Question {
                    municipality: Some(group.code.clone()),
                    by: None,
                    compare: Some(before.survey_id.clone()),
                    weighted,
                };
                let results = match crate::app::results::results(ctx, staff, survey_id, &question).await {
                    Ok(results) => Some(results),
                    Err(AppError::NotFound | AppError::Forbidden) => None,
                    Err(error) => return Err(error),
                };
                beside.insert(before.survey_id.clone(), results);
            }
            let Some(figures) = beside[&before.survey_id].as_ref().and_then(|r| r.results.municipalities.first())
            else {
                continue;
            };
            promises.push(FollowedPromise {
                targets: promise::figures(&promise.targets, figures, &areas, &replaced),
                id: promise.id,
                title: promise.title,
                text: promise.text,
                responsible: promise.responsible,
                status: promise.status,
                starts_on: promise.starts_on,
                ends_on: promise.ends_on,
                before: before.clone(),
            });
        }
        if !promises.is_empty() {
            all.push(MunicipalityPromises { code: group.code.clone(), name: group.name.clone(), promises });
        }
    }
    promise::hide_as_shown(&mut all, &shown.results, &replaced);
    Ok(all)
}
