//! The extractor's Prometheus metrics and its HTTP side (`/metrics`, `/healthz`).
use std::time::Duration;

use db_models::entity::Entity;
use db_models::models::ExtractRunEntity;
use service::freshness::{Freshness, FreshnessGauges};
use service::http::Gate;
use service::metrics::{Counter, Gauge, Histogram, Registry};
use service::{Config, Http, Job};
use sxapi::RequestReport;

use crate::Extractor;

/// Upper bounds of the request duration buckets, in seconds: a page of the GraphQL API takes
/// from tens of milliseconds (local) to tens of seconds (slow upstream, `request_timeout` 2m).
const REQUEST_SECONDS_BUCKETS: [f64; 10] = [0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// Everything the extractor counts; cheap to clone (the series are shared).
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    runs: Counter,
    records: Gauge,
    unavailable: Gauge,
    rejected: Counter,
    retries: Counter,
    requests: Counter,
    request_seconds: Histogram,
    freshness: FreshnessGauges,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Registers every series, at zero.
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let metrics = Metrics {
            runs: registry.counter(
                "greenadam_extract_runs_total",
                "Extract runs by how they ended (unchanged: the upstream served what staging was loaded from, nothing written; skipped: another extractor was running; cancelled: stopped by a shutdown signal).",
                &["status"],
            ),
            records: registry.gauge(
                "greenadam_extract_records",
                "Records of the last run per entity: fetched = loaded + rejected.",
                &["entity", "kind"],
            ),
            unavailable: registry.gauge(
                "greenadam_extract_entity_unavailable",
                "1 when the last run that loaded found the entity unavailable upstream (GraphQL errors or records of another shape; its rows kept), else 0.",
                &["entity"],
            ),
            rejected: registry.counter(
                "greenadam_extract_rejected_total",
                "Records refused into staging.rejected since the start.",
                &[],
            ),
            retries: registry.counter(
                "greenadam_api_retries_total",
                "SpaceX API requests that were retries of a failed one.",
                &[],
            ),
            requests: registry.counter(
                "greenadam_api_requests_total",
                "SpaceX API requests by outcome (retries included).",
                &["outcome"],
            ),
            request_seconds: registry.histogram(
                "greenadam_api_request_duration_seconds",
                "Duration of SpaceX API requests, body included.",
                &REQUEST_SECONDS_BUCKETS,
            ),
            freshness: FreshnessGauges::register(&registry),
            registry,
        };
        for status in [
            "succeeded",
            "unchanged",
            "partial",
            "failed",
            "skipped",
            "cancelled",
        ] {
            metrics.runs.add(&[status], 0.0);
        }
        for outcome in ["succeeded", "failed"] {
            metrics.requests.add(&[outcome], 0.0);
        }
        metrics
    }

    /// Counts one API request (the `sxapi` observer).
    pub fn observe_request(&self, report: &RequestReport) {
        let outcome = if report.succeeded {
            "succeeded"
        } else {
            "failed"
        };
        self.requests.inc(&[outcome]);
        if report.attempt > 1 {
            self.retries.inc(&[]);
        }
        self.request_seconds.observe(report.duration.as_secs_f64());
    }

    /// Counts a run that ended with `status` without publishing anything.
    pub fn count_run(&self, status: &str) {
        self.runs.inc(&[status]);
    }

    /// Counts a published run and its per-entity numbers.
    pub fn record_run(&self, status: &str, entities: &[ExtractRunEntity]) {
        self.count_run(status);
        for entity in entities {
            for (kind, count) in [
                ("fetched", entity.fetched),
                ("loaded", entity.loaded),
                ("rejected", entity.rejected),
            ] {
                self.records.set(&[&entity.entity, kind], f64::from(count));
            }
            self.rejected.add(&[], f64::from(entity.rejected));
        }
    }

    /// Sets the unavailable gauge of every extracted entity: 1 for those in `unavailable`.
    pub fn record_unavailable(
        &self,
        entities: &[Entity],
        unavailable: &std::collections::BTreeSet<String>,
    ) {
        for entity in entities {
            let flag = unavailable.contains(entity.as_str());
            self.unavailable
                .set(&[entity.as_str()], f64::from(u8::from(flag)));
        }
    }

    /// `/metrics` and `/healthz`; the freshness gauges are read from `database` at scrape.
    fn router(&self, database: Gate, stale_after: Duration) -> axum::Router {
        let gauges = self.freshness.clone();
        service::http::operator_routes(self.registry.clone(), move || {
            let facts = database.run(|conn| repository::read::extract_freshness(conn));
            let freshness = facts.map(|facts| Freshness::from_facts(facts, stale_after));
            gauges.update(freshness.ok().as_ref());
        })
    }
}

/// The extractor's HTTP side, on `extractor.metrics_listen`, with its own pool (of the
/// extractor's role, which may read `staging.extract_run`) so a scrape never waits for the
/// connections a run holds, behind a [`Gate`] so it never waits for a database that is down.
pub fn http(config: &Config, metrics: &Metrics) -> anyhow::Result<Option<Http>> {
    let Some(listen) = config.extractor.metrics_listen.address() else {
        return Ok(None);
    };
    let database = Gate::new(&config.database_settings(Some(Extractor::DATABASE_ROLE)))?;
    Ok(Some(Http {
        listen,
        router: metrics.router(database, config.stale_after()),
    }))
}
