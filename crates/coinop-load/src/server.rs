//! Starting the relays under test as child processes (the harness's
//! [`RelayProcess`], which also reads their CPU time and memory).

use crate::cli::Args;
use anyhow::Context;
use coinop_harness::RelayProcess;
use std::path::Path;

/// Which relay to start.
pub enum Kind {
    /// The coinop relay, durable unless `memory`.
    Coinop {
        /// Run without storage.
        memory: bool,
    },
    /// The forward-only baseline.
    Baseline,
    /// The coinop relay as a cluster node on the PostgreSQL database at `url`.
    Node {
        /// `--database-url`.
        url: String,
    },
}

/// Starts a relay on a free loopback port and waits until it accepts
/// connections; it is killed when dropped.
pub fn start(kind: &Kind, bin: &Path) -> anyhow::Result<RelayProcess> {
    let builder = RelayProcess::builder(bin);
    let builder = match kind {
        Kind::Coinop { memory: false } => builder.env("RUST_LOG", "warn"),
        Kind::Coinop { memory: true } => builder
            .without_data_dir()
            .arg("--memory")
            .env("RUST_LOG", "warn"),
        Kind::Baseline => builder.without_data_dir(),
        Kind::Node { url } => builder
            .without_data_dir()
            .args(["--database-url", url])
            .env("RUST_LOG", "warn"),
    };
    builder
        .start()
        .with_context(|| format!("starting {}", bin.display()))
}

impl Kind {
    /// The coinop relay as the flags say (`--memory`).
    pub fn coinop(args: &Args) -> Kind {
        Kind::Coinop {
            memory: args.memory,
        }
    }
}

/// Starts the coinop relay as the flags say (`--relay-bin`, `--memory`).
pub fn start_coinop(args: &Args) -> anyhow::Result<RelayProcess> {
    start(&Kind::coinop(args), &args.relay_bin()?)
}

/// Resident memory of the relay now, in bytes.
pub fn rss_bytes(server: &RelayProcess) -> u64 {
    server.rss_kib().unwrap_or_default() * 1024
}
