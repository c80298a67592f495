//! Connections to either backend through one type.
//!
//! diesel's `MultiConnection` lets every query be written once for SQLite and PostgreSQL. The backend is chosen
//! from the configuration (the URL scheme), never by trying one after the other: the derived `establish` would
//! hide PostgreSQL's real error behind "invalid connection url". SQLite's pragmas are set on every new pooled
//! connection, because SQLite keeps them per connection.

use std::path::PathBuf;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, R2D2Connection};
use diesel::{PgConnection, SqliteConnection};
use secrecy::{ExposeSecret, SecretString};

/// One connection to whichever database the service runs on.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Runs `$body` with `$c` bound to the concrete backend's connection inside `$conn`, the same code for each backend.
/// For statements the shared connection type cannot express (upserts, batch inserts from a list); where the backends
/// need different statements, match on the connection instead.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($c) => $body,
            $crate::db::DbConnection::Postgres($c) => $body,
        }
    };
}
pub(crate) use on_backend;

/// The per-connection SQLite settings, in this order: `busy_timeout` must come before `journal_mode` or filling
/// the pool logs "database is locked". `synchronous = FULL` makes an acknowledged submission survive a power loss
/// in WAL mode (NORMAL may lose the last transactions); residents' answers are worth the extra fsync.
/// How long a connection waits for SQLite's lock, as set among [`SQLITE_PRAGMAS`] (and set back after a checkpoint
/// that must not wait).
pub const SQLITE_BUSY_TIMEOUT: &str = "PRAGMA busy_timeout = 5000";

/// `secure_delete` overwrites deleted rows (a submitted draft, a response's version before settling) with zeros
/// instead of leaving them in free space for whoever copies the file.
pub const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; \
     PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = FULL; \
     PRAGMA foreign_keys = ON; \
     PRAGMA secure_delete = ON;";

/// Where new connections go.
#[derive(Clone)]
pub enum Target {
    Sqlite(PathBuf),
    Postgres(SecretString),
}

impl Target {
    /// Opens one connection of the concrete backend, with SQLite's pragmas applied.
    pub fn establish(&self) -> Result<DbConnection, r2d2::Error> {
        match self {
            Self::Sqlite(path) => {
                let mut conn =
                    SqliteConnection::establish(&path.to_string_lossy()).map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute(SQLITE_PRAGMAS).map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
            Self::Postgres(url) => PgConnection::establish(url.expose_secret())
                .map(DbConnection::Postgres)
                .map_err(r2d2::Error::ConnectionError),
        }
    }
}

impl Target {
    /// Where connections to `url` go.
    pub fn of(url: &crate::db::url::DatabaseUrl) -> Self {
        match url {
            crate::db::url::DatabaseUrl::Sqlite(path) => Self::Sqlite(path.clone()),
            crate::db::url::DatabaseUrl::Postgres(url) => Self::Postgres(url.clone()),
        }
    }
}

/// The r2d2 manager that establishes connections through [`Target::establish`].
pub struct ConnectionManager {
    pub target: Target,
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        self.target.establish()
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::Bool;

    /// Built with a stable query plan (`.cargo/config.toml`): otherwise every cached statement with a bound `LIMIT`
    /// is parsed and planned again on each run.
    #[test]
    fn sqlite_plans_a_statement_once_whatever_is_bound() {
        let mut conn = diesel::SqliteConnection::establish(":memory:").expect("an in-memory database");
        let stable: bool = diesel::select(diesel::dsl::sql::<Bool>(
            "EXISTS (SELECT 1 FROM pragma_compile_options WHERE compile_options = 'ENABLE_QPSG')",
        ))
        .get_result(&mut conn)
        .expect("the compile options");
        assert!(stable, "SQLite was built without SQLITE_ENABLE_QPSG (see .cargo/config.toml)");
    }
}
