//! The command line: help, migrate, and every start-up failure as one sentence and an exit code.

use std::net::TcpListener;

use crate::helpers::{Backend, TestDatabase};
use crate::on_both_backends;
use crate::process::trygghet;

struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(env: &[(&str, &str)], args: &[&str]) -> (tempfile::TempDir, Outcome) {
    let dir = tempfile::tempdir().unwrap();
    let output = trygghet(dir.path(), env).args(args).output().expect("the binary runs");
    let outcome = Outcome {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    (dir, outcome)
}

#[test]
fn help_explains_the_commands_and_the_configuration() {
    let (_dir, outcome) = run(&[], &["--help"]);
    assert_eq!(outcome.code, Some(0));
    for needle in ["serve", "migrate", "DATABASE_URL", "TRYGGHET_SECRET_KEY", "safety surveys", "Exit codes"] {
        assert!(outcome.stdout.contains(needle), "--help mentions {needle}:\n{}", outcome.stdout);
    }
}

#[test]
fn invalid_configuration_exits_2_with_one_line_naming_the_variable() {
    for (variable, value) in [
        ("PORT", "http"),
        ("TRYGGHET_BIND", "everywhere"),
        ("TRYGGHET_POOL_SIZE", "0"),
        ("TRYGGHET_SECRET_KEY", "not-hex"),
        ("TRYGGHET_PUBLIC_URL", "trygghet.example.se"),
        ("TRYGGHET_LOG_FORMAT", "yaml"),
        ("TRYGGHET_SHUTDOWN_TIMEOUT_SECS", "-3"),
    ] {
        let (dir, outcome) = run(&[(variable, value)], &[]);
        assert_eq!(outcome.code, Some(2), "{variable}={value}: {}", outcome.stderr);
        let lines: Vec<&str> = outcome.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one line for {variable}: {:?}", outcome.stderr);
        assert!(lines[0].contains(variable), "{}", lines[0]);
        assert!(!outcome.stderr.contains("panicked"));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing created for {variable}={value}");
    }
}

#[test]
fn a_database_url_typo_creates_no_file() {
    for url in ["sqlit://./data/trygghet.db", "postgress://postgres@127.0.0.1/x", "./data/trygghet.db", "sqlite:/x.db"]
    {
        let (dir, outcome) = run(&[("DATABASE_URL", url)], &[]);
        assert_eq!(outcome.code, Some(2), "{url}: {}", outcome.stderr);
        assert!(outcome.stderr.starts_with("trygghet: invalid configuration: DATABASE_URL:"), "{}", outcome.stderr);
        assert_eq!(outcome.stderr.lines().count(), 1);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "{url} created something");
    }
}

#[test]
fn a_malformed_postgres_url_is_refused_without_echoing_the_password() {
    let (_dir, outcome) = run(&[("DATABASE_URL", "postgres://app:hunter2@db:port/trygghet")], &[]);
    assert_eq!(outcome.code, Some(2));
    assert!(outcome.stderr.contains("malformed PostgreSQL URL"), "{}", outcome.stderr);
    assert!(!outcome.stderr.contains("hunter2"));
}

#[test]
fn an_unreachable_postgres_exits_1_with_a_sentence() {
    // Port 1 on loopback: nothing listens there.
    let (_dir, outcome) = run(&[("DATABASE_URL", "postgres://app:hunter2@127.0.0.1:1/trygghet")], &["serve"]);
    assert_eq!(outcome.code, Some(1), "{}", outcome.stderr);
    let last = outcome.stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("trygghet: cannot connect to the PostgreSQL postgres://app:***@127.0.0.1:1/trygghet"),
        "{last}"
    );
    assert!(!outcome.stderr.contains("hunter2"));
    assert!(!outcome.stderr.contains("panicked"));
}

#[test]
fn a_port_in_use_exits_1_with_a_sentence() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let (_dir, outcome) = run(&[("PORT", &port)], &[]);
    assert_eq!(outcome.code, Some(1), "{}", outcome.stderr);
    let last = outcome.stderr.lines().last().unwrap_or_default();
    assert!(last.starts_with(&format!("trygghet: cannot listen on 127.0.0.1:{port}")), "{last}");
}

#[test]
fn an_unreadable_secret_key_file_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    std::fs::write(dir.path().join("data/secret.key"), "tooshort\n").unwrap();
    let output = trygghet(dir.path(), &[]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("secret key file ./data/secret.key"), "{stderr}");
}

async fn migrate_applies_once_then_reports_up_to_date(backend: Backend) {
    let Some(database) = TestDatabase::create_empty(backend) else { return };
    let url = database.url();
    let (_dir, first) = run(&[("DATABASE_URL", &url)], &["migrate"]);
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    assert!(first.stdout.contains("Applied ") && first.stdout.contains("migration(s)"), "{}", first.stdout);
    let (_dir, second) = run(&[("DATABASE_URL", &url)], &["migrate"]);
    assert_eq!(second.code, Some(0), "{}", second.stderr);
    assert!(second.stdout.contains("up to date"), "{}", second.stdout);
}
on_both_backends!(migrate_applies_once_then_reports_up_to_date, super::migrate_applies_once_then_reports_up_to_date);

async fn admin_create_reads_the_password_from_standard_input(backend: Backend) {
    let Some(database) = TestDatabase::create(backend) else { return };
    let url = database.url();

    // From the command line, with the password on standard input.
    let dir = tempfile::tempdir().unwrap();
    let create = |email: &str, password: &str, extra: &[&str]| {
        let mut command = trygghet(dir.path(), &[("DATABASE_URL", &url)]);
        command.args(["admin", "create", "--email", email]).args(extra);
        command
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = command.spawn().unwrap();
        use std::io::Write;
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        child.wait_with_output().unwrap()
    };
    let output = create("too@short.se", "short", &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("at least 12 characters"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = create(
        "anna@polisen.se",
        "en lång och bra lösenfras",
        &["--role", "coordinator", "--municipality", "1783", "--municipality", "9999"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no municipality with the code 9999"));
    let output =
        create("anna@polisen.se", "en lång och bra lösenfras", &["--role", "coordinator", "--municipality", "1783"]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("Created anna@polisen.se (coordinator)"));
    let output = create("anna@polisen.se", "en lång och bra lösenfras", &[]);
    assert_eq!(output.status.code(), Some(2), "an address is used once");
}
on_both_backends!(
    admin_create_reads_the_password_from_standard_input,
    super::admin_create_reads_the_password_from_standard_input
);

async fn a_fresh_service_prints_a_one_time_setup_link(backend: Backend) {
    let Some(database) = TestDatabase::create(backend) else { return };
    let dir = tempfile::tempdir().unwrap();
    let url = database.url();
    let mut server = crate::process::Server::start(dir.path(), &[("DATABASE_URL", url.as_str())]);
    let line = server.wait_for_line("/setup/", std::time::Duration::from_secs(5));
    let link = line.trim().to_owned();
    assert!(link.starts_with(&format!("{}/setup/", server.address)), "{link}");
    assert!(
        !server.output.iter().any(|l| l.contains("INFO") && l.contains("/setup/")),
        "the link is printed for the operator, not written to the structured log"
    );

    let client =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = client.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csrf = crate::helpers::hidden_csrf(&page.text().await.unwrap()).unwrap();
    let form = |password_again: &str| {
        vec![
            ("email", "forsta@polisen.se".to_owned()),
            ("display_name", "Första Admin".to_owned()),
            ("password", "en lång och bra lösenfras".to_owned()),
            ("password_again", password_again.to_owned()),
            ("csrf_token", csrf.clone()),
        ]
    };
    let response = client.post(&link).form(&form("en annan fras här")).send().await.unwrap();
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("Lösenorden är inte lika.") && page.contains(r#"value="forsta@polisen.se""#));

    let response = client.post(&link).form(&form("en lång och bra lösenfras")).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/admin");
    let me: serde_json::Value =
        client.get(format!("{}/api/v1/me", server.address)).send().await.unwrap().json().await.unwrap();
    assert_eq!((me["email"].as_str(), me["role"].as_str()), (Some("forsta@polisen.se"), Some("admin")));

    // Once used, the link is gone.
    assert_eq!(reqwest::get(&link).await.unwrap().status(), 404);
    server.signal("TERM");
    server.wait_for_success(std::time::Duration::from_secs(15));
}
on_both_backends!(a_fresh_service_prints_a_one_time_setup_link, super::a_fresh_service_prints_a_one_time_setup_link);
