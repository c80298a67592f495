//! Live updates of the response rates: every change to a survey's counters wakes the dashboards watching it.
//!
//! **One read per change, not one per viewer.** Each survey that someone watches has one publisher task. A change
//! wakes it; it reads the counters once (a handful of rows), builds a [`Snapshot`] and hands the same `Arc` to every
//! viewer through a `watch` channel, which also coalesces bursts: a viewer that is busy simply gets the newest
//! snapshot next. Each viewer then keeps only the municipalities it may see. The publisher stops when its last viewer
//! leaves. Snapshots are at least [`PACE`] apart, so a burst of submissions costs a few reads, not one per submission.
//!
//! **Several instances.** With PostgreSQL, every change is also announced with `NOTIFY trygghet_live, '<survey id>'`
//! on a dedicated connection that `LISTEN`s to the same channel, so a submission stored by one instance wakes the
//! dashboards connected to another. The connection is polled every [`POLL`]; if it breaks, it is opened again.
//! SQLite runs as one instance, so changes stay in the process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::prelude::*;
use tokio::sync::{Notify, watch};

use crate::app::rates::{self, Snapshot};
use crate::config::DatabaseUrl;

/// How often the PostgreSQL listener looks for notifications and sends announcements.
pub const POLL: Duration = Duration::from_millis(25);

/// The shortest time between two snapshots of one survey.
pub const PACE: Duration = Duration::from_millis(50);

/// The PostgreSQL channel the instances share.
const CHANNEL: &str = "trygghet_live";

/// A survey being watched: what wakes its publisher, and where its snapshots go.
struct Watched {
    wake: Arc<Notify>,
    snapshots: watch::Sender<Option<Arc<Snapshot>>>,
}

/// The hub of live updates, shared by every request of an instance.
#[derive(Clone)]
pub struct Live {
    watched: Arc<Mutex<HashMap<String, Watched>>>,
    /// Announcements to other instances (PostgreSQL only).
    outbox: Option<std::sync::mpsc::Sender<String>>,
    /// The latest snapshot of each survey read here, for reads that find nothing changed since.
    cache: rates::Cache,
    /// Becomes true when the service stops: open event streams end, so a graceful stop need not wait for them.
    closing: Arc<watch::Sender<bool>>,
}

impl Default for Live {
    fn default() -> Self {
        Self {
            watched: Arc::default(),
            outbox: None,
            cache: rates::Cache::default(),
            closing: Arc::new(watch::Sender::new(false)),
        }
    }
}

impl Live {
    /// A hub for one instance; with PostgreSQL (`database` given) it also talks to the other instances.
    pub fn new(database: Option<&DatabaseUrl>) -> Self {
        let mut live = Self::default();
        if let Some(url @ DatabaseUrl::Postgres(_)) = database {
            let (outbox, announcements) = std::sync::mpsc::channel();
            live.outbox = Some(outbox);
            // The listener wakes viewers but announces nothing: it holds no sender of its own channel, so it stops
            // when the last hub of its service is dropped.
            let listener = Self { outbox: None, ..live.clone() };
            let url = url.clone();
            std::thread::Builder::new()
                .name("trygghet-live".into())
                .spawn(move || listen(&url, &listener, &announcements))
                .map_err(|error| tracing::error!(%error, "cannot start the live-update listener"))
                .ok();
        }
        live
    }

    /// A survey's counters changed here: wake its viewers on this instance and announce it to the others.
    pub fn changed(&self, survey_id: &str) {
        self.wake(survey_id);
        if let Some(outbox) = &self.outbox {
            let _ = outbox.send(survey_id.to_owned());
        }
    }

    /// A survey's current snapshot, from memory when its revision says nothing changed since it was read.
    pub async fn current(&self, db: &crate::db::Db, survey_id: &str) -> Result<Arc<Snapshot>, crate::error::AppError> {
        rates::current(db, &self.cache, survey_id).await
    }

    /// Ends every open event stream of this instance (the service is stopping; browsers reconnect elsewhere or later).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Resolves once [`Live::close`] was called.
    pub fn closing(&self) -> impl std::future::Future<Output = ()> + Send + use<> {
        let mut closing = self.closing.subscribe();
        async move {
            let _ = closing.wait_for(|closed| *closed).await;
        }
    }

    /// Wakes the viewers of a survey on this instance only.
    pub fn wake(&self, survey_id: &str) {
        if let Some(watched) = self.watched.lock().unwrap_or_else(|poison| poison.into_inner()).get(survey_id) {
            watched.wake.notify_one();
        }
    }

    /// The snapshots of a survey, starting its publisher if nobody watched it yet.
    pub fn subscribe(&self, ctx: &crate::app::Context, survey_id: &str) -> watch::Receiver<Option<Arc<Snapshot>>> {
        let mut watched = self.watched.lock().unwrap_or_else(|poison| poison.into_inner());
        if let Some(existing) = watched.get(survey_id) {
            return existing.snapshots.subscribe();
        }
        let (snapshots, receiver) = watch::channel(None);
        let wake = Arc::new(Notify::new());
        watched.insert(survey_id.to_owned(), Watched { wake: wake.clone(), snapshots: snapshots.clone() });
        drop(watched);
        // Reads through their own small pool: under a queue of submissions the dashboards still move.
        let publisher = Publisher { live: self.clone(), db: ctx.db.for_live_reads(), survey_id: survey_id.to_owned() };
        tokio::spawn(publisher.run(wake, snapshots));
        receiver
    }
}

struct Publisher {
    live: Live,
    db: crate::db::Db,
    survey_id: String,
}

impl Publisher {
    async fn run(self, wake: Arc<Notify>, snapshots: watch::Sender<Option<Arc<Snapshot>>>) {
        // The first snapshot at once; then one per wake-up (wake-ups during a read are kept by `Notify`).
        wake.notify_one();
        loop {
            tokio::select! {
                () = wake.notified() => {}
                () = snapshots.closed() => break,
            }
            match rates::snapshot(&self.db, &self.survey_id).await {
                Ok(snapshot) => {
                    let snapshot = Arc::new(snapshot);
                    self.live.cache.keep(snapshot.clone());
                    snapshots.send_replace(Some(snapshot));
                }
                Err(error) => tracing::warn!(%error, "reading the rates for a live update failed"),
            }
            // At most one snapshot per PACE: under a burst of submissions the next one carries all that came
            // meanwhile (a wake-up during the pause is kept), instead of every viewer getting hundreds a second.
            tokio::time::sleep(PACE).await;
        }
        let mut watched = self.live.watched.lock().unwrap_or_else(|poison| poison.into_inner());
        // A viewer may have subscribed between `closed()` and this lock: then the publisher is still needed.
        if snapshots.receiver_count() == 0 {
            watched.remove(&self.survey_id);
        } else {
            drop(watched);
            Box::pin(self.run(wake, snapshots)).await;
        }
    }
}

/// The PostgreSQL side: announce this instance's changes, wake viewers for every instance's changes.
fn listen(url: &DatabaseUrl, live: &Live, announcements: &std::sync::mpsc::Receiver<String>) {
    let mut backoff = Duration::from_millis(200);
    loop {
        let DatabaseUrl::Postgres(secret) = url else { return };
        let opened = PgConnection::establish(secrecy::ExposeSecret::expose_secret(secret))
            .map_err(|error| error.to_string())
            .and_then(|mut conn| {
                diesel::sql_query(format!("LISTEN {CHANNEL}")).execute(&mut conn).map_err(|e| e.to_string())?;
                Ok(conn)
            });
        match opened {
            Ok(mut conn) => {
                backoff = Duration::from_millis(200);
                if let Err(error) = serve(&mut conn, live, announcements) {
                    tracing::warn!(%error, "the live-update connection failed; opening it again");
                }
            }
            Err(error) => tracing::warn!(%error, "cannot open the live-update connection; trying again"),
        }
        if matches!(announcements.recv_timeout(backoff), Err(std::sync::mpsc::RecvTimeoutError::Disconnected)) {
            return;
        }
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
}

fn serve(conn: &mut PgConnection, live: &Live, announcements: &std::sync::mpsc::Receiver<String>) -> QueryResult<()> {
    use std::sync::mpsc::RecvTimeoutError;
    #[derive(QueryableByName)]
    struct Backend {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    let own_pid = diesel::sql_query("SELECT pg_backend_pid() AS pid").get_result::<Backend>(conn)?.pid;
    loop {
        match announcements.recv_timeout(POLL) {
            Ok(first) => {
                let mut surveys = std::collections::BTreeSet::from([first]);
                surveys.extend(announcements.try_iter());
                for survey in surveys {
                    diesel::sql_query("SELECT pg_notify($1, $2)")
                        .bind::<diesel::sql_types::Text, _>(CHANNEL)
                        .bind::<diesel::sql_types::Text, _>(survey)
                        .execute(conn)?;
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        }
        for notification in conn.notifications_iter() {
            let notification = notification?;
            // This instance's own announcements come back too; its viewers were woken when they were made.
            if notification.process_id != own_pid {
                live.wake(&notification.payload);
            }
        }
    }
}
