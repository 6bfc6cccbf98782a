//! Writing a run to staging, through `repository`.
use std::time::Duration;

use db_models::models::{ExtractRunEntity, RunStatus};
use repository::extract_runs::{Claim, RunLock, UnrecordedChecks};
use repository::staging::{Entity, Published, Staging};
use repository::{extract_runs, Database};
use service::Outcome;

/// After the fetch, in one statement: takes the extractor lock and compares the fetch with
/// what staging was loaded from; records the check if the heartbeat is due (see
/// [`extract_runs::claim`]).
pub fn claim(
    database: &Database,
    fingerprints: Option<&[(&str, String)]>,
    heartbeat: Duration,
    unrecorded: &mut UnrecordedChecks,
) -> repository::Result<Claim> {
    extract_runs::claim(database, fingerprints, heartbeat, unrecorded)
}

/// Closes runs left `running` by a process that died (the lock proves none is alive), and
/// opens this run's row in `staging.extract_run`, started when its fetch did (`fetching`
/// ago). On the lock's connection.
pub fn open_run(lock: &mut RunLock, fetching: Duration) -> repository::Result<i64> {
    let interrupted = extract_runs::close_interrupted(lock)?;
    if interrupted > 0 {
        log::warn!(
            "Marked {interrupted} extract run(s) left running by a stopped extractor as failed."
        );
    }
    extract_runs::start_after(lock.connection(), fetching)
}

/// Publishes the run in one transaction, `load` writing the entities (see
/// [`repository::staging::publish_with`]; `required`: the entities whose unavailability
/// faults the run); `entities` are the per-entity reports. If that fails, nothing was written
/// and the run is recorded as failed with the cause.
pub fn publish(
    database: &Database,
    run_id: i64,
    entities: &mut [ExtractRunEntity],
    required: &[Entity],
    load: impl FnOnce(&mut Staging<'_>) -> repository::Result<()>,
) -> repository::Result<Published> {
    let result = database.connection().and_then(|mut conn| {
        repository::staging::publish_with(&mut conn, run_id, entities, required, load)
    });
    if let Err(error) = &result {
        record_failure(
            database,
            run_id,
            RunStatus::Failed,
            &format!("writing staging failed: {error}"),
            entities,
        );
    }
    result
}

/// Closes a run that wrote nothing as `status` (`failed` or `cancelled`). Best effort: the
/// database may be the thing that failed.
pub fn record_failure(
    database: &Database,
    run_id: i64,
    status: RunStatus,
    error: &str,
    entities: &[ExtractRunEntity],
) {
    let recorded = database.connection().and_then(|mut conn| {
        extract_runs::record_failure(&mut conn, run_id, status, error, entities)
    });
    if let Err(record_error) = recorded {
        log::error!(
            "Could not record extract run {run_id} as {}: {record_error}",
            status.as_str()
        );
    }
}

/// The service outcome (and `--once` exit code) of a run status.
pub fn outcome(status: RunStatus) -> Outcome {
    match status {
        RunStatus::Succeeded => Outcome::Succeeded,
        RunStatus::Partial => Outcome::Partial,
        RunStatus::Cancelled => Outcome::Cancelled,
        RunStatus::Failed | RunStatus::Running => Outcome::Failed,
    }
}
