//! Citizen promises: recorded, changed and deleted over the API and on the page, every problem named by its field,
//! only by those who manage the municipality, each change audit-logged.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, spawn_app};
use crate::on_both_backends;
use crate::results::json;

/// A valid promise of Hagfors' police and municipality for the winter between two surveys.
fn lighting() -> Value {
    json!({ "title": "Bättre belysning i Centrumparken", "text": "Kommunen sätter upp belysning längs gångvägarna.",
            "responsible": "both", "starts_on": "2026-09-01", "ends_on": "2027-04-30", "status": "ongoing",
            "targets": [{ "kind": "item", "id": "poor_lighting" }, { "kind": "area", "id": "outdoor_environment" },
                        { "kind": "item", "id": "victim_theft" }] })
}

/// The fields of a refused request's errors.
async fn refused_fields(response: reqwest::Response) -> Vec<String> {
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid");
    body["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().to_owned()).collect()
}

async fn promises_are_recorded_checked_changed_and_deleted_by_those_who_manage_the_municipality(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let coordinator = app.staff("mia@hagfors.se", "coordinator", &["1783"]).await;
    let viewer = app.staff("bo@hagfors.se", "viewer", &["1783"]).await;
    let stranger = app.staff("cia@sunne.se", "coordinator", &["1766"]).await;
    let list = "/api/v1/municipalities/1783/promises";

    // Every problem at once, each by its field; nothing is stored.
    let bad = json!({ "title": " ", "text": "x".repeat(5001), "responsible": "mayor", "starts_on": "2027-05-01",
                      "ends_on": "2027-04-30", "status": "done",
                      "targets": [{ "kind": "item", "id": "gender" }, { "kind": "place", "id": "x" }] });
    let fields = refused_fields(coordinator.send_json(Method::POST, list, &bad).await).await;
    for field in ["title", "text", "responsible", "ends_on", "status", "targets"] {
        assert!(fields.iter().any(|f| f == field), "{field} in {fields:?}");
    }
    let no_targets = json!({ "title": "Fler poliser", "responsible": "police", "starts_on": "2026-09-01",
                             "ends_on": "2026-08-01" });
    assert_eq!(
        refused_fields(coordinator.send_json(Method::POST, list, &no_targets).await).await,
        ["ends_on", "targets"]
    );
    let not_dates = json!({ "title": "T", "responsible": "police", "starts_on": "den 1 september", "ends_on": "",
                            "targets": [{ "kind": "area", "id": "disorder" }] });
    assert_eq!(
        refused_fields(coordinator.send_json(Method::POST, list, &not_dates).await).await,
        ["starts_on", "ends_on"]
    );
    let mistyped = json!({ "title": "Fler poliser", "targets": "disorder" });
    let response = coordinator.send_json(Method::POST, list, &mistyped).await;
    assert_eq!(response.status(), 422, "a body that is no promise is refused as such");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["field"], "body");
    let (_, empty) = json(&coordinator, list).await;
    assert_eq!(empty, json!([]));

    // Recorded, read back, changed, by the coordinator; read by the viewer.
    let created = coordinator.send_json(Method::POST, list, &lighting()).await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!((created["municipality"].as_str(), created["status"].as_str()), (Some("1783"), Some("ongoing")));
    assert_eq!(created["targets"][1], json!({ "kind": "area", "id": "outdoor_environment" }));
    let one = format!("{list}/{id}");
    let (status, seen) = json(&viewer, &one).await;
    assert_eq!((status.as_u16(), &seen["title"]), (200, &created["title"]));
    let (_, all) = json(&viewer, list).await;
    assert_eq!(all.as_array().unwrap().len(), 1);
    let mut kept = lighting();
    kept["status"] = json!("kept");
    kept["targets"] = json!([{ "kind": "item", "id": "poor_lighting" }, { "kind": "item", "id": "poor_lighting" }]);
    let changed = coordinator.send_json(Method::PUT, &one, &kept).await;
    assert_eq!(changed.status(), 200);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(changed["status"], "kept");
    assert_eq!(
        changed["targets"],
        json!([{ "kind": "item", "id": "poor_lighting" }]),
        "a target given twice is kept once"
    );
    let (_, reread) = json(&viewer, &one).await;
    assert_eq!(reread["targets"], changed["targets"]);
    let fields = refused_fields(coordinator.send_json(Method::PUT, &one, &json!({ "title": "" })).await).await;
    assert!(fields.contains(&"title".to_owned()) && fields.contains(&"responsible".to_owned()));

    // The viewer reads but does not write; another municipality's coordinator neither; nor anyone without a session.
    assert_eq!(viewer.send_json(Method::POST, list, &lighting()).await.status(), 403);
    assert_eq!(viewer.send_json(Method::PUT, &one, &kept).await.status(), 403);
    assert_eq!(viewer.send_json(Method::DELETE, &one, &json!({})).await.status(), 403);
    assert_eq!(json(&stranger, list).await.0, 403);
    assert_eq!(json(&stranger, &one).await.0, 403);
    assert_eq!(stranger.send_json(Method::POST, list, &lighting()).await.status(), 403);
    assert_eq!(app.get(list).await.status(), 401);
    // A promise is found under its own municipality only; a code that is none, or no municipality, is said so.
    let sunne = stranger.send_json(Method::POST, "/api/v1/municipalities/1766/promises", &lighting()).await;
    let sunne: Value = sunne.json().await.unwrap();
    let admin = app.staff("anna@polisen.se", "admin", &[]).await;
    let elsewhere = format!("{list}/{}", sunne["id"].as_str().unwrap());
    assert_eq!(json(&admin, &elsewhere).await.0, 404);
    assert_eq!(admin.send_json(Method::DELETE, &elsewhere, &json!({})).await.status(), 404);
    let (status, body) = json(&admin, "/api/v1/municipalities/17x3/promises").await;
    assert_eq!((status.as_u16(), body["error"]["field"].as_str()), (422, Some("code")));
    assert_eq!(json(&admin, "/api/v1/municipalities/9999/promises").await.0, 404);

    // Deleted, and every change in the audit log, by whom.
    assert_eq!(coordinator.send_json(Method::DELETE, &one, &json!({})).await.status(), 204);
    assert_eq!(json(&viewer, &one).await.0, 404);
    assert_eq!(coordinator.send_json(Method::DELETE, &one, &json!({})).await.status(), 404);
    let events = app.query_strings(&format!(
        "SELECT action || ' ' || actor_email FROM audit_events WHERE target = '{id}' ORDER BY occurred_at"
    ));
    assert_eq!(
        events,
        ["promise_created mia@hagfors.se", "promise_changed mia@hagfors.se", "promise_deleted mia@hagfors.se"]
    );
    let detail = app.query_strings(&format!("SELECT detail FROM audit_events WHERE target = '{id}'"));
    assert!(detail.iter().all(|detail| detail.contains("\"municipality\":\"1783\"")), "{detail:?}");
}
on_both_backends!(
    promises_are_recorded_checked_changed_and_deleted_by_those_who_manage_the_municipality,
    super::promises_are_recorded_checked_changed_and_deleted_by_those_who_manage_the_municipality
);

/// The page's form as posted: `fields`, and the chosen targets' checkboxes.
fn form<'a>(fields: &[(&'a str, &'a str)], targets: &[&'a str]) -> Vec<(&'a str, &'a str)> {
    let mut form = fields.to_vec();
    form.extend(targets.iter().map(|target| ("target", *target)));
    form
}

async fn the_page_lists_promises_and_its_form_keeps_what_was_typed_and_says_what_is_wrong(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let coordinator = app.staff("mia@hagfors.se", "coordinator", &["1783"]).await;
    let page = "/admin/municipalities/1783/promises";

    let empty = coordinator.get(page).await;
    assert_eq!(empty.status(), 200);
    let empty = empty.text().await.unwrap();
    assert!(empty.contains("Medborgarlöften i Hagfors") && empty.contains("Nytt medborgarlöfte"));
    // Targets offered by area, in the questionnaire's words.
    assert!(empty.contains("<legend>Utemiljö</legend>") && empty.contains("Hela området Utemiljö (index)"));
    assert!(empty.contains(r#"value="item:littering""#) && empty.contains("nedskräpning"));

    // A mistake: every problem next to its field and in the summary, and everything typed kept.
    let fields = [
        ("title", "Trygg skolväg"),
        ("text", "Polisen finns vid skolorna."),
        ("responsible", "police"),
        ("starts_on", "2026-09-01"),
        ("ends_on", "2026-08-01"),
        ("status", "planned"),
    ];
    let refused = coordinator.post_form(page, &form(&fields, &["item:speeding"])).await;
    assert_eq!(refused.status(), 422);
    let refused = refused.text().await.unwrap();
    assert!(refused.contains("error-summary") && refused.contains(r##"href="#ends_on""##));
    assert!(refused.contains(r#"id="ends_on-error">Slutdagen kan inte vara före startdagen."#));
    assert!(refused.contains(r#"value="Trygg skolväg""#) && refused.contains("Polisen finns vid skolorna.</textarea>"));
    assert!(refused.contains(r#"value="item:speeding" checked"#), "the chosen target stays chosen");
    assert!(refused.contains(r#"value="police" checked"#));
    let no_target = coordinator.post_form(page, &form(&fields[..4], &[])).await.text().await.unwrap();
    assert!(no_target.contains(r#"id="targets-error">Välj minst en fråga"#));

    // Saved: back to the list, which shows it; changed and deleted from its own page.
    let mut fixed = fields.to_vec();
    fixed[4] = ("ends_on", "2027-06-30");
    let saved = coordinator.post_form(page, &form(&fixed, &["item:speeding", "area:disorder"])).await;
    assert_eq!(saved.status(), 303);
    assert_eq!(saved.headers()["location"], format!("{page}?now=created"));
    let listed = coordinator.get(&format!("{page}?now=created")).await.text().await.unwrap();
    assert!(listed.contains("Löftet är sparat.") && listed.contains("Trygg skolväg"));
    assert!(listed.contains("Området Ordningsstörningar") && listed.contains("2026-09-01 – 2027-06-30"));
    let (_, stored) = json(&coordinator, "/api/v1/municipalities/1783/promises").await;
    let id = stored[0]["id"].as_str().unwrap().to_owned();
    let edit = format!("{page}/{id}");
    let editing = coordinator.get(&edit).await.text().await.unwrap();
    assert!(editing.contains(r#"value="area:disorder" checked"#) && editing.contains(r#"value="2027-06-30""#));
    let mut kept = fixed.clone();
    kept[5] = ("status", "kept");
    let changed = coordinator.post_form(&edit, &form(&kept, &["item:speeding"])).await;
    assert_eq!(changed.status(), 303);
    let listed = coordinator.get(page).await.text().await.unwrap();
    assert!(listed.contains("Uppfyllt") && !listed.contains("Området Ordningsstörningar"));
    let wrong =
        coordinator.post_form(&edit, &form(&[("title", ""), ("responsible", "police")], &["item:speeding"])).await;
    assert_eq!(wrong.status(), 422);
    assert!(wrong.text().await.unwrap().contains(r#"id="title-error""#));

    // A viewer reads the list without the form, and cannot open a promise to change it; a stranger sees nothing.
    let viewer = app.staff("bo@hagfors.se", "viewer", &["1783"]).await;
    let read = viewer.get(page).await.text().await.unwrap();
    assert!(read.contains("Trygg skolväg") && !read.contains("Nytt medborgarlöfte") && !read.contains(&edit));
    assert_eq!(viewer.get(&edit).await.status(), 403);
    assert_eq!(viewer.post_form(page, &form(&fixed, &["item:speeding"])).await.status(), 403);
    let stranger = app.staff("cia@sunne.se", "coordinator", &["1766"]).await;
    assert_eq!(stranger.get(page).await.status(), 403);

    assert_eq!(coordinator.post_form(&format!("{edit}/delete"), &[]).await.status(), 303);
    assert!(!coordinator.get(page).await.text().await.unwrap().contains("Trygg skolväg"));
}
on_both_backends!(
    the_page_lists_promises_and_its_form_keeps_what_was_typed_and_says_what_is_wrong,
    super::the_page_lists_promises_and_its_form_keeps_what_was_typed_and_says_what_is_wrong
);
