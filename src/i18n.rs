//! Languages of the pages residents see. Swedish is the default; `http::language` chooses a resident's language
//! from a visible switch, their saved draft, a cookie, or the browser's `Accept-Language`, in that order.
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

    fn keys(file: &str) -> BTreeSet<String> {
        let text = std::fs::read_to_string(format!("{}/locales/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let value: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        value.as_mapping().unwrap().keys().map(|key| key.as_str().unwrap().to_owned()).collect()
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
    }

    #[test]
    fn swedish_comes_first_and_right_to_left_scripts_are_known() {
        assert_eq!(page_languages().first().map(String::as_str), Some("sv"));
        assert_eq!(direction("ar"), "rtl");
        assert_eq!(direction("fa"), "rtl");
        assert_eq!(direction("sv"), "ltr");
    }
}
