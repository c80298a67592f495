use super::*;
use serde_json::json;

const SURVEY: &str = "4f0c2a51-0000-4000-8000-000000000001";
const EARLIER: &str = "4f0c2a51-0000-4000-8000-000000000002";
const ANNA: &str = "0a1b2c3d-0000-4000-8000-00000000000a";

/// The Swedish texts, as the service looks them up.
fn swedish(key: &str, values: &[(&str, &str)]) -> String {
    crate::i18n::text_with("sv", key, values)
}

fn english(key: &str, values: &[(&str, &str)]) -> String {
    crate::i18n::text_with("en", key, values)
}

fn names() -> Names {
    Names {
        accounts: HashMap::from([(ANNA.to_owned(), "Anna Berg".to_owned())]),
        emails: HashMap::from([("bo@sunne.se".to_owned(), "Bo Ek".to_owned())]),
        surveys: HashMap::from([
            (SURVEY.to_owned(), "Trygghetsmätning Värmland 2026".to_owned()),
            (EARLIER.to_owned(), "Trygghetsmätning Värmland 2025".to_owned()),
        ]),
        municipalities: HashMap::from([
            ("1766".to_owned(), "Sunne".to_owned()),
            ("1783".to_owned(), "Hagfors".to_owned()),
            ("1737".to_owned(), "Torsby".to_owned()),
        ]),
    }
}

/// An event of `action` by Anna Berg, with a detail of the shape the recording code writes.
fn sample(action: Action) -> (Option<&'static str>, Value) {
    let survey = Some(SURVEY);
    let person = Some("bo@sunne.se");
    match action {
        Action::SignIn => (None, json!({ "known_device": true })),
        Action::SignInFailed => (None, json!({ "failures": 3, "known_device": false })),
        Action::SignInRefused => (None, json!({ "reason": "too many failures", "known_device": false })),
        Action::SignOut => (None, json!({})),
        Action::UserCreated => (person, json!({ "role": "coordinator", "municipalities": ["1766", "1783"] })),
        Action::UserChanged => (person, json!({ "role": "viewer", "municipalities": ["1766"], "disabled": true })),
        Action::SessionsRevoked => (person, json!({ "sessions": 2, "tokens": 1 })),
        Action::PasswordChanged => (Some("anna@polisen.se"), json!({ "tokens_revoked": 2 })),
        Action::ApiTokenCreated => (Some("anna@polisen.se"), json!({ "name": "Nattlig export", "id": "t1" })),
        Action::ApiTokenRevoked => (Some("anna@polisen.se"), json!({ "id": "t1" })),
        Action::SurveyCreated => (
            survey,
            json!({ "title": "Trygghetsmätning Värmland 2026", "access": "codes",
            "municipalities": ["1766", "1783"], "instrument": ["trygghet", "1"], "min_base": 30, "min_cell": 5 }),
        ),
        Action::SurveyChanged => (
            survey,
            json!({ "min_base": 40, "min_cell": 5,
            "before": { "min_base": 30, "min_cell": 5 } }),
        ),
        Action::SurveyOpened | Action::SurveyClosed | Action::SurveyReopened => {
            (survey, json!({ "from": "draft", "to": "open" }))
        }
        Action::SurveyCopied => (survey, json!({ "copied_from": EARLIER, "title": "Trygghetsmätning Värmland 2026" })),
        Action::InstrumentImported => (
            Some("polisregion-vast 2027.1"),
            json!({ "key": "polisregion-vast",
            "version": "2027.1", "title": "Trygghet i Väst", "languages": ["sv"], "sections": 5, "items": 40 }),
        ),
        Action::TranslationReviewed => (
            Some("trygghetsmatning 2026.1 ar"),
            json!({ "key": "trygghetsmatning", "version": "2026.1", "language": "ar", "reviewer": "Amal Haddad" }),
        ),
        Action::TranslationReviewWithdrawn => (
            Some("trygghetsmatning 2026.1 ar"),
            json!({ "key": "trygghetsmatning", "version": "2026.1", "language": "ar" }),
        ),
        Action::SurveyLanguagesChanged => {
            (survey, json!({ "languages": ["sv", "ar"], "before": ["sv", "en"], "confirmed_drafts": ["ar"] }))
        }
        Action::PopulationMarginsSet => {
            (survey, json!({ "municipality": "1766", "totals": { "age_band": 12_400, "gender": 12_400 } }))
        }
        Action::CodesGenerated => (
            survey,
            json!({ "municipality": "1766", "count": 300, "first_letter": 1,
            "last_letter": 300, "batch": "b1" }),
        ),
        Action::LettersWithdrawn => (
            survey,
            json!({ "municipality": "1766", "count": 300, "first_letter": 1,
            "last_letter": 300, "batch": "b1" }),
        ),
        Action::ReminderListExported => (survey, json!({ "municipality": "1766", "letters": 250 })),
        Action::DispositionsImported => (
            survey,
            json!({ "recorded": 3, "by_disposition": { "moved_away": 2,
            "undeliverable": 1 }, "unchanged": 0, "replaced": [{ "letter_number": "1766-000012",
            "from": "undeliverable", "to": "moved_away" }] }),
        ),
        Action::PaperFormEntered => (survey, json!({ "municipality": "1783" })),
        Action::ResponsesDownloaded => (survey, json!({ "format": "excel", "free_text": false })),
        Action::CommentMasked | Action::CommentApproved | Action::CommentReviewReset => {
            (survey, json!({ "municipality": "1766", "item": "q.comment", "masked_passages": 2 }))
        }
        Action::SurveyPublished => (survey, json!({ "compared_with": EARLIER, "municipalities": 2 })),
        Action::PublicationWithdrawn => (survey, json!({})),
        Action::PromiseCreated => (
            Some("p1"),
            json!({ "municipality": "1766", "title": "Bättre belysning",
            "status": "planned", "starts_on": "2026-01-01", "ends_on": "2026-12-31", "targets": 1 }),
        ),
        Action::PromiseChanged => (
            Some("p1"),
            json!({ "municipality": "1766", "title": "Bättre belysning",
            "status": "ongoing", "before": { "title": "Belysning", "status": "planned" } }),
        ),
        Action::PromiseDeleted => (Some("p1"), json!({ "municipality": "1766", "title": "Bättre belysning" })),
        Action::AccessibilityProblemReported => {
            (None, json!({ "message": "Knappen syns inte i mörkt läge", "language": "sv" }))
        }
    }
}

fn said(action: Action, actor_email: Option<&str>, target: Option<&str>, detail: &Value) -> String {
    let detail = detail.to_string();
    let event = Event { action: action.as_str(), actor_user_id: Some(ANNA), actor_email, target, detail: &detail };
    sentence(event, &names(), &swedish)
}

#[test]
fn every_action_has_a_sentence_in_words() {
    for action in Action::ALL {
        let (target, detail) = sample(action);
        let text = said(action, Some("anna@polisen.se"), target, &detail);
        assert!(!text.contains(action.as_str()), "{action:?}: no action code in {text:?}");
        assert!(!text.contains("känner till"), "{action:?} has its own sentence: {text:?}");
        let without_letters = text.replace("1766-000012", "a letter");
        assert!(
            !text.contains('{') && !text.contains(SURVEY) && !without_letters.contains("1766"),
            "no JSON, ids or codes: {text:?}"
        );
        assert!(!text.is_empty());
        if action.targets_survey() && action != Action::SurveyCreated {
            assert!(text.contains("Trygghetsmätning Värmland 2026"), "{action:?} names its survey: {text:?}");
        }
    }
}

#[test]
fn sentences_read_as_a_coordinator_says_them() {
    let (target, detail) = sample(Action::PaperFormEntered);
    assert_eq!(
        said(Action::PaperFormEntered, None, target, &detail),
        "Anna Berg förde in en pappersenkät för Hagfors i Trygghetsmätning Värmland 2026"
    );
    let (target, detail) = sample(Action::CodesGenerated);
    assert!(
        said(Action::CodesGenerated, None, target, &detail)
            .starts_with("Anna Berg delade ut 300 koder för Sunne i Trygghetsmätning Värmland 2026")
    );
    let failed = Event {
        action: "sign_in_failed",
        actor_user_id: None,
        actor_email: Some("anna@polisen.se"),
        target: None,
        detail: r#"{"failures":1}"#,
    };
    assert_eq!(sentence(failed, &names(), &swedish), "Inloggning misslyckades för anna@polisen.se");
    let (target, detail) = sample(Action::UserCreated);
    assert_eq!(
        said(Action::UserCreated, None, target, &detail),
        "Anna Berg skapade kontot för Bo Ek (bo@sunne.se) som samordnare för Sunne och Hagfors"
    );
    let (target, detail) = sample(Action::SurveyChanged);
    assert_eq!(
        said(Action::SurveyChanged, None, target, &detail),
        "Anna Berg ändrade vad resultaten visar i Trygghetsmätning Värmland 2026: minsta bas 30 → 40"
    );
    let (target, detail) = sample(Action::DispositionsImported);
    assert_eq!(
        said(Action::DispositionsImported, None, target, &detail),
        "Anna Berg registrerade 3 returnerade brev i Trygghetsmätning Värmland 2026 (flyttat 2, obeställbar 1); \
         ändrade utfall: 1766-000012 obeställbar → flyttat"
    );
    let (target, detail) = sample(Action::PromiseChanged);
    assert_eq!(
        said(Action::PromiseChanged, None, target, &detail),
        "Anna Berg ändrade löftet ”Bättre belysning” för Sunne (tidigare ”Belysning”, planerat → pågår)"
    );
}

#[test]
fn people_are_named_and_missing_names_say_so() {
    let names = names();
    assert_eq!(names.actor(Some(ANNA), Some("anna@polisen.se"), &swedish), "Anna Berg");
    assert_eq!(
        names.actor(Some("gone"), Some("gammal@kommun.se"), &swedish),
        "gammal@kommun.se",
        "the address stands in"
    );
    assert_eq!(names.actor(None, Some("(kommandoraden)"), &swedish), "Någon vid kommandoraden");
    assert_eq!(names.actor(None, None, &swedish), "Någon");
    let gone =
        Event { action: "survey_closed", actor_user_id: None, actor_email: None, target: Some("x"), detail: "{}" };
    assert_eq!(sentence(gone, &names, &swedish), "Någon stängde enkäten (borttagen enkät)");
    let odd = Event { action: "sign_in", actor_user_id: None, actor_email: None, target: None, detail: "not json" };
    assert_eq!(sentence(odd, &names, &swedish), "Någon loggade in", "a detail that is not JSON is left out");
    let unknown = Event { action: "retired_action", actor_user_id: None, actor_email: None, target: None, detail: "" };
    assert!(sentence(unknown, &names, &swedish).contains("retired_action"));
    let report = json!({ "message": "å".repeat(400) }).to_string();
    let long = Event { action: "accessibility_problem_reported", detail: &report, ..unknown };
    assert_eq!(
        sentence(long, &names, &swedish).chars().filter(|c| *c == 'å').count(),
        300,
        "a long report is shortened"
    );
}

#[test]
fn the_action_pattern_lists_every_action() {
    let listed: Vec<&str> = Action::ALL.iter().map(|action| action.as_str()).collect();
    assert_eq!(ACTION_PATTERN, format!("^({})?$", listed.join("|")));
    for action in Action::ALL {
        assert_eq!(Action::parse(action.as_str()), Some(action));
    }
}

/// Every action the code names is one of [`Action::ALL`] (so it is in the filter and the pattern), and nothing records
/// an event by a bare string: `Actor::event` takes an [`Action`], whose sentence the compiler makes sure of.
#[test]
fn every_action_recorded_in_the_code_is_known() {
    let mut sources = Vec::new();
    let mut folders = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(folder).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|extension| extension == "rs") && !path.ends_with("tests.rs") {
                sources.push((path.clone(), std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    let known: Vec<String> = Action::ALL.iter().map(|action| format!("{action:?}")).collect();
    let mut recorded = 0;
    for (path, text) in &sources {
        for (at, _) in text.match_indices("Action::") {
            let name: String = text[at + 8..].chars().take_while(char::is_ascii_alphanumeric).collect();
            if name.starts_with(char::is_uppercase) && name != "ALL" {
                assert!(known.contains(&name), "{}: Action::{name} is not in Action::ALL", path.display());
            }
        }
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (at, _) in code.match_indices(".event(") {
            let argument = code[at + 7..].trim_start();
            assert!(!argument.starts_with('"'), "{}: an event recorded by a bare string", path.display());
            recorded += 1;
        }
    }
    assert!(recorded >= 25, "the recording code was found ({recorded} calls)");
}

#[test]
fn a_filter_is_as_strict_as_its_patterns() {
    assert_eq!(Filter::parse("", "", "", ""), Ok(Filter::default()));
    let filter = Filter::parse(ANNA, "codes_generated", "2026-03-29", "2026-10-25").unwrap();
    assert_eq!(filter.user.as_deref(), Some(ANNA));
    assert_eq!(filter.action, Some(Action::CodesGenerated));
    // Summer time began on 29 March 2026 and ended on 25 October: midnight is 23:00 or 22:00 UTC the day before.
    assert_eq!(filter.starts_at().unwrap().to_string(), "2026-03-28 23:00:00");
    assert_eq!(filter.ends_before().unwrap().to_string(), "2026-10-25 23:00:00");
    assert!(!filter.is_reversed());
    assert!(Filter::parse("", "", "2026-12-05", "2026-12-04").unwrap().is_reversed());
    assert_eq!(Filter::parse("", "", "", "9999-12-31").unwrap().ends_before(), None, "no day after the calendar");
    assert!(Filter::parse("", "", "0000-01-01", "").unwrap().starts_at().is_some());
    assert!(Filter::parse("", "", "2024-02-29", "2000-02-29").is_ok(), "leap days");

    let fields = |user, action, from, to| -> Vec<&'static str> {
        Filter::parse(user, action, from, to).unwrap_err().into_iter().map(|error| error.field).collect()
    };
    assert_eq!(fields("anna", "", "", ""), ["user"]);
    let shouted = ANNA.to_uppercase();
    assert_eq!(fields(&shouted, "", "", ""), ["user"]);
    for action in ["SIGN_IN", " sign_in", "sign_in ", "sign", "paper_form_entered\0"] {
        assert_eq!(fields("", action, "", ""), ["action"], "{action:?}");
    }
    for day in ["2026-02-29", "1900-02-29", "2026-13-01", "2026-1-5", " 2026-01-05", "+2026-01-05", "05.12.2026", "x"] {
        assert_eq!(fields("", "", day, day), ["from", "to"], "{day:?}");
    }
}

#[test]
fn times_are_shown_as_in_sweden() {
    let winter = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap().and_hms_opt(8, 17, 51).unwrap();
    assert_eq!(swedish_time(winter), "2026-12-05 09:17");
    let summer = NaiveDate::from_ymd_opt(2026, 6, 18).unwrap().and_hms_opt(22, 30, 0).unwrap();
    assert_eq!(swedish_time(summer), "2026-06-19 00:30");
}

proptest::proptest! {
    /// Whatever the API document's patterns allow, the filter takes.
    #[test]
    fn what_the_patterns_allow_is_taken(
        day in proptest::string::string_regex(&DAY_PATTERN[1..DAY_PATTERN.len() - 1]).unwrap(),
        user in proptest::string::string_regex(&USER_PATTERN[1..USER_PATTERN.len() - 1]).unwrap(),
        action in proptest::string::string_regex(&ACTION_PATTERN[1..ACTION_PATTERN.len() - 1]).unwrap(),
    ) {
        let filter = Filter::parse(&user, &action, &day, &day);
        proptest::prop_assert!(filter.is_ok(), "{user:?} {action:?} {day:?}: {filter:?}");
        let filter = filter.unwrap();
        let _bounds = (filter.starts_at(), filter.ends_before());
    }
}

#[test]
fn every_sentence_comes_in_english_too() {
    for action in Action::ALL {
        let (target, detail) = sample(action);
        let detail = detail.to_string();
        let event = Event {
            action: action.as_str(),
            actor_user_id: Some(ANNA),
            actor_email: Some("anna@polisen.se"),
            target,
            detail: &detail,
        };
        let english = sentence(event, &names(), &english);
        assert!(
            !english.contains("%{") && !english.contains("audit."),
            "{action:?}: every value filled in: {english:?}"
        );
        assert_ne!(english, sentence(event, &names(), &swedish), "{action:?} has its own English sentence");
    }
    let detail = json!({ "count": 300, "municipality": "1766", "first_letter": 1, "last_letter": 300 }).to_string();
    let codes = Event {
        action: "codes_generated",
        actor_user_id: Some(ANNA),
        actor_email: None,
        target: Some(SURVEY),
        detail: &detail,
    };
    assert_eq!(
        sentence(codes, &names(), &english),
        "Anna Berg handed out 300 codes for Sunne in Trygghetsmätning Värmland 2026 (letters 1–300)"
    );
    let created = json!({ "role": "coordinator", "municipalities": ["1766", "1783", "1737"] }).to_string();
    let created = Event {
        action: "user_created",
        actor_user_id: Some(ANNA),
        actor_email: None,
        target: Some("bo@sunne.se"),
        detail: &created,
    };
    assert_eq!(
        sentence(created, &names(), &english),
        "Anna Berg created the account for Bo Ek (bo@sunne.se) as a coordinator for Sunne, Hagfors and Torsby"
    );
}
