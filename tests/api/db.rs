//! The database door itself: pool set-up, SQLite pragmas on every connection, TLS to PostgreSQL.

use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use trygghet::config::DatabaseUrl;
use trygghet::db::{Backend as DbBackend, Db, Forgotten, PoolSettings};
use trygghet::metrics::Metrics;

use crate::helpers::{Backend, TestDatabase, spawn_app_with};
use crate::on_both_backends;

fn open(url: &str, max_size: u32) -> Db {
    open_waiting(url, max_size, Duration::from_secs(5))
}

/// [`open`], with callers waiting at most `timeout` for a connection or in the writers' line.
fn open_waiting(url: &str, max_size: u32, timeout: Duration) -> Db {
    let url = DatabaseUrl::parse(url).expect("a test database URL");
    let settings = PoolSettings { max_size, timeout };
    let metrics = Metrics::new().unwrap();
    Db::open(&url, settings, metrics.db_errors()).expect("the test database opens").0
}

/// A fresh test database, migrated (a new SQLite file has no tables), for tests that put rows in by SQL afterwards.
async fn migrated(backend: Backend) -> Option<(TestDatabase, Db)> {
    let database = TestDatabase::create(backend)?;
    let url = database.url();
    let db = tokio::task::spawn_blocking(move || open(&url, 2)).await.unwrap();
    Some((database, db))
}

#[derive(QueryableByName, Debug, PartialEq)]
struct Pragmas {
    #[diesel(sql_type = Text)]
    journal_mode: String,
    #[diesel(sql_type = BigInt)]
    synchronous: i64,
    #[diesel(sql_type = BigInt)]
    foreign_keys: i64,
    #[diesel(sql_type = BigInt)]
    busy_timeout: i64,
}

async fn every_pooled_connection_is_set_up_alike(backend: Backend) {
    let Some(database) = TestDatabase::create(backend) else { return };
    let db = tokio::task::spawn_blocking({
        let url = database.url();
        move || open(&url, 4)
    })
    .await
    .unwrap();
    assert_eq!(db.backend(), if backend == Backend::Sqlite { DbBackend::Sqlite } else { DbBackend::Postgres });

    // Four calls meet at a barrier while each holds a connection, so all four pooled connections are inspected.
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
    let calls: Vec<_> = (0..4)
        .map(|_| {
            let db = db.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                db.run(move |conn| {
                    barrier.wait();
                    match conn {
                        trygghet::db::DbConnection::Sqlite(_) => diesel::sql_query(
                            "SELECT (SELECT journal_mode FROM pragma_journal_mode) AS journal_mode, \
                                (SELECT synchronous FROM pragma_synchronous) AS synchronous, \
                                (SELECT foreign_keys FROM pragma_foreign_keys) AS foreign_keys, \
                                (SELECT timeout FROM pragma_busy_timeout) AS busy_timeout",
                        )
                        .get_result::<Pragmas>(conn)
                        .map(Some),
                        trygghet::db::DbConnection::Postgres(_) => Ok(None),
                    }
                })
                .await
            })
        })
        .collect();
    for call in calls {
        let pragmas = call.await.unwrap().expect("the call succeeds");
        if backend == Backend::Sqlite {
            let expected = Pragmas { journal_mode: "wal".into(), synchronous: 2, foreign_keys: 1, busy_timeout: 5000 };
            assert_eq!(pragmas, Some(expected), "WAL, synchronous=FULL, foreign keys, busy timeout");
        }
    }
    let (in_use, idle, max) = db.pool_state();
    assert_eq!((in_use, max), (0, 4));
    assert_eq!(idle, 4, "all four connections were opened and returned");

    // Foreign keys hold on both backends: a municipality in an unknown county is refused.
    let result = db
        .run(|conn| {
            diesel::sql_query(
                "INSERT INTO municipalities (code, name, county_code, police_region) VALUES ('9901', 'X', '99', 'Y')",
            )
            .execute(conn)
        })
        .await;
    assert!(result.is_err(), "a dangling county code is refused");
}
on_both_backends!(every_pooled_connection_is_set_up_alike, super::every_pooled_connection_is_set_up_alike);

/// Both of a two-connection pool's connections taken by calls that wait until the returned guard is released.
struct Held {
    release: std::sync::Arc<std::sync::Barrier>,
    holders: Vec<tokio::task::JoinHandle<Result<(), trygghet::db::DbError>>>,
}

impl Held {
    /// Returns once both connections are taken.
    async fn both(db: &Db) -> Self {
        let (taken, release) =
            (std::sync::Arc::new(std::sync::Barrier::new(3)), std::sync::Arc::new(std::sync::Barrier::new(3)));
        let holders = (0..2)
            .map(|_| {
                let (db, taken, release) = (db.clone(), taken.clone(), release.clone());
                tokio::spawn(async move {
                    db.run(move |_| {
                        taken.wait();
                        release.wait();
                        Ok(())
                    })
                    .await
                })
            })
            .collect();
        tokio::task::spawn_blocking(move || taken.wait()).await.unwrap();
        Self { release, holders }
    }

    /// Gives both connections back.
    async fn release(self) {
        let release = self.release;
        tokio::task::spawn_blocking(move || release.wait()).await.unwrap();
        for holder in self.holders {
            holder.await.unwrap().expect("the holders finish");
        }
    }
}

/// A short read by key runs where it is called on SQLite while a connection is free (no hand-off to the blocking
/// pool), and off the caller's thread on PostgreSQL or when every connection is taken; it answers alike either way.
async fn a_short_read_runs_in_place_only_on_sqlite_with_a_free_connection(backend: Backend) {
    let Some((_database, db)) = migrated(backend).await else { return };
    let caller = std::thread::current().id();
    let (ran_on, counties) = db
        .run_short(|conn| {
            let counties: i64 = diesel::dsl::sql::<BigInt>("SELECT count(*) FROM counties").get_result(conn)?;
            Ok((std::thread::current().id(), counties))
        })
        .await
        .expect("the short read succeeds");
    assert_eq!(counties, 21, "Sweden's counties are read");
    assert_eq!(ran_on == caller, backend == Backend::Sqlite, "in place on SQLite only");

    // Both connections taken: the short read waits off the caller's thread for one to come back.
    let held = Held::both(&db).await;
    let waiting = async {
        let polled_on = std::thread::current().id();
        db.run_short(|_| Ok(std::thread::current().id())).await.map(|ran_on| (polled_on, ran_on))
    };
    tokio::pin!(waiting);
    // Polled first while both connections are taken, then again once they are back.
    let early = tokio::time::timeout(Duration::from_millis(100), &mut waiting).await;
    assert!(early.is_err(), "no connection is free yet");
    held.release().await;
    let (polled_on, ran_on) = waiting.await.expect("the waiting short read succeeds");
    assert_ne!(ran_on, polled_on, "a short read without a free connection does not block the thread polling it");
}
on_both_backends!(
    a_short_read_runs_in_place_only_on_sqlite_with_a_free_connection,
    super::a_short_read_runs_in_place_only_on_sqlite_with_a_free_connection
);

#[derive(QueryableByName, Debug)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// A write whose closure panics inside its transaction leaves nothing behind, and the writes after it go through (on
/// SQLite the writers' own connection is opened again); on SQLite writes never take a connection from the pool, so
/// they go on while readers hold every pooled one.
async fn writes_go_on_after_a_panic_and_beside_busy_readers(backend: Backend) {
    let Some((_database, db)) = migrated(backend).await else { return };
    let insert = "INSERT INTO counties (code, name) VALUES ('98', 'Provlän')";
    let panicked = db
        .write(move |conn| {
            conn.transaction::<(), diesel::result::Error, _>(|conn| {
                diesel::sql_query(insert).execute(conn)?;
                panic!("a bug inside a write");
            })
        })
        .await;
    assert!(matches!(panicked, Err(trygghet::db::DbError::Task(_))), "the panic is an error of the task");
    let count = "SELECT count(*) AS n FROM counties WHERE code IN ('98', '97')";
    let counted = db.run(move |conn| diesel::sql_query(count).get_result::<Count>(conn)).await.unwrap();
    assert_eq!(counted.n, 0, "the panicked write left nothing");

    // On SQLite, readers hold both pooled connections while the next write goes through.
    let held = if backend == Backend::Sqlite { Some(Held::both(&db).await) } else { None };
    let written = db
        .write(|conn| diesel::sql_query("INSERT INTO counties (code, name) VALUES ('97', 'Provlän')").execute(conn))
        .await;
    if let Some(held) = held {
        held.release().await;
    }
    assert_eq!(written.expect("the write after the panic goes through"), 1);
    let counted = db.run(move |conn| diesel::sql_query(count).get_result::<Count>(conn)).await.unwrap();
    assert_eq!(counted.n, 1, "the write after the panic is stored");
}
on_both_backends!(
    writes_go_on_after_a_panic_and_beside_busy_readers,
    super::writes_go_on_after_a_panic_and_beside_busy_readers
);

/// On SQLite every write runs on the writers' one thread, and none on the caller's thread or tokio's blocking pool: a
/// write turn handed from thread to thread leaves the database idle while the next thread wakes. The first writes,
/// handed over before any could wait in line, run in the order they came. On PostgreSQL writes run on the blocking
/// pool, each on a pooled connection.
async fn writes_run_on_the_thread_their_database_wants(backend: Backend) {
    let Some((_database, db)) = migrated(backend).await else { return };
    let ran = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    // More writes than are handed to the writers' thread at once, so that some wait in line first.
    let writes = (0..20).map(|n| {
        let ran = ran.clone();
        db.write(move |_| {
            ran.lock().unwrap().push((n, std::thread::current().name().unwrap_or_default().to_owned()));
            Ok(())
        })
    });
    for written in futures_util::future::join_all(writes).await {
        written.expect("every write goes through");
    }
    let ran = ran.lock().unwrap().clone();
    let threads: std::collections::BTreeSet<&str> = ran.iter().map(|(_, thread)| thread.as_str()).collect();
    let first: Vec<i32> = ran.iter().map(|(n, _)| *n).take(8).collect();
    assert_eq!(ran.len(), 20, "every write ran once");
    match backend {
        Backend::Sqlite => {
            assert_eq!(threads, ["sqlite-writer"].into(), "every SQLite write ran on the writers' thread");
            assert_eq!(first, (0..8).collect::<Vec<_>>(), "the writes handed over at once ran in the order they came");
        }
        Backend::Postgres => {
            assert!(!threads.contains("sqlite-writer"), "PostgreSQL's writes ran on the blocking pool: {threads:?}");
        }
    }
}
on_both_backends!(writes_run_on_the_thread_their_database_wants, super::writes_run_on_the_thread_their_database_wants);

/// Holds the database's write turn (on SQLite the writers' thread, on PostgreSQL the writers' half of the pool) until
/// the returned sender is used or dropped, once the holding write has started.
async fn hold_the_write_turn(db: &Db) -> (std::sync::mpsc::Sender<()>, tokio::task::JoinHandle<()>) {
    let (release, held) = std::sync::mpsc::channel::<()>();
    let held = std::sync::Arc::new(std::sync::Mutex::new(held));
    let (entered, mut holding) = tokio::sync::mpsc::unbounded_channel();
    let holder = {
        let db = db.clone();
        tokio::spawn(async move {
            // On a loaded machine the holding write itself may not start within a short pool timeout: it tries again,
            // a bounded number of times, so that a write that never starts fails the test rather than hanging it.
            for _ in 0..20 {
                let (entered, held) = (entered.clone(), held.clone());
                let written = db
                    .write(move |_| {
                        entered.send(()).unwrap();
                        held.lock().unwrap().recv_timeout(Duration::from_secs(10)).ok();
                        Ok(())
                    })
                    .await;
                if !matches!(written, Err(trygghet::db::DbError::Busy(_))) {
                    return written.expect("the first write ends once let go");
                }
            }
            panic!("the first write never started");
        })
    };
    holding.recv().await.expect("the first write holds the turn");
    (release, holder)
}

/// Whether `conn` is inside a transaction within a transaction: on SQLite the writers' thread stores the saved pages
/// (writes whose commits do not wait for the disk) that wait together in one transaction, each in a savepoint.
fn in_a_group(conn: &mut trygghet::db::DbConnection) -> bool {
    use diesel::connection::TransactionManager;
    type Manager = <trygghet::db::DbConnection as diesel::Connection>::TransactionManager;
    Manager::transaction_manager_status_mut(conn).transaction_depth().ok().flatten().is_some()
}

/// A write that does not wait for the disk: it inserts the county `code`, then ends as `ends` says, and answers whether
/// it ran inside a group.
async fn insert_unsynced(
    db: Db,
    code: String,
    ends: fn(&str) -> diesel::QueryResult<()>,
) -> Result<bool, trygghet::db::DbError> {
    db.write_unsynced(move |conn| {
        let grouped = in_a_group(conn);
        conn.transaction(|conn| {
            diesel::sql_query(format!("INSERT INTO counties (code, name) VALUES ('{code}', 'Provlän')"))
                .execute(conn)?;
            ends(&code).map(|()| grouped)
        })
    })
    .await
}

/// Runs `writes` while the write turn is held: they are handed over in their order (each takes its place when first
/// polled) and queue behind it, and half a second later it is let go.
async fn queued_behind_a_held_turn<F: std::future::Future>(db: &Db, writes: Vec<F>) -> Vec<F::Output> {
    let (release, holder) = hold_the_write_turn(db).await;
    let (written, ()) = tokio::join!(futures_util::future::join_all(writes), async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        release.send(()).unwrap();
    });
    holder.await.unwrap();
    written
}

/// Writes whose commits do not wait for the disk (a resident's saved page) that wait together are stored together on
/// SQLite, each in a savepoint: a write that fails undoes only its own rows, and each caller hears of its own write
/// once the group has committed. A write that panics undoes its whole group, whose other writes are told they were
/// undone (503, to be sent again; the writes behind it then run alone). On PostgreSQL every such write is a transaction of its own, with the same outcomes.
async fn saved_pages_waiting_together_are_stored_together_each_undone_alone(backend: Backend) {
    let Some((_database, db)) = migrated(backend).await else { return };
    let count = |codes: &'static str| {
        let db = db.clone();
        async move {
            let sql = format!("SELECT count(*) AS n FROM counties WHERE code IN ({codes})");
            db.run(move |conn| diesel::sql_query(sql).get_result::<Count>(conn)).await.unwrap().n
        }
    };
    // Six writes queue behind the held turn: the third and the sixth fail after writing their rows.
    let fails = |code: &str| match code {
        "82" | "85" => Err(diesel::result::Error::RollbackTransaction),
        _ => Ok(()),
    };
    let writes = (0..6).map(|n| insert_unsynced(db.clone(), format!("8{n}"), fails)).collect();
    let mut grouped = 0;
    for (n, written) in queued_behind_a_held_turn(&db, writes).await.into_iter().enumerate() {
        match written {
            Ok(in_group) if n % 3 != 2 => grouped += usize::from(in_group),
            Err(trygghet::db::DbError::Query(diesel::result::Error::RollbackTransaction)) if n % 3 == 2 => {}
            other => panic!("write {n} is answered with its own outcome: {other:?}"),
        }
    }
    assert_eq!(count("'80', '81', '83', '84'").await, 4, "the writes that succeeded are stored");
    assert_eq!(count("'82', '85'").await, 0, "the writes that failed left nothing");
    match backend {
        Backend::Sqlite => assert!(grouped >= 2, "writes waiting together were stored together: {grouped} of 4"),
        Backend::Postgres => assert_eq!(grouped, 0, "PostgreSQL stores each write alone"),
    }

    // A panic undoes its group: the write before it in the group is told so and stored by nobody.
    let panics = |code: &str| {
        assert!(code != "71", "a bug inside a write");
        Ok(())
    };
    let writes = (0..3).map(|n| insert_unsynced(db.clone(), format!("7{n}"), panics)).collect();
    let written = queued_behind_a_held_turn(&db, writes).await;
    assert!(matches!(written[1], Err(trygghet::db::DbError::Task(_))), "the panic is its write's error");
    assert!(matches!(written[2], Ok(false)), "the write after the panic runs alone: {:?}", written[2]);
    let first_grouped = match &written[0] {
        Ok(grouped) => {
            assert!(!grouped || backend == Backend::Postgres, "a group with a panic is not committed");
            assert_eq!(count("'70'").await, 1, "the write before the panic, stored alone, stands");
            false
        }
        Err(trygghet::db::DbError::Undone(_)) => {
            assert_eq!(count("'70'").await, 0, "the write grouped with the panic is undone, and told so");
            true
        }
        other => panic!("the write before the panic: {other:?}"),
    };
    assert_eq!(count("'71'").await, 0, "the panicked write left nothing");
    assert_eq!(count("'72'").await, 1, "the write after the panic is stored");
    if backend == Backend::Sqlite {
        assert!(first_grouped, "on SQLite the write before the panic was in its group");
    }
}
on_both_backends!(
    saved_pages_waiting_together_are_stored_together_each_undone_alone,
    super::saved_pages_waiting_together_are_stored_together_each_undone_alone
);

/// A write that cannot start within the pool's timeout is told the database is busy (503) and writes nothing, also
/// on SQLite once it was handed to the writers' thread: there it waits behind a write that holds the turn (as another
/// process holding SQLite's lock would), on PostgreSQL in the line for the half of the pool that may write.
async fn a_write_that_cannot_start_in_time_is_busy_and_writes_nothing(backend: Backend) {
    let Some(database) = TestDatabase::create(backend) else { return };
    let url = database.url();
    // Opening waits for the pool's first two connections within the same 300 ms; on a machine busy with the rest of
    // the suite PostgreSQL may take longer to accept them, which is not what this test is about: a few tries.
    let db = tokio::task::spawn_blocking(move || {
        let url = DatabaseUrl::parse(&url).expect("a test database URL");
        let metrics = Metrics::new().unwrap();
        let settings = || PoolSettings { max_size: 2, timeout: Duration::from_millis(300) };
        let mut opened = Db::open(&url, settings(), metrics.db_errors());
        for _ in 1..5 {
            if opened.is_ok() {
                break;
            }
            opened = Db::open(&url, settings(), metrics.db_errors());
        }
        // The last try's error, should all five fail.
        opened.expect("the test database opens within five tries").0
    })
    .await
    .unwrap();
    let (release, holder) = hold_the_write_turn(&db).await;
    let late = {
        let db = db.clone();
        let insert = "INSERT INTO counties (code, name) VALUES ('96', 'Provlän')";
        tokio::spawn(async move { db.write(move |conn| diesel::sql_query(insert).execute(conn)).await })
    };
    // Past the pool's timeout, the first write lets go; the late one has not started.
    tokio::time::sleep(Duration::from_millis(600)).await;
    release.send(()).unwrap();
    holder.await.unwrap();
    let late = tokio::time::timeout(Duration::from_secs(5), late).await.map(Result::unwrap);
    assert!(
        matches!(late, Ok(Err(trygghet::db::DbError::Busy(_)))),
        "the write that could not start is told busy: {late:?}"
    );
    let count = "SELECT count(*) AS n FROM counties WHERE code = '96'";
    let counted = db.run(move |conn| diesel::sql_query(count).get_result::<Count>(conn)).await.unwrap();
    assert_eq!(counted.n, 0, "and it wrote nothing");
}
on_both_backends!(
    a_write_that_cannot_start_in_time_is_busy_and_writes_nothing,
    super::a_write_that_cannot_start_in_time_is_busy_and_writes_nothing
);

/// Writers never take every connection from the readers. Two writes are held inside their transactions (on SQLite
/// one holds the writers' own connection and the other waits in line; on PostgreSQL, where writers of a survey may wait
/// long on its row lock, one holds a pooled connection and the other waits in line holding none, as at most half the
/// pool writes at once), and meanwhile a read gets a connection of the two-connection pool. The first write's caller
/// gives up before the second comes (a client gone): its write goes on, and keeps its place in line until it ends.
async fn writers_never_take_every_connection_from_readers(backend: Backend) {
    let Some((_database, db)) = migrated(backend).await else { return };
    let open = std::sync::Arc::new((std::sync::Mutex::new(false), std::sync::Condvar::new()));
    let (entered, writes_entered) = std::sync::mpsc::channel();
    let write = || {
        let (db, open, entered) = (db.clone(), open.clone(), entered.clone());
        tokio::spawn(async move {
            db.write(move |_| {
                entered.send(()).unwrap();
                let (lock, opened) = &*open;
                let guard = lock.lock().unwrap();
                drop(opened.wait_while(guard, |open| !*open).unwrap());
                Ok(())
            })
            .await
        })
    };
    let given_up = write();
    let writes_entered = tokio::task::spawn_blocking(move || {
        writes_entered.recv().unwrap();
        writes_entered
    })
    .await
    .unwrap();
    given_up.abort();
    assert!(given_up.await.unwrap_err().is_cancelled(), "the first write's caller gave up");
    let second = write();
    // The second write has long reached its place in line (or, without one, a connection) by the time this reads.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let second_entered_early = writes_entered.try_recv().is_ok();
    let read = db.run(|conn| diesel::sql_query("SELECT CAST(7 AS BIGINT) AS n").get_result::<Count>(conn)).await;
    let read = read.map(|count| count.n);
    // Let go before asserting: a failed assertion must not leave the writes blocked and the test hanging.
    {
        let (lock, opened) = &*open;
        *lock.lock().unwrap() = true;
        opened.notify_all();
    }
    second.await.unwrap().expect("the second write goes through once let go");
    assert!(!second_entered_early, "the second write waited for the first");
    assert_eq!(read.expect("a reader gets a connection while two writes are in progress"), 7);
    assert!(writes_entered.try_recv().is_ok(), "the second write ran after the first");
}
on_both_backends!(
    writers_never_take_every_connection_from_readers,
    super::writers_never_take_every_connection_from_readers
);

/// How the connection `conn` commits now: SQLite's `synchronous` (2 FULL, 1 NORMAL) or PostgreSQL's
/// `synchronous_commit`.
fn commit_setting(conn: &mut trygghet::db::DbConnection) -> QueryResult<String> {
    let sql = match conn {
        trygghet::db::DbConnection::Sqlite(_) => "SELECT CAST(synchronous AS TEXT) AS text FROM pragma_synchronous",
        trygghet::db::DbConnection::Postgres(_) => "SELECT current_setting('synchronous_commit') AS text",
    };
    diesel::sql_query(sql).get_result::<StoredText>(conn).map(|row| row.text)
}

/// A saved page's write commits without waiting for the disk (SQLite's NORMAL, PostgreSQL's `synchronous_commit =
/// off` for its transaction alone), and every write after it on the same connection waits for the disk again.
async fn only_an_unsynced_write_commits_without_waiting_for_the_disk(backend: Backend) {
    let Some(database) = TestDatabase::create(backend) else { return };
    // One connection, so every call below meets the one the unsynced write used (on SQLite, its one writer).
    let db = tokio::task::spawn_blocking({
        let url = database.url();
        move || open(&url, 1)
    })
    .await
    .unwrap();
    // SQLite's FULL is this service's own setting; PostgreSQL's is the server's (`on` unless its owner chose otherwise).
    let synced = if backend == Backend::Sqlite { "2".to_owned() } else { db.run(commit_setting).await.unwrap() };
    let unsynced = if backend == Backend::Sqlite { "1" } else { "off" };
    let inside = db
        .write_unsynced(|conn| trygghet::db::unsynced_transaction(conn, commit_setting))
        .await
        .expect("the unsynced write");
    assert_eq!(inside, unsynced, "the saved page's commit does not wait for the disk");
    // A transaction that fails leaves nothing behind, and the connection ready for the next.
    let failed = db
        .write_unsynced(|conn| {
            trygghet::db::unsynced_transaction(conn, |conn| {
                diesel::sql_query("CREATE TABLE undone (n INTEGER)").execute(conn)?;
                // A transaction within it is a savepoint, as in any transaction.
                let inner: QueryResult<()> = conn.transaction(|conn| {
                    diesel::sql_query("INSERT INTO undone VALUES (1)").execute(conn)?;
                    Err(diesel::result::Error::RollbackTransaction)
                });
                assert!(inner.is_err());
                diesel::sql_query("SELECT n FROM no_such_table").execute(conn)
            })
        })
        .await;
    assert!(failed.is_err(), "the failing statement's error comes back");
    let left = db.run(|conn| diesel::sql_query("SELECT n FROM undone").execute(conn)).await;
    assert!(left.is_err(), "the table made inside the failed transaction was rolled back");
    let after = db.write(|conn| conn.transaction(commit_setting)).await.expect("a write after it");
    assert_eq!(after, synced, "the next write, a submission say, waits for the disk");
    if backend == Backend::Postgres {
        let read = db.run(commit_setting).await.expect("a read after it");
        assert_eq!(read, synced, "the setting ended with the unsynced write's transaction");
    }
}
on_both_backends!(
    only_an_unsynced_write_commits_without_waiting_for_the_disk,
    super::only_an_unsynced_write_commits_without_waiting_for_the_disk
);

/// Clearing the rows' earlier versions says whether all went. On SQLite the log cannot be truncated while a reader
/// still reads it, and the truncating checkpoint, which must not wait for readers, says so rather than pass for done
/// (SQLite answers it in the pragma's row, not with an error); once the reader has ended the log is emptied, the file
/// truncated. PostgreSQL's VACUUM leaves what a reader still sees and is done. The writers' connection keeps what a
/// savepoint must undo in memory, not in a temporary file.
async fn earlier_versions_are_cleared_once_no_reader_reads_them(backend: Backend) {
    let Some((database, db)) = migrated(backend).await else { return };
    let insert = "INSERT INTO counties (code, name) VALUES ('98', 'Provlän')";
    db.write(move |conn| diesel::sql_query(insert).execute(conn)).await.expect("a write into the log");
    let reader = match backend {
        Backend::Sqlite => {
            let kept_in = db
                .write(|conn| {
                    diesel::sql_query("SELECT CAST(temp_store AS TEXT) AS text FROM pragma_temp_store")
                        .get_result::<StoredText>(conn)
                })
                .await
                .expect("the writers' setting");
            assert_eq!(kept_in.text, "2", "a savepoint's pages are kept in memory on the writers' connection");
            let path = database.url().trim_start_matches("sqlite://").to_owned();
            let mut reader = diesel::SqliteConnection::establish(&path).expect("a reader's own connection");
            diesel::connection::SimpleConnection::batch_execute(&mut reader, "BEGIN; SELECT count(*) FROM counties;")
                .expect("a read left open");
            let open = diesel::sql_query("SELECT count(*) AS n FROM counties WHERE code = '98'")
                .get_result::<Count>(&mut reader);
            assert_eq!(open.expect("the reader reads").n, 1);
            Some(reader)
        }
        Backend::Postgres => None,
    };
    let expected = if backend == Backend::Sqlite { Forgotten::NotYet } else { Forgotten::All };
    assert_eq!(db.forget_earlier_versions().await, expected, "not cleared while a reader reads the log");
    if let Some(mut reader) = reader {
        diesel::connection::SimpleConnection::batch_execute(&mut reader, "COMMIT").expect("the read ends");
    }
    assert_eq!(db.forget_earlier_versions().await, Forgotten::All, "cleared once no reader reads it");
    if backend == Backend::Sqlite {
        let log = format!("{}-wal", database.url().trim_start_matches("sqlite://"));
        let size = std::fs::metadata(&log).expect("the log file stays, empty").len();
        assert_eq!(size, 0, "the log is truncated");
    }
}
on_both_backends!(
    earlier_versions_are_cleared_once_no_reader_reads_them,
    super::earlier_versions_are_cleared_once_no_reader_reads_them
);

#[derive(QueryableByName)]
struct StoredText {
    #[diesel(sql_type = Text)]
    text: String,
}

/// The stored text of every row `sql` selects as `text`.
async fn stored_texts(db: &Db, sql: &'static str) -> Vec<String> {
    let rows = db.run(move |conn| diesel::sql_query(sql).load::<StoredText>(conn)).await.expect("the rows read");
    rows.into_iter().map(|row| row.text).collect()
}

/// States are stored as the text they always were: rows written with plain SQL text read back as the enums, and the
/// enums written through the models (inserts, updates, filters, upserts on each backend's own connection) are that
/// same text.
async fn stored_states_are_read_and_written_as_their_text(backend: Backend) {
    use trygghet::db::models::response::{Response, StoredResponse};
    use trygghet::db::models::survey::{Invitation, Survey, SurveyChanges, SurveyMunicipality};
    use trygghet::db::models::tally::CompletionTally;
    use trygghet::db::models::user::UserChanges;
    use trygghet::db::queries::{invitations, responses, surveys, tallies, users};
    use trygghet::domain::dispositions::Disposition;
    use trygghet::domain::role::Role;
    use trygghet::domain::survey::Mode;
    use trygghet::domain::survey::{Access, SurveyState};

    let Some((database, db)) = migrated(backend).await else { return };
    database.execute(
        "INSERT INTO users (id, email, display_name, password_hash, role, created_at) VALUES \
             ('u-admin', 'admin@polisen.se', 'A', 'x', 'admin', '2026-08-01 08:00:00'), \
             ('u-coordinator', 'samordnare@polisen.se', 'S', 'x', 'coordinator', '2026-08-01 08:00:00'), \
             ('u-viewer', 'lasare@polisen.se', 'L', 'x', 'viewer', '2026-08-01 08:00:00'); \
         INSERT INTO surveys (id, title, instrument_key, instrument_version, state, access, opens_on, closes_on, \
             created_at) VALUES \
             ('s-closed', 'C', 'k', 'v', 'closed', 'codes', '2025-09-01', '2025-10-31', '2025-08-01 08:00:00'), \
             ('s-draft', 'D', 'k', 'v', 'draft', 'open_link', '2027-09-01', '2027-10-31', '2026-08-01 08:00:00'), \
             ('s-open', 'O', 'k', 'v', 'open', 'codes', '2026-09-01', '2026-10-31', '2026-08-01 08:00:00'); \
         INSERT INTO survey_municipalities (survey_id, municipality_code, sample_size) VALUES ('s-open', '1783', 300); \
         INSERT INTO invitations (id, survey_id, municipality_code, letter_serial, code_hash, disposition) VALUES \
             ('i1', 's-open', '1783', 1, 'h1', 'completed'), \
             ('i2', 's-open', '1783', 2, 'h2', 'not_returned'), \
             ('i3', 's-open', '1783', 3, 'h3', 'started'), \
             ('i4', 's-open', '1783', 4, 'h4', 'moved_away'); \
         INSERT INTO disposition_tallies (survey_id, municipality_code, disposition, letters) VALUES \
             ('s-open', '1783', 'completed', 1), ('s-open', '1783', 'not_returned', 1), \
             ('s-open', '1783', 'started', 1), ('s-open', '1783', 'moved_away', 1); \
         INSERT INTO responses (id, survey_id, municipality_code, mode, submitted_on, instrument_version, language) \
             VALUES ('r1', 's-open', '1783', 'paper', '2026-09-02', 'v', 'sv'), \
             ('r2', 's-open', '1783', 'web', '2026-09-02', 'v', 'sv'); \
         INSERT INTO completion_tallies (survey_id, municipality_code, day, mode, submitted) VALUES \
             ('s-open', '1783', '2026-09-02', 'paper', 1), ('s-open', '1783', '2026-09-02', 'web', 1);",
    );

    // Read through the typed models.
    let (roles, mut states, letters, mut modes, counters) = db
        .run(|conn| {
            let roles: Vec<(String, Role)> = users::list(conn)?.into_iter().map(|user| (user.id, user.role)).collect();
            let states: Vec<(String, SurveyState, Access)> =
                surveys::list(conn)?.into_iter().map(|survey| (survey.id, survey.state, survey.access)).collect();
            let mut letters = Vec::new();
            for serial in 1..=4 {
                letters.push(invitations::by_serial(conn, "s-open", "1783", serial)?.map(|letter| letter.disposition));
            }
            let modes: Vec<(String, Mode)> = responses::of_survey(conn, "s-open")?
                .into_iter()
                .map(|response| (response.id, response.mode))
                .collect();
            Ok((roles, states, letters, modes, tallies::of_survey(conn, "s-open")?))
        })
        .await
        .expect("rows stored as text read as enums");
    assert_eq!(
        roles,
        [
            ("u-admin".to_owned(), Role::Admin),
            ("u-viewer".to_owned(), Role::Viewer),
            ("u-coordinator".to_owned(), Role::Coordinator)
        ]
    );
    states.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        states,
        [
            ("s-closed".to_owned(), SurveyState::Closed, Access::Codes),
            ("s-draft".to_owned(), SurveyState::Draft, Access::OpenLink),
            ("s-open".to_owned(), SurveyState::Open, Access::Codes),
        ]
    );
    use Disposition as D;
    assert_eq!(letters, [Some(D::Completed), Some(D::NotReturned), Some(D::Started), Some(D::MovedAway)]);
    modes.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(modes, [("r1".to_owned(), Mode::Paper), ("r2".to_owned(), Mode::Web)]);
    let mut counted: Vec<(Disposition, i32)> =
        counters.dispositions.iter().map(|t| (t.disposition, t.letters)).collect();
    counted.sort_by_key(|(disposition, _)| disposition.as_str());
    assert_eq!(counted, [(D::Completed, 1), (D::MovedAway, 1), (D::NotReturned, 1), (D::Started, 1)]);
    let by_mode: Vec<(Mode, i32)> = counters.completions.iter().map(|t| (t.mode, t.submitted)).collect();
    assert_eq!(by_mode, [(Mode::Paper, 1), (Mode::Web, 1)], "ordered by the stored text");

    // Written through the typed models.
    let pending = db
        .run(|conn| {
            let day = "2026-09-03".parse().unwrap();
            users::update(conn, "u-viewer", &UserChanges { role: Some(Role::Coordinator), ..UserChanges::default() })?;
            surveys::update(conn, "s-draft", &SurveyChanges { state: Some(SurveyState::Open), ..Default::default() })?;
            let typed = Survey {
                id: "s-typed".to_owned(),
                state: SurveyState::Closed,
                access: Access::OpenLink,
                ..surveys::find(conn, "s-open")?
            };
            let part = SurveyMunicipality {
                survey_id: typed.id.clone(),
                municipality_code: "1783".to_owned(),
                sample_size: 0,
                target_percent: None,
            };
            surveys::insert(conn, &typed, &[part])?;
            assert_eq!(invitations::set_disposition(conn, "s-open", "1783", 2, D::Refused)?, 1);
            let letter = Invitation {
                id: "i5".to_owned(),
                survey_id: "s-open".to_owned(),
                municipality_code: "1783".to_owned(),
                letter_serial: 5,
                code_hash: "h5".to_owned(),
                disposition: D::NotReturned,
            };
            invitations::insert_many(conn, &[letter])?;
            let response = Response {
                id: "r3".to_owned(),
                survey_id: "s-open".to_owned(),
                municipality_code: "1783".to_owned(),
                mode: Mode::Web,
                submitted_on: day,
                instrument_version: "v".to_owned(),
                language: "sv".to_owned(),
                settled: false,
            };
            responses::insert(conn, &StoredResponse::new(response, &[]))?;
            let tally = CompletionTally {
                survey_id: "s-open".to_owned(),
                municipality_code: "1783".to_owned(),
                day: "2026-09-02".parse().unwrap(),
                mode: Mode::Paper,
                submitted: 1,
                partial: 0,
                break_off: 0,
                without_letter: 0,
            };
            tallies::add_completion(conn, &tally)?;
            invitations::serials_in(conn, "s-open", "1783", &[D::NotReturned, D::Started])
        })
        .await
        .expect("enums written through the models");
    assert_eq!(pending, [3, 5], "a filter on several dispositions binds their text");

    assert_eq!(
        stored_texts(&db, "SELECT role AS text FROM users ORDER BY id").await,
        ["admin", "coordinator", "coordinator"]
    );
    assert_eq!(
        stored_texts(&db, "SELECT state || ' ' || access AS text FROM surveys ORDER BY id").await,
        ["closed codes", "open open_link", "open codes", "closed open_link"]
    );
    assert_eq!(
        stored_texts(&db, "SELECT disposition AS text FROM invitations ORDER BY letter_serial").await,
        ["completed", "refused", "started", "moved_away", "not_returned"]
    );
    assert_eq!(
        stored_texts(
            &db,
            "SELECT disposition || ' ' || CAST(letters AS TEXT) AS text FROM disposition_tallies \
             WHERE survey_id = 's-open' ORDER BY disposition"
        )
        .await,
        ["completed 1", "moved_away 1", "not_returned 1", "refused 1", "started 1"]
    );
    assert_eq!(stored_texts(&db, "SELECT mode AS text FROM responses ORDER BY id").await, ["paper", "web", "web"]);
    assert_eq!(
        stored_texts(
            &db,
            "SELECT mode || ' ' || CAST(submitted AS TEXT) AS text FROM completion_tallies ORDER BY mode"
        )
        .await,
        ["paper 2", "web 1"]
    );
}
on_both_backends!(
    stored_states_are_read_and_written_as_their_text,
    super::stored_states_are_read_and_written_as_their_text
);

/// A stored text that no enum value has (a hand-edited row, a newer version's value) is a deserialisation error
/// naming the column and the value: the caller gets an internal error, nothing panics.
async fn an_unknown_stored_state_is_an_error_not_a_panic(backend: Backend) {
    use trygghet::db::DbError;
    use trygghet::db::queries::{invitations, tallies};
    use trygghet::domain::role::Role;
    use trygghet::error::AppError;

    let Some((database, db)) = migrated(backend).await else { return };
    // Dispositions have no CHECK constraint, so a row can hold any text.
    database.execute(
        "INSERT INTO surveys (id, title, instrument_key, instrument_version, state, access, opens_on, closes_on, \
             created_at) VALUES ('s', 'O', 'k', 'v', 'open', 'codes', '2026-09-01', '2026-10-31', '2026-08-01 08:00:00'); \
         INSERT INTO survey_municipalities (survey_id, municipality_code, sample_size) VALUES ('s', '1783', 300); \
         INSERT INTO invitations (id, survey_id, municipality_code, letter_serial, code_hash, disposition) VALUES \
             ('i1', 's', '1783', 1, 'h1', 'lost'); \
         INSERT INTO disposition_tallies (survey_id, municipality_code, disposition, letters) VALUES \
             ('s', '1783', 'Completed', 1);",
    );

    let unknown = |error: &DbError| {
        let mut messages = vec![error.to_string()];
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            messages.push(cause.to_string());
            source = cause.source();
        }
        messages
    };
    let letter = db.run(|conn| invitations::by_serial(conn, "s", "1783", 1)).await.expect_err("an unknown disposition");
    assert!(matches!(letter, DbError::Query(diesel::result::Error::DeserializationError(_))), "{letter:?}");
    assert_eq!(unknown(&letter), ["Error deserializing field 'disposition'", "unknown stored disposition \"lost\""]);
    assert!(matches!(AppError::from(letter), AppError::Internal(_)), "a 500, as any broken row");

    let counters = db.run(|conn| tallies::of_survey(conn, "s")).await.err().expect("an unknown counter disposition");
    assert_eq!(unknown(&counters)[1], "unknown stored disposition \"Completed\"", "stored values are read exactly");

    // Other columns' CHECK constraints keep unknown values out; read as a value, one fails the same way.
    let role = db
        .run(|conn| diesel::select(diesel::dsl::sql::<Text>("CAST('root' AS TEXT)")).get_result::<Role>(conn))
        .await
        .expect_err("an unknown role");
    assert!(matches!(role, DbError::Query(diesel::result::Error::DeserializationError(_))), "{role:?}");
    assert!(unknown(&role).contains(&"unknown stored role \"root\"".to_owned()), "{:?}", unknown(&role));

    let still_there = db.run(|conn| invitations::last_serial(conn, "s", "1783")).await.expect("the pool still serves");
    assert_eq!(still_there, 1);
}
on_both_backends!(
    an_unknown_stored_state_is_an_error_not_a_panic,
    super::an_unknown_stored_state_is_an_error_not_a_panic
);

/// The municipality days of an action's events: the municipality named in each event's detail and the Swedish day it
/// happened on, oldest first; events of other actions or targets, and events whose detail names no municipality, are
/// not among them.
async fn audit_events_give_their_municipality_and_swedish_day(backend: Backend) {
    use trygghet::db::queries::audit;

    let Some((database, db)) = migrated(backend).await else { return };
    database.execute(
        "INSERT INTO audit_events (id, occurred_at, action, target, detail) VALUES \
             ('e1', '2026-11-20 23:30:00', 'listed', 's', '{\"municipality\": \"1783\", \"letters\": 4}'), \
             ('e2', '2026-11-20 08:00:00', 'listed', 's', '{\"municipality\": \"1762\", \"letters\": 2}'), \
             ('e3', '2026-11-22 08:00:00', 'listed', 's', '{\"letters\": 2}'), \
             ('e4', '2026-11-22 09:00:00', 'listed', 's', 'not json'), \
             ('e5', '2026-11-22 10:00:00', 'listed', 't', '{\"municipality\": \"1783\"}'), \
             ('e6', '2026-11-22 11:00:00', 'other', 's', '{\"municipality\": \"1783\"}');",
    );
    let days = db.run(|conn| audit::municipality_days(conn, "listed", "s")).await.expect("the events read");
    let day = |text: &str| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
    assert_eq!(
        days,
        [(day("2026-11-20"), "1762".to_owned()), (day("2026-11-21"), "1783".to_owned())],
        "23:30 UTC in November is already the next day in Sweden"
    );
}
on_both_backends!(
    audit_events_give_their_municipality_and_swedish_day,
    super::audit_events_give_their_municipality_and_swedish_day
);

/// The reads written as SQL column by column (`fixed_statement!`: a code's look-up on every page a resident opens or
/// saves, a saved page's draft, a paper form's letter and survey, a submission's fresh responses) put each column in
/// its own field, as diesel's own reads of the same rows do: a column read in another's place of the same type would
/// compile and mostly pass unseen.
async fn a_letter_is_looked_up_with_every_column_in_its_place(backend: Backend) {
    use trygghet::db::models::response::{Draft, StoredResponse};
    use trygghet::db::models::survey::{Invitation, SurveyMunicipality};
    use trygghet::db::queries::{drafts, invitations, responses, surveys};
    use trygghet::db::schema;

    let Some((database, db)) = migrated(backend).await else { return };
    // Every column a value of its own, so that two columns of one type read in each other's place show.
    database.execute(
        "INSERT INTO users (id, email, display_name, password_hash, role, created_at) VALUES \
             ('u1', 'samordnare@polisen.se', 'S', 'x', 'coordinator', '2026-08-01 08:00:00'); \
         INSERT INTO surveys (id, title, instrument_key, instrument_version, state, access, opens_on, closes_on, \
             created_by, created_at, copied_from, revision, min_base, min_cell, sender, contact, languages) VALUES \
             ('s-old', 'Förra', 'k0', 'v0', 'closed', 'codes', '2025-09-01', '2025-10-31', NULL, \
              '2025-08-01 08:00:00', NULL, 0, 30, 3, NULL, NULL, 'sv'), \
             ('s1', 'Trygghetsmätning', 'key', 'version', 'open', 'codes', '2026-09-01', '2026-10-31', 'u1', \
              '2026-08-02 09:10:11', 's-old', 7, 25, 4, 'Polisen', '{\"phone\": \"114 14\"}', 'sv,en'); \
         INSERT INTO survey_municipalities (survey_id, municipality_code, sample_size, target_percent) VALUES \
             ('s1', '1783', 300, NULL), ('s1', '1762', 250, 55.5); \
         INSERT INTO invitations (id, survey_id, municipality_code, letter_serial, code_hash, disposition, \
             draft_section) VALUES ('i1', 's1', '1783', 12, 'h1', 'started', 3), \
             ('i2', 's1', '1783', 13, 'h2', 'not_returned', NULL); \
         INSERT INTO drafts (key_hash, survey_id, municipality_code, reached_section, updated_on, sealed) VALUES \
             ('k1', 's1', '1783', 3, '2026-09-03', 'sealed contents'); \
         INSERT INTO responses (id, survey_id, municipality_code, mode, submitted_on, instrument_version, language, \
             settled, answers) VALUES \
             ('r1', 's1', '1762', 'paper', '2026-09-04', 'v-fresh', 'en', FALSE, '[{\"i\": \"q1\"}]'), \
             ('r2', 's1', '1783', 'web', '2026-09-05', 'v-settled', 'sv', TRUE, '[]'); \
         INSERT INTO comment_reviews (response_id, item_id, survey_id, shown_text, reviewed_at) VALUES \
             ('r1', 'q9', 's1', 'visad', '2026-09-06 10:00:00'), ('r2', 'q9', 's1', 'visad', '2026-09-06 10:00:00'); \
         INSERT INTO submissions (submission_id, survey_id, submitted_on) VALUES ('sub1', 's1', '2026-09-04');",
    );
    let (found, without, unknown) = db
        .run(|conn| {
            Ok((
                invitations::with_survey_and_draft(conn, "h1", "k1")?,
                invitations::with_survey_and_draft(conn, "h2", "k2")?,
                invitations::with_survey_and_draft(conn, "h3", "k1")?,
            ))
        })
        .await
        .expect("the letter is looked up");
    // diesel's own reads of the same rows.
    let (letter, survey, draft, parts, fresh) = db
        .run(|conn| {
            Ok((
                schema::invitations::table.find("i1").select(Invitation::as_select()).first(conn)?,
                surveys::find(conn, "s1")?,
                schema::drafts::table.find("k1").select(Draft::as_select()).first(conn)?,
                schema::survey_municipalities::table
                    .filter(schema::survey_municipalities::survey_id.eq("s1"))
                    .order(schema::survey_municipalities::municipality_code)
                    .select(SurveyMunicipality::as_select())
                    .load::<SurveyMunicipality>(conn)?,
                schema::responses::table
                    .filter(schema::responses::settled.eq(false))
                    .select(StoredResponse::as_select())
                    .load::<StoredResponse>(conn)?,
            ))
        })
        .await
        .expect("diesel reads the rows");
    let (found_letter, found_survey, name, found_draft) = found.expect("the letter is found");
    assert_eq!(format!("{found_letter:?}"), format!("{letter:?}"));
    assert_eq!(format!("{found_survey:?}"), format!("{survey:?}"));
    assert_eq!(format!("{found_draft:?}"), format!("{:?}", Some(&draft)));
    assert_eq!(name, "Hagfors");
    assert_eq!((found_survey.revision, found_survey.min_base, found_survey.min_cell), (7, 25, 4));
    let (letter_13, _, _, no_draft) = without.expect("the letter without a draft is found");
    assert_eq!((letter_13.letter_serial, no_draft.is_none()), (13, true));
    assert!(unknown.is_none(), "no letter has the code");

    let (by_serial, by_code, draft_by_key, with_parts, unsettled, sections, seen, reviewed) = db
        .run(|conn| {
            Ok((
                invitations::by_serial(conn, "s1", "1783", 12)?,
                invitations::by_code_hash(conn, "h1")?,
                drafts::get(conn, "k1")?,
                surveys::with_parts(conn, "s1")?,
                responses::unsettled(conn, "s1")?,
                (invitations::draft_section(conn, "i1")?, invitations::draft_section(conn, "i2")?),
                (responses::submission_seen(conn, "sub1")?, responses::submission_seen(conn, "sub2")?),
                responses::reviewed_unsettled(conn, "s1")?,
            ))
        })
        .await
        .expect("the fixed reads run");
    assert_eq!(format!("{by_serial:?}"), format!("{:?}", Some(&letter)));
    assert_eq!(format!("{by_code:?}"), format!("{:?}", Some(&letter)));
    assert_eq!(format!("{draft_by_key:?}"), format!("{:?}", Some(&draft)));
    let (parts_survey, named_parts) = with_parts;
    assert_eq!(format!("{parts_survey:?}"), format!("{survey:?}"));
    let (read_parts, names): (Vec<SurveyMunicipality>, Vec<String>) = named_parts.into_iter().unzip();
    assert_eq!(format!("{read_parts:?}"), format!("{parts:?}"));
    assert_eq!(names, ["Munkfors", "Hagfors"], "by municipality code: 1762 before 1783");
    assert_eq!(format!("{unsettled:?}"), format!("{fresh:?}"));
    assert_eq!(unsettled.len(), 1, "the settled response is not among the fresh");
    assert_eq!(sections, (Some(3), None));
    assert_eq!(seen, (true, false));
    assert_eq!(reviewed, std::collections::HashSet::from(["r1".to_owned()]), "only the fresh response's review");

    // Written back and deleted many at a time (a submission's settling on SQLite), every column in its place.
    let copies: Vec<StoredResponse> = ["r3", "r4", "r5"]
        .into_iter()
        .enumerate()
        .map(|(n, id)| {
            let mut copy = fresh[0].clone();
            copy.response.id = id.to_owned();
            copy.response.settled = n == 1;
            copy.response.language = format!("lang-{n}");
            copy.answers = format!("[{n}]");
            copy
        })
        .collect();
    let written = copies.clone();
    let (read_back, left) = db
        .run(move |conn| {
            responses::insert_many(conn, &written)?;
            let ids = ["r3", "r4", "r5"];
            let read_back = schema::responses::table
                .filter(schema::responses::id.eq_any(ids))
                .order(schema::responses::id)
                .select(StoredResponse::as_select())
                .load::<StoredResponse>(conn)?;
            responses::delete_many(conn, &["r3".to_owned(), "r4".to_owned()])?;
            let left = schema::responses::table
                .filter(schema::responses::id.eq_any(ids))
                .select(schema::responses::id)
                .load::<String>(conn)?;
            Ok((read_back, left))
        })
        .await
        .expect("responses are written back and deleted");
    assert_eq!(format!("{read_back:?}"), format!("{copies:?}"));
    assert_eq!(left, ["r5"]);
}
on_both_backends!(
    a_letter_is_looked_up_with_every_column_in_its_place,
    super::a_letter_is_looked_up_with_every_column_in_its_place
);

/// A pooled connection is not asked whether it is alive on every checkout (a round trip on PostgreSQL), so one the
/// server ended fails its next statement (when it comes within `CHECK_AFTER` of the connection last found alive); from
/// then on every connection is asked before it is handed out, and the caller is told the database is unavailable
/// rather than given another dead connection; once the server is back, new connections serve.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connections_ended_by_the_server_are_replaced() {
    let Some(database) = TestDatabase::create(Backend::Postgres) else { return };
    let url = DatabaseUrl::parse(&database.url()).unwrap();
    // One connection, so the one found alive just before the server ends it is the one handed out next.
    let settings = PoolSettings { max_size: 1, timeout: Duration::from_millis(500) };
    let metrics = Metrics::new().unwrap();
    let db =
        tokio::task::spawn_blocking(move || Db::open(&url, settings, metrics.db_errors()).unwrap().0).await.unwrap();
    let one = |db: &Db| {
        let db = db.clone();
        async move { db.run(|conn| diesel::sql_query("SELECT CAST(1 AS BIGINT) AS n").get_result::<Count>(conn)).await }
    };
    // A statement that fails has the connection asked at its next checkout: found alive just now, it is not asked
    // again within the next second, whatever the pool's opening took.
    let failed = db.run(|conn| diesel::sql_query("SELECT n FROM no_such_table").get_result::<Count>(conn)).await;
    assert!(matches!(failed, Err(trygghet::db::DbError::Query(_))), "{failed:?}");
    let asked_at = std::time::Instant::now();
    assert_eq!(one(&db).await.expect("the database answers").n, 1);
    let cut = database.cut_off();
    let first = one(&db).await;
    if asked_at.elapsed() < trygghet::db::connection::CHECK_AFTER {
        assert!(matches!(first, Err(trygghet::db::DbError::Query(_))), "met a connection the server ended: {first:?}");
    } else {
        // Cutting the server off took longer than a connection is trusted unasked (a loaded machine): the connection
        // may have been asked first and found ended.
        eprintln!("the cut took {:?}: the dead connection may have been asked first", asked_at.elapsed());
        assert!(
            matches!(first, Err(trygghet::db::DbError::Query(_) | trygghet::db::DbError::Unavailable(_))),
            "met a connection the server ended: {first:?}"
        );
    }
    for _ in 0..3 {
        let next = one(&db).await;
        assert!(matches!(next, Err(trygghet::db::DbError::Unavailable(_))), "asked first, then unavailable: {next:?}");
    }
    drop(cut);
    assert_eq!(one(&db).await.expect("new connections once the server is back").n, 1);
}

#[derive(QueryableByName)]
struct TlsConnections {
    #[diesel(sql_type = BigInt)]
    total: i64,
    #[diesel(sql_type = BigInt)]
    encrypted: i64,
}

/// `sslmode=require` works (the build links a libpq with TLS), and the service's connections are encrypted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connections_can_require_tls() {
    let Some(database) = TestDatabase::create(Backend::Postgres) else { return };
    let TestDatabase::Postgres { admin_url, name, url } = &database else { unreachable!() };
    let mut admin = PgConnection::establish(admin_url).unwrap();
    #[derive(QueryableByName)]
    struct Setting {
        #[diesel(sql_type = Text)]
        ssl: String,
    }
    let ssl = diesel::sql_query("SHOW ssl").get_result::<Setting>(&mut admin).unwrap().ssl;
    assert_eq!(ssl, "on", "the test server must offer TLS for this test (Debian's default cluster does)");

    let tls_url = format!("{url}?sslmode=require");
    let app = spawn_app_with(Backend::Postgres, &[("DATABASE_URL", &tls_url)]).await.unwrap();
    assert_eq!(app.get("/readyz").await.status(), 200);
    let (status, body) = app.get_json("/api/v1/municipalities/1737").await;
    assert_eq!((status.as_u16(), body["name"].as_str()), (200, Some("Torsby")));

    let counts = diesel::sql_query(
        "SELECT count(*) AS total, count(*) FILTER (WHERE s.ssl) AS encrypted \
         FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.datname = $1",
    )
    .bind::<Text, _>(name)
    .get_result::<TlsConnections>(&mut admin)
    .unwrap();
    assert!(counts.total >= 1, "the service holds connections to its database");
    assert_eq!(counts.encrypted, counts.total, "every connection of the service is encrypted");
}

/// A server on the same host is reached through its Unix socket when the URL's host is the socket's directory
/// (percent-encoded, as the README shows): the service runs on it, and its connections come from no address, as
/// PostgreSQL shows a socket's. A server without a socket where it says it keeps one is said loudly, not failed: that
/// is how the machine's server was started, not the service.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connections_can_go_through_the_servers_unix_socket() {
    let Some(database) = TestDatabase::create(Backend::Postgres) else { return };
    let TestDatabase::Postgres { admin_url, name, .. } = &database else { unreachable!() };
    let mut admin = PgConnection::establish(admin_url).unwrap();
    #[derive(QueryableByName)]
    struct Setting {
        #[diesel(sql_type = Text)]
        setting: String,
    }
    let setting = |admin: &mut PgConnection, name: &str| {
        diesel::sql_query("SELECT setting FROM pg_settings WHERE name = $1")
            .bind::<Text, _>(name)
            .get_result::<Setting>(admin)
            .unwrap()
            .setting
    };
    let directory = setting(&mut admin, "unix_socket_directories").split(',').next().unwrap_or("").trim().to_owned();
    let port = setting(&mut admin, "port");
    // The test server's socket is on this machine only if the server is; the user (and password) are the test URL's.
    let mut socket_url = url::Url::parse(admin_url).expect("TEST_DATABASE_URL is a URL");
    let local = DatabaseUrl::parse(admin_url).is_ok_and(|url| url.postgres_on_this_host());
    if !local || directory.is_empty() || !std::path::Path::new(&format!("{directory}/.s.PGSQL.{port}")).exists() {
        eprintln!(
            "\n*** SKIPPED postgres_connections_can_go_through_the_servers_unix_socket: the test server keeps no Unix \
             socket on this machine (in {directory:?}) ***\n"
        );
        return;
    }
    socket_url.set_host(Some(&directory.replace('/', "%2F"))).expect("a directory as the host");
    socket_url.set_path(name);
    let socket_url = socket_url.to_string();
    let app = spawn_app_with(Backend::Postgres, &[("DATABASE_URL", &socket_url)]).await.unwrap();
    assert_eq!(app.get("/readyz").await.status(), 200);
    let (status, body) = app.get_json("/api/v1/municipalities/1737").await;
    assert_eq!((status.as_u16(), body["name"].as_str()), (200, Some("Torsby")));

    #[derive(QueryableByName)]
    struct Connections {
        #[diesel(sql_type = BigInt)]
        total: i64,
        #[diesel(sql_type = BigInt)]
        by_socket: i64,
    }
    // A connection through a Unix socket has no address and the port -1 (one the test may not see has neither).
    let counts = diesel::sql_query(
        "SELECT count(*) AS total, count(*) FILTER (WHERE client_addr IS NULL AND client_port = -1) AS by_socket \
         FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind::<Text, _>(name)
    .get_result::<Connections>(&mut admin)
    .unwrap();
    assert!(counts.total >= 1, "the service holds connections to its database");
    assert_eq!(counts.by_socket, counts.total, "every connection of the service comes through the socket");
}

/// `sslmode=verify-full` checks the server's certificate and name: against a file named in the URL, and against
/// the system's CA store with `sslrootcert=system` (OpenSSL's store, which `SSL_CERT_FILE` may name). A server whose
/// certificate the store does not vouch for is refused, with a sentence and exit code 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connections_verify_the_server_certificate() {
    let Some(database) = TestDatabase::create(Backend::Postgres) else { return };
    let TestDatabase::Postgres { admin_url, name, .. } = &database else { unreachable!() };
    let mut admin = PgConnection::establish(admin_url).unwrap();
    #[derive(QueryableByName)]
    struct CertFile {
        #[diesel(sql_type = Text)]
        ssl_cert_file: String,
    }
    let cert = diesel::sql_query("SHOW ssl_cert_file").get_result::<CertFile>(&mut admin).unwrap().ssl_cert_file;
    assert!(
        std::fs::metadata(&cert).is_ok(),
        "the test server's certificate {cert} must be readable (Debian's default cluster uses the snakeoil one, \
         issued to localhost)"
    );
    let at_localhost = |query: &str| format!("postgres://postgres@localhost:5432/{name}?{query}");
    let dir = tempfile::tempdir().unwrap();
    let migrate = |url: &str, env: &[(&str, &str)]| {
        let mut all = vec![("DATABASE_URL", url), ("TRYGGHET_DATA_DIR", "./data")];
        all.extend_from_slice(env);
        crate::process::trygghet(dir.path(), &all).arg("migrate").output().unwrap()
    };

    let pinned = migrate(&at_localhost(&format!("sslmode=verify-full&sslrootcert={cert}")), &[]);
    assert!(pinned.status.success(), "{}", String::from_utf8_lossy(&pinned.stderr));
    let system = migrate(&at_localhost("sslrootcert=system"), &[("SSL_CERT_FILE", cert.as_str())]);
    assert!(system.status.success(), "{}", String::from_utf8_lossy(&system.stderr));

    // The distribution's CA bundle does not vouch for a self-signed certificate: refused, not trusted blindly.
    let bundle = "/etc/ssl/certs/ca-certificates.crt";
    let refused = migrate(&at_localhost("sslrootcert=system"), &[("SSL_CERT_FILE", bundle)]);
    let said = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{said}");
    assert!(said.contains("certificate verify failed"), "{said}");
}
