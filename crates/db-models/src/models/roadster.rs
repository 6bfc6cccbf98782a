//! `staging.roadster`.
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Deserialize;

use crate::schema::staging::roadster;

/// The roadster, ready to be upserted.
#[derive(Debug, Clone, PartialEq, Insertable, Deserialize)]
#[diesel(table_name = roadster)]
#[serde(deny_unknown_fields)]
pub struct NewRoadster {
    /// Always roadster: the API object has no id, the constant keeps the table in the same upsert scheme as the others.
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// Free text.
    pub details: Option<String>,
    /// Wikipedia page (as sent).
    pub wikipedia: Option<String>,
    /// Launch time.
    pub launch_date_utc: Option<DateTime<Utc>>,
    /// Launch time, Unix seconds as sent.
    pub launch_date_unix: Option<i64>,
    /// Kilograms.
    pub launch_mass_kg: Option<i32>,
    /// NORAD catalogue id.
    pub norad_id: Option<i32>,
    /// As sent (the API types it Float).
    pub orbit_type: Option<f64>,
    /// Orbital period in days.
    pub period_days: Option<f64>,
    /// Kilometers per hour.
    pub speed_kph: Option<f64>,
    /// Distance from Earth in kilometers.
    pub earth_distance_km: Option<f64>,
    /// Distance from Mars in kilometers.
    pub mars_distance_km: Option<f64>,
    /// The object exactly as the API sent it.
    pub raw: serde_json::Value,
    /// The extract_run that last inserted or changed this row.
    pub run_id: i64,
}
