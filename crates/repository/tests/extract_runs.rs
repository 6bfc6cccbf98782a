//! Confirming an unchanged upstream: which fingerprints count, and what the check writes.
#![allow(clippy::unwrap_used)]

mod common;

use diesel::prelude::*;

use db_models::models::ExtractRun;
use db_models::schema::staging::extract_run;
use repository::staging::publish;
use repository::{extract_runs, read, Database};

/// Publishes a run with one fingerprint per entity (`None`: that entity's fetch failed and
/// it kept its rows); returns the run id.
fn run(database: &Database, fingerprints: &[(&str, Option<&str>)]) -> i64 {
    let mut conn = common::conn(database);
    let run = extract_runs::start(&mut conn).unwrap();
    let rockets = vec![common::rocket(
        run,
        "falcon9",
        "https://en.wikipedia.org/wiki/Falcon_9",
    )];
    let mut snapshot = common::snapshot(run, vec![], rockets);
    snapshot.entities = fingerprints
        .iter()
        .map(|(entity, fingerprint)| {
            let mut report = common::report(run, entity, fingerprint.is_none().then_some("503"));
            report.fingerprint = fingerprint.map(str::to_string);
            report
        })
        .collect();
    if fingerprints.contains(&("rocket", None)) {
        snapshot.rockets = None;
    }
    publish(&mut conn, run, snapshot).unwrap();
    run
}

fn confirm(database: &Database, fingerprints: &[(&str, &str)]) -> Option<i64> {
    let pairs: Vec<(&str, String)> = fingerprints
        .iter()
        .map(|(entity, fingerprint)| (*entity, fingerprint.to_string()))
        .collect();
    extract_runs::confirm_unchanged(&mut common::conn(database), &pairs).unwrap()
}

/// Every staging rocket with its row version: a rewrite shows as a new `xmin`.
fn rocket_versions(database: &Database) -> String {
    #[derive(QueryableByName)]
    struct Versions {
        #[diesel(sql_type = diesel::sql_types::Text)]
        versions: String,
    }
    diesel::sql_query(
        "SELECT coalesce(string_agg(id || '@' || xmin::text, ',' ORDER BY id), '') AS versions \
         FROM staging.rocket",
    )
    .get_result::<Versions>(&mut common::conn(database))
    .unwrap()
    .versions
}

fn runs(database: &Database) -> Vec<ExtractRun> {
    extract_run::table
        .order(extract_run::id)
        .select(ExtractRun::as_select())
        .load(&mut common::conn(database))
        .unwrap()
}

#[test]
fn equal_fingerprints_are_counted_on_the_loading_run_and_nothing_else_is_written() {
    let (_db, database) = common::migrated();
    assert_eq!(
        confirm(&database, &[("launch", "L1")]),
        None,
        "nothing loaded yet"
    );

    let loaded = run(&database, &[("launch", Some("L1")), ("rocket", Some("R1"))]);
    let before = runs(&database);
    let staging_before = rocket_versions(&database);

    assert_eq!(
        confirm(&database, &[("launch", "L1"), ("rocket", "R1")]),
        Some(loaded)
    );
    assert_eq!(
        confirm(&database, &[("launch", "L1"), ("rocket", "R1")]),
        Some(loaded)
    );

    let after = runs(&database);
    assert_eq!(after.len(), before.len(), "no run opened");
    assert_eq!(after[0].unchanged_checks, 2);
    let checked_at = after[0].last_checked_at.unwrap();
    assert!(checked_at >= after[0].finished_at.unwrap());
    assert_eq!(rocket_versions(&database), staging_before);
    // Freshness counts the check.
    let fresh = read::extract_freshness(&mut common::conn(&database))
        .unwrap()
        .last_extract;
    assert_eq!(fresh.unwrap().current_at, checked_at);
}

#[test]
fn any_difference_or_an_entity_never_loaded_is_not_unchanged() {
    let (_db, database) = common::migrated();
    run(&database, &[("launch", Some("L1")), ("rocket", Some("R1"))]);

    for fingerprints in [
        &[("launch", "L2"), ("rocket", "R1")][..],
        &[("launch", "L1"), ("rocket", "R2")],
        &[("launch", "L1"), ("rocket", "R1"), ("mission", "M1")],
        &[("launch", "R1"), ("rocket", "L1")],
    ] {
        assert_eq!(confirm(&database, fingerprints), None, "{fingerprints:?}");
    }
    assert_eq!(
        runs(&database)[0].unchanged_checks,
        0,
        "a miss writes nothing"
    );
}

#[test]
fn an_entity_that_failed_since_is_compared_with_its_last_load() {
    let (_db, database) = common::migrated();
    run(&database, &[("launch", Some("L1")), ("rocket", Some("R1"))]);
    // Rockets failed and kept R1's rows; launches loaded L2.
    let partial = run(&database, &[("launch", Some("L2")), ("rocket", None)]);

    assert_eq!(
        confirm(&database, &[("launch", "L1"), ("rocket", "R1")]),
        None
    );
    assert_eq!(
        confirm(&database, &[("launch", "L2"), ("rocket", "R1")]),
        Some(partial)
    );
}

#[test]
fn a_failed_run_loaded_nothing_so_its_fingerprints_do_not_count() {
    let (_db, database) = common::migrated();
    run(&database, &[("launch", Some("L1"))]);
    let mut conn = common::conn(&database);
    let failed = extract_runs::start(&mut conn).unwrap();
    let mut report = common::report(failed, "launch", None);
    report.fingerprint = Some("L2".into());
    extract_runs::record_failure(&mut conn, failed, "writing staging failed", &[report]).unwrap();

    assert_eq!(confirm(&database, &[("launch", "L2")]), None);
    assert!(confirm(&database, &[("launch", "L1")]).is_some());
}
