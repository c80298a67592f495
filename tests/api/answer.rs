//! The resident's questionnaire through HTTP, as a browser without JavaScript uses it: start by link or typed code,
//! page by page, save and resume, review, submit exactly once, languages, closed surveys, expired forms, open links.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, Browser, TestApp, TestDatabase, hidden_csrf, spawn_app, spawn_app_with, spawn_instance};
use crate::on_both_backends;

/// A resident's browser: cookies kept, redirects not followed, the form token of the last page read.
pub(crate) struct Resident {
    pub(crate) client: reqwest::Client,
    address: String,
    pub(crate) csrf: String,
}

/// A page as the resident got it.
pub(crate) struct Page {
    pub(crate) status: u16,
    pub(crate) location: Option<String>,
    pub(crate) body: String,
    /// The seconds of `Retry-After`, if the answer had one.
    pub(crate) retry_after: Option<u64>,
}

impl Resident {
    pub(crate) fn new(app: &TestApp) -> Self {
        Self::with_language(app, None)
    }

    /// A resident whose requests come from `address` (as the proxy says, for a service that trusts it).
    pub(crate) fn from_address(app: &TestApp, address: &str, accept_language: Option<&str>) -> Self {
        Self::with_headers(app, accept_language, Some(address))
    }

    pub(crate) fn with_language(app: &TestApp, accept_language: Option<&str>) -> Self {
        Self::with_headers(app, accept_language, None)
    }

    fn with_headers(app: &TestApp, accept_language: Option<&str>, forwarded_for: Option<&str>) -> Self {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(language) = accept_language {
            headers.insert("accept-language", language.parse().unwrap());
        }
        if let Some(address) = forwarded_for {
            headers.insert("x-forwarded-for", address.parse().unwrap());
        }
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .unwrap();
        Self { client, address: app.address.clone(), csrf: String::new() }
    }

    async fn read(&mut self, response: reqwest::Response) -> Page {
        let status = response.status().as_u16();
        let location = response.headers().get("location").map(|value| value.to_str().unwrap().to_owned());
        let retry_after =
            response.headers().get("retry-after").map(|value| value.to_str().unwrap().parse().expect("seconds"));
        // Templates write `/` as `&#x2f;` inside attributes; a browser reads both the same.
        let body = response.text().await.unwrap().replace("&#x2f;", "/");
        if let Some(token) = hidden_csrf(&body) {
            self.csrf = token;
        }
        Page { status, location, body, retry_after }
    }

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        let response = self.client.get(format!("{}{path}", self.address)).send().await.unwrap();
        self.read(response).await
    }

    /// Posts `fields` with the form token of the last page read.
    pub(crate) async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut body: Vec<(&str, &str)> = fields.to_vec();
        let token = self.csrf.clone();
        body.push(("csrf_token", &token));
        let response = self
            .client
            .post(format!("{}{path}", self.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_html_form::to_string(&body).unwrap())
            .send()
            .await
            .unwrap();
        self.read(response).await
    }

    /// Loads a section and saves it with `fields`, pressing `action`; returns where it led.
    pub(crate) async fn save(&mut self, code: &str, number: usize, fields: &[(&str, &str)], action: &str) -> Page {
        let path = format!("/svara/{code}/del/{number}");
        let page = self.get(&path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        let mut fields = fields.to_vec();
        fields.push(("action", action));
        self.post(&path, &fields).await
    }
}

/// A period around today, so that an open survey takes answers.
pub(crate) fn period() -> (String, String) {
    let today = trygghet::domain::survey::swedish_day(chrono::Utc::now());
    ((today - chrono::Duration::days(7)).to_string(), (today + chrono::Duration::days(30)).to_string())
}

/// An open survey in Hagfors (1783) with `count` letters; returns its id and the codes.
pub(crate) async fn open_survey(staff: &Browser, count: usize, access: &str) -> (String, Vec<String>) {
    let (opens_on, closes_on) = period();
    let body = json!({ "title": "Trygghetsmätning 2026", "opens_on": opens_on, "closes_on": closes_on, "access": access,
                       "sender": "Polisen och Hagfors kommun", "contact": { "phone": "0563-185 00" },
                       "municipalities": [{ "code": "1783", "sample_size": 300 }, { "code": "1762", "sample_size": 300 }] });
    let response = staff.send_json(Method::POST, "/api/v1/surveys", &body).await;
    assert_eq!(response.status(), 201);
    let id = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    // English besides Swedish, as residents' tests switch to it (a draft translation, so confirmed).
    let languages = json!({ "languages": ["en"], "confirm_drafts": true });
    let response = staff.send_json(Method::PUT, &format!("/api/v1/surveys/{id}/languages"), &languages).await;
    assert_eq!(response.status(), 200);
    let mut codes = Vec::new();
    if count > 0 {
        let path = format!("/api/v1/surveys/{id}/municipalities/1783/invitations");
        let response = staff.send_json(Method::POST, &path, &json!({ "count": count })).await;
        assert_eq!(response.status(), 201);
        let letters: Value = response.json().await.unwrap();
        codes = letters.as_array().unwrap().iter().map(|letter| letter["code"].as_str().unwrap().to_owned()).collect();
    }
    let response = staff.send_json(Method::POST, &format!("/api/v1/surveys/{id}/open"), &json!({})).await;
    assert_eq!(response.status(), 200);
    (id, codes)
}

pub(crate) fn count(app: &TestApp, sql: &str) -> usize {
    app.query_strings(sql)[0].parse().unwrap()
}

fn disposition(app: &TestApp) -> Vec<String> {
    app.query_strings("SELECT disposition FROM invitations ORDER BY letter_serial")
}

/// A code with one character changed (its check character then no longer fits).
pub(crate) fn mistyped(code: &str) -> String {
    let mut characters: Vec<char> = code.chars().collect();
    characters[0] = if characters[0] == 'A' { 'B' } else { 'A' };
    characters.into_iter().collect()
}

/// A well-formed code that no letter has: eleven characters and the check character that fits them.
/// (Drawn at random: one of 30^11 codes, so never one of the few letters of a test.)
pub(crate) fn unknown_code() -> String {
    trygghet::domain::codes::InvitationCode::generate(&mut rand::rng()).to_string()
}

pub(crate) fn submission_id(page: &str) -> String {
    let marker = r#"name="submission_id" value=""#;
    let start = page.find(marker).expect("a submission id") + marker.len();
    page[start..start + 36].to_owned()
}

/// The number of sections in the default questionnaire.
pub(crate) fn sections() -> usize {
    trygghet::domain::instrument::default_instrument().unwrap().sections().len()
}

async fn a_resident_answers_page_by_page_reviews_and_submits_exactly_once(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (_, codes) = open_survey(&staff, 3, "codes").await;
    let code = &codes[0];
    let mut resident = Resident::new(&app);

    // The letter's link: a welcome page in Swedish, anonymous, with the way in.
    let welcome = resident.get(&format!("/svara/{code}")).await;
    assert_eq!(welcome.status, 200);
    assert!(welcome.body.contains(r#"<html lang="sv" dir="ltr">"#));
    assert!(welcome.body.contains("Hagfors") && welcome.body.contains("anonyma"));
    assert!(welcome.body.contains(&format!("/svara/{code}/del/1")));

    // Section 1: a scale answer; "Nästa" saves and goes on. The letter is now started, not answered.
    let page = resident.get(&format!("/svara/{code}/del/1")).await;
    assert!(page.body.contains(&format!("Del 1 av {}", sections())));
    assert!(page.body.contains("<fieldset") && page.body.contains("<legend>"));
    let next = resident.save(code, 1, &[("q.littering", "very_big"), ("q.graffiti", "dont_know")], "next").await;
    assert_eq!(next.status, 303);
    assert_eq!(next.location.as_deref(), Some(format!("/svara/{code}/del/2").as_str()));
    assert_eq!(disposition(&app)[0], "started");

    // Back keeps the answers: section 2 saved, then section 1 shows its saved answers.
    let back = resident.save(code, 2, &[("q.drug_dealing", "small")], "back").await;
    assert_eq!(back.location.as_deref(), Some(format!("/svara/{code}/del/1").as_str()));
    let page = resident.get(&format!("/svara/{code}/del/1")).await;
    assert!(page.body.contains(r#"name="q.littering" value="very_big" checked"#), "{}", page.body);
    let page = resident.get(&format!("/svara/{code}/del/2")).await;
    assert!(page.body.contains(r#"name="q.drug_dealing" value="small" checked"#));
    // Counted: one draft, at the furthest section saved; one letter started, once.
    let drafts = "SELECT section || ':' || SUM(drafts) FROM progress_tallies GROUP BY section HAVING SUM(drafts) <> 0";
    assert_eq!(app.query_strings(drafts), ["2:1"]);
    let letters = "SELECT disposition || ':' || SUM(letters) FROM disposition_tallies \
                   GROUP BY disposition HAVING SUM(letters) <> 0 ORDER BY disposition";
    assert_eq!(app.query_strings(letters), ["not_returned:2", "started:1"]);

    // Victimisation: a yes with its follow-up, and a follow-up answered although its question was answered "no"
    // (both are on the page without JavaScript): not dropped silently, the resident is asked which holds, with
    // everything kept; then the follow-up left empty.
    let contradicting = [
        ("q.victim_theft", "yes"),
        ("q.victim_theft_reported", "no"),
        ("q.victim_violence", "no"),
        ("q.victim_violence_reported", "yes"),
    ];
    let asked = resident.save(code, 4, &contradicting, "next").await;
    assert_eq!(asked.status, 422, "{}", asked.body);
    assert!(asked.body.contains("Frågan gäller inte med ditt svar på frågan före."), "{}", asked.body);
    assert!(asked.body.contains(r#"id="q-victim_violence_reported-error""#), "beside the follow-up: {}", asked.body);
    assert!(asked.body.contains(r#"name="q.victim_violence_reported" value="yes" checked"#), "kept");
    resident.save(code, 4, &contradicting[..3], "next").await;
    assert_eq!(app.query_strings(drafts), ["4:1"]);
    assert_eq!(app.query_strings(letters), ["not_returned:2", "started:1"]);
    assert_eq!(crate::rates::reconcile(&app, false).await, Vec::<String>::new(), "the recount agrees");
    // Feeling safe: a multiple choice with two options.
    resident.save(code, 6, &[("q.unsafe_places", "stations"), ("q.unsafe_places", "parks")], "next").await;
    // Background: a single choice and a number; the comment: free text.
    let background = sections() - 1;
    resident.save(code, background, &[("q.age_band", "65_74"), ("q.years_in_area", "12")], "next").await;
    let last = resident.save(code, sections(), &[("q.comment", "Mer belysning vid busstationen.")], "next").await;
    assert_eq!(last.location.as_deref(), Some(format!("/svara/{code}/granska").as_str()));

    // The review shows every answer in words, and a link to change each part.
    let review = resident.get(&format!("/svara/{code}/granska")).await;
    assert_eq!(review.status, 200);
    assert!(review.body.contains("Mer belysning vid busstationen."));
    assert!(review.body.contains(&format!("/svara/{code}/del/4?fran=granska")));
    assert!(review.body.contains("Inte besvarad"));
    // Change from the review and return to it.
    let changed = resident.save(code, 1, &[("q.littering", "small")], "review").await;
    assert_eq!(changed.location.as_deref(), Some(format!("/svara/{code}/granska").as_str()));
    let review = resident.get(&format!("/svara/{code}/granska")).await;
    let id = submission_id(&review.body);

    // Submit: a thank-you; the response and its answers are stored, the draft is gone, the letter answered.
    let sent = resident.post(&format!("/svara/{code}/skicka"), &[("submission_id", &id)]).await;
    assert_eq!((sent.status, sent.location.as_deref()), (303, Some("/tack")));
    let thanks = resident.get("/tack").await;
    assert_eq!(thanks.status, 200);
    assert!(thanks.body.contains("Tack för dina svar"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM responses"), 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts"), 0);
    assert_eq!(disposition(&app), ["completed", "not_returned", "not_returned"]);
    let answers: BTreeMap<String, String> = app
        .query_strings(&format!(
            "SELECT item_id || '=' || COALESCE(option_code, CAST(number_value AS TEXT), text_value) FROM {} answers",
            app.answers_table()
        ))
        .into_iter()
        .map(|row| {
            let (item, value) = row.split_once('=').unwrap();
            (item.to_owned(), value.to_owned())
        })
        .collect();
    assert_eq!(answers["littering"], "small", "the change from the review counts");
    assert!(!answers.contains_key("graffiti"), "a page saved again replaces its answers: {answers:?}");
    assert_eq!(answers["victim_theft_reported"], "no");
    assert!(!answers.contains_key("victim_violence_reported"), "no follow-up to a 'no'");
    assert_eq!(answers["years_in_area"], "12");
    let places = app.query_strings(&format!(
        "SELECT option_code FROM {} answers WHERE item_id = 'unsafe_places' ORDER BY position",
        app.answers_table()
    ));
    assert_eq!(places, ["stations", "parks"], "one entry per chosen option, in the options' order");
    assert_eq!(answers["comment"], "Mer belysning vid busstationen.");
    assert_eq!(app.query_strings("SELECT mode FROM responses"), ["web"]);
    assert_eq!(app.query_strings("SELECT CAST(submitted AS TEXT) || mode FROM completion_tallies"), ["1web"]);

    // A repeated submit of the same form (double click, retry after a lost reply): the same thank-you, nothing twice.
    let again = resident.post(&format!("/svara/{code}/skicka"), &[("submission_id", &id)]).await;
    assert_eq!((again.status, again.location.as_deref()), (303, Some("/tack")));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM responses"), 1);
    // The code is used up: a polite page, on any device.
    let used = Resident::new(&app).get(&format!("/svara/{code}")).await;
    assert_eq!(used.status, 409);
    assert!(used.body.contains("Du har redan svarat"));
}
on_both_backends!(
    a_resident_answers_page_by_page_reviews_and_submits_exactly_once,
    super::a_resident_answers_page_by_page_reviews_and_submits_exactly_once
);

async fn a_typed_code_is_checked_before_it_is_looked_up(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (_, codes) = open_survey(&staff, 1, "codes").await;
    let mut resident = Resident::new(&app);
    let start = resident.get("/").await;
    assert!(start.body.contains(r#"<label for="code">"#));

    // Typed as people type: small letters, no dashes, spaces around.
    let typed = format!("  {}  ", codes[0].replace('-', "").to_lowercase());
    let page = resident.post("/svara", &[("code", &typed)]).await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some(format!("/svara/{}", codes[0]).as_str())));

    // A typo is caught by the check character, explained beside the field, and the typed code stays.
    let wrong = mistyped(&codes[0]);
    let page = resident.post("/svara", &[("code", &wrong)]).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("felskrivet"), "{}", page.body);
    assert!(page.body.contains(&format!(r#"value="{wrong}""#)));
    assert!(page.body.contains(r##"href="#code""##), "the error summary links to the field");
    let page = resident.post("/svara", &[("code", "7KQM-X4TZ")]).await;
    assert!(page.body.contains("12 tecken, men du skrev 8"));
    let page = resident.post("/svara", &[("code", "0KQM-X4TZ-9HRC")]).await;
    assert!(page.body.contains("”0”"));
    // The same check on a link with a typo in it.
    let page = resident.get(&format!("/svara/{wrong}")).await;
    assert_eq!(page.status, 404);
    assert!(page.body.contains("felskrivet"));

    // A well-formed code that no letter has: a polite page.
    let unknown = unknown_code();
    let page = resident.get(&format!("/svara/{unknown}")).await;
    assert_eq!(page.status, 404);
    assert!(page.body.contains("Koden hittades inte"));
    // With no contact of its own configured, the service says where to find one: never a dead end.
    assert!(page.body.contains("deras namn och kontaktuppgifter står i brevet"), "{}", page.body);
}
on_both_backends!(
    a_typed_code_is_checked_before_it_is_looked_up,
    super::a_typed_code_is_checked_before_it_is_looked_up
);

async fn errors_are_shown_beside_their_questions_and_nothing_typed_is_lost(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (_, codes) = open_survey(&staff, 1, "codes").await;
    let code = &codes[0];
    let mut resident = Resident::new(&app);
    let background = sections() - 1;
    let fields = [("q.age_band", "35_44"), ("q.years_in_area", "tolv"), ("q.gender", "not_an_option")];
    let page = resident.save(code, background, &fields, "next").await;
    assert_eq!(page.status, 422, "{}", page.body);
    // The summary at the top links to each field; the message stands beside it; the typed values stay.
    assert!(page.body.contains("error-summary"));
    assert!(page.body.contains(r##"href="#q-years_in_area""##));
    assert!(page.body.contains(r#"id="q-years_in_area-error""#));
    assert!(page.body.contains("Skriv bara siffror"));
    assert!(page.body.contains(r#"value="tolv""#));
    assert!(page.body.contains(r#"name="q.age_band" value="35_44" checked"#));
    assert!(page.body.contains("Välj ett av alternativen"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts"), 0, "nothing invalid is saved");

    // An expired form (its token no longer matches): the same page with every value, and a word on what to do.
    resident.csrf = "expired".to_owned();
    let mut fields = vec![("q.years_in_area", "12"), ("q.age_band", "35_44"), ("action", "next")];
    let page = resident.post(&format!("/svara/{code}/del/{background}"), &fields).await;
    assert_eq!(page.status, 403);
    assert!(page.body.contains(r#"value="12""#) && page.body.contains("för gammal"));
    // Pressing again (the page carried a fresh token) saves.
    fields.pop();
    fields.push(("action", "next"));
    let page = resident.post(&format!("/svara/{code}/del/{background}"), &fields).await;
    assert_eq!(page.status, 303);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts"), 1);
}
on_both_backends!(
    errors_are_shown_beside_their_questions_and_nothing_typed_is_lost,
    super::errors_are_shown_beside_their_questions_and_nothing_typed_is_lost
);

async fn answers_are_saved_against_the_code_and_resumed_on_another_device(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (_, codes) = open_survey(&staff, 1, "codes").await;
    let code = &codes[0];
    let mut phone = Resident::new(&app);
    phone.save(code, 1, &[("q.littering", "fairly_big")], "next").await;
    let later = phone.save(code, 2, &[("q.drug_dealing", "none")], "later").await;
    assert_eq!(later.location.as_deref(), Some(format!("/svara/{code}/sparat").as_str()));
    let saved = phone.get(&format!("/svara/{code}/sparat")).await;
    assert!(saved.body.contains(code.as_str()), "the page repeats the code to continue with");

    // Another device, the same code typed in: welcomed back to part 3, with parts 1 and 2 as they were.
    let mut computer = Resident::new(&app);
    let page = computer.post("/svara", &[("code", code)]).await;
    let welcome = computer.get(page.location.as_deref().unwrap()).await;
    assert!(welcome.body.contains("Välkommen tillbaka"));
    assert!(welcome.body.contains(&format!("/svara/{code}/del/3")));
    let first = computer.get(&format!("/svara/{code}/del/1")).await;
    assert!(first.body.contains(r#"name="q.littering" value="fairly_big" checked"#));
}
on_both_backends!(
    answers_are_saved_against_the_code_and_resumed_on_another_device,
    super::answers_are_saved_against_the_code_and_resumed_on_another_device
);

async fn many_simultaneous_submits_of_one_code_store_one_response(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (_, codes) = open_survey(&staff, 1, "codes").await;
    let code = codes[0].clone();
    let mut resident = Resident::new(&app);
    resident.save(&code, 1, &[("q.littering", "very_big")], "review").await;
    let review = resident.get(&format!("/svara/{code}/granska")).await;
    let id = submission_id(&review.body);

    // Twenty submits at once: ten of this form (a frantic double click), ten from another device whose form is from
    // before this one (another submission id): one response; every submit of this form is thanked, whichever of them
    // stored it, and the other device's get "already answered" or "changed".
    let mut other = Resident::new(&app);
    other.get(&format!("/svara/{code}/granska")).await;
    let stale = uuid::Uuid::new_v4().to_string();
    let mut tasks = Vec::new();
    for attempt in 0..20 {
        let (client, address, csrf) = if attempt % 2 == 0 {
            (resident.client.clone(), app.address.clone(), resident.csrf.clone())
        } else {
            (other.client.clone(), app.address.clone(), other.csrf.clone())
        };
        let submission = if attempt % 2 == 0 { id.clone() } else { stale.clone() };
        let path = format!("{address}/svara/{code}/skicka");
        tasks.push(tokio::spawn(async move {
            let body = serde_html_form::to_string([("submission_id", submission.as_str()), ("csrf_token", &csrf)]);
            let response = client
                .post(path)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body.unwrap())
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let location = response.headers().get("location").map(|value| value.to_str().unwrap().to_owned());
            (attempt % 2 == 0, status, location, response.text().await.unwrap())
        }));
    }
    let mut thanked = 0;
    for task in tasks {
        let (this_form, status, location, body) = task.await.unwrap();
        if this_form {
            assert_eq!((status, location.as_deref()), (303, Some("/tack")), "{body}");
        }
        match status {
            303 if location.as_deref() == Some("/tack") => thanked += 1,
            // Lost the race: sent to the code's page, which says "already answered".
            303 => assert_eq!(location, Some(format!("/svara/{code}"))),
            409 => assert!(body.contains("Du har redan svarat") || body.contains("ändrats"), "{body}"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert!(thanked >= 10, "{thanked}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM responses"), 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM submissions"), 1);
    assert_eq!(disposition(&app), ["completed"]);
    assert_eq!(app.query_strings("SELECT CAST(submitted AS TEXT) FROM completion_tallies"), ["1"]);
}
on_both_backends!(
    many_simultaneous_submits_of_one_code_store_one_response,
    super::many_simultaneous_submits_of_one_code_store_one_response
);

/// Saves of one code from two devices at the same moment, first saves among them: one draft, counted once, at the
/// furthest section saved. Then saves racing the submit: one response, no draft left for the answered letter, and
/// nobody gets a server error (on PostgreSQL a save and a submit lock the draft before the survey, so they cannot
/// deadlock).
async fn simultaneous_saves_of_one_code_count_one_draft(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (_, codes) = open_survey(&staff, 1, "codes").await;
    let code = codes[0].clone();
    let mut devices = [Resident::new(&app), Resident::new(&app)];
    for device in &mut devices {
        assert_eq!(device.get(&format!("/svara/{code}/del/1")).await.status, 200);
    }
    let post = |device: &Resident, section: usize, fields: Vec<(&'static str, &'static str)>| {
        let (client, path, csrf) =
            (device.client.clone(), format!("{}/svara/{code}/del/{section}", app.address), device.csrf.clone());
        tokio::spawn(async move {
            let mut body: Vec<(&str, &str)> = fields;
            body.push(("csrf_token", &csrf));
            let response = client
                .post(path)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(serde_html_form::to_string(&body).unwrap())
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.text().await.unwrap())
        })
    };
    let saves: Vec<_> = (0..16)
        .map(|n| {
            let section = if n % 4 < 2 { 1 } else { 3 };
            post(&devices[n % 2], section, vec![("q.littering", "very_big"), ("action", "next")])
        })
        .collect();
    for save in saves {
        let (status, body) = save.await.unwrap();
        assert_eq!(status, 303, "{body}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts"), 1);
    let counted = app.query_strings(
        "SELECT CAST(section AS TEXT) || ':' || CAST(drafts AS TEXT) FROM progress_tallies WHERE drafts <> 0",
    );
    assert_eq!(counted, ["3:1"], "one draft, at the furthest section saved");
    assert_eq!(crate::rates::reconcile(&app, false).await, Vec::<String>::new(), "the recount agrees");

    // Saves racing the submit.
    let review = devices[0].get(&format!("/svara/{code}/granska")).await;
    let id = submission_id(&review.body);
    let submit = {
        let (client, path, csrf) =
            (devices[0].client.clone(), format!("{}/svara/{code}/skicka", app.address), devices[0].csrf.clone());
        tokio::spawn(async move {
            let body = serde_html_form::to_string([("submission_id", id.as_str()), ("csrf_token", &csrf)]).unwrap();
            let response = client
                .post(path)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            response.headers().get("location").map(|value| value.to_str().unwrap().to_owned())
        })
    };
    let saves: Vec<_> = (0..12).map(|_| post(&devices[1], 2, vec![("action", "next")])).collect();
    assert_eq!(submit.await.unwrap().as_deref(), Some("/tack"));
    for save in saves {
        let (status, body) = save.await.unwrap();
        assert!(status < 500, "{status}: {body}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM responses"), 1);
    // A save that read the page before the submit and wrote after it left no draft for the answered letter.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts"), 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM progress_tallies WHERE drafts <> 0"), 0);
    assert_eq!(crate::rates::reconcile(&app, false).await, Vec::<String>::new(), "the recount agrees");
}
on_both_backends!(
    simultaneous_saves_of_one_code_count_one_draft,
    super::simultaneous_saves_of_one_code_count_one_draft
);

/// PostgreSQL saves a resident's page in one call of the server's function `save_draft_page`, a transaction of its
/// own: the call commits without waiting for the disk, as every saved page does, and the setting ends with its
/// transaction; the draft is stored and counted; for a letter that is answered (or not there) it returns false and
/// leaves nothing behind, not even the draft of a first save. (SQLite runs the same steps in the service, which the
/// tests of saved pages above check on both backends.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_saves_a_page_in_one_call_that_commits_without_waiting_for_the_disk() {
    use diesel::{Connection, PgConnection, RunQueryDsl, connection::SimpleConnection, sql_types::Text};
    let Some(app) = spawn_app(Backend::Postgres).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (survey, codes) = open_survey(&staff, 1, "codes").await;
    // A page saved through the service: its letter started, its draft counted at part 1.
    Resident::new(&app).save(&codes[0], 1, &[("q.littering", "very_big")], "next").await;
    let TestDatabase::Postgres { url, .. } = &app.database else { unreachable!() };
    let mut conn = PgConnection::establish(url).unwrap();
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        value: String,
    }
    let text = |conn: &mut PgConnection, sql: &str| -> String {
        diesel::sql_query(format!("SELECT CAST(({sql}) AS TEXT) AS value")).get_result::<Row>(conn).unwrap().value
    };
    // Whatever the test server's own setting, this session's commits wait for the disk until the call says otherwise.
    conn.batch_execute("SET synchronous_commit = on").unwrap();
    let save = |key: &str, letter: &str| {
        format!(
            "save_draft_page('{key}', '{survey}', '1783', 3, CURRENT_DATE, 'sealed', {letter}, 'not_returned', \
             'started', 'completed')"
        )
    };
    conn.batch_execute("BEGIN").unwrap();
    assert_eq!(text(&mut conn, &save("an open-link draft", "NULL")), "true");
    assert_eq!(text(&mut conn, "current_setting('synchronous_commit')"), "off", "its commit does not wait");
    conn.batch_execute("COMMIT").unwrap();
    assert_eq!(text(&mut conn, "current_setting('synchronous_commit')"), "on", "the setting ended with it");
    let revision = format!("(SELECT revision FROM surveys WHERE id = '{survey}')");
    let before = text(&mut conn, &revision);
    assert_eq!(text(&mut conn, &save("a draft for no letter", "'no such code'")), "false");
    assert_eq!(text(&mut conn, &revision), before, "the survey's turn was undone too");
    let drafts = app.query_strings(
        "SELECT key_hash FROM drafts WHERE key_hash IN ('an open-link draft', 'a draft for no letter') ORDER BY key_hash",
    );
    assert_eq!(drafts, ["an open-link draft"], "the draft for no letter was undone");
    let counted = app.query_strings(
        "SELECT CAST(section AS TEXT) || ':' || CAST(drafts AS TEXT) FROM progress_tallies WHERE drafts <> 0 \
         ORDER BY section",
    );
    assert_eq!(counted, ["1:1", "3:1"], "the resident's draft at part 1, the open-link draft at part 3");
    assert_eq!(crate::rates::reconcile(&app, false).await, Vec::<String>::new(), "the recount agrees");
}

async fn a_survey_closed_while_answering_keeps_what_was_typed(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (id, codes) = open_survey(&staff, 2, "codes").await;
    let code = &codes[0];
    let mut resident = Resident::new(&app);
    resident.save(code, 1, &[("q.littering", "very_big")], "next").await;
    resident.get(&format!("/svara/{code}/del/{}", sections())).await;
    let response = staff.send_json(Method::POST, &format!("/api/v1/surveys/{id}/close"), &json!({})).await;
    assert_eq!(response.status(), 200);

    let path = format!("/svara/{code}/del/{}", sections());
    let page = resident.post(&path, &[("q.comment", "Det här får inte försvinna."), ("action", "next")]).await;
    assert_eq!(page.status, 409);
    assert!(page.body.contains("Det här får inte försvinna."));
    assert!(page.body.contains("Enkäten har stängt"));
    let closed = Resident::new(&app).get(&format!("/svara/{}", codes[1])).await;
    assert_eq!(closed.status, 410);
    assert!(closed.body.contains("Enkäten är stängd"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM responses"), 0);
}
on_both_backends!(
    a_survey_closed_while_answering_keeps_what_was_typed,
    super::a_survey_closed_while_answering_keeps_what_was_typed
);

async fn while_the_database_is_out_of_reach_nothing_typed_is_lost(backend: Backend) {
    let Some(app) = spawn_app_with(backend, &[("TRYGGHET_POOL_TIMEOUT_SECS", "1")]).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (_, codes) = open_survey(&staff, 2, "codes").await;
    let code = &codes[0];
    let mut resident = Resident::new(&app);
    resident.save(code, 1, &[("q.littering", "very_big")], "next").await;
    let last = format!("/svara/{code}/del/{}", sections());
    resident.get(&last).await;
    // A second instance that has not seen this code yet, on the same database.
    let other = spawn_instance(&app).await;
    let mut elsewhere =
        Resident { client: resident.client.clone(), address: other.address.clone(), csrf: String::new() };
    elsewhere.get("/").await;
    let typed = [("q.comment", "Skrivet medan databasen var borta."), ("action", "next")];

    let cut = app.database.cut_off();
    // The page comes back with what was typed, a note to try again, and when.
    let response = resident
        .client
        .post(format!("{}{last}", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_html_form::to_string([typed[0], typed[1], ("csrf_token", resident.csrf.as_str())]).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "5");
    let page = resident.read(response).await;
    assert!(page.body.contains("Skrivet medan databasen var borta."), "{}", page.body);
    assert!(page.body.contains("Tjänsten kan inte spara just nu"), "{}", page.body);
    assert!(page.body.contains(&format!(r#"action="{last}""#)), "the section's own form: {}", page.body);
    // An instance that cannot read the code's questionnaire (PostgreSQL is gone; SQLite still reads) keeps the
    // posted fields in a page that sends them again.
    let kept = elsewhere.post(&last, &typed).await;
    assert_eq!(kept.status, 503, "{}", kept.body);
    assert!(kept.body.contains("Skrivet medan databasen var borta."), "{}", kept.body);
    if backend == Backend::Postgres {
        assert!(kept.body.contains(r#"value="Skrivet medan databasen var borta.""#), "{}", kept.body);
        assert!(kept.body.contains(r#"name="action" value="next""#), "{}", kept.body);
        assert!(kept.body.contains("Skicka igen"), "{}", kept.body);
    }
    drop(cut);

    // Pressed again once the database is back: saved.
    let page = resident.post(&last, &typed).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let review = resident.get(&format!("/svara/{code}/granska")).await;
    assert!(review.body.contains("Skrivet medan databasen var borta."), "{}", review.body);
    let submission = submission_id(&review.body);

    let cut = app.database.cut_off();
    let page = resident.post(&format!("/svara/{code}/skicka"), &[("submission_id", submission.as_str())]).await;
    assert_eq!(page.status, 503, "{}", page.body);
    assert!(page.body.contains("Tjänsten kan inte spara just nu"), "{}", page.body);
    assert!(page.body.contains("Skrivet medan databasen var borta."), "the saved answers to check: {}", page.body);
    assert_eq!(submission_id(&page.body), submission, "the same form, sent again, stores once");
    drop(cut);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM responses"), 0);
    let page = resident.post(&format!("/svara/{code}/skicka"), &[("submission_id", submission.as_str())]).await;
    assert_eq!(page.location.as_deref(), Some("/tack"), "{}", page.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM responses"), 1);

    // A reported accessibility problem is shown again with its text.
    let mut reporter = Resident::new(&app);
    reporter.get("/tillganglighet").await;
    let cut = app.database.cut_off();
    let page = reporter.post("/tillganglighet", &[("message", "Knappen syns dåligt i mörkt läge.")]).await;
    assert_eq!(page.status, 503, "{}", page.body);
    assert!(page.body.contains("Knappen syns dåligt i mörkt läge."), "{}", page.body);
    drop(cut);
}
on_both_backends!(
    while_the_database_is_out_of_reach_nothing_typed_is_lost,
    super::while_the_database_is_out_of_reach_nothing_typed_is_lost
);

async fn the_language_follows_the_browser_and_the_switch_keeps_the_answers(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (_, codes) = open_survey(&staff, 1, "codes").await;
    let code = &codes[0];

    // A browser asking for English gets English; a Swedish one (or none) Swedish.
    let mut visitor = Resident::with_language(&app, Some("en-GB,en;q=0.9,sv;q=0.5"));
    let start = visitor.get("/").await;
    assert!(start.body.contains(r#"<html lang="en" dir="ltr">"#));
    assert!(start.body.contains("The code in your letter"));
    assert!(Resident::new(&app).get("/").await.body.contains("Koden i ditt brev"));

    // The switch on a page of questions is a button of its form: what was typed goes along.
    let mut resident = Resident::new(&app);
    let path = format!("/svara/{code}/del/1");
    let page = resident.get(&path).await;
    assert!(page.body.contains(r#"value="lang:en""#) && page.body.contains(r#"form="answers""#));
    let switched = resident.post(&path, &[("q.littering", "small"), ("action", "lang:en")]).await;
    assert_eq!((switched.status, switched.location.as_deref()), (303, Some(path.as_str())));
    let english = resident.get(&path).await;
    assert!(english.body.contains(r#"<html lang="en""#));
    assert!(english.body.contains("Part 1 of"));
    assert!(english.body.contains(r#"name="q.littering" value="small" checked"#));
    // Even a page with an error switches, keeping the typed values (nothing saved until it is right).
    let background = format!("/svara/{code}/del/{}", sections() - 1);
    resident.get(&background).await;
    let page = resident.post(&background, &[("q.years_in_area", "x"), ("action", "lang:sv")]).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains(r#"<html lang="sv""#) && page.body.contains(r#"value="x""#));

    // The language is saved with the answers: another device continues in English.
    let welcome = Resident::new(&app).get(&format!("/svara/{code}")).await;
    assert!(welcome.body.contains(r#"<html lang="en""#), "{}", &welcome.body[..200]);
}
on_both_backends!(
    the_language_follows_the_browser_and_the_switch_keeps_the_answers,
    super::the_language_follows_the_browser_and_the_switch_keeps_the_answers
);

async fn welcome_back_keeps_the_language_chosen_on_the_start_page(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (_, codes) = open_survey(&staff, 1, "codes").await;
    let code = &codes[0];

    // A Swedish browser; the resident picks English on the start page, before the code is known.
    let mut resident = Resident::with_language(&app, Some("sv-SE,sv;q=0.9"));
    let start = resident.get("/?lang=en").await;
    assert!(start.body.contains(r#"<html lang="en""#));
    let typed = resident.post("/svara", &[("code", code)]).await;
    let welcome_path = typed.location.expect("the code leads to its welcome page");
    let welcome = resident.get(&welcome_path).await;
    assert!(welcome.body.contains(r#"<html lang="en""#) && welcome.body.contains("Start"), "{}", welcome.body);
    // A page of questions has no link that would leave what was typed behind: the name in the header is not a
    // link, and the accessibility statement opens in a new tab.
    let questions = resident.get(&format!("/svara/{code}/del/1")).await;
    assert!(!questions.body.contains(r#"<a class="brand""#) && questions.body.contains(r#"<span class="brand">"#));
    assert!(questions.body.contains(r#"href="/tillganglighet" target="_blank" rel="noopener">Accessibility (opens"#));
    assert!(welcome.body.contains(r#"<a class="brand" href="/">"#), "elsewhere the name leads to the start page");
    let later = resident.save(code, 1, &[("q.littering", "small")], "later").await;
    assert_eq!(later.location.as_deref(), Some(format!("/svara/{code}/sparat").as_str()));
    let saved = resident.get(&format!("/svara/{code}/sparat")).await;
    assert!(saved.body.contains(r#"<html lang="en""#));

    // Days later, on a phone whose browser asks for Swedish: welcome back, in English, where they left off.
    let mut phone = Resident::with_language(&app, Some("sv-SE,sv;q=0.9"));
    let back = phone.get(&format!("/svara/{code}")).await;
    assert_eq!(back.status, 200);
    assert!(back.body.contains(r#"<html lang="en""#), "{}", &back.body[..300]);
    assert!(back.body.contains("Welcome back") && !back.body.contains("Välkommen tillbaka"));
    assert!(back.body.contains(&format!("/svara/{code}/del/2")), "it continues with part 2");
    // Swedish is one click away, and then stays Swedish for the next visit.
    let swedish = phone.get(&format!("/svara/{code}?lang=sv")).await;
    assert!(swedish.body.contains(r#"<html lang="sv""#) && swedish.body.contains("Välkommen tillbaka"));
    let again = Resident::new(&app).get(&format!("/svara/{code}")).await;
    assert!(again.body.contains(r#"<html lang="sv""#));
}
on_both_backends!(
    welcome_back_keeps_the_language_chosen_on_the_start_page,
    super::welcome_back_keeps_the_language_chosen_on_the_start_page
);

async fn an_open_link_survey_starts_with_the_municipality(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (id, _) = open_survey(&staff, 0, "open_link").await;
    let survey_page = staff.get(&format!("/admin/surveys/{id}")).await.text().await.unwrap().replace("&#x2f;", "/");
    assert!(survey_page.contains(&format!("/oppen/{id}")), "the survey page gives the link to share");
    let mut resident = Resident::new(&app);
    let start = resident.get(&format!("/oppen/{id}")).await;
    assert_eq!(start.status, 200, "{}", start.body);
    assert!(start.body.contains("Hagfors") && start.body.contains("Munkfors"), "{}", start.body);
    let missing = resident.post(&format!("/oppen/{id}"), &[]).await;
    assert_eq!(missing.status, 422);
    assert!(missing.body.contains("Välj den kommun du bor i"));
    let started = resident.post(&format!("/oppen/{id}"), &[("municipality", "1762")]).await;
    assert_eq!(started.status, 303);
    let welcome_path = started.location.unwrap();
    let code = welcome_path.trim_start_matches("/svara/").to_owned();
    let welcome = resident.get(&welcome_path).await;
    assert!(welcome.body.contains(&code), "the resume code is shown to keep");
    resident.save(&code, 1, &[("q.littering", "none")], "review").await;
    let review = resident.get(&format!("/svara/{code}/granska")).await;
    let submission = submission_id(&review.body);
    let sent = resident.post(&format!("/svara/{code}/skicka"), &[("submission_id", &submission)]).await;
    assert_eq!(sent.location.as_deref(), Some("/tack"));
    assert_eq!(app.query_strings("SELECT municipality_code FROM responses"), ["1762"]);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts"), 0);
    // The resume code is spent with its draft: used again, it meets "already answered", not "not found".
    let spent = Resident::new(&app).get(&welcome_path).await;
    assert_eq!(spent.status, 409);
    assert!(spent.body.contains("Du har redan svarat"));
    // A retry of the submit still thanks.
    let again = resident.post(&format!("/svara/{code}/skicka"), &[("submission_id", &submission)]).await;
    assert_eq!(again.location.as_deref(), Some("/tack"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM responses"), 1);
}
on_both_backends!(
    an_open_link_survey_starts_with_the_municipality,
    super::an_open_link_survey_starts_with_the_municipality
);

/// A questionnaire may mark a question required. A resident who has saved the first pages has not answered the
/// required question of the last page yet: the draft is no less sound for that, and the next pages and the review open
/// and save (the draft's check once went round for ever on such a question, holding the request and a core).
async fn a_required_question_on_a_later_page_holds_up_no_page_before_it(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let admin = app.staff("admin@polisen.se", "admin", &[]).await;
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let builtin = trygghet::domain::instrument::default_instrument().expect("the default questionnaire loads");
    let mut document: Value = serde_json::from_str(&builtin.to_json_pretty().unwrap()).unwrap();
    document["key"] = json!("med-krav");
    document["version"] = json!("1");
    let sections = document["sections"].as_array().unwrap().len();
    let last = &mut document["sections"][sections - 1]["items"];
    let item = last.as_array_mut().unwrap().iter_mut().find(|item| item.get("show_if").is_none()).unwrap();
    item["required"] = json!(true);
    assert_eq!(admin.send_json(Method::POST, "/api/v1/instruments", &document).await.status(), 201);
    let (id, codes) = open_survey(&staff, 1, "codes").await;
    app.database.execute(&format!(
        "UPDATE surveys SET instrument_key = 'med-krav', instrument_version = '1' WHERE id = '{id}'"
    ));
    let code = &codes[0];
    let mut resident = Resident::new(&app);
    let walk = async {
        let first = resident.save(code, 1, &[("q.littering", "very_big")], "next").await;
        assert_eq!(first.location.as_deref(), Some(format!("/svara/{code}/del/2").as_str()));
        let second = resident.save(code, 2, &[], "next").await;
        assert_eq!(second.location.as_deref(), Some(format!("/svara/{code}/del/3").as_str()));
        let page = resident.get(&format!("/svara/{code}/del/1")).await;
        assert!(page.body.contains(r#"value="very_big" checked"#), "the saved answer is shown again");
        resident.get(&format!("/svara/{code}/granska")).await
    };
    let review = tokio::time::timeout(std::time::Duration::from_secs(60), walk).await.expect("the pages answer");
    assert_eq!(review.status, 200, "{}", review.body);
}
on_both_backends!(
    a_required_question_on_a_later_page_holds_up_no_page_before_it,
    super::a_required_question_on_a_later_page_holds_up_no_page_before_it
);

/// After a batch of responses, the storage stamp ties a response to no letter: on PostgreSQL the batch's ten responses
/// share one transaction id (`xmin`), which one of their ten letters shares too.
async fn responses_are_settled_in_shuffled_batches(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let batch = trygghet::app::responses::SETTLE_BATCH;
    let (id, codes) = open_survey(&staff, batch + 1, "codes").await;
    for code in &codes {
        let mut resident = Resident::new(&app);
        resident.save(code, 1, &[("q.littering", "very_big")], "review").await;
        let review = resident.get(&format!("/svara/{code}/granska")).await;
        let submission = submission_id(&review.body);
        let sent = resident.post(&format!("/svara/{code}/skicka"), &[("submission_id", &submission)]).await;
        assert_eq!(sent.location.as_deref(), Some("/tack"));
    }
    let settled = app.query_strings("SELECT CASE WHEN settled THEN 'yes' ELSE 'no' END FROM responses ORDER BY 1");
    let mut expected = vec!["no".to_owned()];
    expected.extend(std::iter::repeat_n("yes".to_owned(), batch));
    assert_eq!(settled, expected, "a full batch is settled, the one after it waits");
    let answers = format!("SELECT COUNT(*) FROM {} answers", app.answers_table());
    assert_eq!(count(&app, &answers), batch + 1, "answers are rewritten with their responses");
    if let TestDatabase::Postgres { .. } = app.database {
        let letters = app.query_strings("SELECT xmin::text FROM invitations WHERE disposition = 'completed'");
        let stamps = app.query_strings("SELECT DISTINCT xmin::text FROM responses WHERE settled");
        assert_eq!(stamps.len(), 1, "one batch, one transaction");
        // The batch is written by the transaction that stored its last response: it shares that one letter's
        // transaction id (one letter of ten, not which response), and no other letter's.
        let shared = letters.iter().filter(|letter| **letter == stamps[0]).count();
        assert_eq!(shared, 1, "the batch names no letter beyond one of its own ten");
    } else {
        let keyed = app.query_strings("SELECT name FROM pragma_table_list WHERE wr = 1 ORDER BY name");
        assert!(keyed.contains(&"responses".to_owned()), "{keyed:?}");
    }
    // Closing settles the rest.
    staff.send_json(Method::POST, &format!("/api/v1/surveys/{id}/close"), &json!({})).await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM responses WHERE NOT settled"), 0);
}
on_both_backends!(responses_are_settled_in_shuffled_batches, super::responses_are_settled_in_shuffled_batches);

async fn the_accessibility_statement_takes_problem_reports(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let mut resident = Resident::new(&app);
    let page = resident.get("/tillganglighet").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("WCAG 2.1") && page.body.contains("Digg"));
    let empty = resident.post("/tillganglighet", &[("message", " ")]).await;
    assert_eq!(empty.status, 422);
    let sent = resident.post("/tillganglighet", &[("message", "Knapparna syns dåligt i mörkt läge.")]).await;
    assert_eq!(sent.status, 200);
    assert!(sent.body.contains("Tack!"));
    let admin = app.staff("admin@polisen.se", "admin", &[]).await;
    let log = admin.get("/api/v1/audit").await.text().await.unwrap();
    assert!(log.contains("accessibility_problem_reported") && log.contains("Knapparna syns dåligt"));
}
on_both_backends!(
    the_accessibility_statement_takes_problem_reports,
    super::the_accessibility_statement_takes_problem_reports
);

/// Every resident page names who asks and whom to ask: the survey's sender and contact, and the service's own where no
/// survey is known (or the survey was stored before it had a contact).
async fn residents_know_who_asks(backend: Backend) {
    let own = [("TRYGGHET_CONTACT_EMAIL", "Trygghet@Polisen.se"), ("TRYGGHET_ORGANISATION", "Polisregion Bergslagen")];
    let Some(app) = spawn_app_with(backend, &own).await else { return };
    let staff = app.staff("anna@polisen.se", "coordinator", &["1783", "1762"]).await;
    let (id, codes) = open_survey(&staff, 2, "codes").await;
    let mut resident = Resident::new(&app);
    let survey_contact = r#"<a href="tel:056318500" dir="ltr">0563-185 00</a>"#;

    let welcome = resident.get(&format!("/svara/{}", codes[0])).await;
    assert_eq!(welcome.status, 200);
    assert!(welcome.body.contains("Enkäten kommer från Polisen och Hagfors kommun."), "{}", welcome.body);
    assert!(welcome.body.contains(survey_contact), "{}", welcome.body);
    let section = resident.get(&format!("/svara/{}/del/1", codes[0])).await;
    assert!(section.body.contains(survey_contact));

    // A code nobody has: the service's own organisation and contact.
    let unknown = resident.get(&format!("/svara/{}", unknown_code())).await;
    assert_eq!(unknown.status, 404);
    assert!(
        unknown.body.contains(r#"<a href="mailto:trygghet@polisen.se" dir="ltr">trygghet@polisen.se</a>"#),
        "{}",
        unknown.body
    );
    assert!(unknown.body.contains("Tjänsten drivs av Polisregion Bergslagen."));

    // Already answered, not yet open (with its day), closed: each ends with the survey's contact.
    app.database.execute("UPDATE invitations SET disposition = 'completed' WHERE letter_serial = 2");
    let answered = resident.get(&format!("/svara/{}", codes[1])).await;
    let (answered, other) = if answered.status == 409 {
        (answered, &codes[0])
    } else {
        (resident.get(&format!("/svara/{}", codes[0])).await, &codes[1])
    };
    assert!(
        answered.body.contains("Du har redan svarat") && answered.body.contains(survey_contact),
        "{}",
        answered.body
    );
    app.database
        .execute(&format!("UPDATE surveys SET opens_on = '2099-03-01', closes_on = '2099-04-01' WHERE id = '{id}'"));
    let not_open = resident.get(&format!("/svara/{other}")).await;
    assert_eq!(not_open.status, 409);
    assert!(not_open.body.contains("Enkäten öppnar 2099-03-01.") && not_open.body.contains(survey_contact));
    app.database.execute(&format!(
        "UPDATE surveys SET opens_on = '2020-01-01', closes_on = '2020-02-01', state = 'closed' WHERE id = '{id}'"
    ));
    let closed = resident.get(&format!("/svara/{other}")).await;
    assert_eq!(closed.status, 410);
    assert!(closed.body.contains("Enkäten är stängd") && closed.body.contains(survey_contact));

    // A survey stored before surveys had a sender: named by its police and municipality, with the service's contact.
    app.database
        .execute(&format!("UPDATE surveys SET state = 'open', sender = NULL, contact = NULL WHERE id = '{id}'"));
    let (opens_on, closes_on) = period();
    app.database
        .execute(&format!("UPDATE surveys SET opens_on = '{opens_on}', closes_on = '{closes_on}' WHERE id = '{id}'"));
    let legacy = resident.get(&format!("/svara/{other}")).await;
    assert_eq!(legacy.status, 200, "{}", legacy.body);
    assert!(legacy.body.contains("Enkäten kommer från polisen och kommunen (Hagfors)."), "{}", legacy.body);
    assert!(legacy.body.contains("mailto:trygghet@polisen.se") && !legacy.body.contains("0563-185 00"));

    // The accessibility statement names who is responsible, a contact and its day.
    let statement = resident.get("/tillganglighet").await;
    assert!(statement.body.contains("Polisregion Bergslagen ansvarar för webbplatsen"), "{}", statement.body);
    assert!(
        statement.body.contains("mailto:trygghet@polisen.se")
            && statement.body.contains("Redogörelsen gjordes 2026-12-05")
    );
}
on_both_backends!(residents_know_who_asks, super::residents_know_who_asks);
