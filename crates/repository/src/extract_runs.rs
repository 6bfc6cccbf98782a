//! `staging.extract_run`: opening a run, recording a failed one, reading them back.
use diesel::prelude::*;

use db_models::models::{ExtractRun, ExtractRunEntity, RunStatus};
use db_models::schema::staging::{extract_run, extract_run_entity};

use crate::Result;

/// Opens a run (status `running`) and returns its id. Committed at once, so a crash leaves a
/// visible trace (`running` with no `finished_at`).
pub fn start(conn: &mut PgConnection) -> Result<i64> {
    Ok(diesel::insert_into(extract_run::table)
        .default_values()
        .returning(extract_run::id)
        .get_result(conn)?)
}

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
