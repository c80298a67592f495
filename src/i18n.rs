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

use crate::domain::text::{Text, Value};

/// The default language.
pub const DEFAULT: &str = "sv";

/// Languages written right to left (Arabic, Farsi, Dari, Pashto, Urdu, Hebrew, Sorani, Dhivehi, Yiddish).
const RIGHT_TO_LEFT: [&str; 9] = ["ar", "fa", "prs", "ps", "ur", "he", "ckb", "dv", "yi"];

/// The languages the staff's pages are written in: their files have every text. The other page languages have the
/// texts a resident may see ([`is_resident_text`]) and fall back to Swedish for the rest, which they never show.
pub const STAFF_LANGUAGES: [&str; 2] = ["sv", "en"];

/// The resident's pages exist in these languages (a file in `locales/` each), the default first.
pub fn page_languages() -> Vec<String> {
    page_language_list().to_vec()
}

/// [`page_languages`], worked out once: every resident's page asks which languages it may offer.
fn page_language_list() -> &'static [String] {
    static LANGUAGES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    LANGUAGES.get_or_init(|| {
        let mut languages: Vec<String> = rust_i18n::available_locales!().into_iter().map(str::to_owned).collect();
        languages.sort_by_key(|lang| (lang != DEFAULT, lang.clone()));
        languages
    })
}

/// The staff's pages exist in these languages, the default first.
pub fn staff_languages() -> Vec<String> {
    STAFF_LANGUAGES.iter().map(|lang| (*lang).to_owned()).collect()
}

/// Whether a text (its key, `problem.answer.required`) may be seen by a resident, so that every resident language
/// must have it: the top-level texts (but the staff dashboard's charts and the results workbook's), the error pages'
/// (`staff.error.*`, shown to anyone) and the reasons an answer or a form is refused.
pub fn is_resident_text(key: &str) -> bool {
    match key.split_once('.') {
        None => !key.starts_with("chart_") && !key.starts_with("workbook_"),
        Some(_) => {
            key.starts_with("staff.error.") || key.starts_with("problem.answer.") || key == "problem.form_incomplete"
        }
    }
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

/// A [`Text`] worded in `lang` (Swedish where it has no translation), its numbers written the language's way.
pub fn say(lang: &str, text: &Text) -> String {
    let values: Vec<(&str, String)> = text
        .values
        .iter()
        .map(|(name, value)| match value {
            Value::Words(words) => (*name, words.clone()),
            Value::Number(number) => (*name, self::number(lang, *number)),
        })
        .collect();
    let values: Vec<(&str, &str)> = values.iter().map(|(name, value)| (*name, value.as_str())).collect();
    text_with(lang, text.key, &values)
}

/// A whole number as `lang` writes it in running text: English groups thousands with a comma ("2,000"), Swedish with
/// a no-break space from five digits up ("2000", "25 000"), as the language council advises.
pub fn number(lang: &str, value: i64) -> String {
    let (separator, from) = if lang == "en" { (",", 1_000) } else { ("\u{a0}", 10_000) };
    let digits = value.unsigned_abs().to_string();
    let mut text = String::from(if value < 0 { "-" } else { "" });
    for (index, digit) in digits.chars().enumerate() {
        if value.unsigned_abs() >= from && index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push_str(separator);
        }
        text.push(digit);
    }
    text
}

/// A number with `decimals` decimals and `lang`'s decimal mark (English a point, Swedish a comma: "1,63"), and a
/// real minus; a value that rounds to zero has no sign.
pub fn decimal(lang: &str, value: f64, decimals: usize) -> String {
    let scale = 10f64.powi(i32::try_from(decimals).unwrap_or(i32::MAX));
    let rounded = (value * scale).round() / scale + 0.0;
    let written = format!("{rounded:.decimals$}").replace('-', "\u{2212}");
    if lang == "en" { written } else { written.replace('.', ",") }
}

/// The languages a survey offers its residents: of those its coordinator turned on (`stored`, as the survey keeps
/// them), the ones its questionnaire and the pages are written in, the questionnaire's default language first.
pub fn offered(stored: &str, instrument_languages: &[String]) -> Vec<String> {
    crate::domain::translation::offered(stored, instrument_languages, page_language_list())
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
        let residents: BTreeSet<String> = swedish.iter().filter(|key| is_resident_text(key)).cloned().collect();
        assert!(residents.len() > 150 && residents.len() < swedish.len() / 2, "{} resident texts", residents.len());
        assert_eq!(page_languages(), ["sv", "ar", "en", "fa", "fi", "so", "ti"]);
        for lang in page_languages().into_iter().filter(|lang| lang != DEFAULT) {
            let file = format!("{lang}.yml");
            let other = keys(&file);
            let wanted = if STAFF_LANGUAGES.contains(&lang.as_str()) { &swedish } else { &residents };
            let missing: Vec<_> = wanted.difference(&other).collect();
            let extra: Vec<_> = other.difference(wanted).collect();
            assert!(missing.is_empty() && extra.is_empty(), "{file}: missing {missing:?}, unknown {extra:?}");
            let name = text(&lang, "language_name");
            assert!(name != text(DEFAULT, "language_name"), "{lang} is named in its own language: {name}");
        }
    }

    /// Every key the code names in a `Text` (`Text::new("…")`, or a `"problem.…"` literal) is a text of the pages:
    /// a key missing from `locales/` would reach the reader as the key itself.
    #[test]
    fn every_text_the_code_names_exists() {
        fn sources(dir: &std::path::Path, found: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    sources(&path, found);
                } else if path.extension().is_some_and(|extension| extension == "rs") {
                    found.push(std::fs::read_to_string(&path).unwrap());
                }
            }
        }
        let mut files = Vec::new();
        sources(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
        let named: BTreeSet<String> = files
            .iter()
            .flat_map(|code| code.match_indices('"').map(move |(at, _)| &code[at + 1..]))
            .filter_map(|rest| rest.split_once('"').map(|(literal, _)| literal))
            .filter(|literal| {
                literal.starts_with("problem.")
                    && literal.len() > "problem.".len()
                    && !literal.ends_with('.')
                    && literal.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c == '.')
            })
            .map(str::to_owned)
            .collect();
        assert!(named.len() > 100, "the code names {} problem texts", named.len());
        for lang in page_languages() {
            let known = keys(&format!("{lang}.yml"));
            let staff = STAFF_LANGUAGES.contains(&lang.as_str());
            let missing: Vec<&String> =
                named.iter().filter(|key| (staff || is_resident_text(key)) && !known.contains(*key)).collect();
            assert!(missing.is_empty(), "{lang}.yml lacks {missing:?}");
        }
    }

    #[test]
    fn a_text_is_worded_with_its_values_and_numbers_the_language_s_way() {
        let text = Text::new("problem.answer.out_of_range").with_number("min", -5).with_number("max", 25_000);
        assert_eq!(say("sv", &text), "Skriv en siffra mellan -5 och 25\u{a0}000.");
        assert_eq!(say("en", &text), "Please enter a number between -5 and 25,000.");
        assert_eq!(say("ar", &text), "اكتب رقمًا بين -5 و25\u{a0}000.");
        let staff = Text::new("problem.survey.access");
        assert_eq!(say("ar", &staff), say("sv", &staff), "a staff text falls back to Swedish");
        let named = Text::new("problem.survey.twice").with("code", "1783");
        assert_eq!(say("sv", &named), "Kommunen 1783 finns med två gånger.");
        assert_eq!(say("en", &named), "Municipality 1783 is there twice.");
        assert_eq!(number("sv", 2000), "2000");
        assert_eq!(number("en", 2000), "2,000");
    }

    #[test]
    fn texts_come_in_the_asked_language_with_swedish_as_fallback() {
        assert_eq!(text("sv", "next"), "Nästa");
        assert_eq!(text("en", "next"), "Next");
        assert_eq!(text("fi", "next"), "Seuraava");
        assert_eq!(text("xx", "next"), "Nästa");
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
        for lang in staff_languages() {
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
