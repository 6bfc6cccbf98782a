//! The reliability suite: upstream faults, database faults, process failures, concurrent
//! readers and a seeded soak, against the real services (and the real `extractor` binary where
//! signals or start-up matter), the project's local SpaceX server and a real Postgres.
//!
//! Every case asserts its outcome and compares the whole data content of `staging` and
//! `marts` with what it must be: the last good state when the run failed, exactly what a clean
//! run gives when it recovered. "Data lost" counts the rows that differ; it must be 0.
//!
//! Each case is a test of its own (`cargo nextest run -p extractor --test reliability` runs
//! them in parallel; a filter such as `-E 'test(/upstream/)'` picks some). The results table is
//! `doc/reliability.md`: a case fails when it misbehaves or when its committed row's outcome
//! differs from this run's; `UPDATE_DOCS=1` rewrites the rows of the cases run (with this
//! run's figures). The soak runs `SOAK_CYCLES` cycles (200 by default; 1000 for the doc).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use cancel::CancelToken;
use diesel::prelude::*;
use martmaker::Martmaker;
use repository::extract_runs;
use repository::marts::Refresh;
use service::{Job, Outcome};
use spacex_fake::{Dataset, Fault, FaultRule};
use testbed::{eventually, extractor_command, signal, wait_exit, Stack};

type Content = BTreeSet<String>;

/// What a case saw.
struct Observed {
    /// Deterministic: compared with the committed table.
    outcome: String,
    /// Rows differing from the state the data must be in.
    lost: usize,
    /// Timings and counts of this run (informational).
    figures: String,
}

struct Case {
    /// The name of its test.
    test: &'static str,
    area: &'static str,
    name: &'static str,
    expected: &'static str,
    run: fn() -> Observed,
}

const KEPT: &str = "failed; previous data kept";
const RECOVERED: &str = "recovered; new data loaded";

fn original() -> Dataset {
    Dataset::fixture("original").unwrap()
}

fn current() -> Dataset {
    Dataset::fixture("current").unwrap()
}

/// Staging and marts after one clean extraction and build of fixture set `name`.
fn clean(name: &'static str) -> Content {
    static CLEAN: OnceLock<std::sync::Mutex<std::collections::HashMap<&'static str, Content>>> =
        OnceLock::new();
    let cache = CLEAN.get_or_init(Default::default);
    let mut cache = cache.lock().unwrap();
    cache
        .entry(name)
        .or_insert_with(|| {
            let stack = Stack::new(Dataset::fixture(name).unwrap());
            assert_eq!(stack.extract(), Outcome::Succeeded);
            refresh(&stack);
            stack.content()
        })
        .clone()
}

/// Rows in one state but not the other (the first few are printed, to diagnose).
fn differing(expected: &Content, actual: &Content) -> usize {
    let differences: Vec<&String> = expected.symmetric_difference(actual).collect();
    for row in differences.iter().take(5) {
        let side = if expected.contains(*row) {
            "missing"
        } else {
            "unexpected"
        };
        eprintln!("  {side}: {row}");
    }
    differences.len()
}

fn refresh(stack: &Stack) -> Refresh {
    let maker = Martmaker::new(&stack.config, stack.database_for::<Martmaker>()).unwrap();
    maker.refresh().unwrap()
}

/// A stack holding the `current` data with its marts built (the "last good state"), whose
/// server now serves the `original` data (every entity non-empty, so every fault bites).
fn baseline() -> (Stack, Content) {
    let stack = Stack::new(current());
    assert_eq!(stack.extract(), Outcome::Succeeded);
    refresh(&stack);
    let content = stack.content();
    stack.fake.set_dataset(original());
    (stack, content)
}

/// Judges a finished case: a succeeded run must hold exactly the clean state of the data the
/// server now serves (`original`), anything else the baseline.
fn judge(stack: &Stack, outcome: Outcome, baseline: &Content, figures: String) -> Observed {
    refresh(stack);
    let content = stack.content();
    let (label, lost) = match outcome {
        Outcome::Succeeded => (RECOVERED, differing(&clean("original"), &content)),
        Outcome::Partial => ("partial", differing(baseline, &content)),
        Outcome::Failed | Outcome::Cancelled => (KEPT, differing(baseline, &content)),
    };
    Observed {
        outcome: label.to_string(),
        lost,
        figures,
    }
}

fn latest_run(stack: &Stack) -> db_models::models::ExtractRun {
    extract_runs::latest(&mut stack.conn()).unwrap().unwrap()
}

fn retries(stack: &Stack) -> i32 {
    let run = latest_run(stack);
    extract_runs::entities(&mut stack.conn(), run.id)
        .unwrap()
        .iter()
        .map(|e| e.retries)
        .sum()
}

/// An upstream fault on the next `times` requests, whatever they ask for.
fn upstream(fault: Fault, times: usize) -> Observed {
    let (stack, baseline) = baseline();
    stack.fake.inject(FaultRule::any(fault).times(times));
    let started = Instant::now();
    let outcome = stack.extract();
    let figures = format!(
        "{} retries, {} ms",
        retries(&stack),
        started.elapsed().as_millis()
    );
    judge(&stack, outcome, &baseline, figures)
}

const PERSISTENT: usize = 10_000;

fn vm_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0)
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn sql(stack: &Stack, statements: &str) {
    stack.sql(statements);
}

/// Makes every write to staging.launch sleep `seconds` inside the write transaction.
fn slow_writes(stack: &Stack, seconds: u32) {
    sql(
        stack,
        &format!(
            "CREATE FUNCTION public.slow_write() RETURNS trigger LANGUAGE plpgsql AS
               $$ BEGIN PERFORM pg_sleep({seconds}); RETURN NULL; END $$;
             CREATE TRIGGER slow_write BEFORE INSERT OR UPDATE ON staging.launch
               FOR EACH STATEMENT EXECUTE FUNCTION public.slow_write();"
        ),
    );
}

fn fast_writes(stack: &Stack) {
    sql(
        stack,
        "DROP TRIGGER slow_write ON staging.launch; DROP FUNCTION public.slow_write();",
    );
}

/// The backend pid of a session sleeping in the slow-write trigger, once there is one.
fn sleeping_writer(stack: &Stack) -> Option<i32> {
    #[derive(QueryableByName)]
    struct Pid {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    diesel::sql_query(
        "SELECT pid FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event = 'PgSleep' LIMIT 1",
    )
    .get_result::<Pid>(&mut stack.conn())
    .optional()
    .unwrap()
    .map(|p| p.pid)
}

/// The binary, quiet: these cases judge by the database, not the log.
fn extractor_binary(config: &std::path::Path) -> Command {
    let mut command = extractor_command(env!("CARGO_BIN_EXE_extractor"), config);
    command
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// The stack's config file with `replacements` applied (`from` → `to`).
fn config_file(
    stack: &Stack,
    dir: &std::path::Path,
    replacements: &[(&str, &str)],
) -> std::path::PathBuf {
    // Loop mode every second, without the metrics listener (parallel tests would share its port).
    let path = stack.config_file(dir, "extractor:\n  interval: 1s\n  metrics_listen: off\n");
    let mut yaml = std::fs::read_to_string(&path).unwrap();
    for (from, to) in replacements {
        assert!(yaml.contains(from), "{from} in the test config");
        yaml = yaml.replace(from, to);
    }
    std::fs::write(&path, yaml).unwrap();
    path
}

fn database_not_up_at_start() -> Observed {
    let (stack, proxy) = Stack::proxied(original());
    proxy.set_down(true);
    let dir = tempfile::tempdir().unwrap();
    let config = config_file(
        &stack,
        dir.path(),
        &[("startup_timeout: 5s", "startup_timeout: 30s")],
    );
    let started = Instant::now();
    let mut child = extractor_binary(&config).arg("--once").spawn().unwrap();
    std::thread::sleep(Duration::from_secs(2));
    proxy.set_down(false);
    let status = wait_exit(&mut child, Duration::from_secs(30)).expect("exits");
    let outcome = if status.success() {
        Outcome::Succeeded
    } else {
        Outcome::Failed
    };
    let figures = format!(
        "database down 2 s; exit {:?} after {:.1} s",
        status.code(),
        started.elapsed().as_secs_f64()
    );
    judge(&stack, outcome, &Content::new(), figures)
}

fn database_restarts_mid_run() -> Observed {
    let (stack, proxy) = Stack::proxied(original());
    let dir = tempfile::tempdir().unwrap();
    let config = config_file(&stack, dir.path(), &[]);
    stack.fake.inject(FaultRule::on(
        "launches",
        Fault::Delay(Duration::from_millis(1500)),
    ));
    let log_path = dir.path().join("extractor.log");
    let mut child = stack.spawn_fetching(
        extractor_binary(&config).stderr(std::fs::File::create(&log_path).unwrap()),
    );
    // The "restart": every connection cut, new ones refused for 7 s, while the run is fetching:
    // it finds the database gone when it checks for changes or writes, and fails.
    proxy.set_down(true);
    std::thread::sleep(Duration::from_secs(7));
    proxy.set_down(false);
    let recovered = eventually(
        Duration::from_secs(20),
        || matches!(extract_runs::latest(&mut stack.conn()).unwrap(), Some(run) if run.status == "succeeded"),
    );
    let alive = child.try_wait().unwrap().is_none();
    signal(&child, "TERM");
    let status = wait_exit(&mut child, Duration::from_secs(6));
    // A run that cannot reach the database may leave no row: its failure is in the log.
    let log = std::fs::read_to_string(&log_path).unwrap();
    let failed_runs = log
        .lines()
        .filter(|line| line.contains("ERROR") && line.contains("Extract run"))
        .count();
    // Recovered means: the run caught by the outage failed, a later one succeeded, and the
    // service never exited.
    let outcome = if recovered && alive && failed_runs >= 1 {
        Outcome::Succeeded
    } else {
        Outcome::Failed
    };
    let figures = format!(
        "{failed_runs} failed run(s) logged before the success; service alive throughout: {alive}; exit {:?}",
        status.and_then(|s| s.code())
    );
    judge(&stack, outcome, &Content::new(), figures)
}

fn connection_killed_in_write_transaction() -> Observed {
    let (stack, baseline) = baseline();
    slow_writes(&stack, 30);
    let outcome = std::thread::scope(|scope| {
        let run = scope.spawn(|| stack.extract());
        assert!(eventually(Duration::from_secs(20), || sleeping_writer(
            &stack
        )
        .is_some()));
        let pid = sleeping_writer(&stack).unwrap();
        sql(&stack, &format!("SELECT pg_terminate_backend({pid})"));
        run.join().unwrap()
    });
    fast_writes(&stack);
    let failed = judge(&stack, outcome, &baseline, String::new());
    let error = latest_run(&stack).error.unwrap_or_default();
    let next = stack.extract();
    let after = judge(&stack, next, &baseline, String::new());
    Observed {
        outcome: format!("{}; next run: {}", failed.outcome, after.outcome),
        lost: failed.lost + after.lost,
        figures: format!("cause recorded: {}", first_line(&error)),
    }
}

fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    line.chars().take(90).collect()
}

/// A database error raised inside the write transaction by a trigger.
fn database_error(setup: &str, teardown: &str) -> Observed {
    let (stack, baseline) = baseline();
    sql(&stack, setup);
    let outcome = stack.extract();
    let failed = judge(&stack, outcome, &baseline, String::new());
    let error = latest_run(&stack).error.unwrap_or_default();
    sql(&stack, teardown);
    let next = stack.extract();
    let after = judge(&stack, next, &baseline, String::new());
    Observed {
        outcome: format!("{}; next run: {}", failed.outcome, after.outcome),
        lost: failed.lost + after.lost,
        figures: format!("cause recorded: {}", first_line(&error)),
    }
}

fn permission_denied() -> Observed {
    database_error(
        "REVOKE INSERT ON staging.launch FROM greenadam_extractor",
        "GRANT INSERT ON staging.launch TO greenadam_extractor",
    )
}

fn disk_full() -> Observed {
    // Postgres reports a full disk as SQLSTATE 53100; a trigger raises exactly that.
    database_error(
        "CREATE FUNCTION public.disk_full() RETURNS trigger LANGUAGE plpgsql AS
           $$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'
                USING ERRCODE = 'disk_full'; END $$;
         CREATE TRIGGER disk_full BEFORE INSERT ON staging.launch
           FOR EACH STATEMENT EXECUTE FUNCTION public.disk_full();",
        "DROP TRIGGER disk_full ON staging.launch; DROP FUNCTION public.disk_full();",
    )
}

/// The extractor binary gets `signal_name` while it sits in its write transaction.
fn signal_in_write_transaction(signal_name: &str) -> Observed {
    let (stack, baseline) = baseline();
    slow_writes(&stack, 6);
    let dir = tempfile::tempdir().unwrap();
    let config = config_file(&stack, dir.path(), &[]);
    let mut child = extractor_binary(&config).spawn().unwrap();
    assert!(eventually(Duration::from_secs(20), || sleeping_writer(
        &stack
    )
    .is_some()));
    let signalled = Instant::now();
    signal(&child, signal_name);
    let status = wait_exit(&mut child, Duration::from_secs(10));
    let stop = signalled.elapsed();
    // Postgres notices the vanished client when the sleeping statement ends, and rolls back.
    assert!(eventually(Duration::from_secs(15), || sleeping_writer(
        &stack
    )
    .is_none()));
    fast_writes(&stack);
    let killed = judge(&stack, Outcome::Failed, &baseline, String::new());
    let next = stack.extract();
    let after = judge(&stack, next, &baseline, String::new());
    let closed = stack.count("staging.extract_run WHERE error LIKE 'interrupted%'") == 1;
    Observed {
        outcome: format!("{}; next run: {}", killed.outcome, after.outcome),
        lost: killed.lost + after.lost,
        figures: format!(
            "stopped {:.1} s after the signal (exit {:?}); interrupted run closed: {closed}",
            stop.as_secs_f64(),
            status.and_then(|s| s.code())
        ),
    }
}

fn two_extractors_at_once() -> Observed {
    let (stack, baseline) = baseline();
    stack
        .fake
        .inject(FaultRule::any(Fault::Delay(Duration::from_millis(300))).times(3));
    let before = stack.count("staging.extract_run");
    let outcomes: Vec<Outcome> = std::thread::scope(|scope| {
        let a = scope.spawn(|| stack.extract());
        let b = scope.spawn(|| stack.extract());
        vec![a.join().unwrap(), b.join().unwrap()]
    });
    let runs = stack.count("staging.extract_run") - before;
    let both_ok = outcomes.iter().all(|o| *o == Outcome::Succeeded);
    let mut observed = judge(
        &stack,
        if both_ok && runs == 1 {
            Outcome::Succeeded
        } else {
            Outcome::Failed
        },
        &baseline,
        String::new(),
    );
    observed.outcome = format!(
        "{} run(s) made, the other skipped; {}",
        runs, observed.outcome
    );
    observed
}

fn two_martmakers_at_once() -> Observed {
    let stack = Stack::new(original());
    assert_eq!(stack.extract(), Outcome::Succeeded);
    sql(
        &stack,
        "CREATE FUNCTION public.slow_build() RETURNS trigger LANGUAGE plpgsql AS
           $$ BEGIN PERFORM pg_sleep(1); RETURN NULL; END $$;
         CREATE TRIGGER slow_build BEFORE INSERT ON marts.publication
           FOR EACH STATEMENT EXECUTE FUNCTION public.slow_build();",
    );
    let results: Vec<Refresh> = std::thread::scope(|scope| {
        let a = scope.spawn(|| refresh(&stack));
        std::thread::sleep(Duration::from_millis(200));
        let b = scope.spawn(|| refresh(&stack));
        vec![a.join().unwrap(), b.join().unwrap()]
    });
    sql(
        &stack,
        "DROP TRIGGER slow_build ON marts.publication; DROP FUNCTION public.slow_build();",
    );
    let built = results
        .iter()
        .filter(|r| matches!(r, Refresh::Built { .. }))
        .count();
    let busy = results
        .iter()
        .filter(|r| matches!(r, Refresh::Busy))
        .count();
    let content = stack.content();
    Observed {
        outcome: format!("{built} built, {busy} skipped as busy"),
        lost: differing(&clean("original"), &content),
        figures: format!("{} build_run rows", stack.count("marts.build_run")),
    }
}

fn readers_during_100_cycles() -> Observed {
    let stack = Stack::with_page_size(original(), 100).without_shrink_guard();
    assert_eq!(stack.extract(), Outcome::Succeeded);
    refresh(&stack);
    let stop = Arc::new(AtomicBool::new(false));
    let bad = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (stop, bad) = (stop.clone(), bad.clone());
            let mut conn = stack.conn();
            std::thread::spawn(move || {
                #[derive(QueryableByName)]
                struct Check {
                    #[diesel(sql_type = diesel::sql_types::Bool)]
                    ok: bool,
                }
                let mut reads = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let o: Check = diesel::sql_query(
                        "SELECT (SELECT count(*) FROM marts.publication) = 3
                            AND NOT EXISTS (
                                SELECT 1 FROM marts.publication p
                                LEFT JOIN (SELECT entity, count(*) AS objects, sum(total) AS total
                                           FROM marts.publication_by_object GROUP BY entity) o
                                  USING (entity)
                                WHERE (p.objects, p.total)
                                      IS DISTINCT FROM (coalesce(o.objects, 0), coalesce(o.total, 0))) AS ok",
                    )
                    .get_result(&mut conn)
                    .unwrap();
                    if !o.ok {
                        bad.fetch_add(1, Ordering::Relaxed);
                    }
                    reads += 1;
                }
                reads
            })
        })
        .collect();
    let datasets = [current(), original()];
    for cycle in 0..100 {
        stack.fake.set_dataset(datasets[cycle % 2].clone());
        assert_eq!(stack.extract(), Outcome::Succeeded);
        refresh(&stack);
    }
    stop.store(true, Ordering::Relaxed);
    let reads: u64 = readers.into_iter().map(|r| r.join().unwrap()).sum();
    let inconsistent = bad.load(Ordering::Relaxed);
    stack.fake.set_dataset(original());
    let outcome = stack.extract();
    let mut observed = judge(
        &stack,
        outcome,
        &Content::new(),
        format!("{reads} reads by 2 readers"),
    );
    observed.outcome = format!("{inconsistent} empty, partial or inconsistent reads");
    observed
}

fn soak() -> Observed {
    let cycles: usize = std::env::var("SOAK_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let mut rng = fastrand::Rng::with_seed(20261122);
    let stack = Stack::with_page_size(current(), 4).without_shrink_guard();
    let mut extractor =
        extractor::Extractor::new(&stack.config, stack.database_for::<extractor::Extractor>())
            .unwrap();
    let mut maker = Martmaker::new(&stack.config, stack.database_for::<Martmaker>()).unwrap();
    let cancel = CancelToken::new();
    let faults = [
        Fault::Status(500),
        Fault::Status(503),
        Fault::TooManyRequests {
            retry_after_secs: 0,
        },
        Fault::ConnectionReset,
        Fault::TruncatedBody,
        Fault::MalformedJson,
        Fault::GraphQlError,
        Fault::WrongType,
        Fault::PartialNull,
    ];
    let datasets = [current(), original()];
    let connections = || {
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database()",
        )
        .get_result::<N>(&mut stack.conn())
        .unwrap()
        .n
    };
    let mut outcomes = [0usize; 3];
    let mut warm = (0, 0, 0);
    for cycle in 0..cycles {
        stack.fake.clear_faults();
        stack.fake.set_dataset(datasets[rng.usize(0..2)].clone());
        if rng.bool() {
            let fault = faults[rng.usize(0..faults.len())].clone();
            stack
                .fake
                .inject(FaultRule::any(fault).times(rng.usize(1..=4)));
        }
        match extractor.run(&cancel) {
            Outcome::Succeeded => outcomes[0] += 1,
            Outcome::Partial => outcomes[1] += 1,
            Outcome::Failed | Outcome::Cancelled => outcomes[2] += 1,
        }
        assert_ne!(
            maker.run(&cancel),
            Outcome::Failed,
            "cycle {cycle}: the mart build never fails"
        );
        if cycle == cycles / 10 {
            warm = (connections(), open_fds(), vm_kib("VmRSS:"));
        }
    }
    stack.fake.clear_faults();
    stack.fake.set_dataset(current());
    assert_eq!(extractor.run(&cancel), Outcome::Succeeded);
    maker.run(&cancel);
    let end = (connections(), open_fds(), vm_kib("VmRSS:"));
    let content = stack.content();
    let steady = end.0 <= warm.0 && end.1 <= warm.1 + 2 && end.2 <= warm.2 + 16 * 1024;
    Observed {
        outcome: format!(
            "end state equals a clean run; connections, descriptors and memory {}",
            if steady { "steady" } else { "GREW" }
        ),
        lost: differing(&clean("current"), &content),
        figures: format!(
            "{cycles} cycles (seed 20261122): {} succeeded, {} partial, {} failed; connections {}→{}, fds {}→{}, RSS {}→{} MiB",
            outcomes[0], outcomes[1], outcomes[2], warm.0, end.0, warm.1, end.1, warm.2 / 1024, end.2 / 1024
        ),
    }
}

fn oversized() -> Observed {
    let before = vm_kib("VmHWM:");
    let mut observed = upstream(Fault::Oversized { bytes: 48 << 20 }, PERSISTENT);
    let grown = vm_kib("VmHWM:").saturating_sub(before) / 1024;
    observed.figures = format!(
        "48 MiB body vs the 32 MiB cap; peak memory +{grown} MiB; {}",
        observed.figures
    );
    observed
}

/// Declares the cases, in the order of the table, and one `#[test]` per case:
/// `test_name: area, case, expected outcome, run;`.
macro_rules! cases {
    ($($test:ident: $area:literal, $name:literal, $expected:expr, $run:expr;)+) => {
        const CASES: &[Case] = &[$(
            Case { test: stringify!($test), area: $area, name: $name, expected: $expected, run: $run },
        )+];
        $(
            #[test]
            fn $test() {
                check(stringify!($test));
            }
        )+
    };
}

/// What the database cases that recover on the next run expect.
const RECOVERED_NEXT: &str = "failed; previous data kept; next run: recovered; new data loaded";

cases! {
    upstream_http_500_twice: "upstream", "HTTP 500, twice", RECOVERED,
        || upstream(Fault::Status(500), 2);
    upstream_http_502_twice: "upstream", "HTTP 502, twice", RECOVERED,
        || upstream(Fault::Status(502), 2);
    upstream_http_503_twice: "upstream", "HTTP 503, twice", RECOVERED,
        || upstream(Fault::Status(503), 2);
    upstream_http_429_with_retry_after_twice: "upstream", "HTTP 429 with Retry-After: 1, twice", RECOVERED,
        || upstream(Fault::TooManyRequests { retry_after_secs: 1 }, 2);
    upstream_connection_reset_twice: "upstream", "connection reset, twice", RECOVERED,
        || upstream(Fault::ConnectionReset, 2);
    upstream_read_timeout_twice: "upstream", "read that never answers (timeout), twice", RECOVERED,
        || upstream(Fault::Delay(Duration::from_secs(3)), 2);
    upstream_malformed_json_twice: "upstream", "malformed JSON, twice", RECOVERED,
        || upstream(Fault::MalformedJson, 2);
    upstream_truncated_body_twice: "upstream", "truncated body, twice", RECOVERED,
        || upstream(Fault::TruncatedBody, 2);
    upstream_slow_server: "upstream", "slow server (0.3 s per answer)", RECOVERED,
        || upstream(Fault::Delay(Duration::from_millis(300)), PERSISTENT);
    upstream_http_503_persistent: "upstream", "HTTP 503, persistent", KEPT,
        || upstream(Fault::Status(503), PERSISTENT);
    upstream_malformed_json_persistent: "upstream", "malformed JSON, persistent", KEPT,
        || upstream(Fault::MalformedJson, PERSISTENT);
    upstream_data_null_with_errors: "upstream", "data: null with errors", KEPT,
        || upstream(Fault::GraphQlError, PERSISTENT);
    upstream_list_with_a_null_element: "upstream", "list with a null element plus an error", KEPT,
        || upstream(Fault::PartialNull, PERSISTENT);
    upstream_field_of_the_wrong_type: "upstream", "field of the wrong type", KEPT,
        || upstream(Fault::WrongType, PERSISTENT);
    upstream_oversized_body: "upstream", "oversized body", KEPT, oversized;
    database_not_up_yet_at_start: "database", "Postgres not up yet at start (binary)", RECOVERED,
        database_not_up_at_start;
    database_restarted_mid_run: "database", "Postgres restarted mid-run (binary, loop mode)", RECOVERED,
        database_restarts_mid_run;
    database_connection_killed_in_the_write_transaction: "database",
        "connection killed in the write transaction", RECOVERED_NEXT,
        connection_killed_in_write_transaction;
    database_permission_denied: "database", "permission denied on a staging table", RECOVERED_NEXT,
        permission_denied;
    database_disk_full: "database", "disk full (SQLSTATE 53100)", RECOVERED_NEXT, disk_full;
    process_sigterm_in_the_write_transaction: "process", "SIGTERM in the write transaction (binary)",
        RECOVERED_NEXT, || signal_in_write_transaction("TERM");
    process_sigkill_in_the_write_transaction: "process", "SIGKILL in the write transaction (binary)",
        RECOVERED_NEXT, || signal_in_write_transaction("KILL");
    process_two_extractors_at_once: "process", "two extractors at once",
        "1 run(s) made, the other skipped; recovered; new data loaded", two_extractors_at_once;
    process_two_martmakers_at_once: "process", "two martmakers at once",
        "1 built, 1 skipped as busy", two_martmakers_at_once;
    concurrency_readers_during_100_cycles: "concurrency", "2 readers during 100 extract + rebuild cycles",
        "0 empty, partial or inconsistent reads", readers_during_100_cycles;
    soak_seeded_random_upstream_faults: "soak", "seeded random upstream faults",
        "end state equals a clean run; connections, descriptors and memory steady", soak;
}

const DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../doc/reliability.md");
const REGENERATE: &str =
    "UPDATE_DOCS=1 SOAK_CYCLES=1000 cargo nextest run -p extractor --test reliability";
const HEADER: &str = "| # | area | case | expected | outcome | data lost | figures (this run) |\n|---|---|---|---|---|---|---|\n";

fn row(index: usize, case: &Case, observed: &Observed) -> String {
    format!(
        "| {} | {} | {} | {} | {} | {} | {} |\n",
        index + 1,
        case.area,
        case.name,
        case.expected,
        observed.outcome,
        observed.lost,
        observed.figures.replace('|', "/")
    )
}

/// The deterministic part of a table row: everything but the figures.
fn verdict(row: &str) -> String {
    row.split(" | ").take(6).collect::<Vec<_>>().join(" | ")
}

/// The committed table's rows by case name.
fn committed_rows(doc: &str) -> std::collections::HashMap<String, String> {
    doc.lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| #"))
        .filter_map(|l| Some((l.split(" | ").nth(2)?.to_string(), format!("{l}\n"))))
        .collect()
}

/// The whole document, with `rows` (by case name) for the cases that have one, renumbered
/// in the order of [`CASES`]; a case without a row shows "not run yet".
fn render(rows: &std::collections::HashMap<String, String>) -> String {
    let mut table = String::from(HEADER);
    for (index, case) in CASES.iter().enumerate() {
        let row = match rows.get(case.name) {
            Some(row) => {
                let (_, rest) = row.split_once(" | ").unwrap();
                format!("| {} | {rest}", index + 1)
            }
            None => {
                let observed = Observed {
                    outcome: "not run yet".to_string(),
                    lost: 0,
                    figures: String::new(),
                };
                self::row(index, case, &observed)
            }
        };
        table.push_str(&row);
    }
    format!(
        "# Reliability\n\n\
         Generated by `crates/extractor/tests/reliability.rs`: every case runs against the real\n\
         services (the `extractor` binary where start-up or signals matter), the project's local\n\
         SpaceX server over HTTP and a real Postgres 15. After each case the whole data content of\n\
         `staging` and `marts` is compared with what it must be: the last good state when the run\n\
         failed, exactly what a clean run gives when it recovered. *Data lost* counts the rows that\n\
         differ. Retry budget in the suite: 3 attempts per request.\n\n\
         Each case is a test of its own, named in the table's order in the source; nextest runs\n\
         them in parallel (the figures are those of such a run on a 2-core machine).\n\
         Regenerate: `{REGENERATE}`.\n\
         CI runs the same cases with a 200-cycle soak and checks each outcome against this file.\n\n\
         {table}"
    )
}

/// Rewrites the document with `update` applied to its rows (the cases run in parallel
/// processes: test-kit locks the file).
fn update_doc(update: impl FnOnce(&mut std::collections::HashMap<String, String>)) {
    test_kit::update_file(std::path::Path::new(DOC), |doc| {
        let mut rows = committed_rows(&doc);
        update(&mut rows);
        render(&rows)
    });
}

/// Runs the case whose test is `test` and compares it with its expected outcome and its
/// committed row.
fn check(test: &str) {
    let (index, case) = CASES
        .iter()
        .enumerate()
        .find(|(_, case)| case.test == test)
        .unwrap();
    let started = Instant::now();
    let observed = (case.run)();
    eprintln!(
        "{:>5.1}s  {} / {}: {} (lost {})",
        started.elapsed().as_secs_f64(),
        case.area,
        case.name,
        observed.outcome,
        observed.lost
    );
    assert!(
        observed.outcome == case.expected && observed.lost == 0,
        "{}: expected {:?}, got {:?} with {} rows lost ({})",
        case.name,
        case.expected,
        observed.outcome,
        observed.lost,
        observed.figures
    );
    let row = row(index, case, &observed);
    if std::env::var_os("UPDATE_DOCS").is_some() {
        update_doc(|rows| {
            rows.insert(case.name.to_string(), row);
        });
        return;
    }
    let committed = committed_rows(&std::fs::read_to_string(DOC).unwrap_or_default());
    assert_eq!(
        committed.get(case.name).map(|row| verdict(row)),
        Some(verdict(&row)),
        "doc/reliability.md is out of date: run {REGENERATE}"
    );
}

/// The committed table lists exactly the cases, in order (the rows of cases that are gone
/// are dropped by `UPDATE_DOCS=1`).
#[test]
fn the_table_lists_every_case_in_order() {
    if std::env::var_os("UPDATE_DOCS").is_some() {
        update_doc(|rows| rows.retain(|name, _| CASES.iter().any(|case| case.name == name)));
    }
    let doc = std::fs::read_to_string(DOC).unwrap_or_default();
    assert_eq!(
        doc,
        render(&committed_rows(&doc)),
        "doc/reliability.md is out of date: run {REGENERATE}"
    );
}
