//! Running the service over time: backups taken while it serves, migrations applied by a job of their own.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use crate::answer::{Resident, count, open_survey, submission_id};
use crate::helpers::{Backend, TestDatabase, spawn_app};
use crate::on_both_backends;
use crate::process::{Server, trygghet};

/// How many paper forms the load sends while the backup runs.
const FORMS: usize = 60;

/// A backup taken while paper forms pour in holds a moment of the database: every form acknowledged before it
/// started, none half-stored, and counters that match the rows. On PostgreSQL the command says to use pg_dump.
async fn a_backup_taken_under_load_holds_every_response_and_counter(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (id, _) = open_survey(&staff, 3, "codes").await;
    let script = staff.script().await;
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("backup.db");

    let TestDatabase::Sqlite { .. } = &app.database else {
        let output = trygghet(dir.path(), &[("DATABASE_URL", &app.database.url())])
            .args(["backup", &copy.to_string_lossy()])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&output.stderr).contains("pg_dump"));
        assert!(!copy.exists());
        return;
    };

    let path = format!("/api/v1/surveys/{id}/paper");
    let load = tokio::spawn(async move {
        // When each form was sent, and when it was acknowledged.
        let mut forms = Vec::new();
        for n in 0..FORMS {
            let form = json!({ "municipality": if n % 2 == 0 { "1783" } else { "1762" },
                               "submission_id": uuid::Uuid::new_v4().to_string(),
                               "answers": { "littering": "small", "years_in_area": (n % 40) as i64 } });
            let sent = Instant::now();
            let response = script.request(Method::POST, &path, Some(&form)).await;
            assert_eq!(response.status(), 201);
            forms.push((sent, Instant::now()));
        }
        forms
    });
    // Let some forms in first, so the copy starts in the middle of the load.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let url = app.database.url();
    let target = copy.clone();
    let (started, output, ended) = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let output = trygghet(tempfile::tempdir().unwrap().path(), &[("DATABASE_URL", &url)])
            .args(["backup", &target.to_string_lossy()])
            .output()
            .unwrap();
        (started, output, Instant::now())
    })
    .await
    .unwrap();
    let forms = load.await.unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("secret key"), "the copy needs the key too");

    // Every form acknowledged before the copy started is in it, and none sent after it ended. A form sent before the
    // end may be in it though acknowledged only after: its commit came before the copy's end, its answer after.
    let before = forms.iter().filter(|(_, acknowledged)| *acknowledged < started).count();
    let by_the_end = forms.iter().filter(|(sent, _)| *sent <= ended).count();
    let copied_url = format!("sqlite://{}", copy.display());
    let copied: usize = count_responses(&copy);
    assert!(before <= copied && copied <= by_the_end, "{before} ≤ {copied} ≤ {by_the_end}");
    assert_eq!(app.query_strings("SELECT COUNT(*) FROM responses"), [FORMS.to_string()]);

    // The restored copy serves, and its counters match its rows exactly.
    let reconcile = trygghet(dir.path(), &[("DATABASE_URL", &copied_url)]).arg("reconcile").output().unwrap();
    let printed = String::from_utf8_lossy(&reconcile.stdout);
    assert!(reconcile.status.success(), "{printed}{}", String::from_utf8_lossy(&reconcile.stderr));
    let mut server = Server::start(dir.path(), &[("DATABASE_URL", &copied_url)]);
    let ready = reqwest::get(format!("{}/readyz", server.address)).await.unwrap();
    assert_eq!(ready.status(), 200);
    server.signal("TERM");
    server.wait_for_success(Duration::from_secs(15));

    // A second backup never replaces the first.
    let again = trygghet(dir.path(), &[("DATABASE_URL", &app.database.url())])
        .args(["backup", &copy.to_string_lossy()])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(count_responses(&copy), copied);
}
on_both_backends!(
    a_backup_taken_under_load_holds_every_response_and_counter,
    super::a_backup_taken_under_load_holds_every_response_and_counter
);

fn count_responses(file: &std::path::Path) -> usize {
    use diesel::{Connection, RunQueryDsl, SqliteConnection};
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = SqliteConnection::establish(&file.to_string_lossy()).unwrap();
    let count: Count = diesel::sql_query("SELECT COUNT(*) AS n FROM responses").get_result(&mut conn).unwrap();
    count.n as usize
}

/// Where a job migrates, the service is told not to: it then refuses to start on a database with pending
/// migrations (naming them) and starts once they are applied. `migrate --status` lists them either way.
async fn a_service_that_does_not_migrate_waits_for_the_migration_job(backend: Backend) {
    let Some(database) = TestDatabase::create_empty(backend) else { return };
    let url = database.url();
    let dir = tempfile::tempdir().unwrap();
    let run = |env: &[(&str, &str)], args: &[&str]| trygghet(dir.path(), env).args(args).output().unwrap();
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite")).unwrap().count();

    let status = run(&[("DATABASE_URL", &url)], &["migrate", "--status"]);
    let printed = String::from_utf8_lossy(&status.stdout).into_owned();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    assert_eq!(printed.matches("  pending ").count(), migrations, "{printed}");
    assert!(printed.contains(&format!("{migrations} pending")));

    let refused = run(&[("DATABASE_URL", &url), ("TRYGGHET_MIGRATE", "false"), ("PORT", "0")], &["serve"]);
    let said = String::from_utf8_lossy(&refused.stderr);
    // The signal, should one end it (seen once in CI, not reproduced): what ended it is the first thing to know.
    let signal = std::os::unix::process::ExitStatusExt::signal(&refused.status);
    assert_eq!(refused.status.code(), Some(1), "signal {signal:?}: {said}");
    assert!(said.contains("TRYGGHET_MIGRATE is false") && said.contains("trygghet migrate"), "{said}");
    assert!(said.contains("reference_data"), "it names what is pending: {said}");

    assert!(run(&[("DATABASE_URL", &url)], &["migrate"]).status.success());
    let status = run(&[("DATABASE_URL", &url)], &["migrate", "--status"]);
    let printed = String::from_utf8_lossy(&status.stdout).into_owned();
    assert_eq!(printed.matches("  applied ").count(), migrations, "{printed}");
    assert!(printed.contains("up to date"));

    let mut server = Server::start(dir.path(), &[("DATABASE_URL", &url), ("TRYGGHET_MIGRATE", "false")]);
    assert_eq!(reqwest::get(format!("{}/readyz", server.address)).await.unwrap().status(), 200);
    server.signal("TERM");
    server.wait_for_success(Duration::from_secs(15));
}
on_both_backends!(
    a_service_that_does_not_migrate_waits_for_the_migration_job,
    super::a_service_that_does_not_migrate_waits_for_the_migration_job
);

/// Checking a questionnaire file needs no configuration: a broken environment does not stop it.
#[test]
fn instrument_check_ignores_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/instruments/trygghetsmatning-2026.1.json");
    let output = trygghet(dir.path(), &[("PORT", "not a port"), ("DATABASE_URL", "mysql://x")])
        .args(["instrument", "check", file])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "ok: trygghetsmatning 2026.1");
    assert!(!dir.path().join("data").exists(), "nothing is created");
}

/// Retention deletes what its period has passed, and nothing else: a closed survey's unsent drafts lose their answers
/// (their number stays), its codes stop working, old audit events lose their address; responses, counters and rates
/// stay as they were. A dry run changes nothing.
async fn retention_deletes_what_is_due_and_keeps_results_and_counters(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (id, codes) = open_survey(&staff, 3, "codes").await;
    // A batch handed out with an idempotency key keeps its letters sealed, for a retried request.
    let batch = staff
        .client
        .post(format!("{}/api/v1/surveys/{id}/municipalities/1762/invitations", staff.address))
        .header("x-csrf-token", &staff.csrf)
        .header("idempotency-key", "retention-batch-1")
        .json(&json!({ "count": 2 }))
        .send()
        .await
        .unwrap();
    assert_eq!(batch.status(), 201);
    // One resident answers and sends; another saves a first page and never comes back.
    let mut sender = Resident::new(&app);
    sender.save(&codes[0], 1, &[("q.littering", "small")], "review").await;
    let review = sender.get(&format!("/svara/{}/granska", codes[0])).await;
    let submission = submission_id(&review.body);
    let sent = sender.post(&format!("/svara/{}/skicka", codes[0]), &[("submission_id", &submission)]).await;
    assert_eq!(sent.location.as_deref(), Some("/tack"));
    let later = Resident::new(&app).save(&codes[1], 1, &[("q.graffiti", "small")], "later").await;
    assert_eq!(later.location.as_deref(), Some(format!("/svara/{}/sparat", codes[1]).as_str()));
    assert_eq!(staff.send_json(Method::POST, &format!("/api/v1/surveys/{id}/close"), &json!({})).await.status(), 200);
    let before = rates_of(&staff, &id).await;

    let dir = tempfile::tempdir().unwrap();
    let url = app.database.url();
    let retention = |args: &[&str]| {
        let output = trygghet(dir.path(), &[("DATABASE_URL", url.as_str())]).arg("retention").args(args).output();
        let output = output.unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    // Closed today: nothing is due yet.
    assert!(retention(&[]).contains("Nothing is due."));

    // Its last day 200 days ago, and an audit event as old.
    let long_ago =
        (trygghet::domain::survey::swedish_day(chrono::Utc::now()) - chrono::Duration::days(200)).to_string();
    app.database
        .execute(&format!("UPDATE surveys SET opens_on = '{long_ago}', closes_on = '{long_ago}' WHERE id = '{id}'"));
    let old = app.timestamp_hours_ago(200 * 24);
    app.database.execute(&format!(
        "UPDATE audit_events SET occurred_at = {old} WHERE id = (SELECT id FROM audit_events WHERE source_address IS NOT \
         NULL ORDER BY occurred_at LIMIT 1)"
    ));
    let addresses = "SELECT COUNT(*) FROM audit_events WHERE source_address IS NOT NULL";
    let with_address = count(&app, addresses);
    assert!(with_address >= 2, "sign-ins leave addresses in the audit log");

    let dry = retention(&["--dry-run"]);
    assert!(dry.contains("1 drafts emptied, 5 codes and 1 letter batches retired"), "{dry}");
    assert!(dry.contains("audit log: 1 addresses removed") && dry.contains("nothing was"), "{dry}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts WHERE sealed <> ''"), 1, "a dry run deletes nothing");
    assert_eq!(count(&app, addresses), with_address);

    let done = retention(&[]);
    assert!(done.contains("1 drafts emptied, 5 codes"), "{done}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts WHERE sealed <> ''"), 0, "no answers left in drafts");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts"), 1, "the draft's count stays");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM invitations WHERE code_hash NOT LIKE 'retired:%'"), 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM letter_batches WHERE sealed <> ''"), 0);
    assert_eq!(count(&app, addresses), with_address - 1, "only the old event lost its address");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM responses"), 1, "the response stays");
    // A retired code is not found; the numbers are what they were, and match their rows.
    assert_eq!(Resident::new(&app).get(&format!("/svara/{}", codes[1])).await.status, 404);
    let mut after = rates_of(&staff, &id).await;
    let mut expected = before.clone();
    for rates in [&mut after, &mut expected] {
        rates.as_object_mut().unwrap().remove("survey");
    }
    assert_eq!(after, expected);
    let reconcile = trygghet(dir.path(), &[("DATABASE_URL", url.as_str())]).arg("reconcile").output().unwrap();
    assert!(reconcile.status.success(), "{}", String::from_utf8_lossy(&reconcile.stdout));
    assert!(retention(&[]).contains("Nothing is due."), "a second run finds nothing");
}

/// The survey's rates as the API gives them, without the time they were computed.
async fn rates_of(staff: &crate::helpers::Browser, id: &str) -> serde_json::Value {
    let mut rates: serde_json::Value = staff.get(&format!("/api/v1/surveys/{id}/rates")).await.json().await.unwrap();
    rates.as_object_mut().unwrap().remove("updated_at");
    rates
}
on_both_backends!(
    retention_deletes_what_is_due_and_keeps_results_and_counters,
    super::retention_deletes_what_is_due_and_keeps_results_and_counters
);

/// `/metrics` says what residents did and what the process costs: submissions by mode, drafts saved, open live
/// streams, pool waits, the backend, CPU, memory and open files.
async fn metrics_show_submissions_drafts_streams_and_the_process(backend: Backend) {
    use crate::health::metric_value;
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (id, codes) = open_survey(&staff, 2, "codes").await;
    let mut resident = Resident::new(&app);
    resident.save(&codes[0], 1, &[("q.littering", "small")], "next").await;
    resident.save(&codes[0], 2, &[], "review").await;
    let review = resident.get(&format!("/svara/{}/granska", codes[0])).await;
    let submission = submission_id(&review.body);
    resident.post(&format!("/svara/{}/skicka", codes[0]), &[("submission_id", &submission)]).await;
    let script = staff.script().await;
    let paper = json!({ "municipality": "1762", "submission_id": uuid::Uuid::new_v4().to_string(),
                        "answers": { "littering": "small" } });
    let stored = script.request(Method::POST, &format!("/api/v1/surveys/{id}/paper"), Some(&paper)).await;
    assert_eq!(stored.status(), 201);

    let stream = script.request(Method::GET, &format!("/api/v1/surveys/{id}/rates/stream"), None).await;
    assert_eq!(stream.status(), 200);
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert_eq!(metric_value(&metrics, "trygghet_submissions_total{mode=\"web\"}"), 1.0, "{metrics}");
    assert_eq!(metric_value(&metrics, "trygghet_submissions_total{mode=\"paper\"}"), 1.0, "{metrics}");
    assert_eq!(metric_value(&metrics, "trygghet_drafts_saved_total"), 2.0, "{metrics}");
    assert_eq!(metric_value(&metrics, "trygghet_live_streams"), 1.0, "{metrics}");
    let name = if backend == Backend::Sqlite { "sqlite" } else { "postgres" };
    assert_eq!(metric_value(&metrics, &format!("trygghet_db_backend_info{{backend=\"{name}\"}}")), 1.0);
    assert!(metrics.contains("trygghet_db_pool_waits_total "), "{metrics}");
    assert!(metric_value(&metrics, "trygghet_process_resident_memory_bytes") > 1e6, "{metrics}");
    assert!(metric_value(&metrics, "trygghet_process_open_fds") >= 3.0, "{metrics}");
    assert!(metrics.contains("trygghet_process_cpu_seconds_total "), "{metrics}");

    // (A stream whose viewer left stops being counted when the service next writes to it, at the latest with the
    // keep-alive every 15 s; that is not waited for here.)
    drop(stream);
}
on_both_backends!(
    metrics_show_submissions_drafts_streams_and_the_process,
    super::metrics_show_submissions_drafts_streams_and_the_process
);

/// A script using the session cookie finds the token it must send as `X-CSRF-Token` in the answer of `GET /api/v1/me`;
/// with that header its changes go through. A script with an API token gets no such header (it needs none).
async fn a_session_script_finds_its_csrf_token_at_me(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783"]).await;
    let me = staff.get("/api/v1/me").await;
    assert_eq!(me.status(), 200);
    let token = me.headers()["x-csrf-token"].to_str().unwrap().to_owned();
    assert_eq!(token, staff.csrf, "the session's own token");
    let script = staff.script().await;
    let by_token = script.request(Method::GET, "/api/v1/me", None).await;
    assert_eq!(by_token.status(), 200);
    assert!(by_token.headers().get("x-csrf-token").is_none());
}
on_both_backends!(a_session_script_finds_its_csrf_token_at_me, super::a_session_script_finds_its_csrf_token_at_me);
