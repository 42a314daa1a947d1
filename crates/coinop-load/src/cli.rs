//! Command-line arguments.

use clap::{Parser, ValueEnum};
use std::path::PathBuf;

/// Drive a coinop relay over real WebSockets on loopback and compare it with a
/// forward-only baseline relay measured in the same run.
#[derive(Debug, Parser)]
#[command(version)]
pub struct Args {
    /// Which measurement to run.
    #[arg(long, value_enum, default_value = "all")]
    pub scenario: Scenario,
    /// The coinop relay binary (default: `coinop-relay` next to this binary).
    #[arg(long)]
    pub relay_bin: Option<PathBuf>,
    /// The baseline relay binary (default: `coinop-baseline-relay` next to this binary).
    #[arg(long)]
    pub baseline_bin: Option<PathBuf>,
    /// Run the coinop relay without durable storage (`--memory`).
    #[arg(long)]
    pub memory: bool,
    /// Fan-out: number of rooms.
    #[arg(long, default_value_t = 200)]
    pub rooms: usize,
    /// Fan-out: clients per room.
    #[arg(long, default_value_t = 4)]
    pub clients_per_room: usize,
    /// Fan-out: reliable updates per second per client.
    #[arg(long, default_value_t = 10.0)]
    pub hz: f64,
    /// Fan-out: seconds measured (after a warm-up of 2 s).
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Late join: changes in the room before the late joiner arrives
    /// (also the number of writes in the SDK size measurement).
    #[arg(long, default_value_t = 10_000)]
    pub changes: usize,
    /// History: changes in the long room before the writes measured.
    #[arg(long, default_value_t = 100_000)]
    pub history: usize,
    /// Idle: connections held open.
    #[arg(long, default_value_t = 10_000)]
    pub idle_connections: usize,
    /// Failover: how many times an owner node is killed.
    #[arg(long, default_value_t = 20)]
    pub runs: usize,
    /// Failover: the nodes' lease time (`--lease-ms`), in ms.
    #[arg(long, default_value_t = 1500)]
    pub lease_ms: u64,
}

impl Args {
    /// The coinop relay binary to start.
    pub fn relay_bin(&self) -> anyhow::Result<PathBuf> {
        self.relay_bin
            .clone()
            .map_or_else(|| Ok(coinop_harness::sibling_binary("coinop-relay")?), Ok)
    }

    /// The baseline relay binary to start.
    pub fn baseline_bin(&self) -> anyhow::Result<PathBuf> {
        self.baseline_bin.clone().map_or_else(
            || Ok(coinop_harness::sibling_binary("coinop-baseline-relay")?),
            Ok,
        )
    }
}

/// A measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// Every scenario below but the cluster ones (which need PostgreSQL).
    All,
    /// Rooms of clients updating at a fixed rate: latency, throughput, CPU, RSS.
    Fanout,
    /// A late joiner into a room with a long history.
    LateJoin,
    /// Many idle connections: relay memory per connection.
    Idle,
    /// The Rust SDK end to end: set_state latency, cost per call, document size.
    Sdk,
    /// A write's and a received change's cost in a fresh room and in one with a long history.
    History,
    /// Cluster mode: time until a player is back after its room's owner
    /// node is SIGKILLed, over `--runs` runs (starts its own PostgreSQL).
    Failover,
    /// Cluster mode: the fan-out load against one node on PostgreSQL; the
    /// database's commits and CPU per write (starts its own PostgreSQL).
    ClusterWrites,
}
