//! Publishing one extraction into `staging`, in one transaction.
use std::collections::{BTreeSet, HashSet};

use diesel::dsl::sql;
use diesel::pg::upsert::excluded;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};

use db_models::models::{
    ExtractRunEntity, ExtractRunReference, NewCapsule, NewCapsuleMission, NewCompany, NewCore,
    NewCoreMission, NewDragon, NewHistory, NewLandpad, NewLaunch, NewLaunchCore, NewLaunchLink,
    NewLaunchMission, NewLaunchPayload, NewLaunchShip, NewLaunchSite, NewLaunchpad, NewMission,
    NewMissionPayload, NewPayload, NewRejected, NewRoadster, NewRocket, NewShip, NewShipMission,
    RunStatus,
};
use db_models::schema::staging::{
    capsule, capsule_mission, company, core, core_mission, dragon, extract_run_entity,
    extract_run_reference, history, landpad, launch, launch_core, launch_link, launch_mission,
    launch_payload, launch_ship, launch_site, launchpad, mission, mission_payload, payload,
    rejected, roadster, rocket, ship, ship_mission,
};

use crate::{extract_runs, Result};

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

/// Everything one run publishes. `None` for an entity means it was not fetched or its fetch
/// failed: its table is left exactly as it is. A relation's rows must belong to owner rows of
/// the same snapshot (the owner is `Some` and lists every owner id they name): they are
/// checked by foreign key, and a dangling one fails the whole publish.
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
}

/// Counts of one mirrored table.
#[derive(Debug, Default)]
struct Mirrored {
    /// Ids inserted or changed (their child rows must be rewritten); for a relation, the
    /// owners whose rows were rewritten.
    changed: Vec<String>,
    inserted: i32,
    updated: i32,
    deleted: i32,
}

/// Upserts `$rows` into staging table `$table` (skipping rows whose `raw` is unchanged) and
/// deletes the rows whose id is not among them. One macro rather than three copies: diesel's
/// per-table types make a generic function far harder to read than this.
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
                }
                mirrored.changed.push(id);
            }
        }
        let keep: Vec<&str> = rows.iter().map(|row| row.id.as_str()).collect();
        mirrored.deleted = count(
            diesel::delete($table::table.filter($table::id.ne_all(&keep))).execute($conn)?,
        );
        mirrored
    }};
}

/// `mirror!` for each entity of the snapshot that is `Some`, pushing `(table name, counts)`.
macro_rules! mirror_some {
    ($conn:expr, $results:expr, $($rows:expr => $table:ident [$($column:ident),+ $(,)?]),+ $(,)?) => {$(
        if let Some(rows) = $rows {
            $results.push((stringify!($table), mirror!($conn, $table, &rows, [$($column),+])));
        }
    )+};
}

/// Makes relation table `$table` hold exactly `$rows` (`Vec<$row>`, keyed by owner column
/// `$owner` and position): the owners whose rows differ from the stored ones get theirs
/// deleted and rewritten, the others are not touched. A row present before and after with
/// other values counts as one deleted and one inserted.
macro_rules! relate {
    ($conn:expr, $table:ident, $owner:ident, $row:ty, $rows:expr) => {{
        let rows: &[$row] = $rows;
        let stored: HashSet<$row> = $table::table
            .select(<$row>::as_select())
            .load::<$row>($conn)?
            .into_iter()
            .collect();
        let wanted: HashSet<&$row> = rows.iter().collect();
        let mut mirrored = Mirrored::default();
        let mut owners: BTreeSet<String> = BTreeSet::new();
        for row in &stored {
            if !wanted.contains(row) {
                mirrored.deleted += 1;
                owners.insert(row.$owner.clone());
            }
        }
        for row in rows {
            if !stored.contains(row) {
                mirrored.inserted += 1;
                owners.insert(row.$owner.clone());
            }
        }
        mirrored.changed = owners.into_iter().collect();
        for ids in mirrored.changed.chunks(ROWS_PER_STATEMENT) {
            diesel::delete($table::table.filter($table::$owner.eq_any(ids))).execute($conn)?;
        }
        let changed: HashSet<&str> = mirrored.changed.iter().map(String::as_str).collect();
        let rewrite: Vec<&$row> = rows
            .iter()
            .filter(|row| changed.contains(row.$owner.as_str()))
            .collect();
        for chunk in rewrite.chunks(ROWS_PER_STATEMENT) {
            diesel::insert_into($table::table)
                .values(chunk.iter().copied().cloned().collect::<Vec<$row>>())
                .execute($conn)?;
        }
        mirrored
    }};
}

/// `relate!` for each relation of the snapshot that is `Some`, pushing `(table name, counts)`.
macro_rules! relate_some {
    ($conn:expr, $results:expr, $($rows:expr => $table:ident($owner:ident): $row:ty),+ $(,)?) => {$(
        if let Some(rows) = $rows {
            $results.push((stringify!($table), relate!($conn, $table, $owner, $row, &rows)));
        }
    )+};
}

/// Writes the snapshot, the rejected records, the per-entity counts and the run's status in
/// ONE transaction, then returns the status. On error nothing is written (the caller records
/// the failure with [`extract_runs::record_failure`]).
pub fn publish(conn: &mut PgConnection, run_id: i64, snapshot: Snapshot) -> Result<Published> {
    conn.transaction(|conn| {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<BigInt, _>(STAGING_WRITE_LOCK_KEY)
            .execute(conn)?;
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

        let mut results: Vec<(&str, Mirrored)> = Vec::new();
        mirror_some!(conn, results,
            rockets => rocket [
                name, type_, active, company, country, description, wikipedia, first_flight,
                cost_per_launch, success_rate_pct,
            ],
            missions => mission [name, description, manufacturers, wikipedia, website, twitter],
            capsules => capsule [type_, status, landings, reuse_count, original_launch],
            cores => core [
                block, status, original_launch, reuse_count, rtls_attempts, rtls_landings,
                asds_attempts, asds_landings, water_landing,
            ],
            dragons => dragon [
                name, type_, active, crew_capacity, description, dry_mass_kg, first_flight,
                orbit_duration_yr, sidewall_angle_deg, wikipedia, diameter_meters,
                height_w_trunk_meters, heat_shield_material, heat_shield_size_meters,
                heat_shield_temp_degrees, heat_shield_dev_partner, launch_payload_mass_kg,
                return_payload_mass_kg,
            ],
            histories => history [
                title, details, event_date_utc, event_date_unix, links_article, links_reddit,
                links_wikipedia,
            ],
            landpads => landpad [
                full_name, status, landing_type, attempted_landings, successful_landings,
                details, wikipedia, location_name, location_region, location_latitude,
                location_longitude,
            ],
            launchpads => launchpad [
                name, status, attempted_launches, successful_launches, details, wikipedia,
                location_name, location_region, location_latitude, location_longitude,
            ],
            payloads => payload [
                payload_type, manufacturer, nationality, customers, norad_id, orbit,
                payload_mass_kg, payload_mass_lbs, reused, orbit_params_regime,
                orbit_params_reference_system, orbit_params_periapsis_km,
                orbit_params_apoapsis_km, orbit_params_inclination_deg, orbit_params_period_min,
            ],
            ships => ship [
                name, model, type_, roles, active, status, home_port, year_built, imo, mmsi,
                abs, class, weight_kg, weight_lbs, speed_kn, course_deg, successful_landings,
                attempted_landings, url, image, position_latitude, position_longitude,
            ],
            companies => company [
                name, founder, founded, employees, vehicles, launch_sites, test_sites, ceo, cto,
                coo, cto_propulsion, valuation, summary, headquarters_address,
                headquarters_city, headquarters_state, links_website, links_flickr,
                links_twitter, links_elon_twitter,
            ],
            roadsters => roadster [
                name, details, wikipedia, launch_date_utc, launch_date_unix, launch_mass_kg,
                norad_id, orbit_type, period_days, speed_kph, earth_distance_km,
                mars_distance_km,
            ],
        );
        if let Some(rows) = launches {
            let m = mirror!(
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
            rewrite_launch_children(conn, &m.changed, &rows)?;
            results.push(("launch", m));
        }
        // Relations after their owners: rows of vanished owners are gone by cascade already.
        relate_some!(conn, results,
            launch_ships => launch_ship(launch_id): NewLaunchShip,
            launch_cores => launch_core(launch_id): NewLaunchCore,
            launch_payloads => launch_payload(launch_id): NewLaunchPayload,
            launch_sites => launch_site(launch_id): NewLaunchSite,
            mission_payloads => mission_payload(mission_id): NewMissionPayload,
            capsule_missions => capsule_mission(capsule_id): NewCapsuleMission,
            core_missions => core_mission(core_id): NewCoreMission,
            ship_missions => ship_mission(ship_id): NewShipMission,
        );

        for chunk in refused.chunks(ROWS_PER_STATEMENT) {
            diesel::insert_into(rejected::table)
                .values(chunk)
                .execute(conn)?;
        }

        let mut rows_changed = 0i64;
        for (entity, m) in &results {
            rows_changed += i64::from(m.inserted + m.updated + m.deleted);
            if let Some(report) = entities.iter_mut().find(|e| e.entity == *entity) {
                report.inserted = m.inserted;
                report.updated = m.updated;
                report.deleted = m.deleted;
            }
        }
        diesel::insert_into(extract_run_entity::table)
            .values(&entities)
            .execute(conn)?;

        let failed: Vec<String> = entities
            .iter()
            .filter_map(|e| e.error.as_ref().map(|err| format!("{}: {err}", e.entity)))
            .collect();
        let status = if failed.is_empty() {
            RunStatus::Succeeded
        } else if results.is_empty() {
            RunStatus::Failed
        } else {
            RunStatus::Partial
        };
        let error = (!failed.is_empty()).then(|| failed.join("\n"));
        let references = count_unresolved(conn, run_id)?;
        extract_runs::finish(conn, run_id, status, rows_changed, error.as_deref())?;
        Ok(Published {
            status,
            rows_changed,
            references,
        })
    })
}

/// Replaces the `launch_mission` and `launch_link` rows of the launches in `changed`
/// (new or modified); unchanged launches keep theirs untouched.
fn rewrite_launch_children(
    conn: &mut PgConnection,
    changed: &[String],
    rows: &LaunchRows,
) -> Result<()> {
    if changed.is_empty() {
        return Ok(());
    }
    for ids in changed.chunks(ROWS_PER_STATEMENT) {
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
