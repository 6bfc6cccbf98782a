//! What both services serve over HTTP: the server itself ([`serve`]: every answer that is not
//! a success is the JSON error, whoever made it), `/healthz`, `/metrics`, the one rule for
//! query parameters ([`NoQuery`]), and the bridge that runs blocking database work for a
//! handler.
mod head;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

use repository::{Database, DatabaseSettings, PgPooled};

use prometheus_client::registry::Registry;

use crate::metrics::{render, CONTENT_TYPE};

pub use head::{MAX_HEAD, MAX_HEADERS, MAX_REQUEST_LINE};

/// What a service serves beside its timer loop, and where.
pub struct Http {
    /// The bound address (`martmaker.listen`, `extractor.metrics_listen`).
    pub listen: SocketAddr,
    /// The routes.
    pub router: Router,
}

/// An error answer: `{"error": {"status": 404, "message": "..."}}` with that HTTP status, so
/// that clients get JSON whatever went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// One line for the client.
    pub message: String,
}

impl ApiError {
    /// 400: the request's parameters are wrong.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    /// 404: no such resource.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }

    /// 503: try again later (database down, nothing built yet).
    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: message.into(),
        }
    }

    /// 500: our fault; the details go to the log, not to the client.
    pub fn internal(detail: impl std::fmt::Display) -> ApiError {
        log::error!("HTTP request failed: {detail}");
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "internal error (logged by the service)".into(),
        }
    }
}

/// The longest a request waits for a pooled connection (never the configured connect
/// timeout, 5 s by default): a database that does not answer is a 503 within a second.
pub const CHECKOUT_TIMEOUT: Duration = Duration::from_millis(500);

/// While the database is known to be down, requests answer 503 at once, and one request at
/// most this often tries it again.
const RETRY_DOWN_AFTER: Duration = Duration::from_secs(1);

/// A pool for HTTP handlers that fails fast and says so once. After a request found the
/// database unreachable (no connection within [`CHECKOUT_TIMEOUT`], or a pooled connection
/// that died with the server), the gate is down: requests answer 503 without touching the
/// pool, one of them every [`RETRY_DOWN_AFTER`] tries again, and the first success opens it.
/// The log gets one warning when it goes down and one line when it is back, not one per
/// request. Gates made with [`Gate::beside`] share that state (and those two lines).
#[derive(Clone)]
pub struct Gate {
    database: Database,
    state: Arc<Mutex<GateState>>,
}

#[derive(Debug, Default)]
struct GateState {
    /// Since when the database is unreachable; `None` while it answers.
    down_since: Option<Instant>,
    /// When a request last tried it while down.
    last_try: Option<Instant>,
}

impl Gate {
    /// A pool on `settings`, its checkout capped at [`CHECKOUT_TIMEOUT`].
    pub fn new(settings: &DatabaseSettings) -> repository::Result<Gate> {
        Ok(Gate {
            database: Gate::pool(settings)?,
            state: Arc::default(),
        })
    }

    /// Another pool (another role, say) that shares this gate's up/down state.
    pub fn beside(&self, settings: &DatabaseSettings) -> repository::Result<Gate> {
        Ok(Gate {
            database: Gate::pool(settings)?,
            state: self.state.clone(),
        })
    }

    fn pool(settings: &DatabaseSettings) -> repository::Result<Database> {
        let mut settings = settings.clone();
        settings.connect_timeout = settings.connect_timeout.min(CHECKOUT_TIMEOUT);
        Database::new(&settings)
    }

    /// Runs `work` on a pooled connection (blocking: call it inside [`blocking`]). 503 when
    /// the database is unreachable, 500 (logged) when a statement fails otherwise.
    pub fn run<T>(
        &self,
        work: impl FnOnce(&mut PgPooled) -> repository::Result<T>,
    ) -> Result<T, ApiError> {
        let unreachable = || ApiError::unavailable("the database is not reachable");
        {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            if state.down_since.is_some() {
                if state
                    .last_try
                    .is_some_and(|at| at.elapsed() < RETRY_DOWN_AFTER)
                {
                    return Err(unreachable());
                }
                state.last_try = Some(Instant::now());
            }
        }
        let result = self
            .database
            .connection()
            .and_then(|mut conn| work(&mut conn));
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        match result {
            Ok(value) => {
                if let Some(since) = state.down_since.take() {
                    log::info!(
                        "HTTP: the database answers again (unreachable for {:.1}s).",
                        since.elapsed().as_secs_f64()
                    );
                }
                Ok(value)
            }
            Err(error) if error.is_unreachable() => {
                if state.down_since.is_none() {
                    log::warn!(
                        "HTTP: the database is not reachable; answering 503 until it is back (tried again at most once a second): {error}"
                    );
                    state.down_since = Some(Instant::now());
                    state.last_try = Some(Instant::now());
                }
                Err(unreachable())
            }
            Err(error) => Err(ApiError::internal(error)),
        }
    }
}

impl ApiError {
    /// The body: `{"error": {"status", "message"}}`.
    fn body(&self) -> String {
        json!({"error": {"status": self.status.as_u16(), "message": self.message}}).to_string()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            self.body(),
        )
            .into_response()
    }
}

/// The rule for query parameters, the same on every endpoint: an endpoint accepts the ones it
/// documents and refuses any other with 400, so that a typo (`?limt=5`) never looks like a
/// working query. This extractor is the rule for the endpoints that take none.
#[derive(Debug, Clone, Copy)]
pub struct NoQuery;

impl<S: Send + Sync> FromRequestParts<S> for NoQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<NoQuery, ApiError> {
        let raw = parts.uri.query().unwrap_or_default();
        match url::form_urlencoded::parse(raw.as_bytes()).next() {
            None => Ok(NoQuery),
            Some((name, _)) => Err(unknown_parameter(&name, &[])),
        }
    }
}

/// 400 for a query parameter the endpoint does not take; `known` lists the ones it does.
pub fn unknown_parameter(name: &str, known: &[&str]) -> ApiError {
    let takes = if known.is_empty() {
        "this endpoint takes none".to_string()
    } else {
        format!("use {}", known.join(", "))
    };
    ApiError::bad_request(format!("unknown query parameter `{}`: {takes}", cut(name)))
}

/// Serves `router` on `listener` until `stop` resolves, then lets the open connections finish
/// and returns. Every answer that is not a success is the JSON error: the handlers' own, the
/// router's (404, 405 with `Allow`) through [`errors_as_json`], and those hyper would send
/// with an empty body (414, 431, malformed requests) through the head check of [`head`].
pub async fn serve(
    listener: TcpListener,
    router: Router,
    stop: impl Future<Output = ()>,
) -> std::io::Result<()> {
    // Around the whole router (as its fallback), not inside each route: a route's 405 gets
    // its `Allow` header from the route itself, after any layer inside it.
    let outer = Router::new()
        .fallback_service(router)
        .layer(axum::middleware::from_fn(errors_as_json));
    let service = TowerToHyperService::new(outer);
    let (stopping, stopped) = watch::channel(false);
    // Each connection holds a sender; `recv` returns `None` once every one has finished.
    let (open, mut all_closed) = mpsc::channel::<()>(1);
    tokio::pin!(stop);
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // A connection that failed before it was accepted (reset), or no file
                // descriptor left: not the server's end, but no busy loop either.
                Err(error) => {
                    log::debug!("HTTP accept failed: {error}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let (service, mut stopped, open) = (service.clone(), stopped.clone(), open.clone());
        tokio::spawn(async move {
            let mut checked = head::Checked::new(stream);
            {
                // Half-close: the end of the stream after a refused head must not cut the
                // answers to the requests before it.
                let connection = hyper::server::conn::http1::Builder::new()
                    .half_close(true)
                    .serve_connection(TokioIo::new(&mut checked), service);
                tokio::pin!(connection);
                let finished = tokio::select! {
                    finished = connection.as_mut() => finished,
                    _ = async { stopped.wait_for(|stop| *stop).await.map(|_| ()) } => {
                        connection.as_mut().graceful_shutdown();
                        connection.await
                    }
                };
                if let Err(error) = finished {
                    log::debug!("HTTP connection ended: {error}");
                }
            }
            if let Some(refused) = checked.refused() {
                let answer = raw_answer(refused);
                let socket = checked.inner_mut();
                let _ = socket.write_all(answer.as_bytes()).await;
                let _ = socket.shutdown().await;
            }
            drop(open);
        });
    }
    let _ = stopping.send(true);
    drop(open);
    let _ = all_closed.recv().await;
    Ok(())
}

/// An answer written straight to the socket, for a request hyper never saw.
fn raw_answer(error: &ApiError) -> String {
    let body = error.body();
    format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        error.status.as_u16(),
        error.status.canonical_reason().unwrap_or("Error"),
        body.len(),
    )
}

/// Turns every error answer that is not JSON yet (axum's 405 for a method a path does not
/// take, a rejection by an extractor) into the JSON error, keeping its status and `Allow`.
async fn errors_as_json(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    let message = match &allow {
        Some(allow) if status == StatusCode::METHOD_NOT_ALLOWED => format!(
            "method {} not allowed here: use {}",
            cut(method.as_str()),
            allow.to_str().unwrap_or("GET")
        ),
        _ => {
            let (_, body) = response.into_parts();
            let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
            let text = String::from_utf8_lossy(&text);
            let reason = status.canonical_reason().unwrap_or("error").to_lowercase();
            if text.trim().is_empty() {
                reason
            } else {
                format!("{reason}: {}", cut(text.trim()))
            }
        }
    };
    let mut json = ApiError { status, message }.into_response();
    if let Some(allow) = allow {
        json.headers_mut().insert(header::ALLOW, allow);
    }
    json
}

/// User input as an error message may echo it: at most [`ECHO_CHARS`] characters, with `…`
/// when cut, so that an answer stays short whatever was sent.
pub fn cut(input: &str) -> String {
    match input.char_indices().nth(ECHO_CHARS) {
        Some((end, _)) => format!("{}…", &input[..end]),
        None => input.to_string(),
    }
}

/// How much of a user's input an error message echoes.
pub const ECHO_CHARS: usize = 40;

/// Runs blocking work (diesel) on tokio's blocking threads, keeping the async workers free.
pub async fn blocking<T, F>(work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|panicked| Err(ApiError::internal(panicked)))
}

/// `GET /healthz` (alive: 200 `{"status":"ok"}` while the process runs, whatever the
/// database does), `GET /metrics` (`refresh` first updates the gauges computed at scrape time,
/// on a blocking thread), and a JSON 404 for every unknown path.
pub fn operator_routes<F>(registry: Arc<Registry>, refresh: F) -> Router
where
    F: Fn() + Clone + Send + Sync + 'static,
{
    let metrics = move |_: NoQuery| {
        let registry = registry.clone();
        let refresh = refresh.clone();
        async move {
            let text = blocking(move || {
                refresh();
                Ok(render(&registry))
            })
            .await;
            match text {
                Ok(text) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response(),
                Err(error) => error.into_response(),
            }
        }
    };
    Router::new()
        .route(
            "/healthz",
            get(|_: NoQuery| async { Json(json!({"status": "ok"})) }),
        )
        .route("/metrics", get(metrics))
        .fallback(|| async { ApiError::not_found("no such endpoint") })
}
