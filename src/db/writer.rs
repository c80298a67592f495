//! SQLite's writers' line (see [`crate::db::Db::write`]): every write of this process runs on one thread that holds
//! the writers' connection, one after the other in the order they were handed to it.
//!
//! One connection does all the writing because SQLite drops a connection's cache of pages whenever another connection
//! has written: writes spread over the pooled connections would read again, under the write turn, every page they
//! touched. One thread runs them because a turn handed from thread to thread leaves the database idle while the next
//! thread wakes up and waits for a core, which on a busy machine is longer than a saved page takes to write; the
//! writers' thread takes the next write as soon as the last one has committed, and sleeps only when none is waiting.
//! A caller waits for its answer without holding a thread.
//!
//! A write's closure runs on that thread, outside tokio's runtime: it must not spawn tasks, and it must never wait for
//! another write (which would wait behind it for ever).

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use diesel::QueryResult;
use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;
use diesel::r2d2::R2D2Connection;

use super::connection::{DbConnection, Target};
use super::{DbError, SyncFull, SyncNormal};

/// Set on the writers' connection besides [`super::connection::SQLITE_PRAGMAS`]: SQLite keeps what a savepoint must be
/// able to undo (the pages as they were before it; every paper form of a group is stored in a savepoint of its own, see
/// `app::responses::Line`) in memory rather than in a temporary file. The file cost a write system call for every page
/// a form changed, on the thread every write waits for, and put earlier versions of rows on the disk. A savepoint
/// changes a few pages, so this costs little memory; the pooled connections keep the default, as their sorts over many
/// rows (results, exports) may be large.
const WRITER_PRAGMAS: &str = "PRAGMA temp_store = MEMORY";

/// Opens the writers' connection to `target`.
pub(super) fn connect(target: &Target) -> Result<DbConnection, diesel::r2d2::Error> {
    let mut conn = target.establish()?;
    conn.batch_execute(WRITER_PRAGMAS).map_err(diesel::r2d2::Error::QueryError)?;
    Ok(conn)
}

/// How many writes may be handed to the writers' thread at once: enough that it finds the next one waiting when it
/// has committed the last (the callers beyond wait in [`crate::db::Db`]'s line). A write handed over that has not
/// started within the pool's timeout (another process holding SQLite's lock, say) is answered [`DbError::Busy`]
/// without running, as it would be had it waited that long in the line.
pub(super) const HANDED_OVER: usize = 8;

/// A write for the writers' thread: it gets the connection (opened again if the write before left it broken) and
/// sends its own answer.
type Job = Box<dyn FnOnce(&mut Turn) + Send>;

/// The writers' connection as the writers' thread holds it.
struct Turn {
    /// `None` after a write left it broken (a panic inside its transaction), until the next write opens it again.
    conn: Option<DbConnection>,
    target: Target,
}

impl Turn {
    /// The writers' connection, opened again if the write before left it broken.
    fn connection(&mut self) -> Result<&mut DbConnection, DbError> {
        if self.conn.as_mut().is_none_or(|conn| conn.is_broken()) {
            self.conn = None;
            self.conn = Some(connect(&self.target).map_err(DbError::Reopen)?);
        }
        self.conn.as_mut().ok_or_else(|| DbError::Task("the writers' connection did not open".into()))
    }
}

/// The writers' thread. When the last clone of the [`crate::db::Db`] that holds it is dropped, the thread finishes
/// the writes handed to it, closes its connection and is waited for.
pub(super) struct Writer {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Writer {
    /// Starts the writers' thread with `conn`, the writers' connection to `target`.
    pub(super) fn start(target: Target, conn: DbConnection) -> std::io::Result<Self> {
        let (jobs, queued) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new().name("sqlite-writer".into()).spawn(move || {
            let mut turn = Turn { conn: Some(conn), target };
            for job in queued {
                // A job catches its write's panic itself; this only keeps the thread should anything else panic.
                let _ = std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut turn)));
            }
        })?;
        Ok(Self { jobs: Some(jobs), thread: Some(thread) })
    }

    /// Whether the writers' thread still takes writes.
    pub(super) fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|thread| !thread.is_finished())
    }

    /// Runs the write transaction `f` on the writers' thread, inside the caller's tracing span, its commit synced to
    /// the disk or not; `place` (the caller's place in the line) is given up the moment `f` has returned. Not started
    /// within `wait` of being handed over, it is [`DbError::Busy`]. A panic in `f` is the write's error
    /// ([`DbError::Task`]); a connection the panic left inside its transaction is opened anew for the next write.
    pub(super) async fn write<T, F, P>(&self, synced: bool, wait: Duration, place: P, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut DbConnection) -> QueryResult<T> + Send + 'static,
        T: Send + 'static,
        P: Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let span = tracing::Span::current();
        let handed_over = Instant::now();
        let job: Job = Box::new(move |turn: &mut Turn| {
            let result = if handed_over.elapsed() > wait {
                Err(DbError::Busy(wait))
            } else {
                std::panic::catch_unwind(AssertUnwindSafe(|| {
                    span.in_scope(|| {
                        let conn = turn.connection()?;
                        // A synced write says so itself rather than trust that the write before set it back.
                        let mode =
                            if synced { SyncFull::with(()).execute(conn) } else { SyncNormal::with(()).execute(conn) };
                        mode.and_then(|_| f(conn)).map_err(DbError::Query)
                    })
                }))
                .unwrap_or_else(|panic| Err(DbError::Task(format!("a write panicked: {}", panic_text(&panic)))))
            };
            drop(place);
            // The caller may be gone (its client hung up): the write stands all the same.
            let _ = reply.send(result);
        });
        let Some(jobs) = &self.jobs else { return Err(DbError::Task("the writers' thread has ended".into())) };
        jobs.send(job).map_err(|_| DbError::Task("the writers' thread has ended".into()))?;
        answer.await.unwrap_or_else(|_| Err(DbError::Task("the writers' thread ended during a write".into())))
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // Closing the channel ends the thread once it has run what it was handed.
        self.jobs = None;
        if let Some(thread) = self.thread.take()
            && thread.thread().id() != std::thread::current().id()
        {
            let _ = thread.join();
        }
    }
}

/// What a panic said, when it said it as text.
fn panic_text(panic: &(dyn std::any::Any + Send)) -> &str {
    panic.downcast_ref::<&str>().copied().or_else(|| panic.downcast_ref::<String>().map(String::as_str)).unwrap_or("")
}
