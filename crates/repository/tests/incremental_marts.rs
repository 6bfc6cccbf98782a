//! Incremental mart builds give exactly what a full build gives, whatever staging goes
//! through: launches, missions and rockets appearing, changing, vanishing and coming back,
//! references to objects not staged (yet), duplicate URLs.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is the failure report
mod common;

use std::collections::BTreeMap;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::json;

use common::snapshot::{publish, Snapshot};
use db_models::models::{
    NewLaunchLink, NewLaunchMission, NewMission, Publication, PublicationByObject,
};
use repository::marts::{
    publication, publication_by_object, refresh_publication, BuildMode, BuildSettings, Refresh,
};
use repository::staging::LaunchRows;
use repository::{extract_runs, Database};

/// Few values, so that URLs repeat within a launch, across kinds and across launches; some
/// do not count as publications.
const URLS: [&str; 7] = [
    "https://a.example/1",
    "https://a.example/2",
    "  https://a.example/1 ",
    "HTTPS://A.EXAMPLE/3",
    "not a url",
    "",
    "https://w.example/x",
];
const SINGLE_FIELDS: [&str; 10] = [
    "article_link",
    "wikipedia",
    "presskit",
    "video_link",
    "reddit_campaign",
    "reddit_launch",
    "reddit_media",
    "reddit_recovery",
    "mission_patch",
    "mission_patch_small",
];
/// Mission and rocket ids launches refer to: some are never staged.
const MISSION_IDS: [&str; 6] = ["M0", "M1", "M2", "M3", "M4", "M-never"];
const ROCKET_IDS: [&str; 4] = ["r0", "r1", "r2", "r-never"];

#[derive(Clone, Debug)]
struct Launch {
    staged: bool,
    name: String,
    rocket: Option<&'static str>,
    missions: Vec<&'static str>,
    links: Vec<(&'static str, i32, &'static str)>,
}

#[derive(Clone, Debug)]
struct Mission {
    staged: bool,
    urls: [Option<&'static str>; 3],
}

#[derive(Clone, Debug)]
struct Rocket {
    staged: bool,
    wikipedia: &'static str,
}

/// The upstream's state, changed a little at every step.
struct Upstream {
    rng: fastrand::Rng,
    launches: BTreeMap<String, Launch>,
    missions: BTreeMap<&'static str, Mission>,
    rockets: BTreeMap<&'static str, Rocket>,
}

impl Upstream {
    fn new(seed: u64) -> Self {
        let mut upstream = Upstream {
            rng: fastrand::Rng::with_seed(seed),
            launches: BTreeMap::new(),
            missions: BTreeMap::new(),
            rockets: BTreeMap::new(),
        };
        for i in 0..24 {
            let launch = upstream.launch();
            upstream.launches.insert(format!("L{i:02}"), launch);
        }
        for id in &MISSION_IDS[..5] {
            let mission = upstream.mission();
            upstream.missions.insert(id, mission);
        }
        for id in &ROCKET_IDS[..3] {
            let rocket = upstream.rocket();
            upstream.rockets.insert(id, rocket);
        }
        upstream
    }

    fn url(&mut self) -> &'static str {
        URLS[self.rng.usize(..URLS.len())]
    }

    fn launch(&mut self) -> Launch {
        let mut links = Vec::new();
        for field in SINGLE_FIELDS {
            if self.rng.bool() {
                links.push((field, 0, self.url()));
            }
        }
        for position in 0..self.rng.i32(0..4) {
            links.push(("flickr_images", position, self.url()));
        }
        Launch {
            staged: self.rng.u8(..10) < 8,
            name: format!("name {}", self.rng.u8(..4)),
            rocket: (self.rng.u8(..10) < 9).then(|| ROCKET_IDS[self.rng.usize(..ROCKET_IDS.len())]),
            // Up to three, repeats allowed (a launch listing a mission twice counts once).
            missions: (0..self.rng.usize(0..4))
                .map(|_| MISSION_IDS[self.rng.usize(..MISSION_IDS.len())])
                .collect(),
            links,
        }
    }

    fn mission(&mut self) -> Mission {
        Mission {
            staged: self.rng.u8(..10) < 8,
            urls: [0; 3].map(|_| self.rng.bool().then(|| self.url())),
        }
    }

    fn rocket(&mut self) -> Rocket {
        Rocket {
            staged: self.rng.u8(..10) < 8,
            wikipedia: self.url(),
        }
    }

    /// A few objects change, vanish or come back; most stay as they were.
    fn step(&mut self) {
        let ids: Vec<String> = self.launches.keys().cloned().collect();
        for id in ids {
            match self.rng.u8(..20) {
                0 | 1 => *self.launches.get_mut(&id).unwrap() = self.launch(),
                2 => self.launches.get_mut(&id).unwrap().staged ^= true,
                _ => {}
            }
        }
        if self.rng.u8(..4) == 0 {
            let id = format!("L{:02}", self.launches.len());
            let launch = self.launch();
            self.launches.insert(id, launch);
        }
        for id in MISSION_IDS[..5].iter() {
            if self.rng.u8(..8) == 0 {
                let mission = self.mission();
                self.missions.insert(id, mission);
            }
        }
        for id in ROCKET_IDS[..3].iter() {
            if self.rng.u8(..8) == 0 {
                let rocket = self.rocket();
                self.rockets.insert(id, rocket);
            }
        }
    }

    /// What an extract run of this state writes. `raw` holds the whole record, as upstream
    /// records do: a changed launch is a changed row.
    fn snapshot(&self, run_id: i64) -> Snapshot {
        let mut rows = LaunchRows::default();
        for (id, launch) in self.launches.iter().filter(|(_, l)| l.staged) {
            let (mut row, _) = common::launch(run_id, id, "details", &[]);
            row.mission_name = Some(launch.name.clone());
            row.rocket_id = launch.rocket.map(str::to_string);
            row.raw = json!({
                "id": id, "name": launch.name, "rocket": launch.rocket,
                "missions": launch.missions, "links": launch.links,
            });
            rows.launches.push(row);
            rows.missions
                .extend(launch.missions.iter().zip(0..).map(|(mission, position)| {
                    NewLaunchMission {
                        launch_id: id.clone(),
                        position,
                        mission_id: (*mission).into(),
                    }
                }));
            rows.links.extend(
                launch
                    .links
                    .iter()
                    .map(|&(field, position, url)| NewLaunchLink {
                        launch_id: id.clone(),
                        field: field.into(),
                        position,
                        url: url.into(),
                    }),
            );
        }
        let missions = self
            .missions
            .iter()
            .filter(|(_, m)| m.staged)
            .map(|(id, m)| NewMission {
                id: (*id).into(),
                name: Some(format!("Mission {id}")),
                wikipedia: m.urls[0].map(Into::into),
                website: m.urls[1].map(Into::into),
                twitter: m.urls[2].map(Into::into),
                raw: json!({ "id": id, "urls": m.urls }),
                run_id,
                ..NewMission::default()
            })
            .collect();
        let rockets = self
            .rockets
            .iter()
            .filter(|(_, r)| r.staged)
            .map(|(id, r)| common::rocket(run_id, id, r.wikipedia))
            .collect();
        Snapshot {
            launches: Some(rows),
            missions: Some(missions),
            rockets: Some(rockets),
            rejected: vec![],
            entities: common::reports(run_id),
            ..Snapshot::default()
        }
    }
}

fn load(database: &Database, upstream: &Upstream) {
    let mut conn = common::conn(database);
    let run = extract_runs::start(&mut conn).unwrap();
    publish(&mut conn, run, upstream.snapshot(run)).unwrap();
}

/// Both marts, without the build's id and time.
fn marts(database: &Database) -> (Vec<Publication>, Vec<PublicationByObject>) {
    let mut conn = common::conn(database);
    let mut totals = publication(&mut conn).unwrap();
    for row in &mut totals {
        row.built_at = chrono::DateTime::UNIX_EPOCH;
        row.build_id = 0;
    }
    (totals, publication_by_object(&mut conn, None).unwrap())
}

/// The current versions of `marts.publication_by_object_history` as marts rows, and how many
/// versions both history tables hold in all.
fn history(database: &Database) -> (Vec<PublicationByObject>, i64) {
    use db_models::schema::marts::{publication_by_object_history as h, publication_history};
    let mut conn = common::conn(database);
    let current = h::table
        .filter(h::valid_to.is_null())
        .select((
            h::entity,
            h::object_id,
            h::name,
            h::articles,
            h::wikipedia,
            h::presskits,
            h::videos,
            h::reddit,
            h::photos,
            h::websites,
            h::twitter,
            h::total,
            h::launches,
            h::launch_publications,
        ))
        .order((h::entity, h::object_id))
        .load(&mut conn)
        .unwrap();
    let versions: i64 = h::table.count().get_result(&mut conn).unwrap();
    let totals: i64 = publication_history::table
        .count()
        .get_result(&mut conn)
        .unwrap();
    (current, versions + totals)
}

fn build(database: &Database) -> (BuildMode, i64) {
    match refresh_publication(&mut common::conn(database), &BuildSettings::default()).unwrap() {
        Refresh::Built {
            mode,
            launches_recounted,
            ..
        } => (mode, launches_recounted),
        other => panic!("expected a build, got {other:?}"),
    }
}

/// One database only ever builds incrementally after its first build; the other builds
/// from scratch every time (its marts and build history are deleted first). Both are fed
/// the same upstream states.
#[test]
fn incremental_builds_equal_full_builds_through_random_changes() {
    let (_incremental_db, incremental) = common::migrated();
    let (_full_db, full) = common::migrated();
    for seed in [1, 2, 3] {
        let mut upstream = Upstream::new(seed);
        for step in 0..20 {
            load(&incremental, &upstream);
            load(&full, &upstream);
            let (mode, recounted) = build(&incremental);
            if seed > 1 || step > 0 {
                assert_eq!(mode, BuildMode::Incremental, "seed {seed}, step {step}");
            }
            if step > 0 {
                // Only what changed: a few launches per step.
                assert!(
                    recounted < 10,
                    "seed {seed}, step {step}: {recounted} recounted"
                );
            }
            common::conn(&full)
                .batch_execute(
                    "DELETE FROM marts.build_run; DELETE FROM marts.publication_contribution;
                     DELETE FROM marts.publication_by_object; DELETE FROM marts.publication;",
                )
                .unwrap();
            assert_eq!(build(&full).0, BuildMode::Full);
            assert_eq!(
                marts(&incremental),
                marts(&full),
                "seed {seed}, step {step}"
            );
            // The history's current versions are the marts, and both ways of building wrote
            // the same versions: those of the rows that changed.
            let history = history(&incremental);
            assert_eq!(history.0, marts(&incremental).1, "seed {seed}, step {step}");
            assert_eq!(history, self::history(&full), "seed {seed}, step {step}");
            upstream.step();
        }
    }
}
