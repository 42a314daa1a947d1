//! Cluster writes: the fan-out load against one cluster node on a
//! throwaway PostgreSQL, to see what each write costs the database. Reports
//! writes per second, the node's group commits (one PostgreSQL transaction
//! each) and how many writes each carries, the mean commit time, and the
//! CPU per write of the node and of the PostgreSQL server (all of its
//! processes).

use crate::cli::Args;
use crate::fanout;
use crate::server::Kind;
use anyhow::Context;
use coinop_harness::{Postgres, cpu_time};
use std::path::Path;
use std::time::Duration;

/// Runs the load and prints the database's share.
pub async fn run(args: &Args) -> anyhow::Result<()> {
    let bin = args.relay_bin()?;
    let pg = Postgres::start().context("PostgreSQL is needed for the cluster-writes scenario")?;
    let postmaster = postmaster_pid(pg.socket_dir())?;
    let pg_cpu = || server_cpu(postmaster);
    let kind = Kind::Node { url: pg.url() };
    let name = "coinop (cluster node, PostgreSQL)";
    let o = fanout::measure(args, name, &kind, &bin, Some(&pg_cpu)).await?;
    let receivers = args.clients_per_room.saturating_sub(1).max(1) as f64;
    let writes = o.delivered_per_sec / receivers;
    let seconds = args.seconds as f64;
    let per_write = |cpu: Duration| cpu.as_secs_f64() * 1e6 / (writes * seconds).max(1.0);
    let relay_cpu = o.cpu_us_per_delivered * receivers;
    println!(
        "\n## cluster writes: {} rooms x {} clients, {} updates/s each, {} s measured, one node",
        args.rooms, args.clients_per_room, args.hz, args.seconds
    );
    println!("| measure | value |\n|---|---|");
    println!("| writes stored and delivered | {writes:.0}/s |");
    println!(
        "| latency to the other players p50 / p99 | {:.2} / {:.2} ms |",
        o.p50.as_secs_f64() * 1e3,
        o.p99.as_secs_f64() * 1e3
    );
    println!(
        "| group commits (transactions) | {:.0}/s |",
        o.commits / seconds
    );
    println!(
        "| writes per commit | {:.1} |",
        writes * seconds / o.commits.max(1.0)
    );
    println!(
        "| mean commit time | {:.2} ms |",
        o.commit_seconds * 1e3 / o.commits.max(1.0)
    );
    println!("| node CPU per write | {relay_cpu:.1} µs |");
    println!(
        "| PostgreSQL CPU per write | {:.1} µs |",
        per_write(o.other_cpu)
    );
    println!(
        "| PostgreSQL CPU per commit | {:.0} µs |",
        o.other_cpu.as_secs_f64() * 1e6 / o.commits.max(1.0)
    );
    Ok(())
}

/// The PostgreSQL server's main process, from its pid file.
fn postmaster_pid(dir: &Path) -> anyhow::Result<u32> {
    let file = dir.join("data").join("postmaster.pid");
    let text = std::fs::read_to_string(&file).with_context(|| file.display().to_string())?;
    text.lines()
        .next()
        .and_then(|l| l.trim().parse().ok())
        .with_context(|| format!("no pid in {}", file.display()))
}

/// CPU time of the server: the main process and its children (backends,
/// WAL writer, checkpointer).
fn server_cpu(postmaster: u32) -> Duration {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Duration::ZERO;
    };
    let children = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| parent(*pid) == Some(postmaster));
    children.chain([postmaster]).filter_map(cpu_time).sum()
}

/// The parent of process `pid` (the 4th field of `/proc/PID/stat`).
fn parent(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    rest.split_whitespace().nth(1)?.parse().ok()
}
