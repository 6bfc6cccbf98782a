#![doc = include_str!("../README.md")]

pub mod entity;
pub mod models;
pub mod schema;
mod text_enum;
