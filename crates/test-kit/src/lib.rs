#![doc = include_str!("../README.md")]

pub mod cli;
mod cluster;
mod conninfo;
pub mod logs;
mod migrations;
mod proxy;

pub use proxy::TcpProxy;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

use diesel::{Connection, PgConnection, RunQueryDsl};

/// A fresh, empty database on the test server, dropped again when this value is dropped.
///
/// See the crate documentation for where the server comes from.
#[derive(Debug)]
pub struct TestDb {
    name: String,
    url: String,
}

impl TestDb {
    /// Creates a new, empty database with a unique name.
    ///
    /// The first call in a process also finds or starts the server (see the crate
    /// documentation). Meant for tests: panics with an explanation if there is no server.
    pub fn new() -> TestDb {
        TestDb::create(None)
    }

    /// Creates a new database with the workspace's migrations (`migrations/`) applied, as
    /// `repository::Database::run_migrations` would apply them.
    ///
    /// On the throwaway cluster it is a copy of a template database migrated once per
    /// machine and set of migrations (see the crate documentation); on an external server
    /// the migrations run for each database.
    pub fn migrated() -> TestDb {
        let db = TestDb::create(Some(migrations::MIGRATED_DB));
        if server().cluster.is_none() {
            if let Err(err) = migrations::apply(&db.url) {
                panic!(
                    "test-kit: could not migrate test database {}: {err}",
                    db.name
                );
            }
        }
        db
    }

    fn create(template: Option<&str>) -> TestDb {
        let server = server();
        let name = unique_name();
        if let Err(err) = server.create_database(&name, template) {
            panic!("test-kit: could not create test database {name}: {err}");
        }
        let url = conninfo::with_dbname(&server.maintenance, &name);
        TestDb { name, url }
    }

    /// The libpq connection URL (or key=value string, if the server was given as one) of
    /// this database, for `PgConnection::establish` or an r2d2 `ConnectionManager`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The name of this database.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The connection string of the server's maintenance database (`postgres` for the
    /// throwaway cluster, else the database of `TEST_DATABASE_URL` / `DATABASE_URL`).
    pub fn server_url(&self) -> String {
        server().maintenance.clone()
    }

    /// A connection string for another database `name` on the same server, for example
    /// one that the code under test creates itself.
    pub fn url_for_database(&self, name: &str) -> String {
        conninfo::with_dbname(&server().maintenance, name)
    }

    /// A [`TcpProxy`] in front of this database's server, and the URL of this database
    /// through it. Needs a URL-form connection string with `host:port`.
    pub fn proxied(&self) -> (TcpProxy, String) {
        let (head, rest) = self
            .url
            .split_once('@')
            .expect("test-kit: proxied() needs a postgres://user@host:port/db URL");
        let (host_port, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let target = std::net::ToSocketAddrs::to_socket_addrs(host_port)
            .ok()
            .and_then(|mut addrs| addrs.next())
            .unwrap_or_else(|| panic!("test-kit: cannot resolve {host_port}"));
        let proxy = TcpProxy::start(target);
        let url = format!("{head}@127.0.0.1:{}{path}", proxy.port());
        (proxy, url)
    }
}

impl Default for TestDb {
    fn default() -> Self {
        TestDb::new()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(Ok(server)) = SERVER.get() {
            if let Err(err) = server.drop_database(&self.name) {
                eprintln!(
                    "test-kit: could not drop test database {}: {err}",
                    self.name
                );
            }
        }
    }
}

/// `test_<pid>_<counter>_<random>`: unique on the server even when several processes (or
/// runs on a shared external server) create databases at the same time.
fn unique_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("test_{}_{n}_{:08x}", std::process::id(), fastrand::u32(..))
}

/// The server all `TestDb`s of this process use.
struct Server {
    /// Connection string of the maintenance database.
    maintenance: String,
    /// Our own throwaway cluster (`None` for an external server). Kept for the process
    /// lifetime: it holds the lock that marks the cluster's directory as in use.
    cluster: Option<cluster::Cluster>,
    /// Cached connection to the maintenance database.
    conn: Mutex<Option<PgConnection>>,
}

static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();

fn server() -> &'static Server {
    match SERVER.get_or_init(Server::start) {
        Ok(server) => server,
        Err(msg) => panic!("test-kit: no PostgreSQL server for tests: {msg}"),
    }
}

impl Server {
    fn start() -> Result<Server, String> {
        for var in ["TEST_DATABASE_URL", "DATABASE_URL"] {
            if let Ok(url) = std::env::var(var) {
                if !url.trim().is_empty() {
                    return Ok(Server {
                        maintenance: url,
                        cluster: None,
                        conn: Mutex::new(None),
                    });
                }
            }
        }
        let (cluster, conn) = cluster::Cluster::start()?;
        Ok(Server {
            maintenance: cluster.url("postgres"),
            cluster: Some(cluster),
            conn: Mutex::new(Some(conn)),
        })
    }

    /// Creates database `name`; a copy of `template` on our own cluster (which has it).
    fn create_database(&self, name: &str, template: Option<&str>) -> Result<(), String> {
        let ident = conninfo::quote_ident(name);
        if self.cluster.is_some() {
            let template = template.unwrap_or("template1");
            // Our own PostgreSQL ≥ 15 with fsync off: copying the files is about twice as
            // fast as the default WAL_LOG strategy for a small template.
            self.execute(&format!(
                "CREATE DATABASE {ident} TEMPLATE {template} STRATEGY = FILE_COPY"
            ))
        } else {
            self.execute(&format!("CREATE DATABASE {ident}"))
        }
    }

    fn drop_database(&self, name: &str) -> Result<(), String> {
        let ident = conninfo::quote_ident(name);
        self.execute(&format!("DROP DATABASE IF EXISTS {ident} WITH (FORCE)"))
            // WITH (FORCE) needs PostgreSQL 13.
            .or_else(|_| self.execute(&format!("DROP DATABASE IF EXISTS {ident}")))
    }

    /// Runs `sql` on the maintenance database, reconnecting once if it fails (the cached
    /// connection may have been broken).
    fn execute(&self, sql: &str) -> Result<(), String> {
        let mut guard = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let mut last_err = String::new();
        for _ in 0..2 {
            let conn = match &mut *guard {
                Some(conn) => conn,
                None => match PgConnection::establish(&self.maintenance) {
                    Ok(conn) => guard.insert(conn),
                    Err(err) => {
                        return Err(format!(
                            "cannot connect to {}: {err}",
                            conninfo::redact(&self.maintenance)
                        ))
                    }
                },
            };
            match diesel::sql_query(sql).execute(conn) {
                Ok(_) => return Ok(()),
                Err(err) => {
                    last_err = format!("{sql}: {err}");
                    *guard = None;
                }
            }
        }
        Err(last_err)
    }
}

/// Rewrites the file at `path` with `update` applied to its content (empty when it does not
/// exist), holding a lock on it meanwhile: for generated files that several test processes
/// update at once, each its own part.
pub fn update_file(path: &std::path::Path, update: impl FnOnce(String) -> String) {
    use std::io::{Read, Seek, Write};
    let fail = |what: &str, e: std::io::Error| -> ! {
        panic!("test-kit: cannot {what} {}: {e}", path.display())
    };
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .unwrap_or_else(|e| fail("open", e));
    file.lock().unwrap_or_else(|e| fail("lock", e));
    let mut old = String::new();
    file.read_to_string(&mut old)
        .unwrap_or_else(|e| fail("read", e));
    let new = update(old);
    file.set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| file.write_all(new.as_bytes()))
        .unwrap_or_else(|e| fail("write", e));
}
