//! Codes and letters: handing out invitation codes for a municipality of a survey, and the reminder list of the
//! letters neither answered nor ruled out.

use std::collections::HashSet;

use diesel::{Connection, QueryResult};
use serde_json::json;
use url::Url;

use super::{Loaded, load};
use crate::app::Context;
use crate::app::audit::Actor;
use crate::auth::Staff;
use crate::db::Abort;
use crate::db::DbConnection;
use crate::db::models::survey::{Invitation, LetterBatch};
use crate::db::queries::{audit, batches, invitations, surveys, tallies};
use crate::domain::audit::Action;
use crate::domain::codes::{CodeHasher, InvitationCode, IssuedLetter, LetterNumber, LetterNumberError};
use crate::domain::dispositions::Disposition;
use crate::domain::draft_seal::DraftSeal;
use crate::domain::municipality::MunicipalityCode;
use crate::domain::survey::{Access, SurveyState};
use crate::error::{AppError, Text};

/// Most codes handed out in one action (a municipality's whole sample is normally 300–1,500).
pub const MAX_CODES_PER_BATCH: i64 = 20_000;

/// How long a batch's letters can be given again to a retry of the request that made it.
pub const REPEATABLE_FOR_HOURS: i64 = 24;

/// A request for codes: how many, the request's key (a retry with the same key answers the first batch again, never
/// a second one), and whether going beyond the municipality's sample is meant.
#[derive(Debug, Clone, Default)]
pub struct CodesRequest {
    pub count: i64,
    pub key: Option<String>,
    pub beyond_sample: bool,
    /// The language the letters are written in: their links (and QR codes) open the questionnaire in it
    /// (`?lang=ar`). One the survey offers; `None` leaves the choice to the resident's browser.
    pub language: Option<String>,
}

/// Codes handed out: the batch and its letters, the only time the codes exist in clear (but for a retry of the same
/// request within [`REPEATABLE_FOR_HOURS`]); `again` when this answers a retry.
pub struct Issued {
    pub batch: BatchSummary,
    /// The municipality's name.
    pub municipality: String,
    pub letters: Vec<IssuedLetter>,
    pub again: bool,
}

/// Why codes were not handed out, short of an error: the request would go beyond the municipality's sample and did
/// not say that was meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BeyondSample {
    pub municipality: String,
    pub letters: i64,
    pub sample: i32,
    pub count: i64,
}

impl BeyondSample {
    pub fn message(&self) -> Text {
        use crate::domain::format::number;
        Text::new("problem.letters.beyond_sample")
            .with("municipality", &self.municipality)
            .with("letters", number(self.letters))
            .with("sample", number(i64::from(self.sample)))
            .with("count", number(self.count))
            .with("total", number(self.letters + self.count))
    }
}

/// A batch as staff and the API see it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct BatchSummary {
    pub id: String,
    pub municipality_code: String,
    pub first_letter: String,
    pub last_letter: String,
    pub letters: i32,
    /// When it was handed out (UTC).
    #[serde(serialize_with = "crate::domain::utc::serialize")]
    pub issued_at: chrono::NaiveDateTime,
    /// When it was withdrawn (UTC); its letters then count nowhere.
    #[serde(serialize_with = "crate::domain::utc::serialize_option")]
    pub withdrawn_at: Option<chrono::NaiveDateTime>,
}

impl BatchSummary {
    fn of(batch: &LetterBatch) -> Self {
        let number = |serial: i32| {
            MunicipalityCode::parse(&batch.municipality_code)
                .ok()
                .and_then(|code| LetterNumber::new(&code, serial as u32).ok())
                .map_or_else(|| serial.to_string(), |letter| letter.to_string())
        };
        Self {
            id: batch.id.clone(),
            municipality_code: batch.municipality_code.clone(),
            first_letter: number(batch.first_serial),
            last_letter: number(batch.last_serial),
            letters: batch.last_serial - batch.first_serial + 1,
            issued_at: batch.issued_at,
            withdrawn_at: batch.withdrawn_at,
        }
    }
}

/// The longest request key accepted.
pub const MAX_KEY_CHARS: usize = 200;

/// Hands out `request.count` new codes for one municipality of a survey; returns them (the only time they exist in
/// clear), or the first batch again for a retry of the same request, or why it would go beyond the sample.
pub async fn generate_codes(
    ctx: &Context,
    user: &Staff,
    actor: Actor,
    id: &str,
    municipality: &str,
    request: CodesRequest,
) -> Result<Result<Issued, BeyondSample>, AppError> {
    let loaded = load(ctx, user, id).await?;
    let name = managed_part(&loaded, user, municipality)?.to_owned();
    let sample =
        loaded.parts.iter().find(|(part, _)| part.municipality_code == municipality).map(|(p, _)| p.sample_size);
    let key = match &request.key {
        Some(key) if key.is_empty() || key.chars().count() > MAX_KEY_CHARS || key.chars().any(char::is_control) => {
            return Err(AppError::invalid(
                "Idempotency-Key",
                Text::new("problem.letters.key").with("max", MAX_KEY_CHARS),
            ));
        }
        Some(key) => {
            // Scoped to the survey, the municipality and the person, so that one person's key finds nobody else's.
            let scoped = format!("{id}\n{municipality}\n{}\n{key}", user.id);
            Some((ctx.hasher.request_key(scoped.as_bytes()), ctx.hasher.request_seal(scoped.as_bytes())))
        }
        None => None,
    };
    check_batch(&loaded, request.count)?;
    let language = match request.language.as_deref().map(str::trim).filter(|lang| !lang.is_empty()) {
        Some(lang) => {
            let instrument = crate::app::instruments::for_survey(ctx, &loaded.survey).await?;
            let offered = crate::i18n::offered(&loaded.survey.languages, instrument.languages());
            // A retry of a batch already made answers its letters as they were made, whatever the survey offers now.
            let retried = match &key {
                Some((request_key, _)) => {
                    let request_key = request_key.clone();
                    ctx.db.run(move |conn| batches::by_request_key(conn, &request_key)).await?.is_some()
                }
                None => false,
            };
            if !retried && !offered.iter().any(|known| known == lang) {
                let reason =
                    Text::new("problem.letters.language").with("lang", lang).with("offered", offered.join(", "));
                return Err(AppError::invalid("language", reason));
            }
            Some(lang.to_owned())
        }
        None => None,
    };
    let municipality_code = parse_municipality(municipality)?;
    check_room(ctx, id, municipality, request.count).await?;
    let batch = Batch {
        survey_id: id.to_owned(),
        municipality: municipality_code,
        name,
        count: request.count,
        sample: sample.unwrap_or(0),
        beyond_sample: request.beyond_sample,
        issued_by: user.id.clone(),
        key,
        hasher: ctx.hasher.clone(),
        base: ctx.public_url.clone(),
        language,
    };
    // Two attempts: a clash of 54-bit codes (with one another or with stored ones) is improbable, not impossible.
    for _attempt in 0..2 {
        let (attempt, actor) = (batch.clone(), actor.clone());
        let result = ctx.db.write(move |conn| conn.transaction(|conn| hand_out(conn, &actor, &attempt))).await;
        match result {
            Ok(HandedOut::New(letters, stored)) => {
                refresh_letter_statistics(ctx, letters.len()).await;
                ctx.live.changed(id);
                let municipality = batch.name.clone();
                return Ok(Ok(Issued { batch: BatchSummary::of(&stored), municipality, letters, again: false }));
            }
            Ok(HandedOut::Again(stored)) => return again(&batch, &stored).map(Ok),
            Ok(HandedOut::Beyond(beyond)) => return Ok(Err(beyond)),
            Err(crate::db::DbError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ))) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(AppError::Conflict(Text::new("problem.letters.busy")))
}

/// After `added` new letters, PostgreSQL's statistics of them (see `invitations::refresh_statistics`). The letters are
/// stored whatever becomes of this, so a failure is logged, not answered: autovacuum refreshes them a little later.
async fn refresh_letter_statistics(ctx: &Context, added: usize) {
    if ctx.db.backend() != crate::db::Backend::Postgres {
        return;
    }
    if let Err(error) = ctx.db.run(move |conn| invitations::refresh_statistics(conn, added)).await {
        tracing::warn!(%error, "the letters' statistics were not refreshed now; autovacuum will");
    }
}

/// The letters of a batch made by an earlier request with the same key, opened with that key.
fn again(batch: &Batch, stored: &LetterBatch) -> Result<Issued, AppError> {
    let summary = BatchSummary::of(stored);
    let letters = batch
        .key
        .as_ref()
        .and_then(|(_, seal)| seal.open(&seal_context(&stored.id), &stored.sealed))
        .and_then(|plain| serde_json::from_slice(&plain).ok())
        .ok_or_else(|| {
            AppError::Conflict(
                Text::new("problem.letters.again_expired")
                    .with("first", &summary.first_letter)
                    .with("last", &summary.last_letter)
                    .with("hours", REPEATABLE_FOR_HOURS),
            )
        })?;
    Ok(Issued { batch: summary, municipality: batch.name.clone(), letters, again: true })
}

/// What a hand-out came to in its transaction.
enum HandedOut {
    New(Vec<IssuedLetter>, LetterBatch),
    /// The request's key had made this batch already.
    Again(LetterBatch),
    /// Nothing written: beyond the sample without saying so.
    Beyond(BeyondSample),
}

/// What a batch's sealed letters are bound to.
fn seal_context(batch_id: &str) -> String {
    format!("letter-batch:{batch_id}")
}

/// The name of a municipality of the survey that the user manages: `NotFound` when the survey has no such
/// municipality, `Forbidden` when the user does not manage it.
fn managed_part<'a>(loaded: &'a Loaded, user: &Staff, municipality: &str) -> Result<&'a str, AppError> {
    // Rights first: a municipality not one's own gets the same answer whether or not it takes part, so that the
    // answers do not tell a coordinator which other municipalities share the survey.
    if !user.permissions.may_manage(municipality) {
        return Err(AppError::Forbidden);
    }
    let Some((_, name)) = loaded.parts.iter().find(|(part, _)| part.municipality_code == municipality) else {
        return Err(AppError::NotFound);
    };
    Ok(name)
}

fn parse_municipality(municipality: &str) -> Result<MunicipalityCode, AppError> {
    MunicipalityCode::parse(municipality).map_err(|error| AppError::invalid("municipality", error))
}

/// Whether the survey hands out codes now, and `count` of them is a batch it takes.
fn check_batch(loaded: &Loaded, count: i64) -> Result<(), AppError> {
    if loaded.access != Access::Codes {
        return Err(AppError::Conflict(Text::new("problem.letters.open_link")));
    }
    if loaded.state == SurveyState::Closed {
        return Err(AppError::Conflict(Text::new("problem.letters.closed")));
    }
    if !(1..=MAX_CODES_PER_BATCH).contains(&count) {
        return Err(AppError::invalid("count", Text::new("problem.letters.count").with("max", MAX_CODES_PER_BATCH)));
    }
    Ok(())
}

/// Whether the municipality has letter numbers left in the survey for `count` more letters.
async fn check_room(ctx: &Context, id: &str, municipality: &str, count: i64) -> Result<(), AppError> {
    let (lookup_survey, lookup) = (id.to_owned(), municipality.to_owned());
    let used = ctx.db.run(move |conn| last_serial(conn, &lookup_survey, &lookup)).await?;
    let room = i64::from(LetterNumber::MAX_SERIAL) - i64::from(used);
    if count > room {
        return Err(AppError::invalid("count", Text::new("problem.letters.no_room").with("room", room)));
    }
    Ok(())
}

/// One hand-out of codes: the municipality's letters to write, and what each letter needs besides its code.
#[derive(Clone)]
struct Batch {
    survey_id: String,
    municipality: MunicipalityCode,
    /// The municipality's name, printed on the letters.
    name: String,
    count: i64,
    /// The municipality's sample, and whether going beyond it is meant.
    sample: i32,
    beyond_sample: bool,
    issued_by: String,
    /// The request's key as stored, and the seal of its letters.
    key: Option<(String, DraftSeal)>,
    hasher: CodeHasher,
    /// The service's address, the base of each letter's link.
    base: Url,
    /// The language the letters' links open the questionnaire in.
    language: Option<String>,
}

/// The last letter number a municipality used in a survey, by its letters or its batches (withdrawn ones too).
fn last_serial(conn: &mut DbConnection, survey_id: &str, municipality: &str) -> QueryResult<i32> {
    Ok(invitations::last_serial(conn, survey_id, municipality)?.max(batches::last_serial(
        conn,
        survey_id,
        municipality,
    )?))
}

/// Writes a batch's letters after the municipality's last one, with the batch and its audit event, in the caller's
/// transaction; or finds the batch the request's key made before; or finds it would go beyond the sample.
fn hand_out(conn: &mut DbConnection, actor: &Actor, batch: &Batch) -> QueryResult<HandedOut> {
    surveys::lock_for_write(conn, &batch.survey_id)?;
    let now = crate::db::now();
    batches::unseal_older_than(conn, now - chrono::Duration::hours(REPEATABLE_FOR_HOURS))?;
    if let Some((key, _)) = &batch.key
        && let Some(stored) = batches::by_request_key(conn, key)?
    {
        return Ok(HandedOut::Again(stored));
    }
    let code = batch.municipality.as_str();
    let letters_before = invitations::letters_in(conn, &batch.survey_id, code)?;
    if !batch.beyond_sample && letters_before + batch.count > i64::from(batch.sample) {
        let municipality = batch.name.clone();
        let (letters, sample, count) = (letters_before, batch.sample, batch.count);
        return Ok(HandedOut::Beyond(BeyondSample { municipality, letters, sample, count }));
    }
    let first = last_serial(conn, &batch.survey_id, code)? + 1;
    let (rows, letters) = new_letters(batch, first)
        .map_err(|error| diesel::result::Error::QueryBuilderError(error.to_string().into()))?;
    invitations::insert_many(conn, &rows)?;
    let last = first + rows.len() as i32 - 1;
    let id = uuid::Uuid::new_v4().to_string();
    let sealed = match &batch.key {
        Some((_, seal)) => {
            let plain = serde_json::to_vec(&letters)
                .map_err(|error| diesel::result::Error::SerializationError(Box::new(error)))?;
            seal.seal(&seal_context(&id), &plain)
        }
        None => String::new(),
    };
    let stored = LetterBatch {
        id,
        survey_id: batch.survey_id.clone(),
        municipality_code: code.to_owned(),
        first_serial: first,
        last_serial: last,
        issued_at: now,
        issued_by: Some(batch.issued_by.clone()),
        request_key: batch.key.as_ref().map(|(key, _)| key.clone()),
        sealed,
        withdrawn_at: None,
    };
    batches::insert(conn, &stored)?;
    let detail = json!({ "municipality": code, "count": batch.count, "first_letter": first, "last_letter": last,
                         "batch": stored.id });
    audit::insert(conn, &actor.event(Action::CodesGenerated, Some(batch.survey_id.clone()), detail))?;
    Ok(HandedOut::New(letters, stored))
}

/// A letter's link: the code's page, in `language` when the letter is written in one.
fn letter_link(base: &Url, invitation: &InvitationCode, language: Option<&str>) -> String {
    let Ok(mut link) = base.join(&format!("svara/{invitation}")) else { return String::new() };
    if let Some(lang) = language {
        link.query_pairs_mut().append_pair("lang", lang);
    }
    link.to_string()
}

/// A batch's letters numbered from `first`: the rows to store (keyed hashes of the codes) and the letters to print
/// (the codes in clear), each code different from the others.
fn new_letters(batch: &Batch, first: i32) -> Result<(Vec<Invitation>, Vec<IssuedLetter>), LetterNumberError> {
    let mut rng = rand::rng();
    let mut seen = HashSet::new();
    let mut rows = Vec::with_capacity(batch.count as usize);
    let mut letters = Vec::with_capacity(batch.count as usize);
    let mut serial = first;
    while (rows.len() as i64) < batch.count {
        let invitation = InvitationCode::generate(&mut rng);
        let code_hash = batch.hasher.hash(&invitation);
        if !seen.insert(code_hash.clone()) {
            continue;
        }
        let letter = LetterNumber::new(&batch.municipality, serial as u32)?;
        rows.push(Invitation {
            id: uuid::Uuid::new_v4().to_string(),
            survey_id: batch.survey_id.clone(),
            municipality_code: batch.municipality.as_str().to_owned(),
            letter_serial: serial,
            code_hash,
            disposition: Disposition::NotReturned,
        });
        letters.push(IssuedLetter {
            letter_number: letter.to_string(),
            link: letter_link(&batch.base, &invitation, batch.language.as_deref()),
            code: invitation.to_string(),
            municipality_code: batch.municipality.as_str().to_owned(),
            municipality: batch.name.clone(),
        });
        serial += 1;
    }
    Ok((rows, letters))
}

/// A survey's batches in the municipalities the user manages, by municipality and letter number.
pub async fn batches(ctx: &Context, user: &Staff, id: &str) -> Result<Vec<BatchSummary>, AppError> {
    let loaded = load(ctx, user, id).await?;
    let lookup = loaded.survey.id.clone();
    let stored = ctx.db.run(move |conn| batches::of_survey(conn, &lookup)).await?;
    Ok(stored
        .iter()
        .filter(|batch| user.permissions.may_manage(&batch.municipality_code))
        .map(BatchSummary::of)
        .collect())
}

/// Withdraws a batch that was never sent: its letters are deleted and leave the denominators, its letter numbers are
/// not given again, and the audit log records who did it. Refused once any of its letters has been used (started,
/// answered or given a disposition): those letters were sent.
pub async fn withdraw_batch(
    ctx: &Context,
    user: &Staff,
    actor: Actor,
    id: &str,
    batch_id: &str,
) -> Result<BatchSummary, AppError> {
    let loaded = load(ctx, user, id).await?;
    let (survey_id, lookup) = (loaded.survey.id.clone(), batch_id.to_owned());
    let found = ctx.db.run(move |conn| batches::find(conn, &survey_id, &lookup)).await?;
    managed_part(&loaded, user, &found.municipality_code)?;
    let survey_id = loaded.survey.id.clone();
    let withdrawn = ctx
        .db
        .write(move |conn| {
            let result = conn.transaction::<_, Abort<Text>, _>(|conn| {
                surveys::lock_for_write(conn, &survey_id)?;
                let batch = batches::find(conn, &survey_id, &found.id)?;
                let summary = BatchSummary::of(&batch);
                if batch.withdrawn_at.is_some() {
                    return Err(Abort::Reason(Text::new("problem.letters.already_withdrawn")));
                }
                let used = batches::letters_used(conn, &batch)?;
                if used > 0 {
                    return Err(Abort::Reason(
                        Text::new("problem.letters.batch_used")
                            .with("used", crate::domain::format::number(used))
                            .with("first", &summary.first_letter)
                            .with("last", &summary.last_letter),
                    ));
                }
                let now = crate::db::now();
                let deleted = batches::withdraw(conn, &batch, now)?;
                let letters = i32::try_from(deleted).unwrap_or(i32::MAX);
                tallies::add_letters(conn, &survey_id, &batch.municipality_code, Disposition::NotReturned, -letters)?;
                let detail = json!({ "municipality": batch.municipality_code, "count": deleted,
                                     "first_letter": batch.first_serial, "last_letter": batch.last_serial,
                                     "batch": batch.id });
                audit::insert(conn, &actor.event(Action::LettersWithdrawn, Some(survey_id.clone()), detail))?;
                Ok(BatchSummary { withdrawn_at: Some(now), ..summary })
            });
            match result {
                Ok(summary) => Ok(Ok(summary)),
                Err(Abort::Reason(refusal)) => Ok(Err(refusal)),
                Err(Abort::Database(error)) => Err(error),
            }
        })
        .await?;
    let summary = withdrawn.map_err(AppError::Conflict)?;
    ctx.live.changed(id);
    Ok(summary)
}

/// The letter numbers that should get a reminder: neither answered nor ruled out.
pub async fn reminder_list(
    ctx: &Context,
    user: &Staff,
    actor: Actor,
    id: &str,
    municipality: &str,
) -> Result<Vec<String>, AppError> {
    let loaded = load(ctx, user, id).await?;
    managed_part(&loaded, user, municipality)?;
    let code = parse_municipality(municipality)?;
    let (survey_id, lookup) = (id.to_owned(), municipality.to_owned());
    let pending = Disposition::AWAITING;
    let serials = ctx
        .db
        .write(move |conn| {
            conn.transaction(|conn| {
                // The mark on the rates' chart is a change the rates show: it raises the survey's revision.
                surveys::lock_for_write(conn, &survey_id)?;
                let serials = invitations::serials_in(conn, &survey_id, &lookup, &pending)?;
                // Who took a list of non-respondents, and when: the audit log, and the reminder marks on the chart.
                let detail = json!({ "municipality": lookup, "letters": serials.len() });
                // The rates' chart marks the day of every reminder list taken out (`app::rates`).
                audit::insert(conn, &actor.event(Action::ReminderListExported, Some(survey_id.clone()), detail))?;
                Ok(serials)
            })
        })
        .await?;
    ctx.live.changed(id);
    Ok(serials
        .into_iter()
        .filter_map(|serial| LetterNumber::new(&code, serial as u32).ok().map(|letter| letter.to_string()))
        .collect())
}
