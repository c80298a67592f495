//! The real binary starting, restarting and stopping on both backends.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, SqliteConnection};

use crate::helpers::{Backend, TestDatabase};
use crate::on_both_backends;
use crate::process::Server;

/// A blocking GET over a plain TCP connection (these tests drive a child process, not an async client).
fn get(address: &str, path: &str) -> (u16, String) {
    let host = address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).expect("connect to the service");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("a status line");
    let body = response.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default();
    (status, body)
}

async fn the_binary_starts_restarts_and_keeps_its_data(backend: Backend) {
    let Some(database) = TestDatabase::create(backend) else { return };
    let dir = tempfile::tempdir().unwrap();
    let url = database.url();
    // On SQLite, the default: no DATABASE_URL at all, so the data lands under ./data of the working directory.
    let env: Vec<(&str, &str)> = match backend {
        Backend::Sqlite => vec![],
        Backend::Postgres => vec![("DATABASE_URL", url.as_str())],
    };

    let mut first = Server::start(dir.path(), &env);
    let ready = first.wait_for_line("database ready", Duration::from_secs(5));
    match backend {
        Backend::Sqlite => {
            assert!(ready.contains("./data/trygghet.db"), "says where the data lives: {ready}");
            assert!(dir.path().join("data/trygghet.db").is_file());
        }
        Backend::Postgres => {
            assert!(ready.contains("PostgreSQL postgres://"), "says where the data lives: {ready}");
        }
    }
    assert!(first.address.starts_with("http://127.0.0.1:"), "{}", first.address);
    first.wait_for_line("generated a secret key", Duration::from_secs(5));
    let key_file = dir.path().join("data/secret.key");
    let key = std::fs::read_to_string(&key_file).expect("the generated key is kept");
    assert_eq!(key.trim().len(), 64);
    assert_eq!(get(&first.address, "/readyz").0, 200);
    first.signal("TERM");
    first.wait_for_success(Duration::from_secs(15));

    // Data written meanwhile survives the restart, and nothing is migrated or generated again.
    let marker = "INSERT INTO municipalities (code, name, county_code, police_region) \
                  VALUES ('1799', 'Provkommun', '17', 'Bergslagen')";
    match backend {
        Backend::Sqlite => {
            let path = dir.path().join("data/trygghet.db");
            SqliteConnection::establish(&path.to_string_lossy()).unwrap().batch_execute(marker).unwrap();
        }
        Backend::Postgres => database.execute(marker),
    }
    let env_again: Vec<(&str, &str)> = match backend {
        Backend::Sqlite => vec![("DATABASE_URL", "sqlite://./data/trygghet.db")],
        Backend::Postgres => env.clone(),
    };
    let mut second = Server::start(dir.path(), &env_again);
    let ready = second.wait_for_line("database ready", Duration::from_secs(5));
    assert!(ready.contains("migrations_applied=0"), "{ready}");
    let (status, body) = get(&second.address, "/api/v1/municipalities/1799");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Provkommun"));
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), key, "the secret key is kept across restarts");
    assert!(!second.output.iter().any(|line| line.contains("generated a secret key")));
    second.signal("INT");
    second.wait_for_success(Duration::from_secs(15));
    assert!(!second.output.iter().any(|line| line.contains("panicked")), "{:?}", second.output);
}
on_both_backends!(the_binary_starts_restarts_and_keeps_its_data, super::the_binary_starts_restarts_and_keeps_its_data);

/// SIGTERM the moment the service says it listens still stops it gracefully (exit 0), not by the signal's default
/// action: the service listens for the signal before its server starts.
async fn a_stop_as_the_service_starts_is_graceful(backend: Backend) {
    let Some(database) = TestDatabase::create(backend) else { return };
    let dir = tempfile::tempdir().unwrap();
    let url = database.url();
    for _ in 0..5 {
        let mut server = Server::start(dir.path(), &[("DATABASE_URL", url.as_str())]);
        server.signal("TERM");
        server.wait_for_success(Duration::from_secs(15));
    }
}
on_both_backends!(a_stop_as_the_service_starts_is_graceful, super::a_stop_as_the_service_starts_is_graceful);

/// How many other sessions of the database wait for a lock (read outside a transaction: within one, PostgreSQL shows
/// the snapshot of its first read of pg_stat_activity).
fn waiting_for_a_lock(connection: &mut PgConnection) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Waiting {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        count: i64,
    }
    let query = "SELECT count(*) AS count FROM pg_stat_activity \
                 WHERE wait_event_type = 'Lock' AND datname = current_database() AND pid <> pg_backend_pid()";
    diesel::RunQueryDsl::get_result::<Waiting>(diesel::sql_query(query), connection).unwrap().count
}

/// A request blocked in the database when SIGTERM arrives still gets its answer before the process exits. The
/// request is held in flight by a table lock, which only PostgreSQL can take from outside while the service has the
/// database open (SQLite readers in WAL mode are never blocked); the stop itself runs on both backends in
/// `health::a_graceful_stop_lets_the_server_finish` and in the restart test above.
#[tokio::test]
async fn sigterm_lets_a_request_in_flight_finish() {
    let Some(database) = TestDatabase::create(Backend::Postgres) else { return };
    let dir = tempfile::tempdir().unwrap();
    let url = database.url();
    let mut server = Server::start(dir.path(), &[("DATABASE_URL", url.as_str())]);
    let host = server.address.trim_start_matches("http://").to_owned();

    let mut lock = PgConnection::establish(&url).unwrap();
    lock.batch_execute("BEGIN; LOCK TABLE municipalities IN ACCESS EXCLUSIVE MODE;").unwrap();
    let mut in_flight = TcpStream::connect(&host).unwrap();
    write!(in_flight, "GET /api/v1/municipalities/1766 HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
    // The request is in flight once its query waits for the lock (on a busy machine that takes a while). Watched
    // from a connection of its own: inside the locking transaction pg_stat_activity would show the same snapshot on
    // every read, taken at the first one.
    let mut watcher = PgConnection::establish(&url).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while waiting_for_a_lock(&mut watcher) == 0 {
        assert!(std::time::Instant::now() < deadline, "the request never reached the database");
        std::thread::sleep(Duration::from_millis(20));
    }
    server.signal("TERM");
    server.wait_for_line("shutting down", Duration::from_secs(5));

    // New connections are refused at once, but the process waits for the request in flight.
    std::thread::sleep(Duration::from_millis(700));
    assert!(TcpStream::connect(&host).is_err(), "the listener is closed after SIGTERM");
    assert!(server.exited().is_none(), "the process waits for the request in flight");

    lock.batch_execute("COMMIT").unwrap();
    let mut response = String::new();
    in_flight.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("Sunne"));

    let status = server.wait(Duration::from_secs(15));
    assert!(status.success(), "exit status {status}");
    server.wait_for_line("stopped", Duration::from_secs(1));
}
