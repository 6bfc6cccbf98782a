//! The extractor's `/metrics` through real HTTP: the values a run (and its retries) change.
#![allow(clippy::unwrap_used)]

use cancel::CancelToken;
use extractor::{Extractor, Metrics};
use service::{Job, Outcome};
use spacex_fake::{Dataset, Fault, FaultRule};
use testbed::scrape::Scrape;
use testbed::Stack;

fn scrape(served: &testbed::server::Served) -> Scrape {
    let (status, content_type, body) = served.get("/metrics");
    assert_eq!(status, 200);
    assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
    Scrape::new(&body)
}

/// The extractor job of `stack` and its `/metrics` served over HTTP, sharing one set of
/// metrics.
fn served_job(stack: &Stack) -> (testbed::server::Served, Extractor) {
    let metrics = Metrics::new();
    let http = extractor::metrics::http(&stack.config, &metrics)
        .unwrap()
        .expect("metrics_listen is on by default");
    let job =
        Extractor::with_metrics(&stack.config, stack.database_for::<Extractor>(), metrics).unwrap();
    (testbed::server::serve(http.router), job)
}

#[test]
fn metrics_count_runs_records_requests_and_retries() {
    let stack = Stack::new(Dataset::fixture("current").unwrap());
    let (served, mut job) = served_job(&stack);

    let (status, _, body) = served.get("/healthz");
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ok"}"#));
    let before = scrape(&served);
    assert_eq!(
        before.value("greenadam_extract_runs_total{status=\"succeeded\"}"),
        0.0
    );
    assert_eq!(
        before.value("greenadam_api_requests_total{outcome=\"succeeded\"}"),
        0.0
    );
    assert_eq!(
        before.value("greenadam_api_request_duration_seconds_count"),
        0.0
    );
    assert_eq!(
        before.value("greenadam_staging_stale"),
        1.0,
        "never extracted"
    );
    assert!(!before.has("greenadam_last_successful_extract_timestamp_seconds"));
    assert!(!before.has("greenadam_extract_records{entity=\"launch\",kind=\"fetched\"}"));

    assert_eq!(job.run(&CancelToken::new()), Outcome::Succeeded);
    let after = scrape(&served);
    assert_eq!(
        after.value("greenadam_extract_runs_total{status=\"succeeded\"}"),
        1.0
    );
    for (entity, fetched) in [("launch", 8.0), ("mission", 0.0), ("rocket", 4.0)] {
        let series = |kind: &str| {
            format!("greenadam_extract_records{{entity=\"{entity}\",kind=\"{kind}\"}}")
        };
        assert_eq!(after.value(&series("fetched")), fetched, "{entity}");
        assert_eq!(after.value(&series("loaded")), fetched, "{entity}");
        assert_eq!(after.value(&series("rejected")), 0.0, "{entity}");
    }
    // Pages of 3: launches 3+3+2, missions 0, rockets 3+1.
    let requests = after.value("greenadam_api_requests_total{outcome=\"succeeded\"}");
    assert_eq!(requests, 6.0);
    assert_eq!(
        after.value("greenadam_api_request_duration_seconds_count"),
        requests
    );
    assert!(after.value("greenadam_api_request_duration_seconds_sum") > 0.0);
    assert_eq!(after.value("greenadam_api_retries_total"), 0.0);
    assert_eq!(after.value("greenadam_staging_stale"), 0.0);
    let now = chrono::Utc::now().timestamp() as f64;
    let last = after.value("greenadam_last_successful_extract_timestamp_seconds");
    assert!((now - 60.0..now + 60.0).contains(&last), "{last}");

    // Two 503s on launches: retried, counted, and the run still succeeds, finding the
    // upstream unchanged.
    stack
        .fake
        .inject(FaultRule::on("launches", Fault::Status(503)).times(2));
    assert_eq!(job.run(&CancelToken::new()), Outcome::Succeeded);
    let retried = scrape(&served);
    assert_eq!(retried.value("greenadam_api_retries_total"), 2.0);
    assert_eq!(
        retried.value("greenadam_api_requests_total{outcome=\"failed\"}"),
        2.0
    );
    assert_eq!(
        retried.value("greenadam_api_requests_total{outcome=\"succeeded\"}"),
        12.0
    );
    assert_eq!(
        retried.value("greenadam_extract_runs_total{status=\"succeeded\"}"),
        1.0
    );
    assert_eq!(
        retried.value("greenadam_extract_runs_total{status=\"unchanged\"}"),
        1.0
    );
    assert_eq!(retried.value("greenadam_extract_rejected_total"), 0.0);
}

/// `greenadam_extract_entity_unavailable`: 1 for each entity today's endpoint cannot serve,
/// 0 for the others, and back to 0 once the API serves it again.
#[test]
fn the_unavailable_gauge_follows_what_the_api_can_serve() {
    let stack = Stack::every_entity(Dataset::fixture("current").unwrap());
    let (served, mut job) = served_job(&stack);
    let gauge = |scrape: &Scrape, entity: &str| {
        scrape.value(&format!(
            "greenadam_extract_entity_unavailable{{entity=\"{entity}\"}}"
        ))
    };

    assert_eq!(job.run(&CancelToken::new()), Outcome::Succeeded);
    let today = scrape(&served);
    for (entity, unavailable) in [
        ("launch", 0.0),
        ("rocket", 0.0),
        ("payload", 1.0),
        ("launch_ship", 1.0),
    ] {
        assert_eq!(gauge(&today, entity), unavailable, "{entity}");
    }

    let mut mended = Dataset::fixture("current").unwrap();
    mended.repair_resolvers();
    stack.fake.set_dataset(mended);
    assert_eq!(job.run(&CancelToken::new()), Outcome::Succeeded);
    let repaired = scrape(&served);
    assert_eq!(gauge(&repaired, "payload"), 0.0);
    assert_eq!(gauge(&repaired, "launch_ship"), 0.0);
}
