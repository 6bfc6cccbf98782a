//! `marts.build_run`.
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::text_enum::stored_as_text;

use crate::schema::marts::build_run;

stored_as_text! {
    /// How a build ended; stored as text in `build_run.status`.
    pub enum BuildStatus {
        /// Still going (or the process died).
        Running,
        /// Published.
        Succeeded,
        /// Rolled back: the marts keep the previous build.
        Failed,
    }
}

stored_as_text! {
    /// Which way a build computed the marts; stored as text in `build_run.mode`.
    pub enum BuildMode {
        /// Everything, from staging alone: the first build, the first after the build's SQL
        /// changed, and the first after a failed build (so that nothing a failed build may have
        /// got wrong is carried forward).
        Full,
        /// Only the launches, missions and rockets staging changed since the previous successful
        /// build, and the totals.
        Incremental,
    }
}

/// One attempted mart build.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = build_run)]
pub struct BuildRun {
    /// Build id.
    pub id: i64,
    /// Which mart.
    pub mart: String,
    /// Start time.
    pub started_at: DateTime<Utc>,
    /// End time.
    pub finished_at: Option<DateTime<Utc>>,
    /// How it ended (so far).
    pub status: BuildStatus,
    /// The extract run the build read.
    pub source_run_id: Option<i64>,
    /// Rows published in `marts.publication`.
    pub publication_rows: Option<i64>,
    /// Rows published in `marts.publication_by_object`.
    pub object_rows: Option<i64>,
    /// Why it failed.
    pub error: Option<String>,
    /// How it was computed (set when it succeeded).
    pub mode: Option<BuildMode>,
    /// Fingerprint of the build's SQL.
    pub definition: Option<String>,
    /// Launches whose row it recomputed.
    pub launches_recounted: Option<i64>,
}
