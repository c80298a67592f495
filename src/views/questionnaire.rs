//! Questions as a page shows them: the instrument's items turned into fieldsets, labels, options and the values and
//! errors of a submitted form, in one language. Shared by every page that shows questions.

use serde::Serialize;

use crate::domain::instrument::{AnswerError, Instrument, Item, ItemKind, RawAnswers};

/// The prefix of a question's form field: `q.<item id>`, so that question fields never clash with others.
pub const FIELD_PREFIX: &str = "q.";

/// The question values among a form's fields.
pub fn raw_answers(fields: &[(String, String)]) -> RawAnswers {
    let mut raw = RawAnswers::new();
    for (name, value) in fields {
        if let Some(item) = name.strip_prefix(FIELD_PREFIX) {
            raw.entry(item.to_owned()).or_default().push(value.clone());
        }
    }
    raw
}

#[derive(Debug, Serialize)]
pub struct OptionView {
    pub code: String,
    pub label: String,
    pub checked: bool,
    /// Rules out the other options of its question (shown apart, and the script unticks the others).
    pub exclusive: bool,
}

/// One question ready for a template.
#[derive(Debug, Serialize)]
pub struct ItemView {
    pub id: String,
    /// The question's number in the whole questionnaire, from 1: the printed form and the paper-entry form number
    /// questions alike, so keying in is a straight read.
    pub number: usize,
    pub field: String,
    pub text: String,
    pub help: Option<String>,
    /// `radio`, `checkbox`, `number` or `text`.
    pub control: &'static str,
    pub options: Vec<OptionView>,
    pub value: String,
    pub unit: Option<String>,
    pub max_chars: Option<usize>,
    /// For a multiple-choice question: the most options that may be chosen.
    pub max_choices: Option<usize>,
    pub error: Option<String>,
    /// For a follow-up question: when it is to be answered.
    pub condition: Option<ConditionView>,
}

/// When a follow-up question is to be answered: in words, and as the field and value a script can watch.
#[derive(Debug, Serialize)]
pub struct ConditionView {
    pub text: String,
    /// The same, for paper: naming the earlier question by its number.
    pub paper_text: String,
    pub field: String,
    pub equals: String,
}

#[derive(Debug, Serialize)]
pub struct SectionView {
    pub id: String,
    pub title: String,
    pub intro: Option<String>,
    pub items: Vec<ItemView>,
}

impl SectionView {
    /// Whether its questions show as every resident first sees them: nothing chosen, nothing typed, no error. Such
    /// questions are the same markup for everyone (see [`crate::views::templates::Templates::section_questions`]).
    pub fn is_blank(&self) -> bool {
        self.items.iter().all(|item| {
            item.value.is_empty() && item.error.is_none() && item.options.iter().all(|option| !option.checked)
        })
    }

    /// The section without its questions: what a page around questions already rendered needs of it.
    pub fn head(&self) -> SectionView {
        SectionView { id: self.id.clone(), title: self.title.clone(), intro: self.intro.clone(), items: Vec::new() }
    }
}

/// A section as the paper form prints it: a run of questions with the same answer options is one grid (a row per
/// question, a column per option), so a keyer reads across the page as the resident ticked it.
#[derive(Debug, Serialize)]
pub struct PaperSectionView {
    pub id: String,
    pub title: String,
    pub intro: Option<String>,
    pub groups: Vec<GroupView>,
}

/// One question on its own (`columns` empty), or a grid of questions sharing the options named in `columns`.
#[derive(Debug, Serialize)]
pub struct GroupView {
    pub columns: Vec<String>,
    pub items: Vec<ItemView>,
}

/// Every section as the paper form groups it.
pub fn paper_sections(
    instrument: &Instrument,
    lang: &str,
    raw: &RawAnswers,
    errors: &[AnswerError],
) -> Vec<PaperSectionView> {
    sections(instrument, lang, raw, errors)
        .into_iter()
        .map(|section| PaperSectionView {
            id: section.id,
            title: section.title,
            intro: section.intro,
            groups: grouped(section.items),
        })
        .collect()
}

/// Runs of at least two single-choice questions with the same options become grids; the rest stay alone.
fn grouped(items: Vec<ItemView>) -> Vec<GroupView> {
    type Options = Vec<(String, String)>;
    let options = |item: &ItemView| -> Option<Options> {
        (item.control == "radio" && item.options.len() >= 2)
            .then(|| item.options.iter().map(|o| (o.code.clone(), o.label.clone())).collect())
    };
    let mut runs: Vec<(Option<Options>, Vec<ItemView>)> = Vec::new();
    for item in items {
        let key = options(&item);
        match runs.last_mut() {
            Some((last, run)) if key.is_some() && *last == key => run.push(item),
            _ => runs.push((key, vec![item])),
        }
    }
    let mut groups = Vec::new();
    for (key, run) in runs {
        match key {
            Some(options) if run.len() >= 2 => {
                groups.push(GroupView { columns: options.into_iter().map(|(_, label)| label).collect(), items: run })
            }
            _ => groups.extend(run.into_iter().map(|item| GroupView { columns: Vec::new(), items: vec![item] })),
        }
    }
    groups
}

/// Every section of the instrument with `raw` filled in and `errors` placed next to their questions.
pub fn sections(instrument: &Instrument, lang: &str, raw: &RawAnswers, errors: &[AnswerError]) -> Vec<SectionView> {
    (0..instrument.sections().len()).filter_map(|index| section(instrument, lang, index, raw, errors)).collect()
}

/// One section (0-based `index`), as [`sections`] shows it.
pub fn section(
    instrument: &Instrument,
    lang: &str,
    index: usize,
    raw: &RawAnswers,
    errors: &[AnswerError],
) -> Option<SectionView> {
    let language = instrument.lang(lang);
    let section = instrument.sections().get(index)?;
    Some(SectionView {
        id: section.id.clone(),
        title: section.title.get(language).to_owned(),
        intro: section.intro.as_ref().map(|intro| intro.get(language).to_owned()),
        items: section.items.iter().map(|item| item_view(instrument, lang, item, raw, errors)).collect(),
    })
}

fn item_view(instrument: &Instrument, lang: &str, item: &Item, raw: &RawAnswers, errors: &[AnswerError]) -> ItemView {
    let language = instrument.lang(lang);
    let given = raw.get(&item.id).cloned().unwrap_or_default();
    let choices = |pairs: Vec<(String, String)>| -> Vec<OptionView> {
        pairs
            .into_iter()
            .map(|(code, label)| OptionView { checked: given.contains(&code), code, label, exclusive: false })
            .collect()
    };
    let max_choices = match &item.kind {
        ItemKind::Multiple { max, .. } => *max,
        _ => None,
    };
    let (control, options, unit, max_chars) = match &item.kind {
        ItemKind::Scale { .. } => {
            let mut pairs: Vec<(String, String)> = Vec::new();
            if let Some(scale) = instrument.scale_of(item) {
                pairs.extend(scale.options.iter().map(|o| (o.code.clone(), o.label.get(language).to_owned())));
                if let Some(other) = &scale.dont_know {
                    pairs.push((other.code.clone(), other.label.get(language).to_owned()));
                }
            }
            ("radio", choices(pairs), None, None)
        }
        ItemKind::Single { options } => (
            "radio",
            choices(options.iter().map(|o| (o.code.clone(), o.label.get(language).to_owned())).collect()),
            None,
            None,
        ),
        ItemKind::Multiple { options, .. } => {
            let mut views =
                choices(options.iter().map(|o| (o.code.clone(), o.label.get(language).to_owned())).collect());
            for (view, option) in views.iter_mut().zip(options) {
                view.exclusive = option.exclusive;
            }
            ("checkbox", views, None, None)
        }
        ItemKind::YesNo { .. } => {
            let (yes, no) = item.yes_no_labels(language).unwrap_or(("Ja", "Nej"));
            let pairs = vec![("yes".to_owned(), yes.to_owned()), ("no".to_owned(), no.to_owned())];
            ("radio", choices(pairs), None, None)
        }
        ItemKind::Number { unit, .. } => {
            ("number", Vec::new(), unit.as_ref().map(|u| u.get(language).to_owned()), None)
        }
        ItemKind::Text { max_chars } => ("text", Vec::new(), None, Some(*max_chars)),
    };
    let condition = item.show_if.as_ref().map(|condition| condition_view(instrument, language, condition));
    ItemView {
        id: item.id.clone(),
        number: number_of(instrument, &item.id),
        field: format!("{FIELD_PREFIX}{}", item.id),
        text: item.text.get(language).to_owned(),
        help: item.help.as_ref().map(|help| help.get(language).to_owned()),
        control,
        options,
        value: given.first().cloned().unwrap_or_default(),
        unit,
        max_chars,
        max_choices,
        error: errors
            .iter()
            .find(|error| error.item == item.id)
            .map(|error| crate::i18n::say(lang, &error.problem.text())),
        condition,
    }
}

/// An item's number in the questionnaire, from 1 (0 for an id it does not have).
fn number_of(instrument: &Instrument, id: &str) -> usize {
    instrument.items().position(|item| item.id == id).map_or(0, |index| index + 1)
}

/// "Answer if …": the condition under which a follow-up question applies, in words and for the script.
fn condition_view(
    instrument: &Instrument,
    language: crate::domain::instrument::Lang<'_>,
    condition: &crate::domain::instrument::Condition,
) -> ConditionView {
    let parent = instrument.item(&condition.item);
    let question = parent.map(|parent| parent.text.get(language).to_owned()).unwrap_or_default();
    let answer = parent
        .and_then(|parent| {
            let (yes, no) = parent.yes_no_labels(language)?;
            match condition.equals.as_str() {
                crate::domain::instrument::YES => Some(yes.to_owned()),
                crate::domain::instrument::NO => Some(no.to_owned()),
                _ => None,
            }
        })
        .or_else(|| {
            let parent = parent?;
            let (ItemKind::Single { options } | ItemKind::Multiple { options, .. }) = &parent.kind else {
                return None;
            };
            options.iter().find(|o| o.code == condition.equals).map(|o| o.label.get(language).to_owned())
        })
        .unwrap_or_else(|| condition.equals.clone());
    ConditionView {
        text: crate::i18n::text(language.code(), "answer_if")
            .replace("%{question}", &question)
            .replace("%{answer}", &answer),
        paper_text: crate::i18n::text(language.code(), "answer_if_number")
            .replace("%{number}", &number_of(instrument, &condition.item).to_string())
            .replace("%{answer}", &answer),
        field: format!("{FIELD_PREFIX}{}", condition.item),
        equals: condition.equals.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::instrument::default_instrument;

    #[test]
    fn the_paper_form_groups_runs_of_questions_with_the_same_options_into_grids() {
        let instrument = default_instrument().unwrap();
        let sections = paper_sections(&instrument, "sv", &RawAnswers::new(), &[]);
        let shape = |id: &str| -> Vec<usize> {
            let section = sections.iter().find(|section| section.id == id).unwrap();
            section.groups.iter().map(|group| if group.columns.is_empty() { 0 } else { group.items.len() }).collect()
        };
        // Five problem questions are one grid with the scale's five answers (don't know included) as its columns.
        assert_eq!(shape("outdoor_environment"), [5]);
        let outdoor = &sections[0].groups[0];
        assert_eq!(outdoor.columns.len(), 5);
        assert_eq!(outdoor.columns.last().map(String::as_str), Some("Vet inte"));
        // A scale, a multiple choice and a yes/no in a row share no options: each stands alone.
        assert_eq!(shape("insecurity"), [0, 0, 0]);
        assert_eq!(shape("comment"), [0]);
        // Every question is on the form once, in the instrument's order.
        let shown: Vec<&str> = sections
            .iter()
            .flat_map(|section| section.groups.iter().flat_map(|group| group.items.iter().map(|item| item.id.as_str())))
            .collect();
        let items: Vec<&str> = instrument
            .sections()
            .iter()
            .flat_map(|section| section.items.iter().map(|item| item.id.as_str()))
            .collect();
        assert_eq!(shown, items);
    }
}
