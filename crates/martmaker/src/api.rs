//! The read API over the marts, `/readyz`, and the martmaker's `/metrics` and `/healthz`.
//!
//! Every handler reads through `repository` on a blocking thread. The marts are read on a pool
//! of the `greenadam_reader` role; `/readyz`, the scrape-time gauges and the dashboard's
//! staging reads (freshness, launch links) use a pool of the martmaker's own role. Both pools are
//! separate from the job's, so a long build never makes a request wait for a connection, and
//! both sit behind one [`Gate`]: a database that does not answer is a 503 within a second,
//! logged once.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use db_models::entity::Entity;
use db_models::models::BuildRun;
use repository::marts::BuildChecks;
use repository::read::{self, Order, PublishedBuild, SortColumn};
use repository::{marts, PgPooled};
use serde_json::{json, Value};
use service::freshness::Freshness;
use service::http::{blocking, cut, operator_routes, unknown_parameter, ApiError, Gate, NoQuery};
use service::{Config, Http, Job};

use crate::{Martmaker, Metrics};

/// The OpenAPI document of every endpoint, served at `/openapi.json`; the tests check real
/// answers against it.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// The role the read endpoints work as: it may read the marts and nothing else.
pub const READER_ROLE: &str = "greenadam_reader";

/// Entities of the marts, as they appear in paths.
const ENTITIES: [Entity; 3] = [Entity::Launch, Entity::Mission, Entity::Rocket];

/// What every read endpoint answers (503) until a build is published: the martmaker publishes
/// none before the first extraction that loaded the launches.
const NO_DATA: &str = "no data yet: the first extraction has not loaded";

/// Rows per page when `limit` is not given, and the most a client may ask for.
const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;

/// What the handlers share.
struct ApiState {
    /// `greenadam_reader`: the marts.
    reader: Gate,
    /// The martmaker's role: staging's run bookkeeping and the marts.
    health: Gate,
    stale_after: Duration,
    /// "No data yet" was logged (once per process, not per request).
    said_no_data: AtomicBool,
}

impl ApiState {
    /// The 503 of a read before the first build, logged the first time.
    fn no_data(&self) -> ApiError {
        if !self.said_no_data.swap(true, Ordering::Relaxed) {
            log::warn!(
                "The read API answers 503 \"{NO_DATA}\" until the first build is published."
            );
        }
        ApiError::unavailable(NO_DATA)
    }
}

/// What the database says about the marts and staging, for `/readyz` and `/metrics`.
pub(crate) struct Status {
    pub(crate) freshness: Freshness,
    pub(crate) last_build: Option<BuildRun>,
    pub(crate) published: Option<PublishedBuild>,
    /// The latest finished build's checks (for the failing-checks gauge).
    pub(crate) latest_checks: Option<BuildChecks>,
}

impl Status {
    fn read(conn: &mut PgPooled, stale_after: Duration) -> repository::Result<Status> {
        let facts = read::extract_freshness(conn)?;
        Ok(Status {
            freshness: Freshness::from_facts(facts, stale_after),
            last_build: marts::last_successful_build(conn)?,
            published: read::published_build(conn)?,
            latest_checks: marts::latest_checks(conn)?,
        })
    }
}

/// The martmaker's HTTP side on `martmaker.listen`, with its own pools (see the module doc).
pub fn http(config: &Config, metrics: &Metrics) -> anyhow::Result<Option<Http>> {
    let Some(listen) = config.martmaker.listen.address() else {
        return Ok(None);
    };
    let reader = Gate::new(&config.database_settings(Some(READER_ROLE)))?;
    let health = reader.beside(&config.database_settings(Some(Martmaker::DATABASE_ROLE)))?;
    Ok(Some(Http {
        listen,
        router: router(reader, health, config.stale_after(), metrics),
    }))
}

/// Every route: `reader` serves the marts, `health` serves `/readyz` and `/metrics`.
pub fn router(reader: Gate, health: Gate, stale_after: Duration, metrics: &Metrics) -> Router {
    let scrape = {
        let (health, metrics) = (health.clone(), metrics.clone());
        move || {
            let status = health.run(|conn| Status::read(conn, stale_after));
            metrics.update(status.ok().as_ref());
        }
    };
    let dashboard = crate::dashboard::routes(reader.clone(), health.clone(), stale_after);
    let state = Arc::new(ApiState {
        reader,
        health,
        stale_after,
        said_no_data: AtomicBool::new(false),
    });
    Router::new()
        .route("/marts/publication", get(publication))
        .route("/marts/publication/{entity}", get(publication_by_object))
        .route(
            "/marts/publication/{entity}/{object_id}",
            get(publication_object),
        )
        .route("/data_mart/object_url_count", get(object_url_count))
        .route("/marts/checks", get(checks))
        .route("/readyz", get(readyz))
        .route(
            "/openapi.json",
            get(|_: NoQuery| async { ([(header::CONTENT_TYPE, "application/json")], OPENAPI) }),
        )
        .with_state(state)
        .merge(dashboard)
        .merge(operator_routes(metrics.registry.clone(), scrape))
}

type Shared = State<Arc<ApiState>>;

/// `GET /marts/publication`: the three rows of `marts.publication`, each naming its build;
/// 503 before the first build.
async fn publication(_: NoQuery, State(state): Shared) -> Result<Response, ApiError> {
    let reads = state.clone();
    let rows = blocking(move || reads.reader.run(|conn| marts::publication(conn))).await?;
    if rows.is_empty() {
        return Err(state.no_data());
    }
    Ok(Json(rows).into_response())
}

/// `GET /data_mart/object_url_count`: the answer of greenadam's predecessor, kept for its
/// clients: each entity's total publications, and (added) the build they come from.
async fn object_url_count(_: NoQuery, State(state): Shared) -> Result<Response, ApiError> {
    let reads = state.clone();
    let rows = blocking(move || reads.reader.run(|conn| marts::publication(conn))).await?;
    let row = |entity: Entity| rows.iter().find(|r| r.entity == entity.as_str());
    match (
        row(Entity::Launch),
        row(Entity::Mission),
        row(Entity::Rocket),
    ) {
        (Some(launches), Some(missions), Some(rockets)) => Ok(Json(json!({
            "launches": launches.total,
            "missions": missions.total,
            "rockets": rockets.total,
            "build_id": launches.build_id,
            "built_at": launches.built_at,
        }))
        .into_response()),
        _ => Err(state.no_data()),
    }
}

/// `GET /marts/checks`: the data-quality checks of the latest finished build (published, or
/// failed and rolled back), with that build; 503 before the first build finished.
async fn checks(_: NoQuery, State(state): Shared) -> Result<Response, ApiError> {
    let reads = state.clone();
    let latest = blocking(move || reads.reader.run(|conn| marts::latest_checks(conn))).await?;
    let Some(BuildChecks { build, checks }) = latest else {
        return Err(state.no_data());
    };
    Ok(Json(json!({
        "build_id": build.id,
        "build_status": build.status.as_str(),
        "finished_at": build.finished_at,
        "checks": checks,
    }))
    .into_response())
}

/// The validated `?sort=&order=&limit=&offset=` of a per-object page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PageQuery {
    sort: SortColumn,
    order: Order,
    limit: i64,
    offset: i64,
}

impl PageQuery {
    /// The parameters this endpoint takes.
    const NAMES: [&'static str; 4] = ["sort", "order", "limit", "offset"];

    /// Strict, like every endpoint: an unknown or repeated parameter is a 400 rather than
    /// silently ignored, so a typo (`?sort=totla`, `?limt=5`) does not look like a working
    /// query. Without `order`, counts sort largest first and `object_id`/`name`
    /// alphabetically. Values echoed in an error are cut short.
    fn parse(raw: Option<&str>) -> Result<PageQuery, ApiError> {
        let mut sort = None;
        let mut order = None;
        let mut limit = None;
        let mut offset = None;
        for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            let slot = match key.as_ref() {
                "sort" => &mut sort,
                "order" => &mut order,
                "limit" => &mut limit,
                "offset" => &mut offset,
                other => return Err(unknown_parameter(other, &PageQuery::NAMES)),
            };
            if slot.replace(value.into_owned()).is_some() {
                return Err(ApiError::bad_request(format!(
                    "query parameter `{key}` given twice"
                )));
            }
        }
        let sort = match sort {
            None => SortColumn::Total,
            Some(name) => SortColumn::parse(&name).ok_or_else(|| {
                let allowed: Vec<&str> = SortColumn::ALL.iter().map(|c| c.as_str()).collect();
                ApiError::bad_request(format!(
                    "cannot sort by `{}`: use one of {}",
                    cut(&name),
                    allowed.join(", ")
                ))
            })?,
        };
        let order = match order.as_deref() {
            None if matches!(sort, SortColumn::ObjectId | SortColumn::Name) => Order::Asc,
            None => Order::Desc,
            Some("asc") => Order::Asc,
            Some("desc") => Order::Desc,
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "order must be asc or desc, not `{}`",
                    cut(other)
                )))
            }
        };
        let limit = integer("limit", limit, DEFAULT_LIMIT, 1..=MAX_LIMIT)?;
        let offset = integer("offset", offset, 0, 0..=i64::MAX)?;
        Ok(PageQuery {
            sort,
            order,
            limit,
            offset,
        })
    }
}

/// A whole number in `range`, `default` when absent.
fn integer(
    name: &str,
    value: Option<String>,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
) -> Result<i64, ApiError> {
    let Some(value) = value else {
        return Ok(default);
    };
    value
        .parse()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "{name} must be a whole number from {} to {}, not `{}`",
                range.start(),
                range.end(),
                cut(&value)
            ))
        })
}

/// `GET /marts/publication/{entity}`: one page of `marts.publication_by_object`.
async fn publication_by_object(
    State(state): Shared,
    Path(entity): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let entity = mart_entity(&entity)?;
    let query = PageQuery::parse(raw.as_deref())?;
    let reads = state.clone();
    let page = blocking(move || {
        reads.reader.run(|conn| {
            read::publication_by_object_page(
                conn,
                entity,
                query.sort,
                query.order,
                query.limit,
                query.offset,
            )
        })
    })
    .await?;
    let Some(build) = page.build else {
        return Err(state.no_data());
    };
    Ok(Json(json!({
        "entity": entity,
        "sort": query.sort.as_str(),
        "order": query.order.as_str(),
        "limit": query.limit,
        "offset": query.offset,
        "total_count": page.total,
        "items": page.rows,
        "build_id": build.build_id,
        "built_at": build.built_at,
    }))
    .into_response())
}

/// An entity of the marts, named in a path.
fn mart_entity(name: &str) -> Result<&'static str, ApiError> {
    ENTITIES
        .map(Entity::as_str)
        .into_iter()
        .find(|e| *e == name)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "unknown entity `{}`: use launch, mission or rocket",
                cut(name)
            ))
        })
}

/// `GET /marts/publication/{entity}/{object_id}`: one object's row in the published build
/// and its versions (`marts.publication_by_object_history`, newest first). An object the
/// published build no longer has but an earlier one had answers with `item: null` and its
/// versions; one no build ever had is a 404.
async fn publication_object(
    _: NoQuery,
    State(state): Shared,
    Path((entity, object_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let entity = mart_entity(&entity)?;
    let reads = state.clone();
    let id = object_id.clone();
    let object = blocking(move || {
        reads
            .reader
            .run(|conn| read::publication_object(conn, entity, &id))
    })
    .await?;
    let Some(build) = object.build else {
        return Err(state.no_data());
    };
    if object.current.is_none() && object.versions.is_empty() {
        return Err(ApiError::not_found(format!(
            "no {entity} `{}` in the marts, now or before",
            cut(&object_id)
        )));
    }
    Ok(Json(json!({
        "entity": entity,
        "object_id": object_id,
        "item": object.current,
        "versions": object.versions,
        "build_id": build.build_id,
        "built_at": build.built_at,
    }))
    .into_response())
}

/// `GET /readyz`: 200 `ok` when the database answers and a build is published (503 "no data
/// yet" before: the martmaker publishes none before the first extraction that loaded);
/// 200 `degraded` when, on top of that, staging is stale (the marts still answer, from an old
/// copy: a load balancer should keep sending traffic, an operator should look); 503
/// `unavailable` otherwise. Always with the reasons and the timestamps behind them.
async fn readyz(_: NoQuery, State(state): Shared) -> Response {
    let stale_after = state.stale_after;
    let status = blocking(move || state.health.run(|conn| Status::read(conn, stale_after))).await;
    let (code, body) = match status {
        Err(error) => {
            let reason = if error.status == StatusCode::SERVICE_UNAVAILABLE {
                "the database is not reachable"
            } else {
                "the database cannot be read (see the log)"
            };
            (
                StatusCode::SERVICE_UNAVAILABLE,
                readiness("unavailable", vec![reason.into()], None),
            )
        }
        Ok(status) => {
            let stale = status.freshness.stale_reason();
            if status.published.is_none() {
                let mut reasons = vec![NO_DATA.to_string()];
                reasons.extend(stale.map(|r| format!("staging is stale: {r}")));
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    readiness("unavailable", reasons, Some(&status)),
                )
            } else if let Some(reason) = stale {
                (
                    StatusCode::OK,
                    readiness(
                        "degraded",
                        vec![format!("staging is stale: {reason}")],
                        Some(&status),
                    ),
                )
            } else {
                (StatusCode::OK, readiness("ok", Vec::new(), Some(&status)))
            }
        }
    };
    (code, Json(body)).into_response()
}

/// The `/readyz` body; the timestamps are `null` when unknown.
fn readiness(status: &str, reasons: Vec<String>, facts: Option<&Status>) -> Value {
    let last_extract = facts.and_then(|f| f.freshness.last_extract.as_ref());
    json!({
        "status": status,
        "reasons": reasons,
        "build_id": facts.and_then(|f| f.published).map(|b| b.build_id),
        "marts_built_at": facts.and_then(|f| f.published).map(|b| b.built_at),
        "last_successful_build_at": facts.and_then(|f| f.last_build.as_ref()).and_then(|b| b.finished_at),
        "last_successful_extract_at": last_extract.map(|l| l.current_at),
        "last_extract_rows_changed": last_extract.map(|l| l.rows_changed),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<PageQuery, String> {
        PageQuery::parse(Some(raw)).map_err(|e| e.message)
    }

    #[test]
    fn page_query_defaults_and_orders() {
        let default = PageQuery::parse(None).expect("valid");
        assert_eq!(
            default,
            PageQuery {
                sort: SortColumn::Total,
                order: Order::Desc,
                limit: 100,
                offset: 0
            }
        );
        assert_eq!(parse("sort=name").expect("valid").order, Order::Asc);
        assert_eq!(parse("sort=videos").expect("valid").order, Order::Desc);
        let q = parse("sort=launch_publications&order=asc&limit=1000&offset=7").expect("valid");
        assert_eq!(
            (q.sort, q.order, q.limit, q.offset),
            (SortColumn::LaunchPublications, Order::Asc, 1000, 7)
        );
    }

    #[test]
    fn page_query_refuses_what_it_does_not_understand() {
        for (raw, needle) in [
            ("sort=entity", "cannot sort by `entity`"),
            ("sort=total;drop", "cannot sort by"),
            ("order=up", "order must be asc or desc"),
            ("limit=0", "limit must be a whole number from 1 to 1000"),
            ("limit=1001", "limit must be"),
            ("limit=ten", "limit must be"),
            ("offset=-1", "offset must be"),
            (
                "limt=5",
                "unknown query parameter `limt`: use sort, order, limit, offset",
            ),
            ("limit=5&limit=6", "given twice"),
        ] {
            let message = parse(raw).expect_err(raw);
            assert!(message.contains(needle), "{raw}: {message}");
        }
    }
}
