//! The extractor as an operator drives it: "run now" (SIGUSR1 to the looping binary), the
//! progress lines of a long fetch, `extractor status`. Real binary, real Postgres, real HTTP
//! to the local fake API.
#![allow(clippy::unwrap_used)]

use std::process::{Child, Stdio};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use repository::extract_runs;
use spacex_fake::{Dataset, Fault, FaultRule};
use testbed::{extractor_command, signal, wait_exit, Stack};

/// A looping extractor with its log.
fn spawn_looping(config: &std::path::Path) -> (Child, Receiver<String>) {
    let mut child = extractor_command(env!("CARGO_BIN_EXE_extractor"), config)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = test_kit::cli::stderr_lines(&mut child);
    (child, log)
}

/// Collects log lines until one contains `needle` (or 20 s pass).
fn until(log: &Receiver<String>, seen: &mut Vec<String>, needle: &str) -> bool {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        if let Ok(line) = log.recv_timeout(Duration::from_millis(100)) {
            let found = line.contains(needle);
            seen.push(line);
            if found {
                return true;
            }
        }
    }
    false
}

fn latest_run_id(stack: &Stack) -> Option<i64> {
    extract_runs::latest(&mut stack.conn())
        .unwrap()
        .map(|run| run.id)
}

#[test]
fn sigusr1_runs_a_looping_extractor_now_and_the_log_says_so() {
    let stack = Stack::new(Dataset::fixture("current").unwrap());
    let dir = tempfile::tempdir().unwrap();
    // Timer 10m: one run at start, then only on request within the test. (Not an hour or
    // more: then every idle check would be its own INFO summary.)
    let config = stack.config_file(
        dir.path(),
        "extractor:\n  interval: 10m\n  metrics_listen: off\n",
    );
    let (mut child, log) = spawn_looping(&config);
    let mut seen = Vec::new();
    assert!(
        until(&log, &mut seen, "Extract run 1 succeeded"),
        "{seen:#?}"
    );
    let asked = stack.fake.requests_for("launches");

    // The upstream changes; the timer would wait an hour, the signal does not.
    let mut changed = stack.fake.dataset();
    changed.collection_mut("launches")[0]["details"] = serde_json::json!("changed upstream");
    stack.fake.set_dataset(changed);
    signal(&child, "USR1");
    assert!(
        until(&log, &mut seen, "Extract run 2 succeeded"),
        "{seen:#?}"
    );
    assert!(
        seen.iter()
            .any(|line| line.contains("Received SIGUSR1: running the extractor now")),
        "{seen:#?}"
    );
    assert_eq!(latest_run_id(&stack), Some(2));
    assert!(stack.fake.requests_for("launches") > asked);

    // Asked again with nothing new: the first idle check is an INFO line anyway, the one
    // after it only because it was asked for.
    for _ in 0..2 {
        signal(&child, "USR1");
        assert!(
            until(&log, &mut seen, "The source has no new data"),
            "{seen:#?}"
        );
    }
    assert_eq!(
        latest_run_id(&stack),
        Some(2),
        "nothing new, nothing written"
    );
    let requests = seen
        .iter()
        .filter(|line| line.contains("Received SIGUSR1"))
        .count();
    assert_eq!(requests, 3, "{seen:#?}");

    signal(&child, "TERM");
    let status = wait_exit(&mut child, Duration::from_secs(5)).expect("stops");
    assert_eq!(status.code(), Some(0));
}

/// `extractor --once` on `config`: its log.
fn once_log(config: &std::path::Path) -> Vec<String> {
    let output = extractor_command(env!("CARGO_BIN_EXE_extractor"), config)
        .arg("--once")
        .output()
        .unwrap();
    let log = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(0), "{log}");
    log.lines().map(String::from).collect()
}

fn progress_lines(log: &[String]) -> Vec<&String> {
    log.iter()
        .filter(|line| line.contains("] Fetching for "))
        .collect()
}

#[test]
fn a_slow_fetch_logs_progress_and_a_fast_one_does_not() {
    let stack = Stack::new(Dataset::fixture("current").unwrap());
    let dir = tempfile::tempdir().unwrap();

    // Fast, with the default interval (10 s): the run's own line only.
    let fast = stack.config_file(dir.path(), "");
    let log = once_log(&fast);
    assert!(progress_lines(&log).is_empty(), "{log:#?}");
    assert!(
        log.iter()
            .any(|line| line.contains("Extract run 1 succeeded")),
        "{log:#?}"
    );

    // Slow: every launches page (3 records each) takes 300 ms; a line every 200 ms. Four
    // launches more than last time: past the last count, no estimate.
    let mut grown = stack.fake.dataset();
    let launches = grown.collection_mut("launches");
    for n in 0..4 {
        let mut copy = launches[0].clone();
        copy["id"] = serde_json::json!(format!("grown-{n}"));
        launches.push(copy);
    }
    stack.fake.set_dataset(grown);
    stack.fake.inject(
        FaultRule::on("launches", Fault::Delay(Duration::from_millis(300))).times(usize::MAX),
    );
    let slow = stack.config_file(dir.path(), "extractor:\n  progress_interval: 200ms\n");
    let log = once_log(&slow);
    let lines = progress_lines(&log);
    assert!(lines.len() >= 3, "{log:#?}");
    // The last fetch brought 8 launches: the estimate.
    assert!(
        lines[0].contains(": launch 3 of about 8 (37%, 1 pages"),
        "{lines:#?}"
    );
    assert!(
        lines[1].contains("launch 6 of about 8 (75%, 2 pages"),
        "{lines:#?}"
    );
    assert!(
        lines[2].contains(": launch 9 records so far."),
        "{lines:#?}"
    );
    assert!(
        lines.iter().all(|line| line.chars().count() < 300),
        "{lines:#?}"
    );
}

#[test]
fn extractor_status_is_the_shared_one() {
    let stack = Stack::new(Dataset::fixture("current").unwrap());
    let dir = tempfile::tempdir().unwrap();
    let config = stack.config_file(dir.path(), "");
    let status = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_extractor"))
            .arg("status")
            .arg("--config")
            .arg(&config)
            .env_remove("DATABASE_URL")
            .output()
            .unwrap()
    };
    let before = status();
    assert_eq!(before.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&before.stdout).starts_with("Status: stale"));
    assert_eq!(stack.extract(), service::Outcome::Succeeded);
    let after = status();
    assert_eq!(
        after.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&after.stdout)
    );

    let (help, listed, _) =
        test_kit::cli::exit_codes_of(env!("CARGO_BIN_EXE_extractor"), &["status", "--help"]);
    assert_eq!(listed, ["0", "2", "4", "5", "6", "7"], "{help}");
    // --once and its companions still work beside the subcommand.
    let (main_help, codes, _) = test_kit::cli::exit_codes(env!("CARGO_BIN_EXE_extractor"));
    assert!(main_help.contains("status"), "{main_help}");
    assert!(main_help.contains("--once"), "{main_help}");
    assert_eq!(codes, ["0", "1", "2", "3", "4", "130"]);
}

/// A failed run is tried again after `extractor.retry_failed_after`, then twice as late, not
/// after the hour of the timer; the first run that does not fail puts the timer back.
#[test]
fn a_failed_run_is_tried_again_soon_then_later_then_on_the_timer() {
    let stack = Stack::new(Dataset::fixture("current").unwrap());
    let dir = tempfile::tempdir().unwrap();
    // Every request answers 503 until the fault is cleared: each run fails.
    stack
        .fake
        .inject(FaultRule::any(Fault::Status(503)).times(usize::MAX));
    let config = stack.config_file(
        dir.path(),
        "extractor:\n  interval: 1h\n  retry_failed_after: 1s\n  metrics_listen: off\n",
    );
    let (mut child, log) = spawn_looping(&config);
    let mut seen = Vec::new();
    for next in ["1s", "2s"] {
        let line = format!(
            "The extractor tries again in {next} (every 1h again once a run does not fail)."
        );
        assert!(until(&log, &mut seen, &line), "{seen:#?}");
    }
    stack.fake.clear_faults();
    assert!(until(&log, &mut seen, "succeeded"), "{seen:#?}");
    let failed = seen
        .iter()
        .filter(|line| line.contains("Extract run") && line.contains(" failed"))
        .count();
    assert_eq!(
        failed, 2,
        "two failed runs (1 s apart), then one that loads 2 s later: {seen:#?}"
    );
    // Back on the hour: nothing more within two seconds.
    std::thread::sleep(Duration::from_secs(2));
    assert!(log.try_iter().all(|line| !line.contains("Extract run")));

    signal(&child, "TERM");
    let status = wait_exit(&mut child, Duration::from_secs(5)).expect("stops");
    assert_eq!(status.code(), Some(0));
}
