//! One record of each entity, as asked for and decoded. These structs are the cynic query
//! fragments themselves: the compiler checks each field against `schema/spacex.graphql`.
//! Launches, missions and rockets also serialise as the API sends them, so that tests build
//! and compare records without listing their fields again.
//!
//! Besides the entities, each relation the schema exposes (a launch's ships, a mission's
//! payloads, …) has a record of its own: the owner's `id` plus the relation, fetched by its own
//! paged query. A resolver that is broken upstream (on the current endpoint `Launch.ships`
//! errors) then fails that one relation, never the entity that owns it.
use crate::client::{PagedQuery, SingleQuery};
use crate::schema;

/// The upstream `Date` scalar: ISO strings for `*_utc`/`*_local`/`first_flight`, integers for
/// `*_unix`. Kept as JSON; the extractor parses what it needs.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(transparent)]
pub struct Date(pub serde_json::Value);
cynic::impl_scalar!(Date, schema::Date);

/// A launch (query `launches`). Its relations are separate records: [`LaunchShips`],
/// [`LaunchCores`], [`LaunchPayloads`], [`LaunchSiteOf`].
#[derive(cynic::QueryFragment, Debug, Clone, Default, PartialEq, serde::Serialize)]
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
    /// Its date is not final yet.
    pub is_tentative: Option<bool>,
    /// Free text.
    pub details: Option<String>,
    /// Rocket reference.
    pub rocket: Option<LaunchRocket>,
    /// URLs about the launch.
    pub links: Option<LaunchLinks>,
}

/// The rocket part of a launch.
#[derive(cynic::QueryFragment, Debug, Clone, Default, PartialEq, serde::Serialize)]
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
#[derive(cynic::QueryFragment, Debug, Clone, Default, PartialEq, serde::Serialize)]
#[cynic(graphql_type = "Rocket")]
pub struct RocketRef {
    /// Rocket id.
    pub id: Option<cynic::Id>,
}

/// Every link field of a launch.
#[derive(cynic::QueryFragment, Debug, Clone, Default, PartialEq, serde::Serialize)]
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

/// A mission (query `missions`; empty on the current API). Its payloads: [`MissionPayloads`].
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq, serde::Serialize)]
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
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq, serde::Serialize)]
#[cynic(rename_all = "snake_case")]
pub struct Rocket {
    /// Rocket id.
    pub id: Option<cynic::Id>,
    /// Name.
    pub name: Option<String>,
    /// Upstream `type`.
    #[cynic(rename = "type")]
    #[serde(rename = "type")]
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

/// A capsule (query `capsules`). Its missions: [`CapsuleMissions`].
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(rename_all = "snake_case")]
pub struct Capsule {
    /// Capsule serial (original API) or id.
    pub id: Option<cynic::Id>,
    /// Upstream `type`, e.g. `Dragon 1.1`.
    #[cynic(rename = "type")]
    pub kind: Option<String>,
    /// e.g. `active`, `retired`.
    pub status: Option<String>,
    /// Landings so far.
    pub landings: Option<i32>,
    /// Flights after the first.
    pub reuse_count: Option<i32>,
    /// ISO timestamp of the first launch.
    pub original_launch: Option<Date>,
}

/// A core, i.e. a first-stage booster (query `cores`). Its missions: [`CoreMissions`].
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(rename_all = "snake_case")]
pub struct Core {
    /// Core serial (original API) or id.
    pub id: Option<cynic::Id>,
    /// Falcon 9 block.
    pub block: Option<i32>,
    /// e.g. `active`, `lost`.
    pub status: Option<String>,
    /// ISO timestamp of the first launch.
    pub original_launch: Option<Date>,
    /// Flights after the first.
    pub reuse_count: Option<i32>,
    /// Return-to-launch-site landing attempts.
    pub rtls_attempts: Option<i32>,
    /// Successful return-to-launch-site landings.
    pub rtls_landings: Option<i32>,
    /// Drone-ship landing attempts.
    pub asds_attempts: Option<i32>,
    /// Successful drone-ship landings.
    pub asds_landings: Option<i32>,
    /// Landed in water.
    pub water_landing: Option<bool>,
}

/// A Dragon capsule model (query `dragons`).
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(rename_all = "snake_case")]
pub struct Dragon {
    /// e.g. `dragon1`.
    pub id: Option<cynic::Id>,
    /// Display name.
    pub name: Option<String>,
    /// Upstream `type`, e.g. `capsule`.
    #[cynic(rename = "type")]
    pub kind: Option<String>,
    /// Still flying.
    pub active: Option<bool>,
    /// People it can carry.
    pub crew_capacity: Option<i32>,
    /// Free text.
    pub description: Option<String>,
    /// Dry mass.
    pub dry_mass_kg: Option<i32>,
    /// A calendar date as text (`String` upstream, not `Date`).
    pub first_flight: Option<String>,
    /// Years in orbit.
    pub orbit_duration_yr: Option<i32>,
    /// Degrees.
    pub sidewall_angle_deg: Option<f64>,
    /// Wikipedia page.
    pub wikipedia: Option<String>,
    /// Diameter.
    pub diameter: Option<Distance>,
    /// Height with trunk.
    pub height_w_trunk: Option<Distance>,
    /// Heat shield.
    pub heat_shield: Option<DragonHeatShield>,
    /// Payload mass it can launch.
    pub launch_payload_mass: Option<Mass>,
    /// Payload mass it can bring back.
    pub return_payload_mass: Option<Mass>,
}

/// A length (only meters are asked for).
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
pub struct Distance {
    /// Meters.
    pub meters: Option<f64>,
}

/// A mass (only kilograms are asked for).
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
pub struct Mass {
    /// Kilograms.
    pub kg: Option<i32>,
}

/// A Dragon's heat shield.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(rename_all = "snake_case")]
pub struct DragonHeatShield {
    /// e.g. `PICA-X`.
    pub material: Option<String>,
    /// Meters.
    pub size_meters: Option<f64>,
    /// Degrees Celsius.
    pub temp_degrees: Option<i32>,
    /// Who developed it.
    pub dev_partner: Option<String>,
}

/// A milestone of the company's history (query `histories`).
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(rename_all = "snake_case")]
pub struct History {
    /// Event id.
    pub id: Option<cynic::Id>,
    /// Headline.
    pub title: Option<String>,
    /// Free text.
    pub details: Option<String>,
    /// ISO timestamp.
    pub event_date_utc: Option<Date>,
    /// Unix seconds.
    pub event_date_unix: Option<Date>,
    /// URLs about the event.
    pub links: Option<HistoryLinks>,
}

/// The links of a history event (upstream type `Link`).
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(graphql_type = "Link")]
pub struct HistoryLinks {
    /// News article.
    pub article: Option<String>,
    /// Reddit thread.
    pub reddit: Option<String>,
    /// Wikipedia page.
    pub wikipedia: Option<String>,
}

/// A landing pad or drone ship position (query `landpads`).
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(rename_all = "snake_case")]
pub struct Landpad {
    /// e.g. `LZ-1`.
    pub id: Option<cynic::Id>,
    /// Display name.
    pub full_name: Option<String>,
    /// e.g. `active`.
    pub status: Option<String>,
    /// `RTLS` or `ASDS`.
    pub landing_type: Option<String>,
    /// A number, as text upstream.
    pub attempted_landings: Option<String>,
    /// A number, as text upstream.
    pub successful_landings: Option<String>,
    /// Free text.
    pub details: Option<String>,
    /// Wikipedia page.
    pub wikipedia: Option<String>,
    /// Where it is.
    pub location: Option<Location>,
}

/// A launch pad (query `launchpads`; on the current endpoint it answers landpads, see the
/// extractor's wrong-shape rule).
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(rename_all = "snake_case")]
pub struct Launchpad {
    /// e.g. `ksc_lc_39a`; the `site_id` of a launch's `launch_site`.
    pub id: Option<cynic::Id>,
    /// Display name.
    pub name: Option<String>,
    /// e.g. `active`.
    pub status: Option<String>,
    /// Launches attempted from it.
    pub attempted_launches: Option<i32>,
    /// Successful launches from it.
    pub successful_launches: Option<i32>,
    /// Free text.
    pub details: Option<String>,
    /// Wikipedia page.
    pub wikipedia: Option<String>,
    /// Where it is.
    pub location: Option<Location>,
}

/// A place on Earth.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
pub struct Location {
    /// Place name.
    pub name: Option<String>,
    /// Region or state.
    pub region: Option<String>,
    /// Degrees.
    pub latitude: Option<f64>,
    /// Degrees.
    pub longitude: Option<f64>,
}

/// A payload (query `payloads`; errors on the current endpoint).
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(rename_all = "snake_case")]
pub struct Payload {
    /// e.g. `FalconSAT-2`.
    pub id: Option<cynic::Id>,
    /// e.g. `Satellite`.
    pub payload_type: Option<String>,
    /// Maker.
    pub manufacturer: Option<String>,
    /// Owner's country.
    pub nationality: Option<String>,
    /// Customers.
    pub customers: Option<Vec<Option<String>>>,
    /// NORAD catalogue ids.
    pub norad_id: Option<Vec<Option<i32>>>,
    /// e.g. `LEO`.
    pub orbit: Option<String>,
    /// Kilograms.
    pub payload_mass_kg: Option<f64>,
    /// Pounds.
    pub payload_mass_lbs: Option<f64>,
    /// Flown before.
    pub reused: Option<bool>,
    /// The orbit reached.
    pub orbit_params: Option<PayloadOrbitParams>,
}

/// The orbit of a payload (a subset).
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(rename_all = "snake_case")]
pub struct PayloadOrbitParams {
    /// e.g. `low-earth`.
    pub regime: Option<String>,
    /// e.g. `geocentric`.
    pub reference_system: Option<String>,
    /// Kilometers.
    pub periapsis_km: Option<f64>,
    /// Kilometers.
    pub apoapsis_km: Option<f64>,
    /// Degrees.
    pub inclination_deg: Option<f64>,
    /// Minutes.
    pub period_min: Option<f64>,
}

/// A support ship (query `ships`). Its missions: [`ShipMissions`].
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(rename_all = "snake_case")]
pub struct Ship {
    /// e.g. `GOMSTREE`.
    pub id: Option<cynic::Id>,
    /// Display name.
    pub name: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Upstream `type`, e.g. `Barge`.
    #[cynic(rename = "type")]
    pub kind: Option<String>,
    /// e.g. `Fairing Recovery`.
    pub roles: Option<Vec<Option<String>>>,
    /// In service.
    pub active: Option<bool>,
    /// Status text.
    pub status: Option<String>,
    /// Home port.
    pub home_port: Option<String>,
    /// Year built.
    pub year_built: Option<i32>,
    /// IMO number.
    pub imo: Option<i32>,
    /// MMSI number.
    pub mmsi: Option<i32>,
    /// ABS number.
    pub abs: Option<i32>,
    /// Class.
    pub class: Option<i32>,
    /// Kilograms.
    pub weight_kg: Option<i32>,
    /// Pounds.
    pub weight_lbs: Option<i32>,
    /// Knots.
    pub speed_kn: Option<f64>,
    /// Degrees.
    pub course_deg: Option<i32>,
    /// Landings caught.
    pub successful_landings: Option<i32>,
    /// Landings attempted.
    pub attempted_landings: Option<i32>,
    /// MarineTraffic page.
    pub url: Option<String>,
    /// Photo.
    pub image: Option<String>,
    /// Last known position.
    pub position: Option<ShipLocation>,
}

/// A ship's position.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
pub struct ShipLocation {
    /// Degrees.
    pub latitude: Option<f64>,
    /// Degrees.
    pub longitude: Option<f64>,
}

/// The company (query `company`, a single object of upstream type `Info`).
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(graphql_type = "Info", rename_all = "snake_case")]
pub struct Company {
    /// `SpaceX`.
    pub name: Option<String>,
    /// Founder.
    pub founder: Option<String>,
    /// Year.
    pub founded: Option<i32>,
    /// Head count.
    pub employees: Option<i32>,
    /// Vehicle count.
    pub vehicles: Option<i32>,
    /// Launch site count.
    pub launch_sites: Option<i32>,
    /// Test site count.
    pub test_sites: Option<i32>,
    /// Chief executive.
    pub ceo: Option<String>,
    /// Chief technology officer.
    pub cto: Option<String>,
    /// Chief operating officer.
    pub coo: Option<String>,
    /// Chief technology officer, propulsion.
    pub cto_propulsion: Option<String>,
    /// US dollars.
    pub valuation: Option<f64>,
    /// Free text.
    pub summary: Option<String>,
    /// Headquarters.
    pub headquarters: Option<Address>,
    /// Web presence.
    pub links: Option<CompanyLinks>,
}

/// A postal address.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
pub struct Address {
    /// Street.
    pub address: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State.
    pub state: Option<String>,
}

/// The company's links (upstream type `InfoLinks`).
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(graphql_type = "InfoLinks", rename_all = "snake_case")]
pub struct CompanyLinks {
    /// Web site.
    pub website: Option<String>,
    /// Flickr.
    pub flickr: Option<String>,
    /// Twitter.
    pub twitter: Option<String>,
    /// The CEO's twitter.
    pub elon_twitter: Option<String>,
}

/// The Tesla Roadster in space (query `roadster`, a single object).
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(rename_all = "snake_case")]
pub struct Roadster {
    /// Display name.
    pub name: Option<String>,
    /// Free text.
    pub details: Option<String>,
    /// Wikipedia page.
    pub wikipedia: Option<String>,
    /// ISO timestamp.
    pub launch_date_utc: Option<Date>,
    /// Unix seconds.
    pub launch_date_unix: Option<Date>,
    /// Kilograms.
    pub launch_mass_kg: Option<i32>,
    /// NORAD catalogue id.
    pub norad_id: Option<i32>,
    /// A number upstream (`Float`).
    pub orbit_type: Option<f64>,
    /// Days.
    pub period_days: Option<f64>,
    /// Kilometers per hour.
    pub speed_kph: Option<f64>,
    /// Kilometers.
    pub earth_distance_km: Option<f64>,
    /// Kilometers.
    pub mars_distance_km: Option<f64>,
}

// Relations: the owner's id and the relation, one record per owner.

/// A launch's ships (`Launch.ships`; broken on the current endpoint).
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(graphql_type = "Launch")]
pub struct LaunchShips {
    /// The launch.
    pub id: Option<cynic::Id>,
    /// Ships that supported it.
    pub ships: Option<Vec<Option<ShipRef>>>,
}

/// A reference to a ship.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(graphql_type = "Ship")]
pub struct ShipRef {
    /// Ship id.
    pub id: Option<cynic::Id>,
}

/// A launch's first-stage cores (`Launch.rocket.first_stage.cores`; null on the current
/// endpoint).
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(graphql_type = "Launch")]
pub struct LaunchCores {
    /// The launch.
    pub id: Option<cynic::Id>,
    /// Only `first_stage` is asked for.
    pub rocket: Option<LaunchFirstStage>,
}

/// The first stage of a launch's rocket.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(graphql_type = "LaunchRocket", rename_all = "snake_case")]
pub struct LaunchFirstStage {
    /// The stage.
    pub first_stage: Option<FirstStage>,
}

/// A first stage: its cores.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(graphql_type = "LaunchRocketFirstStage")]
pub struct FirstStage {
    /// One per booster.
    pub cores: Option<Vec<Option<FirstStageCore>>>,
}

/// One core of a launch, with how it flew.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(graphql_type = "LaunchRocketFirstStageCore", rename_all = "snake_case")]
pub struct FirstStageCore {
    /// The core itself (only its id).
    pub core: Option<CoreRef>,
    /// The core's flight number.
    pub flight: Option<i32>,
    /// Falcon 9 block.
    pub block: Option<i32>,
    /// Grid fins fitted.
    pub gridfins: Option<bool>,
    /// Landing legs fitted.
    pub legs: Option<bool>,
    /// Flown before.
    pub reused: Option<bool>,
    /// Landed.
    pub land_success: Option<bool>,
    /// Meant to land.
    pub landing_intent: Option<bool>,
    /// `RTLS`, `ASDS`, `Ocean`.
    pub landing_type: Option<String>,
    /// Landpad id.
    pub landing_vehicle: Option<String>,
}

/// A reference to a core.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(graphql_type = "Core")]
pub struct CoreRef {
    /// Core id.
    pub id: Option<cynic::Id>,
}

/// A launch's payloads (`Launch.rocket.second_stage.payloads`; null on the current endpoint).
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(graphql_type = "Launch")]
pub struct LaunchPayloads {
    /// The launch.
    pub id: Option<cynic::Id>,
    /// Only `second_stage` is asked for.
    pub rocket: Option<LaunchSecondStage>,
}

/// The second stage of a launch's rocket.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(graphql_type = "LaunchRocket", rename_all = "snake_case")]
pub struct LaunchSecondStage {
    /// The stage.
    pub second_stage: Option<SecondStage>,
}

/// A second stage: its payloads.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(graphql_type = "LaunchRocketSecondStage")]
pub struct SecondStage {
    /// Payloads carried.
    pub payloads: Option<Vec<Option<PayloadRef>>>,
}

/// A reference to a payload.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(graphql_type = "Payload")]
pub struct PayloadRef {
    /// Payload id.
    pub id: Option<cynic::Id>,
}

/// A launch's launch site (`Launch.launch_site`; null on the current endpoint).
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(graphql_type = "Launch", rename_all = "snake_case")]
pub struct LaunchSiteOf {
    /// The launch.
    pub id: Option<cynic::Id>,
    /// Where it launched from.
    pub launch_site: Option<LaunchSite>,
}

/// A launch site as named on a launch.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(rename_all = "snake_case")]
pub struct LaunchSite {
    /// The launchpad id.
    pub site_id: Option<String>,
    /// Short name.
    pub site_name: Option<String>,
    /// Long name.
    pub site_name_long: Option<String>,
}

/// A mission's payloads (`Mission.payloads`; the original API answers `null` elements for
/// payloads it cannot find).
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(graphql_type = "Mission")]
pub struct MissionPayloads {
    /// The mission.
    pub id: Option<cynic::Id>,
    /// Its payloads.
    pub payloads: Option<Vec<Option<PayloadRef>>>,
}

/// A capsule's missions (`Capsule.missions`; null on the current endpoint).
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(graphql_type = "Capsule")]
pub struct CapsuleMissions {
    /// The capsule.
    pub id: Option<cynic::Id>,
    /// Missions flown.
    pub missions: Option<Vec<Option<CapsuleMission>>>,
}

/// A core's missions (`Core.missions`, upstream type `[CapsuleMission]`; null on the current
/// endpoint).
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(graphql_type = "Core")]
pub struct CoreMissions {
    /// The core.
    pub id: Option<cynic::Id>,
    /// Missions flown.
    pub missions: Option<Vec<Option<CapsuleMission>>>,
}

/// A mission flown by a capsule or core: the launch's mission name and flight number.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
pub struct CapsuleMission {
    /// Mission name as on the launch.
    pub name: Option<String>,
    /// Flight number of the launch.
    pub flight: Option<i32>,
}

/// A ship's missions (`Ship.missions`; null on the current endpoint).
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(graphql_type = "Ship")]
pub struct ShipMissions {
    /// The ship.
    pub id: Option<cynic::Id>,
    /// Missions supported.
    pub missions: Option<Vec<Option<ShipMission>>>,
}

/// A mission supported by a ship.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
pub struct ShipMission {
    /// Mission name as on the launch.
    pub name: Option<String>,
    /// Flight number of the launch, as text upstream.
    pub flight: Option<String>,
}

/// A rocket's payload capacities (`Rocket.payload_weights`).
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(graphql_type = "Rocket", rename_all = "snake_case")]
pub struct RocketPayloadWeights {
    /// The rocket.
    pub id: Option<cynic::Id>,
    /// Its capacity per target orbit.
    pub payload_weights: Option<Vec<Option<RocketPayloadWeight>>>,
}

/// What a rocket can lift to one orbit.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
pub struct RocketPayloadWeight {
    /// The orbit, e.g. `leo`.
    pub id: Option<String>,
    /// The orbit's name.
    pub name: Option<String>,
    /// Kilograms.
    pub kg: Option<i32>,
    /// Pounds.
    pub lb: Option<i32>,
}

/// `limit`/`offset` of one page.
#[derive(cynic::QueryVariables, Debug, Clone, Copy)]
pub struct PageVars {
    /// Records per page.
    pub limit: Option<i32>,
    /// Records to skip.
    pub offset: Option<i32>,
}

/// Declares the query of one paged root field: a `Query` fragment listing `$record`s with
/// `limit`/`offset`, and its [`PagedQuery`] impl. `$d` is a literal `$`, passed in because a
/// macro cannot write `$limit` itself.
///
/// The page structs only build the query text: records are decoded one by one from the raw
/// JSON (see `client`), so that the failing record's position can be reported and its raw
/// JSON kept. Their fields are therefore never read.
macro_rules! paged_queries {
    ($d:tt $($(#[$doc:meta])* $page:ident: $field:ident -> $record:ty;)+) => {$(
        $(#[$doc])*
        #[allow(dead_code)]
        #[derive(cynic::QueryFragment, Debug)]
        #[cynic(graphql_type = "Query", variables = "PageVars")]
        pub struct $page {
            #[arguments(limit: $d limit, offset: $d offset)]
            $field: Option<Vec<Option<$record>>>,
        }

        impl PagedQuery for $page {
            const FIELD: &'static str = stringify!($field);
            type Record = $record;
        }
    )+};
}

paged_queries! {$
    /// One page of launches.
    LaunchesPage: launches -> Launch;
    /// One page of missions.
    MissionsPage: missions -> Mission;
    /// One page of rockets.
    RocketsPage: rockets -> Rocket;
    /// One page of capsules.
    CapsulesPage: capsules -> Capsule;
    /// One page of cores.
    CoresPage: cores -> Core;
    /// One page of dragons.
    DragonsPage: dragons -> Dragon;
    /// One page of history events.
    HistoriesPage: histories -> History;
    /// One page of landpads.
    LandpadsPage: landpads -> Landpad;
    /// One page of launchpads.
    LaunchpadsPage: launchpads -> Launchpad;
    /// One page of payloads.
    PayloadsPage: payloads -> Payload;
    /// One page of ships.
    ShipsPage: ships -> Ship;
    /// One page of launches' ships.
    LaunchShipsPage: launches -> LaunchShips;
    /// One page of launches' first-stage cores.
    LaunchCoresPage: launches -> LaunchCores;
    /// One page of launches' payloads.
    LaunchPayloadsPage: launches -> LaunchPayloads;
    /// One page of launches' launch sites.
    LaunchSitesPage: launches -> LaunchSiteOf;
    /// One page of missions' payloads.
    MissionPayloadsPage: missions -> MissionPayloads;
    /// One page of capsules' missions.
    CapsuleMissionsPage: capsules -> CapsuleMissions;
    /// One page of cores' missions.
    CoreMissionsPage: cores -> CoreMissions;
    /// One page of ships' missions.
    ShipMissionsPage: ships -> ShipMissions;
    /// One page of rockets' payload capacities.
    RocketPayloadWeightsPage: rockets -> RocketPayloadWeights;
}

/// Declares the query of one single-object root field and its [`SingleQuery`] impl.
macro_rules! single_queries {
    ($($(#[$doc:meta])* $query:ident: $field:ident -> $record:ty;)+) => {$(
        $(#[$doc])*
        #[allow(dead_code)]
        #[derive(cynic::QueryFragment, Debug)]
        #[cynic(graphql_type = "Query")]
        pub struct $query {
            $field: Option<$record>,
        }

        impl SingleQuery for $query {
            const FIELD: &'static str = stringify!($field);
            type Record = $record;
        }
    )+};
}

single_queries! {
    /// The company.
    CompanyQuery: company -> Company;
    /// The roadster.
    RoadsterQuery: roadster -> Roadster;
}
