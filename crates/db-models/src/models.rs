//! Row types. `New…` structs are what the repository inserts; the others are what it reads
//! back.

mod build_run;
mod check_result;
mod extract_run;
mod publication;
mod rejected;
mod staging_rows;

pub use build_run::{BuildMode, BuildRun, BuildStatus};
pub use check_result::{CheckName, CheckResult, CheckSeverity, CheckStatus};
pub use extract_run::{EntityStatus, ExtractRun, ExtractRunEntity, ExtractRunReference, RunStatus};
pub use publication::{
    Publication, PublicationByObject, PublicationByObjectVersion, PUBLICATION_KINDS,
};
pub use rejected::{NewRejected, Rejected};
// The rows of the staging tables an extraction writes are generated from the migrations by
// `cargo xtask schema`; the types here are written by hand because they say more than a
// column does (statuses as enums, what a check means).
pub use staging_rows::*;

/// A JSON list whose `null` elements (and a `null` or absent list) are dropped: the shape of
/// upstream scalar lists (`customers`, `roles`) stored as NOT NULL arrays of non-null values.
fn non_null<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    let list: Option<Vec<Option<T>>> = serde::Deserialize::deserialize(deserializer)?;
    Ok(list.into_iter().flatten().flatten().collect())
}
