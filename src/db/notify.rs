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
/// the announcements' sender is dropped. Blocking: runs on a thread of its own.
pub fn listen(url: &DatabaseUrl, wake: &dyn Fn(&str), announcements: &Receiver<String>) {
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
                if let Err(error) = serve(&mut conn, wake, announcements) {
                    tracing::warn!(%error, "the live-update connection failed; opening it again");
                }
            }
            Err(error) => tracing::warn!(%error, "cannot open the live-update connection; trying again"),
        }
        if matches!(announcements.recv_timeout(backoff), Err(RecvTimeoutError::Disconnected)) {
            return;
        }
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
}

fn serve(conn: &mut PgConnection, wake: &dyn Fn(&str), announcements: &Receiver<String>) -> QueryResult<()> {
    #[derive(QueryableByName)]
    struct Backend {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    let own_pid = diesel::sql_query("SELECT pg_backend_pid() AS pid").get_result::<Backend>(conn)?.pid;
    let mut last_sent: Option<Instant> = None;
    loop {
        match announcements.recv_timeout(POLL) {
            Ok(first) => {
                let (surveys, ended) = gathered(first, announcements, last_sent.map(|sent| sent + POLL));
                for survey in surveys {
                    diesel::sql_query("SELECT pg_notify($1, $2)")
                        .bind::<diesel::sql_types::Text, _>(CHANNEL)
                        .bind::<diesel::sql_types::Text, _>(survey)
                        .execute(conn)?;
                }
                last_sent = Some(Instant::now());
                if ended {
                    return Ok(());
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
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

/// The surveys to announce: `first` and every other announced before `until` (none if `None`, only those already
/// waiting), each once, and whether the announcements' sender is gone. A busy survey changes hundreds of times a
/// second; announced at most once a [`POLL`], it costs the database a statement a poll rather than one a change, and
/// other instances, which look for notifications once a poll, see it as soon as they would have.
fn gathered(first: String, announcements: &Receiver<String>, until: Option<Instant>) -> (BTreeSet<String>, bool) {
    let mut surveys = BTreeSet::from([first]);
    loop {
        let next = match until.map(|until| until.saturating_duration_since(Instant::now())) {
            Some(wait) if !wait.is_zero() => announcements.recv_timeout(wait),
            _ => announcements.try_recv().map_err(|error| match error {
                std::sync::mpsc::TryRecvError::Empty => RecvTimeoutError::Timeout,
                std::sync::mpsc::TryRecvError::Disconnected => RecvTimeoutError::Disconnected,
            }),
        };
        match next {
            Ok(survey) => {
                surveys.insert(survey);
            }
            Err(RecvTimeoutError::Timeout) => return (surveys, false),
            Err(RecvTimeoutError::Disconnected) => return (surveys, true),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    #[test]
    fn announcements_made_within_a_poll_of_the_last_are_sent_together_once_each() {
        let (send, receive) = mpsc::channel();
        for survey in ["b", "a", "b"] {
            send.send(survey.to_owned()).unwrap();
        }
        // Nothing sent lately (or the poll over): what is waiting, each once.
        let (surveys, ended) = gathered("a".to_owned(), &receive, None);
        assert_eq!(surveys.into_iter().collect::<Vec<_>>(), ["a", "b"]);
        assert!(!ended);
        send.send("e".to_owned()).unwrap();
        let (surveys, ended) = gathered("a".to_owned(), &receive, Some(Instant::now()));
        assert_eq!(surveys.into_iter().collect::<Vec<_>>(), ["a", "e"]);
        assert!(!ended);

        // Sent a moment ago: what comes before the next announcement is due is gathered with it, and the sender
        // going meanwhile ends the wait.
        let later = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            send.send("c".to_owned()).unwrap();
        });
        let (surveys, ended) = gathered("a".to_owned(), &receive, Some(Instant::now() + Duration::from_secs(600)));
        later.join().unwrap();
        assert_eq!(surveys.into_iter().collect::<Vec<_>>(), ["a", "c"]);
        assert!(ended);
    }
}
