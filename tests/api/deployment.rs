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
    assert!(dockerfile.contains("cargo build --release --locked --bin trygghet"), "the image builds that binary");
    assert!(dockerfile.contains("/target/release/trygghet /usr/local/bin/trygghet"), "and ships it");
    assert!(dockerfile.contains(r#"CMD ["trygghet", "serve"]"#), "and runs it as the README does");
    // Two stages: the toolchain stays out of the runtime image.
    assert!(dockerfile.matches("FROM ").count() >= 2);
}
