//! The shared HTTP side through real HTTP: `/healthz`, `/metrics` with scrape-time gauges,
//! JSON errors.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use service::http::operator_routes;
use testbed::scrape::Scrape;

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

#[test]
fn healthz_metrics_and_json_404() {
    let mut registry = Registry::default();
    let events = Family::<KindLabels, Counter>::default();
    let scrapes: Gauge = Gauge::default();
    let took = Histogram::new([0.5, 1.0]);
    registry.register("test_events", "Events by kind", events.clone());
    registry.register(
        "test_scrapes",
        "Scrapes so far (set at scrape)",
        scrapes.clone(),
    );
    registry.register("test_seconds", "Durations", took.clone());
    let refresh = move || {
        scrapes.inc();
    };
    let served = testbed::server::serve(operator_routes(Arc::new(registry), refresh));

    let (status, content_type, body) = served.get("/healthz");
    assert_eq!((status, content_type.as_str()), (200, "application/json"));
    assert_eq!(body, r#"{"status":"ok"}"#);

    let (status, content_type, body) = served.get("/metrics");
    assert_eq!(status, 200);
    assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
    let first = Scrape::new(&body);
    assert_eq!(
        first.value("test_scrapes"),
        1.0,
        "refreshed before rendering"
    );
    assert!(!first.has(r#"test_events_total{kind="a \"quoted\" one"}"#));
    assert_eq!(first.value("test_seconds_count"), 0.0);
    assert!(body.contains("\n# TYPE test_seconds histogram\n"), "{body}");

    let kind = |kind: &str| KindLabels { kind: kind.into() };
    events.get_or_create(&kind("a \"quoted\" one")).inc();
    events.get_or_create(&kind("b\\c\nd")).inc_by(2);
    took.observe(0.7);
    let (_, _, body) = served.get("/metrics");
    let second = Scrape::new(&body);
    assert_eq!(second.value("test_scrapes"), 2.0);
    // Label values escaped as the text format wants: `\"`, `\\`, `\n`.
    assert_eq!(
        second.value(r#"test_events_total{kind="a \"quoted\" one"}"#),
        1.0
    );
    assert_eq!(second.value(r#"test_events_total{kind="b\\c\nd"}"#), 2.0);
    assert_eq!(second.value(r#"test_seconds_bucket{le="0.5"}"#), 0.0);
    assert_eq!(second.value(r#"test_seconds_bucket{le="1"}"#), 1.0);
    assert_eq!(second.value(r#"test_seconds_bucket{le="+Inf"}"#), 1.0);
    assert_eq!(second.value("test_seconds_sum"), 0.7);
    assert_eq!(second.value("test_seconds_count"), 1.0);

    let (status, content_type, body) = served.get("/nope");
    assert_eq!((status, content_type.as_str()), (404, "application/json"));
    assert_eq!(
        body,
        r#"{"error":{"message":"no such endpoint","status":404}}"#
    );
}

/// Every answer that is not a success is the JSON error with its status, whoever refused the
/// request: the router (404, 405), the parameter rule (400), or the head check before hyper
/// (414, 431, malformed), and stays under 2 kB.
#[test]
fn every_refusal_is_a_short_json_error() {
    let served = testbed::server::serve(operator_routes(Arc::default(), || {}));
    let long_url = format!("GET /healthz?q={} HTTP/1.1\r\n\r\n", "a".repeat(100_000));
    let big_header = format!(
        "GET /healthz HTTP/1.1\r\nX-Big: {}\r\n\r\n",
        "b".repeat(40_000)
    );
    let many_headers = format!("GET /healthz HTTP/1.1\r\n{}\r\n", "X-N: 1\r\n".repeat(65));
    let cases: [(&[u8], u16, &str); 9] = [
        (
            b"GET /nope HTTP/1.1\r\nConnection: close\r\n\r\n",
            404,
            "no such endpoint",
        ),
        (
            b"POST /healthz HTTP/1.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
            405,
            "method POST not allowed here: use GET,HEAD",
        ),
        (
            b"DELETE /metrics HTTP/1.1\r\nConnection: close\r\n\r\n",
            405,
            "method DELETE not allowed here",
        ),
        (
            b"GET /healthz?verbose=1 HTTP/1.1\r\nConnection: close\r\n\r\n",
            400,
            "unknown query parameter `verbose`: this endpoint takes none",
        ),
        (
            long_url.as_bytes(),
            414,
            "the request line is longer than 16384 bytes",
        ),
        (
            big_header.as_bytes(),
            431,
            "the request head is larger than 32768 bytes",
        ),
        (many_headers.as_bytes(), 431, "more than 64 headers"),
        (b"HELLO THERE\r\n\r\n", 400, "malformed HTTP request"),
        (
            b"GET /healthz HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            400,
            "malformed HTTP request: invalid Content-Length",
        ),
    ];
    for (request, status, message) in cases {
        let what = String::from_utf8_lossy(&request[..request.len().min(40)]).into_owned();
        let (answer, size) = served.raw(request);
        assert_eq!(answer.status, status, "{what}: {answer:?}");
        assert_eq!(
            answer.header("content-type"),
            Some("application/json"),
            "{what}"
        );
        let body: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
        assert_eq!(body["error"]["status"], status, "{what}");
        let said = body["error"]["message"].as_str().unwrap();
        assert!(said.starts_with(message), "{what}: {said}");
        assert!(size < 2048, "{what}: {size} bytes");
        if status == 405 {
            assert_eq!(answer.header("allow"), Some("GET,HEAD"), "{what}");
        }
    }

    // On a kept-alive connection: a sound request is answered, then the unsound one after it.
    let (answer, _) = served.raw(b"GET /healthz HTTP/1.1\r\n\r\nGET /\x01 HTTP/1.1\r\n\r\n");
    assert_eq!(answer.status, 200);
    let second = answer.body.split_once("\r\n\r\n").unwrap().1;
    assert!(second.contains(r#""status":400"#), "{}", answer.body);
}
