//! `martmaker`: the staging → marts service. All logic is in the library.
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser};

/// Rebuilds the publication marts from staging, once or on a timer.
#[derive(Debug, Parser)]
#[command(name = "martmaker", version, about)]
struct Cli {
    #[command(flatten)]
    service: service::ServiceArgs,
}

/// The command with its own exit codes in `--help`.
fn command() -> clap::Command {
    Cli::command().after_help(service::runner::exit_codes_help(&[
        (
            0,
            "the marts were built or up to date (--once); on the timer: stopped by SIGTERM/SIGINT",
        ),
        (
            1,
            "the build failed (the previous marts stay published), or migrations failed",
        ),
    ]))
}

fn main() -> ExitCode {
    let cli = Cli::from_arg_matches(&command().get_matches()).unwrap_or_else(|error| error.exit());
    martmaker::run(cli.service)
}

#[cfg(test)]
mod tests {
    #[test]
    fn verify_cli() {
        super::command().debug_assert();
    }
}
