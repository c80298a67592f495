//! What anyone may post without a code or an account (open-link starts, accessibility reports) is limited per
//! address, answered with the form and a note to wait rather than an error, and cannot skew the dashboard.

use reqwest::Method;
use serde_json::Value;

use crate::answer::{Resident, open_survey};
use crate::helpers::{Backend, spawn_app};
use crate::on_both_backends;

/// The drafts the dashboard counts, over every municipality.
async fn drafts_on_the_dashboard(staff: &crate::helpers::Browser, id: &str) -> u64 {
    let rates: Value =
        staff.send_json(Method::GET, &format!("/api/v1/surveys/{id}/rates"), &Value::Null).await.json().await.unwrap();
    rates["total"]["drafts_by_section"].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).sum()
}

async fn open_link_starts_are_limited_and_count_once_they_save(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (id, _) = open_survey(&staff, 0, "open_link").await;

    // One address starts 70 times in a row: 60 go through, then the form asks it to wait.
    let mut script = Resident::new(&app);
    script.get(&format!("/oppen/{id}")).await;
    let mut codes = Vec::new();
    let mut refused = Vec::new();
    for _ in 0..70 {
        let page = script.post(&format!("/oppen/{id}"), &[("municipality", "1762")]).await;
        match page.status {
            303 => codes.push(page.location.unwrap().trim_start_matches("/svara/").to_owned()),
            429 => refused.push(page),
            other => panic!("unexpected {other}: {}", page.body),
        }
    }
    assert_eq!((codes.len(), refused.len()), (60, 10));
    let busy = &refused[0];
    assert!(busy.body.contains("Vänta en stund"), "{}", busy.body);
    assert!(busy.body.contains("checked"), "the choice is kept");
    assert_eq!(app.query_strings("SELECT key_hash FROM drafts").len(), 60);

    // Starts alone are not residents who started: the dashboard counts none of them.
    assert_eq!(drafts_on_the_dashboard(&staff, &id).await, 0);
    // One that saves a section counts from then on, and leaves the count when it is submitted.
    let mut resident = Resident::new(&app);
    resident.save(&codes[0], 1, &[("q.littering", "none")], "next").await;
    assert_eq!(drafts_on_the_dashboard(&staff, &id).await, 1);

    // The counters still equal a recount from the rows.
    let url = trygghet::config::DatabaseUrl::parse(&app.database.url()).unwrap();
    let metrics = trygghet::metrics::Metrics::new().unwrap();
    let settings = trygghet::db::PoolSettings { max_size: 1, timeout: std::time::Duration::from_secs(5) };
    let (db, _) = tokio::task::spawn_blocking(move || trygghet::db::Db::open(&url, settings, metrics.db_errors()))
        .await
        .unwrap()
        .unwrap();
    let instruments = trygghet::app::instruments::Instruments::new(db.clone()).unwrap();
    let differences = trygghet::app::reconcile::reconcile(&db, &instruments, false).await.unwrap();
    assert!(differences.is_empty(), "{:?}", differences.iter().map(ToString::to_string).collect::<Vec<_>>());
}
on_both_backends!(
    open_link_starts_are_limited_and_count_once_they_save,
    super::open_link_starts_are_limited_and_count_once_they_save
);

async fn accessibility_reports_are_limited(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let mut reporter = Resident::new(&app);
    reporter.get("/tillganglighet").await;
    let mut statuses = Vec::new();
    let mut last = None;
    for n in 0..20 {
        let page = reporter.post("/tillganglighet", &[("message", &format!("Rapport nummer {n}"))]).await;
        statuses.push(page.status);
        last = Some(page);
    }
    assert_eq!(statuses.iter().filter(|status| **status == 200).count(), 5, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|status| **status == 429).count(), 15, "{statuses:?}");
    let last = last.unwrap();
    assert!(last.body.contains("Rapport nummer 19"), "what was typed is kept");
    let reported = app.query_strings("SELECT action FROM audit_events WHERE action = 'accessibility_problem_reported'");
    assert_eq!(reported.len(), 5);
}
on_both_backends!(accessibility_reports_are_limited, super::accessibility_reports_are_limited);
