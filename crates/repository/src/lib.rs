#![doc = include_str!("../README.md")]

pub mod dashboard;
pub mod error;
pub mod extract_runs;
pub mod marts;
pub mod read;
pub mod staging;
pub mod status;

mod database;

pub use database::{Database, DatabaseSettings, PgPooled, PoolManager};
pub use error::{Error, Result};
