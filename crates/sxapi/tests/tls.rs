//! HTTPS to the upstream verifies certificates: a server with a self-signed certificate is
//! refused, never talked to. The server is `openssl s_server` (the openssl command-line tool;
//! the test says so and passes without checking when the tool is missing).
#![allow(clippy::unwrap_used)]

use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cancel::CancelToken;
use sxapi::{Client, ClientSettings, Error, RetryPolicy};

#[test]
fn a_self_signed_certificate_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
        ])
        .args(["-addext", "subjectAltName=IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("openssl is not installed: TLS verification not checked");
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new("openssl")
        .args(["s_server", "-quiet", "-www", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(&cert)
        .arg("-key")
        .arg(&key)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "s_server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let client = Client::new(ClientSettings {
        url: format!("https://127.0.0.1:{port}/"),
        page_size: 10,
        connect_timeout: Duration::from_secs(5),
        read_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(10),
        max_response_bytes: 1 << 20,
        retry: RetryPolicy {
            max_attempts: 1,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(10),
        },
    });
    let result = client.fetch_launches(&CancelToken::new());
    let _ = server.kill();
    let _ = server.wait();
    match result {
        Err(Error::Transport(error)) => {
            let message = error.to_string().to_lowercase();
            assert!(
                message.contains("certificate") || message.contains("issuer"),
                "{message}"
            );
        }
        other => panic!("a self-signed server must be refused, got {other:?}"),
    }
}
