//! The survey's results for a staff member: the municipalities they may see, weighted or not, beside an earlier
//! wave, broken down by a background item, and always through the small-group protection.
//!
//! A survey's counted respondents are read once, in the compact form of `domain::results::codebook`, and kept while
//! the survey's revision says nothing changed; after a change only what is new is read (see [`kept`]). Finished
//! results are kept for the next viewer asking the same of the same revision (see [`memo`]). Everything else is
//! computed in the domain, off the request's worker.

mod kept;
mod memo;
mod recent;

use std::sync::Arc;

use crate::app::Context;
use crate::app::surveys::{self, Loaded};
use crate::auth::Staff;
use crate::domain::instrument::Instrument;
use crate::domain::population::Margins;
use crate::domain::results::codebook::{Codebook, Kind, Respondent};
use crate::domain::results::compare::compare;
use crate::domain::results::compute::{Margin, Municipality, Results, compute_municipalities};
use crate::domain::results::disclosure::Disclosure;
use crate::domain::results::protect::protect;
pub use crate::domain::results::published::{Labels, Published, Question};
use crate::error::{AppError, Text};

/// What the results keep between requests: the respondents of the surveys asked about last, and the finished
/// results asked for last. One per service instance, shared by its workers.
#[derive(Default)]
pub struct Cache {
    respondents: kept::Respondents,
    memo: memo::Memo,
}

/// The results a staff member may see.
pub async fn results(
    ctx: &Context,
    staff: &Staff,
    survey_id: &str,
    question: &Question,
) -> Result<Arc<Published>, AppError> {
    let loaded = surveys::load(ctx, staff, survey_id).await?;
    let visible = visible_municipalities(&loaded, staff, question.municipality.as_deref())?;
    let instrument = crate::app::instruments::for_survey(ctx, &loaded.survey).await?;
    let by = match &question.by {
        None => None,
        Some(item) => Some(breakdown_slot(&Codebook::new(&instrument), item)?),
    };
    let earlier = match &question.compare {
        None => None,
        Some(earlier_id) => {
            let earlier = surveys::load(ctx, staff, earlier_id).await?;
            let instrument = crate::app::instruments::for_survey(ctx, &earlier.survey).await?;
            Some((earlier, instrument))
        }
    };
    let key = memo::Key {
        survey_id: loaded.survey.id.clone(),
        revision: loaded.survey.revision,
        earlier: earlier.as_ref().map(|(earlier, _)| (earlier.survey.id.clone(), earlier.survey.revision)),
        shown: visible.clone(),
        question: question.clone(),
    };
    if let Some(published) = ctx.results.memo.get(&key) {
        return Ok(published);
    }
    let current = Wave::read(ctx, loaded, instrument).await?;
    let earlier = match earlier {
        None => None,
        Some((earlier, instrument)) => Some(Wave::read(ctx, earlier, instrument).await?),
    };
    let weighted = question.weighted;
    let span = tracing::Span::current();
    let published = tokio::task::spawn_blocking(move || {
        span.in_scope(|| publish(&current, earlier.as_ref(), &visible, weighted, by))
    })
    .await
    .map_err(|error| AppError::Internal(Box::new(error)))?;
    let published = Arc::new(published);
    ctx.results.memo.keep(key, published.clone());
    Ok(published)
}

/// A survey with its questionnaire and its kept respondents.
struct Wave {
    loaded: Loaded,
    instrument: Arc<Instrument>,
    kept: Arc<kept::Kept>,
}

impl Wave {
    async fn read(ctx: &Context, loaded: Loaded, instrument: Arc<Instrument>) -> Result<Self, AppError> {
        let (id, revision) = (&loaded.survey.id, loaded.survey.revision);
        let kept = ctx.results.respondents.current(&ctx.db, id, revision, &instrument).await?;
        Ok(Self { loaded, instrument, kept })
    }

    /// The figures of the municipalities shown (code, name), before protection.
    fn figures(&self, codebook: &Codebook, shown: &[(String, String)], weighted: bool, by: Option<usize>) -> Results {
        let mut by_index: Vec<Vec<&Respondent>> = vec![Vec::new(); self.kept.municipalities.len()];
        for respondent in &self.kept.respondents {
            by_index[respondent.municipality].push(respondent);
        }
        let municipalities = shown
            .iter()
            .map(|(code, name)| {
                let index = self.kept.municipalities.iter().position(|kept| kept == code);
                Municipality {
                    code: code.clone(),
                    name: name.clone(),
                    margins: margins_of(codebook, self.kept.margins.get(code)),
                    respondents: index.map(|index| std::mem::take(&mut by_index[index])).unwrap_or_default(),
                }
            })
            .collect();
        compute_municipalities(codebook, municipalities, weighted, by)
    }
}

/// The results of `current` for the municipalities shown, beside the `earlier` wave's, protected.
fn publish(
    current: &Wave,
    earlier: Option<&Wave>,
    shown: &[(String, String)],
    weighted: bool,
    by: Option<usize>,
) -> Published {
    let codebook = Codebook::new(&current.instrument);
    let mut results = current.figures(&codebook, shown, weighted, by);
    let rules = disclosure(&current.loaded);
    if let Some(earlier) = earlier {
        let earlier_codebook = Codebook::new(&earlier.instrument);
        let earlier_by = by.and_then(|slot| earlier_codebook.slot(&codebook.slots[slot].id));
        let mut before = earlier.figures(&earlier_codebook, shown, weighted, earlier_by);
        protect(&mut before, &disclosure(&earlier.loaded));
        compare(&mut results, &before, &current.instrument.replaced_items());
    }
    protect(&mut results, &rules);
    Published {
        survey_id: current.loaded.survey.id.clone(),
        title: current.loaded.survey.title.clone(),
        weights: if weighted { "population" } else { "none" },
        min_base: rules.min_base,
        min_cell: rules.min_cell,
        compared_with: earlier.map(|earlier| earlier.loaded.survey.id.clone()),
        labels: Labels::of(&current.instrument),
        results,
    }
}

fn disclosure(loaded: &Loaded) -> Disclosure {
    Disclosure { min_base: loaded.survey.min_base.max(1) as u64, min_cell: loaded.survey.min_cell.max(1) as u64 }
}

/// The survey's municipalities the staff member may see (code, name), or the one asked for.
fn visible_municipalities(
    loaded: &Loaded,
    staff: &Staff,
    only: Option<&str>,
) -> Result<Vec<(String, String)>, AppError> {
    let visible: Vec<(String, String)> = loaded
        .parts
        .iter()
        .filter(|(part, _)| staff.permissions.may_view(&part.municipality_code))
        .filter(|(part, _)| only.is_none_or(|only| only == part.municipality_code))
        .map(|(part, name)| (part.municipality_code.clone(), name.clone()))
        .collect();
    if visible.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(visible)
}

/// The slot of a breakdown item: a single-choice or yes/no item of the instrument.
fn breakdown_slot(codebook: &Codebook, item: &str) -> Result<usize, AppError> {
    codebook
        .slot(item)
        .filter(|&slot| matches!(codebook.slots[slot].kind, Kind::Single | Kind::YesNo))
        .ok_or_else(|| AppError::invalid("by", Text::new("problem.results.by").with("item", item)))
}

/// The stored margins of a municipality, by slot, in the order of each item's codes; margins of items or codes the
/// questionnaire no longer has are left out.
fn margins_of(codebook: &Codebook, stored: Option<&Margins>) -> Vec<Margin> {
    let Some(stored) = stored else { return Vec::new() };
    stored
        .0
        .iter()
        .filter_map(|(item, counts)| {
            let slot = codebook.slot(item)?;
            let codes = &codebook.slots[slot].codes;
            let population = codes.iter().map(|code| counts.get(code).copied().unwrap_or(0) as f64).collect();
            Some(Margin { slot, population })
        })
        .collect()
}
