//! The `coinop-relay` command line: flags (each with a `COINOP_*`
//! environment fallback) and [`run`], the whole binary.

use crate::command::Command;
use crate::core::PersistentLimits;
use crate::log_format::{LogFormat, init_logging};
use crate::tls::{AcmeSettings, LETS_ENCRYPT_PRODUCTION, TlsSettings};
use crate::{ClusterConfig, Relay, RelayConfig, StorageConfig, defaults};
use clap::Parser;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};
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
    /// Address to listen on (HTTP and WebSocket on the same port; HTTPS and
    /// WSS with --tls-cert or --acme-domain).
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
    /// player arrives from loopback, unless the proxy is in
    /// --trusted-proxies).
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
    /// Keep this many bytes of each room's newest log entries in memory
    /// (each entry's change, sender and bookkeeping); older entries (all on
    /// disk) are read back for late joiners and compaction.
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
    // Hostile players: sizes, connections, write timeouts, disk (issue 15).
    /// Largest profile (name, colour, avatar) at a join, in bytes.
    #[arg(long, env = "COINOP_MAX_PROFILE_BYTES", default_value_t = defaults::MAX_PROFILE_BYTES)]
    max_profile_bytes: usize,
    /// Largest unreliable value, in bytes.
    #[arg(long, env = "COINOP_MAX_UNRELIABLE_VALUE_BYTES", default_value_t = defaults::MAX_UNRELIABLE_VALUE_BYTES)]
    max_unreliable_value_bytes: usize,
    /// Most bytes of unreliable values (keys included) a room keeps.
    #[arg(long, env = "COINOP_MAX_UNRELIABLE_BYTES", default_value_t = defaults::MAX_UNRELIABLE_BYTES)]
    max_unreliable_bytes: u64,
    /// Largest RPC (name and payload) or RPC reply, in bytes.
    #[arg(long, env = "COINOP_MAX_RPC_BYTES", default_value_t = defaults::MAX_RPC_BYTES)]
    max_rpc_bytes: usize,
    /// How long a forwarded RPC accepts replies, in seconds.
    #[arg(long, env = "COINOP_RPC_REPLY_SECS", default_value_t = defaults::RPC_REPLY_SECS)]
    rpc_reply_secs: u64,
    /// Most RPCs waiting for replies per caller.
    #[arg(long, env = "COINOP_MAX_CALLS_PER_PLAYER", default_value_t = defaults::MAX_CALLS_PER_PLAYER)]
    max_calls_per_player: usize,
    /// Most connections at once (0: no cap); the excess gets 503.
    #[arg(long, env = "COINOP_MAX_CONNECTIONS", default_value_t = defaults::MAX_CONNECTIONS)]
    max_connections: usize,
    /// Close a connection whose client takes no bytes for this long.
    #[arg(long, env = "COINOP_WRITE_TIMEOUT_SECS", default_value_t = defaults::WRITE_TIMEOUT_SECS)]
    write_timeout_secs: u64,
    /// Most bytes the data directory may hold (0: no quota); past it new
    /// rooms and writes are refused with DISK_FULL.
    #[arg(long, env = "COINOP_MAX_DATA_BYTES", default_value_t = defaults::MAX_DATA_BYTES)]
    max_data_bytes: u64,
    /// Refuse new rooms and writes (DISK_FULL) once the data directory's
    /// disk has less free space than this (0: off).
    #[arg(long, env = "COINOP_MIN_FREE_DISK_BYTES", default_value_t = defaults::MIN_FREE_DISK_BYTES)]
    min_free_disk_bytes: u64,
    // Cluster mode.
    /// Cluster mode: store rooms in this PostgreSQL database
    /// (`postgres://user@host:port/db`), shared by every node; replaces the
    /// data directory.
    #[arg(
        long,
        env = "COINOP_DATABASE_URL",
        hide_env_values = true,
        conflicts_with = "memory"
    )]
    database_url: Option<String>,
    /// Cluster mode: the `host:port` other nodes reach this one at
    /// (default: the listening address, which must then not be 0.0.0.0).
    #[arg(long, env = "COINOP_NODE_ADDR")]
    node_addr: Option<String>,
    /// Cluster mode: a room's lease, in milliseconds; a dead node's rooms
    /// move to another node after this long.
    #[arg(long, env = "COINOP_LEASE_MS", default_value_t = defaults::LEASE_MS)]
    lease_ms: u64,
    // Room lifecycle.
    /// Delete a stored room (with its player index rows) once nobody has
    /// created, written or joined it for this many seconds; 0 keeps rooms
    /// forever. Default: 30 days.
    #[arg(long, env = "COINOP_ROOM_TTL_SECS", default_value_t = defaults::ROOM_TTL_SECS)]
    room_ttl_secs: u64,
    /// How often to look for rooms past `--room-ttl-secs`, in seconds.
    #[arg(long, env = "COINOP_ROOM_SWEEP_SECS", default_value_t = defaults::ROOM_SWEEP_SECS)]
    room_sweep_secs: u64,
    /// Log lines as text or as one JSON object per line.
    #[arg(
        long,
        env = "COINOP_LOG_FORMAT",
        value_enum,
        default_value_t,
        global = true
    )]
    log_format: LogFormat,

    // HTTPS, WSS and reverse proxies (issue 18).
    /// Serve HTTPS and WSS with this PEM certificate chain (and --tls-key).
    /// Both files are read again when they change and on SIGHUP; open
    /// connections keep their certificate.
    #[arg(
        long,
        env = "COINOP_TLS_CERT",
        value_name = "FILE",
        requires = "tls_key"
    )]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(
        long,
        env = "COINOP_TLS_KEY",
        value_name = "FILE",
        requires = "tls_cert"
    )]
    tls_key: Option<PathBuf>,
    /// Serve HTTPS and WSS with a certificate for DOMAIN from an ACME
    /// directory (Let's Encrypt unless --acme-directory), renewed before it
    /// expires and kept in the data directory's `acme/`. The directory
    /// checks the domain on this port (TLS-ALPN-01): DOMAIN must resolve
    /// here and port 443 reach the relay (--addr 0.0.0.0:443).
    #[arg(
        long,
        env = "COINOP_ACME_DOMAIN",
        value_name = "DOMAIN",
        conflicts_with = "tls_cert"
    )]
    acme_domain: Option<String>,
    /// Contact e-mail for the ACME account (expiry warnings).
    #[arg(
        long,
        env = "COINOP_ACME_EMAIL",
        value_name = "EMAIL",
        requires = "acme_domain"
    )]
    acme_email: Option<String>,
    /// The ACME directory URL.
    #[arg(long, env = "COINOP_ACME_DIRECTORY", value_name = "URL", default_value = LETS_ENCRYPT_PRODUCTION)]
    acme_directory: String,
    /// A PEM CA certificate to trust for the ACME directory's own HTTPS (a
    /// private or test ACME server); default: the system's roots.
    #[arg(
        long,
        env = "COINOP_ACME_DIRECTORY_CA",
        value_name = "FILE",
        requires = "acme_domain"
    )]
    acme_directory_ca: Option<PathBuf>,
    /// Renew the ACME certificate once it has fewer days left.
    #[arg(
        long,
        env = "COINOP_ACME_RENEW_DAYS",
        value_name = "DAYS",
        default_value_t = 30
    )]
    acme_renew_days: u64,
    /// Also listen on ADDR with plain HTTP and redirect every request to
    /// the same path over HTTPS (such as 0.0.0.0:80). Needs TLS.
    #[arg(long, env = "COINOP_REDIRECT_HTTP", value_name = "ADDR")]
    redirect_http: Option<SocketAddr>,
    /// Reverse proxies whose `X-Forwarded-For` / `Forwarded` headers name
    /// the client (for the per-address limit, logs and the inspector's
    /// loopback rule): comma-separated addresses or CIDRs, such as
    /// `127.0.0.1,::1` for a proxy on the same host. Others' headers are
    /// ignored.
    #[arg(long, env = "COINOP_TRUSTED_PROXIES", value_name = "CIDR",
          value_delimiter = ',', value_parser = parse_cidr)]
    trusted_proxies: Vec<IpNet>,
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

/// A CIDR block, or one address (a /32 or /128).
fn parse_cidr(s: &str) -> Result<IpNet, String> {
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("expected an address or CIDR block, got {s:?}"))
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
            storage: match (self.memory, self.database_url) {
                (true, _) => StorageConfig::Memory,
                (false, Some(url)) => StorageConfig::Postgres { url },
                (false, None) => StorageConfig::Sqlite {
                    dir: self.data_dir.clone(),
                },
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
            max_profile_bytes: self.max_profile_bytes,
            max_unreliable_value_bytes: self.max_unreliable_value_bytes,
            max_unreliable_bytes: self.max_unreliable_bytes,
            max_rpc_bytes: self.max_rpc_bytes,
            rpc_reply_timeout: Duration::from_secs(self.rpc_reply_secs),
            max_calls_per_player: self.max_calls_per_player,
            max_connections: self.max_connections,
            write_timeout: Duration::from_secs(self.write_timeout_secs),
            max_data_bytes: self.max_data_bytes,
            min_free_disk_bytes: self.min_free_disk_bytes,
            cluster: ClusterConfig {
                node_addr: self.node_addr.filter(|a| !a.is_empty()),
                lease: Duration::from_millis(self.lease_ms.max(1)),
            },
            tls: match (self.tls_cert, self.tls_key, self.acme_domain) {
                (Some(cert), Some(key), _) => Some(TlsSettings::Files { cert, key }),
                (_, _, Some(domain)) => Some(TlsSettings::Acme(AcmeSettings {
                    email: self.acme_email,
                    directory: self.acme_directory,
                    directory_ca: self.acme_directory_ca,
                    renew_before: Duration::from_secs(self.acme_renew_days * 24 * 3600),
                    ..AcmeSettings::new(domain, self.data_dir.join("acme"))
                })),
                _ => None,
            },
            redirect_http: self.redirect_http,
            trusted_proxies: self.trusted_proxies,
            room_ttl: Duration::from_secs(self.room_ttl_secs),
            room_sweep_interval: Duration::from_secs(self.room_sweep_secs.max(1)),
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
    wait_for_signal(&relay).await;
    tracing::info!("shutting down");
    relay.shutdown().await;
    ExitCode::SUCCESS
}

/// Waits for SIGINT or SIGTERM; SIGHUP reloads the TLS certificate.
async fn wait_for_signal(relay: &Relay) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) {
            (Ok(mut term), Ok(mut hup)) => loop {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => return,
                    _ = term.recv() => return,
                    _ = hup.recv() => {
                        tracing::info!("SIGHUP: reloading the TLS certificate");
                        relay.reload_tls();
                    }
                }
            },
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = relay;
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
        let cluster = Cli::try_parse_from([
            "coinop-relay",
            "--database-url",
            "postgres://coinop@127.0.0.1:5432/coinop",
            "--node-addr",
            "10.0.0.7:8787",
            "--lease-ms",
            "2000",
        ])
        .unwrap()
        .into_config();
        assert_eq!(
            cluster.storage,
            StorageConfig::Postgres {
                url: "postgres://coinop@127.0.0.1:5432/coinop".into()
            }
        );
        assert_eq!(cluster.cluster.node_addr.as_deref(), Some("10.0.0.7:8787"));
        assert_eq!(cluster.cluster.lease, Duration::from_millis(2000));
        let both = [
            "coinop-relay",
            "--memory",
            "--database-url",
            "postgres://h/db",
        ];
        assert!(
            Cli::try_parse_from(both).is_err(),
            "memory or a database, not both"
        );
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

    #[test]
    fn tls_and_proxy_flags_map_to_the_config() {
        let cli = Cli::try_parse_from([
            "coinop-relay",
            "--tls-cert",
            "c.pem",
            "--tls-key",
            "k.pem",
            "--redirect-http",
            "0.0.0.0:80",
            "--trusted-proxies",
            "127.0.0.1,10.0.0.0/8,::1",
        ])
        .unwrap();
        let config = cli.into_config();
        assert_eq!(
            config.tls,
            Some(TlsSettings::Files {
                cert: PathBuf::from("c.pem"),
                key: PathBuf::from("k.pem")
            })
        );
        assert_eq!(
            config.redirect_http,
            Some(SocketAddr::from(([0, 0, 0, 0], 80)))
        );
        let proxies: Vec<String> = config
            .trusted_proxies
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(proxies, ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]);

        let cli = Cli::try_parse_from([
            "coinop-relay",
            "--data-dir",
            "/srv/d",
            "--acme-domain",
            "game.example",
            "--acme-email",
            "ops@game.example",
        ])
        .unwrap();
        let Some(TlsSettings::Acme(acme)) = cli.into_config().tls else {
            panic!("no ACME settings");
        };
        assert_eq!(acme.domain, "game.example");
        assert_eq!(acme.email.as_deref(), Some("ops@game.example"));
        assert_eq!(acme.directory, LETS_ENCRYPT_PRODUCTION);
        assert_eq!(acme.cache_dir, PathBuf::from("/srv/d/acme"));
        assert_eq!(acme.renew_before, Duration::from_secs(30 * 24 * 3600));

        // A certificate needs its key; files and ACME exclude each other.
        assert!(Cli::try_parse_from(["coinop-relay", "--tls-cert", "c.pem"]).is_err());
        let both = [
            "coinop-relay",
            "--tls-cert",
            "c",
            "--tls-key",
            "k",
            "--acme-domain",
            "d",
        ];
        assert!(Cli::try_parse_from(both).is_err());
        assert!(Cli::try_parse_from(["coinop-relay", "--trusted-proxies", "nope"]).is_err());
    }
}
