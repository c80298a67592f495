//! Where the database is: `DATABASE_URL`, whose scheme chooses the backend.

use std::fmt;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use url::Url;

/// Which database the service runs on, chosen by the scheme of `DATABASE_URL`.
#[derive(Clone)]
pub enum DatabaseUrl {
    /// An SQLite database file (created when missing, as the embedded default).
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL; it may carry a password, so it is kept secret.
    Postgres(SecretString),
}

impl DatabaseUrl {
    /// Parses `sqlite://PATH`, `postgres://…` or `postgresql://…`. Anything else is refused, so that a typo never
    /// silently creates an empty SQLite file somewhere.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if let Some(path) = raw.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(String::from("sqlite:// needs a file path, e.g. sqlite://./data/trygghet.db"));
            }
            if path == ":memory:" || path.starts_with("file:") || path.contains('?') {
                return Err(String::from(
                    "give a plain file path after sqlite:// (in-memory databases and URI options are not supported)",
                ));
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        let Some((scheme, _)) = raw.split_once("://") else {
            return Err(String::from(
                "not a database URL; expected sqlite://PATH or postgres://USER@HOST:PORT/DATABASE",
            ));
        };
        match scheme {
            "postgres" | "postgresql" => {
                // The URL is never echoed: it may contain a password.
                let url = Url::parse(raw).map_err(|error| format!("malformed PostgreSQL URL ({error})"))?;
                if url.host_str().is_none_or(str::is_empty) {
                    return Err(String::from("the PostgreSQL URL names no host"));
                }
                if url.path().trim_start_matches('/').is_empty() {
                    return Err(String::from("the PostgreSQL URL names no database"));
                }
                Ok(Self::Postgres(SecretString::from(with_system_ca_store(url)?.to_string())))
            }
            other => Err(format!("unknown scheme \"{other}\"; expected sqlite:// or postgres:// (or postgresql://)")),
        }
    }

    /// Whether the URL names a PostgreSQL server on this host (a loopback address, `localhost` or a Unix socket's
    /// directory), whose processes then share this machine's cores with the service.
    pub fn postgres_on_this_host(&self) -> bool {
        let Self::Postgres(url) = self else { return false };
        let Ok(url) = Url::parse(url.expose_secret()) else { return false };
        let loopback = |address: std::net::IpAddr| address.to_canonical().is_loopback();
        match url.host() {
            Some(url::Host::Ipv4(address)) => loopback(address.into()),
            Some(url::Host::Ipv6(address)) => loopback(address.into()),
            // A `postgres:` URL's host is opaque to the URL standard: an IPv4 address comes as a name. A socket's
            // directory is the host, percent-encoded (`%2Fvar%2Frun%2Fpostgresql`). (A host given in the query,
            // `?host=`, is not looked at: such a URL keeps the default of a server elsewhere.)
            Some(url::Host::Domain(name)) => {
                name.eq_ignore_ascii_case("localhost")
                    || name.get(..3).is_some_and(|start| start.eq_ignore_ascii_case("%2f"))
                    || name.parse().is_ok_and(loopback)
            }
            None => false,
        }
    }

    /// A description safe for logs: the SQLite path, or the PostgreSQL URL without its password.
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("SQLite database file {}", path.display()),
            Self::Postgres(url) => match Url::parse(url.expose_secret()) {
                Ok(mut url) => {
                    if url.password().is_some() {
                        let _ = url.set_password(Some("***"));
                    }
                    format!("PostgreSQL {url}")
                }
                Err(_) => "PostgreSQL".to_owned(),
            },
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// The directory that holds `path` (`.` for a bare file name).
pub fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `sslrootcert=system` asks libpq to trust the system's CA store. With OpenSSL built in (the default build), the
/// store OpenSSL would look in is its build's own, so the store is found here instead (`SSL_CERT_FILE` first, then
/// the distribution's usual bundle) and named as a file; `sslmode` stays `verify-full`, as libpq implies for
/// `system`. Any other URL is left as it is.
fn with_system_ca_store(mut url: Url) -> Result<Url, String> {
    if !cfg!(feature = "bundled-libpq")
        || !url.query_pairs().any(|(key, value)| key == "sslrootcert" && value == "system")
    {
        return Ok(url);
    }
    let store = openssl_probe_store().ok_or_else(|| {
        String::from(
            "sslrootcert=system: no CA store found on this machine; install the CA certificates (ca-certificates) \
             or name a file with sslrootcert=PATH",
        )
    })?;
    let mut pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(key, value)| {
            let value = if key == "sslrootcert" { store.to_string_lossy().into_owned() } else { value.into_owned() };
            (key.into_owned(), value)
        })
        .collect();
    if !pairs.iter().any(|(key, _)| key == "sslmode") {
        pairs.push(("sslmode".to_owned(), "verify-full".to_owned()));
    }
    url.query_pairs_mut().clear().extend_pairs(pairs);
    Ok(url)
}

#[cfg(feature = "bundled-libpq")]
fn openssl_probe_store() -> Option<PathBuf> {
    openssl_probe::probe().cert_file
}

#[cfg(not(feature = "bundled-libpq"))]
fn openssl_probe_store() -> Option<PathBuf> {
    None
}
