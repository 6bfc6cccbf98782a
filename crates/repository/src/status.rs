//! What `extractor status` and `martmaker status` report: the pipeline's state, read in one
//! read-only snapshot as the login user. Nothing here writes.
use diesel::prelude::*;
use diesel::sql_types::{Bool, Timestamptz};

pub use db_models::models::{
    BuildRun, BuildStatus, CheckResult, CheckStatus, EntityStatus, ExtractRun, ExtractRunEntity,
    RunStatus,
};
use db_models::schema::marts::build_run;
use db_models::schema::staging::{extract_run, extract_run_entity};

use crate::read::{self, ExtractFreshness};
use crate::Result;

/// The facts `status` judges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineStatus {
    /// The database's clock and the last extraction that refreshed the launches.
    pub freshness: ExtractFreshness,
    /// The latest extract runs, newest first.
    pub runs: Vec<ExtractRun>,
    /// The latest builds of the publication marts, newest first.
    pub builds: Vec<BuildRun>,
    /// The entities the latest run that loaded found unavailable upstream, by name.
    pub unavailable: Vec<ExtractRunEntity>,
    /// The checks of the latest finished build that did not pass
    /// ([`crate::marts::latest_failing_checks`]).
    pub failing_checks: Vec<CheckResult>,
}

/// Reads [`PipelineStatus`], the latest `limit` runs and builds. A database no service has
/// migrated yet (a first start) reads as one that holds nothing: never extracted.
pub fn pipeline(conn: &mut PgConnection, limit: i64) -> Result<PipelineStatus> {
    crate::read::snapshot(conn, |conn| {
        #[derive(QueryableByName)]
        struct Migrated {
            #[diesel(sql_type = Timestamptz)]
            now: chrono::DateTime<chrono::Utc>,
            #[diesel(sql_type = Bool)]
            migrated: bool,
        }
        let migrated: Migrated = diesel::sql_query(
            "SELECT now() AS now,
                        to_regclass('staging.extract_run') IS NOT NULL
                        AND to_regclass('marts.check_result') IS NOT NULL
                        AND to_regclass('staging.freshness') IS NOT NULL AS migrated",
        )
        .get_result(conn)?;
        if !migrated.migrated {
            return Result::Ok(PipelineStatus {
                freshness: ExtractFreshness {
                    now: migrated.now,
                    last_extract: None,
                },
                runs: Vec::new(),
                builds: Vec::new(),
                unavailable: Vec::new(),
                failing_checks: Vec::new(),
            });
        }
        let freshness = read::extract_freshness(conn)?;
        let runs = extract_run::table
            .order(extract_run::id.desc())
            .limit(limit)
            .select(ExtractRun::as_select())
            .load(conn)?;
        let builds = build_run::table
            .filter(build_run::mart.eq(crate::marts::PUBLICATION_MART))
            .order(build_run::id.desc())
            .limit(limit)
            .select(BuildRun::as_select())
            .load(conn)?;
        let last_load = extract_run::table
            .filter(extract_run::status.eq_any([RunStatus::Succeeded, RunStatus::Partial]))
            .select(diesel::dsl::max(extract_run::id))
            .single_value();
        let unavailable = extract_run_entity::table
            .filter(extract_run_entity::run_id.nullable().eq(last_load))
            .filter(extract_run_entity::status.eq(EntityStatus::Unavailable))
            .order(extract_run_entity::entity)
            .select(ExtractRunEntity::as_select())
            .load(conn)?;
        Ok(PipelineStatus {
            freshness,
            runs,
            builds,
            unavailable,
            failing_checks: crate::marts::latest_failing_checks(conn)?,
        })
    })
}
