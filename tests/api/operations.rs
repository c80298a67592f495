//! Running the service over time: backups taken while it serves, migrations applied by a job of their own.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use crate::answer::open_survey;
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
        let mut acknowledged = Vec::new();
        for n in 0..FORMS {
            let form = json!({ "municipality": if n % 2 == 0 { "1783" } else { "1762" },
                               "submission_id": uuid::Uuid::new_v4().to_string(),
                               "answers": { "littering": "small", "years_in_area": (n % 40) as i64 } });
            let response = script.request(Method::POST, &path, Some(&form)).await;
            assert_eq!(response.status(), 201);
            acknowledged.push(Instant::now());
        }
        acknowledged
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
    let acknowledged = load.await.unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("secret key"), "the copy needs the key too");

    let before = acknowledged.iter().filter(|at| **at < started).count();
    let by_the_end = acknowledged.iter().filter(|at| **at <= ended).count();
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
    assert!(server.wait(Duration::from_secs(15)).success());

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
    assert_eq!(refused.status.code(), Some(1), "{said}");
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
    assert!(server.wait(Duration::from_secs(15)).success());
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
