//! Building and reading the marts.
use std::sync::LazyLock;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::result::DatabaseErrorKind;
use diesel::sql_types::{BigInt, Bool, Double, Nullable, Text};
use sha2::{Digest, Sha256};

pub use db_models::models::BuildMode;
use db_models::models::{
    BuildRun, BuildStatus, CheckName, CheckResult, CheckSeverity, CheckStatus, Publication,
    PublicationByObject,
};
use db_models::schema::marts::{build_run, check_result, publication, publication_by_object};

use crate::{Error, Result};

/// Rebuilds the publication marts from staging alone ([`BuildMode::Full`]).
const FULL_BUILD_SQL: &str = concat!(
    include_str!("marts/publication_prepare.sql"),
    include_str!("marts/publication_full.sql"),
    include_str!("marts/publication_summary.sql"),
    include_str!("marts/publication_history.sql"),
);
/// Brings the publication marts up to date from the previous build
/// ([`BuildMode::Incremental`]; see the comments in the file for the setting it reads).
const INCREMENTAL_BUILD_SQL: &str = concat!(
    include_str!("marts/publication_prepare.sql"),
    include_str!("marts/publication_incremental.sql"),
    include_str!("marts/publication_summary.sql"),
    include_str!("marts/publication_history.sql"),
);
/// Data-quality checks; one row per check ([`CheckRow`]).
const CHECK_PUBLICATION_SQL: &str = include_str!("marts/publication_checks.sql");

/// The `mart` value of the publication marts in `marts.build_run`.
pub const PUBLICATION_MART: &str = "publication";

/// The default of [`BuildSettings::row_count_change_warn`].
pub const DEFAULT_ROW_COUNT_CHANGE_WARN: f64 = 0.5;

/// What a build takes from the configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BuildSettings {
    /// The share of an entity's row count in the previous build by which it may change before
    /// the `row_count_change` check warns (`martmaker.row_count_change_warn`).
    pub row_count_change_warn: f64,
}

impl Default for BuildSettings {
    fn default() -> Self {
        BuildSettings {
            row_count_change_warn: DEFAULT_ROW_COUNT_CHANGE_WARN,
        }
    }
}

/// Advisory lock key of the publication build: a second martmaker skips instead of racing.
const PUBLICATION_BUILD_LOCK_KEY: i64 = 0x6772_6d61_7274;

/// What a refresh did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refresh {
    /// Staging did not change since the last successful build: nothing written.
    Unchanged {
        /// The extract run the current marts were built from.
        source_run_id: Option<i64>,
    },
    /// Another process is building right now: nothing written.
    Busy,
    /// No extract run has loaded the launches yet: nothing to build from, nothing written
    /// (marts of an empty staging would read as data: zeros).
    AwaitingData,
    /// New marts published.
    Built {
        /// The `marts.build_run` id.
        build_id: i64,
        /// The extract run they were built from.
        source_run_id: Option<i64>,
        /// Everything recomputed, or only what changed since the previous build.
        mode: BuildMode,
        /// Launches whose row was recomputed (inserted, changed or vanished since).
        launches_recounted: i64,
        /// Rows in `marts.publication` (always 3).
        publication_rows: i64,
        /// Rows in `marts.publication_by_object`.
        object_rows: i64,
        /// The `warn` checks that did not pass (recorded in `marts.check_result`).
        warnings: Vec<CheckResult>,
    },
    /// The build or its checks failed: the previous marts stay published.
    Failed {
        /// The `marts.build_run` id.
        build_id: i64,
        /// The SQL error or the failed checks.
        error: String,
    },
}

/// The fingerprint of the build stored with each build: an incremental build only continues
/// one made the same way (a changed rule must recount everything). The way is the build's SQL
/// and the schema it reads, including the views that define what an object counts, so the
/// fingerprint covers both SQL texts and the names of the migrations (a landed migration is
/// never edited: a change to the schema is a new name).
static DEFINITION: LazyLock<String> = LazyLock::new(|| {
    let mut hasher = Sha256::new();
    hasher.update(FULL_BUILD_SQL);
    hasher.update(INCREMENTAL_BUILD_SQL);
    for migration in crate::database::migration_names() {
        hasher.update(migration);
    }
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
});

/// The extract run to count changes from, read inside the build's snapshot: the source run of
/// the last successful build, when that build was made by the same SQL and was the last one
/// attempted before `build_id` (no failed or interrupted build since). `None`: a full build.
fn incremental_base(conn: &mut PgConnection, build_id: i64) -> QueryResult<Option<i64>> {
    let Some(last) = last_successful(conn)? else {
        return Ok(None);
    };
    let attempted_since: bool = diesel::select(diesel::dsl::exists(
        build_run::table
            .filter(build_run::mart.eq(PUBLICATION_MART))
            .filter(build_run::id.gt(last.id))
            .filter(build_run::id.lt(build_id)),
    ))
    .get_result(conn)?;
    Ok(
        (!attempted_since && last.definition.as_deref() == Some(DEFINITION.as_str()))
            // A build from an empty staging had no source run: everything counts as changed.
            .then(|| last.source_run_id.unwrap_or(0)),
    )
}

#[derive(QueryableByName)]
struct Built {
    #[diesel(sql_type = BigInt)]
    object_rows: i64,
    #[diesel(sql_type = BigInt)]
    publication_rows: i64,
    #[diesel(sql_type = BigInt)]
    launches_recounted: i64,
}

/// One row of `publication_checks.sql`.
#[derive(QueryableByName)]
struct CheckRow {
    #[diesel(sql_type = Text)]
    check_name: String,
    #[diesel(sql_type = Bool)]
    passed: bool,
    #[diesel(sql_type = Text)]
    observed: String,
    #[diesel(sql_type = Text)]
    expected: String,
    /// A few offending ids.
    #[diesel(sql_type = Nullable<Text>)]
    examples: Option<String>,
}

impl CheckRow {
    fn into_result(self, build_id: i64) -> std::result::Result<CheckResult, BuildError> {
        let name: CheckName = self.check_name.parse().map_err(|_| {
            BuildError::Database(diesel::result::Error::DeserializationError(
                format!(
                    "publication_checks.sql names no check `{}`",
                    self.check_name
                )
                .into(),
            ))
        })?;
        Ok(check_result(
            build_id,
            name,
            self.passed,
            self.observed,
            self.expected,
            self.examples,
        ))
    }
}

/// A check's row in `marts.check_result`: its severity, and its status and message from
/// whether it `passed`.
fn check_result(
    build_id: i64,
    name: CheckName,
    passed: bool,
    observed: String,
    expected: String,
    examples: Option<String>,
) -> CheckResult {
    let severity = name.severity();
    let (status, message) = if passed {
        (CheckStatus::Pass, name.description().to_string())
    } else {
        let examples = examples.map_or(String::new(), |e| format!(" (e.g. {e})"));
        (
            severity.failing_status(),
            crate::error::one_line(&format!(
                "{}: found {observed}, expected {expected}{examples}",
                name.description()
            )),
        )
    };
    CheckResult {
        build_id,
        check_name: name,
        severity,
        status,
        observed,
        expected,
        message,
    }
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    locked: bool,
}

/// One row of `marts.since_last_build(mart)` (migration 000014): "did staging change since the
/// last successful build of the mart?", asked by the refresh before it builds and by the
/// martmaker's tick in its one idle statement (`read::mart_tick`).
#[derive(QueryableByName)]
pub(crate) struct SinceLastBuild {
    /// The last extract run that changed staging (`staging.latest_change`).
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) staging_change: Option<i64>,
    /// The last successful build read exactly that run.
    #[diesel(sql_type = Bool)]
    pub(crate) up_to_date: bool,
    /// A run has refreshed the launches (`staging.launch_refresh`).
    #[diesel(sql_type = Bool)]
    pub(crate) launches_loaded: bool,
}

/// The last extract run that changed staging (`staging.latest_change`), read in the caller's
/// snapshot.
fn latest_staging_change(conn: &mut PgConnection) -> QueryResult<Option<i64>> {
    #[derive(QueryableByName)]
    struct Change {
        #[diesel(sql_type = Nullable<BigInt>)]
        run_id: Option<i64>,
    }
    let change: Change =
        diesel::sql_query("SELECT run_id FROM staging.latest_change").get_result(conn)?;
    Ok(change.run_id)
}

/// A finished build of the publication marts and its checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildChecks {
    /// The build (`succeeded` or `failed`).
    pub build: BuildRun,
    /// Its checks, `error` ones first, then by name; none when it failed before its checks
    /// ran (a database error).
    pub checks: Vec<CheckResult>,
}

/// The latest finished build of the publication marts (succeeded or failed, the one running
/// now not included) with its checks; `None` before the first build finished. The reader's
/// role may read it.
pub fn latest_checks(conn: &mut PgConnection) -> Result<Option<BuildChecks>> {
    let Some(build) = build_run::table
        .filter(build_run::mart.eq(PUBLICATION_MART))
        .filter(build_run::status.ne(BuildStatus::Running))
        .order(build_run::id.desc())
        .select(BuildRun::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let checks = check_result::table
        .filter(check_result::build_id.eq(build.id))
        .order((check_result::severity, check_result::check_name))
        .select(CheckResult::as_select())
        .load(conn)?;
    Ok(Some(BuildChecks { build, checks }))
}

/// The checks of the latest finished build that did not pass ([`latest_checks`]): a `fail`
/// means that build was rolled back, a `warn` that it was published anyway.
pub fn latest_failing_checks(conn: &mut PgConnection) -> Result<Vec<CheckResult>> {
    Ok(latest_checks(conn)?
        .map(|latest| {
            latest
                .checks
                .into_iter()
                .filter(CheckResult::failing)
                .collect()
        })
        .unwrap_or_default())
}

/// The latest successful build of the publication marts.
pub fn last_successful_build(conn: &mut PgConnection) -> Result<Option<BuildRun>> {
    Ok(last_successful(conn)?)
}

fn last_successful(conn: &mut PgConnection) -> QueryResult<Option<BuildRun>> {
    build_run::table
        .filter(build_run::mart.eq(PUBLICATION_MART))
        .filter(build_run::status.eq(BuildStatus::Succeeded))
        .order(build_run::id.desc())
        .select(BuildRun::as_select())
        .first(conn)
        .optional()
}

/// Brings `marts.publication` and `marts.publication_by_object` up to date if staging changed
/// since the last successful build, checks them, and publishes them in one transaction. The
/// build recomputes only what changed since that build ([`BuildMode::Incremental`]) unless
/// it has to start from scratch ([`BuildMode::Full`]). Nothing is built before the first
/// extract run that loaded the launches ([`Refresh::AwaitingData`]). Every check's result is
/// recorded in `marts.check_result`, a failed build's too.
pub fn refresh_publication(conn: &mut PgConnection, settings: &BuildSettings) -> Result<Refresh> {
    refresh(conn, settings, false)
}

/// A [`BuildMode::Full`] build now, even when staging has not changed since the last build
/// (`martmaker --full-refresh`): everything recomputed from staging alone and every row
/// rewritten, checked and published like any build. Still nothing before the first
/// extraction that loaded the launches.
pub fn full_refresh_publication(
    conn: &mut PgConnection,
    settings: &BuildSettings,
) -> Result<Refresh> {
    refresh(conn, settings, true)
}

fn refresh(conn: &mut PgConnection, settings: &BuildSettings, full: bool) -> Result<Refresh> {
    let check: SinceLastBuild = diesel::sql_query("SELECT * FROM marts.since_last_build($1)")
        .bind::<Text, _>(PUBLICATION_MART)
        .get_result(conn)?;
    if !check.launches_loaded {
        return Ok(Refresh::AwaitingData);
    }
    if check.up_to_date && !full {
        return Ok(Refresh::Unchanged {
            source_run_id: check.staging_change,
        });
    }

    let build_id: i64 = diesel::insert_into(build_run::table)
        .values(build_run::mart.eq(PUBLICATION_MART))
        .returning(build_run::id)
        .get_result(conn)?;

    let built = conn
        .build_transaction()
        .repeatable_read()
        .run(|conn| build_in_transaction(conn, build_id, settings, full));
    match built {
        Ok(refresh) => Ok(refresh),
        Err(BuildError::Rejected { error, checks }) => {
            record_failed_build(conn, build_id, &error, &checks)?;
            Ok(Refresh::Failed { build_id, error })
        }
        Err(BuildError::Busy) => {
            diesel::delete(build_run::table.find(build_id)).execute(conn)?;
            Ok(Refresh::Busy)
        }
        Err(BuildError::Database(error)) => {
            let message = error.to_string();
            // The connection may be gone (that may be the error): recording is best effort.
            if let Err(record_error) = record_failed_build(conn, build_id, &message, &[]) {
                log::warn!("Could not record failed build {build_id}: {record_error}");
            }
            Err(Error::Query(error))
        }
    }
}

/// Why a build transaction rolled back.
enum BuildError {
    /// An `error` check failed.
    Rejected {
        /// The failed checks, for `marts.build_run.error`.
        error: String,
        /// Every check that ran, to record after the rollback.
        checks: Vec<CheckResult>,
    },
    /// Someone else holds the build lock.
    Busy,
    /// SQL error.
    Database(diesel::result::Error),
}

impl From<diesel::result::Error> for BuildError {
    fn from(error: diesel::result::Error) -> Self {
        BuildError::Database(error)
    }
}

impl BuildError {
    /// The build stopped at a row that broke a table's rule: the check `row_rules` failed.
    /// Any other error stays a database error.
    fn from_build_sql(build_id: i64, error: diesel::result::Error) -> BuildError {
        let diesel::result::Error::DatabaseError(
            DatabaseErrorKind::CheckViolation | DatabaseErrorKind::NotNullViolation,
            info,
        ) = &error
        else {
            return BuildError::Database(error);
        };
        let rule = match (
            info.constraint_name(),
            info.table_name(),
            info.column_name(),
        ) {
            (Some(constraint), _, _) => constraint.to_string(),
            (None, Some(table), Some(column)) => format!("{table}.{column} NOT NULL"),
            _ => "NOT NULL".to_string(),
        };
        let check = check_result(
            build_id,
            CheckName::RowRules,
            false,
            rule,
            "no row breaks a rule".to_string(),
            Some(info.message().to_string()),
        );
        BuildError::rejected(vec![check])
    }

    /// The build's checks, when an `error` one failed.
    fn rejected(checks: Vec<CheckResult>) -> BuildError {
        let failed: Vec<String> = checks
            .iter()
            .filter(|c| c.severity == CheckSeverity::Error && c.failing())
            .map(|c| format!("{} ({})", c.check_name, c.message))
            .collect();
        BuildError::Rejected {
            error: format!("data-quality checks failed: {}", failed.join("; ")),
            checks,
        }
    }
}

fn build_in_transaction(
    conn: &mut PgConnection,
    build_id: i64,
    settings: &BuildSettings,
    full: bool,
) -> std::result::Result<Refresh, BuildError> {
    let lock: Locked = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS locked")
        .bind::<BigInt, _>(PUBLICATION_BUILD_LOCK_KEY)
        .get_result(conn)?;
    if !lock.locked {
        return Err(BuildError::Busy);
    }
    // Read inside the snapshot: this is exactly the staging state the build sees.
    let source = latest_staging_change(conn)?;
    // The summary names the build on every row it writes (publication_summary.sql).
    diesel::sql_query("SELECT set_config('greenadam.build_id', $1, true)")
        .bind::<Text, _>(build_id.to_string())
        .execute(conn)?;
    let base = if full {
        None
    } else {
        incremental_base(conn, build_id)?
    };
    let (sql, mode) = match base {
        Some(base_run) => {
            diesel::sql_query("SELECT set_config('greenadam.publication_base_run', $1, true)")
                .bind::<Text, _>(base_run.to_string())
                .execute(conn)?;
            (INCREMENTAL_BUILD_SQL, BuildMode::Incremental)
        }
        None => (FULL_BUILD_SQL, BuildMode::Full),
    };
    conn.batch_execute(sql)
        .map_err(|error| BuildError::from_build_sql(build_id, error))?;
    // Every row was written without breaking a table's rule.
    let mut checks = vec![check_result(
        build_id,
        CheckName::RowRules,
        true,
        "none broken".to_string(),
        "no row breaks a rule".to_string(),
        None,
    )];
    let rows: Vec<CheckRow> = diesel::sql_query(CHECK_PUBLICATION_SQL)
        .bind::<Double, _>(settings.row_count_change_warn)
        .load(conn)?;
    for row in rows {
        checks.push(row.into_result(build_id)?);
    }
    // As `latest_checks` reads them back: `error` ones first.
    checks.sort_by_key(|c| (c.severity.as_str(), c.check_name.as_str()));
    if checks.iter().any(|c| c.status == CheckStatus::Fail) {
        return Err(BuildError::rejected(checks));
    }
    diesel::insert_into(check_result::table)
        .values(&checks)
        .execute(conn)?;
    // marts.publication counts the per-object rows. A full build recounted every staged
    // launch, an incremental one those it listed in recount_launch.
    let launches_recounted = match mode {
        BuildMode::Full => "(SELECT objects FROM staged_object WHERE entity = 'launch')",
        BuildMode::Incremental => "(SELECT count(*) FROM recount_launch)",
    };
    let built: Built = diesel::sql_query(format!(
        "SELECT coalesce(sum(objects), 0)::bigint AS object_rows,
                count(*) AS publication_rows,
                {launches_recounted} AS launches_recounted
         FROM marts.publication"
    ))
    .get_result(conn)?;
    diesel::update(build_run::table.find(build_id))
        .set((
            build_run::status.eq(BuildStatus::Succeeded),
            // The time the summary stamped on marts.publication: one "built at" everywhere.
            build_run::finished_at.eq(
                diesel::dsl::sql::<Nullable<diesel::sql_types::Timestamptz>>(
                    "(SELECT max(built_at) FROM marts.publication)",
                ),
            ),
            build_run::source_run_id.eq(source),
            build_run::publication_rows.eq(built.publication_rows),
            build_run::object_rows.eq(built.object_rows),
            build_run::mode.eq(mode),
            build_run::definition.eq(DEFINITION.as_str()),
            build_run::launches_recounted.eq(built.launches_recounted),
        ))
        .execute(conn)?;
    Ok(Refresh::Built {
        build_id,
        source_run_id: source,
        mode,
        launches_recounted: built.launches_recounted,
        publication_rows: built.publication_rows,
        object_rows: built.object_rows,
        warnings: checks.into_iter().filter(CheckResult::failing).collect(),
    })
}

/// Marks the build `failed` with its checks, in one transaction of its own (the build's was
/// rolled back): the failure and what caused it are there to read together.
fn record_failed_build(
    conn: &mut PgConnection,
    build_id: i64,
    error: &str,
    checks: &[CheckResult],
) -> Result<()> {
    conn.transaction(|conn| {
        diesel::update(build_run::table.find(build_id))
            .set((
                build_run::status.eq(BuildStatus::Failed),
                build_run::finished_at.eq(diesel::dsl::now),
                build_run::error.eq(crate::error::one_line(error)),
            ))
            .execute(conn)?;
        if checks.is_empty() {
            return Ok(0);
        }
        diesel::insert_into(check_result::table)
            .values(checks)
            .execute(conn)
    })?;
    Ok(())
}

/// `marts.publication`, ordered launch, mission, rocket.
pub fn publication(conn: &mut PgConnection) -> Result<Vec<Publication>> {
    Ok(publication::table
        .order(publication::entity)
        .select(Publication::as_select())
        .load(conn)?)
}

/// `marts.publication_by_object` for one entity (or all when `None`), by entity and id.
pub fn publication_by_object(
    conn: &mut PgConnection,
    entity: Option<&str>,
) -> Result<Vec<PublicationByObject>> {
    let mut query = publication_by_object::table
        .select(PublicationByObject::as_select())
        .order((
            publication_by_object::entity,
            publication_by_object::object_id,
        ))
        .into_boxed();
    if let Some(entity) = entity {
        query = query.filter(publication_by_object::entity.eq(entity.to_string()));
    }
    Ok(query.load(conn)?)
}

/// `marts.publication_url(value)`: the one rule of what counts as a publication URL.
pub fn publication_url(conn: &mut PgConnection, value: &str) -> Result<Option<String>> {
    #[derive(QueryableByName)]
    struct Url {
        #[diesel(sql_type = Nullable<Text>)]
        url: Option<String>,
    }
    let row: Url = diesel::sql_query("SELECT marts.publication_url($1) AS url")
        .bind::<Text, _>(value)
        .get_result(conn)?;
    Ok(row.url)
}
