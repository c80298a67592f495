//! SQLite's writers' line (see [`crate::db::Db::write`]): every write of this process runs on one thread that holds
//! the writers' connection, one after the other in the order they were handed to it.
//!
//! One connection does all the writing because SQLite drops a connection's cache of pages whenever another connection
//! has written: writes spread over the pooled connections would read again, under the write turn, every page they
//! touched. One thread runs them because a turn handed from thread to thread leaves the database idle while the next
//! thread wakes up and waits for a core, which on a busy machine is longer than a saved page takes to write; the
//! writers' thread takes the next write as soon as the last one has committed, and sleeps only when none is waiting.
//! A caller waits for its answer without holding a thread. Writes whose commits do not wait for the disk (a resident's
//! saved page) that are waiting together are stored in one transaction, each in a savepoint (see [`GROUPED_AT_MOST`]).
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

/// How many writes whose commits do not wait for the disk (a resident's saved page, code entry's counters) the
/// writers' thread stores in one transaction when it finds them waiting together, each in a savepoint of its own:
/// every one of them writes a page or two that the others write too (the survey's row, the counters of drafts per
/// section), and each commit writes every page it changed to the log, so a group writes those pages once. All the
/// writes handed over may be in one group.
const GROUPED_AT_MOST: usize = HANDED_OVER;

/// A write for the writers' thread. It runs on the connection it is given, alone or in a group, and leaves what
/// answers its caller once its transaction's fate is known.
struct Job {
    /// Whether its commit waits for the disk; only writes that do not are grouped.
    synced: bool,
    run: Box<dyn FnOnce(Run<'_>) -> Done + Send>,
}

/// Where a write runs.
enum Run<'a> {
    /// In a transaction of its own, on the writers' connection (opened again if the write before left it broken).
    Alone(&'a mut Turn),
    /// In a savepoint inside a group's transaction on this connection; its answer waits for the group's commit.
    Grouped(&'a mut DbConnection),
}

/// A write that has run: whether it panicked (a group with such a write is rolled back whole: the panic may have left
/// its savepoint open) and its answer, given the error that undid its group if one did ([`DbError::Undone`], 503: the
/// write was sound and may be sent again).
struct Done {
    panicked: bool,
    answer: Box<dyn FnOnce(Option<String>) + Send>,
}

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
            let mut next = None;
            while let Some(job) = next.take().or_else(|| queued.recv().ok()) {
                let mut group = vec![job];
                while !group[0].synced && group.len() < GROUPED_AT_MOST {
                    match queued.try_recv() {
                        Ok(job) if !job.synced => group.push(job),
                        Ok(job) => {
                            next = Some(job);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                // A job catches its write's panic itself; this only keeps the thread should anything else panic.
                let _ = std::panic::catch_unwind(AssertUnwindSafe(|| write_group(&mut turn, group)));
            }
        })?;
        Ok(Self { jobs: Some(jobs), thread: Some(thread) })
    }

    /// Whether the writers' thread still takes writes.
    pub(super) fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|thread| !thread.is_finished())
    }

    /// Runs the write transaction `f` on the writers' thread, inside the caller's tracing span, its commit synced to
    /// the disk or not (then perhaps in a group with others, see [`GROUPED_AT_MOST`]); `place` (the caller's place in
    /// the line) is given up the moment `f` has returned. Not started within `wait` of being handed over, it is
    /// [`DbError::Busy`]. A panic in `f` is the write's error ([`DbError::Task`]); a connection the panic left inside
    /// its transaction is opened anew for the next write.
    pub(super) async fn write<T, F, P>(&self, synced: bool, wait: Duration, place: P, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut DbConnection) -> QueryResult<T> + Send + 'static,
        T: Send + 'static,
        P: Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let span = tracing::Span::current();
        let handed_over = Instant::now();
        let run = move |run: Run<'_>| {
            let written = if handed_over.elapsed() > wait {
                Ok(Err(DbError::Busy(wait)))
            } else {
                std::panic::catch_unwind(AssertUnwindSafe(|| {
                    span.in_scope(|| match run {
                        Run::Alone(turn) => {
                            let conn = turn.connection()?;
                            // A synced write says so itself rather than trust that the write before set it back.
                            let mode = if synced {
                                SyncFull::with(()).execute(conn)
                            } else {
                                SyncNormal::with(()).execute(conn)
                            };
                            mode.and_then(|_| f(conn)).map_err(DbError::Query)
                        }
                        Run::Grouped(conn) => diesel::Connection::transaction(conn, f).map_err(DbError::Query),
                    })
                }))
            };
            drop(place);
            let panicked = written.is_err();
            let result =
                written.unwrap_or_else(|panic| Err(DbError::Task(format!("a write panicked: {}", panic_text(&panic)))));
            let answer = move |undone: Option<String>| {
                let result = match undone {
                    Some(error) if result.is_ok() => Err(DbError::Undone(error)),
                    _ => result,
                };
                // The caller may be gone (its client hung up): the write stands all the same.
                let _ = reply.send(result);
            };
            Done { panicked, answer: Box::new(answer) }
        };
        let job = Job { synced, run: Box::new(run) };
        let Some(jobs) = &self.jobs else { return Err(DbError::Task("the writers' thread has ended".into())) };
        jobs.send(job).map_err(|_| DbError::Task("the writers' thread has ended".into()))?;
        answer.await.unwrap_or_else(|_| Err(DbError::Task("the writers' thread ended during a write".into())))
    }
}

/// Runs `group`: one write alone, or several in one transaction, each in a savepoint (so a write that fails undoes
/// only its own changes), answered once the transaction has committed. If the transaction cannot begin, the writes
/// run each alone; if a write panics or the commit fails, the whole transaction is undone, every write in it is
/// answered [`DbError::Undone`] (the one that panicked with its own error), and the writes not run yet run each alone.
fn write_group(turn: &mut Turn, group: Vec<Job>) {
    use diesel::connection::TransactionManager;
    type Manager = <DbConnection as diesel::Connection>::TransactionManager;
    let mut jobs = group.into_iter();
    let begun = jobs.len() > 1
        && turn.connection().is_ok_and(|conn| {
            SyncNormal::with(()).execute(conn).and_then(|_| Manager::begin_transaction(conn)).is_ok()
        });
    let mut done = Vec::new();
    let mut undone = None;
    if begun {
        for job in jobs.by_ref() {
            let Some(conn) = turn.conn.as_mut() else { break };
            let ran = (job.run)(Run::Grouped(conn));
            let panicked = ran.panicked;
            done.push(ran.answer);
            if panicked {
                undone = Some("a write stored together with it panicked".to_owned());
                break;
            }
        }
        if undone.is_none()
            && let Some(conn) = turn.conn.as_mut()
            && let Err(error) = Manager::commit_transaction(conn)
        {
            undone = Some(format!("the writes stored together with it were not committed: {error}"));
        }
        if undone.is_some() {
            // Closing the connection rolls back what is left of its transaction; the next write opens it again.
            turn.conn = None;
        }
    }
    for answer in done {
        answer(undone.clone());
    }
    for job in jobs {
        ((job.run)(Run::Alone(turn)).answer)(None);
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
