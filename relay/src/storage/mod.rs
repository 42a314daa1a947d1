//! Durable storage behind one trait, and the group-commit thread that owns it.
//!
//! Every storage call happens on one dedicated thread ([`StorageHandle`]),
//! which takes all pending appends from all rooms and commits them in one
//! transaction: many changes per fsync.

mod backup;
mod crash_point;
mod dir_lock;
mod handle;
mod memory;
mod restore;
pub mod schema;
mod sqlite;
#[cfg(test)]
mod tests;

pub use backup::{BackupSummary, backup};
pub use crash_point::{CRASH_POINT_ENV, CrashPoint};
pub use dir_lock::{DirLock, LOCK_FILE};
pub use handle::StorageHandle;
pub use memory::MemoryStorage;
pub use restore::restore;
pub use sqlite::{DB_FILE, SqliteStorage};

use crate::core::{RoomMeta, Snapshot};
use coinop_protocol::{LogEntry, PlayerId, RoomCode, Seq};

/// A storage backend failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// SQLite reported an error.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A file or directory could not be created, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: std::path::PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The data directory is locked by another process.
    #[error("data directory {dir} is in use by {by}")]
    InUse {
        /// The directory.
        dir: std::path::PathBuf,
        /// Who holds it.
        by: &'static str,
    },
    /// A newer relay wrote this database.
    #[error(
        "{path} has schema version {found}, newer than this relay's {supported}: \
         run the newer coinop-relay that wrote it (or restore a backup made before the upgrade)"
    )]
    TooNew {
        /// The database file.
        path: std::path::PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest this relay reads.
        supported: i64,
    },
    /// A restore would overwrite a data directory that holds data.
    #[error("data directory {0} is not empty (restore --force replaces its database)")]
    NotEmpty(std::path::PathBuf),
    /// A file given as a backup is not a coinop database.
    #[error("{path} is not a coinop backup: {reason}")]
    NotABackup {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The database stayed locked by its writers for too long.
    #[error("the database stayed busy; try again")]
    Busy,
    /// Stored data did not have the expected shape.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// A group commit failed; nothing of it was stored.
    #[error("commit failed: {0}")]
    Commit(String),
    /// The storage thread is gone (the relay is shutting down).
    #[error("the storage thread stopped")]
    Stopped,
    /// An injected failure (tests).
    #[error("storage failure injected for testing")]
    Injected,
}

/// Entries to append to one room's log.
#[derive(Debug, Clone)]
pub struct Append {
    /// The room.
    pub room: RoomCode,
    /// Consecutive entries, in seq order.
    pub entries: Vec<LogEntry>,
}

/// One row of the per-player room index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayerRoom {
    /// The room.
    pub room: RoomCode,
    /// Whether the player was ever host there.
    pub host: bool,
    /// The last time the player joined (or became host), ms since the Unix epoch.
    pub last_joined_ms: u64,
}

/// One join to record in the per-player room index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayerRoomUpdate {
    /// The player.
    pub player: PlayerId,
    /// The room.
    pub room: RoomCode,
    /// Whether the player is host there now.
    pub host: bool,
    /// When, in ms since the Unix epoch.
    pub at_ms: u64,
}

/// Writes the storage thread commits together.
#[derive(Debug, Default)]
pub struct Group {
    /// New rooms' metadata.
    pub rooms: Vec<RoomMeta>,
    /// First-use bindings of player ids to secret hashes; an id that is
    /// already bound keeps its hash.
    pub secrets: Vec<(PlayerId, [u8; 32])>,
    /// Log entries.
    pub appends: Vec<Append>,
    /// Per-player room index rows queued meanwhile. They ride along with
    /// the rest instead of costing an fsync of their own; they alone do not
    /// make a group.
    pub index: Vec<PlayerRoomUpdate>,
}

impl Group {
    pub(crate) fn is_empty(&self) -> bool {
        self.rooms.is_empty() && self.secrets.is_empty() && self.appends.is_empty()
    }
}

/// What a relay persists. Implementations are used from one thread at a
/// time, so they take `&mut self` and need no locking of their own.
pub trait Storage: Send + 'static {
    /// Appends every batch in ONE atomic, durable transaction: all or none.
    fn append(&mut self, batch: &[Append]) -> Result<(), StorageError>;
    /// The room's log entries with seq > `after`, in order.
    fn read_tail(&mut self, room: &RoomCode, after: Seq) -> Result<Vec<LogEntry>, StorageError>;
    /// The room's snapshot, if it was compacted.
    fn read_snapshot(&mut self, room: &RoomCode) -> Result<Option<Snapshot>, StorageError>;
    /// Stores the snapshot and deletes log entries with seq <= its `upto`,
    /// atomically.
    fn write_snapshot(&mut self, room: &RoomCode, snapshot: &Snapshot) -> Result<(), StorageError>;
    /// The SHA-256 of the player's secret, if the id is bound.
    fn secret_hash(&mut self, player: &PlayerId) -> Result<Option<[u8; 32]>, StorageError>;
    /// Binds the player id to this secret hash.
    fn put_secret_hash(&mut self, player: &PlayerId, hash: [u8; 32]) -> Result<(), StorageError>;
    /// The room's settings, if it exists.
    fn room_meta(&mut self, room: &RoomCode) -> Result<Option<RoomMeta>, StorageError>;
    /// Creates the room's settings record.
    fn put_room_meta(&mut self, meta: &RoomMeta) -> Result<(), StorageError>;
    /// Writes a [`Group`] in one durable transaction: the storage thread's
    /// group commit, one fsync for all of it. The default writes its parts
    /// one by one, for storage without transactions.
    fn commit_group(&mut self, group: &Group) -> Result<(), StorageError> {
        for meta in &group.rooms {
            self.put_room_meta(meta)?;
        }
        for (player, hash) in &group.secrets {
            if self.secret_hash(player)?.is_none() {
                self.put_secret_hash(player, *hash)?;
            }
        }
        self.append(&group.appends)?;
        if !group.index.is_empty()
            && let Err(e) = self.record_player_rooms(&group.index)
        {
            // The index is a convenience; the group's writes are durable.
            tracing::warn!(error = %e, rows = group.index.len(), "player room index not updated");
        }
        Ok(())
    }
    /// Every stored room.
    fn list_rooms(&mut self) -> Result<Vec<RoomMeta>, StorageError>;
    /// Records joins in the per-player room index, in one transaction
    /// (host flags accumulate, the latest time wins).
    fn record_player_rooms(&mut self, rows: &[PlayerRoomUpdate]) -> Result<(), StorageError>;
    /// The rooms this player joined or hosted, most recent first.
    fn player_rooms(&mut self, player: &PlayerId) -> Result<Vec<PlayerRoom>, StorageError>;
}
