//! Row types, one module per table. `New…` structs are what the repository inserts;
//! the others are what it reads back.

mod build_run;
mod capsule;
mod check_result;
mod company;
mod core;
mod dragon;
mod extract_run;
mod history;
mod landpad;
mod launch;
mod launchpad;
mod mission;
mod payload;
mod publication;
mod rejected;
mod roadster;
mod rocket;
mod ship;

pub use self::core::{NewCore, NewCoreMission};
pub use build_run::{BuildMode, BuildRun, BuildStatus};
pub use capsule::{NewCapsule, NewCapsuleMission};
pub use check_result::{CheckName, CheckResult, CheckSeverity, CheckStatus};
pub use company::NewCompany;
pub use dragon::NewDragon;
pub use extract_run::{EntityStatus, ExtractRun, ExtractRunEntity, ExtractRunReference, RunStatus};
pub use history::NewHistory;
pub use landpad::NewLandpad;
pub use launch::{
    NewLaunch, NewLaunchCore, NewLaunchLink, NewLaunchMission, NewLaunchPayload, NewLaunchShip,
    NewLaunchSite,
};
pub use launchpad::NewLaunchpad;
pub use mission::{NewMission, NewMissionPayload};
pub use payload::NewPayload;
pub use publication::{
    Publication, PublicationByObject, PublicationByObjectVersion, PUBLICATION_KINDS,
};
pub use rejected::{NewRejected, Rejected};
pub use roadster::NewRoadster;
pub use rocket::NewRocket;
pub use ship::{NewShip, NewShipMission};

/// A JSON list whose `null` elements (and a `null` or absent list) are dropped: the shape of
/// upstream scalar lists (`customers`, `roles`) stored as NOT NULL arrays of non-null values.
fn non_null<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    let list: Option<Vec<Option<T>>> = serde::Deserialize::deserialize(deserializer)?;
    Ok(list.into_iter().flatten().flatten().collect())
}
