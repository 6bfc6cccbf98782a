//! Freshness reads: what counts as the last successful extraction, and the martmaker's tick.
#![allow(clippy::unwrap_used)]

mod common;

use common::snapshot::publish;
use db_models::models::RunStatus;
use repository::marts::{self, BuildSettings, Refresh};
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

/// A run stopped by a shutdown signal is an ordinary stop: recorded `cancelled`, it neither
/// refreshes the copy nor counts against it (freshness, hence `/readyz` and the stale gauge,
/// still read the last run that loaded).
#[test]
fn a_cancelled_run_leaves_the_freshness_as_it_was() {
    let (_db, database) = common::migrated();
    let mut conn = common::conn(&database);
    let cancel = |conn: &mut diesel::PgConnection| {
        let run = extract_runs::start(conn).unwrap();
        extract_runs::record_failure(
            conn,
            run,
            RunStatus::Cancelled,
            "stopped by a shutdown signal",
            &[],
        )
        .unwrap();
    };
    let last_extract =
        |conn: &mut diesel::PgConnection| read::extract_freshness(conn).unwrap().last_extract;
    cancel(&mut conn);
    assert_eq!(last_extract(&mut conn), None);

    run(&database, &[]);
    let loaded = last_extract(&mut conn);
    assert!(loaded.is_some());
    cancel(&mut conn);
    assert_eq!(last_extract(&mut conn), loaded);
}

/// The martmaker's tick decides "up to date" on its own, in the statement that reads the
/// freshness; the refresh asks again before it builds. They must agree in every state, or a
/// tick would skip a build the refresh would make.
#[test]
fn the_martmaker_tick_agrees_with_the_refresh() {
    let (_db, database) = common::migrated();
    let mut conn = common::conn(&database);
    let agreed = |conn: &mut repository::PgPooled| {
        let tick = read::mart_tick(conn, marts::PUBLICATION_MART).unwrap();
        assert!(tick.launches_loaded);
        assert_eq!(
            tick.freshness.last_extract,
            read::extract_freshness(conn).unwrap().last_extract
        );
        let refreshed = marts::refresh_publication(conn, &BuildSettings::default()).unwrap();
        match refreshed {
            Refresh::Unchanged { source_run_id } => {
                assert!(tick.up_to_date, "the refresh found nothing to do");
                assert_eq!(source_run_id, tick.staging_change);
            }
            Refresh::Built { source_run_id, .. } => {
                assert!(!tick.up_to_date, "the refresh built");
                assert_eq!(source_run_id, tick.staging_change);
            }
            other => panic!("{other:?}"),
        }
        tick.up_to_date
    };
    let changing_run = |conn: &mut repository::PgPooled, rocket: &str| {
        let run = extract_runs::start(conn).unwrap();
        let rockets = vec![common::rocket(run, rocket, "https://w/r")];
        publish(conn, run, common::snapshot(run, vec![], rockets)).unwrap();
        run
    };

    let awaiting = |conn: &mut repository::PgPooled| {
        let tick = read::mart_tick(conn, marts::PUBLICATION_MART).unwrap();
        assert_eq!(
            marts::refresh_publication(conn, &BuildSettings::default()).unwrap(),
            Refresh::AwaitingData
        );
        !tick.launches_loaded
    };
    assert!(awaiting(&mut conn), "no extraction yet: nothing to build");
    run(&database, &["launch"]);
    assert!(awaiting(&mut conn), "the launches failed: still nothing");
    run(&database, &[]);
    assert!(
        !agreed(&mut conn),
        "never built: build (from a run that changed no row)"
    );
    assert!(agreed(&mut conn), "built from nothing, nothing since");
    run(&database, &[]);
    assert!(agreed(&mut conn), "a run that changed no row");
    changing_run(&mut conn, "falcon9");
    assert!(!agreed(&mut conn), "staging changed");
    assert!(agreed(&mut conn), "built from it");
    run(&database, &["launch", "rocket"]);
    assert!(agreed(&mut conn), "a partial run that changed nothing");
    let failed = extract_runs::start(&mut conn).unwrap();
    extract_runs::record_failure(
        &mut conn,
        failed,
        RunStatus::Failed,
        "writing staging failed",
        &[],
    )
    .unwrap();
    assert!(agreed(&mut conn), "a failed run");
    changing_run(&mut conn, "starship");
    assert!(!agreed(&mut conn), "staging changed again");
}
