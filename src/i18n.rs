//! Languages of the pages residents and staff see. Swedish is the default; `http::language` chooses a resident's
//! language from a visible switch, their saved draft, a cookie, or the browser's `Accept-Language`, in that order, and
//! a staff member's the same way without the draft. The staff's texts are nested under `staff`, `admin` and a few
//! shared lists (`role`, `survey_state`, `notice`, …), one group per page (`admin.survey_close.title`).
//!
//! Two kinds of text are translated apart: the questionnaire's own texts live in the instrument (its `languages`),
//! the texts around it (buttons, progress, messages) in `locales/<language>.yml`, compiled in with `rust-i18n`. A
//! new language, say Arabic, is therefore two data files: the instrument with `ar` texts and `locales/ar.yml`.
//! Right-to-left scripts get `dir="rtl"` from [`direction`]; the stylesheet uses logical properties only, so the
//! layout mirrors by itself.

/// The default language.
pub const DEFAULT: &str = "sv";

/// Languages written right to left (Arabic, Farsi, Dari, Pashto, Urdu, Hebrew, Sorani, Dhivehi, Yiddish).
const RIGHT_TO_LEFT: [&str; 9] = ["ar", "fa", "prs", "ps", "ur", "he", "ckb", "dv", "yi"];

/// The pages' own texts exist in these languages.
pub fn page_languages() -> Vec<String> {
    let mut languages: Vec<String> = rust_i18n::available_locales!().into_iter().map(str::to_owned).collect();
    languages.sort_by_key(|lang| (lang != DEFAULT, lang.clone()));
    languages
}

/// `ltr` or `rtl`.
pub fn direction(lang: &str) -> &'static str {
    if RIGHT_TO_LEFT.contains(&lang) { "rtl" } else { "ltr" }
}

/// One text of the pages in `lang` (Swedish where it has no translation).
pub fn text(lang: &str, key: &str) -> String {
    rust_i18n::t!(key, locale = lang).into_owned()
}

/// One text of the pages in `lang` with each `%{name}` replaced by its value.
pub fn text_with(lang: &str, key: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(text(lang, key), |text, (name, value)| text.replace(&format!("%{{{name}}}"), value))
}

/// The languages both the pages and an instrument have, the instrument's default first.
pub fn common(instrument_languages: &[String]) -> Vec<String> {
    let pages = page_languages();
    let common: Vec<String> = instrument_languages.iter().filter(|lang| pages.contains(lang)).cloned().collect();
    if common.is_empty() { vec![DEFAULT.to_owned()] } else { common }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Every text's key in a locale file, nested keys joined with dots as `t` takes them (`admin.home.title`).
    fn keys(file: &str) -> BTreeSet<String> {
        fn walk(prefix: &str, value: &serde_yaml::Value, keys: &mut BTreeSet<String>) {
            match value.as_mapping() {
                Some(mapping) => {
                    for (key, value) in mapping {
                        let key = key.as_str().unwrap();
                        let path = if prefix.is_empty() { key.to_owned() } else { format!("{prefix}.{key}") };
                        walk(&path, value, keys);
                    }
                }
                None => {
                    keys.insert(prefix.to_owned());
                }
            }
        }
        let text = std::fs::read_to_string(format!("{}/locales/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let value: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        let mut keys = BTreeSet::new();
        walk("", &value, &mut keys);
        keys
    }

    #[test]
    fn every_language_has_every_text() {
        let swedish = keys("sv.yml");
        let files: Vec<String> =
            page_languages().into_iter().filter(|lang| lang != DEFAULT).map(|l| l + ".yml").collect();
        assert!(!files.is_empty());
        for file in &files {
            let other = keys(file);
            let missing: Vec<_> = swedish.difference(&other).collect();
            let extra: Vec<_> = other.difference(&swedish).collect();
            assert!(missing.is_empty() && extra.is_empty(), "{file}: missing {missing:?}, unknown {extra:?}");
        }
    }

    #[test]
    fn texts_come_in_the_asked_language_with_swedish_as_fallback() {
        assert_eq!(text("sv", "next"), "Nästa");
        assert_eq!(text("en", "next"), "Next");
        assert_eq!(text("fi", "next"), "Nästa");
        assert_eq!(text("sv", "staff.sign_out"), "Logga ut", "nested keys are joined with dots");
        assert_eq!(text("en", "staff.sign_out"), "Sign out");
    }

    #[test]
    fn every_staff_list_has_its_words() {
        use crate::domain::audit::Action;
        use crate::domain::role::Role;
        let keys: Vec<String> = Action::ALL
            .iter()
            .map(|action| format!("audit_action.{}", action.as_str()))
            .chain(Role::ALL.iter().map(|role| format!("role.{}", role.as_str())))
            .chain(["draft", "open", "closed"].iter().map(|state| format!("survey_state.{state}")))
            .collect();
        for lang in page_languages() {
            for key in &keys {
                assert!(!text(&lang, key).contains(key.as_str()), "{lang} has no text {key}");
            }
        }
        assert_eq!(text("en", "audit_action.sign_in"), "Sign-in");
    }

    #[test]
    fn swedish_comes_first_and_right_to_left_scripts_are_known() {
        assert_eq!(page_languages().first().map(String::as_str), Some("sv"));
        assert_eq!(direction("ar"), "rtl");
        assert_eq!(direction("fa"), "rtl");
        assert_eq!(direction("sv"), "ltr");
    }
}
