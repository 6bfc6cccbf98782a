//! What both services serve over HTTP: `/healthz`, `/metrics`, errors as JSON, and the bridge
//! that runs blocking database work for a handler.
use std::net::SocketAddr;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::metrics::{Registry, CONTENT_TYPE};

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

impl From<repository::Error> for ApiError {
    /// No connection means the database is down or overloaded: 503, worth a retry. A failing
    /// statement is a bug or a missing grant: 500.
    fn from(error: repository::Error) -> ApiError {
        match error {
            repository::Error::Pool(_) => {
                log::warn!("HTTP request without a database: {error}");
                ApiError::unavailable("the database is not reachable")
            }
            other => ApiError::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {"status": self.status.as_u16(), "message": self.message}});
        (self.status, Json(body)).into_response()
    }
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
pub fn operator_routes<F>(registry: Registry, refresh: F) -> Router
where
    F: Fn() + Clone + Send + Sync + 'static,
{
    let metrics = move || {
        let registry = registry.clone();
        let refresh = refresh.clone();
        async move {
            let text = blocking(move || {
                refresh();
                Ok(registry.render())
            })
            .await;
            match text {
                Ok(text) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response(),
                Err(error) => error.into_response(),
            }
        }
    };
    Router::new()
        .route("/healthz", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/metrics", get(metrics))
        .fallback(|| async { ApiError::not_found("no such endpoint") })
}
