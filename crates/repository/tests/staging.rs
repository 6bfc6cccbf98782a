//! Publishing snapshots into staging: one transaction, mirror semantics, no needless writes.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is the failure report
mod common;

use common::{launch, report, rocket, snapshot};
use diesel::prelude::*;
use serde_json::json;

use db_models::models::{NewMission, NewRejected, RunStatus};
use db_models::schema::staging;
use repository::extract_runs;
use repository::staging::publish;

fn counts(conn: &mut PgConnection) -> (i64, i64, i64, i64) {
    (
        staging::launch::table.count().get_result(conn).unwrap(),
        staging::launch_link::table
            .count()
            .get_result(conn)
            .unwrap(),
        staging::launch_mission::table
            .count()
            .get_result(conn)
            .unwrap(),
        staging::rocket::table.count().get_result(conn).unwrap(),
    )
}

/// Every row version's physical identity (ctid, xmin) in the entity tables: equal before and
/// after means Postgres wrote nothing, not even an identical copy.
fn row_versions(conn: &mut PgConnection) -> String {
    #[derive(QueryableByName)]
    struct V {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    let tables = [
        "launch",
        "launch_link",
        "launch_mission",
        "rocket",
        "mission",
    ];
    tables
        .iter()
        .map(|t| {
            diesel::sql_query(format!(
                "SELECT coalesce(string_agg(ctid::text || '@' || xmin::text, ',' ORDER BY ctid), '') AS v FROM staging.{t}"
            ))
            .get_result::<V>(conn)
            .unwrap()
            .v
        })
        .collect::<Vec<_>>()
        .join(";")
}

#[test]
fn publish_mirrors_upstream_and_rewrites_only_what_changed() {
    let (_db, database) = common::migrated();
    let mut conn = common::conn(&database);

    let run1 = extract_runs::start(&mut conn).unwrap();
    let first = snapshot(
        run1,
        vec![
            launch(run1, "1", "first", &["https://p/1", "https://p/2"]),
            launch(run1, "2", "second", &[]),
        ],
        vec![rocket(run1, "falcon9", "https://w/f9")],
    );
    let published = publish(&mut conn, run1, first.clone()).unwrap();
    assert_eq!(published.status, RunStatus::Succeeded);
    assert_eq!(published.rows_changed, 3);
    assert_eq!(counts(&mut conn), (2, 2, 2, 1));
    let entities = extract_runs::entities(&mut conn, run1).unwrap();
    let launch_report = entities.iter().find(|e| e.entity == "launch").unwrap();
    assert_eq!(
        (
            launch_report.inserted,
            launch_report.updated,
            launch_report.deleted
        ),
        (2, 0, 0)
    );

    // The same data again changes nothing, not even a row version.
    let run2 = extract_runs::start(&mut conn).unwrap();
    let same = snapshot(
        run2,
        vec![
            launch(run2, "1", "first", &["https://p/1", "https://p/2"]),
            launch(run2, "2", "second", &[]),
        ],
        vec![rocket(run2, "falcon9", "https://w/f9")],
    );
    let before = row_versions(&mut conn);
    let published = publish(&mut conn, run2, same).unwrap();
    assert_eq!(published.rows_changed, 0);
    assert_eq!(row_versions(&mut conn), before, "no row version written");
    let run_ids: Vec<i64> = staging::launch::table
        .select(staging::launch::run_id)
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        run_ids,
        vec![run1, run1],
        "unchanged rows keep the run that wrote them"
    );

    // Launch 1 changes (a photo removed), launch 2 vanishes, launch 3 appears.
    let run3 = extract_runs::start(&mut conn).unwrap();
    let next = snapshot(
        run3,
        vec![
            launch(run3, "1", "first, edited", &["https://p/2"]),
            launch(run3, "3", "third", &["https://p/3"]),
        ],
        vec![rocket(run3, "falcon9", "https://w/f9")],
    );
    let published = publish(&mut conn, run3, next).unwrap();
    assert_eq!(
        published.rows_changed, 3,
        "1 updated, 1 inserted, 1 deleted"
    );
    assert_eq!(counts(&mut conn), (2, 2, 2, 1));
    let photos: Vec<(String, String)> = staging::launch_link::table
        .select((staging::launch_link::launch_id, staging::launch_link::url))
        .order(staging::launch_link::launch_id)
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        photos,
        vec![
            ("1".into(), "https://p/2".into()),
            ("3".into(), "https://p/3".into())
        ]
    );
}

#[test]
fn a_failed_entity_keeps_its_previous_rows_and_the_run_is_partial() {
    let (_db, database) = common::migrated();
    let mut conn = common::conn(&database);
    let run1 = extract_runs::start(&mut conn).unwrap();
    publish(
        &mut conn,
        run1,
        snapshot(
            run1,
            vec![launch(run1, "1", "x", &[])],
            vec![rocket(run1, "falcon9", "https://w")],
        ),
    )
    .unwrap();

    let run2 = extract_runs::start(&mut conn).unwrap();
    let mut partial = snapshot(run2, vec![], vec![]);
    partial.launches = None;
    partial.entities[0] = report(run2, "launch", Some("HTTP status 503"));
    let published = publish(&mut conn, run2, partial).unwrap();
    assert_eq!(published.status, RunStatus::Partial);
    assert_eq!(
        published.rows_changed, 1,
        "the rocket vanished, the launches were kept"
    );
    assert_eq!(counts(&mut conn), (1, 0, 1, 0));
    let run = extract_runs::latest(&mut conn).unwrap().unwrap();
    assert_eq!(run.status, "partial");
    assert_eq!(run.error.as_deref(), Some("launch: HTTP status 503"));
}

#[test]
fn a_failing_write_rolls_back_everything() {
    let (_db, database) = common::migrated();
    let mut conn = common::conn(&database);
    let run1 = extract_runs::start(&mut conn).unwrap();
    publish(
        &mut conn,
        run1,
        snapshot(run1, vec![launch(run1, "1", "x", &[])], vec![]),
    )
    .unwrap();

    // A rejected record pointing at a run that does not exist violates its foreign key: the
    // error comes after the launches were written, inside the same transaction.
    let run2 = extract_runs::start(&mut conn).unwrap();
    let mut bad = snapshot(
        run2,
        vec![launch(run2, "2", "y", &[])],
        vec![rocket(run2, "falcon9", "https://w")],
    );
    bad.rejected.push(NewRejected {
        run_id: run2 + 1000,
        entity: "launch",
        upstream_id: None,
        reason: "test".into(),
        raw: "{}".into(),
    });
    assert!(publish(&mut conn, run2, bad).is_err());
    let ids: Vec<String> = staging::launch::table
        .select(staging::launch::id)
        .load(&mut conn)
        .unwrap();
    assert_eq!(ids, vec!["1".to_string()]);
    assert_eq!(counts(&mut conn).3, 0);
    let run = extract_runs::latest(&mut conn).unwrap().unwrap();
    assert_eq!(run.status, "running", "the caller records the failure");
}

#[test]
fn missions_are_mirrored_too() {
    let (_db, database) = common::migrated();
    let mut conn = common::conn(&database);
    let run = extract_runs::start(&mut conn).unwrap();
    let mut snap = snapshot(run, vec![], vec![]);
    snap.missions = Some(vec![NewMission {
        id: "M1".into(),
        name: Some("Iridium".into()),
        description: None,
        manufacturers: vec!["Orbital ATK".into()],
        wikipedia: None,
        website: Some("https://iridium.example/".into()),
        twitter: None,
        raw: json!({"id": "M1"}),
        run_id: run,
    }]);
    publish(&mut conn, run, snap).unwrap();
    let makers: Vec<Vec<String>> = staging::mission::table
        .select(staging::mission::manufacturers)
        .load(&mut conn)
        .unwrap();
    assert_eq!(makers, vec![vec!["Orbital ATK".to_string()]]);
}
