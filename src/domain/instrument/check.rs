//! The checks an instrument passes after it is read: identifiers, references, uniqueness, ranges and languages.

use std::collections::{BTreeMap, BTreeSet};

use super::model::{Choice, Condition, Instrument, InstrumentError, Item, ItemKind, Scale, Texts, error};

/// Ids and codes are stored with every answer, so they are kept short.
const MAX_ID_CHARS: usize = 64;
/// The most a free-text item may allow.
const MAX_TEXT_CHARS: usize = 10_000;

impl Instrument {
    /// Every text in the instrument with its path, in file order.
    pub(super) fn all_texts(&self) -> Vec<(String, &Texts)> {
        let mut all = vec![("title".to_owned(), &self.title)];
        for (name, scale) in &self.scales {
            for (index, option) in scale.options.iter().enumerate() {
                all.push((format!("scales.{name}.options[{index}].label"), &option.label));
            }
            if let Some(dont_know) = &scale.dont_know {
                all.push((format!("scales.{name}.dont_know.label"), &dont_know.label));
            }
        }
        for (section_index, section) in self.sections.iter().enumerate() {
            let path = format!("sections[{section_index}]");
            all.push((format!("{path}.title"), &section.title));
            all.extend(section.intro.iter().map(|intro| (format!("{path}.intro"), intro)));
            for (item_index, item) in section.items.iter().enumerate() {
                let path = format!("{path}.items[{item_index}]");
                all.push((format!("{path}.text"), &item.text));
                all.extend(item.help.iter().map(|help| (format!("{path}.help"), help)));
                match &item.kind {
                    ItemKind::Single { options } | ItemKind::Multiple { options, .. } => {
                        for (index, choice) in options.iter().enumerate() {
                            all.push((format!("{path}.options[{index}].label"), &choice.label));
                        }
                    }
                    ItemKind::YesNo { yes, no } => {
                        all.extend(yes.iter().map(|yes| (format!("{path}.yes"), yes)));
                        all.extend(no.iter().map(|no| (format!("{path}.no"), no)));
                    }
                    ItemKind::Number { unit, .. } => {
                        all.extend(unit.iter().map(|unit| (format!("{path}.unit"), unit)));
                    }
                    ItemKind::Scale { .. } | ItemKind::Text { .. } => {}
                }
            }
        }
        all
    }

    /// Checks what the reader cannot: identifiers, references, uniqueness, ranges and languages.
    pub(super) fn validate(&self) -> Result<(), InstrumentError> {
        if !is_key(&self.key) {
            return Err(error("key", "use 1 to 64 of the characters a-z, 0-9, _ and -, e.g. \"trygghetsmatning\""));
        }
        let version = self.version.trim();
        if version.is_empty() || version != self.version || self.version.chars().count() > MAX_ID_CHARS {
            return Err(error(
                "version",
                "give a version of 1 to 64 characters without surrounding spaces, e.g. \"2026.1\"",
            ));
        }
        if self.version.chars().any(char::is_control) {
            return Err(error("version", "the version contains a control character"));
        }
        if self.languages.is_empty() {
            return Err(error(
                "languages",
                "list at least one language; the first is the default, e.g. [\"sv\", \"en\"]",
            ));
        }
        for (index, lang) in self.languages.iter().enumerate() {
            if !is_language_tag(lang) {
                return Err(error(
                    format!("languages[{index}]"),
                    format!("\"{lang}\" is not a language code such as \"sv\""),
                ));
            }
            if self.languages[..index].contains(lang) {
                return Err(error(format!("languages[{index}]"), format!("\"{lang}\" is listed twice")));
            }
        }
        for (path, texts) in self.all_texts() {
            check_texts(texts, &path, &self.languages)?;
        }
        for (name, scale) in &self.scales {
            check_scale(name, scale)?;
        }
        if self.sections.is_empty() {
            return Err(error("sections", "the instrument needs at least one section"));
        }
        let all_ids: BTreeSet<&str> = self.items().map(|item| item.id.as_str()).collect();
        let mut section_ids = BTreeSet::new();
        let mut earlier: BTreeMap<&str, &Item> = BTreeMap::new();
        for (section_index, section) in self.sections.iter().enumerate() {
            let path = format!("sections[{section_index}]");
            check_id(&section.id, &format!("{path}.id"))?;
            if !section_ids.insert(section.id.as_str()) {
                return Err(error(format!("{path}.id"), format!("the section id \"{}\" is used twice", section.id)));
            }
            if let Some(area) = &section.area {
                check_id(area, &format!("{path}.area"))?;
            }
            if section.items.is_empty() {
                return Err(error(format!("{path}.items"), "a section needs at least one item"));
            }
            for (item_index, item) in section.items.iter().enumerate() {
                let path = format!("{path}.items[{item_index}]");
                check_id(&item.id, &format!("{path}.id"))?;
                if earlier.contains_key(item.id.as_str()) {
                    let problem =
                        format!("the item id \"{}\" is used twice; item ids are unique in the instrument", item.id);
                    return Err(error(format!("{path}.id"), problem));
                }
                self.check_kind(&item.kind, &path)?;
                if let Some(condition) = &item.show_if {
                    self.check_condition(item, condition, &path, &earlier, &all_ids)?;
                }
                check_replaces(item, &path, &all_ids)?;
                earlier.insert(&item.id, item);
            }
        }
        Ok(())
    }

    fn check_kind(&self, kind: &ItemKind, path: &str) -> Result<(), InstrumentError> {
        match kind {
            ItemKind::Scale { scale } => {
                if !self.scales.contains_key(scale) {
                    return Err(error(format!("{path}.scale"), format!("unknown scale \"{scale}\"")));
                }
            }
            ItemKind::Single { options } => check_choices(options, &format!("{path}.options"))?,
            ItemKind::Multiple { options, max } => {
                check_choices(options, &format!("{path}.options"))?;
                match *max {
                    Some(0) => return Err(error(format!("{path}.max"), "must be at least 1")),
                    Some(max) if max > options.len() => {
                        let problem = format!("is {max}, but there are only {} options", options.len());
                        return Err(error(format!("{path}.max"), problem));
                    }
                    _ => {}
                }
            }
            ItemKind::YesNo { .. } => {}
            ItemKind::Number { min, max, .. } => {
                if min > max {
                    return Err(error(format!("{path}.max"), format!("max ({max}) is less than min ({min})")));
                }
            }
            ItemKind::Text { max_chars } => {
                if !(1..=MAX_TEXT_CHARS).contains(max_chars) {
                    let problem = format!("must be from 1 to {MAX_TEXT_CHARS}, not {max_chars}");
                    return Err(error(format!("{path}.max_chars"), problem));
                }
            }
        }
        Ok(())
    }

    fn check_condition(
        &self,
        item: &Item,
        condition: &Condition,
        path: &str,
        earlier: &BTreeMap<&str, &Item>,
        all_ids: &BTreeSet<&str>,
    ) -> Result<(), InstrumentError> {
        let target = condition.item.as_str();
        let Some(parent) = earlier.get(target) else {
            let problem = if target == item.id {
                "an item cannot depend on itself".to_owned()
            } else if all_ids.contains(target) {
                format!("\"{target}\" comes after this item; a condition can only depend on an earlier item")
            } else {
                format!("no item \"{target}\"")
            };
            return Err(error(format!("{path}.show_if.item"), problem));
        };
        let Some(codes) = self.choice_codes(parent) else {
            let problem = format!(
                "\"{target}\" is a {} item; a condition can only depend on an item answered by choosing",
                parent.kind.type_name()
            );
            return Err(error(format!("{path}.show_if.item"), problem));
        };
        if !codes.contains(&condition.equals.as_str()) {
            let problem = format!(
                "\"{}\" is not an answer to \"{target}\", whose answers are {}",
                condition.equals,
                codes.join(", ")
            );
            return Err(error(format!("{path}.show_if.equals"), problem));
        }
        Ok(())
    }
}

/// `[a-z0-9_]{1,64}`: ids of sections and items, scale names, option codes and area keys.
fn is_id(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= MAX_ID_CHARS
        && text.bytes().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_'))
}

/// An instrument key may also contain `-`.
fn is_key(text: &str) -> bool {
    is_id(&text.replace('-', "_"))
}

/// A BCP 47-like language code: `sv`, `prs`, `sv-FI`.
fn is_language_tag(text: &str) -> bool {
    let mut parts = text.split('-');
    let primary = parts.next().unwrap_or_default();
    (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|part| (1..=8).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_alphanumeric()))
}

fn check_id(id: &str, path: &str) -> Result<(), InstrumentError> {
    if is_id(id) {
        Ok(())
    } else {
        Err(error(path, format!("\"{id}\" is not a valid id: use 1 to 64 of the characters a-z, 0-9 and _")))
    }
}

fn check_texts(texts: &Texts, path: &str, languages: &[String]) -> Result<(), InstrumentError> {
    let default = languages.first().map_or("", String::as_str);
    if !texts.0.contains_key(default) {
        return Err(error(path, format!("no text in the default language \"{default}\"")));
    }
    for (lang, text) in &texts.0 {
        if !languages.contains(lang) {
            let problem = format!("\"{lang}\" is not one of the instrument's languages ({})", languages.join(", "));
            return Err(error(format!("{path}.{lang}"), problem));
        }
        if text.trim().is_empty() {
            let problem = "empty text; leave the language out to fall back to the default language";
            return Err(error(format!("{path}.{lang}"), problem));
        }
    }
    Ok(())
}

/// Codes in one list of options: valid and distinct.
fn check_codes<'a>(codes: impl Iterator<Item = &'a str>, path: &str) -> Result<(), InstrumentError> {
    let mut seen = BTreeSet::new();
    for (index, code) in codes.enumerate() {
        let path = format!("{path}[{index}].code");
        check_id(code, &path)?;
        if !seen.insert(code) {
            return Err(error(path, format!("the code \"{code}\" is used twice in these options")));
        }
    }
    Ok(())
}

fn check_choices(options: &[Choice], path: &str) -> Result<(), InstrumentError> {
    if options.is_empty() {
        return Err(error(path, "list at least one option"));
    }
    check_codes(options.iter().map(|choice| choice.code.as_str()), path)
}

fn check_scale(name: &str, scale: &Scale) -> Result<(), InstrumentError> {
    let path = format!("scales.{name}");
    check_id(name, &path)?;
    if scale.options.len() < 2 {
        return Err(error(format!("{path}.options"), "a scale needs at least two options"));
    }
    check_codes(scale.options.iter().map(|option| option.code.as_str()), &format!("{path}.options"))?;
    let weighted = scale.options.iter().any(|option| option.weight.is_some());
    for (index, option) in scale.options.iter().enumerate() {
        let path = format!("{path}.options[{index}].weight");
        match option.weight {
            Some(weight) if !weight.is_finite() => return Err(error(path, "the weight must be a finite number")),
            None if weighted => return Err(error(path, "either every option of a scale has a weight or none has")),
            _ => {}
        }
    }
    if let Some(dont_know) = &scale.dont_know {
        let path = format!("{path}.dont_know.code");
        check_id(&dont_know.code, &path)?;
        if scale.options.iter().any(|option| option.code == dont_know.code) {
            let problem = format!("\"{}\" is already an option's code; \"don't know\" needs its own", dont_know.code);
            return Err(error(path, problem));
        }
    }
    Ok(())
}

/// `replaces` names an id of an earlier version: a valid id, and not one this version still uses.
fn check_replaces(item: &Item, path: &str, all_ids: &BTreeSet<&str>) -> Result<(), InstrumentError> {
    let Some(replaced) = &item.replaces else { return Ok(()) };
    check_id(replaced, &format!("{path}.replaces"))?;
    if all_ids.contains(replaced.as_str()) {
        let problem = format!("\"{replaced}\" is an item of this version; replaces names an id of an earlier version");
        return Err(error(format!("{path}.replaces"), problem));
    }
    Ok(())
}
