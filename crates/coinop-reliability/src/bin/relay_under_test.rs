//! The relay binary, built inside this package so that its tests can start
//! it with `env!("CARGO_BIN_EXE_relay-under-test")`.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    coinop_relay::cli::run().await
}
