//! Questionnaires (instruments): import, list and export through the API and the command line, and surveys that use
//! an imported one.

use reqwest::Method;
use serde_json::{Value, json};
use trygghet::domain::instrument::{Instrument, default_instrument};

use crate::helpers::{Backend, TestDatabase, spawn_app};
use crate::on_both_backends;
use crate::process::trygghet;

/// A police region's own form: the built-in instrument under another key and version, with its own wording.
fn region_instrument() -> Value {
    let builtin = default_instrument().expect("the default questionnaire loads");
    let mut document: Value = serde_json::from_str(&builtin.to_json_pretty().unwrap()).unwrap();
    document["key"] = json!("polisregion-vast");
    document["version"] = json!("2027.1");
    document["title"]["sv"] = json!("Trygghetsmätning Polisregion Väst");
    document["sections"][0]["items"][0]["text"]["sv"] = json!("Hur stort problem är nedskräpning på din gata?");
    document
}

/// The same document with its first scale item pointing at a scale that does not exist, and the exact message.
fn broken_instrument() -> (Value, &'static str) {
    let mut document = region_instrument();
    assert_eq!(document["sections"][2]["items"][0]["type"], "scale");
    document["sections"][2]["items"][0]["scale"] = json!("x");
    (document, "sections[2].items[0].scale: unknown scale \"x\"")
}

async fn an_instrument_is_imported_listed_and_exported_unchanged(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let admin = app.staff("admin@polisen.se", "admin", &[]).await;
    let viewer = app.staff("viewer@kommun.se", "viewer", &["1783"]).await.script().await;

    let document = region_instrument();
    let response = admin.send_json(Method::POST, "/api/v1/instruments", &document).await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["location"], "/api/v1/instruments/polisregion-vast/2027.1");
    let summary: Value = response.json().await.unwrap();
    assert_eq!(summary["key"], "polisregion-vast");
    assert_eq!(summary["version"], "2027.1");
    assert_eq!(summary["title"], "Trygghetsmätning Polisregion Väst");
    assert_eq!(summary["languages"], json!(["sv", "en", "ar", "fa", "fi", "so", "ti"]));
    assert_eq!(summary["builtin"], false);

    // Any signed-in staff member lists and exports; the built-in instrument comes first.
    let listed: Value = viewer.request(Method::GET, "/api/v1/instruments", None).await.json().await.unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!((listed[0]["key"].as_str(), listed[0]["builtin"].as_bool()), (Some("trygghetsmatning"), Some(true)));
    assert_eq!(listed[0]["title"], "Trygghetsmätning");
    assert!(listed[0]["imported_at"].is_null());
    assert_eq!(listed[1], summary);
    assert!(listed[1]["imported_at"].is_string());

    let response = viewer.request(Method::GET, "/api/v1/instruments/polisregion-vast/2027.1", None).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    assert_eq!(response.headers()["content-disposition"], "attachment; filename=\"polisregion-vast-2027.1.json\"");
    let exported = response.text().await.unwrap();
    assert_eq!(serde_json::from_str::<Value>(&exported).unwrap(), document, "the export is what was imported");
    assert_eq!(Instrument::load(&exported).unwrap(), Instrument::load(&document.to_string()).unwrap());

    // The built-in instrument exports too, and imports back as it is.
    let response = viewer.request(Method::GET, "/api/v1/instruments/trygghetsmatning/2026.1", None).await;
    assert_eq!(response.status(), 200);
    let builtin = response.text().await.unwrap();
    assert_eq!(Instrument::load(&builtin).unwrap(), default_instrument().unwrap());
    let builtin: Value = serde_json::from_str(&builtin).unwrap();
    assert_eq!(admin.send_json(Method::POST, "/api/v1/instruments", &builtin).await.status(), 200);

    // A version may hold any character; its export path is percent-encoded.
    let mut draft = document.clone();
    draft["version"] = json!("2027 utkast/2");
    let summary: Value = admin.send_json(Method::POST, "/api/v1/instruments", &draft).await.json().await.unwrap();
    assert_eq!(summary["export_path"], "/api/v1/instruments/polisregion-vast/2027%20utkast%2F2");
    let response = viewer.request(Method::GET, summary["export_path"].as_str().unwrap(), None).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"polisregion-vast-2027_utkast_2.json\""
    );
    assert_eq!(response.json::<Value>().await.unwrap(), draft);

    let response = viewer.request(Method::GET, "/api/v1/instruments/polisregion-vast/1999.1", None).await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.json::<Value>().await.unwrap()["error"]["code"], "not_found");

    let mut audit = app.query_strings("SELECT target FROM audit_events WHERE action = 'instrument_imported'");
    audit.sort();
    assert_eq!(audit, ["polisregion-vast 2027 utkast/2", "polisregion-vast 2027.1"]);
    let importer = app.query_strings("SELECT u.email FROM instruments i JOIN users u ON u.id = i.imported_by");
    assert_eq!(importer, ["admin@polisen.se", "admin@polisen.se"]);

    // The OpenAPI document describes all three, and the survey input's choice of questionnaire.
    let (_, openapi) = app.get_json("/api/openapi.json").await;
    assert!(openapi["paths"]["/api/v1/instruments"]["get"].is_object());
    assert!(openapi["paths"]["/api/v1/instruments"]["post"]["responses"]["409"].is_object());
    assert!(openapi["paths"]["/api/v1/instruments/{key}/{version}"]["get"].is_object());
    assert!(openapi["components"]["schemas"]["InstrumentSummary"]["properties"]["builtin"].is_object());
    assert!(openapi["components"]["schemas"]["SurveyInput"]["properties"]["instrument_key"].is_object());
}
on_both_backends!(
    an_instrument_is_imported_listed_and_exported_unchanged,
    super::an_instrument_is_imported_listed_and_exported_unchanged
);

async fn imports_are_validated_idempotent_and_never_change_a_version(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let admin = app.staff("admin@polisen.se", "admin", &[]).await;
    let coordinator = app.staff("anna@polisen.se", "coordinator", &["1783"]).await;
    let script = admin.script().await;

    // Invalid: 422 with the exact place of the problem.
    let (broken, message) = broken_instrument();
    let response = admin.send_json(Method::POST, "/api/v1/instruments", &broken).await;
    assert_eq!(response.status(), 422);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "invalid");
    assert_eq!(error["error"]["field"], "instrument");
    let worded = format!("Frågeformuläret kan inte läsas: {message}");
    assert_eq!(error["error"]["message"], worded);
    assert_eq!(error["error"]["fields"][0]["reason"], worded);

    // Broken JSON: the line and column.
    let response = script
        .client
        .post(format!("{}/api/v1/instruments", script.address))
        .bearer_auth(&script.token)
        .header("content-type", "application/json")
        .body("{\n  \"key\": \"x\",\n}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let error: Value = response.json().await.unwrap();
    assert!(
        error["error"]["message"].as_str().unwrap().starts_with("Frågeformuläret kan inte läsas: line 3, column 1: "),
        "{error}"
    );

    // Too large: a JSON error, not a dropped connection.
    let huge = format!("{{\"key\": \"x\", \"padding\": \"{}\"}}", "a".repeat(1024 * 1024));
    let response = script
        .client
        .post(format!("{}/api/v1/instruments", script.address))
        .bearer_auth(&script.token)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let error: Value = response.json().await.unwrap();
    assert!(error["error"]["message"].as_str().unwrap().contains("1 MiB"), "{error}");

    // Only administrators import; nobody signed in gets 401, a coordinator 403, and the CSRF header is required.
    let document = region_instrument();
    let response = coordinator.send_json(Method::POST, "/api/v1/instruments", &document).await;
    assert_eq!(response.status(), 403);
    assert_eq!(response.json::<Value>().await.unwrap()["error"]["code"], "forbidden");
    let anonymous = app.client.post(format!("{}/api/v1/instruments", app.address)).json(&document).send().await;
    assert_eq!(anonymous.unwrap().status(), 401);
    let no_csrf = admin.client.post(format!("{}/api/v1/instruments", app.address)).json(&document).send().await;
    assert_eq!(no_csrf.unwrap().status(), 403);
    assert!(app.query_strings("SELECT instrument_key FROM instruments").is_empty());

    // Imported once; the same again (even formatted differently) is fine and writes nothing.
    assert_eq!(script.request(Method::POST, "/api/v1/instruments", Some(&document)).await.status(), 201);
    let response = script
        .client
        .post(format!("{}/api/v1/instruments", script.address))
        .bearer_auth(&script.token)
        .header("content-type", "application/json")
        .body(format!("\u{feff}{}", serde_json::to_string_pretty(&document).unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap()["version"], "2027.1");

    // Changed content under the same version: 409, and the stored version stays as it was.
    let mut changed = document.clone();
    changed["sections"][0]["items"][0]["text"]["sv"] = json!("Ändrad fråga?");
    let response = script.request(Method::POST, "/api/v1/instruments", Some(&changed)).await;
    assert_eq!(response.status(), 409);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "conflict");
    assert!(error["error"]["message"].as_str().unwrap().contains("ny version"), "{error}");
    let exported: Value =
        script.request(Method::GET, "/api/v1/instruments/polisregion-vast/2027.1", None).await.json().await.unwrap();
    assert_eq!(exported, document);

    // The built-in instrument cannot be replaced.
    let mut builtin: Value = serde_json::from_str(&default_instrument().unwrap().to_json_pretty().unwrap()).unwrap();
    builtin["title"]["sv"] = json!("Vår egen");
    let response = script.request(Method::POST, "/api/v1/instruments", Some(&builtin)).await;
    assert_eq!(response.status(), 409);
    assert!(response.text().await.unwrap().contains("inbyggda"));

    assert_eq!(app.query_strings("SELECT version FROM instruments"), ["2027.1"]);
    let imports = app.query_strings("SELECT action FROM audit_events WHERE action = 'instrument_imported'");
    assert_eq!(imports.len(), 1, "only the import that stored something is in the audit log");
}
on_both_backends!(
    imports_are_validated_idempotent_and_never_change_a_version,
    super::imports_are_validated_idempotent_and_never_change_a_version
);

fn wave(instrument: Option<(&str, &str)>) -> Value {
    let mut survey = json!({
        "title": "Trygghetsmätning Hagfors 2027",
        "opens_on": "2027-05-02",
        "closes_on": "2027-06-19",
        "access": "codes",
        "sender": "Polisen och Hagfors kommun",
        "contact": { "email": "trygghet@hagfors.se" },
        "municipalities": [{ "code": "1783", "sample_size": 300 }],
    });
    if let Some((key, version)) = instrument {
        survey["instrument_key"] = json!(key);
        survey["instrument_version"] = json!(version);
    }
    survey
}

fn error_fields(error: &Value) -> Vec<&str> {
    error["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect()
}

async fn a_survey_uses_the_instrument_it_was_created_with(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let admin = app.staff("admin@polisen.se", "admin", &[]).await;
    let anna = app.staff("anna@polisen.se", "coordinator", &["1783"]).await;
    let api = anna.script().await;
    assert_eq!(admin.send_json(Method::POST, "/api/v1/instruments", &region_instrument()).await.status(), 201);

    // Unknown questionnaires are refused, naming the field at fault.
    for (instrument, field) in [
        (("okand", "1"), "instrument_key"),
        (("polisregion-vast", "1999.1"), "instrument_version"),
        (("polisregion-vast", ""), "instrument_version"),
    ] {
        let response = api.request(Method::POST, "/api/v1/surveys", Some(&wave(Some(instrument)))).await;
        assert_eq!(response.status(), 422, "{instrument:?}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error_fields(&error), [field], "{error}");
    }

    // Without a choice: the built-in questionnaire. With one: that one.
    let builtin: Value = api.request(Method::POST, "/api/v1/surveys", Some(&wave(None))).await.json().await.unwrap();
    assert_eq!(
        (builtin["instrument_key"].as_str(), builtin["instrument_version"].as_str()),
        (Some("trygghetsmatning"), Some("2026.1"))
    );
    let response =
        api.request(Method::POST, "/api/v1/surveys", Some(&wave(Some(("polisregion-vast", "2027.1"))))).await;
    assert_eq!(response.status(), 201);
    let survey: Value = response.json().await.unwrap();
    let id = survey["id"].as_str().unwrap().to_owned();
    assert_eq!(survey["instrument"], "polisregion-vast 2027.1");
    assert_eq!(survey["instrument_title"], "Trygghetsmätning Polisregion Väst");
    assert_eq!(survey["instrument_export"], "/api/v1/instruments/polisregion-vast/2027.1");

    // A draft may change its questionnaire; a change that names none keeps it.
    let path = format!("/api/v1/surveys/{id}");
    let changed: Value =
        api.request(Method::PUT, &path, Some(&wave(Some(("trygghetsmatning", "2026.1"))))).await.json().await.unwrap();
    assert_eq!(changed["instrument_key"], "trygghetsmatning");
    let changed: Value =
        api.request(Method::PUT, &path, Some(&wave(Some(("polisregion-vast", "2027.1"))))).await.json().await.unwrap();
    assert_eq!(changed["instrument_key"], "polisregion-vast");
    let kept: Value = api.request(Method::PUT, &path, Some(&wave(None))).await.json().await.unwrap();
    assert_eq!(kept["instrument"], "polisregion-vast 2027.1");

    // Opening keeps it (it is no longer replaced by the service's own version), and then it cannot change.
    let opened: Value = api.request(Method::POST, &format!("{path}/open"), None).await.json().await.unwrap();
    assert_eq!(
        (opened["state"].as_str(), opened["instrument"].as_str()),
        (Some("open"), Some("polisregion-vast 2027.1"))
    );
    let response = api.request(Method::PUT, &path, Some(&wave(Some(("trygghetsmatning", "2026.1"))))).await;
    assert_eq!(response.status(), 409);

    // Staff key in paper forms with the survey's own questions, and the survey page links to the questionnaire.
    let paper = anna.get(&format!("/admin/surveys/{id}/paper")).await;
    assert_eq!(paper.status(), 200);
    assert!(paper.text().await.unwrap().contains("Hur stort problem är nedskräpning på din gata?"));
    let page = anna.get(&format!("/admin/surveys/{id}")).await.text().await.unwrap().replace("&#x2f;", "/");
    assert!(page.contains("Trygghetsmätning Polisregion Väst, version 2027.1"), "{page}");
    assert!(page.contains(r#"href="/api/v1/instruments/polisregion-vast/2027.1""#));

    // A draft whose questionnaire the service does not know cannot open.
    let draft = builtin["id"].as_str().unwrap();
    app.database.execute(&format!("UPDATE surveys SET instrument_key = 'borttagen' WHERE id = '{draft}'"));
    let response = api.request(Method::POST, &format!("/api/v1/surveys/{draft}/open"), None).await;
    assert_eq!(response.status(), 409);
    assert!(response.text().await.unwrap().contains("borttagen 2026.1"));
    let page = anna.get(&format!("/admin/surveys/{draft}")).await.text().await.unwrap();
    assert!(page.contains("finns inte i tjänsten"), "{page}");
}
on_both_backends!(
    a_survey_uses_the_instrument_it_was_created_with,
    super::a_survey_uses_the_instrument_it_was_created_with
);

async fn the_survey_forms_offer_a_choice_of_instrument(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let admin = app.staff("admin@polisen.se", "admin", &[]).await;
    let anna = app.staff("anna@polisen.se", "coordinator", &["1783"]).await;

    // With only the built-in questionnaire there is nothing to choose.
    let page = anna.get("/admin/surveys/new").await.text().await.unwrap();
    assert!(!page.contains(r#"name="instrument""#));

    assert_eq!(admin.send_json(Method::POST, "/api/v1/instruments", &region_instrument()).await.status(), 201);
    let page = anna.get("/admin/surveys/new").await.text().await.unwrap();
    assert!(page.contains(r#"<select id="instrument" name="instrument""#), "{page}");
    assert!(
        page.contains(r#"<option value="trygghetsmatning@2026.1" selected>Trygghetsmätning, version 2026.1</option>"#)
    );
    assert!(page.contains(
        r#"<option value="polisregion-vast@2027.1">Trygghetsmätning Polisregion Väst, version 2027.1</option>"#
    ));

    let form = |instrument: &'static str| {
        vec![
            ("title", "Trygghet Hagfors 2027"),
            ("opens_on", "2027-05-02"),
            ("closes_on", "2027-06-19"),
            ("access", "codes"),
            ("municipalities", "1783"),
            ("sample_size", "300"),
            ("target_percent", ""),
            ("instrument", instrument),
        ]
    };
    let response = anna.post_form("/admin/surveys", &form("polisregion-vast@1999")).await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains(r##"<a href="#instrument">"##) && page.contains("finns inte i version 1999"), "{page}");

    let response = anna.post_form("/admin/surveys", &form("polisregion-vast@2027.1")).await;
    assert_eq!(response.status(), 303);
    let id = response.headers()["location"].to_str().unwrap().trim_start_matches("/admin/surveys/").to_owned();
    assert_eq!(
        app.query_strings(&format!(
            "SELECT instrument_key || ' ' || instrument_version FROM surveys WHERE id = '{id}'"
        )),
        ["polisregion-vast 2027.1"]
    );

    // The edit page shows the current choice and can change it while the survey is a draft.
    let page = anna.get(&format!("/admin/surveys/{id}/edit")).await.text().await.unwrap();
    assert!(page.contains(r#"<option value="polisregion-vast@2027.1" selected>"#), "{page}");
    let response = anna
        .post_form(
            &format!("/admin/surveys/{id}/edit"),
            &[
                ("title", "Trygghet Hagfors 2027"),
                ("opens_on", "2027-05-02"),
                ("closes_on", "2027-06-19"),
                ("municipality", "1783"),
                ("sample_size_1783", "300"),
                ("target_1783", ""),
                ("instrument", "trygghetsmatning@2026.1"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        app.query_strings(&format!("SELECT instrument_key FROM surveys WHERE id = '{id}'")),
        ["trygghetsmatning"]
    );
}
on_both_backends!(the_survey_forms_offer_a_choice_of_instrument, super::the_survey_forms_offer_a_choice_of_instrument);

struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(dir: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> Outcome {
    let output = trygghet(dir, env).args(args).output().expect("the binary runs");
    Outcome {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn the_command_line_checks_an_instrument_file_without_a_database() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("vast.json"), serde_json::to_string_pretty(&region_instrument()).unwrap()).unwrap();
    let (broken, message) = broken_instrument();
    std::fs::write(dir.path().join("broken.json"), broken.to_string()).unwrap();

    let ok = run(dir.path(), &[], &["instrument", "check", "vast.json"]);
    assert_eq!(ok.code, Some(0), "{}", ok.stderr);
    assert_eq!(ok.stdout, "ok: polisregion-vast 2027.1\n");

    let bad = run(dir.path(), &[], &["instrument", "check", "broken.json"]);
    assert_eq!(bad.code, Some(1));
    assert_eq!(bad.stderr, format!("trygghet: broken.json: {message}\n"));

    let missing = run(dir.path(), &[], &["instrument", "check", "missing.json"]);
    assert_eq!(missing.code, Some(2), "{}", missing.stderr);
    assert!(missing.stderr.starts_with("trygghet: cannot read missing.json"), "{}", missing.stderr);
    assert_eq!(run(dir.path(), &[], &["instrument", "check"]).code, Some(2), "a usage error");
    assert!(!dir.path().join("data").exists(), "checking never creates a database");
}

async fn the_command_line_imports_and_exports_instruments(backend: Backend) {
    let Some(database) = TestDatabase::create(backend) else { return };
    let url = database.url();
    let env = [("DATABASE_URL", url.as_str())];
    let dir = tempfile::tempdir().unwrap();
    let document = region_instrument();
    std::fs::write(dir.path().join("vast.json"), serde_json::to_string_pretty(&document).unwrap()).unwrap();
    let mut changed = document.clone();
    changed["title"]["sv"] = json!("Ändrad");
    std::fs::write(dir.path().join("changed.json"), changed.to_string()).unwrap();
    let (broken, message) = broken_instrument();
    std::fs::write(dir.path().join("broken.json"), broken.to_string()).unwrap();

    let imported = run(dir.path(), &env, &["instrument", "import", "vast.json"]);
    assert_eq!(imported.code, Some(0), "{}", imported.stderr);
    assert_eq!(imported.stdout, "Imported polisregion-vast 2027.1 (Trygghetsmätning Polisregion Väst).\n");
    let again = run(dir.path(), &env, &["instrument", "import", "vast.json"]);
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    assert!(again.stdout.contains("nothing changed"), "{}", again.stdout);
    let conflict = run(dir.path(), &env, &["instrument", "import", "changed.json"]);
    assert_eq!(conflict.code, Some(1));
    assert!(
        conflict.stderr.starts_with("trygghet: ") && conflict.stderr.contains("new version"),
        "{}",
        conflict.stderr
    );
    let invalid = run(dir.path(), &env, &["instrument", "import", "broken.json"]);
    assert_eq!(invalid.code, Some(1));
    assert_eq!(
        invalid.stderr.lines().last().unwrap(),
        format!("trygghet: broken.json: The questionnaire cannot be read: {message}")
    );

    let exported = run(dir.path(), &env, &["instrument", "export", "polisregion-vast", "2027.1"]);
    assert_eq!(exported.code, Some(0), "{}", exported.stderr);
    assert_eq!(serde_json::from_str::<Value>(&exported.stdout).unwrap(), document);
    let to_file =
        run(dir.path(), &env, &["instrument", "export", "trygghetsmatning", "2026.1", "--output", "out.json"]);
    assert_eq!(to_file.code, Some(0), "{}", to_file.stderr);
    let written = std::fs::read_to_string(dir.path().join("out.json")).unwrap();
    assert_eq!(Instrument::load(&written).unwrap(), default_instrument().unwrap());
    let unknown = run(dir.path(), &env, &["instrument", "export", "polisregion-vast", "1999"]);
    assert_eq!(unknown.code, Some(1));
    assert!(unknown.stderr.contains("there is no instrument polisregion-vast 1999"), "{}", unknown.stderr);

    let audit =
        database_strings(&database, "SELECT actor_email FROM audit_events WHERE action = 'instrument_imported'");
    assert_eq!(audit, ["(kommandoraden)"]);
}
on_both_backends!(
    the_command_line_imports_and_exports_instruments,
    super::the_command_line_imports_and_exports_instruments
);

/// The first column of every row of `sql`, read straight from a test database no service runs on.
fn database_strings(database: &TestDatabase, sql: &str) -> Vec<String> {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        value: String,
    }
    let query = diesel::sql_query(format!("WITH q(v) AS ({sql}) SELECT CAST(v AS TEXT) AS value FROM q"));
    let rows = match database {
        TestDatabase::Sqlite { path, .. } => {
            query.load::<Row>(&mut SqliteConnection::establish(&path.to_string_lossy()).unwrap())
        }
        TestDatabase::Postgres { url, .. } => query.load::<Row>(&mut PgConnection::establish(url).unwrap()),
    };
    rows.unwrap().into_iter().map(|row| row.value).collect()
}

const WORKBOOK: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A copy of `workbook` with the cell below the header `column` of the first `items` row of type `kind` set to
/// `value`, as an office would change it in Excel; and that cell's reference (`items!D3`).
fn edited(workbook: &[u8], kind: &str, column: &str, value: &str) -> (Vec<u8>, String) {
    use calamine::{Data, Reader};
    let mut read: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(workbook)).unwrap();
    let mut written = rust_xlsxwriter::Workbook::new();
    let mut place = String::new();
    for name in read.sheet_names() {
        let range = read.worksheet_range(&name).unwrap();
        let rows: Vec<Vec<Data>> = range.rows().map(<[Data]>::to_vec).collect();
        let target = (name == "items").then(|| {
            let header: Vec<String> = rows[0].iter().map(ToString::to_string).collect();
            let at = header.iter().position(|cell| cell == column).unwrap();
            let row = rows.iter().position(|row| row[0] == kind).unwrap();
            (row, at)
        });
        let sheet = written.add_worksheet();
        sheet.set_name(&name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r32, c16) = (u32::try_from(r).unwrap(), u16::try_from(c).unwrap());
                if target == Some((r, c)) {
                    sheet.write_string(r32, c16, value).unwrap();
                    place = format!("items!{}{}", char::from(b'A' + u8::try_from(c).unwrap()), r + 1);
                    continue;
                }
                match cell {
                    Data::Empty => {}
                    Data::Float(number) => drop(sheet.write_number(r32, c16, *number).unwrap()),
                    Data::Int(number) => drop(sheet.write_number(r32, c16, *number as f64).unwrap()),
                    other => drop(sheet.write_string(r32, c16, other.to_string()).unwrap()),
                }
            }
        }
    }
    (written.save_to_buffer().unwrap(), place)
}

async fn an_instrument_goes_to_excel_and_back_unchanged(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let admin = app.staff("admin@polisen.se", "admin", &[]).await.script().await;
    let import = |body: Vec<u8>| {
        admin
            .client
            .post(format!("{}/api/v1/instruments", admin.address))
            .bearer_auth(&admin.token)
            .header("content-type", WORKBOOK)
            .body(body)
            .send()
    };

    // The built-in questionnaire as a workbook, imported again: the same questionnaire, so nothing new.
    let response = admin.request(Method::GET, "/api/v1/instruments/trygghetsmatning/2026.1/workbook", None).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], WORKBOOK);
    assert!(response.headers()["content-disposition"].to_str().unwrap().contains("trygghetsmatning-2026.1.xlsx"));
    let builtin = response.bytes().await.unwrap().to_vec();
    let again = import(builtin.clone()).await.unwrap();
    assert_eq!(again.status(), 200, "the same content as the built-in questionnaire");
    assert_eq!(again.json::<Value>().await.unwrap()["builtin"], true);

    // A new version, as an office saves it from Excel: imported, and its JSON is exactly the questionnaire it held.
    let mut next: Value = serde_json::from_str(&default_instrument().unwrap().to_json_pretty().unwrap()).unwrap();
    next["version"] = json!("2027.1");
    next["sections"][0]["title"]["sv"] = json!("Utemiljön");
    let workbook = trygghet::domain::instrument::to_xlsx(&Instrument::load(&next.to_string()).unwrap()).unwrap();
    let created = import(workbook).await.unwrap();
    assert_eq!(created.status(), 201);
    let exported = admin.request(Method::GET, "/api/v1/instruments/trygghetsmatning/2027.1", None).await;
    assert_eq!(exported.json::<Value>().await.unwrap(), next, "JSON → workbook → JSON is exact");

    // A mistake made in Excel is named by its cell.
    let (broken, place) = edited(&builtin, "scale", "scale", "problm");
    let refused = import(broken).await.unwrap();
    assert_eq!(refused.status(), 422);
    let body: Value = refused.json().await.unwrap();
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains(&format!("{place}: unknown scale \"problm\"")), "{place}: {message}");
    let garbage = import(b"PK\x03\x04 not a workbook".to_vec()).await.unwrap();
    assert_eq!(garbage.status(), 422, "never a 500");

    // A text longer than an Excel cell holds: the questionnaire has its JSON, and no workbook.
    let mut long = region_instrument();
    long["version"] = json!("2027.9");
    long["sections"][0]["items"][0]["help"] = json!({ "sv": "å".repeat(40_000) });
    let imported = admin.request(Method::POST, "/api/v1/instruments", Some(&long)).await;
    assert_eq!(imported.status(), 201);
    let refused = admin.request(Method::GET, "/api/v1/instruments/polisregion-vast/2027.9/workbook", None).await;
    assert_eq!(refused.status(), 409);
    assert_eq!(refused.json::<Value>().await.unwrap()["error"]["code"], "conflict");
}
on_both_backends!(
    an_instrument_goes_to_excel_and_back_unchanged,
    super::an_instrument_goes_to_excel_and_back_unchanged
);

async fn the_command_line_reads_and_writes_workbooks(backend: Backend) {
    let Some(database) = TestDatabase::create(backend) else { return };
    let url = database.url();
    let env = [("DATABASE_URL", url.as_str())];
    let dir = tempfile::tempdir().unwrap();
    let exported = run(dir.path(), &env, &["instrument", "export", "trygghetsmatning", "2026.1", "-o", "form.xlsx"]);
    assert_eq!(exported.code, Some(0), "{}", exported.stderr);
    let workbook = std::fs::read(dir.path().join("form.xlsx")).unwrap();
    assert_eq!(trygghet::domain::instrument::from_xlsx(&workbook).unwrap(), default_instrument().unwrap());
    let checked = run(dir.path(), &env, &["instrument", "check", "form.xlsx"]);
    assert_eq!((checked.code, checked.stdout.as_str()), (Some(0), "ok: trygghetsmatning 2026.1\n"));
    let (broken, place) = edited(&workbook, "scale", "scale", "problm");
    std::fs::write(dir.path().join("broken.xlsx"), broken).unwrap();
    let refused = run(dir.path(), &env, &["instrument", "import", "broken.xlsx"]);
    assert_eq!(refused.code, Some(1));
    assert!(refused.stderr.contains(&format!("broken.xlsx: {place}: unknown scale")), "{}", refused.stderr);
}
on_both_backends!(the_command_line_reads_and_writes_workbooks, super::the_command_line_reads_and_writes_workbooks);
