//! The trait every storage backend implements.

use super::error::StorageError;
use super::records::{Append, Group, PlayerRoom, PlayerRoomUpdate};
use crate::core::{RoomMeta, Snapshot};
use coinop_protocol::{LogEntry, PersistentValue, PlayerId, RoomCode, Seq};

/// What a relay persists. Implementations are used from one thread at a
/// time, so they take `&mut self` and need no locking of their own.
pub trait Storage: Send + 'static {
    /// Appends every batch in ONE atomic, durable transaction: all or none.
    fn append(&mut self, batch: &[Append]) -> Result<(), StorageError>;
    /// The room's log entries with seq > `after`, in order.
    fn read_tail(&mut self, room: &RoomCode, after: Seq) -> Result<Vec<LogEntry>, StorageError>;
    /// The room's snapshot, if it was compacted.
    fn read_snapshot(&mut self, room: &RoomCode) -> Result<Option<Snapshot>, StorageError>;
    /// Stores the snapshot and, atomically, deletes the log entries with
    /// seq <= the `upto` of the snapshot it replaces (none for a first).
    ///
    /// Not up to its own `upto`: the room task adopts a snapshot only after
    /// it is stored, so a joiner may meanwhile be given the snapshot this
    /// one replaces and be reading the log after it. The room waits for
    /// that read before it adopts anything, and compacts one snapshot at a
    /// time, so no read reaches further back than the replaced snapshot:
    /// trimming to it never takes an entry a reader still needs. The log
    /// keeps one compaction's worth of entries more; reads after a
    /// snapshot's `upto` skip them.
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
        let touched: Vec<RoomCode> = group.appends.iter().map(|a| a.room.clone()).collect();
        self.touch_rooms(&touched, group.at_ms)?;
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

    // Room lifecycle: bans, deletion, expiry.

    /// The players banned from the room (kicked and not unbanned since).
    fn banned(&mut self, room: &RoomCode) -> Result<Vec<PlayerId>, StorageError>;
    /// Bans `player` from the room, or lifts the ban.
    fn set_banned(
        &mut self,
        room: &RoomCode,
        player: &PlayerId,
        banned: bool,
    ) -> Result<(), StorageError>;
    /// Notes that these rooms were used at `at_ms` (a change stored; joins
    /// touch their room through [`Storage::record_player_rooms`]). A room
    /// untouched long enough expires ([`Storage::untouched_rooms`]).
    fn touch_rooms(&mut self, rooms: &[RoomCode], at_ms: u64) -> Result<(), StorageError>;
    /// Up to `limit` rooms last touched (created, written or joined)
    /// before `before_ms`, the oldest first.
    fn untouched_rooms(
        &mut self,
        before_ms: u64,
        limit: usize,
    ) -> Result<Vec<RoomCode>, StorageError>;
    /// Removes everything stored about the room, in one transaction: its
    /// log, snapshot, settings, bans and per-player index rows. Whether
    /// the room existed.
    fn delete_room(&mut self, room: &RoomCode) -> Result<bool, StorageError>;

    // Players' persistent data.

    /// The value under one of a player's persistent keys.
    fn persistent_get(
        &mut self,
        player: &PlayerId,
        key: &str,
    ) -> Result<Option<PersistentValue>, StorageError>;
    /// How many persistent keys the player holds.
    fn persistent_key_count(&mut self, player: &PlayerId) -> Result<usize, StorageError>;
    /// Stores one of a player's persistent keys durably, replacing what it
    /// held; `None` deletes it.
    fn persistent_put(
        &mut self,
        player: &PlayerId,
        key: &str,
        value: Option<&PersistentValue>,
    ) -> Result<(), StorageError>;
    /// Work the storage does between groups, after their waiters are
    /// answered, so it never delays an ack. The SQLite storage moves the
    /// entries it appended in arrival order into the log ordered by room
    /// here (see `storage/log_fold.rs`); the default does nothing.
    fn maintain(&mut self) -> Result<(), StorageError> {
        Ok(())
    }
}
