//! `staging.capsule` and its relation `capsule_mission`.
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Deserialize;

use crate::schema::staging::{capsule, capsule_mission};

/// A capsule, ready to be upserted.
#[derive(Debug, Clone, PartialEq, Insertable, Deserialize)]
#[diesel(table_name = capsule)]
#[serde(deny_unknown_fields)]
pub struct NewCapsule {
    /// Upstream capsule id (a serial such as C101 on the original API).
    pub id: String,
    /// Upstream `type`, e.g. Dragon 1.0.
    #[diesel(column_name = type_)]
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// e.g. active, retired, destroyed.
    pub status: Option<String>,
    /// Landings so far.
    pub landings: Option<i32>,
    /// Flights after the first.
    pub reuse_count: Option<i32>,
    /// First launch (null on the current endpoint).
    pub original_launch: Option<DateTime<Utc>>,
    /// The record exactly as the API sent it.
    pub raw: serde_json::Value,
    /// The extract_run that last inserted or changed this row.
    pub run_id: i64,
}

/// One mission a capsule flew.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Insertable, Queryable, Selectable, Deserialize)]
#[diesel(table_name = capsule_mission)]
#[serde(deny_unknown_fields)]
pub struct NewCapsuleMission {
    /// The capsule.
    pub capsule_id: String,
    /// Index of the element in the upstream list.
    pub position: i32,
    /// Mission name as on the launch (no id to resolve).
    pub name: Option<String>,
    /// Flight number of the launch (the launch id on the original API only, so not counted as a reference).
    pub flight: Option<i32>,
}
