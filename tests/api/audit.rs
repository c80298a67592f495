//! The audit log reads as words: each event a Swedish sentence naming people, surveys and municipalities, times in
//! Swedish time, filtered by person, action and days on the page and in the API alike; for administrators only.

use serde_json::Value;

use crate::answer::open_survey;
use crate::helpers::{Backend, TestApp, spawn_app};
use crate::on_both_backends;

const ANNA: &str = "anna@polisen.se";

/// A coordinator named Anna Berg who opened a survey and handed out five codes for Hagfors, and one failed sign-in
/// with her address; the administrator who reads the log.
async fn a_day_of_work(app: &TestApp) -> (crate::helpers::Browser, String) {
    let admin = app.staff("admin@polisen.se", "admin", &[]).await;
    app.create_user(ANNA, "coordinator", &["1783", "1762"]).await;
    app.database.execute("UPDATE users SET display_name = 'Anna Berg' WHERE email = 'anna@polisen.se'");
    let mut wrong = app.browser().await;
    wrong.sign_in(ANNA, "not her password at all").await;
    let anna = app.sign_in(ANNA).await;
    open_survey(&anna, 5, "codes").await;
    let id = app.query_strings("SELECT id FROM users WHERE email = 'anna@polisen.se'").remove(0);
    (admin, id)
}

async fn list(admin: &crate::helpers::Browser, query: &str) -> Vec<Value> {
    let response = admin.get(&format!("/api/v1/audit{query}")).await;
    assert_eq!(response.status(), 200, "{query}");
    response.json::<Value>().await.unwrap().as_array().unwrap().clone()
}

fn actions(events: &[Value]) -> Vec<&str> {
    events.iter().map(|event| event["action"].as_str().unwrap()).collect()
}

async fn events_are_told_in_words(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (admin, anna_id) = a_day_of_work(&app).await;

    let events = list(&admin, "").await;
    let codes = events.iter().find(|event| event["action"] == "codes_generated").expect("the codes are logged");
    assert_eq!(codes["summary"], "Anna Berg delade ut 5 koder för Hagfors i Trygghetsmätning 2026 (brev 1–5)");
    assert_eq!(codes["survey_title"], "Trygghetsmätning 2026");
    assert_eq!(codes["actor_name"], "Anna Berg");
    // What the API gave before is all still there.
    assert_eq!(codes["actor_email"], ANNA);
    assert_eq!(codes["actor_user_id"], anna_id.as_str());
    assert!(codes["target"].is_string() && codes["detail"].as_str().unwrap().contains("\"count\":5"));
    assert!(codes["occurred_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(codes["source_address"], "127.0.0.1");
    let at = chrono::DateTime::parse_from_rfc3339(codes["occurred_at"].as_str().unwrap()).unwrap().naive_utc();
    assert_eq!(codes["occurred_at_swedish"], trygghet::domain::audit::swedish_time(at));

    let failed = events.iter().find(|event| event["action"] == "sign_in_failed").unwrap();
    assert_eq!(failed["summary"], "Inloggning misslyckades för anna@polisen.se");
    let created = events.iter().find(|event| event["action"] == "user_created").unwrap();
    assert_eq!(
        created["summary"],
        "Någon vid kommandoraden skapade kontot för Anna Berg (anna@polisen.se) som samordnare för Munkfors och Hagfors"
    );
    for event in &events {
        let summary = event["summary"].as_str().unwrap();
        assert!(!summary.contains('{') && !summary.contains(event["action"].as_str().unwrap()), "{summary}");
    }

    // The page: sentences, Swedish time labelled as such, no JSON.
    let page = admin.get("/admin/audit").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Anna Berg delade ut 5 koder för Hagfors i Trygghetsmätning 2026"), "{html}");
    assert!(html.contains("Tid (svensk tid)") && html.contains(codes["occurred_at_swedish"].as_str().unwrap()));
    assert!(!html.contains("{&quot;") && !html.contains("&quot;count&quot;"), "no raw detail on the page");
    assert!(html.contains(r#"<option value="codes_generated">Koder utdelade</option>"#));
    assert!(html.contains(&format!(r#"<option value="{anna_id}">Anna Berg (anna@polisen.se)</option>"#)));
}
on_both_backends!(events_are_told_in_words, super::events_are_told_in_words);

async fn the_log_is_filtered_by_person_action_and_days(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (admin, anna_id) = a_day_of_work(&app).await;

    assert_eq!(actions(&list(&admin, "?action=codes_generated").await), ["codes_generated"]);
    let hers = list(&admin, &format!("?user={anna_id}")).await;
    let mut done = actions(&hers);
    done.sort_unstable();
    assert_eq!(
        done,
        ["codes_generated", "sign_in", "sign_in_failed", "survey_created", "survey_languages_changed", "survey_opened"],
        "what she did, and the failed sign-in with her address"
    );
    let both = list(&admin, &format!("?user={anna_id}&action=sign_in_failed")).await;
    assert_eq!(actions(&both), ["sign_in_failed"]);
    assert!(list(&admin, "?user=00000000-0000-4000-8000-000000000000").await.is_empty(), "no such account");

    let today = trygghet::domain::survey::swedish_day(chrono::Utc::now());
    let day = |offset: i64| (today + chrono::Duration::days(offset)).format("%Y-%m-%d").to_string();
    let all = list(&admin, "").await.len();
    assert_eq!(list(&admin, &format!("?from={}&to={}", day(0), day(0))).await.len(), all, "today, in Sweden");
    assert!(list(&admin, &format!("?to={}", day(-1))).await.is_empty());
    assert!(list(&admin, &format!("?from={}", day(1))).await.is_empty());
    assert!(list(&admin, &format!("?from={}&to={}", day(0), day(-1))).await.is_empty(), "days the wrong way round");
    assert_eq!(list(&admin, "?from=&to=&user=&action=").await.len(), all, "empty fields filter nothing");
    assert!(list(&admin, "?from=0000-01-01&to=9999-12-31&page=2").await.is_empty(), "the calendar's ends");

    // Paging keeps the filter.
    let html = admin.get("/admin/audit?page=2&action=sign_in&from=2026-01-01").await.text().await.unwrap();
    assert!(html.contains(r#"href="/admin/audit?page=1&amp;action=sign_in&amp;from=2026-01-01""#), "{html}");
    let filtered = admin.get("/admin/audit?action=codes_generated").await.text().await.unwrap();
    assert!(filtered.contains("delade ut 5 koder") && !filtered.contains("loggade in"));
    assert!(filtered.contains(r#"<option value="codes_generated" selected>"#), "the chosen action stays chosen");
}
on_both_backends!(the_log_is_filtered_by_person_action_and_days, super::the_log_is_filtered_by_person_action_and_days);

async fn a_filter_that_cannot_be_read_is_refused_by_field(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let admin = app.staff("admin@polisen.se", "admin", &[]).await;
    for (query, field) in [
        ("action=SIGN_IN", "action"),
        ("action=%20sign_in", "action"),
        ("action=sign", "action"),
        ("user=anna", "user"),
        ("user=00000000-0000-4000-8000-00000000000A", "user"),
        ("from=2026-02-30", "from"),
        ("from=2026-1-5", "from"),
        ("to=%202026-01-05", "to"),
        ("to=05.12.2026", "to"),
    ] {
        let response = admin.get(&format!("/api/v1/audit?{query}")).await;
        let (status, body) = (response.status(), response.json::<Value>().await.unwrap());
        assert_eq!(status, 422, "{query}: {body}");
        assert_eq!(body["error"]["code"], "invalid", "{query}");
        assert_eq!(body["error"]["field"], field, "{query}");
        assert!(body["error"]["message"].as_str().is_some_and(|message| !message.is_empty()));
    }

    // On the page: a message by the field, with what was typed kept.
    let page = admin.get("/admin/audit?from=2026-13-01&to=igår&action=sign_in").await;
    assert_eq!(page.status(), 422);
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"id="from-error">Från-dagen finns inte i kalendern."#), "{html}");
    assert!(html.contains(r#"id="to-error">Skriv till-dagen som ÅÅÅÅ-MM-DD"#));
    assert!(html.contains(r#"value="2026-13-01""#) && html.contains(r#"value="igår""#), "what was typed is kept");
    assert!(html.contains(r#"<option value="sign_in" selected>"#));
    assert!(html.contains(r##"href="#from""##), "the error summary leads to the field");
    let reversed = admin.get("/admin/audit?from=2026-12-05&to=2026-12-01").await;
    assert_eq!(reversed.status(), 422);
    assert!(reversed.text().await.unwrap().contains("Till-dagen ligger före från-dagen."));

    // The API document states exactly the patterns the service keeps.
    let document: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let parameters = document["paths"]["/api/v1/audit"]["get"]["parameters"].as_array().unwrap().clone();
    let pattern = |name: &str| {
        let parameter = parameters.iter().find(|parameter| parameter["name"] == name).unwrap();
        parameter["schema"]["pattern"].as_str().unwrap().to_owned()
    };
    use trygghet::domain::audit::{ACTION_PATTERN, DAY_PATTERN, USER_PATTERN};
    assert_eq!(pattern("action"), ACTION_PATTERN);
    assert_eq!(pattern("user"), USER_PATTERN);
    assert_eq!(pattern("from"), DAY_PATTERN);
    assert_eq!(pattern("to"), DAY_PATTERN);
}
on_both_backends!(
    a_filter_that_cannot_be_read_is_refused_by_field,
    super::a_filter_that_cannot_be_read_is_refused_by_field
);

async fn only_administrators_read_the_log(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let coordinator = app.staff("samordnare@hagfors.se", "coordinator", &["1783"]).await;
    let viewer = app.staff("lasare@hagfors.se", "viewer", &["1783"]).await;
    for staff in [&coordinator, &viewer] {
        for path in [
            "/api/v1/audit",
            "/api/v1/audit?action=sign_in&from=2026-01-01",
            "/admin/audit",
            "/admin/audit?action=sign_in",
            "/admin/audit?from=nonsense",
        ] {
            assert_eq!(staff.get(path).await.status(), 403, "{path}");
        }
    }
    let signed_out = app.get("/api/v1/audit?action=sign_in").await;
    assert_eq!(signed_out.status(), 401);
}
on_both_backends!(only_administrators_read_the_log, super::only_administrators_read_the_log);
