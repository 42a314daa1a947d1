//! The `coinop-relay` command line: flags (each with a `COINOP_*`
//! environment fallback) and [`run`], the whole binary.

use crate::command::Command;
use crate::core::PersistentLimits;
use crate::log_format::{LogFormat, init_logging};
use crate::{Relay, RelayConfig, StorageConfig, defaults};
use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// coinop relay: forwards and persists shared room state for coinop clients.
/// Without a subcommand it runs the relay.
#[derive(Debug, Parser)]
#[command(name = "coinop-relay", version)]
pub struct Args {
    /// Work on a data directory instead of running the relay.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The relay's flags.
    #[command(flatten)]
    pub relay: Cli,
}

/// coinop relay: forwards and persists shared room state for coinop clients.
#[derive(Debug, Parser)]
#[command(name = "coinop-relay", version)]
pub struct Cli {
    /// Address to listen on (HTTP and WebSocket on the same port).
    #[arg(long, env = "COINOP_ADDR", default_value_t = defaults::ADDR)]
    addr: SocketAddr,
    /// Data directory for the embedded database (coinop.db).
    #[arg(long, env = "COINOP_DATA_DIR", default_value = defaults::DATA_DIR)]
    data_dir: PathBuf,
    /// Keep everything in memory: nothing survives a restart.
    #[arg(long, env = "COINOP_MEMORY")]
    memory: bool,
    /// Most players per room (also the default for rooms that name none).
    #[arg(long, env = "COINOP_MAX_PLAYERS", default_value_t = defaults::MAX_PLAYERS)]
    max_players: u16,
    /// Largest WebSocket frame, in bytes.
    #[arg(long, env = "COINOP_MAX_FRAME_BYTES", default_value_t = defaults::MAX_FRAME_BYTES)]
    max_frame_bytes: usize,
    /// Largest automerge change, in bytes.
    #[arg(long, env = "COINOP_MAX_CHANGE_BYTES", default_value_t = defaults::MAX_CHANGE_BYTES)]
    max_change_bytes: usize,
    /// Largest stored room (snapshot + log), in bytes.
    #[arg(long, env = "COINOP_MAX_ROOM_BYTES", default_value_t = defaults::MAX_ROOM_BYTES)]
    max_room_bytes: u64,
    /// Reliable messages per second per connection (excess is read slower).
    #[arg(long, env = "COINOP_RELIABLE_PER_SEC", default_value_t = defaults::RELIABLE_PER_SEC)]
    reliable_per_sec: u32,
    /// Reliable message burst per connection. A player that reconnects
    /// gets back the budget its last connection left, not a fresh burst.
    #[arg(long, env = "COINOP_RELIABLE_BURST", default_value_t = defaults::RELIABLE_BURST)]
    reliable_burst: u32,
    /// Seconds a connection may stay throttled before RATE_LIMITED.
    #[arg(long, env = "COINOP_RATE_LIMIT_PATIENCE_SECS", default_value_t = defaults::RATE_LIMIT_PATIENCE_SECS)]
    rate_limit_patience_secs: u64,
    /// Unreliable messages per second per connection (excess is dropped).
    #[arg(long, env = "COINOP_UNRELIABLE_PER_SEC", default_value_t = defaults::UNRELIABLE_PER_SEC)]
    unreliable_per_sec: u32,
    /// Unreliable message burst per connection.
    #[arg(long, env = "COINOP_UNRELIABLE_BURST", default_value_t = defaults::UNRELIABLE_BURST)]
    unreliable_burst: u32,
    /// Most rooms loaded at once.
    #[arg(long, env = "COINOP_MAX_ROOMS", default_value_t = defaults::MAX_ROOMS)]
    max_rooms: usize,
    /// New connections per second from one client address, sustained; the
    /// excess gets HTTP 429 before anything is read. 0 turns it off.
    #[arg(long, env = "COINOP_CONNECTIONS_PER_IP_PER_SEC", default_value_t = defaults::CONNECTIONS_PER_IP_PER_SEC)]
    connections_per_ip_per_sec: u32,
    /// New connections one client address may open in a burst.
    #[arg(long, env = "COINOP_CONNECTIONS_PER_IP_BURST", default_value_t = defaults::CONNECTIONS_PER_IP_BURST)]
    connections_per_ip_burst: u32,
    /// Apply the per-address connection limit to loopback peers too (they
    /// are exempt by default: behind a reverse proxy on the same host every
    /// player arrives from loopback).
    #[arg(long, env = "COINOP_LIMIT_LOOPBACK_CONNECTIONS")]
    limit_loopback_connections: bool,
    /// Seconds allowed for the HTTP request and the join frame.
    #[arg(long, env = "COINOP_HANDSHAKE_TIMEOUT_SECS", default_value_t = defaults::HANDSHAKE_TIMEOUT_SECS)]
    handshake_timeout_secs: u64,
    /// Seconds without any message before a connection is closed.
    #[arg(long, env = "COINOP_IDLE_TIMEOUT_SECS", default_value_t = defaults::IDLE_TIMEOUT_SECS)]
    idle_timeout_secs: u64,
    /// Default grace period for a dropped player's seat, in milliseconds.
    #[arg(long, env = "COINOP_GRACE_PERIOD_MS", default_value_t = defaults::GRACE_PERIOD_MS)]
    grace_period_ms: u64,
    /// Longest grace period a room may ask for, in milliseconds.
    #[arg(long, env = "COINOP_MAX_GRACE_PERIOD_MS", default_value_t = defaults::MAX_GRACE_PERIOD_MS)]
    max_grace_period_ms: u64,
    /// Allowed Origin header values, comma-separated; empty allows any.
    #[arg(long, env = "COINOP_ALLOWED_ORIGINS", value_delimiter = ',')]
    allowed_origins: Vec<String>,
    /// Most bytes of reliable frames queued per connection (SLOW_CONSUMER beyond).
    #[arg(long, env = "COINOP_MAX_OUTBOX_BYTES", default_value_t = defaults::MAX_OUTBOX_BYTES)]
    max_outbox_bytes: usize,
    /// Compact a room once its log since the snapshot has this many entries.
    #[arg(long, env = "COINOP_COMPACT_ENTRIES", default_value_t = defaults::COMPACT_ENTRIES)]
    compact_entries: usize,
    /// Compact a room once its log since the snapshot has this many bytes.
    #[arg(long, env = "COINOP_COMPACT_BYTES", default_value_t = defaults::COMPACT_BYTES)]
    compact_bytes: u64,
    /// Keep this many bytes of each room's newest log entries in memory;
    /// older entries (all on disk) are read back for late joiners and
    /// compaction.
    #[arg(long, env = "COINOP_LOG_CACHE_BYTES", default_value_t = defaults::LOG_CACHE_BYTES)]
    log_cache_bytes: u64,
    /// Serve the files of DIR under the URL prefix PREFIX (such as
    /// `/coinop/=bindings/js/dist` or `/=site`); repeatable, the longest
    /// prefix wins. Comma-separated in the environment variable.
    #[arg(long = "serve", value_name = "PREFIX=DIR", env = "COINOP_SERVE",
          value_delimiter = ',', value_parser = parse_mount)]
    serve: Vec<(String, PathBuf)>,
    /// Let non-loopback peers use the inspector (/inspect, /api/rooms) with
    /// `Authorization: Bearer TOKEN` (or `?token=TOKEN` for the page).
    #[arg(long, env = "COINOP_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Log lines as text or as one JSON object per line.
    #[arg(
        long,
        env = "COINOP_LOG_FORMAT",
        value_enum,
        default_value_t,
        global = true
    )]
    log_format: LogFormat,
    // Playroom parity: persistent data, matchmaking, stream screens and spectators.
    /// Most bytes under one persistent key per player (a value or a whole
    /// list): PERSISTENT_VALUE_TOO_LARGE beyond.
    #[arg(long, env = "COINOP_MAX_PERSISTENT_VALUE_BYTES", default_value_t = defaults::MAX_PERSISTENT_VALUE_BYTES)]
    max_persistent_value_bytes: usize,
    /// Most persistent keys per player: TOO_MANY_PERSISTENT_KEYS beyond.
    #[arg(long, env = "COINOP_MAX_PERSISTENT_KEYS", default_value_t = defaults::MAX_PERSISTENT_KEYS)]
    max_persistent_keys: usize,
    /// Most entries in one persistent list: PERSISTENT_LIST_TOO_LONG beyond.
    #[arg(long, env = "COINOP_MAX_PERSISTENT_LIST_LEN", default_value_t = defaults::MAX_PERSISTENT_LIST_LEN)]
    max_persistent_list_len: usize,
    /// Most stream screens and spectators per room: WATCHERS_FULL beyond.
    #[arg(long, env = "COINOP_MAX_WATCHERS", default_value_t = defaults::MAX_WATCHERS)]
    max_watchers: u16,
    /// Longest a matchmaking player waits for an open public room before
    /// one is created, in milliseconds (caps waitBeforeCreatingNewRoom).
    #[arg(long, env = "COINOP_MAX_MATCHMAKING_WAIT_MS", default_value_t = defaults::MAX_MATCHMAKING_WAIT_MS)]
    max_matchmaking_wait_ms: u64,
}

/// Parses `PREFIX=DIR`; the prefix must start with `/`.
fn parse_mount(s: &str) -> Result<(String, PathBuf), String> {
    let (prefix, dir) = s
        .split_once('=')
        .ok_or_else(|| format!("expected PREFIX=DIR, got {s:?}"))?;
    if !prefix.starts_with('/') {
        return Err(format!("the prefix must start with '/', got {prefix:?}"));
    }
    if dir.is_empty() {
        return Err(format!("no directory given for {prefix:?}"));
    }
    Ok((prefix.to_owned(), PathBuf::from(dir)))
}

impl Cli {
    /// The relay configuration these flags describe.
    pub fn into_config(self) -> RelayConfig {
        RelayConfig {
            addr: self.addr,
            storage: if self.memory {
                StorageConfig::Memory
            } else {
                StorageConfig::Sqlite { dir: self.data_dir }
            },
            max_players: self.max_players,
            max_frame_bytes: self.max_frame_bytes,
            max_change_bytes: self.max_change_bytes,
            max_room_bytes: self.max_room_bytes,
            reliable_per_sec: self.reliable_per_sec,
            reliable_burst: self.reliable_burst,
            rate_limit_patience: Duration::from_secs(self.rate_limit_patience_secs),
            unreliable_per_sec: self.unreliable_per_sec,
            unreliable_burst: self.unreliable_burst,
            max_rooms: self.max_rooms,
            connections_per_ip_per_sec: self.connections_per_ip_per_sec,
            connections_per_ip_burst: self.connections_per_ip_burst,
            limit_loopback_connections: self.limit_loopback_connections,
            handshake_timeout: Duration::from_secs(self.handshake_timeout_secs),
            idle_timeout: Duration::from_secs(self.idle_timeout_secs),
            grace_period: Duration::from_millis(self.grace_period_ms),
            max_grace_period: Duration::from_millis(self.max_grace_period_ms),
            allowed_origins: self
                .allowed_origins
                .into_iter()
                .filter(|o| !o.is_empty())
                .collect(),
            max_outbox_bytes: self.max_outbox_bytes,
            compact_entries: self.compact_entries,
            compact_bytes: self.compact_bytes,
            log_cache_bytes: self.log_cache_bytes,
            serve: self.serve,
            admin_token: self.admin_token.filter(|t| !t.is_empty()),
            persistent: PersistentLimits {
                max_value_bytes: self.max_persistent_value_bytes,
                max_keys: self.max_persistent_keys,
                max_list_len: self.max_persistent_list_len,
                ..PersistentLimits::DEFAULT
            },
            max_watchers: self.max_watchers,
            max_matchmaking_wait: Duration::from_millis(self.max_matchmaking_wait_ms),
            ..RelayConfig::default()
        }
    }
}

/// The whole `coinop-relay` binary: logs to stderr, parses the flags,
/// starts the relay, prints `listening on ADDR` on stdout, then runs until
/// SIGINT or SIGTERM and shuts down gracefully. With a subcommand
/// ([`Command`]) it runs that instead.
pub async fn run() -> ExitCode {
    let args = Args::parse();
    if let Some(command) = args.command {
        let _flush_logs = init_logging(args.relay.log_format);
        return command.run();
    }
    // Tests and scripts read this line to learn the port.
    run_with(args.relay, Vec::new(), |addr| {
        println!("listening on {addr}")
    })
    .await
}

/// Like [`run`] with flags parsed by the caller and more static mounts
/// (`(prefix, dir)`, added after the flags' own, which win on an equal
/// prefix): lets a launcher such as an example's binary run the very same
/// relay in-process. `on_listening` gets the bound address.
pub async fn run_with(
    cli: Cli,
    extra_serve: Vec<(String, PathBuf)>,
    on_listening: impl FnOnce(SocketAddr),
) -> ExitCode {
    // Logs go to stderr; stdout carries only the "listening on" line.
    let _flush_logs = init_logging(cli.log_format);
    let mut config = cli.into_config();
    for (prefix, dir) in extra_serve {
        if !config.serve.iter().any(|(p, _)| *p == prefix) {
            config.serve.push((prefix, dir));
        }
    }
    for (prefix, dir) in &config.serve {
        if !dir.is_dir() {
            // Not fatal (it may appear later, e.g. a build in progress),
            // but every request under the prefix would 404 meanwhile.
            tracing::warn!(%prefix, dir = %dir.display(), "--serve directory does not exist");
        }
    }
    let relay = match Relay::start(config).await {
        Ok(relay) => relay,
        Err(e) => {
            tracing::error!(error = %e, "relay failed to start");
            return ExitCode::FAILURE;
        }
    };
    on_listening(relay.local_addr());
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn flags_are_consistent_and_map_to_the_config() {
        Cli::command().debug_assert();
        let cli = Cli::try_parse_from([
            "coinop-relay",
            "--memory",
            "--max-players",
            "8",
            "--idle-timeout-secs",
            "7",
            "--allowed-origins",
            "https://a.example,https://b.example",
            "--serve",
            "/coinop/=dist",
            "--serve",
            "/=site",
            "--admin-token",
            "s3cret",
        ])
        .unwrap();
        let config = cli.into_config();
        assert_eq!(config.storage, StorageConfig::Memory);
        assert_eq!(config.max_players, 8);
        assert_eq!(config.idle_timeout, Duration::from_secs(7));
        assert_eq!(
            config.allowed_origins,
            ["https://a.example", "https://b.example"]
        );
        assert_eq!(
            config.serve,
            [
                ("/coinop/".to_owned(), PathBuf::from("dist")),
                ("/".to_owned(), PathBuf::from("site"))
            ]
        );
        assert_eq!(config.admin_token.as_deref(), Some("s3cret"));
        assert!(Cli::try_parse_from(["coinop-relay", "--serve", "nodir"]).is_err());
        assert!(Cli::try_parse_from(["coinop-relay", "--serve", "x=dir"]).is_err());
        let defaults = Cli::try_parse_from(["coinop-relay"]).unwrap().into_config();
        assert_eq!(
            defaults.storage,
            StorageConfig::Sqlite {
                dir: PathBuf::from("./coinop-data")
            }
        );
        // Every flag's default is the config's (both read `defaults`).
        assert_eq!(
            format!("{defaults:?}"),
            format!("{:?}", RelayConfig::default())
        );
    }
}
