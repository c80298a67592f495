//! The `trygghet` command: serve (the default), migrate, create accounts, check, import and export questionnaires,
//! reconcile the response-rate counters.
//! Configuration comes from environment variables.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use trygghet::app::accounts::{self, NewAccount};
use trygghet::app::audit::Actor;
use trygghet::app::instruments::{Imported, Instruments};
use trygghet::config::Config;
use trygghet::db::{Db, PoolSettings};
use trygghet::domain::instrument::Instrument;
use trygghet::domain::role::Role;
use trygghet::error::AppError;
use trygghet::metrics::Metrics;
use trygghet::startup::{Application, StartupError};
use trygghet::telemetry;

/// The service allocates and frees many small buffers per request (rows, pages, JSON) from several threads at once;
/// mimalloc does that with less work and less lock traffic than the system allocator (measured in BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EXIT_CODES: &str = "\
Exit codes: 0 done, 1 failed (database unreachable, port taken, an instrument refused), 2 invalid configuration or
usage.";

/// trygghet: local safety surveys (trygghetsmätningar) for police and municipalities.
///
/// Issues the questionnaire to residents, records responses per municipality, computes response rates live and
/// turns answers into results. Runs on an embedded SQLite database by default, or on PostgreSQL.
#[derive(Parser)]
#[command(name = "trygghet", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web service (the default): migrate the database, then serve HTTP until SIGTERM or SIGINT.
    Serve,
    /// Apply pending database migrations and exit; with --status, list the applied and pending ones and change
    /// nothing.
    Migrate {
        /// List the migrations this version carries, each applied or pending, and any the database has from a newer
        /// version.
        #[arg(long)]
        status: bool,
    },
    /// Delete what has passed its retention period (unsent drafts' answers, invitation codes of closed surveys, the
    /// audit log's addresses; see the README) and report it; `serve` does this once a day by itself.
    Retention {
        /// Report what would be deleted, and delete nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write a consistent copy of the SQLite database to FILE, also while the service runs (for PostgreSQL use
    /// pg_dump, as the README shows). Keep the secret key with it: the codes in letters are matched through it.
    Backup {
        /// The copy to write; it must not exist yet.
        file: PathBuf,
    },
    /// Manage staff accounts from the command line (for the first administrator, and for automation).
    Admin {
        #[command(subcommand)]
        action: AdminCommand,
    },
    /// Run the service with a demonstration survey that answers itself (Hagfors, Munkfors, Sunne, Torsby): prints a
    /// sign-in for a demo coordinator and keeps simulating residents. Without DATABASE_URL it uses a fresh
    /// demo.db in the data directory, so your own data is never touched.
    Demo {
        /// Milliseconds between two simulated residents.
        #[arg(long, default_value_t = 400)]
        pause_ms: u64,
    },
    /// Recount every survey's response-rate counters from the raw rows and report any difference (exit 1 when there
    /// is one); with --fix, replace the counters with the recount.
    Reconcile {
        /// Replace counters that differ with the recount.
        #[arg(long)]
        fix: bool,
    },
    /// Questionnaires (instruments) as JSON files or Excel workbooks (`.xlsx`): check one, import it into the
    /// database, export one.
    Instrument {
        #[command(subcommand)]
        action: InstrumentCommand,
    },
}

#[derive(Subcommand)]
enum InstrumentCommand {
    /// Validate an instrument file without touching the database: prints `ok: KEY VERSION`, or the exact place of
    /// the first problem (e.g. `sections[2].items[4].scale: unknown scale "x"`) and exits with 1.
    Check {
        /// The instrument's JSON file, or its workbook (a name ending in `.xlsx`).
        file: PathBuf,
    },
    /// Validate an instrument file and store it in the database (DATABASE_URL). The same key and version again is
    /// accepted when the content is the same and refused when it differs: give a changed form a new version.
    Import {
        /// The instrument's JSON file, or its workbook (a name ending in `.xlsx`).
        file: PathBuf,
    },
    /// Write an instrument (the built-in one or an imported one) as JSON, to standard output by default.
    Export {
        /// The instrument's key, e.g. trygghetsmatning.
        key: String,
        /// Its version, e.g. 2026.1.
        version: String,
        /// Write to this file instead of standard output; a name ending in `.xlsx` gets an Excel workbook.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an account. The password is read from the first line of standard input, e.g.
    /// `printf '%s\n' "$PASSWORD" | trygghet admin create --email anna@polisen.se`.
    Create {
        /// The e-mail address the person signs in with.
        #[arg(long)]
        email: String,
        /// admin, coordinator or viewer.
        #[arg(long, default_value = "admin")]
        role: String,
        /// The person's name, shown to other staff.
        #[arg(long, default_value = "")]
        name: String,
        /// A municipality code the account works with (repeat for several), e.g. --municipality 1783.
        #[arg(long = "municipality")]
        municipalities: Vec<String>,
    },
}

fn main() -> ExitCode {
    // The configuration's part of the help is the README's table, so the two cannot drift apart.
    let help = format!("{}\n{EXIT_CODES}", trygghet::config::environment_help(100));
    let matches = Cli::command().after_help(help).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    // Checking a file needs neither the database nor the rest of the configuration.
    if let Some(Command::Instrument { action: InstrumentCommand::Check { file } }) = &cli.command {
        return match check_instrument(file) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => fail(&error),
        };
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => return fail(&StartupError::Config(error)),
    };
    telemetry::init(config.log_format, &config.log_filter);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("trygghet: cannot start the async runtime: {error}");
            return ExitCode::from(1);
        }
    };
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => runtime.block_on(serve(config)),
        Command::Migrate { status: false } => migrate(config),
        Command::Migrate { status: true } => migration_status(config),
        Command::Backup { file } => backup(config, &file),
        Command::Retention { dry_run } => runtime.block_on(retention(config, dry_run)),
        Command::Admin { action: AdminCommand::Create { email, role, name, municipalities } } => {
            runtime.block_on(create_account(
                config,
                NewAccount { email, display_name: name, password: String::new(), role, municipalities },
            ))
        }
        Command::Reconcile { fix } => runtime.block_on(reconcile(config, fix)),
        Command::Demo { pause_ms } => runtime.block_on(demo(config, std::time::Duration::from_millis(pause_ms))),
        Command::Instrument { action: InstrumentCommand::Check { file } } => check_instrument(&file),
        Command::Instrument { action: InstrumentCommand::Import { file } } => {
            runtime.block_on(import_instrument(config, &file))
        }
        Command::Instrument { action: InstrumentCommand::Export { key, version, output } } => {
            runtime.block_on(export_instrument(config, &key, &version, output.as_deref()))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&error),
    }
}

/// Prints the error as one line (libpq's messages span several) and gives its exit code.
fn fail(error: &StartupError) -> ExitCode {
    let message = error.to_string().split_whitespace().collect::<Vec<_>>().join(" ");
    eprintln!("trygghet: {message}");
    ExitCode::from(error.exit_code())
}

async fn serve(config: Config) -> Result<(), StartupError> {
    let stop = shutdown_signal();
    let app = Application::build(config).await?;
    let handle = app.handle();
    tokio::spawn(async move {
        stop.await;
        tracing::info!("shutting down: no new connections, finishing requests in flight");
        handle.stop(true).await;
    });
    app.run_until_stopped().await.map_err(|source| StartupError::Listen { address: "the listener".into(), source })?;
    tracing::info!("stopped");
    Ok(())
}

fn migrate(config: Config) -> Result<(), StartupError> {
    let metrics = Metrics::new().map_err(|error| StartupError::Metrics(error.to_string()))?;
    let settings = PoolSettings { max_size: 1, timeout: config.pool_timeout };
    let (_, applied) = Db::open(&config.database, settings, metrics.db_errors())?;
    if applied.is_empty() {
        println!("The database is up to date ({}).", config.database.redacted());
    } else {
        println!("Applied {} migration(s) to {}: {}", applied.len(), config.database.redacted(), applied.join(", "));
    }
    Ok(())
}

fn migration_status(config: Config) -> Result<(), StartupError> {
    let status = trygghet::db::migration_status(&config.database)?;
    println!("Migrations of {}:", config.database.redacted());
    for (name, applied) in &status.known {
        println!("  {} {name}", if *applied { "applied" } else { "pending" });
    }
    for version in &status.unknown {
        println!("  applied {version} (by a newer version of trygghet; this one does not know it)");
    }
    match status.pending().len() {
        0 => println!("The database is up to date."),
        pending => println!(
            "{pending} pending: `trygghet migrate` applies them (so does `serve`, unless TRYGGHET_MIGRATE=false)."
        ),
    }
    Ok(())
}

async fn retention(config: Config, dry_run: bool) -> Result<(), StartupError> {
    let db = open_db(&config).await?;
    let now = chrono::Utc::now();
    let today = trygghet::domain::survey::swedish_day(now);
    let periods = config.retention;
    let report = trygghet::app::retention::run(&db, periods, today, now.naive_utc(), dry_run)
        .await
        .map_err(|error| StartupError::Usage(format!("retention failed: {error}")))?;
    println!(
        "Periods: unsent drafts {} days, invitation codes {} days after a closed survey's last day; audit addresses {} days.",
        periods.drafts, periods.codes, periods.audit_addresses
    );
    for survey in &report.surveys {
        println!(
            "  {} (closed, last day {}): {} drafts emptied, {} codes and {} letter batches retired",
            survey.title, survey.closes_on, survey.drafts, survey.codes, survey.batches
        );
    }
    println!("  audit log: {} addresses removed", report.audit_addresses);
    if report.is_empty() {
        println!("Nothing is due.");
    } else if dry_run {
        println!("Dry run: the above would be deleted; nothing was.");
    }
    Ok(())
}

fn backup(config: Config, file: &Path) -> Result<(), StartupError> {
    let written = trygghet::db::backup::sqlite_copy(&config.database, file).map_err(StartupError::Usage)?;
    println!(
        "Wrote a copy of {} to {} ({written} bytes). Keep the secret key (secret.key beside the database, or \
         TRYGGHET_SECRET_KEY) with it: without the key the codes in the letters cannot be matched.",
        config.database.redacted(),
        file.display()
    );
    Ok(())
}

async fn create_account(config: Config, mut input: NewAccount) -> Result<(), StartupError> {
    let mut password = String::new();
    if let Err(error) = std::io::stdin().read_line(&mut password) {
        return Err(StartupError::Usage(format!("cannot read the password from standard input: {error}")));
    }
    input.password = password.trim_end_matches(['\n', '\r']).to_owned();
    let db = open_db(&config).await?;
    let parts = accounts::validate_new_account(&db, &input).await.map_err(|errors| {
        StartupError::Usage(
            errors
                .0
                .iter()
                .map(|error| format!("{}: {}", error.field, say(&error.reason)))
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    let user = accounts::create_user(&db, Actor::command_line(), parts, input.display_name)
        .await
        .map_err(|error| StartupError::Usage(format!("the account could not be created: {error}")))?;
    db.run(trygghet::db::queries::sessions::clear_setup_tokens)
        .await
        .map_err(|error| StartupError::Usage(error.to_string()))?;
    println!("Created {} ({}).", user.email, user.role.as_str());
    Ok(())
}

/// Whether a file is an Excel workbook (`.xlsx`) rather than JSON, by its name.
fn is_workbook(file: &Path) -> bool {
    file.extension().is_some_and(|extension| extension.eq_ignore_ascii_case("xlsx"))
}

/// The JSON text of an instrument file: a JSON file as it is (a byte-order mark, as Windows editors may write, is no
/// part of it), or a workbook read and written as JSON (a problem then names its cell, `items!D14: …`).
fn read_instrument_file(file: &Path) -> Result<String, StartupError> {
    let cannot_read = |error: std::io::Error| StartupError::Usage(format!("cannot read {}: {error}", file.display()));
    if is_workbook(file) {
        let bytes = std::fs::read(file).map_err(cannot_read)?;
        let instrument = trygghet::domain::instrument::from_xlsx(&bytes)
            .map_err(|error| StartupError::Refused(format!("{}: {error}", file.display())))?;
        return instrument.to_json_pretty().map_err(|error| StartupError::Refused(error.to_string()));
    }
    let text = std::fs::read_to_string(file).map_err(cannot_read)?;
    Ok(text.strip_prefix('\u{feff}').map(str::to_owned).unwrap_or(text))
}

fn check_instrument(file: &Path) -> Result<(), StartupError> {
    let instrument = Instrument::load(&read_instrument_file(file)?)
        .map_err(|error| StartupError::Refused(format!("{}: {error}", file.display())))?;
    println!("ok: {} {}", instrument.key(), instrument.version());
    Ok(())
}

/// The configured database on a small pool, migrated first as `serve` would, opened off the async workers (for the
/// commands that work on the data).
async fn open_db(config: &Config) -> Result<Db, StartupError> {
    let metrics = Metrics::new().map_err(|error| StartupError::Metrics(error.to_string()))?;
    let settings = PoolSettings { max_size: 2, timeout: config.pool_timeout };
    let url = config.database.clone();
    let (db, _) = tokio::task::spawn_blocking(move || Db::open(&url, settings, metrics.db_errors()))
        .await
        .map_err(|error| StartupError::Usage(format!("start-up task failed: {error}")))??;
    Ok(db)
}

/// The instrument registry over the configured database (migrated first, as `serve` would).
async fn open_instruments(config: Config) -> Result<Instruments, StartupError> {
    let db = open_db(&config).await?;
    Instruments::new(db).map_err(|error| StartupError::Templates(format!("the questionnaire: {error}")))
}

async fn demo(mut config: Config, pause: std::time::Duration) -> Result<(), StartupError> {
    use rand::Rng;
    if std::env::var_os("DATABASE_URL").is_none() {
        let path = config.data_dir.join("demo.db");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        config.database = trygghet::config::DatabaseUrl::Sqlite(path);
    }
    let db = open_db(&config).await?;
    let mut rng = rand::rng();
    let email = format!("demo-{}@trygghet.test", rng.random_range(1000..10000));
    let password: String =
        (0..20).map(|_| char::from(b"abcdefghjkmnpqrstuvwxyz23456789"[rng.random_range(0..31)])).collect();
    let input = NewAccount {
        email: email.clone(),
        display_name: "Demosamordnare".to_owned(),
        password: password.clone(),
        role: Role::Coordinator.as_str().to_owned(),
        municipalities: ["1783", "1762", "1766", "1737"].map(str::to_owned).to_vec(),
    };
    let parts = accounts::validate_new_account(&db, &input).await.map_err(|errors| {
        StartupError::Usage(errors.0.iter().map(|error| say(&error.reason)).collect::<Vec<_>>().join("; "))
    })?;
    accounts::create_user(&db, Actor::command_line(), parts, input.display_name)
        .await
        .map_err(|error| StartupError::Usage(format!("the demo account could not be created: {error}")))?;
    drop(db);
    let stop = shutdown_signal();
    let app = Application::build(config).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    println!("Demonstration running at {base}/");
    println!("Sign in as the demo coordinator: {email}  password: {password}");
    let instrument = trygghet::domain::instrument::default_instrument()
        .map_err(|error| StartupError::Templates(error.to_string()))?;
    tokio::spawn(trygghet::demo::simulate(base, email, password, instrument, pause));
    let handle = app.handle();
    tokio::spawn(async move {
        stop.await;
        handle.stop(true).await;
    });
    app.run_until_stopped().await.map_err(|source| StartupError::Listen { address: "the listener".into(), source })
}

async fn reconcile(config: Config, fix: bool) -> Result<(), StartupError> {
    let instruments = open_instruments(config).await?;
    let differences = trygghet::app::reconcile::reconcile(instruments.db(), &instruments, fix)
        .await
        .map_err(|error| refused(error, None))?;
    for difference in &differences {
        println!("{difference}");
    }
    match (differences.len(), fix) {
        (0, _) => {
            println!("Every counter equals its recount.");
            Ok(())
        }
        (count, true) => {
            println!("Fixed {count} counter(s): they now equal the recount.");
            Ok(())
        }
        (count, false) => Err(StartupError::Refused(format!(
            "{count} counter(s) differ from the recount; `trygghet reconcile --fix` replaces them"
        ))),
    }
}

/// A use case's reason in the command line's language, English.
fn say(reason: &trygghet::error::Text) -> String {
    trygghet::i18n::say("en", reason)
}

/// A refused instrument command as one sentence (exit code 1).
fn refused(error: AppError, file: Option<&Path>) -> StartupError {
    let message = match (error, file) {
        (AppError::Invalid { reason, .. }, Some(file)) => format!("{}: {}", file.display(), say(&reason)),
        (AppError::Invalid { reason, .. }, None) | (AppError::Conflict(reason), _) => say(&reason),
        (AppError::Unavailable(cause), _) => cause.to_string(),
        (AppError::Internal(cause), _) => format!("internal error: {cause}"),
        (other, _) => other.to_string(),
    };
    StartupError::Refused(message)
}

async fn import_instrument(config: Config, file: &Path) -> Result<(), StartupError> {
    let text = read_instrument_file(file)?;
    let instruments = open_instruments(config).await?;
    let Imported { summary, created } =
        instruments.import(Actor::command_line(), text).await.map_err(|error| refused(error, Some(file)))?;
    if created {
        println!("Imported {} {} ({}).", summary.key, summary.version, summary.title);
    } else {
        println!(
            "{} {} ({}) was imported before with the same content; nothing changed.",
            summary.key, summary.version, summary.title
        );
    }
    Ok(())
}

async fn export_instrument(
    config: Config,
    key: &str,
    version: &str,
    output: Option<&Path>,
) -> Result<(), StartupError> {
    let instruments = open_instruments(config).await?;
    let instrument = instruments.get(key, version).await.map_err(|error| match error {
        AppError::NotFound => StartupError::Refused(format!(
            "there is no instrument {key} {version}; GET /api/v1/instruments lists those there are"
        )),
        other => refused(other, None),
    })?;
    if let Some(path) = output.filter(|path| is_workbook(path)) {
        let workbook = trygghet::domain::instrument::to_xlsx(&instrument)
            .map_err(|error| StartupError::Refused(format!("the workbook could not be written: {error}")))?;
        std::fs::write(path, workbook)
            .map_err(|error| StartupError::Refused(format!("cannot write {}: {error}", path.display())))?;
        println!("Wrote {key} {version} to {}.", path.display());
        return Ok(());
    }
    let mut json = instrument.to_json_pretty().map_err(|error| StartupError::Refused(error.to_string()))?;
    json.push('\n');
    match output {
        Some(path) => {
            std::fs::write(path, json)
                .map_err(|error| StartupError::Refused(format!("cannot write {}: {error}", path.display())))?;
            println!("Wrote {key} {version} to {}.", path.display());
        }
        None => {
            use std::io::Write;
            std::io::stdout()
                .write_all(json.as_bytes())
                .map_err(|error| StartupError::Refused(format!("cannot write the instrument: {error}")))?;
        }
    }
    Ok(())
}

/// Listens for SIGTERM and SIGINT from this call on (their default action, ending the process at once, no longer
/// applies) and resolves on the first of them. Called before the server starts, so a signal that arrives while it
/// starts still stops it gracefully.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let terminate = signal(SignalKind::terminate());
    let interrupt = signal(SignalKind::interrupt());
    async move {
        match (terminate, interrupt) {
            (Ok(mut terminate), Ok(mut interrupt)) => {
                tokio::select! {
                    _ = terminate.recv() => {}
                    _ = interrupt.recv() => {}
                }
            }
            (Err(error), _) | (_, Err(error)) => {
                tracing::warn!(%error, "cannot listen for SIGTERM and SIGINT; stopping on Ctrl-C only");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
}
