#![doc = include_str!("../README.md")]
//!
//! Layout: [`source`] pulls from the API into temporary spool files, [`transform`] validates
//! and converts the spooled records page by page while [`sink`] publishes them in one
//! transaction; [`Extractor`] runs the three as a [`service::Job`].

pub mod metrics;
pub mod progress;
pub mod sink;
pub mod source;
pub mod transform;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use std::collections::BTreeSet;

use cancel::CancelToken;
use db_models::entity::Entity;
use db_models::models::{EntityStatus, ExtractRunEntity, RunStatus};
use repository::error::one_line;
use repository::extract_runs::{Claim, UnrecordedChecks};
use repository::Database;
use service::freshness::{Freshness, StaleWatch};
use service::logging::IdleLog;
use service::{Config, Job, Outcome, ServiceArgs};

pub use metrics::Metrics;
use metrics::RunEnd;

/// The extractor service: one run per timer tick.
pub struct Extractor {
    client: sxapi::Client,
    database: Database,
    metrics: Metrics,
    stale_after: Duration,
    stale: StaleWatch,
    /// `Config::heartbeat_interval`: how often an unchanged upstream is written down.
    heartbeat: Duration,
    /// Unchanged checks not written yet: an idle tick writes nothing until the heartbeat is
    /// due (see `repository::extract_runs::claim`).
    unrecorded: UnrecordedChecks,
    /// Checks that found the upstream unchanged: DEBUG lines, summed up hourly.
    idle: IdleLog,
    /// `extractor.entities`, in the order a run asks for them (see [`fetch_order`]).
    entities: Vec<Entity>,
    /// `extractor.required`: the entities whose unavailability upstream faults a run.
    required: Vec<Entity>,
    /// `extractor.shrink_guard`, and the shrinks accepted (`--accept-shrink`).
    shrink_guard: transform::ShrinkGuard,
    /// The entities the last run found unavailable upstream (`None` before the first run that
    /// loaded): the warning comes again only when this set changes.
    unavailable: Option<BTreeSet<String>>,
    /// `extractor.progress_interval`: how often a long fetch says how far it got.
    progress_interval: Duration,
    /// `extractor.retry_failed_after`, and the runs that failed in a row: the next run after
    /// a failure comes sooner than the timer.
    retry_failed_after: Duration,
    failed_in_a_row: u32,
}

/// The whole `extractor` binary: the job on its timer, `/metrics` and `/healthz` beside it,
/// sharing one set of metrics; `accept_shrink`: see [`Extractor::accepting_shrink`].
pub fn run(args: ServiceArgs, accept_shrink: Vec<String>) -> ExitCode {
    let metrics = Metrics::new();
    let served = metrics.clone();
    service::run_service(
        "extractor",
        args,
        |config| config.extractor.interval,
        move |config| metrics::http(config, &served),
        move |config, database| {
            Ok(
                Extractor::with_metrics(config, database, metrics)?
                    .accepting_shrink(&accept_shrink),
            )
        },
    )
}

impl Extractor {
    /// Builds the API client from the config. The database is already reachable and migrated.
    pub fn new(config: &Config, database: Database) -> anyhow::Result<Extractor> {
        Extractor::with_metrics(config, database, Metrics::new())
    }

    /// The same, counting into `metrics` (shared with the HTTP side).
    pub fn with_metrics(
        config: &Config,
        database: Database,
        metrics: Metrics,
    ) -> anyhow::Result<Extractor> {
        source::warn_if_insecure(&config.api.url);
        let observed = metrics.clone();
        Ok(Extractor {
            client: sxapi::Client::new(config.client_settings())
                .with_observer(move |report| observed.observe_request(report)),
            database,
            metrics,
            stale_after: config.stale_after(),
            stale: StaleWatch::default(),
            heartbeat: config.heartbeat_interval(),
            unrecorded: UnrecordedChecks::default(),
            idle: IdleLog::new(config.extractor.interval),
            entities: fetch_order(&config.extractor.entities, &config.extractor.required),
            required: parsed(&config.extractor.required),
            shrink_guard: transform::ShrinkGuard {
                share: config.extractor.shrink_guard,
                accepted: Vec::new(),
            },
            unavailable: None,
            progress_interval: config.extractor.progress_interval,
            retry_failed_after: config.extractor.retry_failed_after,
            failed_in_a_row: 0,
        })
    }

    /// Applies the fetch of `entities` even where it shrank far below what staging holds
    /// (`--accept-shrink`), for every run of this extractor.
    pub fn accepting_shrink(mut self, entities: &[String]) -> Extractor {
        self.shrink_guard.accepted = entities.to_vec();
        self
    }

    /// After a run that loaded: one warning when the set of entities the upstream cannot serve
    /// changed (the first run counts as a change), a note when some came back; otherwise
    /// nothing beyond the run's own line. The gauges follow every run.
    fn report_unavailable(&mut self, entities: &[ExtractRunEntity]) {
        let now: BTreeSet<String> = entities
            .iter()
            .filter(|e| e.status == EntityStatus::Unavailable)
            .map(|e| e.entity.clone())
            .collect();
        self.metrics.record_unavailable(&self.entities, &now);
        let before = self.unavailable.replace(now.clone()).unwrap_or_default();
        let listed = now.iter().cloned().collect::<Vec<_>>().join(", ");
        if now.difference(&before).next().is_some() {
            log::warn!(
                "The API cannot serve {} of the {} entities extracted: {listed}. They keep their staging rows and load once the API serves them again (details: staging.extract_run_entity).",
                now.len(),
                self.entities.len()
            );
        } else if before != now {
            let back: Vec<String> = before.difference(&now).cloned().collect();
            log::info!(
                "The API serves {} again and it loaded; still unavailable: {}.",
                back.join(", "),
                if listed.is_empty() { "none" } else { &listed }
            );
        }
    }

    /// After a run: a warning when staging has gone stale (once, until it is fresh again).
    fn check_freshness(&mut self) {
        match Freshness::read(&self.database, self.stale_after) {
            Ok(freshness) => self.stale.observe(&freshness),
            Err(error) => log::warn!("Cannot check the freshness of staging: {error}"),
        }
    }
}

impl Job for Extractor {
    const DATABASE_ROLE: &'static str = "greenadam_extractor";

    fn run(&mut self, cancel: &CancelToken) -> Outcome {
        let outcome = match self.extract(cancel) {
            Extracted::Unchanged => {
                self.stale.observe_current();
                Outcome::Succeeded
            }
            Extracted::Ran(outcome) => {
                if !cancel.is_cancelled() {
                    self.check_freshness();
                }
                outcome
            }
        };
        self.failed_in_a_row = match outcome {
            Outcome::Failed => self.failed_in_a_row + 1,
            _ => 0,
        };
        outcome
    }

    fn requested(&mut self) {
        self.idle.requested();
    }

    /// After failures: `retry_failed_after`, doubled per failure in a row, up to the timer.
    fn next_run_in(&self, interval: Duration) -> Duration {
        match self.failed_in_a_row {
            0 => interval,
            n => self
                .retry_failed_after
                .saturating_mul(1 << (n - 1).min(20))
                .min(interval),
        }
    }
}

/// Each entity's record count in its last successful fetch, for the progress estimates;
/// none when the database cannot tell (the progress line goes without).
fn last_fetched(database: &Database) -> std::collections::HashMap<String, i64> {
    let counts = database
        .connection()
        .and_then(|mut conn| repository::extract_runs::last_fetched(&mut conn));
    counts.unwrap_or_else(|error| {
        log::debug!("No progress estimates: {error}");
        Default::default()
    })
}

/// The entities `names` lists, in that order (the config was validated: each is one's name).
fn parsed(names: &[String]) -> Vec<Entity> {
    names.iter().filter_map(|name| name.parse().ok()).collect()
}

/// The entities of `listed` in the order a run asks for them: the `required` ones first, as
/// listed (a run cannot do without them, and an unreachable host is reported on the first),
/// then the others in load order.
fn fetch_order(listed: &[String], required: &[String]) -> Vec<Entity> {
    let listed = parsed(listed);
    let mut order: Vec<Entity> = Vec::new();
    for entity in parsed(required).iter().chain(Entity::ALL) {
        if listed.contains(entity) && !order.contains(entity) {
            order.push(*entity);
        }
    }
    order
}

/// How one run ended.
enum Extracted {
    /// The upstream served what staging holds: nothing written but, when due, the heartbeat.
    Unchanged,
    /// Anything else: skipped, failed, or a run that opened a row and published.
    Ran(Outcome),
}

impl Extractor {
    /// One run: fetch, then lock and compare in one statement; either nothing changed (the
    /// check recorded when the heartbeat is due) or transform and publish under the lock;
    /// counted in the metrics.
    fn extract(&mut self, cancel: &CancelToken) -> Extracted {
        let started = Instant::now();
        let database = self.database.clone();
        let mut progress = progress::Progress::new(
            self.progress_interval,
            Box::new(move || last_fetched(&database)),
        );
        let fetched = source::fetch_all(&self.client, &self.entities, cancel, &mut progress);
        // Only a complete fetch can show that nothing changed; any other run loads what it got
        // (or, cancelled, records that it stopped).
        let fingerprints = if cancel.is_cancelled() {
            None
        } else {
            fetched.complete_fingerprints(&self.entities, &self.required)
        };
        // The lock is taken after the fetch, in the statement that compares: an idle tick is
        // one round trip. Held until the end of a load: a second extractor skips instead of
        // racing this one.
        let claimed = sink::claim(
            &self.database,
            fingerprints.as_deref(),
            self.heartbeat,
            &mut self.unrecorded,
        );
        let mut lock = match claimed {
            Ok(Claim::Load(lock)) => lock,
            Ok(Claim::Unchanged {
                loaded_by,
                recorded,
            }) => {
                // Expected of a frozen upstream: information, not a warning.
                let written = if recorded {
                    format!(
                        "the check recorded (heartbeat every {})",
                        humantime::format_duration(self.heartbeat)
                    )
                } else {
                    format!(
                        "nothing written ({} check(s) since the last recorded one)",
                        self.unrecorded.count
                    )
                };
                let line = self.idle.idle();
                log::log!(
                    line.level,
                    "The source has no new data (checked in {:.2}s): staging is as extract run {loaded_by} loaded it; {written}{line}.",
                    started.elapsed().as_secs_f64()
                );
                self.metrics.count_run(RunEnd::Unchanged);
                return Extracted::Unchanged;
            }
            Ok(Claim::Busy) => {
                log::info!("Another extractor is running; skipping this run.");
                self.metrics.count_run(RunEnd::Skipped);
                return Extracted::Ran(Outcome::Succeeded);
            }
            Err(error) => {
                log::error!("Extract run could not start: {error:#}");
                self.metrics.count_run(RunStatus::Failed);
                return Extracted::Ran(Outcome::Failed);
            }
        };
        let run_id = match sink::open_run(&mut lock, started.elapsed()) {
            Ok(run_id) => run_id,
            Err(error) => {
                log::error!("Extract run could not start: {error:#}");
                self.metrics.count_run(RunStatus::Failed);
                return Extracted::Ran(Outcome::Failed);
            }
        };
        if cancel.is_cancelled() {
            let cancelled = RunStatus::Cancelled;
            sink::record_failure(
                &self.database,
                run_id,
                cancelled,
                "stopped by a shutdown signal",
                &[],
            );
            // An ordinary stop (a restart, a deploy), not a failure.
            log::info!(run_id; "Extract run {run_id} cancelled by a shutdown signal; staging untouched.");
            self.metrics.count_run(cancelled);
            return Extracted::Ran(Outcome::Cancelled);
        }
        let mut entities = transform::reports(run_id, &fetched);
        let guard = &self.shrink_guard;
        let published = sink::publish(
            &self.database,
            run_id,
            &mut entities,
            &self.required,
            |staging| transform::load(staging, run_id, fetched, guard),
        );
        match published {
            Ok(published) => {
                // Failures loud: a failed run is an error, a partial one a warning.
                let level = match published.status {
                    RunStatus::Succeeded | RunStatus::Cancelled => log::Level::Info,
                    RunStatus::Partial => log::Level::Warn,
                    RunStatus::Failed | RunStatus::Running => log::Level::Error,
                };
                self.idle.worked();
                log::log!(
                    level,
                    run_id;
                    "Extract run {run_id} {} in {:.2}s: {}; {} staging rows changed; {}.",
                    published.status.as_str(),
                    started.elapsed().as_secs_f64(),
                    transform::summary(&entities, &self.required),
                    published.rows_changed,
                    transform::unresolved(&published.references),
                );
                self.metrics.record_run(published.status, &entities);
                self.report_unavailable(&entities);
                Extracted::Ran(sink::outcome(published.status))
            }
            Err(error) => {
                log::error!(
                    run_id;
                    "Extract run {run_id} failed after {:.2}s while writing staging (nothing written): {}",
                    started.elapsed().as_secs_f64(),
                    one_line(&format!("{error:#}"))
                );
                self.metrics.count_run(RunStatus::Failed);
                Extracted::Ran(Outcome::Failed)
            }
        }
    }
}
