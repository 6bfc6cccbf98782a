//! The shared HTTP side through real HTTP: `/healthz`, `/metrics` in the strict exposition
//! format with scrape-time gauges, JSON errors.
#![allow(clippy::unwrap_used)]

#[path = "support/prometheus.rs"]
mod prometheus;
#[path = "support/server.rs"]
mod server;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use service::http::operator_routes;
use service::metrics::Registry;

#[test]
fn healthz_metrics_and_json_404() {
    let registry = Registry::new();
    let events = registry.counter("test_events_total", "Events by kind.", &["kind"]);
    let scrapes = registry.gauge("test_scrapes", "Scrapes so far (set at scrape).", &[]);
    let took = registry.histogram("test_seconds", "Durations.", &[0.5, 1.0]);
    let counted = Arc::new(AtomicU32::new(0));
    let refresh = {
        let (counted, scrapes) = (counted.clone(), scrapes.clone());
        move || {
            let n = counted.fetch_add(1, Ordering::SeqCst) + 1;
            scrapes.set(&[], f64::from(n));
        }
    };
    let served = server::serve(operator_routes(registry, refresh));

    let (status, content_type, body) = served.get("/healthz");
    assert_eq!((status, content_type.as_str()), (200, "application/json"));
    assert_eq!(body, r#"{"status":"ok"}"#);

    let (status, content_type, body) = served.get("/metrics");
    assert_eq!(status, 200);
    assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
    let first = prometheus::parse(&body).unwrap();
    assert_eq!(
        first.value("test_scrapes"),
        1.0,
        "refreshed before rendering"
    );
    assert!(!first.has("test_events_total{kind=\"a \\\"quoted\\\" one\"}"));
    assert_eq!(first.value("test_seconds_count"), 0.0);
    assert_eq!(first.types["test_seconds"], "histogram");

    events.inc(&["a \"quoted\" one"]);
    events.add(&["b\\c\nd"], 2.0);
    took.observe(0.7);
    let (_, _, body) = served.get("/metrics");
    let second = prometheus::parse(&body).unwrap();
    assert_eq!(second.value("test_scrapes"), 2.0);
    assert_eq!(
        second.value("test_events_total{kind=\"a \"quoted\" one\"}"),
        1.0
    );
    assert_eq!(second.value("test_events_total{kind=\"b\\c\nd\"}"), 2.0);
    assert_eq!(second.value("test_seconds_bucket{le=\"0.5\"}"), 0.0);
    assert_eq!(second.value("test_seconds_bucket{le=\"1\"}"), 1.0);
    assert_eq!(second.value("test_seconds_bucket{le=\"+Inf\"}"), 1.0);
    assert_eq!(second.value("test_seconds_sum"), 0.7);

    let (status, content_type, body) = served.get("/nope");
    assert_eq!((status, content_type.as_str()), (404, "application/json"));
    assert_eq!(
        body,
        r#"{"error":{"message":"no such endpoint","status":404}}"#
    );
}

#[test]
fn the_strict_parser_refuses_what_prometheus_refuses() {
    for bad in [
        "x 1\n",                                        // no TYPE
        "# TYPE x counter\nx -1\n",                     // negative counter
        "# TYPE x gauge\nx{a=\"1\",} 1\n",              // trailing comma
        "# TYPE x gauge\nx{a=\"1\"} 1\nx{a=\"1\"} 2\n", // repeated series
        "# TYPE x gauge\nx 1",                          // no final newline
        "# TYPE x gauge\nx one\n",                      // not a number
        "# TYPE x gauge\n# TYPE y gauge\nx 1\n",        // outside its block
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
    ] {
        assert!(prometheus::parse(bad).is_err(), "accepted {bad:?}");
    }
}
