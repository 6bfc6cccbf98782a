//! The HTTP side: our own accept loop over hyper, so that a fault can reach down to the TCP
//! connection (a reset) as well as shape the HTTP response.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, ALLOW, CONTENT_TYPE, RETRY_AFTER};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, Notify};
use tokio::task::JoinSet;

use crate::fault::{self, Fault, FaultRule, OversizedBody};
use crate::graphql::{self, Query};
use crate::Dataset;

/// Requests bodies above this are refused: GraphQL queries are small.
const MAX_REQUEST_BYTES: usize = 1024 * 1024;

/// Rendered answers kept in memory at most (beyond it, new answers are rendered every time):
/// enough for every page of a million synthetic launches.
const MAX_RENDERED_BYTES: usize = 2 * 1024 * 1024 * 1024;

type ResponseBody = BoxBody<Bytes, Infallible>;

/// The shared, mutable side of a server: its data, pending faults and request counters.
/// Cheap to clone; all clones control the same server.
#[derive(Debug, Clone)]
pub struct ServerState {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug)]
struct Inner {
    /// Swapped whole by `set_dataset`, so a request answers from one consistent snapshot
    /// without copying it.
    dataset: Arc<Dataset>,
    /// Answers rendered from `dataset`, by request body; emptied when the dataset changes.
    rendered: HashMap<Bytes, Arc<Rendered>>,
    /// Size of the bodies in `rendered`.
    rendered_bytes: usize,
    faults: VecDeque<FaultRule>,
    requests: usize,
    requests_by_field: HashMap<String, usize>,
}

/// One answer as rendered the first time its request came: a request that comes again (the
/// same query, variables and operation name, byte for byte) and meets no fault is answered
/// with these bytes, without parsing or projecting anything.
#[derive(Debug)]
struct Rendered {
    /// The request's root fields, for the counters and fault rules.
    fields: Vec<String>,
    status: StatusCode,
    body: Bytes,
}

impl ServerState {
    /// A state serving `dataset`, with no faults and zeroed counters.
    pub fn new(dataset: Dataset) -> Self {
        let inner = Inner {
            dataset: Arc::new(dataset),
            rendered: HashMap::new(),
            rendered_bytes: 0,
            faults: VecDeque::new(),
            requests: 0,
            requests_by_field: HashMap::new(),
        };
        Self {
            inner: Arc::new(Mutex::new(inner)),
        }
    }

    /// A test that panicked while holding the lock leaves consistent data behind (every
    /// critical section is a few assignments), so poisoning is ignored.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a fault rule behind the ones already queued.
    pub fn inject(&self, rule: FaultRule) {
        self.lock().faults.push_back(rule);
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// How many GraphQL POSTs arrived (including refused and faulted ones).
    pub fn request_count(&self) -> usize {
        self.lock().requests
    }

    /// How many GraphQL POSTs asked for root field `field` (by name, not alias).
    pub fn requests_for(&self, field: &str) -> usize {
        self.lock()
            .requests_by_field
            .get(field)
            .copied()
            .unwrap_or(0)
    }

    /// Answers later requests from `dataset` (and forgets the answers rendered so far).
    pub fn set_dataset(&self, dataset: Dataset) {
        let mut inner = self.lock();
        inner.dataset = Arc::new(dataset);
        inner.rendered.clear();
        inner.rendered_bytes = 0;
    }

    /// The answer rendered earlier for this request body, if any.
    fn rendered(&self, request: &Bytes) -> Option<Arc<Rendered>> {
        self.lock().rendered.get(request).cloned()
    }

    /// Keeps an answer rendered from `dataset` for the next identical request, unless the
    /// dataset was swapped meanwhile or the memory budget is spent.
    fn keep_rendered(&self, request: Bytes, dataset: &Arc<Dataset>, rendered: Rendered) {
        let mut inner = self.lock();
        let size = request.len() + rendered.body.len();
        if Arc::ptr_eq(&inner.dataset, dataset) && inner.rendered_bytes + size <= MAX_RENDERED_BYTES
        {
            inner.rendered_bytes += size;
            inner.rendered.insert(request, Arc::new(rendered));
        }
    }

    /// A copy of the dataset being served (e.g. to edit it and `set_dataset` it back).
    pub fn dataset(&self) -> Dataset {
        Dataset::clone(&self.lock().dataset)
    }

    /// Counts a request and takes the fault it gets, if any.
    fn admit(&self, fields: &[String]) -> (Arc<Dataset>, Option<Fault>) {
        let mut inner = self.lock();
        inner.requests += 1;
        for field in fields {
            *inner.requests_by_field.entry(field.clone()).or_default() += 1;
        }
        let fault = inner
            .faults
            .iter()
            .position(|rule| rule.matches(fields))
            .map(|i| {
                let rule = &mut inner.faults[i];
                rule.times -= 1;
                let fault = rule.fault.clone();
                if rule.times == 0 {
                    inner.faults.remove(i);
                }
                fault
            });
        (inner.dataset.clone(), fault)
    }
}

/// Serves GraphQL on `listener` until `shutdown` completes; open connections are then dropped.
pub async fn serve(
    listener: TcpListener,
    state: ServerState,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    connections.spawn(serve_connection(stream, peer, state.clone()));
                }
                Err(error) => {
                    // E.g. out of file descriptors: wait instead of spinning.
                    log::warn!("Accept failed: {error}.");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            // Reap finished connections so the set does not grow without bound.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    log::info!(
        "Shutting down with {} open connection(s).",
        connections.len()
    );
    Ok(())
}

/// Asks a connection's task to drop it with a TCP reset.
#[derive(Debug, Default)]
struct ResetSignal {
    requested: AtomicBool,
    notify: Notify,
}

/// The TCP stream of one connection. When dropped after a reset was requested, it sets a zero
/// linger first so that closing sends RST instead of FIN.
struct Connection {
    stream: TcpStream,
    reset: Arc<ResetSignal>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        if self.reset.requested.load(Ordering::SeqCst) {
            if let Err(error) = self.stream.set_zero_linger() {
                log::warn!("Could not arm the connection reset: {error}.");
            }
        }
    }
}

impl AsyncRead for Connection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

async fn serve_connection(stream: TcpStream, peer: SocketAddr, state: ServerState) {
    let reset = Arc::new(ResetSignal::default());
    let io = TokioIo::new(Connection {
        stream,
        reset: reset.clone(),
    });
    let handler = reset.clone();
    let service = hyper::service::service_fn(move |request| {
        let (state, reset) = (state.clone(), handler.clone());
        async move { Ok::<_, Infallible>(handle(request, &state, &reset).await) }
    });
    let connection = hyper::server::conn::http1::Builder::new().serve_connection(io, service);
    tokio::select! {
        result = connection => {
            if let Err(error) = result {
                log::debug!("Connection from {peer} failed: {error}.");
            }
        }
        // Dropping the connection drops the stream, which `Connection::drop` turns into a reset.
        () = reset.notify.notified() => log::debug!("Reset connection from {peer}."),
    }
}

async fn handle(
    request: Request<Incoming>,
    state: &ServerState,
    reset: &ResetSignal,
) -> Response<ResponseBody> {
    if !matches!(request.uri().path(), "/" | "/graphql") {
        return json_response(
            StatusCode::NOT_FOUND,
            plain_error("Not found: POST GraphQL to / or /graphql."),
        );
    }
    if request.method() != Method::POST {
        let mut response = json_response(
            StatusCode::METHOD_NOT_ALLOWED,
            plain_error("Only POST is supported."),
        );
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let body = match Limited::new(request.into_body(), MAX_REQUEST_BYTES)
        .collect()
        .await
    {
        Ok(body) => body.to_bytes(),
        Err(error) => {
            return json_response(
                StatusCode::BAD_REQUEST,
                plain_error(&format!("Could not read the body: {error}")),
            )
        }
    };

    // A request seen before is neither parsed nor executed again, unless a fault needs it.
    let rendered = state.rendered(&body);
    let parsed = rendered.is_none().then(|| Query::parse(&body));
    let fields = match (&rendered, &parsed) {
        (Some(rendered), _) => rendered.fields.clone(),
        (None, Some(Ok(query))) => query.root_fields(),
        (None, _) => Vec::new(),
    };
    let (dataset, fault) = state.admit(&fields);
    log::debug!("Request for {fields:?}, fault {fault:?}.");
    if let (Some(rendered), None) = (&rendered, &fault) {
        return json_response(rendered.status, rendered.body.clone());
    }
    let query = parsed.unwrap_or_else(|| Query::parse(&body));
    let key = || {
        query
            .as_ref()
            .ok()
            .and_then(Query::first_key)
            .unwrap_or_else(|| "launches".into())
    };

    let ok = StatusCode::OK;
    match fault {
        Some(Fault::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            json_response(
                status,
                plain_error(&format!("Injected fault: HTTP {}", status.as_u16())),
            )
        }
        Some(Fault::TooManyRequests { retry_after_secs }) => {
            let mut response = json_response(
                StatusCode::TOO_MANY_REQUESTS,
                plain_error("Injected fault: rate limited"),
            );
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(retry_after_secs));
            response
        }
        Some(Fault::MalformedJson) => json_response(ok, fault::MALFORMED_JSON.as_bytes().to_vec()),
        Some(Fault::GraphQlError) => json_response(
            ok,
            graphql::response_body(None, &[fault::resolver_error(serde_json::json!([key()]))]),
        ),
        Some(Fault::Oversized { bytes }) => {
            let mut response = Response::new(OversizedBody::new(&key(), bytes).boxed());
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
        Some(Fault::ConnectionReset) => {
            reset.requested.store(true, Ordering::SeqCst);
            reset.notify.notify_one();
            // The connection task drops this request together with the connection.
            std::future::pending().await
        }
        Some(Fault::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            let rendered = render(query, &dataset, fields);
            json_response(rendered.status, rendered.body)
        }
        None => {
            let rendered = render(query, &dataset, fields);
            let response = json_response(rendered.status, rendered.body.clone());
            state.keep_rendered(body, &dataset, rendered);
            response
        }
        other => answer(query, &dataset, other),
    }
}

/// The normal answer, kept as bytes so that it can be served again.
fn render(
    query: Result<Query, graphql::Failure>,
    dataset: &Dataset,
    fields: Vec<String>,
) -> Rendered {
    let (status, body) = match query.and_then(|query| query.execute(dataset)) {
        Ok((data, errors)) => (StatusCode::OK, graphql::response_body(Some(&data), &errors)),
        Err(failure) => (StatusCode::BAD_REQUEST, failure.body()),
    };
    Rendered {
        fields,
        status,
        body: Bytes::from(body),
    }
}

/// The normal answer, spoilt by one of the faults that work on it.
fn answer(
    query: Result<Query, graphql::Failure>,
    dataset: &Dataset,
    fault: Option<Fault>,
) -> Response<ResponseBody> {
    let (mut data, mut errors) = match query.and_then(|query| query.execute(dataset)) {
        Ok(answer) => answer,
        Err(failure) => return json_response(StatusCode::BAD_REQUEST, failure.body()),
    };
    match fault {
        Some(Fault::PartialNull) => errors.push(fault::null_one_item(&mut data)),
        Some(Fault::WrongType) => fault::break_one_type(&mut data),
        _ => {}
    }
    let mut body = graphql::response_body(Some(&data), &errors);
    match fault {
        Some(Fault::TruncatedBody) => body.truncate(body.len() / 2),
        Some(Fault::ReplaceText { from, to }) => body = replace_all(&body, from.as_bytes(), &to),
        _ => {}
    }
    json_response(StatusCode::OK, body)
}

/// `haystack` with every `from` replaced by `to`.
fn replace_all(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut rest = haystack;
    while let Some(at) = (!from.is_empty())
        .then(|| rest.windows(from.len()).position(|w| w == from))
        .flatten()
    {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(to);
        rest = &rest[at + from.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// `{"errors": [{"message": ...}]}` for answers outside GraphQL execution.
fn plain_error(message: &str) -> Vec<u8> {
    serde_json::json!({"errors": [{"message": message}]})
        .to_string()
        .into_bytes()
}

fn json_response(status: StatusCode, body: impl Into<Bytes>) -> Response<ResponseBody> {
    let mut response = Response::new(Full::new(body.into()).boxed());
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A fake SpaceX API on `127.0.0.1:<free port>`, running on its own tokio runtime in a
/// background thread so that synchronous tests can use it. Stops when dropped.
///
/// It dereferences to its [`ServerState`]: `server.inject(..)`, `server.request_count()`, …
#[derive(Debug)]
pub struct FakeServer {
    state: ServerState,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeServer {
    /// Starts serving `dataset`.
    ///
    /// # Panics
    /// If no loopback port or thread can be had: tests cannot go on without their server.
    pub fn start(dataset: Dataset) -> Self {
        Self::try_start(dataset).expect("failed to start the fake SpaceX server")
    }

    /// Starts serving `dataset`, reporting failures to bind or spawn.
    pub fn try_start(dataset: Dataset) -> std::io::Result<Self> {
        // Bind before spawning, so the port is known (and listening) when this returns.
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let state = ServerState::new(dataset);
        let (shutdown, stop) = oneshot::channel::<()>();
        let thread_state = state.clone();
        let thread = std::thread::Builder::new()
            .name(format!("spacex-fake-{}", addr.port()))
            .spawn(move || {
                let served = runtime.block_on(async {
                    let listener = TcpListener::from_std(listener)?;
                    serve(listener, thread_state, async {
                        // A dropped sender means the same as a sent stop.
                        let _ = stop.await;
                    })
                    .await
                });
                if let Err(error) = served {
                    log::error!("Fake SpaceX server failed: {error}.");
                }
            })?;
        Ok(Self {
            state,
            addr,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// The GraphQL endpoint, e.g. `http://127.0.0.1:41234/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The state handle (also reachable through `Deref`), e.g. to hand to another thread.
    pub fn state(&self) -> &ServerState {
        &self.state
    }
}

impl std::ops::Deref for FakeServer {
    type Target = ServerState;

    fn deref(&self) -> &ServerState {
        &self.state
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
