//! `staging.payload`.
use diesel::prelude::*;
use serde::Deserialize;

use crate::schema::staging::payload;

/// A payload, ready to be upserted.
#[derive(Debug, Clone, PartialEq, Insertable, Deserialize)]
#[diesel(table_name = payload)]
#[serde(deny_unknown_fields)]
pub struct NewPayload {
    /// Upstream payload id (e.g. FalconSAT-2).
    pub id: String,
    /// e.g. Satellite, Dragon 1.1.
    pub payload_type: Option<String>,
    /// Maker.
    pub manufacturer: Option<String>,
    /// Owner's country.
    pub nationality: Option<String>,
    /// Non-null elements of the upstream list, in order.
    #[serde(default, deserialize_with = "super::non_null")]
    pub customers: Vec<String>,
    /// NORAD catalogue ids: non-null elements of the upstream list, in order.
    #[serde(default, deserialize_with = "super::non_null")]
    pub norad_id: Vec<i32>,
    /// e.g. LEO, GTO.
    pub orbit: Option<String>,
    /// Kilograms.
    pub payload_mass_kg: Option<f64>,
    /// Pounds.
    pub payload_mass_lbs: Option<f64>,
    /// Flown before.
    pub reused: Option<bool>,
    /// orbit_params.regime.
    pub orbit_params_regime: Option<String>,
    /// orbit_params.reference_system.
    pub orbit_params_reference_system: Option<String>,
    /// orbit_params.periapsis_km.
    pub orbit_params_periapsis_km: Option<f64>,
    /// orbit_params.apoapsis_km.
    pub orbit_params_apoapsis_km: Option<f64>,
    /// orbit_params.inclination_deg.
    pub orbit_params_inclination_deg: Option<f64>,
    /// orbit_params.period_min.
    pub orbit_params_period_min: Option<f64>,
    /// The record exactly as the API sent it.
    pub raw: serde_json::Value,
    /// The extract_run that last inserted or changed this row.
    pub run_id: i64,
}
