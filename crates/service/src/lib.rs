#![doc = include_str!("../README.md")]

pub mod config;
pub mod duration;
pub mod freshness;
pub mod http;
pub mod logging;
pub mod metrics;
pub mod runner;
pub mod status;

pub use config::{Config, ConfigError, Listen, LogFormat};
pub use http::Http;
pub use runner::{run_service, Command, Job, Outcome, ServiceArgs};
