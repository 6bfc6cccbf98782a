//! `bench`: measures greenadam's services at several data sizes against the local fake API
//! and a throwaway PostgreSQL, and writes the report (`doc/benchmarks.md`, its chart).
//!
//! See `crates/bench/README.md`. Layout: [`measure`] runs the scenario of one size through
//! [`child`] (the service binaries, with their peak memory), [`pgwire`] (database round trips)
//! and [`stats`] (rows and WAL written); [`machine`] describes the machine and waits for it to
//! be quiet; [`report`] and [`chart`] write the results.

mod chart;
mod child;
mod machine;
mod measure;
mod pgwire;
mod report;
mod stats;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, SystemTime};

use anyhow::{bail, ensure, Context};
use clap::Parser;
use diesel::{Connection, PgConnection, RunQueryDsl};
use serde::Serialize;

use child::{Services, WRAP_COMMAND};
use machine::{Machine, Quiet};
use measure::{Bench, Options, SizeResult};
use report::{Report, Verdict};

/// Benchmarks the extractor and the martmaker from 10^2 to 10^5 launches.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// Numbers of launches to measure (the synthetic data set adds one mission per ten
    /// launches and four rockets).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "100,200,1000,10000,100000"
    )]
    sizes: Vec<usize>,
    /// Timed repetitions per size; the report shows medians.
    #[arg(long, default_value_t = 3)]
    repeats: usize,
    /// `api.page_size` of the extractor.
    #[arg(long, default_value_t = 100)]
    page_size: u32,
    /// Before each size, wait until the 1-minute load average is below this …
    #[arg(long, default_value_t = 1.5)]
    max_load: f64,
    /// … for this long at most (then measure anyway; the report shows the load).
    #[arg(long, default_value = "20m", value_parser = humantime::parse_duration)]
    load_wait: Duration,
    /// Replace the generated section of this Markdown file (e.g. doc/benchmarks.md).
    #[arg(long, value_name = "PATH")]
    doc: Option<PathBuf>,
    /// Write the chart (SVG) here (e.g. doc/benchmarks.svg).
    #[arg(long, value_name = "PATH")]
    chart: Option<PathBuf>,
    /// Write every measurement as JSON here.
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Where the extractor and martmaker binaries are. Default: beside this binary, built
    /// first with the same profile when run by cargo.
    #[arg(long, value_name = "DIR")]
    bin_dir: Option<PathBuf>,
    /// Where the services' configs and logs go. Default: a folder in the temp directory.
    #[arg(long, value_name = "DIR")]
    work_dir: Option<PathBuf>,
}

/// The JSON file.
#[derive(Debug, Serialize)]
struct Results<'a> {
    machine: &'a Machine,
    command: &'a str,
    started: &'a str,
    options: Options,
    verdicts: Vec<Verdict>,
    sizes: &'a [SizeResult],
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let outcome = match args.get(1).map(String::as_str) {
        Some(WRAP_COMMAND) => wrapper(&args[2..]),
        _ => run(&Cli::parse()).map(|()| ExitCode::SUCCESS),
    };
    outcome.unwrap_or_else(|error| {
        eprintln!("bench: {error:#}");
        ExitCode::FAILURE
    })
}

/// `bench __rusage REPORT PROGRAM ARGS…` (see [`child::wrap`]).
fn wrapper(args: &[String]) -> anyhow::Result<ExitCode> {
    let [report, program, rest @ ..] = args else {
        bail!("usage: bench {WRAP_COMMAND} REPORT PROGRAM [ARGS…]");
    };
    let status = child::wrap(Path::new(report), Path::new(program), rest)?;
    Ok(ExitCode::from(
        status
            .code()
            .and_then(|c| u8::try_from(c).ok())
            .unwrap_or(1),
    ))
}

fn run(cli: &Cli) -> anyhow::Result<()> {
    ensure!(cli.repeats >= 1, "--repeats must be at least 1");
    ensure!(!cli.sizes.is_empty(), "--sizes lists no size");
    let work_dir = cli.work_dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("greenadam-bench-{}", std::process::id()))
    });
    std::fs::create_dir_all(&work_dir)?;
    let bin_dir = match &cli.bin_dir {
        Some(dir) => dir.clone(),
        None => build_services()?,
    };
    let bench = Bench {
        services: Services::in_dir(&bin_dir, work_dir.clone())?,
        options: Options {
            page_size: cli.page_size,
            repeats: cli.repeats,
        },
    };
    let quiet = Quiet {
        max_load: cli.max_load,
        patience: cli.load_wait,
        poll: Duration::from_secs(30),
    };
    let started = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let command = command_line();
    eprintln!("bench: logs and configs in {}", work_dir.display());

    let mut sizes = cli.sizes.clone();
    sizes.sort_unstable();
    sizes.dedup();
    let mut results = Vec::with_capacity(sizes.len());
    for launches in sizes {
        let load = machine::wait_until_quiet(quiet)?;
        let result = bench.measure(launches, load)?;
        eprintln!(
            "bench: {launches} launches: extract {:.3} s, staging write {:.3} s (COPY {:.3} s), mart build {:.3} s, rebuild {:.3} s, no-op {:.3} + {:.3} s",
            result.median.extract.wall_s,
            result.median.staging_load_s,
            result.median.copy_s,
            result.median.mart_build_s,
            result.rebuild.median_s,
            result.median.noop_extract.wall_s,
            result.median.noop_build.wall_s
        );
        results.push(result);
    }

    let machine = Machine::describe(postgres_version()?);
    let chart_link = cli
        .chart
        .as_deref()
        .map(|chart| link(cli.doc.as_deref(), chart));
    let report = Report {
        machine: &machine,
        command: &command,
        started: &started,
        options: bench.options,
        results: &results,
        chart: chart_link.as_deref(),
    };
    let section = report::markdown(&report);
    println!("{section}");
    if let Some(path) = &cli.json {
        let json = Results {
            machine: &machine,
            command: &command,
            started: &started,
            options: bench.options,
            verdicts: report::verdicts(&results, cli.page_size),
            sizes: &results,
        };
        std::fs::write(path, serde_json::to_vec_pretty(&json)?)?;
    }
    if let Some(path) = &cli.chart {
        std::fs::write(path, chart::svg(&results, cli.repeats))?;
    }
    if let Some(path) = &cli.doc {
        report::update_doc(path, &section)?;
    }
    Ok(())
}

/// When run by cargo (`cargo run -p bench`), builds the extractor and the martmaker beside
/// this binary with the same profile, so that the numbers are those of the current sources;
/// returns their folder.
fn build_services() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let dir = exe
        .parent()
        .context("the bench binary has no folder")?
        .to_path_buf();
    let Some(cargo) = std::env::var_os("CARGO") else {
        return Ok(dir);
    };
    let (Some(profile), Some(target_dir)) = (dir.file_name(), dir.parent()) else {
        return Ok(dir);
    };
    let mut command = Command::new(cargo);
    command
        .args([
            "build",
            "--quiet",
            "-p",
            "extractor",
            "-p",
            "martmaker",
            "--target-dir",
        ])
        .arg(target_dir);
    match profile.to_str() {
        Some("debug") => {}
        Some("release") => {
            command.arg("--release");
        }
        _ => {
            command.arg("--profile").arg(profile);
        }
    }
    eprintln!("bench: building the services: {command:?}");
    let status = command.status().context("cannot run cargo")?;
    ensure!(status.success(), "building the services failed ({status})");
    Ok(dir)
}

/// How this run was started, for the report.
fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let exe = std::env::current_exe().ok();
    let profile = exe
        .as_deref()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .and_then(|name| name.to_str().map(str::to_owned));
    match (std::env::var_os("CARGO"), profile.as_deref()) {
        (Some(_), Some("release")) => format!("cargo run --release -p bench -- {}", args.join(" ")),
        (Some(_), Some("debug")) => format!("cargo run -p bench -- {}", args.join(" ")),
        _ => std::env::args().collect::<Vec<_>>().join(" "),
    }
}

/// The server version of the throwaway cluster.
fn postgres_version() -> anyhow::Result<String> {
    #[derive(diesel::QueryableByName)]
    struct Version {
        #[diesel(sql_type = diesel::sql_types::Text)]
        server_version: String,
    }
    let db = test_kit::TestDb::new();
    let version: Version = diesel::sql_query("SHOW server_version")
        .get_result(&mut PgConnection::establish(&db.url())?)?;
    Ok(format!("PostgreSQL {}", version.server_version))
}

/// How the Markdown file at `doc` links the chart: by file name when both share a folder.
fn link(doc: Option<&Path>, chart: &Path) -> String {
    match (
        doc.and_then(Path::parent),
        chart.parent(),
        chart.file_name(),
    ) {
        (Some(a), Some(b), Some(name)) if a == b => name.to_string_lossy().into_owned(),
        _ => chart.display().to_string(),
    }
}
