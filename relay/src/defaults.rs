//! The production default of every relay setting, written once: the
//! `coinop-relay` flags ([`crate::cli`]) and [`crate::RelayConfig`]'s
//! `Default` both read them. Each is in the unit its flag takes; the
//! meaning of each is on the [`crate::RelayConfig`] field of the same name.
//! Room limits come from [`RoomLimits::DEFAULT`], the core's own.

use crate::core::{PersistentLimits, RoomLimits};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

pub(crate) const ADDR: SocketAddr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 8787));
pub(crate) const DATA_DIR: &str = "./coinop-data";
pub(crate) const MAX_PLAYERS: u16 = 64;
pub(crate) const MAX_FRAME_BYTES: usize = RoomLimits::DEFAULT.max_frame_bytes;
pub(crate) const MAX_CHANGE_BYTES: usize = RoomLimits::DEFAULT.max_change_bytes;
pub(crate) const MAX_ROOM_BYTES: u64 = RoomLimits::DEFAULT.max_room_bytes;
pub(crate) const RELIABLE_PER_SEC: u32 = 200;
pub(crate) const RELIABLE_BURST: u32 = 400;
pub(crate) const RATE_LIMIT_PATIENCE_SECS: u64 = 5;
pub(crate) const UNRELIABLE_PER_SEC: u32 = 120;
pub(crate) const UNRELIABLE_BURST: u32 = 240;
pub(crate) const MAX_ROOMS: usize = 10_000;
pub(crate) const CONNECTIONS_PER_IP_PER_SEC: u32 = 20;
pub(crate) const CONNECTIONS_PER_IP_BURST: u32 = 200;
pub(crate) const HANDSHAKE_TIMEOUT_SECS: u64 = 10;
pub(crate) const IDLE_TIMEOUT_SECS: u64 = 30;
pub(crate) const GRACE_PERIOD_MS: u64 = 5_000;
pub(crate) const MAX_GRACE_PERIOD_MS: u64 = 300_000;
pub(crate) const MAX_OUTBOX_BYTES: usize = 16 * 1024 * 1024;
pub(crate) const COMPACT_ENTRIES: usize = RoomLimits::DEFAULT.compact_entries;
pub(crate) const COMPACT_BYTES: u64 = RoomLimits::DEFAULT.compact_bytes;
pub(crate) const LOG_CACHE_BYTES: u64 = RoomLimits::DEFAULT.cached_log_bytes;
pub(crate) const MAX_REQUEST_HEAD_BYTES: usize = 16 * 1024;
pub(crate) const MAX_STATIC_FILE_BYTES: u64 = 64 * 1024 * 1024;

// Hostile players: sizes, connections, write timeouts, disk (issue 15).
pub(crate) const MAX_PROFILE_BYTES: usize = RoomLimits::DEFAULT.max_profile_bytes;
pub(crate) const MAX_UNRELIABLE_VALUE_BYTES: usize = RoomLimits::DEFAULT.max_unreliable_value_bytes;
pub(crate) const MAX_UNRELIABLE_BYTES: u64 = RoomLimits::DEFAULT.max_unreliable_bytes;
pub(crate) const MAX_RPC_BYTES: usize = RoomLimits::DEFAULT.max_rpc_bytes;
pub(crate) const RPC_REPLY_SECS: u64 = RoomLimits::DEFAULT.rpc_reply_ms / 1000;
pub(crate) const MAX_CALLS_PER_PLAYER: usize = RoomLimits::DEFAULT.max_calls_per_player;
pub(crate) const MAX_CONNECTIONS: usize = 10_000;
pub(crate) const WRITE_TIMEOUT_SECS: u64 = 10;
pub(crate) const MAX_DATA_BYTES: u64 = 0;
pub(crate) const MIN_FREE_DISK_BYTES: u64 = 256 * 1024 * 1024;
// Cluster mode (--database-url).
pub(crate) const LEASE_MS: u64 = 5_000;
// Room lifecycle.
pub(crate) const ROOM_TTL_SECS: u64 = 30 * 24 * 3600;
pub(crate) const ROOM_SWEEP_SECS: u64 = 3600;
// Playroom parity: persistent data, matchmaking, stream screens and spectators.
pub(crate) const MAX_PERSISTENT_VALUE_BYTES: usize = PersistentLimits::DEFAULT.max_value_bytes;
pub(crate) const MAX_PERSISTENT_KEYS: usize = PersistentLimits::DEFAULT.max_keys;
pub(crate) const MAX_PERSISTENT_LIST_LEN: usize = PersistentLimits::DEFAULT.max_list_len;
pub(crate) const MAX_WATCHERS: u16 = 64;
const _: () = assert!(MAX_WATCHERS as usize == RoomLimits::DEFAULT.max_watchers);
// Below the SDK's 12 s heartbeat timeout while it waits for its welcome.
pub(crate) const MAX_MATCHMAKING_WAIT_MS: u64 = 10_000;
