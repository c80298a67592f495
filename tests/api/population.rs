//! What results need besides the answers: the survey's disclosure settings (minimum base and cell), changeable in
//! every state and kept by a copy.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, Script, TestApp, spawn_app};
use crate::on_both_backends;

fn wave(municipalities: &[&str]) -> Value {
    json!({
        "title": "Trygghetsmätning Värmland 2026",
        "opens_on": "2026-05-02",
        "closes_on": "2026-06-19",
        "access": "codes",
        "municipalities": municipalities.iter().map(|code| json!({ "code": code, "sample_size": 300 })).collect::<Vec<_>>(),
    })
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
