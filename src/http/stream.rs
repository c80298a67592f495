//! The live event streams of a survey: one per viewer, fed by the survey's live snapshots (see [`crate::app::live`]),
//! each sending what that viewer may see, and only when it changed.

use std::sync::Arc;
use std::time::Duration;

use actix_web::Responder;
use actix_web_lab::sse;

use crate::app::rates::Snapshot;
use crate::error::AppError;
use crate::http::extract::CurrentUser;

/// How often an idle stream says it is still there (proxies close silent connections).
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How long a browser waits before reconnecting a dropped stream.
const RETRY: Duration = Duration::from_secs(2);

/// The municipalities of a survey the user may see, as a key for the snapshot's [`Memo`](crate::app::rates::Memo).
pub fn visible_key(user: &CurrentUser, snapshot: &Snapshot) -> String {
    snapshot
        .municipalities
        .iter()
        .filter(|m| user.permissions.may_view(&m.code))
        .map(|m| m.code.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn current(receiver: &tokio::sync::watch::Receiver<Option<Arc<Snapshot>>>) -> Option<Arc<Snapshot>> {
    receiver.borrow().clone()
}

/// An event stream that sends `render(snapshot)` as event `name` now and after every new snapshot; `open` (the
/// metrics' count of open streams) is held as long as the stream lives.
pub fn stream(
    (first, receiver): (Arc<Snapshot>, tokio::sync::watch::Receiver<Option<Arc<Snapshot>>>),
    user: CurrentUser,
    name: &'static str,
    (closing, open): (impl std::future::Future<Output = ()> + Send + 'static, impl Send + 'static),
    render: impl Fn(&Snapshot, &CurrentUser, &str) -> Result<Arc<str>, AppError> + Send + 'static,
) -> impl Responder {
    let (sender, events) = tokio::sync::mpsc::channel::<sse::Event>(4);
    // The stream ends when the service stops (the sender goes with this task), so a graceful stop need not wait.
    // The task also ends as soon as the viewer leaves (the response body, and with it the receiver, is dropped),
    // not only at the next change it would fail to send.
    let left = sender.clone();
    tokio::spawn(async move {
        let _open = open;
        tokio::select! {
            () = send_snapshots(first, receiver, user, name, render, sender) => {}
            () = closing => {}
            () = left.closed() => {}
        }
    });
    // nginx buffers proxied answers unless told otherwise; an event stream must pass each event on at once.
    sse::Sse::from_infallible_receiver(events)
        .with_keep_alive(KEEP_ALIVE)
        .with_retry_duration(RETRY)
        .customize()
        .insert_header(("X-Accel-Buffering", "no"))
}

/// Sends `render(snapshot)` for the first snapshot and every newer one, until the viewer leaves.
async fn send_snapshots(
    first: Arc<Snapshot>,
    mut receiver: tokio::sync::watch::Receiver<Option<Arc<Snapshot>>>,
    user: CurrentUser,
    name: &'static str,
    render: impl Fn(&Snapshot, &CurrentUser, &str) -> Result<Arc<str>, AppError>,
    sender: tokio::sync::mpsc::Sender<sse::Event>,
) {
    let mut next = Some(first.clone());
    let mut sent = first;
    let mut last: Option<Arc<str>> = None;
    loop {
        if let Some(snapshot) = next.take() {
            let key = visible_key(&user, &snapshot);
            match render(&snapshot, &user, &key) {
                // What this viewer sees did not change (a change in a municipality they may not see): nothing is
                // sent, so the stream tells nothing about the others either.
                Ok(data) if last.as_deref() == Some(&*data) => {}
                Ok(data) => {
                    let event = sse::Data::new(data.to_string()).event(name);
                    if sender.send(event.into()).await.is_err() {
                        break; // the viewer left
                    }
                    last = Some(data);
                }
                Err(error) => tracing::warn!(%error, "rendering a live update failed"),
            }
            sent = snapshot;
        }
        tokio::select! {
            changed = receiver.changed() => if changed.is_err() { break },
            () = sender.closed() => break, // the viewer left: let go of the survey now, not at its next change
        }
        // The publisher's snapshots, except one already sent or older than it (the first was read apart).
        next =
            current(&receiver).filter(|snapshot| !Arc::ptr_eq(snapshot, &sent) && snapshot.revision >= sent.revision);
    }
}
