#![doc = include_str!("../README.md")]
//!
//! Layout:
//! - [`client`]: HTTP, retries, paging ([`Client`], [`ClientSettings`]).
//! - [`records`]: what one record of each entity looks like ([`Launch`], [`Mission`], [`Rocket`]).
//! - [`cancel`]: a flag that stops paging and back-off sleeps early ([`CancelToken`]).
//! - [`error`]: everything that can go wrong ([`Error`]).

pub mod cancel;
pub mod client;
pub mod error;
pub mod records;

pub use cancel::CancelToken;
pub use client::{Client, ClientSettings, Fetched, Record, RequestReport, RetryPolicy};
pub use error::{Error, Result};
pub use records::{Launch, LaunchLinks, LaunchRocket, Mission, Rocket, RocketRef};

#[cynic::schema("spacex")]
mod schema {}
