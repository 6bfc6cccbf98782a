//! `staging.ship` and its relation `ship_mission`.
use diesel::prelude::*;
use serde::Deserialize;

use crate::schema::staging::{ship, ship_mission};

/// A ship, ready to be upserted.
#[derive(Debug, Clone, PartialEq, Insertable, Deserialize)]
#[diesel(table_name = ship)]
#[serde(deny_unknown_fields)]
pub struct NewShip {
    /// Upstream ship id (e.g. GOMSTREE).
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Upstream `type`, e.g. Barge, Tug.
    #[diesel(column_name = type_)]
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Non-null elements of the upstream list, in order.
    #[serde(default, deserialize_with = "super::non_null")]
    pub roles: Vec<String>,
    /// In service.
    pub active: Option<bool>,
    /// Status text.
    pub status: Option<String>,
    /// Home port.
    pub home_port: Option<String>,
    /// Year built.
    pub year_built: Option<i32>,
    /// IMO number.
    pub imo: Option<i32>,
    /// MMSI number.
    pub mmsi: Option<i32>,
    /// ABS number.
    pub abs: Option<i32>,
    /// Class.
    pub class: Option<i32>,
    /// Kilograms.
    pub weight_kg: Option<i32>,
    /// Pounds.
    pub weight_lbs: Option<i32>,
    /// Knots.
    pub speed_kn: Option<f64>,
    /// Degrees.
    pub course_deg: Option<i32>,
    /// Landings caught.
    pub successful_landings: Option<i32>,
    /// Landings attempted.
    pub attempted_landings: Option<i32>,
    /// Tracking page (as sent).
    pub url: Option<String>,
    /// Photo (as sent).
    pub image: Option<String>,
    /// position.latitude (degrees).
    pub position_latitude: Option<f64>,
    /// position.longitude (degrees).
    pub position_longitude: Option<f64>,
    /// The record exactly as the API sent it.
    pub raw: serde_json::Value,
    /// The extract_run that last inserted or changed this row.
    pub run_id: i64,
}

/// One mission a ship supported.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Insertable, Queryable, Selectable, Deserialize)]
#[diesel(table_name = ship_mission)]
#[serde(deny_unknown_fields)]
pub struct NewShipMission {
    /// The ship.
    pub ship_id: String,
    /// Index of the element in the upstream list.
    pub position: i32,
    /// Mission name as on the launch (no id to resolve).
    pub name: Option<String>,
    /// Flight number of the launch, as text (the API types it String).
    pub flight: Option<String>,
}
