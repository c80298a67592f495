//! What the results workbook of a survey is made of, for a staff member: the results they may see (through the
//! small-group protection, as every output), the response rates of the same municipalities, and the survey's facts.
//! `views::workbook` writes it.

use crate::app::Context;
use crate::app::results;
use crate::app::{instruments, live, surveys};
use crate::auth::Staff;
use crate::domain::response_rates::RatesView;
use crate::domain::results::published::{Labels, Published, Question, Round};
use crate::error::AppError;

/// What a workbook holds.
pub struct WorkbookContents {
    pub round: Round,
    /// The results, labelled in the workbook's language.
    pub published: Published,
    pub rates: RatesView,
    pub file_name: String,
}

/// The contents of the workbook of the results `question` asks for, labelled in `lang` (`sv` or `en`).
pub async fn contents(
    ctx: &Context,
    staff: &Staff,
    survey_id: &str,
    question: &Question,
    lang: &str,
) -> Result<WorkbookContents, AppError> {
    let published = results::results(ctx, staff, survey_id, question).await?;
    let loaded = surveys::load(ctx, staff, survey_id).await?;
    let mut published = published.as_ref().clone();
    let instrument = instruments::for_survey(ctx, &loaded.survey).await?;
    published.labels = Labels::in_language(&instrument, lang);
    let compared_with = match &question.compare {
        Some(earlier) => Some(surveys::load(ctx, staff, earlier).await?.survey.title),
        None => None,
    };
    let snapshot = live::visible(ctx, staff, survey_id).await?;
    let rates = snapshot.view(|code| {
        staff.permissions.may_view(code) && question.municipality.as_deref().is_none_or(|only| only == code)
    });
    let survey = &loaded.survey;
    let round = Round {
        title: survey.title.clone(),
        opens_on: survey.opens_on,
        closes_on: survey.closes_on,
        instrument: format!("{} {}", survey.instrument_key, survey.instrument_version),
        compared_with,
        made_at: chrono::Utc::now().with_timezone(&chrono_tz::Europe::Stockholm).format("%Y-%m-%d %H:%M").to_string(),
    };
    let file_name = format!("resultat-{}.xlsx", file_stem(&survey.title));
    Ok(WorkbookContents { round, published, rates, file_name })
}

/// A file name's stem from a title: lower-case letters and digits of ASCII, the rest as hyphens.
fn file_stem(title: &str) -> String {
    let mapped: String = title
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'å' | 'ä' => 'a',
            'ö' => 'o',
            'é' => 'e',
            c if c.is_ascii_alphanumeric() => c,
            _ => '-',
        })
        .collect();
    let stem = mapped.split('-').filter(|part| !part.is_empty()).collect::<Vec<_>>().join("-");
    if stem.is_empty() { "enkat".to_owned() } else { stem }
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_stems_are_plain_ascii() {
        assert_eq!(super::file_stem("Trygghetsmätning Hagfors 2026!"), "trygghetsmatning-hagfors-2026");
        assert_eq!(super::file_stem("???"), "enkat");
    }
}
