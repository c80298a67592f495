//! Publishing: from a closed survey to a public page and a workbook in a few requests, frozen against late paper
//! forms until published again, and withdrawn; only coordinators of all the survey's municipalities may.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use reqwest::Method;
use serde_json::{Value, json};
use trygghet::domain::instrument::default_instrument;

use crate::helpers::{Backend, spawn_app};
use crate::on_both_backends;
use crate::results::{answers, enter, json, municipality, open_survey};

/// The total index as the public page writes it: two decimals with a comma.
fn written(index: &Value) -> String {
    format!("{:.2}", index.as_f64().unwrap()).replace('.', ",")
}

async fn a_closed_survey_is_published_frozen_and_withdrawn(backend: Backend) {
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
    let publication = format!("/api/v1/surveys/{id}/publication");
    let refused = admin.send_json(Method::POST, &publication, &json!({})).await;
    assert_eq!(refused.status(), 409, "an open survey is not published");
    let anonymous = app.browser().await;
    assert_eq!(anonymous.get(&format!("/resultat/{id}")).await.status(), 404);
    assert_eq!(admin.send_json(Method::POST, &format!("/api/v1/surveys/{id}/close"), &json!({})).await.status(), 200);

    // Only a coordinator of every municipality of the survey publishes.
    let hagfors_only = app.staff("mia@hagfors.se", "coordinator", &["1783"]).await;
    assert_eq!(hagfors_only.send_json(Method::POST, &publication, &json!({})).await.status(), 403);
    let both = app.staff("olle@polisen.se", "coordinator", &["1783", "1762"]).await;
    let (_, results) = json(&both, &format!("/api/v1/surveys/{id}/results")).await;

    // Published from the survey page, as a coordinator would: one click.
    let page = both.get(&format!("/admin/surveys/{id}")).await.text().await.unwrap();
    assert!(page.contains("Resultaten är inte publicerade."), "the page says so");
    let done = both.post_form(&format!("/admin/surveys/{id}/publish"), &[]).await;
    assert_eq!(done.status(), 303, "back to the survey page");
    let reopen = both.send_json(Method::POST, &format!("/api/v1/surveys/{id}/reopen"), &json!({})).await;
    assert_eq!(reopen.status(), 409, "published results stay the results");
    assert!(reopen.text().await.unwrap().contains("Resultaten är publicerade"));
    let page = both.get(&format!("/admin/surveys/{id}")).await.text().await.unwrap();
    assert!(
        page.contains(&format!("href=\"/resultat/{id}\"")),
        "the page links the public results: {}",
        &page[page.find("Publicering").unwrap()..][..900]
    );

    // The public pages, without sign-in.
    let public = anonymous.get(&format!("/resultat/{id}")).await;
    assert_eq!(public.status(), 200);
    let public = public.text().await.unwrap();
    assert!(public.contains(&format!("href=\"/resultat/{id}/1783\"")) && public.contains("Munkfors"));
    let hagfors = anonymous.get(&format!("/resultat/{id}/1783")).await.text().await.unwrap();
    let total = &municipality(&results, "1783")["total"]["index"];
    assert!(hagfors.contains(&written(total)), "the total index {total} on Hagfors' page");
    assert!(hagfors.contains("<svg") && hagfors.contains("Index per område, Hagfors"));
    let munkfors = anonymous.get(&format!("/resultat/{id}/1762")).await.text().await.unwrap();
    assert!(!munkfors.contains("<td class=\"number\">0,") && munkfors.contains("–"), "six answers show no figure");
    assert_eq!(anonymous.get(&format!("/resultat/{id}/0180")).await.status(), 404);

    // The workbook, frozen with the page: a late paper form changes the survey's results, not the publication.
    let read_total = |bytes: Vec<u8>| {
        let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        let sheet = book.worksheet_range("Hagfors").unwrap();
        let row = sheet.rows().find(|row| row[0] == Data::String("Svarande".into())).unwrap().to_vec();
        row.into_iter().find_map(|cell| if let Data::Float(n) = cell { Some(n) } else { None }).unwrap()
    };
    let workbook = anonymous.get(&format!("/resultat/{id}/resultat.xlsx")).await;
    assert_eq!(workbook.status(), 200);
    assert_eq!(read_total(workbook.bytes().await.unwrap().to_vec()), 40.0);
    enter(&admin, &id, "1783", &answers(&instrument, 41, true)).await;
    let (_, now) = json(&both, &format!("/api/v1/surveys/{id}/results")).await;
    assert_eq!(municipality(&now, "1783")["respondents"], 41);
    let again = anonymous.get(&format!("/resultat/{id}/resultat.xlsx")).await.bytes().await.unwrap().to_vec();
    assert_eq!(read_total(again), 40.0, "frozen until published again");
    let republished = both.send_json(Method::POST, &publication, &json!({})).await;
    assert_eq!(republished.status(), 201);
    let body: Value = republished.json().await.unwrap();
    assert_eq!(body["url"], format!("/resultat/{id}"));
    let fresh = anonymous.get(&format!("/resultat/{id}/resultat.xlsx?lang=en")).await.bytes().await.unwrap().to_vec();
    let mut english: Xlsx<_> = open_workbook_from_rs(Cursor::new(fresh)).unwrap();
    assert_eq!(english.sheet_names()[0], "Summary");
    let hagfors = english.worksheet_range("Hagfors").unwrap();
    let respondents = hagfors.rows().find(|row| row[0] == Data::String("Respondents".into())).unwrap();
    assert!(respondents.contains(&Data::Float(41.0)), "{respondents:?}");

    // Withdrawn: gone from the public, and both steps in the audit log.
    assert_eq!(hagfors_only.send_json(Method::DELETE, &publication, &json!({})).await.status(), 403);
    assert_eq!(both.send_json(Method::DELETE, &publication, &json!({})).await.status(), 204);
    assert_eq!(anonymous.get(&format!("/resultat/{id}")).await.status(), 404);
    assert_eq!(both.get(&publication).await.status(), 404);
    let actions =
        app.query_strings("SELECT action FROM audit_events WHERE action IN ('survey_published', 'publication_withdrawn') ORDER BY occurred_at");
    assert_eq!(actions, ["survey_published", "survey_published", "publication_withdrawn"]);
}

on_both_backends!(publishing_a_survey, super::a_closed_survey_is_published_frozen_and_withdrawn);
