//! `staging.launch` and its child tables `launch_mission` and `launch_link`.
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use serde::Deserialize;

use crate::schema::staging::{
    launch, launch_core, launch_link, launch_mission, launch_payload, launch_ship, launch_site,
};

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

/// One ship of a launch (a reference: the ship may be missing from staging).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Insertable, Queryable, Selectable, Deserialize)]
#[diesel(table_name = launch_ship)]
#[serde(deny_unknown_fields)]
pub struct NewLaunchShip {
    /// The launch.
    pub launch_id: String,
    /// Index of the element in the upstream list.
    pub position: i32,
    /// Upstream ship id; may name a ship missing from staging.ship (an unresolved reference), null when the element was null.
    pub ship_id: Option<String>,
}

/// One first-stage core of a launch (a reference, with how the core flew).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Insertable, Queryable, Selectable, Deserialize)]
#[diesel(table_name = launch_core)]
#[serde(deny_unknown_fields)]
pub struct NewLaunchCore {
    /// The launch.
    pub launch_id: String,
    /// Index of the element in the upstream list.
    pub position: i32,
    /// core.id; may name a core missing from staging.core (an unresolved reference), null when the API gave none.
    pub core_id: Option<String>,
    /// The core's flight number on this launch.
    pub flight: Option<i32>,
    /// Falcon 9 block.
    pub block: Option<i32>,
    /// Grid fins fitted.
    pub gridfins: Option<bool>,
    /// Landing legs fitted.
    pub legs: Option<bool>,
    /// Flown before.
    pub reused: Option<bool>,
    /// Landed.
    pub land_success: Option<bool>,
    /// Meant to land.
    pub landing_intent: Option<bool>,
    /// RTLS, ASDS or Ocean.
    pub landing_type: Option<String>,
    /// Landpad id as sent (not resolved).
    pub landing_vehicle: Option<String>,
}

/// One payload of a launch (a reference: the payload may be missing from staging).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Insertable, Queryable, Selectable, Deserialize)]
#[diesel(table_name = launch_payload)]
#[serde(deny_unknown_fields)]
pub struct NewLaunchPayload {
    /// The launch.
    pub launch_id: String,
    /// Index of the element in the upstream list.
    pub position: i32,
    /// Upstream payload id; may name a payload missing from staging.payload (an unresolved reference), null when the element was null.
    pub payload_id: Option<String>,
}

/// A launch's launch site (a reference to a launchpad).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Insertable, Queryable, Selectable, Deserialize)]
#[diesel(table_name = launch_site)]
#[serde(deny_unknown_fields)]
pub struct NewLaunchSite {
    /// The launch.
    pub launch_id: String,
    /// Launchpad id; may name a launchpad missing from staging.launchpad (an unresolved reference).
    pub site_id: Option<String>,
    /// Short name as given on the launch.
    pub site_name: Option<String>,
    /// Long name as given on the launch.
    pub site_name_long: Option<String>,
}
