//! The machine the numbers come from, and waiting until it is quiet enough to measure.
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;

/// What the report says about the machine.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    /// `nproc`.
    pub nproc: usize,
    /// `free -h`, as printed.
    pub free: String,
    /// The CPU's model name (`/proc/cpuinfo`).
    pub cpu: String,
    /// `SELECT version()` of the server the benchmark ran against.
    pub postgres: String,
}

impl Machine {
    /// Reads everything but the PostgreSQL version, which the caller asks its server for.
    pub fn describe(postgres: String) -> Machine {
        let free = Command::new("free")
            .arg("-h")
            .output()
            .ok()
            .filter(|output| output.status.success())
            .map_or_else(
                || "free -h: not available".to_string(),
                |output| {
                    String::from_utf8_lossy(&output.stdout)
                        .trim_end()
                        .to_string()
                },
            );
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines()
                    .find_map(|line| line.strip_prefix("model name"))
                    .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_string())
            })
            .unwrap_or_else(|| "unknown".to_string());
        Machine {
            nproc: std::thread::available_parallelism().map_or(1, usize::from),
            free,
            cpu,
            postgres,
        }
    }
}

/// The 1-minute load average (`/proc/loadavg`, what `uptime` shows first).
pub fn load_average() -> anyhow::Result<f64> {
    let text = std::fs::read_to_string("/proc/loadavg").context("cannot read /proc/loadavg")?;
    text.split_whitespace()
        .next()
        .and_then(|first| first.parse().ok())
        .with_context(|| format!("unexpected /proc/loadavg: {text:?}"))
}

/// Milliseconds that a fixed single-threaded integer workload takes: a reading of the speed
/// the bench gets, which the load average misses (e.g. other virtual machines on the host).
pub fn cpu_probe() -> f64 {
    let started = Instant::now();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..50_000_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    std::hint::black_box(x);
    started.elapsed().as_secs_f64() * 1000.0
}

/// How long to wait for a quiet machine, and what counts as quiet.
#[derive(Debug, Clone, Copy)]
pub struct Quiet {
    /// Measure only below this 1-minute load average.
    pub max_load: f64,
    /// Give up waiting after this long and measure anyway (the report shows the load).
    pub patience: Duration,
    /// Pause between two looks at the load.
    pub poll: Duration,
}

/// Waits until the 1-minute load average is under `quiet.max_load` (other people's builds on a
/// shared machine), for `quiet.patience` at most, and returns the load measured at the end.
pub fn wait_until_quiet(quiet: Quiet) -> anyhow::Result<f64> {
    let deadline = Instant::now() + quiet.patience;
    loop {
        let load = load_average()?;
        if load < quiet.max_load {
            return Ok(load);
        }
        if Instant::now() + quiet.poll > deadline {
            if !quiet.patience.is_zero() {
                eprintln!(
                    "bench: load {load:.2} still not under {} after {}; measuring anyway",
                    quiet.max_load,
                    humantime::format_duration(quiet.patience)
                );
            }
            return Ok(load);
        }
        eprintln!(
            "bench: load {load:.2} >= {}; waiting {}s for a quieter machine",
            quiet.max_load,
            quiet.poll.as_secs()
        );
        std::thread::sleep(quiet.poll);
    }
}
