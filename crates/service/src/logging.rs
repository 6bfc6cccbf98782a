//! Log lines for people: the logger both services install (`log_level`, `log_format`), and
//! [`IdleLog`], which keeps the checks that find nothing to do out of the INFO log.
use std::fmt;
use std::io::Write;
use std::time::Duration;

use log::kv::{Key, Value, VisitSource};
use serde_json::Map;

use crate::config::LogFormat;

/// Installs the logger: `RUST_LOG` wins over `level`. A second call (tests calling
/// `run_service` twice) keeps the first logger.
///
/// The run or build id travels as a `log` key-value pair, `run_id` or `build_id` (the `kv`
/// feature, which env_logger reads: `log::info!(run_id; "Extract run {run_id} …")`) on the
/// few lines about one run or build, rather than in a scoped, thread-local
/// context: an extract run's id exists only once its fetch is over, so a scope would cover
/// part of the run at best, while the lines that name a run are few and know its id. The text
/// format leaves the pairs out, since those lines already say "Extract run 7 …".
pub fn init(level: &str, format: LogFormat) {
    let env = env_logger::Env::default().default_filter_or(level);
    let mut builder = env_logger::Builder::from_env(env);
    match format {
        LogFormat::Text => builder
            .format_timestamp_millis()
            .format_key_values(|_, _| Ok(())),
        LogFormat::Json => builder.format(|buf, record| {
            let mut line = Map::new();
            line.insert(
                "timestamp".into(),
                buf.timestamp_millis().to_string().into(),
            );
            line.insert("level".into(), record.level().as_str().into());
            line.insert("target".into(), record.target().into());
            line.insert("message".into(), record.args().to_string().into());
            // A visitor that cannot fail: every value has a JSON form.
            let _ = record.key_values().visit(&mut JsonFields(&mut line));
            serde_json::to_writer(&mut *buf, &line)?;
            writeln!(buf)
        }),
    };
    let _ = builder.try_init();
}

/// Copies a record's key-value pairs into its JSON line, numbers as numbers.
struct JsonFields<'a>(&'a mut Map<String, serde_json::Value>);

impl<'kvs> VisitSource<'kvs> for JsonFields<'_> {
    fn visit_pair(&mut self, key: Key<'kvs>, value: Value<'kvs>) -> Result<(), log::kv::Error> {
        let json = match (value.to_i64(), value.to_u64(), value.to_bool()) {
            (Some(number), _, _) => number.into(),
            (None, Some(number), _) => number.into(),
            (None, None, Some(flag)) => flag.into(),
            (None, None, None) => value.to_string().into(),
        };
        self.0.insert(key.as_str().to_string(), json);
        Ok(())
    }
}

/// How often the checks that found nothing to do are summed up at INFO: hourly.
pub const IDLE_SUMMARY_PERIOD: Duration = Duration::from_secs(3600);

/// The log of idle ticks (an unchanged upstream, unchanged marts: the normal state of a frozen
/// source). Each is a DEBUG line, except the first of the process (so that a person starting
/// a service, or a `--once` run, sees the state it found) and a summary every
/// [`IDLE_SUMMARY_PERIOD`] worth of ticks since the last INFO line, counted in ticks of the
/// service's interval rather than read off a clock, so that tests need not wait an hour.
#[derive(Debug)]
pub struct IdleLog {
    /// Idle ticks per summary: `IDLE_SUMMARY_PERIOD` / interval, rounded up.
    every: u32,
    /// Idle ticks since the last INFO line (a summary, or a run that did work).
    unreported: u32,
    /// Whether an idle tick has been logged at INFO since the start.
    announced: bool,
    /// The next tick was asked for by a person (`SIGUSR1`): its result is worth INFO.
    requested: bool,
}

/// How one idle tick is logged: at [`level`](Self::level), its message followed by this
/// (empty at DEBUG, a note at INFO).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdleLine {
    /// DEBUG, or INFO for the first idle tick and the summaries.
    pub level: log::Level,
    note: IdleNote,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum IdleNote {
    None,
    First { period: Duration },
    Summary { checks: u32 },
}

impl fmt::Display for IdleLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.note {
            IdleNote::None => Ok(()),
            IdleNote::First { period } => write!(
                f,
                "; such checks are logged at debug level from now on, with a summary every {}",
                humantime::format_duration(period)
            ),
            IdleNote::Summary { checks } => {
                write!(
                    f,
                    "; {checks} checks found nothing to do since the last report"
                )
            }
        }
    }
}

impl IdleLog {
    /// For a service ticking every `interval`.
    pub fn new(interval: Duration) -> IdleLog {
        let interval = interval.max(Duration::from_millis(1));
        let every = IDLE_SUMMARY_PERIOD.as_nanos().div_ceil(interval.as_nanos());
        IdleLog {
            every: u32::try_from(every).unwrap_or(u32::MAX).max(1),
            unreported: 0,
            announced: false,
            requested: false,
        }
    }

    /// One more idle tick: how to log it.
    pub fn idle(&mut self) -> IdleLine {
        self.unreported += 1;
        let requested = std::mem::take(&mut self.requested);
        let note = if self.every == 1 {
            // Every tick is an hour or more apart: each one is its own summary.
            IdleNote::None
        } else if !self.announced {
            IdleNote::First {
                period: IDLE_SUMMARY_PERIOD,
            }
        } else if requested {
            // Asked for by a person: the answer is for them.
            IdleNote::None
        } else if self.unreported >= self.every {
            IdleNote::Summary {
                checks: self.unreported,
            }
        } else {
            return IdleLine {
                level: log::Level::Debug,
                note: IdleNote::None,
            };
        };
        self.announced = true;
        self.unreported = 0;
        IdleLine {
            level: log::Level::Info,
            note,
        }
    }

    /// A tick that did work and said so at INFO: the next summary is a period away.
    pub fn worked(&mut self) {
        self.unreported = 0;
        self.requested = false;
    }

    /// The next tick was asked for (`SIGUSR1`): log it at INFO even if it finds nothing to do.
    pub fn requested(&mut self) {
        self.requested = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn levels(log: &mut IdleLog, ticks: usize) -> Vec<log::Level> {
        (0..ticks).map(|_| log.idle().level).collect()
    }

    #[test]
    fn idle_ticks_are_debug_between_hourly_summaries() {
        use log::Level::{Debug, Info};
        let mut log = IdleLog::new(Duration::from_secs(20 * 60));
        let first = log.idle();
        assert_eq!(first.level, Info);
        assert!(first.to_string().contains("every 1h"), "{first}");
        assert_eq!(levels(&mut log, 2), [Debug, Debug]);
        let summary = log.idle();
        assert_eq!(summary.level, Info);
        assert_eq!(
            summary.to_string(),
            "; 3 checks found nothing to do since the last report"
        );
        assert_eq!(levels(&mut log, 3), [Debug, Debug, Info]);
        // Work resets the count: the next summary is a full period after it.
        log.idle();
        log.worked();
        assert_eq!(levels(&mut log, 3), [Debug, Debug, Info]);
        // A tick asked for is INFO, without a note, and restarts the count.
        log.idle();
        log.requested();
        let asked = log.idle();
        assert_eq!((asked.level, asked.to_string()), (Info, String::new()));
        assert_eq!(levels(&mut log, 3), [Debug, Debug, Info]);
    }

    #[test]
    fn hourly_or_slower_ticks_are_each_their_own_summary() {
        for minutes in [60, 90] {
            let mut log = IdleLog::new(Duration::from_secs(minutes * 60));
            for _ in 0..3 {
                let line = log.idle();
                assert_eq!(line.level, log::Level::Info);
                assert_eq!(line.to_string(), "");
            }
        }
        // The default martmaker interval: 60 ticks an hour.
        let mut log = IdleLog::new(Duration::from_secs(60));
        log.idle();
        let infos = levels(&mut log, 120)
            .into_iter()
            .filter(|level| *level == log::Level::Info)
            .count();
        assert_eq!(infos, 2);
    }
}
