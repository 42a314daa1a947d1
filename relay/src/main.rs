//! The `coinop-relay` binary: parse flags, run the relay until SIGINT or
//! SIGTERM, then shut down gracefully.

mod cli;

use clap::Parser;
use coinop_relay::Relay;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    // Logs go to stderr; stdout carries only the "listening on" line.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let config = cli::Cli::parse().into_config();
    let relay = match Relay::start(config).await {
        Ok(relay) => relay,
        Err(e) => {
            tracing::error!(error = %e, "relay failed to start");
            return ExitCode::FAILURE;
        }
    };
    // Tests and scripts read this line to learn the port.
    println!("listening on {}", relay.local_addr());
    wait_for_signal().await;
    tracing::info!("shutting down");
    relay.shutdown().await;
    ExitCode::SUCCESS
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
