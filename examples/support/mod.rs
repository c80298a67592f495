//! What the benchmarks in `examples/` share: a fresh database (a SQLite file or a PostgreSQL database of their
//! own), seeding it straight into its tables, the real service started in-process, a signed-in staff member with an
//! API token, and percentiles.
//!
//! Each benchmark drives the service over HTTP exactly as a coordinator's browser or script would; nothing here
//! reaches into the service's state except to create the first administrator, as `trygghet admin create` does, and
//! to seed stored surveys and responses (see [`Seeding`]).

#![allow(dead_code, reason = "each example uses part of this module; the rest is dead code in its binary")]

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use trygghet::config::{Config, DatabaseUrl};
use trygghet::db::connection::Target;
use trygghet::db::{Db, DbConnection, PoolSettings};
use trygghet::domain::instrument::Instrument;
use trygghet::startup::Application;
use trygghet::startup::StopHandle;

pub type Failure = Box<dyn std::error::Error + Send + Sync>;

/// The staff account every benchmark signs in with.
pub const EMAIL: &str = "bench@polisen.se";
pub const PASSWORD: &str = "benchmark passphrase 2026";

/// A database for one run: a SQLite file in a temporary directory, or a database of its own on a PostgreSQL server
/// (dropped again by [`BenchDatabase::remove`]).
pub enum BenchDatabase {
    Sqlite { _dir: tempfile::TempDir, path: PathBuf },
    Postgres { admin_url: String, name: String, url: String },
}

impl BenchDatabase {
    /// A fresh, empty database: SQLite unless `postgres_admin_url` names a server, on which `name` is (re)created.
    pub fn create(postgres_admin_url: Option<&str>, name: &str) -> Result<Self, Failure> {
        match postgres_admin_url {
            None => {
                let dir = tempfile::Builder::new().prefix("trygghet-bench-").tempdir()?;
                let path = dir.path().join("trygghet.db");
                Ok(Self::Sqlite { _dir: dir, path })
            }
            Some(admin_url) => {
                let mut admin = PgConnection::establish(admin_url)?;
                // Two statements: a multi-statement string would run as one transaction, which these cannot.
                admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
                admin.batch_execute(&format!("CREATE DATABASE {name}"))?;
                let mut url = url::Url::parse(admin_url)?;
                url.set_path(name);
                Ok(Self::Postgres { admin_url: admin_url.to_owned(), name: name.to_owned(), url: url.to_string() })
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

    pub fn backend(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "SQLite",
            Self::Postgres { .. } => "PostgreSQL",
        }
    }

    /// The size of the database on disk in bytes (SQLite: the file and its WAL).
    pub fn size(&self) -> u64 {
        match self {
            Self::Sqlite { path, .. } => ["", "-wal"]
                .iter()
                .filter_map(|suffix| std::fs::metadata(format!("{}{suffix}", path.display())).ok())
                .map(|meta| meta.len())
                .sum(),
            Self::Postgres { url, name, .. } => {
                #[derive(diesel::QueryableByName)]
                struct Size {
                    #[diesel(sql_type = diesel::sql_types::BigInt)]
                    size: i64,
                }
                let Ok(mut conn) = PgConnection::establish(url) else { return 0 };
                diesel::RunQueryDsl::get_result::<Size>(
                    diesel::sql_query("SELECT pg_database_size($1) AS size").bind::<diesel::sql_types::Text, _>(name),
                    &mut conn,
                )
                .map_or(0, |size| u64::try_from(size.size).unwrap_or(0))
            }
        }
    }

    /// Drops a PostgreSQL database (the SQLite directory goes when dropped).
    pub fn remove(self) {
        if let Self::Postgres { admin_url, name, .. } = &self
            && let Ok(mut admin) = PgConnection::establish(admin_url)
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// Opens (creating and migrating) the database with a small pool of its own, as the command-line tools do.
pub async fn open_db(url: &str, pool: u32) -> Result<Db, Failure> {
    let url = DatabaseUrl::parse(url)?;
    let metrics = trygghet::metrics::Metrics::new()?;
    let settings = PoolSettings { max_size: pool, timeout: Duration::from_secs(30) };
    let (db, _) = tokio::task::spawn_blocking(move || Db::open(&url, settings, metrics.db_errors())).await??;
    Ok(db)
}

/// Creates the benchmark's administrator, as `trygghet admin create` does.
pub async fn create_admin(db: &Db) -> Result<(), Failure> {
    let input = trygghet::app::accounts::NewAccount {
        email: EMAIL.to_owned(),
        display_name: "Benchmark".to_owned(),
        password: PASSWORD.to_owned(),
        role: "admin".to_owned(),
        municipalities: Vec::new(),
    };
    let parts = trygghet::app::accounts::validate_new_account(db, &input)
        .await
        .map_err(|errors| format!("the benchmark account is invalid: {errors:?}"))?;
    trygghet::app::accounts::create_user(db, trygghet::app::audit::Actor::command_line(), parts, String::new())
        .await
        .map_err(|error| format!("creating the benchmark account: {error}"))?;
    Ok(())
}

/// Where a raw connection to `url` goes (with the service's SQLite pragmas).
pub fn target_of(url: &str) -> Result<Target, Failure> {
    Ok(Target::of(&DatabaseUrl::parse(url)?))
}

/// Rows per INSERT statement while seeding.
pub const INSERT_ROWS: usize = 1000;

/// Seeding a migrated database straight into its tables, in one transaction on a connection of its own: storing
/// many responses through the service one by one would take hours and measure something else.
pub struct Seeding {
    pub conn: DbConnection,
    sqlite: bool,
}

impl Seeding {
    /// Opens a connection and begins the transaction (SQLite: no fsync, a rollback journal and a large page cache
    /// while seeding only; PostgreSQL: `synchronous_commit=off`).
    pub fn begin(url: &str) -> Result<Self, Failure> {
        let mut conn = target_of(url)?.establish()?;
        let sqlite = matches!(conn, DbConnection::Sqlite(_));
        if sqlite {
            // Nothing else has the file open while seeding.
            conn.batch_execute(
                "PRAGMA journal_mode = DELETE; PRAGMA synchronous = OFF; PRAGMA cache_size = -1000000;",
            )?;
        } else {
            conn.batch_execute("SET synchronous_commit = off")?;
        }
        conn.batch_execute("BEGIN")?;
        Ok(Self { conn, sqlite })
    }

    /// Commits, and leaves the database as the service expects it (SQLite: back to WAL). PostgreSQL: `VACUUM
    /// ANALYZE` and `CHECKPOINT`, what autovacuum and the checkpointer would have done by the time a survey has this
    /// many responses, so that neither runs during the measurement.
    pub fn commit(mut self) -> Result<(), Failure> {
        self.conn.batch_execute("COMMIT")?;
        if self.sqlite {
            self.conn.batch_execute("PRAGMA journal_mode = WAL")?;
        } else {
            self.conn.batch_execute("VACUUM ANALYZE")?;
            self.conn.batch_execute("CHECKPOINT")?;
        }
        Ok(())
    }
}

/// Rows of one table, written as multi-row INSERT statements of [`INSERT_ROWS`] rows.
pub struct Inserter {
    head: String,
    sql: String,
    rows: usize,
}

impl Inserter {
    pub fn new(table_and_columns: &str) -> Self {
        Self { head: format!("INSERT INTO {table_and_columns} VALUES "), sql: String::new(), rows: 0 }
    }

    /// Adds one row (the SQL inside its parentheses); writes the statement when it is full.
    pub fn row(&mut self, conn: &mut DbConnection, values: std::fmt::Arguments) -> Result<(), Failure> {
        self.sql.push_str(if self.rows == 0 { &self.head } else { "," });
        self.sql.push('(');
        self.sql.write_fmt(values)?;
        self.sql.push(')');
        self.rows += 1;
        if self.rows >= INSERT_ROWS { self.flush(conn) } else { Ok(()) }
    }

    pub fn flush(&mut self, conn: &mut DbConnection) -> Result<(), Failure> {
        if self.rows > 0 {
            conn.batch_execute(&self.sql)?;
            self.sql.clear();
            self.rows = 0;
        }
        Ok(())
    }
}

/// An open survey of `instrument` as its coordinator would have set it up: open from `opens_on` for three weeks after
/// `today`, with its municipalities (code, letters sent) aiming at 55 %.
#[allow(clippy::too_many_arguments, reason = "the columns of a survey row")]
pub fn insert_open_survey(
    conn: &mut DbConnection,
    survey_id: &str,
    title: &str,
    instrument: &Instrument,
    opens_on: chrono::NaiveDate,
    today: chrono::NaiveDate,
    created_by: &str,
    municipalities: &[(&str, u64)],
) -> Result<(), Failure> {
    conn.batch_execute(&format!(
        "INSERT INTO surveys (id, title, instrument_key, instrument_version, state, access, opens_on, closes_on, \
         created_by, created_at) VALUES ('{survey_id}', '{title}', '{}', '{}', 'open', 'codes', '{opens_on}', '{}', \
         '{created_by}', '{}')",
        instrument.key(),
        instrument.version(),
        today + chrono::Days::new(21),
        trygghet::db::now().format("%Y-%m-%d %H:%M:%S%.6f"),
    ))?;
    for (code, letters) in municipalities {
        conn.batch_execute(&format!(
            "INSERT INTO survey_municipalities (survey_id, municipality_code, sample_size, target_percent) \
             VALUES ('{survey_id}', '{code}', {letters}, 55)"
        ))?;
    }
    Ok(())
}

/// The service, running in this process on a free port.
pub struct Service {
    pub base: String,
    handle: StopHandle,
    _data_dir: tempfile::TempDir,
}

impl Service {
    /// Starts the release service on `database_url` with its defaults (worker threads = cores, a pool of 10), plus
    /// `extra` settings.
    pub async fn start(database_url: &str, extra: &[(&str, &str)]) -> Result<Self, Failure> {
        let data_dir = tempfile::Builder::new().prefix("trygghet-bench-data-").tempdir()?;
        let data = data_dir.path().display().to_string();
        // A key of its own, as in production (otherwise the service generates one and warns).
        let key = format!("{:032x}{:032x}", rand::random::<u128>(), rand::random::<u128>());
        let mut pairs = vec![
            ("DATABASE_URL", database_url),
            ("PORT", "0"),
            ("TRYGGHET_DATA_DIR", data.as_str()),
            ("TRYGGHET_SECRET_KEY", key.as_str()),
        ];
        pairs.extend_from_slice(extra);
        let app = Application::build(Config::from_pairs(pairs)?).await?;
        let base = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        Ok(Self { base, handle, _data_dir: data_dir })
    }

    /// Stops the service, letting requests in flight finish.
    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}

/// The value of a hidden field in a page.
pub fn hidden(page: &str, name: &str) -> Option<String> {
    let marker = format!(r#"name="{name}" value=""#);
    let start = page.find(&marker)? + marker.len();
    let end = page[start..].find('"')?;
    Some(page[start..start + end].to_owned())
}

/// A signed-in staff member: a cookie session (with its CSRF token, for forms) and an API token (for scripts).
pub struct Staff {
    pub client: reqwest::Client,
    pub base: String,
    pub csrf: String,
    pub token: String,
}

impl Staff {
    /// Signs in through the sign-in form and creates an API token, as a coordinator would.
    pub async fn sign_in(base: &str) -> Result<Self, Failure> {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .build()?;
        let page = client.get(format!("{base}/sign-in")).send().await?.text().await?;
        let token = hidden(&page, "csrf_token").ok_or("no sign-in form")?;
        let form = [("email", EMAIL), ("password", PASSWORD), ("csrf_token", &token), ("next", "/admin")];
        let response = client.post(format!("{base}/sign-in")).form(&form).send().await?;
        if response.status() != 303 {
            return Err(format!("signing in answered {}", response.status()).into());
        }
        let page = client.get(format!("{base}/admin")).send().await?.text().await?;
        let csrf = hidden(&page, "csrf_token").ok_or("no session CSRF token on /admin")?;
        let mut staff = Self { client, base: base.to_owned(), csrf, token: String::new() };
        let created = staff.post_json("/api/v1/tokens", &serde_json::json!({ "name": "benchmark" })).await?;
        staff.token = created["token"].as_str().ok_or("no token in the answer")?.to_owned();
        Ok(staff)
    }

    /// Posts JSON with the session cookie and its CSRF token; the answer's JSON, or the status and body as an error.
    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> Result<serde_json::Value, Failure> {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header("x-csrf-token", &self.csrf)
            .json(body)
            .send()
            .await?;
        if !response.status().is_success() {
            return Err(format!("{path} answered {}: {}", response.status(), response.text().await?).into());
        }
        Ok(response.json().await?)
    }
}

/// Percentiles of a set of samples (nearest rank), in the samples' unit.
#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    pub count: usize,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
    pub min: f64,
}

pub fn summarize(mut samples: Vec<f64>) -> Summary {
    if samples.is_empty() {
        return Summary::default();
    }
    samples.sort_by(f64::total_cmp);
    let rank = |p: f64| samples[((p * samples.len() as f64).ceil() as usize).clamp(1, samples.len()) - 1];
    Summary {
        count: samples.len(),
        p50: rank(0.50),
        p95: rank(0.95),
        p99: rank(0.99),
        max: samples[samples.len() - 1],
        min: samples[0],
    }
}

/// The machine, for the record: cores and memory, from /proc.
pub fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            let line = info.lines().find(|line| line.starts_with("MemTotal:"))?.to_owned();
            let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{:.1} GiB memory", kib as f64 / 1024.0 / 1024.0))
        })
        .unwrap_or_else(|| "memory unknown".to_owned());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            let line = info.lines().find(|line| line.starts_with("model name"))?;
            Some(line.split(':').nth(1)?.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    format!("{cores} cores ({model}), {memory}")
}

/// The load average over 1, 5 and 15 minutes: how busy the machine was with other work.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| text.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// CPU time (user + system) this process has used so far, from /proc/self/stat.
pub fn cpu_time() -> Duration {
    let ticks = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| {
            // Fields after the command name (which may contain spaces) start after the last ')'.
            let rest = &stat[stat.rfind(')')? + 2..];
            let fields: Vec<&str> = rest.split_whitespace().collect();
            Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0);
    // The kernel's USER_HZ is 100 on every Linux this runs on.
    Duration::from_millis(ticks * 10)
}

/// Busy and total CPU time of the whole machine (every process: the service, the clients, PostgreSQL), from
/// /proc/stat, in clock ticks.
pub fn machine_cpu() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = stat.lines().next() else { return (0, 0) };
    let fields: Vec<u64> = line.split_whitespace().skip(1).filter_map(|field| field.parse().ok()).collect();
    let total: u64 = fields.iter().take(8).sum();
    // idle and iowait
    let idle = fields.get(3).copied().unwrap_or(0) + fields.get(4).copied().unwrap_or(0);
    (total - idle, total)
}

/// Milliseconds of a duration, for tables.
pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// A line of /proc/self/status in KiB (`VmRSS:` now, `VmHWM:` the peak).
pub fn memory(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|line| line.starts_with(field))?.to_owned();
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

/// Resets this process's peak resident size (`VmHWM`) to its current one (Linux 4.0 and later).
pub fn reset_peak_memory() {
    if std::fs::write("/proc/self/clear_refs", "5").is_err() {
        eprintln!("(the peak resident size cannot be reset here: it is the process's since it started)");
    }
}
