//! A TCP proxy in front of PostgreSQL that counts what its clients ask of the server: the
//! connections, the round trips (every simple `Query` and every extended-protocol `Sync` waits
//! for one `ReadyForQuery`) and the transactions (read off the status byte of `ReadyForQuery`:
//! a `BEGIN … COMMIT` block is one, so is every statement run outside a block).
//!
//! Only the counting pass of the bench goes through it: it copies every byte once more, which
//! the timed runs should not pay.
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// The startup-phase request code of protocol 3.0.
const PROTOCOL_3: u32 = 196_608;
/// `SSLRequest` and `GSSENCRequest`: the server answers each with one byte before anything else.
const NEGOTIATIONS: [u32; 2] = [80_877_103, 80_877_104];

/// What crossed the proxy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Traffic {
    /// Client connections opened.
    pub connections: u64,
    /// Requests that waited for the server's answer.
    pub round_trips: u64,
    /// Transactions (explicit blocks, and single statements outside one).
    pub transactions: u64,
}

impl Traffic {
    /// What happened after `earlier` was read.
    pub fn since(self, earlier: Traffic) -> Traffic {
        Traffic {
            connections: self.connections - earlier.connections,
            round_trips: self.round_trips - earlier.round_trips,
            transactions: self.transactions - earlier.transactions,
        }
    }
}

#[derive(Debug, Default)]
struct Counters {
    connections: AtomicU64,
    open: AtomicU64,
    round_trips: AtomicU64,
    transactions: AtomicU64,
    /// Set when the proxy is dropped: the accept loop ends.
    stop: AtomicBool,
}

/// The proxy; stops accepting when dropped.
#[derive(Debug)]
pub struct CountingProxy {
    addr: SocketAddr,
    counters: Arc<Counters>,
    accept: Option<JoinHandle<()>>,
}

impl CountingProxy {
    /// A proxy in front of the server of `database_url` (`postgres://user@host:port/db`), and
    /// the URL of the same database through it.
    pub fn in_front_of(database_url: &str) -> anyhow::Result<(CountingProxy, String)> {
        let mut url = url::Url::parse(database_url)?;
        let target = (
            url.host_str().unwrap_or("localhost"),
            url.port().unwrap_or(5432),
        )
            .to_socket_addrs()?
            .next()
            .with_context(|| format!("cannot resolve the host of {database_url}"))?;
        let proxy = CountingProxy::start(target)?;
        url.set_port(Some(proxy.addr.port()))
            .map_err(|()| anyhow::anyhow!("{database_url} cannot take a port"))?;
        Ok((proxy, url.into()))
    }

    /// Listens on a free loopback port and forwards every connection to `target`.
    fn start(target: SocketAddr) -> io::Result<CountingProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let counters = Arc::new(Counters::default());
        let shared = counters.clone();
        let accept = std::thread::Builder::new()
            .name("pgwire-accept".into())
            .spawn(move || {
                for client in listener.incoming() {
                    if shared.stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(client) = client else { continue };
                    match TcpStream::connect(target) {
                        Ok(server) => spawn_connection(client, server, shared.clone()),
                        Err(error) => eprintln!("bench: proxy cannot reach {target}: {error}"),
                    }
                }
            })?;
        Ok(CountingProxy {
            addr,
            counters,
            accept: Some(accept),
        })
    }

    /// Waits until every connection has closed (up to 10 s): once a client process has exited,
    /// the proxy still copies (and counts) its last bytes.
    pub fn wait_closed(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.counters.open.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// The counts so far. A client that has its answer was counted: requests are counted
    /// before they are passed on, answers before they are passed back.
    pub fn traffic(&self) -> Traffic {
        Traffic {
            connections: self.counters.connections.load(Ordering::SeqCst),
            round_trips: self.counters.round_trips.load(Ordering::SeqCst),
            transactions: self.counters.transactions.load(Ordering::SeqCst),
        }
    }
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        self.counters.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

fn spawn_connection(client: TcpStream, server: TcpStream, counters: Arc<Counters>) {
    counters.connections.fetch_add(1, Ordering::SeqCst);
    counters.open.fetch_add(1, Ordering::SeqCst);
    let spawned = (|| -> io::Result<()> {
        let (client_read, server_write) = (client.try_clone()?, server.try_clone()?);
        let negotiations = Arc::new(AtomicU64::new(0));
        let asked = negotiations.clone();
        let up_counters = counters.clone();
        let down_counters = counters.clone();
        std::thread::Builder::new()
            .name("pgwire-conn".into())
            .spawn(move || {
                let upstream = std::thread::spawn(move || {
                    frontend(client_read, server_write, &up_counters, &asked);
                });
                backend(server, client, &down_counters, &negotiations);
                let _ = upstream.join();
                down_counters.open.fetch_sub(1, Ordering::SeqCst);
            })?;
        Ok(())
    })();
    if let Err(error) = spawned {
        eprintln!("bench: proxy connection failed: {error}");
        counters.open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Client → server: counts the round trips and the negotiation requests.
fn frontend(mut from: TcpStream, mut to: TcpStream, counters: &Counters, negotiations: &AtomicU64) {
    let mut framer = Framer::default();
    pump(&mut from, &mut to, |data| {
        framer.feed(data, |frame| match frame {
            Frame::Startup(code) if NEGOTIATIONS.contains(&code) => {
                negotiations.fetch_add(1, Ordering::SeqCst);
            }
            Frame::Message(b'Q' | b'S', _) => {
                counters.round_trips.fetch_add(1, Ordering::SeqCst);
            }
            _ => {}
        });
        data
    });
}

/// Server → client: counts the transactions from `CommandComplete` and `ReadyForQuery`.
fn backend(mut from: TcpStream, mut to: TcpStream, counters: &Counters, negotiations: &AtomicU64) {
    let mut framer = Framer {
        typed: true,
        ..Framer::default()
    };
    let mut answered = 0;
    let mut status = b'I';
    let mut completed = false;
    pump(&mut from, &mut to, |mut data| {
        // The one-byte answers to SSL/GSS requests come before any message.
        while answered < negotiations.load(Ordering::SeqCst) && !data.is_empty() {
            data = &data[1..];
            answered += 1;
        }
        framer.feed(data, |frame| match frame {
            Frame::Message(b'C', _) => completed = true,
            Frame::Message(b'Z', body) => {
                let now = body.first().copied().unwrap_or(b'I');
                let began_block = now != b'I' && status == b'I';
                let single_statement = now == b'I' && status == b'I' && completed;
                if began_block || single_statement {
                    counters.transactions.fetch_add(1, Ordering::SeqCst);
                }
                status = now;
                completed = false;
            }
            _ => {}
        });
        data
    });
}

/// Copies `from` to `to` until either side closes, showing each chunk to `inspect` first; then
/// closes the writing side so that the other direction ends too.
fn pump(from: &mut TcpStream, to: &mut TcpStream, mut inspect: impl FnMut(&[u8]) -> &[u8]) {
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(read) => read,
        };
        inspect(&buffer[..read]);
        if to.write_all(&buffer[..read]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

/// One protocol message: the request code of an (untagged) startup-phase message, or a tagged
/// message with its body.
#[derive(Debug, PartialEq)]
enum Frame<'a> {
    Startup(u32),
    Message(u8, &'a [u8]),
}

/// Cuts a byte stream into protocol messages, across reads.
#[derive(Debug, Default)]
struct Framer {
    /// After the startup message every message starts with a tag byte.
    typed: bool,
    pending: Vec<u8>,
}

impl Framer {
    fn feed(&mut self, data: &[u8], mut on_frame: impl FnMut(Frame<'_>)) {
        self.pending.extend_from_slice(data);
        let mut at = 0;
        loop {
            let rest = &self.pending[at..];
            let tag = usize::from(self.typed);
            let Some(length) = rest.get(tag..tag + 4) else {
                break;
            };
            // The length counts itself but not the tag.
            let length = u32::from_be_bytes([length[0], length[1], length[2], length[3]]);
            let end = tag + usize::try_from(length).unwrap_or(usize::MAX);
            let Some(message) = rest.get(..end) else {
                break;
            };
            let body = &message[tag + 4..];
            if self.typed {
                on_frame(Frame::Message(message[0], body));
            } else if let Some(code) = body.get(..4) {
                let code = u32::from_be_bytes([code[0], code[1], code[2], code[3]]);
                on_frame(Frame::Startup(code));
                self.typed = code == PROTOCOL_3;
            }
            at += end.max(tag + 4);
        }
        self.pending.drain(..at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(typed: bool, chunks: &[&[u8]]) -> Vec<String> {
        let mut framer = Framer {
            typed,
            ..Framer::default()
        };
        let mut seen = Vec::new();
        for chunk in chunks {
            framer.feed(chunk, |frame| seen.push(format!("{frame:?}")));
        }
        seen
    }

    #[test]
    fn cuts_startup_and_tagged_messages_across_reads() {
        let ssl = [0, 0, 0, 8, 4, 210, 22, 47];
        let startup = [0, 0, 0, 9, 0, 3, 0, 0, 0];
        let query = [b'Q', 0, 0, 0, 6, b';', 0];
        let sync = [b'S', 0, 0, 0, 4];
        let stream: Vec<u8> = [&ssl[..], &startup, &query, &sync].concat();
        let expected = [
            "Startup(80877103)",
            "Startup(196608)",
            "Message(81, [59, 0])",
            "Message(83, [])",
        ];
        assert_eq!(frames(false, &[&stream]), expected);
        let bytewise: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(frames(false, &bytewise), expected);
    }

    #[test]
    fn counts_round_trips_and_transactions_of_a_real_server() {
        use diesel::connection::SimpleConnection;
        use diesel::{Connection, PgConnection};

        let db = test_kit::TestDb::new();
        let (proxy, url) = CountingProxy::in_front_of(&db.url()).unwrap();
        let mut conn = PgConnection::establish(&url).unwrap();
        let before = proxy.traffic();
        conn.batch_execute("CREATE TABLE t (x int)").unwrap();
        conn.transaction(|conn| {
            conn.batch_execute("INSERT INTO t VALUES (1)")?;
            conn.batch_execute("INSERT INTO t VALUES (2)")
        })
        .unwrap();
        let traffic = proxy.traffic().since(before);
        // CREATE; BEGIN, two INSERTs, COMMIT.
        assert_eq!(traffic.round_trips, 5);
        assert_eq!(traffic.transactions, 2);
    }
}
