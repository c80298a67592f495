//! Paper questionnaires keyed in by staff: the web form's checks, the letter used up, exactly once.

use reqwest::Method;
use serde_json::{Value, json};
use trygghet::domain::instrument::{ItemKind, default_instrument};

use crate::helpers::{Backend, Browser, spawn_app};
use crate::on_both_backends;

/// Ids the test needs from the default questionnaire: a scale item with its first option, a yes/no item with a
/// follow-up, and a number item with its maximum.
struct Picks {
    scale: (String, String),
    parent: String,
    follow_up: String,
    number: (String, i64),
}

fn picks() -> Picks {
    let instrument = default_instrument().expect("the default questionnaire loads");
    let items: Vec<_> = instrument.items().collect();
    let scale = items.iter().find(|item| matches!(item.kind, ItemKind::Scale { .. })).unwrap();
    let option = instrument.scale_of(scale).unwrap().options[1].code.clone();
    let follow_up = items.iter().find(|item| item.show_if.as_ref().is_some_and(|c| c.equals == "yes")).unwrap();
    let parent = follow_up.show_if.as_ref().unwrap().item.clone();
    let number = items
        .iter()
        .find_map(|item| match item.kind {
            ItemKind::Number { max, .. } => Some((item.id.clone(), max)),
            _ => None,
        })
        .unwrap();
    Picks { scale: (scale.id.clone(), option), parent, follow_up: follow_up.id.clone(), number }
}

async fn open_survey(browser: &Browser) -> String {
    open_survey_with(browser, 5).await
}

async fn open_survey_with(browser: &Browser, letters: u32) -> String {
    let body = json!({ "title": "Papper 2026", "opens_on": "2026-05-02", "closes_on": "2026-06-19", "access": "codes",
                       "sender": "Polisen och Hagfors kommun", "contact": { "phone": "0563-185 00" },
                       "municipalities": [{ "code": "1783", "sample_size": 300 }] });
    let survey: Value = browser.send_json(Method::POST, "/api/v1/surveys", &body).await.json().await.unwrap();
    let id = survey["id"].as_str().unwrap().to_owned();
    let response = browser
        .send_json(
            Method::POST,
            &format!("/api/v1/surveys/{id}/municipalities/1783/invitations"),
            &json!({ "count": letters }),
        )
        .await;
    assert_eq!(response.status(), 201);
    assert_eq!(browser.send_json(Method::POST, &format!("/api/v1/surveys/{id}/open"), &json!({})).await.status(), 200);
    id
}

fn submission_id(page: &str) -> String {
    let marker = r#"name="submission_id" value=""#;
    let start = page.find(marker).expect("a submission id") + marker.len();
    page[start..start + 36].to_owned()
}

async fn a_paper_form_is_checked_stored_once_and_uses_up_its_letter(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let picks = picks();
    let browser = app.staff("anna@polisen.se", "coordinator", &["1783"]).await;
    let id = open_survey(&browser).await;
    let path = format!("/admin/surveys/{id}/paper");

    let page = browser.get(&path).await.text().await.unwrap();
    assert!(page.contains("Mata in en pappersenkät") && page.contains(&format!(r#"name="q.{}""#, picks.scale.0)));
    let form_id = submission_id(&page);

    // A wrong answer: the message next to the question, everything else kept.
    let scale_field = format!("q.{}", picks.scale.0);
    let number_field = format!("q.{}", picks.number.0);
    let too_big = (picks.number.1 + 1).to_string();
    let parent_field = format!("q.{}", picks.parent);
    let follow_field = format!("q.{}", picks.follow_up);
    let mut fields = vec![
        ("submission_id", form_id.as_str()),
        ("municipality", "1783"),
        ("letter_number", "1783-000001"),
        (scale_field.as_str(), picks.scale.1.as_str()),
        (number_field.as_str(), too_big.as_str()),
        (parent_field.as_str(), "no"),
        (follow_field.as_str(), "yes"),
    ];
    let response = browser.post_form(&path, &fields).await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("Något behöver rättas"));
    assert!(page.contains(&format!(r#"id="q-{}-error""#, picks.number.0)), "the error sits next to its question");
    assert!(page.contains(&format!(r#"value="{}" checked"#, picks.scale.1)), "the chosen answer is kept");
    assert!(page.contains(r#"value="1783-000001""#), "the letter number is kept");
    assert_eq!(app.query_strings("SELECT id FROM responses").len(), 0);

    // The follow-up answered against its question's "no" is named too, to be keyed as the form's rule says.
    assert!(page.contains(&format!(r#"id="q-{}-error""#, picks.follow_up)), "the contradiction is named: {page}");
    assert!(page.contains("Frågan gäller inte med ditt svar på frågan före."));

    // Corrected: stored, the letter used up, no follow-up to a "no".
    fields[4] = (number_field.as_str(), "12");
    fields.pop();
    let response = browser.post_form(&path, &fields).await;
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("Blanketten är sparad."));
    assert_eq!(app.query_strings("SELECT mode FROM responses"), ["paper"]);
    let mut items = app.query_strings(&format!("SELECT item_id FROM {} answers", app.answers_table()));
    items.sort();
    let mut expected = vec![picks.scale.0.clone(), picks.number.0.clone(), picks.parent.clone()];
    expected.sort();
    assert_eq!(items, expected, "one row per answered, shown item");
    assert_eq!(app.query_strings("SELECT disposition FROM invitations WHERE letter_serial = 1"), ["completed"]);
    let today = trygghet::domain::survey::swedish_day(chrono::Utc::now()).to_string();
    assert_eq!(app.query_strings("SELECT submitted_on FROM responses"), [today]);

    // The same form again (a double click): nothing stored twice.
    let response = browser.post_form(&path, &fields).await;
    assert_eq!(response.status(), 200);
    assert_eq!(app.query_strings("SELECT id FROM responses").len(), 1);

    // Another form naming the same letter: refused, so nobody is counted twice.
    let fresh = submission_id(&browser.get(&path).await.text().await.unwrap());
    fields[0] = ("submission_id", fresh.as_str());
    let response = browser.post_form(&path, &fields).await;
    assert_eq!(response.status(), 409);
    assert!(response.text().await.unwrap().contains("redan besvarat"));
    assert_eq!(app.query_strings("SELECT id FROM responses").len(), 1);

    // Without a letter number a form is simply counted.
    let fresh = submission_id(&browser.get(&path).await.text().await.unwrap());
    let response = browser
        .post_form(&path, &[("submission_id", fresh.as_str()), ("municipality", "1783"), ("letter_number", "")])
        .await;
    assert_eq!(response.status(), 200);

    // The survey counts responses by mode, and the used letter leaves the reminder list.
    let survey: Value = browser.get(&format!("/api/v1/surveys/{id}")).await.json().await.unwrap();
    let hagfors = &survey["municipalities"][0];
    assert_eq!((hagfors["responses_paper"].as_i64(), hagfors["responses_web"].as_i64()), (Some(2), Some(0)));
    assert_eq!(hagfors["dispositions"]["completed"], 1);
    let path = format!("/api/v1/surveys/{id}/municipalities/1783/reminders");
    let reminders = browser.send_json(reqwest::Method::POST, &path, &json!({})).await.text().await.unwrap();
    assert!(!reminders.contains("1783-000001") && reminders.contains("1783-000002"));
    let audit = app.query_strings("SELECT detail FROM audit_events WHERE action = 'paper_form_entered'");
    assert_eq!(audit.len(), 2);
    assert!(audit.iter().all(|detail| !detail.contains("000001")), "the log never names the letter of a response");
}
on_both_backends!(
    a_paper_form_is_checked_stored_once_and_uses_up_its_letter,
    super::a_paper_form_is_checked_stored_once_and_uses_up_its_letter
);

async fn paper_entry_needs_an_open_survey_and_a_coordinator(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let anna = app.staff("anna@polisen.se", "coordinator", &["1783"]).await;
    let viewer = app.staff("vera@kommun.se", "viewer", &["1783"]).await;
    let body = json!({ "title": "Utkast", "opens_on": "2026-05-02", "closes_on": "2026-06-19", "access": "codes",
                       "sender": "Polisen och Hagfors kommun", "contact": { "phone": "0563-185 00" },
                       "municipalities": [{ "code": "1783", "sample_size": 300 }] });
    let survey: Value = anna.send_json(Method::POST, "/api/v1/surveys", &body).await.json().await.unwrap();
    let id = survey["id"].as_str().unwrap();
    assert_eq!(anna.get(&format!("/admin/surveys/{id}/paper")).await.status(), 409, "a draft takes no answers");
    assert_eq!(anna.send_json(Method::POST, &format!("/api/v1/surveys/{id}/open"), &json!({})).await.status(), 200);
    assert_eq!(anna.get(&format!("/admin/surveys/{id}/paper")).await.status(), 200);
    assert_eq!(viewer.get(&format!("/admin/surveys/{id}/paper")).await.status(), 403);
    let response = viewer.post_form(&format!("/admin/surveys/{id}/paper"), &[("municipality", "1783")]).await;
    assert_eq!(response.status(), 403);
    assert_eq!(app.query_strings("SELECT id FROM responses").len(), 0);
}
on_both_backends!(
    paper_entry_needs_an_open_survey_and_a_coordinator,
    super::paper_entry_needs_an_open_survey_and_a_coordinator
);

/// The columns of a table, read from the database itself.
fn columns(app: &crate::helpers::TestApp, table: &str) -> Vec<String> {
    let sql = match &app.database {
        crate::helpers::TestDatabase::Sqlite { .. } => format!("SELECT name FROM pragma_table_info('{table}')"),
        crate::helpers::TestDatabase::Postgres { .. } => {
            format!("SELECT column_name FROM information_schema.columns WHERE table_name = '{table}'")
        }
    };
    let mut names = app.query_strings(&sql);
    names.sort();
    names
}

/// The tables a table's foreign keys point to, read from the database itself.
fn referenced_tables(app: &crate::helpers::TestApp, table: &str) -> Vec<String> {
    let sql = match &app.database {
        crate::helpers::TestDatabase::Sqlite { .. } => {
            format!("SELECT \"table\" FROM pragma_foreign_key_list('{table}')")
        }
        crate::helpers::TestDatabase::Postgres { .. } => format!(
            "SELECT DISTINCT target.relname FROM pg_constraint c JOIN pg_class source ON source.oid = c.conrelid \
             JOIN pg_class target ON target.oid = c.confrelid WHERE c.contype = 'f' AND source.relname = '{table}'"
        ),
    };
    app.query_strings(&sql)
}

/// Anonymity by construction: no column of a response (its answers included) or its submission record can lead back
/// to an invitation, a code, a person or a moment; a new column here must be reviewed against that promise.
async fn responses_have_no_path_back_to_invitations_and_no_precise_time(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    assert_eq!(
        columns(&app, "responses"),
        [
            "answers",
            "id",
            "instrument_version",
            "language",
            "mode",
            "municipality_code",
            "settled",
            "submitted_on",
            "survey_id"
        ]
    );
    assert_eq!(columns(&app, "submissions"), ["submission_id", "submitted_on", "survey_id"]);
    assert_eq!(columns(&app, "spent_resume_codes"), ["code_hash", "survey_id"], "a spent code says that, not when");
    let invitations = columns(&app, "invitations");
    assert!(
        invitations
            .iter()
            .all(|column| !column.contains("response") && !column.ends_with("_at") && !column.ends_with("_on")),
        "an invitation records that it was answered, not when or by which response: {invitations:?}"
    );
    // No foreign key leads from a response's tables anywhere but to its survey, municipality and response: there is
    // no join path to invitations or drafts (which hold the code's hash).
    let mut response_keys = referenced_tables(&app, "responses");
    response_keys.sort();
    assert_eq!(response_keys, ["municipalities", "surveys"], "the foreign keys are read (none would prove nothing)");
    for table in ["responses", "submissions", "completion_tallies"] {
        let targets = referenced_tables(&app, table);
        assert!(
            targets.iter().all(|target| ["surveys", "municipalities", "responses"].contains(&target.as_str())),
            "{table} references {targets:?}"
        );
        let names = columns(&app, table);
        assert!(
            names
                .iter()
                .all(|name| !name.contains("code_hash") && !name.contains("invitation") && !name.contains("key")),
            "{table} has a column that could name a code: {names:?}"
        );
    }
    // No time is kept, only calendar days: no column of these tables can hold a time of day.
    for table in ["responses", "submissions", "completion_tallies"] {
        let types = match &app.database {
            crate::helpers::TestDatabase::Sqlite { .. } => {
                app.query_strings(&format!("SELECT name || ' ' || type FROM pragma_table_info('{table}')"))
            }
            crate::helpers::TestDatabase::Postgres { .. } => app.query_strings(&format!(
                "SELECT column_name || ' ' || data_type FROM information_schema.columns WHERE table_name = '{table}'"
            )),
        };
        assert!(
            types.iter().all(|column| !column.to_lowercase().contains("time")),
            "{table} can hold a time of day: {types:?}"
        );
        let days: Vec<&String> =
            types.iter().filter(|column| column.contains("_on ") || column.starts_with("day ")).collect();
        assert!(days.iter().all(|column| column.to_lowercase().ends_with(" date")), "{days:?}");
    }
}
on_both_backends!(
    responses_have_no_path_back_to_invitations_and_no_precise_time,
    super::responses_have_no_path_back_to_invitations_and_no_precise_time
);

/// The letter number names the municipality: a form for a Hagfors letter is stored in Hagfors whichever
/// municipality the list shows, and a letter of a municipality the clerk does not coordinate is refused beside it.
async fn the_letter_number_decides_the_municipality(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let picks = picks();
    let browser = app.staff("anna@polisen.se", "coordinator", &["1783", "1737"]).await;
    let body = json!({ "title": "Papper 2026", "opens_on": "2026-05-02", "closes_on": "2026-06-19", "access": "codes",
                       "sender": "Polisen och Hagfors kommun", "contact": { "phone": "0563-185 00" },
                       "municipalities": [{ "code": "1737", "sample_size": 300 }, { "code": "1783", "sample_size": 300 }] });
    let survey: Value = browser.send_json(Method::POST, "/api/v1/surveys", &body).await.json().await.unwrap();
    let id = survey["id"].as_str().unwrap().to_owned();
    let codes = format!("/api/v1/surveys/{id}/municipalities/1783/invitations");
    assert_eq!(browser.send_json(Method::POST, &codes, &json!({ "count": 2 })).await.status(), 201);
    assert_eq!(browser.send_json(Method::POST, &format!("/api/v1/surveys/{id}/open"), &json!({})).await.status(), 200);
    let path = format!("/admin/surveys/{id}/paper");
    let page = browser.get(&path).await.text().await.unwrap();
    let letter_at = page.find(r#"id="letter_number""#).unwrap();
    assert!(letter_at < page.find(r#"id="municipality""#).unwrap(), "the letter number comes first");

    let scale_field = format!("q.{}", picks.scale.0);
    let form_id = submission_id(&page);
    let fields = [
        ("submission_id", form_id.as_str()),
        ("municipality", "1737"),
        ("letter_number", "1783-000002"),
        (scale_field.as_str(), picks.scale.1.as_str()),
    ];
    let response = browser.post_form(&path, &fields).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let stored = app.query_strings("SELECT municipality_code FROM responses");
    assert_eq!(stored, ["1783"]);
    let letter = app.query_strings("SELECT disposition FROM invitations WHERE letter_serial = 2");
    assert_eq!(letter, ["completed"]);
    // The same letter again, with nothing answered and the other municipality chosen: still the same letter.
    let page = browser.get(&path).await.text().await.unwrap();
    let second = submission_id(&page);
    let again = [("submission_id", second.as_str()), ("municipality", "1737"), ("letter_number", "1783-000002")];
    let response = browser.post_form(&path, &again).await;
    assert_eq!(response.status(), 409, "{}", response.text().await.unwrap());

    let elsewhere = [
        ("submission_id", "0b9a6a1e-8e53-4c4e-9a8f-6f1d2c3b4a59"),
        ("municipality", "1783"),
        ("letter_number", "1762-000001"),
        (scale_field.as_str(), picks.scale.1.as_str()),
    ];
    let response = browser.post_form(&path, &elsewhere).await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("hör till en kommun som inte ingår i enkäten"));
    assert_eq!(app.query_strings("SELECT COUNT(*) FROM responses"), ["1"]);
}
on_both_backends!(the_letter_number_decides_the_municipality, super::the_letter_number_decides_the_municipality);

/// Scanning bureaus send paper forms to the API: the same checks, the letter used up, a retry stored once.
async fn a_paper_form_comes_through_the_api(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let picks = picks();
    let browser = app.staff("anna@polisen.se", "coordinator", &["1783"]).await;
    let id = open_survey(&browser).await;
    let script = browser.script().await;
    let path = format!("/api/v1/surveys/{id}/paper");
    let form = json!({ "letter_number": "1783-000003", "submission_id": "5f0e7a52-2f4e-4c55-9d0a-1b2c3d4e5f60",
                       "answers": { picks.scale.0.clone(): picks.scale.1, picks.number.0.clone(): picks.number.1 } });
    let response = script.request(Method::POST, &path, Some(&form)).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    assert_eq!(script.request(Method::POST, &path, Some(&form)).await.status(), 201, "a retry: the same form");
    assert_eq!(app.query_strings("SELECT COUNT(*) FROM responses"), ["1"]);
    assert_eq!(app.query_strings("SELECT disposition FROM invitations WHERE letter_serial = 3"), ["completed"]);

    let again = json!({ "letter_number": "1783-000003", "submission_id": "6f0e7a52-2f4e-4c55-9d0a-1b2c3d4e5f61",
                        "answers": {} });
    assert_eq!(script.request(Method::POST, &path, Some(&again)).await.status(), 409, "the letter is answered");
    let wrong = json!({ "municipality": "1783", "submission_id": "7f0e7a52-2f4e-4c55-9d0a-1b2c3d4e5f62",
                        "answers": { picks.number.0.clone(): picks.number.1 + 1, "q.none": [1, 2] } });
    let response = script.request(Method::POST, &path, Some(&wrong)).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["field"], "answers", "{body}");
    let wrong = json!({ "municipality": "1783", "submission_id": "7f0e7a52-2f4e-4c55-9d0a-1b2c3d4e5f62",
                        "answers": { picks.number.0.clone(): picks.number.1 + 1 } });
    let body: Value = script.request(Method::POST, &path, Some(&wrong)).await.json().await.unwrap();
    assert_eq!(body["error"]["field"], format!("q-{}", picks.number.0), "{body}");
    assert_eq!(app.query_strings("SELECT COUNT(*) FROM responses"), ["1"]);
}
on_both_backends!(a_paper_form_comes_through_the_api, super::a_paper_form_comes_through_the_api);

/// Forms sent at the same moment (on SQLite stored together, a savepoint each) are each stored once or refused on
/// their own: a repeated form is the same form, a second form for one letter finds it answered, and the others are in.
async fn forms_sent_at_the_same_moment_are_each_stored_once(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let picks = picks();
    let browser = app.staff("anna@polisen.se", "coordinator", &["1783"]).await;
    let id = open_survey_with(&browser, 30).await;
    let script = browser.script().await;
    let path = format!("/api/v1/surveys/{id}/paper");
    let form = |serial: usize, submission: String| {
        json!({ "letter_number": format!("1783-{serial:06}"), "submission_id": submission,
                "answers": { picks.scale.0.clone(): picks.scale.1, picks.number.0.clone(): picks.number.1 } })
    };
    let mut forms: Vec<Value> = (1..=30).map(|serial| form(serial, uuid::Uuid::new_v4().to_string())).collect();
    forms.push(forms[0].clone());
    forms.push(form(2, uuid::Uuid::new_v4().to_string()));
    let sent = futures_util::future::join_all(forms.iter().map(|form| script.request(Method::POST, &path, Some(form))));
    let statuses: Vec<u16> = sent.await.iter().map(|response| response.status().as_u16()).collect();
    assert!(statuses[..30].iter().enumerate().all(|(at, status)| *status == 201 || (at == 1 && *status == 409)));
    assert_eq!(statuses[30], 201, "the same form again is the form stored");
    let second_for_letter_2 = [statuses[1], statuses[31]];
    assert!(second_for_letter_2.contains(&201) && second_for_letter_2.contains(&409), "{second_for_letter_2:?}");
    assert_eq!(app.query_strings("SELECT COUNT(*) FROM responses"), ["30"]);
    assert_eq!(app.query_strings(&format!("SELECT COUNT(*) FROM {} answers", app.answers_table())), ["60"]);
    assert_eq!(app.query_strings("SELECT COUNT(*) FROM invitations WHERE disposition = 'completed'"), ["30"]);
    assert_eq!(app.query_strings("SELECT SUM(submitted) FROM completion_tallies"), ["30"]);
    // The letters' counters, moved once for each group, count each answered letter once, the refused forms' none.
    let answered = "SELECT letters FROM disposition_tallies WHERE disposition = 'completed'";
    assert_eq!(app.query_strings(answered), ["30"]);
    assert_eq!(crate::rates::reconcile(&app, false).await, Vec::<String>::new(), "every counter equals its recount");
    let fresh: usize = app.query_strings("SELECT COUNT(*) FROM responses WHERE NOT settled")[0].parse().unwrap();
    assert!((1..=10).contains(&fresh), "at most a batch stays fresh, and never none: {fresh}");
}
on_both_backends!(
    forms_sent_at_the_same_moment_are_each_stored_once,
    super::forms_sent_at_the_same_moment_are_each_stored_once
);

/// Many forms at once are stored together, a few transactions for all of them; on PostgreSQL with no savepoint, so
/// that each letter carries the id of its group's transaction, never one of its own.
async fn many_forms_at_once_are_stored_together(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let picks = picks();
    let browser = app.staff("anna@polisen.se", "coordinator", &["1783"]).await;
    const FORMS: usize = 40;
    let id = open_survey_with(&browser, FORMS as u32).await;
    let script = browser.script().await;
    let path = format!("/api/v1/surveys/{id}/paper");
    let forms: Vec<Value> = (1..=FORMS)
        .map(|serial| {
            json!({ "letter_number": format!("1783-{serial:06}"), "submission_id": uuid::Uuid::new_v4().to_string(),
                    "answers": { picks.scale.0.clone(): picks.scale.1 } })
        })
        .collect();
    let sent = futures_util::future::join_all(forms.iter().map(|form| script.request(Method::POST, &path, Some(form))));
    let statuses: Vec<u16> = sent.await.iter().map(|response| response.status().as_u16()).collect();
    assert!(statuses.iter().all(|status| *status == 201), "{statuses:?}");
    assert_eq!(app.query_strings("SELECT COUNT(*) FROM responses"), [FORMS.to_string()]);
    assert_eq!(
        app.query_strings("SELECT COUNT(*) FROM invitations WHERE disposition = 'completed'"),
        [FORMS.to_string()]
    );
    assert_eq!(app.query_strings("SELECT SUM(submitted) FROM completion_tallies"), [FORMS.to_string()]);
    assert_eq!(
        app.query_strings("SELECT COUNT(*) FROM audit_events WHERE action = 'paper_form_entered'"),
        [FORMS.to_string()]
    );
    if matches!(backend, Backend::Postgres) {
        let transactions: usize = app
            .query_strings("SELECT COUNT(DISTINCT xmin::text) FROM invitations WHERE disposition = 'completed'")[0]
            .parse()
            .unwrap();
        assert!(transactions < FORMS, "{FORMS} letters answered in {transactions} transactions");
    }
}
on_both_backends!(many_forms_at_once_are_stored_together, super::many_forms_at_once_are_stored_together);

/// "Nej, ingen sådan plats" is an answer of its own (not the same as no answer) and is taken alone.
async fn no_such_place_is_an_answer_taken_alone(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let browser = app.staff("anna@polisen.se", "coordinator", &["1783"]).await;
    let id = open_survey(&browser).await;
    let script = browser.script().await;
    let path = format!("/api/v1/surveys/{id}/paper");
    let both = json!({ "municipality": "1783", "submission_id": "8f0e7a52-2f4e-4c55-9d0a-1b2c3d4e5f63",
                       "answers": { "unsafe_places": ["parks", "no_place"] } });
    let response = script.request(Method::POST, &path, Some(&both)).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["field"], "q-unsafe_places", "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("utesluter de andra"), "{body}");
    assert_eq!(app.query_strings("SELECT COUNT(*) FROM responses"), ["0"]);

    let alone = json!({ "municipality": "1783", "submission_id": "9f0e7a52-2f4e-4c55-9d0a-1b2c3d4e5f64",
                        "answers": { "unsafe_places": ["no_place"] } });
    assert_eq!(script.request(Method::POST, &path, Some(&alone)).await.status(), 201);
    let stored = app.query_strings(&format!(
        "SELECT option_code FROM {} answers WHERE item_id = 'unsafe_places'",
        app.answers_table()
    ));
    assert_eq!(stored, ["no_place"]);

    // The resident's page shows it apart from the places, marked for the script that unticks the others.
    let page = browser.get(&format!("/admin/surveys/{id}/paper")).await.text().await.unwrap();
    assert!(
        page.contains(r#"<label class="exclusive"><input type="checkbox" name="q.unsafe_places" value="no_place""#)
    );
    assert!(page.contains(r#"value="no_place" data-exclusive>"#), "{page}");
}
on_both_backends!(no_such_place_is_an_answer_taken_alone, super::no_such_place_is_an_answer_taken_alone);

/// How the database would find a letter by its number (`queries::invitations::by_serial`, every paper form's look-up):
/// SQLite's query plan, or the plan PostgreSQL keeps for the prepared statement once it stops planning each run anew.
fn plan_of_a_letter_by_number(app: &crate::helpers::TestApp) -> String {
    use diesel::prelude::*;
    use diesel::sql_types::Text;
    use diesel::{PgConnection, SqliteConnection};
    const BY_NUMBER: &str = "SELECT id, survey_id, municipality_code, letter_serial, code_hash, disposition \
                             FROM invitations WHERE survey_id = ? AND municipality_code = ? AND letter_serial = ?";
    #[derive(QueryableByName)]
    struct SqlitePlan {
        #[diesel(sql_type = Text)]
        detail: String,
    }
    #[derive(QueryableByName)]
    struct PostgresPlan {
        #[diesel(sql_type = Text)]
        #[diesel(column_name = "QUERY PLAN")]
        line: String,
    }
    match &app.database {
        crate::helpers::TestDatabase::Sqlite { path, .. } => {
            let mut conn = SqliteConnection::establish(&path.to_string_lossy()).unwrap();
            let plan = diesel::sql_query(format!("EXPLAIN QUERY PLAN {BY_NUMBER}"));
            plan.load::<SqlitePlan>(&mut conn).unwrap().into_iter().map(|row| row.detail).collect::<Vec<_>>().join("\n")
        }
        crate::helpers::TestDatabase::Postgres { url, .. } => {
            let mut conn = PgConnection::establish(url).unwrap();
            diesel::sql_query("SET plan_cache_mode = force_generic_plan").execute(&mut conn).unwrap();
            // PostgreSQL numbers its parameters: $1, $2, $3.
            let numbered: String = BY_NUMBER
                .split('?')
                .enumerate()
                .map(|(at, part)| if at == 0 { part.to_owned() } else { format!("${at}{part}") })
                .collect();
            diesel::sql_query(format!("PREPARE by_number (text, text, integer) AS {numbered}"))
                .execute(&mut conn)
                .unwrap();
            let plan = diesel::sql_query("EXPLAIN EXECUTE by_number('a', '1783', 7)");
            plan.load::<PostgresPlan>(&mut conn).unwrap().into_iter().map(|row| row.line).collect::<Vec<_>>().join("\n")
        }
    }
}

/// A letter is found by its number through the letter numbers' unique index as soon as its letters are handed out,
/// not by reading every letter of its municipality: on PostgreSQL the hand-out brings the letters' statistics up to
/// date, without which the planner took the index of a municipality's letters by disposition (10 ms a paper form with
/// 40,000 letters: 200–275 forms a second instead of 1,146–1,254 in the load suite).
async fn a_letter_is_found_by_its_number_through_the_numbers_index(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let browser = app.staff("anna@polisen.se", "coordinator", &["1783"]).await;
    open_survey_with(&browser, 300).await;
    let plan = plan_of_a_letter_by_number(&app);
    let by_number = match backend {
        Backend::Sqlite => "(survey_id=? AND municipality_code=? AND letter_serial=?)",
        Backend::Postgres => "invitations_survey_id_municipality_code_letter_serial_key",
    };
    assert!(plan.contains(by_number), "{plan}");
    assert!(!plan.contains("invitations_disposition"), "{plan}");
}
on_both_backends!(
    a_letter_is_found_by_its_number_through_the_numbers_index,
    super::a_letter_is_found_by_its_number_through_the_numbers_index
);
