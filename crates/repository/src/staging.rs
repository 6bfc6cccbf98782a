//! Publishing one extraction into `staging`, in one transaction.
use std::collections::{BTreeSet, HashSet};
use std::time::{Duration, Instant};

use diesel::dsl::sql;
use diesel::pg::upsert::excluded;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};

use db_models::models::{
    EntityStatus, ExtractRunEntity, ExtractRunReference, NewCapsule, NewCapsuleMission, NewCompany,
    NewCore, NewCoreMission, NewDragon, NewHistory, NewLandpad, NewLaunch, NewLaunchCore,
    NewLaunchLink, NewLaunchMission, NewLaunchPayload, NewLaunchShip, NewLaunchSite, NewLaunchpad,
    NewMission, NewMissionPayload, NewPayload, NewRejected, NewRoadster, NewRocket, NewShip,
    NewShipMission, RunStatus,
};
use db_models::schema::staging::{
    capsule, capsule_mission, company, core, core_mission, dragon, extract_run_entity,
    extract_run_reference, history, landpad, launch, launch_core, launch_link, launch_mission,
    launch_payload, launch_ship, launch_site, launchpad, mission, mission_payload, payload,
    rejected, roadster, rocket, ship, ship_mission,
};

use crate::error::one_line;
use crate::{extract_runs, Error, Result};

/// Rows per INSERT statement: Postgres allows 65 535 bind parameters per statement, and the
/// widest table has 25 columns.
const ROWS_PER_STATEMENT: usize = 1_000;

/// One thing the extractor can copy into staging: an entity (one query, one table) or a
/// relation (one query, one table hanging off its owner's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entity {
    /// Its name: the staging table, `extract_run_entity.entity`, and what
    /// `extractor.entities` in `config.yaml` lists.
    pub name: &'static str,
    /// For a relation, the entity whose rows it hangs off: it can only be published in a run
    /// that publishes the owner too (its rows must match the owner's rows of that run).
    pub owner: Option<&'static str>,
}

const fn entity(name: &'static str) -> Entity {
    Entity { name, owner: None }
}

const fn relation(name: &'static str, owner: &'static str) -> Entity {
    Entity {
        name,
        owner: Some(owner),
    }
}

/// Everything staging mirrors, owners first.
pub const ENTITIES: &[Entity] = &[
    entity("launch"),
    entity("mission"),
    entity("rocket"),
    entity("capsule"),
    entity("core"),
    entity("dragon"),
    entity("history"),
    entity("landpad"),
    entity("launchpad"),
    entity("payload"),
    entity("ship"),
    entity("company"),
    entity("roadster"),
    relation("launch_ship", "launch"),
    relation("launch_core", "launch"),
    relation("launch_payload", "launch"),
    relation("launch_site", "launch"),
    relation("mission_payload", "mission"),
    relation("capsule_mission", "capsule"),
    relation("core_mission", "core"),
    relation("ship_mission", "ship"),
];

/// A staging column that names the id of a row of another staging table. It has no foreign
/// key on purpose: upstream references dangle (mission payloads missing from `payloads`), and
/// such a value is kept, and counted after each run, instead of refusing its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reference {
    /// The table holding the column.
    pub table: &'static str,
    /// The column.
    pub column: &'static str,
    /// The table whose `id` it names.
    pub target: &'static str,
    /// A relation row exists only to hold its reference, so a NULL there (an upstream list
    /// element that was null) is unresolved too; elsewhere NULL just means "none given".
    pub listed: bool,
}

/// The reference column of a relation table.
const fn listed(table: &'static str, column: &'static str, target: &'static str) -> Reference {
    Reference {
        table,
        column,
        target,
        listed: true,
    }
}

/// Every reference column of staging.
pub const REFERENCES: &[Reference] = &[
    Reference {
        table: "launch",
        column: "rocket_id",
        target: "rocket",
        listed: false,
    },
    listed("launch_mission", "mission_id", "mission"),
    listed("launch_ship", "ship_id", "ship"),
    listed("launch_core", "core_id", "core"),
    listed("launch_payload", "payload_id", "payload"),
    listed("launch_site", "site_id", "launchpad"),
    listed("mission_payload", "payload_id", "payload"),
];

/// Advisory lock key held by the write transaction: two extractors publish one after the other.
const STAGING_WRITE_LOCK_KEY: i64 = 0x6772_7374_6167;

/// Launches and their child rows.
#[derive(Debug, Clone, Default)]
pub struct LaunchRows {
    /// One row per launch (ids unique).
    pub launches: Vec<NewLaunch>,
    /// The launches' `mission_id` lists.
    pub missions: Vec<NewLaunchMission>,
    /// The launches' links.
    pub links: Vec<NewLaunchLink>,
}

/// A batch of a relation's rows: every owner the batch covers (an owner whose list is empty
/// has no row, and loses the rows it had) and their rows.
#[derive(Debug, Clone)]
pub struct Related<R> {
    /// The owners whose rows the batch holds, each once.
    pub owners: Vec<String>,
    /// Their rows, keyed by owner and position.
    pub rows: Vec<R>,
}

impl<R> Default for Related<R> {
    fn default() -> Self {
        Related {
            owners: Vec::new(),
            rows: Vec::new(),
        }
    }
}

/// Declares [`Rows`] (one variant per staging table but `launch`) and the dispatch of
/// [`Table::write`] and [`Table::sweep`] over them: one list of the tables, with the columns
/// an upsert sets (entities) or the owner column (relations).
macro_rules! tables {
    (
        entities { $($entity:ident($erow:ty) => $etable:ident [$($column:ident),+ $(,)?]),+ $(,)? }
        relations { $($relation:ident($rrow:ty) => $rtable:ident($owner:ident)),+ $(,)? }
    ) => {
        /// A batch of rows of one staging table, written by [`Table::write`].
        #[derive(Debug, Clone)]
        pub enum Rows {
            /// Launches with their missions and links.
            Launch(LaunchRows),
            $(
                #[doc = concat!("Rows of `staging.", stringify!($etable), "` (ids unique).")]
                $entity(Vec<$erow>),
            )+
            $(
                #[doc = concat!("Rows of `staging.", stringify!($rtable), "`.")]
                $relation(Related<$rrow>),
            )+
        }

        /// Upserts (entities) or compares and rewrites (relations) one batch.
        fn write_rows(conn: &mut PgConnection, rows: Rows) -> Result<Mirrored> {
            Ok(match rows {
                Rows::Launch(rows) => write_launches(conn, rows)?,
                $(Rows::$entity(rows) => mirror!(conn, $etable, &rows, [$($column),+]),)+
                $(Rows::$relation(batch) => relate!(conn, $rtable, $owner, $rrow, batch),)+
            })
        }

        /// Deletes the rows of `table` whose id (for a relation, whose owner) is not kept.
        fn sweep_rows(
            conn: &mut PgConnection,
            table: &str,
            keep: &dyn Fn(&str) -> bool,
        ) -> Result<usize> {
            Ok(match table {
                "launch" => sweep!(conn, launch, id, keep),
                $(stringify!($etable) => sweep!(conn, $etable, id, keep),)+
                $(stringify!($rtable) => sweep!(conn, $rtable, $owner, keep),)+
                other => unreachable!("{other} is not a staging table"),
            })
        }
    };
}

/// Everything one run publishes, held in memory: a convenience over [`publish_with`] for small
/// loads and tests. `None` for an entity means it was not fetched or its fetch failed: its
/// table is left exactly as it is. A relation's rows must belong to owner rows of the same
/// snapshot (the owner is `Some` and lists every owner id they name): they are checked by
/// foreign key, and a dangling one fails the whole publish.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Launches, or `None` to keep the previous ones.
    pub launches: Option<LaunchRows>,
    /// Missions, or `None` to keep the previous ones.
    pub missions: Option<Vec<NewMission>>,
    /// Rockets, or `None` to keep the previous ones.
    pub rockets: Option<Vec<NewRocket>>,
    /// Capsules, or `None` to keep the previous ones.
    pub capsules: Option<Vec<NewCapsule>>,
    /// Cores, or `None` to keep the previous ones.
    pub cores: Option<Vec<NewCore>>,
    /// Dragons, or `None` to keep the previous ones.
    pub dragons: Option<Vec<NewDragon>>,
    /// History events, or `None` to keep the previous ones.
    pub histories: Option<Vec<NewHistory>>,
    /// Landpads, or `None` to keep the previous ones.
    pub landpads: Option<Vec<NewLandpad>>,
    /// Launchpads, or `None` to keep the previous ones.
    pub launchpads: Option<Vec<NewLaunchpad>>,
    /// Payloads, or `None` to keep the previous ones.
    pub payloads: Option<Vec<NewPayload>>,
    /// Ships, or `None` to keep the previous ones.
    pub ships: Option<Vec<NewShip>>,
    /// The company (at most one row), or `None` to keep the previous one.
    pub company: Option<Vec<NewCompany>>,
    /// The roadster (at most one row), or `None` to keep the previous one.
    pub roadster: Option<Vec<NewRoadster>>,
    /// Launches' ships, or `None` to keep the previous ones.
    pub launch_ships: Option<Vec<NewLaunchShip>>,
    /// Launches' first-stage cores, or `None` to keep the previous ones.
    pub launch_cores: Option<Vec<NewLaunchCore>>,
    /// Launches' payloads, or `None` to keep the previous ones.
    pub launch_payloads: Option<Vec<NewLaunchPayload>>,
    /// Launches' launch sites, or `None` to keep the previous ones.
    pub launch_sites: Option<Vec<NewLaunchSite>>,
    /// Missions' payloads, or `None` to keep the previous ones.
    pub mission_payloads: Option<Vec<NewMissionPayload>>,
    /// Capsules' missions, or `None` to keep the previous ones.
    pub capsule_missions: Option<Vec<NewCapsuleMission>>,
    /// Cores' missions, or `None` to keep the previous ones.
    pub core_missions: Option<Vec<NewCoreMission>>,
    /// Ships' missions, or `None` to keep the previous ones.
    pub ship_missions: Option<Vec<NewShipMission>>,
    /// Records refused by validation or as duplicates.
    pub rejected: Vec<NewRejected>,
    /// Per-entity outcomes; the write fills in `inserted`, `updated` and `deleted`.
    pub entities: Vec<ExtractRunEntity>,
}

/// What the publish changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The run's final status.
    pub status: RunStatus,
    /// Rows inserted, updated or deleted over all entity tables.
    pub rows_changed: i64,
    /// Per reference column, how many values point at nothing after the publish (also stored
    /// in `staging.extract_run_reference`).
    pub references: Vec<ExtractRunReference>,
    /// How long the transaction spent in the database, commit included: its whole time but
    /// what the loader took to read and convert its batches.
    pub writing: Duration,
}

/// Counts of one mirrored table.
#[derive(Debug, Default)]
struct Mirrored {
    /// Ids inserted or changed (their child rows must be rewritten); for a relation, the
    /// owners whose rows were rewritten.
    changed: Vec<String>,
    /// The ids of `changed` that were there before (updated, not inserted).
    updated_ids: Vec<String>,
    inserted: i32,
    updated: i32,
    deleted: i32,
}

impl Mirrored {
    /// Adds the counts of a later batch of the same table.
    fn add(&mut self, batch: &Mirrored) {
        self.inserted += batch.inserted;
        self.updated += batch.updated;
        self.deleted += batch.deleted;
    }
}

/// Upserts `$rows` into staging table `$table`, skipping rows whose `raw` is unchanged. The
/// rows that vanished upstream are deleted by [`Table::sweep`] once every batch is written.
/// One macro rather than a copy per table: diesel's per-table types make a generic function
/// far harder to read than this.
macro_rules! mirror {
    ($conn:expr, $table:ident, $rows:expr, [$($column:ident),+ $(,)?]) => {{
        let rows = $rows;
        let mut mirrored = Mirrored::default();
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let upsert = diesel::insert_into($table::table)
                .values(chunk)
                .on_conflict($table::id)
                .do_update()
                .set((
                    $($table::$column.eq(excluded($table::$column)),)+
                    $table::raw.eq(excluded($table::raw)),
                    $table::run_id.eq(excluded($table::run_id)),
                ));
            // ON CONFLICT … DO UPDATE … WHERE: an unchanged record is not rewritten at all.
            let written: Vec<(String, bool)> =
                diesel::query_dsl::methods::FilterDsl::filter(upsert, $table::raw.ne(excluded($table::raw)))
                    // xmax = 0 only on freshly inserted row versions.
                    .returning(($table::id, sql::<Bool>("xmax = 0")))
                    .get_results($conn)?;
            for (id, inserted) in written {
                if inserted {
                    mirrored.inserted += 1;
                } else {
                    mirrored.updated += 1;
                    mirrored.updated_ids.push(id.clone());
                }
                mirrored.changed.push(id);
            }
        }
        mirrored
    }};
}

/// Makes relation table `$table` hold exactly the batch's rows for the batch's owners (keyed
/// by owner column `$owner` and position): the owners whose rows differ from the stored ones
/// get theirs deleted and rewritten, the others are not touched. A row present before and
/// after with other values counts as one deleted and one inserted. Only the stored rows of the
/// batch's owners are read.
macro_rules! relate {
    ($conn:expr, $table:ident, $owner:ident, $row:ty, $batch:expr) => {{
        let Related { owners, rows } = $batch;
        let mut stored: HashSet<$row> = HashSet::new();
        for ids in owners.chunks(ROWS_PER_STATEMENT) {
            stored.extend(
                $table::table
                    .filter($table::$owner.eq_any(ids))
                    .select(<$row>::as_select())
                    .load::<$row>($conn)?,
            );
        }
        let wanted: HashSet<&$row> = rows.iter().collect();
        let mut mirrored = Mirrored::default();
        let mut changed: BTreeSet<String> = BTreeSet::new();
        for row in &stored {
            if !wanted.contains(row) {
                mirrored.deleted += 1;
                changed.insert(row.$owner.clone());
            }
        }
        for row in &rows {
            if !stored.contains(row) {
                mirrored.inserted += 1;
                changed.insert(row.$owner.clone());
            }
        }
        mirrored.changed = changed.into_iter().collect();
        for ids in mirrored.changed.chunks(ROWS_PER_STATEMENT) {
            diesel::delete($table::table.filter($table::$owner.eq_any(ids))).execute($conn)?;
        }
        let changed: HashSet<&str> = mirrored.changed.iter().map(String::as_str).collect();
        let rewrite: Vec<$row> = rows
            .into_iter()
            .filter(|row| changed.contains(row.$owner.as_str()))
            .collect();
        for chunk in rewrite.chunks(ROWS_PER_STATEMENT) {
            diesel::insert_into($table::table)
                .values(chunk)
                .execute($conn)?;
        }
        mirrored
    }};
}

/// Ids read per statement by [`sweep!`].
const SWEEP_PAGE: i64 = 10_000;

/// Deletes the rows of `$table` whose `$column` (an id or a relation's owner) `$keep` does not
/// keep, reading the stored values a page at a time in order (so the kept ids are never sent
/// to the database, nor all stored ones held at once); the number of rows deleted. Ids are
/// never empty (the extractor refuses such records), so paging starts after "".
macro_rules! sweep {
    ($conn:expr, $table:ident, $column:ident, $keep:expr) => {{
        let mut deleted = 0;
        let mut after = String::new();
        loop {
            let page: Vec<String> = $table::table
                .select($table::$column)
                .filter($table::$column.gt(&after))
                .distinct()
                .order($table::$column)
                .limit(SWEEP_PAGE)
                .load($conn)?;
            let gone: Vec<&String> = page.iter().filter(|id| !$keep(id.as_str())).collect();
            if !gone.is_empty() {
                deleted += diesel::delete($table::table.filter($table::$column.eq_any(gone)))
                    .execute($conn)?;
            }
            match page.last() {
                Some(last) if page.len() as i64 == SWEEP_PAGE => after = last.clone(),
                _ => break deleted,
            }
        }
    }};
}

tables! {
    entities {
        Rocket(NewRocket) => rocket [
            name, type_, active, company, country, description, wikipedia, first_flight,
            cost_per_launch, success_rate_pct,
        ],
        Mission(NewMission) => mission [name, description, manufacturers, wikipedia, website, twitter],
        Capsule(NewCapsule) => capsule [type_, status, landings, reuse_count, original_launch],
        Core(NewCore) => core [
            block, status, original_launch, reuse_count, rtls_attempts, rtls_landings,
            asds_attempts, asds_landings, water_landing,
        ],
        Dragon(NewDragon) => dragon [
            name, type_, active, crew_capacity, description, dry_mass_kg, first_flight,
            orbit_duration_yr, sidewall_angle_deg, wikipedia, diameter_meters,
            height_w_trunk_meters, heat_shield_material, heat_shield_size_meters,
            heat_shield_temp_degrees, heat_shield_dev_partner, launch_payload_mass_kg,
            return_payload_mass_kg,
        ],
        History(NewHistory) => history [
            title, details, event_date_utc, event_date_unix, links_article, links_reddit,
            links_wikipedia,
        ],
        Landpad(NewLandpad) => landpad [
            full_name, status, landing_type, attempted_landings, successful_landings,
            details, wikipedia, location_name, location_region, location_latitude,
            location_longitude,
        ],
        Launchpad(NewLaunchpad) => launchpad [
            name, status, attempted_launches, successful_launches, details, wikipedia,
            location_name, location_region, location_latitude, location_longitude,
        ],
        Payload(NewPayload) => payload [
            payload_type, manufacturer, nationality, customers, norad_id, orbit,
            payload_mass_kg, payload_mass_lbs, reused, orbit_params_regime,
            orbit_params_reference_system, orbit_params_periapsis_km,
            orbit_params_apoapsis_km, orbit_params_inclination_deg, orbit_params_period_min,
        ],
        Ship(NewShip) => ship [
            name, model, type_, roles, active, status, home_port, year_built, imo, mmsi,
            abs, class, weight_kg, weight_lbs, speed_kn, course_deg, successful_landings,
            attempted_landings, url, image, position_latitude, position_longitude,
        ],
        Company(NewCompany) => company [
            name, founder, founded, employees, vehicles, launch_sites, test_sites, ceo, cto,
            coo, cto_propulsion, valuation, summary, headquarters_address,
            headquarters_city, headquarters_state, links_website, links_flickr,
            links_twitter, links_elon_twitter,
        ],
        Roadster(NewRoadster) => roadster [
            name, details, wikipedia, launch_date_utc, launch_date_unix, launch_mass_kg,
            norad_id, orbit_type, period_days, speed_kph, earth_distance_km,
            mars_distance_km,
        ],
    }
    relations {
        LaunchShip(NewLaunchShip) => launch_ship(launch_id),
        LaunchCore(NewLaunchCore) => launch_core(launch_id),
        LaunchPayload(NewLaunchPayload) => launch_payload(launch_id),
        LaunchSite(NewLaunchSite) => launch_site(launch_id),
        MissionPayload(NewMissionPayload) => mission_payload(mission_id),
        CapsuleMission(NewCapsuleMission) => capsule_mission(capsule_id),
        CoreMission(NewCoreMission) => core_mission(core_id),
        ShipMission(NewShipMission) => ship_mission(ship_id),
    }
}

/// Upserts a batch of launches and rewrites the children of those inserted or changed.
fn write_launches(conn: &mut PgConnection, rows: LaunchRows) -> Result<Mirrored> {
    let mirrored = mirror!(
        conn,
        launch,
        &rows.launches,
        [
            mission_name,
            launch_date_utc,
            launch_date_local,
            launch_date_unix,
            launch_year,
            launch_success,
            upcoming,
            details,
            rocket_id,
            rocket_name,
            rocket_type
        ]
    );
    rewrite_launch_children(conn, &mirrored.changed, &mirrored.updated_ids, &rows)?;
    Ok(mirrored)
}

/// Why loading one entity stopped early (see [`Staging::load`]).
#[derive(Debug)]
pub enum Stop {
    /// The entity as a whole is refused, with its status (not `Succeeded`) and the reason: its
    /// writes are rolled back and it keeps its previous rows; the rest of the run still
    /// publishes.
    Refused(EntityStatus, String),
    /// The database failed: the whole publish fails and nothing is written.
    Failed(Error),
}

impl From<Error> for Stop {
    fn from(error: Error) -> Self {
        Stop::Failed(error)
    }
}

impl From<diesel::result::Error> for Stop {
    fn from(error: diesel::result::Error) -> Self {
        Stop::Failed(error.into())
    }
}

/// The publish transaction, as [`publish_with`] hands it to the loader: entities are loaded
/// one after the other, each in a savepoint, each batch by batch.
pub struct Staging<'c> {
    conn: &'c mut PgConnection,
    entities: &'c mut [ExtractRunEntity],
    rows_changed: i64,
    loaded_any: bool,
    /// Time spent in the statements of [`Table`].
    writing: Duration,
}

impl Staging<'_> {
    /// The status of `entity`'s report so far (`None` if it has none).
    pub fn status_of(&self, entity: &str) -> Option<EntityStatus> {
        self.entities
            .iter()
            .find(|e| e.entity == entity)
            .map(|e| e.status)
    }

    /// How many rows `entity`'s staging table holds (before this run changes it).
    pub fn staged(&mut self, entity: &'static str) -> Result<i64> {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        let sql = format!("SELECT count(*) AS n FROM staging.{entity}");
        Ok(diesel::sql_query(sql).get_result::<Count>(self.conn)?.n)
    }

    /// Loads entity `entity` (a staging table) in a savepoint: `load` writes its batches and
    /// sweeps through the [`Table`], and may update the entity's report (its row of `entities`
    /// given to [`publish_with`], if any). When it returns [`Stop::Refused`], every write of
    /// the entity is rolled back, it keeps its previous rows, and its report has the status
    /// and reason given (nothing loaded or rejected); the run goes on. Afterwards the report
    /// holds the rows inserted, updated and deleted.
    pub fn load(
        &mut self,
        entity: &'static str,
        load: impl FnOnce(&mut Table<'_>, &mut ExtractRunEntity) -> std::result::Result<(), Stop>,
    ) -> Result<()> {
        let mut scratch = ExtractRunEntity {
            entity: entity.to_string(),
            ..ExtractRunEntity::default()
        };
        let report = match self.entities.iter_mut().find(|e| e.entity == entity) {
            Some(report) => report,
            None => &mut scratch,
        };
        // A nested transaction is a savepoint: an error rolls back this entity alone.
        let writing = &mut self.writing;
        let loaded = self.conn.transaction::<_, Stop, _>(|conn| {
            let mut table = Table {
                conn,
                table: entity,
                counts: Mirrored::default(),
                writing,
            };
            load(&mut table, &mut *report)?;
            Ok(table.counts)
        });
        match loaded {
            Ok(counts) => {
                self.rows_changed += i64::from(counts.inserted + counts.updated + counts.deleted);
                self.loaded_any = true;
                report.inserted = counts.inserted;
                report.updated = counts.updated;
                report.deleted = counts.deleted;
                Ok(())
            }
            Err(Stop::Refused(status, reason)) => {
                report.status = status;
                report.error = Some(reason);
                report.loaded = 0;
                report.rejected = 0;
                Ok(())
            }
            Err(Stop::Failed(error)) => Err(error),
        }
    }
}

/// One entity's table while [`Staging::load`] loads it.
pub struct Table<'c> {
    conn: &'c mut PgConnection,
    table: &'static str,
    counts: Mirrored,
    writing: &'c mut Duration,
}

impl Table<'_> {
    /// Writes one batch of the table: upserts an entity's rows (unchanged ones are not
    /// rewritten; a launch's children follow it), or for a relation replaces the rows of the
    /// batch's owners that differ from the stored ones.
    pub fn write(&mut self, rows: Rows) -> Result<()> {
        let started = Instant::now();
        let batch = write_rows(self.conn, rows)?;
        self.counts.add(&batch);
        *self.writing += started.elapsed();
        Ok(())
    }

    /// Stores refused records in `staging.rejected`.
    pub fn reject(&mut self, refused: &[NewRejected]) -> Result<()> {
        let started = Instant::now();
        insert_rejected(self.conn, refused)?;
        *self.writing += started.elapsed();
        Ok(())
    }

    /// After the last batch: deletes the rows whose id (for a relation, whose owner) `keep`
    /// does not keep, i.e. what vanished upstream.
    pub fn sweep(&mut self, keep: impl Fn(&str) -> bool) -> Result<()> {
        let started = Instant::now();
        self.counts.deleted += count(sweep_rows(self.conn, self.table, &keep)?);
        *self.writing += started.elapsed();
        Ok(())
    }
}

/// Whether an entity's outcome makes its run `partial` (or `failed`): it failed, was withheld,
/// or is one of `required` and unavailable upstream. A best-effort entity the upstream cannot
/// serve keeps its rows without faulting the run.
pub fn at_fault(report: &ExtractRunEntity, required: &[&str]) -> bool {
    match report.status {
        EntityStatus::Succeeded => false,
        EntityStatus::Unavailable => required.contains(&report.entity.as_str()),
        EntityStatus::Failed | EntityStatus::Withheld => true,
    }
}

/// Publishes one run in ONE transaction: `load` loads each entity through
/// [`Staging::load`], batch by batch; then the per-entity reports (`entities`: every entity of
/// the run, those not loaded with their `error`, bounded to one line), the unresolved
/// references and the run's status are written, and the status returned: `succeeded` unless
/// an entity is [`at_fault`] (`required`: the entities whose unavailability counts), then
/// `partial`, or `failed` when nothing loaded. An entity at fault stores no fingerprint, so
/// the next run loads again instead of finding the upstream unchanged. On error nothing is
/// written: the reports keep what was fetched, loaded and rejected but count no row written,
/// and the caller records the failure with [`extract_runs::record_failure`].
pub fn publish_with(
    conn: &mut PgConnection,
    run_id: i64,
    entities: &mut [ExtractRunEntity],
    required: &[&str],
    load: impl FnOnce(&mut Staging<'_>) -> Result<()>,
) -> Result<Published> {
    let started = Instant::now();
    let mut converting = Duration::ZERO;
    let published = conn.transaction(|conn| {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<BigInt, _>(STAGING_WRITE_LOCK_KEY)
            .execute(conn)?;
        let mut staging = Staging {
            conn,
            entities: &mut *entities,
            rows_changed: 0,
            loaded_any: false,
            writing: Duration::ZERO,
        };
        let loading = Instant::now();
        load(&mut staging)?;
        converting = loading.elapsed().saturating_sub(staging.writing);
        let Staging {
            conn,
            entities,
            rows_changed,
            loaded_any,
            ..
        } = staging;
        let mut faults = Vec::new();
        for report in entities.iter_mut() {
            report.error = report.error.as_deref().map(one_line);
            if at_fault(report, required) {
                report.fingerprint = None;
                let reason = report.error.as_deref().unwrap_or(report.status.as_str());
                faults.push(format!("{}: {reason}", report.entity));
            }
        }
        diesel::insert_into(extract_run_entity::table)
            .values(&*entities)
            .execute(conn)?;
        let status = if faults.is_empty() {
            RunStatus::Succeeded
        } else if !loaded_any {
            RunStatus::Failed
        } else {
            RunStatus::Partial
        };
        let error = (!faults.is_empty()).then(|| faults.join("; "));
        let references = count_unresolved(conn, run_id)?;
        extract_runs::finish(conn, run_id, status, rows_changed, error.as_deref())?;
        Ok(Published {
            status,
            rows_changed,
            references,
            writing: Duration::ZERO,
        })
    });
    match published {
        Ok(published) => Ok(Published {
            writing: started.elapsed().saturating_sub(converting),
            ..published
        }),
        Err(error) => {
            for report in entities.iter_mut() {
                (report.inserted, report.updated, report.deleted) = (0, 0, 0);
            }
            Err(error)
        }
    }
}

/// Loads one entity of a [`Snapshot`]: all its rows as one batch, then the sweep of the ids
/// (for a relation, the owners) it does not list.
fn load_whole(
    staging: &mut Staging<'_>,
    entity: &'static str,
    rows: Rows,
    keep: &[String],
) -> Result<()> {
    let keep: HashSet<&str> = keep.iter().map(String::as_str).collect();
    staging.load(entity, |table, _| {
        table.write(rows)?;
        table.sweep(|id| keep.contains(id))?;
        Ok(())
    })
}

/// Writes the snapshot, the rejected records, the per-entity counts and the run's status in
/// ONE transaction (see [`publish_with`]; every entity counts as required), then returns the
/// status.
pub fn publish(conn: &mut PgConnection, run_id: i64, snapshot: Snapshot) -> Result<Published> {
    let Snapshot {
        launches,
        missions,
        rockets,
        capsules,
        cores,
        dragons,
        histories,
        landpads,
        launchpads,
        payloads,
        ships,
        company: companies,
        roadster: roadsters,
        launch_ships,
        launch_cores,
        launch_payloads,
        launch_sites,
        mission_payloads,
        capsule_missions,
        core_missions,
        ship_missions,
        rejected: refused,
        mut entities,
    } = snapshot;
    let every: Vec<&str> = ENTITIES.iter().map(|entity| entity.name).collect();
    publish_with(conn, run_id, &mut entities, &every, |staging| {
        macro_rules! entities {
            ($($rows:expr => $variant:ident($table:literal)),+ $(,)?) => {$(
                if let Some(rows) = $rows {
                    let keep: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
                    load_whole(staging, $table, Rows::$variant(rows), &keep)?;
                }
            )+};
        }
        macro_rules! relations {
            ($($rows:expr => $variant:ident($table:literal, $owner:ident)),+ $(,)?) => {$(
                if let Some(rows) = $rows {
                    let owners: BTreeSet<&String> = rows.iter().map(|row| &row.$owner).collect();
                    let owners: Vec<String> = owners.into_iter().cloned().collect();
                    let batch = Related { owners: owners.clone(), rows };
                    load_whole(staging, $table, Rows::$variant(batch), &owners)?;
                }
            )+};
        }
        entities!(
            rockets => Rocket("rocket"),
            missions => Mission("mission"),
            capsules => Capsule("capsule"),
            cores => Core("core"),
            dragons => Dragon("dragon"),
            histories => History("history"),
            landpads => Landpad("landpad"),
            launchpads => Launchpad("launchpad"),
            payloads => Payload("payload"),
            ships => Ship("ship"),
            companies => Company("company"),
            roadsters => Roadster("roadster"),
        );
        if let Some(rows) = launches {
            let keep: Vec<String> = rows.launches.iter().map(|row| row.id.clone()).collect();
            load_whole(staging, "launch", Rows::Launch(rows), &keep)?;
        }
        // Relations after their owners: rows of vanished owners are gone by cascade already.
        relations!(
            launch_ships => LaunchShip("launch_ship", launch_id),
            launch_cores => LaunchCore("launch_core", launch_id),
            launch_payloads => LaunchPayload("launch_payload", launch_id),
            launch_sites => LaunchSite("launch_site", launch_id),
            mission_payloads => MissionPayload("mission_payload", mission_id),
            capsule_missions => CapsuleMission("capsule_mission", capsule_id),
            core_missions => CoreMission("core_mission", core_id),
            ship_missions => ShipMission("ship_mission", ship_id),
        );
        insert_rejected(staging.conn, &refused)
    })
}

/// Stores refused records in `staging.rejected`.
fn insert_rejected(conn: &mut PgConnection, refused: &[NewRejected]) -> Result<()> {
    for chunk in refused.chunks(ROWS_PER_STATEMENT) {
        diesel::insert_into(rejected::table)
            .values(chunk)
            .execute(conn)?;
    }
    Ok(())
}

/// Replaces the `launch_mission` and `launch_link` rows of the launches in `changed`
/// (new or modified); unchanged launches keep theirs untouched. Only the modified ones
/// (`updated`) can have children to delete: a new launch has none, so a first load deletes
/// nothing (a DELETE per batch would scan the growing child tables while they have no
/// statistics).
fn rewrite_launch_children(
    conn: &mut PgConnection,
    changed: &[String],
    updated: &[String],
    rows: &LaunchRows,
) -> Result<()> {
    if changed.is_empty() {
        return Ok(());
    }
    for ids in updated.chunks(ROWS_PER_STATEMENT) {
        diesel::delete(launch_mission::table.filter(launch_mission::launch_id.eq_any(ids)))
            .execute(conn)?;
        diesel::delete(launch_link::table.filter(launch_link::launch_id.eq_any(ids)))
            .execute(conn)?;
    }
    let changed: HashSet<&str> = changed.iter().map(String::as_str).collect();
    let missions: Vec<&NewLaunchMission> = rows
        .missions
        .iter()
        .filter(|m| changed.contains(m.launch_id.as_str()))
        .collect();
    for chunk in missions.chunks(ROWS_PER_STATEMENT) {
        diesel::insert_into(launch_mission::table)
            .values(chunk.iter().copied().cloned().collect::<Vec<_>>())
            .execute(conn)?;
    }
    let links: Vec<&NewLaunchLink> = rows
        .links
        .iter()
        .filter(|l| changed.contains(l.launch_id.as_str()))
        .collect();
    for chunk in links.chunks(ROWS_PER_STATEMENT) {
        diesel::insert_into(launch_link::table)
            .values(chunk.iter().copied().cloned().collect::<Vec<_>>())
            .execute(conn)?;
    }
    Ok(())
}

/// Counts, for every [`REFERENCES`] column, the values that name no row of their target (as
/// staging is after this run's writes) and stores the counts with the run.
fn count_unresolved(conn: &mut PgConnection, run_id: i64) -> Result<Vec<ExtractRunReference>> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let mut counts = Vec::with_capacity(REFERENCES.len());
    for r in REFERENCES {
        let dangling = format!(
            "NOT EXISTS (SELECT 1 FROM staging.{target} t WHERE t.id = r.{column})",
            target = r.target,
            column = r.column
        );
        let condition = if r.listed {
            format!("r.{} IS NULL OR {dangling}", r.column)
        } else {
            format!("r.{} IS NOT NULL AND {dangling}", r.column)
        };
        let sql = format!(
            "SELECT count(*) AS n FROM staging.{} r WHERE {condition}",
            r.table
        );
        let found: Count = diesel::sql_query(sql).get_result(conn)?;
        counts.push(ExtractRunReference {
            run_id,
            reference: format!("{}.{}", r.table, r.column),
            target: r.target.to_string(),
            unresolved: i32::try_from(found.n).unwrap_or(i32::MAX),
        });
    }
    diesel::insert_into(extract_run_reference::table)
        .values(&counts)
        .execute(conn)?;
    Ok(counts)
}

/// Row counts from diesel are `usize`; the run tables store `integer`.
fn count(rows: usize) -> i32 {
    i32::try_from(rows).unwrap_or(i32::MAX)
}
