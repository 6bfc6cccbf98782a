//! One record of each entity, as asked for and decoded. These structs are the cynic query
//! fragments themselves: the compiler checks each field against `schema/spacex.graphql`.
use crate::schema;

/// The upstream `Date` scalar: ISO strings for `*_utc`/`*_local`/`first_flight`, integers for
/// `*_unix`. Kept as JSON; the extractor parses what it needs.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(transparent)]
pub struct Date(pub serde_json::Value);
cynic::impl_scalar!(Date, schema::Date);

/// A launch (query `launches`).
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(rename_all = "snake_case")]
pub struct Launch {
    /// Flight number (original API) or 24-hex id (current API).
    pub id: Option<cynic::Id>,
    /// Mission name.
    pub mission_name: Option<String>,
    /// Mission ids (the current API puts the launch id here).
    pub mission_id: Option<Vec<Option<String>>>,
    /// ISO timestamp.
    pub launch_date_utc: Option<Date>,
    /// ISO timestamp with offset.
    pub launch_date_local: Option<Date>,
    /// Unix seconds.
    pub launch_date_unix: Option<Date>,
    /// Year as text.
    pub launch_year: Option<String>,
    /// Null on the current API.
    pub launch_success: Option<bool>,
    /// Not flown yet.
    pub upcoming: Option<bool>,
    /// Free text.
    pub details: Option<String>,
    /// Rocket reference.
    pub rocket: Option<LaunchRocket>,
    /// URLs about the launch.
    pub links: Option<LaunchLinks>,
}

/// The rocket part of a launch.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(rename_all = "snake_case")]
pub struct LaunchRocket {
    /// The rocket itself (only its id is asked for).
    pub rocket: Option<RocketRef>,
    /// Name as given on the launch.
    pub rocket_name: Option<String>,
    /// Type as given on the launch.
    pub rocket_type: Option<String>,
}

/// A reference to a rocket.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(graphql_type = "Rocket")]
pub struct RocketRef {
    /// Rocket id.
    pub id: Option<cynic::Id>,
}

/// Every link field of a launch.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(rename_all = "snake_case")]
pub struct LaunchLinks {
    /// News article.
    pub article_link: Option<String>,
    /// Photos.
    pub flickr_images: Option<Vec<Option<String>>>,
    /// Patch image (not a publication).
    pub mission_patch: Option<String>,
    /// Small patch image (not a publication).
    pub mission_patch_small: Option<String>,
    /// Press kit.
    pub presskit: Option<String>,
    /// Reddit campaign thread.
    pub reddit_campaign: Option<String>,
    /// Reddit launch thread.
    pub reddit_launch: Option<String>,
    /// Reddit media thread.
    pub reddit_media: Option<String>,
    /// Reddit recovery thread.
    pub reddit_recovery: Option<String>,
    /// Webcast.
    pub video_link: Option<String>,
    /// Wikipedia page.
    pub wikipedia: Option<String>,
}

/// A mission (query `missions`; empty on the current API).
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(rename_all = "snake_case")]
pub struct Mission {
    /// Mission id.
    pub id: Option<cynic::Id>,
    /// Name.
    pub name: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Makers of the payloads.
    pub manufacturers: Option<Vec<Option<String>>>,
    /// Wikipedia page.
    pub wikipedia: Option<String>,
    /// Web site.
    pub website: Option<String>,
    /// Twitter account.
    pub twitter: Option<String>,
}

/// A rocket (query `rockets`).
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(rename_all = "snake_case")]
pub struct Rocket {
    /// Rocket id.
    pub id: Option<cynic::Id>,
    /// Name.
    pub name: Option<String>,
    /// Upstream `type`.
    #[cynic(rename = "type")]
    pub kind: Option<String>,
    /// Still flying.
    pub active: Option<bool>,
    /// Maker.
    pub company: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Wikipedia page.
    pub wikipedia: Option<String>,
    /// First flight date.
    pub first_flight: Option<Date>,
    /// US dollars.
    pub cost_per_launch: Option<i32>,
    /// Percent.
    pub success_rate_pct: Option<i32>,
}

/// `limit`/`offset` of one page.
#[derive(cynic::QueryVariables, Debug, Clone, Copy)]
pub(crate) struct PageVars {
    pub limit: Option<i32>,
    pub offset: Option<i32>,
}

// The page structs only build the query text: records are decoded one by one from the raw
// JSON (see `client`), so that the failing record's position can be reported and its raw JSON
// kept. Their fields are therefore never read.

/// One page of launches.
#[allow(dead_code)]
#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Query", variables = "PageVars")]
pub(crate) struct LaunchesPage {
    #[arguments(limit: $limit, offset: $offset)]
    pub launches: Option<Vec<Option<Launch>>>,
}

/// One page of missions.
#[allow(dead_code)]
#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Query", variables = "PageVars")]
pub(crate) struct MissionsPage {
    #[arguments(limit: $limit, offset: $offset)]
    pub missions: Option<Vec<Option<Mission>>>,
}

/// One page of rockets.
#[allow(dead_code)]
#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Query", variables = "PageVars")]
pub(crate) struct RocketsPage {
    #[arguments(limit: $limit, offset: $offset)]
    pub rockets: Option<Vec<Option<Rocket>>>,
}
