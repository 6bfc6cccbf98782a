//! The workspace's migrations (`migrations/`), applied to a template database that test
//! databases are copied from.

use std::fs;
use std::path::{Path, PathBuf};

use diesel::{Connection, PgConnection, RunQueryDsl};
use diesel_migrations::{FileBasedMigrations, MigrationHarness};

/// The migrated template database on the throwaway cluster.
pub(crate) const MIGRATED_DB: &str = "greenadam_migrated";

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations")
}

/// FNV-1a over the path and content of every file in a migration's folder: a new or edited
/// migration gives a new template.
pub(crate) fn hash() -> Result<String, String> {
    let read = |dir: &Path| -> Result<Vec<PathBuf>, String> {
        let entries =
            fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        Ok(entries.flatten().map(|entry| entry.path()).collect())
    };
    let mut files = Vec::new();
    for folder in read(&dir())?.into_iter().filter(|path| path.is_dir()) {
        files.extend(read(&folder)?);
    }
    files.sort();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in files {
        let content = fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let name = file.strip_prefix(dir()).unwrap_or(&file);
        for bytes in [name.as_os_str().as_encoded_bytes(), &content] {
            for b in bytes.iter().chain(&[0]) {
                hash = (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
            }
        }
    }
    Ok(format!("{hash:016x}"))
}

/// Applies the migrations to the database at `url`.
pub(crate) fn apply(url: &str) -> Result<(), String> {
    let migrations = FileBasedMigrations::from_path(dir())
        .map_err(|e| format!("cannot read the migrations: {e}"))?;
    let mut conn = PgConnection::establish(url).map_err(|e| format!("cannot connect: {e}"))?;
    conn.run_pending_migrations(migrations)
        .map_err(|e| format!("migrations failed: {e}"))?;
    Ok(())
}

/// Creates [`MIGRATED_DB`] on the server `conn` (whose URL is `url`) and migrates it.
pub(crate) fn create_migrated(conn: &mut PgConnection, url: &str) -> Result<(), String> {
    diesel::sql_query(format!("CREATE DATABASE {MIGRATED_DB}"))
        .execute(conn)
        .map_err(|e| format!("CREATE DATABASE {MIGRATED_DB}: {e}"))?;
    apply(&crate::conninfo::with_dbname(url, MIGRATED_DB))
}
