//! Citizen promises: recorded, changed and deleted over the API and on the page, every problem named by its field,
//! only by those who manage the municipality, each change audit-logged; and followed by a later wave's results, on the
//! results page and the published page, with the results' own figures.

use reqwest::Method;
use serde_json::{Value, json};
use trygghet::domain::instrument::default_instrument;

use crate::helpers::{Backend, spawn_app};
use crate::on_both_backends;
use crate::results::{answers, enter, json, municipality};

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
    assert_eq!(saved.headers()["location"], page);
    let listed = coordinator.get(page).await.text().await.unwrap();
    assert!(listed.contains("Löftet är sparat.") && listed.contains("Trygg skolväg"));
    let again = coordinator.get(page).await.text().await.unwrap();
    assert!(!again.contains("Löftet är sparat.") && again.contains("Trygg skolväg"), "the notice is shown once");
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

/// A survey of Hagfors (1783) and Munkfors (1762) from `opens_on` to `closes_on`, as the admin creates it.
async fn survey(admin: &crate::helpers::Browser, title: &str, opens_on: &str, closes_on: &str) -> String {
    let body = json!({ "title": title, "opens_on": opens_on, "closes_on": closes_on, "access": "codes",
                       "sender": "Polisen och Hagfors kommun", "contact": { "phone": "0563-185 00" },
                       "municipalities": [{ "code": "1783", "sample_size": 300 }, { "code": "1762", "sample_size": 300 }] });
    let created: Value = admin.send_json(Method::POST, "/api/v1/surveys", &body).await.json().await.unwrap();
    created["id"].as_str().unwrap().to_owned()
}

async fn transition(admin: &crate::helpers::Browser, id: &str, action: &str) {
    let response = admin.send_json(Method::POST, &format!("/api/v1/surveys/{id}/{action}"), &json!({})).await;
    assert_eq!(response.status(), 200, "{action}");
}

/// 40 answers in Hagfors and 6 in Munkfors (too few to show), the scale steps going round from `offset`.
async fn answer(admin: &crate::helpers::Browser, id: &str, offset: usize) {
    let instrument = default_instrument().unwrap();
    for n in 0..40 {
        enter(admin, id, "1783", &answers(&instrument, n + offset, true)).await;
    }
    for n in 0..6 {
        enter(admin, id, "1762", &answers(&instrument, n + offset + 100, true)).await;
    }
}

/// The figure of `kind` `id` in a municipality's results: an item's or a share's, or an area's.
fn result<'a>(group: &'a Value, kind: &str, id: &str) -> &'a Value {
    let list = match kind {
        "area" => &group["areas"],
        _ if group["shares"].as_array().unwrap().iter().any(|share| share["id"] == id) => &group["shares"],
        _ => &group["items"],
    };
    list.as_array().unwrap().iter().find(|figure| figure["id"] == id).expect("the figure")
}

async fn a_later_wave_follows_each_promise_beside_its_wave_before_with_the_results_own_figures(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let admin = app.staff("anna@polisen.se", "admin", &[]).await;
    let coordinator = app.staff("mia@hagfors.se", "coordinator", &["1783", "1762"]).await;

    // The wave before: answered and closed in June 2025.
    let before = survey(&admin, "Trygghet 2025", "2025-05-02", "2025-06-19").await;
    transition(&admin, &before, "open").await;
    answer(&admin, &before, 2).await;
    transition(&admin, &before, "close").await;
    // Promises agreed on its results in the autumn; one agreed before it closed, and one after the next wave opened.
    let followed = json!({ "title": "Städade parker", "text": "Kommunen städar parkerna varje vecka.",
        "responsible": "municipality", "starts_on": "2025-09-01", "ends_on": "2026-04-30", "status": "ongoing",
        "targets": [{ "kind": "item", "id": "littering" }, { "kind": "area", "id": "outdoor_environment" },
                    { "kind": "item", "id": "victim_theft" }] });
    for (code, promise) in [("1783", &followed), ("1762", &followed)] {
        let path = format!("/api/v1/municipalities/{code}/promises");
        assert_eq!(coordinator.send_json(Method::POST, &path, promise).await.status(), 201);
    }
    let mut too_early = followed.clone();
    (too_early["title"], too_early["starts_on"], too_early["ends_on"]) =
        (json!("Före mätningen"), json!("2025-06-01"), json!("2025-12-31"));
    let mut too_late = followed.clone();
    (too_late["title"], too_late["starts_on"], too_late["ends_on"]) =
        (json!("Efter mätningen"), json!("2026-06-01"), json!("2026-12-31"));
    for promise in [&too_early, &too_late] {
        let response = coordinator.send_json(Method::POST, "/api/v1/municipalities/1783/promises", promise).await;
        assert_eq!(response.status(), 201);
    }

    // The wave after, copied from the wave before, answered differently.
    let copy = json!({ "title": "Trygghet 2026", "opens_on": "2026-05-02", "closes_on": "2026-06-19" });
    let copied = admin.send_json(Method::POST, &format!("/api/v1/surveys/{before}/copy"), &copy).await;
    assert_eq!(copied.status(), 201);
    let after = copied.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    transition(&admin, &after, "open").await;
    answer(&admin, &after, 0).await;

    // Each target's figures are those of the results beside the wave before, hidden where they are hidden.
    let (status, promises) = json(&coordinator, &format!("/api/v1/surveys/{after}/promises")).await;
    assert_eq!(status, 200, "{promises}");
    let (_, results) = json(&coordinator, &format!("/api/v1/surveys/{after}/results?compare={before}")).await;
    let mut codes: Vec<&str> = promises.as_array().unwrap().iter().map(|m| m["code"].as_str().unwrap()).collect();
    codes.sort_unstable();
    assert_eq!(codes, ["1762", "1783"]);
    let of = |code: &str| promises.as_array().unwrap().iter().find(|m| m["code"] == code).unwrap();
    for followed_here in promises.as_array().unwrap() {
        let titles: Vec<&str> =
            followed_here["promises"].as_array().unwrap().iter().map(|p| p["title"].as_str().unwrap()).collect();
        assert_eq!(titles, ["Städade parker"], "a promise before the wave before, or after this wave, is not followed");
        let promise = &followed_here["promises"][0];
        assert_eq!(promise["before"]["survey_id"], before.as_str());
        let group = municipality(&results, followed_here["code"].as_str().unwrap());
        for target in promise["targets"].as_array().unwrap() {
            let figure = result(group, target["kind"].as_str().unwrap(), target["id"].as_str().unwrap());
            let value = if figure["percent"].is_null() { &figure["index"] } else { &figure["percent"] };
            assert_eq!(&target["value"], value, "{target} {figure}");
            assert_eq!((&target["ci95"], &target["earlier"]), (&figure["ci95"], &figure["earlier"]), "{target}");
            assert_eq!(target["suppressed"], figure["suppressed"]);
            assert_eq!(target["asked"], true);
        }
    }
    let hagfors = &of("1783")["promises"][0]["targets"];
    let littering = &hagfors[0];
    assert!(littering["value"].is_f64() && littering["earlier"]["change"].is_f64(), "{littering}");
    assert!(littering["earlier"]["significant"].is_boolean() && littering["earlier"]["ci95"].is_array());
    assert_eq!(hagfors[2]["measure"], "percent");
    let munkfors = &of("1762")["promises"][0]["targets"][0];
    assert!(munkfors["value"].is_null() && munkfors["suppressed"] == true, "six answers show nothing: {munkfors}");
    assert!(munkfors["earlier"]["change"].is_null() && munkfors["earlier"]["significant"].is_null());
    let (_, none) = json(&coordinator, &format!("/api/v1/surveys/{before}/promises")).await;
    assert_eq!(none, json!([]), "the wave before follows none of them");
    let viewer = app.staff("bo@hagfors.se", "viewer", &["1783"]).await;
    let (_, seen) = json(&viewer, &format!("/api/v1/surveys/{after}/promises")).await;
    assert_eq!(seen.as_array().unwrap().len(), 1, "only the municipalities the viewer sees");

    // The results page shows them with the same figures, written as the page writes them.
    let page = coordinator.get(&format!("/admin/surveys/{after}/results")).await.text().await.unwrap();
    assert!(page.contains("Medborgarlöften") && page.contains("Städade parker") && !page.contains("Efter mätningen"));
    let written = |value: &Value| {
        let text = format!("{:.2}", value.as_f64().unwrap()).replace('.', ",").replace('-', "−");
        if value.as_f64().unwrap() > 0.0 { format!("+{text}") } else { text }
    };
    let change = written(&littering["earlier"]["change"]);
    assert!(page.contains(&format!("<td class=\"number\">{change}</td>")), "{change}");

    // Published: the public page shows the promises as they stood; changed later, only a new publication shows it.
    transition(&admin, &after, "close").await;
    let publication = format!("/api/v1/surveys/{after}/publication");
    assert_eq!(coordinator.send_json(Method::POST, &publication, &json!({})).await.status(), 201);
    let anonymous = app.browser().await;
    let public = anonymous.get(&format!("/resultat/{after}/1783")).await.text().await.unwrap();
    assert!(public.contains("Städade parker") && public.contains(&format!(">{change}<")), "{change}");
    let munkfors_page = anonymous.get(&format!("/resultat/{after}/1762")).await.text().await.unwrap();
    assert!(munkfors_page.contains("Städade parker"));
    let (_, hagfors_promises) = json(&coordinator, "/api/v1/municipalities/1783/promises").await;
    let id = hagfors_promises.as_array().unwrap().iter().find(|p| p["title"] == "Städade parker").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut renamed = followed.clone();
    (renamed["title"], renamed["status"]) = (json!("Rena parker"), json!("kept"));
    let path = format!("/api/v1/municipalities/1783/promises/{id}");
    assert_eq!(coordinator.send_json(Method::PUT, &path, &renamed).await.status(), 200);
    let public = anonymous.get(&format!("/resultat/{after}/1783")).await.text().await.unwrap();
    assert!(public.contains("Städade parker") && !public.contains("Rena parker"), "frozen until published again");
    assert_eq!(coordinator.send_json(Method::POST, &publication, &json!({})).await.status(), 201);
    let public = anonymous.get(&format!("/resultat/{after}/1783")).await.text().await.unwrap();
    assert!(public.contains("Rena parker") && public.contains("Uppfyllt"));
}
on_both_backends!(
    a_later_wave_follows_each_promise_beside_its_wave_before_with_the_results_own_figures,
    super::a_later_wave_follows_each_promise_beside_its_wave_before_with_the_results_own_figures
);
