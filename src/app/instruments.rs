//! The questionnaires the service knows: the built-in safety-survey instrument, and those staff have imported (a
//! police region's own form, a new translation, next year's wording). Every page and handler that needs a survey's
//! questions asks here, by the survey's instrument key and version.
//!
//! **A stored version never changes.** Surveys and responses name their instrument by key and version only, so the
//! document behind a key and version must stay what it was when they were made. Importing the same key and version
//! again is accepted when the content is the same (a script may simply retry) and refused when it differs: the
//! changed form must get a new version. The built-in instrument cannot be replaced by an import either. Because of
//! this, [`Instruments`] caches parsed instruments for good: a cached version can never go stale, on this instance or
//! on any other sharing the database.
//!
//! **What is stored is what the service wrote.** An import is validated by [`Instrument::load`] and stored as
//! [`Instrument::to_json_pretty`] gives it back, not as uploaded; "the same content" means the same instrument, so a
//! re-import that differs only in formatting or key order is still the same.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::json;

use crate::app::Context;
use crate::app::audit::Actor;
use crate::auth::password::off_thread;
use crate::db::models::instrument::StoredInstrument;
use crate::db::models::survey::Survey;
use crate::db::queries::{audit, instruments};
use crate::db::{Db, DbError};
use crate::domain::audit::Action;
use crate::domain::instrument::{Instrument, InstrumentError, default_instrument};
use crate::error::{AppError, Text};

/// The largest instrument document accepted: the default instrument is about 20 kB, so this leaves room for a long
/// questionnaire in many languages while keeping one upload from tying up a worker.
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;

/// The instrument a survey's residents answer. An instrument the service does not know (it was never imported
/// here) is a conflict, not a missing page: the survey exists, its questions do not.
pub async fn for_survey(ctx: &Context, survey: &Survey) -> Result<Arc<Instrument>, AppError> {
    match ctx.instruments.get(&survey.instrument_key, &survey.instrument_version).await {
        Err(AppError::NotFound) => Err(AppError::Conflict(
            Text::new("problem.instrument.missing")
                .with("key", &survey.instrument_key)
                .with("version", &survey.instrument_version),
        )),
        found => found,
    }
}

/// One instrument version by key and version; `NotFound` when the service has none such.
pub async fn get(ctx: &Context, key: &str, version: &str) -> Result<Arc<Instrument>, AppError> {
    ctx.instruments.get(key, version).await
}

/// Every instrument the service knows, the built-in one first.
pub async fn list(ctx: &Context) -> Result<Vec<InstrumentSummary>, AppError> {
    ctx.instruments.list().await
}

/// Validates and stores an instrument document (see [`Instruments::import`]).
pub async fn import(ctx: &Context, actor: Actor, json: String) -> Result<Imported, AppError> {
    ctx.instruments.import(actor, json).await
}

/// The media type of an Excel workbook.
pub const WORKBOOK_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Reads an instrument from an Excel workbook (see `domain::instrument::spreadsheet`) and stores it as
/// [`import`] stores a JSON document: a problem names its cell (`items!D14: unknown scale "problm"`).
pub async fn import_workbook(ctx: &Context, actor: Actor, workbook: Vec<u8>) -> Result<Imported, AppError> {
    let read = off_thread(move || crate::domain::instrument::from_xlsx(&workbook))
        .await
        .ok_or_else(|| AppError::Internal("the workbook could not be read".into()))?;
    let instrument = read.map_err(|error| {
        AppError::invalid("instrument", Text::new("problem.instrument.invalid").with("detail", error))
    })?;
    let json = instrument.to_json_pretty().map_err(|error| AppError::Internal(Box::new(error)))?;
    ctx.instruments.import(actor, json).await
}

/// One instrument version as an Excel workbook, to edit and import again under a new version.
pub async fn workbook(ctx: &Context, key: &str, version: &str) -> Result<Vec<u8>, AppError> {
    let instrument = ctx.instruments.get(key, version).await?;
    // Excel holds at most 32,767 characters in a cell, and a questionnaire's texts have no such limit: such a
    // questionnaire has no workbook, only its JSON.
    off_thread(move || crate::domain::instrument::to_xlsx(&instrument))
        .await
        .ok_or_else(|| AppError::Internal("the workbook could not be written".into()))?
        .map_err(|error| AppError::Conflict(Text::new("problem.instrument.workbook").with("detail", error)))
}

/// An instrument in a list.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct InstrumentSummary {
    /// The instrument's name, the same for all its versions, e.g. "trygghetsmatning".
    pub key: String,
    pub version: String,
    /// The title in the instrument's default language.
    pub title: String,
    /// The languages it is written in; the first is the default.
    pub languages: Vec<String>,
    /// Whether it ships with the service (and so cannot be replaced).
    pub builtin: bool,
    /// When it was imported (UTC); absent for the built-in instrument.
    #[serde(serialize_with = "crate::domain::utc::serialize_option")]
    pub imported_at: Option<NaiveDateTime>,
    /// Where to download it as JSON.
    pub export_path: String,
}

impl InstrumentSummary {
    fn of(instrument: &Instrument, builtin: bool, imported_at: Option<NaiveDateTime>) -> Self {
        Self {
            key: instrument.key().to_owned(),
            version: instrument.version().to_owned(),
            title: default_title(instrument),
            languages: instrument.languages().to_vec(),
            builtin,
            imported_at,
            export_path: export_path(instrument.key(), instrument.version()),
        }
    }

    /// The value that names this instrument in a form's choice of instrument: `key@version`.
    pub fn choice(&self) -> String {
        format!("{}@{}", self.key, self.version)
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub summary: InstrumentSummary,
    /// False when the same key and version with the same content was there already (nothing was written).
    pub created: bool,
}

/// Splits a form's choice of instrument (`key@version`) into key and version. Keys have no `@`; versions may.
pub fn parse_choice(choice: &str) -> Option<(&str, &str)> {
    choice.split_once('@').filter(|(key, version)| !key.is_empty() && !version.is_empty())
}

/// The API path of an instrument's JSON document, its version percent-encoded (a version may hold any character).
pub fn export_path(key: &str, version: &str) -> String {
    format!("/api/v1/instruments/{}/{}", path_segment(key), path_segment(version))
}

/// A file name for an exported instrument: `key-version.json`, with anything unusual in the version replaced.
pub fn file_name(key: &str, version: &str) -> String {
    file_name_with(key, version, "json")
}

/// The same with another extension (`xlsx` for the workbook).
pub fn file_name_with(key: &str, version: &str, extension: &str) -> String {
    let safe = |text: &str| -> String {
        text.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect()
    };
    format!("{}-{}.{extension}", safe(key), safe(version))
}

fn path_segment(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(byte).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

fn default_title(instrument: &Instrument) -> String {
    instrument.title().get(instrument.lang(instrument.default_language())).to_owned()
}

/// The registry: the built-in instrument and, through the database, the imported ones, parsed once per process.
pub struct Instruments {
    db: Db,
    builtin: Arc<Instrument>,
    /// Imported instruments already parsed, by key and version. Never invalidated (stored versions never change)
    /// and never large: an instrument is imported by an administrator a few times a year.
    parsed: RwLock<HashMap<(String, String), Arc<Instrument>>>,
}

impl Instruments {
    /// The registry over `db`, with the built-in instrument loaded.
    pub fn new(db: Db) -> Result<Self, InstrumentError> {
        Ok(Self { db, builtin: Arc::new(default_instrument()?), parsed: RwLock::default() })
    }

    /// The database the registry reads imported instruments from.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The built-in instrument: what a new survey uses unless it chooses another.
    pub fn default(&self) -> Arc<Instrument> {
        self.builtin.clone()
    }

    fn is_builtin(&self, key: &str, version: &str) -> bool {
        self.builtin.key() == key && self.builtin.version() == version
    }

    /// One instrument version by key and version; `NotFound` when there is none such.
    pub async fn get(&self, key: &str, version: &str) -> Result<Arc<Instrument>, AppError> {
        if self.is_builtin(key, version) {
            return Ok(self.default());
        }
        if let Some(instrument) = self.cached(key, version) {
            return Ok(instrument);
        }
        let (lookup_key, lookup_version) = (key.to_owned(), version.to_owned());
        let stored = self.db.run(move |conn| instruments::find(conn, &lookup_key, &lookup_version)).await?;
        self.parse(stored.ok_or(AppError::NotFound)?).await
    }

    /// Every instrument, the built-in one first, then the imported ones by key in the order they came.
    pub async fn list(&self) -> Result<Vec<InstrumentSummary>, AppError> {
        let stored = self.db.run(instruments::list).await?;
        let mut all = vec![InstrumentSummary::of(&self.builtin, true, None)];
        for row in stored {
            let imported_at = row.imported_at;
            all.push(InstrumentSummary::of(&*self.parse(row).await?, false, Some(imported_at)));
        }
        Ok(all)
    }

    /// Validates an instrument document and stores it, with an `instrument_imported` audit event in the same
    /// transaction. Invalid: the exact place of the problem, for field `instrument`. The same key and version again:
    /// accepted unchanged when the content is the same, a conflict when it differs or when it is the built-in one.
    pub async fn import(&self, actor: Actor, json: String) -> Result<Imported, AppError> {
        let loaded = off_thread(move || Instrument::load(&json))
            .await
            .ok_or_else(|| AppError::Internal("the instrument could not be read".into()))?;
        let instrument = loaded.map_err(|error| {
            AppError::invalid("instrument", Text::new("problem.instrument.invalid").with("detail", error))
        })?;
        if self.is_builtin(instrument.key(), instrument.version()) {
            return if instrument == *self.builtin {
                Ok(Imported { summary: InstrumentSummary::of(&self.builtin, true, None), created: false })
            } else {
                Err(AppError::Conflict(
                    Text::new("problem.instrument.builtin")
                        .with("key", instrument.key())
                        .with("version", instrument.version()),
                ))
            };
        }
        if let Some(existing) = self.existing(&instrument).await? {
            return existing;
        }
        let row = StoredInstrument {
            instrument_key: instrument.key().to_owned(),
            version: instrument.version().to_owned(),
            title: default_title(&instrument),
            document: instrument.to_json_pretty().map_err(|error| AppError::Internal(Box::new(error)))?,
            imported_by: actor.user_id.clone(),
            imported_at: crate::db::now(),
        };
        let item_count = instrument.items().count();
        let detail = json!({
            "key": row.instrument_key, "version": row.version, "title": row.title,
            "languages": instrument.languages(), "sections": instrument.sections().len(), "items": item_count,
        });
        let event =
            actor.event(Action::InstrumentImported, Some(format!("{} {}", row.instrument_key, row.version)), detail);
        let imported_at = row.imported_at;
        let inserted = self
            .db
            .write(move |conn| {
                diesel::Connection::transaction(conn, |conn| {
                    instruments::insert(conn, &row)?;
                    audit::insert(conn, &event)
                })
            })
            .await;
        match inserted {
            Ok(()) => {
                let summary = InstrumentSummary::of(&instrument, false, Some(imported_at));
                let key = (instrument.key().to_owned(), instrument.version().to_owned());
                self.parsed.write().unwrap_or_else(PoisonError::into_inner).entry(key).or_insert(Arc::new(instrument));
                Ok(Imported { summary, created: true })
            }
            // Someone imported the same key and version between our look and our write: compare with theirs.
            Err(DbError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ))) => self.existing(&instrument).await?.unwrap_or_else(|| Err(AppError::Conflict(busy()))),
            Err(error) => Err(error.into()),
        }
    }

    /// The outcome of importing `instrument` when its key and version are stored already; `None` when they are not.
    async fn existing(&self, instrument: &Instrument) -> Result<Option<Result<Imported, AppError>>, AppError> {
        let (key, version) = (instrument.key().to_owned(), instrument.version().to_owned());
        let Some(stored) = self.db.run(move |conn| instruments::find(conn, &key, &version)).await? else {
            return Ok(None);
        };
        let imported_at = stored.imported_at;
        let current = self.parse(stored).await?;
        if *current == *instrument {
            return Ok(Some(Ok(Imported {
                summary: InstrumentSummary::of(&current, false, Some(imported_at)),
                created: false,
            })));
        }
        let changed =
            Text::new("problem.instrument.changed").with("key", instrument.key()).with("version", instrument.version());
        Ok(Some(Err(AppError::Conflict(changed))))
    }

    fn cached(&self, key: &str, version: &str) -> Option<Arc<Instrument>> {
        let parsed = self.parsed.read().unwrap_or_else(PoisonError::into_inner);
        parsed.get(&(key.to_owned(), version.to_owned())).cloned()
    }

    /// A stored instrument parsed (off the async workers: a document may be up to a megabyte), through the cache.
    async fn parse(&self, stored: StoredInstrument) -> Result<Arc<Instrument>, AppError> {
        if let Some(instrument) = self.cached(&stored.instrument_key, &stored.version) {
            return Ok(instrument);
        }
        let key = (stored.instrument_key, stored.version);
        let document = stored.document;
        let loaded = off_thread(move || Instrument::load(&document))
            .await
            .ok_or_else(|| AppError::Internal("the instrument could not be read".into()))?;
        let instrument = loaded.map_err(|error| {
            AppError::Internal(format!("the stored instrument {} {} does not load: {error}", key.0, key.1).into())
        })?;
        let mut parsed = self.parsed.write().unwrap_or_else(PoisonError::into_inner);
        Ok(parsed.entry(key).or_insert_with(|| Arc::new(instrument)).clone())
    }
}

fn busy() -> Text {
    Text::new("problem.instrument.busy")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::instrument::tests::sample_json;

    async fn registry() -> (tempfile::TempDir, Instruments) {
        let dir = tempfile::tempdir().unwrap();
        let url =
            crate::db::url::DatabaseUrl::parse(&format!("sqlite://{}", dir.path().join("t.db").display())).unwrap();
        let settings = crate::db::PoolSettings { max_size: 2, timeout: std::time::Duration::from_secs(5) };
        let errors = crate::metrics::Metrics::new().unwrap().db_errors();
        let (db, _) = tokio::task::spawn_blocking(move || Db::open(&url, settings, errors)).await.unwrap().unwrap();
        (dir, Instruments::new(db).unwrap())
    }

    async fn audit_count(instruments: &Instruments) -> usize {
        let events = instruments.db.run(|conn| audit::list(conn, &Default::default(), 100, 0)).await.unwrap();
        events.iter().filter(|event| event.action == "instrument_imported").count()
    }

    #[tokio::test]
    async fn an_import_is_stored_once_and_never_changed() {
        let (_dir, instruments) = registry().await;
        let json = sample_json();
        let first = instruments.import(Actor::command_line(), json.to_string()).await.unwrap();
        assert!(first.created);
        assert_eq!((first.summary.key.as_str(), first.summary.version.as_str()), ("test", "1"));
        assert_eq!(first.summary.title, "Prov");
        assert_eq!(first.summary.languages, ["sv", "en"]);
        assert!(!first.summary.builtin && first.summary.imported_at.is_some());

        // The same content, formatted differently: accepted again, nothing written.
        let again = instruments.import(Actor::command_line(), serde_json::to_string_pretty(&json).unwrap()).await;
        assert_eq!(again.unwrap(), Imported { created: false, ..first.clone() });
        assert_eq!(audit_count(&instruments).await, 1);

        // Changed content under the same version: refused.
        let mut changed = json.clone();
        changed["title"]["sv"] = json!("Ändrat prov");
        let error = instruments.import(Actor::command_line(), changed.to_string()).await.unwrap_err();
        assert!(matches!(&error, AppError::Conflict(message) if message.swedish().contains("ny version")), "{error:?}");

        // ... and accepted under a new one.
        changed["version"] = json!("2");
        assert!(instruments.import(Actor::command_line(), changed.to_string()).await.unwrap().created);
        assert_eq!(audit_count(&instruments).await, 2);
        assert_eq!(instruments.get("test", "1").await.unwrap().title().exact("sv"), Some("Prov"));
        assert_eq!(instruments.get("test", "2").await.unwrap().title().exact("sv"), Some("Ändrat prov"));
    }

    #[tokio::test]
    async fn invalid_documents_are_refused_with_the_exact_place() {
        let (_dir, instruments) = registry().await;
        let mut json = sample_json();
        json["sections"][0]["items"][0]["scale"] = json!("x");
        match instruments.import(Actor::command_line(), json.to_string()).await {
            Err(AppError::Invalid { field, reason }) => {
                assert_eq!(
                    (field, reason.value("detail")),
                    ("instrument", Some("sections[0].items[0].scale: unknown scale \"x\""))
                )
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            instruments.import(Actor::command_line(), "{ \"key\": ".to_owned()).await,
            Err(AppError::Invalid { reason, .. }) if reason.value("detail").is_some_and(|detail| detail.starts_with("line 1, column "))
        ));
        assert_eq!(audit_count(&instruments).await, 0);
    }

    #[tokio::test]
    async fn the_builtin_instrument_is_listed_first_and_cannot_be_replaced() {
        let (_dir, instruments) = registry().await;
        let builtin = instruments.default();
        let same = builtin.to_json_pretty().unwrap();
        let again = instruments.import(Actor::command_line(), same.clone()).await.unwrap();
        assert!(!again.created && again.summary.builtin);

        let mut changed: serde_json::Value = serde_json::from_str(&same).unwrap();
        changed["title"]["sv"] = json!("Vår egen trygghetsmätning");
        let error = instruments.import(Actor::command_line(), changed.to_string()).await.unwrap_err();
        assert!(matches!(&error, AppError::Conflict(message) if message.swedish().contains("inbyggda")), "{error:?}");

        instruments.import(Actor::command_line(), sample_json().to_string()).await.unwrap();
        let listed = instruments.list().await.unwrap();
        let names: Vec<(&str, bool)> = listed.iter().map(|s| (s.key.as_str(), s.builtin)).collect();
        assert_eq!(names, [(builtin.key(), true), ("test", false)]);
        assert!(matches!(instruments.get("test", "9").await, Err(AppError::NotFound)));
        assert!(Arc::ptr_eq(&instruments.get(builtin.key(), builtin.version()).await.unwrap(), &builtin));
    }

    #[tokio::test]
    async fn parsed_instruments_are_cached() {
        let (_dir, instruments) = registry().await;
        instruments.import(Actor::command_line(), sample_json().to_string()).await.unwrap();
        let first = instruments.get("test", "1").await.unwrap();
        assert!(Arc::ptr_eq(&first, &instruments.get("test", "1").await.unwrap()));
        // A second registry over the same database (another instance) reads the same instrument.
        let other = Instruments::new(instruments.db.clone()).unwrap();
        assert_eq!(*other.get("test", "1").await.unwrap(), *first);
    }

    #[test]
    fn choices_paths_and_file_names() {
        assert_eq!(parse_choice("trygghetsmatning@2026.1"), Some(("trygghetsmatning", "2026.1")));
        assert_eq!(parse_choice("x@v@2"), Some(("x", "v@2")));
        assert_eq!(parse_choice("x@"), None);
        assert_eq!(parse_choice("x"), None);
        assert_eq!(export_path("region-vast", "2027 b/ä"), "/api/v1/instruments/region-vast/2027%20b%2F%C3%A4");
        assert_eq!(file_name("region-vast", "2027 b/ä"), "region-vast-2027_b__.json");
    }
}
