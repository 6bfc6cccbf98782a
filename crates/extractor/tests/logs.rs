//! What a person reads in the extractor's log: one line per failure, nothing at INFO on an
//! idle tick between the hourly summaries, and an unreachable API host given up on once per
//! run. Through `Extractor::run` against the local SpaceX server, a real Postgres, and the
//! lines captured as logged.
#![allow(clippy::unwrap_used)]

use std::net::TcpListener;
use std::time::{Duration, Instant};

use cancel::CancelToken;
use extractor::Extractor;
use service::{Config, Job, Outcome};
use spacex_fake::{Dataset, Fault, FaultRule};
use test_kit::logs::{capture, loud, Line};
use testbed::Stack;

/// One run of `extractor`, with the lines it logged.
fn run(extractor: &mut Extractor) -> (Outcome, Vec<Line>) {
    capture(|| extractor.run(&CancelToken::new()))
}

fn extractor(stack: &Stack, config: &Config) -> Extractor {
    Extractor::new(config, stack.database_for::<Extractor>()).unwrap()
}

/// Lines of our own crates at `level` that contain `text`.
fn count(lines: &[Line], level: log::Level, text: &str) -> usize {
    lines
        .iter()
        .filter(|line| {
            line.level == level
                && line.message.contains(text)
                && ["sxapi", "extractor", "service"]
                    .iter()
                    .any(|ours| line.target.starts_with(ours))
        })
        .count()
}

/// Rockets answer 503 to every attempt: one ERROR line says so with the attempts made, the
/// attempts themselves are DEBUG lines, and the partial run's summary is a warning.
#[test]
fn a_request_failing_every_attempt_is_one_line() {
    let stack = Stack::with_attempts(Dataset::fixture("current").unwrap(), 3);
    stack
        .fake
        .inject(FaultRule::on("rockets", Fault::Status(503)).times(usize::MAX));
    let (outcome, lines) = run(&mut extractor(&stack, &stack.config));
    assert_eq!(outcome, Outcome::Partial);
    assert_eq!(stack.fake.requests_for("rockets"), 3);

    let said = loud(&lines);
    assert_eq!(said.len(), 2, "{said:#?}");
    assert!(
        said[0].starts_with("ERROR Fetching rocket from ")
            && said[0].contains("failed: HTTP status 503")
            && said[0].contains("(gave up after 3 attempts in "),
        "{said:#?}"
    );
    assert!(
        said[1].starts_with("WARN Extract run 1 partial in "),
        "{said:#?}"
    );
    assert_eq!(count(&lines, log::Level::Debug, "retrying in"), 2);
}

/// Nothing listens where the API should be: the first entity is tried `max_attempts` times,
/// the others not at all, reported as such, and the run fails at ERROR in a few lines.
#[test]
fn an_unreachable_api_host_fails_the_rest_of_the_run_fast() {
    let stack = Stack::every_entity(Dataset::fixture("current").unwrap());
    let closed_port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = stack.config.clone();
    config.api.url = format!("http://127.0.0.1:{closed_port}/");
    let started = Instant::now();
    let (outcome, lines) = run(&mut extractor(&stack, &config));
    assert_eq!(outcome, Outcome::Failed);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    let attempts = count(&lines, log::Level::Debug, "POST ");
    assert_eq!(attempts, 3, "max_attempts requests in all: {lines:#?}");
    let said = loud(&lines);
    let others = repository::staging::Entity::ALL.len() - 1;
    assert_eq!(said.len(), 3, "{said:#?}");
    assert!(
        said[0].starts_with("ERROR Fetching launch from ")
            && said[0].contains("(gave up after 3 attempts in ")
            && said[0].ends_with(&format!(
                "the host cannot be reached, so the other {others} entities of this run are not asked for."
            )),
        "{said:#?}"
    );
    assert!(
        said[1].starts_with("ERROR Extract run 1 failed in "),
        "{said:#?}"
    );
    // The run's line names the shared reason once, not once per entity.
    let unreachable = "not fetched: the API host was unreachable";
    assert_eq!(said[1].matches(unreachable).count(), 1, "{}", said[1]);
    assert!(said.iter().all(|line| line.len() < 1_000), "{said:#?}");
    for entity in ["mission", "ship_mission"] {
        assert_eq!(
            stack.latest_report(entity).error.as_deref(),
            Some(unreachable),
            "{entity}"
        );
    }
}

/// An unchanged upstream: the first check is logged at INFO (saying that the next ones are
/// not), then DEBUG lines, and a summary once an hour's worth of checks has passed (three at
/// a 20-minute interval: counted, not waited for).
#[test]
fn unchanged_checks_are_quiet_between_hourly_summaries() {
    let stack = Stack::new(Dataset::fixture("current").unwrap());
    let mut config = stack.config.clone();
    config.extractor.interval = Duration::from_secs(20 * 60);
    let mut extractor = extractor(&stack, &config);
    let (outcome, lines) = run(&mut extractor);
    assert_eq!(outcome, Outcome::Succeeded);
    let said = loud(&lines);
    assert_eq!(said.len(), 1, "{said:#?}");
    assert!(
        said[0].starts_with("INFO Extract run 1 succeeded in "),
        "{said:#?}"
    );

    let (_, first) = run(&mut extractor);
    let said = loud(&first);
    assert_eq!(said.len(), 1, "{said:#?}");
    assert!(
        said[0].starts_with("INFO The source has no new data")
            && said[0].contains("logged at debug level from now on, with a summary every 1h"),
        "{said:#?}"
    );
    for _ in 0..2 {
        let (outcome, lines) = run(&mut extractor);
        assert_eq!(outcome, Outcome::Succeeded);
        assert!(loud(&lines).is_empty(), "{lines:#?}");
        assert_eq!(
            count(&lines, log::Level::Debug, "The source has no new data"),
            1
        );
    }
    let (_, summary) = run(&mut extractor);
    let said = loud(&summary);
    assert_eq!(said.len(), 1, "{said:#?}");
    assert!(
        said[0].starts_with("INFO The source has no new data")
            && said[0].ends_with("; 3 checks found nothing to do since the last report."),
        "{said:#?}"
    );
}
