//! Row types, one module per table. `New…` structs are what the repository inserts;
//! the others are what it reads back.

pub mod build_run;
pub mod extract_run;
pub mod launch;
pub mod mission;
pub mod publication;
pub mod rejected;
pub mod rocket;

pub use build_run::BuildRun;
pub use extract_run::{ExtractRun, ExtractRunEntity, RunStatus};
pub use launch::{NewLaunch, NewLaunchLink, NewLaunchMission};
pub use mission::NewMission;
pub use publication::{Publication, PublicationByObject};
pub use rejected::{NewRejected, Rejected};
pub use rocket::NewRocket;
