//! The real `extractor` binary: exit codes, configuration errors, signals.
#![allow(clippy::unwrap_used)]

use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use repository::extract_runs;
use spacex_fake::{Dataset, Fault, FaultRule};
use testbed::{eventually, extractor_command, signal, wait_exit, Stack};

/// Config tail for runs in loop mode: no metrics server, so that parallel tests (and a local
/// stack on the default port) do not fight over 127.0.0.1:8001.
const LOOP_MODE: &str = "extractor:\n  interval: 1h\n  metrics_listen: off\n";

fn once(config: &std::path::Path) -> Output {
    extractor_command(env!("CARGO_BIN_EXE_extractor"), config)
        .arg("--once")
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn once_exits_0_1_or_3_as_the_run_ended() {
    let stack = Stack::new(Dataset::fixture("current").unwrap());
    let dir = tempfile::tempdir().unwrap();
    let config = stack.config_file(dir.path(), "");

    let ok = once(&config);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert!(
        stderr(&ok).contains("Extract run 1 succeeded"),
        "{}",
        stderr(&ok)
    );

    stack
        .fake
        .inject(FaultRule::on("rockets", Fault::Status(503)).times(100));
    let partial = once(&config);
    assert_eq!(partial.status.code(), Some(3), "{}", stderr(&partial));

    stack
        .fake
        .inject(FaultRule::any(Fault::GraphQlError).times(100));
    let failed = once(&config);
    assert_eq!(failed.status.code(), Some(1), "{}", stderr(&failed));
    assert!(
        stderr(&failed).contains("GraphQL errors"),
        "the cause is logged: {}",
        stderr(&failed)
    );
}

#[test]
fn a_bad_config_is_one_line_naming_the_key_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    for (yaml, key) in [
        ("extractor:\n  interval: 0s\n", "extractor.interval"),
        ("extractor:\n  interval: -5m\n", "extractor.interval"),
        ("api:\n  url: not a url\n", "api.url"),
        ("surprise: true\n", "surprise"),
    ] {
        let path = dir.path().join("config.yaml");
        std::fs::write(&path, yaml).unwrap();
        let output = once(&path);
        assert_eq!(output.status.code(), Some(2), "{yaml}");
        let message = stderr(&output);
        assert_eq!(message.lines().count(), 1, "{message}");
        assert!(message.contains(key), "{message} should name {key}");
    }
    let missing = once(&dir.path().join("nope.yaml"));
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn an_unreachable_database_is_waited_for_then_exit_code_4() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.yaml");
    // Port 1 on loopback: nothing listens there.
    std::fs::write(
        &path,
        "database:\n  url: postgres://nobody:secret-pw@127.0.0.1:1/none\n  startup_timeout: 3s\n  connect_timeout: 1s\n",
    )
    .unwrap();
    let started = Instant::now();
    let output = once(&path);
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "it waited before giving up"
    );
    let log = stderr(&output);
    assert!(log.contains("not reachable yet"), "{log}");
    assert!(
        !log.contains("secret-pw"),
        "the password never reaches the log: {log}"
    );
}

#[test]
fn sigterm_between_runs_stops_cleanly() {
    let stack = Stack::new(Dataset::fixture("current").unwrap());
    let dir = tempfile::tempdir().unwrap();
    let config = stack.config_file(dir.path(), LOOP_MODE);
    let mut child = extractor_command(env!("CARGO_BIN_EXE_extractor"), &config)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let finished = eventually(Duration::from_secs(20), || {
        let mut conn = stack.conn();
        matches!(extract_runs::latest(&mut conn).unwrap(), Some(run) if run.status == "succeeded")
    });
    assert!(finished, "the first run completes");
    signal(&child, "TERM");
    let status = wait_exit(&mut child, Duration::from_secs(5)).expect("stops within 5 s");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn sigterm_during_a_slow_fetch_stops_within_5_seconds_and_writes_nothing() {
    let stack = Stack::new(Dataset::fixture("current").unwrap());
    let before = stack.staging_dump();
    let dir = tempfile::tempdir().unwrap();
    // A read timeout longer than the grace period, and a server that answers even later.
    let config = stack.config_file(dir.path(), LOOP_MODE);
    let yaml = std::fs::read_to_string(&config)
        .unwrap()
        .replace("read_timeout: 1s", "read_timeout: 30s")
        .replace("request_timeout: 5s", "request_timeout: 60s");
    std::fs::write(&config, yaml).unwrap();
    stack.fake.inject(FaultRule::on(
        "launches",
        Fault::Delay(Duration::from_secs(30)),
    ));
    let mut child = stack.spawn_fetching(
        extractor_command(env!("CARGO_BIN_EXE_extractor"), &config).stderr(Stdio::null()),
    );
    let signalled = Instant::now();
    signal(&child, "TERM");
    let status = wait_exit(&mut child, Duration::from_secs(6)).expect("stops");
    assert!(
        signalled.elapsed() < Duration::from_secs(5),
        "took {:?}",
        signalled.elapsed()
    );
    assert!(
        !status.success() || status.code() == Some(130),
        "{status:?}"
    );
    assert_eq!(stack.staging_dump(), before, "nothing written");
}

/// First start on a brand-new database: the services' roles do not exist until the migrations
/// create them, so the binary must wait and migrate as the login user before it switches role.
/// (Under nextest each test process has its own new cluster, so the roles really are absent.)
#[test]
fn the_first_start_on_a_fresh_database_migrates_then_works() {
    let db = test_kit::TestDb::new();
    let fake = spacex_fake::FakeServer::start(Dataset::fixture("current").unwrap());
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.yaml");
    let yaml = testbed::config_yaml(&fake.url(), &db.url(), 3, 3)
        + "extractor:\n  entities: [launch, mission, rocket]\n";
    std::fs::write(&config, yaml).unwrap();
    let output = once(&config);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("Applied migrations"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn help_states_the_extractors_exit_codes() {
    let (help, listed, codes) = test_kit::cli::exit_codes(env!("CARGO_BIN_EXE_extractor"));
    assert_eq!(listed, ["0", "1", "2", "3", "4", "130"], "{help}");
    assert!(codes.contains("3    the run was partial"), "{help}");
}

/// `log_format: json`: every line the binary writes is one JSON object with the timestamp,
/// level, target and message, and the run's summary carries its `run_id`.
#[test]
fn log_format_json_writes_one_object_per_line() {
    let stack = Stack::new(Dataset::fixture("current").unwrap());
    let dir = tempfile::tempdir().unwrap();
    let config = stack.config_file(dir.path(), "log_format: json\n");
    let output = once(&config);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let lines = testbed::json_lines(&stderr(&output));
    assert!(lines.len() >= 2, "{lines:?}");
    let summary = lines
        .iter()
        .find(|line| {
            line["message"]
                .as_str()
                .unwrap()
                .starts_with("Extract run 1 succeeded")
        })
        .expect("the run's line");
    assert_eq!(summary["run_id"], 1, "{summary}");
    assert_eq!(summary["level"], "INFO");
    assert_eq!(summary["target"], "extractor");
}

#[test]
fn status_takes_config_before_or_after_it_and_refuses_the_loops_options() {
    let stack = Stack::new(Dataset::fixture("current").unwrap());
    let dir = tempfile::tempdir().unwrap();
    let config = stack.config_file(dir.path(), "");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_extractor"))
            .args(args)
            .env_remove("DATABASE_URL")
            .output()
            .unwrap()
    };
    let config = config.to_str().unwrap();
    // Never extracted: stale (5), whichever side of `status` the config is named on.
    for args in [
        ["--config", config, "status"],
        ["status", "--config", config],
    ] {
        let output = run(&args);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(5), "{args:?}: {stdout}");
        assert!(
            stdout.starts_with("Status: stale (exit code 5)"),
            "{stdout}"
        );
    }
    let output = run(&["--once", "status", "--config", config]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("--once cannot be used with status"),
        "{}",
        stderr(&output)
    );
}
