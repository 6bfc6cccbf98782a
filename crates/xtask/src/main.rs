//! `cargo xtask <command>`: regenerates the project's generated files.

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Regenerates the project's generated files")]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Subcommand)]
enum Task {
    /// crates/db-models/src/schema/*.rs and the staging row types from the migrations (needs the diesel CLI)
    Schema {
        /// Write nothing; fail when a file is out of date
        #[arg(long)]
        check: bool,
    },
    /// doc/data-model.svg and doc/data-model.drawio from the migrations
    DataModel {
        /// Write nothing; fail when a file is out of date
        #[arg(long)]
        check: bool,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Task::Schema { check } => xtask::schema(check),
        Task::DataModel { check } => xtask::data_model(check),
    }
}
