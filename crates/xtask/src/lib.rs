//! The project's generators, run by `cargo xtask <command>` (see the README); the tests of
//! this crate fail when a generated file differs from what its generator gives today.

mod data_model;
mod rows;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use diesel::{Connection, PgConnection};

/// The workspace's root folder.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/xtask is two levels down")
        .to_path_buf()
}

/// The command that regenerates db-models' schema files.
pub const SCHEMA_COMMAND: &str = "cargo xtask schema";

/// Writes `crates/db-models/src/schema/{staging,marts}.rs` as `diesel print-schema` gives them
/// for the migrated database (settings in `diesel.toml`: the migrations' comments as doc
/// comments, `staging.patch` applied), and the staging row types (see [`rows`]). With
/// `check`, writes nothing and fails, showing the difference, when a file would change.
pub fn schema(check: bool) -> Result<()> {
    let db = test_kit::TestDb::migrated();
    let root = root();
    // `migration run` finds nothing to apply, then (re)writes or, locked, compares every
    // `print_schema.*.file` of diesel.toml.
    let mut diesel = Command::new("diesel");
    diesel
        .current_dir(&root)
        .args(["migration", "run", "--config-file"])
        .arg(root.join("diesel.toml"))
        .arg("--database-url")
        .arg(db.url());
    if check {
        diesel.arg("--locked-schema");
    }
    let output = diesel.output().with_context(|| {
        "cannot run the diesel CLI: install it with `cargo install diesel_cli --version 2.3.14 \
         --locked --no-default-features --features postgres`"
    })?;
    if !output.status.success() {
        bail!(
            "diesel {}:\n{}{}",
            if check {
                format!("found the schema files out of date: run `{SCHEMA_COMMAND}`")
            } else {
                "failed".to_string()
            },
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let mut conn = PgConnection::establish(&db.url())?;
    let text = rustfmt(&rows::render(&mut conn)?)?;
    let path = root.join(rows::FILE);
    if !check {
        std::fs::write(&path, text).with_context(|| format!("{}", path.display()))?;
    } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
        bail!("{} is out of date: run `{SCHEMA_COMMAND}`", rows::FILE);
    }
    Ok(())
}

/// `source` laid out as `cargo fmt` lays out the workspace.
fn rustfmt(source: &str) -> Result<String> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2021", "--emit", "stdout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run rustfmt")?;
    child
        .stdin
        .take()
        .context("rustfmt's stdin")?
        .write_all(source.as_bytes())?;
    let output = child.wait_with_output()?;
    if !output.status.success() {
        bail!("rustfmt: {}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(String::from_utf8(output.stdout)?)
}

/// The command that regenerates the data-model drawing.
pub const DATA_MODEL_COMMAND: &str = "cargo xtask data-model";

/// Writes `doc/data-model.drawio` and `doc/data-model.svg`, drawn from the migrated database.
/// With `check`, writes nothing and fails when a file would change.
pub fn data_model(check: bool) -> Result<()> {
    let db = test_kit::TestDb::migrated();
    let mut conn = PgConnection::establish(&db.url())?;
    let mut stale = Vec::new();
    for (file, text) in data_model::render(&mut conn)? {
        let path = root().join("doc").join(file);
        if !check {
            std::fs::write(&path, text).with_context(|| format!("{}", path.display()))?;
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(format!("doc/{file}"));
        }
    }
    if !stale.is_empty() {
        bail!(
            "{} out of date with migrations/: run `{DATA_MODEL_COMMAND}` and commit doc/",
            stale.join(" and ")
        );
    }
    Ok(())
}
