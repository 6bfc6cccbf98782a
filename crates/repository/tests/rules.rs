//! The freshness and "changed since the last build" rules of migration 000014, asked in plain
//! SQL as a psql user asks them (the reader's role included), over states that tell them
//! apart: runs that loaded the launches or not, failed and cancelled runs, a build up to date
//! or behind.
#![allow(clippy::unwrap_used)]

mod common;

use common::snapshot::publish;
use db_models::models::RunStatus;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use repository::marts::{self, Refresh};
use repository::{extract_runs, Database};
use serde_json::{json, Value};

/// The rows `sql` returns, one JSON object per row (as psql would list them).
fn select(database: &Database, sql: &str) -> Value {
    #[derive(QueryableByName)]
    struct Rows {
        #[diesel(sql_type = Text)]
        rows: String,
    }
    let rows: Rows = diesel::sql_query(format!(
        "SELECT coalesce(json_agg(answer), '[]')::text AS rows FROM ({sql}) AS answer"
    ))
    .get_result(&mut common::conn(database))
    .unwrap_or_else(|e| panic!("{sql}: {e}"));
    serde_json::from_str(&rows.rows).unwrap()
}

/// Publishes a run: `rockets` (their ids) as the rockets upstream, or `None` for a failed
/// rocket fetch; the launches loaded (none upstream) unless `launches_failed`. Returns its id.
fn run(database: &Database, rockets: Option<&[&str]>, launches_failed: bool) -> i64 {
    let mut conn = common::conn(database);
    let run = extract_runs::start(&mut conn).unwrap();
    let rows = rockets.map(|ids| {
        ids.iter()
            .map(|id| common::rocket(run, id, "https://w/r"))
            .collect()
    });
    let mut snapshot = common::snapshot(run, vec![], rows.clone().unwrap_or_default());
    snapshot.rockets = rows;
    for report in &mut snapshot.entities {
        let failed = match report.entity.as_str() {
            "launch" => launches_failed,
            "rocket" => rockets.is_none(),
            _ => false,
        };
        if failed {
            *report = common::report(run, &report.entity, Some("HTTP status 503"));
        }
    }
    if launches_failed {
        snapshot.launches = None;
    }
    publish(&mut conn, run, snapshot).unwrap();
    run
}

/// A run that wrote nothing: `failed` or `cancelled`.
fn stopped(database: &Database, status: RunStatus) -> i64 {
    let mut conn = common::conn(database);
    let run = extract_runs::start(&mut conn).unwrap();
    extract_runs::record_failure(&mut conn, run, status, "stopped", &[]).unwrap();
    run
}

const REFRESHES: &str = "SELECT run_id, status FROM staging.launch_refresh ORDER BY run_id";
const FRESHNESS: &str = "SELECT run_id, rows_changed, current_at = finished_at AS current_at_end,
                                current_at = last_checked_at AS current_at_check
                         FROM staging.freshness";
const LATEST_CHANGE: &str = "SELECT run_id FROM staging.latest_change";

#[test]
fn staging_freshness_counts_the_runs_that_refreshed_the_launches() {
    let (db, owner) = common::migrated();
    let reader = common::as_role(&db, "greenadam_reader");
    let extractor = common::as_role(&db, "greenadam_extractor");
    let martmaker = common::as_role(&db, "greenadam_martmaker");
    let ask = |sql: &str| {
        let answer = select(&reader, sql);
        for role in [&owner, &extractor, &martmaker] {
            assert_eq!(select(role, sql), answer, "{sql}");
        }
        answer
    };

    // Before any run: one row of nothing.
    assert_eq!(ask(REFRESHES), json!([]));
    assert_eq!(
        ask(FRESHNESS),
        json!([{"run_id": null, "rows_changed": null, "current_at_end": null,
                "current_at_check": null}])
    );
    assert_eq!(ask(LATEST_CHANGE), json!([{"run_id": null}]));

    let succeeded = run(&owner, Some(&["falcon9"]), false);
    // Rockets failed, launches loaded, nothing changed: partial, and still a refresh.
    let partial_loaded = run(&owner, None, false);
    // Launches failed, a new rocket: staging changed, the launches were not refreshed.
    let partial_unloaded = run(&owner, Some(&["falcon9", "starship"]), true);
    stopped(&owner, RunStatus::Failed);
    stopped(&owner, RunStatus::Cancelled);
    // Still running: not finished, nothing loaded yet.
    extract_runs::start(&mut common::conn(&owner)).unwrap();

    assert_eq!(
        ask(REFRESHES),
        json!([{"run_id": succeeded, "status": "succeeded"},
               {"run_id": partial_loaded, "status": "partial"}])
    );
    assert_eq!(
        ask(FRESHNESS),
        json!([{"run_id": partial_loaded, "rows_changed": 0, "current_at_end": true,
                "current_at_check": null}])
    );
    assert_eq!(ask(LATEST_CHANGE), json!([{"run_id": partial_unloaded}]));
    // "Did run X refresh the launches?"
    let refreshed = |run: i64| {
        ask(&format!(
            "SELECT EXISTS (SELECT FROM staging.launch_refresh WHERE run_id = {run}) AS yes"
        ))
    };
    assert_eq!(refreshed(partial_loaded), json!([{"yes": true}]));
    assert_eq!(refreshed(partial_unloaded), json!([{"yes": false}]));

    // A later check found the upstream unchanged (recorded on the last run that loaded, which
    // did not load the launches): it confirms the launches too, staging is current since then.
    common::conn(&owner)
        .batch_execute(&format!(
            "UPDATE staging.extract_run SET last_checked_at = now() + interval '1 minute'
             WHERE id = {partial_unloaded}"
        ))
        .unwrap();
    assert_eq!(
        ask(FRESHNESS),
        json!([{"run_id": partial_loaded, "rows_changed": 0, "current_at_end": false,
                "current_at_check": true}])
    );
}

#[test]
fn since_last_build_says_whether_a_mart_is_behind_staging() {
    let (db, owner) = common::migrated();
    let reader = common::as_role(&db, "greenadam_reader");
    let martmaker = common::as_role(&db, "greenadam_martmaker");
    let since = |mart: &str| {
        let sql = format!("SELECT * FROM marts.since_last_build('{mart}')");
        let answer = select(&reader, &sql);
        assert_eq!(select(&martmaker, &sql), answer, "{sql}");
        answer
    };
    let state = |staging_change: Option<i64>, up_to_date: bool, launches_loaded: bool| {
        json!([{"staging_change": staging_change, "up_to_date": up_to_date,
                "launches_loaded": launches_loaded}])
    };
    let build = || {
        let refresh =
            marts::refresh_publication(&mut common::conn(&martmaker), &Default::default()).unwrap();
        assert!(matches!(refresh, Refresh::Built { .. }), "{refresh:?}");
    };

    assert_eq!(since("publication"), state(None, false, false));
    // Staging changed, but the launches failed: nothing to build from yet.
    let rockets_only = run(&owner, Some(&["falcon9"]), true);
    assert_eq!(
        since("publication"),
        state(Some(rockets_only), false, false)
    );
    // The launches loaded (none upstream), nothing else changed: build from the rockets' run.
    run(&owner, Some(&["falcon9"]), false);
    assert_eq!(since("publication"), state(Some(rockets_only), false, true));
    build();
    assert_eq!(since("publication"), state(Some(rockets_only), true, true));
    // Another mart, never built, is behind.
    assert_eq!(since("other"), state(Some(rockets_only), false, true));

    // Runs that change nothing, fail or are cancelled keep the mart up to date.
    run(&owner, Some(&["falcon9"]), false);
    stopped(&owner, RunStatus::Failed);
    stopped(&owner, RunStatus::Cancelled);
    assert_eq!(since("publication"), state(Some(rockets_only), true, true));

    let changed = run(&owner, Some(&["falcon9", "starship"]), false);
    assert_eq!(since("publication"), state(Some(changed), false, true));
    // A failed build from it does not count: still behind.
    common::conn(&owner)
        .batch_execute(&format!(
            "INSERT INTO marts.build_run (mart, status, source_run_id, finished_at, error)
             VALUES ('publication', 'failed', {changed}, now(), 'a check failed')"
        ))
        .unwrap();
    assert_eq!(since("publication"), state(Some(changed), false, true));
    build();
    assert_eq!(since("publication"), state(Some(changed), true, true));
}

/// Postgres inlines the views and the function into the statements that read them, so a
/// tick's plan is the plan of the SQL written out (no function call, no opaque row).
#[test]
fn the_rules_are_inlined_into_the_statements_that_read_them() {
    let (_db, owner) = common::migrated();
    #[derive(QueryableByName)]
    struct Plan {
        #[diesel(sql_type = Text)]
        #[diesel(column_name = "QUERY PLAN")]
        line: String,
    }
    let lines: Vec<Plan> = diesel::sql_query(
        "EXPLAIN SELECT * FROM staging.freshness, marts.since_last_build('publication')",
    )
    .load(&mut common::conn(&owner))
    .unwrap();
    let plan: Vec<&str> = lines.iter().map(|l| l.line.as_str()).collect();
    // The function's body, planned with the rest.
    assert!(
        plan.iter().any(|l| l.contains(" on build_run ")),
        "{plan:#?}"
    );
    assert!(
        !plan.iter().any(|l| l.contains("Function Scan")),
        "{plan:#?}"
    );
}
