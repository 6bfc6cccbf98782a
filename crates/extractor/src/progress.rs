//! Progress of a long fetch: a backfill at 10^5 launches takes minutes, and its run's line
//! comes only at the end. Every `extractor.progress_interval` (10 s) of fetching, one line with
//! the records each entity has brought so far and, for the entity being fetched, how far it is
//! against the count of its last fetch while that still holds (the API gives no totals). A run
//! shorter than the interval prints nothing extra. The load that follows is one transaction;
//! the run's own line says when it is done.
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The last fetch's record count per entity, asked for only when a first line is due.
pub type Estimates = Box<dyn FnOnce() -> HashMap<String, i64> + Send>;

/// One run's fetch progress.
pub struct Progress {
    every: Duration,
    started: Instant,
    next_line: Instant,
    /// Records and pages fetched so far, per entity in fetch order.
    fetched: Vec<(&'static str, usize, u32)>,
    /// When the entity being fetched started.
    entity_started: Instant,
    estimates: Option<HashMap<String, i64>>,
    read_estimates: Option<Estimates>,
}

impl Progress {
    /// A line every `every` from now; `estimates` says how many records each entity had last
    /// time.
    pub fn new(every: Duration, estimates: Estimates) -> Progress {
        let now = Instant::now();
        Progress {
            every,
            started: now,
            next_line: now + every,
            fetched: Vec::new(),
            entity_started: now,
            estimates: None,
            read_estimates: Some(estimates),
        }
    }

    /// `entity` has brought `records` records in `pages` pages so far; logs a line when one is
    /// due.
    pub fn fetched(&mut self, entity: &'static str, records: usize, pages: u32) {
        match self.fetched.last_mut() {
            Some((last, so_far, pages_so_far)) if *last == entity => {
                *so_far = records;
                *pages_so_far = pages;
            }
            _ => {
                self.fetched.push((entity, records, pages));
                self.entity_started = Instant::now();
            }
        }
        let now = Instant::now();
        if now < self.next_line {
            return;
        }
        self.next_line = now + self.every;
        log::info!("{}", self.line(now));
    }

    /// `Fetching for 20s: launch 3400 of about 10000 (34%, 34 pages, about 40s left), mission
    /// 25, rocket 4 records so far.`
    fn line(&mut self, now: Instant) -> String {
        if let Some(read) = self.read_estimates.take() {
            self.estimates = Some(read());
        }
        let estimates = self.estimates.as_ref();
        let current = self.fetched.len().saturating_sub(1);
        let entities: Vec<String> = self
            .fetched
            .iter()
            .enumerate()
            .map(|(index, (entity, records, pages))| {
                // Only while the last count still holds: past it, it estimates nothing.
                let estimate = estimates
                    .and_then(|e| e.get(*entity))
                    .and_then(|&total| usize::try_from(total).ok())
                    .filter(|&total| total >= *records && total > 0 && index == current);
                let Some(total) = estimate else {
                    return format!("{entity} {records}");
                };
                let seconds = now.duration_since(self.entity_started).as_secs_f64();
                let left = match *records {
                    0 => String::new(),
                    done => format!(
                        ", about {} left",
                        whole_seconds(Duration::from_secs_f64(
                            seconds * (total - done) as f64 / done as f64
                        ))
                    ),
                };
                format!(
                    "{entity} {records} of about {total} ({}%, {pages} pages{left})",
                    records * 100 / total
                )
            })
            .collect();
        format!(
            "Fetching for {}: {} records so far.",
            whole_seconds(now.duration_since(self.started)),
            entities.join(", ")
        )
    }
}

fn whole_seconds(duration: Duration) -> humantime::FormattedDuration {
    humantime::format_duration(Duration::from_secs(duration.as_secs()))
}
