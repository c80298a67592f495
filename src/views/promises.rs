//! Citizen promises as pages show them: a municipality's list and the form to record one (targets chosen from the
//! questionnaire's areas and questions, in its words), and how the promises a survey follows moved, as the results
//! page and the published page show it.

use std::collections::HashSet;

use serde::Serialize;

use crate::domain::promise::{
    FollowedPromise, Measure, MunicipalityPromises, PromiseStatus, PromiseView, Responsible, Target, TargetArea,
    TargetFigure, TargetKind, target_label,
};
use crate::views::results::{HIDDEN, decimal, interval, share, signed};

/// A promise in a municipality's list.
#[derive(Serialize)]
pub struct PromiseRow {
    pub id: String,
    pub title: String,
    pub text: String,
    pub responsible: &'static str,
    pub status: &'static str,
    pub period: String,
    /// The questions and areas it targets, in the questionnaire's words.
    pub targets: Vec<TargetName>,
}

/// A target in the questionnaire's words; the page says "Området …" of an area.
#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct TargetName {
    pub label: String,
    pub area: bool,
}

/// The rows of a municipality's list; `areas` give the targets' words.
pub fn rows(promises: &[PromiseView], areas: &[TargetArea]) -> Vec<PromiseRow> {
    promises
        .iter()
        .map(|promise| PromiseRow {
            id: promise.id.clone(),
            title: promise.title.clone(),
            text: promise.text.clone(),
            responsible: promise.responsible.as_str(),
            status: promise.status.as_str(),
            period: format!("{} – {}", promise.starts_on, promise.ends_on),
            targets: promise.targets.iter().map(|target| words(areas, target)).collect(),
        })
        .collect()
}

/// A target's words: the questionnaire's, with what it is, or its id when the questionnaire does not have it.
fn words(areas: &[TargetArea], target: &Target) -> TargetName {
    match target_label(areas, target) {
        Some(label) => TargetName { label, area: target.kind == TargetKind::Area },
        None => TargetName { label: target.id.clone(), area: false },
    }
}

/// The value a target's checkbox sends: `item:littering` or `area:outdoor_environment`.
pub fn target_value(target: &Target) -> String {
    format!("{}:{}", target.kind.as_str(), target.id)
}

/// What the form's fields hold: as typed (kept when refused), or a stored promise's.
#[derive(Debug, Clone, Serialize)]
pub struct PromiseFields {
    pub title: String,
    pub text: String,
    pub responsible: String,
    pub starts_on: String,
    pub ends_on: String,
    pub status: String,
    /// The chosen targets' checkbox values (see [`target_value`]).
    pub targets: Vec<String>,
}

impl Default for PromiseFields {
    fn default() -> Self {
        Self {
            title: String::new(),
            text: String::new(),
            responsible: String::new(),
            starts_on: String::new(),
            ends_on: String::new(),
            status: PromiseStatus::Planned.as_str().to_owned(),
            targets: Vec::new(),
        }
    }
}

impl PromiseFields {
    /// A stored promise's fields, to change it.
    pub fn of(promise: &PromiseView) -> Self {
        Self {
            title: promise.title.clone(),
            text: promise.text.clone(),
            responsible: promise.responsible.as_str().to_owned(),
            starts_on: promise.starts_on.to_string(),
            ends_on: promise.ends_on.to_string(),
            status: promise.status.as_str().to_owned(),
            targets: promise.targets.iter().map(target_value).collect(),
        }
    }
}

/// A radio button or checkbox.
#[derive(Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub checked: bool,
    /// The input's id, for its label.
    pub id: String,
}

/// An area of the questionnaire in the form: the area itself (when it has an index) and its questions.
#[derive(Serialize)]
pub struct AreaChoices {
    pub id: String,
    pub label: String,
    pub area: Option<Choice>,
    pub items: Vec<Choice>,
}

/// The form to record or change a promise.
#[derive(Serialize)]
pub struct PromiseForm {
    pub fields: PromiseFields,
    pub responsible: Vec<Choice>,
    pub statuses: Vec<Choice>,
    pub areas: Vec<AreaChoices>,
    /// Targets chosen before that the questionnaire shown does not have (from another questionnaire), kept.
    pub others: Vec<Choice>,
}

impl PromiseForm {
    pub fn new(fields: PromiseFields, areas: &[TargetArea], lang: &str) -> Self {
        let chosen: HashSet<&str> = fields.targets.iter().map(String::as_str).collect();
        let choice = |value: String, label: String| Choice {
            id: format!("target-{}", value.replace(':', "-")),
            checked: chosen.contains(value.as_str()),
            value,
            label,
        };
        let mut offered = HashSet::new();
        let area_choices: Vec<AreaChoices> = areas
            .iter()
            .map(|area| {
                let whole = Target { kind: TargetKind::Area, id: area.id.clone() };
                let area_choice = area.indexed.then(|| {
                    offered.insert(target_value(&whole));
                    let label = crate::i18n::text_with(lang, "admin.promise_form.whole_area", &[("area", &area.label)]);
                    choice(target_value(&whole), label)
                });
                let items = area
                    .items
                    .iter()
                    .map(|item| {
                        let target = Target { kind: TargetKind::Item, id: item.id.clone() };
                        offered.insert(target_value(&target));
                        let what = match item.measure {
                            Measure::Index => "",
                            Measure::Percent => " (andel ja)",
                        };
                        choice(target_value(&target), format!("{}{what}", item.label))
                    })
                    .collect();
                AreaChoices { id: area.id.clone(), label: area.label.clone(), area: area_choice, items }
            })
            .collect();
        let others = fields
            .targets
            .iter()
            .filter(|value| !offered.contains(value.as_str()))
            .map(|value| choice(value.clone(), value.clone()))
            .collect();
        let radio = |value: &str, label: &str, name: &str, current: &str| Choice {
            value: value.to_owned(),
            label: label.to_owned(),
            checked: value == current,
            id: format!("{name}-{value}"),
        };
        Self {
            responsible: Responsible::ALL
                .iter()
                .map(|each| radio(each.as_str(), each.label(), "responsible", &fields.responsible))
                .collect(),
            statuses: PromiseStatus::ALL
                .iter()
                .map(|each| radio(each.as_str(), each.label(), "status", &fields.status))
                .collect(),
            areas: area_choices,
            others,
            fields,
        }
    }
}

/// A municipality's promises that a survey follows.
#[derive(Serialize)]
pub struct FollowedMunicipality {
    pub code: String,
    pub name: String,
    pub promises: Vec<FollowedView>,
}

/// A promise beside its wave before: what it is, and a row per target.
#[derive(Serialize)]
pub struct FollowedView {
    pub id: String,
    pub title: String,
    pub text: String,
    pub responsible: &'static str,
    pub status: &'static str,
    pub period: String,
    /// The wave before: its title and period.
    pub before: String,
    pub rows: Vec<FollowedRow>,
}

/// One target's figures: "–" where hidden, empty where there is nothing to show.
#[derive(Serialize)]
pub struct FollowedRow {
    pub label: String,
    /// Whether the target is a whole area (the page says "Området …").
    pub area: bool,
    /// `index` or `percent` (the page's text `promises_followed.measure.<measure>`).
    pub measure: &'static str,
    pub earlier: String,
    pub value: String,
    pub interval: String,
    pub change: String,
    pub change_interval: String,
    /// `yes`, `no`, or "–" when hidden (the page's text `promises_followed.significant_<yes|no>`).
    pub significant: String,
    /// Why a row has no figures: `not_asked` (the survey does not ask it) or `not_before` (the wave before did not),
    /// the page's text `promises_followed.note.<note>`; empty when it has them.
    pub note: &'static str,
}

/// The promises followed, per municipality, as pages show them.
pub fn followed(municipalities: &[MunicipalityPromises]) -> Vec<FollowedMunicipality> {
    municipalities
        .iter()
        .map(|municipality| FollowedMunicipality {
            code: municipality.code.clone(),
            name: municipality.name.clone(),
            promises: municipality.promises.iter().map(followed_promise).collect(),
        })
        .collect()
}

fn followed_promise(promise: &FollowedPromise) -> FollowedView {
    FollowedView {
        id: promise.id.clone(),
        title: promise.title.clone(),
        text: promise.text.clone(),
        responsible: promise.responsible.as_str(),
        status: promise.status.as_str(),
        period: format!("{} – {}", promise.starts_on, promise.ends_on),
        before: format!("{} ({} – {})", promise.before.title, promise.before.opens_on, promise.before.closes_on),
        rows: promise.targets.iter().map(followed_row).collect(),
    }
}

fn followed_row(figure: &TargetFigure) -> FollowedRow {
    let (measure, decimals) = match figure.measure {
        Measure::Index => ("index", 2),
        Measure::Percent => ("percent", 1),
    };
    let value = |value: Option<f64>| match (value, figure.measure) {
        (None, _) => HIDDEN.to_owned(),
        (Some(value), Measure::Index) => decimal(value, 2),
        (Some(value), Measure::Percent) => share(Some(value)),
    };
    let (label, area) = (figure.label.clone(), figure.kind == TargetKind::Area);
    if !figure.asked {
        let nothing = String::new();
        return FollowedRow {
            label,
            area,
            measure,
            earlier: nothing.clone(),
            value: nothing.clone(),
            interval: nothing.clone(),
            change: nothing.clone(),
            change_interval: nothing.clone(),
            significant: nothing,
            note: "not_asked",
        };
    }
    let (earlier, change, change_interval, significant, note) = match &figure.earlier {
        Some(change) => (
            value(change.earlier),
            change.change.map_or_else(|| HIDDEN.to_owned(), |value| signed(value, decimals)),
            interval(change.ci95, decimals),
            match change.significant {
                Some(true) => "yes".to_owned(),
                Some(false) => "no".to_owned(),
                None => HIDDEN.to_owned(),
            },
            "",
        ),
        None => (String::new(), String::new(), String::new(), String::new(), "not_before"),
    };
    FollowedRow {
        label,
        area,
        measure,
        earlier,
        value: value(figure.value),
        interval: interval(figure.ci95, decimals),
        change,
        change_interval,
        significant,
        note,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::instrument::default_instrument;
    use crate::domain::promise::targetable;

    #[test]
    fn the_form_offers_every_area_with_an_index_and_keeps_a_target_it_does_not_offer() {
        let areas = targetable(&default_instrument().unwrap(), "sv");
        let fields = PromiseFields {
            targets: vec!["item:littering".to_owned(), "item:from_another_form".to_owned()],
            ..PromiseFields::default()
        };
        let form = PromiseForm::new(fields, &areas, "sv");
        let outdoor = form.areas.iter().find(|area| area.id == "outdoor_environment").unwrap();
        assert_eq!(outdoor.area.as_ref().unwrap().value, "area:outdoor_environment");
        let littering = outdoor.items.iter().find(|item| item.value == "item:littering").unwrap();
        assert!(littering.checked && littering.id == "target-item-littering");
        let victimisation = form.areas.iter().find(|area| area.id == "victimisation").unwrap();
        assert!(victimisation.area.is_none(), "an area without an index is no target");
        assert!(victimisation.items.iter().all(|item| item.label.ends_with("(andel ja)")));
        assert_eq!(
            form.others.iter().map(|other| other.value.as_str()).collect::<Vec<_>>(),
            ["item:from_another_form"]
        );
        assert!(form.statuses.iter().any(|status| status.checked && status.value == "planned"));
        let target = Target { kind: TargetKind::Area, id: "disorder".to_owned() };
        assert_eq!(words(&areas, &target), TargetName { label: "Ordningsstörningar".to_owned(), area: true });
    }
}
