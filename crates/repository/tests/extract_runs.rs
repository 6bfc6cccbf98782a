//! The extractor's claim after a fetch: which fingerprints count as unchanged, what the check
//! writes (the throttled heartbeat), and the lock it takes, keeps or releases.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use diesel::prelude::*;

use common::snapshot::publish;
use db_models::models::{ExtractRun, RunStatus};
use db_models::schema::staging::extract_run;
use repository::extract_runs::{Claim, UnrecordedChecks};
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

fn pairs<'a>(fingerprints: &[(&'a str, &str)]) -> Vec<(&'a str, String)> {
    fingerprints
        .iter()
        .map(|(entity, fingerprint)| (*entity, fingerprint.to_string()))
        .collect()
}

/// A claim by an extractor with `unrecorded` in memory and a `heartbeat`.
fn claim_with(
    database: &Database,
    fingerprints: &[(&str, &str)],
    heartbeat: Duration,
    unrecorded: &mut UnrecordedChecks,
) -> Claim {
    let pairs = pairs(fingerprints);
    extract_runs::claim(database, Some(&pairs), heartbeat, unrecorded).unwrap()
}

/// The loading run the check confirmed, or `None` when there is something to load (the lock
/// is released again). No heartbeat throttle: every check is recorded.
fn confirm(database: &Database, fingerprints: &[(&str, &str)]) -> Option<i64> {
    let claimed = claim_with(
        database,
        fingerprints,
        Duration::ZERO,
        &mut UnrecordedChecks::default(),
    );
    match claimed {
        Claim::Unchanged {
            loaded_by,
            recorded,
        } => {
            assert!(recorded, "no throttle");
            Some(loaded_by)
        }
        Claim::Load(_) => None,
        Claim::Busy => panic!("nobody else holds the lock"),
    }
}

/// Moves every recorded time of the runs back by `minutes` (the heartbeat is judged on them).
fn age(database: &Database, minutes: i64) {
    diesel::sql_query(format!(
        "UPDATE staging.extract_run
         SET finished_at = finished_at - interval '{minutes} minutes',
             last_checked_at = last_checked_at - interval '{minutes} minutes'"
    ))
    .execute(&mut common::conn(database))
    .unwrap();
}

/// A pool of its own, as another extractor process has.
fn other_process(db: &test_kit::TestDb) -> Database {
    Database::new(&repository::DatabaseSettings {
        url: db.url(),
        pool_size: 1,
        connect_timeout: Duration::from_secs(10),
        role: None,
    })
    .unwrap()
}

/// Whether another process could take the extractor lock now.
fn lock_is_free(db: &test_kit::TestDb) -> bool {
    extract_runs::try_lock(&other_process(db))
        .unwrap()
        .is_some()
}

/// Every row of `table` with its row version: a write shows as a new `xmin`.
fn row_versions(database: &Database, table: &str) -> String {
    #[derive(QueryableByName)]
    struct Versions {
        #[diesel(sql_type = diesel::sql_types::Text)]
        versions: String,
    }
    diesel::sql_query(format!(
        "SELECT coalesce(string_agg(id || '@' || xmin::text, ',' ORDER BY id), '') AS versions \
         FROM {table}"
    ))
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
    let staging_before = row_versions(&database, "staging.rocket");

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
    assert_eq!(row_versions(&database, "staging.rocket"), staging_before);
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
    extract_runs::record_failure(
        &mut conn,
        failed,
        RunStatus::Failed,
        "writing staging failed",
        &[report],
    )
    .unwrap();

    assert_eq!(confirm(&database, &[("launch", "L2")]), None);
    assert!(confirm(&database, &[("launch", "L1")]).is_some());
}

#[test]
fn an_unchanged_check_is_recorded_only_when_the_heartbeat_is_due() {
    let (_db, database) = common::migrated();
    let loaded = run(&database, &[("launch", Some("L1")), ("rocket", Some("R1"))]);
    let fetched = [("launch", "L1"), ("rocket", "R1")];
    let hour = Duration::from_secs(3600);
    let mut unrecorded = UnrecordedChecks::default();
    let check =
        |unrecorded: &mut UnrecordedChecks| match claim_with(&database, &fetched, hour, unrecorded)
        {
            Claim::Unchanged {
                loaded_by,
                recorded,
            } => {
                assert_eq!(loaded_by, loaded);
                recorded
            }
            _ => panic!("unchanged"),
        };

    // The load that just finished counts as a check: nothing written, counted in memory.
    let before = row_versions(&database, "staging.extract_run");
    for count in 1..=2 {
        assert!(!check(&mut unrecorded));
        assert_eq!((unrecorded.run_id, unrecorded.count), (Some(loaded), count));
    }
    assert_eq!(row_versions(&database, "staging.extract_run"), before);

    // A minute before the heartbeat is due: still nothing.
    age(&database, 59);
    let before = row_versions(&database, "staging.extract_run");
    assert!(!check(&mut unrecorded));
    assert_eq!(unrecorded.count, 3);
    assert_eq!(row_versions(&database, "staging.extract_run"), before);

    // Past it: this check is written, with the three before it.
    age(&database, 2);
    assert!(check(&mut unrecorded));
    assert_eq!(
        unrecorded,
        UnrecordedChecks {
            run_id: Some(loaded),
            count: 0,
            last_at: None
        }
    );
    let recorded = &runs(&database)[0];
    assert_eq!(recorded.unchanged_checks, 4);
    let checked_at = recorded.last_checked_at.unwrap();
    let freshness = read::extract_freshness(&mut common::conn(&database)).unwrap();
    assert!(freshness.now - checked_at < chrono::Duration::minutes(1));
    assert_eq!(freshness.last_extract.unwrap().current_at, checked_at);

    // And the next heartbeat is an hour from that one.
    let before = row_versions(&database, "staging.extract_run");
    assert!(!check(&mut unrecorded));
    assert_eq!(unrecorded.count, 1);
    assert_eq!(row_versions(&database, "staging.extract_run"), before);
}

#[test]
fn unrecorded_checks_stay_with_the_run_they_confirmed() {
    let (_db, database) = common::migrated();
    let first = run(&database, &[("launch", Some("L1"))]);
    let hour = Duration::from_secs(3600);
    let mut unrecorded = UnrecordedChecks::default();
    for _ in 0..2 {
        claim_with(&database, &[("launch", "L1")], hour, &mut unrecorded);
    }
    let last_check = unrecorded.last_at.unwrap();

    // Another extractor loads the same data again: the two checks are written on the run
    // they confirmed (with the time of the last one), this one is kept for the new run.
    let second = run(&database, &[("launch", Some("L1"))]);
    let claimed = claim_with(&database, &[("launch", "L1")], hour, &mut unrecorded);
    assert!(matches!(
        claimed,
        Claim::Unchanged { loaded_by, recorded: false } if loaded_by == second
    ));
    let runs = runs(&database);
    assert_eq!(runs[0].id, first);
    assert_eq!(
        (runs[0].unchanged_checks, runs[0].last_checked_at),
        (2, Some(last_check))
    );
    assert_eq!(
        (runs[1].unchanged_checks, runs[1].last_checked_at),
        (0, None)
    );
    assert_eq!((unrecorded.run_id, unrecorded.count), (Some(second), 1));
}

#[test]
fn a_change_keeps_the_lock_for_the_load_and_writes_the_unrecorded_checks() {
    let (db, database) = common::migrated();
    run(&database, &[("launch", Some("L1")), ("rocket", Some("R1"))]);
    let hour = Duration::from_secs(3600);
    let mut unrecorded = UnrecordedChecks::default();
    let unchanged = claim_with(
        &database,
        &[("launch", "L1"), ("rocket", "R1")],
        hour,
        &mut unrecorded,
    );
    assert!(matches!(unchanged, Claim::Unchanged { .. }));
    assert!(lock_is_free(&db), "released in the same statement");

    let Claim::Load(lock) = claim_with(
        &database,
        &[("launch", "L2"), ("rocket", "R1")],
        hour,
        &mut unrecorded,
    ) else {
        panic!("a changed launch loads")
    };
    assert!(!lock_is_free(&db), "held for the load");
    assert_eq!(runs(&database)[0].unchanged_checks, 1, "the check before");
    assert_eq!(unrecorded.count, 0);
    drop(lock);
    assert!(lock_is_free(&db));

    // An incomplete fetch loads what it got, whatever staging holds.
    let claimed = extract_runs::claim(&database, None, hour, &mut unrecorded).unwrap();
    assert!(matches!(claimed, Claim::Load(_)));
}

#[test]
fn a_claim_while_another_extractor_holds_the_lock_writes_nothing() {
    let (db, database) = common::migrated();
    let loaded = run(&database, &[("launch", Some("L1"))]);
    let other = other_process(&db);
    let held = extract_runs::try_lock(&other).unwrap().unwrap();
    let mut unrecorded = UnrecordedChecks {
        run_id: Some(loaded),
        count: 5,
        last_at: None,
    };
    let before = row_versions(&database, "staging.extract_run");
    for fetched in [("launch", "L1"), ("launch", "L2")] {
        let claimed = claim_with(&database, &[fetched], Duration::ZERO, &mut unrecorded);
        assert!(matches!(claimed, Claim::Busy), "{fetched:?}");
    }
    assert_eq!(unrecorded.count, 5, "kept for later");
    assert_eq!(row_versions(&database, "staging.extract_run"), before);
    drop(held);
    assert!(matches!(
        claim_with(
            &database,
            &[("launch", "L1")],
            Duration::ZERO,
            &mut unrecorded
        ),
        Claim::Unchanged { recorded: true, .. }
    ));
    assert_eq!(runs(&database)[0].unchanged_checks, 6);
}

#[test]
fn a_claim_that_fails_releases_the_lock_it_took() {
    let (db, database) = common::migrated();
    let loaded = run(&database, &[("launch", Some("L1"))]);
    // A count the table's CHECK refuses: the statement fails after taking the lock.
    let mut unrecorded = UnrecordedChecks {
        run_id: Some(loaded),
        count: -10,
        last_at: None,
    };
    let fetched = pairs(&[("launch", "L1")]);
    let claimed = extract_runs::claim(&database, Some(&fetched), Duration::ZERO, &mut unrecorded);
    assert!(claimed.is_err());
    assert!(lock_is_free(&db));
    assert_eq!(unrecorded.count, -10, "nothing written, nothing forgotten");
    assert_eq!(runs(&database)[0].unchanged_checks, 0);
}
