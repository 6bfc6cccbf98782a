#![doc = include_str!("../README.md")]
//!
//! # Layout
//! - [`Dataset`] (`dataset.rs`, `synthetic.rs`): what the server answers from.
//! - `graphql.rs`: parsing, root-field resolution and projection of records.
//! - [`Fault`], [`FaultRule`] (`fault.rs`): injected failures.
//! - [`FakeServer`], [`ServerState`], [`serve`] (`server.rs`): the HTTP side.

// Tests may panic on unexpected errors; the lint is for library code.
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod dataset;
mod fault;
mod graphql;
mod node;
mod server;
mod synthetic;

pub use dataset::{Broken, Dataset, DatasetError};
pub use fault::{Fault, FaultRule};
pub use server::{serve, FakeServer, ServerState};
