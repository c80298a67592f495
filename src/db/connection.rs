//! Connections to either backend through one type.
//!
//! diesel's `MultiConnection` lets every query be written once for SQLite and PostgreSQL. The backend is chosen
//! from the configuration (the URL scheme), never by trying one after the other: the derived `establish` would
//! hide PostgreSQL's real error behind "invalid connection url". SQLite's pragmas are set on every new pooled
//! connection, because SQLite keeps them per connection.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

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

/// Copies SQLite's whole write-ahead log into the database and truncates it, without waiting for readers (a long read
/// would hold every writer behind this one). Whether the log was cleared: not while a reader still reads it (SQLite
/// says so in the pragma's answer, not with an error). The connection's own wait is set back whatever happens.
pub(super) fn clear_sqlite_log(conn: &mut SqliteConnection) -> QueryResult<bool> {
    /// What `PRAGMA wal_checkpoint` answers (its other columns count the log's pages).
    #[derive(QueryableByName)]
    struct Checkpointed {
        /// 1 when the checkpoint could not finish: a reader still read the log.
        #[diesel(sql_type = diesel::sql_types::Integer)]
        busy: i32,
    }
    let checkpoint = conn
        .batch_execute("PRAGMA busy_timeout = 0")
        .and_then(|()| diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)").get_result::<Checkpointed>(conn));
    let restored = conn.batch_execute(SQLITE_BUSY_TIMEOUT);
    restored.and(checkpoint).map(|checkpointed| checkpointed.busy == 0)
}

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
    target: Target,
    /// How many statements have failed on this pool's connections: each failure has every connection asked again.
    failures: Arc<AtomicU64>,
}

impl ConnectionManager {
    pub fn new(target: Target) -> Self {
        Self { target, failures: Arc::default() }
    }
}

/// How long a pooled connection found alive is handed out again without asking the database. r2d2 asks on every
/// checkout (`SELECT 1`): on PostgreSQL a round trip, about 30 of them for each resident's answer, a seventh of all
/// its statements. Asked at most once a second, a connection the server has dropped (a restart) is found within a
/// second; and after any statement fails, on any of the pool's connections, each is asked again at its next checkout.
/// A request that meets a dropped connection before that fails like one that meets a restart mid-query.
pub const CHECK_AFTER: Duration = Duration::from_secs(1);

/// A pooled connection, with when it was last known to be alive.
pub struct Pooled {
    conn: DbConnection,
    alive_at: Instant,
    /// The pool's count of failed statements when it was last asked.
    failures_seen: u64,
    failures: Arc<AtomicU64>,
}

impl Pooled {
    /// Notes how the work on this connection ended. When a statement failed (not merely found no row), perhaps
    /// because the database went away, every connection of the pool is asked before it is handed out again.
    pub fn ended<T>(&self, result: &QueryResult<T>) {
        if let Err(error) = result
            && !matches!(error, diesel::result::Error::NotFound)
        {
            self.failures.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl std::ops::Deref for Pooled {
    type Target = DbConnection;

    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = Pooled;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<Pooled, r2d2::Error> {
        let failures_seen = self.failures.load(Ordering::Relaxed);
        let conn = self.target.establish()?;
        Ok(Pooled { conn, alive_at: Instant::now(), failures_seen, failures: self.failures.clone() })
    }

    fn is_valid(&self, pooled: &mut Pooled) -> Result<(), r2d2::Error> {
        let failures = self.failures.load(Ordering::Relaxed);
        if pooled.failures_seen == failures && pooled.alive_at.elapsed() < CHECK_AFTER {
            return Ok(());
        }
        pooled.conn.ping().map_err(r2d2::Error::QueryError)?;
        (pooled.alive_at, pooled.failures_seen) = (Instant::now(), failures);
        Ok(())
    }

    fn has_broken(&self, pooled: &mut Pooled) -> bool {
        std::thread::panicking() || pooled.conn.is_broken()
    }
}

#[cfg(test)]
mod tests {
    use diesel::connection::{Instrumentation, InstrumentationEvent};
    use diesel::prelude::*;
    use diesel::r2d2::ManageConnection;

    use super::*;

    /// The statements run on `pooled` from now on.
    fn asked(pooled: &mut Pooled) -> Arc<std::sync::Mutex<Vec<String>>> {
        let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = asked.clone();
        let instrumentation = move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::StartQuery { query, .. } = event {
                seen.lock().unwrap().push(query.to_string());
            }
        };
        pooled.set_instrumentation(Box::new(instrumentation) as Box<dyn Instrumentation>);
        asked
    }

    #[test]
    fn a_pooled_connection_is_asked_once_a_second_and_after_any_failure() {
        let manager = ConnectionManager::new(Target::Sqlite(PathBuf::from(":memory:")));
        let (mut pooled, other) = (manager.connect().unwrap(), manager.connect().unwrap());
        let asked = asked(&mut pooled);
        let count = || asked.lock().unwrap().len();
        manager.is_valid(&mut pooled).unwrap();
        manager.is_valid(&mut pooled).unwrap();
        assert_eq!(count(), 0, "a connection just opened is not asked again");
        other.ended(&Ok(()));
        other.ended::<()>(&Err(diesel::result::Error::NotFound));
        manager.is_valid(&mut pooled).unwrap();
        assert_eq!(count(), 0, "nor after work that went well, or found no row");
        other.ended::<()>(&Err(diesel::result::Error::BrokenTransactionManager));
        manager.is_valid(&mut pooled).unwrap();
        assert_eq!(count(), 1, "a statement failed on another connection: this one is asked too");
        manager.is_valid(&mut pooled).unwrap();
        assert_eq!(count(), 1, "once");
        pooled.alive_at = Instant::now().checked_sub(CHECK_AFTER).unwrap();
        manager.is_valid(&mut pooled).unwrap();
        assert_eq!(count(), 2, "asked again a second after it was last found alive");
        assert!(asked.lock().unwrap().iter().all(|sql| sql.starts_with("SELECT 1")), "{:?}", asked.lock().unwrap());
    }

    /// Built as `.cargo/config.toml` asks: with a stable query plan (otherwise every cached statement with a bound
    /// `LIMIT` is parsed and planned again on each run), and without the locks a connection used by one thread at a
    /// time does not need (multi-thread mode, no memory statistics, no memory management's shared page cache).
    #[test]
    fn sqlite_is_built_as_the_cargo_configuration_asks() {
        #[derive(diesel::QueryableByName)]
        struct CompileOption {
            #[diesel(sql_type = diesel::sql_types::Text)]
            compile_options: String,
        }
        let mut conn = diesel::SqliteConnection::establish(":memory:").expect("an in-memory database");
        let options: Vec<String> = diesel::sql_query("SELECT compile_options FROM pragma_compile_options")
            .load::<CompileOption>(&mut conn)
            .expect("the compile options")
            .into_iter()
            .map(|option| option.compile_options)
            .collect();
        let has = |option: &str| options.iter().any(|built| built == option);
        assert!(has("ENABLE_QPSG"), "SQLite was built without SQLITE_ENABLE_QPSG (see .cargo/config.toml)");
        assert!(has("THREADSAFE=2"), "SQLite was built serialized, not multi-thread: {options:?}");
        assert!(has("DEFAULT_MEMSTATUS=0"), "SQLite was built counting its memory under a lock: {options:?}");
        assert!(!has("ENABLE_MEMORY_MANAGEMENT"), "SQLite was built sharing one page cache: {options:?}");
    }
}
