#![doc = include_str!("../README.md")]
//!
//! Layout:
//! - [`client`]: HTTP, retries, paging ([`Client`], [`ClientSettings`]).
//! - [`records`]: what one record of each entity and relation looks like ([`Launch`],
//!   [`Mission`], [`Rocket`], `Capsule`, …, `LaunchShips`, …) and the query of each.
//! - [`decode`]: response body → records, pure and fuzzed; marks invalid upstream text.
//! - [`error`]: everything that can go wrong ([`Error`]).

pub mod client;
pub mod decode;
pub mod error;
pub mod records;

pub use client::{
    Client, ClientSettings, Fetched, Paged, PagedQuery, Record, RequestReport, RetryPolicy,
    SingleQuery,
};
pub use error::{Error, Result};
pub use records::{Launch, LaunchLinks, LaunchRocket, Mission, Rocket, RocketRef};

#[cynic::schema("spacex")]
mod schema {}
