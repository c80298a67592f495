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
//! dashboards connected to another. The connection is polled every [`notify::POLL`]; if it breaks, it is opened again.
//! SQLite runs as one instance, so changes stay in the process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, watch};

use crate::app::Context;
use crate::app::rates::{self, Snapshot};
use crate::auth::Staff;
use crate::db::notify;
use crate::db::url::DatabaseUrl;
use crate::error::AppError;

/// The shortest time between two snapshots of one survey.
pub const PACE: Duration = Duration::from_millis(50);

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
                .spawn(move || notify::listen(&url, &|survey| listener.wake(survey), &announcements))
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

/// The survey's current snapshot, if the staff member may see the survey (else `NotFound`, as for no survey at all).
pub async fn visible(ctx: &Context, staff: &Staff, id: &str) -> Result<Arc<Snapshot>, AppError> {
    let snapshot = ctx.live.current(&ctx.db, id).await?;
    match staff.permissions.may_view_survey(snapshot.municipalities.iter().map(|m| m.code.as_str())) {
        true => Ok(snapshot),
        false => Err(AppError::NotFound),
    }
}

/// The survey's snapshots for a stream, if the staff member may see the survey: the current one, read now (with the
/// proper status when it cannot be), and the live ones that follow.
pub async fn watch(
    ctx: &Context,
    staff: &Staff,
    id: &str,
) -> Result<(Arc<Snapshot>, watch::Receiver<Option<Arc<Snapshot>>>), AppError> {
    // May they see it? Only then a publisher is started for it.
    visible(ctx, staff, id).await?;
    // Subscribed before the first snapshot is taken, so that no change between the two is missed (the second read
    // is the kept snapshot unless something changed meanwhile).
    let receiver = ctx.live.subscribe(ctx, id);
    let first = visible(ctx, staff, id).await?;
    Ok((first, receiver))
}
