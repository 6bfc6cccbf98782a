//! A TCP proxy in front of the test server, to make the database fail on cue: refuse
//! connections (a server not up yet), or cut every open connection (a restart, a killed
//! backend, a network blip) while the code under test is mid-transaction.
use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;

/// A loopback TCP proxy to one target address. Stops on drop.
#[derive(Debug)]
pub struct TcpProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    target: SocketAddr,
    down: AtomicBool,
    stopped: AtomicBool,
    /// Both ends of every proxied connection, so `cut` can close them.
    open: Mutex<Vec<TcpStream>>,
}

impl TcpProxy {
    /// Starts proxying `127.0.0.1:<free port>` to `target`.
    pub fn start(target: SocketAddr) -> TcpProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("test-kit: proxy binds");
        let addr = listener.local_addr().expect("test-kit: proxy address");
        let shared = Arc::new(Shared {
            target,
            down: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
            open: Mutex::new(Vec::new()),
        });
        let accepting = shared.clone();
        thread::spawn(move || {
            for client in listener.incoming() {
                if accepting.stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                if accepting.down.load(Ordering::SeqCst) {
                    // Accept and drop: the client sees its connection closed at once.
                    drop(client);
                    continue;
                }
                if let Err(err) = accepting.relay(client) {
                    eprintln!("test-kit proxy: cannot reach {}: {err}", accepting.target);
                }
            }
        });
        TcpProxy { addr, shared }
    }

    /// The port clients should connect to.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Closes every open connection (both directions), like a server restart.
    pub fn cut(&self) {
        let mut open = self
            .shared
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for stream in open.drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// While down, new connections are closed at once (a server that is not up); going down
    /// also cuts the open ones.
    pub fn set_down(&self, down: bool) {
        self.shared.down.store(down, Ordering::SeqCst);
        if down {
            self.cut();
        }
    }
}

impl Shared {
    fn relay(&self, client: TcpStream) -> io::Result<()> {
        let upstream = TcpStream::connect(self.target)?;
        client.set_nodelay(true)?;
        upstream.set_nodelay(true)?;
        {
            let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
            open.push(client.try_clone()?);
            open.push(upstream.try_clone()?);
        }
        pump(client.try_clone()?, upstream.try_clone()?);
        pump(upstream, client);
        Ok(())
    }
}

/// Copies `from` → `to` on a thread until either side closes, then closes both.
fn pump(mut from: TcpStream, mut to: TcpStream) {
    thread::spawn(move || {
        let _ = io::copy(&mut from, &mut to);
        let _ = from.shutdown(Shutdown::Both);
        let _ = to.shutdown(Shutdown::Both);
    });
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
        self.cut();
        // Wake the accept loop so it sees `stopped`.
        let _ = TcpStream::connect(self.addr);
    }
}
