//! Relay configuration: every limit with its production default.

use crate::core::{PersistentLimits, RoomLimits};
use crate::defaults;
use crate::tls::TlsSettings;
use ipnet::IpNet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Where the relay keeps room logs, snapshots and player credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageConfig {
    /// Nothing persists across restarts (tests, demos).
    Memory,
    /// SQLite in `dir/coinop.db` (WAL, `synchronous=FULL`).
    Sqlite {
        /// The data directory, created if missing.
        dir: PathBuf,
    },
    /// Cluster mode: PostgreSQL at `url`, shared by every node; each room is
    /// served by the one node holding its lease ([`ClusterConfig`]).
    Postgres {
        /// `postgres://user[:password]@host[:port]/database`.
        url: String,
    },
}

/// Cluster mode's settings (used with [`StorageConfig::Postgres`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterConfig {
    /// The address other nodes reach this one at (`host:port`), stored in
    /// the leases it holds. `None`: the address the relay listens on, which
    /// must then not be a wildcard address.
    pub node_addr: Option<String>,
    /// How long a room's lease lasts without renewal: a dead node's rooms
    /// move to other nodes after this long. Renewed every third of it.
    pub lease: Duration,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        Self {
            node_addr: None,
            lease: Duration::from_millis(defaults::LEASE_MS),
        }
    }
}

/// Everything a relay can be told. [`Default`] gives production defaults.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// Address to listen on.
    pub addr: SocketAddr,
    /// Storage backend.
    pub storage: StorageConfig,
    /// Most players per room; also the default when a join names none.
    pub max_players: u16,
    /// Largest WebSocket message or frame, in bytes.
    pub max_frame_bytes: usize,
    /// Largest automerge change, in bytes.
    pub max_change_bytes: usize,
    /// Largest stored room (snapshot + log), in bytes.
    pub max_room_bytes: u64,
    /// Reliable messages per second per connection (sustained).
    pub reliable_per_sec: u32,
    /// Reliable messages a connection may send in a burst.
    pub reliable_burst: u32,
    /// A connection throttled continuously for this long is closed with
    /// RATE_LIMITED. Until then it is only read more slowly.
    pub rate_limit_patience: Duration,
    /// Unreliable messages per second per connection; the excess is dropped.
    pub unreliable_per_sec: u32,
    /// Unreliable messages a connection may send in a burst.
    pub unreliable_burst: u32,
    /// Most rooms loaded at once.
    pub max_rooms: usize,
    /// New connections per second from one client address (sustained);
    /// the excess gets `429 Too Many Requests` before anything is read.
    /// 0 turns the limit off.
    pub connections_per_ip_per_sec: u32,
    /// New connections one address may open in a burst.
    pub connections_per_ip_burst: u32,
    /// Apply the per-address limit to loopback peers too. Off by default:
    /// behind a reverse proxy on the same host every player arrives from
    /// loopback.
    pub limit_loopback_connections: bool,
    /// Time allowed for the HTTP request and the join frame.
    pub handshake_timeout: Duration,
    /// A connection that sends nothing for this long is closed.
    pub idle_timeout: Duration,
    /// Default grace period for a dropped player's seat.
    pub grace_period: Duration,
    /// Longest grace period a room may ask for.
    pub max_grace_period: Duration,
    /// Allowed `Origin` header values; empty allows any.
    pub allowed_origins: Vec<String>,
    /// Most bytes of reliable frames queued for one connection before it is
    /// closed with SLOW_CONSUMER.
    pub max_outbox_bytes: usize,
    /// Compact a room once its log since the snapshot has this many entries...
    pub compact_entries: usize,
    /// ...or this many bytes.
    pub compact_bytes: u64,
    /// Change bytes of each room's newest durable log entries kept in
    /// memory; older ones are read back from storage when needed.
    pub log_cache_bytes: u64,
    /// Largest HTTP request head, in bytes.
    pub max_request_head_bytes: usize,
    /// Static file mounts: URL prefix (such as `/` or `/coinop/`) and the
    /// directory served under it. The longest matching prefix wins; the
    /// relay's own endpoints always come first.
    pub serve: Vec<(String, PathBuf)>,
    /// Largest static file served, in bytes (larger ones answer 404).
    pub max_static_file_bytes: u64,
    /// Lets non-loopback peers use the inspector (`/inspect`, `/api/rooms`)
    /// when they present this token. `None`: loopback only.
    pub admin_token: Option<String>,
    // Hostile players: sizes, connections, write timeouts, disk (issue 15).
    /// Largest profile at a join, in bytes (PROFILE_TOO_LARGE beyond).
    pub max_profile_bytes: usize,
    /// Largest unreliable value, in bytes (VALUE_TOO_LARGE beyond).
    pub max_unreliable_value_bytes: usize,
    /// Most bytes of unreliable values a room keeps (VALUE_TOO_LARGE beyond).
    pub max_unreliable_bytes: u64,
    /// Largest RPC or RPC reply, in bytes (RPC_TOO_LARGE beyond).
    pub max_rpc_bytes: usize,
    /// How long a forwarded RPC accepts replies.
    pub rpc_reply_timeout: Duration,
    /// Most RPCs waiting for replies per caller (TOO_MANY_CALLS beyond).
    pub max_calls_per_player: usize,
    /// Most connections (HTTP and WebSocket) at once; the excess gets
    /// `503` before anything is read. 0 turns the cap off.
    pub max_connections: usize,
    /// A write to a client (an HTTP response or a WebSocket frame) that
    /// makes no progress for this long closes the connection.
    pub write_timeout: Duration,
    /// Most bytes the data directory may hold; past it new rooms and writes
    /// are refused with DISK_FULL. 0: no quota.
    pub max_data_bytes: u64,
    /// Refuse new rooms and writes (DISK_FULL) once the data directory's
    /// file system has less free space than this. 0 turns it off.
    pub min_free_disk_bytes: u64,
    /// Cluster mode's node address and lease length.
    pub cluster: ClusterConfig,

    // HTTPS, WSS and reverse proxies (issue 18).
    /// Serve HTTPS and WSS on [`RelayConfig::addr`] with this certificate;
    /// `None` serves plain HTTP and WebSocket.
    pub tls: Option<TlsSettings>,
    /// Also listen here with plain HTTP and redirect every request to the
    /// same path over HTTPS (needs [`RelayConfig::tls`]).
    pub redirect_http: Option<SocketAddr>,
    /// Peers (reverse proxies) whose `Forwarded` / `X-Forwarded-For`
    /// headers name the client: its address then counts for the
    /// per-address limit, the logs and the inspector's loopback rule.
    /// Empty: every peer is the client.
    pub trusted_proxies: Vec<IpNet>,
    // Room lifecycle.
    /// A stored room nobody created, wrote or joined for this long is
    /// deleted with its index rows; zero keeps rooms forever.
    pub room_ttl: Duration,
    /// How often the relay looks for such rooms.
    pub room_sweep_interval: Duration,
    // Playroom parity: persistent data, matchmaking, stream screens and spectators.
    /// Limits on each player's persistent data.
    pub persistent: PersistentLimits,
    /// Most stream screens and spectators per room (they take no player seat).
    pub max_watchers: u16,
    /// Longest a matchmaking join may wait for an open public room before
    /// one is created, whatever it asks.
    pub max_matchmaking_wait: Duration,
}

impl Default for RelayConfig {
    fn default() -> Self {
        Self {
            addr: defaults::ADDR,
            storage: StorageConfig::Sqlite {
                dir: PathBuf::from(defaults::DATA_DIR),
            },
            max_players: defaults::MAX_PLAYERS,
            max_frame_bytes: defaults::MAX_FRAME_BYTES,
            max_change_bytes: defaults::MAX_CHANGE_BYTES,
            max_room_bytes: defaults::MAX_ROOM_BYTES,
            reliable_per_sec: defaults::RELIABLE_PER_SEC,
            reliable_burst: defaults::RELIABLE_BURST,
            rate_limit_patience: Duration::from_secs(defaults::RATE_LIMIT_PATIENCE_SECS),
            unreliable_per_sec: defaults::UNRELIABLE_PER_SEC,
            unreliable_burst: defaults::UNRELIABLE_BURST,
            max_rooms: defaults::MAX_ROOMS,
            connections_per_ip_per_sec: defaults::CONNECTIONS_PER_IP_PER_SEC,
            connections_per_ip_burst: defaults::CONNECTIONS_PER_IP_BURST,
            limit_loopback_connections: false,
            handshake_timeout: Duration::from_secs(defaults::HANDSHAKE_TIMEOUT_SECS),
            idle_timeout: Duration::from_secs(defaults::IDLE_TIMEOUT_SECS),
            grace_period: Duration::from_millis(defaults::GRACE_PERIOD_MS),
            max_grace_period: Duration::from_millis(defaults::MAX_GRACE_PERIOD_MS),
            allowed_origins: Vec::new(),
            max_outbox_bytes: defaults::MAX_OUTBOX_BYTES,
            compact_entries: defaults::COMPACT_ENTRIES,
            compact_bytes: defaults::COMPACT_BYTES,
            log_cache_bytes: defaults::LOG_CACHE_BYTES,
            max_request_head_bytes: defaults::MAX_REQUEST_HEAD_BYTES,
            serve: Vec::new(),
            max_static_file_bytes: defaults::MAX_STATIC_FILE_BYTES,
            admin_token: None,
            max_profile_bytes: defaults::MAX_PROFILE_BYTES,
            max_unreliable_value_bytes: defaults::MAX_UNRELIABLE_VALUE_BYTES,
            max_unreliable_bytes: defaults::MAX_UNRELIABLE_BYTES,
            max_rpc_bytes: defaults::MAX_RPC_BYTES,
            rpc_reply_timeout: Duration::from_secs(defaults::RPC_REPLY_SECS),
            max_calls_per_player: defaults::MAX_CALLS_PER_PLAYER,
            max_connections: defaults::MAX_CONNECTIONS,
            write_timeout: Duration::from_secs(defaults::WRITE_TIMEOUT_SECS),
            max_data_bytes: defaults::MAX_DATA_BYTES,
            min_free_disk_bytes: defaults::MIN_FREE_DISK_BYTES,
            cluster: ClusterConfig::default(),
            tls: None,
            redirect_http: None,
            trusted_proxies: Vec::new(),
            room_ttl: Duration::from_secs(defaults::ROOM_TTL_SECS),
            room_sweep_interval: Duration::from_secs(defaults::ROOM_SWEEP_SECS),
            persistent: PersistentLimits::DEFAULT,
            max_watchers: defaults::MAX_WATCHERS,
            max_matchmaking_wait: Duration::from_millis(defaults::MAX_MATCHMAKING_WAIT_MS),
        }
    }
}

impl RelayConfig {
    /// For tests: `127.0.0.1:0`, in-memory storage, a 1 s grace period,
    /// 2 s handshake and 10 s idle timeouts.
    pub fn for_tests() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            storage: StorageConfig::Memory,
            handshake_timeout: Duration::from_secs(2),
            idle_timeout: Duration::from_secs(10),
            grace_period: Duration::from_secs(1),
            ..Self::default()
        }
    }

    /// The limits each room enforces.
    pub fn room_limits(&self) -> RoomLimits {
        RoomLimits {
            max_frame_bytes: self.max_frame_bytes,
            max_change_bytes: self.max_change_bytes,
            max_room_bytes: self.max_room_bytes,
            compact_entries: self.compact_entries,
            compact_bytes: self.compact_bytes,
            cached_log_bytes: self.log_cache_bytes,
            max_profile_bytes: self.max_profile_bytes,
            max_unreliable_value_bytes: self.max_unreliable_value_bytes,
            max_unreliable_bytes: self.max_unreliable_bytes,
            max_rpc_bytes: self.max_rpc_bytes,
            rpc_reply_ms: u64::try_from(self.rpc_reply_timeout.as_millis()).unwrap_or(u64::MAX),
            max_calls_per_player: self.max_calls_per_player,
            max_watchers: usize::from(self.max_watchers),
            ..RoomLimits::default()
        }
    }
}
