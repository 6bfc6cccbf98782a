//! Request heads checked before hyper sees them, so that a request hyper would refuse with an
//! empty body (a URL or head too large, a malformed request line or header) gets the JSON
//! error every other answer has.
//!
//! hyper answers its own parse errors itself (400, 414, 431, with no body and no content type)
//! and offers no hook to change that. [`Checked`] sits between the socket and hyper: it holds
//! each request head back until it is complete, parses it with `httparse` (the parser hyper
//! uses) under limits stricter than hyper's, and hands it on only when it is sound, so hyper
//! never meets a head it would refuse. A head that fails is not handed on: hyper sees the end
//! of the stream (after finishing the requests before it), and the connection loop answers
//! with [`Checked::refused`]. Bodies are counted through by `Content-Length`; after a chunked
//! body the rest of the connection is passed through unchecked (no endpoint takes a body).
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use axum::http::StatusCode;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::{cut, ApiError};

/// The longest request line (method, URL, version): longer is 414.
pub const MAX_REQUEST_LINE: usize = 16 * 1024;
/// The largest head (request line and headers): larger is 431.
pub const MAX_HEAD: usize = 32 * 1024;
/// The most headers in one request: more is 431.
pub const MAX_HEADERS: usize = 64;

/// What the stream expects next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A request head.
    Head,
    /// This many body bytes, then a head.
    Body(u64),
    /// Anything: a chunked body came, the rest is hyper's.
    Unchecked,
}

/// A connection whose request heads are checked before they are read through.
pub struct Checked<IO> {
    io: IO,
    /// Bytes read from `io` and not yet handed on.
    held: Vec<u8>,
    /// How many of `held`'s first bytes are checked and may be handed on.
    cleared: usize,
    expect: Expect,
    refused: Option<ApiError>,
}

impl<IO> Checked<IO> {
    /// Wraps a fresh connection.
    pub fn new(io: IO) -> Checked<IO> {
        Checked {
            io,
            held: Vec::new(),
            cleared: 0,
            expect: Expect::Head,
            refused: None,
        }
    }

    /// The answer owed to a head that was not handed on, if one was refused.
    pub fn refused(&self) -> Option<&ApiError> {
        self.refused.as_ref()
    }

    /// The connection itself, to write that answer.
    pub fn inner_mut(&mut self) -> &mut IO {
        &mut self.io
    }

    /// Looks at what is held and decides how much may go on (`cleared`), whether a head was
    /// refused, or that more bytes are needed (`false`).
    fn examine(&mut self) -> bool {
        match self.expect {
            Expect::Unchecked => {
                self.cleared = self.held.len();
                self.cleared > 0
            }
            Expect::Body(left) => {
                let take =
                    usize::try_from(left).map_or(self.held.len(), |l| l.min(self.held.len()));
                self.cleared = take;
                self.expect = match left - take as u64 {
                    0 => Expect::Head,
                    more => Expect::Body(more),
                };
                take > 0
            }
            Expect::Head => self.examine_head(),
        }
    }

    fn examine_head(&mut self) -> bool {
        if self.held.is_empty() {
            return false;
        }
        match check_head(&self.held) {
            Ok(Some((length, body))) => {
                self.cleared = length;
                self.expect = body;
                true
            }
            Ok(None) => false,
            Err(error) => {
                log::debug!("HTTP request refused before routing: {}", error.message);
                self.refused = Some(error);
                true
            }
        }
    }
}

/// A complete, sound head: its length and what follows it. `Ok(None)`: not complete yet (and
/// within the limits so far).
fn check_head(held: &[u8]) -> Result<Option<(usize, Expect)>, ApiError> {
    let request_line = held.iter().position(|b| *b == b'\n');
    if request_line.unwrap_or(held.len()) > MAX_REQUEST_LINE {
        return Err(refuse(
            StatusCode::URI_TOO_LONG,
            format!("the request line is longer than {MAX_REQUEST_LINE} bytes"),
        ));
    }
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let length = match request.parse(held) {
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) if held.len() > MAX_HEAD => return Err(head_too_large()),
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => {
            return Err(refuse(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                format!("more than {MAX_HEADERS} headers"),
            ))
        }
        Err(error) => return Err(malformed(error)),
    };
    if length > MAX_HEAD {
        return Err(head_too_large());
    }
    let mut content_length = None;
    let mut chunked = None;
    for header in request.headers.iter() {
        if header.name.eq_ignore_ascii_case("content-length") {
            let value = std::str::from_utf8(header.value)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|v| content_length.is_none_or(|seen| seen == *v))
                .ok_or_else(|| malformed("invalid Content-Length"))?;
            content_length = Some(value);
        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
            let value = String::from_utf8_lossy(header.value).to_ascii_lowercase();
            chunked = Some(
                value
                    .rsplit(',')
                    .next()
                    .is_some_and(|last| last.trim() == "chunked"),
            );
        }
    }
    let next = match (chunked, content_length) {
        (Some(false), _) => {
            return Err(malformed(
                "a Transfer-Encoding that does not end in chunked",
            ))
        }
        (Some(true), _) => Expect::Unchecked,
        (None, Some(length)) if length > 0 => Expect::Body(length),
        (None, _) => Expect::Head,
    };
    Ok(Some((length, next)))
}

fn refuse(status: StatusCode, message: String) -> ApiError {
    ApiError { status, message }
}

fn head_too_large() -> ApiError {
    refuse(
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        format!("the request head is larger than {MAX_HEAD} bytes"),
    )
}

fn malformed(what: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(format!(
        "malformed HTTP request: {}",
        cut(&what.to_string())
    ))
}

impl<IO: AsyncRead + Unpin> AsyncRead for Checked<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        loop {
            if this.cleared > 0 {
                let n = this.cleared.min(out.remaining());
                out.put_slice(&this.held[..n]);
                this.held.drain(..n);
                this.cleared -= n;
                return Poll::Ready(Ok(()));
            }
            if this.refused.is_some() {
                // The end of the stream, as far as hyper knows.
                return Poll::Ready(Ok(()));
            }
            if this.examine() {
                continue;
            }
            let mut chunk = [0u8; 8192];
            let mut read = ReadBuf::new(&mut chunk);
            ready!(Pin::new(&mut this.io).poll_read(cx, &mut read))?;
            if read.filled().is_empty() {
                // The client closed, maybe mid-head: nothing more for hyper.
                this.held.clear();
                return Poll::Ready(Ok(()));
            }
            this.held.extend_from_slice(read.filled());
        }
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Checked<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.refused.is_some() {
            // Not yet: the refusal is still to be written.
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(head: &[u8]) -> Option<u16> {
        check_head(head).err().map(|e| e.status.as_u16())
    }

    #[test]
    fn sound_heads_pass_with_their_body_length() {
        let get = b"GET /x?a=1 HTTP/1.1\r\nHost: h\r\n\r\nGET";
        assert_eq!(check_head(get), Ok(Some((32, Expect::Head))));
        let post = b"POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
        assert_eq!(check_head(post), Ok(Some((39, Expect::Body(5)))));
        let chunked = b"POST /x HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n";
        assert_eq!(
            check_head(chunked).map(|h| h.map(|h| h.1)),
            Ok(Some(Expect::Unchecked))
        );
        assert_eq!(check_head(b"GET /x HTTP/1.1\r\nHost"), Ok(None));
    }

    #[test]
    fn unsound_heads_are_refused_with_their_status() {
        let long_url = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(MAX_REQUEST_LINE));
        assert_eq!(status(long_url.as_bytes()), Some(414));
        let unfinished_url = format!("GET /{}", "a".repeat(MAX_REQUEST_LINE));
        assert_eq!(
            status(unfinished_url.as_bytes()),
            Some(414),
            "before the line ends"
        );
        let big_header = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(MAX_HEAD));
        assert_eq!(status(big_header.as_bytes()), Some(431));
        let many = format!(
            "GET / HTTP/1.1\r\n{}\r\n",
            "X: 1\r\n".repeat(MAX_HEADERS + 1)
        );
        assert_eq!(status(many.as_bytes()), Some(431));
        for bad in [
            &b"NOT HTTP AT ALL\r\n\r\n"[..],
            b"GET / HTTP/9.9\r\n\r\n",
            b"GET / HTTP/1.1\r\nBad Header: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: many\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            b"GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        ] {
            assert_eq!(status(bad), Some(400), "{}", String::from_utf8_lossy(bad));
        }
    }
}
