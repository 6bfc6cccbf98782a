//! A throwaway PostgreSQL cluster, started once per process.
//!
//! Layout under `greenadam-test-kit/` (`…-<uid>` when not root) in `parent_dir()`:
//! - `pg-<hash of the server binary>-template/data`: a cluster made by initdb once per
//!   machine, built in a `….tmp-<pid>` folder and renamed into place under the `….lock`
//!   file lock;
//! - `run-<pid>-<random>/`: one per process: `data/` (a copy of the template), `sock/`
//!   (unix socket), `postgres.log`, and `lock`, a file the owning process holds locked
//!   (flock) for its whole life, so that a lock that can be taken means a dead owner.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::net::TcpListener;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{mpsc, Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use diesel::{Connection, PgConnection};

/// Bumped whenever the initdb options change, so that old templates are not reused.
const TEMPLATE_FORMAT: u32 = 1;
/// Leftovers without a live owner are removed when they are at least this old.
const STALE_AGE: Duration = Duration::from_secs(3600);
/// How long the server may take to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// The system user that runs PostgreSQL when we are root (PostgreSQL refuses root).
const SERVICE_USER: &str = "postgres";
/// The database superuser created by initdb.
const SUPERUSER: &str = "postgres";

/// Server settings: fast and unsafe, which is fine for a throwaway cluster.
const SETTINGS: &[&str] = &[
    "listen_addresses=127.0.0.1",
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    "max_connections=100",
    "shared_buffers=32MB",
    "autovacuum=off",
    "jit=off",
    "huge_pages=off",
    "timezone=UTC",
    "log_timezone=UTC",
];

/// Runs the server command given as arguments ($2…) and, when told to stop (the test
/// process died: `setpriv --pdeathsig SIGTERM`, or a signal to the process group), stops
/// the server at once and removes the run folder ($1). If the server exits on its own, the
/// folder is kept so that its log can be read; a later process sweeps it.
const WRAPPER: &str = r#"run_dir=$1; shift
stop=; pid=
trap 'stop=1; if [ -n "$pid" ]; then kill -QUIT "$pid" 2>/dev/null; fi' HUP INT TERM
"$@" &
pid=$!
if [ -n "$stop" ]; then kill -QUIT "$pid" 2>/dev/null; fi
wait "$pid"; status=$?
if [ -n "$stop" ]; then
  wait "$pid" 2>/dev/null
  rm -rf -- "$run_dir"
fi
exit "$status"
"#;

/// A running throwaway cluster.
pub(crate) struct Cluster {
    port: u16,
    /// Held locked for the life of the process: marks `run_dir` as in use.
    _lock: File,
}

impl Cluster {
    /// A URL for database `db` of this cluster, over TCP.
    pub(crate) fn url(&self, db: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{db}", self.port)
    }

    /// Starts the cluster; also returns a connection to its `postgres` database.
    pub(crate) fn start() -> Result<(Cluster, PgConnection), String> {
        let bindir = find_bindir()?;
        let key = template_key(&bindir)?;
        let uid = fs::metadata("/proc/self")
            .map_err(|e| format!("cannot read /proc/self (Linux only): {e}"))?
            .uid();
        let as_root = uid == 0;
        let base = parent_dir().join(if as_root {
            "greenadam-test-kit".to_string()
        } else {
            format!("greenadam-test-kit-{uid}")
        });
        fs::create_dir_all(&base).map_err(|e| format!("cannot create {}: {e}", base.display()))?;
        // Readable by the service user; ignore failure (not our folder: then it already is).
        let _ = fs::set_permissions(&base, fs::Permissions::from_mode(0o755));
        let migrated_name = format!("pg-{key}-migrated-{}", crate::migrations::hash()?);
        sweep(&base, &migrated_name);
        let template = ensure_template(&base, &bindir, &key, as_root)?;
        let migrated = build_once(&base, &migrated_name, as_root, |staging| {
            migrate_template(&bindir, &template, staging, as_root)
        })?;
        // The age of a migrated template is the time since its last use (see `sweep`).
        let _ = File::open(&migrated).and_then(|dir| dir.set_modified(SystemTime::now()));
        let (run_dir, lock) = new_run_dir(&base)?;
        let data = run_dir.join("data");
        run(
            Command::new("cp")
                .arg("-a")
                .arg(migrated.join("data"))
                .arg(&data),
            "cp -a (copying the template cluster)",
        )?;
        let sock = run_dir.join("sock");
        fs::create_dir(&sock).map_err(|e| format!("cannot create {}: {e}", sock.display()))?;
        if as_root {
            let meta = fs::metadata(&data).map_err(|e| format!("{}: {e}", data.display()))?;
            std::os::unix::fs::chown(&sock, Some(meta.uid()), Some(meta.gid()))
                .map_err(|e| format!("cannot chown {}: {e}", sock.display()))?;
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            let port = free_port()?;
            match launch(&bindir, &run_dir, port, as_root) {
                Ok(conn) => return Ok((Cluster { port, _lock: lock }, conn)),
                // Another process took the port between our probe and the server's bind.
                Err(Failure::PortTaken(_)) if attempt < 3 => continue,
                Err(Failure::PortTaken(msg) | Failure::Other(msg)) => return Err(msg),
            }
        }
    }
}

enum Failure {
    PortTaken(String),
    Other(String),
}

/// Starts `postgres` on `port` and waits until it accepts connections.
fn launch(
    bindir: &Path,
    run_dir: &Path,
    port: u16,
    as_root: bool,
) -> Result<PgConnection, Failure> {
    let other = |msg: String| Failure::Other(msg);
    let log_path = run_dir.join("postgres.log");
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(|e| other(format!("cannot create {}: {e}", log_path.display())))?;
    let log_start = log.metadata().map(|m| m.len()).unwrap_or(0);
    let log_err = log
        .try_clone()
        .map_err(|e| other(format!("{}: {e}", log_path.display())))?;

    let mut cmd = Command::new("setpriv");
    cmd.args([
        "--pdeathsig",
        "SIGTERM",
        "--",
        "sh",
        "-c",
        WRAPPER,
        "test-kit-postgres",
    ])
    .arg(run_dir)
    .arg("setpriv");
    if as_root {
        cmd.args(service_user_args());
    }
    cmd.args(["--pdeathsig", "SIGQUIT", "--"])
        .arg(bindir.join("postgres"))
        .arg("-D")
        .arg(run_dir.join("data"))
        .arg("-p")
        .arg(port.to_string())
        .arg("-k")
        .arg(run_dir.join("sock"));
    for setting in SETTINGS {
        cmd.arg("-c").arg(setting);
    }
    cmd.current_dir(run_dir)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err);

    // PR_SET_PDEATHSIG fires when the *thread* that spawned the child ends, not the
    // process: spawn from a thread that then waits on the child, so it lives as long as
    // the server, and the server is stopped when the process ends, however it ends.
    let exited: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
    let exited_in_thread = Arc::clone(&exited);
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("test-kit-postgres".to_string())
        .spawn(move || match cmd.spawn() {
            Ok(mut child) => {
                let _ = tx.send(Ok(()));
                let status = match child.wait() {
                    Ok(status) => status.to_string(),
                    Err(err) => err.to_string(),
                };
                *exited_in_thread
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = Some(status);
            }
            Err(err) => {
                let _ = tx.send(Err(err));
            }
        })
        .map_err(|e| other(format!("cannot spawn a thread: {e}")))?;
    match rx.recv() {
        Ok(Ok(())) => {}
        Ok(Err(err)) => {
            return Err(other(format!(
                "cannot run setpriv (util-linux) to start postgres: {err}"
            )))
        }
        Err(_) => return Err(other("the thread starting postgres died".to_string())),
    }

    // Poll over the unix socket: it is in our own folder, so a connection there is our
    // server, never another process's server that grabbed the same port.
    let sock_url = format!(
        "postgresql:///postgres?host={}&port={port}&user={SUPERUSER}",
        crate::conninfo::percent_encode(&run_dir.join("sock").to_string_lossy())
    );
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        let status = exited
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(status) = status {
            let tail = log_tail(&log_path, log_start);
            let msg = format!(
                "postgres exited at start ({status}); log {}:\n{tail}",
                log_path.display()
            );
            return Err(
                if tail.contains("could not bind") || tail.contains("already in use") {
                    Failure::PortTaken(msg)
                } else {
                    Failure::Other(msg)
                },
            );
        }
        let last_err = match PgConnection::establish(&sock_url) {
            Ok(_) => break,
            Err(err) => err.to_string(),
        };
        if Instant::now() > deadline {
            return Err(other(format!(
                "postgres did not accept connections within {READY_TIMEOUT:?} ({}); log {}:\n{}",
                last_err.trim(),
                log_path.display(),
                log_tail(&log_path, log_start)
            )));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    // Our server holds the port now: TCP reaches it.
    let url = format!("postgres://{SUPERUSER}@127.0.0.1:{port}/postgres");
    PgConnection::establish(&url).map_err(|e| other(format!("cannot connect to {url}: {e}")))
}

/// `setpriv` options that switch to the service user.
fn service_user_args() -> [String; 3] {
    [
        format!("--reuid={SERVICE_USER}"),
        format!("--regid={SERVICE_USER}"),
        "--init-groups".to_string(),
    ]
}

/// Runs `cmd` (stdin closed); an error with its output if it fails.
fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Where the template and run folders go: `TEST_KIT_DIR` if set, else `/dev/shm` if it is
/// a tmpfs of at least 1 GiB (creating files there is many times faster than on a disk,
/// which matters for copying the template and for CREATE DATABASE), else the temp folder.
fn parent_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("TEST_KIT_DIR") {
        return PathBuf::from(dir);
    }
    let shm_size = fs::read_to_string("/proc/mounts")
        .unwrap_or_default()
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            match fields[..] {
                // Without a size (or with a percentage), tmpfs gets half the memory.
                [_, "/dev/shm", "tmpfs", options, ..] => Some(
                    options
                        .split(',')
                        .find_map(|o| o.strip_prefix("size="))
                        .and_then(parse_size)
                        .unwrap_or(u64::MAX),
                ),
                _ => None,
            }
        })
        .next_back();
    let shm = Path::new("/dev/shm");
    if shm_size.is_some_and(|size| size >= 1 << 30) && shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

/// `24684092k` → bytes.
fn parse_size(text: &str) -> Option<u64> {
    let (digits, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: u64 = digits.parse().ok()?;
    let factor = match unit {
        "" => 1,
        "k" | "K" => 1 << 10,
        "m" | "M" => 1 << 20,
        "g" | "G" => 1 << 30,
        "t" | "T" => 1 << 40,
        _ => return None,
    };
    n.checked_mul(factor)
}

/// The folder holding `initdb` and `postgres`.
fn find_bindir() -> Result<PathBuf, String> {
    let has_programs = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    if let Some(dir) = std::env::var_os("TEST_KIT_PG_BINDIR") {
        let dir = PathBuf::from(dir);
        return if has_programs(&dir) {
            Ok(dir)
        } else {
            Err(format!(
                "TEST_KIT_PG_BINDIR={} has no initdb and postgres",
                dir.display()
            ))
        };
    }
    // PATH first: looking costs nothing, running pg_config costs a process.
    if let Some(path) = std::env::var_os("PATH") {
        if let Some(dir) = std::env::split_paths(&path).find(|dir| has_programs(dir)) {
            return Ok(dir);
        }
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && has_programs(&dir) {
            return Ok(dir);
        }
    }
    // Debian and Ubuntu keep the server programs off PATH.
    if let Ok(entries) = fs::read_dir("/usr/lib/postgresql") {
        let best = entries
            .flatten()
            .filter_map(|e| {
                let major: u32 = e.file_name().to_str()?.parse().ok()?;
                let bin = e.path().join("bin");
                has_programs(&bin).then_some((major, bin))
            })
            .max();
        if let Some((_, bin)) = best {
            return Ok(bin);
        }
    }
    Err(
        "cannot find the PostgreSQL server programs initdb and postgres: looked on PATH, in \
         `pg_config --bindir` and in /usr/lib/postgresql/*/bin. Install the \
         server (Debian: apt-get install postgresql), make sure `pg_config --bindir` names \
         its bin folder (or set TEST_KIT_PG_BINDIR), or set TEST_DATABASE_URL to use a \
         running server"
            .to_string(),
    )
}

/// `postgres -V`: `postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)`.
fn server_version(bindir: &Path) -> Result<String, String> {
    let postgres = bindir.join("postgres");
    let out = Command::new(&postgres)
        .arg("-V")
        .output()
        .map_err(|e| format!("cannot run {} -V: {e}", postgres.display()))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!("{} -V failed: {}", postgres.display(), out.status))
    }
}

/// Names the template after the server binary (path, size, modification time) and
/// `TEMPLATE_FORMAT`: a new or upgraded server gets a new template. Cheaper than running
/// `postgres -V` in every process.
fn template_key(bindir: &Path) -> Result<String, String> {
    let postgres = bindir.join("postgres");
    let real = fs::canonicalize(&postgres).unwrap_or(postgres);
    let meta = fs::metadata(&real).map_err(|e| format!("{}: {e}", real.display()))?;
    // FNV-1a: stable across Rust versions, unlike DefaultHasher.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            hash = (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    feed(real.as_os_str().as_encoded_bytes());
    feed(&meta.len().to_le_bytes());
    feed(&meta.mtime().to_le_bytes());
    feed(&meta.mtime_nsec().to_le_bytes());
    feed(&TEMPLATE_FORMAT.to_le_bytes());
    Ok(format!("{hash:016x}"))
}

/// The initdb'd template folder for this server version, made if missing.
fn ensure_template(
    base: &Path,
    bindir: &Path,
    key: &str,
    as_root: bool,
) -> Result<PathBuf, String> {
    build_once(base, &format!("pg-{key}-template"), as_root, |staging| {
        let data = staging.join("data");
        let mut result = Ok(());
        // C.UTF-8 gives Unicode-aware upper()/lower(); fall back to C where it is missing.
        for locale in ["C.UTF-8", "C"] {
            let mut cmd = as_service_user(bindir.join("initdb"), as_root);
            cmd.arg("-D")
                .arg(&data)
                .args(["-A", "trust", "-U", SUPERUSER, "--no-sync", "-E", "UTF8"])
                .arg(format!("--locale={locale}"))
                // 1 MB WAL segments: a smaller folder to copy per process.
                .arg("--wal-segsize=1")
                .current_dir(staging);
            result = run(&mut cmd, "initdb");
            if result.is_ok() {
                break;
            }
            let _ = fs::remove_dir_all(&data);
        }
        result?;
        // For people looking at the folder: which server made it.
        let _ = fs::write(staging.join("VERSION"), server_version(bindir)?);
        Ok(())
    })
}

/// `base/name`, made by `build` if missing: built in a `name.tmp-<pid>` folder (owned by the
/// service user when we are root) and renamed into place under the `name.lock` file lock, so
/// that parallel processes build it once.
fn build_once(
    base: &Path,
    name: &str,
    as_root: bool,
    build: impl FnOnce(&Path) -> Result<(), String>,
) -> Result<PathBuf, String> {
    let target = base.join(name);
    let ready = |t: &Path| t.join("data").join("PG_VERSION").is_file();
    if ready(&target) {
        return Ok(target);
    }
    let lock_path = base.join(format!("{name}.lock"));
    let lock = File::create(&lock_path)
        .map_err(|e| format!("cannot create {}: {e}", lock_path.display()))?;
    lock.lock()
        .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
    if ready(&target) {
        return Ok(target);
    }
    // Under the lock: any staging folder is a leftover of a builder that died.
    let staging_prefix = format!("{name}.tmp-");
    if let Ok(entries) = fs::read_dir(base) {
        for entry in entries.flatten() {
            if entry
                .file_name()
                .to_string_lossy()
                .starts_with(&staging_prefix)
            {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }
    if target.exists() {
        let _ = fs::remove_dir_all(&target);
    }
    let staging = base.join(format!("{staging_prefix}{}", std::process::id()));
    fs::create_dir(&staging).map_err(|e| format!("cannot create {}: {e}", staging.display()))?;
    let _ = fs::set_permissions(&staging, fs::Permissions::from_mode(0o755));
    if as_root {
        let (uid, gid) = service_user_ids()?;
        std::os::unix::fs::chown(&staging, Some(uid), Some(gid))
            .map_err(|e| format!("cannot chown {}: {e}", staging.display()))?;
    }
    if let Err(err) = build(&staging) {
        let _ = fs::remove_dir_all(&staging);
        return Err(err);
    }
    fs::rename(&staging, &target).map_err(|e| {
        format!(
            "cannot rename {} to {}: {e}",
            staging.display(),
            target.display()
        )
    })?;
    Ok(target)
}

/// `program`, run as the service user when we are root.
fn as_service_user(program: PathBuf, as_root: bool) -> Command {
    if as_root {
        let mut cmd = Command::new("setpriv");
        cmd.args(service_user_args()).arg("--").arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

/// Fills `staging` with a copy of the initdb'd `template` holding database
/// [`MIGRATED_DB`](crate::migrations::MIGRATED_DB) with the workspace's migrations applied:
/// starts a server on the copy (unix socket only), migrates, and shuts it down cleanly so
/// that the copies start without recovery.
fn migrate_template(
    bindir: &Path,
    template: &Path,
    staging: &Path,
    as_root: bool,
) -> Result<(), String> {
    let data = staging.join("data");
    run(
        Command::new("cp")
            .arg("-a")
            .arg(template.join("data"))
            .arg(&data),
        "cp -a (copying the template cluster)",
    )?;
    let log_path = staging.join("postgres.log");
    let log = File::create(&log_path)
        .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
    let log_err = log
        .try_clone()
        .map_err(|e| format!("{}: {e}", log_path.display()))?;
    let mut cmd = as_service_user(PathBuf::from("setpriv"), as_root);
    // The server dies with this thread, which waits for it below.
    cmd.args(["--pdeathsig", "SIGKILL", "--"])
        .arg(bindir.join("postgres"))
        .arg("-D")
        .arg(&data)
        .arg("-k")
        .arg(staging);
    for setting in SETTINGS {
        cmd.arg("-c").arg(setting);
    }
    cmd.args(["-c", "listen_addresses="])
        .current_dir(staging)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err);
    let mut server = cmd
        .spawn()
        .map_err(|e| format!("cannot run setpriv (util-linux) to start postgres: {e}"))?;
    let url = format!(
        "postgresql:///postgres?host={}&user={SUPERUSER}",
        crate::conninfo::percent_encode(&staging.to_string_lossy())
    );
    let migrated = (|| {
        let deadline = Instant::now() + READY_TIMEOUT;
        let mut conn = loop {
            match PgConnection::establish(&url) {
                Ok(conn) => break conn,
                Err(err)
                    if Instant::now() > deadline || server.try_wait().ok().flatten().is_some() =>
                {
                    return Err(format!("postgres did not accept connections: {err}"))
                }
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        };
        crate::migrations::create_migrated(&mut conn, &url)
    })();
    // SIGINT: fast shutdown, with a checkpoint.
    let stopped = Command::new("kill")
        .args(["-INT", &server.id().to_string()])
        .status()
        .map_err(|e| e.to_string())
        .and_then(|_| server.wait().map_err(|e| e.to_string()))
        .and_then(|status| {
            status
                .success()
                .then_some(())
                .ok_or_else(|| format!("postgres exited with {status}"))
        });
    let failed = migrated.err().or(stopped.err());
    match failed {
        None => Ok(()),
        Some(err) => {
            let _ = server.kill();
            Err(format!(
                "cannot make the migrated template: {err}; log {}:\n{}",
                log_path.display(),
                log_tail(&log_path, 0)
            ))
        }
    }
}

/// Uid and gid of the service user.
fn service_user_ids() -> Result<(u32, u32), String> {
    let id = |flag: &str| -> Option<u32> {
        let out = Command::new("id")
            .arg(flag)
            .arg(SERVICE_USER)
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    match (id("-u"), id("-g")) {
        (Some(uid), Some(gid)) => Ok((uid, gid)),
        _ => Err(format!(
            "running as root, and PostgreSQL refuses to run as root: it is run as the \
             system user `{SERVICE_USER}`, which does not exist (Debian's postgresql \
             package creates it); or set TEST_DATABASE_URL to use a running server"
        )),
    }
}

/// A new `run-…` folder with its `lock` taken. It is made under another name and renamed,
/// so that a sweeping process never sees it unlocked.
fn new_run_dir(base: &Path) -> Result<(PathBuf, File), String> {
    let suffix = format!("{}-{:08x}", std::process::id(), fastrand::u32(..));
    let fresh = base.join(format!("new-{suffix}"));
    fs::create_dir(&fresh).map_err(|e| format!("cannot create {}: {e}", fresh.display()))?;
    let _ = fs::set_permissions(&fresh, fs::Permissions::from_mode(0o755));
    let lock_path = fresh.join("lock");
    let lock = File::create(&lock_path)
        .map_err(|e| format!("cannot create {}: {e}", lock_path.display()))?;
    lock.lock()
        .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
    let run_dir = base.join(format!("run-{suffix}"));
    fs::rename(&fresh, &run_dir).map_err(|e| format!("cannot rename {}: {e}", fresh.display()))?;
    Ok((run_dir, lock))
}

/// Removes the folders of processes that are gone (their lock can be taken), migrated
/// templates other than `keep` unused for `STALE_AGE` (other migrations: another branch) and
/// their lock files, and other leftovers older than `STALE_AGE`. Best effort.
fn sweep(base: &Path, keep: &str) {
    let Ok(entries) = fs::read_dir(base) else {
        return;
    };
    let stale = |path: &Path| {
        fs::symlink_metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age >= STALE_AGE)
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let remove = if name.starts_with("run-") {
            match File::open(path.join("lock")) {
                Ok(lock) => lock.try_lock().is_ok(),
                Err(_) => stale(&path),
            }
        } else if name.contains("-migrated-") && !name.contains(".tmp-") {
            name.trim_end_matches(".lock") != keep && stale(&path)
        } else {
            (name.starts_with("new-") || name.contains(".tmp-")) && stale(&path)
        };
        if remove {
            let _ = fs::remove_dir_all(&path).or_else(|_| fs::remove_file(&path));
        }
    }
}

/// A TCP port on 127.0.0.1 that is free right now.
fn free_port() -> Result<u16, String> {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("cannot find a free port on 127.0.0.1: {e}"))
}

/// The last lines the server logged since offset `start`.
fn log_tail(path: &Path, start: u64) -> String {
    let mut text = String::new();
    if let Ok(mut file) = File::open(path) {
        let _ = file.seek(SeekFrom::Start(start));
        let _ = file.read_to_string(&mut text);
    }
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}
