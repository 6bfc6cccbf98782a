//! The first hour on today's endpoint (the `current` fixture set, which serves what today's
//! endpoint serves and breaks what it breaks): runs that tell the truth, short logs, no
//! silent wipe, and statuses that mean what they say.
#![allow(clippy::unwrap_used)]

use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use repository::extract_runs;
use serde_json::json;
use service::Outcome;
use spacex_fake::{Broken, Dataset, Fault, FaultRule};
use testbed::{extractor_command, signal, wait_exit, Stack, MART_ENTITIES};

/// What today's endpoint cannot serve, as the extractor reports it.
const UNAVAILABLE_TODAY: [&str; 9] = [
    "capsule_mission",
    "core_mission",
    "launch_core",
    "launch_payload",
    "launch_ship",
    "launch_site",
    "launchpad",
    "payload",
    "ship_mission",
];

/// The repository's `config.yaml`, as shipped.
const SHIPPED_CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config.yaml");

/// The binary with the shipped config, pointed at the stack through the environment.
fn shipped_once(stack: &Stack, extra: &[&str]) -> Output {
    extractor_command(
        env!("CARGO_BIN_EXE_extractor"),
        std::path::Path::new(SHIPPED_CONFIG),
    )
    .env("DATABASE_URL", stack.db.url())
    .env("SPACEX_API_URL", stack.fake.url())
    .arg("--once")
    .args(extra)
    .output()
    .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The statuses of the latest run's entities that did not load, by entity.
fn not_loaded(stack: &Stack) -> Vec<(String, String)> {
    let mut conn = stack.conn();
    let run = extract_runs::latest(&mut conn).unwrap().unwrap();
    extract_runs::entities(&mut conn, run.id)
        .unwrap()
        .into_iter()
        .filter(|e| e.status != "succeeded")
        .map(|e| (e.entity, e.status.to_string()))
        .collect()
}

#[test]
fn the_shipped_config_on_todays_endpoint_succeeds_reports_what_it_cannot_serve_in_short_lines() {
    let stack = Stack::new(Dataset::fixture("current").unwrap());
    let first = shipped_once(&stack, &[]);
    let log = stderr(&first);
    assert_eq!(first.status.code(), Some(0), "{log}");
    assert!(log.contains("Extract run 1 succeeded"), "{log}");
    let warning = log
        .lines()
        .find(|line| line.contains("WARN") && line.contains("The API cannot serve"))
        .unwrap_or_else(|| panic!("one warning names them: {log}"));
    assert!(
        warning.contains(&format!(
            "cannot serve 9 of the 22 entities extracted: {}.",
            {
                let mut sorted = UNAVAILABLE_TODAY.to_vec();
                sorted.sort_unstable();
                sorted.join(", ")
            }
        )),
        "{warning}"
    );
    let longest = log.lines().map(|line| line.chars().count()).max().unwrap();
    assert!(
        longest < 1_000,
        "longest log line {longest} characters: {log}"
    );
    // Every error is collapsed and bounded where it is stored, too.
    assert_eq!(
        stack.count("staging.extract_run_entity WHERE length(error) > 1000"),
        0
    );
    let expected: Vec<(String, String)> = UNAVAILABLE_TODAY
        .iter()
        .map(|e| (e.to_string(), "unavailable".to_string()))
        .collect();
    let mut reported = not_loaded(&stack);
    reported.sort();
    assert_eq!(reported, expected);

    // The next hour: the same answers, nothing written, and no second warning.
    let second = shipped_once(&stack, &[]);
    let log = stderr(&second);
    assert_eq!(second.status.code(), Some(0), "{log}");
    assert!(log.contains("The source has no new data"), "{log}");
    assert!(!log.contains("cannot serve"), "{log}");
    assert_eq!(stack.count("staging.extract_run"), 1);
}

#[test]
fn a_required_entity_the_api_cannot_serve_or_that_fails_faults_the_run() {
    let mut broken = Dataset::fixture("current").unwrap();
    broken.break_resolver("rockets", Broken::Error("rockets are gone".into()));
    let mut stack = Stack::every_entity(broken);
    assert_eq!(stack.extract(), Outcome::Partial, "rocket is required");
    assert!(not_loaded(&stack).contains(&("rocket".into(), "unavailable".into())));
    let mut conn = stack.conn();
    let run = extract_runs::latest(&mut conn).unwrap().unwrap();
    assert_eq!(run.status, "partial");
    assert_eq!(
        run.error.as_deref(),
        Some("rocket: GraphQL errors: rockets are gone"),
        "only what is at fault"
    );

    // Not required: the same answer is reported, and the run succeeds.
    stack.config.extractor.required = vec!["launch".into()];
    stack.fake.set_dataset({
        let mut changed = Dataset::fixture("current").unwrap();
        changed.break_resolver("rockets", Broken::Error("still gone".into()));
        changed
    });
    assert_eq!(stack.extract(), Outcome::Succeeded);
    assert!(not_loaded(&stack).contains(&("rocket".into(), "unavailable".into())));

    // A real failure (HTTP 503 after the retries) of a required entity fails it as before.
    stack.config.extractor.required = vec!["launch".into(), "mission".into(), "rocket".into()];
    stack.fake.set_dataset(Dataset::fixture("current").unwrap());
    stack
        .fake
        .inject(FaultRule::on("launches", Fault::Status(503)).times(1_000));
    assert_eq!(stack.extract(), Outcome::Partial);
    assert!(not_loaded(&stack).contains(&("launch".into(), "failed".into())));
}

#[test]
fn an_unavailable_entity_loads_once_the_api_serves_it_again() {
    let stack = Stack::every_entity(Dataset::fixture("current").unwrap());
    assert_eq!(stack.extract(), Outcome::Succeeded);
    assert_eq!(stack.count("staging.payload"), 0);
    assert_eq!(stack.count("staging.launch_ship"), 0);

    let mut mended = Dataset::fixture("current").unwrap();
    mended.repair_resolvers();
    stack.fake.set_dataset(mended);
    assert_eq!(stack.extract(), Outcome::Succeeded);
    assert_eq!(stack.count("staging.payload"), 2);
    assert_eq!(stack.count("staging.launch_ship"), 4);
    assert_eq!(stack.latest_report("payload").status, "succeeded");
    assert_eq!(stack.latest_report("launchpad").status, "succeeded");
}

#[test]
fn an_entity_that_shrinks_is_withheld_until_the_shrink_is_accepted() {
    // 100 synthetic launches come with 10 missions.
    let stack = Stack::with_entities(Dataset::synthetic(100), &MART_ENTITIES);
    assert_eq!(stack.extract(), Outcome::Succeeded);
    assert_eq!(stack.count("staging.mission"), 10);

    // Churn (every id replaced, as many missions) and growth are applied as always.
    let mut churned = Dataset::synthetic(100);
    for mission in churned.collection_mut("missions").iter_mut() {
        let id = format!("{}-new", mission["id"].as_str().unwrap());
        mission["id"] = json!(id);
    }
    stack.fake.set_dataset(churned);
    assert_eq!(stack.extract(), Outcome::Succeeded);
    assert_eq!(stack.count("staging.mission WHERE id LIKE '%-new'"), 10);
    stack.fake.set_dataset(Dataset::synthetic(100));
    assert_eq!(stack.extract(), Outcome::Succeeded);
    let missions = stack.dump_table("staging.mission");
    assert_eq!(stack.count("staging.mission"), 10);

    let mut emptied = Dataset::synthetic(100);
    emptied.collection_mut("missions").clear();
    stack.fake.set_dataset(emptied);
    assert_eq!(stack.extract(), Outcome::Partial);
    assert_eq!(stack.dump_table("staging.mission"), missions, "kept");
    let report = stack.latest_report("mission");
    assert_eq!(report.status, "withheld");
    let reason = report.error.unwrap();
    assert!(
        reason.contains("the API returned 0 records where staging holds 10"),
        "{reason}"
    );
    assert!(
        reason.contains("extractor --once --accept-shrink mission"),
        "{reason}"
    );
    assert_eq!(stack.latest_report("launch").status, "succeeded");
    let mut conn = stack.conn();
    let run = extract_runs::latest(&mut conn).unwrap().unwrap();
    assert_eq!(run.status, "partial");
    assert!(run.error.unwrap().starts_with("mission: withheld"));

    // Below half is a shrink too; the accept switch applies it.
    let mut halved = Dataset::synthetic(100);
    halved.collection_mut("missions").truncate(4);
    stack.fake.set_dataset(halved);
    assert_eq!(stack.extract(), Outcome::Partial);
    let dir = tempfile::tempdir().unwrap();
    let config = stack.config_file(dir.path(), "");
    let accepted = extractor_command(env!("CARGO_BIN_EXE_extractor"), &config)
        .args(["--once", "--accept-shrink", "mission"])
        .output()
        .unwrap();
    assert_eq!(accepted.status.code(), Some(0), "{}", stderr(&accepted));
    assert_eq!(stack.count("staging.mission"), 4);
    assert_eq!(stack.latest_report("mission").status, "succeeded");
}

#[test]
fn a_fresh_database_and_todays_empty_missions_is_no_shrink() {
    let stack = Stack::new(Dataset::fixture("current").unwrap());
    assert_eq!(stack.extract(), Outcome::Succeeded);
    assert_eq!(stack.latest_report("mission").status, "succeeded");
    assert_eq!(stack.count("staging.mission"), 0);
}

#[test]
fn sigterm_mid_run_records_the_run_as_cancelled() {
    let stack = Stack::new(Dataset::fixture("current").unwrap());
    let before = stack.staging_dump();
    let dir = tempfile::tempdir().unwrap();
    // The launches answer 429 "retry in 30 s": the run sits in its back-off when the signal
    // comes, and notices it at once.
    let config = stack.config_file(dir.path(), "");
    let yaml = std::fs::read_to_string(&config)
        .unwrap()
        .replace("max_backoff: 50ms", "max_backoff: 30s");
    std::fs::write(&config, yaml).unwrap();
    stack.fake.inject(FaultRule::on(
        "launches",
        Fault::TooManyRequests {
            retry_after_secs: 30,
        },
    ));
    let mut child = stack.spawn_fetching(
        extractor_command(env!("CARGO_BIN_EXE_extractor"), &config)
            .arg("--once")
            .stderr(Stdio::null()),
    );
    std::thread::sleep(Duration::from_millis(300));
    let signalled = Instant::now();
    signal(&child, "TERM");
    let status = wait_exit(&mut child, Duration::from_secs(6)).expect("stops");
    assert!(signalled.elapsed() < Duration::from_secs(5));
    assert_eq!(status.code(), Some(130), "stopped by a signal");
    let mut conn = stack.conn();
    let run = extract_runs::latest(&mut conn).unwrap().unwrap();
    assert_eq!(
        (run.status.as_str(), run.error.as_deref()),
        ("cancelled", Some("stopped by a shutdown signal"))
    );
    assert_eq!(stack.staging_dump(), before, "nothing written");
}
