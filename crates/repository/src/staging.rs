//! Publishing one extraction into `staging`, in one transaction.
use std::collections::HashSet;

use diesel::dsl::sql;
use diesel::pg::upsert::excluded;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};

use db_models::models::{
    ExtractRunEntity, NewLaunch, NewLaunchLink, NewLaunchMission, NewMission, NewRejected,
    NewRocket, RunStatus,
};
use db_models::schema::staging::{
    extract_run_entity, launch, launch_link, launch_mission, mission, rejected, rocket,
};

use crate::{extract_runs, Result};

/// Rows per INSERT statement: Postgres allows 65 535 bind parameters per statement, and the
/// widest table has 14 columns.
const ROWS_PER_STATEMENT: usize = 1_000;

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

/// Everything one run publishes. `None` for an entity means its fetch failed: its tables are
/// left exactly as they are.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Launches, or `None` to keep the previous ones.
    pub launches: Option<LaunchRows>,
    /// Missions, or `None` to keep the previous ones.
    pub missions: Option<Vec<NewMission>>,
    /// Rockets, or `None` to keep the previous ones.
    pub rockets: Option<Vec<NewRocket>>,
    /// Records refused by validation or as duplicates.
    pub rejected: Vec<NewRejected>,
    /// Per-entity outcomes; the write fills in `inserted`, `updated` and `deleted`.
    pub entities: Vec<ExtractRunEntity>,
}

/// What the publish changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Published {
    /// The run's final status.
    pub status: RunStatus,
    /// Rows inserted, updated or deleted over all entity tables.
    pub rows_changed: i64,
}

/// Counts of one mirrored table.
#[derive(Debug, Default)]
struct Mirrored {
    /// Ids inserted or changed (their child rows must be rewritten).
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
            rejected: refused,
            mut entities,
        } = snapshot;

        let mut results: Vec<(&str, Mirrored)> = Vec::new();
        if let Some(rows) = rockets {
            let m = mirror!(
                conn,
                rocket,
                &rows,
                [
                    name,
                    type_,
                    active,
                    company,
                    country,
                    description,
                    wikipedia,
                    first_flight,
                    cost_per_launch,
                    success_rate_pct
                ]
            );
            results.push(("rocket", m));
        }
        if let Some(rows) = missions {
            let m = mirror!(
                conn,
                mission,
                &rows,
                [
                    name,
                    description,
                    manufacturers,
                    wikipedia,
                    website,
                    twitter
                ]
            );
            results.push(("mission", m));
        }
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
        extract_runs::finish(conn, run_id, status, rows_changed, error.as_deref())?;
        Ok(Published {
            status,
            rows_changed,
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

/// Row counts from diesel are `usize`; the run tables store `integer`.
fn count(rows: usize) -> i32 {
    i32::try_from(rows).unwrap_or(i32::MAX)
}
