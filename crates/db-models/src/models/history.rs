//! `staging.history`.
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Deserialize;

use crate::schema::staging::history;

/// A history event, ready to be upserted.
#[derive(Debug, Clone, PartialEq, Insertable, Deserialize)]
#[diesel(table_name = history)]
#[serde(deny_unknown_fields)]
pub struct NewHistory {
    /// Upstream event id.
    pub id: String,
    /// Headline.
    pub title: Option<String>,
    /// Free text.
    pub details: Option<String>,
    /// When it happened.
    pub event_date_utc: Option<DateTime<Utc>>,
    /// When it happened, Unix seconds as sent.
    pub event_date_unix: Option<i64>,
    /// links.article (as sent).
    pub links_article: Option<String>,
    /// links.reddit (as sent).
    pub links_reddit: Option<String>,
    /// links.wikipedia (as sent).
    pub links_wikipedia: Option<String>,
    /// The record exactly as the API sent it.
    pub raw: serde_json::Value,
    /// The extract_run that last inserted or changed this row.
    pub run_id: i64,
}
