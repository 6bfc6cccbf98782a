//! `extractor`: the SpaceX API → `staging` service. All logic is in the library.
use std::process::ExitCode;

use clap::Parser;

/// Copies the SpaceX GraphQL API into the staging schema, once or on a timer.
#[derive(Debug, Parser)]
#[command(name = "extractor", version, about)]
struct Cli {
    #[command(flatten)]
    service: service::ServiceArgs,
}

fn main() -> ExitCode {
    extractor::run(Cli::parse().service)
}

#[cfg(test)]
mod tests {
    #[test]
    fn verify_cli() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
