//! What an operator runs by hand or from cron: `status` (shared by both binaries: its exit
//! codes in every state and its JSON against doc/status.schema.json) and
//! `martmaker --full-refresh`. Real binaries on a real Postgres, data from the local fake API.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use cancel::CancelToken;
use martmaker::Martmaker;
use repository::marts::BuildMode;
use service::Job;
use spacex_fake::{Dataset, Fault, FaultRule};
use testbed::Stack;

/// `binary [args] status [--json]` on `config`: exit code and standard output.
fn status(binary: &str, config: &Path, json: bool) -> (i32, String) {
    let mut command = Command::new(binary);
    command
        .args(["status", "--config"])
        .arg(config)
        .env_remove("DATABASE_URL");
    if json {
        command.arg("--json");
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    (output.status.code().unwrap(), stdout)
}

/// `martmaker status --json`, checked against the documented schema; its exit code equals
/// the document's `exit_code`.
fn status_json(config: &Path) -> serde_json::Value {
    let (code, stdout) = status(env!("CARGO_BIN_EXE_martmaker"), config, true);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../doc/status.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{report:#}");
    assert_eq!(report["exit_code"], code, "{report:#}");
    report
}

fn build(stack: &Stack) {
    let mut maker = Martmaker::new(&stack.config, stack.database_for::<Martmaker>()).unwrap();
    maker.run(&CancelToken::new());
}

/// A full build in which every launch row vanishes as it is written: the error check
/// `objects_match_staging` fails and the build is rolled back.
fn build_failing_its_checks(stack: &Stack) {
    stack.sql(
        "CREATE FUNCTION public.sabotage() RETURNS trigger LANGUAGE plpgsql AS
           $$ BEGIN RETURN NULL; END $$;
         CREATE TRIGGER sabotage BEFORE INSERT ON marts.publication_by_object
           FOR EACH ROW WHEN (NEW.entity = 'launch') EXECUTE FUNCTION public.sabotage();",
    );
    let mut maker = Martmaker::new(&stack.config, stack.database_for::<Martmaker>())
        .unwrap()
        .full_refresh(true);
    assert_eq!(maker.run(&CancelToken::new()), service::Outcome::Failed);
    stack.sql("DROP TRIGGER sabotage ON marts.publication_by_object");
}

fn config(stack: &Stack, dir: &Path) -> PathBuf {
    stack.config_file(dir, "")
}

#[test]
fn status_exits_0_when_fresh_5_when_stale_6_after_a_failure_7_when_checks_fail_and_4_without_a_database(
) {
    let stack = Stack::new(Dataset::fixture("current").unwrap());
    let dir = tempfile::tempdir().unwrap();
    let config = config(&stack, dir.path());
    let martmaker = env!("CARGO_BIN_EXE_martmaker");

    // Never extracted: stale, nothing listed.
    let (code, text) = status(martmaker, &config, false);
    assert_eq!(code, 5, "{text}");
    assert!(text.starts_with("Status: stale (exit code 5)"), "{text}");
    assert!(text.contains("never extracted"), "{text}");
    assert!(text.contains("no successful extraction yet"), "{text}");

    // Extracted and built: healthy, from either binary, the same text.
    assert_eq!(stack.extract(), service::Outcome::Succeeded);
    build(&stack);
    let (code, text) = status(martmaker, &config, false);
    assert_eq!(code, 0, "{text}");
    assert!(text.starts_with("Status: healthy (exit code 0)"), "{text}");
    assert!(text.contains("Staging: fresh, current as of"), "{text}");
    assert!(text.contains("succeeded  full"), "{text}");
    // Today's endpoint names missions it does not serve: a warn check, listed, still 0.
    assert!(text.contains("Failing checks of mart build 1:"), "{text}");
    assert!(text.contains("  warn   launch_mission_missing: "), "{text}");
    assert!(
        text.lines().all(|line| line.chars().count() <= 200),
        "{text}"
    );
    // `--config` before the subcommand reads the same file (it is a global option).
    let output = Command::new(martmaker)
        .arg("--config")
        .arg(&config)
        .arg("status")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let before = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{before}");
    assert!(
        before.starts_with("Status: healthy (exit code 0)"),
        "{before}"
    );

    // The last extraction a day old (limit: 3 × 1h): stale.
    stack.sql(
        "UPDATE staging.extract_run SET started_at = started_at - interval '1 day',
                finished_at = finished_at - interval '1 day', last_checked_at = NULL",
    );
    let (code, text) = status(martmaker, &config, false);
    assert_eq!(code, 5, "{text}");
    assert!(text.contains("Staging: STALE"), "{text}");
    assert!(text.contains("no successful extraction for 1day"), "{text}");

    // Fresh again, then a failed extract run: 6, with its reason.
    stack.sql(
        "UPDATE staging.extract_run SET started_at = started_at + interval '1 day',
                finished_at = finished_at + interval '1 day'",
    );
    assert_eq!(status(martmaker, &config, false).0, 0);
    stack
        .fake
        .inject(FaultRule::any(Fault::GraphQlError).times(1000));
    assert_eq!(stack.extract(), service::Outcome::Failed);
    stack.fake.clear_faults();
    let (code, text) = status(martmaker, &config, false);
    assert_eq!(code, 6, "{text}");
    assert!(text.contains("! extract run 2 failed"), "{text}");

    // A later run that loads clears it; a failed mart build is as loud.
    let mut changed = stack.fake.dataset();
    changed.collection_mut("launches")[0]["details"] = serde_json::json!("changed upstream");
    stack.fake.set_dataset(changed);
    assert_eq!(stack.extract(), service::Outcome::Succeeded);
    assert_eq!(status(martmaker, &config, false).0, 0);
    build_failing_its_checks(&stack);
    let (code, text) = status(martmaker, &config, false);
    assert_eq!(code, 7, "{text}");
    assert!(
        text.starts_with("Status: checks_failing (exit code 7)"),
        "{text}"
    );
    assert!(
        text.contains("! mart build 2 failed its checks: objects_match_staging"),
        "{text}"
    );
    assert!(text.contains("  fail   objects_match_staging: "), "{text}");
    // A build that failed otherwise (no check failed) is 6.
    stack.sql(
        "INSERT INTO marts.build_run (mart, status, finished_at, error)
         VALUES ('publication', 'failed', now(), 'data-quality checks failed: test')",
    );
    let (code, text) = status(martmaker, &config, false);
    assert_eq!(code, 6, "{text}");
    assert!(
        text.contains("! mart build 3 failed: data-quality checks failed: test"),
        "{text}"
    );

    // Stale and failed at once: the lower code, both listed.
    stack.sql(
        "UPDATE staging.extract_run SET finished_at = finished_at - interval '1 day',
                last_checked_at = NULL",
    );
    let (code, text) = status(martmaker, &config, false);
    assert_eq!(code, 5, "{text}");
    assert!(text.contains("! staging is stale"), "{text}");
    assert!(text.contains("! mart build 3 failed"), "{text}");

    // No database.
    let nowhere = dir.path().join("nowhere.yaml");
    std::fs::write(
        &nowhere,
        "database:\n  url: postgres://nobody:secret-pw@127.0.0.1:1/none\n  connect_timeout: 1s\n",
    )
    .unwrap();
    let (code, text) = status(martmaker, &nowhere, false);
    assert_eq!(code, 4, "{text}");
    assert!(text.starts_with("Status: database_unreachable"), "{text}");
    assert!(!text.contains("secret-pw"), "{text}");

    // A bad config: 2, one line on stderr, as for the services.
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "extractor:\n  interval: 0s\n").unwrap();
    let output = Command::new(martmaker)
        .args(["status", "--config"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("extractor.interval"));
}

#[test]
fn status_json_follows_its_schema_in_every_state() {
    let stack = Stack::every_entity(Dataset::fixture("current").unwrap());
    let dir = tempfile::tempdir().unwrap();
    let config = config(&stack, dir.path());

    let empty = status_json(&config);
    assert_eq!(empty["exit_code"], 5);
    assert_eq!(
        empty["freshness"]["last_extract_at"],
        serde_json::Value::Null
    );
    assert_eq!(empty["extract_runs"], serde_json::json!([]));

    // Today's endpoint: the run succeeds, nine entities are unavailable upstream.
    assert_eq!(stack.extract(), service::Outcome::Succeeded);
    build(&stack);
    let healthy = status_json(&config);
    assert_eq!(healthy["exit_code"], 0, "{healthy:#}");
    assert_eq!(healthy["problems"], serde_json::json!([]));
    assert_eq!(healthy["freshness"]["fresh"], true);
    assert_eq!(healthy["extract_runs"][0]["status"], "succeeded");
    assert_eq!(healthy["builds"][0]["mode"], "full");
    let unavailable: Vec<&str> = healthy["unavailable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["entity"].as_str().unwrap())
        .collect();
    assert_eq!(unavailable.len(), 9, "{unavailable:?}");
    assert_eq!(
        healthy["failing_checks"][0]["status"], "warn",
        "{healthy:#}"
    );
    assert!(unavailable.contains(&"payload"), "{unavailable:?}");

    build_failing_its_checks(&stack);
    let failing = status_json(&config);
    assert_eq!(failing["exit_code"], 7);
    assert_eq!(failing["problems"][0]["problem"], "checks_failing");
    let failed_checks: Vec<&serde_json::Value> = failing["failing_checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|check| check["status"] == "fail")
        .collect();
    assert_eq!(failed_checks.len(), 1, "{failing:#}");
    assert_eq!(failed_checks[0]["check_name"], "objects_match_staging");
    assert_eq!(failed_checks[0]["severity"], "error");

    stack
        .fake
        .inject(FaultRule::any(Fault::GraphQlError).times(1000));
    assert_eq!(stack.extract(), service::Outcome::Failed);
    let failed = status_json(&config);
    assert_eq!(failed["exit_code"], 6);
    assert_eq!(failed["problems"][0]["problem"], "failed");
    assert_eq!(
        failed["problems"][1]["problem"], "checks_failing",
        "both listed"
    );
    // The unavailable entities are those of the last run that loaded.
    assert_eq!(failed["unavailable"][0]["run_id"], 1);

    let nowhere = dir.path().join("nowhere.yaml");
    std::fs::write(
        &nowhere,
        "database:\n  url: postgres://nobody@127.0.0.1:1/none\n  connect_timeout: 1s\n",
    )
    .unwrap();
    let unreachable = status_json(&nowhere);
    assert_eq!(unreachable["exit_code"], 4);
    assert_eq!(unreachable["freshness"], serde_json::Value::Null);
}

#[test]
fn status_help_states_its_exit_codes() {
    let (help, listed, _) =
        test_kit::cli::exit_codes_of(env!("CARGO_BIN_EXE_martmaker"), &["status", "--help"]);
    assert_eq!(listed, ["0", "2", "4", "5", "6", "7"], "{help}");
    assert!(help.contains("5    staging is stale"), "{help}");
}

/// `--full-refresh` builds everything from scratch even where an incremental build would
/// do (or nothing at all): with `--once` it exits after that build; without, it goes on on
/// its timer.
#[test]
fn full_refresh_builds_in_full_once_then_goes_on_as_usual() {
    let stack = Stack::new(Dataset::fixture("current").unwrap()).without_shrink_guard();
    let dir = tempfile::tempdir().unwrap();
    let config = stack.config_file(
        dir.path(),
        "martmaker:\n  interval: 1h\n  listen: off\nextractor:\n  shrink_guard: 0\n",
    );
    let martmaker = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_martmaker"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "info")
            .output()
            .unwrap();
        let log = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(0), "{log}");
        log
    };
    let last_build = || repository::marts::last_successful_build(&mut stack.conn()).unwrap();
    assert_eq!(stack.extract(), service::Outcome::Succeeded);
    martmaker(&["--once"]);
    let objects = stack.dump_table("marts.publication_by_object");

    // Nothing changed: a plain run builds nothing; --full-refresh rebuilds all the same.
    martmaker(&["--once"]);
    assert_eq!(stack.count("marts.build_run"), 1);
    let log = martmaker(&["--once", "--full-refresh"]);
    assert!(
        log.contains("Mart build 2 (full by --full-refresh, 8 launches recounted)"),
        "{log}"
    );
    let second = last_build().unwrap();
    assert_eq!((second.id, second.mode), (2, Some(BuildMode::Full)));
    assert_eq!(stack.dump_table("marts.publication_by_object"), objects);

    // Staging changed: the timer loop's first build is full by request instead of
    // incremental, then the service keeps running.
    stack
        .fake
        .set_dataset(Dataset::fixture("original").unwrap());
    assert_eq!(stack.extract(), service::Outcome::Succeeded);
    let mut child = Command::new(env!("CARGO_BIN_EXE_martmaker"))
        .arg("--config")
        .arg(&config)
        .arg("--full-refresh")
        .env_remove("DATABASE_URL")
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    assert!(
        testbed::eventually(std::time::Duration::from_secs(20), || last_build()
            .is_some_and(|b| b.id == 3)),
        "the looping martmaker builds"
    );
    let third = last_build().unwrap();
    assert_eq!(third.mode, Some(BuildMode::Full));
    assert_eq!(
        child.try_wait().unwrap(),
        None,
        "it keeps running on its timer"
    );
    testbed::signal(&child, "TERM");
    let status = testbed::wait_exit(&mut child, std::time::Duration::from_secs(5)).unwrap();
    assert_eq!(status.code(), Some(0));

    // Without the flag, the same change is built incrementally: the test above can fail.
    stack.fake.set_dataset(Dataset::fixture("current").unwrap());
    assert_eq!(stack.extract(), service::Outcome::Succeeded);
    martmaker(&["--once"]);
    assert_eq!(last_build().unwrap().mode, Some(BuildMode::Incremental));
}
