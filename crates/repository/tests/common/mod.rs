//! Shared set-up of the repository tests.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is the failure report
#![allow(dead_code)] // each test binary uses a different part of this module

use std::time::Duration;

use chrono::{TimeZone, Utc};
use db_models::models::{
    EntityStatus, ExtractRunEntity, NewLaunch, NewLaunchLink, NewLaunchMission, NewRocket,
};
use repository::staging::LaunchRows;
use serde_json::json;
use snapshot::Snapshot;

use repository::{Database, DatabaseSettings, PgPooled};
use test_kit::TestDb;

pub mod snapshot;

/// A fresh, migrated database. Keep the `TestDb` alive as long as the `Database`.
pub fn migrated() -> (TestDb, Database) {
    let test_db = TestDb::migrated();
    let database = Database::new(&DatabaseSettings {
        url: test_db.url(),
        pool_size: 4,
        connect_timeout: Duration::from_secs(10),
        role: None,
    })
    .expect("pool");
    (test_db, database)
}

/// A pool of connections to `test_db` that work as `role` (`SET ROLE`), as a service's do.
pub fn as_role(test_db: &TestDb, role: &str) -> Database {
    Database::new(&DatabaseSettings {
        url: test_db.url(),
        pool_size: 2,
        connect_timeout: Duration::from_secs(10),
        role: Some(role.into()),
    })
    .expect("pool")
}

/// A pooled connection.
pub fn conn(database: &Database) -> PgPooled {
    database.connection().expect("connection")
}

pub fn report(run_id: i64, entity: &str, error: Option<&str>) -> ExtractRunEntity {
    ExtractRunEntity {
        run_id,
        entity: entity.into(),
        status: if error.is_some() {
            EntityStatus::Failed
        } else {
            EntityStatus::Succeeded
        },
        fetched: 0,
        loaded: 0,
        rejected: 0,
        inserted: 0,
        updated: 0,
        deleted: 0,
        pages: 1,
        retries: 0,
        error: error.map(str::to_string),
        fingerprint: None,
    }
}

/// Succeeded reports of the launches, missions and rockets.
pub fn reports(run_id: i64) -> Vec<ExtractRunEntity> {
    ["launch", "mission", "rocket"]
        .iter()
        .map(|entity| report(run_id, entity, None))
        .collect()
}

pub fn rocket(run_id: i64, id: &str, wikipedia: &str) -> NewRocket {
    NewRocket {
        id: id.into(),
        name: Some(id.to_uppercase()),
        type_: Some("rocket".into()),
        active: Some(true),
        company: Some("SpaceX".into()),
        wikipedia: Some(wikipedia.into()),
        cost_per_launch: Some(50_000_000),
        success_rate_pct: Some(97),
        raw: json!({"id": id, "wikipedia": wikipedia}),
        run_id,
        ..NewRocket::default()
    }
}

pub fn launch(
    run_id: i64,
    id: &str,
    details: &str,
    photos: &[&str],
) -> (NewLaunch, Vec<NewLaunchLink>) {
    let row = NewLaunch {
        id: id.into(),
        mission_name: Some(format!("Mission {id}")),
        launch_date_utc: Some(Utc.with_ymd_and_hms(2020, 1, 2, 3, 4, 5).unwrap()),
        launch_date_unix: Some(1_577_934_245),
        launch_year: Some("2020".into()),
        upcoming: Some(false),
        details: Some(details.into()),
        rocket_id: Some("falcon9".into()),
        raw: json!({"id": id, "details": details, "photos": photos}),
        run_id,
        ..NewLaunch::default()
    };
    let links = photos
        .iter()
        .enumerate()
        .map(|(i, url)| NewLaunchLink {
            launch_id: id.into(),
            field: "flickr_images".into(),
            position: i as i32,
            url: (*url).into(),
        })
        .collect();
    (row, links)
}

pub fn snapshot(
    run_id: i64,
    launches: Vec<(NewLaunch, Vec<NewLaunchLink>)>,
    rockets: Vec<NewRocket>,
) -> Snapshot {
    let mut rows = LaunchRows::default();
    for (l, links) in launches {
        rows.missions.push(NewLaunchMission {
            launch_id: l.id.clone(),
            position: 0,
            mission_id: "M1".into(),
        });
        rows.launches.push(l);
        rows.links.extend(links);
    }
    Snapshot {
        launches: Some(rows),
        missions: Some(vec![]),
        rockets: Some(rockets),
        rejected: vec![],
        entities: reports(run_id),
        ..Snapshot::default()
    }
}
