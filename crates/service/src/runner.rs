//! The life cycle shared by both services: config, logs, database wait, migrations, then the
//! job once or on a timer until SIGTERM/SIGINT.
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cancel::CancelToken;
use repository::Database;
use tokio::sync::{watch, Notify};

use crate::config::{redact_url, Config};
use crate::http::Http;

/// How long a stopping service waits for its job to notice the signal before exiting anyway.
/// Kept under the 5 s promised to supervisord/docker (`stopwaitsecs` is larger still).
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(4);

/// Pause between two connection attempts while waiting for the database at start.
const DATABASE_RETRY_PAUSE: Duration = Duration::from_secs(2);

/// Command-line arguments both services take.
#[derive(Debug, Clone, clap::Args)]
pub struct ServiceArgs {
    /// Configuration file.
    #[arg(
        long,
        value_name = "PATH",
        default_value = "config.yaml",
        global = true
    )]
    pub config: PathBuf,
    /// Run once and exit (exit codes below).
    #[arg(long)]
    pub once: bool,
}

/// Parses the command line of a service binary. `--config` may stand before or after a
/// subcommand (`extractor --config c.yaml status`, `extractor status --config c.yaml`); the
/// timer loop's own options (`--once`, `--accept-shrink`, `--full-refresh`, …) with a
/// subcommand are a usage error (exit 2), not silently ignored.
pub fn parse_command_line<T: clap::FromArgMatches>(mut command: clap::Command) -> T {
    let matches = command.get_matches_mut();
    if let Some((subcommand, _)) = matches.subcommand() {
        let loop_option = command.get_arguments().find(|arg| {
            !arg.is_global_set()
                && matches.value_source(arg.get_id().as_str())
                    == Some(clap::parser::ValueSource::CommandLine)
        });
        if let Some(arg) = loop_option {
            let name = arg.get_long().unwrap_or(arg.get_id().as_str());
            command
                .error(
                    clap::error::ErrorKind::ArgumentConflict,
                    format!("--{name} cannot be used with {subcommand}"),
                )
                .exit();
        }
    }
    T::from_arg_matches(&matches).unwrap_or_else(|error| error.exit())
}

/// The exit codes both services share.
const COMMON_EXIT_CODES: [(u8, &str); 3] = [
    (2, "bad configuration or command-line usage"),
    (
        4,
        "the database never became reachable within database.startup_timeout",
    ),
    (130, "stopped by a signal before the first run finished"),
];

/// The subcommands both services have besides their timer loop (which runs without one).
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Print staging's freshness, the last runs and builds, failing checks and unavailable
    /// entities; exit non-zero when something is wrong (`status --help` lists the codes).
    ///
    /// Several problems at once: the lowest code, all of them listed.
    #[command(after_help = crate::status::exit_codes_help())]
    Status(crate::status::StatusArgs),
}

/// `--help`'s last section: a binary's own exit codes (`own`) and the shared ones, in order.
pub fn exit_codes_help(own: &[(u8, &str)]) -> String {
    let mut codes: Vec<(u8, &str)> = own.iter().chain(&COMMON_EXIT_CODES).copied().collect();
    codes.sort_by_key(|(code, _)| *code);
    format_exit_codes(&codes)
}

/// An "Exit codes:" section listing `codes` as given.
pub(crate) fn format_exit_codes(codes: &[(u8, &str)]) -> String {
    let lines: Vec<String> = codes
        .iter()
        .map(|(code, meaning)| format!("  {code:<5}{meaning}"))
        .collect();
    format!("Exit codes:\n{}", lines.join("\n"))
}

/// Loads `path`; a bad file is one line on stderr (logging is not set up yet: its level comes
/// from the config) and exit code 2.
pub(crate) fn load_config(name: &str, path: &std::path::Path) -> Result<Config, ExitCode> {
    Config::load(path).map_err(|error| {
        eprintln!("{name}: configuration error: {error}");
        ExitCode::from(2)
    })
}

/// How one run of a job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything done (including "nothing to do").
    Succeeded,
    /// Some of it done, the rest kept as it was.
    Partial,
    /// Nothing changed because of an error.
    Failed,
    /// Stopped by a shutdown signal before it changed anything.
    Cancelled,
}

impl Outcome {
    fn exit_code(self) -> ExitCode {
        match self {
            Outcome::Succeeded => ExitCode::SUCCESS,
            Outcome::Failed => ExitCode::from(1),
            Outcome::Partial => ExitCode::from(3),
            Outcome::Cancelled => ExitCode::from(130),
        }
    }
}

/// What a service does each time its timer fires. Runs on a blocking thread.
pub trait Job: Send + 'static {
    /// The database role the job works as (`SET ROLE`), e.g. `greenadam_extractor`.
    const DATABASE_ROLE: &'static str;

    /// One run. Checks `cancel` between steps and stops early when it is set.
    fn run(&mut self, cancel: &CancelToken) -> Outcome;

    /// The next run was asked for (SIGUSR1) rather than timed: worth an INFO line even if it
    /// finds nothing to do.
    fn requested(&mut self) {}

    /// How long after the run that just ended the next one starts: the timer's `interval`,
    /// unless the job has a reason to be back sooner.
    fn next_run_in(&self, interval: Duration) -> Duration {
        interval
    }
}

/// Runs a service to completion and returns its exit code. `interval` picks the service's
/// timer from the config; `http` says what to serve beside the timer loop (not with `--once`,
/// so that a one-off run never fights the running service for its port); `build` makes the job
/// once the database is reachable and migrated.
pub fn run_service<J, H, B>(
    name: &'static str,
    args: ServiceArgs,
    interval: fn(&Config) -> Duration,
    http: H,
    build: B,
) -> ExitCode
where
    J: Job,
    H: FnOnce(&Config) -> anyhow::Result<Option<Http>>,
    B: FnOnce(&Config, Database) -> anyhow::Result<J> + Send + 'static,
{
    let config = match load_config(name, &args.config) {
        Ok(config) => config,
        Err(code) => return code,
    };
    crate::logging::init(&config.log_level, config.log_format);
    for warning in &config.warnings {
        log::warn!("{warning}");
    }
    log::info!(
        "Starting {name} {}: config {}, API {}, database {}, interval {}.",
        env!("CARGO_PKG_VERSION"),
        args.config.display(),
        config.api.url,
        redact_url(&config.database.url),
        humantime::format_duration(interval(&config)),
    );
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            log::error!("Cannot start the async runtime: {error}.");
            return ExitCode::from(1);
        }
    };
    let code = runtime.block_on(supervise(name, args.once, config, interval, http, build));
    // A job still blocked in I/O after the grace period is abandoned; Postgres rolls back its
    // open transaction when the connection drops with the process.
    runtime.shutdown_timeout(Duration::from_millis(100));
    code
}

async fn supervise<J, H, B>(
    name: &'static str,
    once: bool,
    config: Config,
    interval: fn(&Config) -> Duration,
    http: H,
    build: B,
) -> ExitCode
where
    J: Job,
    H: FnOnce(&Config) -> anyhow::Result<Option<Http>>,
    B: FnOnce(&Config, Database) -> anyhow::Result<J> + Send + 'static,
{
    let cancel = CancelToken::new();
    let mut stopped = listen_for_signals(cancel.clone());
    // Also with --once: SIGUSR1's default action would end the process.
    let run_now = listen_for_run_requests();
    let pause = interval(&config);
    if !once {
        if let Err(code) = start_http(name, &config, http, stopped.clone()).await {
            return code;
        }
    }

    let setup_cancel = cancel.clone();
    let setup = tokio::task::spawn_blocking(move || prepare(&config, &setup_cancel, build));
    let mut job = match until_stopped(setup, &mut stopped, &cancel).await {
        Some(Ok(Ok(job))) => job,
        Some(Ok(Err(code))) => return code,
        Some(Err(join_error)) => {
            log::error!("{name} setup panicked: {join_error}.");
            return ExitCode::from(1);
        }
        None => return ExitCode::from(130),
    };

    loop {
        let run_cancel = cancel.clone();
        let run = tokio::task::spawn_blocking(move || {
            let outcome = job.run(&run_cancel);
            (job, outcome)
        });
        let outcome = match until_stopped(run, &mut stopped, &cancel).await {
            Some(Ok((returned, outcome))) => {
                job = returned;
                outcome
            }
            Some(Err(join_error)) => {
                log::error!("{name} run panicked: {join_error}.");
                return ExitCode::from(1);
            }
            None => return ExitCode::from(130),
        };
        if once {
            return outcome.exit_code();
        }
        if cancel.is_cancelled() {
            log::info!("{name} stopped.");
            return ExitCode::SUCCESS;
        }
        let next = job.next_run_in(pause);
        if outcome == Outcome::Failed && next < pause {
            log::info!(
                "The {name} tries again in {} (every {} again once a run does not fail).",
                humantime::format_duration(next),
                humantime::format_duration(pause)
            );
        }
        tokio::select! {
            _ = tokio::time::sleep(next) => {}
            // A request during the run counts too: the next run starts when it ends.
            _ = run_now.notified() => {
                log::info!("Received SIGUSR1: running the {name} now; the timer restarts after this run.");
                job.requested();
            }
            _ = stopped.changed() => {
                log::info!("{name} stopped.");
                return ExitCode::SUCCESS;
            }
        }
    }
}

/// Binds and spawns the service's HTTP server, if it has one. It starts before the database
/// wait, so that `/healthz` answers at once and `/readyz` can say why the service is not ready
/// yet; it stops accepting on the stop signal, together with the job loop.
async fn start_http<H>(
    name: &'static str,
    config: &Config,
    http: H,
    mut stopped: watch::Receiver<bool>,
) -> Result<(), ExitCode>
where
    H: FnOnce(&Config) -> anyhow::Result<Option<Http>>,
{
    let Http { listen, router } = match http(config) {
        Ok(Some(http)) => http,
        Ok(None) => return Ok(()),
        Err(error) => {
            log::error!("Cannot set up the HTTP server: {error:#}.");
            return Err(ExitCode::from(1));
        }
    };
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|error| {
            log::error!("Cannot listen on {listen}: {error}.");
            ExitCode::from(1)
        })?;
    // The bound address, not the configured one: port 0 picks a free port (tests).
    let bound = listener.local_addr().unwrap_or(listen);
    log::info!("The {name} serves HTTP on http://{bound}/.");
    tokio::spawn(async move {
        let stop = async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        if let Err(error) = crate::http::serve(listener, router, stop).await {
            log::error!("The HTTP server stopped: {error}.");
        }
    });
    Ok(())
}

/// Waits for `task`; after a stop signal, waits at most [`SHUTDOWN_GRACE`] more.
/// `None` means the task did not finish in time.
async fn until_stopped<T>(
    mut task: tokio::task::JoinHandle<T>,
    stopped: &mut watch::Receiver<bool>,
    cancel: &CancelToken,
) -> Option<Result<T, tokio::task::JoinError>> {
    if !cancel.is_cancelled() {
        tokio::select! {
            result = &mut task => return Some(result),
            _ = stopped.changed() => {}
        }
    }
    match tokio::time::timeout(SHUTDOWN_GRACE, task).await {
        Ok(result) => Some(result),
        Err(_) => {
            log::warn!(
                "Work still running {}s after the stop signal; exiting anyway (the open transaction rolls back).",
                SHUTDOWN_GRACE.as_secs()
            );
            None
        }
    }
}

/// Sets `cancel` and flips the returned channel on SIGTERM or SIGINT.
fn listen_for_signals(cancel: CancelToken) -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        let signal = wait_for_signal().await;
        log::info!("Received {signal}, stopping.");
        cancel.cancel();
        let _ = tx.send(true);
    });
    rx
}

/// "Run now": SIGUSR1 (in the container: `supervisorctl signal USR1 extractor`) wakes the
/// timer loop at once. Requests that arrive while a run is going collapse into one.
fn listen_for_run_requests() -> Arc<Notify> {
    let requests = Arc::new(Notify::new());
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::user_defined1()) {
            Ok(mut usr1) => {
                let notify = requests.clone();
                tokio::spawn(async move {
                    while usr1.recv().await.is_some() {
                        notify.notify_one();
                    }
                });
            }
            Err(error) => {
                log::warn!("Cannot listen for SIGUSR1 ({error}); runs only on the timer.")
            }
        }
    }
    requests
}

#[cfg(unix)]
async fn wait_for_signal() -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = tokio::signal::ctrl_c() => "SIGINT",
        },
        Err(error) => {
            log::warn!("Cannot listen for SIGTERM ({error}); only Ctrl-C stops the service.");
            let _ = tokio::signal::ctrl_c().await;
            "SIGINT"
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() -> &'static str {
    let _ = tokio::signal::ctrl_c().await;
    "Ctrl-C"
}

/// Blocking start-up: wait for the database, migrate it, build the job.
fn prepare<J, B>(config: &Config, cancel: &CancelToken, build: B) -> Result<J, ExitCode>
where
    J: Job,
    B: FnOnce(&Config, Database) -> anyhow::Result<J>,
{
    // Wait and migrate as the login user: on a fresh database the service's role does not
    // exist until the migrations create it, so a pool that switches to it could not connect.
    let login = wait_for_database(config, cancel)?;
    if let Err(error) = login.run_migrations() {
        log::error!("Database migrations failed: {error:#}.");
        return Err(ExitCode::from(1));
    }
    drop(login);
    let database = Database::new(&config.database_settings(Some(J::DATABASE_ROLE)))
        .and_then(|database| database.ping().map(|()| database))
        .map_err(|error| {
            log::error!(
                "Cannot work as database role {}: {error:#}.",
                J::DATABASE_ROLE
            );
            ExitCode::from(1)
        })?;
    build(config, database).map_err(|error| {
        log::error!("Cannot start: {error:#}.");
        ExitCode::from(1)
    })
}

/// Retries until Postgres answers or `database.startup_timeout` passes (exit code 4).
fn wait_for_database(config: &Config, cancel: &CancelToken) -> Result<Database, ExitCode> {
    let deadline = Instant::now() + config.database.startup_timeout;
    let database = Database::new(&config.database_settings(None)).map_err(|error| {
        log::error!("Cannot set up the database pool: {error:#}.");
        ExitCode::from(1)
    })?;
    let mut attempt = 1;
    loop {
        match database.ping() {
            Ok(()) => {
                if attempt > 1 {
                    log::info!("Database reachable after {attempt} attempts.");
                }
                return Ok(database);
            }
            Err(error) if Instant::now() < deadline => {
                // One warning; the attempts after it are DEBUG lines (the last one is ERROR).
                let level = if attempt == 1 {
                    log::Level::Warn
                } else {
                    log::Level::Debug
                };
                log::log!(
                    level,
                    "Database {} not reachable yet (attempt {attempt}), retrying every {}s for up to {}: {error}",
                    redact_url(&config.database.url),
                    DATABASE_RETRY_PAUSE.as_secs(),
                    humantime::format_duration(config.database.startup_timeout)
                );
                if !cancel.sleep(DATABASE_RETRY_PAUSE) {
                    return Err(ExitCode::from(130));
                }
                attempt += 1;
            }
            Err(error) => {
                log::error!(
                    "Database {} still not reachable after {}; giving up: {error}",
                    redact_url(&config.database.url),
                    humantime::format_duration(config.database.startup_timeout)
                );
                return Err(ExitCode::from(4));
            }
        }
    }
}
