//! `coinop-load`: drives a coinop relay over real WebSockets on loopback and
//! compares it, in the same run, with a forward-only baseline relay.
//!
//! Both servers run as child processes so their CPU time and memory can be
//! read from `/proc`. See `BENCHMARKS.md` for the figures and commands.

mod baseline_client;
mod cli;
mod cluster_writes;
mod coinop_client;
mod failover;
mod fanout;
mod history;
mod idle;
mod late_join;
mod latency;
mod sdk;
mod server;

use clap::Parser;
use cli::{Args, Scenario};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    raise_fd_limit();
    let run = |s: Scenario| args.scenario == s || args.scenario == Scenario::All;
    if run(Scenario::Fanout) {
        fanout::run(&args).await?;
    }
    if run(Scenario::LateJoin) {
        late_join::run(&args).await?;
    }
    if run(Scenario::Sdk) {
        sdk::run(&args).await?;
    }
    if run(Scenario::History) {
        history::run(&args).await?;
    }
    if run(Scenario::Idle) {
        idle::run(&args).await?;
    }
    if args.scenario == Scenario::Failover {
        failover::run(&args).await?;
    }
    if args.scenario == Scenario::ClusterWrites {
        cluster_writes::run(&args).await?;
    }
    Ok(())
}

/// Thousands of sockets need more descriptors than the usual soft limit; the
/// child relays inherit the raised limit.
fn raise_fd_limit() {
    if let Ok((_, hard)) = rlimit::Resource::NOFILE.get() {
        let _ = rlimit::Resource::NOFILE.set(hard, hard);
    }
}
