//! The diesel schema (`db-models`) and the migrations describe the same tables.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is the failure report
mod common;

use std::collections::BTreeSet;

use diesel::prelude::*;
use diesel::sql_types::Text;

use db_models::schema::{marts, staging};

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    name: String,
}

/// Every `schema.table.column` the migrations created in `staging` and `marts`.
/// The columns of the tables (not the views: diesel never reads those, the build's SQL does).
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

/// Every column diesel selects for `table.select(all_columns)`, read off the generated SQL
/// (`"staging"."launch"."id"`), so nothing has to be listed twice by hand.
macro_rules! diesel_columns {
    ($($table:path),+ $(,)?) => {{
        let mut names = BTreeSet::new();
        $(
            {
                use $table as t;
                let query = t::table.select(t::all_columns);
                let sql = diesel::debug_query::<diesel::pg::Pg, _>(&query).to_string();
                let select = sql.split(" FROM ").next().expect("a SELECT");
                for column in select.trim_start_matches("SELECT ").split(", ") {
                    names.insert(column.replace('"', ""));
                }
            }
        )+
        names
    }};
}

#[test]
fn diesel_schema_matches_the_migrations() {
    let (_db, database) = common::migrated();
    let in_database = columns_in_database(&mut common::conn(&database));
    let in_diesel = diesel_columns!(
        staging::extract_run,
        staging::extract_run_entity,
        staging::rocket,
        staging::mission,
        staging::launch,
        staging::launch_mission,
        staging::launch_link,
        staging::rejected,
        staging::extract_run_reference,
        staging::capsule,
        staging::core,
        staging::dragon,
        staging::history,
        staging::landpad,
        staging::launchpad,
        staging::payload,
        staging::ship,
        staging::company,
        staging::roadster,
        staging::launch_ship,
        staging::launch_core,
        staging::launch_payload,
        staging::launch_site,
        staging::mission_payload,
        staging::capsule_mission,
        staging::core_mission,
        staging::ship_mission,
        marts::publication,
        marts::publication_by_object,
        marts::build_run,
        marts::publication_contribution,
    );
    assert!(!in_database.is_empty());
    assert_eq!(in_diesel, in_database);
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
