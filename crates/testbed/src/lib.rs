#![doc = include_str!("../README.md")]
#![allow(clippy::unwrap_used)] // test support: a panic is the failure report

pub mod scrape;
pub mod server;

use std::time::Duration;

use cancel::CancelToken;
use diesel::prelude::*;
use diesel::sql_types::Text;
use repository::staging::Entity;
use repository::{Database, PgPooled};
use service::{Config, Job, Outcome};
use spacex_fake::{Dataset, FakeServer};
use test_kit::{TcpProxy, TestDb};

/// Database + fake upstream + config.
pub struct Stack {
    /// Keeps the database alive.
    pub db: TestDb,
    /// Pool on it as the login user (migrated; for assertions).
    pub database: Database,
    /// The local SpaceX server.
    pub fake: FakeServer,
    /// Points at both; small pages so that paging is exercised, fast retries.
    pub config: Config,
}

/// What a test stack extracts unless told otherwise: the entities the marts read. Tests of
/// the other entities use [`Stack::every_entity`].
pub const MART_ENTITIES: [&str; 3] = ["launch", "mission", "rocket"];

impl Stack {
    /// A stack extracting [`MART_ENTITIES`] in pages of 3.
    pub fn new(dataset: Dataset) -> Stack {
        Stack::with_page_size(dataset, 3)
    }

    /// A stack extracting every entity and relation (the service's default).
    pub fn every_entity(dataset: Dataset) -> Stack {
        let db = TestDb::migrated();
        let url = db.url();
        let all: Vec<&str> = Entity::ALL.iter().map(|e| e.as_str()).collect();
        Stack::on(db, &url, dataset, 3, 3, &all)
    }

    /// A stack extracting only `entities`.
    pub fn with_entities(dataset: Dataset, entities: &[&str]) -> Stack {
        let db = TestDb::migrated();
        let url = db.url();
        Stack::on(db, &url, dataset, 3, 3, entities)
    }

    /// The same, in pages of `page_size`.
    pub fn with_page_size(dataset: Dataset, page_size: u32) -> Stack {
        Stack::build(dataset, page_size, 3)
    }

    /// `max_attempts` requests per page before an entity fails.
    pub fn with_attempts(dataset: Dataset, max_attempts: u32) -> Stack {
        Stack::build(dataset, 3, max_attempts)
    }

    fn build(dataset: Dataset, page_size: u32, max_attempts: u32) -> Stack {
        let db = TestDb::migrated();
        let url = db.url();
        Stack::on(db, &url, dataset, page_size, max_attempts, &MART_ENTITIES)
    }

    /// A stack whose services reach the database through a [`TcpProxy`] (the test's own
    /// assertions connect directly), so a test can take the database away on cue.
    pub fn proxied(dataset: Dataset) -> (Stack, TcpProxy) {
        let db = TestDb::migrated();
        let (proxy, url) = db.proxied();
        (Stack::on(db, &url, dataset, 3, 3, &MART_ENTITIES), proxy)
    }

    fn on(
        db: TestDb,
        url: &str,
        dataset: Dataset,
        page_size: u32,
        max_attempts: u32,
        entities: &[&str],
    ) -> Stack {
        let fake = FakeServer::start(dataset);
        let yaml = with_entities(
            &config_yaml(&fake.url(), url, page_size, max_attempts),
            entities,
        );
        let config = Config::from_yaml(&yaml, &[]).expect("test config is valid");
        let mut direct = config.database_settings(None);
        direct.url = db.url();
        let database = Database::new(&direct).unwrap();
        Stack {
            db,
            database,
            fake,
            config,
        }
    }

    /// The same stack with the shrink guard off, for tests that switch between data sets on
    /// purpose: the `current` set serves no missions where `original` has four.
    pub fn without_shrink_guard(mut self) -> Stack {
        self.config.extractor.shrink_guard = 0.0;
        self
    }

    /// A pool working as the role the service `J` uses (as the binaries do).
    pub fn database_for<J: Job>(&self) -> Database {
        Database::new(&self.config.database_settings(Some(J::DATABASE_ROLE))).unwrap()
    }

    /// One extractor run, in process, with the extractor's database role.
    pub fn extract(&self) -> Outcome {
        let database = self.database_for::<extractor::Extractor>();
        let mut extractor = extractor::Extractor::new(&self.config, database).unwrap();
        extractor.run(&CancelToken::new())
    }

    /// A pooled connection to the stack's database.
    pub fn conn(&self) -> PgPooled {
        self.database.connection().unwrap()
    }

    /// Runs `statements` as the login user.
    pub fn sql(&self, statements: &str) {
        use diesel::connection::SimpleConnection;
        self.conn().batch_execute(statements).unwrap();
    }

    /// Every row of every staging data table (not the run bookkeeping), as text: equal dumps
    /// mean staging is byte-for-byte the same.
    pub fn staging_dump(&self) -> String {
        self.dump(&[
            "staging.launch",
            "staging.launch_link",
            "staging.launch_mission",
            "staging.mission",
            "staging.rocket",
            "staging.rejected",
        ])
    }

    /// The same for the marts.
    pub fn marts_dump(&self) -> String {
        self.dump(&["marts.publication", "marts.publication_by_object"])
    }

    fn dump(&self, tables: &[&str]) -> String {
        #[derive(QueryableByName)]
        struct Dump {
            #[diesel(sql_type = Text)]
            rows: String,
        }
        let mut conn = self.conn();
        tables
            .iter()
            .map(|table| {
                let sql = format!(
                    "SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '') AS rows FROM {table} t"
                );
                let dump: Dump = diesel::sql_query(sql).get_result(&mut conn).unwrap();
                format!("-- {table}\n{}", dump.rows)
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// `SELECT count(*) FROM <table>`.
    pub fn count(&self, table: &str) -> i64 {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let sql = format!("SELECT count(*) AS n FROM {table}");
        diesel::sql_query(sql)
            .get_result::<Count>(&mut self.conn())
            .unwrap()
            .n
    }

    /// Writes the stack's config to a file, for tests of the real binaries.
    pub fn config_file(&self, dir: &std::path::Path, extra: &str) -> std::path::PathBuf {
        let path = dir.join("config.yaml");
        let yaml = config_yaml(&self.fake.url(), &self.config.database.url, 3, 3) + extra;
        let entities: Vec<&str> = self
            .config
            .extractor
            .entities
            .iter()
            .map(String::as_str)
            .collect();
        let yaml = with_entities(&yaml, &entities);
        std::fs::write(&path, yaml).unwrap();
        path
    }
}

/// The YAML of a test config.
pub fn config_yaml(api_url: &str, database_url: &str, page_size: u32, max_attempts: u32) -> String {
    format!(
        "log_level: debug
database:
  url: {database_url}
  startup_timeout: 5s
api:
  url: {api_url}
  page_size: {page_size}
  read_timeout: 1s
  request_timeout: 5s
  retry:
    max_attempts: {max_attempts}
    initial_backoff: 10ms
    max_backoff: 50ms
"
    )
}

/// Sets `extractor.entities` in a config text: inside its `extractor:` section if it has one
/// (a second section would be a duplicate key), else in a new one.
fn with_entities(yaml: &str, entities: &[&str]) -> String {
    const SECTION: &str = "\nextractor:\n";
    let line = format!("  entities: [{}]\n", entities.join(", "));
    match yaml.find(SECTION) {
        Some(at) => {
            let (head, tail) = yaml.split_at(at + SECTION.len());
            format!("{head}{line}{tail}")
        }
        None => format!("{yaml}extractor:\n{line}"),
    }
}

/// Waits up to `timeout` for `condition`.
pub fn eventually(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + timeout;
    while std::time::Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    condition()
}

impl Stack {
    /// One table's rows as text.
    pub fn dump_table(&self, table: &str) -> String {
        self.dump(&[table])
    }

    /// The data content of staging and marts, one string per row, without what legitimately
    /// differs between two stacks holding the same data (run ids, timestamps, and the
    /// `staging.rejected` log, which keeps every run's refusals by design).
    pub fn content(&self) -> std::collections::BTreeSet<String> {
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = Text)]
            row: String,
        }
        let tables = [
            "staging.launch",
            "staging.launch_link",
            "staging.launch_mission",
            "staging.mission",
            "staging.rocket",
            "marts.publication",
            "marts.publication_by_object",
        ];
        let mut conn = self.conn();
        let mut rows = std::collections::BTreeSet::new();
        for table in tables {
            let sql = format!(
                "SELECT '{table} ' || (to_jsonb(t) - 'run_id' - 'built_at' - 'build_id')::text AS row FROM {table} t"
            );
            for row in diesel::sql_query(sql).load::<Row>(&mut conn).unwrap() {
                rows.insert(row.row);
            }
        }
        rows
    }
}

/// The real `extractor` binary (pass `env!("CARGO_BIN_EXE_extractor")`: Cargo sets it for the
/// extractor's own tests only) with `config`, isolated from the caller's environment.
pub fn extractor_command(binary: &str, config: &std::path::Path) -> std::process::Command {
    let mut command = std::process::Command::new(binary);
    command
        .arg("--config")
        .arg(config)
        .env_remove("DATABASE_URL")
        .env_remove("SPACEX_API_URL")
        .env("RUST_LOG", "info")
        .stdin(std::process::Stdio::null());
    command
}

impl Stack {
    /// Spawns `command` (an extractor) and waits until it asks the fake for launches.
    pub fn spawn_fetching(&self, command: &mut std::process::Command) -> std::process::Child {
        let child = command.spawn().unwrap();
        assert!(
            eventually(Duration::from_secs(20), || self
                .fake
                .requests_for("launches")
                > 0),
            "the extractor fetches"
        );
        child
    }
}

/// The lines of a binary's stderr written with `log_format: json`, each checked to be one
/// JSON object with the keys every line has.
pub fn json_lines(stderr: &str) -> Vec<serde_json::Value> {
    stderr
        .lines()
        .map(|line| {
            let object: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
            for key in ["timestamp", "level", "target", "message"] {
                assert!(object[key].is_string(), "{key} in {line}");
            }
            object
        })
        .collect()
}

/// Sends `signal` (`TERM`, `KILL`, …) to the child.
pub fn signal(child: &std::process::Child, signal: &str) {
    let status = std::process::Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

/// The child's exit status if it exits `within`; otherwise it is killed and `None` returned.
pub fn wait_exit(
    child: &mut std::process::Child,
    within: Duration,
) -> Option<std::process::ExitStatus> {
    let started = std::time::Instant::now();
    while started.elapsed() < within {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

impl Stack {
    /// The latest extract run's report for `entity` (`launch`, `rocket`, …).
    pub fn latest_report(&self, entity: &str) -> db_models::models::ExtractRunEntity {
        let mut conn = self.conn();
        let run = repository::extract_runs::latest(&mut conn)
            .unwrap()
            .unwrap();
        repository::extract_runs::entities(&mut conn, run.id)
            .unwrap()
            .into_iter()
            .find(|e| e.entity == entity)
            .unwrap_or_else(|| panic!("no {entity} report in run {}", run.id))
    }
}
