//! `staging.launchpad`.
use diesel::prelude::*;
use serde::Deserialize;

use crate::schema::staging::launchpad;

/// A launchpad, ready to be upserted.
#[derive(Debug, Clone, PartialEq, Insertable, Deserialize)]
#[diesel(table_name = launchpad)]
#[serde(deny_unknown_fields)]
pub struct NewLaunchpad {
    /// Upstream launchpad id (e.g. ksc_lc_39a), the site_id of staging.launch_site.
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// e.g. active, retired.
    pub status: Option<String>,
    /// Launches attempted from it.
    pub attempted_launches: Option<i32>,
    /// Successful launches from it.
    pub successful_launches: Option<i32>,
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
