//! Tests of `TestDb` against a real server (the throwaway cluster unless
//! `TEST_DATABASE_URL` / `DATABASE_URL` is set).
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use diesel::sql_types::{BigInt, Text};
use diesel::{sql_query, Connection, PgConnection, QueryableByName, RunQueryDsl};
use test_kit::TestDb;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Value {
    #[diesel(sql_type = Text)]
    v: String,
}

fn text(conn: &mut PgConnection, sql: &str) -> String {
    sql_query(sql).get_result::<Value>(conn).unwrap().v
}

fn count(conn: &mut PgConnection, sql: &str) -> i64 {
    sql_query(sql).get_result::<Count>(conn).unwrap().n
}

fn external_server() -> bool {
    ["TEST_DATABASE_URL", "DATABASE_URL"]
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|s| !s.trim().is_empty()))
}

#[test]
fn url_connects_with_diesel_to_an_empty_database() {
    let db = TestDb::new();
    assert!(db.name().starts_with("test_"));
    let mut conn = PgConnection::establish(&db.url()).unwrap();
    assert_eq!(text(&mut conn, "SELECT current_database() AS v"), db.name());
    let user_tables = "SELECT count(*) AS n FROM information_schema.tables \
                       WHERE table_schema NOT IN ('pg_catalog', 'information_schema')";
    assert_eq!(count(&mut conn, user_tables), 0);
    assert_eq!(
        text(&mut conn, "SELECT current_setting('server_encoding') AS v"),
        "UTF8"
    );
}

#[test]
fn a_migrated_database_holds_every_migration_and_is_a_copy_of_its_own() {
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations"))
        .unwrap()
        .filter(|entry| entry.as_ref().unwrap().path().join("up.sql").is_file())
        .count();
    let a = TestDb::migrated();
    let b = TestDb::migrated();
    let mut conn_a = PgConnection::establish(&a.url()).unwrap();
    let applied = "SELECT count(*) AS n FROM __diesel_schema_migrations";
    assert_eq!(count(&mut conn_a, applied), migrations as i64);
    assert_eq!(
        count(&mut conn_a, "SELECT count(*) AS n FROM staging.extract_run"),
        0
    );
    sql_query("INSERT INTO staging.extract_run (status) VALUES ('running')")
        .execute(&mut conn_a)
        .unwrap();
    let mut conn_b = PgConnection::establish(&b.url()).unwrap();
    assert_eq!(
        count(&mut conn_b, "SELECT count(*) AS n FROM staging.extract_run"),
        0
    );
    // An empty database is still empty: the migrations live in their own template.
    let empty = TestDb::new();
    let mut conn = PgConnection::establish(&empty.url()).unwrap();
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM pg_namespace WHERE nspname = 'staging'"
        ),
        0
    );
}

#[test]
fn two_databases_in_one_process_are_isolated() {
    let a = TestDb::new();
    let b = TestDb::new();
    assert_ne!(a.name(), b.name());
    let mut conn_a = PgConnection::establish(&a.url()).unwrap();
    let mut conn_b = PgConnection::establish(&b.url()).unwrap();
    sql_query("CREATE TABLE only_in_a (id int)")
        .execute(&mut conn_a)
        .unwrap();
    let sql = "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'only_in_a'";
    assert_eq!(count(&mut conn_a, sql), 1);
    assert_eq!(count(&mut conn_b, sql), 0);
}

#[test]
fn drop_removes_the_database_even_with_open_connections() {
    let db = TestDb::new();
    let name = db.name().to_string();
    let url = db.url();
    let mut maintenance = PgConnection::establish(&db.server_url()).unwrap();
    let _still_open = PgConnection::establish(&url).unwrap();
    let exists = format!("SELECT count(*) AS n FROM pg_database WHERE datname = '{name}'");
    assert_eq!(count(&mut maintenance, &exists), 1);
    drop(db);
    assert_eq!(count(&mut maintenance, &exists), 0);
    assert!(PgConnection::establish(&url).is_err());
}

#[test]
fn url_for_database_reaches_other_databases_of_the_server() {
    let db = TestDb::new();
    let other = TestDb::new();
    let mut conn = PgConnection::establish(&db.url_for_database(other.name())).unwrap();
    assert_eq!(
        text(&mut conn, "SELECT current_database() AS v"),
        other.name()
    );
}

#[test]
fn works_with_an_r2d2_pool() {
    use diesel::r2d2::{ConnectionManager, Pool};
    let db = TestDb::new();
    let pool = Pool::builder()
        .max_size(2)
        .build(ConnectionManager::<PgConnection>::new(db.url()))
        .unwrap();
    let mut conn = pool.get().unwrap();
    assert_eq!(text(&mut conn, "SELECT current_database() AS v"), db.name());
}

#[test]
fn server_runs_as_the_service_user_when_root() {
    if external_server() {
        return;
    }
    let db = TestDb::new();
    let mut conn = PgConnection::establish(&db.url()).unwrap();
    let pid: i64 = text(&mut conn, "SELECT pg_backend_pid()::text AS v")
        .parse()
        .unwrap();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let uid_line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    let server_uid: u32 = uid_line.split_whitespace().nth(1).unwrap().parse().unwrap();
    let our_uid = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata("/proc/self").unwrap());
    if our_uid == 0 {
        assert_ne!(server_uid, 0, "postgres must not run as root");
    } else {
        assert_eq!(server_uid, our_uid);
    }
}

// --- the cluster must not outlive the test process ---------------------------------------

const HELPER_MODE: &str = "TEST_KIT_HELPER_MODE";

/// Run only as a child process by the tests below: starts the cluster, prints where it is,
/// then exits (mode `exit`) or waits to be killed (mode `hang`).
#[test]
#[ignore = "helper process for the cluster lifetime tests"]
fn helper_child_process() {
    let Ok(mode) = std::env::var(HELPER_MODE) else {
        return;
    };
    let db = TestDb::new();
    let mut conn = PgConnection::establish(&db.url()).unwrap();
    let data_dir = text(&mut conn, "SELECT current_setting('data_directory') AS v");
    let pid_file = std::fs::read_to_string(Path::new(&data_dir).join("postmaster.pid")).unwrap();
    let postmaster = pid_file.lines().next().unwrap();
    println!("HELPER DATA_DIR={data_dir}");
    println!("HELPER POSTMASTER={postmaster}");
    if mode == "hang" {
        std::thread::sleep(Duration::from_secs(120));
    }
}

/// Whether `pid` is still a live process started from `data_dir`.
fn server_alive(pid: u32, data_dir: &str) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let zombie = stat
        .rsplit_once(')')
        .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'));
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    !zombie && String::from_utf8_lossy(&cmdline).contains(data_dir)
}

fn check_cluster_goes_away(mode: &str) {
    if external_server() {
        return;
    }
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "helper_child_process",
            "--ignored",
            "--nocapture",
        ])
        .env(HELPER_MODE, mode)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut data_dir = None;
    let mut postmaster = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(dir) = line.strip_prefix("HELPER DATA_DIR=") {
            data_dir = Some(dir.to_string());
        }
        if let Some(pid) = line.strip_prefix("HELPER POSTMASTER=") {
            postmaster = Some(pid.trim().parse::<u32>().unwrap());
            break;
        }
    }
    let (data_dir, postmaster) = (data_dir.unwrap(), postmaster.unwrap());
    assert!(server_alive(postmaster, &data_dir));
    if mode == "hang" {
        child.kill().unwrap(); // SIGKILL: no unwinding, no exit handlers
        child.wait().unwrap();
    } else {
        lines.for_each(drop); // read to the end, so the helper can report its result
        assert!(child.wait().unwrap().success());
    }

    let run_dir = PathBuf::from(&data_dir).parent().unwrap().to_path_buf();
    let deadline = Instant::now() + Duration::from_secs(15);
    while server_alive(postmaster, &data_dir) || run_dir.exists() {
        assert!(
            Instant::now() < deadline,
            "after the test process ended: server alive: {}, run folder {} exists: {}",
            server_alive(postmaster, &data_dir),
            run_dir.display(),
            run_dir.exists()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn cluster_stops_when_the_process_exits() {
    check_cluster_goes_away("exit");
}

#[test]
fn cluster_stops_when_the_process_is_killed() {
    check_cluster_goes_away("hang");
}
