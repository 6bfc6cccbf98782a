//! `staging.extract_run`: the extractor lock and the unchanged check ([`claim`]), opening a
//! run, recording a failed one, reading them back.
use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Double, Nullable, Text, Timestamptz};

use db_models::models::{ExtractRun, ExtractRunEntity, RunStatus};
use db_models::schema::staging::{extract_run, extract_run_entity};

use crate::error::one_line;
use crate::{Database, PgPooled, Result};

/// Advisory lock key held for a whole extractor run: one extractor works, others skip.
const EXTRACT_RUN_LOCK_KEY: i64 = 0x6772_6578_7472;

/// Proof that this process is the only extractor running. Holds a session-level advisory lock
/// on its own connection; dropping it (or the process dying) releases the lock.
pub struct RunLock {
    conn: PgPooled,
}

impl Drop for RunLock {
    fn drop(&mut self) {
        unlock(&mut self.conn);
    }
}

/// Releases the extractor lock held by this connection's session, if it holds it.
fn unlock(conn: &mut PgConnection) {
    let unlocked = diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<BigInt, _>(EXTRACT_RUN_LOCK_KEY)
        .execute(conn);
    if let Err(error) = unlocked {
        // The connection is probably gone, and the lock with it.
        log::debug!("Releasing the extractor lock failed: {error}");
    }
}

impl RunLock {
    /// The connection holding the lock: the run's bookkeeping uses it rather than checking
    /// out another one (each checkout costs a liveness round trip).
    pub fn connection(&mut self) -> &mut PgConnection {
        &mut self.conn
    }
}

/// Takes the extractor lock if no other extractor holds it; `None` if one does. (The
/// extractor takes it with [`claim`]; this is for holding it by hand.)
pub fn try_lock(database: &Database) -> Result<Option<RunLock>> {
    #[derive(QueryableByName)]
    struct Locked {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        locked: bool,
    }
    let mut conn = database.connection()?;
    let locked: Locked = diesel::sql_query("SELECT pg_try_advisory_lock($1) AS locked")
        .bind::<BigInt, _>(EXTRACT_RUN_LOCK_KEY)
        .get_result(&mut conn)?;
    Ok(locked.locked.then_some(RunLock { conn }))
}

/// Marks runs still `running` as failed: with the lock held, no other extractor is running,
/// so they belong to a process that died (SIGKILL, crash, power loss) before finishing.
pub fn close_interrupted(lock: &mut RunLock) -> Result<usize> {
    Ok(
        diesel::update(extract_run::table.filter(extract_run::status.eq(RunStatus::Running)))
            .set((
                extract_run::status.eq(RunStatus::Failed),
                extract_run::error.eq("interrupted: the extractor stopped before the run finished"),
            ))
            .execute(lock.connection())?,
    )
}

/// Opens a run (status `running`) and returns its id. Committed at once, so a crash leaves a
/// visible trace (`running` with no `finished_at`).
pub fn start(conn: &mut PgConnection) -> Result<i64> {
    start_after(conn, Duration::ZERO)
}

/// The same for a run whose fetch took `fetching` before its row could be opened (the lock
/// is taken after the fetch): it started that long ago.
pub fn start_after(conn: &mut PgConnection, fetching: Duration) -> Result<i64> {
    #[derive(QueryableByName)]
    struct Opened {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let opened: Opened = diesel::sql_query(
        "INSERT INTO staging.extract_run (started_at)
         VALUES (now() - make_interval(secs => $1)) RETURNING id",
    )
    .bind::<Double, _>(fetching.as_secs_f64())
    .get_result(conn)?;
    Ok(opened.id)
}

/// Unchanged checks this extractor made but has not written yet: the heartbeat writes them in
/// batches (see [`claim`]). Kept in memory between timer ticks; what a stopping extractor has
/// not written yet is not counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnrecordedChecks {
    /// The loading run they found staging still held.
    pub run_id: Option<i64>,
    /// How many.
    pub count: i64,
    /// The database's clock at the last of them.
    pub last_at: Option<DateTime<Utc>>,
}

/// What [`claim`] found.
pub enum Claim {
    /// Another extractor holds the lock (it is loading, or checking): nothing written.
    Busy,
    /// The upstream serves exactly what staging holds; the lock is released again.
    Unchanged {
        /// The run that loaded staging, which the check is counted on.
        loaded_by: i64,
        /// The check was written (with the ones not written before): the heartbeat was due.
        recorded: bool,
    },
    /// Something to load (a fingerprint differs, an entity was never loaded, or the fetch was
    /// incomplete): the lock is held, for the whole load.
    Load(RunLock),
}

/// After a fetch, in one statement (an idle timer tick's only one): takes the extractor lock,
/// compares the fetch with what staging was loaded from, and either keeps the lock for the
/// load or releases it and records the check, if the heartbeat is due.
///
/// `fingerprints` are the `(entity, fingerprint)` pairs of a complete fetch (`None`: the fetch
/// was incomplete or cancelled, the run loads what it got). When every fingerprint equals the
/// one of the run that last loaded that entity, staging already holds exactly what the
/// upstream serves: the check is counted on the latest loading run (`unchanged_checks`,
/// `last_checked_at`), but only when nothing was recorded for `heartbeat` (a check, or the end
/// of a run that loaded the launches, judged as `/readyz` judges freshness): otherwise it is
/// added to `unrecorded` and the statement writes nothing. The end of a load counts as a
/// check because it is one, and the one `/readyz` already reads ("current at" its
/// `finished_at`): a check written right after it would tell the database nothing new, so
/// the idle ticks after a load write nothing either. Unrecorded checks are written with
/// the next recorded one, or, counted on the run they confirmed, as soon as that run is no
/// longer the latest loading run or a load follows. `unrecorded` is updated to match.
///
/// With the lock taken after the fetch, a second extractor fetches in vain but writes nothing:
/// it finds the lock held (`Busy`), or, once the first one finished, the data it loaded.
pub fn claim(
    database: &Database,
    fingerprints: Option<&[(&str, String)]>,
    heartbeat: Duration,
    unrecorded: &mut UnrecordedChecks,
) -> Result<Claim> {
    #[derive(QueryableByName)]
    struct Claimed {
        #[diesel(sql_type = Bool)]
        locked: bool,
        #[diesel(sql_type = Bool)]
        unchanged: bool,
        #[diesel(sql_type = Nullable<BigInt>)]
        loaded_by: Option<i64>,
        #[diesel(sql_type = Bool)]
        due: bool,
        #[diesel(sql_type = Timestamptz)]
        checked_at: DateTime<Utc>,
    }
    let complete = fingerprints.is_some();
    let (entities, fingerprints): (Vec<&str>, Vec<&str>) = fingerprints
        .unwrap_or_default()
        .iter()
        .map(|(entity, fingerprint)| (*entity, fingerprint.as_str()))
        .unzip();
    let mut conn = database.connection()?;
    let claimed: QueryResult<Claimed> = diesel::sql_query(CLAIM_SQL)
        .bind::<BigInt, _>(EXTRACT_RUN_LOCK_KEY)
        .bind::<Bool, _>(complete)
        .bind::<Array<Text>, _>(entities)
        .bind::<Array<Text>, _>(fingerprints)
        .bind::<Double, _>(heartbeat.as_secs_f64())
        .bind::<Nullable<BigInt>, _>(unrecorded.run_id)
        .bind::<BigInt, _>(unrecorded.count)
        .bind::<Nullable<Timestamptz>, _>(unrecorded.last_at)
        .get_result(&mut conn);
    let claimed = match claimed {
        Ok(claimed) => claimed,
        Err(error) => {
            // The statement may have failed after taking the lock, which a rollback does not
            // release (session-level): release it, or the pooled connection would keep it.
            unlock(&mut conn);
            return Err(error.into());
        }
    };
    match claimed {
        Claimed { locked: false, .. } => Ok(Claim::Busy),
        Claimed {
            unchanged: true,
            loaded_by: Some(loaded_by),
            due,
            checked_at,
            ..
        } => {
            *unrecorded = if due {
                UnrecordedChecks {
                    run_id: Some(loaded_by),
                    ..UnrecordedChecks::default()
                }
            } else {
                // Those before, of another run, were just written.
                let before = if unrecorded.run_id == Some(loaded_by) {
                    unrecorded.count
                } else {
                    0
                };
                UnrecordedChecks {
                    run_id: Some(loaded_by),
                    count: before + 1,
                    last_at: Some(checked_at),
                }
            };
            Ok(Claim::Unchanged {
                loaded_by,
                recorded: due,
            })
        }
        Claimed { .. } => {
            // Written on the run they confirmed.
            unrecorded.count = 0;
            unrecorded.last_at = None;
            Ok(Claim::Load(RunLock { conn }))
        }
    }
}

/// See [`claim`]. Parameters: lock key, complete fetch, entities, fingerprints, heartbeat in
/// seconds, the unrecorded checks' run, count and last time.
///
/// The lock is taken first (`verdict` reads it; the update and the release depend on it), and
/// released in the same statement when nothing changed. The comparison reads the statement's
/// snapshot, taken just before the lock: should another extractor commit a load and release
/// the lock in that instant, this one compares with the run before and either finds its fetch
/// unchanged against it (and loads nothing) or loads again what staging already holds (a run
/// that changes no row). A run that wrote staging is `succeeded` or `partial`; within it, an
/// entity whose rows it loaded is `succeeded`, and a best-effort entity the upstream could not
/// serve is `unavailable` with the fingerprint of that answer (an unchanged answer leaves
/// staging as it is; one that serves it again differs). Entities at fault store none.
const CLAIM_SQL: &str = "
    WITH lock AS MATERIALIZED (
        SELECT pg_try_advisory_lock($1) AS locked
    ), loaded AS MATERIALIZED (
        SELECT max(id) AS run_id FROM staging.extract_run
        WHERE status IN ('succeeded', 'partial')
    ), verdict AS MATERIALIZED (
        SELECT lock.locked,
               loaded.run_id AS loaded_by,
               $2 AND loaded.run_id IS NOT NULL AND NOT EXISTS (
                   SELECT 1
                   FROM unnest($3::text[], $4::text[]) AS fetched (entity, fingerprint)
                   WHERE fetched.fingerprint IS DISTINCT FROM (
                       SELECT loaded.fingerprint
                       FROM staging.extract_run_entity loaded
                       JOIN staging.extract_run loading ON loading.id = loaded.run_id
                       WHERE loaded.entity = fetched.entity
                         AND loaded.status IN ('succeeded', 'unavailable')
                         AND loaded.fingerprint IS NOT NULL
                         AND loading.status IN ('succeeded', 'partial')
                       ORDER BY loaded.run_id DESC
                       LIMIT 1)) AS unchanged,
               -- Recorded recently: staging.freshness, which /readyz reads (or, while no run
               -- loaded the launches, the end of the latest loading run), is younger than the
               -- heartbeat.
               (coalesce(freshness.current_at,
                         greatest(freshness.last_checked_at,
                                  (SELECT finished_at FROM staging.extract_run
                                   WHERE id = loaded.run_id)))
                    > now() - make_interval(secs => $5)) IS NOT TRUE AS due
        FROM lock, loaded, staging.freshness
    ), recorded AS (
        UPDATE staging.extract_run run
        SET unchanged_checks = run.unchanged_checks
                + CASE WHEN run.id = $6 THEN $7 ELSE 0 END
                + CASE WHEN run.id = verdict.loaded_by AND verdict.unchanged AND verdict.due
                       THEN 1 ELSE 0 END,
            last_checked_at =
                CASE WHEN run.id = verdict.loaded_by AND verdict.unchanged AND verdict.due
                     THEN now()
                     ELSE greatest(run.last_checked_at, $8) END
        FROM verdict
        WHERE verdict.locked
          AND ((run.id = verdict.loaded_by AND verdict.unchanged AND verdict.due)
               OR (run.id = $6 AND $7 > 0
                   AND (verdict.due OR NOT verdict.unchanged
                        OR verdict.loaded_by IS DISTINCT FROM $6)))
    )
    SELECT verdict.locked, verdict.unchanged, verdict.loaded_by, verdict.due,
           now() AS checked_at,
           CASE WHEN verdict.locked AND verdict.unchanged THEN pg_advisory_unlock($1) END
               AS released
    FROM verdict";

/// Records a run that wrote nothing to staging: its status (`failed`, or `cancelled` when a
/// shutdown signal stopped it), the cause, and the per-entity outcomes known so far.
pub fn record_failure(
    conn: &mut PgConnection,
    run_id: i64,
    status: RunStatus,
    error: &str,
    entities: &[ExtractRunEntity],
) -> Result<()> {
    let entities: Vec<ExtractRunEntity> = entities
        .iter()
        .map(|report| ExtractRunEntity {
            error: report.error.as_deref().map(one_line),
            ..report.clone()
        })
        .collect();
    conn.transaction(|conn| {
        diesel::insert_into(extract_run_entity::table)
            .values(&entities)
            .on_conflict_do_nothing()
            .execute(conn)?;
        finish(conn, run_id, status, 0, Some(error))
    })
}

/// Closes a run; its error bounded to one line.
pub(crate) fn finish(
    conn: &mut PgConnection,
    run_id: i64,
    status: RunStatus,
    rows_changed: i64,
    error: Option<&str>,
) -> Result<()> {
    diesel::update(extract_run::table.find(run_id))
        .set((
            extract_run::status.eq(status),
            // The clock, not the start of the publishing transaction: the run's real end.
            extract_run::finished_at.eq(diesel::dsl::sql::<Nullable<Timestamptz>>(
                "clock_timestamp()",
            )),
            extract_run::rows_changed.eq(rows_changed),
            extract_run::error.eq(error.map(one_line)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The run with the highest id, if any.
pub fn latest(conn: &mut PgConnection) -> Result<Option<ExtractRun>> {
    Ok(extract_run::table
        .order(extract_run::id.desc())
        .select(ExtractRun::as_select())
        .first(conn)
        .optional()?)
}

/// The per-entity outcomes of a run, by entity name.
pub fn entities(conn: &mut PgConnection, run_id: i64) -> Result<Vec<ExtractRunEntity>> {
    Ok(extract_run_entity::table
        .filter(extract_run_entity::run_id.eq(run_id))
        .order(extract_run_entity::entity)
        .select(ExtractRunEntity::as_select())
        .load(conn)?)
}

/// Per entity, the records fetched by the last run that loaded it: what the extractor's
/// progress line estimates a long fetch against (the API gives no totals).
pub fn last_fetched(conn: &mut PgConnection) -> Result<std::collections::HashMap<String, i64>> {
    let counts: Vec<(String, i32)> = extract_run_entity::table
        .filter(extract_run_entity::status.eq("succeeded"))
        .order((
            extract_run_entity::entity,
            extract_run_entity::run_id.desc(),
        ))
        .distinct_on(extract_run_entity::entity)
        .select((extract_run_entity::entity, extract_run_entity::fetched))
        .load(conn)?;
    Ok(counts
        .into_iter()
        .map(|(entity, fetched)| (entity, i64::from(fetched)))
        .collect())
}
