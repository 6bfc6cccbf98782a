//! `extractor`: the SpaceX API → `staging` service. All logic is in the library.
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

/// Copies the SpaceX GraphQL API into the staging schema, once or on a timer.
#[derive(Debug, Parser)]
#[command(name = "extractor", version, about)]
struct Cli {
    #[command(flatten)]
    service: service::ServiceArgs,
    #[command(subcommand)]
    command: Option<service::Command>,
    /// Apply the fetch of these entities even where it brought far fewer records than staging
    /// holds (see `extractor.shrink_guard` in config.yaml). Comma-separated; with --once.
    #[arg(
        long,
        value_name = "ENTITY",
        value_delimiter = ',',
        requires = "once",
        value_parser = clap::builder::PossibleValuesParser::new(
            repository::staging::Entity::ALL.iter().map(|entity| entity.as_str())
        ),
    )]
    accept_shrink: Vec<String>,
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
            "the run was partial (an entity failed, was withheld, or is required and unavailable upstream; it kept its previous rows)",
        ),
    ]))
}

fn main() -> ExitCode {
    let cli: Cli = service::runner::parse_command_line(command());
    match cli.command {
        Some(service::Command::Status(args)) => {
            service::status::run("extractor", &cli.service.config, &args)
        }
        None => extractor::run(cli.service, cli.accept_shrink),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn verify_cli() {
        super::command().debug_assert();
    }
}
