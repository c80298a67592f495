//! Every input answered cleanly: NUL characters anywhere, names and addresses that are not names and addresses,
//! bodies too large or too slow. None of it may reach a 500, on either database.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{Backend, spawn_app};
use crate::on_both_backends;
use crate::results::open_survey;

/// Every operation of the API document with each path parameter a NUL character: nothing is found, nothing fails.
async fn a_nul_in_any_path_finds_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let admin = app.staff("anna@polisen.se", "admin", &[]).await;
    let script = admin.script().await;
    let (_, document) = app.get_json("/api/openapi.json").await;
    let mut tried = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let address =
                path.split('/').map(|part| if part.starts_with('{') { "%00" } else { part }).collect::<Vec<_>>();
            let address = address.join("/");
            if address == *path {
                continue;
            }
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = script.request(method.clone(), &address, Some(&json!({}))).await;
            assert_eq!(response.status(), 404, "{method} {address}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"]["code"], "not_found", "{method} {address}");
            tried += 1;
        }
    }
    assert!(tried > 25, "{tried} operations with path parameters");
    // Pages too, and the residents' code entry.
    for path in ["/admin/surveys/%00", "/svara/%00", "/resultat/%00", "/admin/users/%00"] {
        assert_eq!(admin.get(path).await.status(), 404, "{path}");
    }
    let (status, body) = app.get_json("/api/v1/audit?page=%00").await;
    assert_eq!((status.as_u16(), body["error"]["field"].as_str()), (422, Some("query")), "{body}");
}
on_both_backends!(a_nul_in_any_path_finds_nothing, super::a_nul_in_any_path_finds_nothing);

/// A NUL character in any text of a body is refused, named, and nothing is stored.
async fn a_nul_in_a_body_is_refused_by_name(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let admin = app.staff("anna@polisen.se", "admin", &[]).await;
    let survey = json!({ "title": "Trygg\u{0}het", "opens_on": "2026-05-02", "closes_on": "2026-06-19",
                         "access": "codes", "municipalities": [{ "code": "1783", "sample_size": 10 }] });
    let user = json!({ "email": "bo@polisen.se", "display_name": "Bo\u{0}", "password": "correct horse battery staple",
                       "role": "viewer" });
    for (path, body) in
        [("/api/v1/surveys", survey), ("/api/v1/users", user), ("/api/v1/tokens", json!({ "name": "\u{0}" }))]
    {
        let response = admin.send_json(Method::POST, path, &body).await;
        assert_eq!(response.status(), 422, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["field"], "body", "{path}: {body}");
    }
    // As a form: the staff's pages and the residents' code entry.
    let page =
        admin.post_form("/admin/users", &[("email", "bo@polisen.se"), ("display_name", "Bo\0"), ("role", "viewer")]);
    assert_eq!(page.await.status(), 422);
    let resident = app.client.post(format!("{}/svara", app.address)).form(&[("code", "AB\0CD")]).send().await.unwrap();
    assert_eq!(resident.status(), 422);
    assert!(resident.text().await.unwrap().contains("<html"), "a page, not JSON, for a resident");
    let surveys: Value = admin.get("/api/v1/surveys").await.json().await.unwrap();
    assert_eq!(surveys.as_array().map(Vec::len), Some(0), "{surveys}");
    assert_eq!(app.query_strings("SELECT email FROM users WHERE email = 'bo@polisen.se'").len(), 0);
}
on_both_backends!(a_nul_in_a_body_is_refused_by_name, super::a_nul_in_a_body_is_refused_by_name);

/// Names and addresses are checked: a display name is one line of at most 100 characters, an e-mail address an
/// address; a body larger than the API takes is 413, not 422.
async fn names_addresses_and_sizes_are_checked(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let admin = app.staff("anna@polisen.se", "admin", &[]).await;
    let account = |email: &str, name: &str| json!({ "email": email, "display_name": name, "password": "correct horse battery staple", "role": "viewer" });
    for (body, field) in [
        (account("<script>@x.se", "Bo"), "email"),
        (account("bo@polisen.se", &"x".repeat(1_000_000)), "display_name"),
        (account("bo@polisen.se", &"x".repeat(101)), "display_name"),
        (account("bo@polisen.se", "Bo\nBerg"), "display_name"),
    ] {
        let response = admin.send_json(Method::POST, "/api/v1/users", &body).await;
        assert_eq!(response.status(), 422);
        let errors: Value = response.json().await.unwrap();
        let fields: Vec<&str> =
            errors["error"]["fields"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, [field], "{errors}");
    }
    let created = admin.send_json(Method::POST, "/api/v1/users", &account("bo@polisen.se", "Bo Berg")).await;
    assert_eq!(created.status(), 201);
    let id = created.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let long_name = json!({ "display_name": "x".repeat(500) });
    let renamed = admin.send_json(Method::PATCH, &format!("/api/v1/users/{id}"), &long_name).await;
    assert_eq!(renamed.status(), 422);

    let huge = account("cy@polisen.se", &"x".repeat(3 * 1024 * 1024));
    let response = admin.send_json(Method::POST, "/api/v1/users", &huge).await;
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_large", "{body}");
    let long_name = "x".repeat(300 * 1024);
    let form = admin.post_form("/admin/users", &[("email", "cy@polisen.se"), ("display_name", &long_name)]).await;
    assert_eq!(form.status(), 413);
}
on_both_backends!(names_addresses_and_sizes_are_checked, super::names_addresses_and_sizes_are_checked);

/// Every JSON body is an object. A list of the fields' values in order (which serde would read as the struct) is
/// refused like any other body the endpoint does not take, and changes nothing.
async fn a_body_is_an_object_never_a_list_of_its_fields(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let admin = app.staff("anna@polisen.se", "admin", &[]).await;
    let script = admin.script().await;
    let id = open_survey(&admin).await;
    assert_eq!(admin.send_json(Method::POST, &format!("/api/v1/surveys/{id}/close"), &json!({})).await.status(), 200);
    let refused = |path: String, body: Value| {
        let script = &script;
        async move {
            let response = script.request(Method::POST, &path, Some(&body)).await;
            let status = response.status();
            let answer: Value = response.json().await.unwrap();
            assert_eq!(
                (status.as_u16(), answer["error"]["field"].as_str()),
                (422, Some("body")),
                "{path} {body}: {answer}"
            );
        }
    };
    refused(format!("/api/v1/surveys/{id}/publication"), json!([null])).await;
    refused(format!("/api/v1/surveys/{id}/publication"), json!(["x"])).await;
    refused(format!("/api/v1/surveys/{id}/copy"), json!([null, null, null])).await;
    refused("/api/v1/tokens".to_owned(), json!(["list"])).await;
    let published = script.request(Method::GET, &format!("/api/v1/surveys/{id}/publication"), None).await;
    assert_eq!(published.status(), 404, "nothing was published");
    let surveys: Value = admin.get("/api/v1/surveys").await.json().await.unwrap();
    assert_eq!(surveys.as_array().map(Vec::len), Some(1), "nothing was copied: {surveys}");

    // Every operation of the API document that takes a JSON body refuses a list before it looks at anything else.
    let (_, document) = app.get_json("/api/openapi.json").await;
    let (mut tried, mut missing) = (0, 0);
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if operation["requestBody"]["content"].get("application/json").is_none() {
                continue;
            }
            let address = path.replace("{id}", &id).replace("{code}", "1783");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = script.request(method.clone(), &address, Some(&json!([]))).await;
            let status = response.status();
            let answer: Value = response.json().await.unwrap();
            // A questionnaire's import names its own field ("instrument"); every other body is "body".
            let field = answer["error"]["field"].as_str();
            assert!(
                status == 422 && matches!(field, Some("body" | "instrument")) || status == 404,
                "{method} {address}: {status} {answer}"
            );
            tried += 1;
            missing += usize::from(status == 404);
        }
    }
    assert!(tried >= 15, "{tried} operations with a JSON body");
    assert!(missing * 2 < tried, "{missing} of {tried} addresses found nothing, so most bodies were read");
}
on_both_backends!(
    a_body_is_an_object_never_a_list_of_its_fields,
    super::a_body_is_an_object_never_a_list_of_its_fields
);

/// A body sent a byte a second is answered 408 once its time is up, rather than holding the connection for ever.
async fn a_slow_body_is_timed_out(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /svara HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: 1000\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let (mut reader, mut writer) = stream.into_split();
    let trickle = tokio::spawn(async move {
        for _ in 0..60 {
            if writer.write_all(b"c").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    let mut answer = vec![0; 4096];
    let read = tokio::time::timeout(Duration::from_secs(40), reader.read(&mut answer)).await;
    trickle.abort();
    let read = read.expect("an answer before the client gave up").unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(35), "{:?}", started.elapsed());
}
on_both_backends!(a_slow_body_is_timed_out, super::a_slow_body_is_timed_out);
