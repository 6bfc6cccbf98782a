//! `martmaker`: the staging → marts service. All logic is in the library.
use std::process::ExitCode;

use clap::Parser;

/// Rebuilds the publication marts from staging, once or on a timer.
#[derive(Debug, Parser)]
#[command(name = "martmaker", version, about)]
struct Cli {
    #[command(flatten)]
    service: service::ServiceArgs,
}

fn main() -> ExitCode {
    martmaker::run(Cli::parse().service)
}

#[cfg(test)]
mod tests {
    #[test]
    fn verify_cli() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
