//! Publishing into staging: one transaction, mirror semantics, no needless writes; whole
//! snapshots and the page-wise write with a savepoint per entity.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is the failure report
mod common;

use common::{launch, report, rocket, snapshot};
use diesel::prelude::*;
use serde_json::json;

use common::snapshot::publish;
use db_models::models::{EntityStatus, NewLaunchShip, NewMission, NewRejected, RunStatus};
use db_models::schema::staging;
use repository::extract_runs;
use repository::staging::{publish_with, Entity, LaunchRows, Related, Rows, Stop};

/// `required` of the page-wise publishes below.
const ROCKET: [Entity; 1] = [Entity::Rocket];

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
        manufacturers: vec!["Orbital ATK".into()],
        website: Some("https://iridium.example/".into()),
        raw: json!({"id": "M1"}),
        run_id: run,
        ..NewMission::default()
    }]);
    publish(&mut conn, run, snap).unwrap();
    let makers: Vec<Vec<String>> = staging::mission::table
        .select(staging::mission::manufacturers)
        .load(&mut conn)
        .unwrap();
    assert_eq!(makers, vec![vec!["Orbital ATK".to_string()]]);
}

/// `publish_with`, the page-wise write: an entity refused after some of its batches were
/// written is rolled back to its savepoint alone (its previous rows, no refusals of it); the
/// next entity still loads batch by batch, and its sweep deletes what no batch listed.
#[test]
fn an_entity_refused_mid_load_is_rolled_back_alone() {
    let (_db, database) = common::migrated();
    let mut conn = common::conn(&database);
    let run1 = extract_runs::start(&mut conn).unwrap();
    publish(
        &mut conn,
        run1,
        snapshot(
            run1,
            vec![launch(run1, "1", "x", &[]), launch(run1, "2", "y", &[])],
            vec![rocket(run1, "falcon9", "https://w")],
        ),
    )
    .unwrap();
    let run2 = extract_runs::start(&mut conn).unwrap();
    let mut entities = vec![report(run2, "rocket", None), report(run2, "launch", None)];
    let launches = |ids: &[&str]| {
        let mut rows = LaunchRows::default();
        for id in ids {
            let (row, links) = launch(run2, id, if *id == "1" { "x" } else { "z" }, &[]);
            rows.launches.push(row);
            rows.links.extend(links);
        }
        Rows::Launch(rows)
    };
    let published = publish_with(&mut conn, run2, &mut entities, &ROCKET, |staging| {
        staging.load(Entity::Rocket, |table, report| {
            table.write(Rows::Rocket(vec![rocket(
                run2,
                "falcon9",
                "https://changed",
            )]))?;
            table.write(Rows::Rocket(vec![rocket(run2, "falcon1", "https://new")]))?;
            table.reject(&[NewRejected {
                run_id: run2,
                entity: "rocket",
                upstream_id: Some("bad".into()),
                reason: "test".into(),
                raw: "{}".into(),
            }])?;
            report.loaded = 2;
            Err(Stop::Refused(
                EntityStatus::Failed,
                "wrong shape: test".into(),
            ))
        })?;
        staging.load(Entity::Launch, |table, report| {
            table.write(launches(&["1"]))?;
            table.write(launches(&["3"]))?;
            table.sweep(|id| ["1", "3"].contains(&id))?;
            report.loaded = 2;
            Ok(())
        })
    })
    .unwrap();
    assert_eq!(published.status, RunStatus::Partial);
    assert_eq!(
        published.rows_changed, 2,
        "launch 3 inserted, launch 2 deleted"
    );
    let rocket_report = &entities[0];
    assert_eq!(
        (
            rocket_report.status.as_str(),
            rocket_report.error.as_deref(),
            rocket_report.loaded,
            rocket_report.inserted
        ),
        ("failed", Some("wrong shape: test"), 0, 0)
    );
    let launch_report = &entities[1];
    assert_eq!(
        (
            launch_report.loaded,
            launch_report.inserted,
            launch_report.updated,
            launch_report.deleted
        ),
        (2, 1, 0, 1)
    );
    let rockets: Vec<(String, Option<String>)> = staging::rocket::table
        .select((staging::rocket::id, staging::rocket::wikipedia))
        .load(&mut conn)
        .unwrap();
    assert_eq!(rockets, [("falcon9".into(), Some("https://w".into()))]);
    assert_eq!(
        staging::rejected::table
            .count()
            .get_result::<i64>(&mut conn)
            .unwrap(),
        0
    );
    let mut launch_ids: Vec<String> = staging::launch::table
        .select(staging::launch::id)
        .load(&mut conn)
        .unwrap();
    launch_ids.sort();
    assert_eq!(launch_ids, ["1", "3"]);
    let stored = extract_runs::entities(&mut conn, run2).unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(
        extract_runs::latest(&mut conn)
            .unwrap()
            .unwrap()
            .error
            .as_deref(),
        Some("rocket: wrong shape: test")
    );
}

/// A relation written batch by batch reads only its batch's owners and ends exactly like the
/// whole comparison: changed owners rewritten, an owner whose list emptied loses its rows, and
/// the sweep deletes the rows of owners no batch listed.
#[test]
fn a_relation_is_compared_batch_by_batch_then_swept() {
    let (_db, database) = common::migrated();
    let mut conn = common::conn(&database);
    let ship = |launch_id: &str, position: i32, ship_id: &str| NewLaunchShip {
        launch_id: launch_id.into(),
        position,
        ship_id: Some(ship_id.into()),
    };
    let run1 = extract_runs::start(&mut conn).unwrap();
    let mut first = snapshot(
        run1,
        ["1", "2", "3"]
            .map(|id| launch(run1, id, "x", &[]))
            .to_vec(),
        vec![],
    );
    first.launch_ships = Some(vec![
        ship("1", 0, "S1"),
        ship("1", 1, "S2"),
        ship("2", 0, "S3"),
        ship("3", 0, "S4"),
    ]);
    first.entities.push(report(run1, "launch_ship", None));
    publish(&mut conn, run1, first).unwrap();

    let run2 = extract_runs::start(&mut conn).unwrap();
    let mut entities = vec![report(run2, "launch_ship", None)];
    let published = publish_with(&mut conn, run2, &mut entities, &ROCKET, |staging| {
        staging.load(Entity::LaunchShip, |table, _| {
            table.write(Rows::LaunchShip(Related {
                owners: vec!["1".into()],
                rows: vec![ship("1", 0, "S1"), ship("1", 1, "S9")],
            }))?;
            table.write(Rows::LaunchShip(Related {
                owners: vec!["2".into()],
                rows: vec![],
            }))?;
            table.sweep(|id| ["1", "2"].contains(&id))?;
            Ok(())
        })
    })
    .unwrap();
    assert_eq!(published.status, RunStatus::Succeeded);
    let relation = &entities[0];
    assert_eq!(
        (relation.inserted, relation.deleted),
        (1, 3),
        "S9 in; S2, S3 (emptied list) and S4 (owner not listed) out"
    );
    let rows: Vec<(String, i32, Option<String>)> = staging::launch_ship::table
        .select((
            staging::launch_ship::launch_id,
            staging::launch_ship::position,
            staging::launch_ship::ship_id,
        ))
        .order((
            staging::launch_ship::launch_id,
            staging::launch_ship::position,
        ))
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        rows,
        [
            ("1".into(), 0, Some("S1".into())),
            ("1".into(), 1, Some("S9".into()))
        ]
    );
}
