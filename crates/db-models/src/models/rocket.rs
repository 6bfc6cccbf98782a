//! `staging.rocket`.
use chrono::NaiveDate;
use diesel::prelude::*;

use crate::schema::staging::rocket;

/// A validated rocket, ready to be upserted.
#[derive(Debug, Clone, PartialEq, Insertable)]
#[diesel(table_name = rocket)]
pub struct NewRocket {
    /// Upstream id, e.g. `falcon9`.
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// Upstream `type`.
    #[diesel(column_name = type_)]
    pub kind: Option<String>,
    /// Still flying.
    pub active: Option<bool>,
    /// Maker.
    pub company: Option<String>,
    /// Country of the maker.
    pub country: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Wikipedia page (as sent, not validated).
    pub wikipedia: Option<String>,
    /// Date of the first flight.
    pub first_flight: Option<NaiveDate>,
    /// US dollars.
    pub cost_per_launch: Option<i64>,
    /// 0..=100.
    pub success_rate_pct: Option<i32>,
    /// The record as the API sent it.
    pub raw: serde_json::Value,
    /// The run writing this row.
    pub run_id: i64,
}
