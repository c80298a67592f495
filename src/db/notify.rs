//! Changes between instances: PostgreSQL's `LISTEN`/`NOTIFY` on one dedicated connection.
//!
//! Every instance announces the surveys whose counters it changed with `NOTIFY trygghet_live, '<survey id>'` and
//! listens on the same channel, so a submission stored by one instance wakes the dashboards connected to another. The
//! connection is polled every [`POLL`]; if it breaks, it is opened again with a growing pause.

use std::time::Duration;

use diesel::prelude::*;

use crate::db::url::DatabaseUrl;

/// How often the listener looks for notifications and sends announcements.
pub const POLL: Duration = Duration::from_millis(25);

/// The PostgreSQL channel the instances share.
const CHANNEL: &str = "trygghet_live";

/// Announces this instance's changes (sent into `announcements`) and calls `wake` with every other instance's, until
/// the announcements' sender is dropped. Blocking: runs on a thread of its own.
pub fn listen(url: &DatabaseUrl, wake: &dyn Fn(&str), announcements: &std::sync::mpsc::Receiver<String>) {
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
        if matches!(announcements.recv_timeout(backoff), Err(std::sync::mpsc::RecvTimeoutError::Disconnected)) {
            return;
        }
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
}

fn serve(
    conn: &mut PgConnection,
    wake: &dyn Fn(&str),
    announcements: &std::sync::mpsc::Receiver<String>,
) -> QueryResult<()> {
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
                wake(&notification.payload);
            }
        }
    }
}
