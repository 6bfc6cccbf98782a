#![doc = include_str!("../README.md")]
//!
//! Layout: [`source`] pulls from the API, [`transform`] validates and converts, [`sink`]
//! publishes; [`Extractor`] runs the three as a [`service::Job`].

pub mod sink;
pub mod source;
pub mod transform;

use std::time::Instant;

use repository::Database;
use service::{Config, Job, Outcome};
use sxapi::CancelToken;

/// The extractor service: one run per timer tick.
pub struct Extractor {
    client: sxapi::Client,
    database: Database,
}

impl Extractor {
    /// Builds the API client from the config. The database is already reachable and migrated.
    pub fn new(config: &Config, database: Database) -> anyhow::Result<Extractor> {
        source::warn_if_insecure(&config.api.url);
        Ok(Extractor {
            client: sxapi::Client::new(config.client_settings()),
            database,
        })
    }
}

impl Job for Extractor {
    const DATABASE_ROLE: &'static str = "greenadam_extractor";

    fn run(&mut self, cancel: &CancelToken) -> Outcome {
        let started = Instant::now();
        // Held until the end of the run: a second extractor skips instead of racing this one.
        let (_lock, run_id) = match sink::lock_and_open_run(&self.database) {
            Ok(Some(locked)) => locked,
            Ok(None) => {
                log::info!("Another extractor is running; skipping this run.");
                return Outcome::Succeeded;
            }
            Err(error) => {
                log::error!("Extract run could not start: {error:#}");
                return Outcome::Failed;
            }
        };
        let fetched = source::fetch_all(&self.client, cancel);
        if cancel.is_cancelled() {
            sink::record_failure(&self.database, run_id, "stopped by a shutdown signal", &[]);
            log::warn!("Extract run {run_id} stopped by a shutdown signal; staging untouched.");
            return Outcome::Failed;
        }
        let snapshot = transform::snapshot(run_id, fetched);
        let summary = transform::summary(&snapshot);
        match sink::publish(&self.database, run_id, snapshot) {
            Ok(published) => {
                log::info!(
                    "Extract run {run_id} {} in {:.2}s: {summary}; {} staging rows changed.",
                    published.status.as_str(),
                    started.elapsed().as_secs_f64(),
                    published.rows_changed,
                );
                sink::outcome(published.status)
            }
            Err(error) => {
                log::error!(
                    "Extract run {run_id} failed after {:.2}s while writing staging (nothing written): {error:#}",
                    started.elapsed().as_secs_f64()
                );
                Outcome::Failed
            }
        }
    }
}
