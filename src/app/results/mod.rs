//! The survey's results for a staff member: the municipalities they may see, weighted or not, beside an earlier
//! wave, broken down by a background item, and always through the small-group protection.
//!
//! Every counted response is read once (in chunks of a thousand, so memory stays bounded) into the compact form of
//! `domain::results::codebook`; everything else is computed in the domain.

use std::collections::HashMap;
use std::sync::Arc;

use crate::app::Context;
use crate::app::surveys::{self, Loaded};
use crate::auth::Staff;
use crate::db::DbConnection;
use crate::db::queries::{population, responses};
use crate::domain::aapor::{Completeness, classify};
use crate::domain::instrument::{AnswerRow, Answers, Instrument};
use crate::domain::population::Margins;
use crate::domain::results::codebook::{Codebook, Kind, Respondent};
use crate::domain::results::compare::compare;
use crate::domain::results::compute::{Margin, Request, Results, compute};
use crate::domain::results::disclosure::Disclosure;
use crate::domain::results::protect::protect;
pub use crate::domain::results::published::{Labels, Published, Question};
use crate::error::AppError;

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
    let codebook = Codebook::new(&instrument);
    let by = match &question.by {
        None => None,
        Some(item) => Some(breakdown_slot(&codebook, item)?),
    };
    let mut results = read_and_compute(ctx, &loaded, &instrument, &codebook, &visible, question.weighted, by).await?;
    let rules = disclosure(&loaded);
    if let Some(earlier_id) = &question.compare {
        let earlier = surveys::load(ctx, staff, earlier_id).await?;
        let earlier_instrument = crate::app::instruments::for_survey(ctx, &earlier.survey).await?;
        let earlier_codebook = Codebook::new(&earlier_instrument);
        let earlier_by = by.and_then(|slot| earlier_codebook.slot(&codebook.slots[slot].id));
        let mut before = read_and_compute(
            ctx,
            &earlier,
            &earlier_instrument,
            &earlier_codebook,
            &visible,
            question.weighted,
            earlier_by,
        )
        .await?;
        protect(&mut before, &disclosure(&earlier));
        compare(&mut results, &before, &instrument.replaced_items());
    }
    protect(&mut results, &rules);
    Ok(Arc::new(Published {
        survey_id: loaded.survey.id.clone(),
        title: loaded.survey.title.clone(),
        weights: if question.weighted { "population" } else { "none" },
        min_base: rules.min_base,
        min_cell: rules.min_cell,
        compared_with: question.compare.clone(),
        labels: Labels::of(&instrument),
        results,
    }))
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
    codebook.slot(item).filter(|&slot| matches!(codebook.slots[slot].kind, Kind::Single | Kind::YesNo)).ok_or_else(
        || AppError::invalid("by", format!("\"{item}\" is not a single-choice or yes/no item of the questionnaire.")),
    )
}

/// Reads the survey's counted responses in the visible municipalities and computes their figures.
async fn read_and_compute(
    ctx: &Context,
    loaded: &Loaded,
    instrument: &Arc<Instrument>,
    codebook: &Codebook,
    visible: &[(String, String)],
    weighted: bool,
    by: Option<usize>,
) -> Result<Results, AppError> {
    let survey_id = loaded.survey.id.clone();
    let codes: Vec<String> = visible.iter().map(|(code, _)| code.clone()).collect();
    let (instrument, book) = (instrument.clone(), codebook.clone());
    let (respondents, margins) = ctx
        .db
        .run(move |conn| {
            let respondents = respondents(conn, &survey_id, &codes, &instrument, &book)?;
            // Every municipality's margins in one query; those not shown are dropped here.
            let mut stored = population::of_survey(conn, &survey_id)?;
            let margins: Vec<Vec<Margin>> =
                codes.iter().map(|code| margins_of(&book, stored.remove(code).unwrap_or_default())).collect();
            Ok((respondents, margins))
        })
        .await?;
    let municipalities =
        visible.iter().cloned().zip(margins).map(|((code, name), margins)| (code, name, margins)).collect();
    let request = Request { codebook, municipalities, respondents: &respondents, weighted, by };
    Ok(compute(&request))
}

/// The counted responses (complete or partial) of the given municipalities, encoded.
fn respondents(
    conn: &mut DbConnection,
    survey_id: &str,
    municipalities: &[String],
    instrument: &Instrument,
    codebook: &Codebook,
) -> diesel::QueryResult<Vec<Respondent>> {
    let all = responses::of_survey(conn, survey_id)?;
    let counted: Vec<_> = all
        .into_iter()
        .filter_map(|response| {
            let index = municipalities.iter().position(|code| *code == response.municipality_code)?;
            Some((response.id, index))
        })
        .collect();
    let mut respondents = Vec::with_capacity(counted.len());
    for chunk in counted.chunks(1000) {
        let ids: Vec<String> = chunk.iter().map(|(id, _)| id.clone()).collect();
        let mut rows: HashMap<String, Vec<AnswerRow>> = HashMap::new();
        for row in responses::answers_of_many(conn, &ids)? {
            rows.entry(row.response_id).or_default().push(AnswerRow {
                item_id: row.item_id,
                position: row.position,
                option_code: row.option_code,
                number: row.number_value,
                text: row.text_value,
            });
        }
        for (id, municipality) in chunk {
            let answers = Answers::from_rows(instrument, rows.remove(id).unwrap_or_default()).unwrap_or_default();
            if classify(answers.len(), instrument.applicable_items(&answers)) != Completeness::BreakOff {
                respondents.push(codebook.encode(*municipality, &answers));
            }
        }
    }
    Ok(respondents)
}

/// The stored margins of a municipality, by slot, in the order of each item's codes; margins of items or codes the
/// questionnaire no longer has are left out.
fn margins_of(codebook: &Codebook, stored: Margins) -> Vec<Margin> {
    stored
        .0
        .into_iter()
        .filter_map(|(item, counts)| {
            let slot = codebook.slot(&item)?;
            let codes = &codebook.slots[slot].codes;
            let population = codes.iter().map(|code| counts.get(code).copied().unwrap_or(0) as f64).collect();
            Some(Margin { slot, population })
        })
        .collect()
}
