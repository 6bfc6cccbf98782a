//! `staging.dragon`.
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;

use crate::schema::staging::dragon;

/// A Dragon model, ready to be upserted.
#[derive(Debug, Clone, PartialEq, Insertable, Deserialize)]
#[diesel(table_name = dragon)]
#[serde(deny_unknown_fields)]
pub struct NewDragon {
    /// Upstream dragon id (e.g. dragon1).
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// Upstream `type`, e.g. capsule.
    #[diesel(column_name = type_)]
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Still flying.
    pub active: Option<bool>,
    /// People it can carry.
    pub crew_capacity: Option<i32>,
    /// Free text.
    pub description: Option<String>,
    /// Dry mass in kilograms.
    pub dry_mass_kg: Option<i32>,
    /// Date of the first flight (a text field upstream, parsed).
    pub first_flight: Option<NaiveDate>,
    /// Years it can stay in orbit.
    pub orbit_duration_yr: Option<i32>,
    /// Sidewall angle in degrees.
    pub sidewall_angle_deg: Option<f64>,
    /// Wikipedia page (as sent).
    pub wikipedia: Option<String>,
    /// diameter.meters.
    pub diameter_meters: Option<f64>,
    /// height_w_trunk.meters.
    pub height_w_trunk_meters: Option<f64>,
    /// heat_shield.material.
    pub heat_shield_material: Option<String>,
    /// heat_shield.size_meters.
    pub heat_shield_size_meters: Option<f64>,
    /// heat_shield.temp_degrees (Celsius).
    pub heat_shield_temp_degrees: Option<i32>,
    /// heat_shield.dev_partner.
    pub heat_shield_dev_partner: Option<String>,
    /// launch_payload_mass.kg.
    pub launch_payload_mass_kg: Option<i32>,
    /// return_payload_mass.kg.
    pub return_payload_mass_kg: Option<i32>,
    /// The record exactly as the API sent it.
    pub raw: serde_json::Value,
    /// The extract_run that last inserted or changed this row.
    pub run_id: i64,
}
