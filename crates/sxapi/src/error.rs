//! Errors of the SpaceX API client.

/// `Result` with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Why fetching an entity failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Connection refused or reset, DNS failure, timeout, TLS failure, broken body.
    #[error("transport error: {0}")]
    Transport(#[source] ureq::Error),
    /// A status other than 200; `body` is the start of the response body.
    #[error("HTTP status {status}: {body}")]
    HttpStatus {
        /// The HTTP status code.
        status: u16,
        /// Up to 300 bytes of the body, for the log.
        body: String,
    },
    /// The body was larger than `api.max_response_bytes`.
    #[error("response body exceeds the cap of {limit} bytes")]
    TooLarge {
        /// The configured cap.
        limit: u64,
    },
    /// The body is not JSON (malformed or truncated).
    #[error("malformed JSON in response: {0}")]
    Json(#[source] serde_json::Error),
    /// The response carried a GraphQL `errors` array.
    #[error("GraphQL errors: {0}")]
    GraphQl(String),
    /// The response had no data for the field (`data: null` or the field missing/null).
    #[error("response has no data for `{0}`")]
    NoData(&'static str),
    /// A record did not match the schema (a value of the wrong type).
    #[error("record {index} of `{field}` does not match the schema: {source}")]
    Decode {
        /// The root field.
        field: &'static str,
        /// Position in the page.
        index: usize,
        /// What serde said.
        #[source]
        source: serde_json::Error,
    },
    /// The server kept returning full pages past any sane size, or repeated a page.
    #[error("paging `{field}` does not converge: {reason}")]
    Paging {
        /// The root field.
        field: &'static str,
        /// What was seen.
        reason: String,
    },
    /// The caller cancelled the fetch (shutdown).
    #[error("cancelled")]
    Cancelled,
    /// Every attempt of one request failed with a transient error; `last` is the last one.
    /// (A request tried once, `api.retry.max_attempts: 1`, fails with its error as it is.)
    #[error("{last} (gave up after {attempts} attempts in {:.1}s)", elapsed.as_secs_f64())]
    GaveUp {
        /// Requests made.
        attempts: u32,
        /// From the first request to the last failure, back-offs included.
        elapsed: std::time::Duration,
        /// Why the last attempt failed.
        last: Box<Error>,
    },
}

impl Error {
    /// Whether trying again may help: network trouble, 429, 5xx, a cut or garbled body.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Transport(_) | Error::Json(_) => true,
            Error::HttpStatus { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }

    /// The error itself, or for [`Error::GaveUp`] the last attempt's: what went wrong, for
    /// code that tells causes apart.
    pub fn cause(&self) -> &Error {
        match self {
            Error::GaveUp { last, .. } => last,
            other => other,
        }
    }

    /// Whether no connection to the API host could be made at all (refused, unknown host,
    /// connect timeout): the host is down or unreachable, and every other request to it would
    /// fail the same way for now.
    pub fn is_unreachable(&self) -> bool {
        use ureq::Error as U;
        match self.cause() {
            Error::Transport(U::Io(io)) => matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionRefused
                    | std::io::ErrorKind::HostUnreachable
                    | std::io::ErrorKind::NetworkUnreachable
            ),
            Error::Transport(
                U::HostNotFound
                | U::ConnectionFailed
                | U::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve),
            ) => true,
            _ => false,
        }
    }
}
