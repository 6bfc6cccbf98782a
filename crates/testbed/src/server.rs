//! Serves an `axum::Router` on `127.0.0.1:<free port>` from a background thread, through the
//! services' own server (`service::http::serve`), for tests that talk real HTTP to it. Stops on drop.

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
            service::http::serve(listener, router, async {
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
        let answer = get(&format!("{}{path}", self.base));
        let content_type = answer
            .header("content-type")
            .unwrap_or_default()
            .to_string();
        (answer.status, content_type, answer.body)
    }
}

/// An answer as text: status, headers (names lower-cased), body.
#[derive(Debug)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
}

impl Answer {
    /// The value of header `name` (lower case), if sent (the first of several).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// GET `url` over HTTP. Error statuses are answers, not failures.
pub fn get(url: &str) -> Answer {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent.get(url).call().unwrap();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_string(),
                value.to_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    Answer {
        status: response.status().as_u16(),
        headers,
        body: response.body_mut().read_to_string().unwrap(),
    }
}

impl Served {
    /// Sends `request` as is (anything, malformed or huge) and reads the answer until the
    /// server closes the connection: end the request with `Connection: close` when it is sound.
    /// The answer and how many bytes it took on the wire, head included.
    pub fn raw(&self, request: &[u8]) -> (Answer, usize) {
        use std::io::{Read, Write};
        let address = self.base.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        // The server may answer (and close) before it read everything: that is fine.
        let _ = stream.write_all(request);
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|line| line.split(' ').nth(1))
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("no status line in {text:?}"));
        let headers = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let answer = Answer {
            status,
            headers,
            body: body.to_string(),
        };
        (answer, bytes.len())
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
