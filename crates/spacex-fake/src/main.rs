//! `spacex-fake`: serve the fake SpaceX GraphQL API until SIGINT/SIGTERM.

use std::net::SocketAddr;

use anyhow::Context;
use clap::Parser;
use spacex_fake::{serve, Dataset, ServerState};

/// A local SpaceX-compatible GraphQL server for tests and offline demos.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:4000")]
    listen: SocketAddr,
    /// Fixture set ("current", "original") or a directory of NAME.json files.
    #[arg(long, default_value = "current")]
    fixtures: String,
    /// Serve N generated launches (with missions and rockets) instead of fixtures.
    #[arg(long, value_name = "N", conflicts_with = "fixtures")]
    synthetic_launches: Option<usize>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    let dataset = match cli.synthetic_launches {
        Some(n) => Dataset::synthetic(n),
        None => Dataset::load(&cli.fixtures)
            .with_context(|| format!("Failed to load fixtures {:?}", cli.fixtures))?,
    };
    let listener = tokio::net::TcpListener::bind(cli.listen)
        .await
        .with_context(|| format!("Failed to listen on {}", cli.listen))?;
    log::info!(
        "Serving the fake SpaceX API on http://{}/.",
        listener.local_addr()?
    );
    serve(listener, ServerState::new(dataset), shutdown_signal()).await?;
    Ok(())
}

/// Completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            log::error!("Cannot listen for Ctrl-C: {error}.");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                log::error!("Cannot listen for SIGTERM: {error}.");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        super::Cli::command().debug_assert();
    }
}
