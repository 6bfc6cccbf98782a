//! The extractor's Prometheus metrics and its HTTP side (`/metrics`, `/healthz`).
use std::time::Duration;

use std::collections::BTreeSet;
use std::sync::Arc;

use db_models::entity::Entity;
use db_models::models::{ExtractRunEntity, RunStatus};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use service::freshness::{Freshness, FreshnessGauges};
use service::http::Gate;
use service::metrics::{at_zero, register, Label};
use service::{Config, Http, Job};
use strum::VariantArray;
use sxapi::RequestReport;

use crate::Extractor;

/// Upper bounds of the request duration buckets, in seconds: a page of the GraphQL API takes
/// from tens of milliseconds (local) to tens of seconds (slow upstream, `request_timeout` 2m).
const REQUEST_SECONDS_BUCKETS: [f64; 10] = [0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// How a run ended, as counted in `greenadam_extract_runs_total` (its `status` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum RunEnd {
    /// Every entity loaded.
    Succeeded,
    /// The upstream served what staging was loaded from: nothing written.
    Unchanged,
    /// An entity failed, was withheld or is required and unavailable.
    Partial,
    /// Nothing written.
    Failed,
    /// Another extractor was running.
    Skipped,
    /// Stopped by a shutdown signal.
    Cancelled,
}

impl From<RunStatus> for RunEnd {
    fn from(status: RunStatus) -> RunEnd {
        match status {
            RunStatus::Succeeded => RunEnd::Succeeded,
            RunStatus::Partial => RunEnd::Partial,
            RunStatus::Cancelled => RunEnd::Cancelled,
            // A run is never published while still running.
            RunStatus::Failed | RunStatus::Running => RunEnd::Failed,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RunLabels {
    status: Label<RunEnd>,
}

/// Which count of an entity's last run `greenadam_extract_records` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
enum RecordKind {
    Fetched,
    Loaded,
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RecordLabels {
    entity: Label<Entity>,
    kind: Label<RecordKind>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct EntityLabels {
    entity: Label<Entity>,
}

/// How an API request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
enum Outcome {
    Succeeded,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    outcome: Label<Outcome>,
}

/// Everything the extractor counts; cheap to clone (the series are shared).
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    runs: Family<RunLabels, Counter>,
    records: Family<RecordLabels, Gauge>,
    unavailable: Family<EntityLabels, Gauge>,
    rejected: Counter,
    retries: Counter,
    requests: Family<RequestLabels, Counter>,
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
        let mut registry = Registry::default();
        let metrics = Metrics {
            runs: register(
                &mut registry,
                "greenadam_extract_runs",
                "Extract runs by how they ended (unchanged: the upstream served what staging was loaded from, nothing written; skipped: another extractor was running; cancelled: stopped by a shutdown signal)",
                Family::default(),
            ),
            records: register(
                &mut registry,
                "greenadam_extract_records",
                "Records of the last run per entity: fetched = loaded + rejected",
                Family::default(),
            ),
            unavailable: register(
                &mut registry,
                "greenadam_extract_entity_unavailable",
                "1 when the last run that loaded found the entity unavailable upstream (GraphQL errors or records of another shape; its rows kept), else 0",
                Family::default(),
            ),
            rejected: register(
                &mut registry,
                "greenadam_extract_rejected",
                "Records refused into staging.rejected since the start",
                Counter::default(),
            ),
            retries: register(
                &mut registry,
                "greenadam_api_retries",
                "SpaceX API requests that were retries of a failed one",
                Counter::default(),
            ),
            requests: register(
                &mut registry,
                "greenadam_api_requests",
                "SpaceX API requests by outcome (retries included)",
                Family::default(),
            ),
            request_seconds: register(
                &mut registry,
                "greenadam_api_request_duration_seconds",
                "Duration of SpaceX API requests, body included",
                Histogram::new(REQUEST_SECONDS_BUCKETS),
            ),
            freshness: FreshnessGauges::register(&mut registry),
            registry: Arc::new(registry),
        };
        at_zero(&metrics.runs, RunEnd::VARIANTS, |status| RunLabels {
            status,
        });
        at_zero(&metrics.requests, Outcome::VARIANTS, |outcome| {
            RequestLabels { outcome }
        });
        metrics
    }

    /// Counts one API request (the `sxapi` observer).
    pub fn observe_request(&self, report: &RequestReport) {
        let outcome = if report.succeeded {
            Outcome::Succeeded
        } else {
            Outcome::Failed
        };
        self.requests
            .get_or_create(&RequestLabels {
                outcome: Label(outcome),
            })
            .inc();
        if report.attempt > 1 {
            self.retries.inc();
        }
        self.request_seconds.observe(report.duration.as_secs_f64());
    }

    /// Counts a run that ended with `status` without publishing anything.
    pub fn count_run(&self, status: impl Into<RunEnd>) {
        self.runs
            .get_or_create(&RunLabels {
                status: Label(status.into()),
            })
            .inc();
    }

    /// Counts a published run and its per-entity numbers.
    pub fn record_run(&self, status: RunStatus, entities: &[ExtractRunEntity]) {
        self.count_run(status);
        for entity in entities {
            self.rejected
                .inc_by(u64::try_from(entity.rejected).unwrap_or_default());
            // The reports are made from `Entity` names, so every one parses.
            let Ok(name) = entity.entity.parse::<Entity>() else {
                continue;
            };
            for (kind, count) in [
                (RecordKind::Fetched, entity.fetched),
                (RecordKind::Loaded, entity.loaded),
                (RecordKind::Rejected, entity.rejected),
            ] {
                let labels = RecordLabels {
                    entity: Label(name),
                    kind: Label(kind),
                };
                self.records.get_or_create(&labels).set(i64::from(count));
            }
        }
    }

    /// Sets the unavailable gauge of every extracted entity: 1 for those in `unavailable`.
    pub fn record_unavailable(&self, entities: &[Entity], unavailable: &BTreeSet<String>) {
        for entity in entities {
            let flag = unavailable.contains(entity.as_str());
            self.unavailable
                .get_or_create(&EntityLabels {
                    entity: Label(*entity),
                })
                .set(i64::from(flag));
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
