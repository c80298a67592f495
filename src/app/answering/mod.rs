//! A resident answering the questionnaire: from the code on their letter (or an open link) to a stored response.
//!
//! **The code is the key.** A letter's code decides the survey and the municipality; nothing else about the resident
//! is known or asked. Answers are saved page by page in a *draft*, so the resident can stop and go on later on another
//! device by typing the same code. Open-link surveys have no letters: choosing a municipality gives the resident a
//! *resume code* of the same shape, which plays the code's part.
//!
//! **A draft is the resident's alone.** It is stored under a key derived from the code under its own label (never the
//! letter's hash, so no join leads from a draft to a letter) and its language, answers and submission id are sealed
//! with a key derived from the code, which is never stored (see [`crate::domain::draft_seal`]). A draft saved before
//! drafts were sealed is sealed and moved the next time its code is typed.
//!
//! **Exactly once.** Submitting stores the response, deletes the draft and marks the letter answered in one
//! transaction ([`crate::app::responses::store`]); a second submit with the same form id finds it stored and gets the
//! same thank-you, any other finds the letter used ("already answered").
//!
//! **Guessing is hopeless, sharing an address is not.** Codes carry about 54 random bits and a check character, so a
//! typo is caught before any lookup; lookups of well-formed codes that match nothing are counted per client address
//! and past an allowance the address is paced (a few seconds between lookups), never locked out, since many
//! residents may share it; past a ceiling for everyone together, addresses that tried unknown codes share one gate.
//! The numbers and why they suffice are in [`crate::domain::code_entry`].

use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;
use diesel::Connection;

use crate::app::Context;
use crate::app::audit::Actor;
use crate::app::responses::{self, NewResponse, Stored};
use crate::db::models::response::{Draft, LegacyDraft};
use crate::db::models::survey::Survey;
use crate::db::queries::throttle::Slot;
use crate::db::queries::{drafts, invitations, surveys, throttle as throttle_queries};
use crate::db::{Abort, DbConnection};
use crate::domain::code_entry;
use crate::domain::codes::{CodeHasher, InvitationCode};
use crate::domain::dispositions::Disposition;
use crate::domain::draft_seal::DraftSeal;
use crate::domain::instrument::{Answers, Instrument, Item, RawAnswers};
use crate::domain::survey::Mode;
use crate::domain::survey::{Access, SurveyState, swedish_day};
use crate::domain::throttle;
use crate::error::AppError;

mod recall;
pub use recall::{Recall, recall};

/// An open-link survey by its id, with its municipalities as (code, name); not found for any other survey.
pub async fn open_survey(ctx: &Context, id: &str) -> Result<(Survey, Vec<(String, String)>), AppError> {
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(AppError::NotFound);
    }
    let lookup = id.to_owned();
    let (survey, parts) = ctx.db.run(move |conn| surveys::with_parts(conn, &lookup)).await?;
    if survey.access != Access::OpenLink {
        return Err(AppError::NotFound);
    }
    let municipalities = parts.into_iter().map(|(part, name)| (part.municipality_code, name)).collect();
    Ok((survey, municipalities))
}

/// A code that leads to a survey a resident may answer now.
pub struct Entry {
    pub code: InvitationCode,
    /// The keyed hash of the code: a letter's key, or a spent open-link resume code's.
    pub code_hash: String,
    /// The key of the resident's draft, derived from the code under its own label.
    pub draft_key: String,
    /// The key that seals the resident's draft; lives only as long as the request.
    seal: DraftSeal,
    /// Whether the code is a letter's (otherwise an open-link resume code).
    pub letter: bool,
    pub survey: Survey,
    pub municipality_code: String,
    pub municipality_name: String,
    pub instrument: Arc<Instrument>,
    pub draft: Option<SavedDraft>,
}

/// A resident's draft as their code opens it.
#[derive(Debug, Clone)]
pub struct SavedDraft {
    /// The furthest section (1-based) saved.
    pub reached_section: i32,
    pub contents: DraftContents,
    /// The contents' answers checked against the instrument, once the request first needs them.
    checked: OnceLock<Answers>,
}

impl SavedDraft {
    /// The draft `sealed` as the code's `seal` opens it: empty contents when it does not.
    fn open(seal: &DraftSeal, sealed: &Draft) -> Self {
        Self {
            reached_section: sealed.reached_section,
            contents: DraftContents::open(seal, sealed).unwrap_or_default(),
            checked: OnceLock::new(),
        }
    }
}

/// What a draft holds sealed.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct DraftContents {
    /// The language the resident reads in.
    pub language: String,
    /// The answers saved so far (item id → form values).
    pub answers: RawAnswers,
    /// The id the final submit carries, so that a repeated submit stores nothing twice.
    pub submission_id: String,
}

impl DraftContents {
    /// The sealed form of the contents, bound to the draft's key and survey.
    fn seal(&self, seal: &DraftSeal, draft_key: &str, survey_id: &str) -> Result<String, AppError> {
        let plain = serde_json::to_vec(self).map_err(|error| AppError::Internal(Box::new(error)))?;
        Ok(seal.seal(&seal_context(draft_key, survey_id), &plain))
    }

    /// The contents of a sealed draft; `None` when the code's key does not open it (a draft kept only as a count, or
    /// sealed under another server key).
    fn open(seal: &DraftSeal, draft: &Draft) -> Option<Self> {
        let plain = seal.open(&seal_context(&draft.key_hash, &draft.survey_id), &draft.sealed)?;
        serde_json::from_slice(&plain).ok()
    }

    fn of_legacy(legacy: &LegacyDraft) -> Self {
        Self {
            language: legacy.language.clone(),
            answers: serde_json::from_str(&legacy.answers).unwrap_or_default(),
            submission_id: legacy.submission_id.clone(),
        }
    }
}

/// What a sealed draft is bound to, so that sealed contents moved to another row do not open.
fn seal_context(draft_key: &str, survey_id: &str) -> String {
    format!("draft:{draft_key}:{survey_id}")
}

/// Why a code cannot be answered with now. Each is shown as a polite page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No letter or saved draft has this code.
    Unknown,
    /// The code's response is already in.
    Answered,
    /// The survey has not been opened yet (or opens on the given day).
    NotOpenYet(Option<NaiveDate>),
    /// The survey is closed (or its period has ended).
    Closed,
}

/// Where a code to look up comes from, for code entry's pacing.
#[derive(Debug, Clone, Copy)]
pub enum CodeFrom<'a> {
    /// A browser holding the code's entry pass: it opened the code before, so this is no guess, and is not paced.
    Pass,
    /// Anyone else, from this client address when it is known: paced (see [`crate::domain::code_entry`]).
    Address(Option<&'a str>),
}

/// Looks up a code: the entry it opens, or why it opens none; or, when code entry from `from` is paced, how long to
/// wait. A paced look-up is counted against its address before it is made, so parallel look-ups cannot slip past the
/// allowance, and taken back when the code is known: all three in one transaction.
pub async fn resolve(
    ctx: &Context,
    code: &InvitationCode,
    from: CodeFrom<'_>,
) -> Result<Result<Result<Entry, Refused>, Paced>, AppError> {
    let code_hash = ctx.hasher.hash(code);
    let draft_key = ctx.hasher.draft_key(code);
    let found = match from {
        CodeFrom::Pass => look_up(ctx, &code_hash, &draft_key).await?,
        CodeFrom::Address(address) => match counted_look_up(ctx, address, &code_hash, &draft_key).await? {
            Ok(found) => found,
            Err(paced) => return Ok(Err(paced)),
        },
    };
    Ok(Ok(open_found(ctx, code, code_hash, draft_key, found).await?))
}

/// The entry of a code whose rows are `found`, or why it opens none.
async fn open_found(
    ctx: &Context,
    code: &InvitationCode,
    code_hash: String,
    draft_key: String,
    found: Found,
) -> Result<Result<Entry, Refused>, AppError> {
    let seal = ctx.hasher.draft_seal(code);
    let found = match found {
        Found::Legacy(legacy) => {
            seal_legacy_draft(ctx, legacy, &draft_key, &seal).await?;
            match look_up(ctx, &code_hash, &draft_key).await? {
                Found::Legacy(_) => return Err(AppError::Internal("a legacy draft was not moved".into())),
                Found::Rows(found) => *found,
            }
        }
        Found::Rows(found) => *found,
    };
    let (survey, municipality_code, municipality_name, letter, answered, draft) = match found {
        Some(Some(found)) => found,
        // A spent open-link resume code.
        Some(None) => return Ok(Err(Refused { refusal: Refusal::Answered, entry: None, survey: None })),
        None => return Ok(Err(Refused { refusal: Refusal::Unknown, entry: None, survey: None })),
    };
    if answered {
        if draft.is_some() {
            // The draft of a letter answered on paper: out of the counts since then, and now that its code is here
            // it can be found and deleted.
            let (key, code_hash) = (draft_key.clone(), code_hash.clone());
            ctx.db
                .write(move |conn| {
                    conn.transaction(|conn| {
                        drafts::delete(conn, &key)?;
                        invitations::set_draft_section(conn, &code_hash, None)
                    })
                })
                .await?;
        }
        return Ok(Err(Refused { refusal: Refusal::Answered, entry: None, survey: Some(Box::new(survey)) }));
    }
    let refusal = refusal_by_state(&survey, swedish_day(chrono::Utc::now()));
    let instrument = crate::app::instruments::for_survey(ctx, &survey).await?;
    let sealed = draft.clone();
    let draft = draft.map(|draft| SavedDraft::open(&seal, &draft));
    let entry = Entry {
        code: code.clone(),
        code_hash,
        draft_key,
        seal,
        letter,
        survey,
        municipality_code,
        municipality_name,
        instrument,
        draft,
    };
    ctx.recall.keep(&entry, sealed);
    match refusal {
        None => Ok(Ok(entry)),
        Some(refusal) => {
            let survey = Some(Box::new(entry.survey.clone()));
            Ok(Err(Refused { refusal, entry: Some(Box::new(entry)), survey }))
        }
    }
}

/// What a code's rows are: the survey, the municipality's code and name, whether a letter has the code, whether it
/// is answered, and its draft; `Some(None)` for a spent open-link resume code, `None` for a code nobody has.
type CodeRows = Option<Option<(Survey, String, String, bool, bool, Option<Draft>)>>;

/// What one look-up of a code finds.
enum Found {
    /// A draft saved before drafts were sealed, to seal and move before anything else.
    Legacy(LegacyDraft),
    Rows(Box<CodeRows>),
}

impl Found {
    /// Whether a letter, a draft or a spent resume code has the code.
    fn is_known(&self) -> bool {
        !matches!(self, Self::Rows(rows) if rows.is_none())
    }
}

/// The code's rows, in one call to the database.
async fn look_up(ctx: &Context, code_hash: &str, draft_key: &str) -> Result<Found, AppError> {
    let (code_hash, draft_key) = (code_hash.to_owned(), draft_key.to_owned());
    let legacy_left = ctx.legacy_drafts.clone();
    Ok(ctx.db.run_short(move |conn| rows_of(conn, &legacy_left, &code_hash, &draft_key)).await?)
}

/// The code's rows: the letter with its survey, municipality and draft in one query, or for a code without a letter
/// (an open link's resume code) its draft with its survey and municipality in a second (and a third for a code that has
/// neither).
fn rows_of(
    conn: &mut DbConnection,
    legacy_left: &LegacyDrafts,
    code_hash: &str,
    draft_key: &str,
) -> diesel::QueryResult<Found> {
    if legacy_left.may_be_left() {
        if let Some(legacy) = drafts::legacy(conn, code_hash)? {
            return Ok(Found::Legacy(legacy));
        }
        if !drafts::any_legacy(conn)? {
            legacy_left.none_left();
        }
    }
    // The letter and its draft in one snapshot: a submission deletes the one and completes the other in one
    // transaction, so a letter not yet answered always comes with its draft, if it has one.
    let found = match invitations::with_survey_and_draft(conn, code_hash, draft_key)? {
        Some((invitation, survey, name, draft)) => {
            let answered = invitation.disposition == Disposition::Completed;
            (survey, invitation.municipality_code, name, true, answered, draft)
        }
        None => match drafts::with_survey(conn, draft_key)? {
            Some((draft, survey, name)) => (survey, draft.municipality_code.clone(), name, false, false, Some(draft)),
            None if drafts::resume_code_spent(conn, code_hash)? => return Ok(Found::Rows(Box::new(Some(None)))),
            None => return Ok(Found::Rows(Box::new(None))),
        },
    };
    Ok(Found::Rows(Box::new(Some(Some(found)))))
}

/// Whether drafts saved before drafts were sealed may be left. Nothing makes new ones, so once none are left a code's
/// look-up stops asking for them.
#[derive(Debug, Clone)]
pub struct LegacyDrafts(Arc<std::sync::atomic::AtomicBool>);

impl Default for LegacyDrafts {
    fn default() -> Self {
        Self(Arc::new(std::sync::atomic::AtomicBool::new(true)))
    }
}

impl LegacyDrafts {
    fn may_be_left(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn none_left(&self) {
        self.0.store(false, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Seals a draft saved before drafts were sealed (found by the hash of its code) and moves it under the draft key.
async fn seal_legacy_draft(
    ctx: &Context,
    legacy: LegacyDraft,
    draft_key: &str,
    seal: &DraftSeal,
) -> Result<(), AppError> {
    let sealed = DraftContents::of_legacy(&legacy).seal(seal, draft_key, &legacy.survey_id)?;
    let draft = Draft {
        key_hash: draft_key.to_owned(),
        survey_id: legacy.survey_id.clone(),
        municipality_code: legacy.municipality_code.clone(),
        reached_section: legacy.reached_section,
        updated_on: legacy.updated_on,
        sealed,
    };
    ctx.db
        .write(move |conn| {
            conn.transaction::<_, diesel::result::Error, _>(|conn| {
                // Moved only by the request that finds it still there; its count of drafts stays as it is.
                if drafts::delete_legacy(conn, &legacy.key_hash)? == 1 {
                    drafts::save(conn, &draft)?;
                }
                Ok(())
            })
        })
        .await?;
    // The plain text must not stay behind in free space, the log or a dead row.
    ctx.db.forget_earlier_versions().await;
    Ok(())
}

/// A refused code, with its entry when the code itself is fine but the survey takes no answers now (so that a page
/// posted just after closing can be shown again with what was typed).
pub struct Refused {
    pub refusal: Refusal,
    pub entry: Option<Box<Entry>>,
    /// The survey the code belongs to, when it is known (so that the page can name whom to ask).
    pub survey: Option<Box<Survey>>,
}

/// Whether a survey takes answers on `today`: open, and within its period.
pub fn refusal_by_state(survey: &Survey, today: NaiveDate) -> Option<Refusal> {
    match survey.state {
        SurveyState::Open if today < survey.opens_on => Some(Refusal::NotOpenYet(Some(survey.opens_on))),
        SurveyState::Open if today > survey.closes_on => Some(Refusal::Closed),
        SurveyState::Open => None,
        SurveyState::Draft => Some(Refusal::NotOpenYet(None)),
        SurveyState::Closed => Some(Refusal::Closed),
    }
}

/// The throttle key of a client address: hashed, so that the table never holds addresses.
fn address_key(hasher: &CodeHasher, address: Option<&str>) -> String {
    format!("code-entry:{}", hasher.hash_token(address.unwrap_or("unknown").as_bytes()))
}

/// The throttle key of all addresses together.
const EVERYONE_KEY: &str = "code-entry:everyone";

/// Why a lookup was not made now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paced {
    /// The address is past its allowance of unknown codes and its next slot has not come.
    Address { retry_after_secs: i64 },
    /// Everyone together is past the ceiling and the shared gate's next slot has not come.
    Ceiling { retry_after_secs: i64 },
}

impl Paced {
    pub fn retry_after_secs(self) -> i64 {
        match self {
            Self::Address { retry_after_secs } | Self::Ceiling { retry_after_secs } => retry_after_secs,
        }
    }
}

/// A code's rows, looked up from `address` under code entry's pacing: in one transaction the look-up is counted
/// against the address (so parallel look-ups cannot slip past the allowance), made when the address may make it, and
/// taken back from the address's count when the code is known; an unknown code is then counted for everyone together.
/// Or how long to wait: see [`crate::domain::code_entry`].
async fn counted_look_up(
    ctx: &Context,
    address: Option<&str>,
    code_hash: &str,
    draft_key: &str,
) -> Result<Result<Found, Paced>, AppError> {
    let key = address_key(&ctx.hasher, address);
    let now = crate::db::now();
    let window_start = now - code_entry::window();
    // Rounded up, so that a browser that waits as long as it is told finds the slot free.
    let wait = move |until: chrono::NaiveDateTime| ((until - now).num_milliseconds() + 999).div_euclid(1000).max(1);
    let (lookup_key, code_hash, draft_key) = (key.clone(), code_hash.to_owned(), draft_key.to_owned());
    let legacy_left = ctx.legacy_drafts.clone();
    // Counters of look-ups, not answers: their commits do not wait for the disk (see `Db::write_unsynced`), and they
    // take no survey's turn, so they do not queue behind the saved pages (see `Db::write_beside_turns`).
    let (admitted, counted, began_pacing) = ctx
        .db
        .write_beside_turns(move |conn| {
            crate::db::unsynced_transaction(conn, |conn| {
                let counted = throttle_queries::count_lookup(conn, &key, now, window_start)?.failures;
                let in_all = throttle_queries::get(conn, EVERYONE_KEY)?
                    .filter(|everyone| everyone.window_started_at >= window_start)
                    .map_or(0, |everyone| everyone.failures);
                let gates = code_entry::gates(counted, in_all);
                let mut began_pacing = false;
                if gates.address {
                    match throttle_queries::take_slot(conn, &key, now, now + code_entry::PACE)? {
                        Slot::Wait(until) => {
                            throttle_queries::take_back_lookup(conn, &key)?;
                            return Ok((Err(Paced::Address { retry_after_secs: wait(until) }), counted, false));
                        }
                        Slot::First => began_pacing = true,
                        Slot::Taken => {}
                    }
                }
                if gates.shared
                    && let Slot::Wait(until) =
                        throttle_queries::take_slot(conn, EVERYONE_KEY, now, now + code_entry::SHARED_PACE)?
                {
                    throttle_queries::take_back_lookup(conn, &key)?;
                    return Ok((Err(Paced::Ceiling { retry_after_secs: wait(until) }), counted, began_pacing));
                }
                let found = rows_of(conn, &legacy_left, &code_hash, &draft_key)?;
                if found.is_known() {
                    throttle_queries::take_back_lookup(conn, &key)?;
                }
                Ok((Ok(found), counted, began_pacing))
            })
        })
        .await?;
    if began_pacing {
        ctx.metrics.code_entry_paced("address");
        // Said once per address and window; the address only as a prefix of its keyed hash, to follow it in the log.
        tracing::warn!(
            address = pseudonym(&lookup_key),
            lookups = counted,
            pace_secs = code_entry::PACE.num_seconds(),
            "code entry paced for an address: too many unknown codes"
        );
    }
    match admitted {
        Ok(found) => {
            if !found.is_known() {
                count_unknown_code(ctx).await?;
            }
            Ok(Ok(found))
        }
        Err(paced) => {
            ctx.metrics.code_lookup_refused(match paced {
                Paced::Address { .. } => "address",
                Paced::Ceiling { .. } => "ceiling",
            });
            Ok(Err(paced))
        }
    }
}

/// Counts an unknown code for everyone together (it stays counted against its address too).
async fn count_unknown_code(ctx: &Context) -> Result<(), AppError> {
    ctx.metrics.unknown_code();
    let now = crate::db::now();
    let window_start = now - code_entry::window();
    let in_all = ctx
        .db
        .write_beside_turns(move |conn| throttle_queries::count_lookup(conn, EVERYONE_KEY, now, window_start))
        .await?
        .failures;
    if in_all == code_entry::CEILING {
        ctx.metrics.code_entry_paced("everyone");
        tracing::warn!(
            unknown_codes = in_all,
            window_mins = code_entry::window().num_minutes(),
            "code entry past its ceiling: addresses that tried unknown codes now share one gate"
        );
    }
    Ok(())
}

/// The first characters of an address's keyed hash: enough to tell addresses apart in the log, nothing to find one by.
fn pseudonym(key: &str) -> &str {
    let hash = key.trim_start_matches("code-entry:");
    &hash[..hash.len().min(12)]
}

/// Open-link starts allowed per client address and throttle window: a school class behind one address starts
/// easily, a script making drafts by the hundred does not.
pub const OPEN_START_LIMIT: i32 = 60;
/// Accessibility reports allowed per client address, and from everyone together, per throttle window.
pub const REPORT_LIMIT_PER_ADDRESS: i32 = 5;
pub const REPORT_LIMIT_IN_ALL: i32 = 100;

/// Counts one anonymous post of a kind (`open-start`, `report`) against `limit` under `key` (a client address,
/// hashed here so that the table never holds addresses, or a word for everyone together); the seconds to wait when
/// it is one too many.
pub async fn note_anonymous_post(
    ctx: &Context,
    kind: &str,
    key: Option<&str>,
    limit: i32,
) -> Result<Option<i64>, AppError> {
    let key = format!("{kind}:{}", ctx.hasher.hash_token(key.unwrap_or("unknown").as_bytes()));
    let now = crate::db::now();
    let window_start = now - throttle::window();
    let lock_until = now + throttle::window();
    let counter = ctx
        .db
        .write(move |conn| throttle_queries::count_attempt(conn, &key, now, window_start, limit, lock_until))
        .await?;
    Ok((counter.failures > limit).then(|| counter.locked_for(now).unwrap_or(1)))
}

impl Entry {
    /// The answers saved so far, checked against the instrument again (once a request); an answer that no longer
    /// fits is dropped. A required question not answered yet is no reason to drop anything (see
    /// [`Instrument::validate_saved`]).
    pub fn saved_answers(&self) -> &Answers {
        static NONE: Answers = Answers::NONE;
        let Some(draft) = &self.draft else { return &NONE };
        draft.checked.get_or_init(|| {
            // Nearly always every answer still fits: the saved answers are copied only to drop one that does not.
            let mut errors = match self.instrument.validate_saved(&draft.contents.answers) {
                Ok(answers) => return answers,
                Err(errors) => errors,
            };
            let mut raw: RawAnswers = draft.contents.answers.clone();
            loop {
                let before = raw.len();
                for error in errors {
                    raw.remove(&error.item);
                }
                // Every error names an answer that is there, so each round drops one at least; should one not, the
                // draft's answers are not used rather than checked for ever.
                if raw.len() == before {
                    return Answers::default();
                }
                errors = match self.instrument.validate_saved(&raw) {
                    Ok(answers) => return answers,
                    Err(errors) => errors,
                };
            }
        })
    }

    /// The saved form values of `items` (a page's), to fill in its form. As saved, not checked again: what a page
    /// shows is checked when it is posted, and what is saved was checked when it was saved ([`Self::saved_answers`]
    /// checks it again where it is used: a save, the review, the submit).
    pub fn saved_values_of<'a>(&self, items: impl IntoIterator<Item = &'a Item>) -> RawAnswers {
        let Some(draft) = &self.draft else { return RawAnswers::new() };
        let saved = &draft.contents.answers;
        items.into_iter().filter_map(|item| Some((item.id.clone(), saved.get(&item.id)?.clone()))).collect()
    }

    /// The furthest section (1-based) the resident has saved, 0 before the first.
    pub fn reached_section(&self) -> usize {
        self.draft.as_ref().map_or(0, |draft| usize::try_from(draft.reached_section).unwrap_or(0))
    }

    /// The language saved with the draft.
    pub fn saved_language(&self) -> Option<&str> {
        self.draft.as_ref().map(|draft| draft.contents.language.as_str()).filter(|language| !language.is_empty())
    }

    /// The id the final submit carries.
    pub fn submission_id(&self) -> Option<&str> {
        self.draft.as_ref().map(|draft| draft.contents.submission_id.as_str()).filter(|id| !id.is_empty())
    }
}

/// Saves a page's answers (already validated) into the draft, with the language the resident reads in. The first
/// save of a letter's code marks the letter started. Nothing is saved if the letter was answered meanwhile.
pub async fn save_section(
    ctx: &Context,
    entry: &Entry,
    section_index: usize,
    section_answers: Answers,
    language: &str,
) -> Result<Saved, AppError> {
    let mut answers = entry.saved_answers().clone();
    entry.instrument.replace_section(&mut answers, section_index, section_answers);
    let reached = entry.reached_section().max(section_index + 1);
    let contents = DraftContents {
        language: language.to_owned(),
        answers: answers.to_raw(),
        submission_id: entry.submission_id().map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned),
    };
    let draft = Draft {
        key_hash: entry.draft_key.clone(),
        survey_id: entry.survey.id.clone(),
        municipality_code: entry.municipality_code.clone(),
        reached_section: i32::try_from(reached).unwrap_or(i32::MAX),
        updated_on: swedish_day(chrono::Utc::now()),
        sealed: contents.seal(&entry.seal, &entry.draft_key, &entry.survey.id)?,
    };
    let letter = entry.letter.then(|| entry.code_hash.clone());
    let kept = draft.clone();
    // A saved page costs nothing to save again, so its commit does not wait for the disk (see `Db::write_unsynced`).
    let saved = ctx
        .db
        .write_unsynced(move |conn| {
            // On PostgreSQL every other save of the survey waits for a save's turn until it commits, so the whole
            // save is one call of a function on the server (`drafts::save_page`), no round trip under the turn.
            let saved = match conn {
                DbConnection::Postgres(_) => drafts::save_page(conn, &draft, letter.as_deref())?,
                DbConnection::Sqlite(_) => save_in_turn(conn, draft, letter.as_deref())?,
            };
            Ok(if saved { Saved::Saved } else { Saved::AlreadyAnswered })
        })
        .await?;
    if saved == Saved::AlreadyAnswered {
        ctx.recall.drop_key(&entry.draft_key);
        return Ok(saved);
    }
    ctx.recall.keep(entry, Some(kept));
    ctx.metrics.draft_saved();
    ctx.live.changed(&entry.survey.id);
    Ok(saved)
}

/// What became of a saved page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Saved,
    /// Its letter was answered meanwhile (in another tab): nothing was saved.
    AlreadyAnswered,
}

/// SQLite: a saved page's draft, stored at the furthest section saved, with its counts, in a transaction that takes
/// the survey's turn first (its write lock must be taken by the first statement; SQLite's writes are serial anyway):
/// saves of one survey take turns, so the count of drafts per section moves exactly with them. `false`, with nothing
/// saved, when the letter (the hash of its code) was answered since the page was read (in another tab).
fn save_in_turn(conn: &mut DbConnection, draft: Draft, letter: Option<&str>) -> diesel::QueryResult<bool> {
    let saved = conn.transaction(|conn| -> Result<(), Abort<()>> {
        surveys::lock_for_write(conn, &draft.survey_id)?;
        let before = drafts::get(conn, &draft.key_hash)?;
        let reached =
            before.as_ref().map_or(draft.reached_section, |old| old.reached_section.max(draft.reached_section));
        let draft = Draft { reached_section: reached, ..draft };
        drafts::save(conn, &draft)?;
        // A new draft, or an open-link start that saved nothing yet, was never counted (see `start_open_link`).
        // Beside the letter only how far its draft reached: what a paper form for it takes out of the counts.
        let counted_from = before.map_or(0, |old| old.reached_section);
        let (survey, municipality) = (&draft.survey_id, &draft.municipality_code);
        if !invitations::count_saved_draft(conn, letter, survey, municipality, counted_from, reached)? {
            return Err(Abort::Reason(()));
        }
        Ok(())
    });
    match saved {
        Ok(()) => Ok(true),
        Err(Abort::Reason(())) => Ok(false),
        Err(Abort::Database(error)) => Err(error),
    }
}

/// Saves only the language of a draft (the resident switched language on a page without answers to save).
pub async fn save_language(ctx: &Context, entry: &Entry, language: &str) -> Result<(), AppError> {
    let Some(draft) = &entry.draft else { return Ok(()) };
    let contents = DraftContents { language: language.to_owned(), ..draft.contents.clone() };
    let sealed = contents.seal(&entry.seal, &entry.draft_key, &entry.survey.id)?;
    // Only the sealed contents, never the whole row as read: that could undo a page saved meanwhile in another tab
    // (its count), or bring back a draft that was submitted meanwhile.
    let key = entry.draft_key.clone();
    ctx.db.write(move |conn| drafts::set_sealed(conn, &key, &sealed)).await?;
    Ok(())
}

/// Starts an open-link answer in a municipality: a new resume code with an empty draft.
pub async fn start_open_link(
    ctx: &Context,
    survey: &Survey,
    municipality_code: &str,
    language: &str,
) -> Result<InvitationCode, AppError> {
    if survey.access != Access::OpenLink {
        return Err(AppError::NotFound);
    }
    let code = InvitationCode::generate(&mut rand::rng());
    let draft_key = ctx.hasher.draft_key(&code);
    let contents = DraftContents {
        language: language.to_owned(),
        answers: RawAnswers::new(),
        submission_id: uuid::Uuid::new_v4().to_string(),
    };
    let sealed = contents.seal(&ctx.hasher.draft_seal(&code), &draft_key, &survey.id)?;
    let draft = Draft {
        key_hash: draft_key,
        survey_id: survey.id.clone(),
        municipality_code: municipality_code.to_owned(),
        reached_section: 0,
        updated_on: swedish_day(chrono::Utc::now()),
        sealed,
    };
    let survey_id = survey.id.clone();
    ctx.db
        .write(move |conn| {
            conn.transaction(|conn| {
                // Not counted on the dashboard until it saves a section: a start alone says nothing of a resident
                // and would let anyone inflate "started" at will.
                drafts::save(conn, &draft)
            })
        })
        .await?;
    ctx.live.changed(&survey_id);
    Ok(code)
}

/// What became of a submit.
#[derive(Debug, PartialEq, Eq)]
pub enum Submitted {
    /// Stored now, or stored before by this very form: thank the resident.
    Thanked,
    /// Another submit with this code got there first.
    AlreadyAnswered,
}

/// Submits the draft as the resident's response.
pub async fn submit(ctx: &Context, entry: &Entry, submission_id: &str) -> Result<Submitted, AppError> {
    let answers = entry.saved_answers().clone();
    let completeness = crate::domain::aapor::classify(answers.len(), entry.instrument.applicable_items(&answers));
    let new = NewResponse {
        survey_id: entry.survey.id.clone(),
        municipality_code: entry.municipality_code.clone(),
        mode: Mode::Web,
        instrument_version: entry.survey.instrument_version.clone(),
        language: entry.saved_language().unwrap_or(entry.instrument.default_language()).to_owned(),
        answers,
        letter: None,
        code_hash: entry.letter.then(|| entry.code_hash.clone()),
        draft_key: Some(entry.draft_key.clone()),
        resume_code_hash: (!entry.letter).then(|| entry.code_hash.clone()),
        submission_id: submission_id.to_owned(),
        completeness,
    };
    let stored = responses::store(ctx, Actor::default(), new).await?;
    ctx.recall.drop_key(&entry.draft_key);
    match stored {
        Stored::Saved | Stored::AlreadySaved => Ok(Submitted::Thanked),
        Stored::UnknownLetter | Stored::LetterAlreadyUsed => Ok(Submitted::AlreadyAnswered),
    }
}

/// Whether a form with this submission id has been stored (a retry after the draft is gone).
pub async fn was_submitted(ctx: &Context, submission_id: &str) -> Result<bool, AppError> {
    if uuid::Uuid::parse_str(submission_id).is_err() {
        return Ok(false);
    }
    let id = submission_id.to_owned();
    Ok(ctx.db.run_short(move |conn| crate::db::queries::responses::submission_seen(conn, &id)).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn survey(state: SurveyState, opens: &str, closes: &str) -> Survey {
        Survey {
            id: "s".into(),
            title: "t".into(),
            instrument_key: "k".into(),
            instrument_version: "v".into(),
            state,
            access: Access::Codes,
            opens_on: opens.parse().unwrap(),
            closes_on: closes.parse().unwrap(),
            created_by: None,
            created_at: chrono::NaiveDateTime::default(),
            copied_from: None,
            revision: 0,
            min_base: 30,
            min_cell: 5,
            sender: None,
            contact: None,
            languages: "sv".to_owned(),
        }
    }

    #[test]
    fn an_open_survey_takes_answers_only_within_its_period() {
        let day = |text: &str| text.parse::<NaiveDate>().unwrap();
        let open = survey(SurveyState::Open, "2026-09-01", "2026-10-31");
        assert_eq!(refusal_by_state(&open, day("2026-09-01")), None);
        assert_eq!(refusal_by_state(&open, day("2026-10-31")), None, "the last day is included");
        assert_eq!(refusal_by_state(&open, day("2026-08-31")), Some(Refusal::NotOpenYet(Some(day("2026-09-01")))));
        assert_eq!(refusal_by_state(&open, day("2026-11-01")), Some(Refusal::Closed));
        let draft = survey(SurveyState::Draft, "2026-09-01", "2026-10-31");
        assert_eq!(refusal_by_state(&draft, day("2026-09-15")), Some(Refusal::NotOpenYet(None)));
        let closed = survey(SurveyState::Closed, "2026-09-01", "2026-10-31");
        assert_eq!(refusal_by_state(&closed, day("2026-09-15")), Some(Refusal::Closed));
    }
}
