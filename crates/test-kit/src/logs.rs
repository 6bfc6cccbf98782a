//! What the code under test logs, captured per thread: a test runs a job on its own thread
//! and reads back the lines it wrote, at every level, without parsing a process's stderr.
use std::cell::RefCell;
use std::sync::Once;

/// One captured log record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Its level.
    pub level: log::Level,
    /// Its target (the module that logged it, unless set).
    pub target: String,
    /// The formatted message.
    pub message: String,
}

thread_local! {
    /// The lines of the `capture` running on this thread, if any.
    static CAPTURED: RefCell<Option<Vec<Line>>> = const { RefCell::new(None) };
}

/// The process's logger while any test captures: it keeps the records of each capturing
/// thread and drops every other.
struct PerThread;

impl log::Log for PerThread {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        CAPTURED.with(|captured| {
            if let Some(lines) = captured.borrow_mut().as_mut() {
                lines.push(Line {
                    level: record.level(),
                    target: record.target().to_string(),
                    message: record.args().to_string(),
                });
            }
        });
    }

    fn flush(&self) {}
}

/// Runs `f` and returns its result with every line it logged on this thread. Installs the
/// capturing logger on first use: a test process that installed another one captures nothing
/// (and its assertions on the lines fail, rather than pass vacuously).
pub fn capture<T>(f: impl FnOnce() -> T) -> (T, Vec<Line>) {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        if log::set_logger(&PerThread).is_ok() {
            log::set_max_level(log::LevelFilter::Trace);
        }
    });
    CAPTURED.with(|captured| *captured.borrow_mut() = Some(Vec::new()));
    let result = f();
    let lines = CAPTURED.with(|captured| captured.borrow_mut().take().unwrap_or_default());
    (result, lines)
}

/// The lines a person reads at the default level (INFO and above), as "LEVEL message".
pub fn loud(lines: &[Line]) -> Vec<String> {
    lines
        .iter()
        .filter(|line| line.level <= log::Level::Info)
        .map(|line| format!("{} {}", line.level, line.message))
        .collect()
}
