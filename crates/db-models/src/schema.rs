//! Diesel table definitions of the `staging` and `marts` schemas, generated from the migrations
//! by `cargo xtask schema` (`diesel print-schema`, settings in `diesel.toml`): never edit
//! `schema/*.rs` by hand; `crates/xtask`'s test fails when they differ from the migrations.
#![allow(missing_docs)] // the migrations comment every table and most columns, not all

include!("schema/staging.rs");
include!("schema/marts.rs");
