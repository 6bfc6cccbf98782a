//! `staging.mission` and its relation `mission_payload`.
use diesel::prelude::*;

use serde::Deserialize;

use crate::schema::staging::{mission, mission_payload};

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

/// One payload of a mission (a reference: the payload may be missing from staging).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Insertable, Queryable, Selectable, Deserialize)]
#[diesel(table_name = mission_payload)]
#[serde(deny_unknown_fields)]
pub struct NewMissionPayload {
    /// The mission.
    pub mission_id: String,
    /// Index of the element in the upstream list.
    pub position: i32,
    /// Upstream payload id; may name a payload missing from staging.payload (an unresolved reference), null when the element was null (the original API's answer for a payload it could not find).
    pub payload_id: Option<String>,
}
