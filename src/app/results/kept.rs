//! Every survey's counted respondents, encoded, kept in memory from one request to the next.
//!
//! Reading a survey's answers is most of what its results cost (100,000 arrays of some 34 answer rows at 100,000
//! responses), and the answers hardly change: a response's answers are never changed once stored (settling rewrites
//! it under a new id with the same answers and municipality, see `app::responses::settle_in`: read again as a new
//! respondent, the old id dropped), and nothing else deletes one. So a survey's respondents are read
//! once, for all its municipalities (each request picks those its viewer may see), and kept with the survey's
//! revision. That revision is raised in the same transaction as every submission, settling and change of margins (see
//! `queries::surveys::lock_for_write`): while it is unchanged the kept respondents are exactly what reading again
//! would give, on any instance. After a change only the survey's response ids are read again (one query of two short
//! columns), then the answers of the responses not seen yet (see `queries::responses::answers_of_responses`),
//! decoded straight into their slots (see `domain::results::decode`); responses no longer stored are dropped. Break-offs are remembered as such, so they
//! are not read again either.
//!
//! The respondents are kept in the order of their response ids, however they were read, so that every instance and
//! every read gives the figures bit for bit the same. One request at a time reads a survey; the others wait for its
//! read and then use it.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use tracing::Instrument as _;

use crate::app::results::recent::Recent;
use crate::db::queries::{population, responses};
use crate::db::{Db, DbConnection};
use crate::domain::instrument::Instrument;
use crate::domain::population::Margins;
use crate::domain::results::codebook::{Codebook, Respondent};
use crate::domain::results::decode::Decoder;
use crate::error::AppError;

/// Surveys whose respondents are kept at most. A survey of 100,000 responses takes about 30 MB (its respondents'
/// values and ids), so this bounds the memory at a few hundred MB even for the largest surveys; most are far smaller.
/// Closed surveys are kept like open ones: their results are read most.
pub const SURVEYS: usize = 8;

/// One survey's counted respondents for one questionnaire, as of a revision.
#[derive(Debug, Clone, Default)]
pub struct Kept {
    /// The survey's revision when the read began: the respondents are at least this recent.
    pub revision: i64,
    /// The survey's municipalities (codes), by the index its respondents carry.
    pub municipalities: Vec<String>,
    /// The counted (complete or partial) respondents, in the order of their response ids.
    pub respondents: Vec<Respondent>,
    /// Every municipality's population margins, by code (changes raise the revision too).
    pub margins: BTreeMap<String, Margins>,
    /// The respondents' response ids, in the same order.
    ids: Vec<String>,
    /// Responses read that are break-offs.
    break_offs: HashSet<String>,
}

/// Which survey, answered on which questionnaire (key, version): a survey's questionnaire can change while it is a
/// draft.
type Key = (String, String, String);

/// A survey's kept respondents, behind a lock that one read at a time holds.
type Slot = Arc<tokio::sync::Mutex<Option<Arc<Kept>>>>;

/// The kept respondents of the [`SURVEYS`] surveys used last.
pub struct Respondents(Mutex<Recent<Key, Slot>>);

impl Default for Respondents {
    fn default() -> Self {
        Self(Mutex::new(Recent::new(SURVEYS)))
    }
}

impl Respondents {
    /// A survey's respondents at least as recent as `revision`: those kept when they are, else the kept ones
    /// brought up to date (or, the first time, all read).
    pub async fn current(
        &self,
        db: &Db,
        survey_id: &str,
        revision: i64,
        instrument: &Arc<Instrument>,
    ) -> Result<Arc<Kept>, AppError> {
        let key = (survey_id.to_owned(), instrument.key().to_owned(), instrument.version().to_owned());
        let slot = self.0.lock().unwrap_or_else(|poison| poison.into_inner()).get_or_insert_with(key, Slot::default);
        let mut kept = slot.lock_owned().await;
        if let Some(current) = kept.as_ref().filter(|kept| kept.revision >= revision) {
            return Ok(current.clone());
        }
        // The read goes on in a task of its own, so that what it reads is kept even when the request that started it
        // goes away (a closed page) before it ends.
        let (db, survey_id, instrument) = (db.clone(), survey_id.to_owned(), instrument.clone());
        let reading = tokio::spawn(
            async move {
                // Taken out, so that the read can reuse it unless a request still computes with it. Should the read
                // fail, the next request reads the survey afresh.
                let before = kept.take();
                let fresh = Arc::new(db.run(move |conn| read(conn, &survey_id, revision, &instrument, before)).await?);
                *kept = Some(fresh.clone());
                Ok::<_, AppError>(fresh)
            }
            .instrument(tracing::Span::current()),
        );
        reading.await.map_err(|error| AppError::Internal(Box::new(error)))?
    }
}

/// The survey's respondents as of `revision` (read before this call), from those kept `before`: responses no longer
/// stored dropped, those not seen yet read and decoded.
fn read(
    conn: &mut DbConnection,
    survey_id: &str,
    revision: i64,
    instrument: &Instrument,
    before: Option<Arc<Kept>>,
) -> diesel::QueryResult<Kept> {
    let mut kept =
        before.map(|kept| Arc::try_unwrap(kept).unwrap_or_else(|shared| (*shared).clone())).unwrap_or_default();
    let mut stored = responses::ids_of_survey(conn, survey_id)?;
    stored.sort_unstable();
    let stored_count = stored.len();
    kept.drop_missing(&stored);
    let mut unseen: Vec<(String, usize)> = Vec::new();
    for (id, municipality) in stored {
        if !kept.has_seen(&id) {
            unseen.push((id, kept.municipality_index(municipality)));
        }
    }
    let codebook = Codebook::new(instrument);
    let decoder = Decoder::new(instrument, &codebook);
    let ids: Vec<String> = unseen.iter().map(|(id, _)| id.clone()).collect();
    // A response without a single answer row is a break-off like any other: none until its rows say otherwise.
    let mut decoded: Vec<Option<Respondent>> = vec![None; unseen.len()];
    responses::answers_of_responses(conn, survey_id, &ids, stored_count, |index, rows| {
        decoded[index] = decoder.decode(unseen[index].1, &rows);
    })?;
    let mut counted = Vec::new();
    for ((id, _), decoded) in unseen.into_iter().zip(decoded) {
        match decoded {
            Some(respondent) => counted.push((id, respondent)),
            None => {
                kept.break_offs.insert(id);
            }
        }
    }
    kept.add(counted);
    kept.margins = population::of_survey(conn, survey_id)?;
    kept.revision = revision;
    Ok(kept)
}

impl Kept {
    /// Whether a response was read before (counted or not).
    fn has_seen(&self, id: &str) -> bool {
        self.ids.binary_search_by(|known| known.as_str().cmp(id)).is_ok() || self.break_offs.contains(id)
    }

    /// Drops the responses that are not among `stored` (sorted by id) any more.
    fn drop_missing(&mut self, stored: &[(String, String)]) {
        let is_stored = |id: &str| stored.binary_search_by(|(known, _)| known.as_str().cmp(id)).is_ok();
        self.break_offs.retain(|id| is_stored(id));
        if self.ids.iter().all(|id| is_stored(id)) {
            return;
        }
        let (ids, respondents) = std::mem::take(&mut self.ids)
            .into_iter()
            .zip(std::mem::take(&mut self.respondents))
            .filter(|(id, _)| is_stored(id))
            .unzip();
        (self.ids, self.respondents) = (ids, respondents);
    }

    /// The index of a municipality, added when new.
    fn municipality_index(&mut self, code: String) -> usize {
        match self.municipalities.iter().position(|known| *known == code) {
            Some(index) => index,
            None => {
                self.municipalities.push(code);
                self.municipalities.len() - 1
            }
        }
    }

    /// Adds respondents (in the order of their ids, none seen before), keeping all in the order of their ids.
    fn add(&mut self, new: Vec<(String, Respondent)>) {
        if new.is_empty() {
            return;
        }
        let old = std::mem::take(&mut self.ids).into_iter().zip(std::mem::take(&mut self.respondents));
        let mut old = old.peekable();
        let mut new = new.into_iter().peekable();
        let total = old.len() + new.len();
        let (mut ids, mut respondents) = (Vec::with_capacity(total), Vec::with_capacity(total));
        loop {
            let next = match (old.peek(), new.peek()) {
                (Some((a, _)), Some((b, _))) => {
                    if a < b {
                        old.next()
                    } else {
                        new.next()
                    }
                }
                (Some(_), None) => old.next(),
                (None, Some(_)) => new.next(),
                (None, None) => break,
            };
            if let Some((id, respondent)) = next {
                ids.push(id);
                respondents.push(respondent);
            }
        }
        (self.ids, self.respondents) = (ids, respondents);
    }
}

#[cfg(test)]
mod tests {
    use super::Kept;
    use crate::domain::results::codebook::Respondent;

    fn respondent(value: u32) -> Respondent {
        Respondent { municipality: 0, values: vec![value].into() }
    }

    #[test]
    fn respondents_stay_in_the_order_of_their_ids_however_they_come() {
        let mut kept = Kept::default();
        kept.add(vec![("b".into(), respondent(2)), ("d".into(), respondent(4))]);
        kept.add(vec![("a".into(), respondent(1)), ("c".into(), respondent(3)), ("e".into(), respondent(5))]);
        let values: Vec<u32> = kept.respondents.iter().map(|r| r.values[0]).collect();
        assert_eq!((kept.ids.join(""), values), ("abcde".to_owned(), vec![1, 2, 3, 4, 5]));
        kept.break_offs.insert("x".into());
        assert!(kept.has_seen("c") && kept.has_seen("x") && !kept.has_seen("f"));
        let stored: Vec<(String, String)> = ["a", "c", "e"].iter().map(|id| ((*id).into(), "1783".into())).collect();
        kept.drop_missing(&stored);
        let values: Vec<u32> = kept.respondents.iter().map(|r| r.values[0]).collect();
        assert_eq!((kept.ids.join(""), values), ("ace".to_owned(), vec![1, 3, 5]));
        assert!(!kept.has_seen("x"), "a break-off no longer stored is forgotten too");
    }
}
