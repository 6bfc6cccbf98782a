//! Least privilege: each service's role can do its job and nothing else.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use repository::{marts, Database, DatabaseSettings};

/// Runs `sql` in a transaction that is always rolled back; `Ok` if Postgres allowed it.
fn try_sql(database: &Database, sql: &str) -> Result<(), String> {
    let mut conn = database.connection().unwrap();
    let result = conn.transaction::<(), diesel::result::Error, _>(|conn| {
        conn.batch_execute(sql)?;
        Err(diesel::result::Error::RollbackTransaction)
    });
    match result {
        Err(diesel::result::Error::RollbackTransaction) => Ok(()),
        Err(other) => Err(other.to_string()),
        Ok(()) => unreachable!("always rolled back"),
    }
}

fn denied(database: &Database, sql: &str) {
    let error = try_sql(database, sql).expect_err(sql);
    assert!(
        error.contains("permission denied") || error.contains("must be owner"),
        "{sql}: {error}"
    );
}

fn allowed(database: &Database, sql: &str) {
    try_sql(database, sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
}

const WRITE_STAGING: &str = "INSERT INTO staging.rocket (id, raw, run_id) VALUES ('r', '{}', 1)";
const READ_STAGING: &str = "SELECT count(*) FROM staging.launch";
const WRITE_MARTS: &str = "DELETE FROM marts.publication";
const READ_MARTS: &str = "SELECT count(*) FROM marts.publication_by_object";

#[test]
fn the_extractor_writes_staging_and_cannot_touch_marts() {
    let (db, _owner) = common::migrated();
    let extractor = common::as_role(&db, "greenadam_extractor");
    allowed(&extractor, WRITE_STAGING);
    allowed(&extractor, READ_STAGING);
    allowed(&extractor, "INSERT INTO staging.extract_run DEFAULT VALUES");
    allowed(&extractor, "SELECT * FROM staging.freshness");
    denied(&extractor, READ_MARTS);
    denied(&extractor, WRITE_MARTS);
    denied(&extractor, "CREATE TABLE staging.sneaky (x int)");
    denied(&extractor, "DROP TABLE staging.launch");
}

#[test]
fn the_martmaker_reads_staging_and_writes_marts_only() {
    let (db, owner) = common::migrated();
    // An extraction to build from (there is no build before one).
    let mut conn = common::conn(&owner);
    let run = repository::extract_runs::start(&mut conn).unwrap();
    common::snapshot::publish(&mut conn, run, common::snapshot(run, vec![], vec![])).unwrap();
    let martmaker = common::as_role(&db, "greenadam_martmaker");
    allowed(&martmaker, READ_STAGING);
    denied(&martmaker, WRITE_STAGING);
    denied(&martmaker, "DELETE FROM staging.launch");
    allowed(&martmaker, WRITE_MARTS);
    let built =
        marts::refresh_publication(&mut martmaker.connection().unwrap(), &Default::default())
            .unwrap();
    assert!(matches!(built, marts::Refresh::Built { .. }), "{built:?}");
    // It recorded the build's checks, which the reader may read.
    let reader = common::as_role(&db, "greenadam_reader");
    let latest = marts::latest_checks(&mut reader.connection().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(latest.checks.len(), 7, "{latest:?}");
}

#[test]
fn the_reader_only_reads_marts() {
    let (db, _owner) = common::migrated();
    let reader = common::as_role(&db, "greenadam_reader");
    allowed(&reader, READ_MARTS);
    allowed(&reader, "SELECT * FROM marts.publication");
    allowed(&reader, "SELECT * FROM marts.check_result");
    allowed(&reader, "SELECT * FROM marts.publication_by_object_history");
    allowed(&reader, "SELECT * FROM marts.publication_history");
    denied(&reader, "DELETE FROM marts.publication_by_object_history");
    denied(&reader, WRITE_MARTS);
    denied(&reader, "DELETE FROM marts.check_result");
    denied(&reader, "UPDATE marts.publication SET total = 0");
    denied(&reader, READ_STAGING);
    denied(&reader, WRITE_STAGING);
    // How fresh staging is and whether the marts are behind it (migration 000014), but no
    // staging table, the run bookkeeping included.
    allowed(&reader, "SELECT * FROM staging.freshness");
    allowed(
        &reader,
        "SELECT * FROM marts.since_last_build('publication')",
    );
    denied(&reader, "SELECT * FROM staging.extract_run");
    denied(&reader, "CREATE TABLE marts.sneaky (x int)");
}

#[test]
fn migrations_still_run_as_the_login_user_from_a_role_pool() {
    let db = test_kit::TestDb::new();
    let reader = common::as_role(&db, "greenadam_reader");
    // The roles may not exist yet on a brand-new cluster: create them through a first migration.
    let owner = Database::new(&DatabaseSettings {
        url: db.url(),
        pool_size: 2,
        connect_timeout: Duration::from_secs(10),
        role: None,
    })
    .unwrap();
    owner.run_migrations().unwrap();
    assert!(reader.run_migrations().unwrap().is_empty());
    allowed(&reader, READ_MARTS);
}

#[test]
fn the_extractor_fills_the_generated_publication_url_columns() {
    // staging's generated columns call marts.publication_url(): the extractor writes them
    // without any privilege on schema marts.
    let (db, _owner) = common::migrated();
    let extractor = common::as_role(&db, "greenadam_extractor");
    let mut conn = extractor.connection().unwrap();
    conn.test_transaction::<_, diesel::result::Error, _>(|conn| {
        conn.batch_execute(
            "INSERT INTO staging.launch (id, raw, run_id) VALUES ('l', '{}', 1);
             INSERT INTO staging.launch_link (launch_id, field, position, url)
             VALUES ('l', 'wikipedia', 0, ' https://en.wikipedia.org/wiki/X '),
                    ('l', 'presskit', 0, 'javascript:alert(1)');
             INSERT INTO staging.rocket (id, raw, run_id, wikipedia)
             VALUES ('r', '{}', 1, 'https://en.wikipedia.org/wiki/R')",
        )?;
        let links: Vec<(String, Option<String>)> = db_models::schema::staging::launch_link::table
            .select((
                db_models::schema::staging::launch_link::field,
                db_models::schema::staging::launch_link::publication_url,
            ))
            .order(db_models::schema::staging::launch_link::field)
            .load(conn)?;
        assert_eq!(
            links,
            [
                ("presskit".to_string(), None),
                (
                    "wikipedia".to_string(),
                    Some("https://en.wikipedia.org/wiki/X".to_string())
                ),
            ]
        );
        let rocket: Option<String> = db_models::schema::staging::rocket::table
            .select(db_models::schema::staging::rocket::wikipedia_publication_url)
            .first(conn)?;
        assert_eq!(rocket.as_deref(), Some("https://en.wikipedia.org/wiki/R"));
        Ok(())
    });
}
