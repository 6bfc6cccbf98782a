//! The migrations apply once, safely in parallel, and revert completely; the registry's upserts
//! cover their tables. (That the diesel schema in `db-models` matches them is `crates/xtask`'s
//! test.)
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

/// Reads the registry (`db_models::for_each_entity!`) into each entity's table and the columns
/// its upsert sets.
macro_rules! upserts {
    (
        objects { $(
            $variant:ident $name:ident : $kind:ident $query:tt label $label:tt $need:ident
            row $row:tt convert $convert:tt upsert[$($column:ident),+ $(,)?];
        )+ }
        relations $relations:tt
    ) => {
        [$((stringify!($name), [$(stringify!($column)),+].as_slice())),+]
    };
}

/// An upsert that forgot a column would leave it stale when the upstream changes it: each
/// entity's `upsert[…]` lists every column of its table but the key, `raw`, `run_id` and the
/// generated ones.
#[test]
fn every_entity_upsert_sets_every_column_of_its_table() {
    let (_db, database) = common::migrated();
    let mut conn = common::conn(&database);
    for (table, upsert) in db_models::for_each_entity!(upserts) {
        let stored: BTreeSet<String> = diesel::sql_query(
            "SELECT column_name AS name FROM information_schema.columns
             WHERE table_schema = 'staging' AND table_name = $1 AND is_generated = 'NEVER'
               AND column_name NOT IN ('id', 'raw', 'run_id')",
        )
        .bind::<Text, _>(table)
        .load::<Column>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
        // diesel names a column that is a Rust keyword with a trailing underscore (`type_`).
        let set: BTreeSet<String> = upsert
            .iter()
            .map(|c| c.trim_end_matches('_').to_string())
            .collect();
        assert_eq!(set, stored, "staging.{table}");
    }
}
