//! The client against real HTTP servers: the fake SpaceX API (`spacex-fake`) with injected
//! faults, and a few hand-rolled misbehaving servers for what the fake cannot do.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is the failure report

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cancel::CancelToken;
use serde_json::{json, Value};
use spacex_fake::{Dataset, FakeServer, Fault, FaultRule};
use sxapi::records::LaunchesPage;
use sxapi::{Client, ClientSettings, Error, Fetched, Launch, RetryPolicy};

const MIB: usize = 1024 * 1024;

/// Short timeouts and back-offs so that the whole file runs in seconds.
fn settings(url: &str) -> ClientSettings {
    ClientSettings {
        url: url.to_owned(),
        page_size: 50,
        connect_timeout: Duration::from_secs(1),
        read_timeout: Duration::from_millis(500),
        request_timeout: Duration::from_secs(2),
        max_response_bytes: 8 * MIB as u64,
        retry: RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(200),
        },
    }
}

fn client(url: &str) -> Client {
    Client::new(settings(url))
}

fn client_with(url: &str, tweak: impl FnOnce(&mut ClientSettings)) -> Client {
    let mut settings = settings(url);
    tweak(&mut settings);
    Client::new(settings)
}

fn fixture(name: &str) -> FakeServer {
    FakeServer::start(Dataset::fixture(name).unwrap())
}

fn ids<T>(fetched: &Fetched<T>) -> Vec<String> {
    fetched
        .records
        .iter()
        .map(|r| r.raw["id"].as_str().unwrap().to_owned())
        .collect()
}

fn stored_ids(dataset: &Dataset, collection: &str) -> Vec<String> {
    dataset
        .collection(collection)
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// A minimal HTTP/1.1 server for behaviour spacex-fake does not offer: one request per
// connection (`Connection: close`), answered by a closure from the parsed GraphQL request.
// ---------------------------------------------------------------------------------------------

/// What a [`TinyServer`] handler sends back.
struct Reply {
    status: u16,
    body: Vec<u8>,
    /// `Content-Length` to claim, if not the body's.
    claimed_length: Option<usize>,
    /// How long to keep the connection open, silent, after the body.
    linger: Duration,
}

impl Reply {
    fn json(body: &Value) -> Self {
        Self::bytes(body.to_string().into_bytes())
    }

    fn bytes(body: Vec<u8>) -> Self {
        Reply {
            status: 200,
            body,
            claimed_length: None,
            linger: Duration::ZERO,
        }
    }
}

/// A server thread on a free loopback port; it lives as long as the test process.
struct TinyServer {
    url: String,
    requests: Arc<AtomicUsize>,
}

impl TinyServer {
    fn start(handler: impl Fn(&Value) -> Reply + Send + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let Some(request) = read_request(&stream) else {
                    continue;
                };
                counter.fetch_add(1, Ordering::SeqCst);
                // A client that gave up early makes writes fail: not this server's problem.
                let _ = write_reply(stream, handler(&request));
            }
        });
        TinyServer { url, requests }
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// The JSON body of one request (`Content-Length` framing, as ureq sends it).
fn read_request(stream: &TcpStream) -> Option<Value> {
    let mut reader = BufReader::new(stream);
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn write_reply(mut stream: TcpStream, reply: Reply) -> std::io::Result<()> {
    let length = reply.claimed_length.unwrap_or(reply.body.len());
    write!(
        stream,
        "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\
         Connection: close\r\n\r\n",
        reply.status
    )?;
    stream.write_all(&reply.body)?;
    stream.flush()?;
    std::thread::sleep(reply.linger);
    Ok(())
}

/// A launch as a GraphQL server answers it: every field the client selects is present
/// (cynic rejects a missing one), all `null` but the id.
fn launch(id: &str) -> Value {
    let launch = Launch {
        id: Some(cynic::Id::new(id)),
        ..Launch::default()
    };
    serde_json::to_value(launch).unwrap()
}

/// Every exchange a [`recording_proxy`] forwarded: (request, response) as JSON.
type Exchanges = Arc<Mutex<Vec<(Value, Value)>>>;

/// A proxy in front of `upstream` that records what the server really sent.
fn recording_proxy(upstream: String) -> (TinyServer, Exchanges) {
    let exchanges: Exchanges = Arc::default();
    let log = exchanges.clone();
    let proxy = TinyServer::start(move |request| {
        let body = ureq::post(&upstream)
            .header("Content-Type", "application/json")
            .send(request.to_string())
            .unwrap()
            .body_mut()
            .read_to_vec()
            .unwrap();
        let response = serde_json::from_slice(&body).unwrap();
        log.lock().unwrap().push((request.clone(), response));
        Reply::bytes(body)
    });
    (proxy, exchanges)
}

/// Takes the recorded exchanges: the `offset` of each request and the concatenated `field`
/// lists of the responses.
fn take_sent(exchanges: &Exchanges, field: &str) -> (Vec<i64>, Vec<Value>) {
    let exchanges = std::mem::take(&mut *exchanges.lock().unwrap());
    let offsets = exchanges
        .iter()
        .map(|(request, _)| request["variables"]["offset"].as_i64().unwrap())
        .collect();
    let sent = exchanges
        .iter()
        .flat_map(|(_, response)| response["data"][field].as_array().unwrap().clone())
        .collect();
    (offsets, sent)
}

/// A typed record turned back into JSON: equal to the raw JSON only if every field was decoded.
fn to_json<T: serde::Serialize>(record: &T) -> Value {
    serde_json::to_value(record).unwrap()
}

/// Checks one fetched entity against what the proxy saw: `raw` is exactly what was sent, the
/// typed value carries every field of it, and pages were asked for at offsets 0, 3, 6, ….
fn check_entity<T: serde::Serialize>(fetched: &Fetched<T>, exchanges: &Exchanges, field: &str) {
    let (offsets, sent) = take_sent(exchanges, field);
    let raw: Vec<Value> = fetched.records.iter().map(|r| r.raw.clone()).collect();
    assert_eq!(raw, sent, "{field}: raw JSON differs from what was sent");
    for record in &fetched.records {
        assert_eq!(to_json(&record.value), record.raw, "{field}: lossy decode");
    }
    let expected_offsets: Vec<i64> = (0..offsets.len() as i64).map(|page| page * 3).collect();
    assert_eq!(offsets, expected_offsets, "{field}: offsets asked for");
    assert_eq!(fetched.pages as usize, offsets.len());
    assert_eq!(fetched.retries, 0);
    assert!(fetched.null_positions.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Paging
// ---------------------------------------------------------------------------------------------

/// Fetches `Dataset::synthetic(n)` launches with `page_size`; checks every launch arrives once,
/// in server order, with exactly `requests` requests.
fn page_through(n: usize, page_size: u32, requests: usize) {
    let dataset = Dataset::synthetic(n);
    let expected = stored_ids(&dataset, "launches");
    let server = FakeServer::start(dataset);
    let fetched = client_with(&server.url(), |s| s.page_size = page_size)
        .fetch_launches(&CancelToken::new())
        .unwrap();
    let got = ids(&fetched);
    assert_eq!(got.len(), n, "n={n} page_size={page_size}");
    assert_eq!(
        got.iter().collect::<HashSet<_>>().len(),
        n,
        "ids are unique"
    );
    assert_eq!(got, expected, "server order is kept");
    assert_eq!(
        server.requests_for("launches"),
        requests,
        "n={n} page_size={page_size}"
    );
    assert_eq!(fetched.pages as usize, requests);
    assert_eq!(fetched.retries, 0);
}

/// 250 launches in pages of 50: five full pages, then one empty page ends the paging.
#[test]
fn pages_of_50_fetch_all_250_launches_in_6_requests() {
    page_through(250, 50, 250 / 50 + 1);
}

/// 250 launches in pages of 100: the short third page ends the paging (no extra request).
#[test]
fn pages_of_100_fetch_all_250_launches_in_3_requests() {
    page_through(250, 100, 3);
}

/// A count that is an exact multiple of the page size costs one (empty) page more.
#[test]
fn an_exact_multiple_of_the_page_size_ends_with_an_empty_page() {
    page_through(200, 50, 5);
    page_through(50, 50, 2);
}

/// No launches at all is one empty page, not an error; a page larger than everything is one.
#[test]
fn empty_and_single_page_datasets() {
    page_through(0, 50, 1);
    page_through(7, 50, 1);
}

/// `fetch_pages` hands over each page as it arrives (never more than a page at once), the
/// same records `fetch` collects; an error of the callback stops the paging there.
#[test]
fn fetch_pages_hands_over_one_page_at_a_time_and_stops_on_error() {
    let dataset = Dataset::synthetic(120);
    let expected = stored_ids(&dataset, "launches");
    let server = FakeServer::start(dataset);
    let client = client(&server.url());
    let mut got = Vec::new();
    let mut sizes = Vec::new();
    let paged = client
        .fetch_pages::<LaunchesPage, Error>(&CancelToken::new(), |page| {
            assert_eq!(page.pages, 1);
            sizes.push(page.records.len());
            got.extend(
                page.records
                    .iter()
                    .map(|r| r.raw["id"].as_str().unwrap().to_owned()),
            );
            Ok(())
        })
        .unwrap();
    assert_eq!((paged.pages, paged.retries), (3, 0));
    assert_eq!(sizes, [50, 50, 20]);
    assert_eq!(got, expected);

    let before = server.requests_for("launches");
    let mut calls = 0;
    let error = client
        .fetch_pages::<LaunchesPage, Error>(&CancelToken::new(), |_| {
            calls += 1;
            Err(Error::Cancelled)
        })
        .unwrap_err();
    assert!(matches!(error, Error::Cancelled), "{error}");
    assert_eq!(calls, 1);
    assert_eq!(
        server.requests_for("launches") - before,
        1,
        "no page after the error"
    );
}

// ---------------------------------------------------------------------------------------------
// Decoding the fixtures
// ---------------------------------------------------------------------------------------------

/// The `current` fixture decodes completely (every field of every record), `raw` is what the
/// server sent, and its empty `missions` list is zero records, not an error.
#[test]
fn decodes_the_current_fixture_and_keeps_the_raw_json() {
    let server = fixture("current");
    let (proxy, exchanges) = recording_proxy(server.url());
    let client = client_with(&proxy.url, |s| s.page_size = 3);
    let cancel = CancelToken::new();

    let launches = client.fetch_launches(&cancel).unwrap();
    check_entity(&launches, &exchanges, "launches");
    assert_eq!(ids(&launches), stored_ids(&server.dataset(), "launches"));
    assert_eq!(launches.pages, 3); // 3 + 3 + 2

    let missions = client.fetch_missions(&cancel).unwrap();
    check_entity(&missions, &exchanges, "missions");
    assert!(missions.records.is_empty());
    assert_eq!(missions.pages, 1);

    let rockets = client.fetch_rockets(&cancel).unwrap();
    check_entity(&rockets, &exchanges, "rockets");
    assert_eq!(ids(&rockets), stored_ids(&server.dataset(), "rockets"));
    assert_eq!(rockets.pages, 2); // 3 + 1

    // Spot checks that the typed values are the real thing, not just consistent with `raw`.
    let falcon_heavy = &launches.records[3].value;
    assert_eq!(
        falcon_heavy.mission_name.as_deref(),
        Some("Falcon Heavy Test Flight")
    );
    assert!(falcon_heavy.launch_success.is_none());
    let starship = &rockets.records[3].value;
    assert_eq!(starship.name.as_deref(), Some("Starship"));
}

/// The `original` fixture decodes completely too; its two launches "110" both come back (the
/// client does not dedupe: that is the extractor's job).
#[test]
fn decodes_the_original_fixture_with_its_duplicate_launch_id() {
    let server = fixture("original");
    let (proxy, exchanges) = recording_proxy(server.url());
    let client = client_with(&proxy.url, |s| s.page_size = 3);
    let cancel = CancelToken::new();

    let launches = client.fetch_launches(&cancel).unwrap();
    check_entity(&launches, &exchanges, "launches");
    let launch_ids = ids(&launches);
    assert_eq!(launch_ids, stored_ids(&server.dataset(), "launches"));
    assert_eq!(launch_ids.iter().filter(|id| *id == "110").count(), 2);
    let names: Vec<_> = launches.records[..2]
        .iter()
        .map(|r| r.value.mission_name.as_deref().unwrap())
        .collect();
    assert_eq!(names, ["CRS-21", "SXM-7"]);

    let missions = client.fetch_missions(&cancel).unwrap();
    check_entity(&missions, &exchanges, "missions");
    assert_eq!(ids(&missions), stored_ids(&server.dataset(), "missions"));
    assert_eq!(missions.pages, 2); // 3 + 1

    let rockets = client.fetch_rockets(&cancel).unwrap();
    check_entity(&rockets, &exchanges, "rockets");
    assert_eq!(ids(&rockets), ["falcon1", "falcon9", "falconheavy"]);
    assert_eq!(rockets.pages, 2); // 3 + empty
}

/// No order is assumed: oldest-first (`current`, by launch date) and newest-first
/// (`original`, by flight number) both decode, and records come back in the order the server
/// sent them.
#[test]
fn decodes_both_oldest_first_and_newest_first_orders() {
    let fetch = |server: &FakeServer| {
        client_with(&server.url(), |s| s.page_size = 3)
            .fetch_launches(&CancelToken::new())
            .unwrap()
    };

    let current = fixture("current");
    let fetched = fetch(&current);
    let dates: Vec<i64> = fetched
        .records
        .iter()
        .map(|r| {
            r.value
                .launch_date_unix
                .as_ref()
                .unwrap()
                .0
                .as_i64()
                .unwrap()
        })
        .collect();
    assert!(dates.is_sorted(), "current is oldest first: {dates:?}");
    assert_eq!(ids(&fetched), stored_ids(&current.dataset(), "launches"));

    let original = fixture("original");
    let fetched = fetch(&original);
    let flights: Vec<u32> = ids(&fetched).iter().map(|id| id.parse().unwrap()).collect();
    assert!(
        flights.is_sorted_by(|a, b| a >= b),
        "original is newest first: {flights:?}"
    );
    assert_eq!(ids(&fetched), stored_ids(&original.dataset(), "launches"));
}

/// `null` list elements (without an `errors` entry) are skipped and their positions, counted
/// over all pages, reported.
#[test]
fn null_elements_are_skipped_and_reported_by_position() {
    let all = [
        launch("a"),
        Value::Null,
        launch("b"),
        Value::Null,
        launch("c"),
    ];
    let server = TinyServer::start(move |request| {
        let offset = request["variables"]["offset"].as_u64().unwrap() as usize;
        let limit = request["variables"]["limit"].as_u64().unwrap() as usize;
        let page: Vec<_> = all.iter().skip(offset).take(limit).cloned().collect();
        Reply::json(&json!({"data": {"launches": page}}))
    });
    let fetched = client_with(&server.url, |s| s.page_size = 2)
        .fetch_launches(&CancelToken::new())
        .unwrap();
    assert_eq!(ids(&fetched), ["a", "b", "c"]);
    assert_eq!(fetched.null_positions, [1, 3]);
    assert_eq!(server.requests(), 3);
}

// ---------------------------------------------------------------------------------------------
// Transient faults: retried within the budget
// ---------------------------------------------------------------------------------------------

/// Injects `fault` on the first `times` launches requests of the `current` fixture (8 launches,
/// one page) and checks the fetch recovers with `times` retries and `times + 1` requests.
fn recovers_from(fault: Fault, times: usize, tweak: impl FnOnce(&mut ClientSettings)) -> Duration {
    let server = fixture("current");
    server.inject(FaultRule::on("launches", fault.clone()).times(times));
    let client = client_with(&server.url(), tweak);
    let started = Instant::now();
    let fetched = client
        .fetch_launches(&CancelToken::new())
        .unwrap_or_else(|e| panic!("{fault:?} x{times}: {e}"));
    let elapsed = started.elapsed();
    assert_eq!(fetched.records.len(), 8, "{fault:?}");
    assert_eq!(
        fetched.retries as usize, times,
        "{fault:?}: retries counted"
    );
    assert_eq!(server.requests_for("launches"), times + 1, "{fault:?}");
    assert_eq!(fetched.pages, 1);
    elapsed
}

/// HTTP 500 once is retried.
#[test]
fn recovers_from_500() {
    recovers_from(Fault::Status(500), 1, |_| {});
}

/// HTTP 502 once is retried.
#[test]
fn recovers_from_502() {
    recovers_from(Fault::Status(502), 1, |_| {});
}

/// HTTP 503 twice is retried twice (max_attempts 3: the third attempt succeeds).
#[test]
fn recovers_from_503_twice() {
    recovers_from(Fault::Status(503), 2, |_| {});
}

/// HTTP 429 is retried after the server's `Retry-After` (1 s), not the short back-off.
#[test]
fn recovers_from_429_after_retry_after() {
    let elapsed = recovers_from(
        Fault::TooManyRequests {
            retry_after_secs: 1,
        },
        1,
        |s| {
            s.retry.max_backoff = Duration::from_secs(2);
        },
    );
    assert!(
        elapsed >= Duration::from_millis(990),
        "waited only {elapsed:?}"
    );
    assert!(elapsed < Duration::from_secs(2), "waited {elapsed:?}");
}

/// `Retry-After` is capped by max_backoff (a server asking for an hour does not stall us).
#[test]
fn retry_after_is_capped_by_max_backoff() {
    let elapsed = recovers_from(
        Fault::TooManyRequests {
            retry_after_secs: 3600,
        },
        1,
        |_| {},
    );
    assert!(elapsed < Duration::from_secs(1), "waited {elapsed:?}");
}

/// A TCP reset without any response is retried.
#[test]
fn recovers_from_a_connection_reset() {
    recovers_from(Fault::ConnectionReset, 1, |_| {});
}

/// A server silent for longer than read_timeout (500 ms) times out and is retried.
#[test]
fn recovers_from_a_read_timeout() {
    let elapsed = recovers_from(Fault::Delay(Duration::from_millis(1500)), 1, |_| {});
    assert!(
        elapsed < Duration::from_millis(1400),
        "took {elapsed:?}: no timeout?"
    );
}

/// A body cut in half (with a matching Content-Length) is retried.
#[test]
fn recovers_from_a_truncated_body() {
    recovers_from(Fault::TruncatedBody, 1, |_| {});
}

/// A 200 whose body is not JSON is retried.
#[test]
fn recovers_from_malformed_json() {
    recovers_from(Fault::MalformedJson, 1, |_| {});
}

/// Different transient faults in a row share one budget (max_attempts 4: three retries).
#[test]
fn recovers_from_mixed_faults_within_the_budget() {
    let server = fixture("current");
    for fault in [
        Fault::Status(502),
        Fault::ConnectionReset,
        Fault::TruncatedBody,
    ] {
        server.inject(FaultRule::on("launches", fault));
    }
    let fetched = client_with(&server.url(), |s| s.retry.max_attempts = 4)
        .fetch_launches(&CancelToken::new())
        .unwrap();
    assert_eq!(fetched.retries, 3);
    assert_eq!(server.requests_for("launches"), 4);
}

/// Retries are counted per page and summed: a 503 on the first try of each of two pages
/// gives 2 retries.
#[test]
fn retries_are_summed_over_pages() {
    let all: Vec<Value> = (0..3).map(|i| launch(&i.to_string())).collect();
    let failed_once = Mutex::new(HashSet::new());
    let server = TinyServer::start(move |request| {
        let offset = request["variables"]["offset"].as_u64().unwrap() as usize;
        if failed_once.lock().unwrap().insert(offset) {
            return Reply {
                status: 503,
                ..Reply::json(&json!({"errors": [{"message": "busy"}]}))
            };
        }
        let page: Vec<_> = all.iter().skip(offset).take(2).cloned().collect();
        Reply::json(&json!({"data": {"launches": page}}))
    });
    let fetched = client_with(&server.url, |s| s.page_size = 2)
        .fetch_launches(&CancelToken::new())
        .unwrap();
    assert_eq!(ids(&fetched), ["0", "1", "2"]);
    assert_eq!((fetched.retries, fetched.pages), (2, 2));
    assert_eq!(server.requests(), 4);
}

// ---------------------------------------------------------------------------------------------
// Persistent faults: the right error after the right number of requests
// ---------------------------------------------------------------------------------------------

/// Injects `fault` on every launches request; returns the error, the request count and the
/// time taken (max_attempts 3).
fn fails_with(fault: Fault, tweak: impl FnOnce(&mut ClientSettings)) -> (Error, usize, Duration) {
    let server = fixture("current");
    server.inject(FaultRule::on("launches", fault).times(usize::MAX));
    let client = client_with(&server.url(), tweak);
    let started = Instant::now();
    let error = client.fetch_launches(&CancelToken::new()).unwrap_err();
    (error, server.requests_for("launches"), started.elapsed())
}

/// HTTP 503 forever: HttpStatus 503 after exactly max_attempts (3) requests, the error saying
/// how many were made (the one line the caller logs tells the whole story).
#[test]
fn persistent_503_fails_after_max_attempts() {
    let (error, requests, _) = fails_with(Fault::Status(503), |_| {});
    assert!(
        matches!(error, Error::GaveUp { attempts: 3, .. }),
        "{error:?}"
    );
    assert!(
        matches!(error.cause(), Error::HttpStatus { status: 503, .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.starts_with("HTTP status 503"), "{message}");
    assert!(
        message.contains("(gave up after 3 attempts in "),
        "{message}"
    );
    assert!(!error.is_unreachable());
    assert_eq!(requests, 3);
}

/// Nothing listens on the port: every attempt is refused, and the error says the host is
/// unreachable (the extractor stops asking it for the rest of the run).
#[test]
fn a_closed_port_is_unreachable_after_the_retries() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let error = client(&format!("http://127.0.0.1:{port}/"))
        .fetch_launches(&CancelToken::new())
        .unwrap_err();
    assert!(
        matches!(error, Error::GaveUp { attempts: 3, .. }),
        "{error:?}"
    );
    assert!(error.is_unreachable(), "{error:?}");
}

/// max_attempts 1 means no retry at all.
#[test]
fn max_attempts_1_does_not_retry() {
    let (error, requests, _) = fails_with(Fault::Status(503), |s| s.retry.max_attempts = 1);
    assert!(
        matches!(error, Error::HttpStatus { status: 503, .. }),
        "{error:?}"
    );
    assert_eq!(requests, 1);
}

/// HTTP 400 is the client's fault: not retried, and the body is kept for the log.
#[test]
fn status_400_is_not_retried() {
    let (error, requests, _) = fails_with(Fault::Status(400), |_| {});
    match &error {
        Error::HttpStatus { status: 400, body } => assert!(!body.is_empty()),
        other => panic!("{other:?}"),
    }
    assert!(!error.is_transient());
    assert_eq!(requests, 1);
}

/// A GraphQL `errors` array fails the entity without a retry.
#[test]
fn graphql_errors_are_not_retried() {
    let (error, requests, _) = fails_with(Fault::GraphQlError, |_| {});
    match &error {
        Error::GraphQl(message) => assert!(message.contains("resolver failed"), "{message}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(requests, 1);
}

/// Partial data with an `errors` entry is an error too, not a record short.
#[test]
fn partial_null_with_errors_is_a_graphql_error() {
    let (error, requests, _) = fails_with(Fault::PartialNull, |_| {});
    assert!(matches!(error, Error::GraphQl(_)), "{error:?}");
    assert_eq!(requests, 1);
}

/// A value of the wrong type is a decode error naming the record, not retried.
#[test]
fn a_wrong_type_is_a_decode_error() {
    let (error, requests, _) = fails_with(Fault::WrongType, |_| {});
    assert!(
        matches!(
            error,
            Error::Decode {
                field: "launches",
                index: 0,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(requests, 1);
}

/// A 40 MiB body against a 1 MiB cap: TooLarge, no retry, and fast.
#[test]
fn an_oversized_body_is_refused_quickly() {
    let (error, requests, elapsed) = fails_with(Fault::Oversized { bytes: 40 * MIB }, |s| {
        s.max_response_bytes = MIB as u64;
    });
    assert!(
        matches!(error, Error::TooLarge { limit } if limit == MIB as u64),
        "{error:?}"
    );
    assert_eq!(requests, 1);
    assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");
}

/// The cap stops reading: a server that claims 40 MiB, sends 2 MiB and then stalls gives
/// TooLarge at once. A client reading on would end in a read timeout instead.
#[test]
fn the_size_cap_stops_reading_at_the_cap() {
    let server = TinyServer::start(|_| Reply {
        claimed_length: Some(40 * MIB),
        linger: Duration::from_secs(3),
        ..Reply::bytes(vec![b' '; 2 * MIB])
    });
    let client = client_with(&server.url, |s| {
        s.max_response_bytes = MIB as u64;
        s.read_timeout = Duration::from_millis(1500);
        s.request_timeout = Duration::from_secs(5);
    });
    let started = Instant::now();
    let error = client.fetch_launches(&CancelToken::new()).unwrap_err();
    assert!(matches!(error, Error::TooLarge { .. }), "{error:?}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.requests(), 1);
}

/// The cap is "larger than": a body of exactly max_response_bytes is accepted, one byte more
/// is refused.
#[test]
fn a_body_of_exactly_the_cap_is_accepted() {
    let cap = 64 * 1024;
    for (size, accepted) in [(cap - 1, true), (cap, true), (cap + 1, false)] {
        let server = TinyServer::start(move |_| {
            let mut body = json!({"data": {"launches": [launch("x")]}}).to_string();
            body.push_str(&" ".repeat(size - body.len())); // JSON may end in whitespace
            Reply::bytes(body.into_bytes())
        });
        let result = client_with(&server.url, |s| s.max_response_bytes = cap as u64)
            .fetch_launches(&CancelToken::new());
        match result {
            Ok(fetched) if accepted => assert_eq!(ids(&fetched), ["x"]),
            Err(Error::TooLarge { .. }) if !accepted => {}
            other => panic!("{size} bytes against a cap of {cap}: {other:?}"),
        }
        assert_eq!(server.requests(), 1);
    }
}

/// `data: null`, `data: {}` and a `null` field are "no data" (not zero records), not retried.
#[test]
fn missing_or_null_data_is_no_data() {
    for body in [
        json!({"data": {}}),
        json!({"data": {"launches": null}}),
        json!({"data": null}),
        json!({}),
    ] {
        let reply = body.clone();
        let server = TinyServer::start(move |_| Reply::json(&reply));
        let error = client(&server.url)
            .fetch_launches(&CancelToken::new())
            .unwrap_err();
        assert!(
            matches!(error, Error::NoData("launches")),
            "{body}: {error:?}"
        );
        assert_eq!(server.requests(), 1, "{body}");
    }
}

// ---------------------------------------------------------------------------------------------
// Cancellation and paging safety
// ---------------------------------------------------------------------------------------------

/// Cancelling from another thread during a long Retry-After back-off (30 s) stops the fetch
/// within a fraction of a second.
#[test]
fn cancel_interrupts_a_long_back_off() {
    let server = fixture("current");
    server.inject(FaultRule::on(
        "launches",
        Fault::TooManyRequests {
            retry_after_secs: 30,
        },
    ));
    let client = client_with(&server.url(), |s| {
        s.retry.max_backoff = Duration::from_secs(60)
    });
    let cancel = CancelToken::new();
    let canceller = {
        let cancel = cancel.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            cancel.cancel();
        })
    };
    let started = Instant::now();
    let error = client.fetch_launches(&cancel).unwrap_err();
    let elapsed = started.elapsed();
    canceller.join().unwrap();
    assert!(matches!(error, Error::Cancelled), "{error:?}");
    assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");
    assert_eq!(server.requests_for("launches"), 1);
}

/// A token cancelled beforehand makes no request at all.
#[test]
fn an_already_cancelled_token_sends_nothing() {
    let server = fixture("current");
    let cancel = CancelToken::new();
    cancel.cancel();
    let error = client(&server.url()).fetch_launches(&cancel).unwrap_err();
    assert!(matches!(error, Error::Cancelled), "{error:?}");
    assert_eq!(server.request_count(), 0);
}

/// A server that ignores `offset` (the same full page every time) ends in Error::Paging after
/// the second request instead of looping forever.
#[test]
fn a_server_ignoring_offset_is_a_paging_error() {
    let page = json!({"data": {"launches": [launch("1"), launch("2")]}});
    let server = TinyServer::start(move |_| Reply::json(&page));
    let error = client_with(&server.url, |s| s.page_size = 2)
        .fetch_launches(&CancelToken::new())
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Paging {
                field: "launches",
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(server.requests(), 2);
}

/// A server that ignores `limit` and sends everything at once: one request, all records.
#[test]
fn a_server_ignoring_limit_is_read_in_one_page() {
    let records: Vec<Value> = (0..5).map(|i| launch(&i.to_string())).collect();
    let page = json!({"data": {"launches": records}});
    let server = TinyServer::start(move |_| Reply::json(&page));
    let fetched = client_with(&server.url, |s| s.page_size = 2)
        .fetch_launches(&CancelToken::new())
        .unwrap();
    assert_eq!(ids(&fetched), ["0", "1", "2", "3", "4"]);
    assert_eq!(server.requests(), 1);
}
