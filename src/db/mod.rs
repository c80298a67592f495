//! Storage: the only door to the database is [`Db::run`].
//!
//! diesel is synchronous; actix workers must never block. So every query runs as one closure on tokio's blocking pool,
//! with a pooled connection, inside the caller's tracing span (on SQLite, writes run on a thread of their own instead:
//! see [`Db::write`]). One transaction is one closure. The one exception is [`Db::run_short`]: a read of a few rows by
//! key on SQLite takes microseconds, less than handing it to the blocking pool and back, so it runs where it is called
//! when a connection is free.

pub mod backup;
pub mod connection;
pub mod fixed;
pub mod migrations;
pub mod models;
pub mod notify;
pub mod queries;
pub mod schema;
pub mod types;
pub mod url;
mod writer;

use std::path::PathBuf;
use std::time::Duration;

use diesel::QueryResult;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, Pool};
use prometheus::IntCounterVec;

pub use connection::DbConnection;
use connection::{ConnectionManager, Target};
use fixed::fixed_statement;
use writer::Writer;

use crate::db::url::{DatabaseUrl, parent_dir};

// A SQLite write says per connection whether its commit waits for the disk (see `Db::write_unsynced`).
fixed_statement!(SyncFull, "PRAGMA synchronous = FULL");
fixed_statement!(SyncNormal, "PRAGMA synchronous = NORMAL");
/// A write transaction for [`Db::write_unsynced`] and [`Db::write_beside_turns`], running `f` like diesel's
/// `Connection::transaction`: on PostgreSQL its commit returns once the commit is in the server's log buffer, without
/// waiting for the disk (the transaction begins with `SET LOCAL synchronous_commit = off`, sent with its `BEGIN` in one
/// round trip). Like SQLite's `synchronous = NORMAL` it survives the service being killed (the server has it) and
/// reaches the disk within a moment, with the server's next flush or the next synced commit; only a crash of the
/// server or the machine in that moment may lose it, never leaving the database inconsistent. (A saved page is one
/// call on PostgreSQL, which sets the same for its own transaction: `queries::drafts::save_page`.) On SQLite it is
/// `Connection::transaction`: those writes have set the connection.
pub fn unsynced_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    type Manager = <DbConnection as diesel::Connection>::TransactionManager;
    let DbConnection::Postgres(pg) = conn else { return diesel::Connection::transaction(conn, f) };
    // As diesel's own transaction with a chosen `BEGIN` (`PgConnection::build_transaction`) does; the commit and the
    // rollback go to the PostgreSQL connection's own transaction manager through `DbConnection`'s.
    AnsiTransactionManager::begin_transaction_sql(pg, "BEGIN; SET LOCAL synchronous_commit = off")?;
    match f(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => match Manager::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
            Err(rollback) => Err(rollback.into()),
        },
    }
}

/// Which database engine a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend's name as shown in logs and on /readyz.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// Why a database call did not return rows.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection could be had in time: the database is down, unreachable or overloaded.
    #[error("the database is unavailable: {0}")]
    Unavailable(#[source] r2d2::PoolError),
    /// The SQLite database file has disappeared from its path.
    #[error("the database file {0} is missing")]
    FileMissing(PathBuf),
    /// The SQLite writers' connection, left broken by the write before, could not be opened again.
    #[error("the database cannot be opened for writing: {0}")]
    Reopen(#[source] r2d2::Error),
    /// The query itself failed (including `NotFound`).
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    /// Writers queued longer than the pool's timeout, or on SQLite a write handed to the writers' thread that had
    /// not started within it (see [`Db::write`]).
    #[error("the database is busy: no turn to write within {0:?}")]
    Busy(Duration),
    /// On SQLite, a write stored in a group with others was undone with the group: another write in it panicked, or
    /// the group's commit failed (see `writer`). Nothing of it stands; worth a retry.
    #[error("the write was undone with the writes stored together with it: {0}")]
    Undone(String),
    /// The blocking task was cancelled or panicked; on SQLite, a write panicked on the writers' thread, or that
    /// thread has ended.
    #[error("the database task did not finish: {0}")]
    Task(String),
}

/// Why a transaction was rolled back: a reason of the caller's (an outcome to report, not a failure) or a database
/// error. Either one, returned from the closure of `conn.transaction`, undoes everything the transaction wrote.
#[derive(Debug)]
pub enum Abort<R> {
    Reason(R),
    Database(diesel::result::Error),
}

impl<R> From<diesel::result::Error> for Abort<R> {
    fn from(error: diesel::result::Error) -> Self {
        Self::Database(error)
    }
}

/// What became of [`Db::forget_earlier_versions`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forgotten {
    /// Nothing of the earlier versions is left.
    All,
    /// A reader still read SQLite's log, which stays till a later call.
    NotYet,
    /// The database failed (logged).
    Failed,
}

/// Why the database could not be opened at start-up.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot create the data directory {path}: {source}")]
    CreateDir { path: PathBuf, source: std::io::Error },
    #[error("cannot connect to the {what}: {source}")]
    Connect { what: String, source: Box<dyn std::error::Error + Send + Sync> },
    #[error("cannot migrate the {what}: {source}")]
    Migrate { what: String, source: Box<dyn std::error::Error + Send + Sync> },
    #[error(
        "the {what} lacks {} migration(s) ({}) and TRYGGHET_MIGRATE is false: run `trygghet migrate` first",
        pending.len(), pending.join(", ")
    )]
    Pending { what: String, pending: Vec<String> },
    #[error("cannot start the thread of the database's writes: {0}")]
    Thread(std::io::Error),
}

/// Where the database named by `url` stands against this build's migrations; changes nothing but diesel's own
/// bookkeeping table. An SQLite file that does not exist yet is not created: every migration is pending.
pub fn migration_status(url: &DatabaseUrl) -> Result<migrations::Status, OpenError> {
    let what = url.redacted();
    let target = match url {
        DatabaseUrl::Sqlite(path) if !path.exists() => return Ok(migrations::Status::of_empty_sqlite()),
        url => Target::of(url),
    };
    let mut conn =
        target.establish().map_err(|source| OpenError::Connect { what: what.clone(), source: source.into() })?;
    migrations::status(&mut conn).map_err(|source| OpenError::Migrate { what, source })
}

/// Whether opening the database applies the pending migrations, or only checks that none are pending (for
/// deployments where a job of its own migrates before the service starts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Migrations {
    Run,
    Check,
}

/// The connection pool and its facts, cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: Pool<ConnectionManager>,
    /// A small pool of its own for the live rates' reads, so that dashboards never wait behind queued writes.
    live_pool: Pool<ConnectionManager>,
    backend: Backend,
    sqlite_file: Option<PathBuf>,
    errors: IntCounterVec,
    /// SQLite only: writers that would otherwise collide on the database's one write lock queue here instead (see
    /// [`Db::write`]).
    write_gate: Option<std::sync::Arc<WriteGate>>,
    /// PostgreSQL only: how many writes may hold a pooled connection at once (half the pool), so that writers queued
    /// on a survey's row lock never take every connection from the readers (see [`Db::write`]).
    writers: Option<std::sync::Arc<tokio::sync::Semaphore>>,
    /// How long a caller waits for a connection, or in the writers' line.
    wait: Duration,
    /// Counts calls that had to wait: for a connection, or in the writers' line (`/metrics`).
    waits: Option<prometheus::IntCounter>,
}

/// Pool settings taken from the configuration.
pub struct PoolSettings {
    pub max_size: u32,
    pub timeout: Duration,
}

impl Db {
    /// Opens the database named by `url`: creates the SQLite file's directory when needed, runs the pending
    /// migrations on one connection, then fills the pool. Blocking: call it before the server starts, or from a
    /// blocking task. `errors` counts failed calls by kind for /metrics.
    pub fn open(
        url: &DatabaseUrl,
        settings: PoolSettings,
        errors: IntCounterVec,
    ) -> Result<(Self, Vec<String>), OpenError> {
        Self::open_with(url, settings, errors, Migrations::Run)
    }

    /// [`Db::open`], with the migrations applied or only checked.
    pub fn open_with(
        url: &DatabaseUrl,
        settings: PoolSettings,
        errors: IntCounterVec,
        migrations: Migrations,
    ) -> Result<(Self, Vec<String>), OpenError> {
        let what = url.redacted();
        let (target, backend, sqlite_file) = match url {
            DatabaseUrl::Sqlite(path) => {
                let dir = parent_dir(path);
                std::fs::create_dir_all(&dir).map_err(|source| OpenError::CreateDir { path: dir, source })?;
                (Target::Sqlite(path.clone()), Backend::Sqlite, Some(path.clone()))
            }
            DatabaseUrl::Postgres(url) => (Target::Postgres(url.clone()), Backend::Postgres, None),
        };
        let mut conn =
            target.establish().map_err(|source| OpenError::Connect { what: what.clone(), source: source.into() })?;
        let applied = match migrations {
            Migrations::Run => migrations::run_pending(&mut conn)
                .map_err(|source| OpenError::Migrate { what: what.clone(), source })?,
            Migrations::Check => {
                let status = migrations::status(&mut conn)
                    .map_err(|source| OpenError::Migrate { what: what.clone(), source })?;
                let pending: Vec<String> = status.pending().into_iter().map(str::to_owned).collect();
                if !pending.is_empty() {
                    return Err(OpenError::Pending { what, pending });
                }
                Vec::new()
            }
        };
        drop(conn);
        let live_pool = Pool::builder()
            .max_size(2)
            .min_idle(Some(0))
            .connection_timeout(settings.timeout)
            .error_handler(Box::new(LogPoolErrors { errors: errors.clone() }))
            .build_unchecked(ConnectionManager::new(target.clone()));
        let pool = Pool::builder()
            .max_size(settings.max_size)
            .min_idle(Some(settings.max_size.min(2)))
            .connection_timeout(settings.timeout)
            .error_handler(Box::new(LogPoolErrors { errors: errors.clone() }))
            .build(ConnectionManager::new(target.clone()))
            .map_err(|source| OpenError::Connect { what: what.clone(), source: source.into() })?;
        let (write_gate, writers) = if backend == Backend::Sqlite {
            let conn = writer::connect(&target).map_err(|source| OpenError::Connect { what, source: source.into() })?;
            let writer = Writer::start(target, conn).map_err(OpenError::Thread)?;
            let in_line = std::sync::Arc::new(tokio::sync::Semaphore::new(writer::HANDED_OVER));
            (Some(std::sync::Arc::new(WriteGate { in_line, writer })), None)
        } else {
            let writers = usize::try_from(settings.max_size / 2).unwrap_or(1).max(1);
            (None, Some(std::sync::Arc::new(tokio::sync::Semaphore::new(writers))))
        };
        let wait = settings.timeout;
        let db = Self { pool, live_pool, backend, sqlite_file, errors, write_gate, writers, wait, waits: None };
        Ok((db, applied))
    }

    /// The same database, counting the calls that wait into `waits` (the metrics' counter).
    pub fn counting_waits(self, waits: prometheus::IntCounter) -> Self {
        Self { waits: Some(waits), ..self }
    }

    /// The same database through the live rates' own small pool (reads only; see `live`).
    pub fn for_live_reads(&self) -> Self {
        Self { pool: self.live_pool.clone(), ..self.clone() }
    }

    /// Which engine this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Connections in use and idle, and the pool's maximum.
    pub fn pool_state(&self) -> (u32, u32, u32) {
        let state = self.pool.state();
        (state.connections - state.idle_connections, state.idle_connections, self.pool.max_size())
    }

    /// Runs `f` with a pooled connection off the async workers, inside the current tracing span.
    pub async fn run<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut DbConnection) -> QueryResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.run_within(None, f).await
    }

    /// Runs `f`, a read of a few rows by key (a code's look-up on every resident page), like [`Db::run`], except that
    /// on SQLite it runs on the calling thread when a pooled connection is free at once. Such a read takes tens of
    /// microseconds and waits for nothing (in WAL mode readers never wait for writers), while handing it to the
    /// blocking pool and back costs two thread switches, more than the read. On PostgreSQL, where every statement is
    /// a round trip to the server, and when no connection is free, it is [`Db::run`]. Never for a scan, a write or
    /// anything that may wait.
    pub async fn run_short<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut DbConnection) -> QueryResult<T> + Send + 'static,
        T: Send + 'static,
    {
        if self.backend == Backend::Sqlite
            && let Some(mut conn) = self.pool.try_get()
        {
            let result = f(&mut conn);
            conn.ended(&result);
            return self.counted(result.map_err(DbError::Query));
        }
        self.run(f).await
    }

    /// Runs a write transaction `f` like [`Db::run`]. On SQLite, writers of this process take turns here rather
    /// than at SQLite's write lock: writers colliding there wait in its busy handler, which sleeps in growing steps
    /// (1, 2, 5, 10 … 100 ms) and leaves the lock idle meanwhile. They queue in order and never take a connection
    /// from the pool, which stays free for readers: the first few in line are handed to the writers' thread, which
    /// writes them one after the other through the writers' own connection (see [`writer`]), starting each the moment
    /// the one before has committed. The service's writes come through here — every
    /// transaction that takes a survey's write turn (`queries::surveys::lock_for_write`), and the others (sessions,
    /// sign-in, accounts, surveys, imports, the code-guess throttle) so that they queue fairly with them rather than
    /// lose every race from SQLite's busy handler; reads use [`Db::run`]. Another process writing the same file still
    /// meets SQLite's busy timeout. A writer that waits in line longer than the pool's timeout gets
    /// [`DbError::Busy`] (503). On PostgreSQL writers of a survey wait for its row lock, each on a pooled connection;
    /// so at most half the pool's connections write at once, and the writers beyond wait here, in order and holding
    /// none, while the readers (every resident page's code look-up) keep the other half. Past the pool's timeout in
    /// this line the caller gets [`DbError::Busy`] too.
    pub async fn write<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut DbConnection) -> QueryResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.write_synced(true, f).await
    }

    /// A write like [`Db::write`] whose commit, on SQLite, does not wait for the disk (`synchronous = NORMAL` in WAL
    /// mode): it survives the service being killed, as the log is written before the commit returns, and reaches the
    /// disk with the next synced commit (every submission and every staff action is one) or the next checkpoint; a
    /// power cut in between may lose it. For a resident's saved page and the counters of code look-ups, which cost
    /// nothing to redo, never for a submission. On SQLite such writes that wait together are stored in one transaction,
    /// each in a savepoint, and each caller is answered once that has committed (see `writer`). On PostgreSQL this is
    /// [`Db::write`], and the write asks for the same itself: with [`unsynced_transaction`], or a saved page inside its
    /// one call (`queries::drafts::save_page`).
    pub async fn write_unsynced<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut DbConnection) -> QueryResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.write_synced(false, f).await
    }

    /// A short write that never takes a survey's write turn (code entry's counters, on every resident's first page),
    /// like [`Db::write_unsynced`] (on PostgreSQL its transaction asks for that itself, with [`unsynced_transaction`]),
    /// except that on PostgreSQL it does not wait in the writers' line: that line is for writers that may wait long on
    /// a survey's row lock, and a resident's first page must not queue behind them.
    pub async fn write_beside_turns<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut DbConnection) -> QueryResult<T> + Send + 'static,
        T: Send + 'static,
    {
        match self.backend {
            Backend::Sqlite => self.write_synced(false, f).await,
            Backend::Postgres => self.run_within(None, f).await,
        }
    }

    async fn write_synced<T, F>(&self, synced: bool, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut DbConnection) -> QueryResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let Some(gate) = self.write_gate.clone() else {
            let Some(writers) = &self.writers else { return self.run_within(None, f).await };
            let ahead = writers.available_permits() == 0;
            let Some(writing) = self.in_line(writers, ahead).await? else { return self.run_within(None, f).await };
            // The place is given up by the write itself, not by the caller: a request dropped meanwhile (its client
            // gone) leaves its write running on the blocking pool, still holding its connection.
            return self
                .run_within(None, move |conn| {
                    let result = f(conn);
                    drop(writing);
                    result
                })
                .await;
        };
        // Any write ahead of this one, handed over or in line, is a wait for SQLite's one write turn.
        let ahead = gate.in_line.available_permits() < writer::HANDED_OVER;
        let Some(place) = self.in_line(&gate.in_line, ahead).await? else { return self.run_within(None, f).await };
        self.counted(gate.writer.write(synced, self.wait, place, f).await)
    }

    /// Removes what the database keeps of rows' earlier versions, outside any transaction: on PostgreSQL the dead
    /// versions of responses with their answers (with the letter's transaction id, before their group was rewritten)
    /// and of drafts (sealed, and those saved before sealing in plain text) are vacuumed, where no other transaction
    /// still sees them; on SQLite the write-ahead log, whose frames group the pages each transaction wrote (the
    /// letter's with its response's), is copied into the database and truncated (see
    /// [`connection::clear_sqlite_log`]), and `secure_delete` has zeroed what was deleted. Failing here loses nothing
    /// stored, so it is logged, not reported.
    pub async fn forget_earlier_versions(&self) -> Forgotten {
        let cleared = self
            .write(|conn| match conn {
                DbConnection::Sqlite(sqlite) => connection::clear_sqlite_log(sqlite),
                // VACUUM runs outside a transaction; SKIP_LOCKED leaves a table another submission is vacuuming to it.
                DbConnection::Postgres(_) => {
                    conn.batch_execute("VACUUM (SKIP_LOCKED) responses, drafts, legacy_drafts").map(|()| true)
                }
            })
            .await;
        match cleared {
            Ok(true) => Forgotten::All,
            Ok(false) => Forgotten::NotYet,
            Err(error) => {
                tracing::warn!(%error, "earlier versions of stored rows not cleared");
                Forgotten::Failed
            }
        }
    }

    /// A place in the writers' line `line`, counted as a wait when a write is `ahead`. Waiting is bounded like
    /// waiting for a connection: past it the caller is told to come back later. `None` if the line is closed (it
    /// never is).
    async fn in_line(
        &self,
        line: &std::sync::Arc<tokio::sync::Semaphore>,
        ahead: bool,
    ) -> Result<Option<tokio::sync::OwnedSemaphorePermit>, DbError> {
        if ahead {
            self.counted_wait();
        }
        match tokio::time::timeout(self.wait, line.clone().acquire_owned()).await {
            Ok(Ok(place)) => Ok(Some(place)),
            Ok(Err(_closed)) => Ok(None),
            Err(_elapsed) => self.counted(Err(DbError::Busy(self.wait))),
        }
    }

    /// Whether the database answers within `timeout` (and, for SQLite, whether its file is still in place:
    /// writes to an unlinked file would be lost at the next restart, and whether the writers' thread still runs).
    pub async fn check_ready(&self, timeout: Duration) -> Result<(), DbError> {
        if let Some(path) = &self.sqlite_file
            && !path.exists()
        {
            return self.counted(Err(DbError::FileMissing(path.clone())));
        }
        if let Some(gate) = &self.write_gate
            && !gate.writer.is_running()
        {
            return self.counted(Err(DbError::Task("the writers' thread has ended".into())));
        }
        let ready = self.run_within(Some(timeout), |conn| conn.batch_execute("SELECT 1")).await;
        if !matches!(ready, Err(DbError::Query(_))) {
            return ready;
        }
        // The connection had failed unnoticed (pooled connections are asked at most once a second, see
        // `connection::CHECK_AFTER`): now that a statement failed, the next is asked first, and a new one opened in
        // place of any that failed.
        self.run_within(Some(timeout), |conn| conn.batch_execute("SELECT 1")).await
    }

    async fn run_within<T, F>(&self, timeout: Option<Duration>, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut DbConnection) -> QueryResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        if pool.state().idle_connections == 0 {
            self.counted_wait();
        }
        self.off_workers(move || {
            let mut conn = match timeout {
                Some(timeout) => pool.get_timeout(timeout),
                None => pool.get(),
            }
            .map_err(DbError::Unavailable)?;
            let result = f(&mut conn);
            conn.ended(&result);
            result.map_err(DbError::Query)
        })
        .await
    }

    /// Runs `work` on tokio's blocking pool inside the caller's tracing span, and counts its failure.
    async fn off_workers<T, W>(&self, work: W) -> Result<T, DbError>
    where
        W: FnOnce() -> Result<T, DbError> + Send + 'static,
        T: Send + 'static,
    {
        let span = tracing::Span::current();
        let result = tokio::task::spawn_blocking(move || span.in_scope(work))
            .await
            .unwrap_or_else(|error| Err(DbError::Task(error.to_string())));
        self.counted(result)
    }

    fn counted_wait(&self) {
        if let Some(waits) = &self.waits {
            waits.inc();
        }
    }

    /// Counts a failed call in the database error metric, by kind.
    fn counted<T>(&self, result: Result<T, DbError>) -> Result<T, DbError> {
        match &result {
            Err(DbError::Query(diesel::result::Error::NotFound)) | Ok(_) => {}
            Err(
                DbError::Unavailable(_)
                | DbError::FileMissing(_)
                | DbError::Busy(_)
                | DbError::Reopen(_)
                | DbError::Undone(_),
            ) => self.errors.with_label_values(&["unavailable"]).inc(),
            Err(DbError::Query(_) | DbError::Task(_)) => self.errors.with_label_values(&["query"]).inc(),
        }
        result
    }
}

/// The SQLite writers' line (see [`Db::write`]): the first [`writer::HANDED_OVER`] in line are handed to the writers'
/// thread, which runs them one after the other on the writers' connection (see [`writer`]); the others wait here.
struct WriteGate {
    in_line: std::sync::Arc<tokio::sync::Semaphore>,
    writer: Writer,
}

/// Logs pool connection failures through tracing (r2d2 would use the `log` crate) and counts them.
#[derive(Debug)]
struct LogPoolErrors {
    errors: IntCounterVec,
}

impl r2d2::HandleError<r2d2::Error> for LogPoolErrors {
    fn handle_error(&self, error: r2d2::Error) {
        self.errors.with_label_values(&["connect"]).inc();
        tracing::warn!(%error, "database connection failed");
    }
}

/// The current time as stored: UTC, truncated to microseconds (PostgreSQL's precision), so a value read back
/// equals the value written on both backends.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::{SubsecRound, Utc};
    Utc::now().naive_utc().trunc_subsecs(6)
}
