//! The extractor end to end: the project's local SpaceX server over real HTTP → a real
//! Postgres, through `Extractor::run` (the same code the binary runs).
#![allow(clippy::unwrap_used)]

use cancel::CancelToken;
use db_models::models::Rejected;
use db_models::schema::staging;
use diesel::prelude::*;
use extractor::Extractor;
use repository::extract_runs;
use serde_json::{json, Value};
use service::{Job, Outcome};
use spacex_fake::{Dataset, Fault, FaultRule};
use testbed::Stack;

/// The fixture's records of one collection.
fn fixture(name: &str, collection: &str) -> Vec<Value> {
    Dataset::fixture(name)
        .unwrap()
        .collection(collection)
        .unwrap()
        .to_vec()
}

/// How many non-null link values (every field of `links`, each flickr image) the launches have.
fn link_values(launches: &[Value]) -> i64 {
    launches
        .iter()
        .flat_map(|l| l["links"].as_object().unwrap().values())
        .map(|v| match v {
            Value::Null => 0,
            Value::Array(items) => items.iter().filter(|i| !i.is_null()).count() as i64,
            _ => 1,
        })
        .sum()
}

#[test]
fn current_endpoint_fixtures_land_in_staging_with_every_link() {
    let stack = Stack::new(Dataset::fixture("current").unwrap());
    assert_eq!(stack.extract(), Outcome::Succeeded);

    let launches = fixture("current", "launches");
    let rockets = fixture("current", "rockets");
    assert_eq!(stack.count("staging.launch"), launches.len() as i64);
    assert_eq!(
        stack.count("staging.mission"),
        0,
        "the current endpoint has no missions"
    );
    assert_eq!(stack.count("staging.rocket"), rockets.len() as i64);
    assert_eq!(stack.count("staging.launch_link"), link_values(&launches));
    assert_eq!(stack.count("staging.rejected"), 0);

    // Typed columns and the raw JSON of each launch match what the server holds.
    let mut conn = stack.conn();
    for expected in &launches {
        let id = expected["id"].as_str().unwrap();
        let (raw, date, rocket_id, success): (
            Value,
            Option<chrono::DateTime<chrono::Utc>>,
            Option<String>,
            Option<bool>,
        ) = staging::launch::table
            .find(id)
            .select((
                staging::launch::raw,
                staging::launch::launch_date_utc,
                staging::launch::rocket_id,
                staging::launch::launch_success,
            ))
            .first(&mut conn)
            .unwrap();
        // We ask for rocket.rocket { id } only, and the relations (ships, …) by their own
        // queries; everything else is asked for and kept.
        let mut sent = expected.clone();
        sent["rocket"]["rocket"] = json!({ "id": expected["rocket"]["rocket"]["id"] });
        sent.as_object_mut().unwrap().remove("ships");
        assert_eq!(raw, sent, "raw JSON of launch {id}");
        let utc = expected["launch_date_utc"].as_str().unwrap();
        assert_eq!(
            date.unwrap(),
            chrono::DateTime::parse_from_rfc3339(utc).unwrap()
        );
        assert_eq!(
            rocket_id.as_deref(),
            expected["rocket"]["rocket"]["id"].as_str()
        );
        assert_eq!(
            success, None,
            "launch_success is null on the current endpoint"
        );
        let tentative: Option<bool> = staging::launch::table
            .find(id)
            .select(staging::launch::is_tentative)
            .first(&mut conn)
            .unwrap();
        assert_eq!(tentative, expected["is_tentative"].as_bool());
    }

    let run = extract_runs::latest(&mut conn).unwrap().unwrap();
    assert_eq!(run.status, "succeeded");
    assert!(run.finished_at.is_some());
    let launch = stack.latest_report("launch");
    assert_eq!((launch.fetched, launch.loaded, launch.rejected), (8, 8, 0));
    assert_eq!(launch.pages, 3, "8 launches in pages of 3: 3 + 3 + 2");
}

#[test]
fn rerunning_on_unchanged_data_writes_nothing() {
    let stack = Stack::new(Dataset::fixture("original").unwrap());
    assert_eq!(stack.extract(), Outcome::Succeeded);
    let before = stack.staging_dump();
    let runs_before = stack.dump_table("staging.extract_run");
    assert_eq!(stack.extract(), Outcome::Succeeded);
    assert_eq!(stack.extract(), Outcome::Succeeded);
    // No run opened, nothing rewritten, the duplicate not refused again, and not even the
    // check written: the load itself just happened (the heartbeat is 1h30m away), and each of
    // these extractors stopped with its check still unwritten.
    assert_eq!(stack.count("staging.extract_run"), 1);
    assert_eq!(stack.dump_table("staging.extract_run"), runs_before);
    assert_eq!(stack.staging_dump(), before);

    // Any change upstream makes the next run load again.
    let mut dataset = Dataset::fixture("original").unwrap();
    dataset.collection_mut("rockets")[0]["name"] = "Falcon 1e".into();
    stack.fake.set_dataset(dataset);
    assert_eq!(stack.extract(), Outcome::Succeeded);
    let run = extract_runs::latest(&mut stack.conn()).unwrap().unwrap();
    assert_eq!((run.rows_changed, run.unchanged_checks), (1, 0));
    assert_eq!(stack.count("staging.extract_run"), 2);
}

/// A running extractor counts its unchanged checks in memory and writes them, one `UPDATE`, on
/// the first check once the heartbeat interval has passed since the last thing recorded.
#[test]
fn the_heartbeat_writes_the_checks_counted_since_the_last_one() {
    let stack = Stack::new(Dataset::fixture("original").unwrap());
    let mut extractor = Extractor::new(&stack.config, stack.database_for::<Extractor>()).unwrap();
    let mut tick = || extractor.run(&CancelToken::new());
    let heartbeat = stack.config.heartbeat_interval();
    assert_eq!(
        heartbeat,
        std::time::Duration::from_secs(90 * 60),
        "the default"
    );
    assert_eq!(tick(), Outcome::Succeeded);
    let loaded = extract_runs::latest(&mut stack.conn()).unwrap().unwrap();
    let runs = || stack.dump_table("staging.extract_run");
    let before = runs();
    for _ in 0..3 {
        assert_eq!(tick(), Outcome::Succeeded);
    }
    assert_eq!(runs(), before, "not due: nothing written");

    // The heartbeat interval passes (the load's end moved back by as much, less a minute).
    let age = |seconds: u64| {
        stack.sql(&format!(
            "UPDATE staging.extract_run
             SET finished_at = finished_at - interval '{seconds} seconds',
                 last_checked_at = last_checked_at - interval '{seconds} seconds'"
        ))
    };
    age(heartbeat.as_secs() - 60);
    let before = runs();
    assert_eq!(tick(), Outcome::Succeeded);
    assert_eq!(runs(), before, "a minute early: still nothing");
    age(60);
    assert_eq!(tick(), Outcome::Succeeded);
    let run = extract_runs::latest(&mut stack.conn()).unwrap().unwrap();
    assert_eq!(run.id, loaded.id, "no run opened");
    assert_eq!(
        run.unchanged_checks, 5,
        "every check since the load, exactly"
    );
    let checked_at = run.last_checked_at.unwrap();
    let freshness = repository::read::extract_freshness(&mut stack.conn()).unwrap();
    assert_eq!(freshness.last_extract.unwrap().current_at, checked_at);
    assert!(freshness.now - checked_at < chrono::Duration::minutes(1));

    // The next ones wait for the next heartbeat.
    let before = runs();
    assert_eq!(tick(), Outcome::Succeeded);
    assert_eq!(runs(), before);
}

/// Without a test query before each use, a pooled connection the database dropped shows up as
/// a failed tick; the next tick works (the dead connections are dropped or tested).
#[test]
fn a_tick_after_the_database_dropped_the_connections_works_again() {
    let (stack, proxy) = Stack::proxied(Dataset::fixture("original").unwrap());
    let mut extractor = Extractor::new(&stack.config, stack.database_for::<Extractor>()).unwrap();
    let mut tick = || extractor.run(&CancelToken::new());
    assert_eq!(
        tick(),
        Outcome::Succeeded,
        "loads, with two pooled connections"
    );
    assert_eq!(tick(), Outcome::Succeeded, "unchanged");

    proxy.cut();
    assert_eq!(
        tick(),
        Outcome::Failed,
        "the dead connection fails its statement"
    );
    assert_eq!(tick(), Outcome::Succeeded, "unchanged, on a new connection");
    assert_eq!(stack.count("staging.extract_run"), 1);

    // Also when the upstream changed: the load needs both connections.
    proxy.cut();
    let mut dataset = Dataset::fixture("original").unwrap();
    dataset.collection_mut("rockets")[0]["name"] = "Falcon 1e".into();
    stack.fake.set_dataset(dataset);
    assert_eq!(tick(), Outcome::Failed);
    assert_eq!(tick(), Outcome::Succeeded);
    let run = extract_runs::latest(&mut stack.conn()).unwrap().unwrap();
    assert_eq!((run.status.as_str(), run.rows_changed), ("succeeded", 1));
}

#[test]
fn records_that_vanish_upstream_are_removed_with_their_links() {
    let stack = Stack::new(Dataset::fixture("current").unwrap());
    assert_eq!(stack.extract(), Outcome::Succeeded);
    let mut dataset = Dataset::fixture("current").unwrap();
    let gone = dataset.collection("launches").unwrap()[3]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(dataset.remove("launches", &gone), 1);
    stack.fake.set_dataset(dataset);

    assert_eq!(stack.extract(), Outcome::Succeeded);
    let mut conn = stack.conn();
    let left: i64 = staging::launch::table
        .filter(staging::launch::id.eq(&gone))
        .count()
        .get_result(&mut conn)
        .unwrap();
    let links: i64 = staging::launch_link::table
        .filter(staging::launch_link::launch_id.eq(&gone))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!((left, links), (0, 0));
    assert_eq!(stack.count("staging.launch"), 7);
    let run = extract_runs::latest(&mut conn).unwrap().unwrap();
    assert_eq!(run.rows_changed, 1);
}

#[test]
fn a_duplicated_id_keeps_the_first_record_and_rejects_the_other() {
    let stack = Stack::new(Dataset::fixture("original").unwrap());
    assert_eq!(stack.extract(), Outcome::Succeeded);
    let launches = fixture("original", "launches");
    let copies: Vec<&Value> = launches.iter().filter(|l| l["id"] == "110").collect();
    assert_eq!(
        copies.len(),
        2,
        "the fixture carries the upstream's duplicate"
    );

    let mut conn = stack.conn();
    let kept: String = staging::launch::table
        .find("110")
        .select(staging::launch::mission_name)
        .first::<Option<String>>(&mut conn)
        .unwrap()
        .unwrap();
    assert_eq!(
        kept,
        copies[0]["mission_name"].as_str().unwrap(),
        "the first one in response order is kept"
    );
    let rejected: Vec<Rejected> = staging::rejected::table
        .select(Rejected::as_select())
        .load(&mut conn)
        .unwrap();
    assert_eq!(rejected.len(), 1);
    let run = extract_runs::latest(&mut conn).unwrap().unwrap();
    assert_eq!(
        (
            rejected[0].entity.as_str(),
            rejected[0].upstream_id.as_deref(),
            rejected[0].run_id
        ),
        ("launch", Some("110"), run.id)
    );
    assert!(
        rejected[0].reason.contains("duplicate id"),
        "{}",
        rejected[0].reason
    );
    let raw: Value = serde_json::from_str(&rejected[0].raw).unwrap();
    assert_eq!(
        raw["mission_name"], copies[1]["mission_name"],
        "the refused record is kept verbatim"
    );

    let launch = stack.latest_report("launch");
    assert_eq!(
        (launch.fetched, launch.loaded, launch.rejected),
        (launches.len() as i32, launches.len() as i32 - 1, 1)
    );
    assert_eq!(
        stack.count("staging.mission"),
        fixture("original", "missions").len() as i64
    );
}

#[test]
fn two_hundred_fifty_launches_are_paged_through_and_all_staged() {
    let stack = Stack::with_page_size(Dataset::synthetic(250), 50);
    assert_eq!(stack.extract(), Outcome::Succeeded);
    assert_eq!(stack.count("staging.launch"), 250);
    assert_eq!(
        stack.fake.requests_for("launches"),
        6,
        "5 full pages and one empty one"
    );
    let launch = stack.latest_report("launch");
    assert_eq!((launch.fetched, launch.loaded, launch.pages), (250, 250, 6));
}

/// Loading streams from the spool in batches: an entity found to have the wrong shape only
/// after batches of it were written (2 500 launches, none with a `mission_name`) is rolled
/// back alone and keeps every previous row; the rockets still load, the run is partial (the
/// launches are unavailable upstream, and required).
#[test]
fn an_entity_refused_after_batches_were_written_keeps_its_rows() {
    let stack = Stack::with_page_size(Dataset::synthetic(2_500), 100);
    assert_eq!(stack.extract(), Outcome::Succeeded);
    let launches_before = stack.dump_table("staging.launch");
    let links_before = stack.dump_table("staging.launch_link");

    let mut nameless = Dataset::synthetic(2_500);
    for launch in nameless.collection_mut("launches").iter_mut() {
        launch["mission_name"] = Value::Null;
        launch["details"] = json!("changed");
    }
    nameless.collection_mut("rockets")[0]["name"] = json!("Renamed");
    stack.fake.set_dataset(nameless);
    assert_eq!(stack.extract(), Outcome::Partial);
    let launch = stack.latest_report("launch");
    assert_eq!(
        (
            launch.status.as_str(),
            launch.fetched,
            launch.loaded,
            launch.inserted
        ),
        ("unavailable", 2_500, 0, 0)
    );
    assert!(
        launch
            .error
            .as_deref()
            .unwrap()
            .starts_with("wrong shape: none of the 2500 records"),
        "{launch:?}"
    );
    assert_eq!(stack.dump_table("staging.launch"), launches_before);
    assert_eq!(stack.dump_table("staging.launch_link"), links_before);
    assert_eq!(
        stack.count("staging.rejected"),
        0,
        "a refused entity refuses nothing"
    );
    let rocket = stack.latest_report("rocket");
    assert_eq!((rocket.status.as_str(), rocket.updated), ("succeeded", 1));
}

/// A duplicate id on a later page than its first record is refused like one on the same page.
#[test]
fn a_duplicate_id_pages_apart_is_refused() {
    let mut dataset = Dataset::synthetic(250);
    let launches = dataset.collection_mut("launches");
    launches[240]["id"] = launches[3]["id"].clone();
    let stack = Stack::with_page_size(dataset, 50);
    assert_eq!(stack.extract(), Outcome::Succeeded);
    let launch = stack.latest_report("launch");
    assert_eq!(
        (launch.fetched, launch.loaded, launch.rejected),
        (250, 249, 1)
    );
    let reasons: Vec<String> = staging::rejected::table
        .select(staging::rejected::reason)
        .load(&mut stack.conn())
        .unwrap();
    assert_eq!(
        reasons,
        ["duplicate id: an earlier record of this run with the same id was kept"]
    );
    assert_eq!(stack.count("staging.launch"), 249);
}

#[test]
fn transient_faults_recover_within_the_retry_budget() {
    let stack = Stack::with_attempts(Dataset::fixture("current").unwrap(), 7);
    let transient = [
        Fault::Status(500),
        Fault::Status(502),
        Fault::Status(503),
        Fault::TooManyRequests {
            retry_after_secs: 0,
        },
        Fault::ConnectionReset,
        Fault::TruncatedBody,
    ];
    let faults = transient.len();
    for fault in transient {
        stack.fake.inject(FaultRule::on("launches", fault));
    }
    // The first page meets all six in a row, then gets through on the seventh attempt.
    assert_eq!(stack.extract(), Outcome::Succeeded);
    assert_eq!(stack.count("staging.launch"), 8);
    let launch = stack.latest_report("launch");
    assert_eq!(launch.retries, faults as i32);
}

#[test]
fn a_read_timeout_is_retried() {
    let stack = Stack::new(Dataset::fixture("current").unwrap());
    stack.fake.inject(FaultRule::on(
        "rockets",
        Fault::Delay(std::time::Duration::from_millis(1500)), // over the 1 s read timeout
    ));
    let started = std::time::Instant::now();
    assert_eq!(stack.extract(), Outcome::Succeeded);
    assert_eq!(stack.count("staging.rocket"), 4);
    let rocket = stack.latest_report("rocket");
    assert_eq!(
        rocket.retries, 1,
        "the slow answer was abandoned and retried"
    );
    assert!(
        started.elapsed()
            < std::time::Duration::from_millis(1500) + std::time::Duration::from_secs(1)
    );
}

#[test]
fn a_persistently_failing_entity_keeps_its_rows_and_the_run_is_partial() {
    let stack = Stack::new(Dataset::fixture("current").unwrap());
    assert_eq!(stack.extract(), Outcome::Succeeded);
    let launches_before = stack.dump_table("staging.launch");

    // Launches fail now; rockets change upstream meanwhile.
    let mut dataset = Dataset::fixture("current").unwrap();
    dataset.collection_mut("rockets").truncate(2);
    stack.fake.set_dataset(dataset);
    stack
        .fake
        .inject(FaultRule::on("launches", Fault::Status(503)).times(1000));
    assert_eq!(stack.extract(), Outcome::Partial);

    assert_eq!(
        stack.dump_table("staging.launch"),
        launches_before,
        "launches untouched"
    );
    assert_eq!(stack.count("staging.rocket"), 2, "rockets still published");
    let mut conn = stack.conn();
    let run = extract_runs::latest(&mut conn).unwrap().unwrap();
    assert_eq!(run.status, "partial");
    assert!(
        run.error
            .as_deref()
            .unwrap()
            .contains("launch: HTTP status 503"),
        "{:?}",
        run.error
    );
}

#[test]
fn when_every_entity_fails_staging_is_untouched_and_the_run_failed() {
    for fault in [
        Fault::GraphQlError,
        Fault::MalformedJson,
        Fault::WrongType,
        Fault::PartialNull,
        Fault::Status(500),
    ] {
        let stack = Stack::new(Dataset::fixture("original").unwrap());
        assert_eq!(stack.extract(), Outcome::Succeeded);
        let before = stack.staging_dump();
        stack.fake.inject(FaultRule::any(fault.clone()).times(1000));
        assert_eq!(stack.extract(), Outcome::Failed, "{fault:?}");
        assert_eq!(
            stack.staging_dump(),
            before,
            "{fault:?}: staging must be untouched"
        );
        let mut conn = stack.conn();
        let run = extract_runs::latest(&mut conn).unwrap().unwrap();
        assert_eq!(run.status, "failed", "{fault:?}");
        assert!(run.error.is_some());
        let entities = extract_runs::entities(&mut conn, run.id).unwrap();
        assert_eq!(entities.len(), 3);
        // GraphQL errors say the upstream cannot serve them; the rest are failures.
        let status = match fault {
            Fault::GraphQlError | Fault::PartialNull => "unavailable",
            _ => "failed",
        };
        assert!(
            entities
                .iter()
                .all(|e| e.status == status && e.error.is_some()),
            "{entities:?}"
        );
    }
}

#[test]
fn bad_records_are_rejected_with_a_reason_and_the_rest_loads() {
    let mut dataset = Dataset::fixture("current").unwrap();
    {
        let launches = dataset.collection_mut("launches");
        launches[0]["details"] = json!("evil\u{0}byte");
        launches[1]["details"] = json!("x".repeat(100_001));
        launches[2]["launch_date_utc"] = json!("next tuesday");
        launches[3]["id"] = json!("");
        launches[4]["id"] = json!("9".repeat(129));
        launches[5]["links"]["flickr_images"] =
            json!(["https://ok/1", format!("https://{}", "y".repeat(5000))]);
    }
    {
        let rockets = dataset.collection_mut("rockets");
        rockets[0]["cost_per_launch"] = json!(-1);
        rockets[1]["success_rate_pct"] = json!(101);
        rockets[2]["first_flight"] = json!("2010-13-45");
    }
    let stack = Stack::new(dataset);
    assert_eq!(stack.extract(), Outcome::Succeeded);
    assert_eq!(stack.count("staging.launch"), 2);
    assert_eq!(stack.count("staging.rocket"), 1);

    let mut conn = stack.conn();
    let reasons: Vec<(String, String)> = staging::rejected::table
        .select((staging::rejected::entity, staging::rejected::reason))
        .order(staging::rejected::id)
        .load(&mut conn)
        .unwrap();
    let expect = [
        ("rocket", "cost_per_launch -1 is negative"),
        ("rocket", "success_rate_pct 101 is not between 0 and 100"),
        ("rocket", "first_flight \"2010-13-45\" is not a date"),
        ("launch", "field details contains a NUL character"),
        (
            "launch",
            "details is 100001 characters long, over the cap of 100000",
        ),
        (
            "launch",
            "launch_date_utc \"next tuesday\" is not an ISO-8601 timestamp",
        ),
        ("launch", "id is empty"),
        ("launch", "id is longer than 128 characters"),
        (
            "launch",
            "flickr_images is 5008 characters long, over the cap of 4096",
        ),
    ];
    assert_eq!(reasons.len(), expect.len(), "{reasons:#?}");
    for ((entity, reason), (want_entity, want)) in reasons.iter().zip(expect) {
        assert_eq!(entity, want_entity);
        assert!(
            reason.starts_with(want),
            "{reason:?} should start with {want:?}"
        );
    }
    let launch = stack.latest_report("launch");
    assert_eq!(
        (launch.fetched, launch.loaded, launch.rejected),
        (8, 2, 6),
        "every record accounted for"
    );
}

#[test]
fn a_second_extractor_skips_while_one_runs_and_a_dead_run_is_closed() {
    let stack = Stack::new(Dataset::fixture("current").unwrap());
    // A run left `running` by an extractor that was killed.
    let stale = extract_runs::start(&mut stack.conn()).unwrap();

    // Another extractor holds the lock: this one skips, writing nothing.
    let held = extract_runs::try_lock(&stack.database)
        .unwrap()
        .expect("lock is free");
    assert!(
        extract_runs::try_lock(&stack.database).unwrap().is_none(),
        "the lock is exclusive"
    );
    assert_eq!(stack.extract(), Outcome::Succeeded);
    assert_eq!(
        stack.count("staging.extract_run"),
        1,
        "the skipped run opened no run row"
    );
    assert!(
        stack.fake.request_count() > 0,
        "it fetched first: the lock is taken with the comparison, after the fetch"
    );
    drop(held);

    assert_eq!(stack.extract(), Outcome::Succeeded);
    let mut conn = stack.conn();
    let runs: Vec<(i64, String, Option<String>)> = staging::extract_run::table
        .select((
            staging::extract_run::id,
            staging::extract_run::status,
            staging::extract_run::error,
        ))
        .order(staging::extract_run::id)
        .load(&mut conn)
        .unwrap();
    assert_eq!(runs[0].0, stale);
    assert_eq!(runs[0].1, "failed");
    assert!(runs[0].2.as_deref().unwrap().starts_with("interrupted"));
    assert_eq!(runs[1].1, "succeeded");
}

#[test]
fn invalid_text_from_upstream_rejects_only_its_record() {
    let stack = Stack::new(Dataset::fixture("current").unwrap());
    // A lone UTF-16 surrogate escape in one launch, invalid UTF-8 bytes in one rocket: either
    // would make the whole page unparsable if it were not marked and refused per record.
    stack.fake.inject(FaultRule::on(
        "launches",
        Fault::ReplaceText {
            from: "\"FalconSat\"".into(),
            to: b"\"Falcon\\ud800Sat\"".to_vec(),
        },
    ));
    stack.fake.inject(FaultRule::on(
        "rockets",
        Fault::ReplaceText {
            from: "\"Falcon 1\"".into(),
            to: b"\"Falcon \xff1\"".to_vec(),
        },
    ));
    assert_eq!(stack.extract(), Outcome::Succeeded);
    assert_eq!(stack.count("staging.launch"), 7);
    assert_eq!(stack.count("staging.rocket"), 3);
    let mut conn = stack.conn();
    let reasons: Vec<(String, String)> = staging::rejected::table
        .select((staging::rejected::entity, staging::rejected::reason))
        .order(staging::rejected::entity)
        .load(&mut conn)
        .unwrap();
    let invalid = "contains invalid text (bad UTF-8 or a lone surrogate escape)";
    assert_eq!(
        reasons,
        vec![
            (
                "launch".to_string(),
                format!("field mission_name {invalid}")
            ),
            ("rocket".to_string(), format!("field name {invalid}")),
        ]
    );
}
