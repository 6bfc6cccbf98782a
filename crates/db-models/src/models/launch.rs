//! `staging.launch` and its child tables `launch_mission` and `launch_link`.
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::staging::{launch, launch_link, launch_mission};

/// A validated launch, ready to be upserted.
#[derive(Debug, Clone, PartialEq, Insertable)]
#[diesel(table_name = launch)]
pub struct NewLaunch {
    /// Upstream id.
    pub id: String,
    /// Mission name as given on the launch.
    pub mission_name: Option<String>,
    /// Launch time (UTC).
    pub launch_date_utc: Option<DateTime<Utc>>,
    /// Local launch time as sent, with offset.
    pub launch_date_local: Option<String>,
    /// Unix seconds as sent.
    pub launch_date_unix: Option<i64>,
    /// Year as sent.
    pub launch_year: Option<String>,
    /// Null when unknown (always on the current endpoint).
    pub launch_success: Option<bool>,
    /// Not flown yet.
    pub upcoming: Option<bool>,
    /// Free text.
    pub details: Option<String>,
    /// Upstream rocket id (unresolved references allowed).
    pub rocket_id: Option<String>,
    /// Rocket name as given on the launch.
    pub rocket_name: Option<String>,
    /// Rocket type as given on the launch.
    pub rocket_type: Option<String>,
    /// The record as the API sent it.
    pub raw: serde_json::Value,
    /// The run writing this row.
    pub run_id: i64,
}

/// One element of a launch's `mission_id` list.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = launch_mission)]
pub struct NewLaunchMission {
    /// The launch.
    pub launch_id: String,
    /// Index in the upstream list.
    pub position: i32,
    /// The referenced mission (may be missing from staging).
    pub mission_id: String,
}

/// One non-null value of a launch's `links` object.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = launch_link)]
pub struct NewLaunchLink {
    /// The launch.
    pub launch_id: String,
    /// Upstream field name inside `links`, e.g. `flickr_images`.
    pub field: &'static str,
    /// 0 for single values, the list index for `flickr_images`.
    pub position: i32,
    /// The value as sent.
    pub url: String,
}
