//! Relay configuration: every limit with its production default.

use crate::core::{PersistentLimits, RoomLimits};
use crate::defaults;
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
            max_change_bytes: self.max_change_bytes,
            max_room_bytes: self.max_room_bytes,
            compact_entries: self.compact_entries,
            compact_bytes: self.compact_bytes,
            cached_log_bytes: self.log_cache_bytes,
            max_watchers: usize::from(self.max_watchers),
            ..RoomLimits::default()
        }
    }
}
