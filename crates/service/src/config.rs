//! `config.yaml`: every knob of both services, parsed and validated in one place.
//!
//! Durations follow one grammar ([`crate::duration`]); every duration and number has a lower
//! and an upper bound ([`Config::validate`]). Every error is one line naming the key once,
//! with its full path.
use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use repository::staging::Entity;
use serde::Deserialize;

/// Environment variable that overrides `database.url`.
pub const DATABASE_URL_ENV: &str = "DATABASE_URL";
/// Environment variable that overrides `api.url`.
pub const API_URL_ENV: &str = "SPACEX_API_URL";
/// Environment variable that overrides `martmaker.listen` (the container listens on every
/// interface so that Compose can publish the read API; the file's default is loopback).
pub const MARTMAKER_LISTEN_ENV: &str = "MARTMAKER_LISTEN";

/// The whole configuration file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Log filter when `RUST_LOG` is not set (`error`, `warn`, `info`, `debug`, `trace`).
    #[serde(default = "defaults::log_level")]
    pub log_level: String,
    /// How each log line is written: `text` for people, `json` for log collectors.
    #[serde(default)]
    pub log_format: LogFormat,
    /// Where the data lives.
    #[serde(default)]
    pub database: DatabaseConfig,
    /// The SpaceX GraphQL API.
    #[serde(default)]
    pub api: ApiConfig,
    /// The extractor's timer, metrics address and freshness rule.
    #[serde(default)]
    pub extractor: ExtractorConfig,
    /// The martmaker's timer and read API address.
    #[serde(default)]
    pub martmaker: MartmakerConfig,
    /// What a service logs as warnings once logging is set up (e.g. a file that sets nothing).
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// `log_format`: one line per record either way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// `[timestamp LEVEL target] message`, env_logger's own layout.
    #[default]
    Text,
    /// One JSON object per line: `timestamp`, `level`, `target`, `message`, and `run_id` or
    /// `build_id` on the lines about one extract run or mart build.
    Json,
}

/// `database:` section.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// libpq URL; `DATABASE_URL` wins over it. Put no password here: use the environment.
    #[serde(default = "defaults::database_url")]
    pub url: String,
    /// Connections per service (at least 2).
    #[serde(default = "defaults::pool_size")]
    pub pool_size: u32,
    /// Longest wait for one connection.
    #[serde(
        default = "defaults::connect_timeout",
        deserialize_with = "crate::duration::deserialize"
    )]
    pub connect_timeout: Duration,
    /// How long a starting service waits for the database before giving up (exit code 4).
    #[serde(
        default = "defaults::startup_timeout",
        deserialize_with = "crate::duration::deserialize"
    )]
    pub startup_timeout: Duration,
}

/// `api:` section.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiConfig {
    /// GraphQL endpoint; `SPACEX_API_URL` wins over it.
    #[serde(default = "defaults::api_url")]
    pub url: String,
    /// Records per request (`limit`).
    #[serde(default = "defaults::page_size")]
    pub page_size: u32,
    /// TCP/TLS connect timeout.
    #[serde(
        default = "defaults::api_connect_timeout",
        deserialize_with = "crate::duration::deserialize"
    )]
    pub connect_timeout: Duration,
    /// Longest silence while reading a response.
    #[serde(
        default = "defaults::read_timeout",
        deserialize_with = "crate::duration::deserialize"
    )]
    pub read_timeout: Duration,
    /// Longest time for one request, all included.
    #[serde(
        default = "defaults::request_timeout",
        deserialize_with = "crate::duration::deserialize"
    )]
    pub request_timeout: Duration,
    /// Responses larger than this are refused.
    #[serde(default = "defaults::max_response_bytes")]
    pub max_response_bytes: u64,
    /// Back-off on transient failures.
    #[serde(default)]
    pub retry: RetryConfig,
}

/// `api.retry:` section.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryConfig {
    /// Attempts per request, the first included.
    #[serde(default = "defaults::max_attempts")]
    pub max_attempts: u32,
    /// Upper bound of the first back-off (then doubling, with full jitter).
    #[serde(
        default = "defaults::initial_backoff",
        deserialize_with = "crate::duration::deserialize"
    )]
    pub initial_backoff: Duration,
    /// Upper bound of any back-off, `Retry-After` included.
    #[serde(
        default = "defaults::max_backoff",
        deserialize_with = "crate::duration::deserialize"
    )]
    pub max_backoff: Duration,
}

/// `extractor:` section.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtractorConfig {
    /// Pause between the end of one run and the start of the next.
    #[serde(
        default = "defaults::extractor_interval",
        deserialize_with = "crate::duration::deserialize"
    )]
    pub interval: Duration,
    /// Where the extractor serves `/metrics` and `/healthz`.
    #[serde(default = "defaults::metrics_listen")]
    pub metrics_listen: Listen,
    /// Staging counts as stale after this many `interval`s without a successful extraction.
    #[serde(default = "defaults::stale_after_intervals")]
    pub stale_after_intervals: u32,
    /// What to extract: names of [`Entity`]s (default: all of them). An
    /// entity left out keeps its staging rows as they are.
    #[serde(default = "defaults::entities")]
    pub entities: Vec<String>,
    /// The entities a run cannot do without: one the upstream cannot serve (GraphQL errors,
    /// records of another shape) makes the run `partial`, as any failure does. Any other
    /// entity the upstream cannot serve is reported `unavailable` and the run still succeeds.
    #[serde(default = "defaults::required")]
    pub required: Vec<String>,
    /// An entity whose fetch brings fewer records than this share of the rows staging holds
    /// (or none where it holds some) is not applied: it keeps its rows and the run is
    /// `partial` until the shrink is accepted (`extractor --once --accept-shrink ENTITY`).
    /// 0 turns the guard off.
    #[serde(default = "defaults::shrink_guard")]
    pub shrink_guard: f64,
    /// A fetch running longer than this logs a progress line, and another one each time
    /// this much more has passed.
    #[serde(
        default = "defaults::progress_interval",
        deserialize_with = "crate::duration::deserialize"
    )]
    pub progress_interval: Duration,
    /// After a failed run the next one comes this much later, not a whole `interval`: then
    /// twice as late after each failure in a row, up to `interval` (an API host that is down
    /// for a moment, or a first start before the network is up, is not an hour of no data).
    #[serde(
        default = "defaults::retry_failed_after",
        deserialize_with = "crate::duration::deserialize"
    )]
    pub retry_failed_after: Duration,
}

/// `martmaker:` section.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MartmakerConfig {
    /// Pause between the end of one run and the start of the next.
    #[serde(
        default = "defaults::martmaker_interval",
        deserialize_with = "crate::duration::deserialize"
    )]
    pub interval: Duration,
    /// Where the martmaker serves the read API, `/healthz`, `/readyz` and `/metrics`.
    #[serde(default = "defaults::listen")]
    pub listen: Listen,
    /// A build whose row count of an entity changed by more than this share of the previous
    /// build's records its `row_count_change` check as `warn` (it is published anyway).
    #[serde(default = "defaults::row_count_change_warn")]
    pub row_count_change_warn: f64,
}

/// An HTTP listen address (`127.0.0.1:8000`, `0.0.0.0:8000`, `[::1]:8000`: an IP, so that the
/// config says exactly which interface is exposed; `localhost:8000` means `127.0.0.1:8000`),
/// or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum Listen {
    /// No HTTP server.
    Off,
    /// Serve on this address (port 0: any free port, logged at start).
    Address(SocketAddr),
}

impl Listen {
    /// The address, unless `off`.
    pub fn address(self) -> Option<SocketAddr> {
        match self {
            Listen::Off => None,
            Listen::Address(address) => Some(address),
        }
    }
}

impl fmt::Display for Listen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Listen::Off => f.write_str("off"),
            Listen::Address(address) => address.fmt(f),
        }
    }
}

impl TryFrom<String> for Listen {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        let value = value.trim();
        if value.eq_ignore_ascii_case("off") {
            return Ok(Listen::Off);
        }
        let loopback = value
            .strip_prefix("localhost:")
            .map(|port| format!("127.0.0.1:{port}"));
        loopback
            .as_deref()
            .unwrap_or(value)
            .parse()
            .map(Listen::Address)
            .map_err(|_| {
                format!(
                    "`{}` is not IP:port (e.g. 127.0.0.1:8000, [::1]:8000, localhost:8000) or off",
                    crate::http::cut(value)
                )
            })
    }
}

mod defaults {
    use super::{Entity, Listen};
    use std::net::{Ipv4Addr, SocketAddr};
    use std::time::Duration;

    pub fn log_level() -> String {
        "info".into()
    }
    pub fn database_url() -> String {
        "postgres://greenadam@localhost:5432/greenadam".into()
    }
    pub fn pool_size() -> u32 {
        2
    }
    pub fn connect_timeout() -> Duration {
        Duration::from_secs(5)
    }
    pub fn startup_timeout() -> Duration {
        Duration::from_secs(120)
    }
    pub fn api_url() -> String {
        "https://spacex-production.up.railway.app/".into()
    }
    pub fn page_size() -> u32 {
        100
    }
    pub fn api_connect_timeout() -> Duration {
        Duration::from_secs(10)
    }
    pub fn read_timeout() -> Duration {
        Duration::from_secs(30)
    }
    pub fn request_timeout() -> Duration {
        Duration::from_secs(120)
    }
    pub fn max_response_bytes() -> u64 {
        32 * 1024 * 1024
    }
    pub fn max_attempts() -> u32 {
        5
    }
    pub fn initial_backoff() -> Duration {
        Duration::from_millis(500)
    }
    pub fn max_backoff() -> Duration {
        Duration::from_secs(30)
    }
    pub fn extractor_interval() -> Duration {
        Duration::from_secs(3600)
    }
    pub fn metrics_listen() -> Listen {
        Listen::Address(SocketAddr::from((Ipv4Addr::LOCALHOST, 8001)))
    }
    pub fn stale_after_intervals() -> u32 {
        3
    }
    pub fn entities() -> Vec<String> {
        Entity::ALL.iter().map(Entity::to_string).collect()
    }
    pub fn required() -> Vec<String> {
        let required = Entity::ALL.iter().filter(|entity| entity.required());
        let mut names: Vec<String> = required.map(Entity::to_string).collect();
        names.sort(); // a set: by name, as config.yaml lists it
        names
    }
    pub fn shrink_guard() -> f64 {
        0.5
    }
    pub fn progress_interval() -> Duration {
        Duration::from_secs(10)
    }
    pub fn retry_failed_after() -> Duration {
        Duration::from_secs(60)
    }
    pub fn martmaker_interval() -> Duration {
        Duration::from_secs(60)
    }
    pub fn listen() -> Listen {
        Listen::Address(SocketAddr::from((Ipv4Addr::LOCALHOST, 8000)))
    }
    pub fn row_count_change_warn() -> f64 {
        repository::marts::DEFAULT_ROW_COUNT_CHANGE_WARN
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: defaults::database_url(),
            pool_size: defaults::pool_size(),
            connect_timeout: defaults::connect_timeout(),
            startup_timeout: defaults::startup_timeout(),
        }
    }
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            url: defaults::api_url(),
            page_size: defaults::page_size(),
            connect_timeout: defaults::api_connect_timeout(),
            read_timeout: defaults::read_timeout(),
            request_timeout: defaults::request_timeout(),
            max_response_bytes: defaults::max_response_bytes(),
            retry: RetryConfig::default(),
        }
    }
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_attempts: defaults::max_attempts(),
            initial_backoff: defaults::initial_backoff(),
            max_backoff: defaults::max_backoff(),
        }
    }
}

impl Default for ExtractorConfig {
    fn default() -> Self {
        ExtractorConfig {
            interval: defaults::extractor_interval(),
            metrics_listen: defaults::metrics_listen(),
            stale_after_intervals: defaults::stale_after_intervals(),
            entities: defaults::entities(),
            required: defaults::required(),
            shrink_guard: defaults::shrink_guard(),
            progress_interval: defaults::progress_interval(),
            retry_failed_after: defaults::retry_failed_after(),
        }
    }
}

impl Default for MartmakerConfig {
    fn default() -> Self {
        MartmakerConfig {
            interval: defaults::martmaker_interval(),
            listen: defaults::listen(),
            row_count_change_warn: defaults::row_count_change_warn(),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            log_level: defaults::log_level(),
            log_format: LogFormat::default(),
            database: DatabaseConfig::default(),
            api: ApiConfig::default(),
            extractor: ExtractorConfig::default(),
            martmaker: MartmakerConfig::default(),
            warnings: Vec::new(),
        }
    }
}

/// The URL with its password replaced, for logs and `Debug`.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // Setting a password fails only for URLs that cannot carry one; keep it parsed then.
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "<unparsable URL>".into(),
    }
}

impl fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &redact_url(&self.url))
            .field("pool_size", &self.pool_size)
            .field("connect_timeout", &self.connect_timeout)
            .field("startup_timeout", &self.startup_timeout)
            .finish()
    }
}

/// `extractor.entities`: known names, at least one, and each relation with its owner (a
/// relation's rows hang off the owner's rows of the same run).
fn validate_entities(names: &[String]) -> Result<(), ConfigError> {
    let key = "extractor.entities";
    if names.is_empty() {
        return Err(invalid(key, "must list at least one entity"));
    }
    for name in names {
        let entity = known_entity(key, name)?;
        if let Some(owner) = entity
            .owner()
            .filter(|owner| !names.iter().any(|n| n == owner.as_str()))
        {
            return Err(invalid(
                key,
                format!("`{name}` needs `{owner}` in the list too"),
            ));
        }
    }
    Ok(())
}

/// The entity named `name`, or an error naming `key` and listing the known names.
pub fn known_entity(key: &str, name: &str) -> Result<Entity, ConfigError> {
    name.parse().map_err(|_| {
        let all: Vec<&str> = Entity::ALL.iter().map(|e| e.as_str()).collect();
        invalid(
            key,
            format!("unknown entity `{name}` (known: {})", all.join(", ")),
        )
    })
}

/// A configuration problem, always naming the key (or environment variable) at fault.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// `extractor.interval`, `DATABASE_URL`, or the file path when it cannot be read.
    pub key: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

impl std::error::Error for ConfigError {}

fn invalid(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        key: key.to_string(),
        message: message.into(),
    }
}

impl Config {
    /// Reads `path`, applies the environment overrides, validates.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| invalid(&path.display().to_string(), format!("cannot read: {e}")))?;
        let overrides = [DATABASE_URL_ENV, API_URL_ENV, MARTMAKER_LISTEN_ENV]
            .map(|name| (name, std::env::var(name).ok().filter(|v| !v.is_empty())));
        Config::from_yaml(&text, &overrides)
    }

    /// Parses YAML text and applies `overrides` (environment variable name → value).
    pub fn from_yaml(
        text: &str,
        overrides: &[(&str, Option<String>)],
    ) -> Result<Config, ConfigError> {
        // A file without a key (empty, comments only, `{}`) means "all defaults", said once.
        let sets_nothing = match serde_yaml::from_str::<serde_yaml::Value>(text) {
            Ok(serde_yaml::Value::Null) => true,
            Ok(serde_yaml::Value::Mapping(keys)) => keys.is_empty(),
            _ => false,
        };
        let mut config: Config = if sets_nothing {
            Config::default()
        } else {
            let deserializer = serde_yaml::Deserializer::from_str(text);
            serde_path_to_error::deserialize(deserializer)
                .map_err(|error| yaml_error(text, error))?
        };
        for (name, value) in overrides {
            match (*name, value) {
                (DATABASE_URL_ENV, Some(v)) => config.database.url = v.clone(),
                (API_URL_ENV, Some(v)) => config.api.url = v.clone(),
                (MARTMAKER_LISTEN_ENV, Some(v)) => {
                    config.martmaker.listen = Listen::try_from(v.clone())
                        .map_err(|message| invalid(MARTMAKER_LISTEN_ENV, message))?;
                }
                _ => {}
            }
        }
        config.validate(overrides)?;
        if sets_nothing {
            config.warnings.push(format!(
                "The configuration file sets nothing: running on the defaults (database {}, API {}, martmaker.listen {}, extractor.metrics_listen {}).",
                redact_url(&config.database.url),
                config.api.url,
                config.martmaker.listen,
                config.extractor.metrics_listen,
            ));
        }
        Ok(config)
    }

    fn validate(&self, overrides: &[(&str, Option<String>)]) -> Result<(), ConfigError> {
        // Name the environment variable when it, not the file, supplied the bad value.
        let source = |key: &'static str, env: &'static str| {
            if overrides.iter().any(|(n, v)| *n == env && v.is_some()) {
                env
            } else {
                key
            }
        };
        let api_key = source("api.url", API_URL_ENV);
        let api = url::Url::parse(&self.api.url).map_err(|e| invalid(api_key, e.to_string()))?;
        if !matches!(api.scheme(), "http" | "https") || api.host_str().is_none() {
            return Err(invalid(
                api_key,
                "must be an http:// or https:// URL with a host",
            ));
        }
        let db_key = source("database.url", DATABASE_URL_ENV);
        let db = url::Url::parse(&self.database.url).map_err(|e| invalid(db_key, e.to_string()))?;
        if !matches!(db.scheme(), "postgres" | "postgresql") {
            return Err(invalid(db_key, "must be a postgres:// URL"));
        }
        for (key, value, bounds) in self.durations() {
            bounds.check(key, value, crate::duration::format)?;
        }
        for (key, value, bounds) in self.numbers() {
            bounds.check(key, value, |n: u64| n.to_string())?;
        }
        if self.api.retry.initial_backoff > self.api.retry.max_backoff {
            return Err(invalid(
                "api.retry.initial_backoff",
                "must not exceed api.retry.max_backoff",
            ));
        }
        validate_entities(&self.extractor.entities)?;
        for name in &self.extractor.required {
            known_entity("extractor.required", name)?;
        }
        // A share of the staged rows; 0 turns the guard off.
        Bounds(0.0, 1.0).check(
            "extractor.shrink_guard",
            self.extractor.shrink_guard,
            |share| share.to_string(),
        )?;
        // A share of the previous count: 0 warns at any change, 100 at a 101-fold growth.
        Bounds(0.0, 100.0).check(
            "martmaker.row_count_change_warn",
            self.martmaker.row_count_change_warn,
            |share| share.to_string(),
        )?;
        // Both services usually run in one container: one port for both would fail at start.
        let ports = (
            self.extractor.metrics_listen.address(),
            self.martmaker.listen.address(),
        );
        if let (Some(metrics), Some(api)) = ports {
            if metrics == api && metrics.port() != 0 {
                return Err(invalid(
                    "extractor.metrics_listen",
                    "must differ from martmaker.listen",
                ));
            }
        }
        if self.log_level.parse::<log::LevelFilter>().is_err() {
            return Err(invalid(
                "log_level",
                "must be one of off, error, warn, info, debug, trace",
            ));
        }
        Ok(())
    }

    /// Every duration key, its value and its bounds: timeouts and back-offs at least 10 ms (a
    /// smaller one cannot be met), timers at least 1 s (a shorter one is a busy loop against
    /// the API or the database), nothing longer than makes sense for its job.
    fn durations(&self) -> [(&'static str, Duration, Bounds<Duration>); 11] {
        let ms = Duration::from_millis;
        let s = Duration::from_secs;
        let timeout = Bounds(ms(10), s(600));
        [
            (
                "database.connect_timeout",
                self.database.connect_timeout,
                timeout,
            ),
            (
                "database.startup_timeout",
                self.database.startup_timeout,
                Bounds(s(1), s(86_400)),
            ),
            ("api.connect_timeout", self.api.connect_timeout, timeout),
            (
                "api.read_timeout",
                self.api.read_timeout,
                Bounds(ms(10), s(3_600)),
            ),
            (
                "api.request_timeout",
                self.api.request_timeout,
                Bounds(ms(10), s(3_600)),
            ),
            (
                "api.retry.initial_backoff",
                self.api.retry.initial_backoff,
                timeout,
            ),
            (
                "api.retry.max_backoff",
                self.api.retry.max_backoff,
                Bounds(ms(10), s(3_600)),
            ),
            (
                "extractor.interval",
                self.extractor.interval,
                Bounds(s(1), s(7 * 86_400)),
            ),
            (
                "martmaker.interval",
                self.martmaker.interval,
                Bounds(s(1), s(86_400)),
            ),
            // As the timer it shortens.
            (
                "extractor.retry_failed_after",
                self.extractor.retry_failed_after,
                Bounds(s(1), s(7 * 86_400)),
            ),
            // Only a log line's cadence: short values are for tests.
            (
                "extractor.progress_interval",
                self.extractor.progress_interval,
                Bounds(ms(100), s(3_600)),
            ),
        ]
    }

    /// Every number key, its value and its bounds.
    fn numbers(&self) -> [(&'static str, u64, Bounds<u64>); 5] {
        [
            // The extractor holds one connection for its run lock and works on another; more
            // than Postgres' default max_connections cannot all connect.
            (
                "database.pool_size",
                self.database.pool_size.into(),
                Bounds(2, 100),
            ),
            (
                "api.page_size",
                self.api.page_size.into(),
                Bounds(1, 10_000),
            ),
            (
                "api.max_response_bytes",
                self.api.max_response_bytes,
                Bounds(1, 1 << 30),
            ),
            (
                "api.retry.max_attempts",
                self.api.retry.max_attempts.into(),
                Bounds(1, 100),
            ),
            (
                "extractor.stale_after_intervals",
                self.extractor.stale_after_intervals.into(),
                Bounds(1, 1_000),
            ),
        ]
    }

    /// What a mart build takes from the configuration.
    pub fn build_settings(&self) -> repository::marts::BuildSettings {
        repository::marts::BuildSettings {
            row_count_change_warn: self.martmaker.row_count_change_warn,
        }
    }

    /// How long staging may go without a successful extraction before it counts as stale.
    pub fn stale_after(&self) -> Duration {
        self.extractor
            .interval
            .saturating_mul(self.extractor.stale_after_intervals)
    }

    /// How often an extractor that keeps finding the upstream unchanged writes that down: the
    /// heartbeat that keeps staging "fresh" for `/readyz`, `greenadam_staging_stale` and the
    /// stale warnings while the checks in between write nothing. Half of
    /// [`stale_after`](Self::stale_after), and at least one and a half intervals short of it.
    ///
    /// A check is written on the first tick after the heartbeat is due, so up to one interval
    /// (plus the run's own time) late: the newest written check is never older than the
    /// heartbeat, one interval and the run time together. That leaves at least half an
    /// interval for the run itself (the fetch) before staging would look stale; with more
    /// intervals, the other half of the limit absorbs ticks that fail. The defaults (1h, 3
    /// intervals): 1h30m, one written check every second idle tick. With 2 intervals or fewer
    /// every check is written, as the margin demands.
    pub fn heartbeat_interval(&self) -> Duration {
        let limit = self.stale_after();
        let margin = self.extractor.interval.saturating_mul(3) / 2;
        (limit / 2).min(limit.saturating_sub(margin))
    }

    /// Settings for the SpaceX API client.
    pub fn client_settings(&self) -> sxapi::ClientSettings {
        let api = &self.api;
        sxapi::ClientSettings {
            url: api.url.clone(),
            page_size: api.page_size,
            connect_timeout: api.connect_timeout,
            read_timeout: api.read_timeout,
            request_timeout: api.request_timeout,
            max_response_bytes: api.max_response_bytes,
            retry: sxapi::RetryPolicy {
                max_attempts: api.retry.max_attempts,
                initial_backoff: api.retry.initial_backoff,
                max_backoff: api.retry.max_backoff,
            },
        }
    }

    /// Settings for a database pool whose connections work as `role` (see the roles migration).
    pub fn database_settings(&self, role: Option<&str>) -> repository::DatabaseSettings {
        repository::DatabaseSettings {
            url: self.database.url.clone(),
            pool_size: self.database.pool_size,
            connect_timeout: self.database.connect_timeout,
            role: role.map(str::to_string),
        }
    }
}

/// The inclusive range a key's value must lie in.
#[derive(Debug, Clone, Copy)]
struct Bounds<T>(T, T);

impl<T: PartialOrd + Copy> Bounds<T> {
    /// `key: 10ms is below the minimum of 1s` (or above the maximum).
    fn check(self, key: &str, value: T, show: impl Fn(T) -> String) -> Result<(), ConfigError> {
        let Bounds(min, max) = self;
        if value < min {
            Err(invalid(
                key,
                format!("{} is below the minimum of {}", show(value), show(min)),
            ))
        } else if value > max {
            Err(invalid(
                key,
                format!("{} is above the maximum of {}", show(value), show(max)),
            ))
        } else {
            Ok(())
        }
    }
}

/// A parse error as one line naming the key once: `database.pool_size: invalid type: integer
/// `-3`, expected u32 (line 2, column 14)`. serde_yaml puts its own (partial) path in front
/// of its message and the position at its end (or in the middle): both are taken out. A YAML
/// syntax error stops the parser before it knows the key (`database.?`): the key is then read
/// from the text, by indentation, at the line where the parser stopped.
fn yaml_error(text: &str, error: serde_path_to_error::Error<serde_yaml::Error>) -> ConfigError {
    let path = error.path().to_string();
    let inner = error.into_inner();
    let location = inner.location();
    let mut message = inner.to_string();
    if let Some(location) = &location {
        let at = format!(" at line {} column {}", location.line(), location.column());
        message = message.replace(&at, "");
    }
    let segments: Vec<&str> = path.split('.').filter(|s| !s.is_empty()).collect();
    for known in (1..=segments.len()).rev() {
        if let Some(rest) = message.strip_prefix(&format!("{}: ", segments[..known].join("."))) {
            message = rest.to_string();
            break;
        }
    }
    let syntax = path == "." || segments.contains(&"?");
    let key = match (&location, syntax) {
        (Some(location), true) => key_at_line(text, location.line()),
        _ => path.clone(),
    };
    let key = if key.is_empty() || key == "." {
        "config".to_string()
    } else {
        key
    };
    let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
    let message = match (location, syntax) {
        (Some(l), true) => format!(
            "YAML syntax error (line {}, column {}): {message}",
            l.line(),
            l.column()
        ),
        (Some(l), false) => format!("{message} (line {}, column {})", l.line(), l.column()),
        (None, _) => message,
    };
    invalid(&key, message)
}

/// The key path of the 1-based `line` of a YAML text, read by indentation: the key on that
/// line (or the nearest one above it), then each key above it that is indented less.
fn key_at_line(text: &str, line: usize) -> String {
    fn keyed(raw: &str) -> Option<(usize, &str)> {
        let trimmed = raw.trim_start();
        let indent = raw.len() - trimmed.len();
        let key = trimmed.split_once(':')?.0.trim();
        let plain = !key.is_empty()
            && !key.starts_with('#')
            && key
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
        plain.then_some((indent, key))
    }
    let mut path = Vec::new();
    let mut deeper_than = usize::MAX;
    for raw in text
        .lines()
        .take(line)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
    {
        if let Some((indent, key)) = keyed(raw) {
            if indent < deeper_than {
                path.push(key);
                deeper_than = indent;
            }
        }
    }
    path.reverse();
    path.join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::from_yaml(text, &[])
    }

    #[test]
    fn the_shipped_config_yaml_is_valid_and_equals_the_defaults() {
        let shipped = include_str!("../../../config.yaml");
        assert_eq!(parse(shipped), Ok(Config::default()));
    }

    #[test]
    fn a_file_that_sets_nothing_runs_on_the_defaults_with_a_warning() {
        for text in ["", "# only a comment\n", "{}\n", "~\n"] {
            let config = parse(text).expect(text);
            assert_eq!(
                Config {
                    warnings: Vec::new(),
                    ..config.clone()
                },
                Config::default()
            );
            assert_eq!(
                config.warnings,
                ["The configuration file sets nothing: running on the defaults (database postgres://greenadam@localhost:5432/greenadam, API https://spacex-production.up.railway.app/, martmaker.listen 127.0.0.1:8000, extractor.metrics_listen 127.0.0.1:8001)."],
                "{text:?}"
            );
        }
        assert_eq!(
            parse("log_level: info\n").expect("valid").warnings,
            Vec::<String>::new()
        );
    }

    #[test]
    fn durations_follow_the_one_grammar() {
        let config = parse("extractor:\n  interval: 1h 30m\nmartmaker:\n  interval: 1m30s\napi:\n  read_timeout: 500ms\n")
            .expect("valid");
        assert_eq!(config.extractor.interval, Duration::from_secs(5400));
        assert_eq!(config.martmaker.interval, Duration::from_secs(90));
        assert_eq!(config.api.read_timeout, Duration::from_millis(500));
        for value in ["5 minutes", "5 mins", "1y", "5", "1.5h"] {
            let err = parse(&format!("extractor:\n  interval: {value}\n")).expect_err(value);
            assert_eq!(
                err.to_string(),
                format!("extractor.interval: `{value}` is not a duration like 90s, 5m, 1h 30m or 500ms (units d, h, m, s, ms) (line 2, column 3)")
            );
        }
    }

    #[test]
    fn every_duration_has_a_lower_and_an_upper_bound() {
        let config = Config::default();
        assert_eq!(config.durations().len(), 11);
        for (key, _, Bounds(min, max)) in config.durations() {
            let (section, name) = key.rsplit_once('.').expect("dotted");
            let yaml = |value: Duration| {
                let mut yaml = String::new();
                for (depth, part) in section.split('.').enumerate() {
                    yaml += &format!("{}{part}:\n", "  ".repeat(depth));
                }
                let depth = section.split('.').count();
                yaml + &format!(
                    "{}{name}: {}\n",
                    "  ".repeat(depth),
                    crate::duration::format(value)
                )
            };
            // Keep initial_backoff ≤ max_backoff apart from the bound under test.
            for inside in [min, max] {
                let text = yaml(inside);
                let text = match key {
                    "api.retry.initial_backoff" => text + "    max_backoff: 1h\n",
                    "api.retry.max_backoff" => text + "    initial_backoff: 10ms\n",
                    _ => text,
                };
                assert!(
                    parse(&text).is_ok(),
                    "{key} = {inside:?} is allowed: {:?}",
                    parse(&text)
                );
            }
            let below = parse(&yaml(min - Duration::from_millis(1))).expect_err(key);
            assert_eq!(
                below.to_string(),
                format!(
                    "{key}: {} is below the minimum of {}",
                    crate::duration::format(min - Duration::from_millis(1)),
                    crate::duration::format(min)
                )
            );
            let above = parse(&yaml(max + Duration::from_millis(1))).expect_err(key);
            assert_eq!(
                above.to_string(),
                format!(
                    "{key}: {} is above the maximum of {}",
                    crate::duration::format(max + Duration::from_millis(1)),
                    crate::duration::format(max)
                )
            );
        }
        // The case: a 10 ms timer would make the extractor a busy loop.
        let err = parse("extractor:\n  interval: 10ms\n").expect_err("too short");
        assert_eq!(
            err.to_string(),
            "extractor.interval: 10ms is below the minimum of 1s"
        );
    }

    #[test]
    fn every_error_class_is_one_line_naming_the_key_once() {
        for (yaml, expected) in [
            // A wrong type.
            ("database:\n  pool_size: -3\n", "database.pool_size: invalid type: integer `-3`, expected u32 (line 2, column 14)"),
            // A value its own parser refuses.
            ("extractor:\n  metrics_listen: anywhere:8001\n", "extractor.metrics_listen: `anywhere:8001` is not IP:port (e.g. 127.0.0.1:8000, [::1]:8000, localhost:8000) or off (line 2, column 3)"),
            // Out of bounds.
            ("database:\n  pool_size: 1\n", "database.pool_size: 1 is below the minimum of 2"),
            ("api:\n  page_size: 10001\n", "api.page_size: 10001 is above the maximum of 10000"),
            // An unknown key.
            ("extractor:\n  intervall: 5s\n", "extractor.intervall: unknown field `intervall`, expected one of `interval`, `metrics_listen`, `stale_after_intervals`, `entities`, `required`, `shrink_guard`, `progress_interval`, `retry_failed_after` (line 2, column 3)"),
            // A duplicate key.
            ("database:\n  pool_size: 3\n  pool_size: 4\n", "database: duplicate field `pool_size` (line 2, column 3)"),
            // YAML syntax: over- and under-indented lines, an unclosed list.
            ("database:\n  url: postgres://x/y\n   pool_size: 3\n", "database.url.pool_size: YAML syntax error (line 3, column 13): mapping values are not allowed in this context"),
            ("database:\n  url: postgres://x/y\n pool_size: 3\n", "database.pool_size: YAML syntax error (line 3, column 2): did not find expected key, while parsing a block mapping"),
            ("api:\n  retry:\n    max_attempts: [1\n", "api.retry.max_attempts: invalid type: sequence, expected u32 (line 3, column 19)"),
            // Cross-key rules.
            ("extractor:\n  metrics_listen: 127.0.0.1:8000\n", "extractor.metrics_listen: must differ from martmaker.listen"),
        ] {
            let err = parse(yaml).expect_err(yaml);
            assert_eq!(err.to_string(), expected, "{yaml:?}");
        }
    }

    #[test]
    fn unknown_key_is_named() {
        let err = parse("extractor:\n  intervall: 5s\n").expect_err("unknown key");
        assert_eq!(err.key, "extractor.intervall");
        assert!(err.message.contains("unknown field"), "{err}");
        let err = parse("colour: blue\n").expect_err("unknown key");
        assert_eq!(err.key, "colour");
    }

    #[test]
    fn zero_or_negative_interval_is_named() {
        let err = parse("martmaker:\n  interval: 0s\n").expect_err("zero");
        assert_eq!(
            err.to_string(),
            "martmaker.interval: 0s is below the minimum of 1s"
        );
        let err = parse("extractor:\n  interval: -5s\n").expect_err("negative");
        assert_eq!(err.key, "extractor.interval");
        let err = parse("extractor:\n  interval: 5\n").expect_err("no unit");
        assert_eq!(err.key, "extractor.interval");
    }

    #[test]
    fn bad_urls_are_named() {
        let err = parse("api:\n  url: not a url\n").expect_err("bad url");
        assert_eq!(err.key, "api.url");
        let err = parse("api:\n  url: ftp://example.com/\n").expect_err("bad scheme");
        assert_eq!(err.key, "api.url");
        let err = parse("database:\n  url: mysql://x/y\n").expect_err("bad db url");
        assert_eq!(err.key, "database.url");
    }

    #[test]
    fn environment_overrides_win_and_are_named_when_bad() {
        let overrides = [
            (
                DATABASE_URL_ENV,
                Some("postgres://u:secret@db:5432/x".to_string()),
            ),
            (API_URL_ENV, Some("http://127.0.0.1:4000/".to_string())),
        ];
        let config = Config::from_yaml("", &overrides).expect("valid");
        assert_eq!(config.database.url, "postgres://u:secret@db:5432/x");
        assert_eq!(config.api.url, "http://127.0.0.1:4000/");
        let bad = [(API_URL_ENV, Some("nope".to_string()))];
        let err = Config::from_yaml("", &bad).expect_err("bad env");
        assert_eq!(err.key, API_URL_ENV);
    }

    #[test]
    fn the_read_api_address_can_come_from_the_environment() {
        let set = |v: &str| [(MARTMAKER_LISTEN_ENV, Some(v.to_string()))];
        let config = Config::from_yaml("", &set("0.0.0.0:8000")).expect("valid");
        assert_eq!(
            config.martmaker.listen.address(),
            Some("0.0.0.0:8000".parse().expect("address"))
        );
        let err = Config::from_yaml("", &set("everywhere")).expect_err("bad");
        assert_eq!(err.key, MARTMAKER_LISTEN_ENV);
    }

    #[test]
    fn listen_addresses_parse_or_are_named() {
        let config =
            parse("martmaker:\n  listen: 0.0.0.0:9000\nextractor:\n  metrics_listen: off\n")
                .expect("valid");
        assert_eq!(
            config.martmaker.listen.address(),
            Some("0.0.0.0:9000".parse().expect("address"))
        );
        assert_eq!(config.extractor.metrics_listen, Listen::Off);
        let loopback = |yaml: &str| parse(yaml).expect(yaml).martmaker.listen.address();
        assert_eq!(
            loopback("martmaker:\n  listen: localhost:9000\n"),
            Some("127.0.0.1:9000".parse().expect("address"))
        );
        assert_eq!(
            loopback("martmaker:\n  listen: '[::1]:9000'\n"),
            Some("[::1]:9000".parse().expect("address"))
        );
        let err = parse("martmaker:\n  listen: example.com:8000\n").expect_err("host name");
        assert_eq!(err.key, "martmaker.listen");
        assert!(err.message.contains("IP:port"), "{err}");
        let err = parse("extractor:\n  metrics_listen: 8001\n").expect_err("no host");
        assert_eq!(err.key, "extractor.metrics_listen");
        let err = parse("extractor:\n  metrics_listen: 127.0.0.1:8000\n").expect_err("same");
        assert_eq!(err.key, "extractor.metrics_listen");
    }

    #[test]
    fn staleness_is_counted_in_extractor_intervals() {
        let config =
            parse("extractor:\n  interval: 10m\n  stale_after_intervals: 2\n").expect("valid");
        assert_eq!(config.stale_after(), Duration::from_secs(1200));
        let err = parse("extractor:\n  stale_after_intervals: 0\n").expect_err("zero");
        assert_eq!(err.key, "extractor.stale_after_intervals");
    }

    #[test]
    fn the_heartbeat_stays_well_inside_the_staleness_limit() {
        let heartbeat = |yaml: &str| parse(yaml).expect("valid").heartbeat_interval();
        let minutes = |m: u64| Duration::from_secs(60 * m);
        // Defaults: 1h × 3 → 1h30m, half the limit and 1.5 intervals short of it.
        assert_eq!(heartbeat(""), minutes(90));
        // Many intervals: half the limit.
        assert_eq!(
            heartbeat("extractor:\n  interval: 1m\n  stale_after_intervals: 10\n"),
            minutes(5)
        );
        // Few: 1.5 intervals short of the limit, then nothing (every check written).
        assert_eq!(
            heartbeat("extractor:\n  interval: 10m\n  stale_after_intervals: 2\n"),
            minutes(5)
        );
        assert_eq!(
            heartbeat("extractor:\n  interval: 10m\n  stale_after_intervals: 1\n"),
            Duration::ZERO
        );
        for intervals in 1..=12 {
            let config = parse(&format!(
                "extractor:\n  interval: 10m\n  stale_after_intervals: {intervals}\n"
            ))
            .expect("valid");
            let newest_written_at_worst = config.heartbeat_interval() + config.extractor.interval;
            assert!(
                newest_written_at_worst + config.extractor.interval / 2 <= config.stale_after()
                    || intervals == 1,
                "{intervals} intervals"
            );
        }
    }

    #[test]
    fn extractor_entities_default_to_all_and_are_checked() {
        let all = parse("").expect("defaults");
        assert_eq!(all.extractor.entities.len(), Entity::ALL.len());
        let some = parse("extractor:\n  entities: [launch, launch_ship, ship]\n").expect("valid");
        assert_eq!(some.extractor.entities, ["launch", "launch_ship", "ship"]);
        for (yaml, message) in [
            ("[launch, spaceships]", "unknown entity `spaceships`"),
            ("[]", "at least one"),
            ("[launch_ship]", "`launch_ship` needs `launch`"),
        ] {
            let err = parse(&format!("extractor:\n  entities: {yaml}\n")).expect_err(yaml);
            assert_eq!(err.key, "extractor.entities", "{yaml}");
            assert!(err.message.contains(message), "{yaml}: {err}");
        }
    }

    #[test]
    fn required_entities_and_the_shrink_guard_are_checked() {
        let defaults = parse("").expect("defaults");
        assert_eq!(defaults.extractor.required, ["launch", "mission", "rocket"]);
        assert_eq!(defaults.extractor.shrink_guard, 0.5);
        let set = parse("extractor:\n  required: [launch]\n  shrink_guard: 0\n").expect("valid");
        assert_eq!(set.extractor.required, ["launch"]);
        assert_eq!(set.extractor.shrink_guard, 0.0);
        for (yaml, key, message) in [
            (
                "required: [rockets]",
                "extractor.required",
                "unknown entity `rockets`",
            ),
            (
                "shrink_guard: 1.5",
                "extractor.shrink_guard",
                "1.5 is above the maximum of 1",
            ),
            (
                "shrink_guard: -0.1",
                "extractor.shrink_guard",
                "-0.1 is below the minimum of 0",
            ),
        ] {
            let err = parse(&format!("extractor:\n  {yaml}\n")).expect_err(yaml);
            assert_eq!(err.key, key, "{yaml}");
            assert!(err.message.contains(message), "{yaml}: {err}");
        }
    }

    #[test]
    fn the_row_count_change_threshold_is_checked() {
        let defaults = parse("").expect("defaults");
        assert_eq!(defaults.martmaker.row_count_change_warn, 0.5);
        let set = parse("martmaker:\n  row_count_change_warn: 2\n").expect("valid");
        assert_eq!(set.martmaker.row_count_change_warn, 2.0);
        for (value, message) in [
            ("-0.5", "-0.5 is below the minimum of 0"),
            ("101", "101 is above the maximum of 100"),
        ] {
            let err =
                parse(&format!("martmaker:\n  row_count_change_warn: {value}\n")).expect_err(value);
            assert_eq!(err.key, "martmaker.row_count_change_warn", "{value}");
            assert!(err.message.contains(message), "{value}: {err}");
        }
    }

    #[test]
    fn log_format_is_text_or_json() {
        assert_eq!(parse("").expect("defaults").log_format, LogFormat::Text);
        let json = parse("log_format: json\n").expect("valid");
        assert_eq!(json.log_format, LogFormat::Json);
        let err = parse("log_format: xml\n").expect_err("unknown format");
        assert_eq!(err.key, "log_format");
    }

    #[test]
    fn errors_are_one_line() {
        let err = parse("api:\n  page_size: many\n").expect_err("bad type");
        assert_eq!(err.key, "api.page_size");
        assert!(!err.to_string().contains('\n'), "{err}");
    }

    #[test]
    fn password_never_shows_in_debug_output() {
        let config = Config::from_yaml(
            "",
            &[(
                DATABASE_URL_ENV,
                Some("postgres://u:hunter2@db/x".to_string()),
            )],
        )
        .expect("valid");
        let printed = format!("{config:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("***"), "{printed}");
    }
}
