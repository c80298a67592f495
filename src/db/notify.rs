//! Changes between instances: PostgreSQL's `LISTEN`/`NOTIFY` on one dedicated connection.
//!
//! Every instance announces the surveys whose counters it changed with `NOTIFY trygghet_live, '<survey id>'` and
//! listens on the same channel, so a submission stored by one instance wakes the dashboards connected to another. The
//! connection is polled every [`POLL`]; if it breaks, it is opened again with a growing pause.

use std::collections::BTreeSet;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use diesel::prelude::*;

use crate::db::url::DatabaseUrl;

/// How often the listener looks for notifications and sends announcements.
pub const POLL: Duration = Duration::from_millis(25);

/// The PostgreSQL channel the instances share.
const CHANNEL: &str = "trygghet_live";

/// Announces this instance's changes (sent into `announcements`) and calls `wake` with every other instance's, until
/// the announcements' sender is dropped. Blocking: runs on a thread of its own. Announcements made while the
/// connection is down are kept, each survey once, and sent once it is open again.
pub fn listen(url: &DatabaseUrl, wake: &dyn Fn(&str), announcements: &Receiver<String>) {
    let mut backoff = Duration::from_millis(200);
    let mut pending = BTreeSet::new();
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
                match serve(&mut conn, wake, announcements, &mut pending) {
                    Ok(()) => return,
                    Err(error) => tracing::warn!(%error, "the live-update connection failed; opening it again"),
                }
            }
            Err(error) => tracing::warn!(%error, "cannot open the live-update connection; trying again"),
        }
        // The whole pause, however many announcements come meanwhile: they wait with the others.
        if gather(announcements, Some(Instant::now() + backoff), &mut pending) {
            return;
        }
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
}

/// Announces and listens on `conn` until the announcements' sender is dropped (`Ok`) or the connection fails, leaving
/// what was not announced yet in `pending`.
fn serve(
    conn: &mut PgConnection,
    wake: &dyn Fn(&str),
    announcements: &Receiver<String>,
    pending: &mut BTreeSet<String>,
) -> QueryResult<()> {
    #[derive(QueryableByName)]
    struct Backend {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    let own_pid = diesel::sql_query("SELECT pg_backend_pid() AS pid").get_result::<Backend>(conn)?.pid;
    let mut last_sent: Option<Instant> = None;
    loop {
        let mut ended = false;
        if pending.is_empty() {
            match announcements.recv_timeout(POLL) {
                Ok(first) => {
                    pending.insert(first);
                    ended = gather(announcements, last_sent.map(|sent| sent + POLL), pending);
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
            }
        }
        if !pending.is_empty() {
            announce(pending, |survey| {
                diesel::sql_query("SELECT pg_notify($1, $2)")
                    .bind::<diesel::sql_types::Text, _>(CHANNEL)
                    .bind::<diesel::sql_types::Text, _>(survey)
                    .execute(conn)
                    .map(drop)
            })?;
            last_sent = Some(Instant::now());
        }
        if ended {
            return Ok(());
        }
        for notification in conn.notifications_iter() {
            let notification = notification?;
            // This instance's own announcements come back too; its viewers were woken when they were made.
            if notification.process_id != own_pid {
                wake(&notification.payload);
            }
        }
    }
}

/// Adds to `pending` every survey announced before `until` (with `None`, those already waiting), each once; `true` if
/// the announcements' sender is gone. A busy survey changes hundreds of times a second; announced at most once a
/// [`POLL`], it costs the database a statement a poll rather than one a change, and other instances, which look for
/// notifications once a poll, see it as soon as they would have.
fn gather(announcements: &Receiver<String>, until: Option<Instant>, pending: &mut BTreeSet<String>) -> bool {
    loop {
        let wait = until.map_or(Duration::ZERO, |until| until.saturating_duration_since(Instant::now()));
        match announcements.recv_timeout(wait) {
            Ok(survey) => {
                pending.insert(survey);
            }
            Err(RecvTimeoutError::Timeout) => return false,
            Err(RecvTimeoutError::Disconnected) => return true,
        }
    }
}

/// Sends each of `pending` with `send`, taking it out once sent; on the first failure the rest stay pending.
fn announce(pending: &mut BTreeSet<String>, mut send: impl FnMut(&str) -> QueryResult<()>) -> QueryResult<()> {
    while let Some(survey) = pending.first() {
        send(survey)?;
        pending.pop_first();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    fn surveys(pending: &BTreeSet<String>) -> Vec<&str> {
        pending.iter().map(String::as_str).collect()
    }

    #[test]
    fn announcements_made_within_a_poll_of_the_last_are_sent_together_once_each() {
        let (send, receive) = mpsc::channel();
        for survey in ["b", "a", "b"] {
            send.send(survey.to_owned()).unwrap();
        }
        // Nothing sent lately (or the poll over): what is waiting, each once.
        let mut pending = BTreeSet::from(["a".to_owned()]);
        assert!(!gather(&receive, None, &mut pending));
        assert_eq!(surveys(&pending), ["a", "b"]);
        send.send("e".to_owned()).unwrap();
        assert!(!gather(&receive, Some(Instant::now()), &mut pending));
        assert_eq!(surveys(&pending), ["a", "b", "e"]);

        // Sent a moment ago: what comes before the next announcement is due is gathered with it, and the sender
        // going meanwhile ends the wait.
        let later = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            send.send("c".to_owned()).unwrap();
        });
        let mut pending = BTreeSet::from(["a".to_owned()]);
        assert!(gather(&receive, Some(Instant::now() + Duration::from_secs(600)), &mut pending));
        later.join().unwrap();
        assert_eq!(surveys(&pending), ["a", "c"]);
    }

    #[test]
    fn what_could_not_be_announced_stays_to_be_announced() {
        let mut pending = BTreeSet::from(["a".to_owned(), "b".to_owned(), "c".to_owned()]);
        let mut sent = Vec::new();
        let failed = announce(&mut pending, |survey| {
            if survey == "b" {
                return Err(diesel::result::Error::BrokenTransactionManager);
            }
            sent.push(survey.to_owned());
            Ok(())
        });
        assert!(failed.is_err());
        assert_eq!(sent, ["a"]);
        assert_eq!(surveys(&pending), ["b", "c"], "the failed one and those after it wait for the next connection");
        announce(&mut pending, |survey| {
            sent.push(survey.to_owned());
            Ok(())
        })
        .unwrap();
        assert_eq!(sent, ["a", "b", "c"]);
        assert!(pending.is_empty());
    }
}
