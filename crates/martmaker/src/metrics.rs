//! The martmaker's Prometheus metrics.
use std::sync::Arc;

use chrono::{DateTime, Utc};
use db_models::models::CheckSeverity;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use service::freshness::{timestamp_seconds, FreshnessGauges};
use service::metrics::{at_zero, register, Label, OptionalGauge};
use strum::VariantArray;

use crate::api::Status;

/// Everything the martmaker counts; cheap to clone (the series are shared).
#[derive(Clone)]
pub struct Metrics {
    pub(crate) registry: Arc<Registry>,
    builds: Family<BuildLabels, Counter>,
    last_build: OptionalGauge,
    mart_age: OptionalGauge,
    failing_checks: Family<SeverityLabels, Gauge>,
    freshness: FreshnessGauges,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// How a timer tick ended, as counted in `greenadam_mart_builds_total` (its `status` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum BuildStatus {
    /// New marts published.
    Succeeded,
    /// The build, its checks, or the database failed.
    Failed,
    /// Staging had not changed: nothing written.
    Unchanged,
    /// Another martmaker was building.
    Busy,
    /// No extraction has loaded the launches yet: nothing built.
    Waiting,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct BuildLabels {
    status: Label<BuildStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct SeverityLabels {
    severity: Label<CheckSeverity>,
}

impl Metrics {
    /// Registers every series, at zero.
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let metrics = Metrics {
            builds: register(
                &mut registry,
                "greenadam_mart_builds",
                "Martmaker ticks by outcome (unchanged: staging had not changed, nothing written; waiting: no extraction has loaded the launches yet, nothing built)",
                Family::default(),
            ),
            last_build: register(
                &mut registry,
                "greenadam_last_successful_build_timestamp_seconds",
                "Unix time at which the last successful mart build finished",
                OptionalGauge::default(),
            ),
            mart_age: register(
                &mut registry,
                "greenadam_mart_age_seconds",
                "Seconds since the published marts were built (at scrape time)",
                OptionalGauge::default(),
            ),
            failing_checks: register(
                &mut registry,
                "greenadam_mart_checks_failing",
                "Data-quality checks of the latest finished mart build that did not pass, by severity (error: the build was rolled back; warn: it was published anyway); see marts.check_result",
                Family::default(),
            ),
            freshness: FreshnessGauges::register(&mut registry),
            registry: Arc::new(registry),
        };
        at_zero(&metrics.builds, BuildStatus::VARIANTS, |status| {
            BuildLabels { status }
        });
        metrics
    }

    /// Counts one tick.
    pub fn count_build(&self, status: BuildStatus) {
        self.builds
            .get_or_create(&BuildLabels {
                status: Label(status),
            })
            .inc();
    }

    /// Sets the gauges computed at scrape time (`None`: the database could not be read).
    pub(crate) fn update(&self, status: Option<&Status>) {
        self.freshness.update(status.map(|s| &s.freshness));
        let seconds = |time: Option<DateTime<Utc>>| time.map(timestamp_seconds);
        self.last_build.set(seconds(
            status.and_then(|s| s.last_build.as_ref()?.finished_at),
        ));
        self.mart_age.set(status.and_then(|s| {
            let built = seconds(s.published.map(|p| p.built_at))?;
            Some((timestamp_seconds(s.freshness.now) - built).max(0.0))
        }));
        for severity in CheckSeverity::all() {
            let labels = SeverityLabels {
                severity: Label(severity),
            };
            let Some(status) = status else {
                self.failing_checks.remove(&labels);
                continue;
            };
            let failing = status.latest_checks.as_ref().map_or(0, |latest| {
                latest
                    .checks
                    .iter()
                    .filter(|c| c.severity == severity && c.failing())
                    .count()
            });
            self.failing_checks
                .get_or_create(&labels)
                .set(i64::try_from(failing).unwrap_or(i64::MAX));
        }
    }
}
