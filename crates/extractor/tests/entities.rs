//! Every entity and relation the API serves, end to end: the project's local SpaceX server
//! over real HTTP → a real Postgres, through `Extractor::run`. Expected numbers are counted by
//! hand from the fixtures (see crates/spacex-fake/fixtures/README.md).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use db_models::models::{ExtractRunEntity, ExtractRunReference};
use db_models::schema::staging;
use diesel::prelude::*;
use repository::extract_runs;
use serde_json::Value;
use service::Outcome;
use spacex_fake::{Dataset, Fault, FaultRule};
use testbed::Stack;

/// Entity tables and the fixture collection each mirrors.
const ENTITY_TABLES: [(&str, &str); 10] = [
    ("capsule", "capsules"),
    ("core", "cores"),
    ("dragon", "dragons"),
    ("history", "histories"),
    ("landpad", "landpads"),
    ("launchpad", "launchpads"),
    ("payload", "payloads"),
    ("ship", "ships"),
    ("launch", "launches"),
    ("rocket", "rockets"),
];

fn entities_of_last_run(stack: &Stack) -> BTreeMap<String, ExtractRunEntity> {
    let mut conn = stack.conn();
    let run = extract_runs::latest(&mut conn).unwrap().unwrap();
    extract_runs::entities(&mut conn, run.id)
        .unwrap()
        .into_iter()
        .map(|e| (e.entity.clone(), e))
        .collect()
}

/// `reference → unresolved` as counted after the last run.
fn unresolved_of_last_run(stack: &Stack) -> BTreeMap<String, i32> {
    let mut conn = stack.conn();
    let run = extract_runs::latest(&mut conn).unwrap().unwrap();
    staging::extract_run_reference::table
        .filter(staging::extract_run_reference::run_id.eq(run.id))
        .select(ExtractRunReference::as_select())
        .load(&mut conn)
        .unwrap()
        .into_iter()
        .map(|r| (r.reference, r.unresolved))
        .collect()
}

fn records(dataset: &Dataset, collection: &str) -> usize {
    dataset.collection(collection).unwrap().len()
}

#[test]
fn the_original_set_stages_every_entity_and_relation() {
    let dataset = Dataset::fixture("original").unwrap();
    let stack = Stack::every_entity(dataset.clone());
    assert_eq!(stack.extract(), Outcome::Succeeded);

    for (table, collection) in ENTITY_TABLES {
        let expected = records(&dataset, collection) - usize::from(table == "launch");
        assert_eq!(
            stack.count(&format!("staging.{table}")),
            expected as i64,
            "{table} (the second launch \"110\" is a refused duplicate)"
        );
    }
    assert_eq!(stack.count("staging.company"), 1);
    assert_eq!(stack.count("staging.roadster"), 1);
    // Relations, counted by hand over the kept launches, the missions, capsules, cores, ships.
    for (table, rows) in [
        ("launch_ship", 7),
        ("launch_core", 9),
        ("launch_payload", 7),
        ("launch_site", 7),
        ("mission_payload", 6),
        ("capsule_mission", 2),
        ("core_mission", 10),
        ("ship_mission", 5),
        ("rocket_payload_weight", 8),
    ] {
        assert_eq!(stack.count(&format!("staging.{table}")), rows, "{table}");
    }

    let entities = entities_of_last_run(&stack);
    assert_eq!(entities.len(), repository::staging::Entity::ALL.len());
    assert!(
        entities.values().all(|e| e.status == "succeeded"),
        "{entities:#?}"
    );
    // The duplicate launch "110" is refused once per query that lists launches.
    for name in [
        "launch",
        "launch_ship",
        "launch_core",
        "launch_payload",
        "launch_site",
    ] {
        assert_eq!(entities[name].rejected, 1, "{name}");
    }
    assert_eq!(stack.count("staging.rejected"), 5);

    // Typed columns read off nested objects, lists without their nulls, dates, single objects.
    let mut conn = stack.conn();
    let (latitude, region): (Option<f64>, Option<String>) = staging::landpad::table
        .find("LZ-1")
        .select((
            staging::landpad::location_latitude,
            staging::landpad::location_region,
        ))
        .first(&mut conn)
        .unwrap();
    assert_eq!(
        (latitude, region.as_deref()),
        (Some(28.485833), Some("Florida"))
    );
    let customers: Vec<String> = staging::payload::table
        .find("Sentinel-6 Michael Freilich")
        .select(staging::payload::customers)
        .first(&mut conn)
        .unwrap();
    assert_eq!(customers, ["NASA", "ESA", "EUMETSAT"]);
    let first_flight: Option<chrono::NaiveDate> = staging::dragon::table
        .find("dragon2")
        .select(staging::dragon::first_flight)
        .first(&mut conn)
        .unwrap();
    assert_eq!(first_flight, chrono::NaiveDate::from_ymd_opt(2019, 3, 2));
    let (city, raw): (Option<String>, Value) = staging::company::table
        .find("company")
        .select((staging::company::headquarters_city, staging::company::raw))
        .first(&mut conn)
        .unwrap();
    assert_eq!(city.as_deref(), Some("Hawthorne"));
    assert_eq!(
        &raw,
        dataset.object("company").unwrap(),
        "raw is what was sent"
    );
    let cores: Vec<(i32, Option<String>, Option<bool>)> = staging::launch_core::table
        .filter(staging::launch_core::launch_id.eq("55"))
        .order(staging::launch_core::position)
        .select((
            staging::launch_core::position,
            staging::launch_core::core_id,
            staging::launch_core::land_success,
        ))
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        cores,
        [
            (0, Some("B1033".into()), Some(false)),
            (1, Some("B1025".into()), Some(true)),
            (2, Some("B1023".into()), Some(true)),
        ]
    );
}

#[test]
fn unresolved_references_are_kept_counted_and_logged() {
    let stack = Stack::every_entity(Dataset::fixture("original").unwrap());
    assert_eq!(stack.extract(), Outcome::Succeeded);
    let counted = unresolved_of_last_run(&stack);
    let expected: BTreeMap<String, i32> = [
        ("launch.rocket_id", 0),
        ("launch_mission.mission_id", 0),
        ("launch_ship.ship_id", 1),        // GOSEARCHER
        ("launch_core.core_id", 3),        // B1063, B1060, B1033
        ("launch_payload.payload_id", 1),  // Starlink-12
        ("launch_site.site_id", 1),        // kwajalein_atoll
        ("mission_payload.payload_id", 2), // SpaceX CRS-15, a null element
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(counted, expected);

    // Kept, not refused: the rows point at nothing, and nothing was rejected for it.
    let mut conn = stack.conn();
    let dangling: i64 = staging::launch_payload::table
        .filter(staging::launch_payload::payload_id.eq("Starlink-12"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    let null_element: Vec<Option<String>> = staging::mission_payload::table
        .filter(staging::mission_payload::mission_id.eq("2D5A9B6"))
        .filter(staging::mission_payload::position.eq(1))
        .select(staging::mission_payload::payload_id)
        .load(&mut conn)
        .unwrap();
    assert_eq!((dangling, null_element), (1, vec![None]));

    // The log line of the binary names them (a changed upstream: it loads, not just checks).
    let mut changed = Dataset::fixture("original").unwrap();
    changed.collection_mut("rockets")[0]["name"] = "Falcon 1e".into();
    stack.fake.set_dataset(changed);
    let dir = tempfile::tempdir().unwrap();
    let config = stack.config_file(dir.path(), "extractor:\n  metrics_listen: off\n");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_extractor"))
        .args(["--once", "--config"])
        .arg(&config)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "info")
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{log}");
    assert!(
        log.contains("8 unresolved references (launch_ship.ship_id 1, launch_core.core_id 3, launch_payload.payload_id 1, launch_site.site_id 1, mission_payload.payload_id 2)"),
        "{log}"
    );
}

/// What today's endpoint cannot serve is `unavailable`: it keeps its rows, and the run, which
/// loaded everything else, succeeds (none of those entities is required).
#[test]
fn the_current_sets_broken_resolvers_are_unavailable_and_keep_their_rows() {
    let stack = Stack::every_entity(Dataset::fixture("original").unwrap()).without_shrink_guard();
    assert_eq!(stack.extract(), Outcome::Succeeded);
    let payloads_before = stack.dump_table("staging.payload");
    let launchpads_before = stack.dump_table("staging.launchpad");

    let current = Dataset::fixture("current").unwrap();
    stack.fake.set_dataset(current.clone());
    assert_eq!(stack.extract(), Outcome::Succeeded);

    let entities = entities_of_last_run(&stack);
    let failed: BTreeMap<&str, &str> = entities
        .values()
        .filter(|e| e.status == "unavailable")
        .map(|e| (e.entity.as_str(), e.error.as_deref().unwrap()))
        .collect();
    let causes = [
        (
            "payload",
            "GraphQL errors: Cannot read properties of undefined",
        ),
        (
            "launchpad",
            "wrong shape: none of the 3 records has both an id and `name`",
        ),
        (
            "launch_ship",
            // One error per launch of the page (3 per page here), collapsed.
            "GraphQL errors: Request failed with status code 404 (3×)",
        ),
        // The stages, the launch site and the missions of capsules, cores and ships: one
        // resolver error per record, as on today's endpoint.
        (
            "launch_core",
            "GraphQL errors: Cannot read properties of undefined (reading 'cores') (3×)",
        ),
        (
            "launch_payload",
            "GraphQL errors: Cannot read properties of undefined (reading 'payloads') (3×)",
        ),
        (
            "launch_site",
            "GraphQL errors: Request failed with status code 404 (3×)",
        ),
        (
            "capsule_mission",
            "GraphQL errors: Cannot read properties of undefined (reading 'map') (3×)",
        ),
        (
            "core_mission",
            "GraphQL errors: Cannot read properties of undefined (reading 'map') (3×)",
        ),
        (
            "ship_mission",
            "GraphQL errors: Cannot read properties of undefined (reading 'map') (3×)",
        ),
    ];
    assert_eq!(
        failed.keys().copied().collect::<Vec<_>>(),
        {
            let mut names: Vec<&str> = causes.iter().map(|(n, _)| *n).collect();
            names.sort_unstable();
            names
        },
        "{failed:#?}"
    );
    for (name, cause) in causes {
        assert!(failed[name].starts_with(cause), "{name}: {}", failed[name]);
    }
    // The unavailable ones kept the original set's rows; the others now hold the current set.
    assert_eq!(stack.dump_table("staging.payload"), payloads_before);
    assert_eq!(stack.dump_table("staging.launchpad"), launchpads_before);
    for (table, collection) in ENTITY_TABLES {
        if !["payload", "launchpad"].contains(&table) {
            let expected = records(&current, collection) as i64;
            assert_eq!(
                stack.count(&format!("staging.{table}")),
                expected,
                "{table}"
            );
            assert_eq!(entities[table].status, "succeeded");
        }
    }
    assert_eq!(
        entities["mission_payload"].status, "succeeded",
        "no missions, no rows"
    );
    let mut conn = stack.conn();
    let run = extract_runs::latest(&mut conn).unwrap().unwrap();
    assert_eq!((run.status.as_str(), run.error), ("succeeded", None));

    // Again: the same answers, unavailable ones included, are an unchanged upstream: no new
    // run, and the unavailable entities still keep the original rows.
    let before = (stack.staging_dump(), payloads_before.clone());
    assert_eq!(stack.extract(), Outcome::Succeeded);
    assert_eq!(extract_runs::latest(&mut conn).unwrap().unwrap().id, run.id);
    assert_eq!(
        (stack.staging_dump(), stack.dump_table("staging.payload")),
        before
    );
}

/// A stack over the original set extracting `entities`, after one successful run.
fn extracted(entities: &[&str]) -> Stack {
    let stack = Stack::with_entities(Dataset::fixture("original").unwrap(), entities);
    assert_eq!(stack.extract(), Outcome::Succeeded);
    stack
}

#[test]
fn extractor_entities_limits_what_is_fetched_and_written() {
    let stack = extracted(&["ship", "launch", "launch_ship"]);
    let entities = entities_of_last_run(&stack);
    assert_eq!(
        entities.keys().collect::<Vec<_>>(),
        ["launch", "launch_ship", "ship"]
    );
    assert_eq!(stack.count("staging.ship"), 3);
    assert_eq!(stack.count("staging.launch_ship"), 7);
    for table in [
        "rocket",
        "mission",
        "payload",
        "capsule",
        "company",
        "launch_core",
    ] {
        assert_eq!(stack.count(&format!("staging.{table}")), 0, "{table}");
    }
    for field in [
        "rockets", "missions", "payloads", "capsules", "company", "roadster",
    ] {
        assert_eq!(
            stack.fake.requests_for(field),
            0,
            "{field} was not asked for"
        );
    }
}

#[test]
fn a_relation_whose_owner_failed_keeps_its_rows() {
    let stack = extracted(&["launch", "launch_ship", "ship"]);
    let ships_of_launches = stack.dump_table("staging.launch_ship");

    // The first `launches` request (the launches themselves) fails all its attempts; the
    // relation's own query still answers, but its rows could not hang off this run's launches.
    let mut dataset = Dataset::fixture("original").unwrap();
    dataset.collection_mut("launches")[2]["ships"] = serde_json::json!([]);
    stack.fake.set_dataset(dataset);
    stack
        .fake
        .inject(FaultRule::on("launches", Fault::Status(503)).times(3));
    assert_eq!(stack.extract(), Outcome::Partial);

    let entities = entities_of_last_run(&stack);
    assert_eq!(entities["launch"].status, "failed");
    assert_eq!(entities["ship"].status, "succeeded");
    assert_eq!(
        entities["launch_ship"].error.as_deref(),
        Some("not published because its owner launch was not")
    );
    assert_eq!(stack.dump_table("staging.launch_ship"), ships_of_launches);
}

#[test]
fn a_broken_nested_field_makes_its_relation_unavailable_not_the_launches() {
    let mut dataset = Dataset::fixture("original").unwrap();
    dataset.break_resolver(
        "Launch.launch_site",
        spacex_fake::Broken::Error("site lookup failed".into()),
    );
    let stack = Stack::with_entities(dataset, &["launch", "launch_site", "launch_core"]);
    assert_eq!(
        stack.extract(),
        Outcome::Succeeded,
        "launch_site is not required"
    );
    let entities = entities_of_last_run(&stack);
    assert_eq!(entities["launch"].status, "succeeded");
    assert_eq!(entities["launch_core"].status, "succeeded");
    assert_eq!(entities["launch_site"].status, "unavailable");
    assert!(entities["launch_site"]
        .error
        .as_deref()
        .unwrap()
        .contains("site lookup failed"));
    assert_eq!(stack.count("staging.launch"), 7);
    assert_eq!(stack.count("staging.launch_core"), 9);
    assert_eq!(stack.count("staging.launch_site"), 0);
}

#[test]
fn relations_follow_their_owners_without_rewriting_unchanged_rows() {
    let stack = extracted(&["launch", "launch_core"]);

    // One launch loses a core, another vanishes: only their rows change.
    let mut dataset = Dataset::fixture("original").unwrap();
    dataset.collection_mut("launches")[6]["rocket"]["first_stage"]["cores"]
        .as_array_mut()
        .unwrap()
        .pop();
    assert_eq!(dataset.remove("launches", "1"), 1);
    stack.fake.set_dataset(dataset);
    assert_eq!(stack.extract(), Outcome::Succeeded);
    let entities = entities_of_last_run(&stack);
    let core = &entities["launch_core"];
    // FalconSat's core went with its launch (cascade), before the relation was compared.
    assert_eq!((core.inserted, core.deleted), (0, 1));
    assert_eq!(stack.count("staging.launch_core"), 7);
    let run = extract_runs::latest(&mut stack.conn()).unwrap().unwrap();
    assert_eq!(
        run.rows_changed, 2,
        "launch 1 deleted, one core of launch 55 deleted"
    );

    // Unchanged since: the next run opens no run and, right after the load, writes nothing
    // (the load counts as the last check until the heartbeat is due).
    assert_eq!(stack.extract(), Outcome::Succeeded);
    let latest = extract_runs::latest(&mut stack.conn()).unwrap().unwrap();
    assert_eq!((latest.id, latest.unchanged_checks), (run.id, 0));
}
