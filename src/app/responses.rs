//! Storing responses. A response is written in one transaction with everything it changes: its answers (in its own
//! row, see `db::models::response::StoredResponse`), the letter it used up (if any: marked completed, with no link
//! back from the response), the resident's draft (deleted), the completion tally of its day, and the submission id
//! that makes a repeated submit harmless.
//!
//! **Order reveals nothing.** Response ids are random (UUIDv4) and only the calendar day is kept. Storage order is the
//! last trace: PostgreSQL stamps every row with the id of the transaction that wrote it (`xmin`) and keeps new rows
//! roughly in insertion order, so a response written in the transaction that marked its letter answered could be
//! matched to that letter. So every submission rewrites all the survey's *fresh* responses (those since the last
//! batch) together, in shuffled order and under new random ids, in the transaction that stores it: the fresh
//! responses share the newest letter's transaction id, and which of them is that letter's is one in as many as there
//! are. When a survey has more than [`SETTLE_BATCH`] fresh responses (or one from an earlier day, or the survey
//! closes) they are *settled*: a batch never rewritten again. The one just stored stays fresh (unless the survey
//! closes), so it shares its letter's transaction id with the batch, and the next submission with it: no response
//! is ever alone with its letter's transaction id, but the very first of a survey until the second arrives. The
//! rows' earlier versions are vacuumed away on PostgreSQL, and SQLite's write-ahead log is emptied, within about a
//! second after the transaction, once for all the responses stored in that second (see [`Forgetting`]).
//!
//! **Stored together when many come at once.** Forms that arrive while others are being stored wait in a [`Line`]
//! and are stored in the next transaction together: one synced commit and one rewrite of the fresh responses for the
//! group. Every letter answered in that transaction is then one of the group, as above.

use chrono::NaiveDate;
use diesel::Connection;
use serde_json::json;

use crate::app::Context;
use crate::app::audit::Actor;
use crate::db::models::response::{Response, StoredResponse};
use crate::db::models::survey::Invitation;
use crate::db::models::tally::CompletionTally;
use crate::db::models::user::AuditEvent;
use crate::db::queries::{audit, drafts, invitations, responses, surveys, tallies};
use crate::db::{Abort, Db, DbConnection};
use crate::domain::aapor::Completeness;
use crate::domain::audit::Action;
use crate::domain::codes::LetterNumber;
use crate::domain::dispositions::Disposition;
use crate::domain::instrument::Answers;
use crate::domain::survey::Mode;
use crate::error::AppError;

/// What became of a submitted form.
#[derive(Debug, PartialEq, Eq)]
pub enum Stored {
    /// Stored now.
    Saved,
    /// This very form was stored before (a double click or a retry): nothing stored twice.
    AlreadySaved,
    /// The letter does not belong to the survey.
    UnknownLetter,
    /// The letter's code has already completed a response.
    LetterAlreadyUsed,
}

/// A response about to be stored.
pub struct NewResponse {
    pub survey_id: String,
    pub municipality_code: String,
    pub mode: Mode,
    pub instrument_version: String,
    pub language: String,
    pub answers: Answers,
    /// The letter this response uses up, if known (a paper form).
    pub letter: Option<LetterNumber>,
    /// The keyed hash of the letter's code this response uses up (the web questionnaire).
    pub code_hash: Option<String>,
    /// The key of the draft to delete with the answer (the web questionnaire).
    pub draft_key: Option<String>,
    /// The keyed hash of the open-link resume code this response uses up.
    pub resume_code_hash: Option<String>,
    /// The id the submitted form carried.
    pub submission_id: String,
    /// How much of the questionnaire was answered: complete, partial or a break-off.
    pub completeness: Completeness,
}

/// Stores a response, exactly once. It waits in the submissions' line ([`Line`]) and is stored in one transaction
/// with the forms that arrived while the ones before were being stored.
pub async fn store(ctx: &Context, actor: Actor, new: NewResponse) -> Result<Stored, AppError> {
    let day = crate::domain::survey::swedish_day(chrono::Utc::now());
    let response = response_row(&new, day);
    let survey_id = response.response.survey_id.clone();
    let mode = response.response.mode.as_str();
    let form = Form { actor, new, response };
    let (reply, outcome) = tokio::sync::oneshot::channel();
    ctx.submissions.join(&ctx.db, form, reply);
    // Only when the service stops while the form waits: sent again, it is stored once or found stored.
    let dropped = || AppError::Unavailable(crate::db::DbError::Task("the submissions' line stopped".into()));
    let outcome = outcome.await.map_err(|_| dropped())??;
    if outcome == Stored::Saved {
        ctx.metrics.submission_stored(mode);
        ctx.forgetting.soon(&ctx.db);
        ctx.live.changed(&survey_id);
    }
    Ok(outcome)
}

/// The most forms stored in one transaction.
pub const MOST_TOGETHER: usize = 64;

/// Submitted forms waiting to be stored (group commit). A form that arrives while fewer groups than [`groups_at_once`]
/// are being stored starts a task that stores it; forms arriving meanwhile wait, and the next task free stores all of
/// them (up to [`MOST_TOGETHER`]) in its next transaction, and so on until none waits. So a busy moment costs one
/// synced commit, and one rewrite of each survey's fresh responses, per group instead of per form; a quiet one stores
/// each form at once, alone.
///
/// A form refused (already stored, its letter used) leaves the others in: on SQLite each form is stored in a
/// savepoint of its own ([`store_together`]); on PostgreSQL, where a savepoint would stamp a letter with an id of its
/// own, in two rounds ([`store_in_rounds`]). Should the group's transaction fail as a whole, each of its forms is
/// stored again on its own, so that one form's failure never becomes another's.
#[derive(Clone, Default)]
pub struct Line(std::sync::Arc<std::sync::Mutex<Waiting>>);

#[derive(Default)]
struct Waiting {
    forms: Vec<(Form, Reply)>,
    /// How many tasks are storing (each takes the forms that wait before it stops).
    storing: usize,
}

/// How many groups are stored at once: on SQLite one (its writes are serial anyway); on PostgreSQL two, so that the
/// next group's first round, which needs no turn, runs while the group before holds its surveys' turns and waits for
/// its commit to reach the disk.
fn groups_at_once(db: &Db) -> usize {
    match db.backend() {
        crate::db::Backend::Sqlite => 1,
        crate::db::Backend::Postgres => 2,
    }
}

/// A form in the line: what to store, and who to tell.
struct Form {
    actor: Actor,
    new: NewResponse,
    response: StoredResponse,
}

type Reply = tokio::sync::oneshot::Sender<Result<Stored, AppError>>;

impl Line {
    fn waiting(&self) -> std::sync::MutexGuard<'_, Waiting> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn join(&self, db: &Db, form: Form, reply: Reply) {
        let mut waiting = self.waiting();
        waiting.forms.push((form, reply));
        if waiting.storing >= groups_at_once(db) {
            return;
        }
        waiting.storing += 1;
        drop(waiting);
        let (line, db) = (self.clone(), db.clone());
        tokio::spawn(async move { line.store_waiting(db).await });
    }

    async fn store_waiting(self, db: Db) {
        // Should this task end unexpectedly, the next form starts another.
        let _done = Done(self.clone());
        loop {
            let forms: Vec<(Form, Reply)> = {
                let mut waiting = self.waiting();
                if waiting.forms.is_empty() {
                    waiting.storing -= 1;
                    return;
                }
                let count = waiting.forms.len().min(MOST_TOGETHER);
                waiting.forms.drain(..count).collect()
            };
            store_group(&db, forms).await;
        }
    }
}

/// Ends a storing task that ends unexpectedly: the line counts it no longer storing.
struct Done(Line);

impl Drop for Done {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let mut waiting = self.0.waiting();
            waiting.storing = waiting.storing.saturating_sub(1);
        }
    }
}

/// Stores `forms` in one transaction and tells each what became of it; if that transaction fails, stores each on its
/// own.
async fn store_group(db: &Db, mut forms: Vec<(Form, Reply)>) {
    if forms.len() == 1 {
        let Some((form, reply)) = forms.pop() else { return };
        let _ = reply.send(store_alone(db, std::sync::Arc::new(form)).await);
        return;
    }
    let (forms, replies): (Vec<Form>, Vec<Reply>) = forms.into_iter().unzip();
    let forms: Vec<std::sync::Arc<Form>> = forms.into_iter().map(std::sync::Arc::new).collect();
    let group = forms.clone();
    // `None`: the group was rolled back, to store its forms each on its own.
    let together = move |conn: &mut DbConnection| match conn {
        DbConnection::Sqlite(_) => conn.transaction(|conn| store_together(conn, &group)).map(Some),
        DbConnection::Postgres(_) => match conn.transaction(|conn| store_in_rounds(conn, &group)) {
            Ok(outcomes) => Ok(Some(outcomes)),
            Err(Abort::Reason(())) => Ok(None),
            Err(Abort::Database(error)) => Err(error),
        },
    };
    let apart = match db.write(together).await {
        Ok(Some(outcomes)) => {
            for (reply, outcome) in replies.into_iter().zip(outcomes) {
                let _ = reply.send(Ok(outcome));
            }
            return;
        }
        Ok(None) => replies,
        Err(error) => {
            tracing::warn!(%error, forms = replies.len(), "forms stored together failed: storing each on its own");
            replies
        }
    };
    let alone = apart.into_iter().zip(forms).map(|(reply, form)| async move {
        let _ = reply.send(store_alone(db, form).await);
    });
    futures_util::future::join_all(alone).await;
}

/// Stores one form in a transaction of its own, with the rewrite of its survey's fresh responses.
async fn store_alone(db: &Db, form: std::sync::Arc<Form>) -> Result<Stored, AppError> {
    let outcome = db
        .write(move |conn| {
            outcome_of(conn.transaction(|conn| {
                let stored = store_in(conn, &form.actor, &form.new, &form.response)?;
                let day = form.response.response.submitted_on;
                settle_in(conn, &form.new.survey_id, day, &[&form.response])?;
                Ok(stored)
            }))
        })
        .await?;
    Ok(outcome)
}

/// SQLite: stores `forms` in the caller's transaction, each in a savepoint of its own, then moves their letters'
/// counters and adds their completion counts (for each municipality, disposition, day and mode rather than for each
/// form) and rewrites the fresh responses of each survey a form was stored into, once: what became of each form, in
/// order. The turn of each survey is taken once for the group, before the forms: SQLite takes its write lock with the
/// transaction's first statement, and one raised revision tells the group's change as well as one for each form.
fn store_together(conn: &mut DbConnection, forms: &[std::sync::Arc<Form>]) -> diesel::QueryResult<Vec<Stored>> {
    for survey in in_turn_order(forms.iter().map(|form| form.new.survey_id.as_str())) {
        surveys::lock_for_write(conn, survey)?;
    }
    // Per survey: the day of the last response stored, and the responses stored, in order.
    let mut stored: Vec<(&str, NaiveDate, Vec<&StoredResponse>)> = Vec::new();
    let mut counts: Vec<CompletionTally> = Vec::new();
    let mut answered = Answered::default();
    let mut outcomes = Vec::with_capacity(forms.len());
    for form in forms {
        // A form's letter is counted only once its savepoint stands.
        let mut its_letter = Answered::default();
        let outcome = outcome_of(conn.transaction(|conn| {
            let letter = write_before_turn(conn, &form.actor, &form.new, &form.response)?;
            write_in_turn(conn, &form.new, letter.as_ref(), &mut its_letter)?;
            Ok(Stored::Saved)
        }))?;
        if outcome == Stored::Saved {
            answered.extend(its_letter);
            let (survey, day) = (form.new.survey_id.as_str(), form.response.response.submitted_on);
            match stored.iter_mut().find(|(known, _, _)| *known == survey) {
                Some((_, last_day, responses)) => {
                    *last_day = day;
                    responses.push(&form.response);
                }
                None => stored.push((survey, day, vec![&form.response])),
            }
            count_in(&mut counts, completion(&form.new, day));
        }
        outcomes.push(outcome);
    }
    count_group(conn, &answered, &counts)?;
    // The responses are written in among the others in this same transaction: the group then shares this
    // transaction's id with the letters answered in it, each of them one of the group, and with no other letter.
    for (survey, day, responses) in stored {
        settle_in(conn, survey, day, &responses)?;
    }
    Ok(outcomes)
}

/// How long after a response is stored the earlier versions of rows are cleared: once for every response stored in
/// that moment, since clearing after each one (a VACUUM on PostgreSQL, a log checkpoint on SQLite) held a connection
/// per submission and cut PostgreSQL from 200 stored forms a second to 80.
pub const FORGET_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

/// Clearing the earlier versions of stored rows ([`Db::forget_earlier_versions`]) soon after responses are stored, at
/// most once per [`FORGET_AFTER`], and always after the last of them; on SQLite again a moment later while a reader
/// still reads the log.
#[derive(Clone, Default)]
pub struct Forgetting(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Forgetting {
    /// Clears earlier versions [`FORGET_AFTER`] from now, unless a clearing that starts later than this call is
    /// already waiting (it resets the flag before it starts, so every stored response is followed by a clearing).
    pub fn soon(&self, db: &Db) {
        use std::sync::atomic::Ordering;
        if self.0.swap(true, Ordering::AcqRel) {
            return;
        }
        let (forgetting, db) = (self.clone(), db.clone());
        tokio::spawn(async move {
            tokio::time::sleep(FORGET_AFTER).await;
            forgetting.0.store(false, Ordering::Release);
            if db.forget_earlier_versions().await == crate::db::Forgotten::NotYet {
                forgetting.soon(&db);
            }
        });
    }
}

/// The response's row, with its answers, as it will be stored.
fn response_row(new: &NewResponse, day: NaiveDate) -> StoredResponse {
    let response = Response {
        // Random (v4), never time-ordered, so ids reveal nothing about when or in which order answers came in.
        id: uuid::Uuid::new_v4().to_string(),
        survey_id: new.survey_id.clone(),
        municipality_code: new.municipality_code.clone(),
        mode: new.mode,
        submitted_on: day,
        instrument_version: new.instrument_version.clone(),
        language: new.language.clone(),
        settled: false,
    };
    StoredResponse::new(response, &new.answers.rows())
}

/// Stores a response (with its answers) with everything it changes, or is rolled back with the reason why nothing
/// was stored. Its survey's fresh responses are rewritten after it, in the same transaction ([`store_alone`]); on
/// SQLite the response's own row is written only then, in among them ([`settle_in`]). A form in a group on SQLite is
/// stored the same way, its turn and completion count taken and added once for the group ([`store_together`]).
fn store_in(
    conn: &mut DbConnection,
    actor: &Actor,
    new: &NewResponse,
    response: &StoredResponse,
) -> Result<Stored, Abort<Stored>> {
    // The survey's write turn (see `surveys::lock_for_write`). On SQLite every write transaction is serial anyway,
    // and its write lock must be taken by the first statement (an upgrade from reading fails at once), so the turn
    // comes first. On PostgreSQL writers of one survey wait for each other from the turn to their commit, so the turn
    // comes as late as it can: after the checks and rows that need none ([`write_before_turn`]), before everything
    // that must move in step with the other writers (the letter, the counters, the settling).
    let late_turn = matches!(conn, DbConnection::Postgres(_));
    if !late_turn {
        surveys::lock_for_write(conn, &new.survey_id)?;
    }
    let letter = write_before_turn(conn, actor, new, response)?;
    if late_turn {
        surveys::lock_for_write(conn, &new.survey_id)?;
    }
    let mut answered = Answered::default();
    write_in_turn(conn, new, letter.as_ref(), &mut answered)?;
    answered.count(conn)?;
    tallies::add_completion(conn, &completion(new, response.response.submitted_on))?;
    Ok(Stored::Saved)
}

/// A form's checks and the rows that need no turn of its survey: the submission's key, on PostgreSQL the response
/// and its answers, the audit event; on PostgreSQL also the lock of the draft's row, which comes before the survey's
/// (the order of a saved page, `app::answering::save_section`). Returns the letter a paper form names. A form refused
/// here has written nothing.
fn write_before_turn(
    conn: &mut DbConnection,
    actor: &Actor,
    new: &NewResponse,
    response: &StoredResponse,
) -> Result<Option<Invitation>, Abort<Stored>> {
    if responses::submission_seen(conn, &new.submission_id)? {
        return Err(Abort::Reason(Stored::AlreadySaved));
    }
    let letter = letter_to_use(conn, new)?;
    responses::record_submission(conn, &new.submission_id, &new.survey_id, response.response.submitted_on)?;
    let postgres = matches!(conn, DbConnection::Postgres(_));
    if postgres {
        responses::insert(conn, response)?;
    }
    if let Some(event) = paper_event(actor, new) {
        audit::insert(conn, &event)?;
    }
    if let (true, Some(key)) = (postgres, &new.draft_key) {
        drafts::locked(conn, key)?;
    }
    Ok(letter)
}

/// What a form changes under its survey's turn besides its day's completion count and its letter's counter (noted in
/// `answered`): its letter used up, its draft deleted.
fn write_in_turn(
    conn: &mut DbConnection,
    new: &NewResponse,
    letter: Option<&Invitation>,
    answered: &mut Answered,
) -> Result<(), Abort<Stored>> {
    use_up_letter(conn, new, letter, answered)?;
    use_up_draft(conn, new)
}

/// PostgreSQL: stores `forms` in the caller's transaction, without savepoints: a savepoint is a subtransaction with
/// an id of its own, which PostgreSQL would stamp on its letter, where the group's one id is one of the group's
/// responses'. So it stores in two rounds. First, form by form, the checks and the rows that need no turn
/// ([`write_before_turn`]): a form refused there has written nothing and is left out. Then survey by survey, in the
/// order of their ids (two groups never hold each other's turns), the survey's turn, each form's letter and draft
/// ([`write_in_turn`]), the counters of all of them (their letters' and their completion counts, a statement for each
/// municipality, disposition, day and mode rather than for each form) and one rewrite of the survey's fresh responses.
/// A form refused in that round (its letter answered meanwhile) has written rows: the whole group is rolled back with
/// `Abort::Reason`, and its forms are stored each on its own. What became of each form, in order.
fn store_in_rounds(conn: &mut DbConnection, forms: &[std::sync::Arc<Form>]) -> Result<Vec<Stored>, Abort<()>> {
    let mut outcomes = Vec::with_capacity(forms.len());
    let mut written = Vec::with_capacity(forms.len());
    for form in forms {
        match write_before_turn(conn, &form.actor, &form.new, &form.response) {
            Ok(letter) => {
                written.push((form, letter));
                outcomes.push(Stored::Saved);
            }
            Err(Abort::Reason(refused)) => outcomes.push(refused),
            Err(Abort::Database(error)) => return Err(Abort::Database(error)),
        }
    }
    for survey in in_turn_order(written.iter().map(|(form, _)| form.new.survey_id.as_str())) {
        surveys::lock_for_write(conn, survey)?;
        let mut arriving = Vec::new();
        let mut counts: Vec<CompletionTally> = Vec::new();
        let mut answered = Answered::default();
        for (form, letter) in written.iter().filter(|(form, _)| form.new.survey_id == survey) {
            match write_in_turn(conn, &form.new, letter.as_ref(), &mut answered) {
                Ok(()) => arriving.push(&form.response),
                Err(Abort::Reason(_)) => return Err(Abort::Reason(())),
                Err(Abort::Database(error)) => return Err(Abort::Database(error)),
            }
            count_in(&mut counts, completion(&form.new, form.response.response.submitted_on));
        }
        count_group(conn, &answered, &counts)?;
        // Every form written in the first round is arriving here, or the group has been rolled back.
        if let Some(last) = arriving.last() {
            settle_in(conn, survey, last.response.submitted_on, &arriving)?;
        }
    }
    Ok(outcomes)
}

/// The surveys of a group, each once, in the order of their ids: the order their turns are taken in, so that two
/// groups never hold each other's turns.
fn in_turn_order<'a>(surveys: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut surveys: Vec<&str> = surveys.collect();
    surveys.sort_unstable();
    surveys.dedup();
    surveys
}

/// Moves a group's counters once: its letters' (out of the dispositions they had, into answered) and its completion
/// counts.
fn count_group(conn: &mut DbConnection, answered: &Answered, counts: &[CompletionTally]) -> diesel::QueryResult<()> {
    answered.count(conn)?;
    for count in counts {
        tallies::add_completion(conn, count)?;
    }
    Ok(())
}

/// What became of the form, from how its transaction ended.
fn outcome_of(result: Result<Stored, Abort<Stored>>) -> diesel::QueryResult<Stored> {
    match result {
        Ok(stored) | Err(Abort::Reason(stored)) => Ok(stored),
        // Two submits of one form at the same moment: the second fails on the submission's key.
        Err(Abort::Database(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ))) => Ok(Stored::AlreadySaved),
        Err(Abort::Database(error)) => Err(error),
    }
}

/// The letter a paper form names, unless it is unknown or answered. A letter that does not exist or is answered stays
/// so (an answered letter's disposition never changes again), so this needs no turn; any other disposition is read
/// again if it changed meanwhile.
fn letter_to_use(conn: &mut DbConnection, new: &NewResponse) -> Result<Option<Invitation>, Abort<Stored>> {
    let Some(number) = &new.letter else { return Ok(None) };
    let serial = number.serial() as i32;
    match invitations::by_serial(conn, &new.survey_id, number.municipality().as_str(), serial)? {
        None => Err(Abort::Reason(Stored::UnknownLetter)),
        Some(letter) if letter.disposition == Disposition::Completed => Err(Abort::Reason(Stored::LetterAlreadyUsed)),
        Some(letter) => Ok(Some(letter)),
    }
}

/// Who keyed in a paper form is worth knowing; which letter or which answers never is.
fn paper_event(actor: &Actor, new: &NewResponse) -> Option<AuditEvent> {
    (new.mode == Mode::Paper).then(|| {
        let detail = json!({ "municipality": new.municipality_code });
        actor.event(Action::PaperFormEntered, Some(new.survey_id.clone()), detail)
    })
}

/// Marks the letter the response used, by its number (`letter`) or by its code, as answered, and notes it in
/// `answered` for its counter.
fn use_up_letter(
    conn: &mut DbConnection,
    new: &NewResponse,
    letter: Option<&Invitation>,
    answered: &mut Answered,
) -> Result<(), Abort<Stored>> {
    if let Some(letter) = letter {
        let Some(from) = invitations::answer_letter(conn, letter)? else {
            return Err(Abort::Reason(Stored::LetterAlreadyUsed));
        };
        answered.add(letter, from);
        // A resident may have saved a draft for this letter on the web. The draft cannot be found without the code
        // (see `app::answering`), so it is taken out of the counts by the section its letter records; it is deleted
        // when the code is typed again, and a recount leaves it out till then.
        if let Some(section) = invitations::draft_section(conn, &letter.id)? {
            tallies::add_drafts(conn, &letter.survey_id, &letter.municipality_code, section, -1)?;
        }
    }
    if let Some(code_hash) = &new.code_hash {
        match invitations::by_code_hash(conn, code_hash)? {
            None => return Err(Abort::Reason(Stored::UnknownLetter)),
            Some(letter) if letter.survey_id != new.survey_id => return Err(Abort::Reason(Stored::UnknownLetter)),
            Some(letter) => {
                let Some(from) = invitations::answer_letter(conn, &letter)? else {
                    return Err(Abort::Reason(Stored::LetterAlreadyUsed));
                };
                answered.add(&letter, from);
                // Its draft goes with this answer (`use_up_draft`).
                invitations::set_draft_section(conn, code_hash, None)?;
            }
        }
    }
    Ok(())
}

/// Letters answered in one transaction: how many left each disposition, by survey and municipality. Their counters
/// are moved once for all of them ([`Answered::count`]): one move for a group instead of one for each form.
#[derive(Default)]
struct Answered(Vec<(String, String, Disposition, i32)>);

impl Answered {
    fn add(&mut self, letter: &Invitation, from: Disposition) {
        self.add_many(&letter.survey_id, &letter.municipality_code, from, 1);
    }

    fn add_many(&mut self, survey: &str, municipality: &str, from: Disposition, letters: i32) {
        match self.0.iter_mut().find(|(s, m, f, _)| *s == survey && *m == municipality && *f == from) {
            Some((_, _, _, known)) => *known += letters,
            None => self.0.push((survey.to_owned(), municipality.to_owned(), from, letters)),
        }
    }

    fn extend(&mut self, other: Answered) {
        for (survey, municipality, from, letters) in other.0 {
            self.add_many(&survey, &municipality, from, letters);
        }
    }

    /// Moves the counters: out of the dispositions the letters had, into answered.
    fn count(&self, conn: &mut DbConnection) -> diesel::QueryResult<()> {
        for (survey, municipality, from, letters) in &self.0 {
            tallies::move_letters(conn, survey, municipality, *from, Disposition::Completed, *letters)?;
        }
        Ok(())
    }
}

/// Deletes the draft that is submitted, with its count; an open link's resume code is spent with it.
fn use_up_draft(conn: &mut DbConnection, new: &NewResponse) -> Result<(), Abort<Stored>> {
    let Some(key) = &new.draft_key else { return Ok(()) };
    // The draft is what is submitted: without it (submitted meanwhile elsewhere) nothing is stored.
    let Some(draft) = drafts::get(conn, key)? else {
        return Err(Abort::Reason(Stored::LetterAlreadyUsed));
    };
    drafts::delete(conn, key)?;
    if draft.reached_section > 0 {
        // Drafts count from their first saved section (an open-link start before it is not counted).
        tallies::add_drafts(conn, &draft.survey_id, &draft.municipality_code, draft.reached_section, -1)?;
    }
    if let Some(code_hash) = &new.resume_code_hash {
        // An open-link resume code: used up, so that it meets "already answered" from now on.
        drafts::spend_resume_code(conn, code_hash, &new.survey_id)?;
    }
    Ok(())
}

/// Adds a completion count to those of its survey, municipality, day and mode in `counts`, or to the end.
fn count_in(counts: &mut Vec<CompletionTally>, count: CompletionTally) {
    let same = |known: &&mut CompletionTally| {
        (&known.survey_id, &known.municipality_code, known.day, known.mode)
            == (&count.survey_id, &count.municipality_code, count.day, count.mode)
    };
    match counts.iter_mut().find(same) {
        Some(known) => {
            known.submitted += count.submitted;
            known.partial += count.partial;
            known.break_off += count.break_off;
            known.without_letter += count.without_letter;
        }
        None => counts.push(count),
    }
}

/// The response's count on its day's completion tally.
fn completion(new: &NewResponse, day: NaiveDate) -> CompletionTally {
    let used_letter = new.letter.is_some() || new.code_hash.is_some();
    CompletionTally {
        survey_id: new.survey_id.clone(),
        municipality_code: new.municipality_code.clone(),
        day,
        mode: new.mode,
        submitted: 1,
        partial: i32::from(new.completeness == Completeness::Partial),
        break_off: i32::from(new.completeness == Completeness::BreakOff),
        without_letter: i32::from(!used_letter),
    }
}

/// How many fresh responses of a survey are rewritten together.
pub const SETTLE_BATCH: usize = 10;

/// Rewrites a survey's fresh responses in one shuffled group under new ids. `arriving` are the responses stored in
/// the caller's transaction, in order: on SQLite their rows are written here, in among the others, never written and at
/// once rewritten ([`store_in`] leaves them out); on PostgreSQL `store_in` has written them. The fresh responses are
/// settled when there are more than [`SETTLE_BATCH`] of them or one is from an earlier day, all but the newest (the
/// last arriving, which stays fresh so that it never stands alone in the next group); with none arriving (the survey
/// closes) all of them. Returns how many were rewritten. Runs inside the caller's transaction, which holds the
/// survey's write turn.
pub fn settle_in(
    conn: &mut DbConnection,
    survey_id: &str,
    today: NaiveDate,
    arriving: &[&StoredResponse],
) -> diesel::QueryResult<usize> {
    use rand::seq::SliceRandom;

    let newest = arriving.last().map(|stored| stored.response.id.as_str());
    if let DbConnection::Postgres(pg) = conn {
        // The same in one statement: this runs under the survey's turn, which every other writer of the survey waits
        // for, and on PostgreSQL each statement is a round trip (see `responses::settle_fresh`).
        return responses::settle_fresh(pg, survey_id, today, newest, SETTLE_BATCH);
    }
    let mut fresh = responses::unsettled(conn, survey_id)?;
    let ids: Vec<String> = fresh.iter().map(|stored| stored.response.id.clone()).collect();
    fresh.extend(arriving.iter().map(|&stored| stored.clone()));
    let due = newest.is_none()
        || fresh.len() > SETTLE_BATCH
        || fresh.iter().any(|stored| stored.response.submitted_on < today);
    if fresh.is_empty() {
        return Ok(0);
    }
    let reviewed = responses::reviewed_unsettled(conn, survey_id)?;
    responses::delete_many(conn, &ids)?;
    fresh.shuffle(&mut rand::rng());
    // Written back in the shuffled order, with their answers, a row at a time through one prepared statement. New
    // random ids: no earlier version of a row (a dead tuple, a page of the log) shares its id with the row.
    for StoredResponse { response, .. } in &mut fresh {
        let new_id = uuid::Uuid::new_v4().to_string();
        response.settled = due && newest != Some(response.id.as_str());
        if reviewed.contains(&response.id) {
            responses::move_comment_reviews(conn, &response.id, &new_id)?;
        }
        response.id = new_id;
    }
    responses::insert_many(conn, &fresh)?;
    Ok(ids.len())
}
