//! Injected failures: what can go wrong between a client and the real SpaceX API.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Body, Bytes, Frame, SizeHint};
use serde_json::{json, Value};

use crate::node::Node;

/// One way to answer a request badly.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// This HTTP status (500 if it is not a valid code) with a small JSON error body.
    Status(u16),
    /// 429 with a `Retry-After` header of this many seconds.
    TooManyRequests {
        /// The `Retry-After` value.
        retry_after_secs: u64,
    },
    /// Sleep this long, then answer normally: a slow server, for read timeouts.
    Delay(Duration),
    /// 200 with a body that is not JSON.
    MalformedJson,
    /// 200 with the first half of the normal body (its `Content-Length` matches the cut body).
    TruncatedBody,
    /// 200 with `{"data": null, "errors": [...]}`: a failed resolver.
    GraphQlError,
    /// 200 with the first element of the first non-empty list replaced by `null`, plus an
    /// `errors` entry whose `path` points at it: a resolver failing for one item.
    PartialNull,
    /// 200 with the first non-null scalar of the first record (depth-first, e.g. its `id`)
    /// replaced by the object `{"unexpected": true}`.
    WrongType,
    /// 200 with a well-formed JSON body of exactly this many bytes, streamed so the server never
    /// holds it: `{"data":{"<first root key>":[{padding},...]}}`. Sizes below that of the empty
    /// list (24 bytes for `launches`) give the empty list.
    Oversized {
        /// The body size (also sent as `Content-Length`).
        bytes: usize,
    },
    /// Close the TCP connection with a reset after reading the request, without any response.
    ConnectionReset,
    /// 200 with the normal body in which every occurrence of the text `from` is replaced by
    /// the raw bytes `to`: for text a serializer would never write (invalid UTF-8, a lone
    /// surrogate escape such as `\ud800`).
    ReplaceText {
        /// Text of the rendered JSON body to replace, e.g. `"Crew-5"` (with its quotes).
        from: String,
        /// The bytes to put there, sent as they are.
        to: Vec<u8>,
    },
}

/// A fault applied to the next `times` requests that ask for root field `field`
/// (any request if `None`). Rules are tried in the order they were injected; a request gets
/// at most one fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// The root field name (not alias) a request must ask for, or `None` for every request.
    pub field: Option<String>,
    /// What to do.
    pub fault: Fault,
    /// How many matching requests get it (`usize::MAX`: all of them).
    pub times: usize,
}

impl FaultRule {
    /// The fault for the next request, whatever it asks.
    pub fn any(fault: Fault) -> Self {
        Self {
            field: None,
            fault,
            times: 1,
        }
    }

    /// The fault for the next request that asks for root field `field`.
    pub fn on(field: &str, fault: Fault) -> Self {
        Self {
            field: Some(field.to_owned()),
            fault,
            times: 1,
        }
    }

    /// The same rule for `times` matching requests.
    pub fn times(self, times: usize) -> Self {
        Self { times, ..self }
    }

    /// Whether this rule applies to a request asking for `fields`.
    pub(crate) fn matches(&self, fields: &[String]) -> bool {
        self.times > 0 && self.field.as_ref().is_none_or(|f| fields.contains(f))
    }
}

/// A body that is not JSON, for [`Fault::MalformedJson`].
pub(crate) const MALFORMED_JSON: &str = r#"{"data": {"launches": [{"id": "1",, oops"#;

/// The error entry of injected GraphQL failures.
pub(crate) fn resolver_error(path: Value) -> Value {
    json!({
        "message": "Injected fault: resolver failed",
        "path": path,
        "extensions": {"code": "INTERNAL_SERVER_ERROR"},
    })
}

/// [`Fault::PartialNull`]: nulls the first element of the first non-empty list root field and
/// returns the matching error (pointing at the first root field if there is no such list).
pub(crate) fn null_one_item(data: &mut Node) -> Value {
    let Node::Object(fields) = data else {
        return resolver_error(json!([]));
    };
    for (key, node) in fields.iter_mut() {
        if let Node::List(items) = node {
            if let Some(first) = items.first_mut() {
                *first = Node::NULL;
                return resolver_error(json!([key, 0]));
            }
        }
    }
    let first_key = fields.first().map(|(key, _)| key.as_str());
    resolver_error(json!([first_key]))
}

/// [`Fault::WrongType`]: the first scalar gets a value of the wrong type.
pub(crate) fn break_one_type(data: &mut Node) {
    if let Some(scalar) = data.first_scalar_mut() {
        *scalar = Node::Leaf(json!({"unexpected": true}));
    }
}

/// The streamed body of [`Fault::Oversized`]: a few fixed chunks, some repeated many times.
pub(crate) struct OversizedBody {
    /// Chunks still to send, each with how many more times to send it.
    chunks: VecDeque<(Bytes, usize)>,
    remaining: u64,
}

impl OversizedBody {
    /// Size of one padding record; big enough to keep the frame count low.
    const RECORD_BYTES: usize = 16 * 1024;

    /// `{"data":{"<key>":[` + padding records + `]}}`, exactly `bytes` long when possible.
    pub(crate) fn new(key: &str, bytes: usize) -> Self {
        let prefix = format!("{{\"data\":{{{}:[", json!(key));
        let suffix = "]}}";
        let head = r#"{"id":"oversized","details":""#;
        let (tail, last_tail) = (r#""},"#, r#""}"#);
        let filler = |n: usize| Bytes::from("x".repeat(n));

        let mut chunks = VecDeque::from([(Bytes::from(prefix.clone()), 1)]);
        let room = bytes.saturating_sub(prefix.len() + suffix.len());
        let last_min = head.len() + last_tail.len();
        if room < last_min {
            // Too small for a record: pad the empty list with whitespace.
            chunks.push_back((Bytes::from(" ".repeat(room)), 1));
        } else {
            // n full records `{…},`, then one last record `{…}` taking up the rest.
            let full = Self::RECORD_BYTES;
            let (n, rest) = ((room - last_min) / full, (room - last_min) % full);
            let record = [
                head.as_bytes(),
                &filler(full - head.len() - tail.len()),
                tail.as_bytes(),
            ]
            .concat();
            chunks.push_back((Bytes::from(record), n));
            let last = [head.as_bytes(), &filler(rest), last_tail.as_bytes()].concat();
            chunks.push_back((Bytes::from(last), 1));
        }
        chunks.push_back((Bytes::from_static(suffix.as_bytes()), 1));
        let remaining = chunks.iter().map(|(c, n)| (c.len() * n) as u64).sum();
        Self { chunks, remaining }
    }
}

impl Body for OversizedBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        while let Some((chunk, left)) = self.chunks.front_mut() {
            if *left == 0 {
                self.chunks.pop_front();
                continue;
            }
            *left -= 1;
            let chunk = chunk.clone();
            self.remaining -= chunk.len() as u64;
            return Poll::Ready(Some(Ok(Frame::data(chunk))));
        }
        Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    fn collect(body: OversizedBody) -> Vec<u8> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime
            .block_on(body.collect())
            .unwrap()
            .to_bytes()
            .to_vec()
    }

    #[test]
    fn oversized_bodies_are_exact_and_well_formed() {
        for bytes in [0, 24, 40, 60, 16 * 1024, 100_003] {
            let body = OversizedBody::new("launches", bytes);
            assert_eq!(body.size_hint().exact(), Some(body.remaining));
            let text = collect(body);
            assert_eq!(text.len(), bytes.max(24), "size {bytes}");
            let value: Value = serde_json::from_slice(&text).unwrap();
            assert!(value["data"]["launches"].is_array(), "size {bytes}");
        }
    }

    #[test]
    fn partial_null_and_wrong_type_touch_one_value() {
        let record = |id: &str| Node::Object(vec![("id".into(), Node::Leaf(json!(id)))]);
        let mut data = Node::Object(vec![
            ("rockets".into(), Node::List(vec![])),
            (
                "launches".into(),
                Node::List(vec![record("a"), record("b")]),
            ),
        ]);
        assert_eq!(null_one_item(&mut data)["path"], json!(["launches", 0]));
        break_one_type(&mut data);
        assert_eq!(
            serde_json::to_value(&data).unwrap(),
            json!({"rockets": [], "launches": [null, {"id": {"unexpected": true}}]})
        );
    }
}
