//! Server-rendered pages: minijinja templates compiled into the binary (no files to deploy, no build step).

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};

use lru::LruCache;

use minijinja::value::{Enumerator, Object, ObjectExt};
use minijinja::{Environment, Value};
use serde::Serialize;

use crate::auth::Staff;
use crate::domain::instrument::Instrument;
use crate::error::AppError;
use crate::views::questionnaire::SectionView;

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../frontend/templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = templates![
    "base.html",
    "form_errors.html",
    "error.html",
    "sign_in.html",
    "setup.html",
    "admin/home.html",
    "admin/users.html",
    "admin/user.html",
    "admin/account.html",
    "admin/secret_shown_once.html",
    "admin/batch.html",
    "admin/audit.html",
    "admin/survey_new.html",
    "admin/survey_edit.html",
    "admin/survey_asker.html",
    "admin/survey.html",
    "admin/survey_close.html",
    "admin/disclosure_fields.html",
    "admin/municipality_picker.html",
    "admin/population.html",
    "admin/paper.html",
    "admin/rates.html",
    "admin/rates_live.html",
    "admin/results.html",
    "admin/comments.html",
    "admin/promises.html",
    "admin/promise.html",
    "admin/promise_form.html",
    "promises_followed.html",
    "public/survey.html",
    "public/municipality.html",
    "question.html",
    "answer/layout.html",
    "answer/asker.html",
    "answer/start.html",
    "answer/refused.html",
    "answer/welcome.html",
    "answer/section.html",
    "answer/questions.html",
    "answer/saved.html",
    "answer/review.html",
    "answer/thanks.html",
    "answer/open_start.html",
    "answer/accessibility.html",
    "answer/unavailable.html",
    "print/questionnaire.html",
    "print/letters.html",
];

/// The questionnaire's optional script, served at `/static/svara.js`.
pub const SCRIPT: &str = include_str!("../../frontend/static/svara.js");

/// The dashboard's script, served at `/static/live.js`.
pub const LIVE_SCRIPT: &str = include_str!("../../frontend/static/live.js");

/// Enter to the next field when keying in a paper form (`/static/paper.js`).
pub const PAPER_SCRIPT: &str = include_str!("../../frontend/static/paper.js");

/// The municipality picker's search (`/static/picker.js`).
pub const PICKER_SCRIPT: &str = include_str!("../../frontend/static/picker.js");

/// The stylesheet, served at `/static/trygghet.css`.
pub const STYLESHEET: &str = include_str!("../../frontend/static/trygghet.css");

/// The printed questionnaire's and the cover letters' stylesheet.
pub const PRINT_STYLESHEET: &str = include_str!("../../frontend/static/print.css");

/// Builds a template [`Context`] like minijinja's `context!` (`key => value`, or `key` for a variable of that name),
/// but from anything serde can serialize.
macro_rules! context {
    ($($key:ident $(=> $value:expr)?),* $(,)?) => {{
        #[allow(unused_mut)]
        let mut context = $crate::views::templates::Context::default();
        $(context.insert(stringify!($key), &$crate::views::templates::context!(@value $key $(, $value)?));)*
        context
    }};
    (@value $key:ident) => { $key };
    (@value $key:ident, $value:expr) => { $value };
}
pub(crate) use context;

/// A map of a page's names, hashed the fast way: the names are the code's own, never a user's, so nothing can be
/// chosen to collide. A page puts in some forty names and its template looks one up many times over.
type NameMap = HashMap<&'static str, Value, foldhash::fast::FixedState>;

/// What a template is rendered with: each name with its value, already as templates read it. Values are turned into
/// template values once, as they are put in (not first into JSON and then again).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(transparent)]
pub struct Context(NameMap);

impl Context {
    /// Puts `value` under `name`, replacing what was there.
    pub fn insert(&mut self, name: &'static str, value: &impl Serialize) {
        self.0.insert(name, Value::from(minijinja::value::Serde(value)));
    }

    /// Puts every name of `more` in, replacing what was under the same names. The smaller of the two is put into the
    /// larger: a page's few names of its own go into its content's many, not the other way round.
    pub fn extend(&mut self, more: Self) {
        if self.0.len() >= more.0.len() {
            self.0.extend(more.0);
            return;
        }
        let before = std::mem::replace(&mut self.0, more.0);
        for (name, value) in before {
            self.0.entry(name).or_insert(value);
        }
    }

    /// Puts markup under `name`: rendered already, so a template shows it as it is.
    pub fn insert_markup(&mut self, name: &'static str, html: String) {
        self.0.insert(name, Value::from_safe_string(html));
    }
}

/// A section's questions as nobody has answered them yet, by questionnaire (key and version), section id and language.
type BlankKey = (String, String, String, String);

/// Blank sections kept: every section of a few questionnaires in every language they have.
const BLANK_SECTIONS: usize = 512;

/// The compiled templates.
pub struct Templates {
    env: Environment<'static>,
    /// Sections' questions as every resident first sees them, rendered once (see [`Self::section_questions`]).
    blank: Mutex<LruCache<BlankKey, Arc<str>>>,
}

impl Templates {
    pub fn new() -> Result<Self, minijinja::Error> {
        let mut env = Environment::new();
        env.add_function("t", translate);
        env.add_function("say", say);
        env.add_filter("swedish_time", swedish_time);
        env.add_filter("swedish_date", swedish_date);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)?;
        }
        let blank = LruCache::new(NonZeroUsize::new(BLANK_SECTIONS).unwrap_or(NonZeroUsize::MIN));
        Ok(Self { env, blank: Mutex::new(blank) })
    }

    /// The questions of `section` (a section of `instrument`) as markup in `lang`. Questions nobody has answered
    /// yet are the same markup for every resident, and they are what a resident's first sight of each section shows:
    /// those are rendered once per questionnaire version (whose texts never change), section and language, and kept.
    /// Questions with answers or errors are rendered each time.
    pub fn section_questions(
        &self,
        instrument: &Instrument,
        lang: &str,
        section: &SectionView,
    ) -> Result<String, AppError> {
        let render = || self.render("answer/questions.html", context! { section, lang });
        if !section.is_blank() {
            return render();
        }
        let key = (instrument.key().to_owned(), instrument.version().to_owned(), section.id.clone(), lang.to_owned());
        if let Some(kept) = self.blank.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
            return Ok(kept.to_string());
        }
        let html = render()?;
        self.blank.lock().unwrap_or_else(PoisonError::into_inner).put(key, Arc::from(html.as_str()));
        Ok(html)
    }

    /// Renders `name` with `context` into a string (a part of a page).
    pub fn render(&self, name: &str, context: Context) -> Result<String, AppError> {
        self.env
            .get_template(name)
            .and_then(|template| template.render(Value::from_object(Names(context.0))))
            .map_err(|error| AppError::Internal(Box::new(error)))
    }
}

/// A rendered page's names. A template looks up every name it reads here, often many times over (every question of a
/// section reads `show_numbers`; every `t(…)` reads `lang`), by its text: this map is searched by text as well, where
/// a map of template values would first make the name a template value and then compare it with each key as one.
#[derive(Debug)]
struct Names(NameMap);

impl Object for Names {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.get_value_by_str(key.as_str()?)
    }

    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<Value> {
        self.0.get(key).cloned()
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        self.mapped_enumerator(|names| Box::new(names.0.keys().copied().map(Value::from)))
    }
}

/// `say(reason)` in templates: a use case's [`Text`](crate::domain::text::Text) (as serialized: its key and values)
/// worded in the page's language, numbers written that language's way; a reason already in words stays as it is.
fn say(state: &minijinja::State, reason: minijinja::Value) -> Result<String, minijinja::Error> {
    if let Some(words) = reason.as_str() {
        return Ok(words.to_owned());
    }
    let key: String = reason.get_attr("key")?.as_str().map(str::to_owned).unwrap_or_default();
    let lang = page_language(state);
    let lang = lang.as_deref().unwrap_or(crate::i18n::DEFAULT);
    let mut text = crate::i18n::text(lang, &key);
    let values = reason.get_attr("values")?;
    if let Ok(names) = values.try_iter() {
        for name in names {
            let value = values.get_item(&name)?;
            let written = match value.as_i64() {
                Some(number) => crate::i18n::number(lang, number),
                None => value.to_string(),
            };
            text = text.replace(&format!("%{{{name}}}"), &written);
        }
    }
    Ok(text)
}

/// The page's language: its `lang`, or a staff page's `user.lang`.
fn page_language(state: &minijinja::State) -> Option<String> {
    state
        .lookup("lang")
        .filter(|lang| !lang.is_undefined() && !lang.is_none())
        .or_else(|| state.lookup("user").and_then(|user| user.get_attr("lang").ok()))
        .and_then(|lang| lang.as_str().map(str::to_owned))
}

/// `t("key", name=value, …)` in templates: the page text `key` in the page's `lang` (a staff page's `user.lang`;
/// Swedish when the page has neither), with `%{name}` replaced by each value.
fn translate(
    state: &minijinja::State,
    key: &str,
    values: minijinja::value::Kwargs,
) -> Result<String, minijinja::Error> {
    let lang = page_language(state);
    let mut text = crate::i18n::text(lang.as_deref().unwrap_or(crate::i18n::DEFAULT), key);
    for name in values.args() {
        let value: minijinja::Value = values.get(name)?;
        text = text.replace(&format!("%{{{name}}}"), &value.to_string());
    }
    Ok(text)
}

/// `{{ time | swedish_time }}`: a time as the API writes it (RFC 3339, UTC) as Swedes read it, in Swedish time:
/// "2026-12-05 09:17". Anything else is shown as it is.
fn swedish_time(value: String) -> String {
    match chrono::DateTime::parse_from_rfc3339(&value) {
        Ok(instant) => crate::domain::audit::swedish_time(instant.naive_utc()),
        Err(_) => value,
    }
}

/// `{{ time | swedish_date }}`: the Swedish calendar day of such a time, "2026-12-05".
fn swedish_date(value: String) -> String {
    match chrono::DateTime::parse_from_rfc3339(&value) {
        Ok(instant) => crate::domain::survey::swedish_day(instant.to_utc()).to_string(),
        Err(_) => value,
    }
}

/// What the layout shows of the signed-in user.
#[derive(Serialize)]
pub struct UserView {
    pub email: String,
    /// The role's stored value; the page names it with the text `role.<value>`.
    pub role: &'static str,
    pub is_admin: bool,
    /// The language the page is in.
    pub lang: String,
    /// The language switch: every page language, each linking to this page in it.
    pub languages: Vec<LanguageLink>,
}

/// One language of the staff header's switch, named in itself ("Svenska", "English").
#[derive(Serialize)]
pub struct LanguageLink {
    pub code: String,
    pub name: String,
    /// This page with `?lang=<code>` (its other query parameters kept).
    pub href: String,
    pub current: bool,
}

impl UserView {
    /// `user` on a page in `lang`, reached at `here` (a path with its query).
    pub fn new(user: &Staff, lang: &str, here: &str) -> Self {
        let languages = language_links(lang, here);
        Self {
            email: user.email.clone(),
            role: user.role().as_str(),
            is_admin: user.permissions.is_admin(),
            lang: lang.to_owned(),
            languages,
        }
    }
}

/// The language switch of a page in `lang` reached at `here` (a path with its query).
pub fn language_links(lang: &str, here: &str) -> Vec<LanguageLink> {
    crate::i18n::staff_languages()
        .into_iter()
        .map(|code| LanguageLink {
            name: crate::i18n::text(&code, "language_name"),
            href: with_language(here, &code),
            current: code == lang,
            code,
        })
        .collect()
}

/// `here` (a path and query) with its `lang` parameter set to `lang`, its other parameters kept.
fn with_language(here: &str, lang: &str) -> String {
    let (path, query) = here.split_once('?').unwrap_or((here, ""));
    let mut pairs = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()).filter(|(name, _)| name != "lang") {
        pairs.append_pair(&name, &value);
    }
    pairs.append_pair("lang", lang);
    format!("{path}?{}", pairs.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_times_read_in_swedish_time() {
        // Winter (UTC+1) and summer (UTC+2); the day follows Sweden's midnight, not UTC's.
        assert_eq!(swedish_time("2026-12-05T08:17:51.046424Z".to_owned()), "2026-12-05 09:17");
        assert_eq!(swedish_time("2026-06-30T22:30:00Z".to_owned()), "2026-07-01 00:30");
        assert_eq!(swedish_date("2026-06-30T22:30:00Z".to_owned()), "2026-07-01");
        assert_eq!(swedish_time("not a time".to_owned()), "not a time");
        let templates = Templates::new().unwrap();
        let env = &templates.env;
        let shown = env.render_str("{{ t | swedish_time }}", minijinja::context! { t => "2026-12-05T23:30:00Z" });
        assert_eq!(shown.unwrap(), "2026-12-06 00:30");
    }

    #[test]
    fn a_context_extended_takes_the_names_of_the_one_put_in_whichever_is_larger() {
        let rendered = |context: &Context| {
            let templates = Templates::new().unwrap();
            templates
                .env
                .render_str("{{ a }} {{ b }} {{ c }} {{ d }}", Value::from(minijinja::value::Serde(context)))
                .unwrap()
        };
        // The smaller put into the larger, and the larger into the smaller: `more`'s names win either way.
        let mut few = context! { a => "page", b => "page" };
        few.extend(context! { b => "content", c => "content", d => "content" });
        assert_eq!(rendered(&few), "page content content content");
        let mut many = context! { a => "page", b => "page", c => "page" };
        many.extend(context! { c => "content" });
        assert_eq!(rendered(&many), "page page content ");
    }

    #[test]
    fn the_language_switch_keeps_the_page_and_its_other_parameters() {
        assert_eq!(with_language("/admin", "en"), "/admin?lang=en");
        assert_eq!(with_language("/admin/audit?action=sign_in&lang=sv", "en"), "/admin/audit?action=sign_in&lang=en");
    }

    #[test]
    fn questions_nobody_has_answered_are_rendered_once_and_answers_are_never_kept() {
        use crate::domain::instrument::{RawAnswers, default_instrument};
        use crate::views::questionnaire::section;

        let templates = Templates::new().unwrap();
        let instrument = default_instrument().unwrap();
        let kept = || templates.blank.lock().unwrap().len();
        let blank = section(&instrument, "sv", 0, &RawAnswers::new(), &[]).unwrap();
        assert!(blank.is_blank());
        let first = templates.section_questions(&instrument, "sv", &blank).unwrap();
        assert_eq!(kept(), 1);
        assert!(first.contains(r#"name="q.littering""#), "{first}");
        assert!(!first.contains(" checked"), "{first}");
        // Asked again: the same markup, from what was kept.
        assert_eq!(templates.section_questions(&instrument, "sv", &blank).unwrap(), first);
        assert_eq!(kept(), 1);
        // Another language is kept apart.
        let english = section(&instrument, "en", 0, &RawAnswers::new(), &[]).unwrap();
        let in_english = templates.section_questions(&instrument, "en", &english).unwrap();
        assert_ne!(in_english, first);
        assert_eq!(kept(), 2);
        // A resident's answer is shown, and nothing of it is kept.
        let item = &instrument.sections()[0].items[0];
        let code = instrument.choice_codes(item).unwrap()[0].to_owned();
        let raw = RawAnswers::from([(item.id.clone(), vec![code.clone()])]);
        let answered = section(&instrument, "sv", 0, &raw, &[]).unwrap();
        assert!(!answered.is_blank());
        let shown = templates.section_questions(&instrument, "sv", &answered).unwrap();
        assert!(shown.contains(&format!(r#"value="{code}" checked"#)), "{shown}");
        assert_eq!(kept(), 2);
        assert_eq!(templates.section_questions(&instrument, "sv", &blank).unwrap(), first);
    }

    #[test]
    fn staff_pages_speak_their_user_s_language() {
        let templates = Templates::new().unwrap();
        let env = &templates.env;
        let user = minijinja::context! { user => minijinja::context! { lang => "en" } };
        assert_eq!(env.render_str(r#"{{ t("next") }}"#, user).unwrap(), "Next");
        let both = minijinja::context! { lang => "sv", user => minijinja::context! { lang => "en" } };
        assert_eq!(env.render_str(r#"{{ t("next") }}"#, both).unwrap(), "Nästa");
    }
}
