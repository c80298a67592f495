//! Embedded migrations, one folder per backend with the same version names, run at start-up.

use diesel::connection::SimpleConnection;
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
