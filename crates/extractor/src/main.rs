//! `extractor`: the SpaceX API → `staging` service. All logic is in the library.
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser};

/// Copies the SpaceX GraphQL API into the staging schema, once or on a timer.
#[derive(Debug, Parser)]
#[command(name = "extractor", version, about)]
struct Cli {
    #[command(flatten)]
    service: service::ServiceArgs,
}

/// The command with its own exit codes in `--help`.
fn command() -> clap::Command {
    Cli::command().after_help(service::runner::exit_codes_help(&[
        (
            0,
            "the run succeeded (--once); on the timer: stopped by SIGTERM/SIGINT",
        ),
        (
            1,
            "the run failed (staging unchanged), or migrations failed",
        ),
        (
            3,
            "the run was partial (some entities failed and kept their previous rows)",
        ),
    ]))
}

fn main() -> ExitCode {
    let cli = Cli::from_arg_matches(&command().get_matches()).unwrap_or_else(|error| error.exit());
    extractor::run(cli.service)
}

#[cfg(test)]
mod tests {
    #[test]
    fn verify_cli() {
        super::command().debug_assert();
    }
}
