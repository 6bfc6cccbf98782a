//! How fresh staging is: one rule ("no successful extraction for `stale_after_intervals`
//! extractor intervals") for both services' logs, the martmaker's `/readyz` and the
//! `greenadam_staging_stale` metric.
use std::time::Duration;

use chrono::{DateTime, Utc};
use repository::read::{self, LastExtract};
use repository::Database;

use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::metrics::{register, OptionalGauge};

/// What the database says about the last extraction, and the limit it is judged by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Freshness {
    /// The database's clock when this was read.
    pub now: DateTime<Utc>,
    /// The last successful extraction, if there ever was one.
    pub last_extract: Option<LastExtract>,
    /// `Config::stale_after`.
    pub stale_after: Duration,
}

impl Freshness {
    /// Reads the facts (blocking). The role of `database` must be able to read `staging`.
    pub fn read(database: &Database, stale_after: Duration) -> repository::Result<Freshness> {
        let mut conn = database.connection()?;
        let facts = read::extract_freshness(&mut conn)?;
        Ok(Freshness::from_facts(facts, stale_after))
    }

    /// The same from facts already read (the martmaker's tick reads them in one statement with
    /// its own question, `repository::read::mart_tick`).
    pub fn from_facts(facts: read::ExtractFreshness, stale_after: Duration) -> Freshness {
        let read::ExtractFreshness { now, last_extract } = facts;
        Freshness {
            now,
            last_extract,
            stale_after,
        }
    }

    /// Why staging counts as stale, or `None` while it is fresh. Never extracted is stale too:
    /// marts built from an empty staging are not a copy of anything.
    pub fn stale_reason(&self) -> Option<String> {
        let Some(last) = &self.last_extract else {
            return Some("no successful extraction yet".into());
        };
        let age = (self.now - last.current_at).to_std().unwrap_or_default();
        (age > self.stale_after).then(|| {
            format!(
                "no successful extraction for {} (last one finished {}; stale after {})",
                humantime::format_duration(Duration::from_secs(age.as_secs())),
                last.current_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                humantime::format_duration(self.stale_after),
            )
        })
    }
}

/// Logs a warning when staging becomes stale and an info line when it is fresh again, so that
/// a service checking every minute does not repeat the same warning every minute.
#[derive(Debug, Default)]
pub struct StaleWatch {
    stale: bool,
}

impl StaleWatch {
    /// Compares with the previous observation and logs a change.
    pub fn observe(&mut self, freshness: &Freshness) {
        self.set(freshness.stale_reason());
    }

    /// Staging was just confirmed current (an extraction found the upstream unchanged):
    /// fresh, without asking the database.
    pub fn observe_current(&mut self) {
        self.set(None);
    }

    fn set(&mut self, stale_reason: Option<String>) {
        match stale_reason {
            Some(reason) if !self.stale => {
                log::warn!("Staging is stale: {reason}. The marts keep serving the last copy.");
                self.stale = true;
            }
            None if self.stale => {
                log::info!("Staging is fresh again.");
                self.stale = false;
            }
            _ => {}
        }
    }
}

/// The gauges both services compute from the database at scrape time.
#[derive(Clone)]
pub struct FreshnessGauges {
    database_up: Gauge,
    last_extract: OptionalGauge,
    stale: OptionalGauge<i64>,
}

impl FreshnessGauges {
    /// Registers `greenadam_database_up`, `greenadam_last_successful_extract_timestamp_seconds`
    /// and `greenadam_staging_stale`.
    pub fn register(registry: &mut Registry) -> FreshnessGauges {
        FreshnessGauges {
            database_up: register(
                registry,
                "greenadam_database_up",
                "1 when the last scrape could read the database, else 0",
                Gauge::default(),
            ),
            last_extract: register(
                registry,
                "greenadam_last_successful_extract_timestamp_seconds",
                "Unix time at which the last successful extract run finished",
                OptionalGauge::default(),
            ),
            stale: register(
                registry,
                "greenadam_staging_stale",
                "1 when no extraction loaded the launches for extractor.stale_after_intervals intervals",
                OptionalGauge::default(),
            ),
        }
    }

    /// Sets the gauges; the values the database could not tell are left out of the scrape.
    pub fn update(&self, freshness: Option<&Freshness>) {
        self.database_up.set(i64::from(freshness.is_some()));
        let last = freshness.and_then(|f| f.last_extract.as_ref());
        self.last_extract
            .set(last.map(|l| timestamp_seconds(l.current_at)));
        self.stale
            .set(freshness.map(|f| i64::from(f.stale_reason().is_some())));
    }
}

/// Unix time in seconds, with the fraction Prometheus timestamps gauges usually carry.
pub fn timestamp_seconds(time: DateTime<Utc>) -> f64 {
    time.timestamp_micros() as f64 / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::render;

    fn freshness(minutes_ago: Option<i64>) -> Freshness {
        let now = DateTime::from_timestamp(1_800_000_000, 0).expect("valid time");
        Freshness {
            now,
            last_extract: minutes_ago.map(|m| LastExtract {
                current_at: now - chrono::Duration::minutes(m),
                rows_changed: 0,
            }),
            stale_after: Duration::from_secs(3 * 3600),
        }
    }

    #[test]
    fn stale_after_the_limit_or_when_never_extracted() {
        assert_eq!(freshness(Some(179)).stale_reason(), None);
        assert_eq!(freshness(Some(180)).stale_reason(), None);
        let reason = freshness(Some(181)).stale_reason().expect("stale");
        assert!(reason.contains("3h 1m"), "{reason}");
        assert!(reason.contains("stale after 3h"), "{reason}");
        assert_eq!(
            freshness(None).stale_reason().as_deref(),
            Some("no successful extraction yet")
        );
    }

    #[test]
    fn gauges_follow_the_database() {
        let mut registry = Registry::default();
        let gauges = FreshnessGauges::register(&mut registry);
        gauges.update(Some(&freshness(Some(200))));
        let text = render(&registry);
        assert!(text.contains("\ngreenadam_staging_stale 1\n"), "{text}");
        assert!(text.contains("\ngreenadam_database_up 1\n"), "{text}");
        assert!(
            text.contains("\ngreenadam_last_successful_extract_timestamp_seconds 1799988000.0\n"),
            "{text}"
        );
        gauges.update(None);
        let text = render(&registry);
        assert!(text.contains("\ngreenadam_database_up 0\n"), "{text}");
        assert!(!text.contains("\ngreenadam_staging_stale "), "{text}");
    }
}
