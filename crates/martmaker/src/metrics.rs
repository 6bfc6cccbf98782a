//! The martmaker's Prometheus metrics.
use chrono::{DateTime, Utc};
use db_models::models::CheckSeverity;
use service::freshness::{timestamp_seconds, FreshnessGauges};
use service::metrics::{Counter, Gauge, Registry};

use crate::api::Status;

/// Everything the martmaker counts; cheap to clone (the series are shared).
#[derive(Clone)]
pub struct Metrics {
    pub(crate) registry: Registry,
    builds: Counter,
    last_build: Gauge,
    mart_age: Gauge,
    failing_checks: Gauge,
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

impl Metrics {
    /// Registers every series, at zero.
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let metrics = Metrics {
            builds: registry.counter(
                "greenadam_mart_builds_total",
                "Martmaker ticks by outcome (unchanged: staging had not changed, nothing written; waiting: no extraction has loaded the launches yet, nothing built).",
                &["status"],
            ),
            last_build: registry.gauge(
                "greenadam_last_successful_build_timestamp_seconds",
                "Unix time at which the last successful mart build finished.",
                &[],
            ),
            mart_age: registry.gauge(
                "greenadam_mart_age_seconds",
                "Seconds since the published marts were built (at scrape time).",
                &[],
            ),
            failing_checks: registry.gauge(
                "greenadam_mart_checks_failing",
                "Data-quality checks of the latest finished mart build that did not pass, by severity (error: the build was rolled back; warn: it was published anyway); see marts.check_result.",
                &["severity"],
            ),
            freshness: FreshnessGauges::register(&registry),
            registry,
        };
        for status in <BuildStatus as strum::VariantArray>::VARIANTS {
            metrics.builds.add(&[status.into()], 0.0);
        }
        metrics
    }

    /// Counts one tick.
    pub fn count_build(&self, status: BuildStatus) {
        self.builds.inc(&[status.into()]);
    }

    /// Sets the gauges computed at scrape time (`None`: the database could not be read).
    pub(crate) fn update(&self, status: Option<&Status>) {
        self.freshness.update(status.map(|s| &s.freshness));
        let seconds = |time: Option<DateTime<Utc>>| time.map(timestamp_seconds);
        self.last_build.set_or_clear(
            &[],
            seconds(status.and_then(|s| s.last_build.as_ref()?.finished_at)),
        );
        self.mart_age.set_or_clear(
            &[],
            status.and_then(|s| {
                let built = seconds(s.published.map(|p| p.built_at))?;
                Some((timestamp_seconds(s.freshness.now) - built).max(0.0))
            }),
        );
        for severity in CheckSeverity::all() {
            let failing = status.map(|s| {
                s.latest_checks.as_ref().map_or(0, |latest| {
                    latest
                        .checks
                        .iter()
                        .filter(|c| c.severity == severity && c.failing())
                        .count()
                }) as f64
            });
            self.failing_checks
                .set_or_clear(&[severity.as_str()], failing);
        }
    }
}
