#![doc = include_str!("../README.md")]

use std::time::Instant;

use repository::marts::{self, Refresh};
use repository::Database;
use service::{Config, Job, Outcome};
use sxapi::CancelToken;

/// The martmaker service: one refresh per timer tick.
pub struct Martmaker {
    database: Database,
}

impl Martmaker {
    /// The database is already reachable and migrated.
    pub fn new(_config: &Config, database: Database) -> anyhow::Result<Martmaker> {
        Ok(Martmaker { database })
    }

    /// One refresh of the publication marts.
    pub fn refresh(&self) -> repository::Result<Refresh> {
        let mut conn = self.database.connection()?;
        marts::refresh_publication(&mut conn)
    }
}

impl Job for Martmaker {
    const DATABASE_ROLE: &'static str = "greenadam_martmaker";

    fn run(&mut self, cancel: &CancelToken) -> Outcome {
        if cancel.is_cancelled() {
            return Outcome::Failed;
        }
        let started = Instant::now();
        let seconds = || started.elapsed().as_secs_f64();
        match self.refresh() {
            Ok(Refresh::Unchanged { source_run_id }) => {
                log::info!(
                    "Marts unchanged: staging has not changed since extract run {} ({:.3}s).",
                    source_run_id.map_or("none".into(), |id| id.to_string()),
                    seconds()
                );
                Outcome::Succeeded
            }
            Ok(Refresh::Busy) => {
                log::info!("Marts not rebuilt: another martmaker is building them right now.");
                Outcome::Succeeded
            }
            Ok(Refresh::Built {
                build_id,
                source_run_id,
                publication_rows,
                object_rows,
            }) => {
                log::info!(
                    "Mart build {build_id} published in {:.3}s from extract run {}: {publication_rows} publication rows, {object_rows} publication_by_object rows.",
                    seconds(),
                    source_run_id.map_or("none".into(), |id| id.to_string()),
                );
                Outcome::Succeeded
            }
            Ok(Refresh::Failed { build_id, error }) => {
                log::error!(
                    "Mart build {build_id} failed after {:.3}s; the previous marts stay published: {error}",
                    seconds()
                );
                Outcome::Failed
            }
            Err(error) => {
                log::error!(
                    "Mart refresh failed after {:.3}s; the previous marts stay published: {error:#}",
                    seconds()
                );
                Outcome::Failed
            }
        }
    }
}
