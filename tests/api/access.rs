//! Who may do what: every staff endpoint × role × own or other municipality, checked on the server.
//!
//! Accounts: an administrator; a coordinator of Hagfors (1783) and Torsby (1737) ("own"); a coordinator of Sunne
//! (1766) only ("other"); a viewer of Hagfors; and nobody signed in. Survey S spans Hagfors and Torsby; survey T
//! spans Hagfors and Sunne, so the "own" coordinator sees T but may not change it as a whole, nor act for Sunne.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, Browser, Script, TestApp, spawn_app};
use crate::on_both_backends;

const ROLES: [&str; 5] = ["admin", "own", "other", "viewer", "anonymous"];

fn survey(codes: &[&str]) -> Value {
    json!({ "title": "Matris", "opens_on": "2026-05-02", "closes_on": "2026-06-19", "access": "codes",
            "sender": "Polisen och kommunen", "contact": { "email": "trygghet@kommun.se" },
            "municipalities": codes.iter().map(|c| json!({ "code": c, "sample_size": 10 })).collect::<Vec<_>>() })
}

/// A municipality's population by gender, as `PUT …/population` takes it.
fn margins() -> Value {
    json!({ "margins": { "gender": { "woman": 5100, "man": 5000, "other_or_no_answer": 40 } } })
}

/// A citizen promise, as `POST …/promises` takes it.
fn a_promise() -> Value {
    json!({ "title": "Trygg skolväg", "responsible": "police", "starts_on": "2026-09-01", "ends_on": "2027-06-30",
            "targets": [{ "kind": "area", "id": "disorder" }] })
}

/// The built-in questionnaire's translations.
const TRANSLATIONS: &str = "/api/v1/instruments/trygghetsmatning/2026.1/translations";

/// A survey's languages: Swedish and English (a draft translation, confirmed).
fn languages() -> Value {
    json!({ "languages": ["sv", "en"], "confirm_drafts": true })
}

/// (method, path, body, expected status for admin, own, other, viewer, anonymous)
type Case = (Method, String, Option<Value>, [u16; 5]);

/// Every API endpoint's case, on survey S (`s`), survey T (`t`) and another account (`user_id`), in the order they
/// are sent (opening and closing last).
fn api_cases(s: &str, t: &str, user_id: &str, promise: &str) -> Vec<Case> {
    let new_user = json!({ "email": "x@kommun.se", "password": "correct horse battery staple", "role": "viewer" });
    let hagfors_promises = "/api/v1/municipalities/1783/promises";
    let sunne_promises = "/api/v1/municipalities/1766/promises";
    vec![
        (Method::GET, hagfors_promises.into(), None, [200, 200, 403, 200, 401]),
        (Method::POST, hagfors_promises.into(), Some(a_promise()), [201, 201, 403, 403, 401]),
        (Method::GET, sunne_promises.into(), None, [200, 403, 200, 403, 401]),
        (Method::POST, sunne_promises.into(), Some(a_promise()), [201, 403, 201, 403, 401]),
        (Method::GET, format!("{hagfors_promises}/{promise}"), None, [200, 200, 403, 200, 401]),
        (Method::PUT, format!("{hagfors_promises}/{promise}"), Some(a_promise()), [200, 200, 403, 403, 401]),
        (Method::DELETE, format!("{hagfors_promises}/not-a-promise"), None, [404, 404, 403, 403, 401]),
        (Method::GET, format!("{sunne_promises}/{promise}"), None, [404, 403, 404, 403, 401]),
        (Method::GET, "/api/v1/me".into(), None, [200, 200, 200, 200, 401]),
        (Method::GET, "/api/v1/users".into(), None, [200, 403, 403, 403, 401]),
        (Method::POST, "/api/v1/users".into(), Some(new_user), [201, 403, 403, 403, 401]),
        (
            Method::PATCH,
            format!("/api/v1/users/{user_id}"),
            Some(json!({ "display_name": "A" })),
            [200, 403, 403, 403, 401],
        ),
        (Method::POST, format!("/api/v1/users/{user_id}/revoke-sessions"), Some(json!({})), [200, 403, 403, 403, 401]),
        (Method::DELETE, "/api/v1/tokens/not-a-token-id".into(), None, [404, 404, 404, 404, 401]),
        (Method::GET, "/api/v1/audit".into(), None, [200, 403, 403, 403, 401]),
        (Method::GET, "/api/v1/tokens".into(), None, [200, 200, 200, 200, 401]),
        (Method::GET, "/api/v1/surveys".into(), None, [200, 200, 200, 200, 401]),
        (Method::POST, "/api/v1/surveys".into(), Some(survey(&["1783"])), [201, 201, 422, 403, 401]),
        (Method::GET, format!("/api/v1/surveys/{s}"), None, [200, 200, 404, 200, 401]),
        (Method::GET, format!("/api/v1/surveys/{t}"), None, [200, 200, 200, 200, 401]),
        (Method::PUT, format!("/api/v1/surveys/{s}"), Some(survey(&["1783", "1737"])), [200, 200, 404, 403, 401]),
        (Method::PUT, format!("/api/v1/surveys/{t}"), Some(survey(&["1783", "1766"])), [200, 403, 403, 403, 401]),
        (
            Method::POST,
            format!("/api/v1/surveys/{s}/municipalities/1783/invitations"),
            Some(json!({ "count": 2 })),
            [201, 201, 404, 403, 401],
        ),
        (
            Method::POST,
            format!("/api/v1/surveys/{t}/municipalities/1766/invitations"),
            Some(json!({ "count": 2 })),
            [201, 403, 201, 403, 401],
        ),
        (Method::POST, format!("/api/v1/surveys/{s}/municipalities/1783/reminders"), None, [200, 200, 404, 403, 401]),
        (Method::POST, format!("/api/v1/surveys/{t}/municipalities/1766/reminders"), None, [200, 403, 200, 403, 401]),
        (Method::POST, format!("/api/v1/surveys/{s}/copy"), Some(json!({})), [201, 201, 404, 403, 401]),
        (Method::POST, format!("/api/v1/surveys/{t}/copy"), Some(json!({})), [201, 403, 403, 403, 401]),
        (Method::GET, format!("/api/v1/surveys/{s}/municipalities/1783/population"), None, [200, 200, 404, 200, 401]),
        (Method::GET, format!("/api/v1/surveys/{s}/results"), None, [200, 200, 404, 200, 401]),
        (Method::GET, format!("/api/v1/surveys/{s}/promises"), None, [200, 200, 404, 200, 401]),
        (Method::GET, format!("/api/v1/surveys/{s}/results.xlsx"), None, [200, 200, 404, 200, 401]),
        (Method::GET, format!("/api/v1/surveys/{s}/responses.csv"), None, [200, 403, 403, 403, 401]),
        (Method::GET, format!("/api/v1/surveys/{s}/datapackage.json"), None, [200, 200, 404, 200, 401]),
        (Method::GET, format!("/api/v1/surveys/{s}/publication"), None, [404, 404, 404, 404, 401]),
        (Method::POST, format!("/api/v1/surveys/{s}/publication"), Some(json!({})), [409, 409, 404, 403, 401]),
        (Method::POST, format!("/api/v1/surveys/{t}/publication"), Some(json!({})), [409, 403, 403, 403, 401]),
        (Method::DELETE, format!("/api/v1/surveys/{s}/publication"), None, [404, 404, 404, 403, 401]),
        (Method::GET, format!("/api/v1/surveys/{t}/municipalities/1766/population"), None, [200, 403, 200, 403, 401]),
        (
            Method::PUT,
            format!("/api/v1/surveys/{s}/municipalities/1783/population"),
            Some(margins()),
            [200, 200, 404, 403, 401],
        ),
        (
            Method::PUT,
            format!("/api/v1/surveys/{t}/municipalities/1766/population"),
            Some(margins()),
            [200, 403, 200, 403, 401],
        ),
        (
            Method::PUT,
            format!("/api/v1/surveys/{s}/municipalities/0180/population"),
            Some(margins()),
            [404, 403, 404, 403, 401],
        ),
        // Another municipality answers alike whether or not it takes part in a survey one sees (Sunne is in T,
        // Stockholm is not), so the answers do not tell a coordinator who else takes part.
        (Method::GET, format!("/api/v1/surveys/{t}/municipalities/0180/population"), None, [404, 403, 403, 403, 401]),
        (Method::POST, format!("/api/v1/surveys/{t}/municipalities/0180/reminders"), None, [404, 403, 403, 403, 401]),
        (
            Method::POST,
            format!("/api/v1/surveys/{t}/municipalities/0180/invitations"),
            Some(json!({ "count": 1 })),
            [404, 403, 403, 403, 401],
        ),
        (Method::GET, format!("/api/v1/surveys/{s}/rates"), None, [200, 200, 404, 200, 401]),
        (Method::GET, format!("/api/v1/surveys/{t}/rates"), None, [200, 200, 200, 200, 401]),
        (Method::GET, format!("/api/v1/surveys/{s}/rates/stream"), None, [200, 200, 404, 200, 401]),
        (Method::GET, "/api/v1/instruments".into(), None, [200, 200, 200, 200, 401]),
        (Method::GET, TRANSLATIONS.into(), None, [200, 200, 200, 200, 401]),
        (Method::PUT, format!("{TRANSLATIONS}/ar/review"), Some(json!({ "reviewer": "A" })), [200, 403, 403, 403, 401]),
        (Method::DELETE, format!("{TRANSLATIONS}/ar/review"), None, [200, 403, 403, 403, 401]),
        (Method::GET, format!("/api/v1/surveys/{s}/languages"), None, [200, 200, 404, 200, 401]),
        (Method::PUT, format!("/api/v1/surveys/{s}/languages"), Some(languages()), [200, 200, 404, 403, 401]),
        (Method::PUT, format!("/api/v1/surveys/{t}/languages"), Some(languages()), [200, 403, 403, 403, 401]),
        (Method::POST, format!("/api/v1/surveys/{s}/open"), None, [200, 409, 404, 403, 401]),
        (Method::POST, format!("/api/v1/surveys/{t}/close"), None, [409, 403, 403, 403, 401]),
    ]
}

/// Sends every case as every role (by API token, or without one); the mismatches.
async fn check_api(app: &TestApp, scripts: &[Option<Script>], cases: &[Case]) -> Vec<String> {
    let mut failures = Vec::new();
    for (method, path, body, expected) in cases {
        for (index, role) in ROLES.iter().enumerate() {
            let status = match &scripts[index] {
                Some(script) => script.request(method.clone(), path, body.as_ref()).await.status(),
                None => {
                    let mut request = reqwest::Client::new().request(method.clone(), format!("{}{path}", app.address));
                    if let Some(body) = body {
                        request = request.json(body);
                    }
                    request.send().await.unwrap().status()
                }
            };
            if status != StatusCode::from_u16(expected[index]).unwrap() {
                failures.push(format!("{method} {path} as {role}: {status}, expected {}", expected[index]));
            }
        }
    }
    failures
}

/// The disposition import: only coordinators of the survey's municipalities, and only their own letters.
async fn check_imports(app: &TestApp, scripts: &[Option<Script>], s: &str, t: &str) -> Vec<String> {
    let import = |script: &Script, id: &str| {
        script
            .client
            .post(format!("{}/api/v1/surveys/{id}/dispositions", app.address))
            .bearer_auth(&script.token)
            .body("1783-000001;flyttat\n")
            .send()
    };
    let statuses = [
        import(scripts[0].as_ref().unwrap(), s).await.unwrap().status().as_u16(),
        import(scripts[1].as_ref().unwrap(), s).await.unwrap().status().as_u16(),
        import(scripts[2].as_ref().unwrap(), s).await.unwrap().status().as_u16(),
        import(scripts[3].as_ref().unwrap(), s).await.unwrap().status().as_u16(),
        import(scripts[2].as_ref().unwrap(), t).await.unwrap().status().as_u16(),
    ];
    if statuses == [200, 200, 404, 403, 422] {
        return Vec::new();
    }
    vec![format!("disposition imports (admin S, own S, other S, viewer S, other T's Hagfors letter): {statuses:?}")]
}

/// Pages: the same rules, with sign-in redirects instead of 401.
async fn check_pages(app: &TestApp, browsers: [Option<&Browser>; 5], s: &str, t: &str, user_id: &str) -> Vec<String> {
    let pages: Vec<(String, [u16; 5])> = vec![
        ("/admin".into(), [200, 200, 200, 200, 303]),
        ("/admin/users".into(), [200, 403, 403, 403, 303]),
        (format!("/admin/users/{user_id}"), [200, 403, 403, 403, 303]),
        ("/admin/audit".into(), [200, 403, 403, 403, 303]),
        ("/admin/account".into(), [200, 200, 200, 200, 303]),
        ("/admin/surveys/new".into(), [200, 200, 200, 403, 303]),
        (format!("/admin/surveys/{s}"), [200, 200, 404, 200, 303]),
        (format!("/admin/surveys/{t}"), [200, 200, 200, 200, 303]),
        ("/admin/municipalities/1783/promises".into(), [200, 200, 403, 200, 303]),
        ("/admin/municipalities/1766/promises".into(), [200, 403, 200, 403, 303]),
    ];
    let anonymous = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut failures = Vec::new();
    for (path, expected) in &pages {
        for (index, role) in ROLES.iter().enumerate() {
            let status = match browsers[index] {
                Some(browser) => browser.get(path).await.status(),
                None => anonymous.get(format!("{}{path}", app.address)).send().await.unwrap().status(),
            };
            if status.as_u16() != expected[index] {
                failures.push(format!("GET {path} as {role}: {status}, expected {}", expected[index]));
            }
        }
    }
    failures
}

async fn every_endpoint_checks_role_and_municipality(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let admin = app.staff("admin@polisen.se", "admin", &[]).await;
    let own = app.staff("own@polisen.se", "coordinator", &["1783", "1737"]).await;
    let other = app.staff("other@kommun.se", "coordinator", &["1766"]).await;
    let viewer = app.staff("viewer@kommun.se", "viewer", &["1783"]).await;
    let scripts: Vec<Option<Script>> = vec![
        Some(admin.script().await),
        Some(own.script().await),
        Some(other.script().await),
        Some(viewer.script().await),
        None,
    ];
    let admin_api = scripts[0].as_ref().unwrap();
    let s: Value = admin_api
        .request(Method::POST, "/api/v1/surveys", Some(&survey(&["1783", "1737"])))
        .await
        .json()
        .await
        .unwrap();
    let t: Value = admin_api
        .request(Method::POST, "/api/v1/surveys", Some(&survey(&["1783", "1766"])))
        .await
        .json()
        .await
        .unwrap();
    let (s, t) = (s["id"].as_str().unwrap().to_owned(), t["id"].as_str().unwrap().to_owned());
    app.create_user("target@kommun.se", "viewer", &["1737"]).await;
    let everyone: Value = admin_api.request(Method::GET, "/api/v1/users", None).await.json().await.unwrap();
    let target = everyone.as_array().unwrap().iter().find(|user| user["email"] == "target@kommun.se").unwrap();
    let user_id = target["id"].as_str().unwrap().to_owned();

    let promise: Value = admin_api
        .request(Method::POST, "/api/v1/municipalities/1783/promises", Some(&a_promise()))
        .await
        .json()
        .await
        .unwrap();
    let promise = promise["id"].as_str().unwrap().to_owned();

    let mut failures = check_api(&app, &scripts, &api_cases(&s, &t, &user_id, &promise)).await;
    failures.extend(check_imports(&app, &scripts, &s, &t).await);
    let browsers = [Some(&admin), Some(&own), Some(&other), Some(&viewer), None];
    failures.extend(check_pages(&app, browsers, &s, &t, &user_id).await);
    assert!(failures.is_empty(), "access matrix mismatches:\n{}", failures.join("\n"));

    // A forbidden page is an HTML page that says so, not JSON.
    let response = viewer.get("/admin/users").await;
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(response.text().await.unwrap().contains("Du har inte behörighet"));
}
on_both_backends!(every_endpoint_checks_role_and_municipality, super::every_endpoint_checks_role_and_municipality);

async fn the_openapi_document_describes_the_api(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (status, document) = app.get_json("/api/openapi.json").await;
    assert_eq!(status, 200);
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    let paths = document["paths"].as_object().unwrap();
    for path in [
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/users/{id}",
        "/api/v1/tokens",
        "/api/v1/audit",
        "/api/v1/surveys",
        "/api/v1/surveys/{id}/open",
        "/api/v1/surveys/{id}/municipalities/{code}/invitations",
        "/api/v1/surveys/{id}/municipalities/{code}/reminders",
        "/api/v1/surveys/{id}/dispositions",
        "/api/v1/surveys/{id}/municipalities/{code}/population",
        "/api/v1/surveys/{id}/rates",
        "/api/v1/surveys/{id}/rates/stream",
        "/api/v1/instruments",
        "/api/v1/municipalities/{code}/promises",
        "/api/v1/municipalities/{code}/promises/{id}",
        "/api/v1/surveys/{id}/promises",
    ] {
        assert!(paths.contains_key(path), "{path} is documented");
    }
    assert!(document["components"]["schemas"]["ErrorBody"].is_object(), "the one error shape is documented");
    assert_eq!(document["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
}
on_both_backends!(the_openapi_document_describes_the_api, super::the_openapi_document_describes_the_api);
