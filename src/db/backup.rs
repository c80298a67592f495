//! `trygghet backup FILE`: a consistent copy of the SQLite database, taken while the service keeps running.
//!
//! `VACUUM INTO` reads the database in one read transaction (in WAL mode writers go on meanwhile) and writes a
//! compact, self-contained database file: no `-wal` file to copy alongside, and every response and counter as of one
//! moment. The copy is written beside the target under a temporary name and renamed into place when complete, so a
//! failed or interrupted backup never leaves a file that looks like a good one. PostgreSQL has `pg_dump` for this.

use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};

use super::url::DatabaseUrl;

/// Copies the SQLite database of `url` to `target` (which must not exist) and returns the copy's size in bytes.
pub fn sqlite_copy(url: &DatabaseUrl, target: &Path) -> Result<u64, String> {
    let DatabaseUrl::Sqlite(source) = url else {
        return Err("backup copies an SQLite database; for PostgreSQL use pg_dump (see the README, Backups)".into());
    };
    if !source.exists() {
        return Err(format!("there is no database at {} to copy", source.display()));
    }
    if target.exists() {
        return Err(format!("{} already exists; give a new file name", target.display()));
    }
    let partial = partial_name(target);
    let result = vacuum_into(source, &partial).and_then(|()| {
        std::fs::rename(&partial, target).map_err(|error| format!("cannot write {}: {error}", target.display()))
    });
    if let Err(error) = result {
        let _ = std::fs::remove_file(&partial);
        return Err(error);
    }
    std::fs::metadata(target).map(|meta| meta.len()).map_err(|error| format!("{}: {error}", target.display()))
}

/// `FILE.partial` beside `FILE`, so the rename stays on one file system.
fn partial_name(target: &Path) -> PathBuf {
    let mut name = target.file_name().map(|name| name.to_os_string()).unwrap_or_default();
    name.push(".partial");
    target.with_file_name(name)
}

fn vacuum_into(source: &Path, partial: &Path) -> Result<(), String> {
    let _ = std::fs::remove_file(partial);
    let mut conn = SqliteConnection::establish(&source.to_string_lossy())
        .map_err(|error| format!("cannot open {}: {error}", source.display()))?;
    // The service may be writing: wait for its write lock rather than fail at once.
    conn.batch_execute("PRAGMA busy_timeout = 30000;").map_err(|error| error.to_string())?;
    let quoted = partial.to_string_lossy().replace('\'', "''");
    conn.batch_execute(&format!("VACUUM INTO '{quoted}';"))
        .map_err(|error| format!("cannot copy {} to {}: {error}", source.display(), partial.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_holds_the_rows_and_never_replaces_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("trygghet.db");
        let mut conn = SqliteConnection::establish(&source.to_string_lossy()).unwrap();
        conn.batch_execute("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2);")
            .unwrap();
        let url = DatabaseUrl::Sqlite(source.clone());
        // A name with a quote in it is a name like any other.
        let target = dir.path().join("copy 'one'.db");
        assert!(sqlite_copy(&url, &target).unwrap() > 0);
        let mut copy = SqliteConnection::establish(&target.to_string_lossy()).unwrap();
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let count: Count =
            diesel::RunQueryDsl::get_result(diesel::sql_query("SELECT COUNT(*) AS n FROM t"), &mut copy).unwrap();
        assert_eq!(count.n, 2);
        assert!(!partial_name(&target).exists());
        let again = sqlite_copy(&url, &target).unwrap_err();
        assert!(again.contains("already exists"), "{again}");
        let missing = sqlite_copy(&DatabaseUrl::Sqlite(dir.path().join("none.db")), &dir.path().join("x.db"));
        assert!(missing.unwrap_err().contains("no database"));
    }
}
