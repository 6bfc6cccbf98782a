//! `martmaker`: the staging → marts service. All logic is in the library.
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

/// Rebuilds the publication marts from staging, once or on a timer.
#[derive(Debug, Parser)]
#[command(name = "martmaker", version, about)]
struct Cli {
    #[command(flatten)]
    service: service::ServiceArgs,
    /// Make the first build a full one (everything recomputed from staging, every row
    /// rewritten), even if staging has not changed; then go on as usual, or exit with --once.
    #[arg(long)]
    full_refresh: bool,
    #[command(subcommand)]
    command: Option<service::Command>,
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
    let cli: Cli = service::runner::parse_command_line(command());
    match cli.command {
        Some(service::Command::Status(args)) => {
            service::status::run("martmaker", &cli.service.config, &args)
        }
        None => martmaker::run(cli.service, cli.full_refresh),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn verify_cli() {
        super::command().debug_assert();
    }
}
