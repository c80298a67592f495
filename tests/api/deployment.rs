//! The production-like start: docker-compose.yml and the Dockerfile must describe the service the README runs.
//! No Docker engine runs on the test machines, so the files are checked for what matters, and `docker compose
//! config` validates the compose file wherever the docker client with its compose plugin exists.

use std::path::Path;
use std::process::Command;

fn read(file: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap_or_else(|_| panic!("{file}"))
}

#[test]
fn compose_runs_postgres_with_a_volume_and_healthcheck_and_the_app_after_it() {
    let compose: serde_yaml::Value = serde_yaml::from_str(&read("docker-compose.yml")).expect("valid YAML");
    let db = &compose["services"]["db"];
    assert!(db["image"].as_str().unwrap().starts_with("postgres:"));
    assert!(db["healthcheck"]["test"].is_sequence(), "the database has a healthcheck");
    let volume = db["volumes"][0].as_str().expect("the database has a volume");
    let volume_name = volume.split(':').next().unwrap();
    assert!(compose["volumes"].get(volume_name).is_some(), "{volume_name} is a named volume");

    let app = &compose["services"]["app"];
    assert_eq!(app["build"]["dockerfile"].as_str(), Some("Dockerfile"));
    assert_eq!(app["depends_on"]["db"]["condition"].as_str(), Some("service_healthy"));
    let database_url = app["environment"]["DATABASE_URL"].as_str().unwrap();
    assert!(database_url.starts_with("postgres://") && database_url.contains("@db:5432/"), "{database_url}");
    assert!(app["healthcheck"]["test"].is_sequence(), "the app has a healthcheck");
    // No defaults that would reach production: compose refuses to start without a password and a public address.
    let environment = &app["environment"];
    assert!(database_url.contains("${POSTGRES_PASSWORD:?"), "{database_url}");
    assert!(db["environment"]["POSTGRES_PASSWORD"].as_str().unwrap().starts_with("${POSTGRES_PASSWORD:?"));
    let public_url = environment["TRYGGHET_PUBLIC_URL"].as_str().unwrap();
    assert!(public_url.starts_with("${TRYGGHET_PUBLIC_URL:?") && !public_url.contains("localhost"), "{public_url}");
    assert!(environment.get("TRYGGHET_TRUST_FORWARDED_FOR").is_some(), "the proxy setting sits beside it");
    let published = app["ports"][0].as_str().unwrap();
    assert_eq!(published, "${TRYGGHET_PUBLISH:-127.0.0.1}:8080:8080", "published on the host's loopback unless stated");

    let has_compose = Command::new("docker").args(["compose", "version"]).output().is_ok_and(|o| o.status.success());
    if has_compose {
        let status = Command::new("docker")
            .args(["compose", "config", "--quiet"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap();
        assert!(status.success(), "docker compose config rejects docker-compose.yml");
    }
}

#[test]
fn the_image_builds_and_runs_the_binary_the_readme_runs() {
    let dockerfile = read("Dockerfile");
    let readme = read("README.md");
    let manifest = read("Cargo.toml");
    assert!(readme.contains("cargo run --release"), "the README's run command");
    assert!(manifest.contains("default-run = \"trygghet\""), "cargo run runs the trygghet binary");
    assert!(
        dockerfile.contains("cargo build --release --locked --no-default-features --bin trygghet"),
        "the image builds that binary, linked against the distribution's libpq"
    );
    assert!(dockerfile.contains("libpq-dev") && dockerfile.contains("libpq5"), "which the image installs");
    // The dependencies in a layer of their own, cooked from Cargo.toml and Cargo.lock before the code is copied.
    let cook = dockerfile.find("cargo chef cook --release --locked --no-default-features").expect("cargo chef cook");
    let copy_code = dockerfile[cook..].find("COPY . .").expect("the code is copied after the dependencies");
    assert!(copy_code > 0);
    assert!(dockerfile.contains("HEALTHCHECK") && dockerfile.contains("/readyz"), "the image checks readiness");
    let user = dockerfile.rfind("USER ").expect("a USER");
    assert!(!dockerfile[user..].starts_with("USER root") && user > dockerfile.rfind("FROM ").unwrap(), "not root");
    assert!(dockerfile.contains("/target/release/trygghet /usr/local/bin/trygghet"), "and ships it");
    assert!(dockerfile.contains(r#"CMD ["trygghet", "serve"]"#), "and runs it as the README does");
    // Two stages: the toolchain stays out of the runtime image.
    assert!(dockerfile.matches("FROM ").count() >= 2);
}

/// The example proxy in front: TLS, the live stream passed on unbuffered, residents' personal paths kept out of its
/// access log.
#[test]
fn the_example_proxy_streams_live_rates_and_logs_no_personal_paths() {
    let caddyfile = read("deploy/Caddyfile");
    assert!(caddyfile.contains("reverse_proxy 127.0.0.1:8080"));
    assert!(caddyfile.contains("flush_interval -1"), "server-sent events are not buffered");
    assert!(caddyfile.contains("log_skip /svara/*"), "no access log line carries an invitation code");
    let readme = read("README.md");
    assert!(readme.contains("deploy/Caddyfile"), "the README points to it");
}
