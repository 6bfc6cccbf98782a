//! `staging.extract_run`: opening a run, recording a failed one, reading them back.
use diesel::prelude::*;
use diesel::sql_types::{Array, Text};

use db_models::models::{ExtractRun, ExtractRunEntity, RunStatus};
use db_models::schema::staging::{extract_run, extract_run_entity};

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
        let unlocked = diesel::sql_query("SELECT pg_advisory_unlock($1)")
            .bind::<diesel::sql_types::BigInt, _>(EXTRACT_RUN_LOCK_KEY)
            .execute(&mut self.conn);
        if let Err(error) = unlocked {
            // The connection is probably gone, and the lock with it.
            log::debug!("Releasing the extractor lock failed: {error}");
        }
    }
}

impl RunLock {
    /// The connection holding the lock: the run's bookkeeping uses it rather than checking
    /// out another one (each checkout costs a liveness round trip).
    pub fn connection(&mut self) -> &mut PgConnection {
        &mut self.conn
    }
}

/// Takes the extractor lock if no other extractor holds it; `None` if one does.
pub fn try_lock(database: &Database) -> Result<Option<RunLock>> {
    #[derive(QueryableByName)]
    struct Locked {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        locked: bool,
    }
    let mut conn = database.connection()?;
    let locked: Locked = diesel::sql_query("SELECT pg_try_advisory_lock($1) AS locked")
        .bind::<diesel::sql_types::BigInt, _>(EXTRACT_RUN_LOCK_KEY)
        .get_result(&mut conn)?;
    Ok(locked.locked.then_some(RunLock { conn }))
}

/// Marks runs still `running` as failed: with the lock held, no other extractor is running,
/// so they belong to a process that died (SIGKILL, crash, power loss) before finishing.
pub fn close_interrupted(lock: &mut RunLock) -> Result<usize> {
    Ok(
        diesel::update(extract_run::table.filter(extract_run::status.eq("running")))
            .set((
                extract_run::status.eq(RunStatus::Failed.as_str()),
                extract_run::error.eq("interrupted: the extractor stopped before the run finished"),
            ))
            .execute(lock.connection())?,
    )
}

/// Opens a run (status `running`) and returns its id. Committed at once, so a crash leaves a
/// visible trace (`running` with no `finished_at`).
pub fn start(conn: &mut PgConnection) -> Result<i64> {
    Ok(diesel::insert_into(extract_run::table)
        .default_values()
        .returning(extract_run::id)
        .get_result(conn)?)
}

/// Records a check that found the upstream unchanged, if it did: when every entity's
/// `fingerprint` (`(entity, fingerprint)` pairs of a complete fetch) equals the one of the run
/// that last loaded that entity, staging already holds exactly what the upstream serves. Then
/// the latest loading run counts the check (`unchanged_checks`, `last_checked_at`) and its id
/// is returned; nothing else is written. `None`: something changed (or was never loaded), and
/// nothing was written. One statement, so an unchanged upstream costs one small transaction.
pub fn confirm_unchanged(
    conn: &mut PgConnection,
    fingerprints: &[(&str, String)],
) -> Result<Option<i64>> {
    #[derive(QueryableByName)]
    struct Confirmed {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let (entities, fingerprints): (Vec<&str>, Vec<&str>) = fingerprints
        .iter()
        .map(|(entity, fingerprint)| (*entity, fingerprint.as_str()))
        .unzip();
    let confirmed: Option<Confirmed> = diesel::sql_query(CONFIRM_UNCHANGED_SQL)
        .bind::<Array<Text>, _>(entities)
        .bind::<Array<Text>, _>(fingerprints)
        .get_result(conn)
        .optional()?;
    Ok(confirmed.map(|run| run.id))
}

/// See [`confirm_unchanged`]. A run that wrote staging is `succeeded` or `partial`; within
/// it, an entity whose rows it loaded is `succeeded`.
const CONFIRM_UNCHANGED_SQL: &str = "
    UPDATE staging.extract_run run
    SET unchanged_checks = run.unchanged_checks + 1, last_checked_at = now()
    WHERE run.id = (SELECT max(id) FROM staging.extract_run
                    WHERE status IN ('succeeded', 'partial'))
      AND NOT EXISTS (
          SELECT 1
          FROM unnest($1::text[], $2::text[]) AS fetched (entity, fingerprint)
          WHERE fetched.fingerprint IS DISTINCT FROM (
              SELECT loaded.fingerprint
              FROM staging.extract_run_entity loaded
              JOIN staging.extract_run loading ON loading.id = loaded.run_id
              WHERE loaded.entity = fetched.entity
                AND loaded.status = 'succeeded'
                AND loading.status IN ('succeeded', 'partial')
              ORDER BY loaded.run_id DESC
              LIMIT 1))
    RETURNING run.id";

/// Records a run that wrote nothing to staging: status `failed`, the cause, and the
/// per-entity outcomes known so far.
pub fn record_failure(
    conn: &mut PgConnection,
    run_id: i64,
    error: &str,
    entities: &[ExtractRunEntity],
) -> Result<()> {
    conn.transaction(|conn| {
        diesel::insert_into(extract_run_entity::table)
            .values(entities)
            .on_conflict_do_nothing()
            .execute(conn)?;
        finish(conn, run_id, RunStatus::Failed, 0, Some(error))
    })
}

/// Closes a run.
pub(crate) fn finish(
    conn: &mut PgConnection,
    run_id: i64,
    status: RunStatus,
    rows_changed: i64,
    error: Option<&str>,
) -> Result<()> {
    diesel::update(extract_run::table.find(run_id))
        .set((
            extract_run::status.eq(status.as_str()),
            extract_run::finished_at.eq(diesel::dsl::now),
            extract_run::rows_changed.eq(rows_changed),
            extract_run::error.eq(error),
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
