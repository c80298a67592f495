//! The database door itself: pool set-up, SQLite pragmas on every connection, TLS to PostgreSQL.

use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use trygghet::config::DatabaseUrl;
use trygghet::db::{Backend as DbBackend, Db, PoolSettings};
use trygghet::metrics::Metrics;

use crate::helpers::{Backend, TestDatabase, spawn_app_with};
use crate::on_both_backends;

fn open(url: &str, max_size: u32) -> Db {
    let url = DatabaseUrl::parse(url).expect("a test database URL");
    let settings = PoolSettings { max_size, timeout: Duration::from_secs(5) };
    let metrics = Metrics::new().unwrap();
    Db::open(&url, settings, metrics.db_errors()).expect("the test database opens").0
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
