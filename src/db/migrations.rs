//! Embedded migrations, one folder per backend with the same version names, run at start-up (or by
//! `trygghet migrate`, where a deployment migrates in a job of its own and starts the service with
//! `TRYGGHET_MIGRATE=false`).

use std::collections::BTreeSet;

use diesel::backend::Backend;
use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::connection::DbConnection;

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// An arbitrary constant shared by every instance: PostgreSQL advisory lock held while migrating, so that
/// instances starting together do not run the same migration twice.
const MIGRATION_LOCK: i64 = 0x7472_7967_6768;

type MigrationError = Box<dyn std::error::Error + Send + Sync>;

/// Runs the migrations not yet applied and returns their versions.
pub fn run_pending(conn: &mut DbConnection) -> Result<Vec<String>, MigrationError> {
    let applied = match conn {
        DbConnection::Sqlite(conn) => conn.run_pending_migrations(SQLITE)?.iter().map(ToString::to_string).collect(),
        // The harness is implemented for the concrete connections only, and the lock is PostgreSQL's own.
        DbConnection::Postgres(conn) => {
            conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
            let result = conn
                .run_pending_migrations(POSTGRES)
                .map(|versions| versions.iter().map(ToString::to_string).collect::<Vec<_>>());
            conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))?;
            result?
        }
    };
    Ok(applied)
}

/// Runs this build's migrations up to and including the one named `last` (`2026-12-05-000033_survey_sender`), leaving
/// the database as an older build left it: for tests of what a later migration does to rows stored before it.
#[doc(hidden)]
pub fn run_up_to(conn: &mut DbConnection, last: &str) -> Result<(), MigrationError> {
    fn up_to<DB: Backend>(
        conn: &mut impl MigrationHarness<DB>,
        pending: Vec<Box<dyn diesel::migration::Migration<DB>>>,
        last: &str,
    ) -> Result<(), MigrationError> {
        for migration in pending {
            conn.run_migration(migration.as_ref())?;
            if migration.name().to_string() == last {
                return Ok(());
            }
        }
        Err(format!("no migration {last} is pending").into())
    }
    match conn {
        DbConnection::Sqlite(conn) => {
            let pending = conn.pending_migrations(SQLITE)?;
            up_to(conn, pending, last)
        }
        DbConnection::Postgres(conn) => {
            let pending = conn.pending_migrations(POSTGRES)?;
            up_to(conn, pending, last)
        }
    }
}

/// Where the database stands against the migrations this build carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// Every migration of this build, oldest first (`2026-11-02-000000_users`), and whether it is applied.
    pub known: Vec<(String, bool)>,
    /// Versions the database has that this build does not know: it was migrated by a newer version.
    pub unknown: Vec<String>,
}

impl Status {
    /// A database that does not exist yet: everything pending.
    pub fn of_empty_sqlite() -> Self {
        let names = MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE)
            .map(|migrations| migrations.iter().map(|m| (m.name().to_string(), false)).collect())
            .unwrap_or_default();
        Self { known: names, unknown: Vec::new() }
    }

    /// The migrations of this build not yet applied.
    pub fn pending(&self) -> Vec<&str> {
        self.known.iter().filter(|(_, applied)| !applied).map(|(name, _)| name.as_str()).collect()
    }
}

/// The applied and pending migrations (creates diesel's bookkeeping table on an empty database, nothing else).
pub fn status(conn: &mut DbConnection) -> Result<Status, MigrationError> {
    match conn {
        DbConnection::Sqlite(conn) => status_of(conn, SQLITE),
        DbConnection::Postgres(conn) => status_of(conn, POSTGRES),
    }
}

fn status_of<DB: Backend>(
    conn: &mut impl MigrationHarness<DB>,
    source: EmbeddedMigrations,
) -> Result<Status, MigrationError> {
    let applied: BTreeSet<String> = conn.applied_migrations()?.iter().map(ToString::to_string).collect();
    let migrations = MigrationSource::<DB>::migrations(&source)?;
    let versions: BTreeSet<String> = migrations.iter().map(|m| m.name().version().to_string()).collect();
    let known = migrations
        .iter()
        .map(|migration| (migration.name().to_string(), applied.contains(&migration.name().version().to_string())))
        .collect();
    let unknown = applied.difference(&versions).cloned().collect();
    Ok(Status { known, unknown })
}
