#![doc = include_str!("../README.md")]
//!
//! Layout: [`Martmaker`] is the timer job; [`api`] the HTTP side (read API, health);
//! [`dashboard`] the page at `/`; [`metrics`] what both count.

pub mod api;
pub mod dashboard;
pub mod metrics;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use cancel::CancelToken;
use repository::marts::{self, BuildSettings, Refresh};
use repository::{read, Database};
use service::freshness::{Freshness, StaleWatch};
use service::logging::IdleLog;
use service::{Config, Job, Outcome, ServiceArgs};

use metrics::BuildStatus;
pub use metrics::Metrics;

/// The martmaker service: one refresh per timer tick.
pub struct Martmaker {
    database: Database,
    metrics: Metrics,
    settings: BuildSettings,
    stale_after: Duration,
    stale: StaleWatch,
    /// Ticks that found the marts up to date: DEBUG lines, summed up hourly.
    idle: IdleLog,
    /// Whether "waiting for the first extraction" was logged (once per process).
    awaiting_logged: bool,
    /// Whether the last tick found no extraction that loaded yet.
    awaiting_data: bool,
    /// `--full-refresh`: the next build is a full one, even if staging has not changed.
    full_refresh: bool,
}

/// The whole `martmaker` binary: the job on its timer, the read API and health endpoints
/// beside it, sharing one set of metrics; `full_refresh`: see [`Martmaker::full_refresh`].
pub fn run(args: ServiceArgs, full_refresh: bool) -> ExitCode {
    let metrics = Metrics::new();
    let served = metrics.clone();
    service::run_service(
        "martmaker",
        args,
        |config| config.martmaker.interval,
        move |config| api::http(config, &served),
        move |config, database| {
            Ok(Martmaker::with_metrics(config, database, metrics).full_refresh(full_refresh))
        },
    )
}

impl Martmaker {
    /// The database is already reachable and migrated.
    pub fn new(config: &Config, database: Database) -> anyhow::Result<Martmaker> {
        Ok(Martmaker::with_metrics(config, database, Metrics::new()))
    }

    /// The same, counting into `metrics` (shared with the HTTP side).
    pub fn with_metrics(config: &Config, database: Database, metrics: Metrics) -> Martmaker {
        Martmaker {
            database,
            metrics,
            settings: config.build_settings(),
            stale_after: config.stale_after(),
            stale: StaleWatch::default(),
            idle: IdleLog::new(config.martmaker.interval),
            awaiting_logged: false,
            awaiting_data: false,
            full_refresh: false,
        }
    }

    /// With `true`, the first build is a full one even if staging has not changed since the
    /// last build (`--full-refresh`); later ones are as usual.
    pub fn full_refresh(mut self, full_refresh: bool) -> Martmaker {
        self.full_refresh = full_refresh;
        self
    }

    /// One refresh of the publication marts.
    pub fn refresh(&self) -> repository::Result<Refresh> {
        let mut conn = self.database.connection()?;
        marts::refresh_publication(&mut conn, &self.settings)
    }
}

impl Job for Martmaker {
    const DATABASE_ROLE: &'static str = "greenadam_martmaker";

    fn run(&mut self, cancel: &CancelToken) -> Outcome {
        if cancel.is_cancelled() {
            return Outcome::Failed;
        }
        let (status, outcome) = self.refresh_and_log();
        self.metrics.count_build(status);
        self.awaiting_data = status == BuildStatus::Waiting;
        outcome
    }

    fn requested(&mut self) {
        self.idle.requested();
    }

    /// Until the first extraction has loaded, look again every [`AWAITING_DATA_POLL`].
    fn next_run_in(&self, interval: Duration) -> Duration {
        match self.awaiting_data {
            true => interval.min(AWAITING_DATA_POLL),
            false => interval,
        }
    }
}

/// While no extraction has loaded, the martmaker looks again this often rather than once per
/// interval (one cheap statement each time), so that the first marts follow the first
/// extraction within seconds.
const AWAITING_DATA_POLL: Duration = Duration::from_secs(5);

impl Martmaker {
    /// A timer tick's refresh, on one connection: staging's freshness and "changed since the
    /// last build?" in one statement (an idle tick's only one), then the refresh only when
    /// there is something to build (it asks again, under its own rules, before building).
    fn tick(&mut self) -> repository::Result<Refresh> {
        let mut conn = self.database.connection()?;
        let tick = read::mart_tick(&mut conn, marts::PUBLICATION_MART)?;
        if !tick.launches_loaded {
            // Nothing to be stale yet: the "waiting" line says what there is to say. The
            // first build will be a full one anyway.
            self.full_refresh = false;
            return Ok(Refresh::AwaitingData);
        }
        // The marts are only as fresh as staging: say so (once) when it has gone stale.
        self.stale
            .observe(&Freshness::from_facts(tick.freshness, self.stale_after));
        if self.full_refresh {
            let refresh = marts::full_refresh_publication(&mut conn, &self.settings)?;
            // Another martmaker building right now: ask again next tick.
            self.full_refresh = refresh == Refresh::Busy;
            return Ok(refresh);
        }
        if tick.up_to_date {
            return Ok(Refresh::Unchanged {
                source_run_id: tick.staging_change,
            });
        }
        marts::refresh_publication(&mut conn, &self.settings)
    }

    /// One tick's refresh, logged; how it ended for the metrics and for the runner.
    fn refresh_and_log(&mut self) -> (BuildStatus, Outcome) {
        let started = Instant::now();
        let requested_full = self.full_refresh;
        let seconds = || started.elapsed().as_secs_f64();
        match self.tick() {
            Ok(Refresh::Unchanged { source_run_id }) => {
                let line = self.idle.idle();
                log::log!(
                    line.level,
                    "Marts unchanged: staging has not changed since extract run {} ({:.3}s){line}.",
                    source_run_id.map_or("none".into(), |id| id.to_string()),
                    seconds()
                );
                (BuildStatus::Unchanged, Outcome::Succeeded)
            }
            Ok(Refresh::AwaitingData) => {
                let level = if self.awaiting_logged {
                    log::Level::Debug
                } else {
                    log::Level::Info
                };
                self.awaiting_logged = true;
                log::log!(
                    level,
                    "No marts yet: waiting for the first extraction that loads the launches; nothing is published until then ({:.3}s).",
                    seconds()
                );
                (BuildStatus::Waiting, Outcome::Succeeded)
            }
            Ok(Refresh::Busy) => {
                log::info!("Marts not rebuilt: another martmaker is building them right now.");
                (BuildStatus::Busy, Outcome::Succeeded)
            }
            Ok(Refresh::Built {
                build_id,
                source_run_id,
                mode,
                launches_recounted,
                publication_rows,
                object_rows,
                warnings,
            }) => {
                self.idle.worked();
                let warnings: Vec<String> = warnings
                    .iter()
                    .map(|check| format!("{} {}", check.check_name, check.observed))
                    .collect();
                let warnings = match warnings.is_empty() {
                    true => String::new(),
                    false => format!("; warn checks: {}", warnings.join(", ")),
                };
                log::info!(
                    build_id;
                    "Mart build {build_id} ({}{}, {launches_recounted} launches recounted) published in {:.3}s from extract run {}: {publication_rows} publication rows, {object_rows} publication_by_object rows{warnings}.",
                    mode.as_str(),
                    if requested_full { " by --full-refresh" } else { "" },
                    seconds(),
                    source_run_id.map_or("none".into(), |id| id.to_string()),
                );
                (BuildStatus::Succeeded, Outcome::Succeeded)
            }
            Ok(Refresh::Failed { build_id, error }) => {
                log::error!(
                    build_id;
                    "Mart build {build_id} failed after {:.3}s; the previous marts stay published: {error}",
                    seconds()
                );
                (BuildStatus::Failed, Outcome::Failed)
            }
            Err(error) => {
                log::error!(
                    "Mart refresh failed after {:.3}s; the previous marts stay published: {error:#}",
                    seconds()
                );
                (BuildStatus::Failed, Outcome::Failed)
            }
        }
    }
}
