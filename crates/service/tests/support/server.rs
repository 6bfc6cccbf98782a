//! Serves an `axum::Router` on `127.0.0.1:<free port>` from a background thread, for tests
//! that talk real HTTP to it. Stops on drop. Shared by the service, extractor and martmaker
//! tests (`#[path]`-included).
#![allow(dead_code, clippy::unwrap_used)] // each test binary uses a different part

use std::thread::JoinHandle;

use tokio::sync::oneshot;

/// A running server.
pub struct Served {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub base: String,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// Starts serving `router` on its own tokio runtime.
pub fn serve(router: axum::Router) -> Served {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
    });
    Served {
        base,
        stop: Some(stop),
        thread: Some(thread),
    }
}

impl Served {
    /// GET `path`: status, `Content-Type`, body. Error statuses are answers, not failures.
    pub fn get(&self, path: &str) -> (u16, String, String) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut response = agent.get(format!("{}{path}", self.base)).call().unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        (
            status,
            content_type,
            response.body_mut().read_to_string().unwrap(),
        )
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
