//! The audit log in words. Every action the service records is one [`Action`]: the recording code can name no other,
//! so every recorded action has its Swedish sentence ([`sentence`]) and its name in the log's filter (the text
//! `audit_action.<stored value>` in `locales/`). An event's
//! detail (JSON) is read here, and only what matters to the reader becomes words: counts, from → to, names. People,
//! surveys and municipalities are named by the [`Names`] the caller looked up, never by their ids or codes.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use serde_json::Value;

use crate::domain::dispositions::Disposition;
use crate::domain::format::number;
use crate::domain::promise::PromiseStatus;
use crate::domain::role::Role;

/// What was done, as the audit log stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    SignIn,
    SignInFailed,
    SignInRefused,
    SignOut,
    UserCreated,
    UserChanged,
    SessionsRevoked,
    PasswordChanged,
    ApiTokenCreated,
    ApiTokenRevoked,
    SurveyCreated,
    SurveyChanged,
    SurveyOpened,
    SurveyClosed,
    SurveyReopened,
    SurveyCopied,
    InstrumentImported,
    TranslationReviewed,
    TranslationReviewWithdrawn,
    SurveyLanguagesChanged,
    PopulationMarginsSet,
    CodesGenerated,
    LettersWithdrawn,
    ReminderListExported,
    DispositionsImported,
    PaperFormEntered,
    ResponsesDownloaded,
    CommentMasked,
    CommentApproved,
    CommentReviewReset,
    SurveyPublished,
    PublicationWithdrawn,
    PromiseCreated,
    PromiseChanged,
    PromiseDeleted,
    AccessibilityProblemReported,
}

impl Action {
    /// Every action, in the order the log's filter lists them.
    pub const ALL: [Self; 36] = [
        Self::SignIn,
        Self::SignInFailed,
        Self::SignInRefused,
        Self::SignOut,
        Self::UserCreated,
        Self::UserChanged,
        Self::SessionsRevoked,
        Self::PasswordChanged,
        Self::ApiTokenCreated,
        Self::ApiTokenRevoked,
        Self::SurveyCreated,
        Self::SurveyChanged,
        Self::SurveyOpened,
        Self::SurveyClosed,
        Self::SurveyReopened,
        Self::SurveyCopied,
        Self::InstrumentImported,
        Self::TranslationReviewed,
        Self::TranslationReviewWithdrawn,
        Self::SurveyLanguagesChanged,
        Self::PopulationMarginsSet,
        Self::CodesGenerated,
        Self::LettersWithdrawn,
        Self::ReminderListExported,
        Self::DispositionsImported,
        Self::PaperFormEntered,
        Self::ResponsesDownloaded,
        Self::CommentMasked,
        Self::CommentApproved,
        Self::CommentReviewReset,
        Self::SurveyPublished,
        Self::PublicationWithdrawn,
        Self::PromiseCreated,
        Self::PromiseChanged,
        Self::PromiseDeleted,
        Self::AccessibilityProblemReported,
    ];

    /// The stored value (and the API's `action`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignIn => "sign_in",
            Self::SignInFailed => "sign_in_failed",
            Self::SignInRefused => "sign_in_refused",
            Self::SignOut => "sign_out",
            Self::UserCreated => "user_created",
            Self::UserChanged => "user_changed",
            Self::SessionsRevoked => "sessions_revoked",
            Self::PasswordChanged => "password_changed",
            Self::ApiTokenCreated => "api_token_created",
            Self::ApiTokenRevoked => "api_token_revoked",
            Self::SurveyCreated => "survey_created",
            Self::SurveyChanged => "survey_changed",
            Self::SurveyOpened => "survey_opened",
            Self::SurveyClosed => "survey_closed",
            Self::SurveyReopened => "survey_reopened",
            Self::SurveyCopied => "survey_copied",
            Self::InstrumentImported => "instrument_imported",
            Self::TranslationReviewed => "translation_reviewed",
            Self::TranslationReviewWithdrawn => "translation_review_withdrawn",
            Self::SurveyLanguagesChanged => "survey_languages_changed",
            Self::PopulationMarginsSet => "population_margins_set",
            Self::CodesGenerated => "codes_generated",
            Self::LettersWithdrawn => "letters_withdrawn",
            Self::ReminderListExported => "reminder_list_exported",
            Self::DispositionsImported => "dispositions_imported",
            Self::PaperFormEntered => "paper_form_entered",
            Self::ResponsesDownloaded => "responses_downloaded",
            Self::CommentMasked => "comment_masked",
            Self::CommentApproved => "comment_approved",
            Self::CommentReviewReset => "comment_review_reset",
            Self::SurveyPublished => "survey_published",
            Self::PublicationWithdrawn => "publication_withdrawn",
            Self::PromiseCreated => "promise_created",
            Self::PromiseChanged => "promise_changed",
            Self::PromiseDeleted => "promise_deleted",
            Self::AccessibilityProblemReported => "accessibility_problem_reported",
        }
    }

    /// Reads a stored value: exactly what [`Action::as_str`] wrote.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|action| action.as_str() == text)
    }

    /// Whether the event's target is a survey's id.
    pub fn targets_survey(self) -> bool {
        matches!(
            self,
            Self::SurveyCreated
                | Self::SurveyChanged
                | Self::SurveyOpened
                | Self::SurveyClosed
                | Self::SurveyReopened
                | Self::SurveyCopied
                | Self::SurveyLanguagesChanged
                | Self::PopulationMarginsSet
                | Self::CodesGenerated
                | Self::LettersWithdrawn
                | Self::ReminderListExported
                | Self::DispositionsImported
                | Self::PaperFormEntered
                | Self::ResponsesDownloaded
                | Self::CommentMasked
                | Self::CommentApproved
                | Self::CommentReviewReset
                | Self::SurveyPublished
                | Self::PublicationWithdrawn
        )
    }
}

/// The API's pattern for `action`: one of the stored values, or empty for every action. A test keeps it equal to
/// [`Action::ALL`].
pub const ACTION_PATTERN: &str = "^(sign_in|sign_in_failed|sign_in_refused|sign_out|user_created|user_changed|\
sessions_revoked|password_changed|api_token_created|api_token_revoked|survey_created|survey_changed|survey_opened|\
survey_closed|survey_reopened|survey_copied|instrument_imported|translation_reviewed|translation_review_withdrawn|\
survey_languages_changed|population_margins_set|codes_generated|\
letters_withdrawn|reminder_list_exported|dispositions_imported|paper_form_entered|responses_downloaded|\
comment_masked|comment_approved|comment_review_reset|survey_published|publication_withdrawn|promise_created|\
promise_changed|promise_deleted|accessibility_problem_reported)?$";

/// The API's pattern for `user`: an account's id (a UUID in lower case), or empty for everyone.
pub const USER_PATTERN: &str = "^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?$";

/// The API's pattern for `from` and `to`: a real calendar day as YYYY-MM-DD (29 February in leap years only), or
/// empty for no bound.
pub const DAY_PATTERN: &str = "^(([0-9]{4}-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|\
02-(0[1-9]|1[0-9]|2[0-8])))|(([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)-02-29))?$";

/// Which events to show: by whom, which action, and between which Swedish days (both included).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// An account's id.
    pub user: Option<String>,
    pub action: Option<Action>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// A filter field that could not be read, and why: `unknown` (not one of the list's), `day_shape` (not written as
/// YYYY-MM-DD) or `no_such_day`. Pages word it with the text `admin.audit.filter.<field>.<code>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    pub field: &'static str,
    pub code: &'static str,
}

impl Filter {
    /// Reads the filter as typed; an empty field filters nothing. Exactly as strict as the API's patterns: nothing is
    /// trimmed, and an action must be one of the stored values.
    pub fn parse(user: &str, action: &str, from: &str, to: &str) -> Result<Self, Vec<FilterError>> {
        let mut errors = Vec::new();
        let mut refuse = |field, code| errors.push(FilterError { field, code });
        let user = match user {
            "" => None,
            id if is_account_id(id) => Some(id.to_owned()),
            _ => {
                refuse("user", "unknown");
                None
            }
        };
        let action = match action {
            "" => None,
            text => Action::parse(text).or_else(|| {
                refuse("action", "unknown");
                None
            }),
        };
        let from = parse_day(from).unwrap_or_else(|error| {
            refuse("from", error.code());
            None
        });
        let to = parse_day(to).unwrap_or_else(|error| {
            refuse("to", error.code());
            None
        });
        if errors.is_empty() { Ok(Self { user, action, from, to }) } else { Err(errors) }
    }

    /// Whether the days are given the wrong way round, so that no event can be in between.
    pub fn is_reversed(&self) -> bool {
        matches!((self.from, self.to), (Some(from), Some(to)) if from > to)
    }

    /// The first instant (UTC) of the `from` day in Sweden.
    pub fn starts_at(&self) -> Option<NaiveDateTime> {
        self.from.and_then(swedish_midnight)
    }

    /// The first instant (UTC) after the `to` day in Sweden; `None` also for a day at the end of the calendar.
    pub fn ends_before(&self) -> Option<NaiveDateTime> {
        self.to
            .and_then(|day| day.succ_opt())
            .filter(|day| chrono::Datelike::year(day) <= 9999)
            .and_then(swedish_midnight)
    }
}

/// Whether `text` is an account id as the service makes them: a UUID, hyphenated, in lower case.
fn is_account_id(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.iter().map(|group| group.len()).eq([8, 4, 4, 4, 12])
        && groups.iter().all(|group| group.bytes().all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f')))
}

/// Why a day could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DayError {
    /// Not written as YYYY-MM-DD.
    Shape,
    /// Written so, but no such day (2026-02-30).
    NoSuchDay,
}

impl DayError {
    fn code(self) -> &'static str {
        match self {
            Self::Shape => "day_shape",
            Self::NoSuchDay => "no_such_day",
        }
    }
}

/// A day as YYYY-MM-DD (exactly: four, two and two digits), `None` when empty.
fn parse_day(text: &str) -> Result<Option<NaiveDate>, DayError> {
    if text.is_empty() {
        return Ok(None);
    }
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes
            .iter()
            .enumerate()
            .all(|(at, byte)| if at == 4 || at == 7 { *byte == b'-' } else { byte.is_ascii_digit() });
    if !shaped {
        return Err(DayError::Shape);
    }
    let part = |range: std::ops::Range<usize>| text[range].parse::<u32>().unwrap_or(0);
    let year = i32::try_from(part(0..4)).unwrap_or(0);
    NaiveDate::from_ymd_opt(year, part(5..7), part(8..10)).map(Some).ok_or(DayError::NoSuchDay)
}

/// The instant (UTC) a Swedish day begins.
fn swedish_midnight(day: NaiveDate) -> Option<NaiveDateTime> {
    let midnight = day.and_hms_opt(0, 0, 0)?;
    chrono_tz::Europe::Stockholm.from_local_datetime(&midnight).earliest().map(|time| time.naive_utc())
}

/// A stored (UTC) instant as Swedes read it: local time in Sweden, "2026-12-05 09:17".
pub fn swedish_time(instant: NaiveDateTime) -> String {
    instant.and_utc().with_timezone(&chrono_tz::Europe::Stockholm).format("%Y-%m-%d %H:%M").to_string()
}

/// The names an event's ids and codes stand for, looked up by the caller.
#[derive(Debug, Clone, Default)]
pub struct Names {
    /// An account's id → its display name, or its e-mail address when it has none.
    pub accounts: HashMap<String, String>,
    /// An account's e-mail address → its display name, when it has one.
    pub emails: HashMap<String, String>,
    /// A survey's id → its title.
    pub surveys: HashMap<String, String>,
    /// A municipality's code → its name.
    pub municipalities: HashMap<String, String>,
}

impl Names {
    /// Who acted: by name, else by e-mail address, else in `words`.
    pub fn actor(&self, user_id: Option<&str>, email: Option<&str>, words: Words<'_>) -> String {
        if let Some(name) = user_id.and_then(|id| self.accounts.get(id)) {
            return name.clone();
        }
        match email {
            Some("(kommandoraden)") => words("audit.someone_at_the_command_line", &[]),
            Some(email) => self.person(email),
            None => words("audit.someone", &[]),
        }
    }

    /// An account named by its e-mail address: its name and address, or the address alone.
    fn person(&self, email: &str) -> String {
        match self.emails.get(email) {
            Some(name) => format!("{name} ({email})"),
            None => email.to_owned(),
        }
    }

    fn survey(&self, id: Option<&str>, words: Words<'_>) -> String {
        id.and_then(|id| self.surveys.get(id)).cloned().unwrap_or_else(|| words("audit.removed_survey", &[]))
    }

    fn municipality(&self, code: &str, words: Words<'_>) -> String {
        self.municipalities.get(code).cloned().unwrap_or_else(|| words("audit.municipality_code", &[("code", code)]))
    }

    /// A list of municipalities by name: "Sunne, Hagfors och Torsby".
    fn municipalities(&self, codes: &Value, words: Words<'_>) -> String {
        let names: Vec<String> = codes
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|code| self.municipality(code, words))
            .collect();
        listed(&names, words)
    }
}

/// The words sentences are made of: the text `key` (`audit.survey_opened`, `role.viewer`, …) in the reader's
/// language with each `%{name}` filled in. The caller looks them up in `locales/`; the domain only says which.
pub type Words<'a> = &'a dyn Fn(&str, &[(&str, &str)]) -> String;

/// One stored event, as [`sentence`] reads it.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    pub action: &'a str,
    pub actor_user_id: Option<&'a str>,
    pub actor_email: Option<&'a str>,
    pub target: Option<&'a str>,
    pub detail: &'a str,
}

/// The event in one sentence of `words` (the texts `audit.*`), names as they were written, e.g. in Swedish "Anna Berg
/// delade ut 300 koder för Sunne i Trygghetsmätning 2026".
pub fn sentence(event: Event<'_>, names: &Names, words: Words<'_>) -> String {
    let detail: Value = serde_json::from_str(event.detail).unwrap_or(Value::Null);
    let who = names.actor(event.actor_user_id, event.actor_email, words);
    let say = |key: &str, values: &[(&str, &str)]| {
        let mut all = vec![("who", who.as_str())];
        all.extend_from_slice(values);
        words(&format!("audit.{key}"), &all)
    };
    let Some(action) = Action::parse(event.action) else {
        return say("unknown", &[("action", event.action)]);
    };
    let text = |key: &str| detail.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
    let count = |key: &str| number(detail.get(key).and_then(Value::as_i64).unwrap_or(0));
    let survey = names.survey(event.target, words);
    let municipality = names.municipality(&text("municipality"), words);
    let target_person = names.person(event.target.unwrap_or_default());
    let role_name = |role: Role| words(&format!("role.{}", role.as_str()), &[]).to_lowercase();
    let status_name = |status: PromiseStatus| words(&format!("promise_status.{}", status.as_str()), &[]).to_lowercase();
    let listed_municipalities = |key: &str| or_none(names.municipalities(&detail[key], words), words);
    let (s, m, p) = (survey.as_str(), municipality.as_str(), target_person.as_str());
    match action {
        Action::SignIn => say("sign_in", &[]),
        Action::SignInFailed => {
            let tries = detail.get("failures").and_then(Value::as_i64).unwrap_or(0);
            let tries =
                if tries > 1 { words("audit.failed_in_a_row", &[("count", &number(tries))]) } else { String::new() };
            say("sign_in_failed", &[("email", &attempted(event.actor_email, words)), ("tries", &tries)])
        }
        Action::SignInRefused => say("sign_in_refused", &[("email", &attempted(event.actor_email, words))]),
        Action::SignOut => say("sign_out", &[]),
        Action::UserCreated => match Role::parse(&text("role")) {
            Some(Role::Admin) | None => say("user_created_admin", &[("person", p)]),
            Some(role) => say(
                "user_created",
                &[
                    ("person", p),
                    ("role", &role_name(role)),
                    ("municipalities", &listed_municipalities("municipalities")),
                ],
            ),
        },
        Action::UserChanged => {
            let mut changes = Vec::new();
            if let Some(role) = Role::parse(&text("role")) {
                changes.push(words("audit.change_role", &[("role", &role_name(role))]));
            }
            if detail["municipalities"].is_array() {
                let listed = listed_municipalities("municipalities");
                changes.push(words("audit.change_municipalities", &[("municipalities", &listed)]));
            }
            match detail["disabled"].as_bool() {
                Some(true) => changes.push(words("audit.change_disabled", &[])),
                Some(false) => changes.push(words("audit.change_enabled", &[])),
                None => {}
            }
            let changes = if changes.is_empty() { String::new() } else { format!(": {}", changes.join(", ")) };
            say("user_changed", &[("person", p), ("changes", &changes)])
        }
        Action::SessionsRevoked => say(
            "sessions_revoked",
            &[
                ("person", p),
                ("sessions", &counted(&detail, "sessions", "audit.sessions", words)),
                ("tokens", &counted(&detail, "tokens", "audit.tokens", words)),
            ],
        ),
        Action::PasswordChanged => match detail["tokens_revoked"].as_i64().unwrap_or(0) {
            0 => say("password_changed", &[]),
            _ => say(
                "password_changed_tokens",
                &[("tokens", &counted(&detail, "tokens_revoked", "audit.tokens", words))],
            ),
        },
        Action::ApiTokenCreated => say("api_token_created", &[("name", &text("name"))]),
        Action::ApiTokenRevoked => say("api_token_revoked", &[]),
        Action::SurveyCreated => {
            let title = names.surveys.get(event.target.unwrap_or_default()).cloned().unwrap_or_else(|| text("title"));
            say("survey_created", &[("survey", &title), ("municipalities", &listed_municipalities("municipalities"))])
        }
        Action::SurveyChanged => match detail.get("before") {
            Some(before) => {
                let mut changes = Vec::new();
                for key in ["min_base", "min_cell"] {
                    let (old, new) = (before[key].as_i64(), detail[key].as_i64());
                    if let (Some(old), Some(new)) = (old, new)
                        && old != new
                    {
                        let label = words(&format!("audit.{key}"), &[]);
                        changes.push(format!("{label} {} → {}", number(old), number(new)));
                    }
                }
                let changes = if changes.is_empty() { words("audit.unchanged", &[]) } else { changes.join(", ") };
                say("survey_disclosure_changed", &[("survey", s), ("changes", &changes)])
            }
            None => {
                say("survey_changed", &[("survey", s), ("municipalities", &listed_municipalities("municipalities"))])
            }
        },
        Action::SurveyOpened => say("survey_opened", &[("survey", s)]),
        Action::SurveyClosed => say("survey_closed", &[("survey", s)]),
        Action::SurveyReopened => say("survey_reopened", &[("survey", s)]),
        Action::SurveyCopied => {
            let source = names.survey(detail["copied_from"].as_str(), words);
            say("survey_copied", &[("source", &source), ("survey", s)])
        }
        Action::InstrumentImported => say(
            "instrument_imported",
            &[
                ("title", &text("title")),
                ("version", &text("version")),
                ("sections", &count("sections")),
                ("items", &count("items")),
            ],
        ),
        Action::TranslationReviewed => say(
            "translation_reviewed",
            &[("language", &text("language")), ("version", &text("version")), ("reviewer", &text("reviewer"))],
        ),
        Action::TranslationReviewWithdrawn => {
            say("translation_review_withdrawn", &[("language", &text("language")), ("version", &text("version"))])
        }
        Action::SurveyLanguagesChanged => {
            let listed = |key: &str| {
                detail[key].as_array().into_iter().flatten().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")
            };
            say("survey_languages_changed", &[("survey", s), ("languages", &listed("languages"))])
        }
        Action::PopulationMarginsSet => {
            let totals = detail["totals"].as_object();
            let items = totals.map_or(0, |totals| totals.len());
            let people = totals.into_iter().flatten().filter_map(|(_, total)| total.as_i64()).max().unwrap_or(0);
            let (items, people) = (number(items as i64), number(people));
            let values = [("municipality", m), ("survey", s), ("items", items.as_str()), ("people", people.as_str())];
            match items.as_str() {
                "0" => say("population_removed", &values),
                "1" => say("population_set_one", &values),
                _ => say("population_set", &values),
            }
        }
        Action::CodesGenerated => say(
            "codes_generated",
            &[
                ("count", &count("count")),
                ("municipality", m),
                ("survey", s),
                ("first", &count("first_letter")),
                ("last", &count("last_letter")),
            ],
        ),
        Action::LettersWithdrawn => say(
            "letters_withdrawn",
            &[
                ("count", &count("count")),
                ("municipality", m),
                ("survey", s),
                ("first", &count("first_letter")),
                ("last", &count("last_letter")),
            ],
        ),
        Action::ReminderListExported => {
            say("reminder_list_exported", &[("count", &count("letters")), ("municipality", m), ("survey", s)])
        }
        Action::DispositionsImported => dispositions_imported(&who, s, &detail, words),
        Action::PaperFormEntered => say("paper_form_entered", &[("municipality", m), ("survey", s)]),
        Action::ResponsesDownloaded => {
            let format = if text("format") == "rfc4180" { "audit.format_rfc4180" } else { "audit.format_excel" };
            let free_text = if detail["free_text"].as_bool() == Some(true) {
                "responses_downloaded_with_free_text"
            } else {
                "responses_downloaded"
            };
            say(free_text, &[("survey", s), ("format", &words(format, &[]))])
        }
        Action::CommentMasked => {
            say("comment_masked", &[("municipality", m), ("survey", s), ("count", &count("masked_passages"))])
        }
        Action::CommentApproved => say("comment_approved", &[("municipality", m), ("survey", s)]),
        Action::CommentReviewReset => say("comment_review_reset", &[("municipality", m), ("survey", s)]),
        Action::SurveyPublished => match detail["compared_with"].as_str() {
            Some(earlier) => {
                say("survey_published_compared", &[("survey", s), ("earlier", &names.survey(Some(earlier), words))])
            }
            None => say("survey_published", &[("survey", s)]),
        },
        Action::PublicationWithdrawn => say("publication_withdrawn", &[("survey", s)]),
        Action::PromiseCreated => {
            let status = PromiseStatus::parse(&text("status")).map(status_name);
            let status = status.map(|status| format!(" ({status})")).unwrap_or_default();
            say("promise_created", &[("title", &text("title")), ("municipality", m), ("status", &status)])
        }
        Action::PromiseChanged => {
            let before = &detail["before"];
            let mut changes = Vec::new();
            let old_title = before["title"].as_str().unwrap_or_default();
            if !old_title.is_empty() && old_title != text("title") {
                changes.push(words("audit.formerly", &[("title", old_title)]));
            }
            let status = |value: &Value| value.as_str().and_then(PromiseStatus::parse);
            if let (Some(old), Some(new)) = (status(&before["status"]), status(&detail["status"]))
                && old != new
            {
                changes.push(format!("{} → {}", status_name(old), status_name(new)));
            }
            let changes = if changes.is_empty() { String::new() } else { format!(" ({})", changes.join(", ")) };
            say("promise_changed", &[("title", &text("title")), ("municipality", m), ("changes", &changes)])
        }
        Action::PromiseDeleted => say("promise_deleted", &[("title", &text("title")), ("municipality", m)]),
        Action::AccessibilityProblemReported => {
            say("accessibility_problem_reported", &[("message", &shortened(&text("message"), 300))])
        }
    }
}

/// The returned letters of an import in words: how many, of what kind, and which replaced an earlier outcome.
fn dispositions_imported(who: &str, survey: &str, detail: &Value, words: Words<'_>) -> String {
    let label = |value: &str| {
        value
            .parse::<Disposition>()
            .map_or_else(|_| value.to_owned(), |d| words(&format!("disposition.{}", d.as_str()), &[]).to_lowercase())
    };
    let kinds: Vec<String> = detail["by_disposition"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(kind, n)| format!("{} {}", label(kind), number(n.as_i64().unwrap_or(0))))
        .collect();
    let recorded = number(detail["recorded"].as_i64().unwrap_or(0));
    let mut sentence = words("audit.dispositions_imported", &[("who", who), ("count", &recorded), ("survey", survey)]);
    if !kinds.is_empty() {
        sentence.push_str(&format!(" ({})", kinds.join(", ")));
    }
    let replaced = detail["replaced"].as_array().map(Vec::as_slice).unwrap_or_default();
    if !replaced.is_empty() {
        let shown: Vec<String> = replaced
            .iter()
            .take(5)
            .map(|change| {
                let letter = change["letter_number"].as_str().unwrap_or_default();
                let (from, to) =
                    (change["from"].as_str().unwrap_or_default(), change["to"].as_str().unwrap_or_default());
                format!("{letter} {} → {}", label(from), label(to))
            })
            .collect();
        let more = replaced.len().saturating_sub(shown.len());
        let more = if more > 0 { words("audit.and_more", &[("count", &number(more as i64))]) } else { String::new() };
        let changes = format!("{}{more}", shown.join(", "));
        sentence.push_str(&words("audit.changed_outcomes", &[("changes", &changes)]));
    }
    sentence
}

/// The address a failed sign-in was tried with (only something that looks like an address is logged).
fn attempted(email: Option<&str>, words: Words<'_>) -> String {
    email.map_or_else(|| words("audit.not_an_address", &[]), str::to_owned)
}

/// A count of a detail with its noun: "1 inloggning", "2 inloggningar" (the texts `<noun>_one` and `<noun>_many`).
fn counted(detail: &Value, key: &str, noun: &str, words: Words<'_>) -> String {
    match detail[key].as_i64().unwrap_or(0) {
        1 => words(&format!("{noun}_one"), &[]),
        n => words(&format!("{noun}_many"), &[("count", &number(n))]),
    }
}

/// "inga kommuner" for an empty list.
fn or_none(list: String, words: Words<'_>) -> String {
    if list.is_empty() { words("audit.no_municipalities", &[]) } else { list }
}

/// "a", "a och b", "a, b och c".
fn listed(names: &[String], words: Words<'_>) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => words("audit.and", &[("first", &rest.join(", ")), ("last", last)]),
    }
}

/// At most `max` characters of `text`, with "…" when cut.
fn shortened(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests;
