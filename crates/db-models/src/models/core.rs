//! `staging.core` and its relation `core_mission`.
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Deserialize;

use crate::schema::staging::{core, core_mission};

/// A core, ready to be upserted.
#[derive(Debug, Clone, PartialEq, Insertable, Deserialize)]
#[diesel(table_name = core)]
#[serde(deny_unknown_fields)]
pub struct NewCore {
    /// Upstream core id (a serial such as B1049 on the original API).
    pub id: String,
    /// Falcon 9 block.
    pub block: Option<i32>,
    /// e.g. active, lost, expended.
    pub status: Option<String>,
    /// First launch (null on the current endpoint).
    pub original_launch: Option<DateTime<Utc>>,
    /// Flights after the first.
    pub reuse_count: Option<i32>,
    /// Return-to-launch-site landing attempts.
    pub rtls_attempts: Option<i32>,
    /// Successful return-to-launch-site landings.
    pub rtls_landings: Option<i32>,
    /// Drone-ship landing attempts.
    pub asds_attempts: Option<i32>,
    /// Successful drone-ship landings.
    pub asds_landings: Option<i32>,
    /// Whether it landed in water.
    pub water_landing: Option<bool>,
    /// The record exactly as the API sent it.
    pub raw: serde_json::Value,
    /// The extract_run that last inserted or changed this row.
    pub run_id: i64,
}

/// One mission a core flew.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Insertable, Queryable, Selectable, Deserialize)]
#[diesel(table_name = core_mission)]
#[serde(deny_unknown_fields)]
pub struct NewCoreMission {
    /// The core.
    pub core_id: String,
    /// Index of the element in the upstream list.
    pub position: i32,
    /// Mission name as on the launch (no id to resolve).
    pub name: Option<String>,
    /// Flight number of the launch (the launch id on the original API only, so not counted as a reference).
    pub flight: Option<i32>,
}
