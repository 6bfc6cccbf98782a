//! Freshness reads: what counts as the last successful extraction.
#![allow(clippy::unwrap_used)]

mod common;

use repository::staging::publish;
use repository::{extract_runs, read};

/// Publishes a run in which `failed` entities failed; returns its id.
fn run(database: &repository::Database, failed: &[&str]) -> i64 {
    let mut conn = common::conn(database);
    let run = extract_runs::start(&mut conn).unwrap();
    let mut snapshot = common::snapshot(run, vec![], vec![]);
    for entity in failed {
        if *entity == "launch" {
            snapshot.launches = None;
        } else {
            snapshot.rockets = None;
        }
        let report = snapshot
            .entities
            .iter_mut()
            .find(|e| e.entity == *entity)
            .unwrap();
        *report = common::report(run, entity, Some("HTTP status 503"));
    }
    publish(&mut conn, run, snapshot).unwrap();
    run
}

#[test]
fn a_partial_run_with_launches_loaded_keeps_the_copy_fresh() {
    let (_db, database) = common::migrated();
    let mut conn = common::conn(&database);
    assert_eq!(
        read::extract_freshness(&mut conn).unwrap().last_extract,
        None
    );

    run(&database, &[]);
    let succeeded = read::extract_freshness(&mut conn)
        .unwrap()
        .last_extract
        .unwrap();

    // Rockets failed, launches loaded: fresh, and newer.
    run(&database, &["rocket"]);
    let partial = read::extract_freshness(&mut conn)
        .unwrap()
        .last_extract
        .unwrap();
    assert!(partial.current_at > succeeded.current_at);

    // Launches failed: does not refresh the copy.
    run(&database, &["launch"]);
    assert_eq!(
        read::extract_freshness(&mut conn)
            .unwrap()
            .last_extract
            .unwrap(),
        partial
    );
}
