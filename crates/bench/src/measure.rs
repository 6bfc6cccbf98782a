//! The measurements of one size: the local fake alone, a counting pass through the
//! [`CountingProxy`], then timed repetitions.
//!
//! Each repetition starts from fresh databases on the throwaway cluster and runs:
//! 1. `extractor --once` (full load into an empty staging), `martmaker --once` (first build),
//!    then both again against the unchanged upstream (the no-op cycle): the real binaries;
//! 2. in process, the extractor's own code for one run, timing only the staging write
//!    (`repository::staging::publish`), then the martmaker's build
//!    (`repository::marts::refresh_publication`);
//! 3. the physical reference: the same staging rows, dumped with `COPY … TO STDOUT (FORMAT
//!    binary)`, loaded into the same, empty tables of another fresh database with `COPY … FROM
//!    STDIN (FORMAT binary)` in one transaction.
//!
//! Last, the incremental rebuilds ([`Bench::rebuilds`]): one database loaded and built, then
//! again and again a small upstream change, its load, and the timed build; and on that
//! database, the dashboard ([`Bench::dashboard`]): `GET /` of a running martmaker, timed.
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context};
use cancel::CancelToken;
use db_models::models::RunStatus;
use db_models::schema::staging::{launch, launch_link, launch_mission, mission, rocket};
use diesel::pg::CopyFormat;
use diesel::prelude::*;
use extractor::Extractor;
use martmaker::Martmaker;
use repository::marts::{BuildMode, Refresh};
use repository::staging::Entity;
use repository::Database;
use serde::Serialize;
use service::{Config, Job, Outcome};
use spacex_fake::{Dataset, FakeServer};
use sxapi::records::{LaunchesPage, MissionsPage, PageVars, RocketsPage};
use sxapi::PagedQuery;
use test_kit::TestDb;

use crate::child::{Run, Service, Services};
use crate::machine;
use crate::pgwire::{CountingProxy, Traffic};
use crate::stats::{self, Writes};

/// Timed requests of the dashboard per size.
const DASHBOARD_REQUESTS: usize = 10;

/// What the synthetic data set serves, hence what the services extract.
const ENTITIES: [Entity; 3] = [Entity::Launch, Entity::Mission, Entity::Rocket];

/// How to measure.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Options {
    /// `api.page_size` of the extractor.
    pub page_size: u32,
    /// Timed repetitions per size (the report shows their median).
    pub repeats: usize,
}

/// Everything measured at one size.
#[derive(Debug, Clone, Serialize)]
pub struct SizeResult {
    /// Launches in the synthetic data set.
    pub launches: usize,
    /// Records upstream: launches, missions and rockets.
    pub records: usize,
    /// Rows the extraction wrote to the staging data tables.
    pub staging_rows: i64,
    /// 1-minute load average when the size started.
    pub load_average: f64,
    /// 1-minute load average when it ended (the bench's own load included).
    pub load_after: f64,
    /// [`machine::cpu_probe`] when the size started and when it ended, in ms.
    pub cpu_probe_ms: [f64; 2],
    /// HTTP requests one extraction made (counted by the fake).
    pub requests: u64,
    /// What paging must cost: per entity, ⌊records / page size⌋ + 1 pages.
    pub expected_requests: u64,
    /// The fake answering the same requests to a bare HTTP client.
    pub fake: FakeAlone,
    /// Through the counting proxy: database traffic, and what the no-op cycle wrote.
    pub counted: Counted,
    /// Every timed repetition.
    pub samples: Vec<Sample>,
    /// Their median, field by field.
    pub median: Sample,
    /// Incremental builds after a small upstream change.
    pub rebuild: Rebuilds,
    /// The dashboard page of a running martmaker over the built marts.
    pub dashboard: Dashboard,
}

/// `GET /` of a running `martmaker` (the dashboard), over HTTP, after one untimed request.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    /// The page's size in bytes.
    pub bytes: u64,
    /// Each request, from sending it to the page's last byte, in seconds.
    pub samples_s: Vec<f64>,
    /// Their median.
    pub median_s: f64,
}

/// Incremental builds, each after [`changed_launches`] launches changed upstream and the
/// extractor loaded the change.
#[derive(Debug, Clone, Serialize)]
pub struct Rebuilds {
    /// Launches changed before each build.
    pub changed_launches: usize,
    /// Launches the builds recounted (the most of any build).
    pub recounted: i64,
    /// `repository::marts::refresh_publication` alone, each build.
    pub samples_s: Vec<f64>,
    /// Their median.
    pub median_s: f64,
}

/// The fake alone: every page an extraction asks for, posted by a bare client that reads and
/// drops the answers.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct FakeAlone {
    /// Requests per pass.
    pub requests: u64,
    /// Response bytes per pass.
    pub bytes: u64,
    /// First pass: every answer rendered from the data set.
    pub cold_s: f64,
    /// Second pass: every answer served as rendered the first time.
    pub warm_s: f64,
}

/// The counting pass (see [`Bench::count`]).
#[derive(Debug, Clone, Serialize)]
pub struct Counted {
    /// `extractor --once`, full load.
    pub extract: Traffic,
    /// `martmaker --once`, first build.
    pub build: Traffic,
    /// One extractor timer tick, unchanged upstream (connections already open).
    pub noop_extract: Traffic,
    /// One martmaker timer tick, unchanged staging (connections already open).
    pub noop_build: Traffic,
    /// What `extractor --once` wrote on the unchanged upstream.
    pub noop_extract_writes: Writes,
    /// What `martmaker --once` wrote on the unchanged staging.
    pub noop_build_writes: Writes,
    /// HTTP requests of `extractor --once` on the unchanged upstream.
    pub noop_requests: u64,
}

/// One timed repetition.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Sample {
    /// `extractor --once`, full load into an empty staging.
    pub extract: Run,
    /// `martmaker --once`, first build.
    pub build: Run,
    /// `extractor --once`, unchanged upstream.
    pub noop_extract: Run,
    /// `martmaker --once`, unchanged staging.
    pub noop_build: Run,
    /// A full load in process: fetch, transform and staging write, as in one timer tick of a
    /// running extractor (no process start, no migration check).
    pub extraction_s: f64,
    /// `repository::staging::publish` alone (the staging write of a full load).
    pub staging_load_s: f64,
    /// The same rows by binary `COPY` into the same, empty tables.
    pub copy_s: f64,
    /// `repository::marts::refresh_publication` alone (a full build).
    pub mart_build_s: f64,
}

impl Sample {
    /// The field-by-field median of `samples` (not empty).
    fn median(samples: &[Sample]) -> Sample {
        let of = |field: fn(&Sample) -> f64| median(samples.iter().map(field).collect());
        let run = |field: fn(&Sample) -> Run| {
            let runs: Vec<Run> = samples.iter().map(field).collect();
            Run {
                wall_s: median(runs.iter().map(|r| r.wall_s).collect()),
                cpu_s: median(runs.iter().map(|r| r.cpu_s).collect()),
                // Peak memory: the largest seen, not a typical one.
                max_rss_kib: runs.iter().map(|r| r.max_rss_kib).max().unwrap_or(0),
            }
        };
        Sample {
            extract: run(|s| s.extract),
            build: run(|s| s.build),
            noop_extract: run(|s| s.noop_extract),
            noop_build: run(|s| s.noop_build),
            extraction_s: of(|s| s.extraction_s),
            staging_load_s: of(|s| s.staging_load_s),
            copy_s: of(|s| s.copy_s),
            mart_build_s: of(|s| s.mart_build_s),
        }
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// The services under test and where their configs and logs go.
#[derive(Debug)]
pub struct Bench {
    /// The binaries.
    pub services: Services,
    /// How to measure.
    pub options: Options,
}

impl Bench {
    /// Measures one size. `load_average` is recorded as given.
    pub fn measure(&self, launches: usize, load_average: f64) -> anyhow::Result<SizeResult> {
        let probe = machine::cpu_probe();
        let dataset = Dataset::synthetic(launches);
        let counts: Vec<usize> = ["launches", "missions", "rockets"]
            .iter()
            .map(|name| dataset.collection(name).map_or(0, <[_]>::len))
            .collect();
        let fake = FakeServer::try_start(dataset)?;
        let page = self.options.page_size;
        let expected_requests = counts
            .iter()
            .map(|&n| u64::try_from(n).unwrap_or(u64::MAX) / u64::from(page) + 1)
            .sum();

        eprintln!("bench: {launches} launches: the fake alone");
        let fake_alone = replay(&fake.url(), page, &counts)?;
        eprintln!("bench: {launches} launches: counting pass");
        let (counted, requests, staging_rows) = self.count(&fake)?;
        let mut samples = Vec::with_capacity(self.options.repeats);
        for repetition in 1..=self.options.repeats {
            eprintln!(
                "bench: {launches} launches: repetition {repetition} of {}",
                self.options.repeats
            );
            samples.push(self.sample(&fake)?);
        }
        ensure!(!samples.is_empty(), "--repeats must be at least 1");
        eprintln!("bench: {launches} launches: incremental rebuilds");
        let (rebuild, built) = self.rebuilds(&fake)?;
        eprintln!("bench: {launches} launches: the dashboard");
        let dashboard = self.dashboard(&fake.url(), &built.url())?;
        Ok(SizeResult {
            launches,
            records: counts.iter().sum(),
            staging_rows,
            load_average,
            load_after: machine::load_average()?,
            cpu_probe_ms: [probe, machine::cpu_probe()],
            requests,
            expected_requests,
            fake: fake_alone,
            counted,
            median: Sample::median(&samples),
            samples,
            rebuild,
            dashboard,
        })
    }

    /// Loads and builds once, then `repeats` times: 1 % of the launches change upstream (one
    /// more photo each, then back again), the extractor's code loads the change, and the
    /// martmaker's build is timed (it must be incremental). Returns the built database too.
    fn rebuilds(&self, fake: &FakeServer) -> anyhow::Result<(Rebuilds, TestDb)> {
        let db = migrated_db()?;
        let (config, _) = self.config(&fake.url(), &db.url(), "rebuild")?;
        let original = fake.state().dataset();
        let (changed, changed_launches) = with_new_photos(&original);
        load_in_process(&config)?;
        build_in_process(&config, BuildMode::Full)?;
        let mut samples_s = Vec::with_capacity(self.options.repeats);
        let mut recounted = 0;
        for repetition in 0..self.options.repeats {
            let upstream = if repetition % 2 == 0 {
                &changed
            } else {
                &original
            };
            fake.state().set_dataset(upstream.clone());
            load_in_process(&config)?;
            let (elapsed, built) = build_in_process(&config, BuildMode::Incremental)?;
            samples_s.push(elapsed.as_secs_f64());
            recounted = recounted.max(built);
        }
        fake.state().set_dataset(original);
        let rebuilds = Rebuilds {
            changed_launches,
            recounted,
            median_s: median(samples_s.clone()),
            samples_s,
        };
        Ok((rebuilds, db))
    }

    /// Starts the martmaker binary as a service over the built database `database_url`, asks
    /// for `/` until the page is served, then times [`DASHBOARD_REQUESTS`] more requests.
    fn dashboard(&self, api_url: &str, database_url: &str) -> anyhow::Result<Dashboard> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let listen = format!("127.0.0.1:{port}");
        let yaml = config_yaml(api_url, database_url, self.options.page_size, &listen);
        let path = self.services.log_dir.join("dashboard.yaml");
        std::fs::write(&path, yaml)?;
        let _service = self.services.start(Service::Martmaker, &path)?;
        let url = format!("http://{listen}/");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let get = || -> anyhow::Result<(Duration, u64)> {
            let started = Instant::now();
            let mut response = agent.get(&url).call()?;
            ensure!(
                response.status() == 200,
                "GET / answered {}",
                response.status()
            );
            let bytes = std::io::copy(&mut response.body_mut().as_reader(), &mut std::io::sink())?;
            Ok((started.elapsed(), bytes))
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        let bytes = loop {
            match get() {
                Ok((_, bytes)) => break bytes,
                Err(error) if Instant::now() > deadline => {
                    return Err(error.context("the martmaker served no dashboard within 30 s"))
                }
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        };
        let samples_s = (0..DASHBOARD_REQUESTS)
            .map(|_| get().map(|(elapsed, _)| elapsed.as_secs_f64()))
            .collect::<anyhow::Result<Vec<f64>>>()?;
        Ok(Dashboard {
            bytes,
            median_s: median(samples_s.clone()),
            samples_s,
        })
    }

    /// The counting pass. The real binaries load and build (database traffic and HTTP requests
    /// of a run, start-up included), then run again on the unchanged data (what a no-op cycle
    /// writes: the server's counters are complete once a process has ended); last, one timer
    /// tick of each service, in process with its connections already open as in a running
    /// service, gives the database traffic of a no-op cycle alone.
    fn count(&self, fake: &FakeServer) -> anyhow::Result<(Counted, u64, i64)> {
        let db = migrated_db()?;
        let (proxy, url) = CountingProxy::in_front_of(&db.url())?;
        let (config, path) = self.config(&fake.url(), &url, "counting")?;
        let mut conn = PgConnection::establish(&db.url())?;
        let mut binary = |service: Service| -> anyhow::Result<(Traffic, Writes, u64)> {
            let (traffic, writes, requests) = (
                proxy.traffic(),
                stats::settled(&mut conn)?,
                fake.request_count(),
            );
            self.services.run(service, &path)?;
            proxy.wait_closed();
            Ok((
                proxy.traffic().since(traffic),
                stats::settled(&mut conn)?.since(writes),
                u64::try_from(fake.request_count() - requests)?,
            ))
        };
        let (extract, loaded, requests) = binary(Service::Extractor)?;
        let (build, ..) = binary(Service::Martmaker)?;
        let (_, noop_extract_writes, noop_requests) = binary(Service::Extractor)?;
        let (_, noop_build_writes, _) = binary(Service::Martmaker)?;

        let role = |role| Database::new(&config.database_settings(Some(role)));
        let mut extractor = Extractor::new(&config, role(Extractor::DATABASE_ROLE)?)?;
        let mut martmaker = Martmaker::new(&config, role(Martmaker::DATABASE_ROLE)?)?;
        let tick = |job: &mut dyn FnMut(&CancelToken) -> Outcome| -> anyhow::Result<Traffic> {
            let before = proxy.traffic();
            let outcome = job(&CancelToken::new());
            ensure!(
                outcome == Outcome::Succeeded,
                "a no-op tick ended {outcome:?}"
            );
            Ok(proxy.traffic().since(before))
        };
        // The first ticks open the pools' connections.
        tick(&mut |cancel| extractor.run(cancel))?;
        tick(&mut |cancel| martmaker.run(cancel))?;
        let counted = Counted {
            extract,
            build,
            noop_extract: tick(&mut |cancel| extractor.run(cancel))?,
            noop_build: tick(&mut |cancel| martmaker.run(cancel))?,
            noop_extract_writes,
            noop_build_writes,
            noop_requests,
        };
        Ok((counted, requests, loaded.data_rows))
    }

    /// One timed repetition.
    fn sample(&self, fake: &FakeServer) -> anyhow::Result<Sample> {
        let db = migrated_db()?;
        let (_, path) = self.config(&fake.url(), &db.url(), "timed")?;
        let extract = self.services.run(Service::Extractor, &path)?;
        let build = self.services.run(Service::Martmaker, &path)?;
        let noop_extract = self.services.run(Service::Extractor, &path)?;
        let noop_build = self.services.run(Service::Martmaker, &path)?;
        drop(db);

        let loaded = migrated_db()?;
        let (config, _) = self.config(&fake.url(), &loaded.url(), "in-process")?;
        let (extraction, staging_load) = load_in_process(&config)?;
        let (mart_build, _) = build_in_process(&config, BuildMode::Full)?;
        let copied = migrated_db()?;
        let copy = copy_reference(&loaded.url(), &copied.url())?;
        Ok(Sample {
            extract,
            build,
            noop_extract,
            noop_build,
            extraction_s: extraction.as_secs_f64(),
            staging_load_s: staging_load.as_secs_f64(),
            copy_s: copy.as_secs_f64(),
            mart_build_s: mart_build.as_secs_f64(),
        })
    }

    /// The services' configuration, parsed and written to `<log dir>/<name>.yaml`.
    fn config(
        &self,
        api_url: &str,
        database_url: &str,
        name: &str,
    ) -> anyhow::Result<(Config, PathBuf)> {
        let yaml = config_yaml(api_url, database_url, self.options.page_size, "off");
        let path = self.services.log_dir.join(format!("{name}.yaml"));
        std::fs::write(&path, &yaml)?;
        Ok((Config::from_yaml(&yaml, &[])?, path))
    }
}

/// The services' configuration: the defaults, but for the addresses, the page size, the
/// entities the synthetic data set serves, no metrics server (nothing to scrape) and the
/// martmaker's HTTP listener on `listen` (`off` but for the dashboard's timing).
fn config_yaml(api_url: &str, database_url: &str, page_size: u32, listen: &str) -> String {
    format!(
        "# Written by the bench.
database:
  url: {database_url}
api:
  url: {api_url}
  page_size: {page_size}
extractor:
  entities: [{}]
  metrics_listen: \"off\"
martmaker:
  listen: \"{listen}\"
",
        ENTITIES.map(Entity::as_str).join(", ")
    )
}

/// A fresh database on the throwaway cluster, migrated (as the login user, like a deployment
/// does before the services start).
fn migrated_db() -> anyhow::Result<TestDb> {
    let db = TestDb::new();
    let config = Config::from_yaml(
        &config_yaml("http://127.0.0.1:1/", &db.url(), 100, "off"),
        &[],
    )?;
    Database::new(&config.database_settings(None))?.run_migrations()?;
    Ok(db)
}

/// Posts every page an extraction asks for (the same bodies as `sxapi` sends) twice: the first
/// pass renders the answers, the second gets them as rendered.
fn replay(url: &str, page_size: u32, counts: &[usize]) -> anyhow::Result<FakeAlone> {
    let mut bodies = page_bodies::<LaunchesPage>(page_size, counts[0])?;
    bodies.extend(page_bodies::<MissionsPage>(page_size, counts[1])?);
    bodies.extend(page_bodies::<RocketsPage>(page_size, counts[2])?);
    let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
    let pass = || -> anyhow::Result<(Duration, u64)> {
        let started = Instant::now();
        let mut bytes = 0;
        for body in &bodies {
            let mut response = agent
                .post(url)
                .content_type("application/json")
                .send(&body[..])?;
            ensure!(
                response.status() == 200,
                "the fake answered {}",
                response.status()
            );
            bytes += std::io::copy(&mut response.body_mut().as_reader(), &mut std::io::sink())?;
        }
        Ok((started.elapsed(), bytes))
    };
    let (cold, bytes) = pass()?;
    let (warm, _) = pass()?;
    Ok(FakeAlone {
        requests: u64::try_from(bodies.len())?,
        bytes,
        cold_s: cold.as_secs_f64(),
        warm_s: warm.as_secs_f64(),
    })
}

/// The request bodies of every page of `Q` over `records` records.
fn page_bodies<Q: PagedQuery>(page_size: u32, records: usize) -> anyhow::Result<Vec<Vec<u8>>> {
    let limit = i32::try_from(page_size)?;
    (0..=records / usize::try_from(page_size)?)
        .map(|page| {
            let offset = i32::try_from(page)? * limit;
            let operation = Q::build(PageVars {
                limit: Some(limit),
                offset: Some(offset),
            });
            Ok(serde_json::to_vec(&operation)?)
        })
        .collect()
}

/// One extraction with the extractor's own code (`source`, `transform`, then the staging
/// write, interleaved batch by batch), as its role: returns the time of the whole and of the
/// staging write alone (the transaction's time in the database, as `Published::writing`).
fn load_in_process(config: &Config) -> anyhow::Result<(Duration, Duration)> {
    let client = sxapi::Client::new(config.client_settings());
    let database = Database::new(&config.database_settings(Some(Extractor::DATABASE_ROLE)))?;
    let started = Instant::now();
    let mut conn = database.connection()?;
    let run_id = repository::extract_runs::start(&mut conn)?;
    let mut progress = extractor::progress::Progress::new(
        config.extractor.progress_interval,
        Box::new(Default::default),
    );
    let pulled =
        extractor::source::fetch_all(&client, &ENTITIES, &CancelToken::new(), &mut progress);
    let mut entities = extractor::transform::reports(run_id, &pulled);
    let published =
        repository::staging::publish_with(&mut conn, run_id, &mut entities, &[], |staging| {
            extractor::transform::load(staging, run_id, pulled, &Default::default())
        })?;
    let (whole, write) = (started.elapsed(), published.writing);
    ensure!(
        published.status == RunStatus::Succeeded,
        "the in-process extraction ended {:?}",
        published.status
    );
    Ok((whole, write))
}

/// One mart build, as the martmaker's role, that must be of the `expected` mode: its time
/// and the launches it recounted.
fn build_in_process(config: &Config, expected: BuildMode) -> anyhow::Result<(Duration, i64)> {
    let database = Database::new(&config.database_settings(Some(Martmaker::DATABASE_ROLE)))?;
    let mut conn = database.connection()?;
    let started = Instant::now();
    let refresh = repository::marts::refresh_publication(&mut conn, &Default::default())?;
    let elapsed = started.elapsed();
    match refresh {
        Refresh::Built {
            mode,
            launches_recounted,
            ..
        } if mode == expected => Ok((elapsed, launches_recounted)),
        _ => anyhow::bail!("the in-process build ended {refresh:?}, not a {expected:?} build"),
    }
}

/// `dataset` with one more photo on every hundredth launch (a small upstream change: a
/// busy day), and how many launches that changed.
fn with_new_photos(dataset: &Dataset) -> (Dataset, usize) {
    let mut changed = dataset.clone();
    let mut count = 0;
    for (i, launch) in changed
        .collection_mut("launches")
        .iter_mut()
        .enumerate()
        .step_by(100)
    {
        if let Some(photos) = launch
            .pointer_mut("/links/flickr_images")
            .and_then(serde_json::Value::as_array_mut)
        {
            photos.push(format!("https://bench.example/new-photo/{i}.jpg").into());
            count += 1;
        }
    }
    (changed, count)
}

/// A tuple of the columns of `$table` that are written (not generated), as a type and a
/// value, each column named once.
macro_rules! written_columns {
    ($type:ident, $value:ident = $table:ident [$($column:ident),+ $(,)?]) => {
        #[doc = concat!("The columns of `staging.", stringify!($table), "` that are written.")]
        type $type = ($($table::$column,)+);
        const $value: $type = ($($table::$column,)+);
    };
}

written_columns!(RocketColumns, ROCKET_COLUMNS = rocket [
    id, name, type_, active, company, country, description, wikipedia, first_flight,
    cost_per_launch, success_rate_pct, raw, run_id,
]);
written_columns!(MissionColumns, MISSION_COLUMNS = mission [
    id, name, description, manufacturers, wikipedia, website, twitter, raw, run_id,
]);
written_columns!(LaunchLinkColumns, LAUNCH_LINK_COLUMNS = launch_link [
    launch_id, field, position, url,
]);

/// Dumps the staging data tables of `from` in COPY's binary format, then times loading them
/// into the empty tables of `to` (parents first, for the foreign keys) in one transaction.
/// Generated columns are left out of both: COPY computes them, as an INSERT does.
fn copy_reference(from: &str, to: &str) -> anyhow::Result<Duration> {
    let dumps = [
        dump(from, ROCKET_COLUMNS)?,
        dump(from, MISSION_COLUMNS)?,
        dump(from, launch::table)?,
        dump(from, launch_mission::table)?,
        dump(from, LAUNCH_LINK_COLUMNS)?,
    ];
    let mut target = PgConnection::establish(to)?;
    let started = Instant::now();
    target.transaction(|conn| -> anyhow::Result<()> {
        load(conn, rocket::table, ROCKET_COLUMNS, &dumps[0])?;
        load(conn, mission::table, MISSION_COLUMNS, &dumps[1])?;
        load(conn, launch::table, launch::table, &dumps[2])?;
        load(
            conn,
            launch_mission::table,
            launch_mission::table,
            &dumps[3],
        )?;
        load(conn, launch_link::table, LAUNCH_LINK_COLUMNS, &dumps[4])?;
        Ok(())
    })?;
    Ok(started.elapsed())
}

/// One table in COPY's binary format. On a connection of its own: diesel leaves the end of a
/// `COPY … TO STDOUT` unread, so the connection cannot run anything after it.
fn dump<T>(database_url: &str, table: T) -> anyhow::Result<Vec<u8>>
where
    T: diesel::pg::CopyTarget,
{
    let mut conn = PgConnection::establish(database_url)?;
    let mut bytes = Vec::new();
    diesel::copy_to(table)
        .with_format(CopyFormat::Binary)
        .load_raw(&mut conn)?
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Loads `bytes` (a binary dump of `columns`) into `table`.
fn load<T, C>(conn: &mut PgConnection, table: T, columns: C, bytes: &[u8]) -> anyhow::Result<()>
where
    T: diesel::Table,
    C: diesel::pg::CopyTarget<Table = T>,
{
    diesel::copy_from(table)
        .from_raw_data(columns, |out: &mut dyn Write| {
            out.write_all(bytes)
                .map_err(|error| diesel::result::Error::SerializationError(Box::new(error)))
        })
        .with_format(CopyFormat::Binary)
        .execute(conn)
        .context("COPY FROM failed")?;
    Ok(())
}
