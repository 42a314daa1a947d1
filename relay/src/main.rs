//! The `coinop-relay` binary: everything is in [`coinop_relay::cli::run`].

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    coinop_relay::cli::run().await
}
