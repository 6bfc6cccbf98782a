//! `staging.extract_run` and `staging.extract_run_entity`.
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::text_enum::stored_as_text;

use crate::schema::staging::{extract_run, extract_run_entity, extract_run_reference};

stored_as_text! {
    /// How a run ended; stored as text in `extract_run.status`.
    pub enum RunStatus {
        /// Still going (or the process died: see `finished_at`).
        Running,
        /// Every entity loaded.
        Succeeded,
        /// Some entities failed and kept their previous rows; the others loaded.
        Partial,
        /// Nothing was written.
        Failed,
        /// Stopped by a shutdown signal before it wrote anything.
        Cancelled,
    }
}

stored_as_text! {
    /// How one entity of a run ended; stored as text in `extract_run_entity.status`. Every
    /// status but `Succeeded` leaves the entity's staging rows as they were.
    #[derive(Default)]
    pub enum EntityStatus {
        /// Loaded (a report's status until something refuses the entity).
        #[default]
        Succeeded,
        /// The fetch or the load failed (transport, HTTP status, timeout, a bad answer).
        Failed,
        /// The upstream cannot serve it: its resolver answers GraphQL errors, or records of
        /// another shape. Loaded again as soon as the upstream serves it.
        Unavailable,
        /// Far fewer records than staging holds: not applied until the shrink is accepted.
        Withheld,
    }
}

/// A stored run.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = extract_run)]
pub struct ExtractRun {
    /// Run id.
    pub id: i64,
    /// Start time.
    pub started_at: DateTime<Utc>,
    /// End time, if it ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// How it ended (so far).
    pub status: RunStatus,
    /// Staging rows inserted, updated or deleted.
    pub rows_changed: i64,
    /// Why it failed or was partial.
    pub error: Option<String>,
    /// Later runs that found the upstream unchanged since this one (and wrote nothing else).
    pub unchanged_checks: i64,
    /// When the last of them found staging still current.
    pub last_checked_at: Option<DateTime<Utc>>,
}

/// Per-entity outcome of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Insertable, Queryable, Selectable)]
#[diesel(table_name = extract_run_entity)]
pub struct ExtractRunEntity {
    /// The run.
    pub run_id: i64,
    /// An [`Entity`](crate::entity::Entity)'s name (`launch`, `launch_ship`, …).
    pub entity: String,
    /// How it ended.
    pub status: EntityStatus,
    /// Records the API returned.
    pub fetched: i32,
    /// Records accepted into staging.
    pub loaded: i32,
    /// Records written to `staging.rejected`.
    pub rejected: i32,
    /// Rows inserted.
    pub inserted: i32,
    /// Rows whose content changed.
    pub updated: i32,
    /// Rows removed because they vanished upstream.
    pub deleted: i32,
    /// Pages requested.
    pub pages: i32,
    /// Requests retried.
    pub retries: i32,
    /// Why the entity failed.
    pub error: Option<String>,
    /// SHA-256 (hex) of the records fetched, in order; `None` when the fetch failed.
    pub fingerprint: Option<String>,
}

/// How many values of one reference column point at nothing, counted after a run published.
#[derive(Debug, Clone, PartialEq, Eq, Insertable, Queryable, Selectable)]
#[diesel(table_name = extract_run_reference)]
pub struct ExtractRunReference {
    /// The run that counted.
    pub run_id: i64,
    /// `table.column`, e.g. `launch_payload.payload_id`.
    pub reference: String,
    /// The staging table the column names ids of, e.g. `payload`.
    pub target: String,
    /// Values naming no row of the target (null elements of relation lists included).
    pub unresolved: i32,
}
