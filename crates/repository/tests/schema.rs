//! The migrations apply once, safely in parallel, and revert completely. (That the diesel
//! schema, the row types and the upserts' columns in `db-models` match them is
//! `crates/xtask`'s test: all three are generated from the migrated tables.)
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is the failure report
mod common;

use std::collections::BTreeSet;

use diesel::prelude::*;
use diesel::sql_types::Text;

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    name: String,
}

/// Every `schema.table.column` of the tables the migrations created in `staging` and `marts`.
fn columns_in_database(conn: &mut PgConnection) -> BTreeSet<String> {
    diesel::sql_query(
        "SELECT c.table_schema || '.' || c.table_name || '.' || c.column_name AS name
         FROM information_schema.columns c
         JOIN information_schema.tables t USING (table_schema, table_name)
         WHERE c.table_schema IN ('staging', 'marts') AND t.table_type = 'BASE TABLE'",
    )
    .load::<Column>(conn)
    .expect("information_schema")
    .into_iter()
    .map(|c| c.name)
    .collect()
}

#[test]
fn migrations_are_idempotent_and_safe_when_run_at_once() {
    let (_db, database) = common::migrated();
    // Already applied: nothing more to do.
    assert_eq!(
        database.run_migrations().expect("rerun"),
        Vec::<String>::new()
    );

    let fresh = test_kit::TestDb::new();
    let settings = repository::DatabaseSettings {
        url: fresh.url(),
        pool_size: 2,
        connect_timeout: std::time::Duration::from_secs(10),
        role: None,
    };
    let racers: Vec<_> = (0..4)
        .map(|_| {
            let settings = settings.clone();
            std::thread::spawn(move || {
                repository::Database::new(&settings)
                    .expect("pool")
                    .run_migrations()
                    .expect("concurrent migrations succeed")
                    .len()
            })
        })
        .collect();
    let applied: usize = racers.into_iter().map(|r| r.join().expect("thread")).sum();
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations"))
        .unwrap()
        .filter(|entry| entry.as_ref().unwrap().path().join("up.sql").exists())
        .count();
    assert_eq!(
        applied, migrations,
        "each migration applied exactly once across all racers"
    );
}

#[test]
fn down_migrations_remove_everything_up_created() {
    use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
    const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");
    let (_db, database) = common::migrated();
    let mut conn = common::conn(&database);
    conn.revert_all_migrations(MIGRATIONS).expect("revert");
    assert!(columns_in_database(&mut conn).is_empty());
    database.run_migrations().expect("re-apply after revert");
}
