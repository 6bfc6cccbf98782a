//! `marts.build_run`.
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::marts::build_run;

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
    /// `running`, `succeeded` or `failed`.
    pub status: String,
    /// The extract run the build read.
    pub source_run_id: Option<i64>,
    /// Rows published in `marts.publication`.
    pub publication_rows: Option<i64>,
    /// Rows published in `marts.publication_by_object`.
    pub object_rows: Option<i64>,
    /// Why it failed.
    pub error: Option<String>,
    /// `full` or `incremental` (set when it succeeded).
    pub mode: Option<String>,
    /// Fingerprint of the build's SQL.
    pub definition: Option<String>,
    /// Launches whose row it recomputed.
    pub launches_recounted: Option<i64>,
}
