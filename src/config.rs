//! Configuration, read once from the environment at start-up and passed into the application (never global).
//!
//! Every variable has a default so that `cargo run --release` works on a fresh machine; every variable is
//! documented in the README's configuration table. An invalid value becomes a [`ConfigError`] naming the
//! variable and the problem, which `main` prints as one line before exiting with code 2. Secrets (the database
//! password, the secret key) are wrapped so that they never reach a log line or a `Debug` print.

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretBox, SecretString};

pub use crate::db::url::{DatabaseUrl, parent_dir};
use url::Url;

use crate::domain::email::EmailAddress;
use crate::domain::sender::{self, Contact, Instance, Phone};

/// The README's configuration table: the one list of variables, which `--help` prints and a test holds against the
/// variables this module reads.
const README: &str = include_str!("../README.md");

/// One row of the README's configuration table, in plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Documented {
    pub name: String,
    pub default: String,
    pub meaning: String,
}

/// The variables as the README's configuration table documents them, in its order.
pub fn documented_variables() -> Vec<Documented> {
    let plain = |cell: &str| cell.trim().replace(['`', '*'], "");
    README
        .lines()
        .skip_while(|line| !line.starts_with("| variable | default | meaning |"))
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .filter_map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").collect();
            let [name, default, meaning] = cells.as_slice() else { return None };
            Some(Documented { name: plain(name), default: plain(default), meaning: plain(meaning) })
        })
        .collect()
}

/// The configuration part of `--help`: every documented variable with its default and meaning, wrapped to `width`.
pub fn environment_help(width: usize) -> String {
    let mut text =
        String::from("Configuration (environment variables, all optional; the README has the same table):\n");
    for variable in documented_variables() {
        text.push_str(&format!("  {} (default: {})\n", variable.name, variable.default));
        let mut line = String::from("     ");
        for word in variable.meaning.split_whitespace() {
            if line.len() + word.len() + 1 > width && !line.trim().is_empty() {
                text.push_str(line.trim_end());
                text.push('\n');
                line = String::from("     ");
            }
            line.push(' ');
            line.push_str(word);
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

/// The default database: an SQLite file under `./data/` of the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://./data/trygghet.db";

/// A configuration value that cannot be used; printed as one line.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl ConfigError {
    fn new(variable: &'static str, problem: impl Into<String>) -> Self {
        Self { variable, problem: problem.into() }
    }
}

/// `DATABASE_URL` parsed, or a [`ConfigError`] naming the variable.
pub fn parse_database_url(raw: &str) -> Result<DatabaseUrl, ConfigError> {
    DatabaseUrl::parse(raw).map_err(|problem| ConfigError::new("DATABASE_URL", problem))
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines, for a terminal.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// The server secret: keys the hashes of invitation codes and session tokens. At least 32 bytes.
pub struct SecretKey(SecretBox<[u8]>);

impl SecretKey {
    /// The minimum length in bytes.
    pub const MIN_BYTES: usize = 32;

    /// Parses a key written as hexadecimal (as in `openssl rand -hex 32`).
    pub fn from_hex(text: &str) -> Result<Self, String> {
        let bytes = hex::decode(text.trim())
            .map_err(|_| "must be hexadecimal, e.g. the output of `openssl rand -hex 32`".to_owned())?;
        if bytes.len() < Self::MIN_BYTES {
            return Err(format!(
                "is {} bytes long; it must be at least {} bytes ({} hexadecimal characters)",
                bytes.len(),
                Self::MIN_BYTES,
                Self::MIN_BYTES * 2
            ));
        }
        Ok(Self(SecretBox::new(bytes.into_boxed_slice())))
    }

    /// A fresh random key.
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; Self::MIN_BYTES];
        rand::fill(&mut bytes[..]);
        Self(SecretBox::new(bytes.into_boxed_slice()))
    }

    /// The key as hexadecimal, for writing the key file.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0.expose_secret())
    }

    /// The raw key bytes, for keyed hashing.
    pub fn bytes(&self) -> &[u8] {
        self.0.expose_secret()
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

/// A bearer token that guards `/metrics` when set.
pub struct MetricsToken(SecretString);

impl MetricsToken {
    /// Whether `presented` is the token, compared in constant time.
    pub fn matches(&self, presented: &str) -> bool {
        use subtle::ConstantTimeEq;
        self.0.expose_secret().as_bytes().ct_eq(presented.as_bytes()).into()
    }
}

impl fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MetricsToken(***)")
    }
}

/// The whole configuration of one service instance.
#[derive(Debug)]
pub struct Config {
    /// `DATABASE_URL`: which database, and so which backend.
    pub database: DatabaseUrl,
    /// `TRYGGHET_RETAIN_DRAFTS_DAYS`, `TRYGGHET_RETAIN_CODES_DAYS`, `TRYGGHET_RETAIN_AUDIT_ADDRESSES_DAYS`: how long
    /// unsent drafts, invitation codes and the audit log's addresses are kept (see `app::retention`).
    pub retention: crate::app::retention::Periods,
    /// `TRYGGHET_MIGRATE`: whether `serve` applies pending migrations (true) or refuses to start while any are
    /// pending (false, where a job of its own runs `trygghet migrate`).
    pub migrate: bool,
    /// `TRYGGHET_BIND`: the address to listen on.
    pub bind: IpAddr,
    /// `PORT`: the port to listen on; 0 picks a free one (tests).
    pub port: u16,
    /// `TRYGGHET_PUBLIC_URL`: the address residents and coordinators use, for links in letters and e-mails.
    pub public_url: Option<Url>,
    /// `TRYGGHET_DATA_DIR`: where the default database and the generated secret key live.
    pub data_dir: PathBuf,
    /// `TRYGGHET_POOL_SIZE`: the most database connections this instance holds.
    pub pool_size: u32,
    /// `TRYGGHET_POOL_TIMEOUT_SECS`: how long a request waits for a free connection before a 503.
    pub pool_timeout: Duration,
    /// `TRYGGHET_SECRET_KEY`: the server secret; when absent it is generated once and kept in a file.
    pub secret_key: Option<SecretKey>,
    /// `TRYGGHET_METRICS_TOKEN`: when set, `/metrics` needs `Authorization: Bearer <token>`.
    pub metrics_token: Option<MetricsToken>,
    /// `TRYGGHET_SESSION_IDLE_MINUTES`: a staff session ends after this long without a request.
    pub session_idle: Duration,
    /// `TRYGGHET_SESSION_MAX_HOURS`: a staff session ends this long after sign-in, however active.
    pub session_max: Duration,
    /// `TRYGGHET_TRUST_FORWARDED_FOR`: take the client address from `X-Forwarded-For` (only behind a proxy that
    /// sets it), for sign-in throttling, code entry's pace and the audit log.
    pub trust_forwarded_for: bool,
    /// `TRYGGHET_LOG_FORMAT`: `text` or `json`.
    pub log_format: LogFormat,
    /// `TRYGGHET_LOG` (or `RUST_LOG`): which log lines to write, e.g. `info` or `trygghet=debug,info`.
    pub log_filter: String,
    /// `TRYGGHET_WORKERS`: HTTP worker threads.
    pub workers: usize,
    /// `TRYGGHET_SHUTDOWN_TIMEOUT_SECS`: how long a shutdown waits for requests in flight.
    pub shutdown_timeout: Duration,
    /// `TRYGGHET_ORGANISATION`, `TRYGGHET_CONTACT_PHONE`, `TRYGGHET_CONTACT_EMAIL`: who runs the service and how
    /// residents reach them, for pages that know no survey and the accessibility statement.
    pub instance: Instance,
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var_os(name).map(|value| value.into_string()))
    }

    /// Reads the configuration from name/value pairs, as if they were the environment (for tests and tools).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, ConfigError> {
        let pairs: Vec<(&str, &str)> = pairs.into_iter().collect();
        Self::from_lookup(|name| {
            pairs.iter().rev().find(|(key, _)| *key == name).map(|(_, value)| Ok((*value).to_owned()))
        })
    }

    fn from_lookup(lookup: impl Fn(&str) -> Option<Result<String, std::ffi::OsString>>) -> Result<Self, ConfigError> {
        let var = |name: &'static str| -> Result<Option<String>, ConfigError> {
            match lookup(name) {
                None => Ok(None),
                Some(Err(_)) => Err(ConfigError::new(name, "is not valid UTF-8")),
                // An empty value counts as unset, as docker compose writes `VAR=` for `${VAR:-}`.
                Some(Ok(value)) if value.trim().is_empty() => Ok(None),
                Some(Ok(value)) => Ok(Some(value)),
            }
        };

        let data_dir = PathBuf::from(var("TRYGGHET_DATA_DIR")?.unwrap_or_else(|| "./data".to_owned()));
        let database = match var("DATABASE_URL")? {
            Some(raw) => parse_database_url(&raw)?,
            None => DatabaseUrl::Sqlite(data_dir.join("trygghet.db")),
        };
        let bind = parse_or("TRYGGHET_BIND", var("TRYGGHET_BIND")?, IpAddr::from([127, 0, 0, 1]), |raw| {
            raw.parse().map_err(|_| "is not an IP address (e.g. 127.0.0.1 or 0.0.0.0)".to_owned())
        })?;
        let port = parse_or("PORT", var("PORT")?, 8080, |raw| {
            raw.parse::<u16>().map_err(|_| "must be a port number from 0 to 65535".to_owned())
        })?;
        let public_url = var("TRYGGHET_PUBLIC_URL")?.map(|raw| parse_public_url(&raw)).transpose()?;
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let pool_size =
            parse_or("TRYGGHET_POOL_SIZE", var("TRYGGHET_POOL_SIZE")?, default_pool_size(&database, cores), |raw| {
                bounded(raw, 1, 1000).map(|n| n as u32)
            })?;
        let pool_timeout =
            parse_or("TRYGGHET_POOL_TIMEOUT_SECS", var("TRYGGHET_POOL_TIMEOUT_SECS")?, 5, |raw| bounded(raw, 1, 600))
                .map(Duration::from_secs)?;
        let secret_key = var("TRYGGHET_SECRET_KEY")?
            .map(|raw| SecretKey::from_hex(&raw).map_err(|problem| ConfigError::new("TRYGGHET_SECRET_KEY", problem)))
            .transpose()?;
        let metrics_token = var("TRYGGHET_METRICS_TOKEN")?.map(|raw| MetricsToken(SecretString::from(raw)));
        let session_idle =
            parse_or("TRYGGHET_SESSION_IDLE_MINUTES", var("TRYGGHET_SESSION_IDLE_MINUTES")?, 60, |raw| {
                bounded(raw, 1, 24 * 60)
            })
            .map(|minutes| Duration::from_secs(minutes * 60))?;
        let session_max = parse_or("TRYGGHET_SESSION_MAX_HOURS", var("TRYGGHET_SESSION_MAX_HOURS")?, 12, |raw| {
            bounded(raw, 1, 24 * 30)
        })
        .map(|hours| Duration::from_secs(hours * 3600))?;
        let trust_forwarded_for =
            parse_or("TRYGGHET_TRUST_FORWARDED_FOR", var("TRYGGHET_TRUST_FORWARDED_FOR")?, false, parse_bool)?;
        let migrate = parse_or("TRYGGHET_MIGRATE", var("TRYGGHET_MIGRATE")?, true, parse_bool)?;
        let defaults = crate::app::retention::Periods::default();
        let days = |name: &'static str, default: u32| -> Result<u32, ConfigError> {
            parse_or(name, var(name)?, u64::from(default), |raw| bounded(raw, 0, 3650)).map(|days| days as u32)
        };
        let retention = crate::app::retention::Periods {
            drafts: days("TRYGGHET_RETAIN_DRAFTS_DAYS", defaults.drafts)?,
            codes: days("TRYGGHET_RETAIN_CODES_DAYS", defaults.codes)?,
            audit_addresses: days("TRYGGHET_RETAIN_AUDIT_ADDRESSES_DAYS", defaults.audit_addresses)?,
        };
        let (log_format, log_filter) = log_settings(&var)?;
        let default_workers = std::thread::available_parallelism().map_or(2, usize::from);
        let workers =
            parse_or("TRYGGHET_WORKERS", var("TRYGGHET_WORKERS")?, default_workers as u64, |raw| bounded(raw, 1, 256))?
                as usize;
        let shutdown_timeout =
            parse_or("TRYGGHET_SHUTDOWN_TIMEOUT_SECS", var("TRYGGHET_SHUTDOWN_TIMEOUT_SECS")?, 30, |raw| {
                bounded(raw, 0, 3600)
            })
            .map(Duration::from_secs)?;
        let instance = instance(&var)?;

        Ok(Self {
            instance,
            database,
            migrate,
            retention,
            bind,
            port,
            public_url,
            data_dir,
            pool_size,
            pool_timeout,
            secret_key,
            metrics_token,
            session_idle,
            session_max,
            trust_forwarded_for,
            log_format,
            log_filter,
            workers,
            shutdown_timeout,
        })
    }

    /// Where a generated secret key is kept: beside the SQLite database file, or in the data directory.
    pub fn secret_key_file(&self) -> PathBuf {
        match &self.database {
            DatabaseUrl::Sqlite(path) => parent_dir(path).join("secret.key"),
            DatabaseUrl::Postgres(_) => self.data_dir.join("secret.key"),
        }
    }
}

/// How logs are written (`TRYGGHET_LOG_FORMAT`) and which are kept (`TRYGGHET_LOG`, else `RUST_LOG`).
fn log_settings(
    var: &impl Fn(&'static str) -> Result<Option<String>, ConfigError>,
) -> Result<(LogFormat, String), ConfigError> {
    let log_format = parse_or("TRYGGHET_LOG_FORMAT", var("TRYGGHET_LOG_FORMAT")?, LogFormat::Text, |raw| {
        match raw.to_ascii_lowercase().as_str() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err("must be text or json".to_owned()),
        }
    })?;
    let (log_variable, log_filter) = match var("TRYGGHET_LOG")? {
        Some(filter) => ("TRYGGHET_LOG", filter),
        None => ("RUST_LOG", var("RUST_LOG")?.unwrap_or_else(|| "info".to_owned())),
    };
    tracing_subscriber::EnvFilter::try_new(&log_filter)
        .map_err(|error| ConfigError::new(log_variable, format!("is not a valid log filter ({error})")))?;
    Ok((log_format, log_filter))
}

/// Who runs the service and how residents reach them; each part optional.
fn instance(var: &impl Fn(&'static str) -> Result<Option<String>, ConfigError>) -> Result<Instance, ConfigError> {
    let organisation = var("TRYGGHET_ORGANISATION")?
        .map(|raw| {
            sender::parse_sender(&raw)
                .map_err(|_| ConfigError::new("TRYGGHET_ORGANISATION", "must be one line of at most 200 characters"))
        })
        .transpose()?;
    let phone = var("TRYGGHET_CONTACT_PHONE")?
        .map(|raw| {
            Phone::parse(raw.trim()).map_err(|_| {
                ConfigError::new(
                    "TRYGGHET_CONTACT_PHONE",
                    "must be 5 to 15 digits, optionally starting with + and with single spaces or hyphens between \
                     them, e.g. 0563-185 00",
                )
            })
        })
        .transpose()?;
    let email = var("TRYGGHET_CONTACT_EMAIL")?
        .map(|raw| {
            EmailAddress::parse(&raw).map_err(|_| {
                ConfigError::new("TRYGGHET_CONTACT_EMAIL", "must be an e-mail address, e.g. trygghet@kommun.se")
            })
        })
        .transpose()?;
    let contact = (phone.is_some() || email.is_some()).then_some(Contact { phone, email });
    Ok(Instance { organisation, contact })
}

/// `TRYGGHET_POOL_SIZE` when unset: 10 connections, except with a PostgreSQL server on this host on a machine of
/// fewer than four cores: two a core and two more (6 on two cores), PostgreSQL's own rule of thumb for its active
/// connections. Its processes then share the cores with the service, and more of them only take turns on the CPU
/// while holding the survey's turn or making a page wait: with 32 residents at once on two cores, 6 connections kept
/// the page GETs' p99 at 12–17 ms where 10 gave 16–26 ms, at the same residents a second (BENCHMARKS.md).
fn default_pool_size(database: &DatabaseUrl, cores: usize) -> u32 {
    const DEFAULT: u32 = 10;
    if !database.postgres_on_this_host() {
        return DEFAULT;
    }
    u32::try_from(cores.saturating_mul(2).saturating_add(2)).map_or(DEFAULT, |by_cores| by_cores.min(DEFAULT))
}

fn parse_or<T>(
    variable: &'static str,
    raw: Option<String>,
    default: T,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<T, ConfigError> {
    match raw {
        None => Ok(default),
        Some(raw) => parse(raw.trim()).map_err(|problem| ConfigError::new(variable, problem)),
    }
}

fn parse_bool(raw: &str) -> Result<bool, String> {
    match raw.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err("must be true or false".to_owned()),
    }
}

fn bounded(raw: &str, min: u64, max: u64) -> Result<u64, String> {
    match raw.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("must be a whole number from {min} to {max}")),
    }
}

fn parse_public_url(raw: &str) -> Result<Url, ConfigError> {
    const VAR: &str = "TRYGGHET_PUBLIC_URL";
    let url = Url::parse(raw.trim())
        .map_err(|error| ConfigError::new(VAR, format!("is not a URL ({error}); e.g. https://trygghet.example.se")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ConfigError::new(VAR, "must be an http:// or https:// address with a host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::new(VAR, "must not have a query or a fragment"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_readme_documents_exactly_the_variables_read_here() {
        let documented: std::collections::BTreeSet<String> =
            super::documented_variables().into_iter().map(|variable| variable.name).collect();
        let source = include_str!("config.rs");
        // Every string literal that is a variable's whole name: `var("TRYGGHET_…")` and the errors that name it.
        let read: std::collections::BTreeSet<String> = source
            .match_indices('"')
            .filter_map(|(start, _)| {
                let rest = &source[start + 1..];
                let name = &rest[..rest.find(|c: char| !(c.is_ascii_uppercase() || c == '_'))?];
                let whole = rest[name.len()..].starts_with('"');
                let known = name == "DATABASE_URL" || name == "PORT" || name.len() > 9 && name.starts_with("TRYGGHET_");
                (whole && known && !name.ends_with('_')).then(|| name.to_owned())
            })
            .collect();
        assert!(documented.len() >= 20, "{documented:?}");
        assert_eq!(documented, read, "the README's table and the variables config.rs reads");
        let help = super::environment_help(100);
        assert!(documented.iter().all(|name| help.contains(name.as_str())));
        assert!(help.lines().all(|line| line.chars().count() <= 100 || !line.contains(' ')), "{help}");
    }

    use super::*;
    use std::path::Path;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn defaults_give_an_sqlite_file_under_data_on_localhost_8080() {
        let config = config(&[]).unwrap();
        assert!(matches!(&config.database, DatabaseUrl::Sqlite(path) if path == Path::new("./data/trygghet.db")));
        assert_eq!(config.bind.to_string(), "127.0.0.1");
        assert_eq!(config.port, 8080);
        assert_eq!(config.log_format, LogFormat::Text);
        assert_eq!(config.secret_key_file(), PathBuf::from("./data/secret.key"));
    }

    #[test]
    fn the_pool_is_smaller_by_default_only_beside_a_postgres_server_on_a_small_machine() {
        let url = |raw: &str| DatabaseUrl::parse(raw).unwrap();
        let on_this_host = [
            "postgres://u@127.0.0.1:5432/t",
            "postgres://u@localhost/t",
            "postgres://u@[::1]:5432/t",
            "postgres://u@%2Fvar%2Frun%2Fpostgresql/t",
            "postgresql://u@%2ftmp/t",
            "postgres://u@[::ffff:127.0.0.1]/t",
        ];
        for raw in on_this_host {
            assert!(url(raw).postgres_on_this_host(), "{raw}");
            assert_eq!(default_pool_size(&url(raw), 1), 4, "{raw}");
            assert_eq!(default_pool_size(&url(raw), 2), 6, "{raw}");
            assert_eq!(default_pool_size(&url(raw), 4), 10, "{raw}");
            assert_eq!(default_pool_size(&url(raw), 64), 10, "{raw}");
        }
        for raw in
            ["postgres://u@db.example.se/t", "postgres://u@10.0.0.5/t", "postgres://u@%40x/t", "sqlite://./data/t.db"]
        {
            assert!(!url(raw).postgres_on_this_host(), "{raw}");
            assert_eq!(default_pool_size(&url(raw), 2), 10, "{raw}");
        }
        // Set, the variable wins.
        let set = config(&[("DATABASE_URL", "postgres://u@127.0.0.1/t"), ("TRYGGHET_POOL_SIZE", "12")]).unwrap();
        assert_eq!(set.pool_size, 12);
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let unset = config(&[("DATABASE_URL", "postgres://u@127.0.0.1/t")]).unwrap();
        assert_eq!(unset.pool_size, default_pool_size(&url("postgres://u@127.0.0.1/t"), cores));
        assert_eq!(config(&[]).unwrap().pool_size, 10);
    }

    #[test]
    fn the_backend_is_chosen_by_scheme() {
        assert!(
            matches!(DatabaseUrl::parse("sqlite:///var/lib/t.db"), Ok(DatabaseUrl::Sqlite(p)) if p == Path::new("/var/lib/t.db"))
        );
        assert!(matches!(DatabaseUrl::parse("postgres://u@127.0.0.1:5432/t"), Ok(DatabaseUrl::Postgres(_))));
        assert!(matches!(DatabaseUrl::parse("postgresql://u:p@db/t?sslmode=require"), Ok(DatabaseUrl::Postgres(_))));
    }

    #[test]
    fn a_postgres_unix_socket_is_named_by_its_directory_as_the_host() {
        // libpq takes a host that starts with a slash, percent-encoded in the URL, as the socket's directory.
        let url = DatabaseUrl::parse("postgres://app:hunter2@%2Fvar%2Frun%2Fpostgresql/trygghet").unwrap();
        assert!(matches!(&url, DatabaseUrl::Postgres(_)));
        assert_eq!(url.redacted(), "PostgreSQL postgres://app:***@%2Fvar%2Frun%2Fpostgresql/trygghet");
        let DatabaseUrl::Postgres(raw) = url else { unreachable!() };
        assert_eq!(raw.expose_secret(), "postgres://app:hunter2@%2Fvar%2Frun%2Fpostgresql/trygghet");
    }

    #[test]
    fn typos_and_malformed_urls_are_refused_with_the_variable_named() {
        for raw in [
            "sqlit://x.db",
            "postgress://u@h/db",
            "x.db",
            "sqlite://",
            "sqlite://:memory:",
            "postgres://",
            "postgres://u@h:99999/db",
            "postgres://u@h",
        ] {
            let error = parse_database_url(raw).err().unwrap_or_else(|| panic!("{raw} was accepted"));
            assert_eq!(error.variable, "DATABASE_URL", "{raw}");
        }
    }

    #[test]
    fn a_malformed_postgres_url_is_not_echoed() {
        let error = parse_database_url("postgres://user:hunter2@host:port/db").err().unwrap();
        assert!(!error.to_string().contains("hunter2"), "{error}");
    }

    #[test]
    fn the_redacted_form_hides_the_password() {
        let url = DatabaseUrl::parse("postgres://app:hunter2@db:5432/trygghet").unwrap();
        assert!(!url.redacted().contains("hunter2"));
        assert!(!format!("{url:?}").contains("hunter2"));
    }

    #[test]
    fn each_invalid_value_names_its_variable() {
        for (variable, value) in [
            ("PORT", "eighty"),
            ("PORT", "70000"),
            ("TRYGGHET_BIND", "localhost:1"),
            ("TRYGGHET_POOL_SIZE", "0"),
            ("TRYGGHET_POOL_TIMEOUT_SECS", "-1"),
            ("TRYGGHET_PUBLIC_URL", "ftp://x"),
            ("TRYGGHET_PUBLIC_URL", "trygghet.se"),
            ("TRYGGHET_SECRET_KEY", "short"),
            ("TRYGGHET_SECRET_KEY", "abcd"),
            ("TRYGGHET_LOG_FORMAT", "xml"),
            ("TRYGGHET_LOG", "info,[[["),
            ("TRYGGHET_WORKERS", "0"),
            ("TRYGGHET_SHUTDOWN_TIMEOUT_SECS", "soon"),
            ("TRYGGHET_SESSION_IDLE_MINUTES", "0"),
            ("TRYGGHET_SESSION_MAX_HOURS", "forever"),
            ("TRYGGHET_TRUST_FORWARDED_FOR", "maybe"),
            ("TRYGGHET_CONTACT_PHONE", "ring oss"),
            ("TRYGGHET_CONTACT_EMAIL", "trygghet"),
            ("TRYGGHET_ORGANISATION", "Polisen\nHagfors"),
        ] {
            let error = config(&[(variable, value)]).err().unwrap_or_else(|| panic!("{variable}={value} accepted"));
            assert_eq!(error.variable, variable);
            assert!(!error.to_string().contains('\n'));
        }
    }

    #[test]
    fn the_services_own_contact_is_optional_and_checked() {
        assert_eq!(config(&[]).unwrap().instance, Instance::default());
        let config = config(&[
            ("TRYGGHET_ORGANISATION", " Polisregion Bergslagen "),
            ("TRYGGHET_CONTACT_PHONE", " 114 14 "),
            ("TRYGGHET_CONTACT_EMAIL", "Trygghet@Polisen.se"),
        ])
        .unwrap();
        assert_eq!(config.instance.organisation.as_deref(), Some("Polisregion Bergslagen"));
        let contact = config.instance.contact.unwrap();
        assert_eq!(contact.phone.unwrap().as_str(), "114 14");
        assert_eq!(contact.email.unwrap().as_str(), "trygghet@polisen.se");
    }

    #[test]
    fn an_empty_value_counts_as_unset() {
        let config = config(&[("TRYGGHET_SECRET_KEY", ""), ("PORT", " ")]).unwrap();
        assert!(config.secret_key.is_none());
        assert_eq!(config.port, 8080);
    }

    #[test]
    fn a_secret_key_round_trips_through_hex_and_never_prints() {
        let key = SecretKey::generate();
        let again = SecretKey::from_hex(&key.to_hex()).unwrap();
        assert_eq!(key.bytes(), again.bytes());
        assert_eq!(key.bytes().len(), SecretKey::MIN_BYTES);
        assert_eq!(format!("{key:?}"), "SecretKey(***)");
    }

    #[test]
    fn the_key_file_sits_beside_the_sqlite_database() {
        let config = config(&[("DATABASE_URL", "sqlite:///srv/survey/t.db")]).unwrap();
        assert_eq!(config.secret_key_file(), PathBuf::from("/srv/survey/secret.key"));
        let config = config_pg();
        assert_eq!(config.secret_key_file(), PathBuf::from("/var/lib/trygghet/secret.key"));
    }

    fn config_pg() -> Config {
        config(&[("DATABASE_URL", "postgres://u@h/db"), ("TRYGGHET_DATA_DIR", "/var/lib/trygghet")]).unwrap()
    }
}
