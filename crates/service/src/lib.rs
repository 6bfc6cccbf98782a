#![doc = include_str!("../README.md")]

pub mod config;
pub mod runner;

pub use config::{Config, ConfigError};
pub use runner::{run_service, Job, Outcome, ServiceArgs};
