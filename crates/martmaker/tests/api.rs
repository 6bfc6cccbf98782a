//! The read API, `/readyz` and `/metrics` end to end: fixtures through the local SpaceX server,
//! the extractor and the martmaker into a real Postgres, then real HTTP against the router the
//! binary serves. Every answer is checked against `openapi.json`, and every documented
//! (path, status) must have been seen.
#![allow(clippy::unwrap_used)]

mod support;

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use cancel::CancelToken;
use martmaker::api::{self, OPENAPI, READER_ROLE};
use martmaker::{Martmaker, Metrics};
use repository::DatabaseSettings;
use serde_json::{json, Value};
use service::http::Gate;
use service::{Job, Outcome};
use spacex_fake::Dataset;
use support::Binary;
use testbed::scrape::Scrape;
use testbed::{eventually, Stack};

/// The API under test, and the (path, status) pairs its answers covered.
struct Api<'a> {
    served: testbed::server::Served,
    openapi: &'a Value,
    seen: &'a RefCell<BTreeSet<(String, u16)>>,
}

impl Api<'_> {
    /// GET `path` (the concrete one) documented as `template`: the status and the JSON body,
    /// after checking both against the OpenAPI document.
    fn get(&self, template: &str, path: &str) -> (u16, Value) {
        let (status, content_type, body) = self.served.get(path);
        self.check(template, path, status, &content_type, body)
    }

    /// The same for a request sent as raw bytes (too large, malformed, another method).
    fn raw(&self, template: &str, request: &[u8]) -> (u16, Value) {
        let (answer, size) = self.served.raw(request);
        assert!(size < 2048, "{template}: {size} bytes");
        let content_type = answer
            .header("content-type")
            .unwrap_or_default()
            .to_string();
        self.check(template, "(raw)", answer.status, &content_type, answer.body)
    }

    /// Checks an answer against the document and records it as seen.
    fn check(
        &self,
        template: &str,
        path: &str,
        status: u16,
        content_type: &str,
        body: String,
    ) -> (u16, Value) {
        let documented = &self.openapi["paths"][template]["get"]["responses"][status.to_string()];
        assert!(
            documented.is_object(),
            "GET {path} answered {status}, which is not documented: {body}"
        );
        let documented = resolve(self.openapi, documented);
        let media = documented["content"]
            .as_object()
            .unwrap()
            .keys()
            .next()
            .unwrap()
            .clone();
        assert!(
            content_type.starts_with(&media),
            "GET {path}: {content_type}, documented {media}"
        );
        let body: Value = if media == "application/json" {
            serde_json::from_str(&body).unwrap()
        } else {
            Scrape::new(&body);
            Value::String(body)
        };
        check_schema(
            self.openapi,
            &documented["content"][&media]["schema"],
            &body,
            path,
        );
        self.seen
            .borrow_mut()
            .insert((template.to_string(), status));
        (status, body)
    }

    fn metrics(&self) -> Scrape {
        let (status, body) = self.get("/metrics", "/metrics");
        assert_eq!(status, 200);
        Scrape::new(body.as_str().unwrap())
    }
}

/// A `{"$ref": "#/components/…"}` replaced by what it points to.
fn resolve<'a>(openapi: &'a Value, item: &'a Value) -> &'a Value {
    match item["$ref"].as_str() {
        Some(reference) => openapi.pointer(reference.trim_start_matches('#')).unwrap(),
        None => item,
    }
}

/// Validates `instance` with the JSON Schema 2020-12 validator (OpenAPI 3.1 schemas are JSON
/// Schema): the schema is evaluated inside the whole document, so its `$ref`s resolve.
fn check_schema(openapi: &Value, schema: &Value, instance: &Value, path: &str) {
    let mut root = openapi.clone();
    let object = root.as_object_mut().unwrap();
    for (key, value) in schema.as_object().unwrap() {
        object.insert(key.clone(), value.clone());
    }
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&root)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "GET {path} does not match its schema: {errors:#?}\n{instance:#}"
    );
}

/// Every (path, status) the document promises.
fn documented(openapi: &Value) -> BTreeSet<(String, u16)> {
    let mut all = BTreeSet::new();
    for (path, item) in openapi["paths"].as_object().unwrap() {
        assert_eq!(item.as_object().unwrap().len(), 1, "{path}: GET only");
        for status in item["get"]["responses"].as_object().unwrap().keys() {
            all.insert((path.clone(), status.parse().unwrap()));
        }
    }
    all
}

fn router(stack: &Stack, stale_after: Duration, metrics: &Metrics) -> axum::Router {
    let reader = Gate::new(&stack.config.database_settings(Some(READER_ROLE))).unwrap();
    let health = reader
        .beside(
            &stack
                .config
                .database_settings(Some(Martmaker::DATABASE_ROLE)),
        )
        .unwrap();
    api::router(reader, health, stale_after, metrics)
}

/// A pool on a port where nothing listens: every connection is refused at once.
fn unreachable_database() -> Gate {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    Gate::new(&DatabaseSettings {
        url: format!("postgres://nobody@127.0.0.1:{port}/nothing"),
        pool_size: 1,
        connect_timeout: Duration::from_millis(500),
        role: None,
    })
    .unwrap()
}

/// This process's log lines, for what must be logged once (no other test of this binary logs
/// those lines in process: the binaries log to their own stderr).
static LOGGED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Info
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            LOGGED.lock().unwrap().push(record.args().to_string());
        }
    }

    fn flush(&self) {}
}

/// Lines logged so far that contain `needle`.
fn logged(needle: &str) -> usize {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        log::set_logger(&Capture).unwrap();
        log::set_max_level(log::LevelFilter::Info);
    });
    LOGGED
        .lock()
        .unwrap()
        .iter()
        .filter(|line| line.contains(needle))
        .count()
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["object_id"].as_str().unwrap().to_string())
        .collect()
}

/// `…e0fN` for N in `ns`: the launch ids of the `current` fixture.
fn launches(ns: &[u8]) -> Vec<String> {
    ns.iter()
        .map(|n| format!("60a1c3e5f7b9d2e4a6c8e0f{n}"))
        .collect()
}

#[test]
fn every_endpoint_answers_as_its_openapi_document_says() {
    let openapi: Value = serde_json::from_str(OPENAPI).unwrap();
    let seen = RefCell::new(BTreeSet::new());
    let stack = Stack::new(Dataset::fixture("current").unwrap());
    let no_data_logged = "until the first build is published";
    assert_eq!(logged(no_data_logged), 0);
    let metrics = Metrics::new();
    let api = Api {
        served: testbed::server::serve(router(&stack, stack.config.stale_after(), &metrics)),
        openapi: &openapi,
        seen: &seen,
    };

    // Before anything was extracted or built.
    assert_eq!(
        api.get("/healthz", "/healthz"),
        (200, json!({"status": "ok"}))
    );
    let (status, ready) = api.get("/readyz", "/readyz");
    assert_eq!((status, &ready["status"]), (503, &json!("unavailable")));
    assert_eq!(
        ready["reasons"][0], "no data yet: the first extraction has not loaded",
        "{ready}"
    );
    assert_eq!(ready["build_id"], Value::Null);
    // No build published: every read endpoint says so, not an empty answer that looks like data.
    for (template, path) in [
        ("/marts/publication", "/marts/publication"),
        ("/marts/publication/{entity}", "/marts/publication/launch"),
        (
            "/marts/publication/{entity}/{object_id}",
            "/marts/publication/launch/5eb87cd9ffd86e000604b32a",
        ),
        ("/data_mart/object_url_count", "/data_mart/object_url_count"),
        ("/marts/checks", "/marts/checks"),
    ] {
        assert_eq!(
            api.get(template, path),
            (
                503,
                json!({"error": {"status": 503, "message": "no data yet: the first extraction has not loaded"}})
            ),
            "{path}"
        );
    }
    assert_eq!(logged(no_data_logged), 1, "said once, not per request");
    assert_eq!(
        api.get("/openapi.json", "/openapi.json"),
        (200, openapi.clone())
    );
    let before = api.metrics();
    assert_eq!(
        before.value("greenadam_mart_builds_total{status=\"succeeded\"}"),
        0.0
    );
    assert_eq!(
        before.value("greenadam_staging_stale"),
        1.0,
        "never extracted"
    );
    assert_eq!(before.value("greenadam_database_up"), 1.0);
    assert!(!before.has("greenadam_mart_age_seconds"));
    assert_eq!(
        before.value("greenadam_mart_checks_failing{severity=\"warn\"}"),
        0.0
    );
    assert!(!before.has("greenadam_last_successful_build_timestamp_seconds"));

    // Extract, then one martmaker tick counting into the served metrics.
    assert_eq!(stack.extract(), Outcome::Succeeded);
    let mut maker =
        Martmaker::with_metrics(&stack.config, stack.database_for::<Martmaker>(), metrics);
    assert_eq!(maker.run(&CancelToken::new()), Outcome::Succeeded);

    let (status, ready) = api.get("/readyz", "/readyz");
    assert_eq!(status, 200, "{ready}");
    assert_eq!(
        (&ready["status"], &ready["reasons"]),
        (&json!("ok"), &json!([]))
    );
    assert!(ready["last_extract_rows_changed"].as_i64().unwrap() > 0);
    // Every answer names the build it comes from: the one marts.build_run recorded.
    let build: (i64, chrono::DateTime<chrono::Utc>) = {
        use db_models::schema::marts::build_run;
        use diesel::prelude::*;
        build_run::table
            .filter(build_run::status.eq("succeeded"))
            .select((build_run::id, build_run::finished_at.assume_not_null()))
            .first(&mut stack.conn())
            .unwrap()
    };
    let (build_id, built_at) = (json!(build.0), json!(build.1));
    #[derive(diesel::QueryableByName)]
    struct Published {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let published: Published = diesel::RunQueryDsl::get_result(
        diesel::sql_query("SELECT id FROM marts.published_build"),
        &mut stack.conn(),
    )
    .unwrap();
    assert_eq!(published.id, build.0, "what SQL readers see");
    assert_eq!(
        (&ready["build_id"], &ready["marts_built_at"]),
        (&build_id, &built_at)
    );

    let (status, rows) = api.get("/marts/publication", "/marts/publication");
    assert_eq!(status, 200);
    for row in rows.as_array().unwrap() {
        assert_eq!((&row["build_id"], &row["built_at"]), (&build_id, &built_at));
    }
    let summary: Vec<(&str, i64, i64)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["entity"].as_str().unwrap(),
                r["objects"].as_i64().unwrap(),
                r["total"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [("launch", 8, 34), ("mission", 0, 0), ("rocket", 4, 4)]
    );
    assert_eq!(
        api.get("/data_mart/object_url_count", "/data_mart/object_url_count"),
        (
            200,
            json!({"launches": 34, "missions": 0, "rockets": 4, "build_id": build_id, "built_at": built_at})
        )
    );

    // The build's checks: the fixture's launches each list a mission that is not staged
    // (today's endpoint serves none), a warning; everything else passes.
    let (status, checks) = api.get("/marts/checks", "/marts/checks");
    assert_eq!(status, 200, "{checks}");
    assert_eq!(
        (
            &checks["build_id"],
            &checks["build_status"],
            &checks["finished_at"]
        ),
        (&build_id, &json!("succeeded"), &built_at)
    );
    let results: Vec<(&str, &str, &str, &str)> = checks["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["check_name"].as_str().unwrap(),
                c["severity"].as_str().unwrap(),
                c["status"].as_str().unwrap(),
                c["observed"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        results,
        [
            (
                "objects_match_staging",
                "error",
                "pass",
                "launch 8, mission 0, rocket 4"
            ),
            (
                "publication_entities",
                "error",
                "pass",
                "launch, mission, rocket"
            ),
            ("row_rules", "error", "pass", "none broken"),
            ("launch_mission_missing", "warn", "warn", "8"),
            ("launch_rocket_missing", "warn", "pass", "0"),
            ("objects_without_publication", "warn", "pass", "0"),
            ("row_count_change", "warn", "pass", "no previous build"),
        ]
    );
    // The document lists every check by name.
    let names: Vec<&str> = db_models::models::CheckName::all()
        .map(|name| name.as_str())
        .collect();
    assert_eq!(
        openapi["components"]["schemas"]["CheckResult"]["properties"]["check_name"]["enum"],
        json!(names)
    );
    let scraped = api.metrics();
    assert_eq!(
        scraped.value("greenadam_mart_checks_failing{severity=\"warn\"}"),
        1.0
    );
    assert_eq!(
        scraped.value("greenadam_mart_checks_failing{severity=\"error\"}"),
        0.0
    );

    // Per object: sorting, paging, errors.
    let page = |query: &str| {
        let (status, body) = api.get(
            "/marts/publication/{entity}",
            &format!("/marts/publication/{query}"),
        );
        assert_eq!(status, 200, "{query}: {body}");
        body
    };
    // Hand counts of launches …e0f1 to …e0f8: 3 3 4 9 8 4 2 1; ties by object_id.
    let default = page("launch");
    assert_eq!(
        (&default["build_id"], &default["built_at"]),
        (&build_id, &built_at)
    );
    assert_eq!(ids(&default), launches(&[4, 5, 3, 6, 1, 2, 7, 8]));
    assert_eq!(
        (
            &default["sort"],
            &default["order"],
            &default["limit"],
            &default["offset"],
            &default["total_count"]
        ),
        (
            &json!("total"),
            &json!("desc"),
            &json!(100),
            &json!(0),
            &json!(8)
        )
    );
    assert_eq!(
        ids(&page("launch?sort=total&order=asc")),
        launches(&[8, 7, 1, 2, 3, 6, 5, 4])
    );
    assert_eq!(
        ids(&page("launch?sort=object_id")),
        launches(&[1, 2, 3, 4, 5, 6, 7, 8])
    );
    let third_page = page("launch?limit=3&offset=6");
    assert_eq!(ids(&third_page), launches(&[7, 8]));
    assert_eq!(third_page["total_count"], 8);
    let paged: Vec<String> = (0..3)
        .flat_map(|n| ids(&page(&format!("launch?limit=3&offset={}", n * 3))))
        .collect();
    assert_eq!(paged, ids(&default), "pages add up to the whole");
    assert_eq!(ids(&page("launch?offset=8")), Vec::<String>::new());
    let rockets = page("rocket?sort=launches&order=desc");
    let counts: Vec<i64> = rockets["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["launches"].as_i64().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    assert_eq!(counts.iter().sum::<i64>(), 8);
    assert_eq!(page("mission")["total_count"], 0);

    for (query, status, needle) in [
        ("capsule", 404, "unknown entity `capsule`"),
        ("launch?sort=entity", 400, "cannot sort by `entity`"),
        ("launch?order=sideways", 400, "order must be asc or desc"),
        ("launch?limit=0", 400, "limit must be"),
        ("launch?limit=1001", 400, "limit must be"),
        ("launch?offset=-3", 400, "offset must be"),
        ("launch?colour=red", 400, "unknown query parameter `colour`"),
    ] {
        let (got, body) = api.get(
            "/marts/publication/{entity}",
            &format!("/marts/publication/{query}"),
        );
        assert_eq!((got, &body["error"]["status"]), (status, &json!(status)));
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{query}: {message}");
    }
    // A 10 kB value is echoed as a short prefix, in a short answer.
    let (status, body) = api.get(
        "/marts/publication/{entity}",
        &format!("/marts/publication/launch?sort={}", "x".repeat(10_000)),
    );
    assert_eq!(status, 400);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!("cannot sort by `{}…`", "x".repeat(40))),
        "{message}"
    );
    assert!(body.to_string().len() < 2048);

    // One object: its row as the page shows it, and its versions: one build so far, so one
    // version, opened by that build and still open, with the same values.
    let object = |path: &str| {
        api.get(
            "/marts/publication/{entity}/{object_id}",
            &format!("/marts/publication/{path}"),
        )
    };
    let top = &default["items"][0];
    let top_id = top["object_id"].as_str().unwrap();
    let (status, one) = object(&format!("launch/{top_id}"));
    assert_eq!(status, 200, "{one}");
    assert_eq!(
        (&one["entity"], &one["object_id"], &one["item"]),
        (&json!("launch"), &json!(top_id), top)
    );
    assert_eq!((&one["build_id"], &one["built_at"]), (&build_id, &built_at));
    let versions = one["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 1, "{one}");
    for (column, value) in top.as_object().unwrap() {
        assert_eq!(&versions[0][column], value, "{column}");
    }
    assert_eq!(
        (
            &versions[0]["build_id"],
            &versions[0]["valid_from"],
            &versions[0]["valid_to"],
            &versions[0]["closed_by_build_id"]
        ),
        (&build_id, &built_at, &Value::Null, &Value::Null)
    );
    let rocket = &rockets["items"][0];
    let rocket_id = rocket["object_id"].as_str().unwrap();
    assert_eq!(object(&format!("rocket/{rocket_id}")).1["item"], *rocket);
    for (path, status, needle) in [
        (
            "launch/no-such-launch",
            404,
            "no launch `no-such-launch` in the marts",
        ),
        (&format!("mission/{top_id}"), 404, "no mission `"),
        (
            &format!("capsule/{top_id}"),
            404,
            "unknown entity `capsule`",
        ),
        (
            &format!("launch/{top_id}?sort=total"),
            400,
            "unknown query parameter `sort`",
        ),
    ] {
        let (got, body) = object(path);
        assert_eq!((got, &body["error"]["status"]), (status, &json!(status)));
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{path}: {message}");
    }

    // The edges, on every endpoint: an unknown parameter, a request line or head too large.
    for template in documented(&openapi)
        .into_iter()
        .map(|(path, _)| path)
        .collect::<BTreeSet<_>>()
    {
        let path = template
            .replace("{entity}", "rocket")
            .replace("{object_id}", rocket_id);
        let (status, body) = api.get(&template, &format!("{path}?colour=red"));
        assert_eq!(status, 400, "{path}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with("unknown query parameter `colour`"),
            "{path}: {message}"
        );
        let long = format!("GET {path}?q={} HTTP/1.1\r\n\r\n", "q".repeat(100_000));
        assert_eq!(api.raw(&template, long.as_bytes()).0, 414, "{path}");
        let big = format!(
            "GET {path} HTTP/1.1\r\nX-Big: {}\r\n\r\n",
            "b".repeat(40_000)
        );
        assert_eq!(api.raw(&template, big.as_bytes()).0, 431, "{path}");
        // Not a documented answer of GET: checked here, by hand.
        let (post, _) = api
            .served
            .raw(format!("POST {path} HTTP/1.1\r\nConnection: close\r\n\r\n").as_bytes());
        assert_eq!(
            (post.status, post.header("allow")),
            (405, Some("GET,HEAD")),
            "{path}"
        );
        assert_eq!(post.header("content-type"), Some("application/json"));
        assert!(post.body.contains(r#""status":405"#), "{}", post.body);
    }
    let (unknown, _) = api
        .served
        .raw(b"GET /no/such/path HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert_eq!(
        (unknown.status, unknown.header("content-type")),
        (404, Some("application/json"))
    );
    assert!(unknown.body.contains(r#""status":404"#), "{}", unknown.body);
    let (malformed, _) = api
        .served
        .raw(b"GET /marts/publication HTTP/1.1\r\nNo Colon Here\r\n\r\n");
    assert_eq!(
        (malformed.status, malformed.header("content-type")),
        (400, Some("application/json"))
    );

    // Metrics after the build, and after a tick that found nothing new.
    assert_eq!(maker.run(&CancelToken::new()), Outcome::Succeeded);
    let after = api.metrics();
    assert_eq!(
        after.value("greenadam_mart_builds_total{status=\"succeeded\"}"),
        1.0
    );
    assert_eq!(
        after.value("greenadam_mart_builds_total{status=\"unchanged\"}"),
        1.0
    );
    assert_eq!(
        after.value("greenadam_mart_builds_total{status=\"failed\"}"),
        0.0
    );
    assert_eq!(after.value("greenadam_staging_stale"), 0.0);
    let age = after.value("greenadam_mart_age_seconds");
    assert!((0.0..60.0).contains(&age), "{age}");
    let now = chrono::Utc::now().timestamp() as f64;
    for series in [
        "greenadam_last_successful_build_timestamp_seconds",
        "greenadam_last_successful_extract_timestamp_seconds",
    ] {
        let at = after.value(series);
        assert!((now - 60.0..now + 60.0).contains(&at), "{series} = {at}");
    }

    // Stale staging: still ready, but degraded, and the gauge says so.
    let stale = Api {
        served: testbed::server::serve(router(&stack, Duration::from_millis(1), &Metrics::new())),
        openapi: &openapi,
        seen: &seen,
    };
    std::thread::sleep(Duration::from_millis(20));
    let (status, ready) = stale.get("/readyz", "/readyz");
    assert_eq!((status, &ready["status"]), (200, &json!("degraded")));
    assert!(
        ready["reasons"][0]
            .as_str()
            .unwrap()
            .starts_with("staging is stale: no successful extraction for"),
        "{ready}"
    );
    assert_eq!(stale.metrics().value("greenadam_staging_stale"), 1.0);

    // The database gone: 503 everywhere it is needed, health and metrics still answer.
    let down = Api {
        served: testbed::server::serve(api::router(
            unreachable_database(),
            unreachable_database(),
            stack.config.stale_after(),
            &Metrics::new(),
        )),
        openapi: &openapi,
        seen: &seen,
    };
    for (template, path) in [
        ("/marts/publication", "/marts/publication"),
        ("/marts/publication/{entity}", "/marts/publication/rocket"),
        ("/data_mart/object_url_count", "/data_mart/object_url_count"),
        ("/marts/checks", "/marts/checks"),
    ] {
        let (status, body) = down.get(template, path);
        assert_eq!(status, 503, "{path}: {body}");
        assert_eq!(body["error"]["message"], "the database is not reachable");
    }
    let (status, ready) = down.get("/readyz", "/readyz");
    assert_eq!(status, 503);
    assert_eq!(ready["reasons"], json!(["the database is not reachable"]));
    assert_eq!(down.get("/healthz", "/healthz").0, 200);
    let scrape = down.metrics();
    assert_eq!(scrape.value("greenadam_database_up"), 0.0);
    assert!(!scrape.has("greenadam_staging_stale"));

    assert_eq!(
        *seen.borrow(),
        documented(&openapi),
        "every documented answer was produced and checked"
    );
}

/// The binary serves beside its timer, answers before and after its first build, and stops
/// on SIGTERM like before (exit 0, port closed).
#[test]
fn the_binary_serves_while_it_builds_and_stops_on_sigterm() {
    let stack = Stack::new(Dataset::fixture("current").unwrap());
    assert_eq!(stack.extract(), Outcome::Succeeded);
    let binary = Binary::start(&stack);
    assert_eq!(binary.get("/healthz"), (200, json!({"status": "ok"})));
    assert!(
        eventually(Duration::from_secs(20), || binary.get("/readyz").0 == 200),
        "ready after the first build: {:?}",
        binary.get("/readyz")
    );
    assert_eq!(
        binary.get("/marts/publication").1.as_array().unwrap().len(),
        3
    );
    let address = binary.base.trim_start_matches("http://").to_string();
    let (status, logged) = binary.stop();
    assert_eq!(status.code(), Some(0), "{logged:#?}");
    assert!(
        std::net::TcpStream::connect(address).is_err(),
        "the port is closed after the stop"
    );
}

/// Postgres stops under a running service (its backends terminated as a shutdown does, new
/// connections refused): every read endpoint answers 503 from the very first request, each
/// within a second (not after the 5 s connect timeout), `/metrics` still answers, the log says
/// it once, and the service answers again once Postgres is back.
#[test]
fn a_stopped_database_is_a_503_within_a_second_from_the_first_request_logged_once() {
    let (stack, proxy) = Stack::proxied(Dataset::fixture("current").unwrap());
    assert_eq!(stack.extract(), Outcome::Succeeded);
    let binary = Binary::start(&stack);
    assert!(
        eventually(Duration::from_secs(20), || binary.get("/readyz").0 == 200),
        "ready: {:?}",
        binary.get("/readyz")
    );
    let reads = [
        "/marts/publication",
        "/marts/publication/launch",
        "/data_mart/object_url_count",
        "/readyz",
    ];
    // Every pool holds a live connection, as in a running service.
    for path in reads {
        assert_eq!(binary.get(path).0, 200, "{path}");
    }

    stack.sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    );
    proxy.set_down(true);
    let mut slowest = Duration::ZERO;
    for round in 0..3 {
        for path in reads {
            let started = Instant::now();
            let (status, body) = binary.get(path);
            let took = started.elapsed();
            slowest = slowest.max(took);
            assert_eq!(status, 503, "round {round}, {path}: {body}");
            assert!(
                took < Duration::from_secs(1),
                "round {round}, {path}: {took:?}"
            );
            let said = if path == "/readyz" {
                body["reasons"][0].clone()
            } else {
                body["error"]["message"].clone()
            };
            assert_eq!(said, "the database is not reachable", "{path}");
        }
    }
    let started = Instant::now();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut scrape = agent
        .get(format!("{}/metrics", binary.base))
        .call()
        .unwrap();
    assert_eq!(scrape.status().as_u16(), 200);
    let text = scrape.body_mut().read_to_string().unwrap();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(text.contains("\ngreenadam_database_up 0\n"), "{text}");

    proxy.set_down(false);
    assert!(
        eventually(Duration::from_secs(10), || binary
            .get("/marts/publication")
            .0
            == 200),
        "answers again once Postgres is back"
    );
    let (status, logged) = binary.stop();
    assert_eq!(status.code(), Some(0));
    let said = |needle: &str| logged.iter().filter(|line| line.contains(needle)).count();
    assert_eq!(
        said("the database is not reachable"),
        1,
        "once, not per request: {logged:#?}"
    );
    assert_eq!(said("the database answers again"), 1, "{logged:#?}");
    eprintln!("slowest 503 while the database was down: {slowest:?}");
}
