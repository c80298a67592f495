//! The languages residents read: a survey offers its questionnaire's own language and those its coordinator turned
//! on; a translation no native speaker has reviewed is a draft, turned on only with a confirmation and said to be a
//! draft on the welcome page; an administrator records a native speaker's review (and may withdraw it). Every change
//! is in the audit log.

use reqwest::Method;
use serde_json::{Value, json};
use trygghet::domain::instrument::{Instrument, Item, ItemKind, default_instrument};

use crate::answer::{Resident, period};
use crate::helpers::{Backend, Browser, spawn_app};
use crate::on_both_backends;

const TRANSLATIONS: &str = "/api/v1/instruments/trygghetsmatning/2026.1/translations";

/// The languages' codes with their status, and those offered, as the survey's list gives them.
async fn survey_languages(staff: &Browser, id: &str) -> (Vec<(String, String)>, Vec<String>) {
    let response = staff.get(&format!("/api/v1/surveys/{id}/languages")).await;
    assert_eq!(response.status(), 200);
    let list: Vec<Value> = response.json().await.unwrap();
    let statuses = list
        .iter()
        .map(|language| {
            (language["code"].as_str().unwrap().to_owned(), language["status"].as_str().unwrap().to_owned())
        })
        .collect();
    let offered = list
        .iter()
        .filter(|language| language["offered"] == true)
        .map(|language| language["code"].as_str().unwrap().to_owned())
        .collect();
    (statuses, offered)
}

async fn set_languages(staff: &Browser, id: &str, body: Value) -> (u16, Value) {
    let response = staff.send_json(Method::PUT, &format!("/api/v1/surveys/{id}/languages"), &body).await;
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn a_survey_offers_the_languages_turned_on_and_says_which_are_drafts(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let admin = app.staff("admin@polisen.se", "admin", &[]).await;
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783"]).await;
    let (opens_on, closes_on) = period();
    let body = json!({ "title": "Trygghetsmätning 2026", "opens_on": opens_on, "closes_on": closes_on,
        "access": "codes", "sender": "Polisen och Hagfors kommun", "contact": { "phone": "0563-185 00" },
        "municipalities": [{ "code": "1783", "sample_size": 300 }] });
    let created = staff.send_json(Method::POST, "/api/v1/surveys", &body).await;
    assert_eq!(created.status(), 201);
    let id = created.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();

    // A new survey offers the questionnaire's own language only; every other is a draft until reviewed.
    let (statuses, offered) = survey_languages(&staff, &id).await;
    let expected: Vec<(String, String)> = [
        ("sv", "source"),
        ("en", "draft"),
        ("ar", "draft"),
        ("fa", "draft"),
        ("fi", "draft"),
        ("so", "draft"),
        ("ti", "draft"),
    ]
    .iter()
    .map(|(code, status)| ((*code).to_owned(), (*status).to_owned()))
    .collect();
    assert_eq!(statuses, expected);
    assert_eq!(offered, ["sv"]);

    // A draft is turned on only with a confirmation; an unknown language never.
    let (status, refused) = set_languages(&staff, &id, json!({ "languages": ["ar"] })).await;
    assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("confirm_drafts")), "{refused}");
    assert!(refused["error"]["message"].as_str().unwrap().contains("ar"), "{refused}");
    let (status, refused) = set_languages(&staff, &id, json!({ "languages": ["de"], "confirm_drafts": true })).await;
    assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("languages")), "{refused}");
    assert_eq!(survey_languages(&staff, &id).await.1, ["sv"], "nothing changed");
    let (status, list) = set_languages(&staff, &id, json!({ "languages": ["ar"], "confirm_drafts": true })).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(survey_languages(&staff, &id).await.1, ["sv", "ar"], "the questionnaire's own language is kept");

    // Only an administrator records a review, of a translation (not the own language) the questionnaire has.
    let review = json!({ "reviewer": "Hodan Ali" });
    let path = format!("{TRANSLATIONS}/so/review");
    assert_eq!(staff.send_json(Method::PUT, &path, &review).await.status(), 403);
    let own = admin.send_json(Method::PUT, &format!("{TRANSLATIONS}/sv/review"), &review).await;
    assert_eq!(own.status(), 422);
    let unknown = admin.send_json(Method::PUT, &format!("{TRANSLATIONS}/de/review"), &review).await;
    assert_eq!(unknown.status(), 404);
    let nameless = admin.send_json(Method::PUT, &path, &json!({ "reviewer": " " })).await;
    assert_eq!(nameless.status(), 422);
    let recorded = admin.send_json(Method::PUT, &path, &review).await;
    assert_eq!(recorded.status(), 200);
    let list: Vec<Value> = recorded.json().await.unwrap();
    let somali = list.iter().find(|language| language["code"] == "so").unwrap();
    assert_eq!((somali["status"].as_str(), somali["reviewer"].as_str()), (Some("reviewed"), Some("Hodan Ali")));
    assert_eq!(somali["name"], "Soomaali", "named in its own language");
    assert!(somali["reviewed_at"].as_str().is_some_and(|at| at.ends_with('Z')));

    // A reviewed translation needs no confirmation; one already offered neither.
    let (status, list) = set_languages(&staff, &id, json!({ "languages": ["so", "ar"] })).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(survey_languages(&staff, &id).await.1, ["sv", "ar", "so"], "in the questionnaire's order");

    // Letters written in Arabic link to the questionnaire in Arabic; a language the survey does not offer is refused.
    let invitations = format!("/api/v1/surveys/{id}/municipalities/1783/invitations");
    let refused = staff.send_json(Method::POST, &invitations, &json!({ "count": 1, "language": "en" })).await;
    assert_eq!(refused.status(), 422);
    assert_eq!(refused.json::<Value>().await.unwrap()["error"]["field"], "language");
    let letters = staff.send_json(Method::POST, &invitations, &json!({ "count": 1, "language": "ar" })).await;
    assert_eq!(letters.status(), 201);
    let letter = &letters.json::<Value>().await.unwrap()[0];
    let code = letter["code"].as_str().unwrap().to_owned();
    assert!(letter["link"].as_str().unwrap().ends_with(&format!("/svara/{code}?lang=ar")), "{letter}");
    // The cover letters to print, from the survey page, in the letters' language.
    let zip = [("count", "2"), ("language", "ar"), ("format", "zip")];
    let archive = staff.post_form(&format!("/admin/surveys/{id}/municipalities/1783/codes"), &zip).await;
    assert_eq!(archive.status(), 200);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(archive.bytes().await.unwrap())).unwrap();
    let letters = std::io::read_to_string(archive.by_name("brev.html").unwrap()).unwrap();
    assert!(letters.contains(r#"<html lang="ar" dir="rtl">"#) && letters.contains("?lang=ar"));
    assert_eq!(letters.matches(r#"<article class="letter""#).count(), 2);
    assert_eq!(staff.send_json(Method::POST, &format!("/api/v1/surveys/{id}/open"), &json!({})).await.status(), 200);
    // Residents: the languages offered, each in its own name; a draft says so on the welcome page, a reviewed one
    // does not; a language not offered is not shown.
    let mut resident = Resident::new(&app);
    let arabic = resident.get(&format!("/svara/{code}?lang=ar")).await;
    assert!(arabic.body.contains(r#"<html lang="ar" dir="rtl">"#), "{}", &arabic.body[..300]);
    assert!(arabic.body.contains("لم يراجع هذه الترجمة"), "the draft notice");
    assert!(arabic.body.contains(r#"lang="so" hreflang="so">Soomaali</a>"#), "the switch names Somali in Somali");
    assert!(!arabic.body.contains(r#"lang="en""#), "English is not offered");
    let somali = resident.get(&format!("/svara/{code}?lang=so")).await;
    assert!(somali.body.contains(r#"<html lang="so" dir="ltr">"#));
    assert!(!somali.body.contains(r#"<p class="notice">"#), "a reviewed translation has no draft notice");
    let section = resident.get(&format!("/svara/{code}/del/4")).await;
    assert!(section.body.contains("Haa") && section.body.contains("Maya"), "yes and no in Somali");
    let english = resident.get(&format!("/svara/{code}?lang=en")).await;
    assert!(english.body.contains(r#"<html lang="so""#), "a language not offered keeps the resident's own");

    // Withdrawn, the review is gone and the translation a draft again; the survey goes on offering it.
    let withdrawn = admin.send_json(Method::DELETE, &path, &json!({})).await;
    assert_eq!(withdrawn.status(), 200);
    let (statuses, offered) = survey_languages(&staff, &id).await;
    assert!(statuses.contains(&("so".to_owned(), "draft".to_owned())));
    assert_eq!(offered, ["sv", "ar", "so"]);

    // Each change is in the audit log.
    let log = admin.get("/api/v1/audit").await.text().await.unwrap();
    for action in ["survey_languages_changed", "translation_reviewed", "translation_review_withdrawn"] {
        assert!(log.contains(action), "{action} in {log}");
    }
}
on_both_backends!(
    a_survey_offers_the_languages_turned_on_and_says_which_are_drafts,
    super::a_survey_offers_the_languages_turned_on_and_says_which_are_drafts
);

async fn the_survey_page_asks_to_confirm_a_draft_translation(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (id, _) = crate::answer::open_survey(&staff, 0, "codes").await;
    let page = staff.get(&format!("/admin/surveys/{id}")).await.text().await.unwrap();
    assert!(page.contains(r#"name="lang" value="en" checked"#), "English, turned on as the survey was made");
    assert!(page.contains("utkast, inte granskad"));
    let path = format!("/admin/surveys/{id}/languages");
    let asked = staff.post_form(&path, &[("lang", "en"), ("lang", "fi")]).await;
    assert_eq!(asked.status(), 422);
    let asked = asked.text().await.unwrap();
    assert!(asked.contains(r#"name="confirm_drafts""#) && asked.contains("fi"), "asks to confirm the draft");
    assert!(asked.contains(r#"name="lang" value="fi" checked"#), "what was ticked is kept");
    let saved = staff.post_form(&path, &[("lang", "fi"), ("confirm_drafts", "1")]).await;
    assert_eq!(saved.status(), 200);
    assert!(saved.text().await.unwrap().contains("Språken är sparade."));
    assert_eq!(survey_languages(&staff, &id).await.1, ["sv", "fi"], "English turned off, Finnish on");
    let forged = staff
        .client
        .post(format!("{}{path}", staff.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("csrf_token=forged&lang=ar&confirm_drafts=1")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403, "the form is protected against cross-site requests");
    assert_eq!(survey_languages(&staff, &id).await.1, ["sv", "fi"]);
}
on_both_backends!(
    the_survey_page_asks_to_confirm_a_draft_translation,
    super::the_survey_page_asks_to_confirm_a_draft_translation
);

/// What the printed page says, tags aside: its text with the entities the templates write turned back.
fn unescaped(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Each question's options as the paper prints them, in order: (code, label).
fn options_of(instrument: &Instrument, item: &Item, lang: &str) -> Vec<(String, String)> {
    let language = instrument.lang(lang);
    let pair = |code: &str, label: &str| (code.to_owned(), label.to_owned());
    match &item.kind {
        ItemKind::Scale { .. } => {
            let scale = instrument.scale_of(item).unwrap();
            let mut options: Vec<_> = scale.options.iter().map(|o| pair(&o.code, o.label.get(language))).collect();
            options.extend(scale.dont_know.iter().map(|o| pair(&o.code, o.label.get(language))));
            options
        }
        ItemKind::Single { options } | ItemKind::Multiple { options, .. } => {
            options.iter().map(|o| pair(&o.code, o.label.get(language))).collect()
        }
        ItemKind::YesNo { .. } => {
            let (yes, no) = item.yes_no_labels(language).unwrap();
            vec![pair("yes", yes), pair("no", no)]
        }
        ItemKind::Number { .. } | ItemKind::Text { .. } => Vec::new(),
    }
}

async fn every_language_s_printed_questionnaire_has_every_question_and_option_in_order(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (id, _) = crate::answer::open_survey(&staff, 0, "codes").await;
    let all = json!({ "languages": ["en", "ar", "fa", "fi", "so", "ti"], "confirm_drafts": true });
    assert_eq!(set_languages(&staff, &id, all).await.0, 200);
    let instrument = default_instrument().unwrap();
    let entry = staff.get(&format!("/admin/surveys/{id}/paper")).await.text().await.unwrap();
    let mut entry_at = 0;
    for lang in instrument.languages() {
        for size in ["normal", "large"] {
            let path = format!("/admin/surveys/{id}/questionnaire?language={lang}&size={size}");
            let response = staff.get(&path).await;
            assert_eq!(response.status(), 200, "{path}");
            let remembered = response
                .headers()
                .get_all("set-cookie")
                .iter()
                .any(|cookie| cookie.to_str().is_ok_and(|cookie| cookie.starts_with("trygghet_lang")));
            assert!(!remembered, "{path}: printing in a language leaves the staff member's own language alone");
            let page = unescaped(&response.text().await.unwrap());
            assert!(page.contains(&format!(
                r#"<html lang="{lang}" dir="{}">"#,
                if ["ar", "fa"].contains(&lang.as_str()) { "rtl" } else { "ltr" }
            )));
            assert_eq!(page.contains(r#"<body class="paper large">"#), size == "large", "{path}");
            let mut at = 0;
            for (index, item) in instrument.items().enumerate() {
                // The question, numbered, after the one before it.
                let block_start = page[at..].find(&format!(r#"data-item="{}""#, item.id)).map(|found| at + found);
                let block_start =
                    block_start.unwrap_or_else(|| panic!("{path}: {} is missing or out of order", item.id));
                let block_end =
                    page[block_start + 1..].find("data-item=").map_or(page.len(), |found| block_start + 1 + found);
                let block = &page[block_start..block_end];
                let text = item.text.get(instrument.lang(lang));
                assert!(
                    block.contains(&format!("{}.</span> ", index + 1)),
                    "{path}: {} is numbered {}",
                    item.id,
                    index + 1
                );
                assert!(block.contains(text), "{path}: the text of {} ({text})", item.id);
                let mut option_at = 0;
                for (code, label) in options_of(&instrument, item, lang) {
                    let found = block[option_at..].find(&format!(r#"data-option="{code}""#));
                    option_at += found
                        .unwrap_or_else(|| panic!("{path}: {}'s option {code} missing or out of order", item.id))
                        + 1;
                    if size == "large" {
                        // Each question stands alone, its options' words beside their boxes.
                        assert!(block.contains(&label), "{path}: {} lacks {label}", item.id);
                    } else {
                        // A grid names its options once, in its head.
                        assert!(page[..block_end].contains(&label), "{path}: {} lacks {label}", item.id);
                    }
                }
                if let Some(condition) = &item.show_if {
                    let parent = instrument.items().position(|other| other.id == condition.item).unwrap() + 1;
                    let names = |rest: &str| !rest.starts_with(|c: char| c.is_ascii_digit());
                    let named =
                        block.match_indices(&format!(" {parent}")).any(|(at, found)| names(&block[at + found.len()..]));
                    assert!(named, "{path}: {}'s condition names question {parent}", item.id);
                }
                at = block_start + 1;
                if lang == "sv" && size == "normal" {
                    // The paper-entry form asks the same questions in the same order with the same numbers.
                    let numbered = entry[entry_at..].find(&format!("{}. {}", index + 1, escaped(text)));
                    entry_at +=
                        numbered.unwrap_or_else(|| panic!("the entry form lacks question {} in order", index + 1));
                }
            }
        }
    }
    let refused = staff.get(&format!("/admin/surveys/{id}/questionnaire?language=de")).await;
    assert_eq!(refused.status(), 422, "a language the survey does not offer");
}
on_both_backends!(
    every_language_s_printed_questionnaire_has_every_question_and_option_in_order,
    super::every_language_s_printed_questionnaire_has_every_question_and_option_in_order
);

/// A question's text as the entry form writes it (escaped as the templates escape).
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2f;")
}

async fn an_administrator_records_a_review_on_the_survey_page(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let admin = app.staff("admin@polisen.se", "admin", &[]).await;
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (id, _) = crate::answer::open_survey(&staff, 0, "codes").await;
    let page = admin.get(&format!("/admin/surveys/{id}")).await.text().await.unwrap();
    assert!(page.contains(&format!(r#"action="/admin/surveys/{id}/languages/so/review""#)), "a form per translation");
    let coordinators = staff.get(&format!("/admin/surveys/{id}")).await.text().await.unwrap();
    assert!(!coordinators.contains("/review\""), "only administrators see the review forms");

    let path = format!("/admin/surveys/{id}/languages/so/review");
    let nameless = admin.post_form(&path, &[("reviewer", "  "), ("action", "record")]).await;
    assert_eq!(nameless.status(), 422);
    let nameless = nameless.text().await.unwrap();
    assert!(nameless.contains(r#"id="reviewer-so-error""#) && nameless.contains(r#"aria-invalid="true""#));
    assert_eq!(staff.post_form(&path, &[("reviewer", "Hodan Ali"), ("action", "record")]).await.status(), 403);
    let recorded = admin.post_form(&path, &[("reviewer", "Hodan Ali"), ("action", "record")]).await;
    assert_eq!(recorded.status(), 200);
    let recorded = recorded.text().await.unwrap();
    assert!(recorded.contains("Granskningen är sparad.") && recorded.contains("granskad av Hodan Ali"));
    let (statuses, _) = survey_languages(&staff, &id).await;
    assert!(statuses.contains(&("so".to_owned(), "reviewed".to_owned())));
    let withdrawn = admin.post_form(&path, &[("action", "withdraw")]).await;
    assert_eq!(withdrawn.status(), 200);
    let (statuses, _) = survey_languages(&staff, &id).await;
    assert!(statuses.contains(&("so".to_owned(), "draft".to_owned())));
}
on_both_backends!(
    an_administrator_records_a_review_on_the_survey_page,
    super::an_administrator_records_a_review_on_the_survey_page
);

async fn another_questionnaire_offers_its_own_language_until_others_are_turned_on(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let admin = app.staff("admin@polisen.se", "admin", &[]).await;
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783"]).await;
    let mut next: Value = serde_json::from_str(&default_instrument().unwrap().to_json_pretty().unwrap()).unwrap();
    next["version"] = json!("2027.1");
    assert_eq!(admin.send_json(Method::POST, "/api/v1/instruments", &next).await.status(), 201);
    let (opens_on, closes_on) = period();
    let mut body = json!({ "title": "Trygghetsmätning 2026", "opens_on": opens_on, "closes_on": closes_on,
        "access": "codes", "municipalities": [{ "code": "1783", "sample_size": 300 }] });
    let created = staff.send_json(Method::POST, "/api/v1/surveys", &body).await;
    let id = created.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let (status, _) = set_languages(&staff, &id, json!({ "languages": ["ar"], "confirm_drafts": true })).await;
    assert_eq!(status, 200);
    // The draft changes questionnaire: Arabic was confirmed for the other one, so it is no longer offered.
    body["instrument_key"] = json!("trygghetsmatning");
    body["instrument_version"] = json!("2027.1");
    assert_eq!(staff.send_json(Method::PUT, &format!("/api/v1/surveys/{id}"), &body).await.status(), 200);
    assert_eq!(survey_languages(&staff, &id).await.1, ["sv"]);
    // Keeping the questionnaire keeps the languages.
    assert_eq!(set_languages(&staff, &id, json!({ "languages": ["ar"], "confirm_drafts": true })).await.0, 200);
    assert_eq!(staff.send_json(Method::PUT, &format!("/api/v1/surveys/{id}"), &body).await.status(), 200);
    assert_eq!(survey_languages(&staff, &id).await.1, ["sv", "ar"]);
}
on_both_backends!(
    another_questionnaire_offers_its_own_language_until_others_are_turned_on,
    super::another_questionnaire_offers_its_own_language_until_others_are_turned_on
);
