//! `staging.landpad`.
use diesel::prelude::*;
use serde::Deserialize;

use crate::schema::staging::landpad;

/// A landpad, ready to be upserted.
#[derive(Debug, Clone, PartialEq, Insertable, Deserialize)]
#[diesel(table_name = landpad)]
#[serde(deny_unknown_fields)]
pub struct NewLandpad {
    /// Upstream landpad id (e.g. LZ-1).
    pub id: String,
    /// Display name.
    pub full_name: Option<String>,
    /// e.g. active, retired.
    pub status: Option<String>,
    /// RTLS or ASDS (null on the current endpoint).
    pub landing_type: Option<String>,
    /// A count, kept as text because the API types it String.
    pub attempted_landings: Option<String>,
    /// A count, kept as text because the API types it String.
    pub successful_landings: Option<String>,
    /// Free text.
    pub details: Option<String>,
    /// Wikipedia page (as sent).
    pub wikipedia: Option<String>,
    /// location.name.
    pub location_name: Option<String>,
    /// location.region.
    pub location_region: Option<String>,
    /// location.latitude (degrees).
    pub location_latitude: Option<f64>,
    /// location.longitude (degrees).
    pub location_longitude: Option<f64>,
    /// The record exactly as the API sent it.
    pub raw: serde_json::Value,
    /// The extract_run that last inserted or changed this row.
    pub run_id: i64,
}
