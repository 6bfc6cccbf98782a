//! Each injected fault, seen from a plain HTTP client.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use spacex_fake::{Dataset, FakeServer, Fault, FaultRule};

use crate::helpers::{agent, post, try_post_body};

const LAUNCHES: &str = "{ launches(limit: 3) { id mission_name upcoming } }";

fn server_with(rule: FaultRule) -> FakeServer {
    let server = FakeServer::start(Dataset::fixture("current").unwrap());
    server.inject(rule);
    server
}

/// The same request again gets the normal answer: every rule here applies once.
fn assert_recovers(server: &FakeServer) {
    let launches = post(&server.url(), LAUNCHES).data()["launches"].clone();
    assert_eq!(launches.as_array().unwrap().len(), 3);
}

#[test]
fn status_answers_that_code_with_a_json_body() {
    let server = server_with(FaultRule::any(Fault::Status(503)));
    let answer = post(&server.url(), LAUNCHES);
    assert_eq!(answer.status, 503);
    assert!(answer.json()["errors"][0]["message"].is_string());
    assert_recovers(&server);
}

#[test]
fn too_many_requests_sends_retry_after() {
    let server = server_with(FaultRule::any(Fault::TooManyRequests {
        retry_after_secs: 7,
    }));
    let answer = post(&server.url(), LAUNCHES);
    assert_eq!(answer.status, 429);
    assert_eq!(answer.headers["retry-after"], "7");
    assert_recovers(&server);
}

#[test]
fn delay_answers_normally_but_late_and_trips_client_timeouts() {
    let server = server_with(FaultRule::any(Fault::Delay(Duration::from_millis(300))));
    let started = Instant::now();
    assert_recovers(&server);
    assert!(started.elapsed() >= Duration::from_millis(300));

    server.inject(FaultRule::any(Fault::Delay(Duration::from_secs(5))));
    let impatient = agent(Duration::from_millis(200));
    let error = try_post_body(&impatient, &server.url(), &json!({"query": LAUNCHES})).err();
    assert!(matches!(error, Some(ureq::Error::Timeout(_))), "{error:?}");
}

#[test]
fn malformed_json_is_not_json() {
    let server = server_with(FaultRule::any(Fault::MalformedJson));
    let answer = post(&server.url(), LAUNCHES);
    assert_eq!(answer.status, 200);
    assert!(serde_json::from_slice::<Value>(&answer.body).is_err());
    assert_recovers(&server);
}

#[test]
fn truncated_body_is_the_first_half_with_matching_length() {
    let server = FakeServer::start(Dataset::fixture("current").unwrap());
    let normal = post(&server.url(), LAUNCHES).body;
    server.inject(FaultRule::any(Fault::TruncatedBody));
    let answer = post(&server.url(), LAUNCHES);
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, normal[..normal.len() / 2]);
    assert_eq!(
        answer.headers["content-length"],
        answer.body.len().to_string().as_str()
    );
    assert!(serde_json::from_slice::<Value>(&answer.body).is_err());
}

#[test]
fn graphql_error_has_null_data_and_errors() {
    let server = server_with(FaultRule::any(Fault::GraphQlError));
    let answer = post(&server.url(), LAUNCHES).json();
    assert_eq!(answer["data"], Value::Null);
    assert_eq!(answer["errors"][0]["path"], json!(["launches"]));
}

#[test]
fn partial_null_nulls_one_item_and_reports_it() {
    let server = server_with(FaultRule::any(Fault::PartialNull));
    let answer = post(&server.url(), LAUNCHES).json();
    let launches = answer["data"]["launches"].as_array().unwrap();
    assert_eq!(launches.len(), 3);
    assert_eq!(launches[0], Value::Null);
    assert!(launches[1]["id"].is_string());
    assert_eq!(answer["errors"][0]["path"], json!(["launches", 0]));
}

#[test]
fn wrong_type_replaces_the_first_scalar_with_an_object() {
    let server = server_with(FaultRule::any(Fault::WrongType));
    let data = post(&server.url(), LAUNCHES).data();
    assert_eq!(data["launches"][0]["id"], json!({"unexpected": true}));
    assert_eq!(data["launches"][0]["mission_name"], "FalconSat");
    assert!(data["launches"][1]["id"].is_string());
}

#[test]
fn oversized_streams_exactly_that_many_bytes_of_json() {
    const BYTES: usize = 5_000_000;
    let server = server_with(FaultRule::any(Fault::Oversized { bytes: BYTES }));
    let mut response = agent(Duration::from_secs(30))
        .post(&server.url())
        .send_json(json!({"query": LAUNCHES}))
        .unwrap();
    assert_eq!(
        response.headers()["content-length"],
        BYTES.to_string().as_str()
    );
    let mut body = Vec::new();
    response
        .body_mut()
        .as_reader()
        .read_to_end(&mut body)
        .unwrap();
    assert_eq!(body.len(), BYTES);
    let json: Value = serde_json::from_slice(&body).unwrap();
    assert!(json["data"]["launches"].as_array().unwrap().len() > 100);
    assert_recovers(&server);
}

#[test]
fn connection_reset_gets_no_response() {
    let server = server_with(FaultRule::any(Fault::ConnectionReset).times(2));
    let error = try_post_body(
        &agent(Duration::from_secs(5)),
        &server.url(),
        &json!({"query": LAUNCHES}),
    )
    .err();
    assert!(matches!(error, Some(ureq::Error::Io(_))), "{error:?}");

    // On the wire it is a reset (RST), not an orderly close.
    let mut stream = std::net::TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let body = json!({"query": LAUNCHES}).to_string();
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut buffer = Vec::new();
    let read = stream.read_to_end(&mut buffer);
    assert_eq!(
        read.map_err(|e| e.kind()),
        Err(std::io::ErrorKind::ConnectionReset)
    );
    assert!(buffer.is_empty());
    assert_recovers(&server);
}

#[test]
fn rules_match_their_field_count_down_and_can_be_cleared() {
    let server = FakeServer::start(Dataset::fixture("current").unwrap());
    server.inject(FaultRule::on("rockets", Fault::Status(500)).times(2));
    server.inject(FaultRule {
        field: None,
        fault: Fault::Status(502),
        times: 1,
    });
    assert_eq!(post(&server.url(), "{ rockets { id } }").status, 500);
    assert_eq!(
        post(&server.url(), LAUNCHES).status,
        502,
        "the rockets rule does not match"
    );
    assert_eq!(post(&server.url(), LAUNCHES).status, 200);
    assert_eq!(
        post(&server.url(), "{ launches { id } rockets { id } }").status,
        500
    );
    assert_eq!(
        post(&server.url(), "{ rockets { id } }").status,
        200,
        "used up"
    );

    server.inject(FaultRule::any(Fault::Status(500)).times(usize::MAX));
    server.clear_faults();
    assert_eq!(post(&server.url(), LAUNCHES).status, 200);
    assert_eq!(server.request_count(), 6);
    assert_eq!(server.requests_for("rockets"), 3);
}
