//! Open data: the answers as CSV and the data package that describes them, loaded together as an analyst's tool
//! would; administrators only, every download audit-logged, break-offs and free text left out.

use std::collections::HashMap;

use serde_json::Value;
use trygghet::domain::instrument::{ItemKind, default_instrument};

use crate::helpers::{Backend, Browser, spawn_app};
use crate::on_both_backends;
use crate::results::{answers, enter, open_survey};

/// The file's bytes, after checking it is a CSV download.
async fn download(browser: &Browser, path: &str) -> Vec<u8> {
    let response = browser.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/csv; charset=utf-8"));
    assert!(response.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"svar-"));
    response.bytes().await.unwrap().to_vec()
}

/// The header and the rows of a CSV file.
fn parse(bytes: &[u8], delimiter: u8) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).from_reader(bytes);
    let header = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = reader.records().map(|record| record.unwrap().iter().map(str::to_owned).collect()).collect();
    (header, rows)
}

/// Loads the pair as a Frictionless reader would: the fields in the file's order, every value of a field with
/// categories one of them, every date a date.
fn load(package: &Value, header: &[String], rows: &[Vec<String>]) {
    let fields = package["resources"][0]["schema"]["fields"].as_array().unwrap();
    let names: Vec<&str> = fields.iter().map(|field| field["name"].as_str().unwrap()).collect();
    assert_eq!(names, header, "the package describes the file's columns in order");
    for (column, field) in fields.iter().enumerate() {
        let allowed: Option<Vec<String>> = field["categories"].as_array().map(|categories| {
            categories.iter().map(|category| category["value"].to_string().trim_matches('"').to_owned()).collect()
        });
        for row in rows {
            let value = &row[column];
            if value.is_empty() {
                continue;
            }
            match field["type"].as_str().unwrap() {
                "date" => assert!(chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok(), "{value}"),
                "integer" => assert!(value.parse::<i64>().is_ok(), "{}: {value}", field["name"]),
                _ => {}
            }
            if let Some(allowed) = &allowed {
                assert!(allowed.contains(value), "{}: {value} is not described", field["name"]);
            }
        }
    }
}

async fn open_data_is_the_counted_answers_described_by_their_package(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let instrument = default_instrument().unwrap();
    let admin = app.staff("anna@polisen.se", "admin", &[]).await;
    let id = open_survey(&admin).await;
    let given: Vec<_> = (0..5).map(|n| answers(&instrument, n, true)).collect();
    for fields in &given {
        enter(&admin, &id, "1783", fields).await;
    }
    enter(&admin, &id, "1762", &answers(&instrument, 7, true)).await;
    // A break-off counts in the response rates, not in open data.
    enter(&admin, &id, "1762", &answers(&instrument, 8, false)).await;

    let bytes = download(&admin, &format!("/api/v1/surveys/{id}/responses.csv")).await;
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "a byte-order mark for Excel");
    let (header, rows) = parse(&bytes[3..], b';');
    assert_eq!(header[..3], ["municipality", "mode", "day"]);
    assert_eq!(rows.len(), 6, "the counted responses, not the break-off");
    assert!(!header.contains(&"comment".to_owned()), "no free text unless asked for");
    assert_eq!(rows.iter().filter(|row| row[0] == "1783").count(), 5);
    assert!(rows.iter().all(|row| row[1] == "paper"));

    // Every answer as entered: per item, the same codes (the rows' order tells nothing, so compare as sets); a
    // follow-up not asked is empty.
    let column = |name: &str| header.iter().position(|column| column == name).unwrap();
    for item in instrument.items().filter(|item| matches!(item.kind, ItemKind::Scale { .. } | ItemKind::YesNo { .. })) {
        let field = format!("q.{}", item.id);
        let mut entered: Vec<&str> = given
            .iter()
            .filter_map(|fields| fields.iter().find(|(name, _)| *name == field))
            .map(|(_, v)| v.as_str())
            .collect();
        let mut found: Vec<&str> = rows
            .iter()
            .filter(|row| row[0] == "1783")
            .map(|row| row[column(&item.id)].as_str())
            .filter(|value| !value.is_empty())
            .collect();
        entered.sort_unstable();
        found.sort_unstable();
        assert_eq!(found, entered, "{}", item.id);
    }

    let (status, package) = crate::results::json(&admin, &format!("/api/v1/surveys/{id}/datapackage.json")).await;
    assert_eq!(status, 200);
    load(&package, &header, &rows);
    let municipality = &package["resources"][0]["schema"]["fields"][0];
    assert!(municipality["categories"].to_string().contains("Hagfors"), "{municipality}");

    // Plain CSV and free text, each with its package.
    let plain = download(&admin, &format!("/api/v1/surveys/{id}/responses.csv?format=rfc4180&free_text=1")).await;
    assert!(!plain.starts_with("\u{feff}".as_bytes()));
    let (header, rows) = parse(&plain, b',');
    let (_, package) =
        crate::results::json(&admin, &format!("/api/v1/surveys/{id}/datapackage.json?format=rfc4180&free_text=1"))
            .await;
    assert_eq!(package["resources"][0]["path"], "responses.csv?format=rfc4180&free_text=1");
    load(&package, &header, &rows);
    let comment = header.iter().position(|column| column == "comment").expect("the comment column");
    assert!(rows.iter().all(|row| row[comment].is_empty()), "a comment nobody approved stays out");

    // Every download is in the audit log; coordinators get the package, not the answers.
    let downloads = app.query_strings("SELECT detail FROM audit_events WHERE action = 'responses_downloaded'");
    assert_eq!(downloads.len(), 2, "{downloads:?}");
    assert!(downloads.iter().any(|detail| detail.contains("\"free_text\":true")));
    let coordinator = app.staff("mia@hagfors.se", "coordinator", &["1783"]).await;
    assert_eq!(coordinator.get(&format!("/api/v1/surveys/{id}/responses.csv")).await.status(), 403);
    assert_eq!(coordinator.get(&format!("/api/v1/surveys/{id}/datapackage.json")).await.status(), 200);
    let (status, body) = crate::results::json(&admin, &format!("/api/v1/surveys/{id}/responses.csv?format=tsv")).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"][0]["field"], "format");
    let mut counts: HashMap<String, usize> = HashMap::new();
    for row in &rows {
        *counts.entry(row[0].clone()).or_default() += 1;
    }
    assert_eq!(counts.get("1762"), Some(&1));
}

on_both_backends!(open_data_pair, super::open_data_is_the_counted_answers_described_by_their_package);
