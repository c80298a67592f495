//! The API keeps what its document says, on both backends: times with their zone, 405 with `Allow` for a method
//! a path does not take, whole numbers written as floats, a publication body that is what it must be, and every
//! answer an operation can give listed in the document. (tests/schemathesis/run.sh checks the same at scale.)

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, spawn_app};
use crate::on_both_backends;

async fn the_api_keeps_its_document(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783"]).await;
    let script = staff.script().await;

    // Times are RFC 3339 in UTC, with their zone.
    let tokens: Value = script.request(Method::GET, "/api/v1/tokens", None).await.json().await.unwrap();
    let created = tokens[0]["created_at"].as_str().unwrap();
    assert!(created.ends_with('Z'), "{created}");
    assert!(chrono::DateTime::parse_from_rfc3339(created).is_ok(), "{created}");
    if let Some(used) = tokens[0]["last_used_at"].as_str() {
        assert!(chrono::DateTime::parse_from_rfc3339(used).is_ok(), "{used}");
    }

    // A method a path does not take: 405 with the methods it does take; a path that does not exist: 404.
    for (method, path, allow) in [
        (Method::PUT, "/api/v1/me", "GET"),
        (Method::DELETE, "/api/v1/surveys", "GET, POST"),
        (Method::GET, "/api/v1/surveys/any-id/close", "POST"),
        (Method::PATCH, "/api/v1/municipalities/1783/promises/any-id", "GET, PUT, DELETE"),
    ] {
        let response = script.request(method.clone(), path, None).await;
        assert_eq!(response.status(), 405, "{method} {path}");
        let allowed = response.headers()["allow"].to_str().unwrap().to_owned();
        let mut allowed: Vec<&str> = allowed.split(", ").collect();
        let mut expected: Vec<&str> = allow.split(", ").collect();
        allowed.sort_unstable();
        expected.sort_unstable();
        assert_eq!(allowed, expected, "{method} {path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "method_not_allowed", "{method} {path}");
    }
    assert_eq!(script.request(Method::GET, "/api/v1/nowhere", None).await.status(), 404);
    assert_eq!(script.request(Method::PUT, "/api/v1/surveys/a/b/c/d", None).await.status(), 404);

    // Whole numbers may be written as floats; a fraction is refused by its field.
    let survey = json!({ "title": "Trygghet 2026", "opens_on": "2026-05-02", "closes_on": "2026-06-19",
                         "access": "codes", "municipalities": [{ "code": "1783", "sample_size": 300.0 }],
                         "min_base": 30.0 });
    let response = script.request(Method::POST, "/api/v1/surveys", Some(&survey)).await;
    assert_eq!(response.status(), 201);
    let id = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let codes = format!("/api/v1/surveys/{id}/municipalities/1783/invitations");
    let issued = script.request(Method::POST, &codes, Some(&json!({ "count": 2.0 }))).await;
    assert_eq!(issued.status(), 201);
    assert_eq!(issued.json::<Value>().await.unwrap().as_array().unwrap().len(), 2);
    let refused = script.request(Method::POST, &codes, Some(&json!({ "count": 2.5 }))).await;
    assert_eq!(refused.status(), 422);
    let body: Value = refused.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("not a whole number"), "{body}");

    // Publishing takes no body, `null` or `{"compare": …}`, and nothing else.
    let publication = format!("/api/v1/surveys/{id}/publication");
    for body in [json!([1]), json!("publish"), json!({ "compare": 7 }), json!({ "unknown": true })] {
        assert_eq!(script.request(Method::POST, &publication, Some(&body)).await.status(), 422, "{body}");
    }
    // A good body reaches the survey's state: a draft cannot be published.
    assert_eq!(script.request(Method::POST, &publication, Some(&Value::Null)).await.status(), 409);
    assert_eq!(script.request(Method::POST, &publication, None).await.status(), 409);

    // The document lists the answers every operation can give, each with a description.
    let (_, document) = app.get_json("/api/openapi.json").await;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            assert!(responses.values().all(|response| response["description"].is_string()), "{method} {path}");
            assert!(responses.contains_key("503"), "{method} {path}");
            let public = path.starts_with("/api/v1/municipalities") && !path.contains("promises");
            assert_eq!(responses.contains_key("401"), !public, "{method} {path}");
            if path.contains('{') {
                assert!(responses.contains_key("404"), "{method} {path}");
            }
            if operation.get("requestBody").is_some() {
                assert!(responses.contains_key("413") && responses.contains_key("422"), "{method} {path}");
            }
        }
    }
    let code = &document["paths"]["/api/v1/surveys/{id}/municipalities/{code}/population"]["get"]["parameters"][1];
    assert_eq!(code["schema"]["pattern"], "^[0-9]{4}$");
    assert_eq!(document["components"]["schemas"]["TokenSummary"]["properties"]["created_at"]["format"], "date-time");
}
on_both_backends!(the_api_keeps_its_document, super::the_api_keeps_its_document);

/// The public reference data is in the document and answers without sign-in.
async fn municipalities_are_documented_and_public(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (_, document) = app.get_json("/api/openapi.json").await;
    let list = &document["paths"]["/api/v1/municipalities"]["get"];
    assert_eq!(list["security"], json!([{}]), "{list}");
    let (status, municipalities) = app.get_json("/api/v1/municipalities?county=17").await;
    assert_eq!(status, 200);
    let names: Vec<&str> = municipalities.as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"Hagfors") && names.len() == 16, "{names:?}");
    let (status, _) = app.get_json("/api/v1/municipalities/1783").await;
    assert_eq!(status, 200);
}
on_both_backends!(municipalities_are_documented_and_public, super::municipalities_are_documented_and_public);

/// Every route of the API's route table (`api_routes` in src/http/mod.rs) is in the document with its method, and
/// the document names no route the table lacks: the two cannot drift apart.
async fn every_api_route_is_documented(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let source = include_str!("../../src/http/mod.rs");
    let start = source.find("fn api_routes").expect("the API's route table");
    let table = &source[start..start + source[start..].find("\n}\n").unwrap()];
    let mut routes = std::collections::BTreeSet::new();
    for line in table.lines().map(str::trim).filter(|line| line.starts_with(".route(\"")) {
        let path = line.split('"').nth(1).unwrap();
        let method = line.split("web::").nth(1).and_then(|rest| rest.split('(').next()).unwrap();
        routes.insert((format!("/api/v1{path}"), method.to_owned()));
    }
    assert!(routes.len() >= 40, "{routes:?}");
    let (_, document) = app.get_json("/api/openapi.json").await;
    let documented: std::collections::BTreeSet<(String, String)> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| item.as_object().unwrap().keys().map(move |method| (path.clone(), method.clone())))
        .collect();
    let undocumented: Vec<_> = routes.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routes).collect();
    assert!(undocumented.is_empty(), "routes missing from the document: {undocumented:?}");
    assert!(unrouted.is_empty(), "documented but not routed: {unrouted:?}");
}
on_both_backends!(every_api_route_is_documented, super::every_api_route_is_documented);
