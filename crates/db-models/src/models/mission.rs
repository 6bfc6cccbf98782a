//! `staging.mission`.
use diesel::prelude::*;

use crate::schema::staging::mission;

/// A validated mission, ready to be upserted.
#[derive(Debug, Clone, PartialEq, Insertable)]
#[diesel(table_name = mission)]
pub struct NewMission {
    /// Upstream id, e.g. `EE86F74`.
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Non-null elements of the upstream list, in order.
    pub manufacturers: Vec<String>,
    /// Wikipedia page (as sent).
    pub wikipedia: Option<String>,
    /// Web site (as sent).
    pub website: Option<String>,
    /// Twitter account (as sent).
    pub twitter: Option<String>,
    /// The record as the API sent it.
    pub raw: serde_json::Value,
    /// The run writing this row.
    pub run_id: i64,
}
