//! Building the application from a [`Config`]: used by `main` and by the integration tests alike.
//!
//! Start-up is a sequence of steps that each either succeed or give a [`StartupError`] with a sentence and an exit
//! code, never a panic: secret key, database (with migrations), listener, server. The server does not install
//! signal handlers itself (actix would treat SIGINT as a forced stop); `main` asks for a graceful stop on SIGTERM
//! and SIGINT through [`Application::handle`], so requests in flight finish.

use std::net::TcpListener;
use std::path::PathBuf;

use actix_web::dev::{Server, ServerHandle, Service};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{App, HttpMessage, HttpServer, web};
use actix_web_prom::PrometheusMetricsBuilder;
use tracing_actix_web::{RequestId, TracingLogger};
use url::Url;

use crate::app::Context;
use crate::app::instruments::Instruments;
use crate::app::live::Live;
use crate::config::{Config, ConfigError, SecretKey};
use crate::db::{Db, Migrations, OpenError, PoolSettings};
use crate::domain::codes::CodeHasher;
use crate::http;
use crate::http::render::Pages;
use crate::http::state::AppState;
use crate::metrics::Metrics;
use crate::telemetry::RequestSpan;
use crate::views::templates::Templates;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("invalid configuration: {0}")]
    Config(#[from] ConfigError),
    #[error("the secret key file {path} {problem}")]
    SecretKeyFile { path: PathBuf, problem: String },
    #[error("{0}")]
    Database(#[from] OpenError),
    #[error("cannot listen on {address}: {source}")]
    Listen { address: String, source: std::io::Error },
    #[error("cannot set up metrics: {0}")]
    Metrics(String),
    #[error("cannot prepare the page templates: {0}")]
    Templates(String),
    /// A command was given input it cannot use (exit code 2).
    #[error("{0}")]
    Usage(String),
    /// A command's work was refused: an invalid or conflicting instrument, or one that does not exist (exit code 1).
    #[error("{0}")]
    Refused(String),
}

impl StartupError {
    /// 2 for configuration the operator must fix, 1 for the environment (database down, port taken).
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Config(_) | Self::SecretKeyFile { .. } | Self::Usage(_) => 2,
            Self::Database(_) | Self::Listen { .. } | Self::Metrics(_) | Self::Templates(_) | Self::Refused(_) => 1,
        }
    }
}

/// A built, listening, not yet running service.
pub struct Application {
    port: u16,
    server: Server,
    live: Live,
}

/// Stops a running [`Application`].
#[derive(Clone)]
pub struct StopHandle {
    server: ServerHandle,
    live: Live,
}

impl StopHandle {
    /// Stops the server. `graceful`: no new connections, and requests in flight may finish (up to the shutdown
    /// timeout); open event streams end at once, as they would never finish by themselves.
    pub async fn stop(&self, graceful: bool) {
        self.live.close();
        self.server.stop(graceful).await;
    }
}

impl Application {
    /// Opens the database, binds the listener and builds the server.
    pub async fn build(mut config: Config) -> Result<Self, StartupError> {
        let metrics = Metrics::new().map_err(|error| StartupError::Metrics(error.to_string()))?;
        let key_file = config.secret_key_file();
        let secret_key = load_or_create_secret_key(config.secret_key.take(), key_file)?;
        let hasher = CodeHasher::new(secret_key.bytes()).map_err(|error| {
            StartupError::Config(ConfigError { variable: "TRYGGHET_SECRET_KEY", problem: error.to_string() })
        })?;
        let templates = Templates::new().map_err(|error| StartupError::Templates(error.to_string()))?;
        let live = Live::new(Some(&config.database));
        let (db, instruments) = open_database(&config, &metrics).await?;

        let address = format!("{}:{}", config.bind, config.port);
        let listen_error = |source| StartupError::Listen { address: address.clone(), source };
        let listener = TcpListener::bind((config.bind, config.port)).map_err(listen_error)?;
        let local = listener.local_addr().map_err(listen_error)?;
        let port = local.port();
        let public_url = match config.public_url {
            Some(url) => url,
            None => Url::parse(&format!("http://{local}/")).map_err(|error| StartupError::Listen {
                address: address.clone(),
                source: std::io::Error::other(error),
            })?,
        };

        let http_metrics = PrometheusMetricsBuilder::new("trygghet")
            .registry(metrics.registry().clone())
            .mask_unmatched_patterns("UNMATCHED")
            .build()
            .map_err(|error| StartupError::Metrics(error.to_string()))?;
        let secure_cookies = public_url.scheme() == "https";
        let app = Context {
            db,
            metrics,
            instruments,
            live: live.clone(),
            results: Default::default(),
            hasher,
            public_url,
            session_idle: config.session_idle,
            session_max: config.session_max,
            forgetting: Default::default(),
            submissions: Default::default(),
            recall: Default::default(),
            legacy_drafts: Default::default(),
        };
        offer_first_setup(&app).await;
        schedule_retention(app.db.clone(), config.retention);
        let state = web::Data::new(AppState {
            app,
            templates: Pages(templates),
            metrics_token: config.metrics_token,
            secure_cookies,
            trust_forwarded_for: config.trust_forwarded_for,
            instance: config.instance.clone(),
        });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .wrap_fn(|request, service| {
                    let request_id = request.extensions().get::<RequestId>().copied();
                    let response = service.call(request);
                    async move {
                        let mut response = response.await?;
                        if let Some(id) = request_id
                            && let Ok(value) = HeaderValue::from_str(&id.to_string())
                        {
                            response.headers_mut().insert(HeaderName::from_static("x-request-id"), value);
                        }
                        Ok(response)
                    }
                })
                .wrap(actix_web::middleware::from_fn(http::guard::inputs))
                .wrap(actix_web::middleware::from_fn(http::error_pages))
                .wrap(actix_web::middleware::from_fn(http::security_headers::add))
                .wrap(http_metrics.clone())
                .wrap(TracingLogger::<RequestSpan>::new())
                .configure(http::routes)
        })
        .workers(config.workers)
        .keep_alive(KEEP_ALIVE)
        .shutdown_timeout(config.shutdown_timeout.as_secs())
        .disable_signals()
        .listen(listener)
        .map_err(listen_error)?
        .run();
        tracing::info!(address = %format!("http://{local}"), "listening");
        Ok(Self { port, server, live })
    }

    /// The port actually bound (useful with `PORT=0`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the server: `handle.stop(true)` lets requests in flight finish.
    pub fn handle(&self) -> StopHandle {
        StopHandle { server: self.server.handle(), live: self.live.clone() }
    }

    /// Serves until stopped.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// How long an idle connection is kept open for the client's next request. Longer than a reverse proxy keeps its
/// idle connections to the service (nginx: 60 s), so that the service never closes one just as the proxy sends a
/// request on it (the proxy then answers 502, or a client sees its connection reset); actix's default is 5 s.
const KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(75);
/// The first retention run, this long after start-up (not at once: a restart loop must not hammer the database), and
/// the time between runs.
const RETENTION_FIRST_RUN: std::time::Duration = std::time::Duration::from_secs(10 * 60);
const RETENTION_INTERVAL: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

/// Deletes what is due for deletion once a day (see `app::retention`); every instance may run it, as each run only
/// deletes what is due and a second one finds nothing.
fn schedule_retention(db: Db, periods: crate::app::retention::Periods) {
    tokio::spawn(async move {
        let mut next = tokio::time::Instant::now() + RETENTION_FIRST_RUN;
        loop {
            tokio::time::sleep_until(next).await;
            next += RETENTION_INTERVAL;
            let now = chrono::Utc::now();
            let today = crate::domain::survey::swedish_day(now);
            match crate::app::retention::run(&db, periods, today, now.naive_utc(), false).await {
                Ok(report) if report.is_empty() => {}
                Ok(report) => {
                    let drafts: i64 = report.surveys.iter().map(|survey| survey.drafts).sum();
                    let codes: i64 = report.surveys.iter().map(|survey| survey.codes).sum();
                    tracing::info!(
                        surveys = report.surveys.len(),
                        drafts_emptied = drafts,
                        codes_retired = codes,
                        audit_addresses_removed = report.audit_addresses,
                        "retention: deleted what its period had passed"
                    );
                }
                Err(error) => tracing::warn!(%error, "retention failed; it runs again in a day"),
            }
        }
    });
}

/// Opens the database (running its migrations, or with `TRYGGHET_MIGRATE=false` checking that none are pending) off
/// the async workers, and reads the questionnaires from it.
async fn open_database(config: &Config, metrics: &Metrics) -> Result<(Db, Instruments), StartupError> {
    let settings = PoolSettings { max_size: config.pool_size, timeout: config.pool_timeout };
    let errors = metrics.db_errors();
    let url = config.database.clone();
    let migrations = if config.migrate { Migrations::Run } else { Migrations::Check };
    let (db, applied) = tokio::task::spawn_blocking(move || Db::open_with(&url, settings, errors, migrations))
        .await
        .map_err(|error| StartupError::Metrics(format!("start-up task failed: {error}")))??;
    let db = db.counting_waits(metrics.pool_waits());
    tracing::info!(data = %config.database.redacted(), migrations_applied = applied.len(), "database ready");
    let instruments =
        Instruments::new(db.clone()).map_err(|error| StartupError::Templates(format!("the questionnaire: {error}")))?;
    Ok((db, instruments))
}

/// While no account exists, prints a one-time link that creates the first administrator. The link is printed to
/// the terminal only (not through the log).
async fn offer_first_setup(ctx: &Context) {
    match crate::app::sign_in::offer_first_setup(ctx).await {
        Ok(Some(link)) => {
            println!(
                "\nNo user exists yet. Create the first administrator here (the link works once):\n  {link}\nor from the \
                 command line: trygghet admin create --email you@example.se (reads the password from standard input)\n"
            );
        }
        Ok(None) => {}
        Err(error) => tracing::warn!(%error, "could not check for a first administrator"),
    }
}

/// The configured secret key, or the one kept in the key file, or a new one written there (with a warning).
fn load_or_create_secret_key(configured: Option<SecretKey>, path: PathBuf) -> Result<SecretKey, StartupError> {
    if let Some(key) = configured {
        return Ok(key);
    }
    let file_error = |problem: String| StartupError::SecretKeyFile { path: path.clone(), problem };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            return SecretKey::from_hex(&text).map_err(|problem| file_error(format!("holds a key that {problem}")));
        }
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
            return Err(file_error(format!("cannot be read: {error}")));
        }
        Err(_) => {}
    }
    let key = SecretKey::generate();
    write_new_key_file(&path, &key).map_err(|error| file_error(format!("cannot be written: {error}")))?;
    tracing::warn!(
        path = %path.display(),
        "TRYGGHET_SECRET_KEY is not set: generated a secret key and saved it; back it up with the database, and give \
         every instance the same key"
    );
    Ok(key)
}

/// Writes the key file readable by its owner only, never overwriting one that appeared meanwhile.
fn write_new_key_file(path: &std::path::Path, key: &SecretKey) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::create_dir_all(crate::config::parent_dir(path))?;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(key.to_hex().as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}
