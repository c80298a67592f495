//! The results workbook read back cell by cell against the results API: the same figures, unrounded, hidden where
//! the API hides them, for the municipalities the caller may see, in Swedish and in English.

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, Range, Reader, Xlsx, open_workbook_from_rs};
use serde_json::Value;
use trygghet::domain::instrument::default_instrument;

use crate::helpers::{Backend, Browser, spawn_app};
use crate::on_both_backends;
use crate::results::{answers, enter, json, municipality, open_survey};

async fn workbook(browser: &Browser, path: &str) -> Xlsx<Cursor<Vec<u8>>> {
    let response = browser.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(response.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert_eq!(disposition, "attachment; filename=\"resultat-trygghet-2026.xlsx\"");
    let bytes = response.bytes().await.unwrap().to_vec();
    open_workbook_from_rs(Cursor::new(bytes)).expect("a workbook calamine reads")
}

/// A sheet's table: its header's columns by name, and its rows below the header as (kind, id, row).
struct Table {
    columns: HashMap<String, usize>,
    rows: Vec<Vec<Data>>,
}

impl Table {
    fn read(range: &Range<Data>, first_header: &str) -> Self {
        let rows: Vec<Vec<Data>> = range.rows().map(<[Data]>::to_vec).collect();
        let at = rows.iter().position(|row| row[0] == Data::String(first_header.to_owned())).expect("a header row");
        let columns = rows[at].iter().enumerate().map(|(index, name)| (name.to_string(), index)).collect();
        Self { columns, rows: rows[at + 1..].to_vec() }
    }

    fn cell<'a>(&self, row: &'a [Data], column: &str) -> &'a Data {
        &row[*self.columns.get(column).unwrap_or_else(|| panic!("a column {column}"))]
    }

    /// The rows of one kind (the first column).
    fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Vec<Data>> + 'a {
        self.rows.iter().filter(move |row| row[0] == Data::String(kind.to_owned()))
    }
}

/// Whether a cell holds this text.
fn is(cell: &Data, text: &str) -> bool {
    matches!(cell, Data::String(held) if held == text)
}

/// A cell against a figure of the API: the same number unrounded (`scale` turns the API's 0–100 into a share of
/// 1), "–" where the API hides it, blank where it has none.
fn same(cell: &Data, figure: &Value, suppressed: bool, scale: f64, what: &str) {
    match (cell, figure.as_f64()) {
        (Data::Float(value), Some(expected)) => {
            assert!((value - expected * scale).abs() < 1e-12, "{what}: {value} in the workbook, {expected} in the API");
        }
        (Data::Int(value), Some(expected)) => assert_eq!(*value as f64, expected * scale, "{what}"),
        (Data::String(text), None) if suppressed => assert_eq!(text, "–", "{what}"),
        (Data::Empty, None) if !suppressed => {}
        (cell, _) => panic!("{what}: {cell:?} in the workbook, {figure} (suppressed: {suppressed}) in the API"),
    }
}

fn check_municipality_sheet(sheet: &Range<Data>, group: &Value) -> usize {
    let table = Table::read(sheet, "Typ");
    let mut numbers = 0;
    for row in table.of_kind("Fråga") {
        let id = table.cell(row, "Id").to_string();
        let item = group["items"].as_array().unwrap().iter().find(|item| item["id"] == id.as_str()).expect(&id);
        let hidden = item["suppressed"].as_bool().unwrap();
        same(table.cell(row, "Index"), &item["index"], hidden, 1.0, &format!("{id} Index"));
        same(table.cell(row, "95 % KI, nedre"), &item["ci95"][0], hidden, 1.0, &format!("{id} 95 % KI, nedre"));
        same(table.cell(row, "Giltiga svar"), &item["valid"], hidden, 1.0, &format!("{id} Giltiga svar"));
        same(table.cell(row, "Vet ej"), &item["dont_know"], hidden, 1.0, &format!("{id} Vet ej"));
        same(
            table.cell(row, "Vet ej, andel"),
            &item["dont_know_percent"],
            hidden,
            0.01,
            &format!("{id} Vet ej, andel"),
        );
        numbers += usize::from(matches!(table.cell(row, "Index"), Data::Float(_)));
    }
    let questions = table.of_kind("Fråga").count();
    assert_eq!(questions, group["items"].as_array().unwrap().len(), "every item has its row");
    let options: Vec<&Vec<Data>> = table.of_kind("Svarsalternativ").collect();
    let mut expected_options = 0;
    for item in group["items"].as_array().unwrap() {
        for option in item["options"].as_array().unwrap() {
            let row = options
                .iter()
                .find(|row| {
                    is(table.cell(row, "Id"), item["id"].as_str().unwrap())
                        && is(table.cell(row, "Svarskod"), option["code"].as_str().unwrap())
                })
                .expect("the option's row");
            let hidden = option["suppressed"].as_bool().unwrap();
            let what = format!("{}.{}", item["id"], option["code"]);
            same(table.cell(row, "Antal"), &option["count"], hidden, 1.0, &what);
            same(table.cell(row, "Andel"), &option["percent"], hidden, 0.01, &what);
            expected_options += 1;
        }
    }
    assert_eq!(options.len(), expected_options);
    for row in table.of_kind("Andel ja") {
        let id = table.cell(row, "Id").to_string();
        let share = group["shares"].as_array().unwrap().iter().find(|share| share["id"] == id.as_str()).expect(&id);
        let hidden = share["suppressed"].as_bool().unwrap();
        same(table.cell(row, "Andel"), &share["percent"], hidden, 0.01, &format!("{id} Andel"));
        same(table.cell(row, "Antal"), &share["yes"], hidden, 1.0, &format!("{id} Antal"));
        same(table.cell(row, "95 % KI, övre"), &share["ci95"][1], hidden, 0.01, &format!("{id} 95 % KI, övre"));
    }
    assert_eq!(table.of_kind("Andel ja").count(), group["shares"].as_array().unwrap().len());
    let total = table.of_kind("Totalindex").next().expect("the total index");
    same(
        table.cell(total, "Index"),
        &group["total"]["index"],
        group["total"]["suppressed"].as_bool().unwrap(),
        1.0,
        "total",
    );
    numbers
}

async fn the_workbook_holds_the_results_as_the_api_gives_them(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let instrument = default_instrument().unwrap();
    let admin = app.staff("anna@polisen.se", "admin", &[]).await;
    let id = open_survey(&admin).await;
    for n in 0..40 {
        enter(&admin, &id, "1783", &answers(&instrument, n, true)).await;
    }
    for n in 0..6 {
        enter(&admin, &id, "1762", &answers(&instrument, n + 100, true)).await;
    }
    let (status, results) = json(&admin, &format!("/api/v1/surveys/{id}/results")).await;
    assert_eq!(status, 200);

    let page = admin.get(&format!("/admin/surveys/{id}/results?weights=none")).await.text().await.unwrap();
    assert!(page.contains("results.xlsx?weights=none\" download>"), "the page offers the workbook of what it shows");
    let mut book = workbook(&admin, &format!("/api/v1/surveys/{id}/results.xlsx")).await;
    assert_eq!(book.sheet_names(), ["Sammanfattning", "Munkfors", "Hagfors", "Svarsfrekvens", "Metod"]);
    let hagfors = book.worksheet_range("Hagfors").unwrap();
    assert!(check_municipality_sheet(&hagfors, municipality(&results, "1783")) > 10, "Hagfors shows its indices");
    let munkfors = book.worksheet_range("Munkfors").unwrap();
    assert_eq!(check_municipality_sheet(&munkfors, municipality(&results, "1762")), 0, "six answers show no index");
    let table = Table::read(&munkfors, "Typ");
    let weighted = table.of_kind("Viktat").next().expect("whether weighted");
    assert_eq!(table.cell(weighted, "Text").to_string(), "nej", "no margins, so unweighted");
    let footnote = munkfors.rows().any(|row| row[0].to_string().starts_with("– = dolt"));
    assert!(footnote, "a sheet with hidden figures says why");

    // The summary: every municipality and the total side by side, the same figures.
    let summary = Table::read(&book.worksheet_range("Sammanfattning").unwrap(), "Mått");
    let total_index = summary.of_kind("Totalindex").next().expect("the total index row");
    for (column, group) in [
        ("Hagfors", municipality(&results, "1783")),
        ("Munkfors", municipality(&results, "1762")),
        ("Totalt", &results["total"]),
    ] {
        let hidden = group["total"]["suppressed"].as_bool().unwrap();
        same(summary.cell(total_index, column), &group["total"]["index"], hidden, 1.0, column);
        let respondents = summary.of_kind("Svarande").next().unwrap();
        same(summary.cell(respondents, column), &group["respondents"], group["respondents"].is_null(), 1.0, column);
    }
    let scale_items =
        municipality(&results, "1783")["items"].as_array().unwrap().iter().filter(|item| item["kind"] == "scale");
    for item in scale_items {
        let id = item["id"].as_str().unwrap();
        let row = summary.rows.iter().find(|row| is(summary.cell(row, "Id"), id)).expect(id);
        same(summary.cell(row, "Hagfors"), &item["index"], item["suppressed"].as_bool().unwrap(), 1.0, id);
    }

    // The response rates: the counts of the rates' API.
    let (_, rates) = json(&admin, &format!("/api/v1/surveys/{id}/rates")).await;
    let table = Table::read(&book.worksheet_range("Svarsfrekvens").unwrap(), "Kommun");
    for m in rates["municipalities"].as_array().unwrap() {
        let row = table.rows.iter().find(|row| is(&row[1], m["code"].as_str().unwrap())).expect("a row");
        same(table.cell(row, "Inskickade svar"), &m["submitted"], false, 1.0, "submitted");
        same(table.cell(row, "Utskickade brev"), &m["letters"], false, 1.0, "letters");
    }
    let method = book.worksheet_range("Metod").unwrap();
    let said: Vec<String> =
        method.rows().map(|row| row.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")).collect();
    assert!(said.iter().any(|line| line.contains("2026-05-02 – 2026-06-19")), "{said:?}");
    assert!(said.iter().any(|line| line.contains("färre än 30 giltiga svar") && line.contains("under 5")), "{said:?}");

    // English: the workbook's own words in English.
    let mut english = workbook(&admin, &format!("/api/v1/surveys/{id}/results.xlsx?lang=en&weights=none")).await;
    assert_eq!(english.sheet_names(), ["Summary", "Munkfors", "Hagfors", "Response rates", "Method"]);
    let (_, unweighted) = json(&admin, &format!("/api/v1/surveys/{id}/results?weights=none")).await;
    let sheet = english.worksheet_range("Hagfors").unwrap();
    let table = Table::read(&sheet, "Kind");
    let total = table.of_kind("Total index").next().unwrap();
    same(table.cell(total, "Index"), &municipality(&unweighted, "1783")["total"]["index"], false, 1.0, "en");

    // Beside an earlier wave (here the survey itself): the earlier figure, no change, nothing significant.
    let mut compared = workbook(&admin, &format!("/api/v1/surveys/{id}/results.xlsx?compare={id}")).await;
    let summary = Table::read(&compared.worksheet_range("Sammanfattning").unwrap(), "Mått");
    let row = summary.of_kind("Totalindex").next().unwrap();
    let hagfors = &municipality(&results, "1783")["total"]["index"];
    same(summary.cell(row, "Hagfors, tidigare mätning"), hagfors, false, 1.0, "earlier");
    same(summary.cell(row, "Hagfors, förändring"), &Value::from(0.0), false, 1.0, "change");
    assert_eq!(summary.cell(row, "Hagfors, signifikant (5 %)").to_string(), "nej");
    let method = compared.worksheet_range("Metod").unwrap();
    assert!(method.rows().any(|row| row[1].to_string().starts_with("Jämfört med Trygghet 2026.")));

    // A coordinator of Munkfors gets Munkfors alone, from the page's address too; strangers get nothing.
    let coordinator = app.staff("mia@munkfors.se", "coordinator", &["1762"]).await;
    let theirs = workbook(&coordinator, &format!("/admin/surveys/{id}/results.xlsx")).await;
    assert_eq!(theirs.sheet_names(), ["Sammanfattning", "Munkfors", "Svarsfrekvens", "Metod"]);
    let anonymous = app.browser().await;
    assert_eq!(anonymous.get(&format!("/api/v1/surveys/{id}/results.xlsx")).await.status(), 401);
    let (status, body) = json(&admin, &format!("/api/v1/surveys/{id}/results.xlsx?lang=fi")).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["fields"][0]["field"], "lang", "{body}");
}

on_both_backends!(workbook_matches_the_results, super::the_workbook_holds_the_results_as_the_api_gives_them);
