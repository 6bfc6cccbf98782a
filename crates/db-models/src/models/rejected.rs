//! `staging.rejected`.
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::staging::rejected;

/// A record the extractor refused, and why.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = rejected)]
pub struct NewRejected {
    /// The run that refused it.
    pub run_id: i64,
    /// `launch`, `mission` or `rocket`.
    pub entity: &'static str,
    /// Its upstream id, when it had a usable one.
    pub upstream_id: Option<String>,
    /// Why it was refused.
    pub reason: String,
    /// The record as JSON text.
    pub raw: String,
}

/// A stored rejection.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = rejected)]
pub struct Rejected {
    /// Row id.
    pub id: i64,
    /// The run that refused it.
    pub run_id: i64,
    /// `launch`, `mission` or `rocket`.
    pub entity: String,
    /// Its upstream id.
    pub upstream_id: Option<String>,
    /// Why it was refused.
    pub reason: String,
    /// The record as JSON text.
    pub raw: String,
    /// When.
    pub rejected_at: DateTime<Utc>,
}
