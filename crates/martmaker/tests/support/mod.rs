//! The real `martmaker` binary on a test stack, serving on a free port, for the martmaker's
//! tests.
#![allow(dead_code, clippy::unwrap_used)] // each test binary uses a different part

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use testbed::server::Answer;
use testbed::Stack;

/// The `martmaker` binary serving on a free port, with its log collected.
pub struct Binary {
    child: std::process::Child,
    log: std::sync::mpsc::Receiver<String>,
    logged: Vec<String>,
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub base: String,
    _dir: tempfile::TempDir,
}

impl Binary {
    /// Starts it on `stack`'s database (timer 1h: one build at start) and waits until it
    /// serves.
    pub fn start(stack: &Stack) -> Binary {
        Binary::start_every(stack, "1h")
    }

    /// The same with the timer at `interval` (`martmaker.interval`).
    pub fn start_every(stack: &Stack, interval: &str) -> Binary {
        let dir = tempfile::tempdir().unwrap();
        let config = stack.config_file(
            dir.path(),
            &format!(
                "martmaker:\n  interval: {interval}\n  listen: 127.0.0.1:0\nextractor:\n  metrics_listen: off\n"
            ),
        );
        let mut child = Command::new(env!("CARGO_BIN_EXE_martmaker"))
            .arg("--config")
            .arg(&config)
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = test_kit::cli::stderr_lines(&mut child);
        let mut logged = Vec::new();
        let base = loop {
            let line = log.recv_timeout(Duration::from_secs(20)).unwrap();
            logged.push(line.clone());
            if let Some((_, address)) = line.split_once("serves HTTP on ") {
                break address.trim_end_matches(['/', '.']).to_string();
            }
        };
        Binary {
            child,
            log,
            logged,
            base,
            _dir: dir,
        }
    }

    /// GET `path`: status and JSON body.
    pub fn get(&self, path: &str) -> (u16, Value) {
        let answer = self.get_text(path);
        (
            answer.status,
            serde_json::from_str(&answer.body).unwrap_or(Value::Null),
        )
    }

    /// GET `path`: status, headers and body as text.
    pub fn get_text(&self, path: &str) -> Answer {
        testbed::server::get(&format!("{}{path}", self.base))
    }

    /// SIGTERM, then its exit status and the whole log.
    pub fn stop(mut self) -> (std::process::ExitStatus, Vec<String>) {
        let kill = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "still running 5s after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        // The reader thread ends with the pipe: everything logged is in the channel now.
        std::thread::sleep(Duration::from_millis(100));
        let mut logged = std::mem::take(&mut self.logged);
        logged.extend(self.log.try_iter());
        (status, logged)
    }
}

impl Drop for Binary {
    /// A test that failed half-way leaves no process behind.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
