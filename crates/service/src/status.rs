//! `extractor status` and `martmaker status`: the pipeline's state in one look (staging's
//! freshness, the last extract runs and mart builds, failing checks, what the upstream cannot
//! serve), as text for people or `--json` for machines, and an exit code for cron, CI and the
//! container's healthcheck. Read-only; one short connection as the login user, no waiting.
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use repository::status::{BuildStatus, CheckResult, CheckStatus, PipelineStatus, RunStatus};
use repository::Database;

use crate::config::{redact_url, Config};
use crate::freshness::Freshness;

/// Runs and builds listed.
const LISTED: i64 = 5;

/// Longest error text in the text output, in characters (`--json` has them whole).
const TEXT_ERROR_CHARS: usize = 100;

/// `status`'s options.
#[derive(Debug, Clone, clap::Args)]
pub struct StatusArgs {
    /// Print one JSON document (doc/status.schema.json) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// What `status` found wrong, in the order of the exit codes: the first one found sets the
/// exit code; every one found is listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// No connection to the database.
    DatabaseUnreachable,
    /// No extraction that loaded the launches within the staleness limit, or none ever.
    Stale,
    /// The last extract run failed or was partial, or the last mart build failed.
    Failed,
    /// The latest mart build's `error` checks failed (the build was rolled back).
    ChecksFailing,
}

impl Problem {
    /// Its name, as in the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Problem::DatabaseUnreachable => "database_unreachable",
            Problem::Stale => "stale",
            Problem::Failed => "failed",
            Problem::ChecksFailing => "checks_failing",
        }
    }

    /// The exit code `status` ends with when this is the first problem.
    pub fn exit_code(self) -> u8 {
        match self {
            Problem::DatabaseUnreachable => 4,
            Problem::Stale => 5,
            Problem::Failed => 6,
            Problem::ChecksFailing => 7,
        }
    }
}

/// `status --help`'s exit codes (also in the README's operations section).
pub const EXIT_CODES: [(u8, &str); 6] = [
    (
        0,
        "staging is fresh, the last extract run and mart build succeeded (warn checks may fail)",
    ),
    (2, "bad configuration or command-line usage"),
    (4, "the database cannot be reached (or read)"),
    (
        5,
        "staging is stale: no extraction loaded the launches for extractor.stale_after_intervals intervals, or none ever did",
    ),
    (
        6,
        "the last extract run failed or was partial, or the last mart build failed",
    ),
    (
        7,
        "error checks of the latest mart build failed (it was rolled back)",
    ),
];

/// The "Exit codes:" section of `status --help`.
pub fn exit_codes_help() -> String {
    crate::runner::format_exit_codes(&EXIT_CODES)
}

/// The whole `status` subcommand of binary `name`: prints the report, returns its exit code.
pub fn run(name: &str, config: &Path, args: &StatusArgs) -> ExitCode {
    let config = match crate::runner::load_config(name, config) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let report = Report::read(&config);
    if args.json {
        match serde_json::to_string_pretty(&report) {
            Ok(json) => println!("{json}"),
            Err(error) => {
                eprintln!("{name}: cannot write the status as JSON: {error}");
                return ExitCode::from(1);
            }
        }
    } else {
        print!("{}", report.text());
    }
    ExitCode::from(report.exit_code)
}

/// The report `status` prints; its JSON form is `doc/status.schema.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// 0, or the code of the first problem.
    pub exit_code: u8,
    /// Everything found wrong, with a message each.
    pub problems: Vec<Finding>,
    /// The database status read from (password hidden).
    pub database: String,
    /// Staging's freshness; `None` when the database could not be read.
    pub freshness: Option<FreshnessReport>,
    /// The latest extract runs, newest first.
    pub extract_runs: Vec<RunReport>,
    /// The latest builds of the publication marts, newest first.
    pub builds: Vec<BuildReport>,
    /// The entities the latest run that loaded found unavailable upstream.
    pub unavailable: Vec<UnavailableReport>,
    /// The checks of the latest finished build that did not pass (`warn` or `fail`).
    pub failing_checks: Vec<CheckResult>,
}

/// One problem and what it is about.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Which kind.
    pub problem: Problem,
    /// Its exit code.
    pub exit_code: u8,
    /// One line for a person.
    pub message: String,
}

/// Staging's freshness (the rule of [`crate::freshness`]).
#[derive(Debug, Clone, Serialize)]
pub struct FreshnessReport {
    /// Not stale.
    pub fresh: bool,
    /// The database's clock.
    pub checked_at: DateTime<Utc>,
    /// When staging was last known to match the upstream (a load or a recorded unchanged
    /// check); `None`: never extracted.
    pub last_extract_at: Option<DateTime<Utc>>,
    /// Seconds since then.
    pub age_seconds: Option<i64>,
    /// `extractor.stale_after_intervals` × `extractor.interval`, in seconds.
    pub stale_after_seconds: u64,
    /// Why it is stale; `None` while fresh.
    pub stale_reason: Option<String>,
}

/// One extract run.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// `staging.extract_run.id`.
    pub id: i64,
    /// `running`, `succeeded`, `partial`, `failed` or `cancelled`.
    pub status: &'static str,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// End (`None` while running).
    pub finished_at: Option<DateTime<Utc>>,
    /// `finished_at` − `started_at`.
    pub duration_seconds: Option<f64>,
    /// Staging rows it inserted, updated or deleted.
    pub rows_changed: i64,
    /// Why it failed or was partial.
    pub error: Option<String>,
}

/// One mart build.
#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    /// `marts.build_run.id`.
    pub id: i64,
    /// `running`, `succeeded` or `failed`.
    pub status: &'static str,
    /// `full` or `incremental` (a succeeded build).
    pub mode: Option<&'static str>,
    /// The extract run it read.
    pub source_run_id: Option<i64>,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// End (`None` while running).
    pub finished_at: Option<DateTime<Utc>>,
    /// `finished_at` − `started_at`.
    pub duration_seconds: Option<f64>,
    /// Why it failed.
    pub error: Option<String>,
}

/// An entity the upstream cannot serve.
#[derive(Debug, Clone, Serialize)]
pub struct UnavailableReport {
    /// The run that found it so.
    pub run_id: i64,
    /// Its name (`payload`, `launch_ship`, …).
    pub entity: String,
    /// What the upstream answered.
    pub error: Option<String>,
}

impl Report {
    /// Reads the database `config` names and judges what it holds.
    pub fn read(config: &Config) -> Report {
        let database = redact_url(&config.database.url);
        // One connection, no retries: a status answers at once.
        let mut settings = config.database_settings(None);
        settings.pool_size = 1;
        let read = Database::new(&settings)
            .and_then(|database| database.connection())
            .and_then(|mut conn| repository::status::pipeline(&mut conn, LISTED));
        match read {
            Ok(status) => Report::judge(database, &status, config.stale_after()),
            Err(error) => {
                let problem = if error.is_unreachable() {
                    Finding::new(Problem::DatabaseUnreachable, error.to_string())
                } else {
                    // A statement failed on a reachable database: as bad as not reaching it.
                    Finding::new(
                        Problem::DatabaseUnreachable,
                        format!("cannot read the status: {error}"),
                    )
                };
                Report {
                    exit_code: problem.exit_code,
                    problems: vec![problem],
                    database,
                    freshness: None,
                    extract_runs: Vec::new(),
                    builds: Vec::new(),
                    unavailable: Vec::new(),
                    failing_checks: Vec::new(),
                }
            }
        }
    }

    /// The report of `status` read from `database`.
    fn judge(database: String, status: &PipelineStatus, stale_after: Duration) -> Report {
        let freshness = Freshness::from_facts(status.freshness.clone(), stale_after);
        let stale_reason = freshness.stale_reason();
        let mut problems = Vec::new();
        if let Some(reason) = &stale_reason {
            problems.push(Finding::new(
                Problem::Stale,
                format!("staging is stale: {reason}"),
            ));
        }
        // The last run that ended (one still running says nothing yet), unless a later check
        // found staging current: the extractor records those once per heartbeat, so a failed
        // run stays the last word until a load or a heartbeat follows.
        let confirmed_at = freshness.last_extract.as_ref().map(|last| last.current_at);
        if let Some(run) = status
            .runs
            .iter()
            .find(|run| run.status != RunStatus::Running)
        {
            let superseded = confirmed_at > run.finished_at;
            if matches!(run.status, RunStatus::Failed | RunStatus::Partial) && !superseded {
                problems.push(Finding::new(
                    Problem::Failed,
                    format!(
                        "extract run {} {}: {}",
                        run.id,
                        run.status,
                        run.error.as_deref().unwrap_or("no reason recorded")
                    ),
                ));
            }
        }
        let failed_checks: Vec<String> = status
            .failing_checks
            .iter()
            .filter(|check| check.status == CheckStatus::Fail)
            .map(|check| format!("{} ({})", check.check_name, check.message))
            .collect();
        if let Some(build) = status
            .builds
            .iter()
            .find(|build| build.status != BuildStatus::Running)
        {
            if !failed_checks.is_empty() {
                problems.push(Finding::new(
                    Problem::ChecksFailing,
                    format!(
                        "mart build {} failed its checks: {}",
                        build.id,
                        failed_checks.join("; ")
                    ),
                ));
            } else if build.status == BuildStatus::Failed {
                problems.push(Finding::new(
                    Problem::Failed,
                    format!(
                        "mart build {} failed: {}",
                        build.id,
                        build.error.as_deref().unwrap_or("no reason recorded")
                    ),
                ));
            }
        }
        problems.sort_by_key(|finding| finding.problem);
        let last_extract_at = freshness.last_extract.as_ref().map(|last| last.current_at);
        Report {
            exit_code: problems.first().map_or(0, |finding| finding.exit_code),
            problems,
            database,
            freshness: Some(FreshnessReport {
                fresh: stale_reason.is_none(),
                checked_at: freshness.now,
                last_extract_at,
                age_seconds: last_extract_at.map(|at| (freshness.now - at).num_seconds()),
                stale_after_seconds: stale_after.as_secs(),
                stale_reason,
            }),
            extract_runs: status
                .runs
                .iter()
                .map(|run| RunReport {
                    id: run.id,
                    status: run.status.as_str(),
                    started_at: run.started_at,
                    finished_at: run.finished_at,
                    duration_seconds: seconds_between(run.started_at, run.finished_at),
                    rows_changed: run.rows_changed,
                    error: run.error.clone(),
                })
                .collect(),
            builds: status
                .builds
                .iter()
                .map(|build| BuildReport {
                    id: build.id,
                    status: build.status.as_str(),
                    mode: build.mode.map(|mode| mode.as_str()),
                    source_run_id: build.source_run_id,
                    started_at: build.started_at,
                    finished_at: build.finished_at,
                    duration_seconds: seconds_between(build.started_at, build.finished_at),
                    error: build.error.clone(),
                })
                .collect(),
            unavailable: status
                .unavailable
                .iter()
                .map(|entity| UnavailableReport {
                    run_id: entity.run_id,
                    entity: entity.entity.clone(),
                    error: entity.error.clone(),
                })
                .collect(),
            failing_checks: status.failing_checks.clone(),
        }
    }

    /// The report for people: a verdict, then one short line per fact.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let verdict = self
            .problems
            .first()
            .map_or("healthy", |first| first.problem.as_str());
        out += &format!(
            "Status: {verdict} (exit code {}), database {}\n",
            self.exit_code, self.database
        );
        for finding in &self.problems {
            out += &format!("  ! {}\n", shorten(&finding.message, 2 * TEXT_ERROR_CHARS));
        }
        if let Some(freshness) = &self.freshness {
            let last = match (freshness.last_extract_at, freshness.age_seconds) {
                (Some(at), Some(age)) => format!(
                    "current as of {} ({} ago)",
                    timestamp(at),
                    humantime::format_duration(Duration::from_secs(age.max(0).unsigned_abs()))
                ),
                _ => "never extracted".to_string(),
            };
            out += &format!(
                "Staging: {}, {last}; stale after {}\n",
                if freshness.fresh { "fresh" } else { "STALE" },
                humantime::format_duration(Duration::from_secs(freshness.stale_after_seconds)),
            );
        }
        out += "Extract runs (newest first):\n";
        if self.extract_runs.is_empty() {
            out += "  none\n";
        }
        for run in &self.extract_runs {
            out += &format!(
                "  {:>6}  {:<9}  {}  {:>9}  {} rows changed{}\n",
                run.id,
                run.status,
                timestamp(run.started_at),
                duration(run.duration_seconds),
                run.rows_changed,
                error_suffix(run.error.as_deref()),
            );
        }
        out += "Mart builds (newest first):\n";
        if self.builds.is_empty() {
            out += "  none\n";
        }
        for build in &self.builds {
            out += &format!(
                "  {:>6}  {:<9}  {:<11}  {}  {:>9}  from extract run {}{}\n",
                build.id,
                build.status,
                build.mode.unwrap_or("-"),
                timestamp(build.started_at),
                duration(build.duration_seconds),
                build
                    .source_run_id
                    .map_or("none".to_string(), |id| id.to_string()),
                error_suffix(build.error.as_deref()),
            );
        }
        if let Some(first) = self.failing_checks.first() {
            out += &format!("Failing checks of mart build {}:\n", first.build_id);
        }
        for check in &self.failing_checks {
            out += &format!(
                "  {:<5}  {}: {} (expected {})\n",
                check.status.as_str(),
                check.check_name,
                shorten(&check.observed, TEXT_ERROR_CHARS),
                shorten(&check.expected, TEXT_ERROR_CHARS),
            );
        }
        if !self.unavailable.is_empty() {
            let names: Vec<&str> = self.unavailable.iter().map(|u| u.entity.as_str()).collect();
            out += &format!(
                "Unavailable upstream (extract run {}): {}\n",
                self.unavailable[0].run_id,
                shorten(&names.join(", "), 2 * TEXT_ERROR_CHARS)
            );
        }
        out
    }
}

impl Finding {
    fn new(problem: Problem, message: String) -> Finding {
        Finding {
            problem,
            exit_code: problem.exit_code(),
            message: repository::error::one_line(&message),
        }
    }
}

fn seconds_between(start: DateTime<Utc>, end: Option<DateTime<Utc>>) -> Option<f64> {
    end.map(|end| (end - start).num_milliseconds() as f64 / 1000.0)
}

fn timestamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn duration(seconds: Option<f64>) -> String {
    seconds.map_or("running".to_string(), |s| format!("{s:.3}s"))
}

fn error_suffix(error: Option<&str>) -> String {
    error.map_or(String::new(), |error| {
        format!(": {}", shorten(error, TEXT_ERROR_CHARS))
    })
}

/// `text` cut to `chars` characters, the cut marked with `…`.
fn shorten(text: &str, chars: usize) -> String {
    if text.chars().nth(chars).is_none() {
        return text.to_string();
    }
    text.chars().take(chars - 1).chain(['…']).collect()
}
