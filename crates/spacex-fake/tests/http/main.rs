//! The fake SpaceX API over real HTTP, with a plain client (ureq), as its users see it.
#![allow(clippy::unwrap_used)] // tests panic on unexpected errors

mod faults;
mod fixtures;
mod helpers;
mod queries;
