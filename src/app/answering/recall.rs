//! The last residents' entries, kept in memory so that a page they post while the database is out of reach can be
//! shown again with what they typed (and the review page with what they saved), answered 503 with a note to try
//! again, instead of an error page that loses their work.
//!
//! **Nothing here is readable without the code.** Entries are found by the draft key (derived from the code, as in
//! the database) and hold the draft only sealed, as stored; a request that has the code opens it. An entry is
//! dropped when its response is stored, and the oldest go first when [`CAPACITY`] are kept.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};

use lru::LruCache;

use super::{Entry, SavedDraft};
use crate::app::Context;
use crate::db::models::response::Draft;
use crate::db::models::survey::Survey;
use crate::domain::codes::InvitationCode;
use crate::domain::instrument::Instrument;

/// Entries kept: a busy hour's residents (a few kilobytes each).
pub const CAPACITY: usize = 4096;

/// What a code's pages need besides the database: its survey, municipality and questionnaire, and its draft sealed.
struct Kept {
    survey: Survey,
    municipality_code: String,
    municipality_name: String,
    letter: bool,
    instrument: Arc<Instrument>,
    draft: Option<Draft>,
}

/// The kept entries, by draft key.
pub struct Recall {
    kept: Mutex<LruCache<String, Arc<Kept>>>,
}

impl Default for Recall {
    fn default() -> Self {
        Self { kept: Mutex::new(LruCache::new(NonZeroUsize::new(CAPACITY).unwrap_or(NonZeroUsize::MIN))) }
    }
}

impl Recall {
    /// Keeps what `entry` was opened with, its draft as `draft` (sealed, as stored) or none.
    pub(super) fn keep(&self, entry: &Entry, draft: Option<Draft>) {
        let kept = Kept {
            survey: entry.survey.clone(),
            municipality_code: entry.municipality_code.clone(),
            municipality_name: entry.municipality_name.clone(),
            letter: entry.letter,
            instrument: entry.instrument.clone(),
            draft,
        };
        self.lock().put(entry.draft_key.clone(), Arc::new(kept));
    }

    /// Drops what is kept under a draft key (its response is stored).
    pub(super) fn drop_key(&self, draft_key: &str) {
        self.lock().pop(draft_key);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<String, Arc<Kept>>> {
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The entry of `code` as last opened on this instance, without the database; `None` when it is not kept.
pub fn recall(ctx: &Context, code: &InvitationCode) -> Option<Entry> {
    let draft_key = ctx.hasher.draft_key(code);
    let kept = ctx.recall.lock().get(&draft_key).cloned()?;
    let seal = ctx.hasher.draft_seal(code);
    let draft = kept.draft.as_ref().map(|draft| SavedDraft::open(&seal, draft));
    Some(Entry {
        code: code.clone(),
        code_hash: ctx.hasher.hash(code),
        draft_key,
        seal,
        letter: kept.letter,
        survey: kept.survey.clone(),
        municipality_code: kept.municipality_code.clone(),
        municipality_name: kept.municipality_name.clone(),
        instrument: kept.instrument.clone(),
        draft,
    })
}
