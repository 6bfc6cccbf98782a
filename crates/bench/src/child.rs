//! Running a service binary once (`--once`) and measuring it: wall time, CPU time and peak
//! resident memory; or starting it as a service, to time its HTTP answers.
//!
//! Peak RSS and CPU time come from `getrusage(RUSAGE_CHILDREN)`, which covers the children a
//! process has waited for. So that it covers exactly one service run, the bench starts itself
//! as a small wrapper ([`wrap`], the hidden `__rusage` command) that runs the service, waits
//! for it and writes the numbers to a file.
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use nix::sys::resource::{getrusage, UsageWho};
use serde::{Deserialize, Serialize};

/// The hidden command line word that turns the bench into the wrapper.
pub const WRAP_COMMAND: &str = "__rusage";

/// One run of a binary.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Run {
    /// From start to exit, in seconds.
    pub wall_s: f64,
    /// User plus system CPU time, in seconds.
    pub cpu_s: f64,
    /// Peak resident set size, in KiB.
    pub max_rss_kib: u64,
}

/// The extractor and martmaker binaries under test.
#[derive(Debug, Clone)]
pub struct Services {
    /// `extractor`.
    pub extractor: PathBuf,
    /// `martmaker`.
    pub martmaker: PathBuf,
    /// Where each run's log goes (overwritten by the next run of the same service).
    pub log_dir: PathBuf,
}

/// Which service to run.
#[derive(Debug, Clone, Copy)]
pub enum Service {
    /// API → staging.
    Extractor,
    /// staging → marts.
    Martmaker,
}

impl Services {
    /// The services in `dir` (a cargo `target/<profile>` folder, say).
    pub fn in_dir(dir: &Path, log_dir: PathBuf) -> anyhow::Result<Services> {
        let services = Services {
            extractor: dir.join("extractor"),
            martmaker: dir.join("martmaker"),
            log_dir,
        };
        for binary in [&services.extractor, &services.martmaker] {
            if !binary.is_file() {
                bail!(
                    "{} is missing: build it first (cargo build --release -p extractor -p martmaker) or pass --bin-dir",
                    binary.display()
                );
            }
        }
        Ok(services)
    }

    /// Runs `service --once --config <config>` and measures it; a non-zero exit is an error
    /// that quotes the end of the service's log.
    pub fn run(&self, service: Service, config: &Path) -> anyhow::Result<Run> {
        let (binary, name) = self.binary(service);
        let log = self.log_dir.join(format!("{name}.log"));
        let report = self.log_dir.join(format!("{name}.rusage.json"));
        let output = File::create(&log)?;
        let status = Command::new(std::env::current_exe()?)
            .arg(WRAP_COMMAND)
            .arg(&report)
            .arg(binary)
            .args(["--once", "--config"])
            .arg(config)
            .stdout(output.try_clone()?)
            .stderr(output)
            .status()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        if !status.success() {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(15).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            bail!(
                "{name} --once failed ({status}); its log ends:\n{}",
                tail.join("\n")
            );
        }
        let text = std::fs::read_to_string(&report)
            .with_context(|| format!("cannot read {}", report.display()))?;
        Ok(serde_json::from_str(&text)?)
    }

    /// Starts `service --config <config>` as a service (its log: `<name>.service.log`); it is
    /// killed when the returned value is dropped.
    pub fn start(&self, service: Service, config: &Path) -> anyhow::Result<Running> {
        let (binary, name) = self.binary(service);
        let output = File::create(self.log_dir.join(format!("{name}.service.log")))?;
        let child = Command::new(binary)
            .arg("--config")
            .arg(config)
            .stdout(output.try_clone()?)
            .stderr(output)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        Ok(Running(child))
    }

    fn binary(&self, service: Service) -> (&Path, &'static str) {
        match service {
            Service::Extractor => (&self.extractor, "extractor"),
            Service::Martmaker => (&self.martmaker, "martmaker"),
        }
    }
}

/// A service started by [`Services::start`], killed on drop.
#[derive(Debug)]
pub struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The wrapper: runs `program args…`, waits, writes its [`Run`] to `report` as JSON, and
/// exits with the program's status.
pub fn wrap(report: &Path, program: &Path, args: &[String]) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    let status = Command::new(program)
        .args(args)
        .status()
        .with_context(|| format!("cannot start {}", program.display()))?;
    let wall = started.elapsed();
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN)?;
    let seconds = |time: nix::sys::time::TimeVal| {
        Duration::from_secs(u64::try_from(time.tv_sec()).unwrap_or(0))
            + Duration::from_micros(u64::try_from(time.tv_usec()).unwrap_or(0))
    };
    let run = Run {
        wall_s: wall.as_secs_f64(),
        cpu_s: (seconds(usage.user_time()) + seconds(usage.system_time())).as_secs_f64(),
        // Linux reports ru_maxrss in KiB.
        max_rss_kib: u64::try_from(usage.max_rss()).unwrap_or(0),
    };
    std::fs::write(report, serde_json::to_vec(&run)?)?;
    Ok(status)
}
