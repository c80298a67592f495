//! The survey's results over the API and on the staff page: what counts, the figures against a computation written
//! out here, who sees which municipality, small groups hidden in every figure that leaves, breakdowns named by the
//! questionnaire's words, and the page's event stream.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use trygghet::domain::instrument::{Instrument, ItemKind, default_instrument};

use crate::helpers::{Backend, Browser, TestApp, next_event, spawn_app, spawn_instance};
use crate::on_both_backends;

/// A free-text comment one respondent writes.
const COMMENT: &str = "Mörkt vid busshållplatsen på Storgatan";

/// A survey of Hagfors (1783) and Munkfors (1762), open, with no letters: paper forms without a letter number.
pub(crate) async fn open_survey(browser: &Browser) -> String {
    open_survey_with(browser, json!({})).await
}

/// Such a survey with `settings` (e.g. its disclosure settings) added.
pub(crate) async fn open_survey_with(browser: &Browser, settings: Value) -> String {
    let mut body = json!({ "title": "Trygghet 2026", "opens_on": "2026-05-02", "closes_on": "2026-06-19", "access": "codes",
                       "sender": "Polisen och Hagfors kommun", "contact": { "phone": "0563-185 00" },
                       "municipalities": [{ "code": "1783", "sample_size": 300 }, { "code": "1762", "sample_size": 300 }] });
    body.as_object_mut().unwrap().extend(settings.as_object().unwrap().clone());
    let survey: Value = browser.send_json(Method::POST, "/api/v1/surveys", &body).await.json().await.unwrap();
    let id = survey["id"].as_str().unwrap().to_owned();
    assert_eq!(browser.send_json(Method::POST, &format!("/api/v1/surveys/{id}/open"), &json!({})).await.status(), 200);
    id
}

/// The answers of respondent `n`: every question that applies to everyone, the scale steps going round so that the
/// figures are not all alike; `full` false answers only a few (a break-off, which results do not count).
pub(crate) fn answers(instrument: &Instrument, n: usize, full: bool) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for (index, item) in instrument.items().filter(|item| item.show_if.is_none()).enumerate() {
        if !full && index > 3 {
            break;
        }
        let field = format!("q.{}", item.id);
        let codes = instrument.choice_codes(item).unwrap_or_default();
        let value = match &item.kind {
            ItemKind::Scale { .. } => codes[(n + index) % codes.len()].to_owned(),
            ItemKind::YesNo { .. } => if n.is_multiple_of(3) { "yes" } else { "no" }.to_owned(),
            ItemKind::Single { .. } | ItemKind::Multiple { .. } => codes[n % codes.len()].to_owned(),
            ItemKind::Number { .. } => "5".to_owned(),
            // One respondent writes a comment: still counted, and the text never appears in results.
            ItemKind::Text { .. } if n == 0 => COMMENT.to_owned(),
            ItemKind::Text { .. } => continue,
        };
        fields.push((field, value));
    }
    fields
}

pub(crate) async fn enter(browser: &Browser, id: &str, municipality: &str, fields: &[(String, String)]) {
    let path = format!("/admin/surveys/{id}/paper");
    let page = browser.get(&path).await.text().await.unwrap();
    let marker = r#"name="submission_id" value=""#;
    let start = page.find(marker).expect("a submission id") + marker.len();
    let submission = page[start..start + 36].to_owned();
    let mut form: Vec<(&str, &str)> =
        vec![("submission_id", &submission), ("municipality", municipality), ("letter_number", "")];
    form.extend(fields.iter().map(|(name, value)| (name.as_str(), value.as_str())));
    assert_eq!(browser.post_form(&path, &form).await.status(), 200);
}

/// The index of an item as the respondents' answers give it: the mean weight over answers on the scale.
fn expected_index(instrument: &Instrument, item: &str, respondents: &[Vec<(String, String)>]) -> (f64, usize, usize) {
    let field = format!("q.{item}");
    let (mut sum, mut valid, mut outside) = (0.0, 0, 0);
    for fields in respondents {
        let Some((_, code)) = fields.iter().find(|(name, _)| *name == field) else { continue };
        match instrument.weight(item, code) {
            Some(weight) => {
                sum += weight;
                valid += 1;
            }
            None => outside += 1,
        }
    }
    (sum / valid as f64, valid, outside)
}

pub(crate) async fn json(browser: &Browser, path: &str) -> (reqwest::StatusCode, Value) {
    let response = browser.get(path).await;
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Every figure in a group (and its breakdown groups) that the rules forbid: an index, share or percentage on fewer
/// than 30 valid answers, a count from 1 to 4, or a percentage shown beside its hidden count.
fn forbidden(group: &Value, found: &mut Vec<String>) {
    let small = |count: &Value| count.as_u64().is_some_and(|c| c > 0 && c < 5);
    let base = |figure: &Value| figure["valid"].as_u64().unwrap_or(0);
    for item in group["items"].as_array().unwrap() {
        let dont_know_given_away = item["dont_know"].is_null() && !item["dont_know_percent"].is_null();
        if !item["index"].is_null() && base(item) < 30
            || small(&item["valid"])
            || small(&item["dont_know"])
            || dont_know_given_away
        {
            found.push(format!("{}: {item}", item["id"]));
        }
        let answered = base(item) + item["dont_know"].as_u64().unwrap_or(0);
        for option in item["options"].as_array().unwrap() {
            if small(&option["count"]) || (!option["percent"].is_null() && answered < 30) {
                found.push(format!("{}.{}: {option}", item["id"], option["code"]));
            }
        }
    }
    for share in group["shares"].as_array().unwrap() {
        // A percentage beside its base gives a hidden count away.
        let yes_given_away = share["yes"].is_null() && !share["percent"].is_null();
        if !share["percent"].is_null() && base(share) < 30
            || small(&share["yes"])
            || small(&share["valid"])
            || yes_given_away
        {
            found.push(format!("{}: {share}", share["id"]));
        }
    }
    for area in group["areas"].as_array().unwrap().iter().chain([&group["total"]]) {
        if !area["index"].is_null() && base(area) < 30 || small(&area["valid"]) {
            found.push(format!("{}: {area}", area["id"]));
        }
    }
    for part in group["groups"].as_array().into_iter().flatten() {
        forbidden(part, found);
    }
}

pub(crate) fn municipality<'a>(results: &'a Value, code: &str) -> &'a Value {
    results["municipalities"].as_array().unwrap().iter().find(|m| m["code"] == code).expect("the municipality")
}

fn item<'a>(group: &'a Value, id: &str) -> &'a Value {
    group["items"].as_array().unwrap().iter().find(|item| item["id"] == id).expect("the item")
}

async fn results_count_complete_answers_per_municipality_and_hide_small_groups(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let instrument = default_instrument().unwrap();
    let admin = app.staff("anna@polisen.se", "admin", &[]).await;
    let id = open_survey(&admin).await;
    let hagfors: Vec<_> = (0..45).map(|n| answers(&instrument, n, true)).collect();
    let munkfors: Vec<_> = (0..7).map(|n| answers(&instrument, n + 100, true)).collect();
    for fields in &hagfors {
        enter(&admin, &id, "1783", fields).await;
    }
    for fields in &munkfors {
        enter(&admin, &id, "1762", fields).await;
    }
    // A break-off counts in the response rates, not in the results.
    enter(&admin, &id, "1783", &answers(&instrument, 7, false)).await;

    let (status, results) = json(&admin, &format!("/api/v1/surveys/{id}/results?weights=none")).await;
    assert_eq!(status, 200, "{results}");
    let big = municipality(&results, "1783");
    assert_eq!(big["respondents"], 45, "the break-off is not counted, the one with a comment is");
    assert!(!results.to_string().contains("Storgatan"), "free text never appears in results");
    assert_eq!(big["weighted"], false);
    let scale = instrument.items().find(|item| matches!(item.kind, ItemKind::Scale { .. })).unwrap();
    let (index, valid, outside) = expected_index(&instrument, &scale.id, &hagfors);
    let figure = item(big, &scale.id);
    assert!((figure["index"].as_f64().unwrap() - index).abs() < 1e-9, "{figure}");
    assert_eq!((figure["valid"].as_u64(), figure["dont_know"].as_u64()), (Some(valid as u64), Some(outside as u64)));
    let [low, high] = [figure["ci95"][0].as_f64().unwrap(), figure["ci95"][1].as_f64().unwrap()];
    assert!(low < index && index < high);
    // Each shown percentage is the option's share of those who answered; a count hidden in the small municipality
    // is hidden beside it here too, with its percentage, so that the total does not give it away.
    let field = format!("q.{}", scale.id);
    let answered = hagfors.iter().filter(|fields| fields.iter().any(|(name, _)| *name == field)).count() as f64;
    for option in figure["options"].as_array().unwrap() {
        let chose = hagfors.iter().filter(|f| f.iter().any(|(n, v)| *n == field && *v == option["code"])).count();
        match (option["count"].as_u64(), option["percent"].as_f64()) {
            (Some(count), Some(percent)) => {
                assert_eq!(count, chose as u64);
                assert!((percent - 100.0 * chose as f64 / answered).abs() < 1e-9);
            }
            (None, None) => assert_eq!(option["suppressed"], true),
            other => panic!("a count without its percentage or the reverse: {other:?}"),
        }
    }

    // Munkfors has 7 respondents: no index, no percentage, no count under 5; and the total does not give it away.
    let small = municipality(&results, "1762");
    let hidden = item(small, &scale.id);
    assert_eq!((hidden["index"].clone(), hidden["suppressed"].clone()), (Value::Null, Value::Bool(true)));
    assert!(hidden["options"].as_array().unwrap().iter().all(|o| o["percent"].is_null()));
    assert!(
        hidden["options"].as_array().unwrap().iter().all(|o| o["count"].as_u64().is_none_or(|c| c == 0 || c >= 5)),
        "{hidden}"
    );
    let total_item = item(&results["total"], &scale.id);
    assert!(total_item["index"].is_null(), "the total with one hidden municipality would reveal it");
    assert!(item(big, &scale.id)["index"].is_number(), "the large municipality keeps its figures");
    assert!(small["shares"].as_array().unwrap().iter().all(|share| share["percent"].is_null()));
    assert!(small["areas"].as_array().unwrap().iter().all(|area| area["index"].is_null()));

    // Unknown breakdowns and weights are refused with a JSON error naming the parameter.
    let (status, body) = json(&admin, &format!("/api/v1/surveys/{id}/results?by=comment")).await;
    assert_eq!((status.as_u16(), body["error"]["field"].as_str()), (422, Some("by")));
    let (status, body) = json(&admin, &format!("/api/v1/surveys/{id}/results?weights=some")).await;
    assert_eq!((status.as_u16(), body["error"]["field"].as_str()), (422, Some("weights")));
    let (status, by_gender) = json(&admin, &format!("/api/v1/surveys/{id}/results?by=gender")).await;
    assert_eq!(status, 200);
    // Every figure that leaves, broken down or not, keeps to the rules.
    for results in [&results, &by_gender] {
        let mut found = Vec::new();
        for group in results["municipalities"].as_array().unwrap().iter().chain([&results["total"]]) {
            forbidden(group, &mut found);
        }
        assert!(found.is_empty(), "{}", found.join("\n"));
    }
    let groups = municipality(&by_gender, "1783")["groups"].as_array().unwrap();
    assert_eq!(groups.iter().map(|g| g["respondents"].as_u64().unwrap_or(0)).sum::<u64>(), 45);

    // A viewer of Munkfors sees Munkfors only, and no total; someone else's survey is not found.
    let viewer = app.staff("bo@polisen.se", "viewer", &["1762"]).await;
    let (status, seen) = json(&viewer, &format!("/api/v1/surveys/{id}/results")).await;
    assert_eq!(status, 200);
    let codes: Vec<&str> =
        seen["municipalities"].as_array().unwrap().iter().map(|m| m["code"].as_str().unwrap()).collect();
    assert_eq!((codes, seen["total"].is_null()), (vec!["1762"], true));
    let stranger = app.staff("cia@polisen.se", "viewer", &["1766"]).await;
    assert_eq!(json(&stranger, &format!("/api/v1/surveys/{id}/results")).await.0, 404);
    assert_eq!(app.get(&format!("/api/v1/surveys/{id}/results")).await.status(), 401);

    // Weighted to Hagfors' population by gender: the figures say so, with an effective sample size below the count.
    let margins = json!({ "margins": { "gender": { "woman": 9000, "man": 3000, "other_or_no_answer": 100 } } });
    let path = format!("/api/v1/surveys/{id}/municipalities/1783/population");
    assert_eq!(admin.send_json(Method::PUT, &path, &margins).await.status(), 200);
    let (_, weighted) = json(&admin, &format!("/api/v1/surveys/{id}/results?weights=population")).await;
    let big_weighted = municipality(&weighted, "1783");
    assert_eq!(big_weighted["weighted"], true);
    let effective = big_weighted["effective_n"].as_f64().unwrap();
    assert!(effective < 45.0 && effective > 20.0, "{effective}");
    assert_eq!(municipality(&weighted, "1762")["weighted"], false, "no margins: unweighted");

    // Beside an earlier wave: the earlier index, the change and Welch's test.
    let earlier_id = open_survey(&admin).await;
    let before: Vec<_> = (0..40).map(|n| answers(&instrument, n + 2, true)).collect();
    for fields in &before {
        enter(&admin, &earlier_id, "1783", fields).await;
    }
    let (status, compared) =
        json(&admin, &format!("/api/v1/surveys/{id}/results?weights=none&compare={earlier_id}")).await;
    assert_eq!(status, 200, "{compared}");
    let change = &item(municipality(&compared, "1783"), &scale.id)["earlier"];
    let (then, _, _) = expected_index(&instrument, &scale.id, &before);
    assert!((change["earlier"].as_f64().unwrap() - then).abs() < 1e-9, "{change}");
    assert!((change["change"].as_f64().unwrap() - (index - then)).abs() < 1e-9);
    assert_eq!(change["test"], "welch");
    assert!(change["p_value"].as_f64().is_some_and(|p| (0.0..=1.0).contains(&p)));

    // The page shows the same figures, and "–" where they are hidden.
    let page = admin.get(&format!("/admin/surveys/{id}/results?weights=none")).await.text().await.unwrap();
    assert!(page.contains("Hagfors") && page.contains("Munkfors") && page.contains("–"));
    let shown = format!("{:.2}", index).replace('.', ",");
    assert!(page.contains(&shown), "{shown}");
}
on_both_backends!(
    results_count_complete_answers_per_municipality_and_hide_small_groups,
    super::results_count_complete_answers_per_municipality_and_hide_small_groups
);

/// The rows of the page's breakdown tables: per municipality, each group's words and its cells (index, interval,
/// respondents, and beside an earlier wave its figure and the change).
fn breakdown_rows(page: &str) -> Vec<(String, String, Vec<String>)> {
    let text = |html: &str| {
        let mut out = String::new();
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out.trim().to_owned()
    };
    let mut rows = Vec::new();
    for part in page.split("<th scope=\"rowgroup\"").skip(1) {
        let body = &part[..part.find("</tbody>").expect("the group's rows end")];
        let municipality = text(&body[body.find('>').unwrap() + 1..body.find("</th>").unwrap()]);
        for row in body.split("<tr><th scope=\"row\">").skip(1) {
            let row = &row[..row.find("</tr>").unwrap()];
            let (heading, cells) = row.split_once("</th>").unwrap();
            let group = text(&heading[heading.find("</span>").map_or(0, |at| at + 7)..]);
            let cells = cells.split("</td>").filter(|cell| cell.contains("<td")).map(text).collect();
            rows.push((municipality.clone(), group, cells));
        }
    }
    rows
}

async fn the_page_names_groups_by_the_questionnaires_words_and_shows_no_hidden_figure(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let instrument = default_instrument().unwrap();
    let admin = app.staff("anna@polisen.se", "admin", &[]).await;
    let id = open_survey(&admin).await;
    // Hagfors: 120 respondents, 40 of each gender, about 32 of them on each scale (the rest "don't know"): large
    // enough. Munkfors: 7, too small for any group.
    for n in 0..120 {
        enter(&admin, &id, "1783", &answers(&instrument, n, true)).await;
    }
    for n in 0..7 {
        enter(&admin, &id, "1762", &answers(&instrument, n + 100, true)).await;
    }

    let response = admin.get(&format!("/admin/surveys/{id}/results?by=gender&weights=none")).await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(page.contains("Index per svar på ”Vilket kön har du?”"), "the breakdown's heading");
    // Groups by the questionnaire's words, never by code.
    for code in ["woman", "other_or_no_answer"] {
        assert!(!page.contains(code), "the code {code} shows on the page");
    }
    let rows = breakdown_rows(&page);
    let hagfors: Vec<&str> =
        rows.iter().filter(|(m, _, _)| m == "Hagfors").map(|(_, group, _)| group.as_str()).collect();
    assert_eq!(&hagfors[..3], ["Kvinna", "Man", "Annat eller vill inte svara"], "{rows:?}");
    // An index only on 30 valid answers or more, and no count from 1 to 4, in any group; Munkfors' groups show
    // nothing at all, and its chart says so.
    let mut shown = 0;
    for (municipality, group, cells) in &rows {
        let valid = cells[2].parse::<u64>().ok();
        if cells[0] != "–" {
            shown += 1;
            assert!(valid.is_some_and(|v| v >= 30), "{municipality}, {group}: an index on {cells:?}");
        }
        assert!(valid.is_none_or(|v| v == 0 || v >= 5), "{municipality}, {group}: a small count in {cells:?}");
        if municipality == "Munkfors" {
            assert!(cells.iter().all(|cell| cell == "–"), "{group}: {cells:?}");
        }
    }
    assert!(shown > 0, "Hagfors' groups are large enough to show: {rows:?}");
    assert!(page.contains("Munkfors, Kvinna: dold, för få svar."));
}
on_both_backends!(
    the_page_names_groups_by_the_questionnaires_words_and_shows_no_hidden_figure,
    super::the_page_names_groups_by_the_questionnaires_words_and_shows_no_hidden_figure
);

async fn the_pages_stream_answers_only_those_who_may_see_the_page_and_tells_only_of_their_municipalities(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else { return };
    let instrument = default_instrument().unwrap();
    let admin = app.staff("anna@polisen.se", "admin", &[]).await;
    let id = open_survey(&admin).await;
    enter(&admin, &id, "1783", &answers(&instrument, 0, true)).await;
    let stream = format!("/admin/surveys/{id}/results/stream");

    // Signed out: sent to sign in, no stream. Another municipality's coordinator: not found, as the page itself.
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let signed_out = client.get(format!("{}{stream}", app.address)).send().await.unwrap();
    assert_eq!(signed_out.status(), 303, "to the sign-in page");
    assert!(signed_out.headers()["location"].to_str().unwrap().starts_with("/sign-in"));
    let stranger = app.staff("cia@polisen.se", "coordinator", &["1766"]).await;
    assert_eq!(stranger.get(&format!("/admin/surveys/{id}/results")).await.status(), 404);
    assert_eq!(stranger.get(&stream).await.status(), 404);
    // A viewer of Munkfors may follow Munkfors, not Hagfors.
    let viewer = app.staff("bo@polisen.se", "viewer", &["1762"]).await;
    assert_eq!(viewer.get(&format!("{stream}?municipality=1783")).await.status(), 404);
    assert_eq!(viewer.get(&format!("/admin/surveys/{id}/results?municipality=1783")).await.status(), 404);

    // The admin's stream: at once the version the page carries, and another after a response.
    let response = admin.get(&stream).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut events = response.bytes_stream();
    let mut buffer = String::new();
    let first =
        next_event(&mut events, &mut buffer, "results", Duration::from_secs(5)).await.expect("a version at once");
    let page = admin.get(&format!("/admin/surveys/{id}/results")).await.text().await.unwrap();
    assert!(page.contains(&format!(r#"data-version="{first}""#)), "the page carries the stream's version");
    let watching = viewer.get(&stream).await;
    assert_eq!(watching.status(), 200);
    let mut viewer_events = watching.bytes_stream();
    let mut viewer_buffer = String::new();
    let theirs = next_event(&mut viewer_events, &mut viewer_buffer, "results", Duration::from_secs(5)).await;
    assert!(theirs.is_some(), "the viewer's stream starts with a version");

    // A response in Hagfors: a new version for the admin; nothing for the viewer of Munkfors.
    enter(&admin, &id, "1783", &answers(&instrument, 1, true)).await;
    let second = next_event(&mut events, &mut buffer, "results", Duration::from_secs(5)).await;
    assert!(second.as_ref().is_some_and(|second| *second != first), "{second:?}");
    let nothing = next_event(&mut viewer_events, &mut viewer_buffer, "results", Duration::from_secs(2)).await;
    assert_eq!(nothing, None, "no event for a municipality the viewer may not see");
    // One in Munkfors reaches them.
    enter(&admin, &id, "1762", &answers(&instrument, 2, true)).await;
    let moved = next_event(&mut viewer_events, &mut viewer_buffer, "results", Duration::from_secs(5)).await;
    assert!(moved.is_some_and(|moved| Some(moved) != theirs));
}
on_both_backends!(
    the_pages_stream_answers_only_those_who_may_see_the_page_and_tells_only_of_their_municipalities,
    super::the_pages_stream_answers_only_those_who_may_see_the_page_and_tells_only_of_their_municipalities
);

/// The results at `path` as another instance of the service computes them, one that has kept nothing yet.
async fn afresh(app: &TestApp, path: &str) -> Value {
    let instance = spawn_instance(app).await;
    let admin = instance.sign_in("anna@polisen.se").await;
    let (status, results) = json(&admin, path).await;
    assert_eq!(status, 200, "{results}");
    results
}

async fn results_kept_between_requests_follow_every_change_exactly(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let instrument = default_instrument().unwrap();
    let admin = app.staff("anna@polisen.se", "admin", &[]).await;
    // Every figure shown, however small the group, so that any difference would show.
    let id = open_survey_with(&admin, json!({ "min_base": 1, "min_cell": 1 })).await;
    let mut hagfors: Vec<_> = (0..12).map(|n| answers(&instrument, n, true)).collect();
    for fields in &hagfors {
        enter(&admin, &id, "1783", fields).await;
    }
    for n in 0..5 {
        enter(&admin, &id, "1762", &answers(&instrument, n + 50, true)).await;
    }
    let unsettled = |app: &TestApp| {
        app.query_strings(&format!("SELECT COUNT(*) FROM responses WHERE survey_id = '{id}' AND settled = FALSE"))
    };
    assert_eq!(unsettled(&app), ["7"], "the first ten were settled together, seven are not yet");
    let scale = instrument.items().find(|item| matches!(item.kind, ItemKind::Scale { .. })).unwrap();
    let path = format!("/api/v1/surveys/{id}/results?weights=none");
    let by_gender = format!("/api/v1/surveys/{id}/results?by=gender");
    let (_, before) = json(&admin, &path).await;
    assert_eq!(municipality(&before, "1783")["respondents"], 12);
    json(&admin, &by_gender).await;

    // One more response: counted at once, with the figures a fresh computation gives, bit for bit.
    hagfors.push(answers(&instrument, 12, true));
    enter(&admin, &id, "1783", hagfors.last().unwrap()).await;
    let (_, after) = json(&admin, &path).await;
    assert_eq!(municipality(&after, "1783")["respondents"], 13);
    let (index, valid, _) = expected_index(&instrument, &scale.id, &hagfors);
    let figure = item(municipality(&after, "1783"), &scale.id);
    assert!((figure["index"].as_f64().unwrap() - index).abs() < 1e-9 && figure["valid"] == valid, "{figure}");
    assert_eq!(after, afresh(&app, &path).await);

    // A break-off and two responses more: the batch of ten, among them responses already read, is rewritten
    // (settled) with its ids, and the results count each response once.
    enter(&admin, &id, "1762", &answers(&instrument, 60, false)).await;
    for n in [13, 14] {
        hagfors.push(answers(&instrument, n, true));
        enter(&admin, &id, "1783", hagfors.last().unwrap()).await;
    }
    assert_eq!(unsettled(&app), ["1"], "a second batch was settled");
    let (_, settled) = json(&admin, &path).await;
    assert_eq!(municipality(&settled, "1783")["respondents"], 15);
    assert_eq!(municipality(&settled, "1762")["respondents"], 5, "the break-off is not counted");
    assert_eq!(settled["total"]["respondents"], 20);
    let (index, _, _) = expected_index(&instrument, &scale.id, &hagfors);
    assert!((item(municipality(&settled, "1783"), &scale.id)["index"].as_f64().unwrap() - index).abs() < 1e-9);
    assert_eq!(settled, afresh(&app, &path).await);
    let (_, broken_down) = json(&admin, &by_gender).await;
    assert_eq!(broken_down, afresh(&app, &by_gender).await);

    // New population margins: the weighted results follow them, each time as computed afresh. (Raking gives women
    // more weight where more residents are women, within the trimming's bounds.)
    let weighted = format!("/api/v1/surveys/{id}/results?weights=population");
    let population = format!("/api/v1/surveys/{id}/municipalities/1783/population");
    let (_, unweighted) = json(&admin, &weighted).await;
    assert_eq!(municipality(&unweighted, "1783")["weighted"], false, "no margins yet");
    let mut women_shown = Vec::new();
    for women in [9000, 4000] {
        let margins = json!({ "margins": { "gender": { "woman": women, "man": 4000, "other_or_no_answer": 100 } } });
        assert_eq!(admin.send_json(Method::PUT, &population, &margins).await.status(), 200);
        let (_, results) = json(&admin, &weighted).await;
        let hagfors = municipality(&results, "1783");
        assert_eq!(hagfors["weighted"], true);
        women_shown.push(item(hagfors, "gender")["options"][0]["percent"].as_f64().unwrap());
        assert_eq!(results, afresh(&app, &weighted).await);
    }
    assert!(women_shown[0] > women_shown[1] + 5.0, "{women_shown:?}");

    // Beside an earlier wave, read once and kept too: responses added to it later (more than it had, so that the
    // read goes over all its answers again on PostgreSQL) show in the comparison.
    let earlier_id = open_survey_with(&admin, json!({ "min_base": 1, "min_cell": 1 })).await;
    for n in 0..8 {
        enter(&admin, &earlier_id, "1783", &answers(&instrument, n + 3, true)).await;
    }
    let compared = format!("/api/v1/surveys/{id}/results?weights=none&by=gender&compare={earlier_id}");
    let (_, first) = json(&admin, &compared).await;
    for n in 30..39 {
        enter(&admin, &earlier_id, "1783", &answers(&instrument, n, true)).await;
    }
    let (_, second) = json(&admin, &compared).await;
    assert_ne!(first, second, "the earlier wave's new responses change the comparison");
    assert_eq!(second, afresh(&app, &compared).await);

    // Finished results kept for one viewer are never another's: a viewer of Munkfors, asking the same question of
    // the same revision right after, sees Munkfors alone.
    let viewer = app.staff("bo@polisen.se", "viewer", &["1762"]).await;
    let (_, all) = json(&admin, &path).await;
    let (_, theirs) = json(&viewer, &path).await;
    assert_eq!(all["municipalities"].as_array().unwrap().len(), 2);
    let codes: Vec<&Value> = theirs["municipalities"].as_array().unwrap().iter().map(|m| &m["code"]).collect();
    assert_eq!((codes, theirs["total"].is_null()), (vec![&json!("1762")], true));
}
on_both_backends!(
    results_kept_between_requests_follow_every_change_exactly,
    super::results_kept_between_requests_follow_every_change_exactly
);
