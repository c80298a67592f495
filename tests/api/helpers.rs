//! `spawn_app()`: a fresh service on a random port with a fresh database, on SQLite or PostgreSQL.
//!
//! SQLite gets a file in a temporary directory. PostgreSQL gets a database created from a template that was
//! migrated once (named after a hash of the migrations, built under an advisory lock so parallel test processes
//! share it) and dropped when the test ends. PostgreSQL tests need `TEST_DATABASE_URL`; without it they say loudly
//! that they were skipped, and with `TRYGGHET_REQUIRE_POSTGRES=1` (as in CI) a missing or unreachable server fails.

use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use tempfile::TempDir;
use trygghet::config::Config;
use trygghet::startup::Application;
use trygghet::startup::StopHandle;
use url::Url;

/// The two database backends every integration test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates a `sqlite` and a `postgres` test in a module named `$name`, each running `$scenario(backend)`.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident, $scenario:path) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $scenario($crate::helpers::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $scenario($crate::helpers::Backend::Postgres).await
            }
        }
    };
}

/// A database for one test, removed when dropped.
pub enum TestDatabase {
    Sqlite { _dir: TempDir, path: PathBuf },
    Postgres { admin_url: String, name: String, url: String },
}

impl TestDatabase {
    /// A fresh, migrated database; `None` when PostgreSQL is not configured and not required (the test is then
    /// skipped, loudly).
    pub fn create(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let path = dir.path().join("trygghet.db");
                Some(Self::Sqlite { _dir: dir, path })
            }
            Backend::Postgres => {
                let admin_url = postgres_admin_url()?;
                let template = postgres_template(&admin_url);
                let name = format!("trygghet_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = PgConnection::establish(&admin_url).expect("connect to TEST_DATABASE_URL");
                create_database_from(&mut admin, &name, &template);
                let url = database_url(&admin_url, &name);
                Some(Self::Postgres { admin_url, name, url })
            }
        }
    }

    /// A fresh database with no tables at all (for testing migrations themselves).
    pub fn create_empty(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => Self::create(backend),
            Backend::Postgres => {
                let admin_url = postgres_admin_url()?;
                let name = format!("trygghet_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = PgConnection::establish(&admin_url).expect("connect to TEST_DATABASE_URL");
                admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create an empty database");
                let url = database_url(&admin_url, &name);
                Some(Self::Postgres { admin_url, name, url })
            }
        }
    }

    /// The `DATABASE_URL` of this database.
    pub fn url(&self) -> String {
        match self {
            Self::Sqlite { path, .. } => format!("sqlite://{}", path.display()),
            Self::Postgres { url, .. } => url.clone(),
        }
    }

    /// Makes the database go away under a running service: the file is deleted, or the database dropped.
    pub fn destroy(&self) {
        match self {
            Self::Sqlite { path, .. } => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Self::Postgres { admin_url, name, .. } => drop_database(admin_url, name),
        }
    }

    /// Puts the database out of the service's reach until the returned guard is dropped: on PostgreSQL no connection
    /// is allowed and those open are ended (as when the server stops); on SQLite another process holds the write
    /// lock (as when a backup or a second writer holds it past the busy timeout).
    pub fn cut_off(&self) -> CutOff {
        match self {
            Self::Sqlite { path, .. } => {
                let mut holder = SqliteConnection::establish(&path.to_string_lossy()).expect("connect to SQLite");
                holder.batch_execute("BEGIN EXCLUSIVE").expect("take the write lock");
                CutOff::Sqlite(holder)
            }
            Self::Postgres { admin_url, name, .. } => {
                let mut admin = PgConnection::establish(admin_url).expect("connect to TEST_DATABASE_URL");
                admin.batch_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false")).expect("cut it off");
                // A connection the pool was opening as the door closed may still come in: end them until none is left.
                for _ in 0..50 {
                    let ended: Vec<bool> = diesel::sql_query(format!(
                        "SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = '{name}'"
                    ))
                    .load::<Ended>(&mut admin)
                    .expect("end the connections")
                    .into_iter()
                    .map(|row| row.ended)
                    .collect();
                    if ended.is_empty() {
                        break;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                CutOff::Postgres { admin, name: name.clone() }
            }
        }
    }

    /// Runs SQL on the database directly, around the service.
    pub fn execute(&self, sql: &str) {
        let result = match self {
            Self::Sqlite { path, .. } => SqliteConnection::establish(&path.to_string_lossy())
                .expect("connect to the SQLite test database")
                .batch_execute(sql),
            Self::Postgres { url, .. } => {
                PgConnection::establish(url).expect("connect to the PostgreSQL test database").batch_execute(sql)
            }
        };
        result.expect("SQL on the test database");
    }
}

#[derive(diesel::QueryableByName)]
struct Ended {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    ended: bool,
}

/// A database out of the service's reach (see [`TestDatabase::cut_off`]); back when dropped.
pub enum CutOff {
    Sqlite(SqliteConnection),
    Postgres { admin: PgConnection, name: String },
}

impl Drop for CutOff {
    fn drop(&mut self) {
        match self {
            Self::Sqlite(holder) => holder.batch_execute("ROLLBACK").expect("release the write lock"),
            Self::Postgres { admin, name } => admin
                .batch_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
                .expect("let connections in again"),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Self::Postgres { admin_url, name, .. } = self {
            drop_database(admin_url, name);
        }
    }
}

/// A running service for one test.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub database: TestDatabase,
    _data_dir: TempDir,
    handle: StopHandle,
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.address)).send().await.expect("the request reaches the service")
    }

    pub async fn get_result(&self, path: &str) -> reqwest::Result<reqwest::Response> {
        self.client.get(format!("{}{path}", self.address)).send().await
    }

    pub async fn get_json(&self, path: &str) -> (reqwest::StatusCode, serde_json::Value) {
        let response = self.get(path).await;
        let status = response.status();
        (status, response.json().await.expect("a JSON body"))
    }

    /// Stops the service gracefully and waits for it.
    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }
}

/// A service on `backend` with the default test configuration.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, &[]).await
}

/// A service on `backend` with extra environment variables.
pub async fn spawn_app_with(backend: Backend, extra: &[(&str, &str)]) -> Option<TestApp> {
    let database = TestDatabase::create(backend)?;
    let data_dir = tempfile::tempdir().expect("a temporary directory");
    let (address, handle) = start(&database.url(), data_dir.path(), extra).await;
    let client = reqwest::Client::builder().build().expect("an HTTP client");
    Some(TestApp { address, client, database, _data_dir: data_dir, handle })
}

/// A second instance of the service on the same database as `app` (for live events between instances, or to compute
/// afresh what the first one keeps).
pub struct Instance {
    pub address: String,
    _data_dir: TempDir,
    handle: StopHandle,
}

pub async fn spawn_instance(app: &TestApp) -> Instance {
    let data_dir = tempfile::tempdir().expect("a temporary directory");
    // The same secret key as the first instance, so that a session (and a code's hash) is valid on both. With SQLite
    // the key lies beside the database file.
    let key_file = match &app.database {
        TestDatabase::Sqlite { path, .. } => path.with_file_name("secret.key"),
        TestDatabase::Postgres { .. } => app._data_dir.path().join("secret.key"),
    };
    let key = std::fs::read_to_string(key_file).expect("the first instance's key");
    let key = key.trim();
    let (address, handle) = start(&app.database.url(), data_dir.path(), &[("TRYGGHET_SECRET_KEY", key)]).await;
    Instance { address, _data_dir: data_dir, handle }
}

/// Starts the service on `url` with its data in `data_dir` and the test configuration (plus `extra`).
async fn start(url: &str, data_dir: &Path, extra: &[(&str, &str)]) -> (String, StopHandle) {
    let data = data_dir.display().to_string();
    let mut pairs = vec![
        ("DATABASE_URL", url),
        ("PORT", "0"),
        ("TRYGGHET_DATA_DIR", data.as_str()),
        ("TRYGGHET_WORKERS", "2"),
        ("TRYGGHET_POOL_SIZE", "4"),
        ("TRYGGHET_SHUTDOWN_TIMEOUT_SECS", "2"),
    ];
    pairs.extend_from_slice(extra);
    let config = Config::from_pairs(pairs).expect("a valid test configuration");
    let app = Application::build(config).await.expect("the service starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    (address, handle)
}

impl Instance {
    /// Signs in with `email` and the test password on this instance.
    pub async fn sign_in(&self, email: &str) -> Browser {
        let client =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let page = client.get(format!("{}/sign-in", self.address)).send().await.unwrap().text().await.unwrap();
        let mut browser =
            Browser { client, address: self.address.clone(), csrf: hidden_csrf(&page).unwrap_or_default() };
        let response = browser.sign_in(email, PASSWORD).await;
        assert_eq!(response.status(), 303, "sign-in as {email}");
        browser.refresh_csrf().await;
        browser
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        tokio::spawn(async move { handle.stop(false).await });
    }
}

/// `TEST_DATABASE_URL`, or `None` (with a loud message) when PostgreSQL tests are to be skipped.
pub fn postgres_admin_url() -> Option<String> {
    let required = std::env::var("TRYGGHET_REQUIRE_POSTGRES").is_ok_and(|value| value == "1");
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => {
            if let Err(error) = PgConnection::establish(&url) {
                if required {
                    panic!("TRYGGHET_REQUIRE_POSTGRES=1 but PostgreSQL at TEST_DATABASE_URL is unreachable: {error}");
                }
                warn_skipped(&format!("PostgreSQL at TEST_DATABASE_URL is unreachable ({error})"));
                return None;
            }
            Some(url)
        }
        _ => {
            assert!(!required, "TRYGGHET_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set");
            warn_skipped("TEST_DATABASE_URL is not set");
            None
        }
    }
}

/// Writes straight to stderr (past the test harness's capture), once per test process.
fn warn_skipped(reason: &str) {
    static WARNED: OnceLock<()> = OnceLock::new();
    WARNED.get_or_init(|| {
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED: the PostgreSQL half of the test suite did not run: {reason}.\n*** Set \
             TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres to run it (CI requires it).\n"
        );
    });
}

/// The migrated template database for this set of migrations, created once.
fn postgres_template(admin_url: &str) -> String {
    static TEMPLATE: Mutex<Option<String>> = Mutex::new(None);
    let mut template = TEMPLATE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(name) = template.as_ref() {
        return name.clone();
    }
    let name = format!("trygghet_template_{:016x}", migrations_hash());
    let mut admin = PgConnection::establish(admin_url).expect("connect to TEST_DATABASE_URL");
    admin.batch_execute("SELECT pg_advisory_lock(7477677968)").expect("take the template lock");
    if !database_exists(&mut admin, &name) {
        let building = format!("{name}_building");
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)")).expect("drop a stale build");
        admin.batch_execute(&format!("CREATE DATABASE {building}")).expect("create the template database");
        let url = database_url(admin_url, &building);
        let mut conn = trygghet::db::connection::Target::Postgres(url.into()).establish().expect("connect to it");
        trygghet::db::migrations::run_pending(&mut conn).expect("migrate the template database");
        drop(conn);
        admin.batch_execute(&format!("ALTER DATABASE {building} RENAME TO {name}")).expect("publish the template");
    }
    admin.batch_execute("SELECT pg_advisory_unlock(7477677968)").expect("release the template lock");
    *template = Some(name.clone());
    name
}

fn create_database_from(admin: &mut PgConnection, name: &str, template: &str) {
    // Two creations from one template at the same moment can collide ("source database is being accessed"):
    // retry a few times.
    let mut attempts = 0;
    loop {
        match admin.batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}")) {
            Ok(()) => return,
            Err(error) if attempts < 20 => {
                attempts += 1;
                let _ = error;
                std::thread::sleep(std::time::Duration::from_millis(50 * attempts));
            }
            Err(error) => panic!("cannot create test database {name}: {error}"),
        }
    }
}

#[derive(QueryableByName)]
struct Exists {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    exists: bool,
}

fn database_exists(admin: &mut PgConnection, name: &str) -> bool {
    diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
        .bind::<Text, _>(name)
        .get_result::<Exists>(admin)
        .expect("query pg_database")
        .exists
}

fn drop_database(admin_url: &str, name: &str) {
    if let Ok(mut admin) = PgConnection::establish(admin_url) {
        let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    }
}

/// `admin_url` with its database replaced by `name`.
pub fn database_url(admin_url: &str, name: &str) -> String {
    let mut url = Url::parse(admin_url).expect("TEST_DATABASE_URL is a URL");
    url.set_path(name);
    url.to_string()
}

/// A hash of every PostgreSQL migration file, so a changed migration gets a new template.
fn migrations_hash() -> u64 {
    fn visit(dir: &Path, files: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read the migrations folder").flatten() {
            let path = entry.path();
            if path.is_dir() { visit(&path, files) } else { files.push(path) }
        }
    }
    let mut files = Vec::new();
    visit(&Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres"), &mut files);
    files.sort();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for file in files {
        file.file_name().hash(&mut hasher);
        std::fs::read(&file).expect("read a migration").hash(&mut hasher);
    }
    hasher.finish()
}

/// The password every test account gets.
pub const PASSWORD: &str = "correct horse battery staple";

impl TestApp {
    /// Creates an account directly in the database (as `trygghet admin create` would).
    pub async fn create_user(&self, email: &str, role: &str, municipalities: &[&str]) {
        let url = trygghet::config::DatabaseUrl::parse(&self.database.url()).unwrap();
        let metrics = trygghet::metrics::Metrics::new().unwrap();
        let settings = trygghet::db::PoolSettings { max_size: 1, timeout: std::time::Duration::from_secs(5) };
        let (db, _) = tokio::task::spawn_blocking(move || trygghet::db::Db::open(&url, settings, metrics.db_errors()))
            .await
            .unwrap()
            .expect("open the test database");
        let input = trygghet::app::accounts::NewAccount {
            email: email.to_owned(),
            display_name: String::new(),
            password: PASSWORD.to_owned(),
            role: role.to_owned(),
            municipalities: municipalities.iter().map(|code| (*code).to_owned()).collect(),
        };
        let parts = trygghet::app::accounts::validate_new_account(&db, &input).await.expect("a valid test account");
        trygghet::app::accounts::create_user(&db, trygghet::app::audit::Actor::command_line(), parts, String::new())
            .await
            .expect("the test account is created");
    }

    /// A browser-like client (cookies kept, redirects not followed) that has loaded the sign-in page.
    pub async fn browser(&self) -> Browser {
        let client =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let page = client.get(format!("{}/sign-in", self.address)).send().await.unwrap().text().await.unwrap();
        Browser { client, address: self.address.clone(), csrf: hidden_csrf(&page).unwrap_or_default() }
    }

    /// Signs in with `email` and the test password; panics unless it works.
    pub async fn sign_in(&self, email: &str) -> Browser {
        let mut browser = self.browser().await;
        let response = browser.sign_in(email, PASSWORD).await;
        assert_eq!(response.status(), 303, "sign-in as {email}");
        browser.refresh_csrf().await;
        browser
    }

    /// Creates an account and signs it in.
    pub async fn staff(&self, email: &str, role: &str, municipalities: &[&str]) -> Browser {
        self.create_user(email, role, municipalities).await;
        self.sign_in(email).await
    }
}

/// The value of the first hidden `csrf_token` input of a page.
pub fn hidden_csrf(page: &str) -> Option<String> {
    let start = page.find(r#"name="csrf_token" value=""#)? + r#"name="csrf_token" value=""#.len();
    let end = page[start..].find('"')?;
    Some(page[start..start + end].to_owned())
}

/// A client with a cookie jar, like a browser, with the CSRF token of its current session.
pub struct Browser {
    pub client: reqwest::Client,
    pub address: String,
    pub csrf: String,
}

impl Browser {
    pub async fn sign_in(&mut self, email: &str, password: &str) -> reqwest::Response {
        let form = [("email", email), ("password", password), ("csrf_token", &self.csrf), ("next", "/admin")];
        self.client.post(format!("{}/sign-in", self.address)).form(&form).send().await.unwrap()
    }

    /// Reads the session's CSRF token from the staff start page.
    pub async fn refresh_csrf(&mut self) {
        let page = self.get("/admin").await.text().await.unwrap();
        self.csrf = hidden_csrf(&page).expect("a signed-in page carries the CSRF token");
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.address)).send().await.unwrap()
    }

    /// Posts a form with the session's CSRF token added.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut body: Vec<(&str, &str)> = fields.to_vec();
        body.push(("csrf_token", &self.csrf));
        self.client
            .post(format!("{}{path}", self.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_html_form::to_string(&body).unwrap())
            .send()
            .await
            .unwrap()
    }

    /// Sends JSON with the session cookie and the `X-CSRF-Token` header, as the dashboard's scripts do.
    pub async fn send_json(&self, method: reqwest::Method, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .request(method, format!("{}{path}", self.address))
            .header("x-csrf-token", &self.csrf)
            .json(body)
            .send()
            .await
            .unwrap()
    }
}

/// A script's client: an API token, no cookies.
pub struct Script {
    pub client: reqwest::Client,
    pub address: String,
    pub token: String,
}

impl Script {
    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> reqwest::Response {
        let mut request = self.client.request(method, format!("{}{path}", self.address)).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.unwrap()
    }
}

impl Browser {
    /// An API token of this user, for a script.
    pub async fn script(&self) -> Script {
        let response =
            self.send_json(reqwest::Method::POST, "/api/v1/tokens", &serde_json::json!({ "name": "test" })).await;
        assert_eq!(response.status(), 201);
        let body: serde_json::Value = response.json().await.unwrap();
        Script {
            client: reqwest::Client::new(),
            address: self.address.clone(),
            token: body["token"].as_str().unwrap().to_owned(),
        }
    }
}

impl TestApp {
    /// The first column of every row of `sql`, as text.
    pub fn query_strings(&self, sql: &str) -> Vec<String> {
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = Text)]
            value: String,
        }
        let query = diesel::sql_query(format!("WITH q(v) AS ({sql}) SELECT CAST(v AS TEXT) AS value FROM q"));
        let rows = match &self.database {
            TestDatabase::Sqlite { path, .. } => {
                query.load::<Row>(&mut SqliteConnection::establish(&path.to_string_lossy()).unwrap())
            }
            TestDatabase::Postgres { url, .. } => query.load::<Row>(&mut PgConnection::establish(url).unwrap()),
        };
        rows.expect("the test query runs").into_iter().map(|row| row.value).collect()
    }

    /// The stored answers as a subquery to name in `FROM`, one row per entry of each response's `answers` array, with
    /// the columns `response_id, item_id, position, option_code, number_value, text_value`.
    pub fn answers_table(&self) -> &'static str {
        match &self.database {
            TestDatabase::Sqlite { .. } => {
                "(SELECT responses.id AS response_id, json_extract(entry.value, '$.i') AS item_id, \
                 COALESCE(json_extract(entry.value, '$.p'), 0) AS position, \
                 json_extract(entry.value, '$.o') AS option_code, json_extract(entry.value, '$.n') AS number_value, \
                 json_extract(entry.value, '$.t') AS text_value \
                 FROM responses, json_each(responses.answers) AS entry)"
            }
            TestDatabase::Postgres { .. } => {
                "(SELECT responses.id AS response_id, entry->>'i' AS item_id, \
                 COALESCE((entry->>'p')::integer, 0) AS position, entry->>'o' AS option_code, \
                 (entry->>'n')::bigint AS number_value, entry->>'t' AS text_value \
                 FROM responses, json_array_elements(responses.answers::json) AS entry)"
            }
        }
    }

    /// An SQL timestamp literal `hours` ago, in the form each backend stores.
    pub fn timestamp_hours_ago(&self, hours: i64) -> String {
        let at = chrono::Utc::now().naive_utc() - chrono::Duration::hours(hours);
        format!("'{}'", at.format("%Y-%m-%d %H:%M:%S%.6f"))
    }
}

/// Reads server-sent events from a response until one named `name` arrives (or `within` passes).
pub async fn next_event(
    stream: &mut (impl futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Unpin),
    buffer: &mut String,
    name: &str,
    within: std::time::Duration,
) -> Option<String> {
    let deadline = std::time::Instant::now() + within;
    loop {
        if let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            if event.lines().any(|line| line == format!("event: {name}")) {
                let data: Vec<&str> = event.lines().filter_map(|line| line.strip_prefix("data: ")).collect();
                return Some(data.join("\n"));
            }
            continue;
        }
        let left = deadline.checked_duration_since(std::time::Instant::now())?;
        match tokio::time::timeout(left, futures_util::StreamExt::next(stream)).await {
            Ok(Some(Ok(chunk))) => buffer.push_str(&String::from_utf8_lossy(&chunk)),
            _ => return None,
        }
    }
}
