//! The HTTP side: one ureq agent, paging, retries with back-off, a cap on response size.
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::decode;
use crate::records::{LaunchesPage, MissionsPage, PageVars, RocketsPage};
use cancel::CancelToken;

use crate::{Error, Launch, Mission, Result, Rocket};

/// A safety net against servers that ignore `offset` and return full pages forever.
const MAX_PAGES: u32 = 100_000;

/// How much of an error body goes into the error message.
const ERROR_BODY_PREVIEW: usize = 300;

/// Everything the client needs, usually built from `config.yaml`.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// GraphQL endpoint.
    pub url: String,
    /// Records asked for per request (`limit`).
    pub page_size: u32,
    /// TCP (and TLS) connect timeout.
    pub connect_timeout: Duration,
    /// Longest silence while waiting for response bytes.
    pub read_timeout: Duration,
    /// Longest time for one whole request.
    pub request_timeout: Duration,
    /// Bodies larger than this are refused (and not retried).
    pub max_response_bytes: u64,
    /// Back-off for transient failures.
    pub retry: RetryPolicy,
}

/// Bounded exponential back-off with full jitter.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts per request, including the first (1 = no retry).
    pub max_attempts: u32,
    /// Upper bound of the first back-off.
    pub initial_backoff: Duration,
    /// Upper bound of any back-off, including a server's `Retry-After`.
    pub max_backoff: Duration,
}

impl RetryPolicy {
    /// The back-off before retry number `retry` (1-based): uniform in [0, min(max, initial·2^(retry-1))].
    fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)))
            .min(self.max_backoff);
        ceiling.mul_f64(fastrand::f64())
    }
}

/// Every record of one entity, plus what it took to get them.
#[derive(Debug, Clone)]
pub struct Fetched<T> {
    /// Decoded records, in the order the server sent them.
    pub records: Vec<Record<T>>,
    /// Positions (over all pages) of `null` list elements, which carry no record.
    pub null_positions: Vec<usize>,
    /// Pages requested.
    pub pages: u32,
    /// Requests retried after a transient failure.
    pub retries: u32,
}

/// What paging an entity took, as [`Client::fetch_pages`] returns it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Paged {
    /// Pages requested.
    pub pages: u32,
    /// Requests retried after a transient failure.
    pub retries: u32,
}

/// One record: its typed value and the JSON it was decoded from.
#[derive(Debug, Clone)]
pub struct Record<T> {
    /// The typed record.
    pub value: T,
    /// Exactly what the server sent for it.
    pub raw: Value,
}

/// One HTTP request the client made, as told to a [`Client::with_observer`] callback.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RequestReport {
    /// From sending the request to the end of the body (or the failure).
    pub duration: Duration,
    /// 1 for the first try of a page, 2 and more for retries.
    pub attempt: u32,
    /// Whether it brought a usable answer.
    pub succeeded: bool,
}

/// The observer callback. sxapi keeps no statistics itself, so it needs to know nothing about
/// the metrics of the service around it.
#[derive(Clone)]
struct Observer(Arc<dyn Fn(&RequestReport) + Send + Sync>);

impl std::fmt::Debug for Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Observer")
    }
}

/// A SpaceX GraphQL API client. Blocking: run it on a blocking thread.
#[derive(Debug, Clone)]
pub struct Client {
    agent: ureq::Agent,
    settings: ClientSettings,
    observer: Option<Observer>,
}

/// One paged root field: the query that fetches a page and the record it lists. Implemented
/// by the page types of [`records`](crate::records) (`LaunchesPage`, `CapsulesPage`, …), so
/// that one generic [`Client::fetch`] serves every entity.
pub trait PagedQuery: cynic::QueryBuilder<PageVars> + cynic::QueryFragment {
    /// The GraphQL root field.
    const FIELD: &'static str;
    /// What one element of the list decodes to.
    type Record: DeserializeOwned;
}

/// One single-object root field (`company`, `roadster`): fetched with one request, no paging.
pub trait SingleQuery: cynic::QueryBuilder<()> + cynic::QueryFragment {
    /// The GraphQL root field.
    const FIELD: &'static str;
    /// What the object decodes to.
    type Record: DeserializeOwned;
}

impl Client {
    /// Builds the HTTP agent. TLS certificates are verified (rustls with bundled roots).
    pub fn new(settings: ClientSettings) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_connect(Some(settings.connect_timeout))
            .timeout_per_read(Some(settings.read_timeout))
            .timeout_global(Some(settings.request_timeout))
            // GraphQL servers explain errors in the body: read it instead of ureq's bare error.
            .http_status_as_error(false)
            .user_agent(concat!("greenadam-sxapi/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Client {
            agent,
            settings,
            observer: None,
        }
    }

    /// Calls `observer` after every HTTP request (retries included), e.g. to count requests
    /// and time them. Failed fetches are reported too, which their `Result` could not carry.
    pub fn with_observer(
        mut self,
        observer: impl Fn(&RequestReport) + Send + Sync + 'static,
    ) -> Client {
        self.observer = Some(Observer(Arc::new(observer)));
        self
    }

    /// The endpoint this client talks to.
    pub fn url(&self) -> &str {
        &self.settings.url
    }

    /// Every launch (past and upcoming), paged.
    pub fn fetch_launches(&self, cancel: &CancelToken) -> Result<Fetched<Launch>> {
        self.fetch::<LaunchesPage>(cancel)
    }

    /// Every mission, paged (the current endpoint returns none).
    pub fn fetch_missions(&self, cancel: &CancelToken) -> Result<Fetched<Mission>> {
        self.fetch::<MissionsPage>(cancel)
    }

    /// Every rocket, paged.
    pub fn fetch_rockets(&self, cancel: &CancelToken) -> Result<Fetched<Rocket>> {
        self.fetch::<RocketsPage>(cancel)
    }

    /// The single object of `Q::FIELD` (one request, no paging). `null` is an error
    /// ([`Error::NoData`]), not an absent record: the API always has the object.
    pub fn fetch_one<Q: SingleQuery>(&self, cancel: &CancelToken) -> Result<Fetched<Q::Record>> {
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let (data, retries) = self.post_with_retry(&Q::build(()), cancel)?;
        Ok(Fetched {
            records: vec![decode::object(data, Q::FIELD)?],
            null_positions: Vec::new(),
            pages: 1,
            retries,
        })
    }

    /// Every record of `Q::FIELD`, paged with `limit`/`offset` until a short page. No order is
    /// assumed. Holds every record: see [`fetch_pages`](Self::fetch_pages) to handle one page
    /// at a time.
    pub fn fetch<Q: PagedQuery>(&self, cancel: &CancelToken) -> Result<Fetched<Q::Record>> {
        let mut fetched = Fetched {
            records: Vec::new(),
            null_positions: Vec::new(),
            pages: 0,
            retries: 0,
        };
        let paged = self.fetch_pages::<Q, Error>(cancel, |page| {
            fetched.records.extend(page.records);
            fetched.null_positions.extend(page.null_positions);
            Ok(())
        })?;
        fetched.pages = paged.pages;
        fetched.retries = paged.retries;
        Ok(fetched)
    }

    /// Every record of `Q::FIELD` like [`fetch`](Self::fetch), but each page goes to `on_page`
    /// as soon as it is decoded (as a `Fetched` of that page: its records, its null positions
    /// counted over all pages, `pages` 1 and its retries) instead of being collected; only the
    /// previous page is kept, to detect a server that repeats pages. An error of `on_page` stops
    /// the paging and is returned.
    pub fn fetch_pages<Q: PagedQuery, E: From<Error>>(
        &self,
        cancel: &CancelToken,
        mut on_page: impl FnMut(Fetched<Q::Record>) -> std::result::Result<(), E>,
    ) -> std::result::Result<Paged, E> {
        let limit = self.settings.page_size.max(1);
        let mut paged = Paged::default();
        let mut offset: u32 = 0;
        let mut previous_page: Option<Vec<Value>> = None;
        loop {
            if cancel.is_cancelled() {
                return Err(Error::Cancelled.into());
            }
            let operation = Q::build(PageVars {
                limit: Some(to_i32(limit)),
                offset: Some(to_i32(offset)),
            });
            let (data, retries) = self.post_with_retry(&operation, cancel)?;
            paged.pages += 1;
            paged.retries += retries;
            let page = decode::page::<Q::Record>(data, Q::FIELD, offset as usize)?;
            let len = u32::try_from(page.raw.len()).unwrap_or(u32::MAX);
            if len > 0 && previous_page.as_ref() == Some(&page.raw) {
                return Err(Error::Paging {
                    field: Q::FIELD,
                    reason: format!("offset {offset} returned the same page as the one before"),
                }
                .into());
            }
            on_page(Fetched {
                records: page.records,
                null_positions: page.null_positions,
                pages: 1,
                retries,
            })?;
            // A page longer than asked for means the server ignores `limit`: it sent everything.
            if len != limit {
                if len > limit {
                    log::warn!(
                        "The API ignored limit={limit} on `{}` and sent {len} records at once.",
                        Q::FIELD
                    );
                }
                return Ok(paged);
            }
            if paged.pages >= MAX_PAGES {
                return Err(Error::Paging {
                    field: Q::FIELD,
                    reason: format!("still full pages after {MAX_PAGES} pages"),
                }
                .into());
            }
            offset = offset.saturating_add(len);
            previous_page = Some(page.raw);
        }
    }

    /// Posts one operation, retrying transient failures; returns `data` and the retry count.
    /// Each attempt is a DEBUG line; when all of them fail, the error says how many were made
    /// ([`Error::GaveUp`]), so that the caller's one line tells the whole story.
    fn post_with_retry<Q, V: serde::Serialize>(
        &self,
        operation: &cynic::Operation<Q, V>,
        cancel: &CancelToken,
    ) -> Result<(Value, u32)> {
        let policy = &self.settings.retry;
        let first_started = Instant::now();
        let mut attempt = 1;
        loop {
            let started = Instant::now();
            let result = self.post_once(operation);
            let report = RequestReport {
                duration: started.elapsed(),
                attempt,
                succeeded: result.is_ok(),
            };
            if let Some(Observer(observer)) = &self.observer {
                observer(&report);
            }
            let Failure { error, retry_after } = match result {
                Ok(data) => {
                    log::debug!(
                        "POST {} attempt {attempt} took {:?}: ok",
                        self.settings.url,
                        report.duration,
                    );
                    return Ok((data, attempt - 1));
                }
                Err(failure) => failure,
            };
            if !error.is_transient() || attempt >= policy.max_attempts.max(1) {
                log::debug!(
                    "POST {} attempt {attempt} took {:?}, giving up: {error}",
                    self.settings.url,
                    report.duration,
                );
                return Err(if attempt > 1 && error.is_transient() {
                    Error::GaveUp {
                        attempts: attempt,
                        elapsed: first_started.elapsed(),
                        last: Box::new(error),
                    }
                } else {
                    error
                });
            }
            let wait = retry_after
                .map(|server_says| server_says.min(policy.max_backoff))
                .unwrap_or_else(|| policy.backoff(attempt));
            log::debug!(
                "POST {} attempt {attempt} of {} took {:?}, retrying in {}ms: {error}",
                self.settings.url,
                policy.max_attempts,
                report.duration,
                wait.as_millis(),
            );
            if !cancel.sleep(wait) {
                return Err(Error::Cancelled);
            }
            attempt += 1;
        }
    }

    /// One HTTP round trip, checked down to the GraphQL level.
    fn post_once<Q, V: serde::Serialize>(
        &self,
        operation: &cynic::Operation<Q, V>,
    ) -> std::result::Result<Value, Failure> {
        let mut response = self
            .agent
            .post(&self.settings.url)
            .send_json(operation)
            .map_err(|e| Failure::from(Error::Transport(e)))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let limit = self.settings.max_response_bytes;
        let body = response
            .body_mut()
            .with_config()
            // ureq's limit refuses a body of exactly `limit` bytes (its reader fails once the
            // budget is used up, even at end of body); `+ 1` makes the cap "larger than `limit`",
            // as documented on `max_response_bytes`.
            .limit(limit.saturating_add(1))
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(_) => Error::TooLarge { limit },
                other => Error::Transport(other),
            })?;
        if status != 200 {
            let preview = String::from_utf8_lossy(&body[..body.len().min(ERROR_BODY_PREVIEW)]);
            // One line, for the log and the run's report.
            let preview = preview.split_whitespace().collect::<Vec<_>>().join(" ");
            return Err(Failure {
                error: Error::HttpStatus {
                    status,
                    body: preview,
                },
                retry_after,
            });
        }
        Ok(decode::response_data(&body)?)
    }
}

/// An error plus the server's `Retry-After`, if it sent one.
struct Failure {
    error: Error,
    retry_after: Option<Duration>,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure {
            error,
            retry_after: None,
        }
    }
}

/// GraphQL `Int` is 32-bit; page sizes and offsets beyond that are clamped.
fn to_i32(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}
