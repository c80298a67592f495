//! What results need besides the answers: population margins per municipality (API and upload on the survey page)
//! and the survey's disclosure settings (minimum base and cell), changeable in every state and kept by a copy.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, Browser, Script, TestApp, spawn_app};
use crate::on_both_backends;

fn wave(municipalities: &[&str]) -> Value {
    json!({
        "title": "Trygghetsmätning Värmland 2026",
        "opens_on": "2026-05-02",
        "closes_on": "2026-06-19",
        "access": "codes",
        "sender": "Polisen och Hagfors kommun",
        "contact": { "phone": "0563-185 00" },
        "municipalities": municipalities.iter().map(|code| json!({ "code": code, "sample_size": 300 })).collect::<Vec<_>>(),
    })
}

fn gender(woman: i64, man: i64, other: i64) -> Value {
    json!({ "woman": woman, "man": man, "other_or_no_answer": other })
}

fn age() -> Value {
    json!({ "16_24": 1200, "25_34": 1500, "35_44": 1400, "45_54": 1600, "55_64": 1700, "65_74": 1500, "75_85": 1240 })
}

fn revision(app: &TestApp, id: &str) -> i64 {
    app.query_strings(&format!("SELECT revision FROM surveys WHERE id = '{id}'"))[0].parse().unwrap()
}

async fn create(script: &Script, body: &Value) -> String {
    let response = script.request(Method::POST, "/api/v1/surveys", Some(body)).await;
    assert_eq!(response.status(), 201);
    response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

/// The fields of a 422 answer's errors.
async fn error_fields(response: reqwest::Response) -> Vec<String> {
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid");
    body["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().to_owned()).collect()
}

async fn margins_are_put_checked_and_read_back(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let anna = app.staff("anna@polisen.se", "coordinator", &["1783", "1737"]).await.script().await;
    let id = create(&anna, &wave(&["1783", "1737"])).await;
    let path = format!("/api/v1/surveys/{id}/municipalities/1783/population");
    let empty = json!({ "margins": {} });
    let response = anna.request(Method::GET, &path, None).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap(), empty);

    // Stored and read back; the survey's revision rises, so cached results are recomputed.
    let before = revision(&app, &id);
    let margins = json!({ "margins": { "gender": gender(5100, 5000, 40), "age_band": age() } });
    let response = anna.request(Method::PUT, &path, Some(&margins)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap(), margins);
    assert_eq!(anna.request(Method::GET, &path, None).await.json::<Value>().await.unwrap(), margins);
    assert!(revision(&app, &id) > before, "setting margins raises the revision");
    let other = format!("/api/v1/surveys/{id}/municipalities/1737/population");
    assert_eq!(anna.request(Method::GET, &other, None).await.json::<Value>().await.unwrap(), empty);

    // Every problem with its field; nothing stored.
    for (margins, expected) in [
        (json!({ "shoe_size": { "42": 7 } }), vec!["margins.shoe_size"]),
        (json!({ "littering": { "none": 7 } }), vec!["margins.littering"]),
        (
            json!({ "gender": { "woman": 1, "man": 1, "other_or_no_answer": 1, "robot": 1 } }),
            vec!["margins.gender.robot"],
        ),
        (json!({ "gender": { "woman": 10, "man": 10 } }), vec!["margins.gender"]),
        (json!({ "gender": gender(-1, 10, 0) }), vec!["margins.gender.woman"]),
        (json!({ "gender": gender(0, 0, 0) }), vec!["margins.gender"]),
        (json!({ "gender": gender(0, 0, 0), "age_band": {} }), vec!["margins.age_band", "margins.gender"]),
    ] {
        let response = anna.request(Method::PUT, &path, Some(&json!({ "margins": margins }))).await;
        assert_eq!(error_fields(response).await, expected, "{margins}");
    }
    let response = anna.request(Method::PUT, &path, Some(&json!({ "margins": { "gender": { "woman": 1.5 } } }))).await;
    assert_eq!(response.status(), 422, "a count is a whole number");
    let stored = anna.request(Method::GET, &path, None).await.json::<Value>().await.unwrap();
    assert_eq!(stored, margins, "a refused change stores nothing");

    // Unknown survey: 404. A municipality not hers: 403, whether or not it takes part, so the answer tells nothing.
    let unknown =
        anna.request(Method::PUT, "/api/v1/surveys/nope/municipalities/1783/population", Some(&margins)).await;
    assert_eq!(unknown.status(), 404);
    let outside = format!("/api/v1/surveys/{id}/municipalities/1766/population");
    assert_eq!(anna.request(Method::GET, &outside, None).await.status(), 403);

    // Margins change in any state: here an open survey; an empty put removes them.
    assert_eq!(anna.request(Method::POST, &format!("/api/v1/surveys/{id}/open"), None).await.status(), 200);
    let gender_only = json!({ "margins": { "gender": gender(5100, 5000, 0) } });
    assert_eq!(anna.request(Method::PUT, &path, Some(&gender_only)).await.status(), 200);
    assert_eq!(anna.request(Method::GET, &path, None).await.json::<Value>().await.unwrap(), gender_only);
    assert_eq!(anna.request(Method::PUT, &path, Some(&empty)).await.status(), 200);
    assert_eq!(anna.request(Method::GET, &path, None).await.json::<Value>().await.unwrap(), empty);
    assert_eq!(app.query_strings("SELECT item_id FROM population_margins").len(), 0);

    let details = app
        .query_strings("SELECT detail FROM audit_events WHERE action = 'population_margins_set' ORDER BY occurred_at");
    assert_eq!(details.len(), 3, "one event per change, none for refused ones");
    let first: Value = serde_json::from_str(&details[0]).unwrap();
    assert_eq!(first, json!({ "municipality": "1783", "totals": { "age_band": 10140, "gender": 10140 } }));
    let last: Value = serde_json::from_str(&details[2]).unwrap();
    assert_eq!(last, json!({ "municipality": "1783", "totals": {} }));
}
on_both_backends!(margins_are_put_checked_and_read_back, super::margins_are_put_checked_and_read_back);

/// Posts the survey page's population form for a municipality.
async fn upload(
    browser: &Browser,
    id: &str,
    code: &str,
    file: Option<&[u8]>,
    text: &str,
    csrf: &str,
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new().text("csrf_token", csrf.to_owned()).text("text", text.to_owned());
    if let Some(file) = file {
        form = form.part("file", reqwest::multipart::Part::bytes(file.to_vec()).file_name("befolkning.csv"));
    }
    browser
        .client
        .post(format!("{}/admin/surveys/{id}/municipalities/{code}/population", browser.address))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn margins_are_uploaded_on_the_survey_page(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let anna = app.staff("anna@polisen.se", "coordinator", &["1783", "1737"]).await;
    let viewer = app.staff("vera@kommun.se", "viewer", &["1783"]).await;
    let id = create(&anna.script().await, &wave(&["1783", "1737"])).await;
    let page = anna.get(&format!("/admin/surveys/{id}")).await.text().await.unwrap();
    assert!(page.contains("Befolkning för viktning") && page.contains("Spara befolkningen för Hagfors"));
    assert!(page.contains("<code>age_band</code>"), "the items and codes a file may name are listed");

    // A bad line is named, nothing is stored, and the lines come back in the form to correct.
    let typed = "fråga;svar;antal\ngender;woman;5100\ngender;man;femtusen\ngender;other_or_no_answer;40\n";
    let response = upload(&anna, &id, "1783", None, typed, &anna.csrf).await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("Rad 3: ”femtusen” är inget heltal"), "{page}");
    assert!(page.contains("gender;man;femtusen"), "what was sent is kept");
    assert!(page.contains("Inget sparades"));
    assert_eq!(app.query_strings("SELECT item_id FROM population_margins").len(), 0);

    // A file (UTF-8 with a byte-order mark, as Excel saves it) wins over the text; the page shows the table.
    let before = revision(&app, &id);
    let file = "\u{feff}gender;woman;5100\r\ngender;man;5000\r\ngender;other_or_no_answer;40\r\n".as_bytes();
    let response = upload(&anna, &id, "1783", Some(file), "", &anna.csrf).await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(page.contains("Befolkningen för kommunen 1783 sparades (gender)."), "{page}");
    assert!(page.contains(">Kvinna</th>") && page.contains(">5100</td>") && page.contains(">10140</td>"), "{page}");
    assert!(revision(&app, &id) > before);
    let stored: Value =
        anna.get(&format!("/api/v1/surveys/{id}/municipalities/1783/population")).await.json().await.unwrap();
    assert_eq!(stored, json!({ "margins": { "gender": gender(5100, 5000, 40) } }));

    // Readers see the table but no form; without the form's token nothing is stored.
    let page = viewer.get(&format!("/admin/surveys/{id}")).await.text().await.unwrap();
    assert!(page.contains(">5100</td>") && !page.contains("Spara befolkningen"));
    let response = upload(&viewer, &id, "1783", None, "gender;woman;1\n", &viewer.csrf).await;
    assert_eq!(response.status(), 403);
    let response = upload(&anna, &id, "1783", None, "gender;woman;1\n", "not-the-token").await;
    assert_eq!(response.status(), 403);

    // Removing.
    let form = reqwest::multipart::Form::new().text("csrf_token", anna.csrf.clone()).text("action", "remove");
    let url = format!("{}/admin/surveys/{id}/municipalities/1783/population", app.address);
    let response = anna.client.post(url).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("togs bort"));
    assert_eq!(app.query_strings("SELECT item_id FROM population_margins").len(), 0);
    assert_eq!(app.query_strings("SELECT action FROM audit_events WHERE action = 'population_margins_set'").len(), 2);
}
on_both_backends!(margins_are_uploaded_on_the_survey_page, super::margins_are_uploaded_on_the_survey_page);

async fn a_session_puts_margins_with_its_csrf_header(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let anna = app.staff("anna@polisen.se", "coordinator", &["1783"]).await;
    let id = create(&anna.script().await, &wave(&["1783"])).await;
    let path = format!("/api/v1/surveys/{id}/municipalities/1783/population");
    let body = json!({ "margins": { "gender": gender(1, 1, 1) } });
    let without = anna.client.put(format!("{}{path}", app.address)).json(&body).send().await.unwrap();
    assert_eq!(without.status(), 403);
    assert_eq!(without.json::<Value>().await.unwrap()["error"]["code"], "csrf");
    assert_eq!(anna.send_json(Method::PUT, &path, &body).await.status(), 200);
}
on_both_backends!(a_session_puts_margins_with_its_csrf_header, super::a_session_puts_margins_with_its_csrf_header);

async fn disclosure_settings_change_in_every_state_and_are_copied(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let anna = app.staff("anna@polisen.se", "coordinator", &["1783", "1737"]).await;
    let script = anna.script().await;

    // Defaults, given values and wrong values.
    let defaults = script.request(Method::POST, "/api/v1/surveys", Some(&wave(&["1783"]))).await;
    let defaults: Value = defaults.json().await.unwrap();
    assert_eq!((defaults["min_base"].as_i64(), defaults["min_cell"].as_i64()), (Some(30), Some(5)));
    let mut bad = wave(&["1783"]);
    bad["min_base"] = json!(0);
    bad["min_cell"] = json!(1001);
    let fields = error_fields(script.request(Method::POST, "/api/v1/surveys", Some(&bad)).await).await;
    assert_eq!(fields, ["min_base", "min_cell"]);
    let mut given = wave(&["1783", "1737"]);
    given["min_base"] = json!(50);
    let id = create(&script, &given).await;
    let survey: Value = script.request(Method::GET, &format!("/api/v1/surveys/{id}"), None).await.json().await.unwrap();
    assert_eq!((survey["min_base"].as_i64(), survey["min_cell"].as_i64()), (Some(50), Some(5)));

    // A draft changes them with the rest; absent, a change keeps them.
    let mut changed = wave(&["1783", "1737"]);
    changed["min_cell"] = json!(3);
    let survey: Value =
        script.request(Method::PUT, &format!("/api/v1/surveys/{id}"), Some(&changed)).await.json().await.unwrap();
    assert_eq!((survey["min_base"].as_i64(), survey["min_cell"].as_i64()), (Some(50), Some(3)));

    // Open: only they may change, through the API and the page; the revision rises.
    assert_eq!(script.request(Method::POST, &format!("/api/v1/surveys/{id}/open"), None).await.status(), 200);
    let before = revision(&app, &id);
    let mut settings = wave(&["1737", "1783"]);
    settings["min_base"] = json!(40);
    let response = script.request(Method::PUT, &format!("/api/v1/surveys/{id}"), Some(&settings)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap()["min_base"], 40);
    assert!(revision(&app, &id) > before);
    settings["title"] = json!("Ett annat namn");
    let response = script.request(Method::PUT, &format!("/api/v1/surveys/{id}"), Some(&settings)).await;
    assert_eq!(response.status(), 409);
    assert!(response.text().await.unwrap().contains("minsta bas och minsta cell"));

    let page = anna.get(&format!("/admin/surveys/{id}/edit")).await.text().await.unwrap();
    assert!(page.contains(r#"name="min_base" value="40""#) && !page.contains(r#"name="title""#), "{page}");
    let edit = format!("/admin/surveys/{id}/edit");
    let response = anna.post_form(&edit, &[("min_base", "tjugo"), ("min_cell", "4")]).await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("Minsta bas är ett heltal från 1 till 10 000.") && page.contains(r#"value="tjugo""#));
    assert_eq!(anna.post_form(&edit, &[("min_base", "25"), ("min_cell", "4")]).await.status(), 303);
    let page = anna.get(&format!("/admin/surveys/{id}")).await.text().await.unwrap();
    assert!(page.contains("när minst 25 har svarat") && page.contains("inga antal under 4"), "{page}");

    // Closed: still; and next year's wave keeps them.
    assert_eq!(script.request(Method::POST, &format!("/api/v1/surveys/{id}/close"), None).await.status(), 200);
    assert_eq!(anna.post_form(&edit, &[("min_base", "20"), ("min_cell", "")]).await.status(), 303);
    let copy = script.request(Method::POST, &format!("/api/v1/surveys/{id}/copy"), Some(&json!({}))).await;
    let copy: Value = copy.json().await.unwrap();
    assert_eq!((copy["min_base"].as_i64(), copy["min_cell"].as_i64()), (Some(20), Some(4)));

    let details = app.query_strings(&format!(
        "SELECT detail FROM audit_events WHERE action = 'survey_changed' AND target = '{id}' ORDER BY occurred_at"
    ));
    assert_eq!(details.len(), 4, "{details:?}");
    let last: Value = serde_json::from_str(&details[3]).unwrap();
    assert_eq!(last, json!({ "min_base": 20, "min_cell": 4, "before": { "min_base": 25, "min_cell": 4 } }));
}
on_both_backends!(
    disclosure_settings_change_in_every_state_and_are_copied,
    super::disclosure_settings_change_in_every_state_and_are_copied
);

async fn the_new_survey_form_takes_the_disclosure_settings(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let anna = app.staff("anna@polisen.se", "coordinator", &["1783"]).await;
    let page = anna.get("/admin/surveys/new").await.text().await.unwrap();
    assert!(page.contains(r#"name="min_base" value="30""#) && page.contains(r#"name="min_cell" value="5""#));
    let mut typed = vec![
        ("title", "Trygghet 2026"),
        ("opens_on", "2026-05-02"),
        ("closes_on", "2026-06-19"),
        ("access", "codes"),
        ("municipalities", "1783"),
        ("sample_size", "300"),
        ("min_base", "100"),
        ("min_cell", "0"),
    ];
    let response = anna.post_form("/admin/surveys", &typed).await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("Minsta cell är ett heltal från 1 till 1 000.") && page.contains(r#"value="100""#));
    typed[7] = ("min_cell", "10");
    let response = anna.post_form("/admin/surveys", &typed).await;
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().replace("/admin/", "/api/v1/");
    let survey: Value = anna.get(&location).await.json().await.unwrap();
    assert_eq!((survey["min_base"].as_i64(), survey["min_cell"].as_i64()), (Some(100), Some(10)));
}
on_both_backends!(
    the_new_survey_form_takes_the_disclosure_settings,
    super::the_new_survey_form_takes_the_disclosure_settings
);
